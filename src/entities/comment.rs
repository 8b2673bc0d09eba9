//! `comments`: notes on a case, internal or visible to the partner.
use sea_orm::entity::prelude::*;

use crate::{auth::Role, domain::ticket_fields::Visibility};

/// A comment.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "comments")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    pub ticket_id: Uuid,
    /// Client id of the author.
    pub author: String,
    /// Their role.
    pub author_role: Role,
    /// Who may read it.
    pub visibility: Visibility,
    /// Text.
    #[sea_orm(column_type = "Text")]
    pub body: String,
    /// When it was written.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
