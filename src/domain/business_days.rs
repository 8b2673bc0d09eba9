//! Business days of the consultation center, in Japan time.
//!
//! A business day is a Monday to Friday that is not a national holiday (国民の祝日,
//! 振替休日, 国民の休日; see [`holidays`](super::holidays)), not in the year-end closure
//! from 12/29 to 1/3, and not a closure day the center configures. Service levels are
//! counted in these days.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc, Weekday};

use super::holidays::holidays_in_year;

/// Japan Standard Time, UTC+9 all year (Japan has no daylight saving time). Evaluated at
/// compile time, so the `None` arm could only fail the build, never a request.
const JST: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+9 is a valid offset"),
};

/// The calendar day in Japan at an instant.
pub fn jst_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&JST).date_naive()
}

/// Whether a day falls in the year-end closure, 12/29 to 1/3.
pub fn is_year_end_closure(date: NaiveDate) -> bool {
    matches!((date.month(), date.day()), (12, 29..=31) | (1, 1..=3))
}

/// The center's working calendar: weekdays less holidays, the year-end closure and the
/// closure days it configures.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessCalendar {
    closures: BTreeSet<NaiveDate>,
}

impl BusinessCalendar {
    /// A calendar with these extra closure days (e.g. a system maintenance day).
    pub fn new(closures: impl IntoIterator<Item = NaiveDate>) -> Self {
        BusinessCalendar {
            closures: closures.into_iter().collect(),
        }
    }

    /// The configured closure days.
    pub fn closures(&self) -> &BTreeSet<NaiveDate> {
        &self.closures
    }

    /// Whether the center works on this day.
    pub fn is_business_day(&self, date: NaiveDate) -> bool {
        HolidayCache::default().is_business_day(self, date)
    }

    /// The day `n` business days after `start`: the n-th business day following it, so
    /// `start` itself never counts and may be any day (a case filed on a Saturday with
    /// `n = 1` is due on the first business day after it). `n = 0` gives `start`.
    ///
    /// Saturates at the last date chrono represents instead of overflowing.
    pub fn add_business_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut cache = HolidayCache::default();
        let mut date = start;
        let mut remaining = n;
        while remaining > 0 {
            let Some(next) = date.succ_opt() else {
                return date;
            };
            date = next;
            if cache.is_business_day(self, date) {
                remaining -= 1;
            }
        }
        date
    }

    /// The business days after `a` up to and including `b`; negative when `b` is before
    /// `a`. The inverse of [`add_business_days`](Self::add_business_days): when `b` is a
    /// business day, `add_business_days(a, n) == b` exactly when this returns `n`.
    pub fn business_days_between(&self, a: NaiveDate, b: NaiveDate) -> i64 {
        let (from, to, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut cache = HolidayCache::default();
        let count = from
            .iter_days()
            .skip(1)
            .take_while(|&date| date <= to)
            .filter(|&date| cache.is_business_day(self, date))
            .count();
        sign * i64::try_from(count).unwrap_or(i64::MAX)
    }

    /// Why the center is closed on `date`, or `None` on a business day. A day with several
    /// reasons gives the first of: weekend, year-end closure, national holiday, the center's
    /// own closure.
    pub fn closed_because(&self, date: NaiveDate) -> Option<ClosedBecause> {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            Some(ClosedBecause::Weekend)
        } else if is_year_end_closure(date) {
            Some(ClosedBecause::YearEndClosure)
        } else if let Some(holiday) = super::holidays::holiday_on(date) {
            Some(ClosedBecause::Holiday(holiday))
        } else if self.closures.contains(&date) {
            Some(ClosedBecause::CenterClosure)
        } else {
            None
        }
    }

    /// The first business day on or after `date`.
    pub fn next_business_day_from(&self, date: NaiveDate) -> NaiveDate {
        let mut cache = HolidayCache::default();
        date.iter_days()
            .find(|&d| cache.is_business_day(self, d))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// Why a day is not a business day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClosedBecause {
    /// Saturday or Sunday.
    Weekend,
    /// 12/29 to 1/3.
    YearEndClosure,
    /// A national, substitute or citizens' holiday.
    Holiday(super::holidays::Holiday),
    /// A closure day the center configured.
    CenterClosure,
}

/// Each year's holidays, computed once per call that walks many days.
#[derive(Default)]
struct HolidayCache {
    years: HashMap<i32, BTreeSet<NaiveDate>>,
}

impl HolidayCache {
    fn is_holiday(&mut self, date: NaiveDate) -> bool {
        self.years
            .entry(date.year())
            .or_insert_with(|| {
                holidays_in_year(date.year())
                    .iter()
                    .map(|h| h.date)
                    .collect()
            })
            .contains(&date)
    }

    fn is_business_day(&mut self, calendar: &BusinessCalendar, date: NaiveDate) -> bool {
        !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
            && !is_year_end_closure(date)
            && !calendar.closures.contains(&date)
            && !self.is_holiday(date)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closed_day_says_why() {
        let calendar = BusinessCalendar::new([NaiveDate::from_ymd_opt(2026, 8, 14).unwrap()]);
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
        let reason = |date| match calendar.closed_because(date) {
            None => "open",
            Some(ClosedBecause::Weekend) => "weekend",
            Some(ClosedBecause::YearEndClosure) => "year_end",
            Some(ClosedBecause::Holiday(_)) => "holiday",
            Some(ClosedBecause::CenterClosure) => "center",
        };
        let cases = [
            (day(5, 6), "holiday"),
            (day(5, 9), "weekend"),
            (day(9, 22), "holiday"),
            (day(12, 29), "year_end"),
            (day(8, 14), "center"),
            (day(8, 13), "open"),
        ];
        for (date, expected) in cases {
            assert_eq!(reason(date), expected, "{date}");
            assert_eq!(calendar.is_business_day(date), expected == "open", "{date}");
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn business_days_exclude_weekends_holidays_and_the_year_end() {
        let calendar = BusinessCalendar::default();
        #[rustfmt::skip]
        let cases = [
            ("2026-11-20", true, "an ordinary Friday"),
            ("2026-11-21", false, "Saturday"),
            ("2026-11-22", false, "Sunday"),
            ("2026-11-23", false, "勤労感謝の日 on a Monday"),
            ("2026-11-24", true, "the Tuesday after"),
            ("2026-05-01", true, "the Friday inside Golden Week"),
            ("2026-05-04", false, "みどりの日"),
            ("2026-05-06", false, "振替休日 for 5/3"),
            ("2026-05-07", true, "back to work"),
            ("2026-09-21", false, "敬老の日"),
            ("2026-09-22", false, "国民の休日"),
            ("2026-09-23", false, "秋分の日"),
            ("2026-09-24", true, "after Silver Week"),
            ("2027-03-22", false, "振替休日 for 春分の日 on a Sunday"),
            ("2026-12-28", true, "the last working day of 2026"),
            ("2026-12-29", false, "year-end closure starts"),
            ("2026-12-31", false, "year-end closure"),
            ("2027-01-01", false, "元日"),
            ("2027-01-04", true, "the first working day of 2027"),
            ("2025-12-29", false, "year-end closure on a Monday"),
            ("2026-01-02", false, "year-end closure on a Friday"),
            ("2026-01-05", true, "the first working day of 2026"),
        ];
        for (day, expected, reason) in cases {
            assert_eq!(
                calendar.is_business_day(date(day)),
                expected,
                "{reason}: {day}"
            );
        }
    }

    #[test]
    fn configured_closures_are_not_business_days() {
        let calendar = BusinessCalendar::new([date("2026-11-20")]);
        assert!(!calendar.is_business_day(date("2026-11-20")));
        assert!(calendar.is_business_day(date("2026-11-19")));
        assert_eq!(calendar.closures().len(), 1);
        assert_eq!(
            calendar.add_business_days(date("2026-11-19"), 1),
            date("2026-11-24"),
            "skips the closure, the weekend and 勤労感謝の日"
        );
    }

    #[test]
    fn adding_business_days_skips_every_kind_of_day_off() {
        let calendar = BusinessCalendar::default();
        #[rustfmt::skip]
        let cases = [
            ("2026-11-18", 0, "2026-11-18", "zero days"),
            ("2026-11-21", 0, "2026-11-21", "zero days from a Saturday stays put"),
            ("2026-11-18", 1, "2026-11-19", "Wednesday to Thursday"),
            ("2026-11-19", 2, "2026-11-24", "over a weekend and a Monday holiday"),
            ("2026-11-21", 1, "2026-11-24", "from a Saturday"),
            ("2026-04-28", 1, "2026-04-30", "over 昭和の日"),
            ("2026-04-30", 2, "2026-05-07", "over Golden Week"),
            ("2026-09-18", 1, "2026-09-24", "over Silver Week"),
            ("2026-12-25", 1, "2026-12-28", "to the last day before the closure"),
            ("2026-12-28", 1, "2027-01-04", "over the year-end closure"),
            ("2026-12-24", 5, "2027-01-06", "into the new year"),
            ("2027-03-19", 1, "2027-03-23", "over a substitute holiday"),
            ("2026-11-02", 10, "2026-11-17", "two weeks with 文化の日"),
            ("2026-01-01", 20, "2026-02-02", "a month with 成人の日"),
        ];
        for (start, n, expected, reason) in cases {
            assert_eq!(
                calendar.add_business_days(date(start), n),
                date(expected),
                "{reason}: {start} + {n}"
            );
        }
    }

    #[test]
    fn business_days_between_counts_the_days_after_the_first_up_to_the_second() {
        let calendar = BusinessCalendar::default();
        #[rustfmt::skip]
        let cases = [
            ("2026-11-18", "2026-11-18", 0, "same day"),
            ("2026-11-18", "2026-11-19", 1, "next day"),
            ("2026-11-19", "2026-11-18", -1, "backwards"),
            ("2026-11-20", "2026-11-24", 1, "over a weekend and a holiday"),
            ("2026-11-21", "2026-11-22", 0, "within a weekend"),
            ("2026-04-30", "2026-05-07", 2, "over Golden Week"),
            ("2026-12-28", "2027-01-04", 1, "over the year-end closure"),
            ("2026-04-01", "2027-03-31", 240, "fiscal 2026, less its first day"),
        ];
        for (a, b, expected, reason) in cases {
            assert_eq!(
                calendar.business_days_between(date(a), date(b)),
                expected,
                "{reason}: {a}..{b}"
            );
        }
    }

    #[test]
    fn between_inverts_add_for_business_day_ends() {
        let calendar = BusinessCalendar::default();
        let starts = ["2026-04-28", "2026-09-19", "2026-12-27", "2027-03-19"];
        for start in starts {
            for n in 0..30 {
                let end = calendar.add_business_days(date(start), n);
                assert_eq!(
                    calendar.business_days_between(date(start), end),
                    i64::from(n),
                    "{start} + {n} = {end}"
                );
            }
        }
    }

    #[test]
    fn next_business_day_from_is_the_day_itself_when_it_is_one() {
        let calendar = BusinessCalendar::default();
        #[rustfmt::skip]
        let cases = [
            ("2026-11-20", "2026-11-20"),
            ("2026-11-21", "2026-11-24"),
            ("2026-12-29", "2027-01-04"),
        ];
        for (day, expected) in cases {
            assert_eq!(
                calendar.next_business_day_from(date(day)),
                date(expected),
                "{day}"
            );
        }
    }

    #[test]
    fn adding_saturates_at_the_end_of_the_calendar() {
        let calendar = BusinessCalendar::default();
        assert_eq!(
            calendar.add_business_days(NaiveDate::MAX, 1),
            NaiveDate::MAX
        );
    }

    #[test]
    fn jst_date_is_utc_plus_nine() {
        #[rustfmt::skip]
        let cases = [
            ("2026-11-20T01:02:03Z", "2026-11-20"),
            ("2026-11-20T14:59:59Z", "2026-11-20"),
            ("2026-11-20T15:00:00Z", "2026-11-21"),
            ("2026-03-31T14:59:59Z", "2026-03-31"),
            ("2026-03-31T15:00:00Z", "2026-04-01"),
            ("2026-12-31T15:00:00Z", "2027-01-01"),
        ];
        for (instant, expected) in cases {
            assert_eq!(jst_date(utc(instant)), date(expected), "{instant}");
        }
    }
}
