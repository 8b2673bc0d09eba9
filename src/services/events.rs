//! The audit trail: every change writes its event in the transaction of the change.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryTrait,
    sea_query::{Expr, ExprTrait, Func, SimpleExpr},
};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    auth::{Actor, policy},
    db::Writes,
    domain::business_days::jst_date,
    entities::{event, stored::Json, ticket},
    error::ApiError,
    services::webhooks::{self, Audience},
};

/// Event types.
pub mod types {
    /// A case was filed.
    pub const TICKET_CREATED: &str = "ticket.created";
    /// Editable fields of a case changed.
    pub const TICKET_UPDATED: &str = "ticket.updated";
    /// A case got (or changed) its track.
    pub const TICKET_ROUTED: &str = "ticket.routed";
    /// A case's status changed by a transition.
    pub const TICKET_STATUS_CHANGED: &str = "ticket.status_changed";
    /// A comment was added.
    pub const COMMENT_ADDED: &str = "comment.added";
    /// A manager was assigned to a case.
    pub const TICKET_ASSIGNED: &str = "ticket.assigned";
    /// A case's manager was released.
    pub const TICKET_RELEASED: &str = "ticket.released";
    /// A consulting session was booked.
    pub const SESSION_SCHEDULED: &str = "session.scheduled";
    /// A consulting session ended (held, cancelled, no-show) or its notes changed.
    pub const SESSION_UPDATED: &str = "session.updated";
    /// An outcome was recorded (or replaced).
    pub const OUTCOME_RECORDED: &str = "outcome.recorded";
    /// A coordinator changed a shared company record (about no case: the center's
    /// subscriptions only).
    pub const COMPANY_UPDATED: &str = "company.updated";
    /// A cross-track case and its twin on the other track were linked (one event on each).
    pub const TICKET_LINKED: &str = "ticket.linked";
    /// A duplicate case was merged into a surviving case (one event on each).
    pub const TICKET_MERGED: &str = "ticket.merged";
    /// A case's contact details and free texts were anonymized (retention, or the person's
    /// request for erasure).
    pub const TICKET_ANONYMIZED: &str = "ticket.anonymized";

    /// Every event type, in the order API.md lists them and the ones added since after
    /// (webhook subscriptions choose among these).
    pub const ALL: [&str; 14] = [
        TICKET_CREATED,
        TICKET_UPDATED,
        TICKET_ROUTED,
        TICKET_ASSIGNED,
        TICKET_RELEASED,
        TICKET_STATUS_CHANGED,
        SESSION_SCHEDULED,
        SESSION_UPDATED,
        OUTCOME_RECORDED,
        COMMENT_ADDED,
        COMPANY_UPDATED,
        TICKET_LINKED,
        TICKET_MERGED,
        TICKET_ANONYMIZED,
    ];
}

/// Appends an event about `ticket_id` caused by `actor`.
pub async fn record(
    db: &impl ConnectionTrait,
    ticket_id: Option<Uuid>,
    event_type: &str,
    actor: &Actor,
    data: Value,
) -> Result<(), ApiError> {
    record_all(db, ticket_id, actor, vec![(event_type, data)]).await
}

/// Appends several events about `ticket_id` in one statement, in the order given, and
/// enqueues their webhook deliveries (the outbox) with one more: both commit or roll back
/// with the change that caused them.
pub async fn record_all(
    db: &impl ConnectionTrait,
    ticket_id: Option<Uuid>,
    actor: &Actor,
    events: Vec<(&str, Value)>,
) -> Result<(), ApiError> {
    let now = Utc::now();
    // The center's first action on a case is its first contact (a service level); the
    // filing itself counts only for cases the center took by phone, at its desk, on the web
    // or by e-mail, which are marked when created.
    let by_center = policy::acts_for_center(actor.role);
    let first_action = events
        .iter()
        .any(|(event_type, _)| *event_type != types::TICKET_CREATED);
    if let Some(ticket_id) = ticket_id.filter(|_| by_center && first_action) {
        let mut update = ticket::Entity::update_many();
        for (column, value) in first_contact_columns(now) {
            update = update.col_expr(column, value);
        }
        update
            .filter(ticket::Column::Id.eq(ticket_id))
            .filter(ticket::Column::FirstContactAt.is_null())
            .exec(db)
            .await?;
    }
    append(db, ticket_id, actor, events, now).await
}

/// The writes of events as [`record_all`] appends them, for a change whose own update of the
/// case already carried the center's first contact ([`first_contact_columns`]), to make
/// with that update in one statement or after it (see [`Writes`]): an assignment, which would
/// otherwise send the case an update that changes nothing, one round trip more.
pub fn contact_written_writes(
    ticket_id: Uuid,
    actor: &Actor,
    events: Vec<(&str, Value)>,
) -> Result<Writes, ApiError> {
    writes(
        Some(ticket_id),
        Audience::StoredTicket(ticket_id),
        actor,
        events,
        Utc::now(),
    )
}

/// The events and their webhook deliveries, in one statement.
async fn append(
    db: &impl ConnectionTrait,
    ticket_id: Option<Uuid>,
    actor: &Actor,
    events: Vec<(&str, Value)>,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let audience = match ticket_id {
        Some(ticket_id) => Audience::StoredTicket(ticket_id),
        None => Audience::Partner(None),
    };
    writes(ticket_id, audience, actor, events, now)?
        .run(db)
        .await?;
    Ok(())
}

/// The first contact made `now`, as column values of an update of the case: it keeps a first
/// contact already made, so an update that also does other things may carry it (an
/// assignment does, sparing its events a second write of the row).
pub fn first_contact_columns(now: DateTime<Utc>) -> [(ticket::Column, SimpleExpr); 2] {
    [
        (
            ticket::Column::FirstContactAt,
            Func::coalesce([Expr::col(ticket::Column::FirstContactAt), Expr::value(now)]).into(),
        ),
        (
            ticket::Column::FirstContactMet,
            Func::coalesce([
                Expr::col(ticket::Column::FirstContactMet),
                Expr::col(ticket::Column::FirstContactDue).gte(jst_date(now)),
            ])
            .into(),
        ),
    ]
}

/// Keys of event data a partner may read, in the case's events and in its webhook
/// deliveries; the rest (reasons, internal comment ids, routing internals) stays with the
/// center.
const PARTNER_SAFE_KEYS: &[&str] = &[
    "reference",
    "channel",
    "status",
    "from",
    "to",
    "track",
    "fields",
    // A linked twin is the partner's own case too.
    "linked_ticket_id",
    "linked_reference",
    // A merge names the other case only when the case's filer may see it (see
    // services::tickets::merge), so these are safe as stored.
    "side",
    "merged_by_center",
    "merged_into",
    "merged_into_reference",
    "merged_from",
    "merged_from_reference",
    // Why a case was anonymized: retention or a request (the request's reason stays).
    "trigger",
];

/// Whether a partner hears of an event of type `event_type` with `data` at all: a comment
/// the center keeps internal is the center's alone.
pub fn partner_may_see(event_type: &str, data: &Value) -> bool {
    event_type != types::COMMENT_ADDED
        || data.get("visibility").and_then(Value::as_str) == Some("partner")
}

/// What a partner reads of an event's `data`: its partner-safe keys only.
pub fn partner_data(data: &Value) -> Value {
    Value::Object(
        data.as_object()
            .map(|object| {
                object
                    .iter()
                    .filter(|(key, _)| PARTNER_SAFE_KEYS.contains(&key.as_str()))
                    .map(|(key, value)| (key.clone(), value.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    )
}

/// The insert of `events` and the enqueueing of their webhook deliveries (the outbox), as
/// writes to make together in the transaction of the change that caused them.
pub fn writes(
    ticket_id: Option<Uuid>,
    audience: Audience,
    actor: &Actor,
    events: Vec<(&str, Value)>,
    now: DateTime<Utc>,
) -> Result<Writes, ApiError> {
    let mut writes = Writes::new();
    if events.is_empty() {
        return Ok(writes);
    }
    let events: Vec<(Uuid, &str, Value)> = events
        .into_iter()
        .map(|(event_type, data)| (Uuid::now_v7(), event_type, data))
        .collect();
    let outbox = webhooks::enqueue_statement(
        audience,
        events
            .iter()
            .map(|(id, event_type, data)| (*id, *event_type, partner_may_see(event_type, data))),
        now,
    )?;
    let rows = events
        .into_iter()
        .map(|(id, event_type, data)| event::ActiveModel {
            seq: NotSet,
            id: Set(id),
            ticket_id: Set(ticket_id),
            event_type: Set(event_type.to_owned()),
            actor: Set(actor.client_id.clone()),
            actor_role: Set(actor.role),
            data: Set(Json(data)),
            created_at: Set(now),
            feed_seq: Set(None),
        });
    writes.push(event::Entity::insert_many(rows).into_query());
    if let Some(outbox) = outbox {
        writes.push(outbox);
    }
    Ok(writes)
}

/// The events of one case, oldest first.
pub async fn for_ticket(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<Vec<event::Model>, ApiError> {
    Ok(event::Entity::find()
        .filter(event::Column::TicketId.eq(ticket_id))
        .order_by_asc(event::Column::Seq)
        .all(db)
        .await?)
}
