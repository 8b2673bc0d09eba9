//! Lag-tolerant reads from a PostgreSQL streaming replica (`DATABASE_READ_URL`).
//!
//! Summary reports (JSON and CSV), the event feed and the managers' calendar feeds may be a
//! moment behind, so they read the replica and leave the primary to intake. Two rules keep
//! that honest:
//!
//! - **Never stale beyond the bound, silently.** Before each such read the replica's lag is
//!   measured; a replica further behind than `ONESTOP_REPLICA_MAX_LAG_MS`, or one that does
//!   not answer, is answered 503 (`replica lagging`, `replica unreachable`) with
//!   `Retry-After`, for those reads only: everything else reads the primary and goes on.
//! - **A client reads its own writes.** A client that sent a write (any method other than
//!   GET, HEAD or OPTIONS) to this instance within the bound has its lag-tolerant reads
//!   served by the primary. The record is this instance's memory: behind a load balancer
//!   that does not keep a client on one instance, a client that must see its write at once
//!   in a report reads it from the primary by waiting the bound, or by asking the instance
//!   it wrote through.
//!
//! The replication itself is PostgreSQL's (streaming replication, `pg_basebackup -R`); the
//! service only chooses where to read and measures how far behind the replica is.
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::{
    auth::Actor,
    error::{ApiError, UnavailableCause},
};

/// How long a lagging probe waits for the replica to replay what it has already received,
/// before it judges the lag by the last replayed commit's age. Replay normally takes a few
/// milliseconds; the wait spares a quiet replica, whose last replayed commit may be old, a
/// false "lagging" the moment a new commit arrives.
const REPLAY_WAIT: Duration = Duration::from_millis(250);
/// How often the replay position is looked at during that wait.
const REPLAY_POLL: Duration = Duration::from_millis(10);
/// Beyond this many remembered writers, the ones older than the bound are forgotten.
const PRUNE_ABOVE: usize = 1024;

/// Where one instance sends its lag-tolerant reads.
#[derive(Clone)]
pub struct Reads {
    replica: Option<Replica>,
}

/// A replica and what routing to it needs.
#[derive(Clone)]
struct Replica {
    db: DatabaseConnection,
    max_lag: Duration,
    recent_writers: Arc<Mutex<HashMap<String, Instant>>>,
}

/// What the replica said about its position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplicaPosition {
    /// Whether the server is a standby at all (a primary named as its own replica is never
    /// behind).
    pub in_recovery: bool,
    /// Whether its WAL receiver is streaming from the primary now.
    pub streaming: bool,
    /// Whether it has replayed everything it has received.
    pub caught_up: bool,
    /// Milliseconds since the last commit it replayed was made on the primary.
    pub last_replay_age_ms: Option<f64>,
}

/// How far behind a replica is, as far as it can be told.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lag {
    /// Everything it has received is replayed, and it is receiving: as fresh as the link.
    None,
    /// At most this many milliseconds behind.
    AtMost(f64),
    /// Cannot be told: not receiving, and no commit replayed yet.
    Unknown,
}

impl ReplicaPosition {
    /// The lag this position shows. A streaming standby that has replayed all it received
    /// is current; otherwise the age of the last replayed commit bounds the lag from above
    /// (a quiet primary makes it larger than the real lag, never smaller), and a standby
    /// that is not receiving cannot know what it misses, so the same age is all it can say.
    pub fn lag(self) -> Lag {
        if !self.in_recovery || (self.streaming && self.caught_up) {
            return Lag::None;
        }
        match self.last_replay_age_ms {
            Some(age) => Lag::AtMost(age.max(0.0)),
            None => Lag::Unknown,
        }
    }
}

/// Whether a read may use a replica with `lag` under the bound `max_lag`.
pub fn fresh_enough(lag: Lag, max_lag: Duration) -> bool {
    match lag {
        Lag::None => true,
        Lag::AtMost(ms) => ms <= max_lag.as_secs_f64() * 1000.0,
        Lag::Unknown => false,
    }
}

const POSITION: &str = "SELECT pg_is_in_recovery() AS in_recovery, \
     EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') AS streaming, \
     COALESCE(pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn(), true) AS caught_up, \
     pg_last_wal_receive_lsn()::text AS received, \
     (EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()) * 1000)::float8 \
       AS last_replay_age_ms";

impl Reads {
    /// Reads from the primary only.
    pub fn primary_only() -> Self {
        Self { replica: None }
    }

    /// Lag-tolerant reads from `replica`, no further behind than `max_lag`.
    pub fn with_replica(replica: DatabaseConnection, max_lag: Duration) -> Self {
        Self {
            replica: Some(Replica {
                db: replica,
                max_lag,
                recent_writers: Arc::default(),
            }),
        }
    }

    /// The same routing with another connection pool to the replica (each HTTP worker has
    /// its own); the memory of recent writers is shared.
    pub fn with_pool(&self, pool: DatabaseConnection) -> Self {
        Self {
            replica: self.replica.as_ref().map(|replica| Replica {
                db: pool,
                ..replica.clone()
            }),
        }
    }

    /// Whether a replica is configured.
    pub fn has_replica(&self) -> bool {
        self.replica.is_some()
    }

    /// Remembers that `client_id` sent a write, so its lag-tolerant reads go to the primary
    /// for the next `max_lag`.
    pub fn note_write(&self, client_id: &str) {
        let Some(replica) = &self.replica else {
            return;
        };
        let now = Instant::now();
        // A poisoned lock only means another thread panicked while holding it; the map of
        // instants it guards is still usable.
        let mut writers = replica
            .recent_writers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if writers.len() > PRUNE_ABOVE {
            writers.retain(|_, at| now.duration_since(*at) <= replica.max_lag);
        }
        writers.insert(client_id.to_owned(), now);
    }

    fn wrote_recently(&self, replica: &Replica, client_id: &str) -> bool {
        replica
            .recent_writers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(client_id)
            .is_some_and(|at| at.elapsed() <= replica.max_lag)
    }

    /// The connection a lag-tolerant read of `actor` (or of a caller without an account,
    /// such as a calendar subscription: `None`) uses: the replica when it is fresh enough and
    /// the caller has not just written, else `primary`; 503 when the replica is too far
    /// behind or does not answer.
    pub async fn lag_tolerant<'a>(
        &'a self,
        primary: &'a DatabaseConnection,
        actor: Option<&Actor>,
    ) -> Result<&'a DatabaseConnection, ApiError> {
        let Some(replica) = &self.replica else {
            return Ok(primary);
        };
        if actor.is_some_and(|actor| self.wrote_recently(replica, &actor.client_id)) {
            return Ok(primary);
        }
        replica.ensure_fresh().await?;
        Ok(&replica.db)
    }
}

impl Replica {
    async fn ensure_fresh(&self) -> Result<(), ApiError> {
        let (position, received) = self.position().await?;
        if fresh_enough(position.lag(), self.max_lag) {
            return Ok(());
        }
        // Behind only by what it has received and not yet replayed: give replay a moment to
        // reach the position received now, which makes the replica as fresh as this probe.
        if position.streaming
            && let Some(received) = received
            && self.replays_up_to(&received).await?
        {
            return Ok(());
        }
        Err(unavailable(UnavailableCause::ReplicaLagging, None))
    }

    async fn position(&self) -> Result<(ReplicaPosition, Option<String>), ApiError> {
        let row = self
            .db
            .query_one_raw(Statement::from_string(DbBackend::Postgres, POSITION))
            .await
            .map_err(|error| unavailable(UnavailableCause::ReplicaUnreachable, Some(error)))?
            .ok_or_else(|| unavailable(UnavailableCause::ReplicaUnreachable, None))?;
        let read = |error: sea_orm::DbErr| {
            ApiError::Internal(anyhow::Error::new(error).context("reading the replica position"))
        };
        let position = ReplicaPosition {
            in_recovery: row.try_get("", "in_recovery").map_err(read)?,
            streaming: row.try_get("", "streaming").map_err(read)?,
            caught_up: row.try_get("", "caught_up").map_err(read)?,
            last_replay_age_ms: row.try_get("", "last_replay_age_ms").map_err(read)?,
        };
        let received: Option<String> = row.try_get("", "received").map_err(read)?;
        Ok((position, received))
    }

    async fn replays_up_to(&self, received: &str) -> Result<bool, ApiError> {
        let deadline = Instant::now() + REPLAY_WAIT.min(self.max_lag);
        loop {
            let row = self
                .db
                .query_one_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS replayed",
                    [received.into()],
                ))
                .await
                .map_err(|error| unavailable(UnavailableCause::ReplicaUnreachable, Some(error)))?;
            if row.and_then(|row| row.try_get::<bool>("", "replayed").ok()) == Some(true) {
                return Ok(true);
            }
            if Instant::now() >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(REPLAY_POLL).await;
        }
    }
}

/// A 503 naming the replica's `cause`, with the database error behind it (for the log).
fn unavailable(cause: UnavailableCause, error: Option<sea_orm::DbErr>) -> ApiError {
    ApiError::Unavailable(match error {
        Some(error) => anyhow::Error::new(error).context(cause),
        None => anyhow::Error::new(cause),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(
        in_recovery: bool,
        streaming: bool,
        caught_up: bool,
        last_replay_age_ms: Option<f64>,
    ) -> ReplicaPosition {
        ReplicaPosition {
            in_recovery,
            streaming,
            caught_up,
            last_replay_age_ms,
        }
    }

    #[test]
    fn a_replica_is_read_only_when_its_lag_is_known_to_be_within_the_bound() {
        let bound = Duration::from_millis(5000);
        let cases = [
            // (position, fresh enough, why)
            (
                position(false, false, true, None),
                true,
                "a primary is never behind",
            ),
            (
                position(true, true, true, Some(3_600_000.0)),
                true,
                "streaming and caught up, however quiet",
            ),
            (
                position(true, true, false, Some(1200.0)),
                true,
                "replaying, last commit 1.2 s old",
            ),
            (
                position(true, true, false, Some(5000.0)),
                true,
                "exactly at the bound",
            ),
            (
                position(true, true, false, Some(5001.0)),
                false,
                "replay behind beyond the bound",
            ),
            (
                position(true, false, true, Some(100.0)),
                true,
                "not receiving, but a commit replayed 0.1 s ago",
            ),
            (
                position(true, false, true, Some(60_000.0)),
                false,
                "not receiving: cannot tell, old commit",
            ),
            (
                position(true, false, true, None),
                false,
                "not receiving, nothing replayed",
            ),
            (
                position(true, true, false, None),
                false,
                "receiving but nothing replayed yet",
            ),
            (
                position(true, true, false, Some(-3.0)),
                true,
                "clock skew reads as no lag, not as a negative",
            ),
        ];
        for (position, expected, why) in cases {
            assert_eq!(
                fresh_enough(position.lag(), bound),
                expected,
                "{why}: {position:?}"
            );
        }
    }

    #[test]
    fn only_writers_within_the_bound_are_sent_to_the_primary() {
        let reads = Reads {
            replica: Some(Replica {
                db: DatabaseConnection::default(),
                max_lag: Duration::from_millis(50),
                recent_writers: Arc::default(),
            }),
        };
        let Some(replica) = &reads.replica else {
            unreachable!()
        };
        assert!(!reads.wrote_recently(replica, "oc_a"));
        reads.note_write("oc_a");
        assert!(reads.wrote_recently(replica, "oc_a"));
        assert!(!reads.wrote_recently(replica, "oc_b"));
        std::thread::sleep(Duration::from_millis(60));
        assert!(!reads.wrote_recently(replica, "oc_a"));
    }
}
