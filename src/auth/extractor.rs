//! The `AuthenticatedClient` extractor: checks the bearer token, that its client is still
//! active and that the token's role and bindings are still the client's, and hands handlers
//! the caller's role and bindings.
use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::Mutex,
    time::{Duration, Instant},
};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use uuid::Uuid;

use super::{Action, Authorized, Role, policy};
use crate::{
    error::ApiError,
    services::{self, clients::ClientStanding},
    state::AppState,
};

/// How long an instance trusts its last look at a client's standing (revocation, role,
/// bindings). A revocation or a change reaches every instance within this time (the API
/// promises 60 s); the instance that made it forgets at once.
pub const REVOCATION_CHECK_INTERVAL: Duration = Duration::from_secs(30);

/// The caller of a request, as its verified token says.
#[derive(Debug, Clone)]
pub struct AuthenticatedClient {
    /// The public client id (`oc_...`).
    pub client_id: String,
    /// The client's role.
    pub role: Role,
    /// The partner a partner client acts for.
    pub partner_id: Option<Uuid>,
    /// The manager a manager client acts as.
    pub manager_id: Option<Uuid>,
}

impl AuthenticatedClient {
    /// Refuses with 403 unless this client's role may perform `action`; the proof it gives
    /// opens the request's body ([`crate::extract::JsonBody::read`]).
    pub fn authorize(&self, action: Action) -> Result<Authorized, ApiError> {
        if policy::may(self.role, action) {
            Ok(Authorized::new())
        } else {
            let allowed: Vec<&str> = policy::roles_for(action)
                .iter()
                .map(|role| role.as_str())
                .collect();
            Err(ApiError::Forbidden(format!(
                "a {} client may not do this; it needs the role {}",
                self.role,
                allowed.join(" or ")
            )))
        }
    }
}

impl FromRequest for AuthenticatedClient {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer_token(req);
        Box::pin(async move {
            let state = state
                .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("AppState is not registered")))?;
            let token = token?;
            let claims = state
                .keys
                .verify(&token)
                .map_err(|invalid| ApiError::Unauthorized(invalid.0))?;
            state.rate_limiter.check(&claims.sub)?;
            match state.revocations.standing(&state, &claims.sub).await? {
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
            Ok(AuthenticatedClient {
                client_id: claims.sub,
                role: claims.role,
                partner_id: claims.partner_id,
                manager_id: claims.manager_id,
            })
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

/// Remembers, per instance and for a short while, each client's standing (active, role,
/// bindings), so a token check does not cost a database query on every request.
#[derive(Debug, Default)]
pub struct RevocationCache {
    seen: Mutex<HashMap<String, (Instant, Option<ClientStanding>)>>,
}

impl RevocationCache {
    /// The standing of `client_id`, `None` when no such client exists.
    pub async fn standing(
        &self,
        state: &AppState,
        client_id: &str,
    ) -> Result<Option<ClientStanding>, ApiError> {
        if let Some(standing) = self.cached(client_id) {
            return Ok(standing);
        }
        let standing = services::clients::standing(&state.db, client_id).await?;
        if let Ok(mut seen) = self.seen.lock() {
            // Bounded: an attacker cannot grow the map with made-up ids, because only ids in
            // validly signed tokens reach this point.
            seen.insert(client_id.to_owned(), (Instant::now(), standing));
        }
        Ok(standing)
    }

    /// Forgets what this instance knew about `client_id` (after revoking or changing it
    /// here).
    pub fn forget(&self, client_id: &str) {
        if let Ok(mut seen) = self.seen.lock() {
            seen.remove(client_id);
        }
    }

    fn cached(&self, client_id: &str) -> Option<Option<ClientStanding>> {
        let seen = self.seen.lock().ok()?;
        let (at, standing) = seen.get(client_id)?;
        (at.elapsed() < REVOCATION_CHECK_INTERVAL).then_some(*standing)
    }
}
