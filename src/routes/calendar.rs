//! `/v1/calendar/business-days`: the center's business-day arithmetic, as the service uses it
//! for service levels, for anyone who needs to tell a company when to expect an answer.
use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::Actor,
    domain::{business_days::ClosedBecause, holidays::check_known_date},
    error::ApiError,
    state::AppState,
};

/// The most business days one question may count (about a year).
pub const MAX_DAYS: u32 = 260;

/// A start day and a number of business days.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BusinessDaysQuery {
    /// The day to count from (it never counts itself).
    pub from: NaiveDate,
    /// Business days to count, 0–260.
    #[param(minimum = 0, maximum = 260)]
    pub days: u32,
}

/// A day the center is closed, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClosedDay {
    /// The day.
    pub date: NaiveDate,
    /// `weekend`, `year_end_closure`, `holiday` or `center_closure`.
    pub reason: &'static str,
    /// The holiday's Japanese name (holidays only).
    pub name_ja: Option<&'static str>,
    /// The holiday's English name (holidays only).
    pub name_en: Option<&'static str>,
}

/// The answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessDaysView {
    /// The start day.
    pub from: NaiveDate,
    /// Business days counted.
    pub days: u32,
    /// The day reached: `days` business days after `from`.
    pub date: NaiveDate,
    /// The days skipped on the way, and why.
    pub skipped: Vec<ClosedDay>,
}

/// Counts business days the way service levels are counted (any role): weekdays, less
/// national holidays (with substitute and citizens' holidays), the 12/29–1/3 year-end
/// closure and the closure days the center configured (`ONESTOP_CLOSURE_DAYS`).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(BusinessDaysQuery),
    responses(
        (status = 200, body = BusinessDaysView),
    )
)]
#[get("/v1/calendar/business-days")]
#[tracing::instrument(skip_all, fields(client = %_client.client_id))]
pub async fn business_days(
    state: web::Data<AppState>,
    _client: Actor,
    query: web::Query<BusinessDaysQuery>,
) -> Result<HttpResponse, ApiError> {
    if query.days > MAX_DAYS {
        return Err(ApiError::invalid_field(
            "days",
            format!("must be from 0 to {MAX_DAYS}"),
        ));
    }
    check_known_date(query.from).map_err(|message| ApiError::invalid_field("from", message))?;
    let calendar = &state.workflow.calendar;
    let date = calendar.add_business_days(query.from, query.days);
    check_known_date(date).map_err(|message| {
        ApiError::invalid_field(
            "days",
            format!("reaches {date}, past the known years: the day reached {message}"),
        )
    })?;
    let skipped = query
        .from
        .iter_days()
        .skip(1)
        .take_while(|day| *day < date)
        .filter_map(|day| {
            calendar.closed_because(day).map(|why| {
                let (reason, holiday) = match why {
                    ClosedBecause::Weekend => ("weekend", None),
                    ClosedBecause::YearEndClosure => ("year_end_closure", None),
                    ClosedBecause::Holiday(holiday) => ("holiday", Some(holiday)),
                    ClosedBecause::CenterClosure => ("center_closure", None),
                };
                ClosedDay {
                    date: day,
                    reason,
                    name_ja: holiday.map(|h| h.name_ja),
                    name_en: holiday.map(|h| h.name_en),
                }
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(BusinessDaysView {
        from: query.from,
        days: query.days,
        date,
        skipped,
    }))
}
