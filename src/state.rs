//! What every handler shares: the database pool, settings, token keys and caches.
use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{
    auth::{TokenKeys, failure_limit::TokenFailureLimiter, rate_limit::RateLimiter},
    config::Settings,
    services::{
        Workflow, access_log::AccessLog, clients::RevocationCache, replica::Reads,
        routing::RoutingEngine,
    },
    telemetry::Metrics,
};

/// Application state, registered once as `web::Data<AppState>`.
#[derive(Clone)]
pub struct AppState {
    /// The connection pool (the primary).
    pub db: DatabaseConnection,
    /// Where lag-tolerant reads go: a replica when one is configured, else `db`.
    pub reads: Reads,
    /// The settings the service started with.
    pub settings: Arc<Settings>,
    /// Token signing and checking.
    pub keys: Arc<TokenKeys>,
    /// Per-client request budgets.
    pub rate_limiter: Arc<RateLimiter>,
    /// Failed client authentications at the token endpoint.
    pub token_failures: Arc<TokenFailureLimiter>,
    /// Recently seen client states (active, role, bindings).
    pub revocations: Arc<RevocationCache>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// The case router (trained model plus the current rule set).
    pub routing: Arc<RoutingEngine>,
    /// The center's calendar, service levels and hand-off rule.
    pub workflow: Arc<Workflow>,
    /// Where reads that show contact details are recorded.
    pub access_log: AccessLog,
}

impl AppState {
    /// The connection for a lag-tolerant read (reports, the feed, calendars) by `actor`, or
    /// by a caller without an account (`None`): see [`Reads::lag_tolerant`].
    pub async fn lag_tolerant_db(
        &self,
        actor: Option<&crate::auth::Actor>,
    ) -> Result<&DatabaseConnection, crate::error::ApiError> {
        self.reads.lag_tolerant(&self.db, actor).await
    }
}
