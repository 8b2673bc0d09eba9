//! The Japanese fiscal year (年度), April to March in Japan time, and the case references
//! numbered within it (`TW-2026-000123`).

use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::business_days::jst_date;

/// The fiscal year (starting year) of an instant, judged by the calendar day in Japan:
/// 2027-03-31T15:00:00Z is already 2027-04-01 in Tokyo, so fiscal 2027.
pub fn fiscal_year_of(at: DateTime<Utc>) -> i32 {
    fiscal_year_of_date(jst_date(at))
}

/// The fiscal year (starting year) of a Japan calendar day.
pub fn fiscal_year_of_date(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// Why a fiscal year or reference could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FiscalYearError {
    /// Not a four-digit year.
    #[error("fiscal year must be a four-digit year such as 2026")]
    NotAYear,
    /// Not shaped like `TW-2026-000123`.
    #[error(
        "reference must look like TW-2026-000123: \"TW-\", a four-digit fiscal year, \"-\" and six digits"
    )]
    MalformedReference,
    /// A sequence number of zero.
    #[error("reference number must be from 000001 to 999999")]
    SequenceOutOfRange,
}

/// A fiscal year, named by the calendar year it starts in: fiscal 2026 runs from
/// 2026-04-01 to 2027-03-31.
///
/// Limited to four-digit years (1000–9999), which references are written with; that also
/// keeps every first and last day inside the calendar.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "i32", into = "i32")]
#[schema(value_type = i32, minimum = 1000, maximum = 9999, example = 2026)]
pub struct FiscalYear(i32);

impl FiscalYear {
    /// The earliest fiscal year.
    pub const MIN: FiscalYear = FiscalYear(1000);
    /// The latest fiscal year.
    pub const MAX: FiscalYear = FiscalYear(9999);

    /// The fiscal year starting in April of `year`.
    pub fn new(year: i32) -> Result<Self, FiscalYearError> {
        if (Self::MIN.0..=Self::MAX.0).contains(&year) {
            Ok(FiscalYear(year))
        } else {
            Err(FiscalYearError::NotAYear)
        }
    }

    /// Parses a four-digit year, e.g. from `?fiscal_year=2026`.
    pub fn parse(input: &str) -> Result<Self, FiscalYearError> {
        let input = input.trim();
        if input.len() != 4 || !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FiscalYearError::NotAYear);
        }
        input
            .parse::<i32>()
            .map_err(|_| FiscalYearError::NotAYear)
            .and_then(Self::new)
    }

    /// The fiscal year a Japan calendar day belongs to; days outside fiscal 1000–9999 are
    /// clamped to the nearest (the service never sees them).
    pub fn of_date(date: NaiveDate) -> Self {
        FiscalYear(fiscal_year_of_date(date).clamp(Self::MIN.0, Self::MAX.0))
    }

    /// The fiscal year an instant falls in, judged in Japan time.
    pub fn of_instant(at: DateTime<Utc>) -> Self {
        Self::of_date(jst_date(at))
    }

    /// The calendar year the fiscal year starts in.
    pub const fn year(self) -> i32 {
        self.0
    }

    /// April 1 of the starting year.
    pub fn first_day(self) -> NaiveDate {
        // Always a valid date for a four-digit year; the fallback is unreachable.
        NaiveDate::from_ymd_opt(self.0, 4, 1).unwrap_or(NaiveDate::MIN)
    }

    /// March 31 of the following year.
    pub fn last_day(self) -> NaiveDate {
        // Always a valid date for a four-digit year; the fallback is unreachable.
        NaiveDate::from_ymd_opt(self.0 + 1, 3, 31).unwrap_or(NaiveDate::MAX)
    }

    /// The first to the last day, both included.
    pub fn range(self) -> RangeInclusive<NaiveDate> {
        self.first_day()..=self.last_day()
    }

    /// Whether a Japan calendar day is in the fiscal year.
    pub fn contains(self, date: NaiveDate) -> bool {
        self.range().contains(&date)
    }
}

impl fmt::Display for FiscalYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for FiscalYear {
    type Err = FiscalYearError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<i32> for FiscalYear {
    type Error = FiscalYearError;

    fn try_from(value: i32) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<FiscalYear> for i32 {
    fn from(fiscal_year: FiscalYear) -> Self {
        fiscal_year.0
    }
}

/// A case reference, `TW-<fiscal year>-<6 digits>`: the n-th case received in a fiscal year.
///
/// Parsing accepts `tw-` in any case (people retype references from e-mails); output is
/// always upper case with the number zero-padded to six digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TicketReference {
    fiscal_year: FiscalYear,
    sequence: u32,
}

impl TicketReference {
    /// The largest sequence number six digits hold.
    pub const MAX_SEQUENCE: u32 = 999_999;

    /// The reference of the `sequence`-th case of a fiscal year (1 to 999,999).
    pub fn new(fiscal_year: FiscalYear, sequence: u32) -> Result<Self, FiscalYearError> {
        if sequence == 0 || sequence > Self::MAX_SEQUENCE {
            return Err(FiscalYearError::SequenceOutOfRange);
        }
        Ok(TicketReference {
            fiscal_year,
            sequence,
        })
    }

    /// Parses `TW-2026-000123`.
    pub fn parse(input: &str) -> Result<Self, FiscalYearError> {
        let input = input.trim();
        let mut parts = input.split('-');
        let (Some(prefix), Some(year), Some(number), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(FiscalYearError::MalformedReference);
        };
        let all_digits =
            |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if !prefix.eq_ignore_ascii_case("TW") || !all_digits(year, 4) || !all_digits(number, 6) {
            return Err(FiscalYearError::MalformedReference);
        }
        let sequence = number
            .parse::<u32>()
            .map_err(|_| FiscalYearError::MalformedReference)?;
        Self::new(FiscalYear::parse(year)?, sequence)
    }

    /// The fiscal year the case was received in.
    pub const fn fiscal_year(self) -> FiscalYear {
        self.fiscal_year
    }

    /// The case's number within its fiscal year, from 1.
    pub const fn sequence(self) -> u32 {
        self.sequence
    }
}

// Written by hand because the derive cannot describe a struct with named fields as a string.
impl utoipa::PartialSchema for TicketReference {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "A case reference, TW-<fiscal year>-<6 digits>: the n-th case received in \
                 that fiscal year.",
            ))
            .pattern(Some("^TW-[0-9]{4}-[0-9]{6}$"))
            .examples([serde_json::json!("TW-2026-000123")])
            .into()
    }
}

impl ToSchema for TicketReference {}

impl fmt::Display for TicketReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TW-{:04}-{:06}", self.fiscal_year.0, self.sequence)
    }
}

impl FromStr for TicketReference {
    type Err = FiscalYearError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for TicketReference {
    type Error = FiscalYearError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<TicketReference> for String {
    fn from(reference: TicketReference) -> Self {
        reference.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn the_fiscal_year_of_an_instant_turns_at_midnight_april_1_in_tokyo() {
        #[rustfmt::skip]
        let cases = [
            ("2026-04-01T00:00:00+09:00", 2026, "the first moment of fiscal 2026"),
            ("2026-03-31T14:59:59Z", 2025, "one second before, in UTC"),
            ("2026-03-31T15:00:00Z", 2026, "already April 1 in Tokyo"),
            ("2026-11-20T01:02:03Z", 2026, "the API example"),
            ("2026-12-31T23:00:00Z", 2026, "January 1 in Tokyo is still fiscal 2026"),
            ("2027-01-15T00:00:00Z", 2026, "January"),
            ("2027-03-31T14:59:59Z", 2026, "the last second of fiscal 2026"),
            ("2027-03-31T15:00:00Z", 2027, "fiscal 2027 begins"),
        ];
        for (instant, expected, reason) in cases {
            let at = utc(instant);
            assert_eq!(fiscal_year_of(at), expected, "{reason}: {instant}");
            assert_eq!(
                FiscalYear::of_instant(at).year(),
                expected,
                "{reason}: {instant}"
            );
        }
    }

    #[test]
    fn the_fiscal_year_of_a_date() {
        #[rustfmt::skip]
        let cases = [
            ("2026-04-01", 2026),
            ("2026-03-31", 2025),
            ("2026-12-31", 2026),
            ("2027-01-01", 2026),
            ("2024-02-29", 2023),
        ];
        for (day, expected) in cases {
            assert_eq!(fiscal_year_of_date(date(day)), expected, "{day}");
        }
    }

    #[test]
    fn a_fiscal_year_runs_from_april_1_to_march_31() {
        let fy = FiscalYear::new(2026).unwrap();
        assert_eq!(fy.first_day(), date("2026-04-01"));
        assert_eq!(fy.last_day(), date("2027-03-31"));
        assert_eq!(fy.range(), date("2026-04-01")..=date("2027-03-31"));
        assert!(fy.contains(date("2027-02-28")));
        assert!(!fy.contains(date("2026-03-31")));
        assert!(!fy.contains(date("2027-04-01")));
        assert_eq!(
            FiscalYear::new(2023).unwrap().last_day(),
            date("2024-03-31")
        );
    }

    #[test]
    fn fiscal_years_parse_from_four_digits() {
        #[rustfmt::skip]
        let cases = [
            ("2026", Ok(2026)),
            (" 2026 ", Ok(2026)),
            ("1000", Ok(1000)),
            ("9999", Ok(9999)),
            ("0999", Err(FiscalYearError::NotAYear)),
            ("26", Err(FiscalYearError::NotAYear)),
            ("20266", Err(FiscalYearError::NotAYear)),
            ("+202", Err(FiscalYearError::NotAYear)),
            ("FY2026", Err(FiscalYearError::NotAYear)),
            ("", Err(FiscalYearError::NotAYear)),
        ];
        for (input, expected) in cases {
            assert_eq!(
                FiscalYear::parse(input).map(FiscalYear::year),
                expected,
                "{input:?}"
            );
        }
        assert_eq!(FiscalYear::new(10_000), Err(FiscalYearError::NotAYear));
        assert_eq!(FiscalYear::of_date(NaiveDate::MAX), FiscalYear::MAX);
        assert_eq!(FiscalYear::of_date(NaiveDate::MIN), FiscalYear::MIN);
    }

    #[test]
    fn references_format_with_padding() {
        #[rustfmt::skip]
        let cases = [
            (2026, 123, "TW-2026-000123"),
            (2026, 1, "TW-2026-000001"),
            (2027, 999_999, "TW-2027-999999"),
        ];
        for (year, sequence, expected) in cases {
            let reference = TicketReference::new(FiscalYear::new(year).unwrap(), sequence).unwrap();
            assert_eq!(reference.to_string(), expected);
            assert_eq!(TicketReference::parse(expected), Ok(reference));
        }
        let fy = FiscalYear::new(2026).unwrap();
        assert_eq!(
            TicketReference::new(fy, 0),
            Err(FiscalYearError::SequenceOutOfRange)
        );
        assert_eq!(
            TicketReference::new(fy, 1_000_000),
            Err(FiscalYearError::SequenceOutOfRange)
        );
    }

    #[test]
    fn references_parse_strictly() {
        use FiscalYearError::*;
        #[rustfmt::skip]
        let cases = [
            ("tw-2026-000123", Ok("TW-2026-000123"), "lower-case prefix"),
            (" TW-2026-000123 ", Ok("TW-2026-000123"), "surrounding whitespace"),
            ("TW-2026-123", Err(MalformedReference), "unpadded number"),
            ("TW-2026-0000123", Err(MalformedReference), "seven digits"),
            ("TW-26-000123", Err(MalformedReference), "two-digit year"),
            ("TX-2026-000123", Err(MalformedReference), "wrong prefix"),
            ("TW2026000123", Err(MalformedReference), "no hyphens"),
            ("TW-2026-000123-1", Err(MalformedReference), "extra part"),
            ("TW-2026-00012a", Err(MalformedReference), "a letter"),
            ("TW-2026-+00012", Err(MalformedReference), "a sign"),
            ("TW-2026-000000", Err(SequenceOutOfRange), "number zero"),
            ("TW-0999-000001", Err(NotAYear), "year before 1000"),
            ("", Err(MalformedReference), "empty"),
        ];
        for (input, expected, reason) in cases {
            let got = TicketReference::parse(input).map(|r| r.to_string());
            assert_eq!(got, expected.map(str::to_owned), "{reason}: {input:?}");
        }
    }

    #[test]
    fn references_serialize_as_strings_and_fiscal_years_as_numbers() {
        let reference = TicketReference::parse("TW-2026-000123").unwrap();
        assert_eq!(
            serde_json::to_string(&reference).unwrap(),
            "\"TW-2026-000123\""
        );
        assert_eq!(
            serde_json::from_str::<TicketReference>("\"TW-2026-000123\"").unwrap(),
            reference
        );
        assert_eq!(reference.fiscal_year().year(), 2026);
        assert_eq!(reference.sequence(), 123);
        assert_eq!(
            serde_json::to_string(&FiscalYear::new(2026).unwrap()).unwrap(),
            "2026"
        );
        assert!(serde_json::from_str::<FiscalYear>("99").is_err());
    }
}
