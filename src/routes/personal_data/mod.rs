//! Personal data under APPI (admins only): the access log (`GET /v1/audit/access`), the
//! confirmation records of data received from partners (`GET /v1/audit/receipts`), what a
//! client could have read (`GET /v1/audit/exposure`), a person's disclosure
//! (`GET /v1/personal-data`) and erasure (`POST /v1/personal-data/erasure`).
mod disclosure;

pub use disclosure::{
    DisclosedComment, DisclosedContact, DisclosedSessionNote, DisclosedTicket, DisclosureQuery,
    DisclosureView, ErasureRequest, ErasureView, disclose, erase,
};

use std::collections::BTreeMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor, Role},
    error::{ApiError, FieldErrors},
    pagination::{Page, PageRequest},
    routes::fields::{check_email, check_text},
    services::{
        self,
        access_log::{AccessFilter, TicketExposure, items_shown},
        personal_data::{MARKER, receipts::ReceiptFilter},
    },
    state::AppState,
};

/// An instant filter: RFC 3339 (`2026-12-01T09:00:00+09:00`), or a Japan calendar day
/// (`2026-12-01`: its start for `from`, the end of the day for `to`).
fn parse_instant(
    errors: &mut FieldErrors,
    field: &str,
    raw: Option<&str>,
    end_of_day: bool,
) -> Option<DateTime<Utc>> {
    let raw = raw?.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(raw) {
        return Some(instant.with_timezone(&Utc));
    }
    match NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(day) if end_of_day => day.succ_opt().map(services::tickets::jst_day_start),
        Ok(day) => Some(services::tickets::jst_day_start(day)),
        Err(_) => {
            errors.add(
                field,
                "must be an RFC 3339 time like 2026-12-01T09:00:00+09:00 or a day like 2026-12-01",
            );
            None
        }
    }
}

/// The window `from`..`to`, checked.
fn window(
    errors: &mut FieldErrors,
    from: Option<&str>,
    to: Option<&str>,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let from = parse_instant(errors, "from", from, false);
    let to = parse_instant(errors, "to", to, true);
    // A day's `to` is the start of the next day, so `from` on a later day meets it: empty.
    if let (Some(from), Some(to)) = (from, to)
        && from >= to
    {
        errors.add("to", "must be after from");
    }
    (from, to)
}

/// Filters of the access log (all optional; combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AccessQuery {
    /// One case.
    pub ticket_id: Option<Uuid>,
    /// One API client (`oc_...`).
    #[param(max_length = 100)]
    pub client_id: Option<String>,
    /// Records at or after this time (RFC 3339), or from the start of this Japan calendar day.
    #[param(example = "2026-12-01")]
    pub from: Option<String>,
    /// Records before this time (RFC 3339), or up to the end of this Japan calendar day.
    #[param(example = "2026-12-31")]
    pub to: Option<String>,
    /// Who saw this person's data: the records of the cases whose contact has this e-mail
    /// (compared without case; an anonymized case no longer carries it).
    #[param(max_length = 254, example = "yamada@example.jp")]
    pub contact_email: Option<String>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl AccessQuery {
    fn parse(&self) -> Result<AccessFilter, ApiError> {
        let mut errors = FieldErrors::new();
        let (from, to) = window(&mut errors, self.from.as_deref(), self.to.as_deref());
        let contact_email = self
            .contact_email
            .as_deref()
            .map(|raw| check_email(&mut errors, "contact_email", raw));
        let client_id = self
            .client_id
            .as_deref()
            .map(|raw| check_text(&mut errors, "client_id", raw, 100));
        errors.finish()?;
        Ok(AccessFilter {
            ticket_id: self.ticket_id,
            client_id,
            from,
            to,
            contact_email,
        })
    }
}

/// One case whose contact details one response showed.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccessRecordView {
    /// Id (time-ordered).
    pub id: Uuid,
    /// Shared by the records of one response (a list page names many cases).
    pub request_id: Uuid,
    /// When.
    pub accessed_at: DateTime<Utc>,
    /// The API client that was shown the data.
    #[schema(example = "oc_3f2a...")]
    pub client_id: String,
    /// Its role.
    pub role: Role,
    /// The operation that showed it.
    #[schema(example = "GET /v1/tickets/{id}")]
    pub route: String,
    /// The case.
    pub ticket_id: Uuid,
}

impl From<crate::entities::access_record::Model> for AccessRecordView {
    fn from(row: crate::entities::access_record::Model) -> Self {
        Self {
            id: row.id,
            request_id: row.request_id,
            accessed_at: row.accessed_at,
            client_id: row.client_id,
            role: row.role,
            route: row.route,
            ticket_id: row.ticket_id,
        }
    }
}

/// The access log: who was shown which case's contact details, when and how, oldest first.
/// `contact_email` answers "who saw this person's data".
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    params(AccessQuery),
    responses(
        (status = 200, body = Page<AccessRecordView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/audit/access")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_access_records(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    query: web::Query<AccessQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadAuditRecords)?;
    let filter = query.parse()?;
    let page = PageRequest::from_query(query.limit, query.cursor.as_deref(), &req)?;
    let (rows, next_cursor) = services::access_log::list(&state.db, &filter, &page).await?;
    Ok(Page::of(rows, next_cursor, AccessRecordView::from).respond(&req))
}

/// Filters of the confirmation records (all optional; combined with AND).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    /// Received on or after this Japan calendar day.
    #[param(example = "2026-12-01")]
    pub from: Option<NaiveDate>,
    /// Received on or before this Japan calendar day.
    #[param(example = "2026-12-31")]
    pub to: Option<NaiveDate>,
    /// From this partner.
    pub partner_id: Option<Uuid>,
    /// Items per page, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The confirmation record of personal data a partner handed over with a filing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReceiptView {
    /// Id.
    pub id: Uuid,
    /// The case filed (it may since be anonymized; the record stays three years).
    pub ticket_id: Uuid,
    /// The partner that provided the data.
    pub partner_id: Uuid,
    /// The Japan calendar day of receipt.
    pub received_on: NaiveDate,
    /// When.
    pub received_at: DateTime<Utc>,
    /// The data items received.
    #[schema(example = json!(["contact.name", "contact.email", "contact.phone", "subject", "description"]))]
    pub items: Vec<String>,
    /// How the partner obtained them, as it said when filing.
    pub source: Option<String>,
    /// The partner's client that filed.
    pub recorded_by: String,
}

impl From<crate::entities::data_receipt::Model> for ReceiptView {
    fn from(row: crate::entities::data_receipt::Model) -> Self {
        Self {
            id: row.id,
            ticket_id: row.ticket_id,
            partner_id: row.partner_id,
            received_on: row.received_on,
            received_at: row.received_at,
            items: row.items.0,
            source: row.source,
            recorded_by: row.recorded_by,
        }
    }
}

/// The confirmation records of personal data received from partners (第三者提供に係る確認
/// 記録), oldest first. Kept three years, also after their cases are anonymized.
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    params(ReceiptQuery),
    responses(
        (status = 200, body = Page<ReceiptView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/audit/receipts")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_receipts(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    query: web::Query<ReceiptQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadAuditRecords)?;
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::invalid_field("to", "must not be before from"));
    }
    let page = PageRequest::from_query(query.limit, query.cursor.as_deref(), &req)?;
    let filter = ReceiptFilter {
        from: query.from,
        to: query.to,
        partner_id: query.partner_id,
    };
    let (rows, next_cursor) =
        services::personal_data::receipts::list(&state.db, &filter, &page).await?;
    Ok(Page::of(rows, next_cursor, ReceiptView::from).respond(&req))
}

/// The window of an exposure question.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExposureQuery {
    /// The API client (`oc_...`) whose reads are in question, e.g. one whose secret leaked.
    #[param(max_length = 100)]
    pub client_id: String,
    /// From this time (RFC 3339), or the start of this Japan calendar day.
    #[param(example = "2026-12-01")]
    pub from: Option<String>,
    /// Up to this time (RFC 3339), or the end of this Japan calendar day.
    #[param(example = "2026-12-31")]
    pub to: Option<String>,
}

/// One case a client was shown.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ExposedCase)]
pub struct ExposedTicket {
    /// The case.
    pub ticket_id: Uuid,
    /// Its reference.
    pub reference: String,
    /// Responses that showed it in the window.
    pub reads: u64,
    /// The first of them.
    pub first_accessed_at: DateTime<Utc>,
    /// The last of them.
    pub last_accessed_at: DateTime<Utc>,
    /// The operations that showed it.
    pub routes: Vec<String>,
}

/// A person whose data a client could have read.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExposedPerson {
    /// The contact's e-mail; `null` when the case has been anonymized since (who it was is no
    /// longer known).
    pub contact_email: Option<String>,
    /// The contact's name (as on the latest case), `null` when anonymized.
    pub contact_name: Option<String>,
    /// The data items shown (`contact.name`, `contact.email`, `contact.phone`, `subject`,
    /// `description`, ...).
    pub items: Vec<String>,
    /// The cases through which they were shown.
    pub cases: Vec<ExposedTicket>,
}

/// What one client could have read in a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExposureView {
    /// The client.
    pub client_id: String,
    /// The window's start, if given.
    pub from: Option<DateTime<Utc>>,
    /// The window's end, if given.
    pub to: Option<DateTime<Utc>>,
    /// The persons, by e-mail.
    pub persons: Vec<ExposedPerson>,
    /// True when more than 10,000 cases were shown and the rest are left out (narrow the
    /// window).
    pub truncated: bool,
}

/// The persons grouped from the cases: by contact e-mail (without case), an anonymized case
/// on its own.
fn persons_of(tickets: Vec<TicketExposure>) -> Vec<ExposedPerson> {
    let mut persons: BTreeMap<String, ExposedPerson> = BTreeMap::new();
    for seen in tickets {
        let ticket = &seen.ticket;
        let anonymized = ticket.anonymized_at.is_some();
        let key = if anonymized {
            format!("~{}", ticket.id)
        } else {
            ticket.contact_email.to_lowercase()
        };
        let person = persons.entry(key).or_insert_with(|| ExposedPerson {
            contact_email: (!anonymized).then(|| ticket.contact_email.clone()),
            contact_name: None,
            items: Vec::new(),
            cases: Vec::new(),
        });
        if !anonymized && ticket.contact_name != MARKER {
            person.contact_name = Some(ticket.contact_name.clone());
        }
        for route in &seen.shown.routes {
            for item in items_shown(route, ticket.contact_phone.is_some()) {
                if !person.items.iter().any(|known| known == item) {
                    person.items.push(item.to_owned());
                }
            }
        }
        person.cases.push(ExposedTicket {
            ticket_id: ticket.id,
            reference: ticket.reference.clone(),
            reads: seen.shown.reads,
            first_accessed_at: seen.shown.first,
            last_accessed_at: seen.shown.last,
            routes: seen.shown.routes.clone(),
        });
    }
    persons.into_values().collect()
}

/// After a leak: the persons (contact e-mail and name) and data items a client could have
/// read in a window, from the access log.
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    params(ExposureQuery),
    responses(
        (status = 200, body = ExposureView),
    )
)]
#[get("/v1/audit/exposure")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn exposure(
    state: web::Data<AppState>,
    client: Actor,
    query: web::Query<ExposureQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadAuditRecords)?;
    let mut errors = FieldErrors::new();
    let client_id = check_text(&mut errors, "client_id", &query.client_id, 100);
    let (from, to) = window(&mut errors, query.from.as_deref(), query.to.as_deref());
    errors.finish()?;
    let (tickets, truncated) =
        services::access_log::exposure(&state.db, &client_id, from, to).await?;
    Ok(HttpResponse::Ok().json(ExposureView {
        client_id,
        from,
        to,
        persons: persons_of(tickets),
        truncated,
    }))
}
