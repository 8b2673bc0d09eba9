//! `Idempotency-Key` on creates: the first answer to a (client, key) is stored in the same
//! transaction as what it created and replayed on retries; a different body under the same
//! key is refused (422) and a retry while the first is still running gets 409.
//!
//! Nothing about a key is written before the create commits: the record is written with the
//! create, in its transaction, by an insert the primary key on (client, key) decides. Two
//! instances that receive the same key at once cannot both commit a create: the second's
//! insert finds the first's record and its transaction is rolled back. So that the second
//! hears "in flight" (409) at once instead of doing the work first, a create under a key holds
//! a transaction-scoped advisory lock named after the key on PostgreSQL (SQLite runs one
//! writer at a time, so there a repeat waits for the first and then replays it).
use std::future::Future;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    FromQueryResult, IdenStatic, Iterable, QueryResult, QueryTrait, Statement,
    sea_query::{Expr, ExprTrait, InsertStatement, OnConflict, Query},
};
use sha2::{Digest, Sha256};

use crate::{
    db::{Writes, begin_write},
    entities::idempotency_key,
    error::ApiError,
};

/// How long answers are kept for replay.
pub const RETENTION: Duration = Duration::hours(24);
/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;
/// `state` of a stored answer. (Earlier versions also committed `in_flight` claims; such a
/// row belongs to a request that never finished and is taken over.)
const DONE: &str = "done";

/// A create sent with an `Idempotency-Key`.
#[derive(Debug, Clone)]
pub struct KeyedRequest {
    client_id: String,
    key: String,
    fingerprint: String,
}

impl KeyedRequest {
    /// Checks the key's shape and fingerprints the request.
    pub fn new(
        client_id: &str,
        key: &str,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<Self, ApiError> {
        check_key(key)?;
        Ok(Self {
            client_id: client_id.to_owned(),
            key: key.to_owned(),
            fingerprint: fingerprint(method, path, body),
        })
    }

    /// The advisory lock of this key: the first 8 bytes of SHA-256 over client and key, the
    /// same on every instance. (Two keys sharing a lock only make one wait for, or get 409
    /// from, the other; which create commits is still decided by the primary key.)
    fn lock_id(&self) -> i64 {
        let mut hasher = Sha256::new();
        hasher.update(b"idempotency-key\0");
        hasher.update(self.client_id.as_bytes());
        hasher.update([0]);
        hasher.update(self.key.as_bytes());
        let digest = hasher.finalize();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(first)
    }
}

/// The answer of a create, as stored for replay.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// The JSON body, as sent (serialized once, for the answer and the record alike).
    pub body: String,
    /// `Location` header.
    pub location: Option<String>,
    /// `ETag` header, for what has a version.
    pub etag: Option<String>,
}

impl StoredResponse {
    /// A `201 Created` answer with `Location` and `view` as the body.
    pub fn created(location: String, view: &impl serde::Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status: 201,
            body: serde_json::to_string(view).map_err(anyhow::Error::from)?,
            location: Some(location),
            etag: None,
        })
    }

    /// The answer with `ETag: "<version>"` (the version of what the body shows).
    pub fn with_version(self, version: i32) -> Self {
        Self {
            etag: Some(format!("\"{version}\"")),
            ..self
        }
    }
}

/// What a create made, and the writes it left to be made together with the idempotency
/// record (see [`Writes`]); most creates have made all theirs already.
#[derive(Debug)]
pub struct Made<T> {
    /// What was made, for the answer.
    pub made: T,
    /// Writes still to make before commit.
    pub writes: Writes,
}

impl<T> Made<T> {
    /// `made`, with every write made already.
    pub fn done(made: T) -> Self {
        Self {
            made,
            writes: Writes::new(),
        }
    }
}

/// A create that runs inside the transaction [`create`] opens, under the key's protocol. Each
/// resource's create is one (a filing, a comment, a partner...); the route only renders
/// what it made.
pub trait Create: Sized {
    /// What the create makes.
    type Made;

    /// A statement the create needs first, with `RETURNING`, that reads nothing the key's
    /// record decides (see [`create`]); none by default.
    fn opening(&self) -> Option<Opening> {
        None
    }

    /// Makes the record inside `tx`; `opened` is the opening's row when it has one.
    fn make(
        self,
        tx: &DatabaseTransaction,
        opened: Option<QueryResult>,
    ) -> impl Future<Output = Result<Made<Self::Made>, ApiError>>;
}

/// How a create was answered.
#[derive(Debug)]
pub enum Answer {
    /// This request ran the create.
    Fresh(StoredResponse),
    /// The key was answered before; this is that answer again.
    Replayed(StoredResponse),
}

/// A fingerprint of the request: method, path and the body as canonical JSON (so key
/// order and whitespace do not make two equal bodies differ).
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => hash_canonical(&mut hasher, &value),
        Err(_) => hasher.update(body),
    }
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// Feeds `value` to `hasher` as JSON with object keys sorted at every level (serde_json may
/// keep insertion order), without building the text.
fn hash_canonical(hasher: &mut Sha256, value: &serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            hasher.update(b"{");
            for (index, (key, value)) in entries.into_iter().enumerate() {
                if index > 0 {
                    hasher.update(b",");
                }
                hash_text(hasher, key);
                hasher.update(b":");
                hash_canonical(hasher, value);
            }
            hasher.update(b"}");
        }
        serde_json::Value::Array(items) => {
            hasher.update(b"[");
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    hasher.update(b",");
                }
                hash_canonical(hasher, item);
            }
            hasher.update(b"]");
        }
        scalar => {
            // Writing into a hasher cannot fail, and a scalar always serializes.
            let _ = serde_json::to_writer(HashWriter(hasher), scalar);
        }
    }
}

/// A string as serde_json writes it (quoted and escaped).
fn hash_text(hasher: &mut Sha256, text: &str) {
    let _ = serde_json::to_writer(HashWriter(hasher), text);
}

/// Lets serde_json write straight into a hasher.
struct HashWriter<'a>(&'a mut Sha256);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Checks the key's shape (1–255 visible ASCII characters).
pub fn check_key(key: &str) -> Result<(), ApiError> {
    if key.is_empty() || key.len() > MAX_KEY_LENGTH || !key.chars().all(|c| c.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(format!(
            "Idempotency-Key must be 1 to {MAX_KEY_LENGTH} visible ASCII characters"
        )));
    }
    Ok(())
}

/// A statement a create needs run first, with `RETURNING` (see [`create`]); opaque to the
/// routes, which only pass it on.
#[derive(Debug, Clone)]
pub struct Opening(pub(crate) InsertStatement);

/// Runs `create` in one write transaction and, for a keyed request, stores its answer in the
/// same transaction, or answers with the key's stored answer (replay), 422 (another body) or
/// 409 (in flight) without running it. A create that fails leaves nothing behind.
///
/// The create's opening is a statement with `RETURNING` that it needs first and that reads
/// nothing the key's record decides; it runs before the create, which gets its row. On
/// PostgreSQL a keyed request sends it with the key's lookup, in one round trip: when the
/// key is answered already, its effects are rolled back with the rest.
pub async fn create<C: Create>(
    db: &DatabaseConnection,
    keyed: Option<KeyedRequest>,
    create: C,
    render: impl FnOnce(C::Made) -> Result<StoredResponse, ApiError>,
) -> Result<Answer, ApiError> {
    let opening = create.opening().map(|Opening(statement)| statement);
    let tx = begin_write(db).await?;
    let now = Utc::now();
    let opened = match &keyed {
        Some(keyed) => match look_up(&tx, keyed, now, opening).await? {
            Lookup::Answered(answer) => {
                tx.rollback().await?;
                return Ok(Answer::Replayed(answer));
            }
            Lookup::Fresh(opened) => opened,
        },
        None => run_opening(&tx, opening).await?,
    };
    let Made { made, writes } = create.make(&tx, opened).await?;
    let response = render(made)?;
    match &keyed {
        None => writes.run(&tx).await?,
        Some(keyed) => {
            let recorded = writes
                .run_returning(&tx, record_statement(keyed, &response, now))
                .await?;
            if recorded.is_empty() {
                // Another request with this key committed after this one looked: its create
                // stands, this one's is undone and its answer given instead.
                tx.rollback().await?;
                return settle_lost_race(db, keyed, now).await;
            }
        }
    }
    tx.commit().await?;
    Ok(Answer::Fresh(response))
}

/// What looking a key up found.
enum Lookup {
    /// The key's stored answer, to replay.
    Answered(StoredResponse),
    /// Nothing live: this request runs the create, with the opening's row.
    Fresh(Option<QueryResult>),
}

async fn run_opening(
    tx: &DatabaseTransaction,
    opening: Option<InsertStatement>,
) -> Result<Option<QueryResult>, ApiError> {
    let Some(opening) = opening else {
        return Ok(None);
    };
    let row = tx.query_one(&opening).await?.ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("the opening statement returned no row"))
    })?;
    Ok(Some(row))
}

/// Prefix of the key's record columns in the PostgreSQL lookup, apart from the opening's.
const STORED: &str = "k_";

/// The stored answer to replay, or the error to give, when `keyed` was seen before; else
/// the opening's row, for the create.
///
/// On PostgreSQL the key's advisory lock, its lookup and the opening go as one statement.
/// That statement's snapshot may predate the lock, so a request that committed in between
/// can go unseen here; the record's insert at the end still finds it, and this request then
/// replays it (see [`create`]).
async fn look_up(
    tx: &DatabaseTransaction,
    keyed: &KeyedRequest,
    now: DateTime<Utc>,
    opening: Option<InsertStatement>,
) -> Result<Lookup, ApiError> {
    if tx.get_database_backend() != DbBackend::Postgres {
        return Ok(match live_answer(tx, keyed, now).await? {
            Some(answer) => Lookup::Answered(answer),
            None => Lookup::Fresh(run_opening(tx, opening).await?),
        });
    }
    // The opening, when there is one, runs as a CTE whose row joins the lookup's.
    let (with_opening, opening_columns, join_opening, mut values) = match &opening {
        Some(opening) => {
            let built = DbBackend::Postgres.build(opening);
            (
                format!("WITH opening AS ({}) ", built.sql),
                ", opening.*",
                " LEFT JOIN opening ON true",
                built.values.map(|values| values.0).unwrap_or_default(),
            )
        }
        None => (String::new(), "", "", Vec::new()),
    };
    let first = values.len();
    values.extend([
        keyed.lock_id().into(),
        keyed.client_id.clone().into(),
        keyed.key.clone().into(),
    ]);
    let stored_columns = idempotency_key::Column::iter()
        .map(|column| {
            let name = column.as_str();
            format!("stored.\"{name}\" AS \"{STORED}{name}\"")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (lock, client, key) = (first + 1, first + 2, first + 3);
    let sql = format!(
        "{with_opening}SELECT pg_try_advisory_xact_lock(${lock}) AS locked, {stored_columns}{opening_columns} \
         FROM (VALUES (1)) AS one (x) \
         LEFT JOIN idempotency_keys AS stored ON stored.client_id = ${client} AND stored.key = ${key}\
         {join_opening}"
    );
    let row = tx
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            values,
        ))
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the key lookup returned no row")))?;
    let stored = match row.try_get::<Option<String>>(STORED, "client_id")? {
        Some(_) => Some(idempotency_key::Model::from_query_result(&row, STORED)?),
        None => None,
    };
    // A live answer is replayed even while another retry of it holds the lock.
    if let Some(stored) = stored.filter(|stored| is_live(stored, now)) {
        return replay(stored, keyed).map(Lookup::Answered);
    }
    if !row.try_get::<bool>("", "locked")? {
        return Err(in_flight());
    }
    Ok(Lookup::Fresh(opening.map(|_| row)))
}

/// After losing the race for a key: the winner's answer, once it has committed.
async fn settle_lost_race(
    db: &DatabaseConnection,
    keyed: &KeyedRequest,
    now: DateTime<Utc>,
) -> Result<Answer, ApiError> {
    live_answer(db, keyed, now)
        .await?
        .map(Answer::Replayed)
        .ok_or_else(in_flight)
}

/// The answer stored under the key within its retention, to replay (422 when it answered
/// another body).
async fn live_answer(
    db: &impl ConnectionTrait,
    keyed: &KeyedRequest,
    now: DateTime<Utc>,
) -> Result<Option<StoredResponse>, ApiError> {
    let stored = idempotency_key::Entity::find_by_id((keyed.client_id.clone(), keyed.key.clone()))
        .one(db)
        .await?;
    match stored {
        Some(stored) if is_live(&stored, now) => replay(stored, keyed).map(Some),
        _ => Ok(None),
    }
}

/// A stored answer within its retention.
fn is_live(stored: &idempotency_key::Model, now: DateTime<Utc>) -> bool {
    stored.state == DONE && stored.created_at >= now - RETENTION
}

fn replay(
    stored: idempotency_key::Model,
    keyed: &KeyedRequest,
) -> Result<StoredResponse, ApiError> {
    if stored.fingerprint != keyed.fingerprint {
        return Err(ApiError::Validation {
            errors: vec![crate::error::FieldError::new(
                "Idempotency-Key",
                "was already used with a different request body; use a new key",
            )],
        });
    }
    let corrupt = || {
        ApiError::Internal(anyhow::anyhow!(
            "the stored answer of an Idempotency-Key of {} is incomplete",
            stored.client_id
        ))
    };
    let status = stored
        .response_status
        .and_then(|status| u16::try_from(status).ok())
        .ok_or_else(corrupt)?;
    let body = stored.response_body.ok_or_else(corrupt)?;
    Ok(StoredResponse {
        status,
        body,
        location: stored.location,
        etag: stored.etag,
    })
}

fn in_flight() -> ApiError {
    ApiError::conflict(
        "idempotency-key-in-flight",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    )
}

/// Stores the answer under the key: a new record, or one replacing a record past its
/// retention (or left unfinished by an earlier version). `RETURNING` says whether it was
/// stored; nothing comes back when a live answer is there already.
fn record_statement(
    keyed: &KeyedRequest,
    response: &StoredResponse,
    now: DateTime<Utc>,
) -> InsertStatement {
    use idempotency_key::Column as K;
    let stale = Expr::col((idempotency_key::Entity, K::CreatedAt))
        .lt(now - RETENTION)
        .or(Expr::col((idempotency_key::Entity, K::State)).ne(DONE));
    let mut insert = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        client_id: Set(keyed.client_id.clone()),
        key: Set(keyed.key.clone()),
        fingerprint: Set(keyed.fingerprint.clone()),
        state: Set(DONE.to_owned()),
        response_status: Set(Some(i32::from(response.status))),
        response_body: Set(Some(response.body.clone())),
        location: Set(response.location.clone()),
        etag: Set(response.etag.clone()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([K::ClientId, K::Key])
            .update_columns([
                K::Fingerprint,
                K::State,
                K::ResponseStatus,
                K::ResponseBody,
                K::Location,
                K::Etag,
                K::CreatedAt,
            ])
            .action_and_where(stale)
            .to_owned(),
    )
    .into_query();
    insert.returning(Query::returning().column(K::ClientId));
    insert
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_bodies_have_equal_fingerprints_whatever_their_layout() {
        let a = fingerprint("POST", "/v1/tickets", br#"{"a": 1, "b": [1, 2]}"#);
        let b = fingerprint("POST", "/v1/tickets", br#"{"b":[1,2],"a":1}"#);
        let c = fingerprint("POST", "/v1/tickets", br#"{"a": 2, "b": [1, 2]}"#);
        let d = fingerprint("POST", "/v1/partners", br#"{"a": 1, "b": [1, 2]}"#);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        let nested = fingerprint(
            "POST",
            "/x",
            br#"{"z": [{"b": "\u00e9", "a": null}], "y": true}"#,
        );
        let reordered = fingerprint(
            "POST",
            "/x",
            r#"{"y":true,"z":[{"a":null,"b":"é"}]}"#.as_bytes(),
        );
        let changed = fingerprint("POST", "/x", br#"{"y":true,"z":[{"a":null,"b":"e"}]}"#);
        assert_eq!(nested, reordered);
        assert_ne!(nested, changed);
    }

    #[test]
    fn a_body_that_is_not_json_is_fingerprinted_as_sent() {
        assert_eq!(
            fingerprint("POST", "/x", b"{oops"),
            fingerprint("POST", "/x", b"{oops")
        );
        assert_ne!(
            fingerprint("POST", "/x", b"{oops"),
            fingerprint("POST", "/x", b"{oops ")
        );
    }

    #[test]
    fn keys_are_checked() {
        let long = "k".repeat(256);
        let cases: [(&str, bool); 4] = [
            ("abc-123", true),
            ("", false),
            (long.as_str(), false),
            ("a b", false),
        ];
        for (key, ok) in cases {
            assert_eq!(check_key(key).is_ok(), ok, "{key:?}");
        }
    }
}
