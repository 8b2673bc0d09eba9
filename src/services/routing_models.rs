//! Learning from coordinators: overrides kept as labelled examples, model versions trained
//! from them, and which version routes.
//!
//! A version is stored whole (the serialized model, not a recipe to retrain it), so every
//! instance reads exactly the model that was evaluated, whatever build it runs. Which
//! version is active is an append-only log: the newest activation wins, and activating an
//! older version (or 0, the shipped model) is the rollback. Instances notice a change
//! within [`super::routing::RULES_RECHECK`].
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr, TransactionTrait,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    classifier::{
        SHIPPED_MODEL_VERSION,
        evaluation::{LabelledTicket, ModelEvaluation, TrainedModel, train_and_evaluate},
    },
    domain::track::Track,
    entities::{routing_model, routing_model_activation, routing_override, ticket},
    error::ApiError,
    pagination::PageRequest,
    services::{
        model_store,
        routing::{self as rules, RoutingEngine},
    },
};

/// What a model version was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrainedOn {
    /// Shipped training examples.
    #[schema(example = 682)]
    pub examples: i64,
    /// Coordinators' overrides.
    #[schema(example = 240)]
    pub overrides: i64,
}

/// A model version as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ModelVersion {
    /// The version; 0 is the model trained on the shipped examples alone.
    #[schema(example = 3)]
    pub version: i64,
    /// What it was trained on.
    pub trained_on: TrainedOn,
    /// How it did on the shipped evaluation sets and in cross-validation over the
    /// overrides, measured when it was trained; `null` for version 0 (the shipped sets are
    /// measured by the test suite).
    pub evaluation: Option<ModelEvaluation>,
    /// True for the version that routes cases now.
    #[schema(example = false)]
    pub active: bool,
    /// Client id of whoever trained it (`null` for version 0).
    #[schema(example = "coordinator-7f3a")]
    pub created_by: Option<String>,
    /// When it was trained (`null` for version 0).
    pub created_at: Option<DateTime<Utc>>,
}

/// Keeps a coordinator's override of `case` as a labelled example, in the caller's
/// transaction so the example exists exactly when the override does.
pub async fn record_override(
    tx: &impl ConnectionTrait,
    ticket: &ticket::Model,
    track: Track,
    actor: &str,
) -> Result<(), ApiError> {
    routing_override::Entity::insert(routing_override::ActiveModel {
        ticket_id: Set(ticket.id),
        subject: Set(ticket.subject.clone()),
        description: Set(ticket.description.clone()),
        topics: Set(ticket.topics.clone()),
        track: Set(track),
        created_by: Set(actor.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(tx)
    .await?;
    Ok(())
}

/// Trains a new version from the shipped examples and every override so far, evaluates it
/// and stores it, inactive.
pub async fn train(db: &DatabaseConnection, actor: &str) -> Result<ModelVersion, ApiError> {
    let (overrides, last_override_seq) = labelled_overrides(db).await?;
    let rules = rules::current(db).await?;
    // Training takes up to seconds of CPU: off the async workers, so other requests go on.
    let trained = tokio::task::spawn_blocking(move || {
        train_and_evaluate(&rules, &overrides).map(|trained| {
            let stored = trained.model.to_stored();
            (trained, stored)
        })
    })
    .await
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("model training panicked: {error}")))?
    .map_err(|error| ApiError::Internal(anyhow::anyhow!("model training failed: {error}")))?;
    store(db, trained, last_override_seq, actor).await
}

/// Every override in the order recorded, as labelled cases, with the newest one's seq.
async fn labelled_overrides(
    db: &DatabaseConnection,
) -> Result<(Vec<LabelledTicket>, i64), ApiError> {
    let rows = routing_override::Entity::find()
        .order_by_asc(routing_override::Column::Seq)
        .all(db)
        .await?;
    let last = rows.last().map_or(0, |row| row.seq);
    let tickets = rows
        .into_iter()
        .map(|row| LabelledTicket {
            subject: row.subject,
            description: row.description,
            topics: row.topics.0,
            track: row.track,
        })
        .collect();
    Ok((tickets, last))
}

/// Stores a trained model as the next version. Two trainings finishing together both try
/// the same number; the primary key lets one win and the other takes the next.
async fn store(
    db: &DatabaseConnection,
    (trained, model): (TrainedModel, String),
    last_override_seq: i64,
    actor: &str,
) -> Result<ModelVersion, ApiError> {
    let evaluation = serde_json::to_string(&trained.evaluation).map_err(anyhow::Error::from)?;
    // PostgreSQL keeps microseconds: the answer shows what a later read will show.
    let created_at = Utc::now().trunc_subsecs(6);
    for _ in 0..STORE_ATTEMPTS {
        let version = latest_version(db).await? + 1;
        let inserted = routing_model::Entity::insert(routing_model::ActiveModel {
            version: Set(version),
            model: Set(model.clone()),
            trained_on_examples: Set(count(trained.examples)),
            trained_on_overrides: Set(count(trained.overrides)),
            last_override_seq: Set(last_override_seq),
            evaluation: Set(evaluation.clone()),
            created_by: Set(actor.to_owned()),
            created_at: Set(created_at),
        })
        .exec(db)
        .await;
        match inserted {
            Ok(_) => {
                return Ok(ModelVersion {
                    version,
                    trained_on: TrainedOn {
                        examples: count(trained.examples),
                        overrides: count(trained.overrides),
                    },
                    evaluation: Some(trained.evaluation),
                    active: false,
                    created_by: Some(actor.to_owned()),
                    created_at: Some(created_at),
                });
            }
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(ApiError::Conflict {
        slug: "model-version-race",
        detail: "other model versions were stored at the same time; train again".to_owned(),
        extensions: serde_json::Map::new(),
    })
}

/// How often storing a version retries after losing the race for its number.
const STORE_ATTEMPTS: usize = 3;

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

async fn latest_version(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    Ok(routing_model::Entity::find()
        .select_only()
        .column(routing_model::Column::Version)
        .order_by_desc(routing_model::Column::Version)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(SHIPPED_MODEL_VERSION))
}

/// The columns a listing shows: everything but the (large) model itself.
type VersionRow = (i64, i64, i64, String, String, DateTime<Utc>);

fn version_columns() -> [routing_model::Column; 6] {
    [
        routing_model::Column::Version,
        routing_model::Column::TrainedOnExamples,
        routing_model::Column::TrainedOnOverrides,
        routing_model::Column::Evaluation,
        routing_model::Column::CreatedBy,
        routing_model::Column::CreatedAt,
    ]
}

fn view(row: VersionRow, active: i64) -> Result<ModelVersion, ApiError> {
    let (version, examples, overrides, evaluation, created_by, created_at) = row;
    let evaluation = serde_json::from_str(&evaluation).map_err(|error| {
        ApiError::Internal(anyhow::anyhow!(
            "the evaluation of routing model {version} is corrupt: {error}"
        ))
    })?;
    Ok(ModelVersion {
        version,
        trained_on: TrainedOn {
            examples,
            overrides,
        },
        evaluation: Some(evaluation),
        active: version == active,
        created_by: Some(created_by),
        created_at: Some(created_at),
    })
}

fn shipped_view(engine: &RoutingEngine, active: i64) -> ModelVersion {
    ModelVersion {
        version: SHIPPED_MODEL_VERSION,
        trained_on: TrainedOn {
            examples: count(engine.shipped_examples()),
            overrides: 0,
        },
        evaluation: None,
        active: active == SHIPPED_MODEL_VERSION,
        created_by: None,
        created_at: None,
    }
}

/// One version, or 404.
pub async fn get(
    db: &DatabaseConnection,
    engine: &RoutingEngine,
    version: i64,
) -> Result<ModelVersion, ApiError> {
    let active = model_store::active_version(db).await?;
    if version == SHIPPED_MODEL_VERSION {
        return Ok(shipped_view(engine, active));
    }
    let row = routing_model::Entity::find()
        .select_only()
        .columns(version_columns())
        .filter(routing_model::Column::Version.eq(version))
        .into_tuple::<VersionRow>()
        .one(db)
        .await?
        .ok_or_else(|| not_found(version))?;
    view(row, active)
}

fn not_found(version: i64) -> ApiError {
    ApiError::NotFound(format!("no routing model has the version {version}"))
}

/// Versions newest first, the shipped model (0) last; the page key is the version.
pub async fn list(
    db: &DatabaseConnection,
    engine: &RoutingEngine,
    page: &PageRequest,
    after: Option<i64>,
) -> Result<(Vec<ModelVersion>, Option<i64>), ApiError> {
    let active = model_store::active_version(db).await?;
    let mut query = routing_model::Entity::find()
        .select_only()
        .columns(version_columns())
        .order_by_desc(routing_model::Column::Version)
        .limit(page.fetch_limit());
    if let Some(after) = after {
        query = query.filter(routing_model::Column::Version.lt(after));
    }
    let rows = query.into_tuple::<VersionRow>().all(db).await?;
    let reached_the_end = (rows.len() as u64) < page.fetch_limit();
    let mut items = rows
        .into_iter()
        .map(|row| view(row, active))
        .collect::<Result<Vec<_>, _>>()?;
    if reached_the_end && after != Some(SHIPPED_MODEL_VERSION) {
        items.push(shipped_view(engine, active));
    }
    Ok(page.split(items, |item| item.version))
}

/// Makes `version` the one that routes, on every instance within seconds; an older
/// version (or 0) is the rollback.
pub async fn activate(
    db: &DatabaseConnection,
    engine: &RoutingEngine,
    version: i64,
    actor: &str,
) -> Result<ModelVersion, ApiError> {
    let tx = db.begin().await?;
    if version != SHIPPED_MODEL_VERSION {
        let exists = routing_model::Entity::find()
            .select_only()
            .column(routing_model::Column::Version)
            .filter(routing_model::Column::Version.eq(version))
            .into_tuple::<i64>()
            .one(&tx)
            .await?
            .is_some();
        if !exists {
            return Err(not_found(version));
        }
    }
    routing_model_activation::Entity::insert(routing_model_activation::ActiveModel {
        version: Set(version),
        activated_by: Set(actor.to_owned()),
        activated_at: Set(Utc::now()),
        ..Default::default()
    })
    .exec(&tx)
    .await?;
    tx.commit().await?;
    engine.invalidate();
    get(db, engine, version).await
}
