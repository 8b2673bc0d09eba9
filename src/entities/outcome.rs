//! `outcomes`: what came of a case, one per case.
use sea_orm::entity::prelude::*;

use super::stored::Json;
use crate::domain::consulting::{Measure, OutcomeResult};

/// An outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outcomes")]
pub struct Model {
    /// The case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: Uuid,
    /// `introduced`, `planned`, `not_introduced`, `referred` or `withdrawn`.
    pub result: OutcomeResult,
    /// Measure codes as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub measures: Json<Vec<Measure>>,
    /// Employees working remotely afterwards.
    pub teleworkers: Option<i64>,
    /// The company's satisfaction, 1–5.
    pub satisfaction: Option<i16>,
    /// Summary.
    #[sea_orm(column_type = "Text", nullable)]
    pub summary: Option<String>,
    /// The manager assigned when it was recorded.
    pub manager_id: Option<Uuid>,
    /// Client id that recorded it.
    pub recorded_by: String,
    /// Recorded.
    pub recorded_at: DateTimeUtc,
    /// Survey: the purpose of the consultation was achieved (目的が達成できた).
    pub survey_purpose_achieved: Option<bool>,
    /// Survey: satisfied with the response (対応に満足した).
    pub survey_satisfied: Option<bool>,
    /// Survey: will actively consider introducing telework (asked only after an on-site
    /// session).
    pub survey_will_consider: Option<bool>,
    /// When the survey was answered (null: not yet).
    pub survey_responded_at: Option<DateTimeUtc>,
}

/// The case an outcome is of.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The case.
    #[sea_orm(
        belongs_to = "super::ticket::Entity",
        from = "Column::TicketId",
        to = "super::ticket::Column::Id"
    )]
    Ticket,
}

impl Related<super::ticket::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Ticket.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
