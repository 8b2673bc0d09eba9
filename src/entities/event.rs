//! `events`: the append-only audit trail every report, feed and webhook reads.
use sea_orm::entity::prelude::*;

use super::stored::Json;
use crate::auth::Role;

/// An event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "events")]
pub struct Model {
    /// Order of writing (taken before commit, so not the feed's order).
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// Event id.
    #[sea_orm(unique)]
    pub id: Uuid,
    /// The case it is about.
    pub ticket_id: Option<Uuid>,
    /// `ticket.created`, ...
    pub event_type: String,
    /// Client id of whoever caused it.
    pub actor: String,
    /// Their role.
    pub actor_role: Role,
    /// Details (a JSON object).
    #[sea_orm(column_type = "Text")]
    pub data: Json<serde_json::Value>,
    /// When it happened.
    pub created_at: DateTimeUtc,
    /// Position in the global feed, given after commit by the sequencer (null until then).
    pub feed_seq: Option<i64>,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
