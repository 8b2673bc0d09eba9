//! Opening the database (SQLite or PostgreSQL, by URL) and bringing its schema up to date.
use std::time::Duration;

use anyhow::Context;

use crate::config::DbTimeouts;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, QueryResult,
    Statement,
    sea_query::{Alias, CommonTableExpression, SubQueryStatement, WithClause},
};

/// Connections a PostgreSQL pool opens when `ONESTOP_DB_MAX_CONNECTIONS` is unset.
pub const DEFAULT_POSTGRES_POOL: u32 = 16;
/// Connections to a SQLite file: it has one writer at a time, so more only wait longer.
const SQLITE_POOL: u32 = 8;
/// How long a request waits for a free connection before it is answered 503.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);
/// A connection in steady use is handed out as it is; one idle this long, long enough to
/// have been dropped by the server or a proxy, is pinged first. (Pinging on every checkout
/// would cost each request a round trip more.)
const PING_WHEN_IDLE_FOR: Duration = Duration::from_secs(10);

/// Connects to `database_url` with the default pool. SQLite gets WAL and a busy timeout so
/// concurrent requests wait for the writer instead of failing.
pub async fn connect(database_url: &str) -> anyhow::Result<DatabaseConnection> {
    connect_with_pool(database_url, None).await
}

/// Connects to `database_url` with at most `max_connections` connections to PostgreSQL
/// (`None`: [`DEFAULT_POSTGRES_POOL`]). A busy server answers fastest when the connections
/// working at once are about as many as its cores can run; requests beyond that wait for a
/// connection in order, which keeps the slowest answers close to the typical one.
pub async fn connect_with_pool(
    database_url: &str,
    max_connections: Option<u32>,
) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(database_url.to_owned());
    options
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        .test_before_acquire_if_idle_for(PING_WHEN_IDLE_FOR)
        .sqlx_logging(false);
    if database_url.starts_with("sqlite:") {
        options
            .max_connections(SQLITE_POOL)
            .map_sqlx_sqlite_opts(|sqlite| {
                sqlite
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
    } else {
        options.max_connections(max_connections.unwrap_or(DEFAULT_POSTGRES_POOL));
    }
    Database::connect(options)
        .await
        .with_context(|| format!("cannot open the database at {}", redact(database_url)))
}

/// The pool one HTTP worker thread uses: on PostgreSQL a pool of its own, of `max_connections`,
/// whose connections are opened lazily from that thread. A socket belongs to the runtime it
/// was opened on; each HTTP worker runs its own single-threaded runtime, so a connection
/// opened by one worker and used by another waits for the first worker to get around to
/// polling its sockets, and under load the second worker sits idle meanwhile. Called on the
/// worker's thread. SQLite connections do their I/O on threads of their own, so SQLite (and
/// a URL that cannot be read as PostgreSQL's) shares `shared`.
///
/// Every connection of these pools has `timeouts` set for its session, so no request waits
/// on a stuck lock or a runaway statement for longer than they allow (the service answers
/// 503); migrations and background work use the shared pool, without them.
pub fn worker_pool(
    database_url: &str,
    max_connections: u32,
    shared: &DatabaseConnection,
    timeouts: DbTimeouts,
) -> DatabaseConnection {
    use sea_orm::sqlx::{
        ConnectOptions as _,
        postgres::{PgConnectOptions, PgPoolOptions},
    };
    if shared.get_database_backend() != DbBackend::Postgres {
        return shared.clone();
    }
    let Ok(options) = database_url.parse::<PgConnectOptions>() else {
        return shared.clone();
    };
    let pool = PgPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(ACQUIRE_TIMEOUT)
        // What `test_before_acquire_if_idle_for` sets up in `connect_with_pool`.
        .test_before_acquire(false)
        .before_acquire(|connection, meta| {
            Box::pin(async move {
                if meta.idle_for >= PING_WHEN_IDLE_FOR {
                    sea_orm::sqlx::Connection::ping(connection).await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(
            options
                .options([
                    ("statement_timeout", timeouts.statement_ms.to_string()),
                    ("lock_timeout", timeouts.lock_ms.to_string()),
                    (
                        "idle_in_transaction_session_timeout",
                        timeouts.idle_in_transaction_ms.to_string(),
                    ),
                ])
                .disable_statement_logging(),
        );
    sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(pool)
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
pub async fn begin_write<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
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
