//! The caller of a request as the service layer sees it: a plain value, built once per request
//! by the extractor in [`crate::extract`], so no service names actix.
use uuid::Uuid;

use super::{
    Action, Authorized, Role,
    policy::{self, Scope},
};
use crate::error::ApiError;

/// Who is calling: the verified client, its role and its bindings, and the [`Scope`] of
/// records it reaches, derived once.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The public client id (`oc_...`).
    pub client_id: String,
    /// The client's role.
    pub role: Role,
    /// The partner a partner client acts for.
    pub partner_id: Option<Uuid>,
    /// The manager a manager client acts as.
    pub manager_id: Option<Uuid>,
    scope: Scope,
}

impl Actor {
    /// The caller with `role` and its bindings (a binding that does not belong to the role is
    /// dropped, so it can never widen what the caller reaches).
    pub fn new(
        client_id: String,
        role: Role,
        partner_id: Option<Uuid>,
        manager_id: Option<Uuid>,
    ) -> Self {
        let scope = Scope::of(role, partner_id, manager_id);
        Self {
            client_id,
            role,
            partner_id: partner_id.filter(|_| role == Role::Partner),
            manager_id: manager_id.filter(|_| role == Role::Manager),
            scope,
        }
    }

    /// The cases (and what hangs off them) this caller reaches.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// Refuses with 403 unless this caller's role may perform `action`; the proof it gives
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
