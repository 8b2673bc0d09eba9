//! Partner bodies.
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, SqlErr,
};
use sea_orm::{DatabaseTransaction, QueryResult};
use uuid::Uuid;

use crate::services::idempotency::{Create, Made};
use crate::{
    domain::{partner_kind::PartnerKind, prefecture::Prefecture},
    entities::partner,
    error::ApiError,
    pagination::{Cursor, PageRequest},
};

/// A partner to register, already checked.
#[derive(Debug, Clone)]
pub struct NewPartner {
    /// Display name.
    pub name: String,
    /// Kind of body.
    pub kind: PartnerKind,
    /// Home prefecture.
    pub prefecture: Prefecture,
}

/// A stored partner.
#[derive(Debug, Clone)]
pub struct Partner {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Kind of body.
    pub kind: PartnerKind,
    /// Home prefecture.
    pub prefecture: Prefecture,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

impl From<partner::Model> for Partner {
    fn from(model: partner::Model) -> Self {
        Self {
            id: model.id,
            kind: model.kind,
            prefecture: model.prefecture,
            name: model.name,
            created_at: model.created_at,
        }
    }
}

/// Registers a partner; names are unique (409 otherwise).
pub async fn create(db: &impl ConnectionTrait, new: NewPartner) -> Result<Partner, ApiError> {
    let inserted = partner::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(new.name.clone()),
        kind: Set(new.kind),
        prefecture: Set(new.prefecture),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(model) => Ok(model.into()),
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            Err(ApiError::conflict(
                "duplicate-partner",
                format!("a partner named {:?} already exists", new.name),
            ))
        }
        Err(error) => Err(error.into()),
    }
}

/// One page of partners, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    page: &PageRequest,
) -> Result<(Vec<Partner>, Option<String>), ApiError> {
    let mut query = partner::Entity::find().order_by_asc(partner::Column::Id);
    if let Some(after) = page.after {
        query = query.filter(partner::Column::Id.gt(after));
    }
    let rows = query.limit(page.fetch_limit()).all(db).await?;
    let (rows, next) = page.split(rows, |row| row.id);
    let partners = rows.into_iter().map(Partner::from).collect();
    Ok((partners, next.map(Cursor::encode)))
}

/// One partner.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<Partner, ApiError> {
    partner::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(Partner::from)
        .ok_or_else(|| ApiError::NotFound(format!("no partner has the id {id}")))
}

impl Create for NewPartner {
    type Made = Partner;

    async fn make(
        self,
        tx: &DatabaseTransaction,
        _opened: Option<QueryResult>,
    ) -> Result<Made<Partner>, ApiError> {
        create(tx, self).await.map(Made::done)
    }
}
