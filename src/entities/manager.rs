//! `managers`: the roster of telework managers (テレワークマネージャー).
use sea_orm::entity::prelude::*;

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
    pub topics: String,
    /// Prefecture codes visited on site, as a JSON array.
    #[sea_orm(column_type = "Text")]
    pub prefectures: String,
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
