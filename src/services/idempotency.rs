//! `Idempotency-Key` on creates: the first answer to a (client, key) is stored in the same
//! transaction as what it created and replayed on retries; a different body under the same
//! key is refused (422) and a retry while the first is still running gets 409. The primary
//! key on (client, key) decides between instances that receive the same key at once.
use std::{future::Future, pin::Pin};

use chrono::{Duration, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, EntityTrait,
    QueryFilter,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use sha2::{Digest, Sha256};

use crate::{db::begin_write, entities::idempotency_key, error::ApiError};

/// How long answers are kept for replay.
pub const RETENTION: Duration = Duration::hours(24);
/// After this long an in-flight record is taken to belong to a crashed request, and a retry
/// may run again.
pub const ABANDONED_AFTER: Duration = Duration::seconds(60);
/// The longest key accepted.
pub const MAX_KEY_LENGTH: usize = 255;

/// A claim on a key: this request runs the create and stores its answer.
#[derive(Debug, Clone)]
pub struct Claim {
    client_id: String,
    key: String,
}

/// The answer of a create, as stored for replay.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredResponse {
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: serde_json::Value,
    /// `Location` header.
    pub location: Option<String>,
}

impl StoredResponse {
    /// A `201 Created` answer with `Location` and `view` as the body.
    pub fn created(location: String, view: &impl serde::Serialize) -> Result<Self, ApiError> {
        Ok(Self {
            status: 201,
            body: serde_json::to_value(view).map_err(anyhow::Error::from)?,
            location: Some(location),
        })
    }
}

/// What to do with a request that carries a key.
#[derive(Debug)]
pub enum Begin {
    /// Run the create; store its answer under the claim.
    Proceed(Claim),
    /// The key was answered before; send this again.
    Replay(StoredResponse),
}

/// A fingerprint of the request: method, path and the body as canonical JSON (so key
/// order and whitespace do not make two equal bodies differ).
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> String {
    let canonical = serde_json::from_slice::<serde_json::Value>(body)
        .map(|value| canonical_json(&value).into_bytes())
        .unwrap_or_else(|_| body.to_vec());
    let mut hasher = Sha256::new();
    hasher.update(method.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(&canonical);
    hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// JSON with object keys sorted at every level (serde_json may keep insertion order).
fn canonical_json(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let inner: Vec<String> = entries
                .into_iter()
                .map(|(key, value)| {
                    format!(
                        "{}:{}",
                        serde_json::Value::from(key.as_str()),
                        canonical_json(value)
                    )
                })
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        serde_json::Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", inner.join(","))
        }
        other => other.to_string(),
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

/// Claims `key` for this request, or says what to answer instead.
pub async fn begin(
    db: &DatabaseConnection,
    client_id: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Begin, ApiError> {
    check_key(key)?;
    let now = Utc::now();
    let this_key = || {
        idempotency_key::Column::ClientId
            .eq(client_id)
            .and(idempotency_key::Column::Key.eq(key))
    };
    // One statement claims a new key or takes over an expired one (older than the
    // retention), so expired answers never block a key's reuse.
    let claim_tx = begin_write(db).await?;
    if claim_tx.get_database_backend() == DbBackend::Postgres {
        // The claim needs no fsync of its own: the create's commit flushes the WAL up to and
        // past it, and a claim lost in a crash belongs to a create that did not commit.
        claim_tx
            .execute_unprepared("SET LOCAL synchronous_commit = off")
            .await?;
    }
    let inserted = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
        client_id: Set(client_id.to_owned()),
        key: Set(key.to_owned()),
        fingerprint: Set(fingerprint.to_owned()),
        state: Set("in_flight".to_owned()),
        response_status: Set(None),
        response_body: Set(None),
        location: Set(None),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            idempotency_key::Column::ClientId,
            idempotency_key::Column::Key,
        ])
        .update_columns([
            idempotency_key::Column::Fingerprint,
            idempotency_key::Column::State,
            idempotency_key::Column::ResponseStatus,
            idempotency_key::Column::ResponseBody,
            idempotency_key::Column::Location,
            idempotency_key::Column::CreatedAt,
        ])
        .action_and_where(
            Expr::col((idempotency_key::Entity, idempotency_key::Column::CreatedAt))
                .lt(now - RETENTION),
        )
        .to_owned(),
    )
    .exec_without_returning(&claim_tx)
    .await?;
    claim_tx.commit().await?;
    let claim = Claim {
        client_id: client_id.to_owned(),
        key: key.to_owned(),
    };
    if inserted == 1 {
        return Ok(Begin::Proceed(claim));
    }
    let existing = idempotency_key::Entity::find()
        .filter(this_key())
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::conflict("idempotency-key-in-use", "the key is being reused; retry")
        })?;
    if existing.fingerprint != fingerprint {
        return Err(ApiError::Validation {
            errors: vec![crate::error::FieldError::new(
                "Idempotency-Key",
                "was already used with a different request body; use a new key",
            )],
        });
    }
    if existing.state == "done" {
        let body = existing
            .response_body
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(anyhow::Error::from)?
            .unwrap_or(serde_json::Value::Null);
        let status = existing
            .response_status
            .and_then(|status| u16::try_from(status).ok())
            .unwrap_or(200);
        return Ok(Begin::Replay(StoredResponse {
            status,
            body,
            location: existing.location,
        }));
    }
    if existing.created_at < now - ABANDONED_AFTER {
        // Take over a claim whose request died; the condition on created_at lets only one
        // retry win.
        let taken = idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::CreatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(this_key())
            .filter(idempotency_key::Column::State.eq("in_flight"))
            .filter(idempotency_key::Column::CreatedAt.eq(existing.created_at))
            .exec(db)
            .await?;
        if taken.rows_affected == 1 {
            return Ok(Begin::Proceed(claim));
        }
    }
    Err(ApiError::conflict(
        "idempotency-key-in-flight",
        "a request with this Idempotency-Key is still being processed; retry shortly",
    ))
}

/// The body of a create that runs inside the transaction [`execute`] opens.
pub type CreateFn<'a> = Box<
    dyn for<'t> FnOnce(
            &'t DatabaseTransaction,
        ) -> Pin<
            Box<dyn Future<Output = Result<StoredResponse, ApiError>> + Send + 't>,
        > + Send
        + 'a,
>;

/// Runs `create` in one write transaction and, under a claim, stores its answer in the same
/// transaction. When `create` fails, the claim is released so the key can be retried.
pub async fn execute(
    db: &DatabaseConnection,
    claim: Option<Claim>,
    create: CreateFn<'_>,
) -> Result<StoredResponse, ApiError> {
    let outcome = async {
        let tx = begin_write(db).await?;
        let response = create(&tx).await?;
        if let Some(claim) = &claim {
            complete(&tx, claim, &response).await?;
        }
        tx.commit().await?;
        Ok::<_, ApiError>(response)
    }
    .await;
    if outcome.is_err()
        && let Some(claim) = &claim
    {
        release(db, claim).await;
    }
    outcome
}

async fn complete(
    tx: &impl ConnectionTrait,
    claim: &Claim,
    response: &StoredResponse,
) -> Result<(), ApiError> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::State, "done".into())
        .col_expr(
            idempotency_key::Column::ResponseStatus,
            i32::from(response.status).into(),
        )
        .col_expr(
            idempotency_key::Column::ResponseBody,
            response.body.to_string().into(),
        )
        .col_expr(
            idempotency_key::Column::Location,
            response.location.clone().into(),
        )
        .filter(idempotency_key::Column::ClientId.eq(&claim.client_id))
        .filter(idempotency_key::Column::Key.eq(&claim.key))
        .exec(tx)
        .await?;
    Ok(())
}

async fn release(db: &DatabaseConnection, claim: &Claim) {
    let released = idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::ClientId.eq(&claim.client_id))
        .filter(idempotency_key::Column::Key.eq(&claim.key))
        .filter(idempotency_key::Column::State.eq("in_flight"))
        .exec(db)
        .await;
    if let Err(error) = released {
        tracing::warn!(%error, "could not release an idempotency claim; it expires on its own");
    }
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
