//! The request headers the service's protocols read: `Idempotency-Key` on creates and
//! `If-Match` on edits, each read in one place.
use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header};

use crate::{
    auth::Actor,
    domain::precondition::Precondition,
    error::ApiError,
    services::idempotency::{KeyedRequest, check_key},
};

/// The `Idempotency-Key` of a create, when the client sent one, with the method and path the
/// key's fingerprint covers. A key that is not 1–255 visible ASCII characters is 400.
///
/// Not an `Option<...>` extractor: actix turns a failed `Option` extraction into `None`, which
/// would run a create with a malformed key as if none had been sent.
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    key: Option<String>,
    method: String,
    path: String,
}

impl IdempotencyKey {
    /// The keyed request for this `actor`'s `body`, or `None` without a key.
    pub fn for_body(&self, actor: &Actor, body: &[u8]) -> Result<Option<KeyedRequest>, ApiError> {
        self.key
            .as_deref()
            .map(|key| KeyedRequest::new(&actor.client_id, key, &self.method, &self.path, body))
            .transpose()
    }
}

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let key = match req.headers().get("idempotency-key") {
            None => Ok(None),
            Some(value) => value
                .to_str()
                .map_err(|_| ApiError::BadRequest("Idempotency-Key must be visible ASCII".into()))
                .and_then(|key| check_key(key).map(|()| Some(key.to_owned()))),
        };
        ready(key.map(|key| IdempotencyKey {
            key,
            method: req.method().as_str().to_owned(),
            path: req.path().to_owned(),
        }))
    }
}

/// The `If-Match` precondition of a request (RFC 9110 §13.1.1: `*` or a list of entity tags,
/// compared strongly), read before the handler. Its problems are answered only when the
/// handler asks for it, so a case the caller may not see is still 404 first.
#[derive(Debug)]
pub struct IfMatch(Result<Option<Precondition>, ApiError>);

impl IfMatch {
    /// The precondition, `None` without the header; 400 when the header is not text.
    pub fn optional(self) -> Result<Option<Precondition>, ApiError> {
        self.0
    }

    /// The precondition of an edit that requires one: 428 without the header, with `missing`
    /// (which names the ETag to send) as the detail.
    pub fn required(self, missing: &str) -> Result<Precondition, ApiError> {
        self.0?
            .ok_or_else(|| ApiError::PreconditionRequired(missing.to_owned()))
    }
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let read = req
            .headers()
            .get(header::IF_MATCH)
            .map(|raw| {
                raw.to_str()
                    .map(Precondition::parse)
                    .map_err(|_| ApiError::BadRequest("If-Match must be visible ASCII text".into()))
            })
            .transpose();
        ready(Ok(IfMatch(read)))
    }
}
