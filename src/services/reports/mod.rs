//! The summary report: cases received in a period, grouped, with the measures the ministries
//! judge the program by. Counted by the database in one pass over the period's cases, never
//! by loading cases into memory: what comes back is one row per group and per number of
//! business days to assignment.
use chrono::NaiveDate;
use std::collections::BTreeMap;

use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityTrait,
    QueryFilter, QueryResult, Statement, Value,
};
use uuid::Uuid;

use crate::{
    auth::Scope,
    entities::{manager, partner},
    error::ApiError,
    services::tickets::jst_day_start,
};

mod measures;
pub mod rollup;

pub use measures::{GroupBy, MEASURES, MERGED_EXCLUDED};
use rollup::{Month, placeholder};

/// The key of a row.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupKey {
    /// A text key (track, prefecture code, month, industry letter).
    Text(String),
    /// A partner or manager id.
    Id(Uuid),
    /// No value (not routed, taken by the center, no industry, unassigned).
    None,
}

/// What is counted for one group (or the totals).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measures {
    /// Cases received in the period.
    pub received: i64,
    /// Of those, cases ever assigned a manager.
    pub assigned: i64,
    /// Of those, cases with a recorded outcome.
    pub resolved: i64,
    /// Of those, outcomes where telework was introduced.
    pub introduced: i64,
    /// Cases whose first-contact and assignment service levels are both decided.
    pub sla_decided: i64,
    /// Of those, cases that met both.
    pub sla_met: i64,
    /// Median business days from receipt to the first assignment.
    pub median_business_days_to_assign: Option<f64>,
    /// Mean satisfaction of the outcomes that have one.
    pub avg_satisfaction: Option<f64>,
    /// Outcomes whose survey was answered.
    pub survey_responses: i64,
    /// Of those, answers that the purpose was achieved.
    pub survey_purpose_achieved: i64,
    /// Of those, answers of satisfaction with the response.
    pub survey_satisfied: i64,
    /// Answers where "will you consider introducing telework" was asked (after an on-site
    /// session).
    pub survey_will_consider_asked: i64,
    /// Of those, yes.
    pub survey_will_consider: i64,
}

/// The period and grouping of a report.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    /// First Japan calendar day, inclusive.
    pub from: NaiveDate,
    /// Last Japan calendar day, inclusive.
    pub to: NaiveDate,
    /// Grouping.
    pub group_by: GroupBy,
    /// The cases whose figures are added up ([`crate::auth::policy::report_scope`]).
    pub scope: Scope,
}

/// The grouped rows, ordered by key, and the totals.
#[derive(Debug, Clone)]
pub struct Summary {
    /// One entry per group.
    pub rows: Vec<(GroupKey, Measures)>,
    /// Over every case of the period.
    pub totals: Measures,
}

/// Counts of one group, with the running sums that become averages and medians.
#[derive(Debug, Default)]
struct Tally {
    measures: Measures,
    satisfaction_sum: i64,
    satisfaction_count: i64,
    days: Vec<(i64, i64)>,
}

impl Tally {
    fn add(&mut self, row: &QueryResult) -> Result<(), ApiError> {
        let count = |column: &str| -> Result<i64, ApiError> {
            Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0))
        };
        let received = count("received")?;
        self.measures.received += received;
        self.measures.assigned += count("assigned")?;
        self.measures.resolved += count("resolved")?;
        self.measures.introduced += count("introduced")?;
        self.measures.sla_decided += count("sla_decided")?;
        self.measures.sla_met += count("sla_met")?;
        self.satisfaction_sum += count("satisfaction_sum")?;
        self.satisfaction_count += count("satisfaction_count")?;
        self.measures.survey_responses += count("survey_responses")?;
        self.measures.survey_purpose_achieved += count("survey_purpose_achieved")?;
        self.measures.survey_satisfied += count("survey_satisfied")?;
        self.measures.survey_will_consider_asked += count("survey_will_consider_asked")?;
        self.measures.survey_will_consider += count("survey_will_consider")?;
        if let Some(days) = row.try_get::<Option<i32>>("", "days")? {
            self.days.push((i64::from(days), received));
        }
        Ok(())
    }

    fn merge(&mut self, other: &Tally) {
        self.measures.received += other.measures.received;
        self.measures.assigned += other.measures.assigned;
        self.measures.resolved += other.measures.resolved;
        self.measures.introduced += other.measures.introduced;
        self.measures.sla_decided += other.measures.sla_decided;
        self.measures.sla_met += other.measures.sla_met;
        self.satisfaction_sum += other.satisfaction_sum;
        self.satisfaction_count += other.satisfaction_count;
        let (mine, theirs) = (&mut self.measures, &other.measures);
        mine.survey_responses += theirs.survey_responses;
        mine.survey_purpose_achieved += theirs.survey_purpose_achieved;
        mine.survey_satisfied += theirs.survey_satisfied;
        mine.survey_will_consider_asked += theirs.survey_will_consider_asked;
        mine.survey_will_consider += theirs.survey_will_consider;
        self.days.extend_from_slice(&other.days);
    }

    fn finish(mut self) -> Measures {
        self.measures.avg_satisfaction = (self.satisfaction_count > 0)
            .then(|| self.satisfaction_sum as f64 / self.satisfaction_count as f64);
        self.measures.median_business_days_to_assign = median_of_histogram(&mut self.days);
        self.measures
    }
}

/// The median of values given as `(value, how many)`: the middle value, or the mean of the
/// middle two.
pub fn median_of_histogram(histogram: &mut [(i64, i64)]) -> Option<f64> {
    histogram.sort_unstable();
    let total: i64 = histogram.iter().map(|(_, n)| n).sum();
    if total <= 0 {
        return None;
    }
    let at = |position: i64| {
        let mut seen = 0;
        histogram
            .iter()
            .find(|(_, n)| {
                seen += n;
                seen > position
            })
            .map(|(value, _)| *value)
    };
    let (lower, upper) = (at((total - 1) / 2)?, at(total / 2)?);
    Some((lower + upper) as f64 / 2.0)
}

/// Builds the summary, in one snapshot of the database: the months of the period that lie
/// whole within it and whose cases have not changed since they were counted are read from
/// the monthly rollup, everything else is counted from the cases (see
/// [`rollup`]). A partner's or a manager's report is counted from their own
/// cases.
pub async fn summary(
    db: &DatabaseConnection,
    request: &ReportRequest,
) -> Result<Summary, ApiError> {
    let tx = rollup::begin_snapshot(db).await?;
    let mut rows = Vec::new();
    let counted = match request.scope {
        Scope::All => {
            let whole = Month::whole_within(request.from, request.to);
            let counted = rollup::counted_months(&tx, &whole).await?;
            rows.extend(rollup::rows(&tx, request.group_by, &counted).await?);
            counted
        }
        _ => Vec::new(),
    };
    let ranges = rollup::days_outside(request.from, request.to, &counted);
    rows.extend(count_tickets(&tx, request, &ranges).await?);
    tx.commit().await?;

    let mut groups: BTreeMap<GroupKey, Tally> = BTreeMap::new();
    for row in rows {
        groups
            .entry(key(&row, request.group_by)?)
            .or_default()
            .add(&row)?;
    }
    let mut totals = Tally::default();
    for tally in groups.values() {
        totals.merge(tally);
    }
    Ok(Summary {
        rows: groups
            .into_iter()
            .map(|(key, tally)| (key, tally.finish()))
            .collect(),
        totals: totals.finish(),
    })
}

/// Counts the cases received on the days of `ranges` (half-open, Japan calendar days) under
/// the request's scope and grouping.
async fn count_tickets(
    tx: &DatabaseTransaction,
    request: &ReportRequest,
    ranges: &[(NaiveDate, NaiveDate)],
) -> Result<Vec<QueryResult>, ApiError> {
    if ranges.is_empty() {
        return Ok(Vec::new());
    }
    let backend = tx.get_database_backend();
    let mut values: Vec<Value> = Vec::new();
    let mut next = |value: Value| {
        values.push(value);
        placeholder(backend, values.len())
    };
    let days = ranges
        .iter()
        .map(|(start, end)| {
            let start = next(jst_day_start(*start).into());
            let end = next(jst_day_start(*end).into());
            format!("(t.created_at >= {start} AND t.created_at < {end})")
        })
        .collect::<Vec<_>>()
        .join(" OR ");
    // The scope in SQL; raw like the rest of the report, so it mirrors
    // `services::tickets::in_scope` term for term.
    let scope = match request.scope {
        Scope::All => String::new(),
        Scope::Partner(partner_id) => format!(" AND t.partner_id = {}", next(partner_id.into())),
        Scope::Manager(manager_id) => format!(" AND t.manager_id = {}", next(manager_id.into())),
        Scope::Nothing => " AND 1 = 0".to_owned(),
    };
    let group = request.group_by.column();
    let counts = MEASURES
        .iter()
        .map(|(name, expression)| format!("{expression} AS {name}"))
        .collect::<Vec<_>>()
        .join(", ");
    Ok(tx
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            format!(
                "SELECT {group} AS grp, t.business_days_to_assign AS days, {counts} \
                 FROM tickets t LEFT JOIN outcomes o ON o.ticket_id = t.id \
                 WHERE ({days}){scope} AND {MERGED_EXCLUDED} \
                 GROUP BY {group}, t.business_days_to_assign"
            ),
            values,
        ))
        .await?)
}

fn key(row: &QueryResult, group_by: GroupBy) -> Result<GroupKey, ApiError> {
    if group_by == GroupBy::Month {
        // A date on PostgreSQL, `YYYY-MM-DD` text on SQLite; either way its month.
        let day = match row.try_get::<Option<NaiveDate>>("", "grp") {
            Ok(day) => day.map(|d| d.format("%Y-%m").to_string()),
            Err(_) => row
                .try_get::<Option<String>>("", "grp")?
                .map(|d| d.chars().take(7).collect()),
        };
        return Ok(day.map_or(GroupKey::None, GroupKey::Text));
    }
    Ok(if group_by.is_uuid() {
        row.try_get::<Option<Uuid>>("", "grp")?
            .map_or(GroupKey::None, GroupKey::Id)
    } else {
        row.try_get::<Option<String>>("", "grp")?
            .map_or(GroupKey::None, GroupKey::Text)
    })
}

/// The names of the partners or managers a report is grouped by (other groupings have none).
pub async fn group_names(
    db: &impl ConnectionTrait,
    group_by: GroupBy,
    ids: Vec<Uuid>,
) -> Result<Vec<(Uuid, String)>, ApiError> {
    Ok(match group_by {
        GroupBy::Partner => partner::Entity::find()
            .filter(partner::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
        GroupBy::Manager => manager::Entity::find()
            .filter(manager::Column::Id.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|m| (m.id, m.name))
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_a_histogram_is_the_middle_value_or_the_mean_of_the_middle_two() {
        type Histogram<'a> = &'a [(i64, i64)];
        let cases: [(Histogram, Option<f64>); 6] = [
            (&[], None),
            (&[(3, 1)], Some(3.0)),
            (&[(1, 1), (5, 1)], Some(3.0)),
            (&[(0, 2), (1, 1), (9, 1)], Some(0.5)),
            (&[(7, 3), (0, 1), (2, 1)], Some(7.0)),
            (&[(4, 0)], None),
        ];
        for (histogram, expected) in cases {
            let mut histogram = histogram.to_vec();
            assert_eq!(
                median_of_histogram(&mut histogram),
                expected,
                "{histogram:?}"
            );
        }
    }
}
