//! What clients read about cases: the case, its company, service levels, routing, outcome,
//! comments and audit trail, built from the service's types.
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::requests::ContactInput;
use crate::{
    auth::Role,
    classifier::RoutingDecision,
    domain::{
        business_days::jst_date,
        consulting::{Measure, OutcomeResult},
        service_level,
        ticket_fields::{Channel, PreferredMode, Visibility},
        ticket_status::TicketStatus,
        track::Track,
    },
    entities::{comment, event, outcome},
    error::ApiError,
    routes::companies::{AddressView, CompanyRecordView},
    services::{self, companies::AddressColumns, tickets::Ticket},
};
/// The company as the case's filer gave it (every case keeps its own; see `company_record`
/// for the shared record).
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyView {
    /// Name.
    pub name: String,
    /// 法人番号.
    pub corporate_number: Option<String>,
    /// Prefecture code.
    pub prefecture: String,
    /// Prefecture name.
    pub prefecture_name: String,
    /// JSIC division.
    pub industry: Option<String>,
    /// Regular employees.
    pub employees: Option<i64>,
    /// Capital in yen.
    pub capital_jpy: Option<i64>,
    /// The name's reading (フリガナ, full-width katakana).
    #[schema(example = "カブシキガイシャ　サンプルセイサクショ")]
    pub name_kana: Option<String>,
    /// The head-office address (null when none was given).
    pub address: Option<AddressView>,
    /// Total head count (regular employees are `employees`, the figure the SME definition
    /// counts).
    #[schema(example = 60)]
    pub total_employees: Option<i64>,
    /// SME under the SME Basic Act (null when the figures do not tell).
    pub is_sme: Option<bool>,
    /// Small enterprise (小規模企業者).
    pub is_small: Option<bool>,
}

/// Service levels, in Japanese business days from receipt (Asia/Tokyo), paused while the
/// case is on hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct SlaView {
    /// Last day for the center's first contact (moved by holds).
    pub first_contact_due: NaiveDate,
    /// When the center first acted on the case (for phone, walk-in, web and e-mail cases: on
    /// receipt).
    pub first_contact_at: Option<DateTime<Utc>>,
    /// `true` in time, `false` late, `null` not yet.
    pub first_contact_met: Option<bool>,
    /// Last day for assigning a manager (moved by holds).
    pub assignment_due: NaiveDate,
    /// When a manager was first assigned.
    pub first_assigned_at: Option<DateTime<Utc>>,
    /// `true` in time, `false` late, `null` not yet.
    pub assignment_met: Option<bool>,
    /// Whether the clocks are paused now (the case is on hold).
    pub paused: bool,
    /// Business days spent on hold before the current hold, already added to the due dates.
    pub paused_business_days: i32,
    /// Whether a service level is missed as of today: met late, or pending past its due day
    /// while its clock runs.
    pub breached: bool,
}

/// The routing of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingView {
    /// The decision.
    #[serde(flatten)]
    pub decision: RoutingDecision,
    /// Whether the decision is in force (false: a suggestion waiting for a coordinator).
    pub applied: bool,
}

/// A case.
#[derive(Debug, Serialize, ToSchema)]
pub struct TicketView {
    /// Id.
    pub id: Uuid,
    /// `TW-<fiscal year>-<6 digits>`.
    #[schema(example = "TW-2026-000123")]
    pub reference: String,
    /// Status.
    pub status: TicketStatus,
    /// The status an on-hold case returns to.
    pub held_from: Option<TicketStatus>,
    /// The track in force (null until routed).
    pub track: Option<Track>,
    /// The routing decision with its explanation.
    pub routing: Option<RoutingView>,
    /// The linked cases: a cross-track case's twin on the other track (each lists the
    /// other).
    pub linked_ticket_ids: Vec<Uuid>,
    /// The case this one was merged into (status `merged`), when the caller may see it; `null`
    /// otherwise (see `merge`).
    pub merged_into: Option<Uuid>,
    /// For a `merged` case: when and into what the center merged it (`null` for every other
    /// status). A partner that may not see the surviving case reads only that the center
    /// merged it.
    pub merge: Option<MergeView>,
    /// `true` while the router marked the case `cross_track` and nobody has linked it
    /// (`POST /v1/tickets/{id}/links`) or dismissed the suggestion
    /// (`POST /v1/tickets/{id}/links/dismissal`).
    pub suggested_link: bool,
    /// The filing partner (null for phone, walk-in, web and e-mail cases).
    pub partner_id: Option<Uuid>,
    /// How the case arrived.
    pub channel: Channel,
    /// The company, as this case's filer gave it.
    pub company: CompanyView,
    /// The shared company record behind every case about the company (coordinators and
    /// admins only; absent for other roles).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_record: Option<CompanyRecordView>,
    /// The contact person.
    pub contact: ContactInput,
    /// Subject.
    pub subject: String,
    /// The question.
    pub description: String,
    /// Topic codes.
    pub topics: Vec<String>,
    /// Consulting mode wanted.
    pub preferred_mode: PreferredMode,
    /// The assigned telework manager (kept on resolved cases for the record).
    pub manager_id: Option<Uuid>,
    /// When the manager was assigned.
    pub assigned_at: Option<DateTime<Utc>>,
    /// Since when the case waits in the queue for a manager with room (null when not
    /// waiting).
    pub waiting_since: Option<DateTime<Utc>>,
    /// Service-level due dates.
    pub sla: SlaView,
    /// The recorded outcome (null until one is recorded).
    pub outcome: Option<OutcomeView>,
    /// Filed.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Version for `If-Match` (also the `ETag`).
    pub version: i32,
}

/// How a duplicate case was merged.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"merged_by": "center", "merged_at": "2026-12-14T01:02:03Z", "into": "0193a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a7b", "into_reference": "TW-2026-000124"}))]
pub struct MergeView {
    /// Who merged it: always `center` (coordinators merge cases).
    #[schema(example = "center")]
    pub merged_by: &'static str,
    /// When.
    pub merged_at: DateTime<Utc>,
    /// The surviving case, when the caller may see it (else `null`).
    pub into: Option<Uuid>,
    /// The surviving case's reference, when the caller may see it (else `null`).
    #[schema(example = "TW-2026-000124")]
    pub into_reference: Option<String>,
}

/// What came of a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomeView {
    /// The result.
    pub result: OutcomeResult,
    /// Measures the company took.
    pub measures: Vec<Measure>,
    /// Employees teleworking afterwards.
    pub teleworkers: Option<i64>,
    /// The company's satisfaction, 1–5.
    pub satisfaction: Option<i16>,
    /// Summary.
    pub summary: Option<String>,
    /// The manager assigned when it was recorded.
    pub manager_id: Option<Uuid>,
    /// When it was recorded.
    pub recorded_at: DateTime<Utc>,
    /// The company's survey answers (null until answered); seen by whoever sees the outcome.
    pub survey: Option<SurveyView>,
}

/// The company's answers to the ministries' survey.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"purpose_achieved": true, "satisfied": true,
    "will_consider_introduction": null, "responded_at": "2026-12-10T01:02:03Z"}))]
pub struct SurveyView {
    /// 相談の目的が達成できた.
    pub purpose_achieved: bool,
    /// 対応に満足した.
    pub satisfied: bool,
    /// テレワーク導入を積極的に検討する (null: not asked, the case had no on-site session).
    pub will_consider_introduction: Option<bool>,
    /// When the company answered.
    pub responded_at: DateTime<Utc>,
}

impl OutcomeView {
    fn from_row(row: outcome::Model) -> Result<Self, ApiError> {
        // The three answers are written together, so a partial answer is a corrupt row.
        let corrupt = || ApiError::Internal(anyhow::anyhow!("outcome of {} is bad", row.ticket_id));
        Ok(Self {
            result: row.result,
            measures: row.measures.0,
            teleworkers: row.teleworkers,
            satisfaction: row.satisfaction,
            summary: row.summary,
            manager_id: row.manager_id,
            recorded_at: row.recorded_at,
            survey: match (
                row.survey_responded_at,
                row.survey_purpose_achieved,
                row.survey_satisfied,
            ) {
                (Some(responded_at), Some(purpose_achieved), Some(satisfied)) => Some(SurveyView {
                    purpose_achieved,
                    satisfied,
                    will_consider_introduction: row.survey_will_consider,
                    responded_at,
                }),
                (None, _, _) => None,
                _ => return Err(corrupt()),
            },
        })
    }
}

impl TicketView {
    /// The answer for one case.
    pub fn from_ticket(ticket: Ticket) -> Result<Self, ApiError> {
        let status = ticket.row.status;
        let size = ticket.company_size();
        let routing = ticket.routing().map(|decision| RoutingView {
            applied: ticket.row.track.is_some(),
            decision: decision.clone(),
        });
        let (first_contact, assignment) = ticket.deadlines()?;
        let breached =
            service_level::breached(status, first_contact, assignment, jst_date(Utc::now()));
        let prefecture = ticket.row.prefecture;
        let (linked_ticket_ids, suggested_link) =
            (ticket.linked_ticket_ids(), ticket.suggested_link());
        let merge = ticket.merge.map(|notice| {
            let (into, into_reference) = notice.into.unzip();
            MergeView {
                merged_by: "center",
                merged_at: notice.merged_at,
                into,
                into_reference,
            }
        });
        Ok(Self {
            id: ticket.row.id,
            reference: ticket.row.reference,
            status,
            held_from: ticket.row.held_from,
            track: ticket.row.track,
            routing,
            linked_ticket_ids,
            merged_into: merge.as_ref().and_then(|merge| merge.into),
            merge,
            suggested_link,
            partner_id: ticket.row.partner_id,
            channel: ticket.row.channel,
            company: CompanyView {
                name: ticket.row.company_name,
                corporate_number: ticket.row.company_corporate_number,
                prefecture: prefecture.code().to_owned(),
                prefecture_name: prefecture.name_ja().to_owned(),
                industry: ticket.row.industry.map(|i| i.code().to_owned()),
                employees: ticket.row.company_employees,
                capital_jpy: ticket.row.company_capital_jpy,
                name_kana: ticket.row.company_name_kana,
                address: AddressView::of(
                    prefecture,
                    AddressColumns {
                        postal_code: ticket.row.company_postal_code,
                        city: ticket.row.company_city,
                        street: ticket.row.company_street,
                        building: ticket.row.company_building,
                    },
                ),
                total_employees: ticket.row.company_total_employees,
                is_sme: size.is_sme,
                is_small: size.is_small,
            },
            company_record: ticket
                .company_record
                .map(CompanyRecordView::from_model)
                .transpose()?,
            contact: ContactInput {
                name: ticket.row.contact_name,
                email: ticket.row.contact_email,
                phone: ticket.row.contact_phone,
            },
            subject: ticket.row.subject,
            description: ticket.row.description,
            topics: ticket
                .row
                .topics
                .0
                .iter()
                .map(|topic| topic.code().to_owned())
                .collect(),
            preferred_mode: ticket.row.preferred_mode,
            manager_id: ticket.row.manager_id,
            assigned_at: ticket.row.assigned_at,
            waiting_since: ticket.row.waiting_since,
            sla: SlaView {
                first_contact_due: first_contact.due,
                first_contact_at: ticket.row.first_contact_at,
                first_contact_met: first_contact.met,
                assignment_due: assignment.due,
                first_assigned_at: ticket.row.first_assigned_at,
                assignment_met: assignment.met,
                paused: status == TicketStatus::OnHold,
                paused_business_days: ticket.row.paused_business_days,
                breached,
            },
            outcome: ticket.outcome.map(OutcomeView::from_row).transpose()?,
            created_at: ticket.row.created_at,
            updated_at: ticket.row.updated_at,
            version: ticket.row.version,
        })
    }
}

/// A comment on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    /// Id.
    pub id: Uuid,
    /// The case it was written on: the case listed, or a duplicate merged into it.
    pub ticket_id: Uuid,
    /// Text.
    pub body: String,
    /// Who may read it.
    pub visibility: Visibility,
    /// Role of the author.
    pub author_role: Role,
    /// Written.
    pub created_at: DateTime<Utc>,
}

impl From<comment::Model> for CommentView {
    fn from(model: comment::Model) -> Self {
        Self {
            id: model.id,
            ticket_id: model.ticket_id,
            body: model.body,
            visibility: model.visibility,
            author_role: model.author_role,
            created_at: model.created_at,
        }
    }
}

/// An entry of a case's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    /// Order within the audit trail (the global feed numbers events with its own `seq`).
    pub seq: i64,
    /// Event id.
    pub id: Uuid,
    /// Event type.
    #[schema(example = "ticket.status_changed")]
    #[serde(rename = "type")]
    pub event_type: String,
    /// Role of whoever caused it.
    pub actor_role: Role,
    /// Client id of whoever caused it (not shown to partners).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Details.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

pub(super) fn event_view(model: event::Model, partner_view: bool) -> Option<EventView> {
    let data = model.data.0;
    if partner_view && !services::events::partner_may_see(&model.event_type, &data) {
        return None;
    }
    let data = if partner_view {
        services::events::partner_data(&data)
    } else {
        data
    };
    Some(EventView {
        seq: model.seq,
        id: model.id,
        event_type: model.event_type,
        actor_role: model.actor_role,
        actor: (!partner_view).then_some(model.actor),
        data,
        created_at: model.created_at,
    })
}
