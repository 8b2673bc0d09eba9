//! The shared company record: the identity cases about one company share (free sessions are
//! counted per company), distinct from the details each case's filer gave. Filings create a
//! record and never change it; coordinators decide what it says, under `If-Match`, with a
//! `company.updated` event in the same transaction.
use chrono::{SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, SqlErr, UpdateMany,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::{
    auth::Actor,
    db::begin_write,
    domain::{
        address::{Address, prefecture_agrees},
        company_size::{CapitalJpy, CompanySize, Employees, classify_industry},
        industry::Industry,
        kana::NameKana,
        precondition::Precondition,
        prefecture::Prefecture,
    },
    entities::company,
    error::ApiError,
    services::events::{self, types},
};

/// The name under which companies without a corporate number are recognized: NFKC-like
/// width folding is done by the caller's parser; here spaces go, case folds, and the common
/// abbreviations of legal forms are spelled out.
pub fn company_name_key(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = name.nfkc().collect::<String>().to_lowercase();
    let spelled = folded
        .replace("(株)", "株式会社")
        .replace("(有)", "有限会社")
        .replace("(合)", "合同会社");
    spelled.chars().filter(|c| !c.is_whitespace()).collect()
}

/// SME classification from stored figures (a case's or a record's). Figures that no longer
/// parse count as not given: the classification is shown, never relied on for a write.
///
/// `employees` is the regular head count (常時使用する従業員), the figure the SME Basic Act
/// counts; a company's `total_employees` (part-timers and the like included) never enters
/// the classification, or a company of 40 regular and 80 part-time staff would be judged by
/// a number the Act does not use.
pub fn size_of(
    industry: Option<Industry>,
    capital_jpy: Option<i64>,
    employees: Option<i64>,
) -> CompanySize {
    let capital = capital_jpy.and_then(|c| CapitalJpy::parse(c).ok());
    let employees = employees.and_then(|e| Employees::parse(e).ok());
    match industry {
        Some(industry) => classify_industry(industry, capital, employees),
        None => CompanySize::UNKNOWN,
    }
}

/// Changes to company details, checked; `None` leaves a field as it is, and `Some(None)`
/// clears an optional one. The same shape edits a case's own details and the shared record.
#[derive(Debug, Clone, Default)]
pub struct CompanyChanges {
    /// Name.
    pub name: Option<String>,
    /// Prefecture.
    pub prefecture: Option<Prefecture>,
    /// JSIC division.
    pub industry: Option<Option<Industry>>,
    /// Regular employees.
    pub employees: Option<Option<Employees>>,
    /// Capital.
    pub capital_jpy: Option<Option<CapitalJpy>>,
    /// The name's reading (フリガナ).
    pub name_kana: Option<Option<NameKana>>,
    /// The head-office address, with the prefecture it states (when it states one), checked
    /// against the company's by [`CompanyChanges::check_against`].
    pub address: Option<Option<(Address, Option<Prefecture>)>>,
    /// Total head count.
    pub total_employees: Option<Option<Employees>>,
}

/// The figures of stored company details that changes are checked against.
#[derive(Debug, Clone, Copy)]
pub struct CurrentDetails {
    /// The prefecture now.
    pub prefecture: Prefecture,
    /// Regular employees now.
    pub employees: Option<i64>,
    /// Total head count now.
    pub total_employees: Option<i64>,
}

impl CompanyChanges {
    /// Whether nothing would change.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.prefecture.is_none()
            && self.industry.is_none()
            && self.employees.is_none()
            && self.capital_jpy.is_none()
            && self.name_kana.is_none()
            && self.address.is_none()
            && self.total_employees.is_none()
    }

    /// Checks the rules that join changed fields to unchanged ones (422 naming the field
    /// under `prefix`): an address's prefecture is the company's, and the total head count is
    /// at least the regular employees.
    pub fn check_against(&self, current: CurrentDetails, prefix: &str) -> Result<(), ApiError> {
        let field = |name: &str| {
            if prefix.is_empty() {
                name.to_owned()
            } else {
                format!("{prefix}.{name}")
            }
        };
        let prefecture = self.prefecture.unwrap_or(current.prefecture);
        if let Some(Some((_, Some(stated)))) = &self.address {
            prefecture_agrees(*stated, prefecture)
                .map_err(|message| ApiError::invalid_field(field("address.prefecture"), message))?;
        }
        let employees = match self.employees {
            Some(changed) => changed.map(Employees::count),
            None => current.employees,
        };
        let total = match self.total_employees {
            Some(changed) => changed.map(Employees::count),
            None => current.total_employees,
        };
        if let Some(message) = total_below_regular(employees, total) {
            return Err(ApiError::invalid_field(field("total_employees"), message));
        }
        Ok(())
    }

    /// The wire names of the fields that change, in a fixed order.
    pub fn fields(&self) -> Vec<&'static str> {
        [
            ("name", self.name.is_some()),
            ("prefecture", self.prefecture.is_some()),
            ("industry", self.industry.is_some()),
            ("employees", self.employees.is_some()),
            ("capital_jpy", self.capital_jpy.is_some()),
            ("name_kana", self.name_kana.is_some()),
            ("address", self.address.is_some()),
            ("total_employees", self.total_employees.is_some()),
        ]
        .into_iter()
        .filter_map(|(field, changes)| changes.then_some(field))
        .collect()
    }
}

/// Why a total head count cannot stand beside the regular employees, if it cannot.
pub fn total_below_regular(employees: Option<i64>, total: Option<i64>) -> Option<String> {
    match (employees, total) {
        (Some(regular), Some(total)) if total < regular => Some(format!(
            "must be at least employees ({regular}): the total head count includes the regular \
             employees"
        )),
        _ => None,
    }
}

/// An address as its four nullable columns (all null: no address).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressColumns {
    /// `NNN-NNNN`.
    pub postal_code: Option<String>,
    /// 市区町村.
    pub city: Option<String>,
    /// 町域・番地.
    pub street: Option<String>,
    /// 建物名.
    pub building: Option<String>,
}

impl AddressColumns {
    /// The columns of `address` (or of none).
    pub fn of(address: Option<&Address>) -> Self {
        address.map_or_else(Self::default, |a| Self {
            postal_code: a.postal_code.as_ref().map(|p| p.as_str().to_owned()),
            city: Some(a.city.clone()),
            street: a.street.clone(),
            building: a.building.clone(),
        })
    }
}

/// A company record; 404 when there is none.
pub async fn get(db: &impl ConnectionTrait, id: Uuid) -> Result<company::Model, ApiError> {
    company::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("no company has the id {id}")))
}

/// Checks `changes` to a record against what it holds now.
fn check_record(changes: &CompanyChanges, current: &company::Model) -> Result<(), ApiError> {
    let prefecture = current.prefecture;
    changes.check_against(
        CurrentDetails {
            prefecture,
            employees: current.employees,
            total_employees: current.total_employees,
        },
        "",
    )
}

/// Adds the changed fields Japanese forms ask for (reading, address, total head count) to
/// `update`, noting each one's value before and after for the event.
fn set_forms(
    mut update: UpdateMany<company::Entity>,
    changes: &CompanyChanges,
    current: &company::Model,
    before: &mut Map<String, Value>,
    after: &mut Map<String, Value>,
) -> UpdateMany<company::Entity> {
    use company::Column as C;
    if let Some(kana) = &changes.name_kana {
        let reading = kana.as_ref().map(|k| k.as_str().to_owned());
        update = update.col_expr(C::NameKana, Expr::value(reading.clone()));
        before.insert("name_kana".into(), json!(current.name_kana));
        after.insert("name_kana".into(), json!(reading));
    }
    if let Some(address) = &changes.address {
        let parts = AddressColumns::of(address.as_ref().map(|(a, _)| a));
        update = update
            .col_expr(C::PostalCode, Expr::value(parts.postal_code.clone()))
            .col_expr(C::City, Expr::value(parts.city.clone()))
            .col_expr(C::Street, Expr::value(parts.street.clone()))
            .col_expr(C::Building, Expr::value(parts.building.clone()));
        before.insert(
            "address".into(),
            json!({"postal_code": current.postal_code, "city": current.city,
                   "street": current.street, "building": current.building}),
        );
        after.insert(
            "address".into(),
            json!({"postal_code": parts.postal_code, "city": parts.city,
                   "street": parts.street, "building": parts.building}),
        );
    }
    if let Some(total) = changes.total_employees {
        let count = total.map(Employees::count);
        update = update.col_expr(C::TotalEmployees, Expr::value(count));
        before.insert("total_employees".into(), json!(current.total_employees));
        after.insert("total_employees".into(), json!(count));
    }
    update
}

/// Applies `changes` to the record when it is still at `expected_version` (412 otherwise),
/// with its `company.updated` event in the same transaction. The cases about the company keep
/// the details their filers gave. A record without a corporate number is known by its
/// normalized name in its prefecture, so a new name or prefecture that another such record
/// already has is a 409, left to the database's unique index to decide.
pub async fn update(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    expected: &Precondition,
    changes: CompanyChanges,
) -> Result<company::Model, ApiError> {
    use company::Column as C;
    let tx = begin_write(db).await?;
    let current = get(&tx, id).await?;
    if !expected.admits(current.version) {
        return Err(ApiError::PreconditionFailed(format!(
            "the company record changed since you read it (its ETag is now \"{}\"); GET it again",
            current.version
        )));
    }
    let expected_version = current.version;
    check_record(&changes, &current)?;
    let mut update = company::Entity::update_many()
        .col_expr(C::Version, Expr::col(C::Version).add(1))
        .col_expr(C::UpdatedAt, Expr::value(Utc::now().trunc_subsecs(6)))
        .filter(C::Id.eq(id))
        .filter(C::Version.eq(expected_version));
    let mut before = Map::new();
    let mut after = Map::new();
    if let Some(name) = &changes.name {
        update = update
            .col_expr(C::Name, Expr::value(name.clone()))
            .col_expr(C::NameKey, Expr::value(company_name_key(name)));
        before.insert("name".into(), json!(current.name));
        after.insert("name".into(), json!(name));
    }
    if let Some(prefecture) = changes.prefecture {
        update = update.col_expr(C::Prefecture, Expr::value(prefecture.code()));
        before.insert("prefecture".into(), json!(current.prefecture));
        after.insert("prefecture".into(), json!(prefecture.code()));
    }
    if let Some(industry) = changes.industry {
        let code = industry.map(|i| i.code().to_owned());
        update = update.col_expr(C::Industry, Expr::value(code.clone()));
        before.insert("industry".into(), json!(current.industry));
        after.insert("industry".into(), json!(code));
    }
    if let Some(employees) = changes.employees {
        let count = employees.map(Employees::count);
        update = update.col_expr(C::Employees, Expr::value(count));
        before.insert("employees".into(), json!(current.employees));
        after.insert("employees".into(), json!(count));
    }
    if let Some(capital) = changes.capital_jpy {
        let yen = capital.map(CapitalJpy::yen);
        update = update.col_expr(C::CapitalJpy, Expr::value(yen));
        before.insert("capital_jpy".into(), json!(current.capital_jpy));
        after.insert("capital_jpy".into(), json!(yen));
    }
    update = set_forms(update, &changes, &current, &mut before, &mut after);
    let result = match update.exec(&tx).await {
        Ok(result) => result,
        Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(ApiError::conflict(
                "company-exists",
                "another company record without a corporate number has this name in this \
                 prefecture",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    if result.rows_affected != 1 {
        return Err(ApiError::PreconditionFailed(format!(
            "the company record changed since you read it (its ETag is now \"{}\"); GET it \
             again",
            current.version
        )));
    }
    events::record(
        &tx,
        None,
        types::COMPANY_UPDATED,
        actor,
        json!({
            "company_id": id,
            "fields": changes.fields(),
            "before": Value::Object(before),
            "after": Value::Object(after),
            "version": expected_version + 1,
        }),
    )
    .await?;
    let updated = get(&tx, id).await?;
    tx.commit().await?;
    Ok(updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_names_fold_to_one_key_across_widths_spaces_and_abbreviations() {
        let cases = [
            ("株式会社 ミナミ商店", "株式会社ミナミ商店"),
            ("(株)ミナミ商店", "株式会社ミナミ商店"),
            ("（株）ミナミ商店", "株式会社ミナミ商店"),
            ("㈱ミナミ商店", "株式会社ミナミ商店"),
            ("ＡＢＣ　Ｔｒａｄｉｎｇ", "abctrading"),
            ("(有)山田工務店", "有限会社山田工務店"),
        ];
        for (name, key) in cases {
            assert_eq!(company_name_key(name), key, "{name}");
        }
    }

    #[test]
    fn changed_fields_are_named_in_a_fixed_order() {
        let changes = CompanyChanges {
            capital_jpy: Some(None),
            name: Some("株式会社ミナミ商店".into()),
            ..CompanyChanges::default()
        };
        assert_eq!(changes.fields(), ["name", "capital_jpy"]);
        assert!(!changes.is_empty());
        assert!(CompanyChanges::default().is_empty());
    }
}
