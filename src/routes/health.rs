//! Liveness, readiness and metrics.
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{error::ApiError, services, state::AppState, telemetry};

/// The answer of the health endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthStatus {
    /// `ok` when healthy.
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(tag = "operations", responses((status = 200, body = HealthStatus)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(HealthStatus { status: "ok" })
}

/// Readiness: the database answers within two seconds.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = HealthStatus),
        (status = 503, description = "The database does not answer", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
#[tracing::instrument(skip(state))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let ping = tokio::time::timeout(
        Duration::from_secs(2),
        services::settings::database_answers(&state.db),
    );
    match ping.await {
        Ok(Ok(_)) => Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" })),
        Ok(Err(error)) => Err(ApiError::Unavailable(error.into())),
        Err(_) => Err(ApiError::Unavailable(anyhow::anyhow!(
            "database ping timed out"
        ))),
    }
}

/// Prometheus metrics: request counts and latency by method, route and status. Bind it to
/// an internal port (or filter it at the proxy) in production.
#[utoipa::path(
    tag = "operations",
    responses((status = 200, description = "Prometheus text exposition", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    telemetry::metrics_response(&state.metrics)
}
