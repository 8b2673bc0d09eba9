//! Service levels of a case, counted in Japanese business days from receipt: first contact
//! within N business days, a manager assigned within M (defaults 2 and 5). The clock pauses
//! while the case is on hold: the due dates move by the business days it spent on hold.
//!
//! A deadline is *met* or *missed* once the thing happened (decided on the day it happened,
//! in Japan time) and *pending* before. A case is *breached* when a deadline was missed, or
//! is pending, running and already past its due date. The first-contact clock runs while the
//! case is open and not on hold; the assignment clock only until a manager is first
//! assigned, and not for cases that were closed or cancelled without one.
use chrono::NaiveDate;

use crate::domain::ticket_status::TicketStatus;

/// The service-level targets, in business days after receipt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLevels {
    /// First contact due this many business days after receipt.
    pub first_contact_days: u32,
    /// A manager assigned this many business days after receipt.
    pub assignment_days: u32,
}

impl Default for ServiceLevels {
    fn default() -> Self {
        Self {
            first_contact_days: 2,
            assignment_days: 5,
        }
    }
}

/// One deadline of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The last day it may be met on.
    pub due: NaiveDate,
    /// `Some(true)` met in time, `Some(false)` met late, `None` not yet.
    pub met: Option<bool>,
}

impl Deadline {
    /// Whether it is missed as of `today`: met late, or still pending with its clock running
    /// and its due date past.
    pub fn breached(&self, running: bool, today: NaiveDate) -> bool {
        match self.met {
            Some(in_time) => !in_time,
            None => running && today > self.due,
        }
    }
}

/// Whether the first-contact clock runs in `status`.
pub const fn first_contact_clock_runs(status: TicketStatus) -> bool {
    matches!(
        status,
        TicketStatus::Received
            | TicketStatus::Triaged
            | TicketStatus::Assigned
            | TicketStatus::InConsultation
    )
}

/// Whether the assignment clock runs in `status` (for a case never assigned).
pub const fn assignment_clock_runs(status: TicketStatus) -> bool {
    matches!(status, TicketStatus::Received | TicketStatus::Triaged)
}

/// Whether a case in `status` with these deadlines is breached as of `today`.
pub fn breached(
    status: TicketStatus,
    first_contact: Deadline,
    assignment: Deadline,
    today: NaiveDate,
) -> bool {
    first_contact.breached(first_contact_clock_runs(status), today)
        || assignment.breached(assignment_clock_runs(status), today)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, d).unwrap()
    }

    #[test]
    fn a_deadline_is_breached_when_missed_or_pending_past_due_with_its_clock_running() {
        let cases = [
            (Some(true), true, day(20), false),
            (Some(false), true, day(1), true),
            (Some(false), false, day(1), true),
            (None, true, day(11), false),
            (None, true, day(12), true),
            (None, false, day(20), false),
        ];
        for (met, running, today, expected) in cases {
            let deadline = Deadline { due: day(11), met };
            assert_eq!(
                deadline.breached(running, today),
                expected,
                "{met:?} running={running} {today}"
            );
        }
    }

    #[test]
    fn clocks_run_only_in_the_statuses_that_wait_for_them() {
        use TicketStatus::*;
        let cases = [
            (Received, true, true),
            (Triaged, true, true),
            (Assigned, true, false),
            (InConsultation, true, false),
            (OnHold, false, false),
            (Resolved, false, false),
            (Closed, false, false),
            (Cancelled, false, false),
        ];
        for (status, contact, assignment) in cases {
            assert_eq!(first_contact_clock_runs(status), contact, "{status}");
            assert_eq!(assignment_clock_runs(status), assignment, "{status}");
        }
    }

    #[test]
    fn a_case_on_hold_does_not_breach_a_pending_deadline_but_keeps_a_missed_one() {
        let pending = Deadline {
            due: day(11),
            met: None,
        };
        let missed = Deadline {
            due: day(11),
            met: Some(false),
        };
        let met = Deadline {
            due: day(11),
            met: Some(true),
        };
        assert!(!breached(TicketStatus::OnHold, pending, pending, day(20)));
        assert!(breached(TicketStatus::OnHold, missed, met, day(20)));
        assert!(breached(TicketStatus::Triaged, met, pending, day(20)));
        assert!(!breached(TicketStatus::Assigned, met, pending, day(20)));
    }
}
