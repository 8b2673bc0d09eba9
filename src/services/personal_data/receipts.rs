//! The confirmation records of personal data received from partners (第三者提供を受ける際の
//! 確認記録, APPI art. 30): for each partner filing, the partner, the day, the data items
//! received and, when the partner said, how it obtained them. Kept three years
//! ([`KEPT_FOR_DAYS`]), also after the case itself is anonymized: they name items, not values.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, sea_query::InsertStatement,
};
use uuid::Uuid;

use crate::{
    domain::business_days::jst_date,
    entities::{data_receipt, stored::Json},
    error::ApiError,
    pagination::{Cursor, PageRequest},
};

/// How long a confirmation record is kept: three years (APPI's enforcement rules, art. 21).
pub const KEPT_FOR_DAYS: i64 = 3 * 366;

/// The insert of the record of a filing of case `ticket_id` by `partner_id`'s client
/// `recorded_by` (a contact `with_phone` or without), made with the case.
pub fn record_statement(
    ticket_id: Uuid,
    partner_id: Uuid,
    recorded_by: &str,
    with_phone: bool,
    source: Option<String>,
    now: DateTime<Utc>,
) -> InsertStatement {
    let mut items = vec!["contact.name".to_owned(), "contact.email".to_owned()];
    if with_phone {
        items.push("contact.phone".to_owned());
    }
    items.extend(["subject".to_owned(), "description".to_owned()]);
    data_receipt::Entity::insert(data_receipt::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(ticket_id),
        partner_id: Set(partner_id),
        received_on: Set(jst_date(now)),
        received_at: Set(now),
        items: Set(Json(items)),
        source: Set(source),
        recorded_by: Set(recorded_by.to_owned()),
    })
    .into_query()
}

/// Filters of the receipt list.
#[derive(Debug, Clone, Default)]
pub struct ReceiptFilter {
    /// Received on or after this Japan calendar day.
    pub from: Option<NaiveDate>,
    /// Received on or before this day.
    pub to: Option<NaiveDate>,
    /// From this partner.
    pub partner_id: Option<Uuid>,
}

/// One page of the confirmation records, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &ReceiptFilter,
    page: &PageRequest,
) -> Result<(Vec<data_receipt::Model>, Option<String>), ApiError> {
    let mut condition = Condition::all();
    if let Some(from) = filter.from {
        condition = condition.add(data_receipt::Column::ReceivedOn.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(data_receipt::Column::ReceivedOn.lte(to));
    }
    if let Some(partner_id) = filter.partner_id {
        condition = condition.add(data_receipt::Column::PartnerId.eq(partner_id));
    }
    if let Some(after) = page.after {
        condition = condition.add(data_receipt::Column::Id.gt(after));
    }
    let rows = data_receipt::Entity::find()
        .filter(condition)
        .order_by_asc(data_receipt::Column::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    let (rows, next) = page.split(rows, |row| row.id);
    Ok((rows, next.map(Cursor::encode)))
}

/// Deletes the records older than [`KEPT_FOR_DAYS`]; returns how many.
pub async fn purge_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, ApiError> {
    let cutoff = now - chrono::Duration::days(KEPT_FOR_DAYS);
    Ok(data_receipt::Entity::delete_many()
        .filter(data_receipt::Column::ReceivedAt.lt(cutoff))
        .exec(db)
        .await?
        .rows_affected)
}
