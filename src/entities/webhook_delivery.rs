//! `webhook_deliveries`: the outbox. One row per subscription and event, written in the
//! transaction of the event; the delivery worker moves it to `delivered`, `failed` or
//! `abandoned`.
use sea_orm::entity::prelude::*;

/// A delivery of one event to one subscription.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// The subscription.
    #[sea_orm(primary_key, auto_increment = false)]
    pub subscription_id: Uuid,
    /// The event (its id is the `webhook-id` of every attempt).
    #[sea_orm(primary_key, auto_increment = false)]
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: String,
    /// `pending`, `delivered`, `failed` or `abandoned`.
    pub status: String,
    /// Attempts started so far (claimed by a worker, whether or not they finished).
    pub attempt_count: i32,
    /// When a pending delivery is due; while a worker holds it, the end of its lease.
    pub next_attempt_at: DateTimeUtc,
    /// When the event was enqueued.
    pub created_at: DateTimeUtc,
    /// Last change.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
