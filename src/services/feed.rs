//! The global event feed: every event exactly once, in one order, to readers that page with
//! `after`.
//!
//! `events.seq` cannot be that order on PostgreSQL: it is taken when the event is written,
//! and transactions commit in any order, so a reader that has read up to seq 11 would never
//! see a seq 10 that commits a moment later. Feed positions (`feed_seq`) are therefore given
//! after commit, by a sequencer that numbers the committed events without one, above every
//! position given before. Sequencers run one at a time (an advisory lock held until their
//! commit on PostgreSQL; SQLite's single writer), so the positions readers can see are
//! always a gapless prefix: a position appears only together with every position below it.
//! An event that commits late simply gets a later position.
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement, TransactionTrait,
};

use crate::{db::begin_write, entities::event, error::ApiError};

/// Most events one sequencer run numbers; a reader that is further behind gets the rest on
/// its next page.
pub const SEQUENCE_BATCH: u64 = 20_000;

/// Any constant the service alone uses, naming the feed sequencer's advisory lock.
const SEQUENCER_LOCK: i64 = 0x6f6e_6573_7466_6565; // "onestfee"

/// Gives feed positions to committed events that have none yet. When another sequencer is
/// running this returns at once: what it numbers becomes visible when it commits.
pub async fn sequence(db: &DatabaseConnection) -> Result<(), ApiError> {
    let backend = db.get_database_backend();
    let tx = match backend {
        DbBackend::Postgres => {
            let tx = db.begin().await?;
            let locked = tx
                .query_one_raw(Statement::from_string(
                    backend,
                    format!("SELECT pg_try_advisory_xact_lock({SEQUENCER_LOCK}) AS locked"),
                ))
                .await?
                .and_then(|row| row.try_get::<bool>("", "locked").ok())
                .unwrap_or(false);
            if !locked {
                return Ok(());
            }
            tx
        }
        _ => begin_write(db).await?,
    };
    // One statement: the uncorrelated MAX is read once, after the lock, so it covers every
    // position committed by earlier sequencers.
    tx.execute_raw(Statement::from_string(
        backend,
        format!(
            "UPDATE events SET feed_seq = numbered.position \
             FROM (SELECT seq, (SELECT COALESCE(MAX(feed_seq), 0) FROM events) \
                          + ROW_NUMBER() OVER (ORDER BY seq) AS position \
                   FROM events WHERE feed_seq IS NULL ORDER BY seq LIMIT {SEQUENCE_BATCH}) AS numbered \
             WHERE events.seq = numbered.seq"
        ),
    ))
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Up to `limit` events after feed position `after`, in feed order: numbered on `primary`,
/// read from `reader` (the primary, or a streaming replica).
///
/// A replica keeps the feed gapless. It applies the primary's WAL in commit order, so what
/// it shows is always the state after some prefix of the primary's commits; positions are
/// given only by sequencer commits, each numbering above every position committed before
/// it, so any prefix of commits holds a gapless prefix of positions. A replica behind the
/// primary shows fewer positions (a shorter page, the rest on a later one), never a gap,
/// and never a position whose event it lacks: the event row committed before the
/// sequencer that numbered it.
pub async fn page(
    primary: &DatabaseConnection,
    reader: &DatabaseConnection,
    after: i64,
    limit: u64,
) -> Result<Vec<event::Model>, ApiError> {
    sequence(primary).await?;
    Ok(event::Entity::find()
        .filter(event::Column::FeedSeq.gt(after))
        .order_by_asc(event::Column::FeedSeq)
        .limit(limit)
        .all(reader)
        .await?)
}
