//! Personal data as APPI (個人情報保護法) asks of the center: anonymizing a case's contact
//! details (by retention or on the person's request), disclosing everything held about one
//! person (開示), erasing it on request (利用停止・消去), and the records of data received
//! from partners (第三者提供に係る確認記録).
//!
//! Anonymizing keeps the case, its track, company, dates, status, outcome and survey, so every
//! report counts the same before and after; it removes the contact's name, e-mail and phone
//! and replaces the free texts that may hold them (subject, description, comments, session
//! notes, the outcome's summary, the override's copy of the question) with [`MARKER`]. Events
//! carry no contact details to begin with (they name fields, not values), and webhook
//! deliveries are built from events, so neither needs changing.
pub mod receipts;
pub mod retention;

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{CaseStatement, Expr, ExprTrait, Func, LikeExpr, LockType},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Actor,
    db::{Writes, begin_write},
    domain::{text::ticket_search_text, ticket_status::TicketStatus},
    entities::{
        access_record, comment, consulting_session, data_receipt, event, idempotency_key, outcome,
        routing_override, stored::Json, ticket,
    },
    error::ApiError,
    services::{
        LIKE_ESCAPE,
        access_log::{self, tickets_of_email},
        events::{self, types},
        like_literal, tickets,
        webhooks::Audience,
    },
};

/// The length of `/v1/tickets/<uuid>`.
const TICKET_LOCATION_CHARS: i32 = 48;

/// What replaces a removed name, e-mail or free text.
pub const MARKER: &str = "[anonymized]";

/// The statuses after which a case is no longer worked, so its contact may be let go.
pub const FINAL_STATUSES: [TicketStatus; 3] = [
    TicketStatus::Closed,
    TicketStatus::Cancelled,
    TicketStatus::Merged,
];

/// Why a case was anonymized (its event says it).
#[derive(Debug, Clone)]
pub enum Trigger {
    /// Its contact details outlived `ONESTOP_CONTACT_RETENTION_DAYS`.
    Retention,
    /// The person asked for erasure.
    Request {
        /// The operator's reason.
        reason: String,
    },
}

impl Trigger {
    fn event_data(&self) -> serde_json::Value {
        match self {
            Trigger::Retention => json!({"trigger": "retention"}),
            Trigger::Request { reason } => json!({"trigger": "request", "reason": reason}),
        }
    }
}

/// Anonymizes the cases `ids` that are not anonymized yet, inside `tx`, with a
/// `ticket.anonymized` event each; returns the ids it anonymized. The rows are locked first
/// (PostgreSQL; SQLite's write transaction is exclusive), so a retention pass and an erasure
/// never anonymize one case twice.
pub async fn anonymize_tickets(
    tx: &impl ConnectionTrait,
    ids: &[Uuid],
    actor: &Actor,
    trigger: &Trigger,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, ApiError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .column(ticket::Column::CompanyName)
        .column(ticket::Column::Reference)
        .filter(ticket::Column::Id.is_in(ids.to_vec()))
        .filter(ticket::Column::AnonymizedAt.is_null());
    if tx.get_database_backend() == DbBackend::Postgres {
        select = select.lock(LockType::Update);
    }
    let rows: Vec<(Uuid, String, String)> = select.into_tuple().all(tx).await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|(id, ..)| *id).collect();
    // The search key is rebuilt from what remains, so `?q=` finds nothing of the removed text.
    let keys: Vec<(Uuid, String)> = rows
        .iter()
        .map(|(id, company_name, reference)| {
            (
                *id,
                ticket_search_text(MARKER, MARKER, company_name, reference),
            )
        })
        .collect();
    tickets::rewrite_search_keys(tx, &keys).await?;
    ticket::Entity::update_many()
        .col_expr(ticket::Column::ContactName, Expr::value(MARKER))
        .col_expr(ticket::Column::ContactEmail, Expr::value(MARKER))
        .col_expr(
            ticket::Column::ContactPhone,
            Expr::value(Option::<String>::None),
        )
        .col_expr(ticket::Column::Subject, Expr::value(MARKER))
        .col_expr(ticket::Column::Description, Expr::value(MARKER))
        .col_expr(ticket::Column::AnonymizedAt, Expr::value(now))
        // A client holding the old ETag must not write the contact back with a PATCH.
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .filter(ticket::Column::Id.is_in(ids.clone()))
        .exec(tx)
        .await?;
    scrub_free_texts(tx, &ids).await?;
    let mut writes = Writes::new();
    for id in &ids {
        writes.extend(events::writes(
            Some(*id),
            Audience::StoredTicket(*id),
            actor,
            vec![(types::TICKET_ANONYMIZED, trigger.event_data())],
            now,
        )?);
    }
    writes.run(tx).await?;
    Ok(ids)
}

/// Replaces the free texts about the cases `ids` that may name the person.
async fn scrub_free_texts(tx: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), ApiError> {
    comment::Entity::update_many()
        .col_expr(comment::Column::Body, Expr::value(MARKER))
        .filter(comment::Column::TicketId.is_in(ids.to_vec()))
        .exec(tx)
        .await?;
    consulting_session::Entity::update_many()
        .col_expr(consulting_session::Column::Notes, Expr::value(MARKER))
        .filter(consulting_session::Column::TicketId.is_in(ids.to_vec()))
        .filter(consulting_session::Column::Notes.is_not_null())
        .exec(tx)
        .await?;
    outcome::Entity::update_many()
        .col_expr(outcome::Column::Summary, Expr::value(MARKER))
        .filter(outcome::Column::TicketId.is_in(ids.to_vec()))
        .filter(outcome::Column::Summary.is_not_null())
        .exec(tx)
        .await?;
    routing_override::Entity::update_many()
        .col_expr(routing_override::Column::Subject, Expr::value(MARKER))
        .col_expr(routing_override::Column::Description, Expr::value(MARKER))
        .filter(routing_override::Column::TicketId.is_in(ids.to_vec()))
        .exec(tx)
        .await?;
    scrub_event_reasons(tx, ids).await?;
    // A stored answer to replay (the filing, a comment) holds the case as it was answered;
    // a retry of a request that old has nothing left to replay. Its location starts with
    // `/v1/tickets/<id>`: 48 characters, compared in one IN instead of a LIKE per case.
    let prefixes: Vec<String> = ids.iter().map(|id| format!("/v1/tickets/{id}")).collect();
    let stored_answers = Expr::expr(
        Func::cust("SUBSTR")
            .arg(Expr::col(idempotency_key::Column::Location))
            .arg(1)
            .arg(TICKET_LOCATION_CHARS),
    )
    .is_in(prefixes);
    idempotency_key::Entity::delete_many()
        .filter(stored_answers)
        .exec(tx)
        .await?;
    Ok(())
}

/// Replaces the free-text `reason` of the cases' events: a coordinator's words can name the
/// person. The trail keeps that a reason was given, and every other member (statuses, ids,
/// fields), so the feed and the reports read it as before.
async fn scrub_event_reasons(tx: &impl ConnectionTrait, ids: &[Uuid]) -> Result<(), ApiError> {
    let rows: Vec<(Uuid, Json<serde_json::Value>)> = event::Entity::find()
        .select_only()
        .column(event::Column::Id)
        .column(event::Column::Data)
        .filter(event::Column::TicketId.is_in(ids.to_vec()))
        .filter(event::Column::Data.like("%\"reason\"%"))
        .into_tuple()
        .all(tx)
        .await?;
    let mut data_of = CaseStatement::new();
    let mut changed = Vec::new();
    for (id, Json(mut data)) in rows {
        let Some(reason) = data.get_mut("reason") else {
            continue;
        };
        if reason.is_string() && reason.as_str() != Some(MARKER) {
            *reason = serde_json::Value::from(MARKER);
            data_of = data_of.case(Expr::col(event::Column::Id).eq(id), Json(data));
            changed.push(id);
        }
    }
    if changed.is_empty() {
        return Ok(());
    }
    event::Entity::update_many()
        .col_expr(
            event::Column::Data,
            data_of.finally(Expr::col(event::Column::Data)).into(),
        )
        .filter(event::Column::Id.is_in(changed))
        .exec(tx)
        .await?;
    Ok(())
}

/// Everything held about the person with one e-mail.
#[derive(Debug, Clone)]
pub struct Disclosure {
    /// The cases whose contact has the e-mail.
    pub tickets: Vec<ticket::Model>,
    /// The comments on those cases, and any other comment that names the e-mail.
    pub comments: Vec<comment::Model>,
    /// The consulting sessions of those cases that have notes.
    pub sessions: Vec<consulting_session::Model>,
    /// Who was shown those cases' contact details, newest first.
    pub access_records: Vec<access_record::Model>,
    /// Whether older access records were left out.
    pub access_records_truncated: bool,
    /// What partners handed over with those cases.
    pub receipts: Vec<data_receipt::Model>,
}

/// Most access records a disclosure lists.
pub const DISCLOSED_ACCESS_RECORDS: u64 = 1000;

/// What the service holds about the person whose contact e-mail is `email` (compared without
/// case). The handler logs the disclosure in the access log: it shows the cases' contacts.
pub async fn disclose(db: &impl ConnectionTrait, email: &str) -> Result<Disclosure, ApiError> {
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::Id.in_subquery(tickets_of_email(email)))
        .order_by_asc(ticket::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = tickets.iter().map(|ticket| ticket.id).collect();
    let comments = comment::Entity::find()
        .filter(
            Condition::any()
                .add(comment::Column::TicketId.is_in(ids.clone()))
                // E-mail addresses are compared without case, as the cases' are.
                .add(
                    Expr::expr(Func::lower(Expr::col(comment::Column::Body))).like(
                        LikeExpr::new(format!("%{}%", like_literal(&email.trim().to_lowercase())))
                            .escape(LIKE_ESCAPE),
                    ),
                ),
        )
        .order_by_asc(comment::Column::CreatedAt)
        .all(db)
        .await?;
    let sessions = consulting_session::Entity::find()
        .filter(consulting_session::Column::TicketId.is_in(ids.clone()))
        .filter(consulting_session::Column::Notes.is_not_null())
        .order_by_asc(consulting_session::Column::StartsAt)
        .all(db)
        .await?;
    let mut access_records =
        access_log::about_tickets(db, &ids, DISCLOSED_ACCESS_RECORDS + 1).await?;
    let access_records_truncated = access_records.len() as u64 > DISCLOSED_ACCESS_RECORDS;
    access_records.truncate(usize::try_from(DISCLOSED_ACCESS_RECORDS).unwrap_or(usize::MAX));
    let receipts = data_receipt::Entity::find()
        .filter(data_receipt::Column::TicketId.is_in(ids))
        .order_by_asc(data_receipt::Column::Id)
        .all(db)
        .await?;
    Ok(Disclosure {
        tickets,
        comments,
        sessions,
        access_records,
        access_records_truncated,
        receipts,
    })
}

/// Anonymizes at once every case of the person whose contact e-mail is `email`, as retention
/// would, with `reason` in each `ticket.anonymized` event. Refused with 409 `case-open` while
/// one of them is still being worked, unless `force`; 404 when no case holds the e-mail.
/// Returns the references of the cases anonymized.
pub async fn erase(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &str,
    reason: String,
    force: bool,
) -> Result<Vec<String>, ApiError> {
    let tx = begin_write(db).await?;
    let tickets: Vec<(Uuid, String, TicketStatus)> = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .column(ticket::Column::Reference)
        .column(ticket::Column::Status)
        .filter(ticket::Column::Id.in_subquery(tickets_of_email(email)))
        .filter(ticket::Column::AnonymizedAt.is_null())
        .order_by_asc(ticket::Column::Id)
        .into_tuple()
        .all(&tx)
        .await?;
    if tickets.is_empty() {
        return Err(ApiError::NotFound(
            "no personal data is held under this e-mail".to_owned(),
        ));
    }
    let open: Vec<&str> = tickets
        .iter()
        .filter(|(_, _, status)| !FINAL_STATUSES.contains(status))
        .map(|(_, reference, _)| reference.as_str())
        .collect();
    if !open.is_empty() && !force {
        let mut extensions = serde_json::Map::new();
        extensions.insert("open_cases".to_owned(), json!(open));
        return Err(ApiError::Conflict {
            slug: "case-open",
            detail: format!(
                "the person's cases {} are still open; close or cancel them first, or send \"force\": true",
                open.join(", ")
            ),
            extensions,
        });
    }
    let ids: Vec<Uuid> = tickets.iter().map(|(id, ..)| *id).collect();
    let anonymized =
        anonymize_tickets(&tx, &ids, actor, &Trigger::Request { reason }, Utc::now()).await?;
    tx.commit().await?;
    Ok(tickets
        .into_iter()
        .filter(|(id, ..)| anonymized.contains(id))
        .map(|(_, reference, _)| reference)
        .collect())
}
