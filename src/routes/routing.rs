//! `/v1/routing`: the rule set as data, the classifier's dry run, and the model versions
//! trained from coordinators' overrides.
use actix_web::{HttpRequest, HttpResponse, get, http::header, post, put, web};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    classifier::{ClassifyRequest, RoutingDecision, RuleSet},
    error::{ApiError, Problem},
    extract::JsonBody,
    pagination::{Page, PageParams},
    routes::ok_with_etag,
    services::{self, routing_models::ModelVersion},
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
    client: Actor,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadRoutingRules)?;
    let rules = services::routing::current(&state.db).await?;
    Ok(ok_with_etag(rules.version, rules))
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
    client: Actor,
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
    Ok(ok_with_etag(stored.version, stored))
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
    client: Actor,
    body: JsonBody<ClassifyRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ClassifyTicket)?;
    let input = body
        .read(&allowed)?
        .into_input()
        .map_err(|errors| ApiError::Validation { errors })?;
    let (decision, _) = state.routing.classify(&state.db, &input).await?;
    Ok(HttpResponse::Ok().json(decision))
}

/// Trains a new model version (coordinator, admin).
///
/// The model learns from the shipped examples plus every coordinator override so far
/// (`POST /v1/tickets/{id}/routing` with a `track`), and is evaluated before anyone relies
/// on it: on the shipped evaluation sets with the current rules, and by 5-fold
/// cross-validation over the overrides (`null` with fewer than 5). The version is stored
/// inactive; activate it with `POST /v1/routing/models/{version}/activate`. Training takes
/// up to a few seconds; sending the request again trains (and numbers) another version.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The new, inactive version with its evaluation", body = ModelVersion, headers(("Location" = String, description = "The version's URL"))),
        (status = 409, description = "Other versions were stored at the same moment; train again", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/routing/models")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn train_model(
    state: web::Data<AppState>,
    client: Actor,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageRoutingModels)?;
    let trained = services::routing_models::train(&state.db, &client.client_id).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/routing/models/{}", trained.version),
        ))
        .json(trained))
}

/// Lists the model versions, newest first, with their evaluations (coordinator, admin).
/// Version 0, the model trained on the shipped examples alone, is always last; `active`
/// marks the one that routes.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<ModelVersion>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/routing/models")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_models(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadRoutingModels)?;
    let page = params.parse(&req)?;
    let after = page.after.map(version_of_cursor);
    let (items, next) =
        services::routing_models::list(&state.db, &state.routing, &page, after).await?;
    Ok(Page {
        items,
        next_cursor: next.map(cursor_of_version),
    }
    .respond(&req))
}

/// The list's keyset is the version; it travels in the id slot of the service's opaque
/// cursors, so every list shares one cursor format.
fn cursor_of_version(version: i64) -> String {
    crate::pagination::Cursor::encode(Uuid::from_u64_pair(0, version.unsigned_abs()))
}

fn version_of_cursor(id: Uuid) -> i64 {
    i64::try_from(id.as_u64_pair().1).unwrap_or(i64::MAX)
}

/// A model version path segment: a whole number from 0, else nothing has it (404).
fn parse_version(raw: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>()
        .ok()
        .filter(|version| *version >= 0)
        .ok_or_else(|| ApiError::NotFound(format!("no routing model has the version {raw}")))
}

/// One model version with its evaluation (coordinator, admin).
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    params(("version" = i64, Path, description = "Model version (0: the shipped model)", minimum = 0)),
    responses(
        (status = 200, body = ModelVersion),
    )
)]
#[get("/v1/routing/models/{version}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn get_model(
    state: web::Data<AppState>,
    client: Actor,
    version: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadRoutingModels)?;
    let version = parse_version(&version)?;
    let model = services::routing_models::get(&state.db, &state.routing, version).await?;
    Ok(HttpResponse::Ok().json(model))
}

/// Makes a model version the one that routes (coordinator, admin).
///
/// Every instance of the service uses it within a few seconds; decisions record it as
/// `model_version` and name it in the model's explanation signals. Activating an older
/// version, or 0 (the shipped model), is the rollback.
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    params(("version" = i64, Path, description = "Model version (0: the shipped model)", minimum = 0)),
    responses(
        (status = 200, description = "The version, now active", body = ModelVersion),
    )
)]
#[post("/v1/routing/models/{version}/activate")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn activate_model(
    state: web::Data<AppState>,
    client: Actor,
    version: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageRoutingModels)?;
    let version = parse_version(&version)?;
    let model =
        services::routing_models::activate(&state.db, &state.routing, version, &client.client_id)
            .await?;
    Ok(HttpResponse::Ok().json(model))
}
