//! Cross-track twins. A question that needs both experts (the router marks it `cross_track`)
//! is one case per track: a coordinator opens the linked case on the other track, with the
//! same partner, company, contact and question but its own reference, status and service
//! levels; or says no twin is needed, which ends the suggestion.
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait};
use serde_json::json;
use uuid::Uuid;

use super::{Ticket, get_visible, reference::next_reference, routed_data, search};
use crate::{
    auth::Actor,
    db::begin_write,
    domain::{
        business_days::jst_date, fiscal_year::FiscalYear, ticket_status::TicketStatus, track::Track,
    },
    entities::{stored::Json, ticket},
    error::ApiError,
    services::{
        Workflow, events, events::types, routing::RoutingEngine, versioned::VersionedUpdate,
    },
};

impl Ticket {
    /// The cases linked to this one (its twin on the other track, when it has one).
    pub fn linked_ticket_ids(&self) -> Vec<Uuid> {
        self.row.linked_ticket_id.into_iter().collect()
    }

    /// Whether a coordinator should consider opening the twin: the router found the question
    /// needs both tracks, and nobody has linked it or said it needs no twin.
    pub fn suggested_link(&self) -> bool {
        self.routing().is_some_and(|decision| decision.cross_track)
            && self.row.linked_ticket_id.is_none()
            && self.row.link_dismissed_at.is_none()
    }
}

/// Whether a case in `status` may still open or decline a twin: not once it is closed or
/// cancelled (reopen it first), nor once it was merged into another case (final, like
/// cancelled: the survivor is the one to link). Every status is named, so a new one must be
/// decided here.
const fn accepts_link(status: TicketStatus) -> bool {
    match status {
        TicketStatus::Received
        | TicketStatus::Triaged
        | TicketStatus::Assigned
        | TicketStatus::InConsultation
        | TicketStatus::OnHold
        | TicketStatus::Resolved => true,
        TicketStatus::Closed | TicketStatus::Cancelled | TicketStatus::Merged => false,
    }
}

/// The 409 for a case that cannot take a link now, or `None` when it can.
fn refusal(row: &ticket::Model) -> Option<ApiError> {
    if let Some(twin) = row.linked_ticket_id {
        let mut extensions = serde_json::Map::new();
        extensions.insert("linked_ticket_id".into(), json!(twin));
        return Some(ApiError::Conflict {
            slug: "already-linked",
            detail: format!("the case is already linked to the case {twin}"),
            extensions,
        });
    }
    if !accepts_link(row.status) {
        return Some(ApiError::conflict(
            "not-linkable",
            if row.status == TicketStatus::Merged {
                "the case was merged into another; link the case it was merged into".to_owned()
            } else {
                format!(
                    "the case is {}; reopen it before linking or dismissing",
                    row.status
                )
            },
        ));
    }
    None
}

/// The track the twin takes: the other one than the case's track in force or, while the case
/// waits for a coordinator, than the router's suggestion.
fn twin_track(original: &Ticket) -> Result<Track, ApiError> {
    original
        .row
        .track
        .or_else(|| original.routing().map(|decision| decision.track))
        .map(Track::other)
        .ok_or_else(|| {
            ApiError::conflict(
                "not-routed",
                "the case has no track nor routing suggestion yet; route it first",
            )
        })
}

/// Starts the twin's service-level clocks at `now`, as a filing's: due dates from the
/// center's calendar and levels, nothing met or paused yet. The center opens the twin
/// itself, so it is in contact from the start.
fn start_clocks(twin: &mut ticket::Model, workflow: &Workflow, now: DateTime<Utc>) {
    let received = jst_date(now);
    let (calendar, levels) = (&workflow.calendar, workflow.service_levels);
    twin.first_contact_due = Some(calendar.add_business_days(received, levels.first_contact_days));
    twin.assignment_due = Some(calendar.add_business_days(received, levels.assignment_days));
    twin.first_contact_at = Some(now);
    twin.first_contact_met = Some(true);
    twin.first_assigned_at = None;
    twin.assignment_met = None;
    twin.on_hold_since = None;
    twin.paused_business_days = 0;
    twin.business_days_to_assign = None;
    twin.received_on = Some(received);
    twin.version = 1;
    twin.created_at = now;
    twin.updated_at = now;
}

/// Opens the twin of case `id` on the other track (coordinators), and answers with the twin.
/// The twin is filed today: its service levels run from today by the center's calendar. Both
/// cases get `ticket.linked`; the twin also gets `ticket.created` and `ticket.routed` (its
/// track is the coordinator's decision). The original's version guards the pair: of two
/// coordinators linking at once, one gets 409.
pub async fn link(
    db: &DatabaseConnection,
    routing: &RoutingEngine,
    workflow: &Workflow,
    actor: &Actor,
    id: Uuid,
    reason: String,
) -> Result<Ticket, ApiError> {
    let tx = begin_write(db).await?;
    let original = get_visible(&tx, actor, id).await?;
    if let Some(refused) = refusal(&original.row) {
        return Err(refused);
    }
    let track = twin_track(&original)?;
    let decision = routing.router(&tx).await?.manual(track, true);
    // Microseconds, as the databases keep them.
    let now = Utc::now().trunc_subsecs(6);
    let fiscal_year = FiscalYear::of_instant(now);
    let (reference, sequence) = next_reference(&tx, fiscal_year).await?;
    let from = &original.row;
    let mut twin = from.clone();
    twin.id = Uuid::now_v7();
    twin.reference = reference.to_string();
    twin.fiscal_year = fiscal_year.year();
    twin.sequence = sequence;
    twin.status = TicketStatus::Triaged;
    twin.held_from = None;
    twin.track = Some(track);
    twin.routing = Some(Json(decision.clone()));
    twin.manager_id = None;
    twin.waiting_since = None;
    twin.assigned_at = None;
    twin.linked_ticket_id = Some(from.id);
    twin.link_dismissed_at = None;
    twin.merged_into = None;
    twin.merged_at = None;
    start_clocks(&mut twin, workflow, now);
    ticket::Entity::insert(ticket::ActiveModel::from(twin.clone()).reset_all())
        .exec_without_returning(&tx)
        .await?;
    tx.execute(&search::stored(&twin)).await?;
    VersionedUpdate::<ticket::Entity>::of(id, from.version)
        .set(ticket::Column::LinkedTicketId, Some(twin.id))
        .apply(&tx, || ApiError::changed_meanwhile("case"))
        .await?;
    let linked = |other: &ticket::Model| {
        json!({
            "linked_ticket_id": other.id,
            "linked_reference": other.reference,
            "track": other.track,
            "reason": reason,
        })
    };
    events::record_all(
        &tx,
        Some(twin.id),
        actor,
        vec![
            (
                types::TICKET_CREATED,
                json!({"reference": twin.reference, "channel": twin.channel, "status": twin.status, "linked_from": from.id}),
            ),
            (types::TICKET_ROUTED, routed_data(&decision, Some(&reason))),
            (types::TICKET_LINKED, linked(from)),
        ],
    )
    .await?;
    events::record(&tx, Some(id), types::TICKET_LINKED, actor, linked(&twin)).await?;
    let opened = get_visible(&tx, actor, twin.id).await?;
    tx.commit().await?;
    Ok(opened)
}

/// Records that cross-track case `id` needs no twin (coordinators): `suggested_link` turns
/// false, and a `ticket.updated` event keeps the reason.
pub async fn dismiss_link(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: String,
) -> Result<Ticket, ApiError> {
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    if let Some(refused) = refusal(&current.row) {
        return Err(refused);
    }
    if current.row.link_dismissed_at.is_none() {
        VersionedUpdate::<ticket::Entity>::of(id, current.row.version)
            .set(ticket::Column::LinkDismissedAt, Some(Utc::now()))
            .apply(&tx, || ApiError::changed_meanwhile("case"))
            .await?;
        events::record(
            &tx,
            Some(id),
            types::TICKET_UPDATED,
            actor,
            json!({"fields": ["suggested_link"], "reason": reason}),
        )
        .await?;
    }
    let updated = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_closed_cancelled_and_merged_cases_refuse_a_link() {
        let cases = [
            (TicketStatus::Received, true),
            (TicketStatus::Triaged, true),
            (TicketStatus::Assigned, true),
            (TicketStatus::InConsultation, true),
            (TicketStatus::OnHold, true),
            (TicketStatus::Resolved, true),
            (TicketStatus::Closed, false),
            (TicketStatus::Cancelled, false),
            (TicketStatus::Merged, false),
        ];
        for (status, accepts) in cases {
            assert_eq!(accepts_link(status), accepts, "{status}");
        }
    }
}
