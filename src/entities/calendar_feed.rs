//! `calendar_feeds`: a manager's secret iCalendar feed URL, kept as the hash of its token.
use sea_orm::entity::prelude::*;

/// The one live feed token of a manager.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "calendar_feeds")]
pub struct Model {
    /// The manager whose sessions the feed serves.
    #[sea_orm(primary_key, auto_increment = false)]
    pub manager_id: Uuid,
    /// `sha256$<hex>` of the token (the token itself is shown once and never stored).
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Client id that issued it.
    pub created_by: String,
    /// Issued.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
