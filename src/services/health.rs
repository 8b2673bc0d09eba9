//! The readiness probe's database work.
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, TransactionTrait};

use crate::error::ApiError;

/// The longest the probe waits for a lock on the case table, and for its one read, in
/// milliseconds: within `/readyz`'s own bound, so a held lock or a slow server is named as
/// such instead of as no answer at all.
const PROBE_LOCK_MS: u32 = 1000;
const PROBE_STATEMENT_MS: u32 = 1500;

/// Reads one row of the case table, as nearly every request does: it fails when the
/// database cannot be reached or has no connection to give, and on PostgreSQL when the
/// table is locked against reads or the server is too slow, each as a 503 naming its cause.
pub async fn probe(db: &DatabaseConnection) -> Result<(), ApiError> {
    const READ: &str = "SELECT 1 FROM tickets LIMIT 1";
    if db.get_database_backend() != DbBackend::Postgres {
        db.execute_unprepared(READ).await?;
        return Ok(());
    }
    // Bounds of its own, tighter than the request connection's, set for this transaction
    // only; it only reads, and is rolled back when dropped.
    let tx = db.begin().await?;
    tx.execute_unprepared(&format!(
        "SET LOCAL lock_timeout = {PROBE_LOCK_MS}; SET LOCAL statement_timeout = {PROBE_STATEMENT_MS}"
    ))
    .await?;
    tx.execute_unprepared(READ).await?;
    tx.rollback().await?;
    Ok(())
}
