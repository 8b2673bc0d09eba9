//! Which database failures are the database being unavailable (503 with its cause), which
//! are a lost race (409, retry) and which are a failed statement (500).
use sea_orm::DbErr;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiError;

/// SQLSTATE 57014: a statement was cancelled, here by `statement_timeout`.
const STATEMENT_TIMEOUT: &str = "57014";
/// SQLSTATE 55P03: a lock was not granted within `lock_timeout`.
const LOCK_TIMEOUT: &str = "55P03";
/// SQLSTATE 53300: the server has no connection slot left.
const TOO_MANY_CONNECTIONS: &str = "53300";

/// Why the database is unavailable: the `cause` of every 503 answered for it, and of
/// `/readyz`. Operators tell a database that is down from one that is stuck or full by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema, thiserror::Error)]
pub enum UnavailableCause {
    /// The server cannot be reached or ended the connection (restarting, stopped, starting
    /// up, the network between): SQLSTATE classes 08 and 57P, a refused or reset socket.
    #[serde(rename = "database unreachable")]
    #[error("database unreachable")]
    Unreachable,
    /// The server has no connection slot left (SQLSTATE 53300).
    #[serde(rename = "too many connections")]
    #[error("too many connections")]
    TooManyConnections,
    /// Every connection of this instance's budget was busy for the whole acquire timeout.
    #[serde(rename = "no free connection")]
    #[error("no free connection")]
    NoFreeConnection,
    /// A statement ran longer than `statement_timeout` (SQLSTATE 57014).
    #[serde(rename = "statement timeout")]
    #[error("statement timeout")]
    StatementTimeout,
    /// A lock was held by other work for longer than `lock_timeout` (SQLSTATE 55P03).
    #[serde(rename = "lock timeout")]
    #[error("lock timeout")]
    LockTimeout,
    /// The database did not answer `/readyz`'s probe within its bound.
    #[serde(rename = "no answer in time")]
    #[error("no answer in time")]
    NoAnswerInTime,
    /// The read replica (`DATABASE_READ_URL`) is further behind the primary than
    /// `ONESTOP_REPLICA_MAX_LAG_MS`, or cannot tell how far; only lag-tolerant reads get it.
    #[serde(rename = "replica lagging")]
    #[error("replica lagging")]
    ReplicaLagging,
    /// The read replica cannot be reached; only lag-tolerant reads get it.
    #[serde(rename = "replica unreachable")]
    #[error("replica unreachable")]
    ReplicaUnreachable,
}

impl UnavailableCause {
    /// The cause of a database error, if it is one that makes the database unavailable
    /// (rather than a failed statement).
    pub fn of(error: &DbErr) -> Option<Self> {
        if let DbErr::ConnectionAcquire(acquire) = error {
            return Some(match acquire {
                sea_orm::error::ConnAcquireErr::Timeout => Self::NoFreeConnection,
                sea_orm::error::ConnAcquireErr::ConnectionClosed => Self::Unreachable,
            });
        }
        let cause = match sqlx_error(error) {
            Some(
                sea_orm::SqlxError::Io(_)
                | sea_orm::SqlxError::Tls(_)
                | sea_orm::SqlxError::WorkerCrashed
                | sea_orm::SqlxError::PoolClosed,
            ) => Some(Self::Unreachable),
            Some(sea_orm::SqlxError::PoolTimedOut) => Some(Self::NoFreeConnection),
            // A hot standby cancels a read that would hold back replay with 40001, the code
            // of a lost race; on the replica it means "too far behind to answer now", not a
            // conflict of the caller's, so it is answered as lag (503) rather than 409.
            Some(sea_orm::SqlxError::Database(database))
                if database.message().contains("conflict with recovery") =>
            {
                Some(Self::ReplicaLagging)
            }
            Some(sea_orm::SqlxError::Database(database)) => {
                database.code().and_then(|code| Self::of_sqlstate(&code))
            }
            _ => None,
        };
        match error {
            // Opening a connection failed some other way (a bad password, a database that
            // does not exist): whatever the server says, it does not serve us.
            DbErr::Conn(_) => cause.or(Some(Self::Unreachable)),
            _ => cause,
        }
    }

    /// The cause a SQLSTATE names, if it is one that makes the database unavailable: class
    /// 08 (connection exception) and class 57P (an administrator's or a crash's shutdown:
    /// 57P01 after `pg_ctl restart -m fast` or `pg_terminate_backend`, 57P02, 57P03 while it
    /// starts) are the server going away; 53300 and the two timeouts are the server busy.
    pub(super) fn of_sqlstate(code: &str) -> Option<Self> {
        match code {
            STATEMENT_TIMEOUT => Some(Self::StatementTimeout),
            LOCK_TIMEOUT => Some(Self::LockTimeout),
            TOO_MANY_CONNECTIONS => Some(Self::TooManyConnections),
            code if code.starts_with("08") || code.starts_with("57P") => Some(Self::Unreachable),
            _ => None,
        }
    }

    /// The 503's detail for this cause.
    pub(super) fn detail(self) -> &'static str {
        match self {
            Self::StatementTimeout => {
                "a database statement took longer than allowed; try again shortly"
            }
            Self::LockTimeout => {
                "the records are held by other work for longer than allowed; try again shortly"
            }
            Self::TooManyConnections | Self::NoFreeConnection => {
                "the database is busy with other work; try again shortly"
            }
            Self::Unreachable | Self::NoAnswerInTime => {
                "the database does not answer; try again shortly"
            }
            Self::ReplicaLagging => {
                "the read replica is further behind than allowed; try again shortly"
            }
            Self::ReplicaUnreachable => "the read replica does not answer; try again shortly",
        }
    }
}

/// The driver's error inside a database error, wherever sea-orm put it.
fn sqlx_error(error: &DbErr) -> Option<&sea_orm::SqlxError> {
    match error {
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(inner))
        | DbErr::Query(sea_orm::RuntimeErr::SqlxError(inner))
        | DbErr::Conn(sea_orm::RuntimeErr::SqlxError(inner)) => Some(inner.as_ref()),
        _ => None,
    }
}

/// The SQLSTATE of an error the database itself answered, if it is one.
fn database_code(error: &DbErr) -> Option<String> {
    match sqlx_error(error)? {
        sea_orm::SqlxError::Database(database) => database.code().map(|code| code.into_owned()),
        _ => None,
    }
}

impl From<DbErr> for ApiError {
    fn from(error: DbErr) -> Self {
        // A bounded wait that ran out (a stuck lock, a runaway statement) is the database
        // being unavailable for now, like a lost connection: 503 with Retry-After.
        if UnavailableCause::of(&error).is_some() {
            if server_went_away(&error) {
                crate::db::note_server_lost();
            }
            Self::Unavailable(error.into())
        } else if is_lost_race(&error) {
            Self::conflict(
                "concurrent-change",
                "another request changed the same records at the same moment; retry",
            )
        } else {
            Self::Internal(error.into())
        }
    }
}

/// Whether the server went away under the connection (a restart, a terminated backend, a
/// broken socket), so the connection is dead, and others opened before it may be too. A
/// full pool or a full server is not this: their connections still work.
pub fn server_went_away(error: &DbErr) -> bool {
    UnavailableCause::of(error) == Some(UnavailableCause::Unreachable)
}

/// Whether PostgreSQL gave up on the transaction because it raced another (a deadlock or a
/// serialization failure): the request did nothing and may simply be retried.
pub fn is_lost_race(error: &DbErr) -> bool {
    matches!(database_code(error).as_deref(), Some("40P01" | "40001"))
}
