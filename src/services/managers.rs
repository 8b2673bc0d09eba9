//! The roster of telework managers. A manager's `active_cases` is only ever changed by the
//! assignment service's conditional updates; here the roster's own fields are kept.
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use sea_orm::{DatabaseTransaction, QueryResult};
use uuid::Uuid;

use crate::services::idempotency::{Create, Made};
use crate::{
    auth::Actor,
    db::begin_write,
    domain::{precondition::Precondition, prefecture::Prefecture, topic::Topic, track::Track},
    entities::{
        manager,
        stored::{Prefectures, Topics},
    },
    error::ApiError,
    pagination::PageRequest,
    services::{
        Workflow,
        capacity::{self, HandOffTrigger},
        versioned::VersionedUpdate,
    },
};

/// A manager to register, checked.
#[derive(Debug, Clone)]
pub struct NewManager {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Tracks answered (one or both).
    pub tracks: Vec<Track>,
    /// Topics known well.
    pub topics: Vec<Topic>,
    /// Prefectures visited on site.
    pub prefectures: Vec<Prefecture>,
    /// Consults online.
    pub online: bool,
    /// Visits on site.
    pub onsite: bool,
    /// Most active cases at once.
    pub capacity: u32,
    /// Takes cases.
    pub active: bool,
}

/// Changes to a manager; `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct ManagerChanges {
    /// Name.
    pub name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Tracks.
    pub tracks: Option<Vec<Track>>,
    /// Topics.
    pub topics: Option<Vec<Topic>>,
    /// Prefectures visited on site.
    pub prefectures: Option<Vec<Prefecture>>,
    /// Consults online.
    pub online: Option<bool>,
    /// Visits on site.
    pub onsite: Option<bool>,
    /// Capacity.
    pub capacity: Option<u32>,
    /// Takes cases.
    pub active: Option<bool>,
}

/// Filters of the roster.
#[derive(Debug, Clone, Default)]
pub struct ManagerFilter {
    /// Only active (or only inactive) managers.
    pub active: Option<bool>,
    /// Only managers answering this track.
    pub track: Option<Track>,
}

fn capacity_column(capacity: u32) -> Result<i32, ApiError> {
    i32::try_from(capacity)
        .map_err(|_| ApiError::invalid_field("capacity", "is larger than the service allows"))
}

/// Registers a manager.
pub async fn create(
    db: &impl ConnectionTrait,
    new: NewManager,
) -> Result<manager::Model, ApiError> {
    let now = Utc::now();
    let row = manager::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(new.name),
        email: Set(new.email),
        covers_ict: Set(new.tracks.contains(&Track::Ict)),
        covers_labor: Set(new.tracks.contains(&Track::Labor)),
        topics: Set(Topics(new.topics)),
        prefectures: Set(Prefectures(new.prefectures)),
        online: Set(new.online),
        onsite: Set(new.onsite),
        capacity: Set(capacity_column(new.capacity)?),
        active_cases: Set(0),
        active: Set(new.active),
        last_assigned_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    };
    Ok(manager::Entity::insert(row).exec_with_returning(db).await?)
}

/// Whether a manager with `id` exists (for binding manager clients).
pub async fn exists(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, ApiError> {
    Ok(manager::Entity::find_by_id(id).one(db).await?.is_some())
}

/// Loads a manager the actor may read: coordinators and admins any, a manager only itself.
pub async fn get_visible(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: Uuid,
) -> Result<manager::Model, ApiError> {
    let not_found = || ApiError::NotFound(format!("no manager has the id {id}"));
    if actor
        .scope()
        .manager_records()
        .is_some_and(|own| own != Some(id))
    {
        return Err(not_found());
    }
    manager::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)
}

/// The name of manager `id` (for the title of their calendar feed, which needs no caller).
pub async fn name_of(db: &impl ConnectionTrait, id: Uuid) -> Result<String, ApiError> {
    manager::Entity::find_by_id(id)
        .select_only()
        .column(manager::Column::Name)
        .into_tuple::<String>()
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no calendar feed is found at this address".into()))
}

/// One page of the roster, in order of registration.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &ManagerFilter,
    page: &PageRequest,
) -> Result<(Vec<manager::Model>, Option<Uuid>), ApiError> {
    let mut condition = Condition::all();
    if let Some(own) = actor.scope().manager_records() {
        condition = condition.add(manager::Column::Id.eq(own));
    }
    if let Some(active) = filter.active {
        condition = condition.add(manager::Column::Active.eq(active));
    }
    if let Some(track) = filter.track {
        condition = condition.add(manager::covers(track).eq(true));
    }
    if let Some(after) = page.after {
        condition = condition.add(manager::Column::Id.gt(after));
    }
    let rows = manager::Entity::find()
        .filter(condition)
        .order_by_asc(manager::Column::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    Ok(page.split(rows, |row| row.id))
}

/// Applies `changes`; with an `If-Match` (`expected`), only if the manager's version
/// satisfies it (412).
/// Raising the capacity or re-activating a manager hands them waiting cases at once.
pub async fn update(
    db: &DatabaseConnection,
    workflow: &Workflow,
    actor: &Actor,
    id: Uuid,
    expected: Option<Precondition>,
    changes: ManagerChanges,
) -> Result<manager::Model, ApiError> {
    let tx = begin_write(db).await?;
    let current = manager::Entity::find_by_id(id)
        .lock_exclusive()
        .one(&tx)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no manager has the id {id}")))?;
    if let Some(expected) = expected
        && !expected.admits(current.version)
    {
        return Err(ApiError::PreconditionFailed(format!(
            "the manager changed since you read it (its ETag is now \"{}\"); GET it again",
            current.version
        )));
    }
    let onsite = changes.onsite.unwrap_or(current.onsite);
    let prefectures_empty = match &changes.prefectures {
        Some(prefectures) => prefectures.is_empty(),
        None => current.prefectures.0.is_empty(),
    };
    if onsite && prefectures_empty {
        return Err(ApiError::invalid_field(
            "prefectures",
            "a manager who visits on site must list the prefectures they visit",
        ));
    }
    use manager::Column as M;
    let tracks = changes.tracks.as_ref();
    let capacity = changes.capacity.map(capacity_column).transpose()?;
    // The row is locked above, so the version read is the version changed.
    VersionedUpdate::<manager::Entity>::of(id, current.version)
        .set_if(M::Name, changes.name.clone())
        .set_if(M::Email, changes.email.clone())
        .set_if(M::CoversIct, tracks.map(|t| t.contains(&Track::Ict)))
        .set_if(M::CoversLabor, tracks.map(|t| t.contains(&Track::Labor)))
        .set_if(M::Topics, changes.topics.clone().map(Topics))
        .set_if(M::Prefectures, changes.prefectures.clone().map(Prefectures))
        .set_if(M::Online, changes.online)
        .set(M::Onsite, onsite)
        .set_if(M::Capacity, capacity)
        .set_if(M::Active, changes.active)
        .apply(&tx, || ApiError::changed_meanwhile("manager"))
        .await?;
    let room_grew = changes
        .capacity
        .is_some_and(|c| i64::from(c) > i64::from(current.capacity))
        || (changes.active == Some(true) && !current.active);
    if workflow.auto_assign && room_grew {
        capacity::hand_off_waiting(&tx, workflow, actor, id, HandOffTrigger::CapacityRaised)
            .await?;
    }
    let updated = manager::Entity::find_by_id(id)
        .one(&tx)
        .await?
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("manager {id} vanished")))?;
    tx.commit().await?;
    Ok(updated)
}

impl Create for NewManager {
    type Made = manager::Model;

    async fn make(
        self,
        tx: &DatabaseTransaction,
        _opened: Option<QueryResult>,
    ) -> Result<Made<manager::Model>, ApiError> {
        create(tx, self).await.map(Made::done)
    }
}
