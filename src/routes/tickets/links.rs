//! `/v1/tickets/{id}/links`: a cross-track case opens its twin on the other track, or a
//! coordinator says it needs none.
use actix_web::{HttpResponse, http::header, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{TicketView, authorize_on_ticket, shown_ticket_response, shown_ticket_view};
use crate::{
    auth::{Action, Actor},
    domain::limits::REASON_MAX_CHARS,
    error::{ApiError, FieldErrors, Problem},
    extract::JsonBody,
    routes::{etag, fields::check_text},
    services,
    state::AppState,
};

/// Why a coordinator links a case to a twin, or dismisses the suggestion.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    /// Why (1–2,000 characters), kept in the `ticket.linked` (or `ticket.updated`) events.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// What both requests check first, in this order: the role (403), the case within the
/// caller's scope (404, before the body is read), then the reason (422).
async fn checked_reason(
    state: &AppState,
    client: &Actor,
    id: web::Path<Uuid>,
    body: JsonBody<LinkRequest>,
) -> Result<(Uuid, String), ApiError> {
    let (allowed, id) = authorize_on_ticket(state, client, Action::RouteTicket, id).await?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    let reason = check_text(&mut errors, "reason", &request.reason, REASON_MAX_CHARS);
    errors.finish()?;
    Ok((id, reason))
}

/// Opens the linked case on the other track (coordinator): same partner, company, contact and
/// question, with its own reference, status (`triaged` on the other track) and service levels
/// counted from today. Both cases then list each other in `linked_ticket_ids` and get a
/// `ticket.linked` event; the filing partner sees both. A case has at most one twin: linking
/// again (a retry too) answers 409 `already-linked` naming it in `linked_ticket_id`.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = LinkRequest,
    responses(
        (status = 201, description = "The twin", body = TicketView, headers(("Location" = String, description = "The twin's URL"), ("ETag" = String))),
        (status = 409, description = "Already linked (`already-linked`), closed or cancelled (`not-linkable`), not routed yet (`not-routed`), or changed at the same moment", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/links")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn link_ticket(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, reason) = checked_reason(&state, &client, id, body).await?;
    let twin = services::tickets::link(
        &state.db,
        &state.routing,
        &state.workflow,
        &client,
        id,
        reason,
    )
    .await?;
    let view = shown_ticket_view(&state, &client, "POST /v1/tickets/{id}/links", twin).await?;
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, format!("/v1/tickets/{}", view.id)))
        .insert_header((header::ETAG, etag(view.version)))
        .json(view))
}

/// Says a cross-track case needs no twin (coordinator): `suggested_link` becomes false, and a
/// `ticket.updated` event keeps the reason. Dismissing again changes nothing.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = LinkRequest,
    responses(
        (status = 200, body = TicketView, headers(("ETag" = String))),
        (status = 409, description = "Already linked (`already-linked`), or closed or cancelled (`not-linkable`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/links/dismissal")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn dismiss_link(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let (id, reason) = checked_reason(&state, &client, id, body).await?;
    let ticket = services::tickets::dismiss_link(&state.db, &client, id, reason).await?;
    shown_ticket_response(
        &state,
        &client,
        "POST /v1/tickets/{id}/links/dismissal",
        ticket,
    )
    .await
}
