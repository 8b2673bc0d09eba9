//! Working a routed case: candidates, assignment and release, consulting sessions and the
//! outcome.
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::{Action, AuthenticatedClient},
    domain::{
        assignment::{Ineligibility, ScoreParts},
        business_days::jst_date,
        consulting::{
            Measure, OutcomeResult, SessionMode, SessionStatus, check_satisfaction, session_end,
        },
        holidays::check_known_date,
        track::Track,
    },
    error::{ApiError, FieldErrors, Problem},
    extract::{JsonBody, parse_json},
    routes::{
        etag,
        idempotent::respond_to_create,
        tickets::{TicketView, ticket_response},
    },
    services::{
        self,
        idempotency::Created,
        outcomes::NewOutcome,
        sessions::{NewSession, Session},
    },
    state::AppState,
};

/// Longest notes or summary, in characters.
pub const MAX_NOTES_CHARS: usize = 5000;

/// A manager who can take the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView {
    /// The manager.
    pub manager_id: Uuid,
    /// Their name.
    pub name: String,
    /// 1 for the best.
    pub rank: u32,
    /// What the place was decided on, in order: topics, proximity, load, last assigned.
    pub score: ScoreParts,
}

/// A manager who cannot take the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct IneligibleView {
    /// The manager.
    pub manager_id: Uuid,
    /// Their name.
    pub name: String,
    /// Every reason that applies.
    pub reasons: Vec<Ineligibility>,
}

/// The managers ranked for a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatesView {
    /// The case.
    pub ticket_id: Uuid,
    /// Its track.
    pub track: Track,
    /// Eligible managers, best first.
    pub candidates: Vec<CandidateView>,
    /// The others, with their reasons.
    pub ineligible: Vec<IneligibleView>,
}

/// Ranks the roster for a routed case (coordinator): eligible managers best first with the
/// parts of their score, and every other manager with all the reasons they cannot take it.
#[utoipa::path(
    tag = "assignment",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = CandidatesView),
        (status = 409, description = "`not-routed`: the case has no track yet", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/tickets/{id}/candidates")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_candidates(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::AssignCase)?;
    let found = services::assignment::candidates(&state.db, &client, id.into_inner()).await?;
    // A map, not a scan per entry: over a roster of 2,000 the scans alone took milliseconds.
    let names: std::collections::HashMap<Uuid, &str> = found
        .managers
        .iter()
        .map(|m| (m.id, m.name.as_str()))
        .collect();
    let name = |manager_id: Uuid| {
        names
            .get(&manager_id)
            .copied()
            .unwrap_or_default()
            .to_owned()
    };
    let view = CandidatesView {
        ticket_id: found.ticket.row.id,
        track: found.track,
        candidates: found
            .ranking
            .candidates
            .iter()
            .map(|c| CandidateView {
                manager_id: c.manager_id,
                name: name(c.manager_id),
                rank: c.rank,
                score: c.score.clone(),
            })
            .collect(),
        ineligible: found
            .ranking
            .ineligible
            .iter()
            .map(|i| IneligibleView {
                manager_id: i.manager_id,
                name: name(i.manager_id),
                reasons: i.reasons.clone(),
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(view))
}

/// An assignment to make.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The manager to assign; omit to let the service choose the best candidate with room.
    pub manager_id: Option<Uuid>,
    /// Why (kept in the audit trail; up to 2,000 characters).
    pub reason: Option<String>,
}

/// An assignment made.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssignmentView {
    /// The manager assigned.
    pub manager_id: Uuid,
    /// Their name.
    pub manager_name: String,
    /// Whether the service chose the manager.
    pub automatic: bool,
    /// Why the manager ranked where they did.
    pub score: ScoreParts,
    /// The case, now `assigned`.
    pub ticket: TicketView,
}

fn check_reason(errors: &mut FieldErrors, reason: Option<&str>) {
    if reason.is_some_and(|r| r.chars().count() > 2000) {
        errors.add("reason", "must be at most 2000 characters");
    }
}

/// Assigns a manager to a triaged case (coordinator): the one named, or without
/// `manager_id` the best-ranked candidate with room. Capacity is reserved in the database,
/// so concurrent assignments never push a manager over it.
///
/// When nobody eligible has room the answer is 409 `no-eligible-manager` and the case joins
/// the waiting queue: the first eligible manager whose capacity frees gets it automatically
/// (unless `ONESTOP_AUTO_ASSIGN=false`). A named manager who cannot take the case is 409
/// `manager-not-eligible` with the `reasons`.
#[utoipa::path(
    tag = "assignment",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = AssignRequest,
    responses(
        (status = 200, body = AssignmentView, headers(("ETag" = String, description = "The case's new ETag"))),
        (status = 409, description = "`no-eligible-manager` (the case now waits), `manager-not-eligible`, `not-routed` or `illegal-transition` (not triaged)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/assignment")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn assign(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
    body: JsonBody<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::AssignCase)?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    check_reason(&mut errors, request.reason.as_deref());
    errors.finish()?;
    let made = services::assignment::assign(
        &state.db,
        &state.workflow,
        &client,
        id.into_inner(),
        request.manager_id,
        request.reason,
    )
    .await?;
    let ticket = TicketView::from_ticket(made.ticket)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(ticket.version)))
        .json(AssignmentView {
            manager_id: made.manager.id,
            manager_name: made.manager.name,
            automatic: made.automatic,
            score: made.score,
            ticket,
        }))
}

/// A release.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseRequest {
    /// Why (kept in the audit trail; up to 2,000 characters).
    pub reason: Option<String>,
}

/// A release made.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseView {
    /// The manager released.
    pub released_manager_id: Uuid,
    /// The waiting case the freed manager was given at once, if any.
    pub handed_to_ticket_id: Option<Uuid>,
    /// The case, back to `triaged`.
    pub ticket: TicketView,
}

/// Releases the case's manager (coordinator): the case goes back to `triaged`, its
/// scheduled sessions are cancelled and the manager's place is freed; with automatic
/// assignment on, the oldest waiting case the manager can take is given to them in the
/// same transaction (`handed_to_ticket_id`). The body (`{"reason"}`) is optional.
#[utoipa::path(
    tag = "assignment",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body(content = Option<ReleaseRequest>, description = "Optional"),
    responses(
        (status = 200, body = ReleaseView, headers(("ETag" = String, description = "The case's new ETag"))),
        (status = 409, description = "`illegal-transition`: the case has no manager to release", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/tickets/{id}/assignment")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn release(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::AssignCase)?;
    let request: ReleaseRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ReleaseRequest::default()
    } else {
        parse_json(&body)?
    };
    let mut errors = FieldErrors::new();
    check_reason(&mut errors, request.reason.as_deref());
    errors.finish()?;
    let released = services::assignment::release(
        &state.db,
        &state.workflow,
        &client,
        id.into_inner(),
        request.reason,
    )
    .await?;
    let ticket = TicketView::from_ticket(released.ticket)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(ticket.version)))
        .json(ReleaseView {
            released_manager_id: released.manager_id,
            handed_to_ticket_id: released.handed_to,
            ticket,
        }))
}

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
        let corrupt = || ApiError::Internal(anyhow::anyhow!("session {} is bad", row.id));
        Ok(Self {
            id: row.id,
            ticket_id: row.ticket_id,
            manager_id: row.manager_id,
            company_id: row.company_id,
            fiscal_year: row.fiscal_year,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            duration_minutes: row.duration_minutes,
            mode: SessionMode::parse(&row.mode).map_err(|_| corrupt())?,
            status: SessionStatus::parse(&row.status).map_err(|_| corrupt())?,
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

fn check_notes(errors: &mut FieldErrors, field: &str, notes: Option<String>) -> Option<String> {
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
    client: AuthenticatedClient,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<CreateSessionRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ScheduleSessions)?;
    let ticket_id = id.into_inner();
    // A stranger's case is 404 before any validation of the body.
    services::tickets::get_visible(&state.db, &client, ticket_id).await?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let new = request.parse()?;
    let free_sessions = state.settings.free_sessions;
    let actor = client.clone();
    respond_to_create(
        &state,
        &req,
        &client,
        &raw,
        None,
        Box::new(move |tx, _| {
            Box::pin(async move {
                let session =
                    services::sessions::schedule(tx, free_sessions, &actor, ticket_id, new).await?;
                let view = SessionView::from_session(session)?;
                Created::new(format!("/v1/sessions/{}", view.id), &view)
            })
        }),
    )
    .await
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
    client: AuthenticatedClient,
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
    client: AuthenticatedClient,
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

/// What came of a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `introduced`, `planned`, `not_introduced`, `referred` or `withdrawn`.
    #[schema(value_type = OutcomeResult)]
    pub result: String,
    /// Measures taken, from the documented list (no repeats).
    #[serde(default)]
    #[schema(value_type = Vec<Measure>, example = json!(["work_rules_revised", "remote_access_deployed"]))]
    pub measures: Vec<String>,
    /// Employees teleworking afterwards (0 or more).
    #[schema(example = 12)]
    pub teleworkers: Option<i64>,
    /// The company's satisfaction, 1 (dissatisfied) to 5 (very satisfied).
    #[schema(example = 5)]
    pub satisfaction: Option<i64>,
    /// Summary (up to 5,000 characters).
    pub summary: Option<String>,
}

impl OutcomeRequest {
    fn parse(self) -> Result<NewOutcome, ApiError> {
        let mut errors = FieldErrors::new();
        let result = errors.check("result", OutcomeResult::parse(&self.result));
        let mut measures = Vec::new();
        for (index, code) in self.measures.iter().enumerate() {
            match Measure::parse(code) {
                Ok(measure) if measures.contains(&measure) => errors.add(
                    format!("measures[{index}]"),
                    format!("{code} is given twice"),
                ),
                Ok(measure) => measures.push(measure),
                Err(message) => errors.add(format!("measures[{index}]"), message),
            }
        }
        if self
            .teleworkers
            .is_some_and(|n| !(0..=10_000_000).contains(&n))
        {
            errors.add("teleworkers", "must be 0 or more");
        }
        let satisfaction = self
            .satisfaction
            .and_then(|score| errors.check("satisfaction", check_satisfaction(score)));
        let summary = check_notes(&mut errors, "summary", self.summary);
        errors.finish()?;
        let result = result
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("parsed result went missing")))?;
        Ok(NewOutcome {
            result,
            measures,
            teleworkers: self.teleworkers,
            satisfaction,
            summary,
        })
    }
}

/// Records what came of a case (the assigned manager, coordinator); the case becomes
/// `resolved` and the manager's place is freed (and handed to the oldest waiting case they
/// can take). Allowed on `assigned` (referrals and withdrawals often come before any
/// session), `in_consultation`, and `resolved` (replaces the outcome).
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = OutcomeRequest,
    responses(
        (status = 200, body = TicketView, headers(("ETag" = String))),
        (status = 409, description = "`illegal-transition`: no outcome can be recorded in the case's status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/tickets/{id}/outcome")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn record_outcome(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
    body: JsonBody<OutcomeRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::RecordOutcome)?;
    let ticket_id = id.into_inner();
    services::tickets::get_visible(&state.db, &client, ticket_id).await?;
    let new = body.read(&allowed)?.parse()?;
    let ticket =
        services::outcomes::record(&state.db, &state.workflow, &client, ticket_id, new).await?;
    ticket_response(ticket)
}
