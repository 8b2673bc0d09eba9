//! Changing a case: edits under If-Match, status transitions and routing decisions.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::DatabaseConnection;
use serde_json::json;
use uuid::Uuid;

use super::{Contact, Ticket, get_visible, illegal_move, routed_data, search};
use crate::{
    auth::{Actor, policy},
    classifier::RoutingInput,
    db::begin_write,
    domain::{
        business_days::{BusinessCalendar, jst_date},
        company_size::{CapitalJpy, Employees},
        precondition::Precondition,
        ticket_fields::PreferredMode,
        ticket_status::{IllegalTransition, TicketStatus, Transition, TransitionTarget, apply},
        topic::Topic,
        track::Track,
    },
    entities::ticket,
    error::ApiError,
    services::{
        Workflow,
        capacity::{self, HandOffTrigger},
        companies::{AddressColumns, CompanyChanges, CurrentDetails},
        events,
        events::types,
        routing::RoutingEngine,
        routing_models,
        versioned::VersionedUpdate,
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

impl TicketChanges {
    /// Whether the changes touch a text the search key is made of.
    fn changes_search_key(&self) -> bool {
        let new_name = self.company.as_ref().and_then(|c| c.name.as_deref());
        self.subject.is_some() || self.description.is_some() || new_name.is_some()
    }
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
    if !policy::may_edit_ticket_in(actor.role, current.row.status) {
        return Err(ApiError::conflict(
            "not-editable",
            format!(
                "partners can edit a case while it is received or triaged; it is {}",
                current.row.status
            ),
        ));
    }
    if let Some(company) = &changes.company {
        company.check_against(
            CurrentDetails {
                prefecture: current.row.prefecture,
                employees: current.row.company_employees,
                total_employees: current.row.company_total_employees,
            },
            "company",
        )?;
    }
    // The version read in this transaction: a write that commits in between is 412.
    let (update, changed) = edit(&current.row, &changes);
    update
        .apply(&tx, || stale_version(current.row.version))
        .await?;
    events::record(
        &tx,
        Some(id),
        types::TICKET_UPDATED,
        actor,
        json!({"fields": changed}),
    )
    .await?;
    let updated = get_visible(&tx, actor, id).await?;
    if changes.changes_search_key() {
        search::rewrite(&tx, &[(id, search::key_of(&updated.row))]).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// The columns `changes` sets on the case `current`, and the names of the fields changed (for
/// the event).
fn edit(
    current: &ticket::Model,
    changes: &TicketChanges,
) -> (VersionedUpdate<ticket::Entity>, Vec<&'static str>) {
    use ticket::Column as T;
    let mut update = VersionedUpdate::of(current.id, current.version)
        .set_if(T::Subject, changes.subject.clone())
        .set_if(T::Description, changes.description.clone())
        .set_if(
            T::Topics,
            changes.topics.as_ref().map(|topics| {
                let codes: Vec<&str> = topics.iter().map(|t| t.code()).collect();
                json!(codes).to_string()
            }),
        )
        .set_if(T::PreferredMode, changes.preferred_mode.map(|m| m.as_str()));
    if let Some(contact) = &changes.contact {
        update = update
            .set(T::ContactName, contact.name.clone())
            .set(T::ContactEmail, contact.email.clone())
            .set(T::ContactPhone, contact.phone.clone());
    }
    // Anonymized once, a case takes personal data again through these; retention and
    // erasure pass over anonymized cases, so the mark goes and they will find it.
    if changes.contact.is_some() || changes.subject.is_some() || changes.description.is_some() {
        update = update.set(T::AnonymizedAt, None::<DateTime<Utc>>);
    }
    if let Some(company) = &changes.company {
        // The case's own details only: the shared record is the center's (see
        // services::companies), and another partner's case is never touched.
        update = update
            .set_if(T::CompanyName, company.name.clone())
            .set_if(T::Prefecture, company.prefecture.map(|p| p.code()))
            .set_if(
                T::Industry,
                company.industry.map(|i| i.map(|i| i.code().to_owned())),
            )
            .set_if(
                T::CompanyEmployees,
                company.employees.map(|e| e.map(Employees::count)),
            )
            .set_if(
                T::CompanyCapitalJpy,
                company.capital_jpy.map(|c| c.map(CapitalJpy::yen)),
            )
            .set_if(
                T::CompanyNameKana,
                company
                    .name_kana
                    .as_ref()
                    .map(|k| k.as_ref().map(|k| k.as_str().to_owned())),
            )
            .set_if(
                T::CompanyTotalEmployees,
                company.total_employees.map(|e| e.map(Employees::count)),
            );
        if let Some(address) = &company.address {
            let parts = AddressColumns::of(address.as_ref().map(|(a, _)| a));
            update = update
                .set(T::CompanyPostalCode, parts.postal_code)
                .set(T::CompanyCity, parts.city)
                .set(T::CompanyStreet, parts.street)
                .set(T::CompanyBuilding, parts.building);
        }
    }
    let changed = [
        ("subject", changes.subject.is_some()),
        ("description", changes.description.is_some()),
        ("topics", changes.topics.is_some()),
        ("preferred_mode", changes.preferred_mode.is_some()),
        ("contact", changes.contact.is_some()),
        ("company", changes.company.is_some()),
    ]
    .into_iter()
    .filter_map(|(field, given)| given.then_some(field))
    .collect();
    (update, changed)
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
    if !policy::may_move_ticket(actor.role, target) {
        return Err(ApiError::Forbidden(
            "partners may only cancel their cases".into(),
        ));
    }
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    let from = current.row.status;
    let held_from = current.row.held_from;
    let to = target
        .apply(from, held_from)
        .map_err(|illegal| illegal_target(&illegal, from))?;
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
    use ticket::Column as T;
    let mut update = VersionedUpdate::of(id, current.row.version)
        .set(T::Status, to.as_str())
        .set(T::HeldFrom, new_held_from);
    if action == Transition::Hold {
        update = update.set(T::OnHoldSince, Utc::now());
    }
    if let Some(since) = current.row.on_hold_since
        && from == TicketStatus::OnHold
    {
        update = leave_hold(update, &current.row, since, &workflow.calendar);
    }
    if action == Transition::Reopen {
        update = update
            .set(T::ManagerId, None::<Uuid>)
            .set(T::AssignedAt, None::<DateTime<Utc>>);
    }
    update
        .apply(&tx, || ApiError::changed_meanwhile("case"))
        .await?;
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

/// The 409 for a named move the case's status does not allow, naming the current status and
/// the moves that are allowed from it.
fn illegal_target(illegal: &IllegalTransition, from: TicketStatus) -> ApiError {
    let allowed: Vec<&str> = TransitionTarget::allowed_from(from)
        .into_iter()
        .map(TransitionTarget::as_str)
        .collect();
    let mut extensions = serde_json::Map::new();
    extensions.insert("current_status".into(), from.as_str().into());
    extensions.insert("allowed".into(), json!(allowed));
    let listed = if allowed.is_empty() {
        "none".to_owned()
    } else {
        allowed.join(", ")
    };
    ApiError::Conflict {
        slug: "illegal-transition",
        detail: format!(
            "{illegal} (the case is {}; allowed: {listed})",
            from.as_str()
        ),
        extensions,
    }
}

/// Leaving a hold (resumed or cancelled): the clocks stopped for the business days it lasted,
/// so the pending due dates move by as many.
fn leave_hold(
    update: VersionedUpdate<ticket::Entity>,
    row: &ticket::Model,
    since: DateTime<Utc>,
    calendar: &BusinessCalendar,
) -> VersionedUpdate<ticket::Entity> {
    use ticket::Column as T;
    let held = calendar.business_days_between(jst_date(since), jst_date(Utc::now()));
    // Negative only if the clock went backwards; a hold never adds negative days.
    let held = u32::try_from(held).unwrap_or(0);
    let shift = |due: Option<NaiveDate>, met: Option<bool>| match (due, met) {
        (Some(due), None) => Some(calendar.add_business_days(due, held)),
        (due, _) => due,
    };
    update
        .set(T::OnHoldSince, None::<DateTime<Utc>>)
        .set(
            T::PausedBusinessDays,
            row.paused_business_days
                .saturating_add(i32::try_from(held).unwrap_or(i32::MAX)),
        )
        .set(
            T::FirstContactDue,
            shift(row.first_contact_due, row.first_contact_met),
        )
        .set(
            T::AssignmentDue,
            shift(row.assignment_due, row.assignment_met),
        )
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
    let from = current.row.status;
    let (decision, applies, reason) = match request {
        RoutingRequest::Manual { track, reason } => {
            let cross_track = current.routing().is_some_and(|d| d.cross_track);
            let decision = routing.router(&tx).await?.manual(track, cross_track);
            // The coordinator's correction is a labelled example for the next model.
            routing_models::record_override(&tx, &current.row, track, &actor.client_id).await?;
            (decision, true, Some(reason))
        }
        RoutingRequest::Auto => {
            let input = RoutingInput {
                subject: current.row.subject.clone(),
                description: current.row.description.clone(),
                topics: current.row.topics.0.clone(),
                industry: current.row.industry.map(|i| i.code().to_owned()),
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
    VersionedUpdate::<ticket::Entity>::of(id, current.row.version)
        .set(
            ticket::Column::Routing,
            serde_json::to_string(&decision).map_err(anyhow::Error::from)?,
        )
        .set(ticket::Column::Status, to.as_str())
        .set_if(
            ticket::Column::Track,
            applies.then_some(decision.track.as_str()),
        )
        .apply(&tx, || ApiError::changed_meanwhile("case"))
        .await?;
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
