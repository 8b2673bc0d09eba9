//! `consulting_sessions`: a manager's consulting sessions with a company.
use sea_orm::entity::prelude::*;

use crate::domain::consulting::{SessionMode, SessionStatus};

/// A consulting session.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "consulting_sessions")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The case.
    pub ticket_id: Uuid,
    /// The manager who consults.
    pub manager_id: Uuid,
    /// The company (its free sessions are counted across cases).
    pub company_id: Uuid,
    /// Fiscal year of the start, in Japan time.
    pub fiscal_year: i32,
    /// Start.
    pub starts_at: DateTimeUtc,
    /// End.
    pub ends_at: DateTimeUtc,
    /// Length.
    pub duration_minutes: i32,
    /// `online` or `onsite`.
    pub mode: SessionMode,
    /// `scheduled`, `held`, `cancelled` or `no_show`.
    pub status: SessionStatus,
    /// Notes.
    #[sea_orm(column_type = "Text", nullable)]
    pub notes: Option<String>,
    /// Client id that booked it.
    pub created_by: String,
    /// Booked.
    pub created_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
    /// Bumped by every change, so calendar clients replace their copy (iCalendar `SEQUENCE`).
    pub sequence: i32,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// An update of sessions that marks each one changed: `updated_at` now and `sequence` one up,
/// as every change must (calendar clients keep their copy while `SEQUENCE` stays the same).
/// The caller adds what changes and which sessions.
pub fn changed() -> sea_orm::UpdateMany<Entity> {
    use sea_orm::sea_query::ExprTrait;
    Entity::update_many()
        .col_expr(
            Column::UpdatedAt,
            sea_orm::sea_query::Expr::value(chrono::Utc::now()),
        )
        .col_expr(
            Column::Sequence,
            sea_orm::sea_query::Expr::col(Column::Sequence).add(1),
        )
}
