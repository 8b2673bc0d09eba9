//! `job_leases`: which instance runs a background job that must run on one instance at a
//! time, and until when (a holder that dies leaves it to the next one when its lease ends).
use sea_orm::entity::prelude::*;

/// A job's lease.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_leases")]
pub struct Model {
    /// The job.
    #[sea_orm(primary_key, auto_increment = false)]
    pub name: String,
    /// The instance holding it (a random id per process).
    pub holder: String,
    /// Until when it is held.
    pub leased_until: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
