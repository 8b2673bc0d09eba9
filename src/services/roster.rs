//! The roster as the ranking reads it: each manager's profile kept in this process, with the
//! figures that change on every assignment read fresh from the database each time.
//!
//! Ranking a case reads every manager who could take it. Reading their whole rows (names,
//! topic and prefecture lists as JSON text) for every assignment was what bounded the
//! assignment rate (issue #18: PostgreSQL spent 4–8 ms a call sorting and sending them). A
//! profile changes only through the roster's own edits, and every edit bumps the row's
//! `version`; so each read asks only for ids, versions and the live figures (`active_cases`,
//! `last_assigned_at`), filtered by the database on the live values, and reloads the full
//! row of any manager whose version this process has not seen. Nothing is ever ranked on a
//! stale profile, and capacity stays the database's conditional update
//! (`capacity::reserve`), whatever a ranking read.
//!
//! Written by hand: an LRU or TTL cache crate would add expiry this does not want; the
//! version check is the whole invalidation.
use std::{
    collections::HashMap,
    sync::{PoisonError, RwLock},
};

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use uuid::Uuid;

use crate::{
    domain::{
        assignment::ManagerProfile, prefecture::Prefecture, ticket_fields::PreferredMode,
        track::Track,
    },
    entities::manager,
    error::ApiError,
};

/// The profiles this process has read, by manager id, each with the version it was read at.
#[derive(Debug, Default)]
pub struct RosterCache {
    profiles: RwLock<HashMap<Uuid, Cached>>,
}

#[derive(Debug, Clone)]
struct Cached {
    version: i32,
    name: String,
    profile: ManagerProfile,
}

/// Which managers a read asks for.
#[derive(Debug, Clone, Copy)]
pub enum RosterFilter {
    /// Everyone on the roster (the candidates list shows the ineligible with reasons).
    Everyone,
    /// Active managers who cover the case's track, have room under their capacity and can
    /// reach the company the way it wants, judged by the database on the live values
    /// (automatic assignment); the ranking checks the same again.
    CanTake(Track, PreferredMode, Prefecture),
}

/// One live row: id, version, active cases, last assignment.
type LiveRow = (Uuid, i32, i32, Option<DateTime<Utc>>);

impl RosterCache {
    /// The profiles of the managers `filter` selects, current, with `active_cases` and
    /// `last_assigned_at` as just read.
    pub async fn read(
        &self,
        db: &impl ConnectionTrait,
        filter: RosterFilter,
    ) -> Result<Vec<ManagerProfile>, ApiError> {
        let mut query = manager::Entity::find().select_only().columns([
            manager::Column::Id,
            manager::Column::Version,
            manager::Column::ActiveCases,
            manager::Column::LastAssignedAt,
        ]);
        if let RosterFilter::CanTake(track, mode, prefecture) = filter {
            let covers = manager::covers(track);
            // The stored list is the JSON array of codes serde wrote, so a code is listed iff
            // its quoted text occurs in it (`stored::Prefectures`).
            let visits = manager::Column::Onsite
                .eq(true)
                .and(manager::Column::Prefectures.like(format!("%\"{}\"%", prefecture.code())));
            let online = manager::Column::Online.eq(true);
            let reaches = match mode {
                PreferredMode::Online => online,
                PreferredMode::Onsite => visits,
                PreferredMode::Either => online.or(visits),
            };
            query = query
                .filter(manager::Column::Active.eq(true))
                .filter(covers.eq(true))
                .filter(
                    Expr::col(manager::Column::ActiveCases)
                        .lt(Expr::col(manager::Column::Capacity)),
                )
                .filter(reaches);
        }
        let live: Vec<LiveRow> = query.into_tuple().all(db).await?;
        self.refresh_stale(db, &live).await?;
        let profiles = self.profiles.read().unwrap_or_else(PoisonError::into_inner);
        Ok(live
            .iter()
            .filter_map(|(id, _, active_cases, last_assigned_at)| {
                // Present unless the manager was deleted between the two reads.
                let mut profile = profiles.get(id)?.profile.clone();
                profile.active_cases = u32::try_from(*active_cases).unwrap_or(0);
                profile.last_assigned_at = *last_assigned_at;
                Some(profile)
            })
            .collect())
    }

    /// The names of `ids` as last read (a manager read by [`Self::read`] is always here).
    pub fn names(&self, ids: impl IntoIterator<Item = Uuid>) -> HashMap<Uuid, String> {
        let profiles = self.profiles.read().unwrap_or_else(PoisonError::into_inner);
        ids.into_iter()
            .filter_map(|id| Some((id, profiles.get(&id)?.name.clone())))
            .collect()
    }

    /// Reads the full rows of the managers whose version this process has not seen.
    async fn refresh_stale(
        &self,
        db: &impl ConnectionTrait,
        live: &[LiveRow],
    ) -> Result<(), ApiError> {
        let stale: Vec<Uuid> = {
            let profiles = self.profiles.read().unwrap_or_else(PoisonError::into_inner);
            live.iter()
                .filter(|(id, version, ..)| {
                    profiles
                        .get(id)
                        .is_none_or(|cached| cached.version != *version)
                })
                .map(|(id, ..)| *id)
                .collect()
        };
        if stale.is_empty() {
            return Ok(());
        }
        let mut fresh = Vec::with_capacity(stale.len());
        // Bounded IN lists: PostgreSQL takes at most 65,535 parameters a statement.
        for ids in stale.chunks(1_000) {
            fresh.extend(
                manager::Entity::find()
                    .filter(manager::Column::Id.is_in(ids.iter().copied()))
                    .all(db)
                    .await?,
            );
        }
        let mut profiles = self
            .profiles
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        for row in fresh {
            let keep = profiles
                .get(&row.id)
                .is_none_or(|cached| cached.version <= row.version);
            if keep {
                profiles.insert(
                    row.id,
                    Cached {
                        version: row.version,
                        profile: row.profile(),
                        name: row.name,
                    },
                );
            }
        }
        Ok(())
    }
}
