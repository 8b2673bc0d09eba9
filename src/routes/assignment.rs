//! Assigning a routed case: the ranked candidates, assignment and release.
use actix_web::{HttpResponse, delete, get, http::header::ContentType, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    domain::{
        assignment::{Ineligibility, ScoreParts},
        track::Track,
    },
    error::{ApiError, FieldErrors, Problem},
    extract::{JsonBody, parse_json},
    routes::{
        fields::check_optional_reason,
        ok_with_etag,
        tickets::{TicketView, shown_ticket_view},
    },
    services::{self},
    state::AppState,
};

/// A manager who can take the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidateView<'a> {
    /// The manager.
    pub manager_id: Uuid,
    /// Their name.
    pub name: &'a str,
    /// 1 for the best.
    pub rank: u32,
    /// What the place was decided on, in order: topics, proximity, load, last assigned.
    pub score: ScoreParts,
}

/// A manager who cannot take the case.
#[derive(Debug, Serialize, ToSchema)]
pub struct IneligibleView<'a> {
    /// The manager.
    pub manager_id: Uuid,
    /// Their name.
    pub name: &'a str,
    /// Every reason that applies.
    pub reasons: Vec<Ineligibility>,
}

/// The managers ranked for a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CandidatesView<'a> {
    /// The case.
    pub ticket_id: Uuid,
    /// Its track.
    pub track: Track,
    /// Eligible managers, best first.
    pub candidates: Vec<CandidateView<'a>>,
    /// The others, with their reasons.
    pub ineligible: Vec<IneligibleView<'a>>,
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
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::AssignTicket)?;
    let found =
        services::assignment::candidates(&state.db, &state.workflow, &client, id.into_inner())
            .await?;
    let name = |manager_id: Uuid| found.names.get(&manager_id).map_or("", String::as_str);
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
    // A list of the whole roster (2,000 managers make about 300 kB), written into a buffer
    // of about its size at once instead of a string grown by doubling.
    let listed = view.candidates.len() + view.ineligible.len();
    let mut body = Vec::with_capacity(256 + 192 * listed);
    serde_json::to_writer(&mut body, &view).map_err(|error| ApiError::Internal(error.into()))?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
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
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<AssignRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::AssignTicket)?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    check_optional_reason(&mut errors, request.reason.as_deref());
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
    let ticket = shown_ticket_view(
        &state,
        &client,
        "POST /v1/tickets/{id}/assignment",
        made.ticket,
    )
    .await?;
    Ok(ok_with_etag(
        ticket.version,
        AssignmentView {
            manager_id: made.manager.id,
            manager_name: made.manager.name,
            automatic: made.automatic,
            score: made.score,
            ticket,
        },
    ))
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
    client: Actor,
    id: web::Path<Uuid>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::AssignTicket)?;
    let request: ReleaseRequest = if body.iter().all(u8::is_ascii_whitespace) {
        ReleaseRequest::default()
    } else {
        parse_json(&body)?
    };
    let mut errors = FieldErrors::new();
    check_optional_reason(&mut errors, request.reason.as_deref());
    errors.finish()?;
    let released = services::assignment::release(
        &state.db,
        &state.workflow,
        &client,
        id.into_inner(),
        request.reason,
    )
    .await?;
    let ticket = shown_ticket_view(
        &state,
        &client,
        "DELETE /v1/tickets/{id}/assignment",
        released.ticket,
    )
    .await?;
    Ok(ok_with_etag(
        ticket.version,
        ReleaseView {
            released_manager_id: released.manager_id,
            handed_to_ticket_id: released.handed_to,
            ticket,
        },
    ))
}
