//! Consulting sessions and outcomes: their vocabularies and the rules that need no database.
//!
//! - A session is `scheduled` when booked and ends `held`, `cancelled` or `no_show`; only a
//!   scheduled session can end, and an ended one stays as it ended (a correction is a note).
//! - A manager's calendar is blocked by scheduled and held sessions; a cancelled or missed
//!   one frees the slot.
//! - A company's free sessions are counted the same way: scheduled and held ones use the
//!   entitlement, cancelled and no-show ones do not (the program pays for consulting given).
use chrono::{DateTime, Duration, Utc};

use crate::domain::wire::wire_enum;

/// Shortest session that can be booked, in minutes.
pub const MIN_SESSION_MINUTES: i64 = 15;
/// Longest session that can be booked, in minutes (a working day on site).
pub const MAX_SESSION_MINUTES: i64 = 480;

wire_enum!(
    /// How a session is held.
    SessionMode {
        /// A web meeting.
        Online => "online",
        /// A visit to the company.
        Onsite => "onsite",
    }
);

wire_enum!(
    /// Where a session stands.
    SessionStatus {
        /// Booked, not yet held.
        Scheduled => "scheduled",
        /// Took place.
        Held => "held",
        /// Called off before it took place.
        Cancelled => "cancelled",
        /// The company did not attend.
        NoShow => "no_show",
    }
);

impl SessionStatus {
    /// Whether the session blocks the manager's calendar and uses the company's entitlement.
    pub const fn is_booked(self) -> bool {
        matches!(self, SessionStatus::Scheduled | SessionStatus::Held)
    }

    /// Whether a session in this status may move to `to`.
    pub fn may_become(self, to: SessionStatus) -> bool {
        self == SessionStatus::Scheduled && to != SessionStatus::Scheduled
    }

    /// The statuses a session in this status may move to.
    pub fn next(self) -> Vec<SessionStatus> {
        SessionStatus::ALL
            .iter()
            .copied()
            .filter(|to| self.may_become(*to))
            .collect()
    }
}

wire_enum!(
    /// What came of a case.
    OutcomeResult {
        /// Telework was introduced.
        Introduced => "introduced",
        /// The company plans to introduce it.
        Planned => "planned",
        /// The company decided against it.
        NotIntroduced => "not_introduced",
        /// Handed to another body (e.g. a subsidy office).
        Referred => "referred",
        /// The company withdrew.
        Withdrawn => "withdrawn",
    }
);

wire_enum!(
    /// A measure the company took, as recorded with the outcome.
    Measure {
        /// Work rules (就業規則) revised for telework.
        WorkRulesRevised => "work_rules_revised",
        /// Working hours of teleworkers managed (attendance, 中抜け).
        WorkingHoursManaged => "working_hours_managed",
        /// Evaluation rules revised.
        EvaluationRevised => "evaluation_revised",
        /// A telework allowance introduced.
        AllowanceIntroduced => "allowance_introduced",
        /// Remote access (VPN, remote desktop) deployed.
        RemoteAccessDeployed => "remote_access_deployed",
        /// Cloud and collaboration tools adopted.
        CloudToolsAdopted => "cloud_tools_adopted",
        /// Laptops or other devices provided.
        DevicesProvided => "devices_provided",
        /// A security policy for telework written.
        SecurityPolicy => "security_policy",
        /// Paper and seals (はんこ) replaced by electronic processes.
        Paperless => "paperless",
        /// A subsidy applied for.
        SubsidyApplied => "subsidy_applied",
        /// Staff training held.
        TrainingHeld => "training_held",
        /// Something else (say what in the summary).
        Other => "other",
    }
);

/// Checks a satisfaction score: 1 (dissatisfied) to 5 (very satisfied).
pub fn check_satisfaction(score: i64) -> Result<i16, &'static str> {
    i16::try_from(score)
        .ok()
        .filter(|score| (1..=5).contains(score))
        .ok_or("must be from 1 to 5")
}

/// Checks a session's length and gives its end.
pub fn session_end(
    starts_at: DateTime<Utc>,
    duration_minutes: i64,
) -> Result<DateTime<Utc>, String> {
    if !(MIN_SESSION_MINUTES..=MAX_SESSION_MINUTES).contains(&duration_minutes) {
        return Err(format!(
            "must be from {MIN_SESSION_MINUTES} to {MAX_SESSION_MINUTES} minutes"
        ));
    }
    Ok(starts_at + Duration::minutes(duration_minutes))
}

/// Whether two half-open intervals `[start, end)` share any time; back-to-back sessions do not.
pub fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Free sessions left to a company that has `used` of `limit`.
pub fn free_sessions_remaining(limit: u32, used: u64) -> u32 {
    u32::try_from(u64::from(limit).saturating_sub(used)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, hour, minute, 0).unwrap()
    }

    #[test]
    fn only_scheduled_sessions_end_and_only_once() {
        use SessionStatus::*;
        let cases = [
            (Scheduled, Held, true),
            (Scheduled, Cancelled, true),
            (Scheduled, NoShow, true),
            (Scheduled, Scheduled, false),
            (Held, Cancelled, false),
            (Held, NoShow, false),
            (Cancelled, Held, false),
            (NoShow, Held, false),
            (Cancelled, Scheduled, false),
        ];
        for (from, to, allowed) in cases {
            assert_eq!(from.may_become(to), allowed, "{from:?} -> {to:?}");
        }
        assert_eq!(Scheduled.next(), vec![Held, Cancelled, NoShow]);
        assert!(Held.next().is_empty());
    }

    #[test]
    fn scheduled_and_held_sessions_are_booked_the_others_free_their_slot() {
        let cases = [
            (SessionStatus::Scheduled, true),
            (SessionStatus::Held, true),
            (SessionStatus::Cancelled, false),
            (SessionStatus::NoShow, false),
        ];
        for (status, booked) in cases {
            assert_eq!(status.is_booked(), booked, "{status:?}");
        }
    }

    #[test]
    fn intervals_overlap_only_when_they_share_time() {
        let cases = [
            ((at(9, 0), at(10, 0)), (at(9, 30), at(10, 30)), true),
            ((at(9, 0), at(10, 0)), (at(9, 15), at(9, 45)), true),
            ((at(9, 0), at(10, 0)), (at(8, 0), at(12, 0)), true),
            ((at(9, 0), at(10, 0)), (at(9, 0), at(10, 0)), true),
            ((at(9, 0), at(10, 0)), (at(10, 0), at(11, 0)), false),
            ((at(9, 0), at(10, 0)), (at(8, 0), at(9, 0)), false),
            ((at(9, 0), at(10, 0)), (at(13, 0), at(14, 0)), false),
        ];
        for (a, b, expected) in cases {
            assert_eq!(overlaps(a, b), expected, "{a:?} {b:?}");
            assert_eq!(overlaps(b, a), expected, "symmetric {a:?} {b:?}");
        }
    }

    #[test]
    fn session_lengths_are_bounded() {
        let cases: [(i64, bool); 6] = [
            (14, false),
            (15, true),
            (90, true),
            (480, true),
            (481, false),
            (-30, false),
        ];
        for (minutes, ok) in cases {
            assert_eq!(session_end(at(9, 0), minutes).is_ok(), ok, "{minutes}");
        }
        assert_eq!(session_end(at(9, 0), 90), Ok(at(10, 30)));
    }

    #[test]
    fn satisfaction_is_one_to_five() {
        let cases: [(i64, Option<i16>); 6] = [
            (0, None),
            (1, Some(1)),
            (3, Some(3)),
            (5, Some(5)),
            (6, None),
            (70_000, None),
        ];
        for (score, expected) in cases {
            assert_eq!(check_satisfaction(score).ok(), expected, "{score}");
        }
    }

    #[test]
    fn remaining_free_sessions_never_go_below_zero() {
        let cases: [(u32, u64, u32); 5] = [(3, 0, 3), (3, 2, 1), (3, 3, 0), (3, 5, 0), (0, 0, 0)];
        for (limit, used, remaining) in cases {
            assert_eq!(free_sessions_remaining(limit, used), remaining);
        }
    }

    #[test]
    fn outcome_vocabularies_parse_their_wire_names_only() {
        assert_eq!(
            OutcomeResult::parse("not_introduced"),
            Ok(OutcomeResult::NotIntroduced)
        );
        assert!(OutcomeResult::parse("success").is_err());
        assert_eq!(
            Measure::parse("subsidy_applied"),
            Ok(Measure::SubsidyApplied)
        );
        assert!(
            Measure::parse("vpn")
                .unwrap_err()
                .contains("remote_access_deployed")
        );
        assert_eq!(Measure::ALL.len(), 12);
    }
}
