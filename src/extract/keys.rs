//! `Idempotency-Key`: read and checked once, before any handler, for every create that takes
//! one.
use std::future::{Ready, ready};

use actix_web::{FromRequest, HttpRequest, dev::Payload};

use crate::{
    auth::Actor,
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
