//! `ticket_counters`: the last reference sequence handed out per fiscal year.
use sea_orm::entity::prelude::*;

/// A fiscal year's counter.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_counters")]
pub struct Model {
    /// Fiscal year.
    #[sea_orm(primary_key, auto_increment = false)]
    pub fiscal_year: i32,
    /// Last sequence used.
    pub last_sequence: i64,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
