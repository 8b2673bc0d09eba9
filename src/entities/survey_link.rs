//! `survey_links`: the one-time link a company answers the outcome survey through, one per
//! case (issuing again replaces it). Only the SHA-256 of the token is kept.
use sea_orm::entity::prelude::*;

/// A survey link.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "survey_links")]
pub struct Model {
    /// The case.
    #[sea_orm(primary_key, auto_increment = false)]
    pub ticket_id: Uuid,
    /// Hex SHA-256 of the token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// After this the link answers 410 Gone.
    pub expires_at: DateTimeUtc,
    /// When it was answered (a link answers once).
    pub answered_at: Option<DateTimeUtc>,
    /// Client id that issued it.
    pub created_by: String,
    /// Issued.
    pub created_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
