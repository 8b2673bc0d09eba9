//! What every request and response passes through besides its handler: the query string's
//! text check, the body encodings the service reads, the headers that keep browsers and
//! caches from mishandling answers, and CORS for the consultants' web frontends.
use std::time::Instant;

use actix_cors::Cors;
use actix_web::{
    Error, HttpMessage, ResponseError,
    body::{EitherBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        Method,
        header::{self, HeaderValue},
    },
    middleware::Next,
    web,
};

use crate::{
    error::{ApiError, FieldErrors},
    extract::check_text,
    state::AppState,
    telemetry::REQUEST_ID,
};

/// The request body encodings actix decodes for us; anything else is 415.
const READABLE_ENCODINGS: [&str; 5] = ["identity", "gzip", "deflate", "br", "zstd"];

/// Refuses, before any handler runs, a query string whose parameters carry control
/// characters (422 naming each parameter) and a body in an encoding the service cannot
/// read (415). Every query parameter of every route passes here, so no filter, search text
/// or cursor ever reaches the database with a NUL in it.
///
/// A refusal is answered here as a response, not returned as an error, so the outer layers
/// (headers, metrics, request id) treat it like any other answer.
pub async fn guard_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    match refusal(&req) {
        Some(refused) => Ok(req
            .into_response(refused.error_response())
            .map_into_right_body()),
        None => Ok(next.call(req).await?.map_into_left_body()),
    }
}

/// Why `req` is refused before its handler, if it is.
fn refusal(req: &ServiceRequest) -> Option<ApiError> {
    let mut errors = FieldErrors::new();
    for (name, value) in url::form_urlencoded::parse(req.query_string().as_bytes()) {
        check_text(&name, &name, &mut errors);
        check_text(&name, &value, &mut errors);
    }
    if let Err(invalid) = errors.finish() {
        return Some(invalid);
    }
    unreadable_encoding(req).map(|encoding| {
        ApiError::UnsupportedMediaType(format!(
            "the body's Content-Encoding {encoding:?} is not one this service reads \
             (identity, gzip, deflate, br, zstd)"
        ))
    })
}

/// The first `Content-Encoding` of the request that actix cannot decode.
fn unreadable_encoding(req: &ServiceRequest) -> Option<String> {
    req.headers()
        .get_all(header::CONTENT_ENCODING)
        .flat_map(|value| value.to_str().unwrap_or("\u{fffd}").split(','))
        .map(|coding| coding.trim().to_ascii_lowercase())
        .find(|coding| !coding.is_empty() && !READABLE_ENCODINGS.contains(&coding.as_str()))
}

/// Adds `X-Content-Type-Options: nosniff` to every response, and `Cache-Control: no-store`
/// to every answer under `/v1/` that does not say otherwise: cases, lists, comments,
/// events, clients and the webhook secret all carry personal data or secrets, and a shared
/// cache or a browser's history must keep none of them.
pub async fn protective_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let private = req.path().starts_with("/v1/");
    let mut response = next.call(req).await?;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if private && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

/// CORS for the configured `origins`: preflights answered, the credentials header and the
/// API's request headers allowed, and the response headers a frontend needs (`ETag` for
/// If-Match, `Location` after a create, `Link` for the next page, `Retry-After`) exposed.
/// With no origins, browsers of other origins get no CORS headers and stay shut out.
pub fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::ACCEPT,
            header::ACCEPT_LANGUAGE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::LINK,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Records each request in the metrics, labelled by its route pattern (never the raw path,
/// which would make a series per id), and echoes the request id as `X-Request-Id`.
pub async fn observe_requests(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let request_id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string());
    let mut response = next.call(req).await?;
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    if let Some(state) = state {
        state.metrics.observe(
            &method,
            &route,
            response.status().as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    if let Some(id) = request_id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        response.headers_mut().insert(REQUEST_ID, id);
    }
    Ok(response)
}
