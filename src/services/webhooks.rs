//! Webhook subscriptions, the outbox that feeds them and their delivery history. The worker
//! that empties the outbox is `services::webhook_delivery`.
//!
//! A partner's subscription hears about its own partner's cases only (its `partner_id` is
//! stored); analysts' and admins' subscriptions hear about every event.
//!
//! A subscription belongs to the client that made it (`owner_client_id`). Who may list it,
//! read its deliveries and delete it is [`crate::auth::policy::webhook_reach`], turned here
//! into the one condition every read of subscriptions uses ([`reach_condition`]).
use std::{collections::HashMap, net::SocketAddr, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, InsertStatement, LikeExpr, Query},
};
use sea_orm::{DatabaseTransaction, QueryResult};
use uuid::Uuid;

use crate::services::idempotency::{Create, Made};
use crate::{
    auth::{Actor, Role, WebhookReach, policy::webhook_reach},
    db::begin_write,
    domain::webhook_destination::{Destination, DestinationHost, refuse_resolved},
    entities::{api_client, ticket, webhook_attempt, webhook_delivery, webhook_subscription},
    error::ApiError,
    pagination::{Cursor, PageRequest},
    services::{LIKE_ESCAPE, like_literal},
};

/// The prefix of signing secrets (Standard Webhooks).
pub const SECRET_PREFIX: &str = "whsec_";
/// How long resolving a destination's name may take.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// The states of a delivery.
pub mod status {
    /// Waiting for its next attempt (or held by a worker until its lease ends).
    pub const PENDING: &str = "pending";
    /// The receiver answered 2xx.
    pub const DELIVERED: &str = "delivered";
    /// Every attempt of the schedule failed.
    pub const FAILED: &str = "failed";
    /// Given up because the subscription was disabled (the receiver answered 410 Gone).
    pub const ABANDONED: &str = "abandoned";
}

/// The `webhook-id` of every attempt to deliver `event_id`: stable across retries, so
/// receivers can drop duplicates.
pub fn webhook_id(event_id: Uuid) -> String {
    format!("msg_{}", event_id.simple())
}

/// A subscription to create, already checked.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    /// Where to post.
    pub destination: Destination,
    /// Event types wanted (each one of `events::types::ALL`, no repeats); empty for all.
    pub event_types: Vec<String>,
}

/// A stored subscription (without its secret).
#[derive(Debug, Clone)]
pub struct Subscription {
    /// Id.
    pub id: Uuid,
    /// The destination.
    pub url: String,
    /// Event types wanted; empty for all.
    pub event_types: Vec<String>,
    /// False once disabled.
    pub active: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<webhook_subscription::Model> for Subscription {
    fn from(model: webhook_subscription::Model) -> Self {
        Self {
            id: model.id,
            url: model.url,
            event_types: decode_event_types(&model.event_types),
            active: model.active,
            disabled_reason: model.disabled_reason,
            created_at: model.created_at,
        }
    }
}

/// One delivery with every attempt.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The event delivered.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// `pending`, `delivered`, `failed` or `abandoned`.
    pub status: String,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
    /// Every recorded attempt, first first.
    pub attempts: Vec<webhook_attempt::Model>,
}

/// `,a,b,` for matching with one `LIKE '%,a,%'`; empty for every type.
fn encode_event_types(event_types: &[String]) -> String {
    if event_types.is_empty() {
        String::new()
    } else {
        format!(",{},", event_types.join(","))
    }
}

fn decode_event_types(stored: &str) -> Vec<String> {
    stored
        .split(',')
        .filter(|part| !part.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whose subscriptions may hear about an event: the center's always; a partner's only about
/// the partner's own cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// An event about a stored case (its partner is read in the statement).
    StoredTicket(Uuid),
    /// The center's subscriptions and, when given, this partner's: an event about no case
    /// (`None`), or about a case written in the same statement by the partner that filed it.
    Partner(Option<Uuid>),
}

/// The one statement that enqueues the webhook deliveries of freshly written events:
/// `INSERT INTO webhook_deliveries (...) SELECT ...` of every active subscription that
/// wants the event's type and belongs to the audience, one `SELECT` an event joined by
/// `UNION ALL`. The events are given as values, not read back, so the statement can run
/// beside the insert of the events themselves (see [`crate::db::Writes`]). Deliveries are
/// keyed by (subscription, event), so nothing is generated in SQL and the statement reads the
/// same on every backend. `None` when there are no events. An event given with `false`
/// (one a partner may not hear of, see [`crate::services::events::partner_may_see`]) goes to
/// the center's subscriptions only.
pub fn enqueue_statement<'a>(
    audience: Audience,
    events: impl IntoIterator<Item = (Uuid, &'a str, bool)>,
    now: DateTime<Utc>,
) -> Result<Option<InsertStatement>, ApiError> {
    use webhook_subscription::Column as S;
    let subscriptions = webhook_subscription::Entity;
    let center = Expr::col((subscriptions, S::PartnerId)).is_null();
    let audience = match audience {
        Audience::StoredTicket(ticket_id) => Condition::any().add(center.clone()).add(
            Expr::col((subscriptions, S::PartnerId)).in_subquery(
                Query::select()
                    .column(ticket::Column::PartnerId)
                    .from(ticket::Entity)
                    .and_where(Expr::col(ticket::Column::Id).eq(ticket_id))
                    .to_owned(),
            ),
        ),
        Audience::Partner(None) => Condition::any().add(center.clone()),
        Audience::Partner(Some(partner_id)) => Condition::any()
            .add(center.clone())
            .add(Expr::col((subscriptions, S::PartnerId)).eq(partner_id)),
    };
    let mut union: Option<sea_orm::sea_query::SelectStatement> = None;
    for (event_id, event_type, partner_may_see) in events {
        let audience = if partner_may_see {
            audience.clone()
        } else {
            Condition::any().add(center.clone())
        };
        let wants_type = Condition::any()
            .add(Expr::col((subscriptions, S::EventTypes)).eq(""))
            .add(Expr::col((subscriptions, S::EventTypes)).like(
                LikeExpr::new(format!("%,{},%", like_literal(event_type))).escape(LIKE_ESCAPE),
            ));
        let select = Query::select()
            .expr(Expr::col((subscriptions, S::Id)))
            .expr(Expr::val(event_id))
            .expr(Expr::val(event_type))
            .expr(Expr::val(status::PENDING))
            .expr(Expr::val(0i32))
            .expr(Expr::val(now))
            .expr(Expr::val(now))
            .expr(Expr::val(now))
            .from(subscriptions)
            .and_where(Expr::col((subscriptions, S::Active)).eq(true))
            .cond_where(wants_type)
            .cond_where(audience)
            .to_owned();
        union = Some(match union {
            None => select,
            Some(mut first) => {
                first.union(sea_orm::sea_query::UnionType::All, select);
                first
            }
        });
    }
    let Some(select) = union else {
        return Ok(None);
    };
    use webhook_delivery::Column as D;
    let mut insert = Query::insert();
    insert
        .into_table(webhook_delivery::Entity)
        .columns([
            D::SubscriptionId,
            D::EventId,
            D::EventType,
            D::Status,
            D::AttemptCount,
            D::NextAttemptAt,
            D::CreatedAt,
            D::UpdatedAt,
        ])
        .select_from(select)
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("the outbox statement: {error}")))?;
    Ok(Some(insert.to_owned()))
}

/// Checks a destination as a subscription is created and before every delivery: the URL's
/// rules, then (unless private destinations are allowed) every address its name resolves
/// to. `Err` says why, for the `url` field or the attempt's error.
pub async fn check_destination(raw: &str, allow_private: bool) -> Result<Destination, String> {
    let destination = Destination::parse(raw, allow_private)?;
    if !allow_private && let DestinationHost::Name(name) = destination.host()? {
        resolve_public(&name, destination.port()).await?;
    }
    Ok(destination)
}

/// Resolves `name` and refuses it when any of its addresses is not public (a name with one
/// private address among public ones could be steered to it). The delivery worker's
/// resolver applies the same [`refuse_resolved`].
pub async fn resolve_public(name: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let addresses: Vec<SocketAddr> =
        tokio::time::timeout(RESOLVE_TIMEOUT, tokio::net::lookup_host((name, port)))
            .await
            .map_err(|_| format!("its host {name} did not resolve in time"))?
            .map_err(|error| format!("its host {name} does not resolve ({error})"))?
            .collect();
    let ips: Vec<std::net::IpAddr> = addresses.iter().map(SocketAddr::ip).collect();
    refuse_resolved(name, &ips)?;
    Ok(addresses)
}

/// The partner whose cases `client` may subscribe to: `Some` for partners, `None` (every
/// case) for the other roles allowed to manage webhooks.
fn scope(client: &Actor) -> Result<Option<Uuid>, ApiError> {
    match client.role {
        Role::Partner => client.partner_id.map(Some).ok_or_else(|| {
            ApiError::Forbidden("this partner client is not bound to a partner".into())
        }),
        _ => Ok(None),
    }
}

/// The condition that keeps the subscriptions `client` reaches (see [`webhook_reach`]).
fn reach_condition(client: &Actor) -> Result<Condition, ApiError> {
    use webhook_subscription::Column as S;
    match webhook_reach(client.role) {
        WebhookReach::Every => Ok(Condition::all()),
        WebhookReach::OwnPartner => {
            let partner_id = client.partner_id.ok_or_else(|| {
                ApiError::Forbidden("this partner client is not bound to a partner".into())
            })?;
            Ok(Condition::all().add(S::PartnerId.eq(partner_id)))
        }
        // The token names the public client id; the owner is the client's row.
        WebhookReach::OwnClient => Ok(Condition::all().add(
            S::OwnerClientId.in_subquery(
                Query::select()
                    .column(api_client::Column::Id)
                    .from(api_client::Entity)
                    .and_where(Expr::col(api_client::Column::ClientId).eq(&client.client_id))
                    .to_owned(),
            ),
        )),
        WebhookReach::Nothing => Err(ApiError::Forbidden(format!(
            "a {} client may not manage webhooks",
            client.role
        ))),
    }
}

/// Creates a subscription owned by `client` and returns it with its new secret: `whsec_`
/// and the base64 of 32 random bytes.
pub async fn create(
    db: &impl ConnectionTrait,
    client: &Actor,
    new: NewSubscription,
) -> Result<(Subscription, String), ApiError> {
    let partner_id = scope(client)?;
    let owner = api_client::Entity::find()
        .filter(api_client::Column::ClientId.eq(&client.client_id))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::Unauthorized("this client no longer exists".to_owned()))?;
    let secret = format!(
        "{SECRET_PREFIX}{}",
        STANDARD.encode(rand::random::<[u8; 32]>())
    );
    let model = webhook_subscription::ActiveModel {
        id: Set(Uuid::now_v7()),
        partner_id: Set(partner_id),
        created_by: Set(client.client_id.clone()),
        owner_client_id: Set(Some(owner.id)),
        url: Set(new.destination.url().to_string()),
        event_types: Set(encode_event_types(&new.event_types)),
        // Kept as is, not hashed: every delivery is signed with it.
        secret: Set(secret.clone()),
        active: Set(true),
        disabled_reason: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await?;
    Ok((model.into(), secret))
}

/// The subscription `id` if `client` reaches it, 404 otherwise (whether it exists is not
/// told).
async fn visible(
    db: &impl ConnectionTrait,
    client: &Actor,
    id: Uuid,
) -> Result<webhook_subscription::Model, ApiError> {
    webhook_subscription::Entity::find_by_id(id)
        .filter(reach_condition(client)?)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no webhook subscription has the id {id}")))
}

/// One page of the subscriptions `client` reaches, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    client: &Actor,
    page: &PageRequest,
) -> Result<(Vec<Subscription>, Option<String>), ApiError> {
    let mut query = webhook_subscription::Entity::find()
        .filter(reach_condition(client)?)
        .order_by_asc(webhook_subscription::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(webhook_subscription::Column::Id.gt(after));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    let (rows, next) = page.split(rows, |row| row.id);
    Ok((
        rows.into_iter().map(Subscription::from).collect(),
        next.map(Cursor::encode),
    ))
}

/// Deletes a subscription with its deliveries and their attempts.
pub async fn delete(db: &DatabaseConnection, client: &Actor, id: Uuid) -> Result<(), ApiError> {
    let tx = begin_write(db).await?;
    let subscription = visible(&tx, client, id).await?;
    // Attempts go with their deliveries (ON DELETE CASCADE).
    webhook_delivery::Entity::delete_many()
        .filter(webhook_delivery::Column::SubscriptionId.eq(subscription.id))
        .exec(&tx)
        .await?;
    webhook_subscription::Entity::delete_by_id(subscription.id)
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// One page of a subscription's deliveries, newest event first, each with every attempt.
pub async fn deliveries(
    db: &impl ConnectionTrait,
    client: &Actor,
    id: Uuid,
    page: &PageRequest,
) -> Result<(Vec<Delivery>, Option<String>), ApiError> {
    use webhook_delivery::Column as D;
    let subscription = visible(db, client, id).await?;
    // Event ids are UUIDv7, so their order is the order the events happened in.
    let mut query = webhook_delivery::Entity::find()
        .filter(D::SubscriptionId.eq(subscription.id))
        .order_by_desc(D::EventId);
    if let Some(before) = page.after {
        query = query.filter(D::EventId.lt(before));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    let (rows, next) = page.split(rows, |row| row.event_id);
    let event_ids: Vec<Uuid> = rows.iter().map(|row| row.event_id).collect();
    let mut attempts: HashMap<Uuid, Vec<webhook_attempt::Model>> = HashMap::new();
    if !event_ids.is_empty() {
        let found = webhook_attempt::Entity::find()
            .filter(webhook_attempt::Column::SubscriptionId.eq(subscription.id))
            .filter(webhook_attempt::Column::EventId.is_in(event_ids))
            .order_by_asc(webhook_attempt::Column::Attempt)
            .order_by_asc(webhook_attempt::Column::AttemptedAt)
            .all(db)
            .await?;
        for attempt in found {
            attempts.entry(attempt.event_id).or_default().push(attempt);
        }
    }
    let deliveries = rows
        .into_iter()
        .map(|row| Delivery {
            event_id: row.event_id,
            event_type: row.event_type,
            next_attempt_at: (row.status == status::PENDING).then_some(row.next_attempt_at),
            status: row.status,
            created_at: row.created_at,
            attempts: attempts.remove(&row.event_id).unwrap_or_default(),
        })
        .collect();
    Ok((deliveries, next.map(Cursor::encode)))
}

/// A subscription being made by its owner, under the idempotency protocol.
#[derive(Debug)]
pub struct Subscribing<'a> {
    /// The client that will own it.
    pub owner: &'a Actor,
    /// What it subscribes to.
    pub new: NewSubscription,
}

impl Create for Subscribing<'_> {
    /// The subscription and its signing secret (shown this once).
    type Made = (Subscription, String);

    async fn make(
        self,
        tx: &DatabaseTransaction,
        _opened: Option<QueryResult>,
    ) -> Result<Made<Self::Made>, ApiError> {
        create(tx, self.owner, self.new).await.map(Made::done)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_lists_round_trip_and_escape_like_wildcards() {
        let types = vec![
            "ticket.created".to_owned(),
            "ticket.status_changed".to_owned(),
        ];
        let stored = encode_event_types(&types);
        assert_eq!(stored, ",ticket.created,ticket.status_changed,");
        assert_eq!(decode_event_types(&stored), types);
        assert_eq!(encode_event_types(&[]), "");
        assert!(decode_event_types("").is_empty());
        // Event types hold `_`, a LIKE wildcard: it is matched literally.
        assert_eq!(
            like_literal("ticket.status_changed"),
            "ticket.status\\_changed"
        );
    }

    #[test]
    fn the_outbox_is_one_insert_select_on_every_backend() {
        use sea_orm::DbBackend;
        let ticket_id = Uuid::now_v7();
        let statement = enqueue_statement(
            Audience::StoredTicket(ticket_id),
            [
                (Uuid::now_v7(), "ticket.created", true),
                (Uuid::now_v7(), "ticket.status_changed", true),
            ],
            Utc::now(),
        )
        .unwrap()
        .unwrap();
        // The `_` of the event type is escaped, so it matches only itself.
        let escaped = [
            (
                DbBackend::Postgres,
                r"E'%,ticket.status\\_changed,%' ESCAPE E'\\'",
            ),
            (
                DbBackend::Sqlite,
                r"'%,ticket.status\_changed,%' ESCAPE '\'",
            ),
        ];
        for (backend, pattern) in escaped {
            let sql = backend.build(&statement).to_string();
            assert!(
                sql.starts_with(r#"INSERT INTO "webhook_deliveries""#),
                "{sql}"
            );
            assert!(sql.contains("SELECT"), "{sql}");
            assert!(sql.contains("UNION ALL"), "one SELECT an event: {sql}");
            assert!(sql.contains(pattern), "{sql}");
            assert!(sql.contains(&ticket_id.to_string()), "{sql}");
        }
    }

    #[test]
    fn webhook_ids_are_the_event_id_with_a_prefix() {
        let id = Uuid::nil();
        assert_eq!(webhook_id(id), "msg_00000000000000000000000000000000");
    }
}
