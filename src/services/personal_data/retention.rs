//! The retention job: anonymizes the contact details of cases closed, cancelled or merged
//! more than `ONESTOP_CONTACT_RETENTION_DAYS` ago, and deletes confirmation records older
//! than three years.
//!
//! One instance at a time runs it: every instance's worker tries to take the job's lease (a
//! row of `job_leases`, taken by a conditional update, like a webhook delivery's lease), and
//! the holder renews it in the transaction of each batch it anonymizes. A holder that dies
//! leaves the job to whoever comes after its lease ends; a batch is one transaction, so a
//! crash loses no half-anonymized case (the next pass takes the case again).
//!
//! How long ago a case was finished is read from its `updated_at`: a closed, cancelled or
//! merged case changes only by being reopened (and is then no longer final), so its last
//! change is at or after its closing, and the age is never overstated.
use std::{sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, LockBehavior, LockType, OnConflict},
};
use tokio::task::JoinHandle;
use uuid::Uuid;

use super::{FINAL_STATUSES, Trigger, anonymize_tickets, receipts};
use crate::{
    auth::{Actor, Role},
    config::PersonalDataSettings,
    db::begin_write,
    entities::{job_lease, ticket},
    error::ApiError,
};

/// The job's name in `job_leases`.
pub const JOB: &str = "contact_retention";
/// How long a lease lasts without renewal; each batch renews it.
pub const LEASE: Duration = Duration::from_secs(300);
/// Cases one batch (one transaction) anonymizes.
pub const BATCH: u64 = 500;
/// The client id the job's events name as their actor.
pub const ACTOR_ID: &str = "onestop-retention";

/// The running job of this instance; dropping it stops the job (a batch cut short rolls back).
pub struct RetentionHandle(JoinHandle<()>);

impl Drop for RetentionHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PassReport {
    /// Cases anonymized.
    pub anonymized: u64,
    /// Confirmation records deleted after three years.
    pub receipts_deleted: u64,
    /// Whether another instance held the job, so this one did nothing.
    pub skipped: bool,
}

/// The retention job of one instance.
pub struct Retention {
    db: DatabaseConnection,
    settings: Arc<PersonalDataSettings>,
    /// This process, as the lease names it.
    holder: String,
}

impl Retention {
    /// The job over `db`; it anonymizes nothing unless `contact_retention_days` is set.
    pub fn new(db: DatabaseConnection, settings: PersonalDataSettings) -> Self {
        Self {
            db,
            settings: Arc::new(settings),
            holder: Uuid::new_v4().to_string(),
        }
    }

    /// Starts the job on the current runtime: a pass at once, then one per interval.
    pub fn spawn(self) -> RetentionHandle {
        RetentionHandle(tokio::spawn(async move {
            loop {
                let started = std::time::Instant::now();
                match self.pass().await {
                    Ok(report) if report.anonymized > 0 || report.receipts_deleted > 0 => {
                        tracing::info!(
                            anonymized = report.anonymized,
                            receipts_deleted = report.receipts_deleted,
                            elapsed_ms = started.elapsed().as_millis() as u64,
                            "retention pass done"
                        );
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "retention pass failed; retrying later"),
                }
                tokio::time::sleep(self.settings.retention_interval).await;
            }
        }))
    }

    /// One pass: takes the lease (or returns, skipped, when another instance holds it), then
    /// anonymizes every case past retention in batches and deletes expired receipts.
    pub async fn pass(&self) -> Result<PassReport, ApiError> {
        let now = Utc::now();
        if !self.take_lease(now).await? {
            return Ok(PassReport {
                skipped: true,
                ..PassReport::default()
            });
        }
        let receipts_deleted = receipts::purge_expired(&self.db, now).await?;
        let mut anonymized = 0;
        if let Some(days) = self.settings.contact_retention_days {
            let cutoff = now - chrono::Duration::days(i64::from(days));
            loop {
                match self.batch(cutoff).await? {
                    Some(0) => continue,
                    Some(count) => anonymized += count,
                    None => break,
                }
            }
        }
        Ok(PassReport {
            anonymized,
            receipts_deleted,
            skipped: false,
        })
    }

    /// Takes the job's lease when it is free, expired or already this instance's.
    async fn take_lease(&self, now: DateTime<Utc>) -> Result<bool, ApiError> {
        job_lease::Entity::insert(job_lease::ActiveModel {
            name: Set(JOB.to_owned()),
            holder: Set(String::new()),
            leased_until: Set(DateTime::<Utc>::UNIX_EPOCH),
        })
        .on_conflict(
            OnConflict::column(job_lease::Column::Name)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&self.db)
        .await?;
        let taken = job_lease::Entity::update_many()
            .col_expr(job_lease::Column::Holder, Expr::value(self.holder.clone()))
            .col_expr(job_lease::Column::LeasedUntil, Expr::value(lease_end(now)))
            .filter(job_lease::Column::Name.eq(JOB))
            .filter(
                sea_orm::Condition::any()
                    .add(job_lease::Column::LeasedUntil.lt(now))
                    .add(job_lease::Column::Holder.eq(self.holder.clone())),
            )
            .exec(&self.db)
            .await?;
        Ok(taken.rows_affected == 1)
    }

    /// Anonymizes up to [`BATCH`] cases finished before `cutoff` in one transaction that also
    /// renews the lease. `None` when there is nothing left or the lease was lost; `Some(0)`
    /// when the cases found were taken by an erasure meanwhile.
    async fn batch(&self, cutoff: DateTime<Utc>) -> Result<Option<u64>, ApiError> {
        let tx = begin_write(&self.db).await?;
        let now = Utc::now();
        let renewed = job_lease::Entity::update_many()
            .col_expr(job_lease::Column::LeasedUntil, Expr::value(lease_end(now)))
            .filter(job_lease::Column::Name.eq(JOB))
            .filter(job_lease::Column::Holder.eq(self.holder.clone()))
            .exec(&tx)
            .await?;
        if renewed.rows_affected != 1 {
            tracing::warn!("the retention lease was lost; another instance continues");
            return Ok(None);
        }
        let mut due = ticket::Entity::find()
            .select_only()
            .column(ticket::Column::Id)
            .filter(
                ticket::Column::Status.is_in(FINAL_STATUSES.iter().map(|status| status.as_str())),
            )
            .filter(ticket::Column::AnonymizedAt.is_null())
            .filter(ticket::Column::UpdatedAt.lt(cutoff))
            .order_by_asc(ticket::Column::UpdatedAt)
            .limit(BATCH);
        if tx.get_database_backend() == DbBackend::Postgres {
            // An erasure holding some of these waits for nobody: they are left to it.
            due = due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let ids: Vec<Uuid> = due.into_tuple().all(&tx).await?;
        if ids.is_empty() {
            tx.commit().await?;
            return Ok(None);
        }
        let actor = Actor::new(ACTOR_ID.to_owned(), Role::Admin, None, None);
        let done = anonymize_tickets(&tx, &ids, &actor, &Trigger::Retention, now).await?;
        tx.commit().await?;
        Ok(Some(done.len() as u64))
    }
}

fn lease_end(now: DateTime<Utc>) -> DateTime<Utc> {
    now + chrono::Duration::from_std(LEASE).unwrap_or(chrono::Duration::minutes(5))
}
