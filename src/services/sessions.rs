//! Consulting sessions: booking without double-booking the manager and within the
//! company's free sessions, and recording how each ended.
//!
//! Both limits are checked under row locks taken in one order, manager then company: the
//! manager's lock makes concurrent bookings for that manager queue, so the overlap check
//! sees every booking committed before it; the company's lock does the same for its free
//! sessions across all its cases and partners. On SQLite, write transactions already run
//! one at a time.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};
use sea_orm::{DatabaseTransaction, QueryResult};
use serde_json::json;
use uuid::Uuid;

use crate::services::idempotency::{Create, Made};
use crate::{
    auth::Actor,
    db::begin_write,
    domain::{
        consulting::{SessionMode, SessionStatus, free_sessions_remaining},
        fiscal_year::FiscalYear,
        ticket_status::{TicketStatus, Transition, apply},
    },
    entities::{company, consulting_session, manager, ticket},
    error::ApiError,
    services::versioned::VersionedUpdate,
    services::{
        events::{self, types},
        tickets::{self, illegal_move},
    },
};

/// A session to book, checked.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// Online or on site.
    pub mode: SessionMode,
    /// Notes.
    pub notes: Option<String>,
}

/// A session with the company's free sessions left in its fiscal year.
#[derive(Debug, Clone)]
pub struct Session {
    /// The row.
    pub row: consulting_session::Model,
    /// Free sessions the company has left in the session's fiscal year.
    pub free_sessions_remaining: u32,
}

const BOOKED: [&str; 2] = [
    SessionStatus::Scheduled.as_str(),
    SessionStatus::Held.as_str(),
];

async fn booked_for_company(
    db: &impl ConnectionTrait,
    company_id: Uuid,
    fiscal_year: i32,
) -> Result<u64, ApiError> {
    Ok(consulting_session::Entity::find()
        .filter(consulting_session::Column::CompanyId.eq(company_id))
        .filter(consulting_session::Column::FiscalYear.eq(fiscal_year))
        .filter(consulting_session::Column::Status.is_in(BOOKED))
        .count(db)
        .await?)
}

/// 409 `session-overlap` when the manager already has a booked session that overlaps `new`
/// (the caller holds the manager's row lock, so two bookings cannot both pass).
async fn refuse_overlap(
    tx: &impl ConnectionTrait,
    manager_id: Uuid,
    new: &NewSession,
) -> Result<(), ApiError> {
    let clash = consulting_session::Entity::find()
        .filter(consulting_session::Column::ManagerId.eq(manager_id))
        .filter(consulting_session::Column::Status.is_in(BOOKED))
        .filter(consulting_session::Column::StartsAt.lt(new.ends_at))
        .filter(consulting_session::Column::EndsAt.gt(new.starts_at))
        .one(tx)
        .await?;
    if let Some(clash) = clash {
        let mut extensions = serde_json::Map::new();
        extensions.insert("starts_at".into(), json!(clash.starts_at));
        extensions.insert("ends_at".into(), json!(clash.ends_at));
        return Err(ApiError::Conflict {
            slug: "session-overlap",
            detail: format!(
                "the manager already has a session from {} to {}",
                clash.starts_at.to_rfc3339(),
                clash.ends_at.to_rfc3339()
            ),
            extensions,
        });
    }
    Ok(())
}

/// The free sessions the company has booked in the fiscal year, across all its cases; 409
/// `free-sessions-used-up` when none is left (the company's row lock, taken here, serializes
/// concurrent bookings).
async fn free_sessions_booked(
    tx: &impl ConnectionTrait,
    company_id: Uuid,
    fiscal_year: i32,
    free_sessions: u32,
) -> Result<u64, ApiError> {
    company::Entity::find_by_id(company_id)
        .lock_exclusive()
        .one(tx)
        .await?;
    let used = booked_for_company(tx, company_id, fiscal_year).await?;
    if used >= u64::from(free_sessions) {
        let mut extensions = serde_json::Map::new();
        extensions.insert("limit".into(), json!(free_sessions));
        extensions.insert("remaining".into(), json!(0));
        extensions.insert("fiscal_year".into(), json!(fiscal_year));
        return Err(ApiError::Conflict {
            slug: "free-sessions-used-up",
            detail: format!(
                "the company has used all {free_sessions} free sessions of fiscal {fiscal_year} \
                 (scheduled and held, across all its cases); 0 remain"
            ),
            extensions,
        });
    }
    Ok(used)
}

/// Books a session on an assigned case for its manager, inside `tx`. The first session
/// moves the case to `in_consultation`.
pub async fn schedule(
    tx: &impl ConnectionTrait,
    free_sessions: u32,
    actor: &Actor,
    ticket_id: Uuid,
    new: NewSession,
) -> Result<Session, ApiError> {
    let ticket = tickets::get_visible(tx, actor, ticket_id).await?;
    let from = ticket.row.status;
    let starts_consultation = match from {
        TicketStatus::InConsultation => false,
        _ => {
            apply(from, Transition::StartConsultation, None).map_err(|illegal| {
                illegal_move(&illegal, "sessions are booked once a manager is assigned")
            })?;
            true
        }
    };
    let manager_id = ticket.row.manager_id.ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "case {ticket_id} is {from} without a manager"
        ))
    })?;
    let manager = manager::Entity::find_by_id(manager_id)
        .lock_exclusive()
        .one(tx)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("manager {manager_id} is missing")))?;
    check_mode(&manager, &ticket.row, new.mode)?;

    refuse_overlap(tx, manager_id, &new).await?;
    let fiscal_year = FiscalYear::of_instant(new.starts_at).year();
    let used = free_sessions_booked(tx, ticket.row.company_id, fiscal_year, free_sessions).await?;

    let now = Utc::now();
    let row = consulting_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(ticket_id),
        manager_id: Set(manager_id),
        company_id: Set(ticket.row.company_id),
        fiscal_year: Set(fiscal_year),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        duration_minutes: Set(new.duration_minutes),
        mode: Set(new.mode),
        status: Set(SessionStatus::Scheduled),
        notes: Set(new.notes),
        created_by: Set(actor.client_id.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        sequence: Set(0),
    };
    let row = consulting_session::Entity::insert(row)
        .exec_with_returning(tx)
        .await?;
    let mut recorded = vec![(
        types::SESSION_SCHEDULED,
        json!({
            "session_id": row.id,
            "manager_id": manager_id,
            "starts_at": row.starts_at,
            "ends_at": row.ends_at,
            "mode": row.mode,
        }),
    )];
    if starts_consultation {
        VersionedUpdate::<ticket::Entity>::guarded(
            ticket_id,
            ticket::Column::Status.eq(TicketStatus::Assigned.as_str()),
        )
        .set(
            ticket::Column::Status,
            TicketStatus::InConsultation.as_str(),
        )
        .apply(tx, || ApiError::changed_meanwhile("case"))
        .await?;
        recorded.push((
            types::TICKET_STATUS_CHANGED,
            json!({"from": from, "to": TicketStatus::InConsultation, "reason": "first session booked"}),
        ));
    }
    events::record_all(tx, Some(ticket_id), actor, recorded).await?;
    Ok(Session {
        row,
        free_sessions_remaining: free_sessions_remaining(free_sessions, used + 1),
    })
}

fn check_mode(
    manager: &manager::Model,
    ticket: &ticket::Model,
    mode: SessionMode,
) -> Result<(), ApiError> {
    match mode {
        SessionMode::Online if !manager.online => Err(ApiError::invalid_field(
            "mode",
            "the case's manager does not consult online",
        )),
        SessionMode::Onsite => {
            let visits = manager.onsite && manager.prefecture_list().contains(&ticket.prefecture);
            if visits {
                Ok(())
            } else {
                Err(ApiError::invalid_field(
                    "mode",
                    "the case's manager does not visit the company's prefecture on site",
                ))
            }
        }
        _ => Ok(()),
    }
}

/// The sessions of a case the actor may see, by start.
pub async fn for_ticket(
    db: &DatabaseConnection,
    free_sessions: u32,
    actor: &Actor,
    ticket_id: Uuid,
) -> Result<Vec<Session>, ApiError> {
    tickets::get_visible(db, actor, ticket_id).await?;
    let rows = consulting_session::Entity::find()
        .filter(consulting_session::Column::TicketId.eq(ticket_id))
        .order_by_asc(consulting_session::Column::StartsAt)
        .order_by_asc(consulting_session::Column::Id)
        .all(db)
        .await?;
    let mut remaining_by_year: Vec<(i32, u32)> = Vec::new();
    let mut sessions = Vec::with_capacity(rows.len());
    for row in rows {
        let remaining = match remaining_by_year
            .iter()
            .find(|(year, _)| *year == row.fiscal_year)
        {
            Some((_, remaining)) => *remaining,
            None => {
                let used = booked_for_company(db, row.company_id, row.fiscal_year).await?;
                let remaining = free_sessions_remaining(free_sessions, used);
                remaining_by_year.push((row.fiscal_year, remaining));
                remaining
            }
        };
        sessions.push(Session {
            row,
            free_sessions_remaining: remaining,
        });
    }
    Ok(sessions)
}

/// Records how a session ended (`held`, `cancelled`, `no_show`) and/or its notes. A manager
/// may only touch their own sessions; anything else is 404.
pub async fn update(
    db: &DatabaseConnection,
    free_sessions: u32,
    actor: &Actor,
    session_id: Uuid,
    status: Option<SessionStatus>,
    notes: Option<String>,
) -> Result<Session, ApiError> {
    let not_found = || ApiError::NotFound(format!("no session has the id {session_id}"));
    let tx = begin_write(db).await?;
    let current = consulting_session::Entity::find_by_id(session_id)
        .one(&tx)
        .await?
        .ok_or_else(not_found)?;
    // A session belongs to the manager who holds it (a later manager of the case does not
    // take over the earlier one's sessions).
    let visible = actor.scope().reaches(None, Some(current.manager_id));
    if !visible {
        return Err(not_found());
    }
    let from = current.status;
    if let Some(to) = status
        && !from.may_become(to)
    {
        let allowed: Vec<&str> = from.next().into_iter().map(SessionStatus::as_str).collect();
        let mut extensions = serde_json::Map::new();
        extensions.insert("current_status".into(), json!(from));
        extensions.insert("allowed".into(), json!(allowed));
        return Err(ApiError::Conflict {
            slug: "illegal-session-transition",
            detail: format!(
                "the session is {}; {}",
                from.as_str(),
                if allowed.is_empty() {
                    "it has ended and stays as it ended (add notes instead)".to_owned()
                } else {
                    format!("it can become {}", allowed.join(", "))
                }
            ),
            extensions,
        });
    }
    let mut update = consulting_session::changed()
        .filter(consulting_session::Column::Id.eq(session_id))
        .filter(consulting_session::Column::Status.eq(from.as_str()));
    if let Some(to) = status {
        update = update.col_expr(consulting_session::Column::Status, Expr::value(to.as_str()));
    }
    if let Some(notes) = &notes {
        update = update.col_expr(
            consulting_session::Column::Notes,
            Expr::value(notes.clone()),
        );
    }
    if update.exec(&tx).await?.rows_affected != 1 {
        return Err(ApiError::changed_meanwhile("session"));
    }
    events::record(
        &tx,
        Some(current.ticket_id),
        types::SESSION_UPDATED,
        actor,
        json!({
            "session_id": session_id,
            "from": from,
            "to": status.unwrap_or(from),
            "notes_changed": notes.is_some(),
        }),
    )
    .await?;
    let row = consulting_session::Entity::find_by_id(session_id)
        .one(&tx)
        .await?
        .ok_or_else(not_found)?;
    let used = booked_for_company(&tx, row.company_id, row.fiscal_year).await?;
    tx.commit().await?;
    Ok(Session {
        row,
        free_sessions_remaining: free_sessions_remaining(free_sessions, used),
    })
}

/// A session being booked on a case, under the idempotency protocol.
#[derive(Debug)]
pub struct Booking<'a> {
    /// Free sessions per company and fiscal year.
    pub free_sessions: u32,
    /// Who books it.
    pub actor: &'a Actor,
    /// The case.
    pub ticket_id: Uuid,
    /// The session.
    pub new: NewSession,
}

impl Create for Booking<'_> {
    type Made = Session;

    async fn make(
        self,
        tx: &DatabaseTransaction,
        _opened: Option<QueryResult>,
    ) -> Result<Made<Session>, ApiError> {
        schedule(tx, self.free_sessions, self.actor, self.ticket_id, self.new)
            .await
            .map(Made::done)
    }
}
