//! A person's requests: disclosure of everything held about them (開示, as one JSON
//! document) and erasure (利用停止・消去), both by the contact e-mail.
use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{AccessRecordView, ReceiptView};
use crate::{
    auth::{Action, Actor, Role},
    domain::{
        limits::REASON_MAX_CHARS,
        ticket_fields::{Channel, Visibility},
        ticket_status::TicketStatus,
    },
    error::{ApiError, FieldErrors, Problem},
    extract::JsonBody,
    routes::fields::{check_email, check_text},
    services::{self, access_log::routes as logged},
    state::AppState,
};

/// Whose data to disclose.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisclosureQuery {
    /// The person's e-mail, as a case's contact (compared without case).
    #[param(max_length = 254, example = "yamada@example.jp")]
    pub email: String,
}

/// The contact as held on a case.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosedContact {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
}

/// A case about the person.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DisclosedCase)]
pub struct DisclosedTicket {
    /// Id.
    pub id: Uuid,
    /// Reference.
    pub reference: String,
    /// Status.
    pub status: TicketStatus,
    /// How it arrived.
    pub channel: Channel,
    /// The partner that filed it, if one did.
    pub partner_id: Option<Uuid>,
    /// The company as the filer gave it.
    pub company_name: String,
    /// The contact details held.
    pub contact: DisclosedContact,
    /// Subject.
    pub subject: String,
    /// The question.
    pub description: String,
    /// Filed.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// A comment on one of the person's cases, or one that names their e-mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosedComment {
    /// Id.
    pub id: Uuid,
    /// The case it was written on.
    pub ticket_id: Uuid,
    /// The author's role.
    pub author_role: Role,
    /// Who may read it.
    pub visibility: Visibility,
    /// Text.
    pub body: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A consulting session's notes on one of the person's cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosedSessionNote {
    /// The session.
    pub session_id: Uuid,
    /// Its case.
    pub ticket_id: Uuid,
    /// When it started.
    pub starts_at: DateTime<Utc>,
    /// The notes.
    pub notes: String,
}

/// Everything held about one person (開示, electronic form).
#[derive(Debug, Serialize, ToSchema)]
pub struct DisclosureView {
    /// The e-mail asked about.
    pub email: String,
    /// When this document was made.
    pub generated_at: DateTime<Utc>,
    /// The cases whose contact has the e-mail.
    pub cases: Vec<DisclosedTicket>,
    /// Comments on those cases, and others that name the e-mail.
    pub comments: Vec<DisclosedComment>,
    /// Consulting session notes on those cases.
    pub session_notes: Vec<DisclosedSessionNote>,
    /// Who was shown those cases' contact details, newest first (at most 1,000).
    pub access_records: Vec<AccessRecordView>,
    /// True when older access records were left out.
    pub access_records_truncated: bool,
    /// What partners handed over with those cases (confirmation records).
    pub receipts: Vec<ReceiptView>,
}

/// Everything the center holds about the person with this contact e-mail, as one JSON
/// document: their cases with the contact fields, comments on them or naming the e-mail,
/// session notes, the access records of those cases and the partners' confirmation records.
/// The disclosure itself is recorded in the access log.
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    params(DisclosureQuery),
    responses(
        (status = 200, body = DisclosureView),
    )
)]
#[get("/v1/personal-data")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn disclose(
    state: web::Data<AppState>,
    client: Actor,
    query: web::Query<DisclosureQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::HandlePersonalDataRequests)?;
    let mut errors = FieldErrors::new();
    let email = check_email(&mut errors, "email", &query.email);
    errors.finish()?;
    let disclosure = services::personal_data::disclose(&state.db, &email).await?;
    let ids = disclosure.tickets.iter().map(|ticket| ticket.id).collect();
    state
        .access_log
        .record(&client, logged::DISCLOSURE, ids)
        .await?;
    Ok(HttpResponse::Ok().json(DisclosureView {
        email,
        generated_at: Utc::now(),
        cases: disclosure
            .tickets
            .into_iter()
            .map(|ticket| DisclosedTicket {
                id: ticket.id,
                reference: ticket.reference,
                status: ticket.status,
                channel: ticket.channel,
                partner_id: ticket.partner_id,
                company_name: ticket.company_name,
                contact: DisclosedContact {
                    name: ticket.contact_name,
                    email: ticket.contact_email,
                    phone: ticket.contact_phone,
                },
                subject: ticket.subject,
                description: ticket.description,
                created_at: ticket.created_at,
                updated_at: ticket.updated_at,
            })
            .collect(),
        comments: disclosure
            .comments
            .into_iter()
            .map(|comment| DisclosedComment {
                id: comment.id,
                ticket_id: comment.ticket_id,
                author_role: comment.author_role,
                visibility: comment.visibility,
                body: comment.body,
                created_at: comment.created_at,
            })
            .collect(),
        session_notes: disclosure
            .sessions
            .into_iter()
            .filter_map(|session| {
                Some(DisclosedSessionNote {
                    session_id: session.id,
                    ticket_id: session.ticket_id,
                    starts_at: session.starts_at,
                    notes: session.notes?,
                })
            })
            .collect(),
        access_records: disclosure
            .access_records
            .into_iter()
            .map(AccessRecordView::from)
            .collect(),
        access_records_truncated: disclosure.access_records_truncated,
        receipts: disclosure
            .receipts
            .into_iter()
            .map(ReceiptView::from)
            .collect(),
    }))
}

/// A person's request to stop using and erase their data.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// The person's e-mail, as a case's contact.
    #[schema(max_length = 254, example = "yamada@example.jp")]
    pub email: String,
    /// Why (the request's date and channel, say); kept in each case's `ticket.anonymized`
    /// event.
    #[schema(
        min_length = 1,
        max_length = 2000,
        example = "本人からの利用停止・消去請求（2026-12-20 電話）"
    )]
    pub reason: String,
    /// Erase also from cases still being worked (they continue without a contact).
    #[serde(default)]
    pub force: bool,
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureView {
    /// The e-mail erased.
    pub email: String,
    /// The references of the cases anonymized.
    pub anonymized: Vec<String>,
}

/// Erases one person's data at once, as retention would: every case whose contact has the
/// e-mail loses the contact's name, e-mail and phone and its free texts, keeping what the
/// reports count; each gets a `ticket.anonymized` event with the reason. Refused while one of
/// the cases is still open unless `force`. 404 when no case holds the e-mail (any more).
#[utoipa::path(
    tag = "personal data",
    security(("bearer" = [])),
    request_body = ErasureRequest,
    responses(
        (status = 200, body = ErasureView),
        (status = 409, description = "`case-open`: one of the person's cases is still open (`open_cases` names them); send `\"force\": true` to erase anyway", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/personal-data/erasure")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn erase(
    state: web::Data<AppState>,
    client: Actor,
    body: JsonBody<ErasureRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::HandlePersonalDataRequests)?;
    let request = body.read(&allowed)?;
    let mut errors = FieldErrors::new();
    let email = check_email(&mut errors, "email", &request.email);
    let reason = check_text(&mut errors, "reason", &request.reason, REASON_MAX_CHARS);
    errors.finish()?;
    let anonymized =
        services::personal_data::erase(&state.db, &client, &email, reason, request.force).await?;
    tracing::info!(
        tickets = anonymized.len(),
        "personal data erased on request"
    );
    Ok(HttpResponse::Ok().json(ErasureView { email, anonymized }))
}
