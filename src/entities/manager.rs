//! `managers`: the roster of telework managers (テレワークマネージャー).
use sea_orm::entity::prelude::*;

use super::stored::{Prefectures, Topics};
use crate::domain::{
    assignment::ManagerProfile, prefecture::Prefecture, topic::Topic, track::Track,
};

/// A telework manager.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "managers")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Answers ICT cases.
    pub covers_ict: bool,
    /// Answers labor-management cases.
    pub covers_labor: bool,
    /// Topic codes as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub topics: Topics,
    /// Prefecture codes visited on site, as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub prefectures: Prefectures,
    /// Consults online.
    pub online: bool,
    /// Visits on site.
    pub onsite: bool,
    /// Most active cases at once.
    pub capacity: i32,
    /// Active cases now (assigned, in consultation or on hold).
    pub active_cases: i32,
    /// Takes cases at all.
    pub active: bool,
    /// Last given a case.
    pub last_assigned_at: Option<DateTimeUtc>,
    /// Optimistic concurrency version.
    pub version: i32,
    /// Created.
    pub created_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// The manager as the domain sees it.
impl Model {
    /// The tracks a manager answers, in a fixed order.
    pub fn tracks(&self) -> Vec<Track> {
        Track::ALL
            .into_iter()
            .filter(|track| match track {
                Track::Ict => self.covers_ict,
                Track::Labor => self.covers_labor,
            })
            .collect()
    }

    /// Topic codes of a manager.
    pub fn topic_list(&self) -> Vec<Topic> {
        self.topics.0.clone()
    }

    /// Prefectures a manager visits.
    pub fn prefecture_list(&self) -> Vec<Prefecture> {
        self.prefectures.0.clone()
    }

    /// What the ranking needs to know about a manager.
    pub fn profile(&self) -> ManagerProfile {
        ManagerProfile {
            id: self.id,
            tracks: self.tracks().into(),
            topics: self.topic_list().into(),
            prefectures: self.prefecture_list().into(),
            online: self.online,
            onsite: self.onsite,
            capacity: u32::try_from(self.capacity).unwrap_or(0),
            active_cases: u32::try_from(self.active_cases).unwrap_or(0),
            active: self.active,
            last_assigned_at: self.last_assigned_at,
        }
    }
}

/// The column that says whether a manager answers `track`.
pub fn covers(track: Track) -> Column {
    match track {
        Track::Ict => Column::CoversIct,
        Track::Labor => Column::CoversLabor,
    }
}
