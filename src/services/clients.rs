//! API clients: creation (the secret is returned once), listing, changes of role and
//! binding, revocation, and the client-credentials check behind `POST /v1/auth/token`.
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::{
    auth::{Claims, Role, TokenKeys, secrets},
    domain::limits::NAME_MAX_CHARS,
    entities::{api_client, partner},
    error::{ApiError, FieldErrors, OAuthErrorCode},
    pagination::{Cursor, PageRequest},
};

/// What a new client is made of.
#[derive(Debug, Clone)]
pub struct NewClient {
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Partner binding (required for, and only for, partner clients).
    pub partner_id: Option<Uuid>,
    /// Manager binding (required for, and only for, manager clients).
    pub manager_id: Option<Uuid>,
}

/// A change of a client's role or bindings. A binding left out keeps its value while the
/// role stays the same, and is cleared when the role changes (so `{"role": "analyst"}`
/// turns a partner client into an unbound analyst); `Some(None)` clears it.
#[derive(Debug, Clone, Default)]
pub struct ClientChange {
    /// The new role.
    pub role: Option<Role>,
    /// The new partner binding.
    pub partner_id: Option<Option<Uuid>>,
    /// The new manager binding.
    pub manager_id: Option<Option<Uuid>>,
}

/// What a token of a client is checked against: whether the client may still act, and as
/// whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientStanding {
    /// Not revoked.
    pub active: bool,
    /// Its current role.
    pub role: Role,
    /// Its current partner binding.
    pub partner_id: Option<Uuid>,
    /// Its current manager binding.
    pub manager_id: Option<Uuid>,
}

/// A stored client, without its secret.
#[derive(Debug, Clone)]
pub struct Client {
    /// Internal id.
    pub id: Uuid,
    /// Public client id.
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Partner binding.
    pub partner_id: Option<Uuid>,
    /// Manager binding.
    pub manager_id: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A client just created, with the secret that is never shown again.
#[derive(Debug, Clone)]
pub struct CreatedClient {
    /// The client.
    pub client: Client,
    /// Its secret, in clear, this once.
    pub client_secret: String,
}

impl From<api_client::Model> for Client {
    fn from(model: api_client::Model) -> Self {
        Self {
            id: model.id,
            client_id: model.client_id,
            name: model.name,
            role: model.role,
            partner_id: model.partner_id,
            manager_id: model.manager_id,
            created_at: model.created_at,
            revoked_at: model.revoked_at,
        }
    }
}

/// Creates a client after checking its bindings; the partner must exist.
pub async fn create(db: &impl ConnectionTrait, new: NewClient) -> Result<CreatedClient, ApiError> {
    let mut errors = FieldErrors::new();
    let name = new.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
        errors.add("name", format!("must be 1 to {NAME_MAX_CHARS} characters"));
    }
    check_bindings(db, new.role, new.partner_id, new.manager_id, &mut errors).await?;
    errors.finish()?;

    let client_secret = secrets::new_client_secret();
    let model = api_client::ActiveModel {
        id: Set(Uuid::now_v7()),
        client_id: Set(secrets::new_client_id()),
        secret_hash: Set(secrets::hash_secret(&client_secret)),
        name: Set(name),
        role: Set(new.role),
        partner_id: Set(new.partner_id),
        manager_id: Set(new.manager_id),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(CreatedClient {
        client: model.into(),
        client_secret,
    })
}

/// Records in `errors` what is wrong with binding a `role` client to `partner_id` and
/// `manager_id`: partner clients need an existing partner, manager clients an existing
/// manager, and no other client is bound to either.
async fn check_bindings(
    db: &impl ConnectionTrait,
    role: Role,
    partner_id: Option<Uuid>,
    manager_id: Option<Uuid>,
    errors: &mut FieldErrors,
) -> Result<(), ApiError> {
    match (role, partner_id) {
        (Role::Partner, None) => errors.add("partner_id", "is required for a partner client"),
        (Role::Partner, Some(partner_id)) => {
            if partner::Entity::find_by_id(partner_id)
                .one(db)
                .await?
                .is_none()
            {
                errors.add("partner_id", format!("no partner has the id {partner_id}"));
            }
        }
        (_, Some(_)) => errors.add("partner_id", "only partner clients are bound to a partner"),
        (_, None) => {}
    }
    match (role, manager_id) {
        (Role::Manager, None) => errors.add("manager_id", "is required for a manager client"),
        (Role::Manager, Some(manager_id)) => {
            if !crate::services::managers::exists(db, manager_id).await? {
                errors.add("manager_id", format!("no manager has the id {manager_id}"));
            }
        }
        (_, None) => {}
        (_, Some(_)) => errors.add("manager_id", "only manager clients are bound to a manager"),
    }
    Ok(())
}

/// Changes a client's role or bindings, with the same binding rules as [`create`]. A
/// revoked client cannot be changed (409). Tokens issued before the change stop working
/// (see `RevocationCache`).
pub async fn update(
    db: &impl ConnectionTrait,
    id: Uuid,
    change: ClientChange,
) -> Result<Client, ApiError> {
    let model = api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no client has the id {id}")))?;
    if model.revoked_at.is_some() {
        return Err(ApiError::conflict(
            "client-revoked",
            "the client is revoked; create a new one instead",
        ));
    }
    let current = Client::from(model.clone());
    let role = change.role.unwrap_or(current.role);
    let kept = |given: Option<Option<Uuid>>, now: Option<Uuid>| match given {
        Some(value) => value,
        None if role == current.role => now,
        None => None,
    };
    let partner_id = kept(change.partner_id, current.partner_id);
    let manager_id = kept(change.manager_id, current.manager_id);
    let mut errors = FieldErrors::new();
    check_bindings(db, role, partner_id, manager_id, &mut errors).await?;
    errors.finish()?;
    if (role, partner_id, manager_id) == (current.role, current.partner_id, current.manager_id) {
        return Ok(current);
    }
    let mut active: api_client::ActiveModel = model.into();
    active.role = Set(role);
    active.partner_id = Set(partner_id);
    active.manager_id = Set(manager_id);
    Ok(active.update(db).await?.into())
}

/// One page of clients, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    page: &PageRequest,
) -> Result<(Vec<Client>, Option<String>), ApiError> {
    let mut query = api_client::Entity::find().order_by_asc(api_client::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(api_client::Column::Id.gt(after));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    let (rows, next) = page.split(rows, |row| row.id);
    let clients = rows.into_iter().map(Client::from).collect();
    Ok((clients, next.map(Cursor::encode)))
}

/// Revokes a client; revoking twice is harmless. Returns the client as it now is.
pub async fn revoke(db: &impl ConnectionTrait, id: Uuid) -> Result<Client, ApiError> {
    let model = api_client::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no client has the id {id}")))?;
    if model.revoked_at.is_some() {
        return Ok(model.into());
    }
    let mut active: api_client::ActiveModel = model.into();
    active.revoked_at = Set(Some(Utc::now()));
    Ok(active.update(db).await?.into())
}

/// The current standing of the client `client_id`, `None` when no client has that id.
pub async fn standing(
    db: &impl ConnectionTrait,
    client_id: &str,
) -> Result<Option<ClientStanding>, ApiError> {
    let found = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id))
        .one(db)
        .await?;
    Ok(found.map(|model| ClientStanding {
        active: model.revoked_at.is_none(),
        role: model.role,
        partner_id: model.partner_id,
        manager_id: model.manager_id,
    }))
}

/// Checks client credentials and returns the claims of a new token. Unknown ids, wrong
/// secrets and revoked clients get the same answer, so ids cannot be probed.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    client_id: &str,
    client_secret: &str,
) -> Result<Claims, ApiError> {
    let refused = || {
        ApiError::oauth(
            OAuthErrorCode::InvalidClient,
            "the client id or secret is wrong",
        )
    };
    let model = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(client_id))
        .one(db)
        .await?;
    let Some(model) = model else {
        // Hash anyway so a wrong id takes as long as a wrong secret.
        let _ = secrets::verify_secret(client_secret, "sha256$");
        return Err(refused());
    };
    if !secrets::verify_secret(client_secret, &model.secret_hash) || model.revoked_at.is_some() {
        return Err(refused());
    }
    let client = Client::from(model);
    Ok(keys.claims_for(
        &client.client_id,
        client.role,
        client.partner_id,
        client.manager_id,
    ))
}

/// Whether at least one admin client exists and is not revoked.
pub async fn any_active_admin(db: &impl ConnectionTrait) -> Result<bool, ApiError> {
    let found = api_client::Entity::find()
        .filter(api_client::Column::Role.eq(Role::Admin.as_str()))
        .filter(api_client::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// How long an instance trusts its last look at a client's standing (revocation, role,
/// bindings). A revocation or a change reaches every instance within this time (the API
/// promises 60 s); the instance that made it forgets at once.
pub const REVOCATION_CHECK_INTERVAL: Duration = Duration::from_secs(30);

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
        db: &DatabaseConnection,
        client_id: &str,
    ) -> Result<Option<ClientStanding>, ApiError> {
        if let Some(standing) = self.cached(client_id) {
            return Ok(standing);
        }
        let standing = standing(db, client_id).await?;
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
