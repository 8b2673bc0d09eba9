//! A manager's places: taking one (a conditional update that is the capacity invariant),
//! giving one back, and handing a freed place to the oldest waiting case the manager can take.
//! Below both the case services and the roster, so either can free a place without the two
//! importing each other.
use crate::domain::wire::wire_enum;
use chrono::Utc;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, UpdateMany,
    sea_query::{Expr, ExprTrait, Func},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::{Actor, policy},
    db::Writes,
    domain::{
        assignment::{self, ScoreParts, TicketNeeds},
        business_days::{BusinessCalendar, jst_date},
        consulting::SessionStatus,
        ticket_fields::PreferredMode,
        ticket_status::TicketStatus,
    },
    entities::{consulting_session, manager, ticket},
    error::ApiError,
    services::{
        Workflow,
        events::{self, types},
    },
};

wire_enum!(
    /// What freed a manager's capacity, recorded with an automatic assignment.
    HandOffTrigger {
        /// A case was released from the manager.
        Release => "release",
        /// An outcome was recorded on one of the manager's cases.
        Outcome => "outcome",
        /// One of the manager's cases was cancelled.
        Cancellation => "cancellation",
        /// The manager's capacity was raised, or the manager made active again.
        CapacityRaised => "capacity_raised",
        /// One of the manager's cases was merged into another case.
        Merge => "merge",
    }
);

/// What the ranking needs to know about a routed case; 409 when it is not routed yet.
pub fn ticket_needs(ticket: &ticket::Model) -> Result<TicketNeeds, ApiError> {
    let track = ticket.track.ok_or_else(|| {
        ApiError::conflict(
            "not-routed",
            "the case has no track yet; confirm its routing first (POST .../routing)",
        )
    })?;
    Ok(TicketNeeds {
        track,
        topics: ticket.topics.0.clone(),
        prefecture: ticket.prefecture,
        mode: ticket.preferred_mode,
        ticket_id: ticket.id,
    })
}

/// Takes one place under a manager's capacity, if there is one, and answers with the
/// manager's row after it; `None` when they are full or inactive. This conditional update is
/// the capacity invariant.
pub(crate) async fn reserve(
    tx: &impl ConnectionTrait,
    manager_id: Uuid,
) -> Result<Option<manager::Model>, ApiError> {
    Ok(manager::Entity::update_many()
        .col_expr(
            manager::Column::ActiveCases,
            Expr::col(manager::Column::ActiveCases).add(1),
        )
        .col_expr(manager::Column::LastAssignedAt, Expr::value(Utc::now()))
        .filter(manager::Column::Id.eq(manager_id))
        .filter(manager::Column::Active.eq(true))
        .filter(Expr::col(manager::Column::ActiveCases).lt(Expr::col(manager::Column::Capacity)))
        .exec_with_returning(tx)
        .await?
        .pop())
}

/// Gives back one place under a manager's capacity.
pub async fn free(tx: &impl ConnectionTrait, manager_id: Uuid) -> Result<(), ApiError> {
    manager::Entity::update_many()
        .col_expr(
            manager::Column::ActiveCases,
            Expr::col(manager::Column::ActiveCases).sub(1),
        )
        .filter(manager::Column::Id.eq(manager_id))
        .filter(manager::Column::ActiveCases.gt(0))
        .exec(tx)
        .await?;
    Ok(())
}

/// Sets the manager on a triaged case, if it is still triaged and unassigned, and returns
/// the case's row as written (`None` when it no longer was). Made by the center, the
/// assignment is also its first contact with the case when there was none yet (the rule of
/// `events::record_all`, made here in the same write of the row).
pub(crate) async fn set_manager(
    tx: &impl ConnectionTrait,
    calendar: &BusinessCalendar,
    actor: &Actor,
    ticket: &ticket::Model,
    manager_id: Uuid,
) -> Result<Option<ticket::Model>, ApiError> {
    Ok(manager_update(calendar, actor, ticket, manager_id)
        .exec_with_returning(tx)
        .await?
        .pop())
}

/// Sets the manager as [`set_manager`] does and makes `writes` (the assignment's events, see
/// [`assigned_events`]) in the same statement, one round trip less. The writes are made
/// whether or not the case was still triaged; when it no longer was, the answer is 409
/// `changed-meanwhile` and the caller's transaction, which that error ends, undoes them.
pub(crate) async fn set_manager_writing(
    tx: &impl ConnectionTrait,
    calendar: &BusinessCalendar,
    actor: &Actor,
    ticket: &ticket::Model,
    manager_id: Uuid,
    writes: Writes,
) -> Result<ticket::Model, ApiError> {
    let mut update = manager_update(calendar, actor, ticket, manager_id).into_query();
    update.returning_all();
    let written = writes.run_returning(tx, update).await?;
    match written.first() {
        Some(row) => Ok(ticket::Model::from_query_result(row, "")?),
        None => Err(ApiError::changed_meanwhile("case")),
    }
}

/// The update that sets the manager on `ticket` if it is still triaged and unassigned.
fn manager_update(
    calendar: &BusinessCalendar,
    actor: &Actor,
    ticket: &ticket::Model,
    manager_id: Uuid,
) -> UpdateMany<ticket::Entity> {
    let now = Utc::now();
    let days_to_assign = calendar.business_days_between(jst_date(ticket.created_at), jst_date(now));
    let days_to_assign = i32::try_from(Ord::max(days_to_assign, 0)).unwrap_or(i32::MAX);
    let mut update = ticket::Entity::update_many()
        .col_expr(ticket::Column::ManagerId, Expr::value(manager_id))
        .col_expr(
            ticket::Column::Status,
            Expr::value(TicketStatus::Assigned.as_str()),
        )
        .col_expr(
            ticket::Column::WaitingSince,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(ticket::Column::AssignedAt, Expr::value(now))
        // The assignment service level is decided by the first assignment only.
        .col_expr(
            ticket::Column::FirstAssignedAt,
            Func::coalesce([Expr::col(ticket::Column::FirstAssignedAt), Expr::value(now)]).into(),
        )
        .col_expr(
            ticket::Column::BusinessDaysToAssign,
            Func::coalesce([
                Expr::col(ticket::Column::BusinessDaysToAssign),
                Expr::value(days_to_assign),
            ])
            .into(),
        )
        .col_expr(
            ticket::Column::AssignmentMet,
            Func::coalesce([
                Expr::col(ticket::Column::AssignmentMet),
                Expr::col(ticket::Column::AssignmentDue).gte(jst_date(now)),
            ])
            .into(),
        )
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(now));
    if policy::acts_for_center(actor.role) {
        for (column, value) in events::first_contact_columns(now) {
            update = update.col_expr(column, value);
        }
    }
    update
        .filter(ticket::Column::Id.eq(ticket.id))
        .filter(ticket::Column::Status.eq(TicketStatus::Triaged.as_str()))
        .filter(ticket::Column::ManagerId.is_null())
}

/// The writes that record an assignment, its events and their webhook deliveries, for the
/// caller to make (with its update of the case, or after it).
pub(crate) fn assigned_events(
    actor: &Actor,
    ticket_id: Uuid,
    manager_id: Uuid,
    score: &ScoreParts,
    automatic: bool,
    detail: serde_json::Value,
) -> Result<Writes, ApiError> {
    let mut data = json!({
        "manager_id": manager_id,
        "automatic": automatic,
        "score": score,
    });
    if let (Some(data), Some(detail)) = (data.as_object_mut(), detail.as_object()) {
        data.extend(detail.clone());
    }
    // The update that set the manager wrote the first contact with the manager.
    events::contact_written_writes(
        ticket_id,
        actor,
        vec![
            (types::TICKET_ASSIGNED, data),
            (
                types::TICKET_STATUS_CHANGED,
                json!({"from": TicketStatus::Triaged, "to": TicketStatus::Assigned}),
            ),
        ],
    )
}

/// Cancels the case's sessions that have not taken place, writing `session.updated` for each.
pub async fn cancel_scheduled_sessions(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    ticket_id: Uuid,
    why: &str,
) -> Result<(), ApiError> {
    let cancelled = consulting_session::changed()
        .col_expr(
            consulting_session::Column::Status,
            Expr::value(SessionStatus::Cancelled.as_str()),
        )
        .filter(consulting_session::Column::TicketId.eq(ticket_id))
        .filter(consulting_session::Column::Status.eq(SessionStatus::Scheduled.as_str()))
        .exec_with_returning(tx)
        .await?;
    if cancelled.is_empty() {
        return Ok(());
    }
    let updates = cancelled
        .iter()
        .map(|session| {
            (
                types::SESSION_UPDATED,
                json!({
                    "session_id": session.id,
                    "from": SessionStatus::Scheduled,
                    "to": SessionStatus::Cancelled,
                    "reason": why,
                }),
            )
        })
        .collect();
    events::record_all(tx, Some(ticket_id), actor, updates).await
}

/// Most waiting cases looked at for one free place; a bound on the work, not on correctness,
/// because the query already keeps to cases the manager can reach.
const HAND_OFF_ATTEMPTS: usize = 16;

/// Gives a manager with free places the oldest waiting cases they can take, one per place,
/// inside the caller's transaction (which has already written to the manager's row, so it
/// holds the row's lock). Returns the cases handed over, in order.
pub async fn hand_off_waiting(
    tx: &impl ConnectionTrait,
    workflow: &Workflow,
    actor: &Actor,
    manager_id: Uuid,
    trigger: HandOffTrigger,
) -> Result<Vec<Uuid>, ApiError> {
    let mut handed = Vec::new();
    let mut attempts = 0;
    while attempts < HAND_OFF_ATTEMPTS {
        attempts += 1;
        let Some(manager) = manager::Entity::find_by_id(manager_id).one(tx).await? else {
            break;
        };
        let profile = manager.profile();
        if !profile.active || profile.active_cases >= profile.capacity {
            break;
        }
        let Some(condition) = reachable_waiting_tickets(&profile) else {
            break;
        };
        let Some(waiting) = ticket::Entity::find()
            .filter(condition)
            .order_by_asc(ticket::Column::WaitingSince)
            .order_by_asc(ticket::Column::Id)
            .limit(1)
            .one(tx)
            .await?
        else {
            break;
        };
        let score = match assignment::assess(&ticket_needs(&waiting)?, &profile) {
            Ok(score) => score,
            // The query and the ranking disagree only on a bug; stop rather than loop.
            Err(_) => break,
        };
        if reserve(tx, manager_id).await?.is_none() {
            break;
        }
        if set_manager(tx, &workflow.calendar, actor, &waiting, manager_id)
            .await?
            .is_some()
        {
            assigned_events(
                actor,
                waiting.id,
                manager_id,
                &score,
                true,
                json!({"trigger": trigger.as_str()}),
            )?
            .run(tx)
            .await?;
            handed.push(waiting.id);
        } else {
            // Another instance gave that case away first; give the place back and look again.
            free(tx, manager_id).await?;
        }
    }
    Ok(handed)
}

/// Waiting cases on the manager's tracks that the manager can reach the way they want.
fn reachable_waiting_tickets(profile: &assignment::ManagerProfile) -> Option<Condition> {
    let mut tracks = Condition::any();
    for track in profile.tracks.iter() {
        tracks = tracks.add(ticket::Column::Track.eq(track.as_str()));
    }
    let mut reachable = Condition::any();
    let mut any_way = false;
    if profile.online {
        any_way = true;
        reachable = reachable.add(ticket::Column::PreferredMode.is_in([
            PreferredMode::Online.as_str(),
            PreferredMode::Either.as_str(),
        ]));
    }
    if profile.onsite && !profile.prefectures.is_empty() {
        any_way = true;
        reachable = reachable.add(
            Condition::all()
                .add(ticket::Column::PreferredMode.is_in([
                    PreferredMode::Onsite.as_str(),
                    PreferredMode::Either.as_str(),
                ]))
                .add(
                    ticket::Column::Prefecture.is_in(profile.prefectures.iter().map(|p| p.code())),
                ),
        );
    }
    if !any_way || profile.tracks.is_empty() {
        return None;
    }
    Some(
        Condition::all()
            .add(ticket::Column::Status.eq(TicketStatus::Triaged.as_str()))
            .add(ticket::Column::ManagerId.is_null())
            .add(ticket::Column::WaitingSince.is_not_null())
            .add(tracks)
            .add(reachable),
    )
}

/// Whether `status` holds a place under the case's manager.
pub const fn holds_capacity(status: TicketStatus) -> bool {
    matches!(
        status,
        TicketStatus::Assigned | TicketStatus::InConsultation | TicketStatus::OnHold
    )
}
