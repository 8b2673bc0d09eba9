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
//! never overwritten by an earlier one's. Each row's `version` is still checked, and a row
//! whose profile this process has not seen is read whole, so nothing is ranked on a stale
//! profile. Capacity stays the database's conditional update (`capacity::reserve`),
//! whatever a ranking read.
//!
//! Written by hand: no cache crate follows a PostgreSQL table by transaction ids; an LRU or
//! TTL cache would add expiry this does not want.
use std::sync::{PoisonError, RwLock};

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
    /// Taken for each read of the database, so reads are applied in the order they were made.
    reading: Mutex<()>,
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

    /// Reads what changed since the last read and applies it; the whole roster when a profile
    /// was added, deleted or edited since it was loaded.
    async fn catch_up(&self, db: &impl ConnectionTrait) -> Result<(), ApiError> {
        let _turn = self.reading.lock().await;
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
