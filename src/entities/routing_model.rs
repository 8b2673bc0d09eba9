//! `routing_models`: trained model versions with what they were trained on and measured at.
use sea_orm::entity::prelude::*;

/// One trained model version.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_models")]
pub struct Model {
    /// Version number, from 1 (0 is the shipped model, never stored).
    #[sea_orm(primary_key, auto_increment = false)]
    pub version: i64,
    /// The model (`NgramModel::to_stored`).
    #[sea_orm(column_type = "Text")]
    pub model: String,
    /// Shipped examples it was trained on.
    pub trained_on_examples: i64,
    /// Overrides it was trained on.
    pub trained_on_overrides: i64,
    /// The newest override (`routing_overrides.seq`) in its training data; 0 for none.
    pub last_override_seq: i64,
    /// Its evaluation as JSON (`ModelEvaluation`).
    #[sea_orm(column_type = "Text")]
    pub evaluation: String,
    /// Client id of whoever trained it.
    pub created_by: String,
    /// When.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
