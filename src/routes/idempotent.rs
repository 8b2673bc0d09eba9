//! The HTTP answer of a create made under the idempotency protocol (`Idempotency-Key`; the
//! protocol itself is `services::idempotency::create`).
use actix_web::{HttpResponse, http::StatusCode, http::header};

use crate::{
    error::ApiError,
    services::idempotency::{Answer, StoredResponse},
};

/// The create's answer: as made now, or replayed with `Idempotent-Replayed: true`.
pub fn created_response(answer: Answer) -> Result<HttpResponse, ApiError> {
    match answer {
        Answer::Fresh(stored) => stored_response(stored, false),
        Answer::Replayed(stored) => stored_response(stored, true),
    }
}

fn stored_response(response: StoredResponse, replayed: bool) -> Result<HttpResponse, ApiError> {
    let status = StatusCode::from_u16(response.status).map_err(|_| {
        ApiError::Internal(anyhow::anyhow!(
            "a stored answer has the status {}",
            response.status
        ))
    })?;
    let mut builder = HttpResponse::build(status);
    if let Some(location) = response.location {
        builder.insert_header((header::LOCATION, location));
    }
    if replayed {
        builder.insert_header(("Idempotent-Replayed", "true"));
    }
    if let Some(etag) = response.etag {
        builder.insert_header((header::ETAG, etag));
    }
    Ok(builder
        .insert_header(header::ContentType::json())
        .body(response.body))
}
