//! Creates answered through the idempotency protocol (`Idempotency-Key`).
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, http::header};

use crate::{
    auth::Actor,
    error::ApiError,
    services::idempotency::{self, Answer, CreateFn, KeyedRequest, Opening, StoredResponse},
    state::AppState,
};

/// Runs `create` in one transaction; with `Idempotency-Key`, replays the first answer to a
/// repeated request, refuses a different body under the same key (422) and a repeat while
/// the first is running (409). `opening`, when given, runs first and `create` gets its row
/// (see [`idempotency::execute`]).
pub async fn respond_to_create(
    state: &AppState,
    req: &HttpRequest,
    client: &Actor,
    raw_body: &[u8],
    opening: Option<Opening>,
    create: CreateFn<'_>,
) -> Result<HttpResponse, ApiError> {
    let keyed = match req.headers().get("idempotency-key") {
        None => None,
        Some(key) => {
            let key = key.to_str().map_err(|_| {
                ApiError::BadRequest("Idempotency-Key must be visible ASCII".into())
            })?;
            Some(KeyedRequest::new(
                &client.client_id,
                key,
                req.method().as_str(),
                req.path(),
                raw_body,
            )?)
        }
    };
    Ok(
        match idempotency::execute(&state.db, keyed, opening, create).await? {
            Answer::Fresh(stored) => stored_response(stored, false),
            Answer::Replayed(stored) => stored_response(stored, true),
        },
    )
}

fn stored_response(response: StoredResponse, replayed: bool) -> HttpResponse {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut builder = HttpResponse::build(status);
    if let Some(location) = &response.location {
        builder.insert_header((header::LOCATION, location.clone()));
    }
    if replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    if let Some(version) = response.version() {
        builder.insert_header((header::ETAG, super::etag(version)));
    }
    builder
        .insert_header(header::ContentType::json())
        .body(response.body)
}
