//! `idempotency_keys`: the first answer to each (client, Idempotency-Key), replayed on retries.
use sea_orm::entity::prelude::*;

/// An idempotency record.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_keys")]
pub struct Model {
    /// The client that sent the key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub client_id: String,
    /// The key.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// SHA-256 of method, path and body.
    pub fingerprint: String,
    /// `in_flight` or `done`.
    pub state: String,
    /// Status of the first answer.
    pub response_status: Option<i32>,
    /// Body of the first answer.
    #[sea_orm(column_type = "Text", nullable)]
    pub response_body: Option<String>,
    /// Location header of the first answer.
    pub location: Option<String>,
    /// ETag header of the first answer.
    pub etag: Option<String>,
    /// When the key was first seen.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
