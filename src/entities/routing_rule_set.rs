//! `routing_rule_sets`: every version of the routing rules; the highest is current.
use sea_orm::entity::prelude::*;

/// One stored version of the rule set.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_rule_sets")]
pub struct Model {
    /// Version number, increasing.
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i64,
    /// The rule set as JSON.
    pub rules: String,
    /// The client that stored it (none for the shipped default).
    pub created_by: Option<String>,
    /// When it was stored.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
