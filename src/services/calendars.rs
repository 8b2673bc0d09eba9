//! Consultants' calendars: the sessions across cases (a manager works from a calendar, not
//! from case pages), and each manager's iCalendar feed behind a secret URL that calendar
//! programs subscribe to without OAuth.
//!
//! The feed's token is 256 random bits, shown once and kept only as its SHA-256 (like client
//! secrets, see `auth::secrets`); one per manager, so issuing a new one replaces (and kills)
//! the old one, and revoking deletes it.
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    auth::{
        Actor,
        policy::Scope,
        secrets::{hash_secret, random_token},
    },
    domain::{
        consulting::SessionStatus,
        limits::{CALENDAR_FEED_MAX_EVENTS, CALENDAR_FEED_PAST_DAYS},
    },
    entities::{calendar_feed, consulting_session, ticket},
    error::ApiError,
    pagination::PageRequest,
    services::{managers, replica::Reads},
};

/// What the feed token starts with, so a leaked one is recognizable (secret scanners).
const TOKEN_PREFIX: &str = "ocf_";

/// Filters of the session list across cases.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// The manager holding the session.
    pub manager_id: Option<Uuid>,
    /// Sessions that end after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Sessions that start before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Status.
    pub status: Option<SessionStatus>,
}

/// A session with the case it belongs to, as a calendar shows it.
#[derive(Debug, Clone)]
pub struct CalendarEntry {
    /// The session.
    pub session: consulting_session::Model,
    /// The case's reference.
    pub reference: String,
    /// The company's name as the case's filer gave it.
    pub company_name: String,
    /// The contact person (name, e-mail, phone), only when asked for.
    pub contact: Option<(String, String, Option<String>)>,
}

/// The sessions of the caller's scope as a condition: a manager's own sessions (the manager
/// who holds a session keeps it, whoever works the case later), every session for the center.
fn sessions_in_scope(scope: Scope) -> Condition {
    match scope {
        Scope::All => Condition::all(),
        Scope::Manager(own) => Condition::all().add(consulting_session::Column::ManagerId.eq(own)),
        Scope::Partner(_) | Scope::Nothing => Condition::any(),
    }
}

/// One page of the sessions the caller may see across cases, by start (then id). A manager
/// who filters by another manager gets an empty list, as the case list does: the filter
/// narrows the caller's scope, never widens it.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &SessionFilter,
    page: &PageRequest,
) -> Result<(Vec<CalendarEntry>, Option<Uuid>), ApiError> {
    use consulting_session::Column as S;
    let mut condition = sessions_in_scope(actor.scope());
    if let Some(manager_id) = filter.manager_id {
        condition = condition.add(S::ManagerId.eq(manager_id));
    }
    if let Some(from) = filter.from {
        condition = condition.add(S::EndsAt.gt(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(S::StartsAt.lt(to));
    }
    if let Some(status) = filter.status {
        condition = condition.add(S::Status.eq(status.as_str()));
    }
    if let Some(after) = page.after {
        // A session's start never changes, so the cursor's session places the page.
        let start = consulting_session::Entity::find_by_id(after)
            .select_only()
            .column(S::StartsAt)
            .into_tuple::<DateTime<Utc>>()
            .one(db)
            .await?
            .ok_or_else(|| {
                ApiError::invalid_field("cursor", "is not a cursor this API returned; start over")
            })?;
        condition = condition.add(
            Condition::any().add(S::StartsAt.gt(start)).add(
                Condition::all()
                    .add(S::StartsAt.eq(start))
                    .add(S::Id.gt(after)),
            ),
        );
    }
    let rows = consulting_session::Entity::find()
        .filter(condition)
        .order_by_asc(S::StartsAt)
        .order_by_asc(S::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    let (rows, next) = page.split(rows, |row| row.id);
    Ok((with_tickets(db, rows, false).await?, next))
}

/// The sessions with their cases' reference and company (and contact, when `contact`).
async fn with_tickets(
    db: &impl ConnectionTrait,
    sessions: Vec<consulting_session::Model>,
    contact: bool,
) -> Result<Vec<CalendarEntry>, ApiError> {
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = sessions.iter().map(|s| s.ticket_id).collect();
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::Id.is_in(ids))
        .all(db)
        .await?;
    sessions
        .into_iter()
        .map(|session| {
            let ticket = tickets
                .iter()
                .find(|ticket| ticket.id == session.ticket_id)
                .ok_or_else(|| {
                    ApiError::Internal(anyhow::anyhow!("session {} has no case", session.id))
                })?;
            Ok(CalendarEntry {
                reference: ticket.reference.clone(),
                company_name: ticket.company_name.clone(),
                contact: contact.then(|| {
                    (
                        ticket.contact_name.clone(),
                        ticket.contact_email.clone(),
                        ticket.contact_phone.clone(),
                    )
                }),
                session,
            })
        })
        .collect()
}

/// Issues a new feed token for manager `manager_id` (the manager themself, a coordinator or an
/// admin; anyone else 404), replacing the one before: the old URL stops working at once.
/// Returns the token, which is not kept.
pub async fn issue_token(
    db: &DatabaseConnection,
    actor: &Actor,
    manager_id: Uuid,
) -> Result<String, ApiError> {
    managers::get_visible(db, actor, manager_id).await?;
    let token = format!("{TOKEN_PREFIX}{}", random_token(32));
    let row = calendar_feed::ActiveModel {
        manager_id: Set(manager_id),
        token_hash: Set(hash_secret(&token)),
        created_by: Set(actor.client_id.clone()),
        created_at: Set(Utc::now()),
    };
    calendar_feed::Entity::insert(row)
        .on_conflict(
            OnConflict::column(calendar_feed::Column::ManagerId)
                .update_columns([
                    calendar_feed::Column::TokenHash,
                    calendar_feed::Column::CreatedBy,
                    calendar_feed::Column::CreatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(token)
}

/// Revokes manager `manager_id`'s feed URL (404 when the manager has none).
pub async fn revoke_token(
    db: &DatabaseConnection,
    actor: &Actor,
    manager_id: Uuid,
) -> Result<(), ApiError> {
    managers::get_visible(db, actor, manager_id).await?;
    let deleted = calendar_feed::Entity::delete_by_id(manager_id)
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(ApiError::NotFound(format!(
            "the manager {manager_id} has no calendar feed"
        )));
    }
    Ok(())
}

/// The sessions of the feed at manager `manager_id`'s URL with `token`: those that started in
/// the last [`CALENDAR_FEED_PAST_DAYS`] days or later, cancelled ones included (calendars
/// show them cancelled), at most [`CALENDAR_FEED_MAX_EVENTS`]. A wrong, rotated or revoked
/// token, or a manager without a feed, is 404 alike.
///
/// The token is checked on the primary, so a rotated or revoked URL stops at once; the
/// sessions are a lag-tolerant read (a replica when one is configured, see
/// [`crate::services::replica`]).
pub async fn feed(
    primary: &DatabaseConnection,
    reads: &Reads,
    manager_id: Uuid,
    token: &str,
    contact_details: bool,
) -> Result<Vec<CalendarEntry>, ApiError> {
    let not_found = || ApiError::NotFound("no calendar feed is found at this address".into());
    if !token.starts_with(TOKEN_PREFIX) {
        return Err(not_found());
    }
    let found = calendar_feed::Entity::find()
        .filter(calendar_feed::Column::TokenHash.eq(hash_secret(token)))
        .filter(calendar_feed::Column::ManagerId.eq(manager_id))
        .one(primary)
        .await?;
    if found.is_none() {
        return Err(not_found());
    }
    let db = reads.lag_tolerant(primary, None).await?;
    use consulting_session::Column as S;
    let since = Utc::now() - Duration::days(CALENDAR_FEED_PAST_DAYS);
    let sessions = consulting_session::Entity::find()
        .filter(S::ManagerId.eq(manager_id))
        .filter(S::StartsAt.gte(since))
        .order_by_asc(S::StartsAt)
        .order_by_asc(S::Id)
        .limit(CALENDAR_FEED_MAX_EVENTS)
        .all(db)
        .await?;
    with_tickets(db, sessions, contact_details).await
}
