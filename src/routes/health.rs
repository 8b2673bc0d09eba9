//! Liveness, readiness and metrics.
use std::time::Duration;

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, UnavailableCause},
    services,
    state::AppState,
    telemetry,
};

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

/// Readiness: the database serves a read of the case table within two seconds.
///
/// Nearly every request reads the case table, so this is the read probed. Otherwise 503,
/// and the problem's `cause` says why: the database cannot be reached, is full, holds the
/// table locked, or is too slow.
#[utoipa::path(
    tag = "operations",
    responses(
        (status = 200, body = HealthStatus),
        (status = 503, description = "The database cannot serve requests now; `cause` says why, `Retry-After` when to look again", body = crate::error::UnavailableProblem, content_type = "application/problem+json",
            headers(("Retry-After" = u32, description = "Seconds to wait before asking again"))),
    )
)]
#[get("/readyz")]
#[tracing::instrument(skip(state))]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    match tokio::time::timeout(READINESS_BOUND, services::health::probe(&state.db)).await {
        Ok(Ok(())) => Ok(HttpResponse::Ok().json(HealthStatus { status: "ok" })),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(ApiError::Unavailable(
            UnavailableCause::NoAnswerInTime.into(),
        )),
    }
}

/// How long `/readyz` waits for the database; load balancers' own checks give up after a
/// few seconds.
const READINESS_BOUND: Duration = Duration::from_secs(2);

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
