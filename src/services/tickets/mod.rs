//! Cases: the stored case, and finding one the caller may see. Intake, the reference
//! number, the list, edits and status changes, and comments each have their own module.
mod comments;
mod intake;
mod lifecycle;
mod query;
mod reference;

pub use comments::{add_comment, comments};
pub use intake::{Contact, Filing, FilingStart, NewCompany, NewTicket, create};
pub use lifecycle::{RoutingRequest, TicketChanges, route, transition, update};
pub use query::{TicketFilter, jst_day_start, list};

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::{Actor, Scope, policy::sees_company_records},
    classifier::RoutingDecision,
    domain::{
        company_size::CompanySize,
        ticket_status::{IllegalTransition, TicketStatus},
    },
    entities::{company, outcome, ticket},
    error::ApiError,
    services::companies::size_of,
};

/// A stored case. The company details its filer gave are on the row; the shared company
/// record is loaded only for the roles that see it.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The row.
    pub row: ticket::Model,
    /// The shared company record, for coordinators and admins
    /// ([`sees_company_records`]); `None` for everyone else.
    pub company_record: Option<company::Model>,
    /// The recorded outcome, if any.
    pub outcome: Option<outcome::Model>,
}

impl Ticket {
    /// The status.
    pub fn status(&self) -> Result<TicketStatus, ApiError> {
        parse_status(&self.row.status)
    }

    /// The routing decision, when the case has one.
    pub fn routing(&self) -> Option<RoutingDecision> {
        self.row
            .routing
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw).ok())
    }

    /// Topics.
    pub fn topics(&self) -> Vec<String> {
        serde_json::from_str(&self.row.topics).unwrap_or_default()
    }

    /// SME classification of the company by the details the case's filer gave.
    pub fn company_size(&self) -> CompanySize {
        size_of(
            self.row.industry.as_deref(),
            self.row.company_capital_jpy,
            self.row.company_employees,
        )
    }
}

fn parse_status(raw: &str) -> Result<TicketStatus, ApiError> {
    TicketStatus::parse(raw)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a case has the unknown status {raw:?}")))
}

fn routed_data(decision: &RoutingDecision, reason: Option<&str>) -> serde_json::Value {
    json!({
        "track": decision.track,
        "method": decision.method,
        "confidence": decision.confidence,
        "cross_track": decision.cross_track,
        "rule_set_version": decision.rule_set_version,
        "reason": reason,
    })
}

/// The SQL form of `scope` over the cases table: the one condition every read of cases (and
/// of what hangs off a case) is filtered by.
pub fn in_scope(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Partner(partner_id) => {
            Condition::all().add(ticket::Column::PartnerId.eq(partner_id))
        }
        Scope::Manager(manager_id) => {
            Condition::all().add(ticket::Column::ManagerId.eq(manager_id))
        }
        // An empty "any" is false: nothing matches.
        Scope::Nothing => Condition::any(),
    }
}

fn case_not_found(id: Uuid) -> ApiError {
    ApiError::NotFound(format!("no case has the id {id}"))
}

/// Answers 404 unless the case exists within the actor's scope, with one `SELECT 1` (for
/// handlers that must say 404 before they look at headers or the body). Existence outside
/// the scope is not leaked.
pub async fn ensure_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<(), ApiError> {
    let found = ticket::Entity::find()
        .select_only()
        .expr(Expr::val(1))
        .filter(ticket::Column::Id.eq(id))
        .filter(in_scope(actor.scope()))
        .into_tuple::<i32>()
        .one(db)
        .await?;
    found.map(|_| ()).ok_or_else(|| case_not_found(id))
}

/// Loads a case the actor may see; anything else is 404, so existence is not leaked.
pub async fn get_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Ticket, ApiError> {
    let row = ticket::Entity::find_by_id(id)
        .filter(in_scope(actor.scope()))
        .one(db)
        .await?
        .ok_or_else(|| case_not_found(id))?;
    let company_record = if sees_company_records(actor.role) {
        let record = company::Entity::find_by_id(row.company_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("case {id} has no company")))?;
        Some(record)
    } else {
        None
    };
    let outcome = outcome::Entity::find_by_id(id).one(db).await?;
    Ok(Ticket {
        row,
        company_record,
        outcome,
    })
}

/// The 409 for a move the transition table does not allow, naming the current status and
/// the statuses the case can move to.
pub fn illegal_move(illegal: &IllegalTransition, hint: &str) -> ApiError {
    let allowed: Vec<&str> = illegal
        .allowed_targets()
        .into_iter()
        .map(TicketStatus::as_str)
        .collect();
    let mut extensions = serde_json::Map::new();
    extensions.insert("current_status".into(), illegal.from().as_str().into());
    extensions.insert("allowed".into(), json!(allowed));
    ApiError::Conflict {
        slug: "illegal-transition",
        detail: format!("{illegal}; {hint}"),
        extensions,
    }
}
