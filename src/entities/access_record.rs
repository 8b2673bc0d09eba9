//! `access_log`: who was shown which case's contact details, when and through which route.
//! Append-only: nothing updates or deletes its rows.
use sea_orm::entity::prelude::*;

use crate::auth::Role;

/// One case whose contact details one response showed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_log")]
pub struct Model {
    /// Id (UUIDv7, so records sort by time and pages follow the id).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Shared by the records of one response (a list page names many cases).
    pub request_id: Uuid,
    /// When the response was made.
    pub accessed_at: DateTimeUtc,
    /// The client that read (`oc_...`).
    pub client_id: String,
    /// Its role.
    pub role: Role,
    /// The operation, as `METHOD /path/{template}`.
    pub route: String,
    /// The case whose contact was shown.
    pub ticket_id: Uuid,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
