//! The delivery worker: empties the webhook outbox, at least once, from any number of
//! instances.
//!
//! Every instance polls for due deliveries and claims a few in a short transaction (`FOR
//! UPDATE SKIP LOCKED` on PostgreSQL, so instances never wait for or take each other's
//! rows; SQLite's single writer serializes the claim): a claim counts the attempt and moves
//! `next_attempt_at` to the end of a lease, then commits. The request is made outside any
//! transaction, then the attempt and the new state are recorded. A worker that dies
//! mid-delivery leaves its rows leased; when the lease ends they are due again, so every
//! event is delivered at least once and never by two instances at the same time (the lease
//! outlasts the request timeout by far).
//!
//! Requests follow Standard Webhooks: `webhook-id` (the same on every attempt),
//! `webhook-timestamp` (of the attempt) and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">` keyed with the decoded secret. The body is built from the
//! stored event, so every attempt sends the same bytes.
use std::{collections::HashMap, sync::Arc, time::Duration};

use base64::{Engine, engine::general_purpose::STANDARD};
use chrono::{SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use serde_json::{Map, Value, json};
use sha2::Sha256;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::{
    config::Settings,
    db::begin_write,
    domain::webhook_destination::refuse_resolved,
    entities::{event, webhook_attempt, webhook_delivery, webhook_subscription},
    services::{
        events,
        webhooks::{self, SECRET_PREFIX, check_destination, status},
    },
};

/// How often an idle worker looks for due deliveries.
pub const POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Deliveries one claim takes (and posts concurrently).
pub const CLAIM_BATCH: u64 = 16;
/// How long a claimed delivery is held; it must outlast [`REQUEST_TIMEOUT`].
pub const LEASE: Duration = Duration::from_secs(60);
/// How long a receiver may take to answer.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest error message kept for an attempt.
const MAX_ERROR_LENGTH: usize = 500;

/// The running worker of this instance; dropping it stops the worker (a delivery cut short
/// is made again when its lease ends).
pub struct WorkerHandle(JoinHandle<()>);

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Starts `worker` on the current runtime.
pub fn spawn(worker: Worker) -> WorkerHandle {
    WorkerHandle(tokio::spawn(worker.run()))
}

/// Delivers the outbox of one instance.
pub struct Worker {
    db: DatabaseConnection,
    settings: Arc<Settings>,
    http: reqwest::Client,
}

/// A delivery this worker holds, with what it needs to make the attempt.
struct Claimed {
    delivery: webhook_delivery::Model,
    /// The attempt being made (1 for the first).
    attempt: i32,
    subscription: Option<webhook_subscription::Model>,
    event: Option<event::Model>,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// 2xx.
    Delivered(u16),
    /// 410: the receiver wants no more.
    Gone,
    /// Another status, no answer, or a refused destination.
    Failed {
        status_code: Option<u16>,
        error: Option<String>,
    },
}

impl Worker {
    /// A worker with its own HTTP client: no proxies (a proxy would resolve names where we
    /// cannot check them), no redirects (a redirect could point anywhere), a 10 s timeout and
    /// a resolver that refuses private addresses unless they are allowed.
    pub fn new(db: DatabaseConnection, settings: Arc<Settings>) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("onestop-webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(Arc::new(PublicResolver {
                allow_private: settings.webhook_allow_private,
            }))
            .build()?;
        Ok(Self { db, settings, http })
    }

    async fn run(self) {
        loop {
            match self.deliver_due().await {
                // A full batch: more may be waiting.
                Ok(count) if count as u64 >= CLAIM_BATCH => continue,
                Ok(_) => tokio::time::sleep(POLL_INTERVAL).await,
                Err(error) => {
                    tracing::warn!(error = %error, "webhook delivery round failed; retrying");
                    tokio::time::sleep(POLL_INTERVAL * 8).await;
                }
            }
        }
    }

    /// One round: claims due deliveries, posts them and records how each went. Returns how
    /// many were claimed.
    pub async fn deliver_due(&self) -> Result<usize, DbErr> {
        let claimed = self.claim().await?;
        let count = claimed.len();
        let mut deliverable = Vec::with_capacity(count);
        for claimed in claimed {
            match &claimed.subscription {
                // Deleted while its event was being enqueued: an orphan to drop.
                None => self.drop_orphan(&claimed.delivery).await?,
                // Disabled while its event was being enqueued: nothing more goes to it.
                Some(subscription) if !subscription.active => {
                    self.abandon(&claimed.delivery).await?;
                }
                Some(_) => deliverable.push(claimed),
            }
        }
        let attempts = deliverable.into_iter().map(|claimed| async move {
            let (outcome, attempted_at, duration) = self.attempt(&claimed).await;
            if let Err(error) = self
                .record(&claimed, &outcome, attempted_at, duration)
                .await
            {
                tracing::warn!(
                    error = %error,
                    event_id = %claimed.delivery.event_id,
                    "recording a webhook attempt failed; it is retried when its lease ends"
                );
            }
        });
        futures_util::future::join_all(attempts).await;
        Ok(count)
    }

    async fn drop_orphan(&self, delivery: &webhook_delivery::Model) -> Result<(), DbErr> {
        webhook_delivery::Entity::delete_by_id((delivery.subscription_id, delivery.event_id))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    async fn abandon(&self, delivery: &webhook_delivery::Model) -> Result<(), DbErr> {
        use webhook_delivery::Column as D;
        webhook_delivery::Entity::update_many()
            .col_expr(D::Status, Expr::value(status::ABANDONED))
            .col_expr(D::UpdatedAt, Expr::value(Utc::now()))
            .filter(D::SubscriptionId.eq(delivery.subscription_id))
            .filter(D::EventId.eq(delivery.event_id))
            .filter(D::Status.eq(status::PENDING))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Takes up to [`CLAIM_BATCH`] due deliveries under a lease.
    async fn claim(&self) -> Result<Vec<Claimed>, DbErr> {
        use webhook_delivery::Column as D;
        let now = Utc::now();
        // A cheap read first, so idle instances do not take SQLite's write lock 4 times a
        // second.
        let any_due = webhook_delivery::Entity::find()
            .filter(D::Status.eq(status::PENDING))
            .filter(D::NextAttemptAt.lte(now))
            .limit(1)
            .one(&self.db)
            .await?;
        if any_due.is_none() {
            return Ok(Vec::new());
        }
        let tx = begin_write(&self.db).await?;
        let due = due_deliveries(now).all(&tx).await?;
        if due.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let lease_until = now + LEASE;
        let mut keys = Condition::any();
        for delivery in &due {
            keys = keys.add(
                Condition::all()
                    .add(D::SubscriptionId.eq(delivery.subscription_id))
                    .add(D::EventId.eq(delivery.event_id)),
            );
        }
        webhook_delivery::Entity::update_many()
            .col_expr(D::NextAttemptAt, Expr::value(lease_until))
            .col_expr(D::AttemptCount, Expr::col(D::AttemptCount).add(1))
            .col_expr(D::UpdatedAt, Expr::value(now))
            .filter(keys)
            .exec(&tx)
            .await?;
        tx.commit().await?;

        let mut subscription_ids: Vec<Uuid> = due.iter().map(|d| d.subscription_id).collect();
        subscription_ids.sort_unstable();
        subscription_ids.dedup();
        let mut event_ids: Vec<Uuid> = due.iter().map(|d| d.event_id).collect();
        event_ids.sort_unstable();
        event_ids.dedup();
        let subscriptions = webhook_subscription::Entity::find()
            .filter(webhook_subscription::Column::Id.is_in(subscription_ids))
            .all(&self.db)
            .await?;
        let events = event::Entity::find()
            .filter(event::Column::Id.is_in(event_ids))
            .all(&self.db)
            .await?;
        Ok(pair_up(due, subscriptions, events))
    }

    /// Makes one attempt; returns how it ended, when it started and how long it took.
    async fn attempt(
        &self,
        claimed: &Claimed,
    ) -> (Outcome, chrono::DateTime<Utc>, std::time::Duration) {
        let started_at = Utc::now();
        let clock = std::time::Instant::now();
        let outcome = match (&claimed.subscription, &claimed.event) {
            (Some(subscription), Some(event)) => self.post(subscription, event).await,
            _ => Outcome::Failed {
                status_code: None,
                error: Some("the event no longer exists".to_owned()),
            },
        };
        (outcome, started_at, clock.elapsed())
    }

    async fn post(
        &self,
        subscription: &webhook_subscription::Model,
        event: &event::Model,
    ) -> Outcome {
        let failed = |error: String| Outcome::Failed {
            status_code: None,
            error: Some(truncate(error)),
        };
        // DNS may have changed since the subscription was checked.
        let destination =
            match check_destination(&subscription.url, self.settings.webhook_allow_private).await {
                Ok(destination) => destination,
                Err(message) => return failed(format!("destination refused: url {message}")),
            };
        // A partner's subscription reads what the partner reads of the case's events.
        let body = match payload(event, subscription.partner_id.is_some()) {
            Ok(body) => body,
            Err(error) => return failed(format!("the event could not be encoded: {error}")),
        };
        let id = webhooks::webhook_id(event.id);
        let timestamp = Utc::now().timestamp();
        let signature = match sign(&subscription.secret, &id, timestamp, &body) {
            Ok(signature) => signature,
            Err(error) => return failed(error),
        };
        let response = self
            .http
            .post(destination.url().clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        match response {
            Ok(response) => {
                let code = response.status().as_u16();
                match code {
                    200..=299 => Outcome::Delivered(code),
                    410 => Outcome::Gone,
                    _ => Outcome::Failed {
                        status_code: Some(code),
                        error: None,
                    },
                }
            }
            Err(error) => failed(error_chain(&error)),
        }
    }

    /// Records the attempt and moves the delivery on: delivered, retried after the next
    /// wait of the schedule, failed when the schedule is used up, or abandoned with its
    /// subscription disabled on 410.
    async fn record(
        &self,
        claimed: &Claimed,
        outcome: &Outcome,
        attempted_at: chrono::DateTime<Utc>,
        duration: Duration,
    ) -> Result<(), DbErr> {
        use webhook_delivery::Column as D;
        let delivery = &claimed.delivery;
        let tx = begin_write(&self.db).await?;
        let still_there =
            webhook_delivery::Entity::find_by_id((delivery.subscription_id, delivery.event_id))
                .one(&tx)
                .await?;
        if still_there.is_none() {
            // The subscription was deleted meanwhile, with its deliveries.
            return tx.commit().await;
        }
        let (status_code, error) = match outcome {
            Outcome::Delivered(code) => (Some(i32::from(*code)), None),
            Outcome::Gone => (Some(410), None),
            Outcome::Failed { status_code, error } => (status_code.map(i32::from), error.clone()),
        };
        webhook_attempt::Entity::insert(webhook_attempt::ActiveModel {
            id: Set(Uuid::now_v7()),
            subscription_id: Set(delivery.subscription_id),
            event_id: Set(delivery.event_id),
            attempt: Set(claimed.attempt),
            attempted_at: Set(attempted_at),
            duration_ms: Set(i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)),
            status_code: Set(status_code),
            error: Set(error),
        })
        .exec_without_returning(&tx)
        .await?;
        let now = Utc::now();
        let (new_status, next_attempt_at) = match outcome {
            Outcome::Delivered(_) => (status::DELIVERED, now),
            Outcome::Gone => (status::ABANDONED, now),
            Outcome::Failed { .. } => {
                let made = usize::try_from(claimed.attempt).unwrap_or(usize::MAX);
                match self.settings.webhook_backoff.get(made) {
                    Some(wait) => (
                        status::PENDING,
                        now + chrono::Duration::from_std(*wait).unwrap_or(chrono::Duration::MAX),
                    ),
                    None => (status::FAILED, now),
                }
            }
        };
        // Only the holder of this attempt moves the delivery on (a worker whose lease ran
        // out must not overwrite the state a later attempt wrote).
        webhook_delivery::Entity::update_many()
            .col_expr(D::Status, Expr::value(new_status))
            .col_expr(D::NextAttemptAt, Expr::value(next_attempt_at))
            .col_expr(D::UpdatedAt, Expr::value(now))
            .filter(D::SubscriptionId.eq(delivery.subscription_id))
            .filter(D::EventId.eq(delivery.event_id))
            .filter(D::Status.eq(status::PENDING))
            .filter(D::AttemptCount.eq(claimed.attempt))
            .exec(&tx)
            .await?;
        if *outcome == Outcome::Gone {
            webhook_subscription::Entity::update_many()
                .col_expr(webhook_subscription::Column::Active, Expr::value(false))
                .col_expr(
                    webhook_subscription::Column::DisabledReason,
                    Expr::value(format!(
                        "the receiver answered 410 Gone at {}",
                        now.to_rfc3339_opts(SecondsFormat::Secs, true)
                    )),
                )
                .filter(webhook_subscription::Column::Id.eq(delivery.subscription_id))
                .exec(&tx)
                .await?;
            webhook_delivery::Entity::update_many()
                .col_expr(D::Status, Expr::value(status::ABANDONED))
                .col_expr(D::UpdatedAt, Expr::value(now))
                .filter(D::SubscriptionId.eq(delivery.subscription_id))
                .filter(D::Status.eq(status::PENDING))
                .exec(&tx)
                .await?;
            tracing::info!(
                subscription_id = %delivery.subscription_id,
                "webhook subscription disabled: the receiver answered 410 Gone"
            );
        }
        tx.commit().await
    }
}

/// Gives every claimed delivery its subscription and its event. One event is usually due for
/// several subscriptions in the same batch (every subscriber of `ticket.created` gets the
/// same event), so each delivery gets its own copy: handing the event to the first delivery
/// alone left the others to fail with "the event no longer exists" and wait for a retry.
fn pair_up(
    due: Vec<webhook_delivery::Model>,
    subscriptions: Vec<webhook_subscription::Model>,
    events: Vec<event::Model>,
) -> Vec<Claimed> {
    let subscriptions: HashMap<Uuid, webhook_subscription::Model> =
        subscriptions.into_iter().map(|s| (s.id, s)).collect();
    let events: HashMap<Uuid, event::Model> = events.into_iter().map(|e| (e.id, e)).collect();
    due.into_iter()
        .map(|delivery| Claimed {
            attempt: delivery.attempt_count + 1,
            subscription: subscriptions.get(&delivery.subscription_id).cloned(),
            event: events.get(&delivery.event_id).cloned(),
            delivery,
        })
        .collect()
}

/// The claim's query: due pending deliveries, earliest first, locked for this transaction and
/// skipping rows another instance holds (PostgreSQL; SQLite has no row locks and serializes
/// the claiming transactions instead).
fn due_deliveries(now: chrono::DateTime<Utc>) -> sea_orm::Select<webhook_delivery::Entity> {
    use webhook_delivery::Column as D;
    webhook_delivery::Entity::find()
        .filter(D::Status.eq(status::PENDING))
        .filter(D::NextAttemptAt.lte(now))
        .order_by_asc(D::NextAttemptAt)
        .limit(CLAIM_BATCH)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
}

/// The body of every attempt to deliver `event`: `{"type", "timestamp", "data"}`, where
/// `data` holds `event_id`, `ticket_id`, `actor_role` and the event's own details; for a
/// partner's subscription (`for_partner`), only the details a partner may read.
pub fn payload(event: &event::Model, for_partner: bool) -> Result<Vec<u8>, serde_json::Error> {
    let mut data = Map::new();
    data.insert("event_id".into(), json!(event.id));
    data.insert("ticket_id".into(), json!(event.ticket_id));
    data.insert("actor_role".into(), json!(event.actor_role));
    let details = if for_partner {
        events::partner_data(&event.data.0)
    } else {
        event.data.0.clone()
    };
    if let Value::Object(details) = &details {
        for (key, value) in details {
            data.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    serde_json::to_vec(&json!({
        "type": event.event_type,
        "timestamp": event.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
        "data": data,
    }))
}

/// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the base64-decoded
/// part of `secret` after `whsec_` (Standard Webhooks).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, String> {
    let key = secret
        .strip_prefix(SECRET_PREFIX)
        .and_then(|encoded| STANDARD.decode(encoded).ok())
        .ok_or_else(|| "the subscription's secret is not a whsec_ secret".to_owned())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key)
        .map_err(|_| "the subscription's secret cannot key HMAC".to_owned())?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The error with its causes (reqwest hides the useful part, "connection refused", in
/// them).
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

fn truncate(mut message: String) -> String {
    if message.len() > MAX_ERROR_LENGTH {
        let mut end = MAX_ERROR_LENGTH;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message.truncate(end);
    }
    message
}

/// Resolves destination names for the HTTP client and refuses them when an address is not
/// public, so the connection goes only to addresses that were checked (a name cannot
/// resolve to a public address for the check and a private one for the request).
struct PublicResolver {
    allow_private: bool,
}

impl reqwest::dns::Resolve for PublicResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let addresses: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if !allow_private {
                let ips: Vec<std::net::IpAddr> =
                    addresses.iter().map(std::net::SocketAddr::ip).collect();
                refuse_resolved(&name, &ips)?;
            }
            let addresses: reqwest::dns::Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::Role, entities::stored::Json};

    #[test]
    fn the_claim_skips_rows_other_instances_hold_on_postgresql() {
        use sea_orm::{DbBackend, QueryTrait};
        let sql = due_deliveries(Utc::now())
            .build(DbBackend::Postgres)
            .to_string();
        assert!(sql.ends_with("FOR UPDATE SKIP LOCKED"), "{sql}");
        let sql = due_deliveries(Utc::now())
            .build(DbBackend::Sqlite)
            .to_string();
        assert!(!sql.contains("FOR UPDATE"), "{sql}");
    }

    #[test]
    fn every_delivery_of_one_event_in_a_batch_gets_the_event() {
        let now = Utc::now();
        let event = event::Model {
            seq: 1,
            id: Uuid::now_v7(),
            ticket_id: None,
            event_type: "ticket.created".into(),
            actor: "oc_partner".into(),
            actor_role: Role::Partner,
            data: Json(json!({})),
            created_at: now,
            feed_seq: None,
        };
        let subscriptions: Vec<webhook_subscription::Model> = (0..5)
            .map(|n| webhook_subscription::Model {
                id: Uuid::now_v7(),
                partner_id: None,
                created_by: format!("oc_{n}"),
                owner_client_id: None,
                url: format!("https://hooks.example.com/{n}"),
                event_types: String::new(),
                secret: "whsec_".into(),
                active: true,
                disabled_reason: None,
                created_at: now,
            })
            .collect();
        let due: Vec<webhook_delivery::Model> = subscriptions
            .iter()
            .map(|subscription| webhook_delivery::Model {
                subscription_id: subscription.id,
                event_id: event.id,
                event_type: event.event_type.clone(),
                status: status::PENDING.into(),
                attempt_count: 0,
                next_attempt_at: now,
                created_at: now,
                updated_at: now,
            })
            .collect();
        let claimed = pair_up(due, subscriptions, vec![event.clone()]);
        assert_eq!(claimed.len(), 5);
        for (n, claimed) in claimed.iter().enumerate() {
            assert_eq!(claimed.event.as_ref(), Some(&event), "delivery {n}");
            assert_eq!(
                claimed.subscription.as_ref().map(|s| s.id),
                Some(claimed.delivery.subscription_id),
                "delivery {n}"
            );
            assert_eq!(claimed.attempt, 1, "delivery {n}");
        }
    }

    #[test]
    fn signatures_match_the_standard_webhooks_test_vector() {
        let signature = sign(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            br#"{"test": 2432232314}"#,
        )
        .unwrap();
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(sign("not-a-secret", "msg_x", 1, b"{}").is_err());
    }

    #[test]
    fn the_payload_is_the_same_bytes_every_time_and_keeps_its_own_keys() {
        let event = event::Model {
            seq: 7,
            id: Uuid::now_v7(),
            ticket_id: Some(Uuid::now_v7()),
            event_type: "ticket.created".into(),
            actor: "oc_partner".into(),
            actor_role: Role::Partner,
            data: Json(json!({"reference": "R-1", "event_id": "spoofed"})),
            created_at: Utc::now(),
            feed_seq: None,
        };
        let first = payload(&event, false).unwrap();
        assert_eq!(first, payload(&event, false).unwrap());
        let value: Value = serde_json::from_slice(&first).unwrap();
        assert_eq!(value["type"], "ticket.created");
        assert_eq!(value["data"]["event_id"], json!(event.id));
        assert_eq!(value["data"]["reference"], "R-1");
        assert_eq!(value["data"]["actor_role"], "partner");
        assert!(value["data"].get("seq").is_none());
        assert!(value["data"].get("actor").is_none());
    }
}
