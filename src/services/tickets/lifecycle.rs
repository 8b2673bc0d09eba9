//! Changing a case: edits under If-Match, status transitions and routing decisions.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use uuid::Uuid;

use super::{Contact, Ticket, get_visible, illegal_move, parse_status, routed_data};
use crate::{
    auth::{Actor, policy},
    classifier::{RoutingDecision, RoutingInput, RoutingMethod},
    db::begin_write,
    domain::{
        business_days::jst_date,
        case::PreferredMode,
        company_size::{CapitalJpy, Employees},
        precondition::Precondition,
        text::case_search_text as searchable,
        ticket_status::{TicketStatus, Transition, TransitionTarget, apply},
        topic::Topic,
        track::Track,
    },
    entities::ticket,
    error::ApiError,
    services::{
        Workflow,
        capacity::{self, HandOffTrigger},
        companies::CompanyChanges,
        events,
        events::types,
        routing::RoutingEngine,
    },
};

/// Changes to the editable fields of a case.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    /// Subject.
    pub subject: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Topics.
    pub topics: Option<Vec<Topic>>,
    /// Consulting mode.
    pub preferred_mode: Option<PreferredMode>,
    /// Contact.
    pub contact: Option<Contact>,
    /// The company details of this case (never the shared record).
    pub company: Option<CompanyChanges>,
}

/// Applies `changes` when the case's version satisfies `expected` (the `If-Match`; 412
/// otherwise). Partners edit their own cases while `received` or `triaged`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: &Precondition,
    changes: TicketChanges,
) -> Result<Ticket, ApiError> {
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    if !expected.admits(current.row.version) {
        return Err(stale_version(current.row.version));
    }
    if !policy::may_edit_case_in(actor.role, current.status()?) {
        return Err(ApiError::conflict(
            "not-editable",
            format!(
                "partners can edit a case while it is received or triaged; it is {}",
                current.row.status
            ),
        ));
    }
    let mut update = ticket::Entity::update_many()
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ticket::Column::Id.eq(id))
        // The version read in this transaction: a write that commits in between is 412.
        .filter(ticket::Column::Version.eq(current.row.version));
    let mut changed = Vec::new();
    if let Some(subject) = &changes.subject {
        update = update.col_expr(ticket::Column::Subject, Expr::value(subject.clone()));
        changed.push("subject");
    }
    if let Some(description) = &changes.description {
        update = update.col_expr(
            ticket::Column::Description,
            Expr::value(description.clone()),
        );
        changed.push("description");
    }
    if let Some(topics) = &changes.topics {
        let codes: Vec<&str> = topics.iter().map(|t| t.code()).collect();
        update = update.col_expr(
            ticket::Column::Topics,
            Expr::value(json!(codes).to_string()),
        );
        changed.push("topics");
    }
    if let Some(mode) = changes.preferred_mode {
        update = update.col_expr(ticket::Column::PreferredMode, Expr::value(mode.as_str()));
        changed.push("preferred_mode");
    }
    if let Some(contact) = &changes.contact {
        update = update
            .col_expr(
                ticket::Column::ContactName,
                Expr::value(contact.name.clone()),
            )
            .col_expr(
                ticket::Column::ContactEmail,
                Expr::value(contact.email.clone()),
            )
            .col_expr(
                ticket::Column::ContactPhone,
                Expr::value(contact.phone.clone()),
            );
        changed.push("contact");
    }
    if changes.subject.is_some()
        || changes.description.is_some()
        || changes.company.as_ref().is_some_and(|c| c.name.is_some())
    {
        let text = searchable(
            changes.subject.as_deref().unwrap_or(&current.row.subject),
            changes
                .description
                .as_deref()
                .unwrap_or(&current.row.description),
            changes
                .company
                .as_ref()
                .and_then(|c| c.name.as_deref())
                .unwrap_or(&current.row.company_name),
            &current.row.reference,
        );
        update = update.col_expr(ticket::Column::SearchText, Expr::value(text));
    }
    if let Some(company) = &changes.company {
        // The case's own details only: the shared record is the center's (see
        // services::companies), and another partner's case is never touched.
        if let Some(name) = &company.name {
            update = update.col_expr(ticket::Column::CompanyName, Expr::value(name.clone()));
        }
        if let Some(prefecture) = company.prefecture {
            update = update.col_expr(ticket::Column::Prefecture, Expr::value(prefecture.code()));
        }
        if let Some(industry) = company.industry {
            update = update.col_expr(
                ticket::Column::Industry,
                Expr::value(industry.map(|i| i.code().to_owned())),
            );
        }
        if let Some(employees) = company.employees {
            update = update.col_expr(
                ticket::Column::CompanyEmployees,
                Expr::value(employees.map(Employees::count)),
            );
        }
        if let Some(capital) = company.capital_jpy {
            update = update.col_expr(
                ticket::Column::CompanyCapitalJpy,
                Expr::value(capital.map(CapitalJpy::yen)),
            );
        }
        changed.push("company");
    }
    let result = update.exec(&tx).await?;
    if result.rows_affected != 1 {
        return Err(stale_version(current.row.version));
    }
    events::record(
        &tx,
        Some(id),
        types::TICKET_UPDATED,
        actor,
        json!({"fields": changed}),
    )
    .await?;
    let updated = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(updated)
}

fn stale_version(current: i32) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "the case changed since you read it (its ETag is now \"{current}\"); GET it again"
    ))
}

/// Moves a case by a named transition. Partners may only cancel their own cases.
///
/// Cancelling a case that holds a place under its manager frees the place (and, with
/// automatic assignment on, hands it to the oldest waiting case) and cancels its scheduled
/// sessions; reopening a resolved or closed case clears its manager, so it is assigned
/// afresh.
pub async fn transition(
    db: &DatabaseConnection,
    workflow: &Workflow,
    actor: &Actor,
    id: Uuid,
    target: TransitionTarget,
    reason: Option<String>,
) -> Result<Ticket, ApiError> {
    if !policy::may_move_case(actor.role, target) {
        return Err(ApiError::Forbidden(
            "partners may only cancel their cases".into(),
        ));
    }
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    let from = current.status()?;
    let held_from = current
        .row
        .held_from
        .as_deref()
        .map(parse_status)
        .transpose()?;
    let to = target.apply(from, held_from).map_err(|illegal| {
        let allowed: Vec<&str> = TransitionTarget::allowed_from(from)
            .into_iter()
            .map(TransitionTarget::as_str)
            .collect();
        let mut extensions = serde_json::Map::new();
        extensions.insert("current_status".into(), from.as_str().into());
        extensions.insert("allowed".into(), json!(allowed));
        ApiError::Conflict {
            slug: "illegal-transition",
            detail: format!(
                "{} (the case is {}; allowed: {})",
                illegal,
                from.as_str(),
                if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
            extensions,
        }
    })?;
    let action = target.action(from);
    let new_held_from = match action {
        Transition::Hold => Some(from.as_str().to_owned()),
        _ => None,
    };
    // Taken before the case's row, as every path that writes both does.
    let leaving_manager = current
        .row
        .manager_id
        .filter(|_| action == Transition::Cancel && capacity::holds_capacity(from));
    if let Some(manager_id) = leaving_manager {
        capacity::free(&tx, manager_id).await?;
    }
    let mut update = ticket::Entity::update_many()
        .col_expr(ticket::Column::Status, Expr::value(to.as_str()))
        .col_expr(ticket::Column::HeldFrom, Expr::value(new_held_from))
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ticket::Column::Id.eq(id))
        .filter(ticket::Column::Version.eq(current.row.version));
    if action == Transition::Hold {
        update = update.col_expr(ticket::Column::OnHoldSince, Expr::value(Utc::now()));
    }
    if let Some(since) = current.row.on_hold_since
        && from == TicketStatus::OnHold
    {
        // Leaving a hold (resumed or cancelled): the clocks stopped for the business days it
        // lasted, so the pending due dates move by as many.
        let calendar = &workflow.calendar;
        let held = calendar.business_days_between(jst_date(since), jst_date(Utc::now()));
        // Negative only if the clock went backwards; a hold never adds negative days.
        let held = u32::try_from(held).unwrap_or(0);
        let shift = |due: Option<NaiveDate>, met: Option<bool>| match (due, met) {
            (Some(due), None) => Some(calendar.add_business_days(due, held)),
            (due, _) => due,
        };
        update = update
            .col_expr(
                ticket::Column::OnHoldSince,
                Expr::value(None::<DateTime<Utc>>),
            )
            .col_expr(
                ticket::Column::PausedBusinessDays,
                Expr::value(
                    current
                        .row
                        .paused_business_days
                        .saturating_add(i32::try_from(held).unwrap_or(i32::MAX)),
                ),
            )
            .col_expr(
                ticket::Column::FirstContactDue,
                Expr::value(shift(
                    current.row.first_contact_due,
                    current.row.first_contact_met,
                )),
            )
            .col_expr(
                ticket::Column::AssignmentDue,
                Expr::value(shift(
                    current.row.assignment_due,
                    current.row.assignment_met,
                )),
            );
    }
    if action == Transition::Reopen {
        update = update
            .col_expr(ticket::Column::ManagerId, Expr::value(None::<Uuid>))
            .col_expr(
                ticket::Column::AssignedAt,
                Expr::value(None::<DateTime<Utc>>),
            );
    }
    if update.exec(&tx).await?.rows_affected != 1 {
        return Err(ApiError::changed_meanwhile("case"));
    }
    let mut changes = vec![(
        types::TICKET_STATUS_CHANGED,
        json!({"from": from.as_str(), "to": to.as_str(), "reason": reason}),
    )];
    if action == Transition::Reopen
        && let Some(manager_id) = current.row.manager_id
    {
        changes.push((
            types::TICKET_RELEASED,
            json!({"manager_id": manager_id, "reason": "the case was reopened"}),
        ));
    }
    events::record_all(&tx, Some(id), actor, changes).await?;
    if action == Transition::Cancel {
        capacity::cancel_scheduled_sessions(&tx, actor, id, "the case was cancelled").await?;
    }
    if let Some(manager_id) = leaving_manager
        && workflow.auto_assign
    {
        capacity::hand_off_waiting(
            &tx,
            workflow,
            actor,
            manager_id,
            HandOffTrigger::Cancellation,
        )
        .await?;
    }
    let updated = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// What a coordinator asks of the router for one case.
#[derive(Debug, Clone)]
pub enum RoutingRequest {
    /// Set the track by hand, with the reason recorded.
    Manual {
        /// Track.
        track: Track,
        /// Why.
        reason: String,
    },
    /// Run the classifier again with the current rules.
    Auto,
}

/// Routes (or re-routes) a case. A manual decision always applies; an automatic one applies
/// when confident, and otherwise updates the suggestion and leaves the case for a
/// coordinator.
pub async fn route(
    db: &DatabaseConnection,
    routing: &RoutingEngine,
    actor: &Actor,
    id: Uuid,
    request: RoutingRequest,
) -> Result<Ticket, ApiError> {
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    let from = current.status()?;
    let (decision, applies, reason) = match request {
        RoutingRequest::Manual { track, reason } => {
            let version = routing.router(&tx).await?.rules().version;
            let decision = RoutingDecision {
                track,
                confidence: 1.0,
                cross_track: current.routing().is_some_and(|d| d.cross_track),
                method: RoutingMethod::Manual,
                explanation: Vec::new(),
                rule_set_version: version,
            };
            (decision, true, Some(reason))
        }
        RoutingRequest::Auto => {
            let input = RoutingInput {
                subject: current.row.subject.clone(),
                description: current.row.description.clone(),
                topics: current
                    .topics()
                    .iter()
                    .filter_map(|code| Topic::parse(code).ok())
                    .collect(),
                industry: current.row.industry.clone(),
            };
            let (decision, applies) = routing.classify(&tx, &input).await?;
            (decision, applies, None)
        }
    };
    let to = if applies {
        apply(from, Transition::Route, None)
            .map_err(|illegal| illegal_move(&illegal, "release the manager before re-routing"))?
    } else {
        from
    };
    let mut update = ticket::Entity::update_many()
        .col_expr(
            ticket::Column::Routing,
            Expr::value(serde_json::to_string(&decision).map_err(anyhow::Error::from)?),
        )
        .col_expr(ticket::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ticket::Column::Id.eq(id))
        .filter(ticket::Column::Version.eq(current.row.version));
    if applies {
        update = update.col_expr(ticket::Column::Track, Expr::value(decision.track.as_str()));
    }
    if update.exec(&tx).await?.rows_affected != 1 {
        return Err(ApiError::changed_meanwhile("case"));
    }
    if applies {
        events::record(
            &tx,
            Some(id),
            types::TICKET_ROUTED,
            actor,
            routed_data(&decision, reason.as_deref()),
        )
        .await?;
    }
    let updated = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(updated)
}
