//! Consulting sessions: scheduling, listing and changing them.
use actix_web::{HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    domain::{
        business_days::jst_date,
        consulting::{SessionMode, SessionStatus, session_end},
        holidays::check_known_date,
    },
    error::{ApiError, FieldErrors, Problem},
    extract::{IdempotencyKey, JsonBody},
    routes::{idempotent::created_response, tickets::authorize_on_ticket},
    services::{
        self,
        idempotency::{self, StoredResponse},
        sessions::{NewSession, Session},
    },
    state::AppState,
};

/// Longest notes or summary, in characters.
pub const MAX_NOTES_CHARS: usize = 5000;

/// A session to book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    /// Start (RFC 3339, e.g. `2026-12-01T10:00:00+09:00`).
    #[schema(example = "2026-12-01T10:00:00+09:00")]
    pub starts_at: DateTime<Utc>,
    /// Length, 15–480 minutes.
    #[schema(example = 90)]
    pub duration_minutes: i64,
    /// `online` or `onsite` (on site only where the manager visits the company's
    /// prefecture).
    #[schema(value_type = SessionMode)]
    pub mode: String,
    /// Notes (up to 5,000 characters).
    pub notes: Option<String>,
}

/// A consulting session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionView {
    /// Id.
    pub id: Uuid,
    /// The case.
    pub ticket_id: Uuid,
    /// The manager.
    pub manager_id: Uuid,
    /// The company.
    pub company_id: Uuid,
    /// Fiscal year of the start (Japan time), the year its free sessions are counted in.
    pub fiscal_year: i32,
    /// Start.
    pub starts_at: DateTime<Utc>,
    /// End.
    pub ends_at: DateTime<Utc>,
    /// Length in minutes.
    pub duration_minutes: i32,
    /// Online or on site.
    pub mode: SessionMode,
    /// Where it stands.
    pub status: SessionStatus,
    /// Notes.
    pub notes: Option<String>,
    /// Free sessions the company has left in that fiscal year.
    pub free_sessions_remaining: u32,
    /// Booked.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl SessionView {
    fn from_session(session: Session) -> Result<Self, ApiError> {
        let row = session.row;
        Ok(Self {
            id: row.id,
            ticket_id: row.ticket_id,
            manager_id: row.manager_id,
            company_id: row.company_id,
            fiscal_year: row.fiscal_year,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            duration_minutes: row.duration_minutes,
            mode: row.mode,
            status: row.status,
            notes: row.notes,
            free_sessions_remaining: session.free_sessions_remaining,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// The sessions of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    /// By start.
    pub items: Vec<SessionView>,
}

pub(crate) fn check_notes(
    errors: &mut FieldErrors,
    field: &str,
    notes: Option<String>,
) -> Option<String> {
    let notes = notes.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if notes
        .as_deref()
        .is_some_and(|n| n.chars().count() > MAX_NOTES_CHARS)
    {
        errors.add(
            field,
            format!("must be at most {MAX_NOTES_CHARS} characters"),
        );
    }
    notes
}

impl CreateSessionRequest {
    fn parse(self) -> Result<NewSession, ApiError> {
        let mut errors = FieldErrors::new();
        errors.check("starts_at", check_known_date(jst_date(self.starts_at)));
        let ends_at = errors.check(
            "duration_minutes",
            session_end(self.starts_at, self.duration_minutes),
        );
        let mode = errors.check("mode", SessionMode::parse(&self.mode));
        let notes = check_notes(&mut errors, "notes", self.notes);
        errors.finish()?;
        match (ends_at, mode, i32::try_from(self.duration_minutes)) {
            (Some(ends_at), Some(mode), Ok(duration_minutes)) => Ok(NewSession {
                starts_at: self.starts_at,
                ends_at,
                duration_minutes,
                mode,
                notes,
            }),
            _ => Err(ApiError::Internal(anyhow::anyhow!(
                "parsed fields went missing"
            ))),
        }
    }
}

/// Books a consulting session for the case's manager (the assigned manager, coordinator).
/// The first session moves the case to `in_consultation`. 409 `session-overlap` when the
/// manager has another scheduled or held session at that time; 409
/// `free-sessions-used-up` (with `limit` and `remaining`) when the company has used its
/// free sessions for the fiscal year (default 3, `ONESTOP_FREE_SESSIONS`), counted across
/// all its cases and partners; cancelled and no-show sessions do not count.
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 h"),
    ),
    request_body = CreateSessionRequest,
    responses(
        (status = 201, body = SessionView, headers(("Location" = String))),
        (status = 409, description = "`session-overlap`, `free-sessions-used-up` or `illegal-transition` (no manager assigned)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/sessions")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn create_session(
    state: web::Data<AppState>,
    client: Actor,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: JsonBody<CreateSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (allowed, ticket_id) =
        authorize_on_ticket(&state, &client, Action::ScheduleSessions, id).await?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let new = request.parse()?;
    let free_sessions = state.settings.free_sessions;
    let booking = services::sessions::Booking {
        free_sessions,
        actor: &client,
        ticket_id,
        new,
    };
    let answer = idempotency::create(&state.db, key.for_body(&client, &raw)?, booking, |made| {
        let view = SessionView::from_session(made)?;
        StoredResponse::created(format!("/v1/sessions/{}", view.id), &view)
    })
    .await?;
    created_response(answer)
}

/// The sessions of a case, by start (the assigned manager, coordinator).
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = SessionList),
    )
)]
#[get("/v1/tickets/{id}/sessions")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_sessions(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ScheduleSessions)?;
    let sessions = services::sessions::for_ticket(
        &state.db,
        state.settings.free_sessions,
        &client,
        id.into_inner(),
    )
    .await?;
    let items = sessions
        .into_iter()
        .map(SessionView::from_session)
        .collect::<Result<_, _>>()?;
    Ok(HttpResponse::Ok().json(SessionList { items }))
}

/// How a session ended, and/or its notes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    /// `held`, `cancelled` or `no_show` (only from `scheduled`).
    #[schema(value_type = Option<SessionStatus>)]
    pub status: Option<String>,
    /// Notes (replace the old ones; up to 5,000 characters).
    pub notes: Option<String>,
}

/// Records how a session ended (`held`, `cancelled`, `no_show`) and/or its notes (the
/// session's manager, coordinator). Only a scheduled session can end; an ended one keeps
/// its status (409 `illegal-session-transition`). Cancelled and no-show sessions give the
/// company its free session back.
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    request_body = UpdateSessionRequest,
    responses(
        (status = 200, body = SessionView),
        (status = 409, description = "`illegal-session-transition`: the session has already ended", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/sessions/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn update_session(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ScheduleSessions)?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    let status = request.status.as_deref().and_then(|raw| {
        errors.check(
            "status",
            SessionStatus::parse(raw).and_then(|status| match status {
                SessionStatus::Scheduled => Err("must be held, cancelled or no_show".to_owned()),
                other => Ok(other),
            }),
        )
    });
    let notes = check_notes(&mut errors, "notes", request.notes);
    if request.status.is_none() && notes.is_none() {
        errors.add("body", "send status, notes or both");
    }
    errors.finish()?;
    let session = services::sessions::update(
        &state.db,
        state.settings.free_sessions,
        &client,
        id.into_inner(),
        status,
        notes,
    )
    .await?;
    Ok(HttpResponse::Ok().json(SessionView::from_session(session)?))
}
