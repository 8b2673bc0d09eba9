//! `/v1/reports/summary`: the program's numbers, as JSON or as CSV for Excel.
use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor, policy},
    domain::{
        fiscal_year::FiscalYear,
        holidays::{KNOWN_YEARS, check_known_date},
        industry::Industry,
        prefecture::Prefecture,
        ticket_fields::Channel,
        track::Track,
    },
    error::{ApiError, FieldErrors},
    services::reports::{self, GroupBy, GroupKey, Measures, ReportRequest},
    state::AppState,
};

/// The media type of the CSV answer.
pub const CSV: &str = "text/csv";

/// The period, grouping and publication rule of a report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// First day of the period (Japan calendar day, inclusive); with `to`.
    pub from: Option<NaiveDate>,
    /// Last day of the period (inclusive); with `from`.
    pub to: Option<NaiveDate>,
    /// A fiscal year (April to March) instead of `from`/`to`, e.g. `2026`, from 2000 to 2098
    /// (the years whose holidays this service knows).
    // The bounds are those of KNOWN_YEARS (a fiscal year spans two calendar years); the test
    // below holds them together.
    #[param(minimum = 2000, maximum = 2098)]
    pub fiscal_year: Option<i32>,
    /// What the rows are grouped by (the description is in [`group_by_schema`]).
    // Read as text so that an unknown grouping is a field error (422) naming the choices, not a
    // query that does not parse (400); the document still lists the choices.
    #[param(schema_with = group_by_schema)]
    pub group_by: Option<String>,
    /// For publication: counts below this become `null` (and the rates built on them); 1 or
    /// more.
    #[param(minimum = 1)]
    pub suppress_below: Option<u64>,
}

/// The documented choices of `group_by`: [`GroupBy::ALL`].
fn group_by_schema() -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some(
            "`track` (default), `prefecture`, `partner`, `month`, `industry`, `manager`, \
             `channel` (`partner`, `phone`, `walk_in`, `web`, `email`) or `city` (the \
             municipality of the company's address, keyed `<prefecture code>:<city>`, e.g. \
             `13:千代田区`; cases without an address are the `null` row).",
        ))
        .enum_values(Some(GroupBy::ALL.iter().map(|g| g.as_str())))
        .default(Some(serde_json::Value::from(GroupBy::Track.as_str())))
        .build()
}

/// The measures of one group, or the totals. Counts are of cases received in the period.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeasuresView {
    /// Cases received.
    pub received: Option<i64>,
    /// Of those, ever assigned a manager.
    pub assigned: Option<i64>,
    /// Of those, with a recorded outcome.
    pub resolved: Option<i64>,
    /// Of those, outcomes where telework was introduced.
    pub introduced: Option<i64>,
    /// `introduced / resolved`.
    pub introduction_rate: Option<f64>,
    /// Median business days from receipt to the first assignment.
    pub median_business_days_to_assign: Option<f64>,
    /// Share of the cases with both service levels decided that met both.
    pub sla_met_rate: Option<f64>,
    /// Mean satisfaction (1–5) of the outcomes that give one.
    pub avg_satisfaction: Option<f64>,
    /// Of the resolved cases, outcomes whose survey was answered.
    #[schema(example = 5)]
    pub survey_responses: Option<i64>,
    /// `survey_responses / resolved`: the share of cases with an outcome whose company
    /// answered (every case with an outcome can be sent a link, so the cases that could
    /// answer are the denominator, not the links issued).
    #[schema(example = 0.8)]
    pub response_rate: Option<f64>,
    /// Whether `response_rate` reaches the target (`survey_target`); null with the rate.
    pub response_rate_meets_target: Option<bool>,
    /// Share of the answers saying the purpose was achieved (目的が達成できた).
    #[schema(example = 0.8)]
    pub purpose_achieved_rate: Option<f64>,
    /// Whether `purpose_achieved_rate` reaches the target.
    pub purpose_achieved_meets_target: Option<bool>,
    /// Share of the answers saying they were satisfied with the response (対応に満足した).
    #[schema(example = 0.6)]
    pub satisfied_rate: Option<f64>,
    /// Whether `satisfied_rate` reaches the target.
    pub satisfied_meets_target: Option<bool>,
    /// Share saying they will actively consider introducing telework, of the answers where
    /// it was asked (cases with an on-site session).
    #[schema(example = 1.0)]
    pub will_consider_rate: Option<f64>,
    /// Whether `will_consider_rate` reaches the target.
    pub will_consider_meets_target: Option<bool>,
}

/// One group of the report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryRow {
    /// The group: a track, prefecture code, partner id, `YYYY-MM`, JSIC letter or manager id;
    /// `null` for cases without one (not routed, taken by the center, no industry,
    /// unassigned).
    pub key: Option<String>,
    /// A readable name for the group.
    pub label: String,
    /// The measures.
    #[serde(flatten)]
    pub measures: MeasuresView,
}

/// The summary report.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryView {
    /// The grouping.
    pub group_by: String,
    /// First day of the period.
    pub from: NaiveDate,
    /// Last day of the period.
    pub to: NaiveDate,
    /// Counts below this are `null`.
    pub suppress_below: Option<u64>,
    /// The survey rates' target (`ONESTOP_SURVEY_TARGET`, 0.8 by default): a rate meets it
    /// when it is at least this.
    #[schema(example = 0.8)]
    pub survey_target: f64,
    /// The groups, by key.
    pub rows: Vec<SummaryRow>,
    /// Over every case of the period.
    pub totals: MeasuresView,
}

fn rate(numerator: i64, denominator: i64) -> Option<f64> {
    // Four decimals: enough for a percentage with two, and stable in CSV.
    (denominator > 0).then(|| (numerator as f64 / denominator as f64 * 10_000.0).round() / 10_000.0)
}

/// Whether `numerator / denominator` reaches `target`, compared without dividing (so 4 of 5
/// meets 0.8 whatever the rounding of 4 / 5 would be).
fn meets(numerator: i64, denominator: i64, target: f64) -> bool {
    denominator > 0 && numerator as f64 >= target * denominator as f64 - 1e-9
}

fn view(measures: &Measures, suppress_below: Option<u64>, target: f64) -> MeasuresView {
    let shown = |count: i64| match suppress_below {
        Some(limit) if u64::try_from(count).unwrap_or(0) < limit => None,
        _ => Some(count),
    };
    let received = shown(measures.received);
    let assigned = shown(measures.assigned);
    let resolved = shown(measures.resolved);
    let introduced = shown(measures.introduced);
    let sla_decided = shown(measures.sla_decided);
    let responses = shown(measures.survey_responses);
    let asked = shown(measures.survey_will_consider_asked);
    // A rate and its verdict, over a shown denominator only.
    let judged = |numerator: i64, denominator: Option<i64>| {
        denominator
            .and_then(|d| rate(numerator, d))
            .map(|r| (r, denominator.is_some_and(|d| meets(numerator, d, target))))
    };
    let response = responses.and(judged(measures.survey_responses, resolved));
    let purpose = judged(measures.survey_purpose_achieved, responses);
    let satisfied = judged(measures.survey_satisfied, responses);
    let consider = judged(measures.survey_will_consider, asked);
    let round = |value: f64| (value * 100.0).round() / 100.0;
    MeasuresView {
        received,
        assigned,
        resolved,
        introduced,
        introduction_rate: introduced.zip(resolved).and_then(|(i, r)| rate(i, r)),
        median_business_days_to_assign: assigned
            .and(measures.median_business_days_to_assign)
            .map(round),
        sla_met_rate: sla_decided.and_then(|decided| rate(measures.sla_met, decided)),
        avg_satisfaction: resolved.and(measures.avg_satisfaction).map(round),
        survey_responses: responses,
        response_rate: response.map(|(r, _)| r),
        response_rate_meets_target: response.map(|(_, m)| m),
        purpose_achieved_rate: purpose.map(|(r, _)| r),
        purpose_achieved_meets_target: purpose.map(|(_, m)| m),
        satisfied_rate: satisfied.map(|(r, _)| r),
        satisfied_meets_target: satisfied.map(|(_, m)| m),
        will_consider_rate: consider.map(|(r, _)| r),
        will_consider_meets_target: consider.map(|(_, m)| m),
    }
}

impl SummaryQuery {
    fn parse(&self) -> Result<(NaiveDate, NaiveDate, GroupBy), ApiError> {
        let mut errors = FieldErrors::new();
        let group_by = errors.check(
            "group_by",
            GroupBy::parse(self.group_by.as_deref().unwrap_or("track")),
        );
        if self.suppress_below == Some(0) {
            errors.add("suppress_below", "must be 1 or more");
        }
        let period = match (self.fiscal_year, self.from, self.to) {
            (Some(year), None, None) => match FiscalYear::new(year) {
                Ok(fiscal_year)
                    if KNOWN_YEARS.contains(&year) && KNOWN_YEARS.contains(&(year + 1)) =>
                {
                    Some((fiscal_year.first_day(), fiscal_year.last_day()))
                }
                _ => {
                    errors.add(
                        "fiscal_year",
                        format!(
                            "must be a fiscal year from {} to {}",
                            KNOWN_YEARS.start(),
                            KNOWN_YEARS.end() - 1
                        ),
                    );
                    None
                }
            },
            (None, Some(from), Some(to)) if from <= to => {
                let from = errors.check("from", check_known_date(from));
                let to = errors.check("to", check_known_date(to));
                from.zip(to)
            }
            (None, Some(_), Some(_)) => {
                errors.add("to", "must not be before from");
                None
            }
            (Some(_), _, _) => {
                errors.add("fiscal_year", "give fiscal_year or from and to, not both");
                None
            }
            (None, _, _) => {
                errors.add("from", "give from and to (dates), or fiscal_year");
                None
            }
        };
        errors.finish()?;
        match (period, group_by) {
            (Some((from, to)), Some(group_by)) => Ok((from, to, group_by)),
            _ => Err(ApiError::Internal(anyhow::anyhow!(
                "parsed fields went missing"
            ))),
        }
    }
}

/// The partners' or managers' ids among a report's group keys, to look their names up.
fn named_ids(keys: &[GroupKey]) -> Vec<Uuid> {
    keys.iter()
        .filter_map(|k| match k {
            GroupKey::Id(id) => Some(*id),
            _ => None,
        })
        .collect()
}

fn labels(
    group_by: GroupBy,
    keys: &[GroupKey],
    names: &[(Uuid, String)],
) -> Result<Vec<String>, ApiError> {
    Ok(keys
        .iter()
        .map(|key| match (group_by, key) {
            (_, GroupKey::Id(id)) => names
                .iter()
                .find(|(candidate, _)| candidate == id)
                .map(|(_, name)| name.clone())
                .unwrap_or_else(|| id.to_string()),
            (GroupBy::Track, GroupKey::Text(code)) => code
                .parse::<Track>()
                .map_or_else(|_| code.clone(), |t| t.label_ja().to_owned()),
            (GroupBy::Prefecture, GroupKey::Text(code)) => {
                Prefecture::parse(code).map_or_else(|_| code.clone(), |p| p.name_ja().to_owned())
            }
            (GroupBy::Industry, GroupKey::Text(code)) => {
                Industry::parse(code).map_or_else(|_| code.clone(), |i| i.label_ja().to_owned())
            }
            (GroupBy::Channel, GroupKey::Text(code)) => channel_label(code),
            (GroupBy::City, GroupKey::Text(key)) => match key.split_once(':') {
                Some((code, city)) => Prefecture::parse(code)
                    .map_or_else(|_| key.clone(), |p| format!("{}{city}", p.name_ja())),
                None => key.clone(),
            },
            (_, GroupKey::Text(text)) => text.clone(),
            (GroupBy::Track, GroupKey::None) => "未振分 (not routed)".to_owned(),
            (GroupBy::Partner, GroupKey::None) => {
                "センター直接受付 (phone, walk-in, web, e-mail)".to_owned()
            }
            (GroupBy::Manager, GroupKey::None) => "未割当 (unassigned)".to_owned(),
            (GroupBy::City, GroupKey::None) => "住所なし (no address)".to_owned(),
            (_, GroupKey::None) => "不明 (unknown)".to_owned(),
        })
        .collect())
}

/// The Japanese name of a channel, with its wire name.
fn channel_label(code: &str) -> String {
    let name = match Channel::parse(code) {
        Ok(Channel::Partner) => "パートナー経由",
        Ok(Channel::Phone) => "電話",
        Ok(Channel::WalkIn) => "窓口",
        Ok(Channel::Web) => "Webフォーム",
        Ok(Channel::Email) => "電子メール",
        Err(_) => return code.to_owned(),
    };
    format!("{name} ({code})")
}

/// Neutralizes a CSV cell that a spreadsheet would run as a formula, and quotes it when it
/// needs quoting (RFC 4180).
pub fn csv_cell(raw: &str) -> String {
    let neutral = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if neutral.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", neutral.replace('"', "\"\""))
    } else {
        neutral
    }
}

fn csv(view: &SummaryView) -> String {
    let number = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    let decimal = |value: Option<f64>| value.map(|v| v.to_string()).unwrap_or_default();
    let verdict = |value: Option<bool>| value.map(|v| v.to_string()).unwrap_or_default();
    let line = |key: &str, label: &str, m: &MeasuresView| {
        [
            csv_cell(key),
            csv_cell(label),
            number(m.received),
            number(m.assigned),
            number(m.resolved),
            number(m.introduced),
            decimal(m.introduction_rate),
            decimal(m.median_business_days_to_assign),
            decimal(m.sla_met_rate),
            decimal(m.avg_satisfaction),
            number(m.survey_responses),
            decimal(m.response_rate),
            verdict(m.response_rate_meets_target),
            decimal(m.purpose_achieved_rate),
            verdict(m.purpose_achieved_meets_target),
            decimal(m.satisfied_rate),
            verdict(m.satisfied_meets_target),
            decimal(m.will_consider_rate),
            verdict(m.will_consider_meets_target),
        ]
        .join(",")
    };
    // The byte-order mark makes Excel in Japan read the file as UTF-8.
    let mut out = String::from("\u{feff}");
    out.push_str(&format!(
        "{},label,received,assigned,resolved,introduced,introduction_rate,\
         median_business_days_to_assign,sla_met_rate,avg_satisfaction,survey_responses,\
         response_rate,response_rate_meets_target,purpose_achieved_rate,\
         purpose_achieved_meets_target,satisfied_rate,satisfied_meets_target,\
         will_consider_rate,will_consider_meets_target\r\n",
        view.group_by
    ));
    for row in &view.rows {
        out.push_str(&line(
            row.key.as_deref().unwrap_or(""),
            &row.label,
            &row.measures,
        ));
        out.push_str("\r\n");
    }
    out.push_str(&line("total", "合計", &view.totals));
    out.push_str("\r\n");
    out
}

/// The summary report (analyst, coordinator, admin; a partner gets the same report over its
/// own cases): cases received in the period (`from`/`to`, or `fiscal_year`) grouped by
/// `group_by`, with `received`, `assigned`, `resolved`, `introduced`, `introduction_rate`,
/// `median_business_days_to_assign`, `sla_met_rate`, `avg_satisfaction`, and the totals.
/// Counted by the database. `Accept: text/csv` gives UTF-8 CSV with a byte-order mark
/// (for Excel), cells that would start a formula neutralized with `'`, and the totals as
/// the last line. `suppress_below=N` blanks counts under N, and the rates and averages
/// built on them, for publication.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(SummaryQuery),
    responses(
        (status = 200,
            description = "The report: JSON by default; with `Accept: text/csv`, the same report as \
                CSV (UTF-8, a header line, one line per group, the totals last)",
            content(
                (SummaryView = "application/json"),
                (String = "text/csv"),
            ),
            headers(("Content-Disposition" = String, description = "With CSV: an attachment file name")),
        ),
    )
)]
#[get("/v1/reports/summary")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn summary(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    query: web::Query<SummaryQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadReports)?;
    let (from, to, group_by) = query.parse()?;
    let target = state.settings.survey.target;
    let request = ReportRequest {
        from,
        to,
        group_by,
        scope: policy::report_scope(client.role, client.scope()),
    };
    let reader = state.lag_tolerant_db(Some(&client)).await?;
    let summary = reports::summary(reader, &request).await?;
    let keys: Vec<GroupKey> = summary.rows.iter().map(|(k, _)| k.clone()).collect();
    let names = reports::group_names(reader, group_by, named_ids(&keys)).await?;
    let names = labels(group_by, &keys, &names)?;
    let view = SummaryView {
        group_by: group_by.as_str().to_owned(),
        from,
        to,
        suppress_below: query.suppress_below,
        survey_target: target,
        rows: summary
            .rows
            .iter()
            .zip(names)
            .map(|((key, measures), label)| SummaryRow {
                key: match key {
                    GroupKey::Text(text) => Some(text.clone()),
                    GroupKey::Id(id) => Some(id.to_string()),
                    GroupKey::None => None,
                },
                label,
                measures: view(measures, query.suppress_below, target),
            })
            .collect(),
        totals: view(&summary.totals, query.suppress_below, target),
    };
    let wants_csv = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(CSV));
    if wants_csv {
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"onestop-summary-{}-{from}-{to}.csv\"",
                    group_by.as_str()
                ),
            ))
            .body(csv(&view)));
    }
    Ok(HttpResponse::Ok().json(view))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_that_would_run_as_formulas_are_neutralized_and_quoted_when_needed() {
        let cases = [
            ("東京都", "東京都"),
            ("=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""),
            ("+81", "'+81"),
            ("-1", "'-1"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("a,b", "\"a,b\""),
            ("", ""),
        ];
        for (raw, cell) in cases {
            assert_eq!(csv_cell(raw), cell, "{raw}");
        }
    }

    #[test]
    fn suppressed_counts_take_the_rates_built_on_them_along() {
        let measures = Measures {
            received: 12,
            assigned: 9,
            resolved: 4,
            introduced: 2,
            sla_decided: 8,
            sla_met: 6,
            median_business_days_to_assign: Some(3.0),
            avg_satisfaction: Some(4.5),
            survey_responses: 5,
            survey_purpose_achieved: 4,
            survey_satisfied: 3,
            survey_will_consider_asked: 4,
            survey_will_consider: 4,
        };
        let open = view(&measures, None, 0.8);
        assert_eq!(open.purpose_achieved_rate, Some(0.8));
        assert_eq!(open.purpose_achieved_meets_target, Some(true));
        assert_eq!(open.satisfied_rate, Some(0.6));
        assert_eq!(open.satisfied_meets_target, Some(false));
        assert_eq!(open.will_consider_meets_target, Some(true));
        assert_eq!(open.introduction_rate, Some(0.5));
        assert_eq!(open.sla_met_rate, Some(0.75));
        let published = view(&measures, Some(5), 0.8);
        assert_eq!(published.survey_responses, Some(5));
        assert_eq!(published.will_consider_rate, None, "4 asked is under 5");
        assert_eq!(published.received, Some(12));
        assert_eq!(published.resolved, None);
        assert_eq!(published.introduced, None);
        assert_eq!(published.introduction_rate, None);
        assert_eq!(published.avg_satisfaction, None);
        assert_eq!(published.median_business_days_to_assign, Some(3.0));
        assert_eq!(published.sla_met_rate, Some(0.75));
    }

    #[test]
    fn the_documented_fiscal_years_are_those_whose_holidays_are_known() {
        let parameters = SummaryQuery::into_params(|| None);
        let fiscal_year = parameters
            .iter()
            .find(|p| p.name == "fiscal_year")
            .and_then(|p| serde_json::to_value(&p.schema).ok())
            .unwrap_or_default();
        assert_eq!(
            fiscal_year["minimum"],
            *KNOWN_YEARS.start(),
            "{fiscal_year}"
        );
        assert_eq!(
            fiscal_year["maximum"],
            KNOWN_YEARS.end() - 1,
            "{fiscal_year}"
        );
        let group_by = parameters
            .iter()
            .find(|p| p.name == "group_by")
            .and_then(|p| serde_json::to_value(&p.schema).ok())
            .unwrap_or_default();
        let choices: Vec<&str> = GroupBy::ALL.iter().map(|g| g.as_str()).collect();
        assert_eq!(group_by["enum"], serde_json::json!(choices), "{group_by}");
    }
}
