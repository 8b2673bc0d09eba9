//! `/v1/tickets/{id}/merge`: a coordinator folds a duplicate case into the surviving one.
use actix_web::{HttpResponse, post, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{TicketView, authorize_on_ticket, shown_ticket_response};
use crate::{
    auth::{Action, Actor},
    domain::limits::REASON_MAX_CHARS,
    error::{ApiError, FieldErrors, Problem},
    extract::JsonBody,
    routes::fields::check_text,
    services::{self, tickets::MergeRequest},
    state::AppState,
};

/// Which case a duplicate is merged into, and why.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"into": "0193a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a7b", "reason": "同じ会社からの重複相談（別の商工会議所経由）"}))]
#[schema(as = MergeCaseRequest)]
pub struct MergeTicketRequest {
    /// The surviving case: open or resolved, never merged, closed or cancelled, never the
    /// duplicate itself.
    pub into: Uuid,
    /// Why (1–2,000 characters), kept in both cases' `ticket.merged` events.
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Merge even though the two cases are about different company records (default false:
    /// 409 `different-companies`).
    #[serde(default)]
    pub force: bool,
}

/// Merges a duplicate case into a surviving case (coordinator), in one transaction: the
/// duplicate becomes `merged` (final) with `merged_into`, its consulting sessions move to the
/// survivor and its company record (so the company's free sessions are counted once), its
/// comments are listed with the survivor's, its manager's place is freed, and both cases get a
/// `ticket.merged` event. Each partner keeps its own case; a partner that may not see the
/// survivor reads only that the center merged the case (`merge.merged_by`, no id).
///
/// Refused: `into` naming the case itself or no case (422); a duplicate that is resolved,
/// closed, cancelled or merged (409 `illegal-transition`); a survivor that is merged, closed
/// or cancelled (409 `not-mergeable`); cases of different companies without `force` (409
/// `different-companies`); either case changed by another request at the same moment (409).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "The duplicate case")),
    request_body = MergeTicketRequest,
    responses(
        (status = 200, description = "The duplicate, now merged", body = TicketView, headers(("ETag" = String))),
        (status = 409, description = "`illegal-transition` (the duplicate is resolved, closed, cancelled or merged), `not-mergeable` (the survivor is merged, closed or cancelled), `different-companies` (send `force`), or either case changed at the same moment", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/merge")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn merge_ticket(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<MergeTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let (allowed, id) = authorize_on_ticket(&state, &client, Action::MergeTickets, id).await?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    let reason = check_text(&mut errors, "reason", &request.reason, REASON_MAX_CHARS);
    if request.into == id {
        errors.add(
            "into",
            "names the case itself; name the case the duplicate should be merged into",
        );
    }
    errors.finish()?;
    let merged = services::tickets::merge(
        &state.db,
        &state.workflow,
        &client,
        id,
        MergeRequest {
            into: request.into,
            reason,
            force: request.force,
        },
    )
    .await?;
    shown_ticket_response(&state, &client, "POST /v1/tickets/{id}/merge", merged).await
}
