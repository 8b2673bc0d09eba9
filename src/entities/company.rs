//! `companies`: the shared record of the SMEs cases are about; one row per company however
//! many partners file. Filings create it and never change it; coordinators keep it.
use sea_orm::entity::prelude::*;

use crate::domain::{industry::Industry, prefecture::Prefecture};

/// A company.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "companies")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// 法人番号, when the company has one.
    pub corporate_number: Option<String>,
    /// Name, as first filed or as a coordinator set it.
    pub name: String,
    /// Normalized name, the identity of companies without a corporate number.
    pub name_key: String,
    /// Prefecture code.
    pub prefecture: Prefecture,
    /// JSIC major division.
    pub industry: Option<Industry>,
    /// Regular employees.
    pub employees: Option<i64>,
    /// Capital in yen.
    pub capital_jpy: Option<i64>,
    /// The name's reading (フリガナ, full-width katakana).
    pub name_kana: Option<String>,
    /// The head office's postal code, `NNN-NNNN`.
    pub postal_code: Option<String>,
    /// The head office's municipality (市区町村); set exactly when there is an address.
    pub city: Option<String>,
    /// The head office's 町域・番地.
    pub street: Option<String>,
    /// The head office's building (建物名).
    pub building: Option<String>,
    /// Total head count (regular employees are `employees`).
    pub total_employees: Option<i64>,
    /// Optimistic concurrency version (the `ETag` of coordinators' edits).
    pub version: i32,
    /// First filed.
    pub created_at: DateTimeUtc,
    /// Last changed.
    pub updated_at: DateTimeUtc,
}

/// No relations are navigated from here.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
