//! `roster_revision`: one row whose number every change to a manager's profile raises
//! (by triggers on `managers`), so the roster held in memory knows when it is out of date.
use sea_orm::entity::prelude::*;

/// The one row, id 1.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "roster_revision")]
pub struct Model {
    /// Always 1.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i16,
    /// Raised by every insert, delete or profile edit of a manager.
    pub revision: i64,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
