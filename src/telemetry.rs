//! Logs (tracing, structured, with a request id on every line of a request) and Prometheus
//! metrics (request counts and latency by route and status).
use actix_web::{HttpResponse, http::header::HeaderName};
use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, Opts, Registry, TextEncoder,
};
use tracing_subscriber::{EnvFilter, fmt, layer::SubscriberExt, util::SubscriberInitExt};

/// Installs the global tracing subscriber: JSON lines when `ONESTOP_LOG_FORMAT=json`
/// (what log shippers want), readable text otherwise. `RUST_LOG` filters.
pub fn init_tracing() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("ONESTOP_LOG_FORMAT").is_ok_and(|format| format == "json");
    let registry = tracing_subscriber::registry().with(filter);
    // A second init (tests spawn many apps) is not an error worth reporting.
    let _ = if json {
        registry
            .with(
                fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init()
    } else {
        registry
            .with(fmt::layer().with_writer(std::io::stderr))
            .try_init()
    };
}

/// The service's Prometheus metrics.
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
}

impl Metrics {
    /// Registers the request counter and latency histogram.
    pub fn new() -> anyhow::Result<Self> {
        let registry = Registry::new();
        let labels = &["method", "route", "status"];
        let requests = IntCounterVec::new(
            Opts::new("onestop_http_requests_total", "HTTP requests answered"),
            labels,
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "onestop_http_request_duration_seconds",
                "Time to answer HTTP requests",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            labels,
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        Ok(Self {
            registry,
            requests,
            latency,
        })
    }

    /// Counts one answered request and its latency.
    pub fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let status = status.to_string();
        let labels = [method, route, status.as_str()];
        self.requests.with_label_values(&labels).inc();
        self.latency.with_label_values(&labels).observe(seconds);
    }

    /// The Prometheus text exposition of every metric.
    pub fn render(&self) -> anyhow::Result<String> {
        let mut buffer = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buffer)?;
        Ok(String::from_utf8(buffer)?)
    }
}

/// The header that carries the request id.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Renders the metrics for `GET /metrics`.
pub fn metrics_response(metrics: &Metrics) -> HttpResponse {
    match metrics.render() {
        Ok(text) => HttpResponse::Ok()
            .content_type("text/plain; version=0.0.4; charset=utf-8")
            .body(text),
        Err(error) => {
            actix_web::ResponseError::error_response(&crate::error::ApiError::Internal(error))
        }
    }
}

/// Query parameters whose values are secrets (a calendar feed's `token`): they never reach
/// the logs.
pub const SECRET_QUERY_PARAMETERS: [&str; 1] = ["token"];

/// What replaces a secret in the logs.
const REDACTED: &str = "REDACTED";

/// Paths whose next segment is a secret (a survey link's token): the segment never reaches
/// the logs.
pub const SECRET_PATH_PREFIXES: [&str; 1] = ["/v1/surveys/"];

/// The request target (`path?query`) of `uri` with every secret replaced (the segment after
/// a [`SECRET_PATH_PREFIXES`] prefix, the value of every [`SECRET_QUERY_PARAMETERS`]
/// parameter), or `None` when it carries none.
pub fn redacted_target(uri: &actix_web::http::Uri) -> Option<String> {
    let path = redacted_path(uri.path());
    let query = uri.query().map(|query| (query, redacted_query(query)));
    let query_redacted = query
        .as_ref()
        .is_some_and(|(_, redacted)| redacted.is_some());
    if path.is_none() && !query_redacted {
        return None;
    }
    let path = path.unwrap_or_else(|| uri.path().to_owned());
    Some(match query {
        Some((query, redacted)) => {
            format!("{path}?{}", redacted.unwrap_or_else(|| query.to_owned()))
        }
        None => path,
    })
}

fn redacted_path(path: &str) -> Option<String> {
    SECRET_PATH_PREFIXES.iter().find_map(|prefix| {
        let secret_and_rest = path.strip_prefix(prefix)?;
        let rest = secret_and_rest
            .find('/')
            .map_or("", |at| &secret_and_rest[at..]);
        (secret_and_rest.len() > rest.len()).then(|| format!("{prefix}{REDACTED}{rest}"))
    })
}

fn redacted_query(query: &str) -> Option<String> {
    let is_secret = |pair: &str| {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        let name = percent_encoding::percent_decode_str(name).decode_utf8_lossy();
        SECRET_QUERY_PARAMETERS.contains(&name.as_ref())
    };
    if !query.split('&').any(is_secret) {
        return None;
    }
    let redacted: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret(pair) => format!("{name}={REDACTED}"),
            _ => pair.to_owned(),
        })
        .collect();
    Some(redacted.join("&"))
}

/// The root span of every request: tracing-actix-web's own, except that a request carrying a
/// secret in its path or query (a survey link, a calendar feed URL) gets the same fields with the secret replaced in
/// `http.target`. Every log line of a request repeats its root span's fields, so this is the
/// one place a request's URL is written to the logs.
pub struct RedactingRootSpan;

impl tracing_actix_web::RootSpanBuilder for RedactingRootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        use actix_web::HttpMessage;
        let Some(target) = redacted_target(request.uri()) else {
            return tracing_actix_web::root_span!(request);
        };
        let route = request
            .match_pattern()
            .unwrap_or_else(|| "default".to_owned());
        let method = request.method().as_str().to_owned();
        let user_agent = request
            .headers()
            .get(actix_web::http::header::USER_AGENT)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let request_id = request
            .extensions()
            .get::<tracing_actix_web::RequestId>()
            .map(ToString::to_string)
            .unwrap_or_default();
        let info = request.connection_info();
        let empty = tracing::field::Empty;
        tracing::info_span!(
            "HTTP request",
            http.method = %method,
            http.route = %route,
            http.flavor = ?request.version(),
            http.scheme = %info.scheme(),
            http.host = %info.host(),
            http.client_ip = %info.realip_remote_addr().unwrap_or(""),
            http.user_agent = %user_agent,
            http.target = %target,
            http.status_code = empty,
            otel.name = %format!("{method} {route}"),
            otel.kind = "server",
            otel.status_code = empty,
            trace_id = empty,
            request_id = %request_id,
            exception.message = empty,
            exception.details = empty,
        )
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[test]
    fn secret_query_parameters_are_redacted_and_the_rest_kept() {
        let cases = [
            (
                "/v1/managers/m/calendar.ics?token=ocf_abc",
                Some("/v1/managers/m/calendar.ics?token=REDACTED"),
            ),
            ("/x?a=1&token=s&b=2", Some("/x?a=1&token=REDACTED&b=2")),
            ("/x?%74oken=s", Some("/x?%74oken=REDACTED")),
            ("/x?tokens=s", None),
            ("/v1/surveys/sv_secret", Some("/v1/surveys/REDACTED")),
            (
                "/v1/surveys/sv_secret?lang=ja",
                Some("/v1/surveys/REDACTED?lang=ja"),
            ),
            ("/v1/surveys/sv_secret/x", Some("/v1/surveys/REDACTED/x")),
            ("/v1/surveys/", None),
            ("/v1/survey/abc", None),
            ("/x?a=token", None),
            ("/x", None),
        ];
        for (uri, expected) in cases {
            let uri: actix_web::http::Uri = uri.parse().unwrap();
            assert_eq!(redacted_target(&uri).as_deref(), expected, "{uri}");
        }
    }

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_log_line_inside_a_feed_request_does_not_carry_its_token() {
        use tracing_actix_web::RootSpanBuilder;
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let request = actix_web::test::TestRequest::get()
                .uri("/v1/managers/m/calendar.ics?token=ocf_supersecret")
                .to_srv_request();
            let span = RedactingRootSpan::on_request_start(&request);
            span.in_scope(|| tracing::info!("answered"));
        });
        let logged = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(logged.contains("token=REDACTED"), "{logged}");
        assert!(!logged.contains("supersecret"), "{logged}");
    }
}
