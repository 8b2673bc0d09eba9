//! Japan's national holidays, computed by the rules of the National Holidays Act
//! (国民の祝日に関する法律).
//!
//! Computed rather than taken from a crate: `jpholiday` 0.2 needs a newer compiler than
//! ours, and 0.1 has no 2021 Olympic dates (it puts 海の日 on 7/19, スポーツの日 on
//! 10/11 and 山の日 on 8/11 that year, and misses 8/9). The rules are few and stable, and
//! the tests hold the Cabinet Office's published lists.
//!
//! What is covered:
//! - the fixed days, and the Monday days (ハッピーマンデー: 成人の日, 海の日, 敬老の日,
//!   スポーツの日) as amended in 2000 and 2003;
//! - 春分の日 and 秋分の日 by the standard approximation
//!   `⌊C + 0.242194 (Y − 1980) − ⌊(Y − 1980) / 4⌋⌋` (C = 20.8431 and 23.2488 for
//!   1980–2099), which matches every date the Cabinet Office has announced; the Office fixes
//!   each year's equinox days only the February before, so later years are projections;
//! - the changes of 2007 (昭和の日, みどりの日 on 5/4, the longer 振替休日 rule), 2016
//!   (山の日), 2019 (the enthronement days; no 天皇誕生日 that year) and 2020–2021 (the
//!   Olympic moves of 海の日, スポーツの日 and 山の日);
//! - 振替休日: a holiday on a Sunday makes the next day that is not a holiday a holiday
//!   (before 2007: the Monday only);
//! - 国民の休日: a day between two national holidays that is not one itself is a holiday.
//!
//! Exact for 2000 onward as far as the Act stands today. Years before 2000 get the same
//! rules (not the historical ones): no case of this service is that old.

use crate::domain::wire::wire_enum;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;
use utoipa::ToSchema;

/// The years whose holidays this module knows: the Monday rules hold from 2000 and the
/// equinox formula's constants up to 2099. Dates outside would be counted by rules that do
/// not apply to them, so every date the API reads (sessions, calendar questions, report
/// periods, list filters) must lie inside; nothing of the program (from fiscal 2022) does
/// not.
pub const KNOWN_YEARS: RangeInclusive<i32> = 2000..=2099;

/// Checks that `date` lies in [`KNOWN_YEARS`]; the message suits a field error.
pub fn check_known_date(date: NaiveDate) -> Result<NaiveDate, String> {
    if KNOWN_YEARS.contains(&date.year()) {
        Ok(date)
    } else {
        Err(format!(
            "must be a date from {}-01-01 to {}-12-31 (the years whose holidays this service \
             knows); got {date}",
            KNOWN_YEARS.start(),
            KNOWN_YEARS.end()
        ))
    }
}

wire_enum!(
    /// What makes a day a holiday.
    HolidayKind {
        /// A national holiday (国民の祝日), or a day a special law made a holiday.
        National => "national",
        /// A substitute holiday (振替休日) for a national holiday on a Sunday.
        Substitute => "substitute",
        /// A citizens' holiday (国民の休日) between two national holidays.
        Citizens => "citizens",
    }
);

/// One holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct Holiday {
    /// The day.
    pub date: NaiveDate,
    /// The Japanese name, e.g. `"憲法記念日"`, `"振替休日"`, `"国民の休日"`.
    #[schema(value_type = String)]
    pub name_ja: &'static str,
    /// The English name, e.g. `"Constitution Memorial Day"`.
    #[schema(value_type = String)]
    pub name_en: &'static str,
    /// What makes the day a holiday.
    pub kind: HolidayKind,
}

/// The holidays of a calendar year, in date order.
pub fn holidays_in_year(year: i32) -> Vec<Holiday> {
    let national = national_holidays(year);
    let is_national = |date: NaiveDate| national.iter().any(|h| h.date == date);
    let mut all = national.clone();

    for holiday in national.iter().filter(|h| h.date.weekday() == Weekday::Sun) {
        let substitute = if year >= 2007 {
            let mut day = holiday.date.succ_opt();
            while let Some(d) = day.filter(|&d| is_national(d)) {
                day = d.succ_opt();
            }
            day
        } else {
            holiday.date.succ_opt().filter(|&d| !is_national(d))
        };
        if let Some(date) = substitute.filter(|&d| all.iter().all(|h| h.date != d)) {
            all.push(Holiday {
                date,
                name_ja: "振替休日",
                name_en: "Substitute Holiday",
                kind: HolidayKind::Substitute,
            });
        }
    }

    for holiday in &national {
        let Some(between) = holiday.date.succ_opt() else {
            continue;
        };
        let sandwiched = between.succ_opt().is_some_and(is_national);
        // Before 2007 the rule skipped Sundays, which were days off anyway.
        let sunday_excluded = year < 2007 && between.weekday() == Weekday::Sun;
        if sandwiched && !sunday_excluded && all.iter().all(|h| h.date != between) {
            all.push(Holiday {
                date: between,
                name_ja: "国民の休日",
                name_en: "Citizens' Holiday",
                kind: HolidayKind::Citizens,
            });
        }
    }

    all.sort_by_key(|h| h.date);
    all
}

/// The holiday on a day, if any.
pub fn holiday_on(date: NaiveDate) -> Option<Holiday> {
    holidays_in_year(date.year())
        .into_iter()
        .find(|h| h.date == date)
}

/// Whether a day is a national holiday, substitute holiday or citizens' holiday.
pub fn is_holiday(date: NaiveDate) -> bool {
    holiday_on(date).is_some()
}

/// The national holidays proper (and the days special laws made holidays, which the Act's
/// substitute and citizens' rules treat the same), in no particular order.
fn national_holidays(year: i32) -> Vec<Holiday> {
    let mut days: Vec<(Option<NaiveDate>, &'static str, &'static str)> = vec![
        (ymd(year, 1, 1), "元日", "New Year's Day"),
        (monday(year, 1, 2), "成人の日", "Coming of Age Day"),
        (ymd(year, 2, 11), "建国記念の日", "National Foundation Day"),
        (
            ymd(year, 3, vernal_equinox_day(year)),
            "春分の日",
            "Vernal Equinox Day",
        ),
        (ymd(year, 5, 3), "憲法記念日", "Constitution Memorial Day"),
        (ymd(year, 5, 5), "こどもの日", "Children's Day"),
        (
            ymd(year, 9, autumnal_equinox_day(year)),
            "秋分の日",
            "Autumnal Equinox Day",
        ),
        (ymd(year, 11, 3), "文化の日", "Culture Day"),
        (ymd(year, 11, 23), "勤労感謝の日", "Labor Thanksgiving Day"),
    ];

    // 天皇誕生日 follows the reigning emperor: Heisei until 2018, none in 2019 (the new
    // emperor's birthday had already passed when he acceded), Reiwa from 2020.
    match year {
        ..=2018 => days.push((ymd(year, 12, 23), "天皇誕生日", "The Emperor's Birthday")),
        2019 => days.extend([
            (
                ymd(2019, 5, 1),
                "天皇の即位の日",
                "Day of the Emperor's Enthronement",
            ),
            (
                ymd(2019, 10, 22),
                "即位礼正殿の儀の行われる日",
                "Enthronement Ceremony Day",
            ),
        ]),
        2020.. => days.push((ymd(year, 2, 23), "天皇誕生日", "The Emperor's Birthday")),
    }

    // 4/29 became 昭和の日 in 2007, and みどりの日 moved to 5/4.
    if year >= 2007 {
        days.push((ymd(year, 4, 29), "昭和の日", "Showa Day"));
        days.push((ymd(year, 5, 4), "みどりの日", "Greenery Day"));
    } else {
        days.push((ymd(year, 4, 29), "みどりの日", "Greenery Day"));
    }

    // The Tokyo Olympics moved three holidays in 2020 and, postponed, again in 2021.
    let (marine, sports, mountain) = match year {
        2020 => (ymd(2020, 7, 23), ymd(2020, 7, 24), ymd(2020, 8, 10)),
        2021 => (ymd(2021, 7, 22), ymd(2021, 7, 23), ymd(2021, 8, 8)),
        _ => (
            if year >= 2003 {
                monday(year, 7, 3)
            } else {
                ymd(year, 7, 20)
            },
            monday(year, 10, 2),
            ymd(year, 8, 11).filter(|_| year >= 2016),
        ),
    };
    days.push((marine, "海の日", "Marine Day"));
    if year >= 2020 {
        days.push((sports, "スポーツの日", "Sports Day"));
    } else {
        days.push((sports, "体育の日", "Health and Sports Day"));
    }
    days.push((mountain, "山の日", "Mountain Day"));
    let respect_for_the_aged = if year >= 2003 {
        monday(year, 9, 3)
    } else {
        ymd(year, 9, 15)
    };
    days.push((respect_for_the_aged, "敬老の日", "Respect for the Aged Day"));

    days.into_iter()
        .filter_map(|(date, name_ja, name_en)| {
            date.map(|date| Holiday {
                date,
                name_ja,
                name_en,
                kind: HolidayKind::National,
            })
        })
        .collect()
}

/// A date, or `None` past the calendar chrono can represent (days are always valid here).
fn ymd(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The `n`-th Monday of a month.
fn monday(year: i32, month: u32, n: u8) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n)
}

/// The day of March of 春分の日.
fn vernal_equinox_day(year: i32) -> u32 {
    equinox_day(year, [20_835_700, 20_843_100, 21_851_000])
}

/// The day of September of 秋分の日.
fn autumnal_equinox_day(year: i32) -> u32 {
    equinox_day(year, [23_258_800, 23_248_800, 24_248_800])
}

/// `⌊C + 0.242194 (Y − 1980) − ⌊(Y − 1980) / 4⌋⌋` in millionths of a day, so the result is
/// exact integer arithmetic rather than floating point. `constants` holds C for 1900–1979,
/// 1980–2099 and 2100–2150; years outside those use the nearest.
fn equinox_day(year: i32, constants: [i64; 3]) -> u32 {
    let constant = match year {
        ..=1979 => constants[0],
        1980..=2099 => constants[1],
        _ => constants[2],
    };
    let y = i64::from(year) - 1980;
    let millionths = constant + 242_194 * y - 1_000_000 * y.div_euclid(4);
    // A day outside 1..=31 (only centuries away) makes ymd() return None, not a wrong date.
    u32::try_from(millionths.div_euclid(1_000_000)).unwrap_or(0)
}

#[cfg(test)]
mod known_years_tests {
    use super::*;

    #[test]
    fn dates_outside_the_known_years_are_refused() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        #[rustfmt::skip]
        let cases = [
            (date(1999, 12, 31), false),
            (date(2000, 1, 1), true),
            (date(2026, 12, 4), true),
            (date(2099, 12, 31), true),
            (date(2100, 1, 1), false),
            (date(9999, 1, 1), false),
        ];
        for (day, known) in cases {
            assert_eq!(check_known_date(day).is_ok(), known, "{day}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The Cabinet Office's lists (内閣府「国民の祝日」について), written out by hand. The
    /// Office names both substitute and citizens' holidays 「休日」; the kind says which.
    const CABINET_OFFICE: &[(&str, &str)] = &[
        // 2024 (令和6年)
        ("2024-01-01", "元日"),
        ("2024-01-08", "成人の日"),
        ("2024-02-11", "建国記念の日"),
        ("2024-02-12", "振替休日"),
        ("2024-02-23", "天皇誕生日"),
        ("2024-03-20", "春分の日"),
        ("2024-04-29", "昭和の日"),
        ("2024-05-03", "憲法記念日"),
        ("2024-05-04", "みどりの日"),
        ("2024-05-05", "こどもの日"),
        ("2024-05-06", "振替休日"),
        ("2024-07-15", "海の日"),
        ("2024-08-11", "山の日"),
        ("2024-08-12", "振替休日"),
        ("2024-09-16", "敬老の日"),
        ("2024-09-22", "秋分の日"),
        ("2024-09-23", "振替休日"),
        ("2024-10-14", "スポーツの日"),
        ("2024-11-03", "文化の日"),
        ("2024-11-04", "振替休日"),
        ("2024-11-23", "勤労感謝の日"),
        // 2025 (令和7年)
        ("2025-01-01", "元日"),
        ("2025-01-13", "成人の日"),
        ("2025-02-11", "建国記念の日"),
        ("2025-02-23", "天皇誕生日"),
        ("2025-02-24", "振替休日"),
        ("2025-03-20", "春分の日"),
        ("2025-04-29", "昭和の日"),
        ("2025-05-03", "憲法記念日"),
        ("2025-05-04", "みどりの日"),
        ("2025-05-05", "こどもの日"),
        ("2025-05-06", "振替休日"),
        ("2025-07-21", "海の日"),
        ("2025-08-11", "山の日"),
        ("2025-09-15", "敬老の日"),
        ("2025-09-23", "秋分の日"),
        ("2025-10-13", "スポーツの日"),
        ("2025-11-03", "文化の日"),
        ("2025-11-23", "勤労感謝の日"),
        ("2025-11-24", "振替休日"),
        // 2026 (令和8年)
        ("2026-01-01", "元日"),
        ("2026-01-12", "成人の日"),
        ("2026-02-11", "建国記念の日"),
        ("2026-02-23", "天皇誕生日"),
        ("2026-03-20", "春分の日"),
        ("2026-04-29", "昭和の日"),
        ("2026-05-03", "憲法記念日"),
        ("2026-05-04", "みどりの日"),
        ("2026-05-05", "こどもの日"),
        ("2026-05-06", "振替休日"),
        ("2026-07-20", "海の日"),
        ("2026-08-11", "山の日"),
        ("2026-09-21", "敬老の日"),
        ("2026-09-22", "国民の休日"),
        ("2026-09-23", "秋分の日"),
        ("2026-10-12", "スポーツの日"),
        ("2026-11-03", "文化の日"),
        ("2026-11-23", "勤労感謝の日"),
        // 2027 (令和9年)
        ("2027-01-01", "元日"),
        ("2027-01-11", "成人の日"),
        ("2027-02-11", "建国記念の日"),
        ("2027-02-23", "天皇誕生日"),
        ("2027-03-21", "春分の日"),
        ("2027-03-22", "振替休日"),
        ("2027-04-29", "昭和の日"),
        ("2027-05-03", "憲法記念日"),
        ("2027-05-04", "みどりの日"),
        ("2027-05-05", "こどもの日"),
        ("2027-07-19", "海の日"),
        ("2027-08-11", "山の日"),
        ("2027-09-20", "敬老の日"),
        ("2027-09-23", "秋分の日"),
        ("2027-10-11", "スポーツの日"),
        ("2027-11-03", "文化の日"),
        ("2027-11-23", "勤労感謝の日"),
    ];

    fn computed(years: std::ops::RangeInclusive<i32>) -> Vec<(String, &'static str)> {
        years
            .flat_map(holidays_in_year)
            .map(|h| (h.date.to_string(), h.name_ja))
            .collect()
    }

    fn published(list: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        list.iter().map(|&(d, n)| (d.to_owned(), n)).collect()
    }

    #[test]
    fn holidays_2024_to_2027_equal_the_cabinet_office_list() {
        assert_eq!(computed(2024..=2027), published(CABINET_OFFICE));
    }

    #[test]
    fn the_olympic_and_enthronement_years_are_right() {
        let expected: &[(&str, &str)] = &[
            // 2019: enthronement; 4/30 and 5/2 are citizens' holidays between national ones.
            ("2019-01-01", "元日"),
            ("2019-01-14", "成人の日"),
            ("2019-02-11", "建国記念の日"),
            ("2019-03-21", "春分の日"),
            ("2019-04-29", "昭和の日"),
            ("2019-04-30", "国民の休日"),
            ("2019-05-01", "天皇の即位の日"),
            ("2019-05-02", "国民の休日"),
            ("2019-05-03", "憲法記念日"),
            ("2019-05-04", "みどりの日"),
            ("2019-05-05", "こどもの日"),
            ("2019-05-06", "振替休日"),
            ("2019-07-15", "海の日"),
            ("2019-08-11", "山の日"),
            ("2019-08-12", "振替休日"),
            ("2019-09-16", "敬老の日"),
            ("2019-09-23", "秋分の日"),
            ("2019-10-14", "体育の日"),
            ("2019-10-22", "即位礼正殿の儀の行われる日"),
            ("2019-11-03", "文化の日"),
            ("2019-11-04", "振替休日"),
            ("2019-11-23", "勤労感謝の日"),
            // 2020: Olympic moves; no holiday in October.
            ("2020-01-01", "元日"),
            ("2020-01-13", "成人の日"),
            ("2020-02-11", "建国記念の日"),
            ("2020-02-23", "天皇誕生日"),
            ("2020-02-24", "振替休日"),
            ("2020-03-20", "春分の日"),
            ("2020-04-29", "昭和の日"),
            ("2020-05-03", "憲法記念日"),
            ("2020-05-04", "みどりの日"),
            ("2020-05-05", "こどもの日"),
            ("2020-05-06", "振替休日"),
            ("2020-07-23", "海の日"),
            ("2020-07-24", "スポーツの日"),
            ("2020-08-10", "山の日"),
            ("2020-09-21", "敬老の日"),
            ("2020-09-22", "秋分の日"),
            ("2020-11-03", "文化の日"),
            ("2020-11-23", "勤労感謝の日"),
            // 2021: moved again; 山の日 on a Sunday gives 8/9.
            ("2021-01-01", "元日"),
            ("2021-01-11", "成人の日"),
            ("2021-02-11", "建国記念の日"),
            ("2021-02-23", "天皇誕生日"),
            ("2021-03-20", "春分の日"),
            ("2021-04-29", "昭和の日"),
            ("2021-05-03", "憲法記念日"),
            ("2021-05-04", "みどりの日"),
            ("2021-05-05", "こどもの日"),
            ("2021-07-22", "海の日"),
            ("2021-07-23", "スポーツの日"),
            ("2021-08-08", "山の日"),
            ("2021-08-09", "振替休日"),
            ("2021-09-20", "敬老の日"),
            ("2021-09-23", "秋分の日"),
            ("2021-11-03", "文化の日"),
            ("2021-11-23", "勤労感謝の日"),
        ];
        assert_eq!(computed(2019..=2021), published(expected));
    }

    #[test]
    fn golden_week_2026_has_a_substitute_after_the_run_of_holidays() {
        // 5/3 is a Sunday; 5/4 and 5/5 are holidays themselves, so the substitute is 5/6.
        assert_eq!(date("2026-05-03").weekday(), Weekday::Sun);
        #[rustfmt::skip]
        let cases = [
            ("2026-04-29", Some(HolidayKind::National)),
            ("2026-04-30", None),
            ("2026-05-01", None),
            ("2026-05-02", None),
            ("2026-05-03", Some(HolidayKind::National)),
            ("2026-05-04", Some(HolidayKind::National)),
            ("2026-05-05", Some(HolidayKind::National)),
            ("2026-05-06", Some(HolidayKind::Substitute)),
            ("2026-05-07", None),
        ];
        for (day, kind) in cases {
            assert_eq!(holiday_on(date(day)).map(|h| h.kind), kind, "{day}");
        }
    }

    #[test]
    fn silver_week_2026_has_a_citizens_holiday_between_two_national_ones() {
        #[rustfmt::skip]
        let cases = [
            ("2026-09-21", Some(("敬老の日", HolidayKind::National))),
            ("2026-09-22", Some(("国民の休日", HolidayKind::Citizens))),
            ("2026-09-23", Some(("秋分の日", HolidayKind::National))),
            ("2026-09-24", None),
        ];
        for (day, expected) in cases {
            let got = holiday_on(date(day)).map(|h| (h.name_ja, h.kind));
            assert_eq!(got, expected, "{day}");
        }
    }

    #[test]
    fn equinox_days_match_the_announced_ones() {
        // (year, 春分, 秋分): the Cabinet Office's announcements.
        #[rustfmt::skip]
        let cases = [
            (2000, 20, 23),
            (2012, 20, 22),
            (2016, 20, 22),
            (2023, 21, 23),
            (2024, 20, 22),
            (2025, 20, 23),
            (2026, 20, 23),
            (2027, 21, 23),
        ];
        for (year, vernal, autumnal) in cases {
            assert_eq!(vernal_equinox_day(year), vernal, "春分の日 {year}");
            assert_eq!(autumnal_equinox_day(year), autumnal, "秋分の日 {year}");
        }
    }

    #[test]
    fn a_sunday_holiday_before_2007_moves_only_to_monday() {
        // 2006-01-01 was a Sunday: 1/2 was the substitute.
        assert_eq!(
            holiday_on(date("2006-01-02")).map(|h| h.kind),
            Some(HolidayKind::Substitute)
        );
        // 2007-04-29 (Sunday) under the new rule: the 30th.
        assert_eq!(
            holiday_on(date("2007-04-30")).map(|h| h.kind),
            Some(HolidayKind::Substitute)
        );
        // 2009-05-03 (Sunday): 5/4 and 5/5 are holidays, so the 6th.
        assert_eq!(
            holiday_on(date("2009-05-06")).map(|h| h.kind),
            Some(HolidayKind::Substitute)
        );
    }

    #[test]
    fn ordinary_days_are_not_holidays() {
        for day in [
            "2026-01-02",
            "2026-01-05",
            "2026-12-28",
            "2027-03-23",
            "2026-02-24",
        ] {
            assert!(!is_holiday(date(day)), "{day}");
        }
        assert!(is_holiday(date("2026-01-01")));
    }

    #[test]
    fn holidays_come_sorted_and_unique_for_many_years() {
        for year in 2000..=2100 {
            let days: Vec<NaiveDate> = holidays_in_year(year).iter().map(|h| h.date).collect();
            let mut sorted = days.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(days, sorted, "{year}");
            assert!(days.iter().all(|d| d.year() == year), "{year}");
            assert!(
                (15..=25).contains(&days.len()),
                "{year} has {} holidays",
                days.len()
            );
        }
    }
}
