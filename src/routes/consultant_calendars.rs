//! Consultants' calendars: `GET /v1/sessions` (the sessions across cases) and each manager's
//! iCalendar feed at a secret URL (`/v1/managers/{id}/calendar-token` issues, rotates and
//! revokes it; `/v1/managers/{id}/calendar.ics?token=` serves it without a bearer token).
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor, Role},
    domain::{
        consulting::{SessionMode, SessionStatus},
        holidays::check_known_date,
    },
    error::{ApiError, FieldErrors},
    pagination::{Page, PageRequest},
    routes::ical,
    services::{
        self,
        calendars::{CalendarEntry, SessionFilter},
    },
    state::AppState,
};

/// Filters of the session list (all optional; combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// The manager holding the sessions (a manager sees only their own: another manager's id
    /// lists nothing).
    pub manager_id: Option<Uuid>,
    /// Sessions that end on or after the start of this Japan calendar day.
    #[param(example = "2026-12-01")]
    pub from: Option<NaiveDate>,
    /// Sessions that start on or before the end of this Japan calendar day.
    #[param(example = "2026-12-31")]
    pub to: Option<NaiveDate>,
    /// Status.
    #[param(value_type = Option<SessionStatus>)]
    pub status: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl SessionQuery {
    fn parse(&self) -> Result<SessionFilter, ApiError> {
        let mut errors = FieldErrors::new();
        let status = self
            .status
            .as_deref()
            .and_then(|raw| errors.check("status", SessionStatus::parse(raw)));
        for (field, date) in [("from", self.from), ("to", self.to)] {
            if let Some(date) = date {
                errors.check(field, check_known_date(date));
            }
        }
        if let (Some(from), Some(to)) = (self.from, self.to)
            && from > to
        {
            errors.add("to", "must not be before from");
        }
        errors.finish()?;
        Ok(SessionFilter {
            manager_id: self.manager_id,
            from: self.from.map(services::tickets::jst_day_start),
            to: self
                .to
                .and_then(|day| day.succ_opt())
                .map(services::tickets::jst_day_start),
            status,
        })
    }
}

/// A session in a calendar: the session and the case it belongs to.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": "0193a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a70", "ticket_id": "0193a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a71",
    "reference": "TW-2026-000123", "company_name": "株式会社サンプル製作所",
    "manager_id": "0193a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a72", "starts_at": "2026-12-01T01:00:00Z",
    "ends_at": "2026-12-01T02:30:00Z", "duration_minutes": 90, "mode": "online",
    "status": "scheduled", "sequence": 0, "updated_at": "2026-11-20T01:02:03Z"
}))]
pub struct CalendarSessionView {
    /// Session id.
    pub id: Uuid,
    /// The case.
    pub ticket_id: Uuid,
    /// The case's reference.
    #[schema(example = "TW-2026-000123")]
    pub reference: String,
    /// The company's name as the case's filer gave it.
    pub company_name: String,
    /// The manager holding the session.
    pub manager_id: Uuid,
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
    /// Bumped by every change (the iCalendar `SEQUENCE` of its event).
    pub sequence: i32,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl CalendarSessionView {
    fn from_entry(entry: CalendarEntry) -> Result<Self, ApiError> {
        let session = entry.session;
        Ok(Self {
            id: session.id,
            ticket_id: session.ticket_id,
            reference: entry.reference,
            company_name: entry.company_name,
            manager_id: session.manager_id,
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            duration_minutes: session.duration_minutes,
            mode: session.mode,
            status: session.status,
            sequence: session.sequence,
            updated_at: session.updated_at,
        })
    }
}

/// Lists consulting sessions across cases, by start, with keyset pagination (manager: their
/// own sessions; coordinator: every manager's). `from`/`to` are Japan calendar days; a
/// session is listed when it overlaps them.
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(SessionQuery),
    responses(
        (status = 200, body = Page<CalendarSessionView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/sessions")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_all_sessions(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    query: web::Query<SessionQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadCalendars)?;
    let filter = query.parse()?;
    let page = PageRequest::from_query(query.limit, query.cursor.as_deref(), &req)?;
    let (entries, next) = services::calendars::list(&state.db, &client, &filter, &page).await?;
    let next_cursor = next.map(crate::pagination::Cursor::encode);
    Ok(Page::try_of(entries, next_cursor, CalendarSessionView::from_entry)?.respond(&req))
}

/// A manager's secret calendar feed URL.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "manager_id": "0193a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a72",
    "url": "https://onestop.example.jp/v1/managers/0193a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a72/calendar.ics?token=ocf_3q2-7wLk0c9mQeVn1bYxTgH4sJ8dFrA6uPzKiO5lWEM"
}))]
pub struct CalendarFeedView {
    /// The manager.
    pub manager_id: Uuid,
    /// The feed's URL, token included: subscribe to it in Outlook or Google Calendar. Shown
    /// only now (only a hash of the token is kept); a new one replaces it.
    pub url: String,
}

/// Issues the manager's secret calendar feed URL (the manager themself, coordinator, admin),
/// replacing the one before: the old URL answers 404 from then on. The token is 256 random
/// bits, shown only in this answer.
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Manager id")),
    responses(
        (status = 200, body = CalendarFeedView),
    )
)]
#[post("/v1/managers/{id}/calendar-token")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn issue_calendar_token(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageCalendarFeeds)?;
    let manager_id = id.into_inner();
    let token = services::calendars::issue_token(&state.db, &client, manager_id).await?;
    let info = req.connection_info();
    let url = format!(
        "{}://{}/v1/managers/{manager_id}/calendar.ics?token={token}",
        info.scheme(),
        info.host()
    );
    Ok(HttpResponse::Ok().json(CalendarFeedView { manager_id, url }))
}

/// Revokes the manager's calendar feed URL (the manager themself, coordinator, admin): it
/// answers 404 from then on. 404 when the manager has none.
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Manager id")),
    responses(
        (status = 204, description = "Revoked"),
    )
)]
#[delete("/v1/managers/{id}/calendar-token")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn revoke_calendar_token(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageCalendarFeeds)?;
    services::calendars::revoke_token(&state.db, &client, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The token of a feed URL.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The secret token of the URL `POST /v1/managers/{id}/calendar-token` gave (never logged).
    #[param(
        required = true,
        example = "ocf_3q2-7wLk0c9mQeVn1bYxTgH4sJ8dFrA6uPzKiO5lWEM"
    )]
    pub token: Option<String>,
}

/// The manager's sessions as an RFC 5545 iCalendar feed (no bearer token: the URL's secret
/// token is the credential, so calendar programs can subscribe). One `VEVENT` per session
/// from the last 400 days on, with a stable `UID`, a `SEQUENCE` bumped by every change,
/// `STATUS:CANCELLED` for cancelled sessions, times in Asia/Tokyo (`VTIMEZONE` included) and
/// a summary naming the company and the case; contact details only when the service is
/// configured to (`ONESTOP_CALENDAR_CONTACT_DETAILS`). A wrong, rotated or revoked token is
/// 404.
#[utoipa::path(
    tag = "sessions",
    security(()),
    params(("id" = Uuid, Path, description = "Manager id"), FeedQuery),
    responses(
        (status = 200, description = "The feed", content_type = "text/calendar", body = String,
         example = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nCALSCALE:GREGORIAN\r\nPRODID:-//onestop//consultant calendar//JA\r\nMETHOD:PUBLISH\r\n...\r\nEND:VCALENDAR\r\n"),
    )
)]
#[get("/v1/managers/{id}/calendar.ics")]
#[tracing::instrument(skip_all)]
pub async fn calendar_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    let manager_id = id.into_inner();
    let token = query.token.as_deref().unwrap_or_default();
    let entries = services::calendars::feed(
        &state.db,
        &state.reads,
        manager_id,
        token,
        state.settings.calendar_contact_details,
    )
    .await?;
    let shown: Vec<Uuid> = entries
        .iter()
        .filter(|entry| entry.contact.is_some())
        .map(|entry| entry.session.ticket_id)
        .collect();
    if !shown.is_empty() {
        // The feed's reader has no client of its own: the log names the manager's feed.
        let reader = Actor::new(
            format!("calendar-feed:{manager_id}"),
            Role::Manager,
            None,
            Some(manager_id),
        );
        state
            .access_log
            .record(&reader, services::access_log::routes::CALENDAR_FEED, shown)
            .await?;
    }
    let manager = services::managers::name_of(&state.db, manager_id).await?;
    let host = req.connection_info().host().to_owned();
    let host = host.split(':').next().unwrap_or("onestop").to_owned();
    let body = ical::render(&entries, &manager, &host)?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            "inline; filename=\"calendar.ics\"",
        ))
        .body(body))
}
