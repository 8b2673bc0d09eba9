//! Cases: the stored case, and finding one the caller may see. Intake, the reference
//! number, the list, edits and status changes, and comments each have their own module.
mod comments;
mod intake;
mod lifecycle;
mod links;
mod merge;
mod query;
mod reference;
mod search;

pub use comments::{NewComment, add_comment, comments};
pub use intake::{Contact, FileTicket, FilingStart, NewCompany, NewTicket, create};
pub use lifecycle::{RoutingRequest, TicketChanges, route, transition, update};
pub use links::{dismiss_link, link};
pub use merge::{MergeNotice, MergeRequest, merge};
pub use query::{TicketFilter, jst_day_start, list};
pub(crate) use search::rewrite as rewrite_search_keys;

use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, Func},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::{Actor, Scope, policy::sees_company_records},
    classifier::RoutingDecision,
    domain::{
        business_days::jst_date,
        company_size::CompanySize,
        service_level::Deadline,
        ticket_status::{IllegalTransition, TicketStatus},
    },
    entities::{company, outcome, stored::Json, ticket},
    error::ApiError,
    services::{Workflow, companies::size_of},
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
    /// For a `merged` case: where it went, as far as the caller may know.
    pub merge: Option<MergeNotice>,
}

impl Ticket {
    /// The routing decision, when the case has one.
    pub fn routing(&self) -> Option<&RoutingDecision> {
        self.row.routing.as_ref().map(|Json(decision)| decision)
    }

    /// SME classification of the company by the details the case's filer gave.
    pub fn company_size(&self) -> CompanySize {
        size_of(
            self.row.industry,
            self.row.company_capital_jpy,
            self.row.company_employees,
        )
    }

    /// The first-contact and assignment deadlines, which `domain::service_level::breached`
    /// judges (the one breach rule; `query::sla_breached_condition` states it in SQL for the
    /// list). Every case has both from its filing (cases filed before service levels existed
    /// get them at start-up, see [`backfill_due_dates`]), so a missing one is a corrupt row.
    pub fn deadlines(&self) -> Result<(Deadline, Deadline), ApiError> {
        let missing = || {
            ApiError::Internal(anyhow::anyhow!(
                "case {} has no service-level due dates",
                self.row.id
            ))
        };
        Ok((
            Deadline {
                due: self.row.first_contact_due.ok_or_else(missing)?,
                met: self.row.first_contact_met,
            },
            Deadline {
                due: self.row.assignment_due.ok_or_else(missing)?,
                met: self.row.assignment_met,
            },
        ))
    }
}

fn routed_data(decision: &RoutingDecision, reason: Option<&str>) -> serde_json::Value {
    json!({
        "track": decision.track,
        "method": decision.method,
        "confidence": decision.confidence,
        "cross_track": decision.cross_track,
        "rule_set_version": decision.rule_set_version,
        "model_version": decision.model_version,
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

fn ticket_not_found(id: Uuid) -> ApiError {
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
    found.map(|_| ()).ok_or_else(|| ticket_not_found(id))
}

/// Loads a case the actor may see; anything else is 404, so existence is not leaked.
pub async fn get_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<Ticket, ApiError> {
    // The case, its company record (for the roles that see it) and its outcome in one query.
    let visible = ticket::Entity::find_by_id(id).filter(in_scope(actor.scope()));
    let (row, company_record, outcome) = if sees_company_records(actor.role) {
        let (row, record, outcome) = visible
            .find_also_related(company::Entity)
            .find_also_related(outcome::Entity)
            .one(db)
            .await?
            .ok_or_else(|| ticket_not_found(id))?;
        let record = record
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("case {id} has no company")))?;
        (row, Some(record), outcome)
    } else {
        let (row, outcome) = visible
            .find_also_related(outcome::Entity)
            .one(db)
            .await?
            .ok_or_else(|| ticket_not_found(id))?;
        (row, None, outcome)
    };
    let merge = merge::notices(db, actor, std::slice::from_ref(&row))
        .await?
        .pop()
        .flatten();
    Ok(Ticket {
        row,
        company_record,
        outcome,
        merge,
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

/// Gives every case filed before service levels existed its due dates, from its day of receipt
/// by the center's configured calendar and levels (as a filing today would), so that one rule
/// decides breaches everywhere (`domain::service_level::breached` over [`Ticket::deadlines`], and the list's SQL). Runs at start-up;
/// with nothing to do it is one indexed look.
pub async fn backfill_due_dates(
    db: &impl ConnectionTrait,
    workflow: &Workflow,
) -> Result<u64, ApiError> {
    use ticket::Column as T;
    let missing = ticket::Entity::find()
        .select_only()
        .columns([T::Id, T::CreatedAt])
        .filter(
            Condition::any()
                .add(T::FirstContactDue.is_null())
                .add(T::AssignmentDue.is_null()),
        )
        .into_tuple::<(Uuid, chrono::DateTime<chrono::Utc>)>()
        .all(db)
        .await?;
    let levels = workflow.service_levels;
    let mut filled = 0;
    for (id, created_at) in missing {
        let received = jst_date(created_at);
        let calendar = &workflow.calendar;
        let first_contact = calendar.add_business_days(received, levels.first_contact_days);
        let assignment = calendar.add_business_days(received, levels.assignment_days);
        let result = ticket::Entity::update_many()
            .col_expr(
                T::FirstContactDue,
                Func::coalesce([Expr::col(T::FirstContactDue), Expr::value(first_contact)]).into(),
            )
            .col_expr(
                T::AssignmentDue,
                Func::coalesce([Expr::col(T::AssignmentDue), Expr::value(assignment)]).into(),
            )
            .filter(T::Id.eq(id))
            .exec(db)
            .await?;
        filled += result.rows_affected;
    }
    Ok(filled)
}
