//! Request extractors that answer every unreadable input with problem+json: the JSON body
//! (with the path of the offending field), query strings and path parameters; the caller
//! ([`crate::auth::Actor`], in `caller`).
mod caller;
mod keys;

pub use keys::{IdempotencyKey, IfMatch};

use std::{future::Future, pin::Pin};

use actix_web::{
    FromRequest, HttpRequest,
    dev::Payload,
    http::{StatusCode, header},
    web,
};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{
    auth::Authorized,
    domain::text::{MULTILINE_FIELDS, forbidden_character},
    error::{ApiError, FieldError, FieldErrors},
    state::AppState,
};

/// The largest request body the service reads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A JSON request body. Unlike `web::Json` it names the field that failed to deserialize
/// (`company.employees`), answers syntax errors with 400 and field errors with 422.
/// The raw bytes are kept for fingerprinting (`Idempotency-Key`).
///
/// Extracting it never fails: whatever is wrong with the body (415, 413, 408, 400, 422) is
/// kept and answered only when the handler reads it, which takes the proof that the caller's
/// role may make the request ([`Authorized`]). So a caller without the role learns 403, not
/// how the body it may not send should have looked.
#[derive(Debug)]
pub struct JsonBody<T> {
    parsed: Result<T, ApiError>,
    raw: web::Bytes,
}

impl<T> JsonBody<T> {
    /// The body, once the caller's role allowed the request.
    pub fn read(self, _allowed: &Authorized) -> Result<T, ApiError> {
        self.parsed
    }

    /// The body and its bytes as sent (for the `Idempotency-Key` fingerprint), once the
    /// caller's role allowed the request.
    pub fn read_with_raw(self, _allowed: &Authorized) -> Result<(T, web::Bytes), ApiError> {
        self.parsed.map(|parsed| (parsed, self.raw))
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = is_json(req);
        let body = read_body(req, payload);
        Box::pin(async move {
            let (parsed, raw) = match body.await {
                Ok(bytes) if content_type_ok => (parse_json(&bytes), bytes),
                Ok(bytes) => (
                    Err(ApiError::UnsupportedMediaType(
                        "send the body as application/json".to_owned(),
                    )),
                    bytes,
                ),
                Err(unreadable) => (Err(unreadable), web::Bytes::new()),
            };
            Ok(JsonBody { parsed, raw })
        })
    }
}

/// Deserializes `bytes` as JSON, telling a broken document (400) from invalid fields (422).
///
/// This is the boundary every JSON body passes: a second document or any other data after
/// the first is refused (400), and no string (nor object key) may carry a control character
/// ([`forbidden_character`]); each such field is named in one 422.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::BadRequest(
            "the request body is empty; send a JSON object".into(),
        ));
    }
    // `from_slice` reads to the end of the input, so trailing data is a syntax error here.
    let mut document: Value = serde_json::from_slice(bytes).map_err(|error| {
        ApiError::BadRequest(format!("the request body is not valid JSON: {error}"))
    })?;
    let mut errors = FieldErrors::new();
    prepare(&mut document, "", &mut errors);
    errors.finish()?;
    serde_path_to_error::deserialize(document).map_err(|error| {
        let path = error.path().to_string();
        let inner = error.into_inner();
        // serde's message already names unknown fields and expected types.
        let message = strip_position(&inner.to_string());
        let field = if path == "." {
            // For top-level data errors serde gives no path; the field name is in the message.
            unknown_field_name(&message)
        } else {
            path
        };
        ApiError::Validation {
            errors: vec![FieldError::new(field, message)],
        }
    })
}

/// Records every string of `value` (and every object key) that holds a forbidden character,
/// under its JSON path, and writes whole numbers sent with a fraction (`45.0`) as integers:
/// JSON Schema counts them as integers, so generated clients send them for integer fields,
/// and serde would refuse them.
fn prepare(value: &mut Value, path: &str, errors: &mut FieldErrors) {
    match value {
        Value::String(text) => check_text(path, text, errors),
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                prepare(item, &format!("{path}[{index}]"), errors);
            }
        }
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                let member_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if let Some(message) = forbidden_character(key, false) {
                    let object = if path.is_empty() { "body" } else { path };
                    errors.add(object, format!("has a key that {message}"));
                }
                prepare(member, &member_path, errors);
            }
        }
        Value::Number(number) => {
            if let Some(whole) = whole_number(number) {
                *number = whole;
            }
        }
        Value::Null | Value::Bool(_) => {}
    }
}

/// `number` as an integer when it is a float without a fraction that an `f64` holds exactly.
fn whole_number(number: &serde_json::Number) -> Option<serde_json::Number> {
    /// 2^53: beyond it not every integer is an `f64`, so `x.0` may not be the integer sent.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    let float = number.as_f64().filter(|_| number.is_f64())?;
    if float.fract() != 0.0 || float.abs() > EXACT {
        return None;
    }
    #[allow(clippy::cast_possible_truncation)] // whole and within ±2^53, so exact
    Some(serde_json::Number::from(float as i64))
}

/// Records `field` when `text` holds a character no text of this API may carry; line
/// breaks are allowed in the fields [`MULTILINE_FIELDS`] names. Form bodies and query
/// strings pass through here too.
pub fn check_text(field: &str, text: &str, errors: &mut FieldErrors) {
    let last_segment = field
        .rsplit('.')
        .next()
        .unwrap_or(field)
        .split('[')
        .next()
        .unwrap_or_default();
    if let Some(message) = forbidden_character(text, MULTILINE_FIELDS.contains(&last_segment)) {
        errors.add(if field.is_empty() { "body" } else { field }, message);
    }
}

fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

/// For top-level data errors serde gives no path; the field name is in the message.
fn unknown_field_name(message: &str) -> String {
    message
        .split('`')
        .nth(1)
        .map(str::to_owned)
        .unwrap_or_else(|| "body".to_owned())
}

/// Whether the request says its body is JSON (`application/json` or any `+json` type).
pub fn is_json(req: &HttpRequest) -> bool {
    content_type(req).is_some_and(|ct| ct == "application/json" || ct.ends_with("+json"))
}

/// The media type of the request body, lower-cased and without parameters.
pub fn content_type(req: &HttpRequest) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
}

/// How long a body may take when the settings cannot be found (they always can in the app).
const DEFAULT_BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Reads the whole body up to [`MAX_BODY_BYTES`], answering 413 beyond it and 408 when the
/// client takes longer than the configured body timeout to send it (a client that declares
/// 1,000 bytes and sends 10 must not hold a connection and a worker's attention for ever).
pub fn read_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl Future<Output = Result<web::Bytes, ApiError>> + use<> {
    let declared_too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<usize>().ok())
        .is_some_and(|length| length > MAX_BODY_BYTES);
    let timeout = req
        .app_data::<web::Data<AppState>>()
        .map_or(DEFAULT_BODY_TIMEOUT, |state| {
            state.settings.http.body_timeout
        });
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        if declared_too_large {
            return Err(too_large());
        }
        let Ok(read) = tokio::time::timeout(timeout, bytes).await else {
            return Err(ApiError::RequestTimeout(format!(
                "the request body did not arrive within {} s",
                timeout.as_secs()
            )));
        };
        read.map_err(|error| {
            if error.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::BadRequest("the request body could not be read".to_owned())
            }
        })
    }
}

fn too_large() -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "request bodies are limited to {MAX_BODY_BYTES} bytes"
    ))
}

/// Configures actix's own extractors (query strings, path parameters, raw bodies) to fail
/// with problem+json. JSON bodies go through [`JsonBody`], never `web::Json`.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(web::PayloadConfig::new(MAX_BODY_BYTES))
        .app_data(web::QueryConfig::default().error_handler(|error, _req| {
            let message = strip_position(&error.to_string());
            ApiError::BadRequest(format!("the query string is invalid: {message}")).into()
        }))
        .app_data(web::PathConfig::default().error_handler(|_error, req| {
            ApiError::NotFound(format!("nothing is found at {}", req.path())).into()
        }));
}

/// Renders an actix error that escaped our own types (for example from a middleware) as
/// problem+json with the same status.
pub fn problem_for_status(status: StatusCode) -> ApiError {
    match status {
        StatusCode::NOT_FOUND => ApiError::NotFound("nothing is found at this address".into()),
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        StatusCode::REQUEST_TIMEOUT => {
            ApiError::RequestTimeout("the request did not arrive in time".into())
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            ApiError::UnsupportedMediaType("unsupported media type".into())
        }
        StatusCode::UNAUTHORIZED => ApiError::Unauthorized("a bearer token is required".into()),
        StatusCode::FORBIDDEN => ApiError::Forbidden("forbidden".into()),
        status if status.is_client_error() => ApiError::BadRequest(
            status
                .canonical_reason()
                .unwrap_or("bad request")
                .to_owned(),
        ),
        _ => ApiError::Internal(anyhow::anyhow!("unhandled response status {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Inner,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn whole_numbers_sent_with_a_fraction_are_integers_and_others_are_not() {
        let parsed: Body = parse_json(br#"{"name": "a", "inner": {"count": 45.0}}"#).unwrap();
        assert_eq!(parsed.inner.count, 45);
        for body in [
            r#"{"name": "a", "inner": {"count": 45.5}}"#,
            r#"{"name": "a", "inner": {"count": -1.0}}"#,
            r#"{"name": "a", "inner": {"count": 1e300}}"#,
        ] {
            assert!(parse_json::<Body>(body.as_bytes()).is_err(), "{body}");
        }
    }

    #[test]
    fn json_problems_are_told_apart_and_name_the_field() {
        let cases: [(&str, u16, &str); 5] = [
            (
                r#"{"name": "a", "inner": {"count": -1}}"#,
                422,
                "inner.count",
            ),
            (
                r#"{"name": "a", "inner": {"count": 1}, "status": "x"}"#,
                422,
                "status",
            ),
            (r#"{"name": 5, "inner": {"count": 1}}"#, 422, "name"),
            (r#"{"name": "a", "inner": {"#, 400, ""),
            ("", 400, ""),
        ];
        for (body, status, field) in cases {
            let error = parse_json::<Body>(body.as_bytes()).unwrap_err();
            let problem = error.problem();
            assert_eq!(problem.status, status, "{body}");
            if !field.is_empty() {
                let errors = problem.errors.unwrap_or_default();
                assert_eq!(errors[0].field, field, "{body}");
            }
        }
    }
}
