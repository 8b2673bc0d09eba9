//! `routing_overrides`: every coordinator's routing override, kept as a labelled example.
use sea_orm::entity::prelude::*;

use super::stored::Topics;
use crate::domain::track::Track;

/// A case's text as it was when a coordinator chose its track.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_overrides")]
pub struct Model {
    /// Order of recording; a model version names the last one it was trained on.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The case overridden.
    pub ticket_id: Uuid,
    /// The case's subject at the time.
    #[sea_orm(column_type = "Text")]
    pub subject: String,
    /// The case's description at the time.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// The case's topic codes at the time, as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub topics: Topics,
    /// The track the coordinator chose (`ict` or `labor`).
    pub track: Track,
    /// Client id of the coordinator.
    pub created_by: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
