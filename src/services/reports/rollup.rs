//! The summary report's monthly rollup: for every Japan calendar month, grouping, group and
//! number of business days to assignment, the report's counts, so a year's report adds up a
//! few thousand rows instead of a year of cases.
//!
//! **Never stale.** Database triggers (migration `m20261222_000060_report_rollup`) append the
//! month of every case whose report columns change, and of every outcome, to
//! `report_changes`, in the transaction of the change. A report reads, in one snapshot, the
//! months marked there and counts those from the cases, like the days at the ends of a
//! period that do not fill a month; only unmarked months are read from the rollup. A mark
//! and the change it stands for commit together, so a snapshot that lacks a change's mark
//! also lacks the change, and its month's rollup is still right for it.
//!
//! **Refreshing.** A background job ([`Refresher`]) counts each marked month again and
//! deletes the marks it saw, in one transaction on one snapshot (PostgreSQL's repeatable
//! read): a change that commits meanwhile keeps its mark, since the job deletes only the
//! marks its snapshot holds, and is counted by the next pass. The job takes the rollup's
//! table lock before its snapshot, so two instances never count one month twice; the other
//! skips its pass. The marks are appended, never updated, so writers never wait for one
//! another or for the job.
//!
//! A read replica replays the rollup and the marks together with the cases, so reports read
//! from a replica follow the same rule.
use std::{collections::BTreeSet, time::Duration};

use chrono::{Datelike, NaiveDate};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    IsolationLevel, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait, Value,
};
use tokio::task::JoinHandle;

use super::measures::{GroupBy, MEASURES, MERGED_EXCLUDED};
use crate::{error::ApiError, services::tickets::jst_day_start};

/// A Japan calendar month, as its first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month(NaiveDate);

impl Month {
    /// The month of `day`.
    pub fn of(day: NaiveDate) -> Self {
        Month(day.with_day(1).unwrap_or(day))
    }

    /// Its first day.
    pub fn first_day(self) -> NaiveDate {
        self.0
    }

    /// The first day of the month after.
    pub fn next_first_day(self) -> NaiveDate {
        self.0
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX)
    }

    /// `YYYY-MM`, as the triggers and the rollup name it.
    pub fn key(self) -> String {
        self.0.format("%Y-%m").to_string()
    }

    /// The months that lie whole within `from..=to`.
    pub fn whole_within(from: NaiveDate, to: NaiveDate) -> Vec<Month> {
        let mut months = Vec::new();
        let mut month = Month::of(from);
        if month.first_day() < from {
            month = Month(month.next_first_day());
        }
        while month
            .next_first_day()
            .pred_opt()
            .is_some_and(|last| last <= to)
        {
            months.push(month);
            month = Month(month.next_first_day());
        }
        months
    }
}

/// The days of `from..=to` outside `months`, as half-open ranges `[start, end)`, adjacent
/// ones joined.
pub fn days_outside(
    from: NaiveDate,
    to: NaiveDate,
    months: &[Month],
) -> Vec<(NaiveDate, NaiveDate)> {
    let end = to.succ_opt().unwrap_or(to);
    let mut ranges = Vec::new();
    let mut cursor = from;
    for month in months {
        if cursor < month.first_day() {
            ranges.push((cursor, month.first_day()));
        }
        cursor = cursor.max(month.next_first_day());
    }
    if cursor < end {
        ranges.push((cursor, end));
    }
    ranges
}

/// `$n` on PostgreSQL, `?` on SQLite.
pub fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// Begins the one snapshot a report reads in (repeatable read on PostgreSQL; a SQLite read
/// transaction is one snapshot already).
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = match db.get_database_backend() {
        DbBackend::Postgres => TransactionOptions {
            isolation_level: Some(IsolationLevel::RepeatableRead),
            access_mode: Some(AccessMode::ReadOnly),
            sqlite_transaction_mode: None,
        },
        _ => TransactionOptions::default(),
    };
    db.begin_with_options(options).await
}

/// Of `months`, those the rollup holds right, in order: none of their cases changed since
/// they were counted.
pub async fn counted_months(
    tx: &DatabaseTransaction,
    months: &[Month],
) -> Result<Vec<Month>, ApiError> {
    let (Some(first), Some(last)) = (months.first(), months.last()) else {
        return Ok(Vec::new());
    };
    let backend = tx.get_database_backend();
    let marked: BTreeSet<String> = tx
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT DISTINCT month FROM report_changes WHERE month >= {} AND month <= {}",
                placeholder(backend, 1),
                placeholder(backend, 2)
            ),
            [first.key().into(), last.key().into()],
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "month"))
        .collect::<Result<_, _>>()?;
    Ok(months
        .iter()
        .copied()
        .filter(|month| !marked.contains(&month.key()))
        .collect())
}

/// The rollup's rows for `months` under `group_by`, summed over the months: one row per
/// group and number of days, with the measures' names, as the count from the cases gives
/// them.
pub async fn rows(
    tx: &DatabaseTransaction,
    group_by: GroupBy,
    months: &[Month],
) -> Result<Vec<QueryResult>, ApiError> {
    if months.is_empty() {
        return Ok(Vec::new());
    }
    let backend = tx.get_database_backend();
    let group = if group_by.is_uuid() {
        "grp_id"
    } else {
        "grp_text"
    };
    let sums = MEASURES
        .iter()
        .map(|(name, _)| format!("CAST(SUM({name}) AS BIGINT) AS {name}"))
        .collect::<Vec<_>>()
        .join(", ");
    let months_in = (0..months.len())
        .map(|i| placeholder(backend, i + 2))
        .collect::<Vec<_>>()
        .join(", ");
    let mut values: Vec<Value> = vec![group_by.as_str().into()];
    values.extend(months.iter().map(|month| Value::from(month.key())));
    Ok(tx
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {group} AS grp, days, {sums} FROM report_rollup \
                 WHERE dimension = {} AND month IN ({months_in}) GROUP BY {group}, days",
                placeholder(backend, 1)
            ),
            values,
        ))
        .await?)
}

/// What one refresh did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// The months counted again.
    pub months: Vec<String>,
    /// Whether another instance was refreshing, so this one left the rest to it.
    pub skipped: bool,
}

/// Counts again every month marked in `report_changes`, one month a transaction.
pub async fn refresh(db: &DatabaseConnection) -> Result<Refreshed, ApiError> {
    let marked: Vec<String> = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT DISTINCT month FROM report_changes ORDER BY month",
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<String>("", "month"))
        .collect::<Result<_, _>>()?;
    let mut refreshed = Refreshed::default();
    for key in marked {
        let Ok(first_day) = NaiveDate::parse_from_str(&format!("{key}-01"), "%Y-%m-%d") else {
            tracing::warn!(month = %key, "report_changes names no month; left alone");
            continue;
        };
        if !refresh_month(db, Month(first_day)).await? {
            refreshed.skipped = true;
            break;
        }
        refreshed.months.push(key);
    }
    if !refreshed.months.is_empty() && db.get_database_backend() == DbBackend::Postgres {
        // The marks just deleted and the month's rows replaced are dead rows until vacuumed;
        // left to autovacuum, the marks a report looks up first are a scan of every dead one
        // (30 ms after a million). Outside a transaction, and cheap: the visibility map
        // leaves the pages nothing changed on.
        if let Err(error) = db.execute_unprepared(VACUUM).await {
            tracing::warn!(%error, "vacuuming the report rollup failed; autovacuum will");
        }
    }
    Ok(refreshed)
}

/// Clears what a refresh leaves dead.
const VACUUM: &str = "VACUUM (ANALYZE) report_changes, report_rollup";

/// Keeps a second refresher (another instance) out, without waiting for the first; plain
/// reads of the rollup are not held up.
const LOCK_ROLLUP: &str = "LOCK TABLE report_rollup IN EXCLUSIVE MODE NOWAIT";

/// Counts `month` again; `false` when another instance holds the rollup.
async fn refresh_month(db: &DatabaseConnection, month: Month) -> Result<bool, ApiError> {
    let backend = db.get_database_backend();
    let tx = match backend {
        DbBackend::Postgres => {
            let tx = db
                .begin_with_options(TransactionOptions {
                    isolation_level: Some(IsolationLevel::RepeatableRead),
                    access_mode: None,
                    sqlite_transaction_mode: None,
                })
                .await?;
            // Before the first statement that takes the snapshot, so the snapshot holds
            // whatever the previous holder counted.
            let locked = tx.execute_unprepared(LOCK_ROLLUP).await;
            if let Err(error) = locked {
                tracing::debug!(%error, "another instance is refreshing the report rollup");
                tx.rollback().await?;
                return Ok(false);
            }
            tx
        }
        // The write lock at once: no other writer commits while the month is counted.
        _ => {
            db.begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?
        }
    };
    let p = |n| placeholder(backend, n);
    tx.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("DELETE FROM report_changes WHERE month = {}", p(1)),
        [month.key().into()],
    ))
    .await?;
    tx.execute_raw(Statement::from_sql_and_values(
        backend,
        format!("DELETE FROM report_rollup WHERE month = {}", p(1)),
        [month.key().into()],
    ))
    .await?;
    let names = MEASURES
        .iter()
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(", ");
    // A sum over no value (satisfaction nobody gave) is NULL; stored as 0, the same once
    // added to the other months.
    let counts = MEASURES
        .iter()
        .map(|(_, expression)| format!("COALESCE({expression}, 0)"))
        .collect::<Vec<_>>()
        .join(", ");
    for group_by in GroupBy::ALL {
        let column = group_by.column();
        let (text, id) = if group_by.is_uuid() {
            ("NULL".to_owned(), column.to_owned())
        } else {
            (format!("CAST({column} AS TEXT)"), "NULL".to_owned())
        };
        tx.execute_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "INSERT INTO report_rollup (month, dimension, grp_text, grp_id, days, {names}) \
                 SELECT {}, {}, {text}, {id}, t.business_days_to_assign, {counts} \
                 FROM tickets t LEFT JOIN outcomes o ON o.ticket_id = t.id \
                 WHERE t.created_at >= {} AND t.created_at < {} AND {MERGED_EXCLUDED} \
                 GROUP BY {column}, t.business_days_to_assign",
                p(1),
                p(2),
                p(3),
                p(4)
            ),
            [
                month.key().into(),
                group_by.as_str().into(),
                jst_day_start(month.first_day()).into(),
                jst_day_start(month.next_first_day()).into(),
            ],
        ))
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// The running refresh job of this instance; dropping it stops the job (a month cut short
/// rolls back and stays marked).
pub struct RefresherHandle(JoinHandle<()>);

impl Drop for RefresherHandle {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The job that keeps the rollup counted (`ONESTOP_REPORT_REFRESH_SECONDS`).
pub struct Refresher {
    db: DatabaseConnection,
    interval: Duration,
}

impl Refresher {
    /// The job over `db`, a pass every `interval`.
    pub fn new(db: DatabaseConnection, interval: Duration) -> Self {
        Self { db, interval }
    }

    /// Starts the job on the current runtime: a pass at once, then one per interval.
    pub fn spawn(self) -> RefresherHandle {
        RefresherHandle(tokio::spawn(async move {
            loop {
                let started = std::time::Instant::now();
                match refresh(&self.db).await {
                    Ok(refreshed) if !refreshed.months.is_empty() => tracing::info!(
                        months = ?refreshed.months,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "report rollup counted again"
                    ),
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "report rollup refresh failed; retrying later");
                    }
                }
                tokio::time::sleep(self.interval).await;
            }
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_months_whole_within_a_period_leave_its_ends_to_be_counted_from_the_cases() {
        // (from, to, whole months, days outside them)
        type Period<'a> = (&'a str, &'a str, &'a [&'a str], &'a [(&'a str, &'a str)]);
        let cases: [Period; 5] = [
            (
                "2026-04-01",
                "2027-03-31",
                &[
                    "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10",
                    "2026-11", "2026-12", "2027-01", "2027-02", "2027-03",
                ],
                &[],
            ),
            (
                "2026-04-02",
                "2026-04-30",
                &[],
                &[("2026-04-02", "2026-05-01")],
            ),
            (
                "2026-04-15",
                "2026-06-10",
                &["2026-05"],
                &[("2026-04-15", "2026-05-01"), ("2026-06-01", "2026-06-11")],
            ),
            ("2026-02-01", "2026-02-28", &["2026-02"], &[]),
            (
                "2026-06-10",
                "2026-06-10",
                &[],
                &[("2026-06-10", "2026-06-11")],
            ),
        ];
        for (from, to, whole, outside) in cases {
            let months = Month::whole_within(day(from), day(to));
            let keys: Vec<String> = months.iter().map(|m| m.key()).collect();
            assert_eq!(keys, whole.to_vec(), "{from}..{to}");
            let ranges: Vec<(NaiveDate, NaiveDate)> =
                outside.iter().map(|(a, b)| (day(a), day(b))).collect();
            assert_eq!(
                days_outside(day(from), day(to), &months),
                ranges,
                "{from}..{to}"
            );
        }
    }

    #[test]
    fn a_month_marked_changed_between_whole_months_is_counted_from_the_cases() {
        let from = day("2026-04-01");
        let to = day("2026-06-30");
        let counted = [Month::of(day("2026-04-09")), Month::of(day("2026-06-30"))];
        assert_eq!(
            days_outside(from, to, &counted),
            vec![(day("2026-05-01"), day("2026-06-01"))]
        );
    }
}
