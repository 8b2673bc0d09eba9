//! `tickets`: consultation cases.
use sea_orm::entity::prelude::*;

use super::stored::{Json, Topics};
use crate::{
    classifier::RoutingDecision,
    domain::{
        industry::Industry,
        prefecture::Prefecture,
        ticket_fields::{Channel, PreferredMode},
        ticket_status::TicketStatus,
        track::Track,
    },
};

/// A case.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "tickets")]
pub struct Model {
    /// Id (UUIDv7, so ids sort by filing time).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `TW-<fiscal year>-<6 digits>`.
    #[sea_orm(unique)]
    pub reference: String,
    /// Fiscal year of receipt.
    pub fiscal_year: i32,
    /// Sequence within the fiscal year.
    pub sequence: i64,
    /// How the case arrived.
    pub channel: Channel,
    /// Filing partner.
    pub partner_id: Option<Uuid>,
    /// The shared company record (the identity free sessions are counted by).
    pub company_id: Uuid,
    /// The company's name as the case's filer gave it.
    pub company_name: String,
    /// The company's 法人番号 as the case's filer gave it.
    pub company_corporate_number: Option<String>,
    /// The company's prefecture as the case's filer gave it (filters and reports read it).
    pub prefecture: Prefecture,
    /// The company's JSIC division as the case's filer gave it.
    pub industry: Option<Industry>,
    /// The company's regular employees as the case's filer gave them.
    pub company_employees: Option<i64>,
    /// The company's capital in yen as the case's filer gave it.
    pub company_capital_jpy: Option<i64>,
    /// Contact person.
    pub contact_name: String,
    /// Contact e-mail.
    pub contact_email: String,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Subject.
    pub subject: String,
    /// The question.
    #[sea_orm(column_type = "Text")]
    pub description: String,
    /// Topics (a JSON array of codes).
    #[sea_orm(column_type = "Text")]
    pub topics: Topics,
    /// How the company wants to be consulted.
    pub preferred_mode: PreferredMode,
    /// Status.
    pub status: TicketStatus,
    /// The status an on-hold case returns to.
    pub held_from: Option<TicketStatus>,
    /// The track, once routed.
    pub track: Option<Track>,
    /// The routing decision (JSON).
    #[sea_orm(column_type = "Text", nullable)]
    pub routing: Option<Json<RoutingDecision>>,
    /// Assigned manager.
    pub manager_id: Option<Uuid>,
    /// When an automatic assignment found nobody; the case waits in the queue from then.
    pub waiting_since: Option<DateTimeUtc>,
    /// When the current manager was assigned.
    pub assigned_at: Option<DateTimeUtc>,
    /// Last day of the first-contact service level (moved by holds).
    pub first_contact_due: Option<Date>,
    /// Last day of the assignment service level (moved by holds).
    pub assignment_due: Option<Date>,
    /// When the center first acted on the case.
    pub first_contact_at: Option<DateTimeUtc>,
    /// Whether that was on or before its due day.
    pub first_contact_met: Option<bool>,
    /// When a manager was first assigned.
    pub first_assigned_at: Option<DateTimeUtc>,
    /// Whether that was on or before its due day.
    pub assignment_met: Option<bool>,
    /// Since when the case is on hold (its service-level clocks are paused).
    pub on_hold_since: Option<DateTimeUtc>,
    /// Business days spent on hold so far, added to the due dates.
    pub paused_business_days: i32,
    /// Business days from receipt to the first assignment (for the summary report).
    pub business_days_to_assign: Option<i32>,
    /// The Japan calendar day of receipt (for grouping reports by month).
    pub received_on: Option<Date>,
    /// Optimistic concurrency version.
    pub version: i32,
    /// Filed.
    pub created_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
    /// The linked case on the other track (a cross-track case's twin; each names the other).
    #[sea_orm(unique)]
    pub linked_ticket_id: Option<Uuid>,
    /// When a coordinator decided a cross-track case needs no twin.
    pub link_dismissed_at: Option<DateTimeUtc>,
    /// The surviving case a `merged` duplicate was merged into.
    pub merged_into: Option<Uuid>,
    /// When the case was merged into another.
    pub merged_at: Option<DateTimeUtc>,
    /// The company's name reading (フリガナ, full-width katakana) as the case's filer gave it.
    pub company_name_kana: Option<String>,
    /// The head office's postal code, `NNN-NNNN` (with an address).
    pub company_postal_code: Option<String>,
    /// The head office's municipality (市区町村); set exactly when the case has an address.
    pub company_city: Option<String>,
    /// The head office's 町域・番地.
    pub company_street: Option<String>,
    /// The head office's building (建物名).
    pub company_building: Option<String>,
    /// The company's total head count (regular employees are `company_employees`).
    pub company_total_employees: Option<i64>,
    /// When the contact details and free texts were anonymized (retention or erasure).
    pub anonymized_at: Option<DateTimeUtc>,
}

/// What a case is read with, in the same query (see `services::tickets::get_visible`).
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    /// The shared company record the case is about.
    #[sea_orm(
        belongs_to = "super::company::Entity",
        from = "Column::CompanyId",
        to = "super::company::Column::Id"
    )]
    Company,
    /// The outcome recorded for the case, when there is one.
    #[sea_orm(has_one = "super::outcome::Entity")]
    Outcome,
}

impl Related<super::company::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Company.def()
    }
}

impl Related<super::outcome::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Outcome.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
