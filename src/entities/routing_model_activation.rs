//! `routing_model_activations`: which model version routes, as a log; the newest row wins.
use sea_orm::entity::prelude::*;

/// One activation.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "routing_model_activations")]
pub struct Model {
    /// Order of activation; the highest is in force.
    #[sea_orm(primary_key)]
    pub seq: i64,
    /// The model version made active (0: the shipped model).
    pub version: i64,
    /// Client id of whoever activated it.
    pub activated_by: String,
    /// When.
    pub activated_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
