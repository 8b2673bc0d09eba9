//! The caller of a request: the bearer token checked, the client's standing confirmed, and
//! the plain [`Actor`] handed to the handler. The only place that turns a request into an
//! `Actor`; services see the `Actor` alone.
use std::{future::Future, pin::Pin};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};

use crate::{auth::Actor, error::ApiError, state::AppState};

impl FromRequest for Actor {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        // A write (or an attempt at one) sends this client's lag-tolerant reads to the
        // primary for a while, so it reads its own writes (services::replica).
        let writes = !req.method().is_safe();
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState is not registered")))?;
            let token = token?;
            let claims = state
                .keys
                .verify(&token)
                .map_err(|invalid| ApiError::Unauthorized(invalid.0))?;
            state.rate_limiter.check(&claims.sub)?;
            match state.revocations.standing(&state.db, &claims.sub).await? {
                Some(standing) if standing.active => {
                    let current = (standing.role, standing.partner_id, standing.manager_id);
                    if current != (claims.role, claims.partner_id, claims.manager_id) {
                        return Err(ApiError::Unauthorized(
                            "this client's role or bindings changed after the token was \
                             issued; get a new token"
                                .to_owned(),
                        ));
                    }
                }
                _ => {
                    return Err(ApiError::Unauthorized(
                        "this client has been revoked".to_owned(),
                    ));
                }
            }
            if writes {
                state.reads.note_write(&claims.sub);
            }
            Ok(Actor::new(
                claims.sub,
                claims.role,
                claims.partner_id,
                claims.manager_id,
            ))
        })
    }
}

fn bearer_token(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("send Authorization: Bearer <token>".to_owned()))?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not text".to_owned()))?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "the Authorization header must be Bearer <token>".to_owned(),
        ));
    }
    Ok(token.trim().to_owned())
}
