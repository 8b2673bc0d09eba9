//! `webhook_attempts`: every delivery attempt and how it ended.
use sea_orm::entity::prelude::*;

/// One attempt to deliver an event.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_attempts")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The delivery's subscription.
    pub subscription_id: Uuid,
    /// The delivery's event.
    pub event_id: Uuid,
    /// 1 for the first attempt.
    pub attempt: i32,
    /// When the request was sent.
    pub attempted_at: DateTimeUtc,
    /// How long until the answer (or the failure).
    pub duration_ms: i64,
    /// The receiver's status code, when it answered.
    pub status_code: Option<i32>,
    /// Why it failed without an answer (timeout, connection, refused destination).
    pub error: Option<String>,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
