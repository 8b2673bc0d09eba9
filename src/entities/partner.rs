//! `partners`: bodies that file cases on behalf of SMEs.
use sea_orm::entity::prelude::*;

use crate::domain::{partner_kind::PartnerKind, prefecture::Prefecture};

/// A partner body.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "partners")]
pub struct Model {
    /// Partner id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Display name, unique.
    pub name: String,
    /// Kind of body.
    pub kind: PartnerKind,
    /// Prefecture (stored as its JIS X 0401 code).
    pub prefecture: Prefecture,
    /// When it was registered.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
