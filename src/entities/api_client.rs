//! `api_clients`: the credentials systems and people authenticate with.
use sea_orm::entity::prelude::*;

use crate::auth::Role;

/// An API client.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_clients")]
pub struct Model {
    /// Internal id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Public client id used in the token request.
    #[sea_orm(unique)]
    pub client_id: String,
    /// `sha256$<hex>` of the secret; the secret itself is never stored.
    pub secret_hash: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Bound partner, for partner clients.
    pub partner_id: Option<Uuid>,
    /// Bound manager, for manager clients.
    pub manager_id: Option<Uuid>,
    /// When it was created.
    pub created_at: DateTimeUtc,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTimeUtc>,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
