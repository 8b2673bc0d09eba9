//! Opening the database (SQLite or PostgreSQL, by URL) and bringing its schema up to date.
use std::time::Duration;

use sea_orm::sqlx::ConnectOptions as _;

use anyhow::Context;

use std::{
    sync::{
        OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use crate::{
    config::{DbTimeouts, ReplicaSettings, Settings},
    error::server_went_away,
    services::replica::Reads,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, QueryResult,
    Statement,
    sea_query::{Alias, CommonTableExpression, SubQueryStatement, WithClause},
    sqlx::postgres::{PgConnectOptions, PgPoolOptions},
};

/// Ids as one PostgreSQL array parameter, in its text form, which the statement casts
/// (`CAST($n AS uuid[])`): one parameter whatever the count, so the statement's text (and its
/// prepared plan) stays the same however many ids it is given.
pub fn uuid_array(ids: &[uuid::Uuid]) -> sea_orm::Value {
    let listed: Vec<String> = ids.iter().map(uuid::Uuid::to_string).collect();
    format!("{{{}}}", listed.join(",")).into()
}

/// Connections an instance opens to PostgreSQL when `ONESTOP_DB_MAX_CONNECTIONS` is unset.
pub const DEFAULT_POSTGRES_POOL: u32 = 16;
/// Connections to a SQLite file: it has one writer at a time, so more only wait longer.
const SQLITE_POOL: u32 = 8;
/// How long a request waits for a free connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection in steady use is handed out as it is; one idle this long, long enough to
/// have been dropped by the server or a proxy, is pinged first. (Pinging on every checkout
/// would cost each request a round trip more.)
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);
/// Connections of the shared pool (start-up, migrations, the webhook worker) when the budget
/// leaves room for them beside one per HTTP worker: the webhook worker records up to a
/// batch of attempts at once, and a second connection lets it claim while it records.
const SHARED_POOL: u32 = 2;

/// How one instance shares out its `ONESTOP_DB_MAX_CONNECTIONS`: a small shared pool and one
/// pool per HTTP worker, which together never exceed the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionBudget {
    /// The shared pool's size.
    pub shared: u32,
    /// Each HTTP worker's pool size; 0 when the budget is too small for a pool per worker,
    /// and the workers use the shared pool instead.
    pub per_worker: u32,
}

impl ConnectionBudget {
    /// Shares `total` connections out among `workers` HTTP workers and the shared pool.
    /// With fewer connections than workers + 1, every worker uses the shared pool (of
    /// `total`): slower under load (see [`worker_pool`]), but within the budget.
    pub fn new(total: u32, workers: usize) -> Self {
        let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
        if total < workers.saturating_add(1) {
            return Self {
                shared: total.max(1),
                per_worker: 0,
            };
        }
        let shared = if total >= workers.saturating_add(SHARED_POOL) {
            SHARED_POOL
        } else {
            1
        };
        Self {
            shared,
            per_worker: (total - shared) / workers,
        }
    }
}

/// What every PostgreSQL pool of an instance shares: its name on the server, how long an
/// unused connection is kept, and (for request pools) the bounds on its statements.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// `application_name` of every connection.
    pub application_name: String,
    /// A connection unused this long is closed (`None`: kept).
    pub idle_timeout: Option<Duration>,
    /// The session's statement, lock and idle-transaction bounds (`None`: unbounded, for
    /// migrations and background work).
    pub timeouts: Option<DbTimeouts>,
}

impl PoolSettings {
    /// The pool settings `settings` ask for, with or without the request bounds.
    pub fn from_settings(settings: &Settings, bounded: bool) -> Self {
        Self {
            application_name: settings.db_application_name.clone(),
            idle_timeout: (settings.db_idle_seconds > 0)
                .then(|| Duration::from_secs(settings.db_idle_seconds)),
            timeouts: bounded.then_some(settings.db_timeouts),
        }
    }
}

/// Connects to `database_url` with the default pool. SQLite gets WAL and a busy timeout so
/// concurrent requests wait for the writer instead of failing.
pub async fn connect(database_url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with_pool(database_url, None).await
}

/// Connects to `database_url` with at most `max_connections` connections to PostgreSQL
/// (`None`: [`DEFAULT_POSTGRES_POOL`]), for the command line's one-off work.
pub async fn connect_with_pool(
    database_url: &str,
    max_connections: Option<u32>,
) -> anyhow::Result<DatabaseConnection> {
    let pool = PoolSettings {
        application_name: "onestop".to_owned(),
        idle_timeout: None,
        timeouts: None,
    };
    connect_shared(
        database_url,
        max_connections.unwrap_or(DEFAULT_POSTGRES_POOL),
        &pool,
    )
    .await
}

/// Connects to `database_url` with at most `max_connections` connections to PostgreSQL,
/// opened and kept as `pool` says; the connection is tried at once, so a wrong URL fails
/// here. A busy server answers fastest when the connections working at once are about as
/// many as its cores can run; requests beyond that wait for a connection in order, which
/// keeps the slowest answers close to the typical one.
pub async fn connect_shared(
    database_url: &str,
    max_connections: u32,
    pool: &PoolSettings,
) -> anyhow::Result<DatabaseConnection> {
    if database_url.starts_with("sqlite:") {
        let mut options = ConnectOptions::new(database_url.to_owned());
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR)
            .sqlx_logging(false)
            .max_connections(SQLITE_POOL)
            .map_sqlx_sqlite_opts(|sqlite| {
                sqlite
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        return Database::connect(options)
            .await
            .with_context(|| format!("cannot open the database at {}", redact(database_url)));
    }
    let options = postgres_connect_options(database_url, pool)
        .with_context(|| format!("cannot read the database URL {}", redact(database_url)))?;
    let opened = postgres_pool_options(max_connections, pool)
        .connect_with(options)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(database_url)))?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        opened,
    ))
}

/// The pool one HTTP worker thread uses: on PostgreSQL a pool of its own, of `max_connections`,
/// whose connections are opened lazily from that thread. A socket belongs to the runtime it
/// was opened on; each HTTP worker runs its own single-threaded runtime, so a connection
/// opened by one worker and used by another waits for the first worker to get around to
/// polling its sockets, and under load the second worker sits idle meanwhile. Called on the
/// worker's thread. SQLite connections do their I/O on threads of their own, so SQLite (and
/// a URL that cannot be read as PostgreSQL's, and a budget with no room for a pool per
/// worker: `max_connections` 0) shares `shared`.
///
/// Every connection of these pools has the request bounds of `pool` set for its session, so
/// no request waits on a stuck lock or a runaway statement for longer than they allow (the
/// service answers 503); migrations and background work use the shared pool, without them.
pub fn worker_pool(
    database_url: &str,
    max_connections: u32,
    shared: &DatabaseConnection,
    pool: &PoolSettings,
) -> DatabaseConnection {
    if shared.get_database_backend() != DbBackend::Postgres || max_connections == 0 {
        return shared.clone();
    }
    let Ok(options) = postgres_connect_options(database_url, pool) else {
        return shared.clone();
    };
    sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        postgres_pool_options(max_connections, pool).connect_lazy_with(options),
    )
}

/// A pool of `max_connections` to the replica, opened lazily: a replica that is down at
/// start-up does not stop the service (its reads answer 503 until it is back). Its sessions
/// have the request bounds, with the replica's own (longer) statement bound for reports.
fn lazy_replica_pool(
    settings: &Settings,
    replica: &ReplicaSettings,
    max_connections: u32,
) -> anyhow::Result<DatabaseConnection> {
    let mut pool = PoolSettings::from_settings(settings, true);
    pool.timeouts = Some(DbTimeouts {
        statement_ms: replica.statement_ms,
        ..settings.db_timeouts
    });
    let options = postgres_connect_options(&replica.url, &pool)
        .with_context(|| format!("cannot read DATABASE_READ_URL {}", redact(&replica.url)))?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        postgres_pool_options(max_connections, &pool).connect_lazy_with(options),
    ))
}

/// The instance's shared pool to the replica (for work outside the HTTP workers). The
/// primary must be PostgreSQL too: a replica of a SQLite file does not exist.
pub fn replica_pool(
    settings: &Settings,
    replica: &ReplicaSettings,
    primary: &DatabaseConnection,
) -> anyhow::Result<DatabaseConnection> {
    if primary.get_database_backend() != DbBackend::Postgres {
        anyhow::bail!("DATABASE_READ_URL needs a PostgreSQL DATABASE_URL");
    }
    lazy_replica_pool(settings, replica, 1)
}

/// One HTTP worker's routing of lag-tolerant reads: its own pool to the replica (for the
/// reason [`worker_pool`] gives), its share of `ONESTOP_REPLICA_MAX_CONNECTIONS`.
pub fn worker_reads(settings: &Settings, reads: &Reads, workers: usize) -> Reads {
    let Some(replica) = &settings.replica else {
        return reads.clone();
    };
    let workers = u32::try_from(workers.max(1)).unwrap_or(u32::MAX);
    match lazy_replica_pool(
        settings,
        replica,
        (replica.max_connections / workers).max(1),
    ) {
        Ok(pool) => reads.with_pool(pool),
        // The URL was read once at start-up (replica_pool); it cannot fail here, and the
        // shared pool serves if it somehow does.
        Err(_) => reads.clone(),
    }
}

fn postgres_connect_options(
    database_url: &str,
    pool: &PoolSettings,
) -> Result<PgConnectOptions, sea_orm::sqlx::Error> {
    let mut options = database_url
        .parse::<PgConnectOptions>()?
        .application_name(&pool.application_name)
        .disable_statement_logging();
    if let Some(timeouts) = pool.timeouts {
        options = options.options([
            ("statement_timeout", timeouts.statement_ms.to_string()),
            ("lock_timeout", timeouts.lock_ms.to_string()),
            (
                "idle_in_transaction_session_timeout",
                timeouts.idle_in_transaction_ms.to_string(),
            ),
        ]);
    }
    Ok(options)
}

/// The pool options of every PostgreSQL pool: bounded waits, connections closed when idle,
/// and a checkout that pings a connection that may have died unseen (idle long, or idle
/// since before the server was last seen going away) instead of handing it to a request.
fn postgres_pool_options(max_connections: u32, pool: &PoolSettings) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .min_connections(0)
        .idle_timeout(pool.idle_timeout)
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // What `test_before_acquire_if_idle_for` sets up for sea-orm's own pools.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR || lost_while_idle(meta.idle_for) {
                    // A failed ping closes this connection and the pool opens another.
                    sea_orm::sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
}

/// When a connection of this process last broke because the server went away (a restart,
/// a terminated backend, a cut link), as milliseconds after [`process_epoch`]; 0: never.
/// One per process, not per pool: every pool of an instance talks to the same server, and
/// a connection pinged without need costs one round trip once.
static SERVER_LOST_AT_MS: AtomicU64 = AtomicU64::new(0);

fn process_epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// Notes that the server went away under a connection: every connection idle in a pool now
/// may be dead too (a fast restart ends all of them at once), so each is pinged before it
/// is handed out again, and a dead one is dropped instead of failing a request.
pub fn note_server_lost() {
    let since_epoch = u64::try_from(process_epoch().elapsed().as_millis()).unwrap_or(u64::MAX);
    // 0 means never; a loss in the first millisecond is stored as 1.
    SERVER_LOST_AT_MS.fetch_max(since_epoch.max(1), Ordering::Relaxed);
}

/// Whether the server was seen going away while a connection idle for `idle_for` sat in the
/// pool. One returned to the pool since then was in use after the loss (and the pool pings
/// every connection it takes back), so it is not pinged again.
fn lost_while_idle(idle_for: Duration) -> bool {
    let lost_at = SERVER_LOST_AT_MS.load(Ordering::Relaxed);
    if lost_at == 0 {
        return false;
    }
    let idle_since = process_epoch().elapsed().saturating_sub(idle_for);
    // Milliseconds round down; a connection put back in the same millisecond is pinged too.
    idle_since <= Duration::from_millis(lost_at)
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> anyhow::Result<()> {
    Migrator::up(db, None)
        .await
        .context("applying database migrations failed")
}

/// The URL without its password, for messages.
pub fn redact(database_url: &str) -> String {
    match url::Url::parse(database_url) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(Some("***"));
            url.to_string()
        }
        _ => database_url.to_owned(),
    }
}

/// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`), so two writers queue on the busy timeout instead of one failing when it
/// upgrades from reading to writing; PostgreSQL ignores the option.
///
/// When `BEGIN` fails because the server went away under the connection (the pool handed
/// out one a restart had ended), nothing has been done yet, so it is tried once more: the
/// broken connection is dropped, the others opened before it are pinged before use, and the
/// retry gets a live one (or fails as the server still does, answered 503).
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    let options = sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    };
    match db.begin_with_options(options).await {
        Err(error) if server_went_away(&error) => {
            note_server_lost();
            tracing::info!(%error, "the connection was gone before BEGIN; trying once more");
            db.begin_with_options(options).await
        }
        began => began,
    }
}

/// Writes that do not read one another's effects, collected to be made together at the end
/// of a transaction. On PostgreSQL they go as one statement (each a data-modifying `WITH`
/// part), so a filing costs one round trip for all of them; SQLite, which has no
/// data-modifying `WITH`, runs them one after the other.
///
/// Every part of one PostgreSQL statement sees the database as it was when the statement
/// began, so a write here must not depend on another one here (an `INSERT ... SELECT` reading
/// a row inserted beside it would find nothing). Foreign keys between them hold: they are
/// checked when the whole statement has run.
#[derive(Debug, Default)]
pub struct Writes(Vec<SubQueryStatement>);

impl Writes {
    /// No writes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a write.
    pub fn push(&mut self, statement: impl Into<SubQueryStatement>) {
        self.0.push(statement.into());
    }

    /// Adds every write of `other`, after these.
    pub fn extend(&mut self, other: Writes) {
        self.0.extend(other.0);
    }

    /// Makes every write.
    pub async fn run(self, tx: &impl ConnectionTrait) -> Result<(), DbErr> {
        self.run_with_last(tx, None).await.map(|_| ())
    }

    /// Makes every write, then `last`, and returns the rows `last` returns (its `RETURNING`).
    pub async fn run_returning(
        self,
        tx: &impl ConnectionTrait,
        last: impl Into<SubQueryStatement>,
    ) -> Result<Vec<QueryResult>, DbErr> {
        self.run_with_last(tx, Some(last.into())).await
    }

    async fn run_with_last(
        mut self,
        tx: &impl ConnectionTrait,
        last: Option<SubQueryStatement>,
    ) -> Result<Vec<QueryResult>, DbErr> {
        let last = match last.or_else(|| self.0.pop()) {
            Some(last) => last,
            None => return Ok(Vec::new()),
        };
        let backend = tx.get_database_backend();
        if backend == DbBackend::Postgres && !self.0.is_empty() {
            let mut with = WithClause::new();
            for (index, statement) in self.0.into_iter().enumerate() {
                with.cte(
                    CommonTableExpression::new()
                        .table_name(Alias::new(format!("write_{index}")))
                        .query(statement)
                        .to_owned(),
                );
            }
            return tx.query_all_raw(backend.build(&with.query(last))).await;
        }
        for statement in self.0 {
            tx.execute_raw(build_sub_query(backend, &statement)).await?;
        }
        tx.query_all_raw(build_sub_query(backend, &last)).await
    }
}

fn build_sub_query(backend: DbBackend, statement: &SubQueryStatement) -> Statement {
    match statement {
        SubQueryStatement::SelectStatement(select) => backend.build(select),
        SubQueryStatement::InsertStatement(insert) => backend.build(insert),
        SubQueryStatement::UpdateStatement(update) => backend.build(update),
        SubQueryStatement::DeleteStatement(delete) => backend.build(delete),
        SubQueryStatement::WithStatement(with) => backend.build(with),
    }
}

#[cfg(test)]
mod tests {
    use super::ConnectionBudget;

    #[test]
    fn the_budget_is_never_exceeded_and_each_worker_gets_a_pool_where_it_can() {
        #[rustfmt::skip]
        let cases = [
            // total, workers, shared, per worker, why
            (16, 2, 2, 7, "the default on two cores"),
            (16, 8, 2, 1, "eight workers"),
            (6, 2, 2, 2, "room for the shared pool's two"),
            (3, 2, 1, 1, "one shared connection when two do not fit"),
            (2, 2, 2, 0, "too few for a pool per worker: all share"),
            (1, 4, 1, 0, "one connection"),
            (17, 2, 2, 7, "what does not divide evenly is left unopened"),
        ];
        for (total, workers, shared, per_worker, why) in cases {
            let budget = ConnectionBudget::new(total, workers);
            assert_eq!(
                (budget.shared, budget.per_worker),
                (shared, per_worker),
                "{why}"
            );
            let opened = budget.shared + budget.per_worker * workers as u32;
            assert!(opened <= total, "{why}: {opened} > {total}");
        }
    }
}
