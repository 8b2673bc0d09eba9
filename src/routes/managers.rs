//! `/v1/managers`: the roster of telework managers.
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    domain::{limits::PERSON_NAME_MAX_CHARS, prefecture::Prefecture, topic::Topic, track::Track},
    entities::manager,
    error::{ApiError, FieldErrors, Problem},
    extract::{IdempotencyKey, IfMatch, JsonBody},
    pagination::{Cursor, Page, PageRequest},
    routes::{
        fields::{check_email, check_text},
        idempotent::created_response,
        ok_with_etag,
        tickets::parse_topics,
    },
    services::{
        self,
        idempotency::{self, StoredResponse},
        managers::{ManagerChanges, ManagerFilter, NewManager},
    },
    state::AppState,
};

/// The most cases one manager may be given at once.
pub const MAX_CAPACITY: i64 = 1000;

/// A manager to register.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateManagerRequest {
    /// Name (1–100 characters).
    #[schema(example = "佐藤 花子", min_length = 1, max_length = 100)]
    pub name: String,
    /// E-mail address.
    #[schema(example = "sato@tw-manager.example.jp", max_length = 254)]
    pub email: String,
    /// Tracks answered: `ict`, `labor` or both.
    #[schema(value_type = Vec<Track>, example = json!(["labor"]), min_items = 1)]
    pub tracks: Vec<String>,
    /// Topic codes the manager knows well (see `GET /v1/topics`).
    #[serde(default)]
    #[schema(example = json!(["labor.working_hours", "labor.work_rules"]))]
    pub topics: Vec<String>,
    /// Prefectures visited on site: codes or Japanese names (required when `onsite`).
    #[serde(default)]
    #[schema(example = json!(["13", "14"]))]
    pub prefectures: Vec<String>,
    /// Consults online (default true).
    pub online: Option<bool>,
    /// Visits companies on site (default false).
    pub onsite: Option<bool>,
    /// Most active cases at once, 0–1000.
    #[schema(example = 5, minimum = 0, maximum = 1000)]
    pub capacity: i64,
    /// Takes cases (default true).
    pub active: Option<bool>,
}

/// Changes to a manager; send only what changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateManagerRequest {
    /// Name (1–100 characters).
    #[schema(min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// E-mail.
    #[schema(max_length = 254)]
    pub email: Option<String>,
    /// Tracks (at least one).
    #[schema(value_type = Option<Vec<Track>>, min_items = 1)]
    pub tracks: Option<Vec<String>>,
    /// Topics.
    pub topics: Option<Vec<String>>,
    /// Prefectures visited on site.
    pub prefectures: Option<Vec<String>>,
    /// Consults online.
    pub online: Option<bool>,
    /// Visits on site.
    pub onsite: Option<bool>,
    /// Capacity, 0–1000; raising it hands waiting cases to the manager at once.
    #[schema(minimum = 0, maximum = 1000)]
    pub capacity: Option<i64>,
    /// Takes cases; re-activating hands waiting cases to the manager at once.
    pub active: Option<bool>,
}

/// A telework manager.
#[derive(Debug, Serialize, ToSchema)]
pub struct ManagerView {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Tracks answered.
    pub tracks: Vec<Track>,
    /// Topic codes known well.
    pub topics: Vec<Topic>,
    /// Prefecture codes visited on site.
    #[schema(example = json!(["13", "14"]))]
    pub prefectures: Vec<&'static str>,
    /// Consults online.
    pub online: bool,
    /// Visits on site.
    pub onsite: bool,
    /// Most active cases at once.
    pub capacity: i32,
    /// Cases held now (assigned, in consultation or on hold); read-only.
    pub active_cases: i32,
    /// Takes cases.
    pub active: bool,
    /// When last given a case.
    pub last_assigned_at: Option<DateTime<Utc>>,
    /// Version of the editable fields (also the `ETag`).
    pub version: i32,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// Last edited.
    pub updated_at: DateTime<Utc>,
}

impl From<manager::Model> for ManagerView {
    fn from(row: manager::Model) -> Self {
        Self {
            id: row.id,
            tracks: row.tracks(),
            topics: row.topic_list(),
            prefectures: row
                .prefecture_list()
                .into_iter()
                .map(Prefecture::code)
                .collect(),
            name: row.name,
            email: row.email,
            online: row.online,
            onsite: row.onsite,
            capacity: row.capacity,
            active_cases: row.active_cases,
            active: row.active,
            last_assigned_at: row.last_assigned_at,
            version: row.version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

fn parse_name(errors: &mut FieldErrors, raw: &str) -> String {
    check_text(errors, "name", raw, PERSON_NAME_MAX_CHARS)
}

fn parse_email(errors: &mut FieldErrors, raw: &str) -> String {
    check_email(errors, "email", raw)
}

fn parse_tracks(errors: &mut FieldErrors, raw: &[String]) -> Vec<Track> {
    let mut tracks = Vec::new();
    for (index, code) in raw.iter().enumerate() {
        match code.parse::<Track>() {
            Ok(track) if tracks.contains(&track) => {
                errors.add(format!("tracks[{index}]"), format!("{code} is given twice"))
            }
            Ok(track) => tracks.push(track),
            Err(_) => errors.add(format!("tracks[{index}]"), "must be ict or labor"),
        }
    }
    if raw.is_empty() {
        errors.add("tracks", "must name at least one track: ict, labor");
    }
    tracks
}

fn parse_prefectures(errors: &mut FieldErrors, raw: &[String]) -> Vec<Prefecture> {
    let mut prefectures = Vec::new();
    for (index, input) in raw.iter().enumerate() {
        if let Some(prefecture) =
            errors.check(format!("prefectures[{index}]"), Prefecture::parse(input))
            && !prefectures.contains(&prefecture)
        {
            prefectures.push(prefecture);
        }
    }
    prefectures
}

fn parse_capacity(errors: &mut FieldErrors, raw: i64) -> u32 {
    match u32::try_from(raw) {
        Ok(capacity) if raw <= MAX_CAPACITY => capacity,
        _ => {
            errors.add("capacity", format!("must be from 0 to {MAX_CAPACITY}"));
            0
        }
    }
}

impl CreateManagerRequest {
    fn parse(self) -> Result<NewManager, ApiError> {
        let mut errors = FieldErrors::new();
        let new = NewManager {
            name: parse_name(&mut errors, &self.name),
            email: parse_email(&mut errors, &self.email),
            tracks: parse_tracks(&mut errors, &self.tracks),
            topics: parse_topics(&mut errors, "topics", &self.topics),
            prefectures: parse_prefectures(&mut errors, &self.prefectures),
            online: self.online.unwrap_or(true),
            onsite: self.onsite.unwrap_or(false),
            capacity: parse_capacity(&mut errors, self.capacity),
            active: self.active.unwrap_or(true),
        };
        if new.onsite && self.prefectures.is_empty() {
            errors.add(
                "prefectures",
                "a manager who visits on site must list the prefectures they visit",
            );
        }
        errors.finish()?;
        Ok(new)
    }
}

impl UpdateManagerRequest {
    fn parse(self) -> Result<ManagerChanges, ApiError> {
        let mut errors = FieldErrors::new();
        let changes = ManagerChanges {
            name: self.name.map(|n| parse_name(&mut errors, &n)),
            email: self.email.map(|e| parse_email(&mut errors, &e)),
            tracks: self.tracks.map(|t| parse_tracks(&mut errors, &t)),
            topics: self.topics.map(|t| parse_topics(&mut errors, "topics", &t)),
            prefectures: self.prefectures.map(|p| parse_prefectures(&mut errors, &p)),
            online: self.online,
            onsite: self.onsite,
            capacity: self.capacity.map(|c| parse_capacity(&mut errors, c)),
            active: self.active,
        };
        errors.finish()?;
        let nothing = changes.name.is_none()
            && changes.email.is_none()
            && changes.tracks.is_none()
            && changes.topics.is_none()
            && changes.prefectures.is_none()
            && changes.online.is_none()
            && changes.onsite.is_none()
            && changes.capacity.is_none()
            && changes.active.is_none();
        if nothing {
            return Err(ApiError::invalid_field(
                "body",
                "send at least one field to change",
            ));
        }
        Ok(changes)
    }
}

fn manager_response(row: manager::Model) -> HttpResponse {
    let view = ManagerView::from(row);
    ok_with_etag(view.version, view)
}

/// Registers a telework manager (coordinator, admin). `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "managers",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 h")),
    request_body = CreateManagerRequest,
    responses(
        (status = 201, body = ManagerView, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The same Idempotency-Key is still in flight", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/managers")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn create_manager(
    state: web::Data<AppState>,
    client: Actor,
    key: IdempotencyKey,
    body: JsonBody<CreateManagerRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ManageManagers)?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let new = request.parse()?;
    let answer = idempotency::create(&state.db, key.for_body(&client, &raw)?, new, |row| {
        let version = row.version;
        Ok(
            StoredResponse::created(format!("/v1/managers/{}", row.id), &ManagerView::from(row))?
                .with_version(version),
        )
    })
    .await?;
    created_response(answer)
}

/// Filters of the roster.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ManagerQuery {
    /// Only active (`true`) or inactive (`false`) managers.
    pub active: Option<bool>,
    /// Only managers answering this track.
    #[param(value_type = Option<Track>)]
    pub track: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Lists the roster in order of registration (coordinator, admin; a manager sees only
/// themselves).
#[utoipa::path(
    tag = "managers",
    security(("bearer" = [])),
    params(ManagerQuery),
    responses(
        (status = 200, body = Page<ManagerView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/managers")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_managers(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    query: web::Query<ManagerQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadManagers)?;
    let mut errors = FieldErrors::new();
    let track = query.track.as_deref().and_then(|t| {
        errors.check(
            "track",
            t.parse::<Track>().map_err(|_| "must be ict or labor"),
        )
    });
    errors.finish()?;
    let page = PageRequest::from_query(query.limit, query.cursor.as_deref(), &req)?;
    let filter = ManagerFilter {
        active: query.active,
        track,
    };
    let (rows, next) = services::managers::list(&state.db, &client, &filter, &page).await?;
    Ok(Page::of(rows, next.map(Cursor::encode), ManagerView::from).respond(&req))
}

/// One manager, with its `ETag` (coordinator, admin; a manager only themselves).
#[utoipa::path(
    tag = "managers",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Manager id")),
    responses(
        (status = 200, body = ManagerView, headers(("ETag" = String))),
    )
)]
#[get("/v1/managers/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn get_manager(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadManagers)?;
    let row = services::managers::get_visible(&state.db, &client, id.into_inner()).await?;
    Ok(manager_response(row))
}

/// Edits a manager (coordinator, admin). `If-Match` is optional: when sent, a stale ETag is
/// 412. Raising `capacity` or setting `active` hands the oldest waiting cases the manager
/// can take to them at once (unless `ONESTOP_AUTO_ASSIGN=false`). Lowering capacity below
/// the cases held keeps those cases; the manager just gets no new ones.
#[utoipa::path(
    tag = "managers",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Manager id"),
        ("If-Match" = Option<String>, Header, description = "The ETag as read; optional"),
    ),
    request_body = UpdateManagerRequest,
    responses(
        (status = 200, body = ManagerView, headers(("ETag" = String))),
    )
)]
#[patch("/v1/managers/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn update_manager(
    state: web::Data<AppState>,
    client: Actor,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateManagerRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ManageManagers)?;
    let expected = if_match.optional()?;
    let changes = body.read(&allowed)?.parse()?;
    let row = services::managers::update(
        &state.db,
        &state.workflow,
        &client,
        id.into_inner(),
        expected,
        changes,
    )
    .await?;
    Ok(manager_response(row))
}
