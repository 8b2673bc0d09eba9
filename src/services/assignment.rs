//! Candidates, assignment, release and the waiting queue.
//!
//! Capacity is reserved by one conditional update (`active_cases < capacity`), never by
//! reading and then writing, so two coordinators (or two instances) assigning at the same
//! moment cannot push a manager over capacity: PostgreSQL re-checks the condition on the
//! row it waited for, and SQLite's write transactions run one at a time. An automatic
//! assignment on PostgreSQL first passes over managers whose rows other transactions hold
//! (`SKIP LOCKED`, see `reserve_best`), so concurrent coordinators do not queue on one row.
//!
//! Locks are always taken manager first, then case, so concurrent assignments, releases
//! and outcomes cannot deadlock one another.
use chrono::Utc;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    FromQueryResult, Statement,
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Actor,
    db::{begin_write, uuid_array},
    domain::{
        assignment::{self, Ineligibility, Ranking, ScoreParts, TicketNeeds},
        ticket_status::{Transition, apply},
        track::Track,
    },
    entities::{manager, ticket},
    error::ApiError,
    services::versioned::VersionedUpdate,
    services::{
        Workflow,
        capacity::{
            HandOffTrigger, assigned_events, cancel_scheduled_sessions, free, hand_off_waiting,
            reserve, set_manager_writing, ticket_needs,
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
    /// Every manager's name, for the views.
    pub names: foldhash::HashMap<Uuid, String>,
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
    workflow: &Workflow,
    actor: &Actor,
    ticket_id: Uuid,
) -> Result<Candidates, ApiError> {
    let ticket = tickets::get_visible(db, actor, ticket_id).await?;
    let needs = ticket_needs(&ticket.row)?;
    let ranking = workflow
        .roster
        .ranked(db, |profiles| assignment::rank(&needs, profiles))
        .await?;
    let listed = ranking.candidates.iter().map(|c| c.manager_id);
    let names = workflow
        .roster
        .names(listed.chain(ranking.ineligible.iter().map(|i| i.manager_id)));
    Ok(Candidates {
        ticket,
        track: needs.track,
        ranking,
        names,
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
    let needs = ticket_needs(&current.row)?;
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
            let Some(reserved) = reserve(&tx, manager_id).await? else {
                return Err(not_eligible(&manager, vec![Ineligibility::AtCapacity]));
            };
            Some((reserved, score))
        }
        None => reserve_best(&tx, workflow, &needs).await?,
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
    let manager_id = manager.id;
    let recorded = assigned_events(
        actor,
        ticket_id,
        manager_id,
        &score,
        named.is_none(),
        json!({"reason": reason}),
    )?;
    let written = set_manager_writing(
        &tx,
        &workflow.calendar,
        actor,
        &current.row,
        manager_id,
        recorded,
    )
    .await?;
    // The assignment changed the case's row only (its company record, outcome and merge are
    // as read), and the manager's row is the reservation's, so the answer shows both as
    // written without reading either again.
    let ticket = Ticket {
        row: written,
        ..current
    };
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
///
/// The roster is ranked as this process holds it, brought up to date first (see
/// [`RosterCache`](crate::services::roster::RosterCache)). On PostgreSQL the ranked managers
/// are then offered in windows to one statement that takes the best of them whose row no
/// other transaction holds (`FOR UPDATE SKIP LOCKED`), so concurrent assignments spread over
/// the next candidates instead of queueing on the row of the best one. Only when every
/// candidate with room is held elsewhere does it wait its turn, manager by manager as SQLite
/// always does, so a case never joins the queue while a manager who will still have room is
/// merely busy.
async fn reserve_best(
    tx: &DatabaseTransaction,
    workflow: &Workflow,
    needs: &TicketNeeds,
) -> Result<Option<(manager::Model, ScoreParts)>, ApiError> {
    let ranked = workflow
        .roster
        .ranked(tx, |profiles| {
            assignment::ranked_candidates(needs, profiles)
        })
        .await?;
    if tx.get_database_backend() == DbBackend::Postgres {
        for window in ranked.chunks(RESERVE_WINDOW) {
            let ids: Vec<Uuid> = window.iter().map(|c| c.manager_id).collect();
            if let Some(manager) = reserve_first_unheld(tx, &ids).await?
                && let Some(candidate) = window.iter().find(|c| c.manager_id == manager.id)
            {
                return Ok(Some((manager, candidate.score.clone())));
            }
        }
    }
    for candidate in &ranked {
        if let Some(manager) = reserve(tx, candidate.manager_id).await? {
            return Ok(Some((manager, candidate.score.clone())));
        }
    }
    Ok(None)
}

/// Candidates one skip-locked reservation is offered at once: more than the coordinators
/// likely to be assigning at the same moment, so the first window nearly always has one.
const RESERVE_WINDOW: usize = 64;

/// Takes one place under the capacity of the first of `ranked` (best first) who is active,
/// has room and whose row no other transaction holds, without waiting for any row; `None`
/// when there is none. PostgreSQL only. The update's condition is the capacity invariant,
/// as in [`reserve`]; the row lock taken first makes it hold without a wait.
async fn reserve_first_unheld(
    tx: &impl ConnectionTrait,
    ranked: &[Uuid],
) -> Result<Option<manager::Model>, ApiError> {
    if ranked.is_empty() {
        return Ok(None);
    }
    // The ranked ids as one array parameter, unnested in rank order: PostgreSQL walks them
    // best first, probing the primary key, and stops at the first row it can lock (a
    // `VALUES` list or `= ANY` made it scan and sort the whole roster instead).
    let values: Vec<sea_orm::Value> = vec![Utc::now().into(), uuid_array(ranked)];
    // The lock is taken in rank order and stops at the first row it gets (LIMIT 1 above
    // the row locking), so only the chosen manager's row is held.
    let sql = "WITH chosen AS ( \
             SELECT m.id FROM unnest(CAST($2 AS uuid[])) WITH ORDINALITY AS r (id, place) \
             JOIN managers m ON m.id = r.id \
             WHERE m.active AND m.active_cases < m.capacity \
             ORDER BY r.place LIMIT 1 \
             FOR UPDATE OF m SKIP LOCKED) \
         UPDATE managers m SET active_cases = m.active_cases + 1, last_assigned_at = $1 \
         FROM chosen WHERE m.id = chosen.id AND m.active_cases < m.capacity \
         RETURNING m.*";
    let row = tx
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?;
    Ok(row
        .map(|row| manager::Model::from_query_result(&row, ""))
        .transpose()?)
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
