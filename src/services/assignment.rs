//! Candidates, assignment, release and the waiting queue.
//!
//! Capacity is reserved by one conditional update (`active_cases < capacity`), never by
//! reading and then writing, so two coordinators (or two instances) assigning at the same
//! moment cannot push a manager over capacity: PostgreSQL re-checks the condition on the
//! row it waited for, and SQLite's write transactions run one at a time.
//!
//! Locks are always taken manager first, then case, so concurrent assignments, releases
//! and outcomes cannot deadlock one another.
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Actor,
    db::begin_write,
    domain::{
        assignment::{self, CaseNeeds, Ineligibility, Ranking, ScoreParts},
        ticket_status::{Transition, apply},
        track::Track,
    },
    entities::{manager, ticket},
    error::ApiError,
    services::versioned::VersionedUpdate,
    services::{
        Workflow,
        capacity::{
            HandOffTrigger, cancel_scheduled_sessions, case_needs, free, hand_off_waiting,
            record_assigned, reserve, set_manager,
        },
        events::{self, types},
        tickets::{self, Ticket, illegal_move},
    },
};

/// A case with the managers ranked for it.
#[derive(Debug, Clone)]
pub struct Candidates {
    /// The case.
    pub ticket: Ticket,
    /// The track it is routed to.
    pub track: Track,
    /// Eligible managers best first, and the others with their reasons.
    pub ranking: Ranking,
    /// Every manager considered, for names.
    pub managers: Vec<manager::Model>,
}

/// An assignment made.
#[derive(Debug, Clone)]
pub struct Assignment {
    /// The case after the assignment.
    pub ticket: Ticket,
    /// The manager.
    pub manager: manager::Model,
    /// Why the manager ranked where they did.
    pub score: ScoreParts,
    /// Whether the service chose the manager.
    pub automatic: bool,
}

/// A release made.
#[derive(Debug, Clone)]
pub struct Release {
    /// The case after the release.
    pub ticket: Ticket,
    /// The manager released.
    pub manager_id: Uuid,
    /// The waiting case the freed manager was given, if any.
    pub handed_to: Option<Uuid>,
}

/// Ranks every manager on the roster for a routed case.
pub async fn candidates(
    db: &DatabaseConnection,
    actor: &Actor,
    ticket_id: Uuid,
) -> Result<Candidates, ApiError> {
    let ticket = tickets::get_visible(db, actor, ticket_id).await?;
    let needs = case_needs(&ticket.row)?;
    let managers = manager::Entity::find().all(db).await?;
    let profiles: Vec<_> = managers.iter().map(manager::Model::profile).collect();
    let ranking = assignment::rank(&needs, &profiles);
    Ok(Candidates {
        ticket,
        track: needs.track,
        ranking,
        managers,
    })
}

fn not_eligible(manager: &manager::Model, reasons: Vec<Ineligibility>) -> ApiError {
    let mut extensions = serde_json::Map::new();
    extensions.insert("manager_id".into(), json!(manager.id));
    extensions.insert("reasons".into(), json!(reasons));
    let why: Vec<&str> = reasons.iter().map(|r| r.message()).collect();
    ApiError::Conflict {
        slug: "manager-not-eligible",
        detail: format!("{} cannot take this case: {}", manager.name, why.join("; ")),
        extensions,
    }
}

/// Assigns a manager to a triaged case: the named one, or the best candidate with room.
/// When nobody has room the case joins the waiting queue and the answer is 409
/// `no-eligible-manager`.
pub async fn assign(
    db: &DatabaseConnection,
    workflow: &Workflow,
    actor: &Actor,
    ticket_id: Uuid,
    named: Option<Uuid>,
    reason: Option<String>,
) -> Result<Assignment, ApiError> {
    let tx = begin_write(db).await?;
    let current = tickets::get_visible(&tx, actor, ticket_id).await?;
    let from = current.row.status;
    apply(from, Transition::Assign, None)
        .map_err(|illegal| illegal_move(&illegal, "release the current manager first"))?;
    let needs = case_needs(&current.row)?;
    let chosen = match named {
        Some(manager_id) => {
            let manager = manager::Entity::find_by_id(manager_id)
                .one(&tx)
                .await?
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "manager_id",
                        format!("no manager has the id {manager_id}"),
                    )
                })?;
            let score = assignment::assess(&needs, &manager.profile())
                .map_err(|reasons| not_eligible(&manager, reasons))?;
            if !reserve(&tx, manager_id).await? {
                return Err(not_eligible(&manager, vec![Ineligibility::AtCapacity]));
            }
            Some((manager, score))
        }
        None => reserve_best(&tx, &needs).await?,
    };
    let Some((manager, score)) = chosen else {
        join_queue(&tx, actor, &current).await?;
        tx.commit().await?;
        let mut extensions = serde_json::Map::new();
        extensions.insert("waiting".into(), json!(true));
        return Err(ApiError::Conflict {
            slug: "no-eligible-manager",
            detail: "no manager who covers the case has room; the case waits in the queue and \
                     goes to the first eligible manager whose capacity frees"
                .into(),
            extensions,
        });
    };
    if !set_manager(&tx, &workflow.calendar, &current.row, manager.id).await? {
        return Err(ApiError::changed_meanwhile("case"));
    }
    record_assigned(
        &tx,
        actor,
        ticket_id,
        manager.id,
        &score,
        named.is_none(),
        json!({"reason": reason}),
    )
    .await?;
    let ticket = tickets::get_visible(&tx, actor, ticket_id).await?;
    let manager = manager::Entity::find_by_id(manager.id)
        .one(&tx)
        .await?
        .unwrap_or(manager);
    tx.commit().await?;
    Ok(Assignment {
        ticket,
        manager,
        score,
        automatic: named.is_none(),
    })
}

/// Reserves the best-ranked manager who still has room, trying the next when a concurrent
/// assignment took the last place first.
async fn reserve_best(
    tx: &DatabaseTransaction,
    needs: &CaseNeeds,
) -> Result<Option<(manager::Model, ScoreParts)>, ApiError> {
    let covers = match needs.track {
        Track::Ict => manager::Column::CoversIct,
        Track::Labor => manager::Column::CoversLabor,
    };
    let rows = manager::Entity::find()
        .filter(manager::Column::Active.eq(true))
        .filter(covers.eq(true))
        .filter(Expr::col(manager::Column::ActiveCases).lt(Expr::col(manager::Column::Capacity)))
        .all(tx)
        .await?;
    let profiles: Vec<_> = rows.iter().map(manager::Model::profile).collect();
    let ranking = assignment::rank(needs, &profiles);
    for candidate in ranking.candidates {
        if reserve(tx, candidate.manager_id).await?
            && let Some(manager) = rows.iter().find(|m| m.id == candidate.manager_id)
        {
            return Ok(Some((manager.clone(), candidate.score)));
        }
    }
    Ok(None)
}

/// Puts a triaged case in the waiting queue (keeping its place if it is already there).
async fn join_queue(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    current: &Ticket,
) -> Result<(), ApiError> {
    if current.row.waiting_since.is_some() {
        return Ok(());
    }
    let now = Utc::now();
    let queued = VersionedUpdate::<ticket::Entity>::guarded(
        current.row.id,
        ticket::Column::WaitingSince.is_null(),
    )
    .set(ticket::Column::WaitingSince, now)
    .try_apply(tx)
    .await?;
    if !queued {
        // A concurrent attempt queued it first: it keeps that place, and that event.
        return Ok(());
    }
    events::record(
        tx,
        Some(current.row.id),
        types::TICKET_UPDATED,
        actor,
        json!({"fields": ["waiting_since"], "reason": "no eligible manager had room"}),
    )
    .await
}

/// Releases the manager of an assigned (or in-consultation) case: the case goes back to
/// `triaged`, its scheduled sessions are cancelled, the manager's place is freed and, with
/// automatic assignment on, handed to the oldest waiting case they can take.
pub async fn release(
    db: &DatabaseConnection,
    workflow: &Workflow,
    actor: &Actor,
    ticket_id: Uuid,
    reason: Option<String>,
) -> Result<Release, ApiError> {
    let tx = begin_write(db).await?;
    let current = tickets::get_visible(&tx, actor, ticket_id).await?;
    let from = current.row.status;
    let to = apply(from, Transition::Release, None)
        .map_err(|illegal| illegal_move(&illegal, "only an assigned case can be released"))?;
    let manager_id = current.row.manager_id.ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "case {ticket_id} is {from} without a manager"
        ))
    })?;
    free(&tx, manager_id).await?;
    let _now = Utc::now();
    VersionedUpdate::<ticket::Entity>::of(ticket_id, current.row.version)
        .set(ticket::Column::ManagerId, None::<Uuid>)
        .set(ticket::Column::Status, to.as_str())
        .set(ticket::Column::AssignedAt, None::<chrono::DateTime<Utc>>)
        .apply(&tx, || ApiError::changed_meanwhile("case"))
        .await?;
    cancel_scheduled_sessions(&tx, actor, ticket_id, "the manager was released").await?;
    events::record_all(
        &tx,
        Some(ticket_id),
        actor,
        vec![
            (
                types::TICKET_RELEASED,
                json!({"manager_id": manager_id, "reason": reason}),
            ),
            (
                types::TICKET_STATUS_CHANGED,
                json!({"from": from, "to": to, "reason": reason}),
            ),
        ],
    )
    .await?;
    let handed_to = if workflow.auto_assign {
        hand_off_waiting(&tx, workflow, actor, manager_id, HandOffTrigger::Release)
            .await?
            .first()
            .copied()
    } else {
        None
    };
    let ticket = tickets::get_visible(&tx, actor, ticket_id).await?;
    tx.commit().await?;
    Ok(Release {
        ticket,
        manager_id,
        handed_to,
    })
}
