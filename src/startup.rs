//! Building the HTTP application around a listener it binds itself, so tests can ask for
//! port 0 and learn the port.
use std::{net::TcpListener, sync::Arc};

use actix_web::{
    App, HttpRequest, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{Server, ServiceResponse},
    http::header,
    middleware::{Condition, ErrorHandlerResponse, ErrorHandlers, from_fn},
    web,
};
use sea_orm::DatabaseConnection;
use tracing_actix_web::TracingLogger;
use utoipa_actix_web::AppExt;

use crate::{
    auth::{TokenKeys, failure_limit::TokenFailureLimiter, rate_limit::RateLimiter},
    config::Settings,
    db,
    docs::{self, Docs},
    error::{ApiError, PROBLEM_JSON},
    extract::{configure_extractors, problem_for_status},
    i18n, middleware,
    openapi::{self, RouteTable},
    routes,
    services::{
        self,
        access_log::{AccessLog, AccessLogWriter},
        personal_data::retention::Retention,
        reports::rollup::Refresher,
        routing::RoutingEngine,
        webhook_delivery::{self, Worker},
    },
    state::AppState,
    telemetry::{Metrics, RedactingRootSpan},
};

/// A built, not yet running, service.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    webhook_worker: Option<Worker>,
    access_log_writer: Option<AccessLogWriter>,
    retention: Option<Retention>,
    report_refresher: Option<Refresher>,
}

impl Application {
    /// Opens the configured database, applies migrations and binds the listener.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let budget = connection_budget(&settings);
        let db = db::connect_shared(
            &settings.database_url,
            budget.shared,
            &db::PoolSettings::from_settings(&settings, false),
        )
        .await?;
        db::migrate(&db).await?;
        Self::build_with_database(settings, db).await
    }

    /// Builds the service on an already migrated database.
    pub async fn build_with_database(
        mut settings: Settings,
        db: DatabaseConnection,
    ) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.bind)?;
        if settings.survey.public_url.is_none() {
            // The links a company is sent point here unless ONESTOP_PUBLIC_URL says where
            // the service is reached from outside.
            settings.survey.public_url = Some(format!("http://{}", listener.local_addr()?));
        }
        let (secret, workflow) = prepare_database(&settings, &db).await?;
        let reads = lag_tolerant_reads(&settings, &db)?;
        let (access_log, access_log_writer) = access_log(&settings, &db);
        let state = AppState {
            access_log,
            keys: Arc::new(TokenKeys::new(&secret, &settings.jwt)),
            db,
            reads,
            revocations: Arc::new(services::clients::RevocationCache::default()),
            rate_limiter: Arc::new(RateLimiter::new(settings.rate_limit_per_second)),
            token_failures: Arc::new(TokenFailureLimiter::new(settings.token_failures.clone())),
            metrics: Arc::new(Metrics::new()?),
            routing: Arc::new(RoutingEngine::new()?),
            workflow: Arc::new(workflow),
            settings: Arc::new(settings.clone()),
        };
        let port = listener.local_addr()?.port();
        let document = openapi::document();
        let document_json = web::Bytes::from(openapi::to_committed_json(&document)?);
        let docs = Docs::load()?;
        let route_table =
            RouteTable::new(&document, &["/openapi.json", "/docs", docs::ASSET_ROUTE]);
        let route_table = web::Data::new(route_table);
        let workers = worker_count(&settings);
        // What the shared pool does not take of the budget is shared out among the workers,
        // each opening its own.
        let per_worker = connection_budget(&settings).per_worker;
        let request_pool = db::PoolSettings::from_settings(&settings, true);
        let shared_state = state.clone();
        let cors_origins = settings.http.cors_origins.clone();
        let mut server = HttpServer::new(move || {
            let app_state = web::Data::new(AppState {
                db: db::worker_pool(
                    &shared_state.settings.database_url,
                    per_worker,
                    &shared_state.db,
                    &request_pool,
                ),
                reads: db::worker_reads(&shared_state.settings, &shared_state.reads, workers),
                ..shared_state.clone()
            });
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(routes::configure)
                .split_for_parts();
            let document_json = document_json.clone();
            app.app_data(app_state.clone())
                .app_data(route_table.clone())
                .configure(configure_extractors)
                .route(
                    "/openapi.json",
                    web::get().to(move || {
                        let body = document_json.clone();
                        async move {
                            HttpResponse::Ok()
                                .content_type("application/json")
                                .body(body)
                        }
                    }),
                )
                .configure(|config| docs.configure(config))
                .default_service(web::to(unmatched))
                .wrap(from_fn(middleware::guard_requests))
                .wrap(ErrorHandlers::new().default_handler(render_as_problem))
                .wrap(from_fn(middleware::protective_headers))
                .wrap(Condition::new(
                    !cors_origins.is_empty(),
                    middleware::cors(&cors_origins),
                ))
                .wrap(from_fn(middleware::observe_requests))
                // Secret query parameters (a calendar feed's token) never reach the logs.
                .wrap(TracingLogger::<RedactingRootSpan>::new())
                // Outermost, so every problem, whichever layer answers it, is rendered in
                // the negotiated language.
                .wrap(from_fn(i18n::negotiate_language))
        })
        .max_connections(settings.http.max_connections_per_worker)
        .listen(listener)?
        .shutdown_timeout(settings.shutdown_timeout_seconds);
        server = server.workers(workers);
        // Started with the server (run_until_stopped) and stopped with it.
        let webhook_worker = if settings.webhook_worker {
            Some(Worker::new(state.db.clone(), state.settings.clone())?)
        } else {
            None
        };
        let retention = (settings.personal_data.retention_worker)
            .then(|| Retention::new(state.db.clone(), settings.personal_data.clone()));
        let report_refresher = settings
            .report_refresh
            .map(|interval| Refresher::new(state.db.clone(), interval));
        Ok(Self {
            port,
            server: server.run(),
            state,
            webhook_worker,
            access_log_writer,
            retention,
            report_refresher,
        })
    }

    /// The port the service listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state (tests use its database handle).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGINT or SIGTERM; in-flight requests are given the shutdown timeout to
    /// finish. The webhook delivery worker and the retention job run alongside and stop with
    /// the server (a delivery it cuts short is made again when its lease ends; a retention
    /// batch cut short rolls back). The access log is written out after the last request.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let _worker = self.webhook_worker.map(webhook_delivery::spawn);
        let _retention = self.retention.map(Retention::spawn);
        let _report_refresher = self.report_refresher.map(Refresher::spawn);
        let access_log = self.access_log_writer.map(AccessLogWriter::spawn);
        let served = self.server.await;
        if let Some(writer) = access_log {
            writer.stop().await;
        }
        served
    }
}

/// The HTTP workers the service runs: `ONESTOP_WORKERS`, or one per core.
/// What the service needs from its database before it serves: the token key, the default
/// routing rules, the workflow, and due dates for older cases that have none.
async fn prepare_database(
    settings: &Settings,
    db: &DatabaseConnection,
) -> anyhow::Result<(Vec<u8>, services::Workflow)> {
    let secret = services::settings::token_secret(db, &settings.jwt).await?;
    services::routing::ensure_default_rules(db).await?;
    let workflow = services::Workflow::from_settings(settings);
    let backfilled = services::tickets::backfill_due_dates(db, &workflow)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    if backfilled > 0 {
        tracing::info!(
            tickets = backfilled,
            "gave older cases their service-level due dates"
        );
    }
    Ok((secret, workflow))
}

/// The access log handlers record through, and its writer (none when the log is off).
fn access_log(
    settings: &Settings,
    db: &DatabaseConnection,
) -> (AccessLog, Option<AccessLogWriter>) {
    if settings.personal_data.access_log {
        let (log, writer) = AccessLog::new(db.clone());
        (log, Some(writer))
    } else {
        (AccessLog::off(), None)
    }
}

/// Where the instance sends its lag-tolerant reads: the configured replica, else the primary.
fn lag_tolerant_reads(
    settings: &Settings,
    primary: &DatabaseConnection,
) -> anyhow::Result<services::replica::Reads> {
    Ok(match &settings.replica {
        Some(replica) => services::replica::Reads::with_replica(
            db::replica_pool(settings, replica, primary)?,
            std::time::Duration::from_millis(replica.max_lag_ms),
        ),
        None => services::replica::Reads::primary_only(),
    })
}

fn worker_count(settings: &Settings) -> usize {
    settings
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// How the instance's `ONESTOP_DB_MAX_CONNECTIONS` is shared out between its pools.
fn connection_budget(settings: &Settings) -> db::ConnectionBudget {
    db::ConnectionBudget::new(
        settings
            .db_max_connections
            .unwrap_or(db::DEFAULT_POSTGRES_POOL),
        worker_count(settings),
    )
}

/// Requests no route matched: 405 with `Allow` when the path exists under other methods,
/// 404 otherwise.
async fn unmatched(
    req: HttpRequest,
    routes: web::Data<RouteTable>,
) -> Result<HttpResponse, ApiError> {
    Err(match routes.allowed_methods(req.path()) {
        Some(allowed) => ApiError::MethodNotAllowed { allowed },
        None => ApiError::NotFound(format!("nothing is found at {}", req.path())),
    })
}

/// Any error response that is not problem+json yet (actix's own, a middleware's) is rendered
/// as problem+json with the same status, so clients never see a bare text body (HTML pages
/// rendered for browsers excepted).
fn render_as_problem<B: MessageBody>(
    response: ServiceResponse<B>,
) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    let is_problem = content_type.is_some_and(|value| value.starts_with(PROBLEM_JSON));
    // A page a handler rendered for a browser on purpose (the survey form's error pages,
    // asked for with `Accept: text/html`) stays that page; actix's own answers are plain text.
    let is_page = content_type.is_some_and(|value| value.starts_with("text/html"));
    if is_problem || is_page {
        return Ok(ErrorHandlerResponse::Response(
            response.map_into_left_body(),
        ));
    }
    let status = response.status();
    let problem = actix_web::ResponseError::error_response(&problem_for_status(status));
    Ok(ErrorHandlerResponse::Response(
        response.into_response(problem).map_into_right_body(),
    ))
}
