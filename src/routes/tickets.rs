//! `/v1/tickets`: filing, following and working cases.
use actix_web::{HttpRequest, HttpResponse, get, http::header, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::ValidateEmail;

use crate::{
    auth::{Action, AuthenticatedClient, Role},
    classifier::{MAX_TEXT_CHARS, RoutingDecision},
    domain::{
        business_days::{BusinessCalendar, jst_date},
        case::{Channel, PreferredMode, Visibility},
        company_size::{CapitalJpy, Employees},
        consulting::{Measure, OutcomeResult},
        corporate_number::CorporateNumber,
        holidays::check_known_date,
        industry::Industry,
        prefecture::Prefecture,
        service_level::{self, Deadline, ServiceLevels},
        ticket_status::{TicketStatus, TransitionTarget},
        topic::Topic,
        track::Track,
    },
    entities::{comment, event, outcome},
    error::{ApiError, FieldErrors, Problem},
    extract::JsonBody,
    pagination::{Page, PageParams},
    routes::{
        companies::{CompanyChangesInput, CompanyRecordView},
        etag,
        idempotent::respond_to_create,
        required_if_match,
    },
    services::{
        self,
        idempotency::{Created, StoredResponse},
        tickets::{
            Contact, NewCompany, NewTicket, RoutingRequest, Ticket, TicketChanges, TicketFilter,
        },
    },
    state::AppState,
};

/// The company a case is about.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyInput {
    /// Company name (1–200 characters).
    #[schema(example = "株式会社サンプル製作所", min_length = 1, max_length = 200)]
    pub name: String,
    /// 法人番号: 13 digits with a valid check digit (sole proprietors have none).
    #[schema(example = "7000012050002")]
    pub corporate_number: Option<String>,
    /// Prefecture: JIS X 0401 code or Japanese name.
    #[schema(example = "13")]
    pub prefecture: String,
    /// JSIC major division, `A`–`T`.
    #[schema(example = "E")]
    pub industry: Option<String>,
    /// Regular employees (0 or more).
    #[schema(example = 45)]
    pub employees: Option<i64>,
    /// Capital in yen (0 or more).
    #[schema(example = 10000000)]
    pub capital_jpy: Option<i64>,
}

/// The company's contact person (personal data: never shown to analysts).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    /// Name (1–100 characters).
    #[schema(example = "山田 太郎", min_length = 1, max_length = 100)]
    pub name: String,
    /// E-mail address.
    #[schema(example = "yamada@example.jp", max_length = 254)]
    pub email: String,
    /// Phone number (digits, spaces, hyphens, parentheses, a leading +).
    #[schema(example = "03-1234-5678")]
    pub phone: Option<String>,
}

/// A case to file.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTicketRequest {
    /// The company.
    pub company: CompanyInput,
    /// The contact person.
    pub contact: ContactInput,
    /// Subject (1–200 characters).
    #[schema(
        example = "在宅勤務の労働時間管理について",
        min_length = 1,
        max_length = 200
    )]
    pub subject: String,
    /// The question (1–20,000 characters with the subject).
    #[schema(
        min_length = 1,
        max_length = 20000,
        example = "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。"
    )]
    pub description: String,
    /// Topic codes (see `GET /v1/topics`), at most 16, no repeats.
    #[serde(default)]
    #[schema(example = json!(["labor.working_hours", "labor.work_rules"]), max_items = 16)]
    pub topics: Vec<String>,
    /// `online`, `onsite` or `either` (default).
    #[schema(value_type = Option<PreferredMode>)]
    pub preferred_mode: Option<String>,
    /// Coordinators: `phone`, `web` or `email` (required). Partners: omit (always `partner`).
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
}

/// Changes to a case; send only what changes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTicketRequest {
    /// Subject (1–200 characters).
    #[schema(min_length = 1, max_length = 200)]
    pub subject: Option<String>,
    /// The question (1–20,000 characters with the subject).
    #[schema(min_length = 1, max_length = 20000)]
    pub description: Option<String>,
    /// Topic codes.
    pub topics: Option<Vec<String>>,
    /// Consulting mode.
    #[schema(value_type = Option<PreferredMode>)]
    pub preferred_mode: Option<String>,
    /// The whole contact (replaces the old one).
    pub contact: Option<ContactInput>,
    /// The company details of this case, as its filer corrects them (the shared company
    /// record is the center's and does not change).
    pub company: Option<CompanyChangesInput>,
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    /// `on_hold`, `closed`, `cancelled`, `reopened` (from resolved/closed, or lifting a
    /// hold) or `resumed` (lifting a hold).
    #[schema(value_type = TransitionTarget)]
    pub to: String,
    /// Why (kept in the audit trail; up to 2,000 characters).
    pub reason: Option<String>,
}

/// A routing override (`track` and `reason`) or a re-run (`auto: true`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoutingOverrideRequest {
    /// The track to set by hand.
    #[schema(value_type = Option<Track>)]
    pub track: Option<String>,
    /// Why (required with `track`).
    pub reason: Option<String>,
    /// `true` to run the classifier again with the current rules.
    pub auto: Option<bool>,
}

/// A comment to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentRequest {
    /// Text (1–10,000 characters).
    #[schema(min_length = 1, max_length = 10000)]
    pub body: String,
    /// `internal` (center and managers) or `partner` (also the filing partner). Partners may
    /// only write `partner`, the default for them; `internal` is the default for others.
    #[schema(value_type = Option<Visibility>)]
    pub visibility: Option<String>,
}

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
    /// When the center first acted on the case (for phone, web and e-mail cases: on receipt).
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
    /// The filing partner (null for phone, web and e-mail cases).
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
}

impl OutcomeView {
    fn from_row(row: outcome::Model) -> Result<Self, ApiError> {
        let corrupt = || ApiError::Internal(anyhow::anyhow!("outcome of {} is bad", row.ticket_id));
        let measures: Vec<String> = serde_json::from_str(&row.measures).map_err(|_| corrupt())?;
        Ok(Self {
            result: OutcomeResult::parse(&row.result).map_err(|_| corrupt())?,
            measures: measures
                .iter()
                .map(|m| Measure::parse(m))
                .collect::<Result<_, _>>()
                .map_err(|_| corrupt())?,
            teleworkers: row.teleworkers,
            satisfaction: row.satisfaction,
            summary: row.summary,
            manager_id: row.manager_id,
            recorded_at: row.recorded_at,
        })
    }
}

impl TicketView {
    /// The answer for one case.
    pub fn from_ticket(ticket: Ticket) -> Result<Self, ApiError> {
        let status = ticket.status()?;
        let size = ticket.company_size();
        let routing = ticket.routing().map(|decision| RoutingView {
            applied: ticket.row.track.is_some(),
            decision,
        });
        let topics = ticket.topics();
        let received = jst_date(ticket.row.created_at);
        let calendar = BusinessCalendar::default();
        let corrupt = |what: &str| {
            ApiError::Internal(anyhow::anyhow!("case {} has a bad {what}", ticket.row.id))
        };
        let prefecture =
            Prefecture::parse(&ticket.row.prefecture).map_err(|_| corrupt("prefecture"))?;
        Ok(Self {
            id: ticket.row.id,
            reference: ticket.row.reference,
            status,
            held_from: ticket
                .row
                .held_from
                .as_deref()
                .and_then(|s| TicketStatus::parse(s).ok()),
            track: ticket.row.track.as_deref().and_then(|t| t.parse().ok()),
            routing,
            partner_id: ticket.row.partner_id,
            channel: Channel::parse(&ticket.row.channel).map_err(|_| corrupt("channel"))?,
            company: CompanyView {
                name: ticket.row.company_name,
                corporate_number: ticket.row.company_corporate_number,
                prefecture: prefecture.code().to_owned(),
                prefecture_name: prefecture.name_ja().to_owned(),
                industry: ticket.row.industry,
                employees: ticket.row.company_employees,
                capital_jpy: ticket.row.company_capital_jpy,
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
            topics,
            preferred_mode: PreferredMode::parse(&ticket.row.preferred_mode)
                .map_err(|_| corrupt("preferred mode"))?,
            manager_id: ticket.row.manager_id,
            assigned_at: ticket.row.assigned_at,
            waiting_since: ticket.row.waiting_since,
            sla: {
                let defaults = ServiceLevels::default();
                let first_contact = Deadline {
                    due: ticket.row.first_contact_due.unwrap_or_else(|| {
                        calendar.add_business_days(received, defaults.first_contact_days)
                    }),
                    met: ticket.row.first_contact_met,
                };
                let assignment = Deadline {
                    due: ticket.row.assignment_due.unwrap_or_else(|| {
                        calendar.add_business_days(received, defaults.assignment_days)
                    }),
                    met: ticket.row.assignment_met,
                };
                SlaView {
                    first_contact_due: first_contact.due,
                    first_contact_at: ticket.row.first_contact_at,
                    first_contact_met: first_contact.met,
                    assignment_due: assignment.due,
                    first_assigned_at: ticket.row.first_assigned_at,
                    assignment_met: assignment.met,
                    paused: status == TicketStatus::OnHold,
                    paused_business_days: ticket.row.paused_business_days,
                    breached: service_level::breached(
                        status,
                        first_contact,
                        assignment,
                        jst_date(Utc::now()),
                    ),
                }
            },
            outcome: ticket.outcome.map(OutcomeView::from_row).transpose()?,
            created_at: ticket.row.created_at,
            updated_at: ticket.row.updated_at,
            version: ticket.row.version,
        })
    }
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length == 0 {
        errors.add(field, "must not be empty");
    } else if length > max {
        errors.add(
            field,
            format!("must be at most {max} characters (has {length})"),
        );
    }
    trimmed.to_owned()
}

/// Topic codes of a request, each checked, without repeats (cases and managers alike).
pub(crate) fn parse_topics(errors: &mut FieldErrors, field: &str, codes: &[String]) -> Vec<Topic> {
    if codes.len() > Topic::ALL.len() {
        errors.add(field, format!("at most {} topics", Topic::ALL.len()));
    }
    let mut topics = Vec::new();
    for (index, code) in codes.iter().enumerate() {
        match Topic::parse(code) {
            Ok(topic) if topics.contains(&topic) => errors.add(
                format!("{field}[{index}]"),
                format!("{code} is given twice"),
            ),
            Ok(topic) => topics.push(topic),
            Err(_) => errors.add(
                format!("{field}[{index}]"),
                format!("{code:?} is not a topic code (see GET /v1/topics)"),
            ),
        }
    }
    topics
}

fn parse_contact(errors: &mut FieldErrors, prefix: &str, input: ContactInput) -> Contact {
    let name = check_text(errors, &format!("{prefix}.name"), &input.name, 100);
    let email = input.email.trim().to_owned();
    if email.chars().count() > 254 || !email.validate_email() {
        errors.add(
            format!("{prefix}.email"),
            "must be an e-mail address like yamada@example.jp",
        );
    }
    let phone = input
        .phone
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty());
    if let Some(phone) = &phone {
        let digits = phone.chars().filter(char::is_ascii_digit).count();
        let allowed = phone.chars().enumerate().all(|(i, c)| {
            c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')') || (i == 0 && c == '+')
        });
        if !allowed || !(6..=15).contains(&digits) {
            errors.add(
                format!("{prefix}.phone"),
                "must be a phone number like 03-1234-5678",
            );
        }
    }
    Contact { name, email, phone }
}

impl CreateTicketRequest {
    fn parse(self, role: Role) -> Result<NewTicket, ApiError> {
        let mut errors = FieldErrors::new();
        let company_name = check_text(&mut errors, "company.name", &self.company.name, 200);
        let corporate_number =
            self.company.corporate_number.as_deref().and_then(|raw| {
                errors.check("company.corporate_number", CorporateNumber::parse(raw))
            });
        let prefecture = errors.check(
            "company.prefecture",
            Prefecture::parse(&self.company.prefecture),
        );
        let industry = self
            .company
            .industry
            .as_deref()
            .and_then(|raw| errors.check("company.industry", Industry::parse(raw)));
        let employees = self
            .company
            .employees
            .and_then(|n| errors.check("company.employees", Employees::parse(n)));
        let capital_jpy = self
            .company
            .capital_jpy
            .and_then(|n| errors.check("company.capital_jpy", CapitalJpy::parse(n)));
        let contact = parse_contact(&mut errors, "contact", self.contact);
        let subject = check_text(&mut errors, "subject", &self.subject, 200);
        let description = check_text(
            &mut errors,
            "description",
            &self.description,
            MAX_TEXT_CHARS - subject.chars().count().min(200),
        );
        let topics = parse_topics(&mut errors, "topics", &self.topics);
        let preferred_mode = match self.preferred_mode.as_deref() {
            None => Some(PreferredMode::Either),
            Some(raw) => errors.check("preferred_mode", PreferredMode::parse(raw)),
        };
        let channel = match (role, self.channel.as_deref()) {
            (Role::Partner, None | Some("partner")) => Some(Channel::Partner),
            (Role::Partner, Some(_)) => {
                errors.add(
                    "channel",
                    "partner cases always arrive on the partner channel; omit it",
                );
                None
            }
            (_, None) => {
                errors.add("channel", "is required: phone, web or email");
                None
            }
            (_, Some(raw)) => match Channel::parse(raw) {
                Ok(Channel::Partner) => {
                    errors.add(
                        "channel",
                        "only partner clients file partner cases; use phone, web or email",
                    );
                    None
                }
                parsed => errors.check("channel", parsed),
            },
        };
        errors.finish()?;
        match (prefecture, preferred_mode, channel) {
            (Some(prefecture), Some(preferred_mode), Some(channel)) => Ok(NewTicket {
                company: NewCompany {
                    name: company_name,
                    corporate_number,
                    prefecture,
                    industry,
                    employees,
                    capital_jpy,
                },
                contact,
                subject,
                description,
                topics,
                preferred_mode,
                channel,
            }),
            _ => Err(ApiError::Internal(anyhow::anyhow!(
                "parsed fields went missing"
            ))),
        }
    }
}

impl UpdateTicketRequest {
    fn parse(self) -> Result<TicketChanges, ApiError> {
        let mut errors = FieldErrors::new();
        let changes = TicketChanges {
            subject: self
                .subject
                .map(|s| check_text(&mut errors, "subject", &s, 200)),
            description: self
                .description
                .map(|d| check_text(&mut errors, "description", &d, MAX_TEXT_CHARS - 200)),
            topics: self.topics.map(|t| parse_topics(&mut errors, "topics", &t)),
            preferred_mode: self
                .preferred_mode
                .and_then(|m| errors.check("preferred_mode", PreferredMode::parse(&m))),
            contact: self
                .contact
                .map(|c| parse_contact(&mut errors, "contact", c)),
            company: self
                .company
                .map(|c| c.parse(&mut errors, "company"))
                .filter(|c| !c.is_empty()),
        };
        errors.finish()?;
        let nothing = changes.subject.is_none()
            && changes.description.is_none()
            && changes.topics.is_none()
            && changes.preferred_mode.is_none()
            && changes.contact.is_none()
            && changes.company.is_none();
        if nothing {
            return Err(ApiError::invalid_field(
                "body",
                "send at least one field to change",
            ));
        }
        Ok(changes)
    }
}

/// A case as a 200 answer with its `ETag`.
pub fn ticket_response(ticket: Ticket) -> Result<HttpResponse, ApiError> {
    let view = TicketView::from_ticket(ticket)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag(view.version)))
        .json(view))
}

/// Files a case (partner, coordinator). It is routed at once: a confident decision applies
/// (`triaged`), otherwise the case stays `received` with the suggestion for a coordinator.
///
/// Send `Idempotency-Key` to retry safely: the same key and body return the first answer.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Up to 255 characters; replays the first answer for 24 h")),
    request_body = CreateTicketRequest,
    responses(
        (status = 201, body = TicketView, headers(("Location" = String), ("ETag" = String))),
        (status = 409, description = "The same Idempotency-Key is still in flight", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, or an Idempotency-Key reused with another body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn create_ticket(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    req: HttpRequest,
    body: JsonBody<CreateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::FileCase)?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let new = request.parse(client.role)?;
    let routing = state.routing.clone();
    let workflow = state.workflow.clone();
    let actor = client.clone();
    let start = services::tickets::FilingStart::new(state.db.get_database_backend(), &new);
    respond_to_create(
        &state,
        &req,
        &client,
        &raw,
        Some(start.statement()),
        Box::new(move |tx, started| {
            Box::pin(async move {
                let started = started.ok_or_else(|| {
                    ApiError::Internal(anyhow::anyhow!("the filing's company upsert did not run"))
                })?;
                let filing = services::tickets::create(
                    tx, &routing, &workflow, &actor, new, &start, &started,
                )
                .await?;
                let view = TicketView::from_ticket(filing.ticket)?;
                Ok(Created {
                    response: StoredResponse::created(format!("/v1/tickets/{}", view.id), &view)?,
                    writes: filing.writes,
                })
            })
        }),
    )
    .await
}

/// Filters of the case list (all optional; combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TicketQuery {
    /// Status.
    #[param(value_type = Option<TicketStatus>)]
    pub status: Option<String>,
    /// Track.
    #[param(value_type = Option<Track>)]
    pub track: Option<String>,
    /// Company prefecture (code or name).
    pub prefecture: Option<String>,
    /// Filing partner.
    pub partner_id: Option<Uuid>,
    /// Assigned manager.
    pub manager_id: Option<Uuid>,
    /// Filed on or after this Japan calendar day.
    pub created_from: Option<NaiveDate>,
    /// Filed on or before this Japan calendar day.
    pub created_to: Option<NaiveDate>,
    /// Text in the subject, description or reference (case-insensitive).
    #[param(max_length = 200)]
    pub q: Option<String>,
    /// `true`: only cases that breached a service level as of today (Japan time); `false`:
    /// only those that did not.
    pub sla_breached: Option<bool>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl TicketQuery {
    fn parse(&self) -> Result<TicketFilter, ApiError> {
        let mut errors = FieldErrors::new();
        let filter = TicketFilter {
            status: self.status.as_deref().and_then(|s| {
                errors.check(
                    "status",
                    TicketStatus::parse(s).map_err(|_| "is not a case status"),
                )
            }),
            track: self.track.as_deref().and_then(|t| {
                errors.check(
                    "track",
                    t.parse::<Track>().map_err(|_| "must be ict or labor"),
                )
            }),
            prefecture: self
                .prefecture
                .as_deref()
                .and_then(|p| errors.check("prefecture", Prefecture::parse(p))),
            partner_id: self.partner_id,
            manager_id: self.manager_id,
            created_from: self.created_from.map(services::tickets::jst_day_start),
            created_before: self
                .created_to
                .and_then(|d| d.succ_opt())
                .map(services::tickets::jst_day_start),
            q: self.q.clone(),
            sla_breached: self.sla_breached,
        };
        for (field, date) in [
            ("created_from", self.created_from),
            ("created_to", self.created_to),
        ] {
            if let Some(date) = date {
                errors.check(field, check_known_date(date));
            }
        }
        if let (Some(from), Some(to)) = (self.created_from, self.created_to)
            && from > to
        {
            errors.add("created_to", "must not be before created_from");
        }
        if self.q.as_deref().is_some_and(|q| q.chars().count() > 200) {
            errors.add("q", "must be at most 200 characters");
        }
        errors.finish()?;
        Ok(filter)
    }
}

/// Lists the cases the caller may see, oldest first, with keyset pagination. Partners see
/// their own cases, managers the ones assigned to them.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(TicketQuery),
    responses(
        (status = 200, body = Page<TicketView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/tickets")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_tickets(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    req: HttpRequest,
    query: web::Query<TicketQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadCases)?;
    let filter = query.parse()?;
    let page = PageParams {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
    .parse(&req)?;
    let (tickets, next_cursor) =
        services::tickets::list(&state.db, &client, &filter, &page).await?;
    let items = tickets
        .into_iter()
        .map(TicketView::from_ticket)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Page { items, next_cursor }.respond(&req))
}

/// One case, with its `ETag`.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = TicketView, headers(("ETag" = String))),
    )
)]
#[get("/v1/tickets/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn get_ticket(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadCases)?;
    let ticket = services::tickets::get_visible(&state.db, &client, id.into_inner()).await?;
    ticket_response(ticket)
}

/// Edits a case (partner: own, while received or triaged; coordinator). `If-Match` is
/// required: 428 without it, 412 when the case changed since it was read. `status`,
/// `partner_id`, `reference` and `track` cannot be set here.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "The ETag of the case as read"),
    ),
    request_body = UpdateTicketRequest,
    responses(
        (status = 200, body = TicketView, headers(("ETag" = String))),
        (status = 409, description = "The case can no longer be edited by a partner", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/tickets/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn update_ticket(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateTicketRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::EditCase)?;
    let id = id.into_inner();
    // Existence and visibility first, so a stranger's case is 404 whatever the headers.
    services::tickets::get_visible(&state.db, &client, id).await?;
    let expected = required_if_match(&req, "send If-Match with the ETag of the case you read")?;
    let changes = body.read(&allowed)?.parse()?;
    let ticket = services::tickets::update(&state.db, &client, id, &expected, changes).await?;
    ticket_response(ticket)
}

/// Moves a case: `on_hold`, `closed`, `cancelled`, `reopened`, `resumed` (coordinator;
/// partners may cancel their own). An illegal move is 409 naming the current status and
/// the allowed targets.
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = TransitionRequest,
    responses(
        (status = 200, body = TicketView),
        (status = 409, description = "Illegal from the current status; `current_status` and `allowed` say more", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/transitions")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn transition_ticket(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
    body: JsonBody<TransitionRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::TransitionCase)?;
    let id = id.into_inner();
    services::tickets::get_visible(&state.db, &client, id).await?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    let target = errors.check(
        "to",
        serde_json::from_value::<TransitionTarget>(serde_json::Value::String(request.to.clone()))
            .map_err(|_| "must be one of on_hold, closed, cancelled, reopened, resumed"),
    );
    if request
        .reason
        .as_deref()
        .is_some_and(|r| r.chars().count() > 2000)
    {
        errors.add("reason", "must be at most 2000 characters");
    }
    errors.finish()?;
    let target = target.ok_or_else(|| ApiError::invalid_field("to", "is required"))?;
    let ticket = services::tickets::transition(
        &state.db,
        &state.workflow,
        &client,
        id,
        target,
        request.reason,
    )
    .await?;
    ticket_response(ticket)
}

/// Overrides the routing (`{"track","reason"}`, reason required and recorded) or runs the
/// classifier again (`{"auto": true}`) (coordinator).
#[utoipa::path(
    tag = "routing",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = RoutingOverrideRequest,
    responses(
        (status = 200, body = TicketView),
        (status = 409, description = "The case is past routing (release the manager first)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/routing")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn route_ticket(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
    body: JsonBody<RoutingOverrideRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::RouteCase)?;
    let id = id.into_inner();
    let request = body.read(&allowed)?;
    let routing_request = match (request.auto, request.track) {
        (Some(true), None) => {
            if request.reason.is_some() {
                return Err(ApiError::invalid_field(
                    "reason",
                    "is only for a manual track",
                ));
            }
            RoutingRequest::Auto
        }
        (None | Some(false), Some(track)) => {
            let mut errors = FieldErrors::new();
            let track = errors.check(
                "track",
                track.parse::<Track>().map_err(|_| "must be ict or labor"),
            );
            let reason = request.reason.unwrap_or_default().trim().to_owned();
            if reason.is_empty() {
                errors.add("reason", "is required when setting the track by hand");
            } else if reason.chars().count() > 2000 {
                errors.add("reason", "must be at most 2000 characters");
            }
            errors.finish()?;
            let track = track.ok_or_else(|| ApiError::invalid_field("track", "is required"))?;
            RoutingRequest::Manual { track, reason }
        }
        _ => {
            return Err(ApiError::invalid_field(
                "body",
                "send either {\"track\", \"reason\"} or {\"auto\": true}",
            ));
        }
    };
    let ticket =
        services::tickets::route(&state.db, &state.routing, &client, id, routing_request).await?;
    ticket_response(ticket)
}

/// A comment on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommentView {
    /// Id.
    pub id: Uuid,
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
            body: model.body,
            visibility: Visibility::parse(&model.visibility).unwrap_or(Visibility::Internal),
            author_role: Role::parse(&model.author_role).unwrap_or(Role::Coordinator),
            created_at: model.created_at,
        }
    }
}

/// Adds a comment (everyone who sees the case; partners write `partner` comments only).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 h"),
    ),
    request_body = CommentRequest,
    responses(
        (status = 201, body = CommentView),
    )
)]
#[post("/v1/tickets/{id}/comments")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn add_comment(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: JsonBody<CommentRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::Comment)?;
    let id = id.into_inner();
    services::tickets::get_visible(&state.db, &client, id).await?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let mut errors = FieldErrors::new();
    let text = check_text(&mut errors, "body", &request.body, 10_000);
    let default_visibility = if client.role == Role::Partner {
        Visibility::Partner
    } else {
        Visibility::Internal
    };
    let visibility = match request.visibility.as_deref() {
        None => Some(default_visibility),
        Some(raw) => errors.check("visibility", Visibility::parse(raw)),
    };
    errors.finish()?;
    let visibility = visibility.unwrap_or(default_visibility);
    let actor = client.clone();
    respond_to_create(
        &state,
        &req,
        &client,
        &raw,
        None,
        Box::new(move |tx, _| {
            Box::pin(async move {
                let comment =
                    services::tickets::add_comment(tx, &actor, id, visibility, text).await?;
                let view = CommentView::from(comment);
                Created::new(format!("/v1/tickets/{id}/comments/{}", view.id), &view)
            })
        }),
    )
    .await
}

/// The comments of a case (partners see `partner` comments only).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = Vec<CommentView>),
    )
)]
#[get("/v1/tickets/{id}/comments")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_comments(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::Comment)?;
    let comments = services::tickets::comments(&state.db, &client, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(
        comments
            .into_iter()
            .map(CommentView::from)
            .collect::<Vec<_>>(),
    ))
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
    pub actor_role: String,
    /// Client id of whoever caused it (not shown to partners).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// Details.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// Keys of event data a partner may read; the rest (reasons, internal comment ids, routing
/// internals) stays with the center.
const PARTNER_SAFE_KEYS: &[&str] = &[
    "reference",
    "channel",
    "status",
    "from",
    "to",
    "track",
    "fields",
];

fn event_view(model: event::Model, partner_view: bool) -> Option<EventView> {
    let data: serde_json::Value = serde_json::from_str(&model.data).unwrap_or_default();
    if partner_view
        && model.event_type == services::events::types::COMMENT_ADDED
        && data.get("visibility").and_then(|v| v.as_str()) != Some("partner")
    {
        return None;
    }
    let data = if partner_view {
        let safe: serde_json::Map<String, serde_json::Value> = data
            .as_object()
            .map(|object| {
                object
                    .iter()
                    .filter(|(key, _)| PARTNER_SAFE_KEYS.contains(&key.as_str()))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default();
        serde_json::Value::Object(safe)
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

/// The audit trail of a case, oldest first (partners get a partner-safe view).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, body = Vec<EventView>),
    )
)]
#[get("/v1/tickets/{id}/events")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_ticket_events(
    state: web::Data<AppState>,
    client: AuthenticatedClient,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadCases)?;
    let id = id.into_inner();
    services::tickets::get_visible(&state.db, &client, id).await?;
    let events = services::events::for_ticket(&state.db, id).await?;
    let partner_view = client.role == Role::Partner;
    let views: Vec<EventView> = events
        .into_iter()
        .filter_map(|e| event_view(e, partner_view))
        .collect();
    Ok(HttpResponse::Ok().json(views))
}
