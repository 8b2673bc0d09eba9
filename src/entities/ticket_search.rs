//! `ticket_search`: what case search compares, one row per case, kept apart from `tickets`
//! so that a status change does not rewrite its bigram index (see the migration that moved
//! it).
use sea_orm::entity::prelude::*;

/// A case's search key.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_search")]
pub struct Model {
    /// The case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: Uuid,
    /// `domain::text::ticket_search_text` of the case's subject, description, company name
    /// and reference.
    #[sea_orm(column_type = "Text")]
    pub search_text: String,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
