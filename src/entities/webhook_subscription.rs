//! `webhook_subscriptions`: where events are posted, and which.
use sea_orm::entity::prelude::*;

/// A webhook subscription.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_subscriptions")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// For a partner's subscription, the partner whose cases it hears about; null for
    /// analysts' and admins' subscriptions, which hear about every case.
    pub partner_id: Option<Uuid>,
    /// Client id of whoever subscribed.
    pub created_by: String,
    /// The owner: the `api_clients` row of whoever subscribed. Null only for a subscription
    /// older than the column whose maker could not be found (admins alone see it then).
    pub owner_client_id: Option<Uuid>,
    /// The destination.
    pub url: String,
    /// The event types wanted, as `,type,type,` (so one `LIKE` matches a type); empty for
    /// every type.
    #[sea_orm(column_type = "Text")]
    pub event_types: String,
    /// `whsec_...`: the signing secret. Stored as is (not hashed) because every delivery is
    /// signed with it.
    pub secret: String,
    /// False once the receiver answered 410 Gone.
    pub active: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
