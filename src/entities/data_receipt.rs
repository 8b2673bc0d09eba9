//! `data_receipts`: the confirmation record (確認記録) of personal data received from a
//! partner with a filing. Kept three years, also after the case is anonymized: it names the
//! data items, never their values.
use sea_orm::entity::prelude::*;

use super::stored::Json;

/// What one partner filing handed over.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "data_receipts")]
pub struct Model {
    /// Id (UUIDv7).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case filed.
    pub ticket_id: Uuid,
    /// The partner that provided the data.
    pub partner_id: Uuid,
    /// The Japan calendar day of receipt.
    pub received_on: Date,
    /// When it was received.
    pub received_at: DateTimeUtc,
    /// The data items received (`contact.name`, `contact.email`, ...).
    #[sea_orm(column_type = "Text")]
    pub items: Json<Vec<String>>,
    /// How the partner obtained the data, as it said when filing.
    #[sea_orm(column_type = "Text", nullable)]
    pub source: Option<String>,
    /// The partner's client that filed.
    pub recorded_by: String,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
