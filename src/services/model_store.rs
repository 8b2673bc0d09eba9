//! Which stored model version routing uses, and reading one back: what the routing engine
//! needs of the model store (training and listing are in `routing_models`, above it).
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::{
    classifier::{NgramModel, SHIPPED_MODEL_VERSION},
    entities::{routing_model, routing_model_activation},
    error::ApiError,
};

/// The version that routes now: the newest activation's, or the shipped model's.
pub async fn active_version(db: &impl ConnectionTrait) -> Result<i64, ApiError> {
    Ok(routing_model_activation::Entity::find()
        .select_only()
        .column(routing_model_activation::Column::Version)
        .order_by_desc(routing_model_activation::Column::Seq)
        .into_tuple::<i64>()
        .one(db)
        .await?
        .unwrap_or(SHIPPED_MODEL_VERSION))
}

/// Reads a stored model version (not 0: the engine keeps the shipped model).
pub async fn load(db: &impl ConnectionTrait, version: i64) -> Result<NgramModel, ApiError> {
    let stored = routing_model::Entity::find()
        .select_only()
        .column(routing_model::Column::Model)
        .filter(routing_model::Column::Version.eq(version))
        .into_tuple::<String>()
        .one(db)
        .await?
        .ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!(
                "the active routing model version {version} is not stored"
            ))
        })?;
    // A large model takes milliseconds to decode: off the async workers too.
    tokio::task::spawn_blocking(move || NgramModel::from_stored(&stored))
        .await
        .map_err(|error| ApiError::Internal(anyhow::anyhow!("model decoding panicked: {error}")))?
        .map_err(|error| {
            ApiError::Internal(anyhow::anyhow!(
                "stored routing model {version} is corrupt: {error}"
            ))
        })
}
