//! Settings read from the environment, with defaults that make `cargo run` work on a fresh
//! machine (an embedded SQLite file in the working directory, a local port).
use std::net::SocketAddr;

use anyhow::Context;
use chrono::NaiveDate;

use crate::domain::service_level::ServiceLevels;

/// The webhook retry schedule in seconds: attempt 1 immediately, then after 5 s, 5 min,
/// 30 min, 2 h, 5 h, 10 h and 10 h (8 attempts in all).
pub const DEFAULT_WEBHOOK_BACKOFF: [u64; 8] = [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000];
/// The default database: a SQLite file in the working directory, created when missing.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://onestop.db?mode=rwc";
/// The default listening address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// Everything the service reads from its environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `DATABASE_URL`: `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// `ONESTOP_BIND`: where the HTTP server listens (`:0` picks a free port).
    pub bind: SocketAddr,
    /// How tokens are signed and checked.
    pub jwt: JwtSettings,
    /// `ONESTOP_FREE_SESSIONS`: free consulting sessions per company and fiscal year.
    pub free_sessions: u32,
    /// `ONESTOP_AUTO_ASSIGN`: hand freed capacity to the oldest waiting case.
    pub auto_assign: bool,
    /// `ONESTOP_SLA_FIRST_CONTACT_DAYS` (2) and `ONESTOP_SLA_ASSIGNMENT_DAYS` (5): service
    /// levels in business days after receipt.
    pub service_levels: ServiceLevels,
    /// `ONESTOP_CLOSURE_DAYS`: extra days the center is closed (`2026-08-14,2026-12-28`),
    /// skipped like holidays when business days are counted.
    pub closure_days: Vec<NaiveDate>,
    /// `ONESTOP_WEBHOOK_ALLOW_PRIVATE`: allow webhook URLs on loopback and private networks.
    pub webhook_allow_private: bool,
    /// `ONESTOP_WEBHOOK_WORKER`: run the webhook delivery worker in this instance (default
    /// true).
    pub webhook_worker: bool,
    /// The webhook retry schedule: entry `i` is the wait before attempt `i + 1`, counted
    /// from the failure of attempt `i` (entry 0, the first attempt, is always immediate:
    /// the outbox row is due when the event commits); its length is the number of attempts.
    /// [`DEFAULT_WEBHOOK_BACKOFF`]; no environment variable.
    pub webhook_backoff: Vec<std::time::Duration>,
    /// `ONESTOP_RATE_LIMIT_PER_SECOND`: requests a second per client and instance, with
    /// bursts of twice that (default 100; 0 turns limiting off).
    pub rate_limit_per_second: u32,
    /// How many failed client authentications the token endpoint takes before it refuses
    /// for a while.
    pub token_failures: TokenFailureLimits,
    /// `ONESTOP_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
    /// `ONESTOP_SHUTDOWN_TIMEOUT_SECONDS`: how long in-flight requests may take on SIGTERM.
    pub shutdown_timeout_seconds: u64,
    /// `ONESTOP_DB_MAX_CONNECTIONS`: every PostgreSQL connection the instance will ever have
    /// open at once, request pools, webhook worker and start-up together (default
    /// [`crate::db::DEFAULT_POSTGRES_POOL`]; see [`crate::db::ConnectionBudget`]). SQLite
    /// always uses a small fixed pool.
    pub db_max_connections: Option<u32>,
    /// `ONESTOP_DB_IDLE_SECONDS` (default 60): a PostgreSQL connection unused this long is
    /// closed, so a quiet instance gives its connections back to the server (0: never).
    pub db_idle_seconds: u64,
    /// `ONESTOP_DB_APPLICATION_NAME` (default `onestop`): the `application_name` every
    /// connection of the instance reports, so `pg_stat_activity` tells instances apart.
    pub db_application_name: String,
    /// How the HTTP server treats browsers and slow clients.
    pub http: HttpSettings,
    /// `ONESTOP_DB_STATEMENT_TIMEOUT_MS` (default 5000), `ONESTOP_DB_LOCK_TIMEOUT_MS` (2000)
    /// and `ONESTOP_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS` (10000): the bounds PostgreSQL puts on
    /// every request connection's statements, lock waits and open transactions (0: none).
    pub db_timeouts: DbTimeouts,
    /// Where lag-tolerant reads go (see [`ReplicaSettings`]); `None` without
    /// `DATABASE_READ_URL`.
    pub replica: Option<ReplicaSettings>,
    /// `ONESTOP_CALENDAR_CONTACT_DETAILS` (default false): whether the managers' iCalendar
    /// feeds name the case's contact person, e-mail and phone (off, a feed shows the company
    /// name and the case reference only: a subscribed calendar is copied to other services).
    pub calendar_contact_details: bool,
    /// The outcome survey companies answer through a link.
    pub survey: SurveySettings,
    /// The access log and the retention of contact details (APPI).
    pub personal_data: PersonalDataSettings,
    /// `ONESTOP_REPORT_REFRESH_SECONDS` (default 10; 0 turns the job off in this instance):
    /// how often the summary report's monthly rollup counts again the months whose cases
    /// changed. Reports are never stale either way: a changed month is counted from the
    /// cases until the job has counted it (`services::reports::rollup`).
    pub report_refresh: Option<std::time::Duration>,
}

/// Personal data: the access log of contact-bearing reads, and how long contact details of
/// finished cases are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalDataSettings {
    /// `ONESTOP_ACCESS_LOG` (default true): record who was shown which case's contact
    /// details. Off only to measure what the log costs (`bench/access_log.sh`): the contract
    /// with the ministries asks for the record.
    pub access_log: bool,
    /// `ONESTOP_CONTACT_RETENTION_DAYS` (default none): contact details of cases closed,
    /// cancelled or merged this many days ago are anonymized. Unset, nothing is anonymized
    /// by age: how long the ministries' contract keeps them is theirs to set, and an erasure
    /// that cannot be undone must not start by default.
    pub contact_retention_days: Option<u32>,
    /// `ONESTOP_RETENTION_WORKER` (default true): run the retention job in this instance
    /// (one instance at a time holds it, by a lease in the database).
    pub retention_worker: bool,
    /// `ONESTOP_RETENTION_INTERVAL_SECONDS` (default 3600): how often the job looks for
    /// cases past retention.
    pub retention_interval: std::time::Duration,
}

/// A PostgreSQL streaming replica for lag-tolerant reads: summary reports (JSON and CSV),
/// the event feed and the managers' calendar feeds. Everything else, and those reads for a
/// client that wrote through this instance within `max_lag`, goes to the primary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicaSettings {
    /// `DATABASE_READ_URL`: a `postgres://` URL of the replica.
    pub url: String,
    /// `ONESTOP_REPLICA_MAX_LAG_MS` (default 5000): a replica further behind than this is
    /// not read (503 `replica lagging` for those reads only); also how long after a write a
    /// client's lag-tolerant reads go to the primary.
    pub max_lag_ms: u64,
    /// `ONESTOP_REPLICA_MAX_CONNECTIONS` (default 4): connections this instance opens to
    /// the replica, shared out among its HTTP workers. Counted apart from
    /// `ONESTOP_DB_MAX_CONNECTIONS`, which is the primary's budget.
    pub max_connections: u32,
    /// `ONESTOP_REPLICA_STATEMENT_TIMEOUT_MS` (default 30000): the statement bound of
    /// replica reads; reports over a year of cases may take longer than a request's.
    pub statement_ms: u64,
}

impl ReplicaSettings {
    /// The replica `DATABASE_READ_URL` names, if any, with its bounds.
    fn read(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<Option<Self>> {
        let Some(url) = get("DATABASE_READ_URL") else {
            return Ok(None);
        };
        // A SQLite file has no replicas; reading another file would be silently stale.
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            anyhow::bail!(
                "DATABASE_READ_URL must be a postgres:// URL of a streaming replica, not {}",
                crate::db::redact(&url)
            );
        }
        let max_connections = parse_number(get, "ONESTOP_REPLICA_MAX_CONNECTIONS", 4_u32)?;
        if max_connections == 0 {
            anyhow::bail!("ONESTOP_REPLICA_MAX_CONNECTIONS must be positive");
        }
        Ok(Some(Self {
            url,
            max_lag_ms: parse_number(get, "ONESTOP_REPLICA_MAX_LAG_MS", 5000)?,
            max_connections,
            statement_ms: parse_number(get, "ONESTOP_REPLICA_STATEMENT_TIMEOUT_MS", 30_000)?,
        }))
    }
}

/// The outcome survey: where its links point, how long they last, the rates' target.
#[derive(Debug, Clone)]
pub struct SurveySettings {
    /// `ONESTOP_PUBLIC_URL`: the base of the links given to companies
    /// (`https://onestop.example.jp`). Unset: `http://` and the address the service listens
    /// on, filled in when it binds.
    pub public_url: Option<String>,
    /// `ONESTOP_SURVEY_LINK_DAYS` (default 30): how long a survey link can be answered.
    pub link_lifetime: chrono::Duration,
    /// `ONESTOP_SURVEY_TARGET` (default 0.8): the share the ministries expect of each survey
    /// rate; the report says whether each reaches it.
    pub target: f64,
}

/// Bounds on the waits of a request's database work, in milliseconds (0 turns one off).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DbTimeouts {
    /// The longest one statement may run.
    pub statement_ms: u64,
    /// The longest a statement may wait for a lock.
    pub lock_ms: u64,
    /// The longest a transaction may sit idle.
    pub idle_in_transaction_ms: u64,
}

/// Browser access (CORS) and the bounds on what a client may hold open.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// `ONESTOP_CORS_ORIGINS`: the web origins (`https://frontend.example.jp`, comma-separated)
    /// whose pages may call the API from a browser; none by default, so no browser page of
    /// another origin can.
    pub cors_origins: Vec<String>,
    /// `ONESTOP_BODY_TIMEOUT_SECONDS` (default 10): the longest a client may take to send a
    /// request body once its headers arrived; slower bodies are answered 408 and the
    /// connection closed.
    pub body_timeout: std::time::Duration,
    /// `ONESTOP_MAX_CONNECTIONS` (default 1024): open connections per HTTP worker; more wait
    /// in the operating system's backlog, so slow clients cannot take every socket.
    pub max_connections_per_worker: usize,
}

/// Token signing settings. The algorithm is fixed here and never read from a token.
#[derive(Debug, Clone)]
pub struct JwtSettings {
    /// `ONESTOP_JWT_SECRET`: the HS256 key. When unset, a random key is generated once and
    /// kept in the database, so tokens survive restarts and every instance agrees.
    pub secret: Option<String>,
    /// `ONESTOP_JWT_ISSUER` (default `onestop`).
    pub issuer: String,
    /// `ONESTOP_JWT_AUDIENCE` (default `onestop-api`).
    pub audience: String,
    /// `ONESTOP_TOKEN_TTL_SECONDS` (default 3600).
    pub token_ttl_seconds: u64,
}

/// Limits on failed client authentications at `POST /v1/auth/token`, per instance. Each
/// counts failures in a window that starts with the first failure and ends `window_seconds`
/// later, whatever happens meanwhile, so a lockout always ends within that time. A limit of
/// 0 turns that limit off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFailureLimits {
    /// `ONESTOP_TOKEN_FAILURES_PER_PAIR` (default 10): failures for one client id from one
    /// address.
    pub per_pair: u32,
    /// `ONESTOP_TOKEN_FAILURES_PER_CLIENT` (default 100): failures for one client id from
    /// all addresses. Addresses the client authenticated from lately are exempt, so failures
    /// elsewhere do not lock it out where it works.
    pub per_client: u32,
    /// `ONESTOP_TOKEN_FAILURES_PER_ADDRESS` (default 100): failures from one address for all
    /// client ids (someone trying many ids); the same exemption applies.
    pub per_address: u32,
    /// `ONESTOP_TOKEN_FAILURE_WINDOW_SECONDS` (default 300): how long a window lasts.
    pub window_seconds: u64,
}

impl Default for TokenFailureLimits {
    fn default() -> Self {
        Self {
            per_pair: 10,
            per_client: 100,
            per_address: 100,
            window_seconds: 300,
        }
    }
}

impl Settings {
    /// Reads the settings from the process environment.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the settings through `lookup`, so tests can supply their own environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let bind = get("ONESTOP_BIND").unwrap_or_else(|| DEFAULT_BIND.to_owned());
        let secret = get("ONESTOP_JWT_SECRET");
        if let Some(secret) = &secret
            && secret.len() < 32
        {
            anyhow::bail!("ONESTOP_JWT_SECRET must be at least 32 bytes long");
        }
        Ok(Self {
            database_url: get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            bind: bind.parse().with_context(|| {
                format!("ONESTOP_BIND={bind} is not an address like 127.0.0.1:8080")
            })?,
            jwt: JwtSettings {
                secret,
                issuer: get("ONESTOP_JWT_ISSUER").unwrap_or_else(|| "onestop".to_owned()),
                audience: get("ONESTOP_JWT_AUDIENCE").unwrap_or_else(|| "onestop-api".to_owned()),
                token_ttl_seconds: parse_number(&get, "ONESTOP_TOKEN_TTL_SECONDS", 3600)?,
            },
            free_sessions: parse_number(&get, "ONESTOP_FREE_SESSIONS", 3)?,
            auto_assign: parse_bool(&get, "ONESTOP_AUTO_ASSIGN", true)?,
            closure_days: get("ONESTOP_CLOSURE_DAYS")
                .map(|raw| parse_dates("ONESTOP_CLOSURE_DAYS", &raw))
                .transpose()?
                .unwrap_or_default(),
            service_levels: ServiceLevels {
                first_contact_days: parse_number(&get, "ONESTOP_SLA_FIRST_CONTACT_DAYS", 2)?,
                assignment_days: parse_number(&get, "ONESTOP_SLA_ASSIGNMENT_DAYS", 5)?,
            },
            webhook_allow_private: parse_bool(&get, "ONESTOP_WEBHOOK_ALLOW_PRIVATE", false)?,
            webhook_worker: parse_bool(&get, "ONESTOP_WEBHOOK_WORKER", true)?,
            webhook_backoff: DEFAULT_WEBHOOK_BACKOFF
                .iter()
                .map(|&seconds| std::time::Duration::from_secs(seconds))
                .collect(),
            rate_limit_per_second: parse_number(&get, "ONESTOP_RATE_LIMIT_PER_SECOND", 100)?,
            token_failures: token_failure_limits(&get)?,
            workers: get("ONESTOP_WORKERS")
                .map(|raw| {
                    raw.parse()
                        .context("ONESTOP_WORKERS must be a positive number")
                })
                .transpose()?,
            shutdown_timeout_seconds: parse_number(&get, "ONESTOP_SHUTDOWN_TIMEOUT_SECONDS", 30)?,
            db_max_connections: get("ONESTOP_DB_MAX_CONNECTIONS")
                .map(|raw| match raw.parse::<u32>() {
                    Ok(size) if size > 0 => Ok(size),
                    _ => Err(anyhow::anyhow!(
                        "ONESTOP_DB_MAX_CONNECTIONS must be a positive number, not {raw:?}"
                    )),
                })
                .transpose()?,
            db_idle_seconds: parse_number(&get, "ONESTOP_DB_IDLE_SECONDS", 60)?,
            db_application_name: match get("ONESTOP_DB_APPLICATION_NAME") {
                None => "onestop".to_owned(),
                // PostgreSQL keeps 63 bytes of printable ASCII and would silently change the
                // rest, so a name that would not come back as given is refused here.
                Some(name)
                    if name.len() <= 63
                        && name
                            .bytes()
                            .all(|byte| byte.is_ascii_graphic() || byte == b' ') =>
                {
                    name
                }
                Some(name) => anyhow::bail!(
                    "ONESTOP_DB_APPLICATION_NAME must be 1 to 63 printable ASCII characters, not {name:?}"
                ),
            },
            db_timeouts: DbTimeouts {
                statement_ms: parse_number(&get, "ONESTOP_DB_STATEMENT_TIMEOUT_MS", 5000)?,
                lock_ms: parse_number(&get, "ONESTOP_DB_LOCK_TIMEOUT_MS", 2000)?,
                idle_in_transaction_ms: parse_number(
                    &get,
                    "ONESTOP_DB_IDLE_IN_TRANSACTION_TIMEOUT_MS",
                    10_000,
                )?,
            },
            replica: ReplicaSettings::read(&get)?,
            http: HttpSettings {
                cors_origins: get("ONESTOP_CORS_ORIGINS")
                    .map(|raw| parse_origins(&raw))
                    .transpose()?
                    .unwrap_or_default(),
                body_timeout: std::time::Duration::from_secs(parse_number(
                    &get,
                    "ONESTOP_BODY_TIMEOUT_SECONDS",
                    10,
                )?),
                max_connections_per_worker: parse_number(&get, "ONESTOP_MAX_CONNECTIONS", 1024)?,
            },
            calendar_contact_details: parse_bool(&get, "ONESTOP_CALENDAR_CONTACT_DETAILS", false)?,
            survey: survey_settings(&get)?,
            personal_data: personal_data_settings(&get)?,
            report_refresh: match parse_number(&get, "ONESTOP_REPORT_REFRESH_SECONDS", 10_u64)? {
                0 => None,
                seconds => Some(std::time::Duration::from_secs(seconds)),
            },
        })
    }
}

/// The access log's and retention's settings (`ONESTOP_ACCESS_LOG`,
/// `ONESTOP_CONTACT_RETENTION_DAYS`, `ONESTOP_RETENTION_*`).
fn personal_data_settings(
    get: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<PersonalDataSettings> {
    Ok(PersonalDataSettings {
        access_log: parse_bool(get, "ONESTOP_ACCESS_LOG", true)?,
        contact_retention_days: get("ONESTOP_CONTACT_RETENTION_DAYS")
            .map(|raw| {
                raw.trim().parse::<u32>().with_context(|| {
                    format!("ONESTOP_CONTACT_RETENTION_DAYS must be a number of days, not {raw:?}")
                })
            })
            .transpose()?,
        retention_worker: parse_bool(get, "ONESTOP_RETENTION_WORKER", true)?,
        retention_interval: std::time::Duration::from_secs(
            match parse_number(get, "ONESTOP_RETENTION_INTERVAL_SECONDS", 3600_u64)? {
                0 => anyhow::bail!("ONESTOP_RETENTION_INTERVAL_SECONDS must be 1 or more"),
                seconds => seconds,
            },
        ),
    })
}

/// The survey's settings (`ONESTOP_PUBLIC_URL`, `ONESTOP_SURVEY_*`).
fn survey_settings(get: &impl Fn(&str) -> Option<String>) -> anyhow::Result<SurveySettings> {
    let public_url = get("ONESTOP_PUBLIC_URL")
        .map(|raw| {
            let url = url::Url::parse(raw.trim())
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            match url {
                Some(url) => Ok(url.as_str().trim_end_matches('/').to_owned()),
                None => Err(anyhow::anyhow!(
                    "ONESTOP_PUBLIC_URL={raw} is not an http(s) URL like https://onestop.example.jp"
                )),
            }
        })
        .transpose()?;
    let days: u32 = parse_number(get, "ONESTOP_SURVEY_LINK_DAYS", 30)?;
    if days == 0 {
        anyhow::bail!("ONESTOP_SURVEY_LINK_DAYS must be 1 or more");
    }
    let target: f64 = parse_number(get, "ONESTOP_SURVEY_TARGET", 0.8)?;
    if !(0.0..=1.0).contains(&target) {
        anyhow::bail!("ONESTOP_SURVEY_TARGET={target} must be between 0 and 1");
    }
    Ok(SurveySettings {
        public_url,
        link_lifetime: chrono::Duration::days(i64::from(days)),
        target,
    })
}

/// The token endpoint's failure limits (`ONESTOP_TOKEN_FAILURE*`).
fn token_failure_limits(
    get: &impl Fn(&str) -> Option<String>,
) -> anyhow::Result<TokenFailureLimits> {
    let defaults = TokenFailureLimits::default();
    Ok(TokenFailureLimits {
        per_pair: parse_number(&get, "ONESTOP_TOKEN_FAILURES_PER_PAIR", defaults.per_pair)?,
        per_client: parse_number(
            &get,
            "ONESTOP_TOKEN_FAILURES_PER_CLIENT",
            defaults.per_client,
        )?,
        per_address: parse_number(
            &get,
            "ONESTOP_TOKEN_FAILURES_PER_ADDRESS",
            defaults.per_address,
        )?,
        window_seconds: match parse_number(
            &get,
            "ONESTOP_TOKEN_FAILURE_WINDOW_SECONDS",
            defaults.window_seconds,
        )? {
            0 => {
                anyhow::bail!("ONESTOP_TOKEN_FAILURE_WINDOW_SECONDS must be at least 1")
            }
            seconds => seconds,
        },
    })
}

/// Reads a comma-separated list of web origins (`scheme://host[:port]`, nothing after).
fn parse_origins(raw: &str) -> anyhow::Result<Vec<String>> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let url = url::Url::parse(part)
                .with_context(|| format!("ONESTOP_CORS_ORIGINS: {part:?} is not an origin"))?;
            let origin = url.origin().ascii_serialization();
            if origin == "null" || origin != part.trim_end_matches('/') {
                anyhow::bail!(
                    "ONESTOP_CORS_ORIGINS: {part:?} is not an origin like https://app.example.jp"
                );
            }
            Ok(origin)
        })
        .collect()
}

fn parse_dates(name: &str, raw: &str) -> anyhow::Result<Vec<NaiveDate>> {
    raw.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<NaiveDate>()
                .with_context(|| format!("{name}: {part:?} is not a date like 2026-12-28"))
        })
        .collect()
}

fn parse_number<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: T,
) -> anyhow::Result<T> {
    match get(name) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|_| anyhow::anyhow!("{name}={raw} is not a valid non-negative number")),
    }
}

fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    name: &str,
    default: bool,
) -> anyhow::Result<bool> {
    match get(name).map(|raw| raw.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(raw) => match raw.as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => anyhow::bail!("{name}={raw} is not true or false"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> anyhow::Result<Settings> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Settings::from_lookup(|name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn an_empty_environment_gives_the_embedded_defaults() {
        let settings = settings(&[]).unwrap();
        assert_eq!(settings.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(settings.bind.to_string(), DEFAULT_BIND);
        assert_eq!(settings.free_sessions, 3);
        assert!(settings.auto_assign);
        assert!(!settings.webhook_allow_private);
        assert!(settings.webhook_worker);
        assert_eq!(settings.webhook_backoff.len(), 8);
        assert_eq!(settings.webhook_backoff[0], std::time::Duration::ZERO);
        assert_eq!(
            settings.webhook_backoff[2],
            std::time::Duration::from_secs(300)
        );
        assert!(settings.jwt.secret.is_none());
        assert_eq!(settings.db_max_connections, None);
        assert_eq!(settings.db_idle_seconds, 60);
        assert_eq!(settings.db_application_name, "onestop");
        assert_eq!(settings.token_failures, TokenFailureLimits::default());
    }

    #[test]
    fn the_token_failure_limits_are_read() {
        let settings = settings(&[
            ("ONESTOP_TOKEN_FAILURES_PER_PAIR", "3"),
            ("ONESTOP_TOKEN_FAILURES_PER_CLIENT", "30"),
            ("ONESTOP_TOKEN_FAILURES_PER_ADDRESS", "0"),
            ("ONESTOP_TOKEN_FAILURE_WINDOW_SECONDS", "60"),
        ])
        .unwrap();
        assert_eq!(
            settings.token_failures,
            TokenFailureLimits {
                per_pair: 3,
                per_client: 30,
                per_address: 0,
                window_seconds: 60,
            }
        );
    }

    #[test]
    fn cors_origins_are_read_as_origins() {
        let settings = settings(&[(
            "ONESTOP_CORS_ORIGINS",
            "https://app.example.jp, http://localhost:5173/",
        )])
        .unwrap();
        assert_eq!(
            settings.http.cors_origins,
            ["https://app.example.jp", "http://localhost:5173"]
        );
        assert!(self::settings(&[]).unwrap().http.cors_origins.is_empty());
    }

    #[test]
    fn a_read_replica_is_read_with_its_bounds_and_must_be_postgresql() {
        assert_eq!(settings(&[]).unwrap().replica, None);
        let settings = settings(&[
            (
                "DATABASE_READ_URL",
                "postgres://reader:pw@replica:5432/onestop",
            ),
            ("ONESTOP_REPLICA_MAX_LAG_MS", "2500"),
        ])
        .unwrap();
        assert_eq!(
            settings.replica,
            Some(ReplicaSettings {
                url: "postgres://reader:pw@replica:5432/onestop".to_owned(),
                max_lag_ms: 2500,
                max_connections: 4,
                statement_ms: 30_000,
            })
        );
        let refusals: [&[(&str, &str)]; 2] = [
            &[("DATABASE_READ_URL", "sqlite://copy.db")],
            &[
                ("DATABASE_READ_URL", "postgres://replica/onestop"),
                ("ONESTOP_REPLICA_MAX_CONNECTIONS", "0"),
            ],
        ];
        for environment in refusals {
            let refused = self::settings(environment).unwrap_err().to_string();
            let (named, _) = environment[environment.len() - 1];
            assert!(refused.contains(named), "{refused}");
        }
    }

    #[test]
    fn the_pool_size_is_read() {
        let settings = settings(&[("ONESTOP_DB_MAX_CONNECTIONS", "4")]).unwrap();
        assert_eq!(settings.db_max_connections, Some(4));
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        let cases = [
            ("ONESTOP_BIND", "localhost"),
            ("ONESTOP_TOKEN_TTL_SECONDS", "-5"),
            ("ONESTOP_AUTO_ASSIGN", "maybe"),
            ("ONESTOP_JWT_SECRET", "short"),
            ("ONESTOP_DB_MAX_CONNECTIONS", "0"),
            ("ONESTOP_DB_MAX_CONNECTIONS", "many"),
            ("ONESTOP_DB_IDLE_SECONDS", "a while"),
            ("ONESTOP_DB_APPLICATION_NAME", "オンライン"),
            ("ONESTOP_DB_APPLICATION_NAME", &"x".repeat(64)),
            ("ONESTOP_CORS_ORIGINS", "https://app.example.jp/path"),
            ("ONESTOP_CORS_ORIGINS", "not a url"),
            ("ONESTOP_BODY_TIMEOUT_SECONDS", "soon"),
            ("ONESTOP_TOKEN_FAILURES_PER_PAIR", "-1"),
            ("ONESTOP_TOKEN_FAILURE_WINDOW_SECONDS", "0"),
        ];
        for (name, value) in cases {
            let error = settings(&[(name, value)]).unwrap_err().to_string();
            assert!(error.contains(name), "{name}={value} gave {error}");
        }
    }
}
