//! `/v1/routing`: the rule set as data, and the classifier's dry run.
use actix_web::{HttpResponse, get, http::header, post, put, web};

use crate::{
    auth::{Action, AuthenticatedClient},
    classifier::{ClassifyRequest, RoutingDecision, RuleSet},
    error::{ApiError, Problem},
    extract::JsonBody,
    routes::etag,
    services,
    state::AppState,
};

/// The current routing rule set (coordinator, admin). `ETag` is its version.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    responses(
        (status = 200, body = RuleSet, headers(("ETag" = String, description = "The rule set's version"))),
    )
)]
#[get("/v1/routing/rules")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn get_rules(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadRoutingRules)?;
    let rules = services::routing::current(&state.db).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(rules.version)))
        .json(rules))
}

/// Replaces the routing rule set (coordinator, admin).
///
/// Send the whole rule set with the `version` you read; it is stored as the next version and
/// applies to every decision from then on. A rule set that fails validation is refused whole,
/// with every bad field listed. If someone else changed the rules since you read them, the
/// answer is `409` (`.../stale-rule-set`) with `current_version`.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    request_body = RuleSet,
    responses(
        (status = 200, description = "The stored rule set with its new version", body = RuleSet),
        (status = 409, description = "The rules changed since `version`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/routing/rules")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn put_rules(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    body: JsonBody<RuleSet>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::WriteRoutingRules)?;
    let stored = services::routing::replace(
        &state.db,
        &state.routing,
        body.read(&allowed)?,
        &client.client_id,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(stored.version)))
        .json(stored))
}

/// Dry run of the router (coordinator): which track, how sure, why. Nothing is stored.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    request_body = ClassifyRequest,
    responses(
        (status = 200, body = RoutingDecision),
    )
)]
#[post("/v1/routing/classify")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn classify(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    body: JsonBody<ClassifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ClassifyCase)?;
    let input = body
        .read(&allowed)?
        .into_input()
        .map_err(|errors| ApiError::Validation { errors })?;
    let (decision, _) = state.routing.classify(&state.db, &input).await?;
    Ok(HttpResponse::Ok().json(decision))
}
