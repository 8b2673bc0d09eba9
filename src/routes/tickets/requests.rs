//! What clients send about cases: request bodies and list filters, and their parsing into
//! the service's checked types (every invalid field named at once).
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::{Role, policy},
    classifier::MAX_TEXT_CHARS,
    domain::{
        address::{Address, parse_city, prefecture_agrees},
        company_size::{CapitalJpy, Employees},
        corporate_number::CorporateNumber,
        holidays::check_known_date,
        industry::Industry,
        kana::NameKana,
        limits::{NAME_MAX_CHARS, PERSON_NAME_MAX_CHARS, SEARCH_MAX_CHARS, SUBJECT_MAX_CHARS},
        prefecture::Prefecture,
        ticket_fields::{Channel, PreferredMode, Visibility},
        ticket_status::{TicketStatus, TransitionTarget},
        topic::Topic,
        track::Track,
    },
    error::{ApiError, FieldErrors},
    routes::{
        companies::{AddressInput, CompanyChangesInput},
        fields::{check_email, check_text},
    },
    services::{
        self,
        companies::total_below_regular,
        tickets::{Contact, NewCompany, NewTicket, TicketChanges, TicketFilter},
    },
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
    /// The name's reading (フリガナ): full-width katakana, the long-vowel mark ー and spaces
    /// (half- or full-width, answered as single full-width spaces); half-width katakana are
    /// converted to full width, voiced marks included (ｶﾞ → ガ). Up to 200 characters.
    #[schema(example = "カブシキガイシャ サンプルセイサクショ", max_length = 200)]
    pub name_kana: Option<String>,
    /// The head-office address in the parts Japanese forms ask for.
    pub address: Option<AddressInput>,
    /// Total head count (0 or more, at least `employees`): everyone, where `employees` are
    /// the regular employees (常時雇用する従業員) the SME definition counts.
    #[schema(example = 60)]
    pub total_employees: Option<i64>,
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
    /// Coordinators: `phone`, `walk_in` (the center's desk, 窓口), `web` or `email`
    /// (required). Partners: omit (always `partner`).
    #[schema(value_type = Option<Channel>)]
    pub channel: Option<String>,
    /// Partners: how the partner obtained the contact's personal data (e.g. "相談窓口で本人から
    /// 取得"), kept in the confirmation record of the data received (APPI). At most 500
    /// characters. The center's own filings have none.
    #[schema(max_length = 500, example = "商工会議所の相談窓口で本人から取得")]
    pub personal_data_source: Option<String>,
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

pub(super) fn parse_contact(
    errors: &mut FieldErrors,
    prefix: &str,
    input: ContactInput,
) -> Contact {
    let name = check_text(
        errors,
        &format!("{prefix}.name"),
        &input.name,
        PERSON_NAME_MAX_CHARS,
    );
    let email = check_email(errors, &format!("{prefix}.email"), &input.email);
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

/// `personal_data_source`: what a partner says of where the contact's data came from; only a
/// partner's filing receives data from a third party.
fn parse_data_source(errors: &mut FieldErrors, role: Role, raw: Option<String>) -> Option<String> {
    let raw = raw?;
    if !policy::files_on_partner_channel(role) {
        errors.add(
            "personal_data_source",
            "only a partner's filing records where the data came from; omit it",
        );
        return None;
    }
    Some(check_text(
        errors,
        "personal_data_source",
        &raw,
        DATA_SOURCE_MAX_CHARS,
    ))
}

/// The longest `personal_data_source`.
const DATA_SOURCE_MAX_CHARS: usize = 500;

/// The company's fields Japanese forms ask for: the reading, the address (whose prefecture,
/// when it states one, must be the company's) and the total head count (at least the
/// regular `employees`).
fn parse_forms(
    errors: &mut FieldErrors,
    company: &mut CompanyInput,
    prefecture: Option<Prefecture>,
    employees: Option<Employees>,
) -> (Option<NameKana>, Option<Address>, Option<Employees>) {
    let name_kana = company
        .name_kana
        .as_deref()
        .and_then(|raw| errors.check("company.name_kana", NameKana::parse(raw)));
    let address = company
        .address
        .take()
        .and_then(|input| input.parse(errors, "company.address"));
    if let (Some((_, Some(stated))), Some(prefecture)) = (&address, prefecture) {
        errors.check(
            "company.address.prefecture",
            prefecture_agrees(*stated, prefecture),
        );
    }
    let total_employees = company
        .total_employees
        .and_then(|n| errors.check("company.total_employees", Employees::parse(n)));
    if let Some(message) = total_below_regular(
        employees.map(Employees::count),
        total_employees.map(Employees::count),
    ) {
        errors.add("company.total_employees", message);
    }
    (
        name_kana,
        address.map(|(address, _)| address),
        total_employees,
    )
}

impl CreateTicketRequest {
    pub(super) fn parse(mut self, role: Role) -> Result<NewTicket, ApiError> {
        let mut errors = FieldErrors::new();
        let company_name = check_text(
            &mut errors,
            "company.name",
            &self.company.name,
            NAME_MAX_CHARS,
        );
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
        let (name_kana, address, total_employees) =
            parse_forms(&mut errors, &mut self.company, prefecture, employees);
        let contact = parse_contact(&mut errors, "contact", self.contact);
        let subject = check_text(&mut errors, "subject", &self.subject, SUBJECT_MAX_CHARS);
        let description = check_text(
            &mut errors,
            "description",
            &self.description,
            MAX_TEXT_CHARS - subject.chars().count().min(SUBJECT_MAX_CHARS),
        );
        let topics = parse_topics(&mut errors, "topics", &self.topics);
        let preferred_mode = match self.preferred_mode.as_deref() {
            None => Some(PreferredMode::Either),
            Some(raw) => errors.check("preferred_mode", PreferredMode::parse(raw)),
        };
        let channel = match (
            policy::files_on_partner_channel(role),
            self.channel.as_deref(),
        ) {
            (true, None | Some("partner")) => Some(Channel::Partner),
            (true, Some(_)) => {
                errors.add(
                    "channel",
                    "partner cases always arrive on the partner channel; omit it",
                );
                None
            }
            (false, None) => {
                errors.add("channel", "is required: phone, walk_in, web or email");
                None
            }
            (false, Some(raw)) => match Channel::parse(raw) {
                Ok(Channel::Partner) => {
                    errors.add(
                        "channel",
                        "only partner clients file partner cases; use phone, walk_in, web or email",
                    );
                    None
                }
                parsed => errors.check("channel", parsed),
            },
        };
        let data_source = parse_data_source(&mut errors, role, self.personal_data_source);
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
                    name_kana,
                    address,
                    total_employees,
                },
                contact,
                subject,
                description,
                topics,
                preferred_mode,
                channel,
                data_source,
            }),
            _ => Err(ApiError::Internal(anyhow::anyhow!(
                "parsed fields went missing"
            ))),
        }
    }
}

impl UpdateTicketRequest {
    pub(super) fn parse(self) -> Result<TicketChanges, ApiError> {
        let mut errors = FieldErrors::new();
        let changes = TicketChanges {
            subject: self
                .subject
                .map(|s| check_text(&mut errors, "subject", &s, SUBJECT_MAX_CHARS)),
            description: self.description.map(|d| {
                check_text(
                    &mut errors,
                    "description",
                    &d,
                    MAX_TEXT_CHARS - SUBJECT_MAX_CHARS,
                )
            }),
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
    /// The municipality (市区町村) of the company's address, exactly as the cases show it
    /// (`千代田区`); cases without an address never match. Combine with `prefecture` where a
    /// name is used in more than one (府中市).
    #[param(max_length = 50, example = "千代田区")]
    pub city: Option<String>,
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
    pub(super) fn parse(&self) -> Result<TicketFilter, ApiError> {
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
            city: self
                .city
                .as_deref()
                .and_then(|c| errors.check("city", parse_city(c))),
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
        if self
            .q
            .as_deref()
            .is_some_and(|q| q.chars().count() > SEARCH_MAX_CHARS)
        {
            errors.add(
                "q",
                format!("must be at most {SEARCH_MAX_CHARS} characters"),
            );
        }
        errors.finish()?;
        Ok(filter)
    }
}
