//! The roster as the ranking reads it: every manager's profile and live figures held in this
//! process, brought up to date from the database before each use by reading only the rows
//! that changed.
//!
//! Ranking a case reads every manager who could take it. Reading their rows for every
//! assignment was what bounded the assignment rate (issue #18: whole rows cost PostgreSQL
//! 4–8 ms a call; even the live figures alone, `active_cases` and `last_assigned_at` of up to
//! 2,000 managers, cost 1.4 ms and most of a ranking's decoding). So this process holds them,
//! and two things say what changed:
//!
//! - **Profiles.** Every insert, delete or profile edit of a manager raises the one-row
//!   `roster_revision` (triggers, in the editing transaction). When the revision read is not
//!   the one the roster was loaded at, the whole roster is loaded again.
//! - **Live figures.** On PostgreSQL a trigger stamps every written `managers` row with its
//!   transaction's id (`live_xid`). Each read asks only for rows stamped at or after the
//!   *horizon*: the oldest transaction still running when the previous read took its
//!   snapshot (`pg_snapshot_xmin`). A write that read could not see was made by a transaction
//!   running then or started later, so its id is at or above the horizon and the next read
//!   returns it, whatever order transactions commit in; a write it could see was applied
//!   then. A read returns the few dozen rows the assignments in flight touched, instead of
//!   the roster. SQLite keeps the horizon at 0 and so reads every row each time (its rosters
//!   are small).
//!
//! Reads are taken one at a time and applied in order, so a later snapshot's figures are
//! never overwritten by an earlier one's. Callers that arrive while a read is in flight
//! share the next one instead of each making their own after it ([`SharedReads`]): a read
//! of its own for every assignment, one at a time, made the reads a queue that bounded the
//! assignment rate on a busy machine. Each row's `version` is still checked, and a row whose
//! profile this process has not seen is read whole, so nothing is ranked on a stale profile.
//! Capacity stays the database's conditional update (`capacity::reserve`), whatever a
//! ranking read.
//!
//! Written by hand: no cache crate follows a PostgreSQL table by transaction ids; an LRU or
//! TTL cache would add expiry this does not want.
use std::sync::{
    PoisonError, RwLock,
    atomic::{AtomicU64, Ordering},
};

use foldhash::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::{
    domain::assignment::ManagerProfile,
    entities::{manager, roster_revision},
    error::ApiError,
};

/// The roster this process holds.
#[derive(Debug, Default)]
pub struct RosterCache {
    held: RwLock<Held>,
    /// The reads of what changed: one at a time, shared by the callers waiting for them.
    reads: SharedReads,
}

/// Reads made one at a time, in turn, each shared by every caller that arrived before it
/// began: a caller gets a read that began after it arrived, its own or one that another
/// waiting caller made while this one waited for its turn. What a read applies is as fresh as a read of the
/// caller's own would have been, and under load a few reads serve many callers.
///
/// Written by hand: single-flight crates share the read *in flight*, which began before the
/// caller arrived and may miss what the caller's own transaction, or the one it follows,
/// just committed.
#[derive(Debug, Default)]
struct SharedReads {
    /// Reads begun so far; a read's number is this count once it began.
    begun: AtomicU64,
    /// The turn, holding the number of the last read that succeeded.
    last_done: Mutex<u64>,
}

impl SharedReads {
    /// Returns once a read that began after this call arrived has succeeded, making it if no
    /// caller did; the error of the read this call made, if it made one.
    async fn begun_after_arrival<F>(&self, read: impl FnOnce() -> F) -> Result<(), ApiError>
    where
        F: Future<Output = Result<(), ApiError>>,
    {
        let begun_before_arrival = self.begun.load(Ordering::SeqCst);
        let mut last_done = self.last_done.lock().await;
        if *last_done > begun_before_arrival {
            return Ok(());
        }
        // Numbered under the turn, so numbers follow the order reads are made in.
        let number = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        read().await?;
        *last_done = number;
        Ok(())
    }
}

#[derive(Debug, Default)]
struct Held {
    managers: HashMap<Uuid, Cached>,
    /// The roster revision every profile was loaded at; `None` until the first load.
    revision: Option<i64>,
    /// Rows stamped by a transaction at or after this one may have changed since the last
    /// read (PostgreSQL; always 0 on SQLite).
    horizon: i64,
}

#[derive(Debug, Clone)]
struct Cached {
    version: i32,
    name: String,
    profile: ManagerProfile,
}

/// One changed row: id, version, active cases, last assignment.
type LiveRow = (Uuid, i32, i32, Option<DateTime<Utc>>);

/// Ids one statement asks for at most: PostgreSQL takes at most 65,535 parameters a statement.
const IDS_PER_STATEMENT: usize = 1_000;

impl RosterCache {
    fn held(&self) -> std::sync::RwLockReadGuard<'_, Held> {
        self.held.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn held_mut(&self) -> std::sync::RwLockWriteGuard<'_, Held> {
        self.held.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// `rank` over every manager on the roster as the database has them now: current
    /// profiles, with `active_cases` and `last_assigned_at` as committed when this call read
    /// them. `rank` runs on the profiles held here, with nothing copied (so it should not be
    /// long: it holds the roster's read lock).
    pub async fn ranked<T>(
        &self,
        db: &impl ConnectionTrait,
        rank: impl FnOnce(Vec<&ManagerProfile>) -> T,
    ) -> Result<T, ApiError> {
        self.catch_up(db).await?;
        let held = self.held();
        Ok(rank(
            held.managers
                .values()
                .map(|cached| &cached.profile)
                .collect(),
        ))
    }

    /// The names of `ids` as last read (a manager [`Self::ranked`] ranked is always here).
    pub fn names(&self, ids: impl IntoIterator<Item = Uuid>) -> HashMap<Uuid, String> {
        let held = self.held();
        ids.into_iter()
            .filter_map(|id| Some((id, held.managers.get(&id)?.name.clone())))
            .collect()
    }

    /// Brings the roster up to date with every change committed before this call: by a read
    /// of its own, or by sharing one that began after the call arrived.
    async fn catch_up(&self, db: &impl ConnectionTrait) -> Result<(), ApiError> {
        self.reads
            .begun_after_arrival(|| self.read_changes(db))
            .await
    }

    /// Reads what changed since the last read and applies it; the whole roster when a profile
    /// was added, deleted or edited since it was loaded. Only one runs at a time (see
    /// [`SharedReads`]).
    async fn read_changes(&self, db: &impl ConnectionTrait) -> Result<(), ApiError> {
        let (loaded_at, horizon) = {
            let held = self.held();
            (held.revision, held.horizon)
        };
        if loaded_at.is_none() {
            return self.load_all(db).await;
        }
        let backend = db.get_database_backend();
        let sql = if backend == DbBackend::Postgres {
            CHANGED_POSTGRES
        } else {
            CHANGED_SQLITE
        };
        let rows = db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                sql,
                [horizon.into()],
            ))
            .await?;
        if rows.is_empty() {
            // Only a deleted revision row gives no row; without it no change would show.
            return Err(no_revision_row());
        }
        let mut changed = Vec::new();
        let mut next_horizon = horizon;
        for row in rows {
            if Some(row.try_get::<i64>("", "revision")?) != loaded_at {
                return self.load_all(db).await;
            }
            next_horizon = row.try_get("", "horizon")?;
            // No manager columns when nothing changed (the revision row alone).
            if let Some(id) = row.try_get::<Option<Uuid>>("", "id")? {
                changed.push((
                    id,
                    row.try_get("", "version")?,
                    row.try_get("", "active_cases")?,
                    row.try_get("", "last_assigned_at")?,
                ));
            }
        }
        self.refresh_stale(db, &changed).await?;
        let mut held = self.held_mut();
        for (id, _, active_cases, last_assigned_at) in changed {
            if let Some(cached) = held.managers.get_mut(&id) {
                cached.profile.active_cases = u32::try_from(active_cases).unwrap_or(0);
                cached.profile.last_assigned_at = last_assigned_at;
            }
        }
        held.horizon = next_horizon;
        Ok(())
    }

    /// Loads every manager, the revision they are current at and the horizon of the load.
    async fn load_all(&self, db: &impl ConnectionTrait) -> Result<(), ApiError> {
        // The horizon, then the revision, then the rows: a change committed between two of the
        // reads shows as a horizon or revision older than the rows, and costs one more read of
        // those rows (or one more load), never a missed change.
        let horizon = if db.get_database_backend() == DbBackend::Postgres {
            db.query_one_raw(Statement::from_string(
                DbBackend::Postgres,
                HORIZON_POSTGRES,
            ))
            .await?
            .map(|row| row.try_get::<i64>("", "horizon"))
            .transpose()?
            .unwrap_or_default()
        } else {
            0
        };
        let revision = roster_revision::Entity::find()
            .one(db)
            .await?
            .ok_or_else(no_revision_row)?
            .revision;
        let rows = manager::Entity::find().all(db).await?;
        let mut held = self.held_mut();
        held.managers = rows
            .into_iter()
            .map(|row| (row.id, Cached::from(row)))
            .collect();
        held.revision = Some(revision);
        held.horizon = horizon;
        Ok(())
    }

    /// Reads the full rows of the managers whose version this process has not seen.
    async fn refresh_stale(
        &self,
        db: &impl ConnectionTrait,
        live: &[LiveRow],
    ) -> Result<(), ApiError> {
        let stale: Vec<Uuid> = {
            let held = self.held();
            live.iter()
                .filter(|(id, version, ..)| {
                    held.managers
                        .get(id)
                        .is_none_or(|cached| cached.version != *version)
                })
                .map(|(id, ..)| *id)
                .collect()
        };
        let mut fresh = Vec::with_capacity(stale.len());
        for ids in stale.chunks(IDS_PER_STATEMENT) {
            fresh.extend(
                manager::Entity::find()
                    .filter(manager::Column::Id.is_in(ids.iter().copied()))
                    .all(db)
                    .await?,
            );
        }
        let mut held = self.held_mut();
        for row in fresh {
            held.managers.insert(row.id, Cached::from(row));
        }
        Ok(())
    }
}

fn no_revision_row() -> ApiError {
    ApiError::Internal(anyhow::anyhow!(
        "roster_revision has no row: the roster cannot tell when it changed"
    ))
}

/// The oldest transaction still running, as of this statement's snapshot.
const HORIZON_POSTGRES: &str =
    "SELECT CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint) AS horizon";

/// The revision, the next horizon, and the rows stamped at or after `$1`, in one statement
/// so all three come from one snapshot; a row of the revision alone when none changed.
const CHANGED_POSTGRES: &str = "SELECT r.revision, \
     CAST(CAST(pg_snapshot_xmin(pg_current_snapshot()) AS text) AS bigint) AS horizon, \
     m.id, m.version, m.active_cases, m.last_assigned_at \
     FROM roster_revision r LEFT JOIN managers m ON m.live_xid >= $1";

/// SQLite: every row (no stamps, the horizon stays 0).
const CHANGED_SQLITE: &str = "SELECT r.revision, 0 AS horizon, \
     m.id, m.version, m.active_cases, m.last_assigned_at \
     FROM roster_revision r LEFT JOIN managers m ON m.live_xid >= ?";

impl From<manager::Model> for Cached {
    fn from(row: manager::Model) -> Self {
        Cached {
            version: row.version,
            profile: row.profile(),
            name: row.name,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::{
        sync::{Arc, atomic::AtomicU64},
        time::Duration,
    };

    use super::{Ordering, SharedReads};

    /// A stand-in database: `committed` counts commits, and a read applies what it saw.
    #[derive(Default)]
    struct Stand {
        reads: SharedReads,
        committed: AtomicU64,
        applied: AtomicU64,
        reads_made: AtomicU64,
    }

    impl Stand {
        /// Commits, then asks for a read, and returns (what it committed, what was applied).
        async fn commit_then_read(&self, read_takes: Duration) -> (u64, u64) {
            let mine = self.committed.fetch_add(1, Ordering::SeqCst) + 1;
            self.reads
                .begun_after_arrival(|| async {
                    let seen = self.committed.load(Ordering::SeqCst);
                    self.reads_made.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(read_takes).await;
                    self.applied.fetch_max(seen, Ordering::SeqCst);
                    Ok(())
                })
                .await
                .expect("the stand-in read does not fail");
            (mine, self.applied.load(Ordering::SeqCst))
        }
    }

    #[tokio::test]
    async fn calls_one_after_another_each_make_their_own_read() {
        let stand = Stand::default();
        for _ in 0..5 {
            let (mine, applied) = stand.commit_then_read(Duration::ZERO).await;
            assert!(applied >= mine, "a call saw its own commit");
        }
        assert_eq!(stand.reads_made.load(Ordering::SeqCst), 5);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_calls_share_reads_and_each_sees_what_was_committed_before_it() {
        let stand = Arc::new(Stand::default());
        let calls: Vec<_> = (0..32)
            .map(|_| {
                let stand = Arc::clone(&stand);
                tokio::spawn(async move { stand.commit_then_read(Duration::from_millis(20)).await })
            })
            .collect();
        for call in calls {
            let (mine, applied) = call.await.expect("the call ran");
            assert!(
                applied >= mine,
                "committed {mine}, but only {applied} was applied"
            );
        }
        let reads = stand.reads_made.load(Ordering::SeqCst);
        assert!(reads < 32, "32 concurrent calls made {reads} reads");
    }

    #[tokio::test]
    async fn a_failed_read_is_not_shared() {
        let reads = SharedReads::default();
        let failed = reads
            .begun_after_arrival(|| async {
                Err(crate::error::ApiError::Internal(anyhow::anyhow!("gone")))
            })
            .await;
        assert!(failed.is_err());
        let made = AtomicU64::new(0);
        reads
            .begun_after_arrival(|| async {
                made.fetch_add(1, Ordering::SeqCst);
                Ok(())
            })
            .await
            .expect("the second read succeeds");
        assert_eq!(
            made.load(Ordering::SeqCst),
            1,
            "the next call made its own read"
        );
    }
}
