//! The case list: filters, search and the service-level breach condition.
use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{Ticket, in_scope, search};
use crate::{
    auth::{Actor, Scope, policy::sees_company_records},
    domain::{
        business_days::jst_date, prefecture::Prefecture, ticket_status::TicketStatus, track::Track,
    },
    entities::{company, outcome, ticket},
    error::ApiError,
    pagination::{Cursor, PageRequest},
};

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Status.
    pub status: Option<TicketStatus>,
    /// Track.
    pub track: Option<Track>,
    /// Company prefecture.
    pub prefecture: Option<Prefecture>,
    /// Filing partner.
    pub partner_id: Option<Uuid>,
    /// Assigned manager.
    pub manager_id: Option<Uuid>,
    /// Filed at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Filed before.
    pub created_before: Option<DateTime<Utc>>,
    /// Text in the subject, description or reference.
    pub q: Option<String>,
    /// Breached a service level (true) or not (false), as of today in Japan.
    pub sla_breached: Option<bool>,
    /// The municipality of the company's address.
    pub city: Option<String>,
}

impl TicketFilter {
    /// Whether a filter other than `q` is set (then a search's page cannot be chosen
    /// among the search keys alone; see [`search::page_matching`]).
    fn narrows_beyond_search(&self) -> bool {
        // Spelled out field by field, so a new filter cannot be forgotten here.
        let Self {
            status,
            track,
            prefecture,
            partner_id,
            manager_id,
            created_from,
            created_before,
            q: _,
            sla_breached,
            city,
        } = self;
        status.is_some()
            || track.is_some()
            || prefecture.is_some()
            || partner_id.is_some()
            || manager_id.is_some()
            || created_from.is_some()
            || created_before.is_some()
            || sla_breached.is_some()
            || city.is_some()
    }
}

/// The start of a Japan calendar day, as an instant.
pub fn jst_day_start(date: NaiveDate) -> DateTime<Utc> {
    let start = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    DateTime::<Utc>::from_naive_utc_and_offset(start, Utc) - chrono::Duration::hours(9)
}

/// The `?city=` filter: the municipality of the case's company address.
fn city_condition(filter: &TicketFilter) -> Option<sea_orm::sea_query::SimpleExpr> {
    filter
        .city
        .as_deref()
        .map(|city| ticket::Column::CompanyCity.eq(city))
}

/// One page of the cases the actor may see, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    filter: &TicketFilter,
    page: &PageRequest,
) -> Result<(Vec<Ticket>, Option<String>), ApiError> {
    let mut condition = in_scope(actor.scope()).add_option(city_condition(filter));
    if let Some(status) = filter.status {
        condition = condition.add(ticket::Column::Status.eq(status.as_str()));
    }
    if let Some(track) = filter.track {
        condition = condition.add(ticket::Column::Track.eq(track.as_str()));
    }
    if let Some(prefecture) = filter.prefecture {
        condition = condition.add(ticket::Column::Prefecture.eq(prefecture.code()));
    }
    if let Some(partner_id) = filter.partner_id {
        condition = condition.add(ticket::Column::PartnerId.eq(partner_id));
    }
    if let Some(manager_id) = filter.manager_id {
        condition = condition.add(ticket::Column::ManagerId.eq(manager_id));
    }
    if let Some(from) = filter.created_from {
        condition = condition.add(ticket::Column::CreatedAt.gte(from));
    }
    if let Some(before) = filter.created_before {
        condition = condition.add(ticket::Column::CreatedAt.lt(before));
    }
    if let Some(breached) = filter.sla_breached {
        let condition_breached = sla_breached_condition(jst_date(Utc::now()));
        condition = condition.add(if breached {
            condition_breached
        } else {
            condition_breached.not()
        });
    }
    if let Some(after) = page.after {
        condition = condition.add(ticket::Column::Id.gt(after));
    }
    let mut select = ticket::Entity::find().filter(condition);
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let backend = db.get_database_backend();
        select = if actor.scope() == Scope::All && !filter.narrows_beyond_search() {
            select.filter(search::page_matching(
                q,
                backend,
                page.after,
                page.fetch_limit(),
            ))
        } else {
            search::join_matching(select, q, backend, page.after)
        };
    }
    let rows = select
        .order_by_asc(ticket::Column::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    let (rows, next) = page.split(rows, |row| row.id);
    let tickets = with_details(db, actor, rows).await?;
    Ok((tickets, next.map(Cursor::encode)))
}

/// The page's cases with their company records (for the roles that see them), outcomes and
/// merge notices, each loaded for the whole page at once.
async fn with_details(
    db: &impl ConnectionTrait,
    actor: &Actor,
    rows: Vec<ticket::Model>,
) -> Result<Vec<Ticket>, ApiError> {
    let companies = if sees_company_records(actor.role) && !rows.is_empty() {
        let company_ids: Vec<Uuid> = rows.iter().map(|row| row.company_id).collect();
        company::Entity::find()
            .filter(company::Column::Id.is_in(company_ids))
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    // Any status can carry an outcome: a reopened case keeps the one recorded before.
    let page_ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut outcomes = if page_ids.is_empty() {
        Vec::new()
    } else {
        outcome::Entity::find()
            .filter(outcome::Column::TicketId.is_in(page_ids))
            .all(db)
            .await?
    };
    let merges = super::merge::notices(db, actor, &rows).await?;
    let tickets = rows
        .into_iter()
        .zip(merges)
        .map(|(row, merge)| {
            let company_record = if sees_company_records(actor.role) {
                let record = companies
                    .iter()
                    .find(|c| c.id == row.company_id)
                    .cloned()
                    .ok_or_else(|| {
                        ApiError::Internal(anyhow::anyhow!("case {} has no company", row.id))
                    })?;
                Some(record)
            } else {
                None
            };
            let outcome = outcomes
                .iter()
                .position(|o| o.ticket_id == row.id)
                .map(|index| outcomes.swap_remove(index));
            Ok(Ticket {
                row,
                company_record,
                outcome,
                merge,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok(tickets)
}

/// `domain::service_level::breached` in SQL, for `?sla_breached=`. Every term is written to
/// be false (not NULL) on missing values, so the condition can be negated.
fn sla_breached_condition(today: NaiveDate) -> Condition {
    let statuses = |running: fn(TicketStatus) -> bool| {
        TicketStatus::ALL
            .into_iter()
            .filter(|status| running(*status))
            .map(TicketStatus::as_str)
            .collect::<Vec<_>>()
    };
    Condition::any()
        .add(
            Condition::all()
                .add(ticket::Column::FirstContactMet.is_not_null())
                .add(ticket::Column::FirstContactMet.eq(false)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::AssignmentMet.is_not_null())
                .add(ticket::Column::AssignmentMet.eq(false)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::FirstContactMet.is_null())
                .add(ticket::Column::Status.is_in(statuses(
                    crate::domain::service_level::first_contact_clock_runs,
                )))
                .add(ticket::Column::FirstContactDue.is_not_null())
                .add(ticket::Column::FirstContactDue.lt(today)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::AssignmentMet.is_null())
                .add(ticket::Column::Status.is_in(statuses(
                    crate::domain::service_level::assignment_clock_runs,
                )))
                .add(ticket::Column::AssignmentDue.is_not_null())
                .add(ticket::Column::AssignmentDue.lt(today)),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn japan_days_start_at_15_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(jst_day_start(day).to_rfc3339(), "2026-03-31T15:00:00+00:00");
    }
}
