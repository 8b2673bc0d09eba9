//! `partners`: bodies that file cases on behalf of SMEs.
use sea_orm::entity::prelude::*;

/// A partner body.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    /// Partner id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display name, unique.
    pub name: String,
    /// Kind of body (`chamber_of_commerce`, ...).
    pub kind: String,
    /// JIS X 0401 prefecture code.
    pub prefecture: String,
    /// When it was registered.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
