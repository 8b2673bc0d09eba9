//! `/v1/tickets`: filing, following and working cases. Request bodies are in `requests`,
//! answers in `views`.
mod links;
mod merge;
mod requests;
mod views;

pub use links::{LinkRequest, dismiss_link, link_ticket};
pub use merge::{MergeTicketRequest, merge_ticket};

pub use requests::*;
pub use views::*;

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor, Authorized, policy},
    domain::{
        limits::{COMMENT_MAX_CHARS, REASON_MAX_CHARS},
        ticket_fields::Visibility,
        ticket_status::TransitionTarget,
        track::Track,
    },
    error::{ApiError, FieldErrors, Problem},
    extract::{IdempotencyKey, IfMatch, JsonBody},
    pagination::{Page, PageRequest},
    routes::{
        fields::{check_optional_reason, check_text},
        idempotent::created_response,
        ok_with_etag,
    },
    services::{
        self,
        access_log::routes as logged,
        idempotency::{self, Answer, StoredResponse},
        tickets::{RoutingRequest, Ticket},
    },
    state::AppState,
};

/// The first checks of a request about case `id`, in this order: the caller's role may do
/// `action` (403), then the case is within the caller's scope (404), so a stranger's case is
/// 404 before any header or body of the request is looked at. Gives the proof that opens
/// the body, and the id.
pub async fn authorize_on_ticket(
    state: &AppState,
    client: &Actor,
    action: Action,
    id: web::Path<Uuid>,
) -> Result<(Authorized, Uuid), ApiError> {
    let allowed = client.authorize(action)?;
    let id = id.into_inner();
    services::tickets::ensure_visible(&state.db, client, id).await?;
    Ok((allowed, id))
}

/// The view of a case shown to `client`, in an answer of its own or inside another (an
/// assignment, a twin); the answer shows the case's contact, so the access log records it
/// under `route`.
pub async fn shown_ticket_view(
    state: &AppState,
    client: &Actor,
    route: &'static str,
    ticket: Ticket,
) -> Result<TicketView, ApiError> {
    state
        .access_log
        .record(client, route, vec![ticket.row.id])
        .await?;
    TicketView::from_ticket(ticket)
}

/// A case shown to `client` as a 200 answer with its `ETag`, recorded as
/// [`shown_ticket_view`] says.
pub async fn shown_ticket_response(
    state: &AppState,
    client: &Actor,
    route: &'static str,
    ticket: Ticket,
) -> Result<HttpResponse, ApiError> {
    let view = shown_ticket_view(state, client, route, ticket).await?;
    Ok(ok_with_etag(view.version, view))
}

/// Files a case (partner, coordinator). It is routed at once: a confident decision applies
/// (`triaged`), otherwise the case stays `received` with the suggestion for a coordinator.
///
/// Send `Idempotency-Key` to retry safely: the same key and body return the first answer.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 255 characters; replays the first answer for 24 h")),
    request_body = CreateTicketRequest,
    responses(
        (status = 201, body = TicketView, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The same Idempotency-Key is still in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn create_ticket(
    state: web::Data<AppState>,
    client: Actor,
    key: IdempotencyKey,
    body: JsonBody<CreateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::FileTicket)?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let new = request.parse(client.role)?;
    let filing = services::tickets::FileTicket::new(
        state.db.get_database_backend(),
        &state.routing,
        &state.workflow,
        &client,
        new,
    );
    let answer = idempotency::create(&state.db, key.for_body(&client, &raw)?, filing, |ticket| {
        let view = TicketView::from_ticket(ticket)?;
        Ok(
            StoredResponse::created(format!("/v1/tickets/{}", view.id), &view)?
                .with_version(view.version),
        )
    })
    .await?;
    // The answer shows the contact the filer sent (a replay shows it again): it is recorded
    // like every other answer that shows one.
    let (Answer::Fresh(stored) | Answer::Replayed(stored)) = &answer;
    let filed = stored
        .location
        .as_deref()
        .and_then(|location| location.strip_prefix("/v1/tickets/"))
        .and_then(|id| Uuid::parse_str(id).ok());
    state
        .access_log
        .record(&client, "POST /v1/tickets", filed.into_iter().collect())
        .await?;
    created_response(answer)
}

/// Lists the cases the caller may see, oldest first, with keyset pagination. Partners see
/// their own cases, managers the ones assigned to them.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(TicketQuery),
    responses(
        (status = 200, body = Page<TicketView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/tickets")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_tickets(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadTickets)?;
    let filter = query.parse()?;
    let page = PageRequest::from_query(query.limit, query.cursor.as_deref(), &req)?;
    let (tickets, next_cursor) =
        services::tickets::list(&state.db, &client, &filter, &page).await?;
    let shown = tickets.iter().map(|ticket| ticket.row.id).collect();
    state
        .access_log
        .record(&client, logged::LIST_TICKETS, shown)
        .await?;
    Ok(Page::try_of(tickets, next_cursor, TicketView::from_ticket)?.respond(&req))
}

/// One case, with its `ETag`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = TicketView, headers(("ETag" = String))),
    )
)]
#[get("/v1/tickets/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn get_ticket(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadTickets)?;
    let ticket = services::tickets::get_visible(&state.db, &client, id.into_inner()).await?;
    shown_ticket_response(&state, &client, logged::READ_TICKET, ticket).await
}

/// Edits a case (partner: own, while received or triaged; coordinator). `If-Match` is
/// required: 428 without it, 412 when the case changed since it was read. `status`,
/// `partner_id`, `reference` and `track` cannot be set here.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag of the case as read"),
    ),
    request_body = UpdateTicketRequest,
    responses(
        (status = 200, body = TicketView, headers(("ETag" = String))),
        (status = 409, description = "The case can no longer be edited by a partner", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/tickets/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn update_ticket(
    state: web::Data<AppState>,
    client: Actor,
    if_match: IfMatch,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let (allowed, id) = authorize_on_ticket(&state, &client, Action::EditTicket, id).await?;
    let expected = if_match.required("send If-Match with the ETag of the case you read")?;
    let changes = body.read(&allowed)?.parse()?;
    let ticket = services::tickets::update(&state.db, &client, id, &expected, changes).await?;
    shown_ticket_response(&state, &client, logged::EDIT_TICKET, ticket).await
}

/// Moves a case: `on_hold`, `closed`, `cancelled`, `reopened`, `resumed` (coordinator;
/// partners may cancel their own). An illegal move is 409 naming the current status and
/// the allowed targets.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = TransitionRequest,
    responses(
        (status = 200, body = TicketView),
        (status = 409, description = "Illegal from the current status; `current_status` and `allowed` say more", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/transitions")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn transition_ticket(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (allowed, id) = authorize_on_ticket(&state, &client, Action::TransitionTicket, id).await?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    let target = errors.check(
        "to",
        serde_json::from_value::<TransitionTarget>(serde_json::Value::String(request.to.clone()))
            .map_err(|_| "must be one of on_hold, closed, cancelled, reopened, resumed"),
    );
    check_optional_reason(&mut errors, request.reason.as_deref());
    errors.finish()?;
    let target = target.ok_or_else(|| ApiError::invalid_field("to", "is required"))?;
    let ticket = services::tickets::transition(
        &state.db,
        &state.workflow,
        &client,
        id,
        target,
        request.reason,
    )
    .await?;
    shown_ticket_response(&state, &client, logged::MOVE_TICKET, ticket).await
}

/// Overrides the routing (`{"track","reason"}`, reason required and recorded) or runs the
/// classifier again (`{"auto": true}`) (coordinator).
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = RoutingOverrideRequest,
    responses(
        (status = 200, body = TicketView),
        (status = 409, description = "The case is past routing (release the manager first)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/routing")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn route_ticket(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<RoutingOverrideRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::RouteTicket)?;
    let id = id.into_inner();
    let request = body.read(&allowed)?;
    let routing_request = match (request.auto, request.track) {
        (Some(true), None) => {
            if request.reason.is_some() {
                return Err(ApiError::invalid_field(
                    "reason",
                    "is only for a manual track",
                ));
            }
            RoutingRequest::Auto
        }
        (None | Some(false), Some(track)) => {
            let mut errors = FieldErrors::new();
            let track = errors.check(
                "track",
                track.parse::<Track>().map_err(|_| "must be ict or labor"),
            );
            let reason = request.reason.unwrap_or_default().trim().to_owned();
            if reason.is_empty() {
                errors.add("reason", "is required when setting the track by hand");
            } else {
                check_text(&mut errors, "reason", &reason, REASON_MAX_CHARS);
            }
            errors.finish()?;
            let track = track.ok_or_else(|| ApiError::invalid_field("track", "is required"))?;
            RoutingRequest::Manual { track, reason }
        }
        _ => {
            return Err(ApiError::invalid_field(
                "body",
                "send either {\"track\", \"reason\"} or {\"auto\": true}",
            ));
        }
    };
    let ticket =
        services::tickets::route(&state.db, &state.routing, &client, id, routing_request).await?;
    shown_ticket_response(&state, &client, "POST /v1/tickets/{id}/routing", ticket).await
}

/// Adds a comment (everyone who sees the case; partners write `partner` comments only).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 h"),
    ),
    request_body = CommentRequest,
    responses(
        (status = 201, body = CommentView),
    )
)]
#[post("/v1/tickets/{id}/comments")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn add_comment(
    state: web::Data<AppState>,
    client: Actor,
    key: IdempotencyKey,
    id: web::Path<Uuid>,
    body: JsonBody<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let (allowed, id) = authorize_on_ticket(&state, &client, Action::Comment, id).await?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let mut errors = FieldErrors::new();
    let text = check_text(&mut errors, "body", &request.body, COMMENT_MAX_CHARS);
    let default_visibility = if !policy::reads_internal_notes(client.role) {
        Visibility::Partner
    } else {
        Visibility::Internal
    };
    let visibility = match request.visibility.as_deref() {
        None => Some(default_visibility),
        Some(raw) => errors.check("visibility", Visibility::parse(raw)),
    };
    errors.finish()?;
    let visibility = visibility.unwrap_or(default_visibility);
    let comment = services::tickets::NewComment {
        actor: &client,
        ticket_id: id,
        visibility,
        body: text,
    };
    let answer = idempotency::create(&state.db, key.for_body(&client, &raw)?, comment, |made| {
        let view = CommentView::from(made);
        StoredResponse::created(format!("/v1/tickets/{id}/comments/{}", view.id), &view)
    })
    .await?;
    created_response(answer)
}

/// The comments of a case (partners see `partner` comments only), oldest first, with those
/// of the duplicates merged into it (`ticket_id` names the case each was written on; a
/// partner sees only its own duplicates' comments).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = Vec<CommentView>),
    )
)]
#[get("/v1/tickets/{id}/comments")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_comments(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::Comment)?;
    let comments = services::tickets::comments(&state.db, &client, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(
        comments
            .into_iter()
            .map(CommentView::from)
            .collect::<Vec<_>>(),
    ))
}

/// The audit trail of a case, oldest first (partners get a partner-safe view).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = Vec<EventView>),
    )
)]
#[get("/v1/tickets/{id}/events")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_ticket_events(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (_, id) = authorize_on_ticket(&state, &client, Action::ReadTickets, id).await?;
    let events = services::events::for_ticket(&state.db, id).await?;
    let partner_view = !policy::reads_internal_notes(client.role);
    let views: Vec<EventView> = events
        .into_iter()
        .filter_map(|e| event_view(e, partner_view))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
