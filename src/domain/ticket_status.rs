//! A case's status and the one transition table the whole service uses.
//!
//! | action | from | to |
//! |---|---|---|
//! | route | received, triaged | triaged |
//! | assign | triaged | assigned |
//! | release | assigned, in_consultation | triaged |
//! | start_consultation | assigned | in_consultation |
//! | record_outcome | assigned, in_consultation, resolved | resolved |
//! | close | resolved | closed |
//! | cancel | received, triaged, assigned, in_consultation, on_hold | cancelled |
//! | hold | received, triaged, assigned, in_consultation | on_hold |
//! | resume | on_hold | the status it was held from |
//! | reopen | resolved, closed | triaged |
//! | merge | received, triaged, assigned, in_consultation, on_hold | merged |
//!
//! Choices beyond the product diagram, and why:
//! - **Route** is legal from `received` and from `triaged` (a coordinator overriding the
//!   track of a case that still waits for a manager). An assigned case is not re-routed in
//!   place: the manager was chosen for the old track, so the coordinator releases first and
//!   the audit trail shows both steps.
//! - **Assign** only from `triaged`; changing the manager is release then assign, so
//!   capacity is freed and taken in two recorded steps.
//! - **Release** from `assigned` and from `in_consultation` (a manager who falls ill
//!   mid-consultation must be replaceable); both go back to `triaged`.
//! - **Record outcome** also from `assigned`, because "referred" and "withdrawn" outcomes
//!   often come before any session and a fake session would use up the company's free
//!   sessions; and on `resolved` (stays `resolved`), because `PUT .../outcome` replaces the
//!   outcome and a correction should not need a reopen.
//! - **Cancel** also from `on_hold`: a company that went quiet while on hold is the most
//!   common cancellation.
//! - **Resume** returns to the status the case was held from, which the caller stores when
//!   it applies **Hold** (the `from` it passed). Without it, resuming is refused rather
//!   than guessed.
//! - **Reopen** from `resolved` and `closed` to `triaged` (a coordinator looks again and
//!   assigns). `cancelled` is final.
//! - **Merge** folds a duplicate into another case of the same company (a coordinator's
//!   decision, `POST /v1/tickets/{id}/merge`): only a case still being worked can be the
//!   duplicate (a resolved one has its own outcome, a closed or cancelled one is over), and
//!   `merged` is final like `cancelled`: the surviving case carries the work on.

use std::fmt;

use super::wire::wire_enum;

wire_enum!(
    /// The status of a case (ticket).
    #[derive(PartialOrd, Ord)]
    TicketStatus {
        /// Filed; waiting for routing to be confirmed.
        Received => "received",
        /// Routed to a track; waiting for a manager.
        Triaged => "triaged",
        /// A manager is assigned; no session yet.
        Assigned => "assigned",
        /// Consulting sessions have started.
        InConsultation => "in_consultation",
        /// Paused; resumes to the status it was held from.
        OnHold => "on_hold",
        /// An outcome is recorded.
        Resolved => "resolved",
        /// Done; can still be reopened.
        Closed => "closed",
        /// Withdrawn before an outcome; final.
        Cancelled => "cancelled",
        /// A duplicate folded into another case (`merged_into`); final.
        Merged => "merged",
    }
);

impl TicketStatus {
    /// Whether the case still needs work (not resolved, closed, cancelled or merged).
    pub const fn is_open(self) -> bool {
        !matches!(
            self,
            TicketStatus::Resolved
                | TicketStatus::Closed
                | TicketStatus::Cancelled
                | TicketStatus::Merged
        )
    }

    /// Whether a case in this status can be put on hold, and so be resumed to it.
    pub const fn can_be_held(self) -> bool {
        matches!(
            self,
            TicketStatus::Received
                | TicketStatus::Triaged
                | TicketStatus::Assigned
                | TicketStatus::InConsultation
        )
    }
}

wire_enum!(
    /// Something that moves a case from one status to another.
    #[derive(PartialOrd, Ord)]
    Transition {
        /// Routing decided or confirmed (also a coordinator's override while triaged).
        Route => "route",
        /// A manager assigned.
        Assign => "assign",
        /// The manager released.
        Release => "release",
        /// The first consulting session.
        StartConsultation => "start_consultation",
        /// The outcome recorded (or replaced).
        RecordOutcome => "record_outcome",
        /// A resolved case closed.
        Close => "close",
        /// The case withdrawn.
        Cancel => "cancel",
        /// The case paused; the caller stores the current status as the one to resume to.
        Hold => "hold",
        /// A paused case back to the status it was held from.
        Resume => "resume",
        /// A resolved or closed case opened again.
        Reopen => "reopen",
        /// A duplicate folded into another case.
        Merge => "merge",
    }
);

impl Transition {}

/// Where a transition leads from a status, ignoring Resume's dependence on `held_from`
/// (`Some(OnHold)` stands in for "the status it was held from").
const fn table(from: TicketStatus, action: Transition) -> Option<TicketStatus> {
    use TicketStatus::*;
    use Transition::*;
    match (action, from) {
        (Route, Received | Triaged) => Some(Triaged),
        (Assign, Triaged) => Some(Assigned),
        (Release, Assigned | InConsultation) => Some(Triaged),
        (StartConsultation, Assigned) => Some(InConsultation),
        (RecordOutcome, Assigned | InConsultation | Resolved) => Some(Resolved),
        (Close, Resolved) => Some(Closed),
        (Cancel, Received | Triaged | Assigned | InConsultation | OnHold) => Some(Cancelled),
        (Hold, Received | Triaged | Assigned | InConsultation) => Some(OnHold),
        (Resume, OnHold) => Some(OnHold),
        (Reopen, Resolved | Closed) => Some(Triaged),
        (Merge, Received | Triaged | Assigned | InConsultation | OnHold) => Some(Merged),
        _ => None,
    }
}

/// The transitions legal from a status, in [`Transition::ALL`] order.
pub fn allowed_actions(from: TicketStatus) -> Vec<Transition> {
    Transition::ALL
        .into_iter()
        .filter(|&action| table(from, action).is_some())
        .collect()
}

/// The status a case moves to when `action` is applied to it.
///
/// `held_from` is the status the case was in when it was put on hold; only Resume reads it,
/// and it must be a status that [can be held](TicketStatus::can_be_held).
pub fn apply(
    from: TicketStatus,
    action: Transition,
    held_from: Option<TicketStatus>,
) -> Result<TicketStatus, IllegalTransition> {
    let illegal = |held_from_unknown| IllegalTransition {
        from,
        action,
        allowed: allowed_moves(from, held_from),
        held_from_unknown,
    };
    match table(from, action) {
        None => Err(illegal(false)),
        Some(_) if action == Transition::Resume => resume_target(held_from).ok_or(illegal(true)),
        Some(to) => Ok(to),
    }
}

fn resume_target(held_from: Option<TicketStatus>) -> Option<TicketStatus> {
    held_from.filter(|status| status.can_be_held())
}

/// Each legal action from `from` with the status it leads to (Resume only when its target
/// is known).
fn allowed_moves(
    from: TicketStatus,
    held_from: Option<TicketStatus>,
) -> Vec<(Transition, TicketStatus)> {
    allowed_actions(from)
        .into_iter()
        .filter_map(|action| match action {
            Transition::Resume => resume_target(held_from).map(|to| (action, to)),
            _ => table(from, action).map(|to| (action, to)),
        })
        .collect()
}

/// A transition that is not legal from the case's current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IllegalTransition {
    from: TicketStatus,
    action: Transition,
    allowed: Vec<(Transition, TicketStatus)>,
    held_from_unknown: bool,
}

impl IllegalTransition {
    /// The case's current status.
    pub fn from(&self) -> TicketStatus {
        self.from
    }

    /// The transition that was refused.
    pub fn action(&self) -> Transition {
        self.action
    }

    /// The statuses the case can move to from its current one, without repeats.
    pub fn allowed_targets(&self) -> Vec<TicketStatus> {
        let mut targets: Vec<TicketStatus> = Vec::new();
        for &(_, to) in &self.allowed {
            if !targets.contains(&to) {
                targets.push(to);
            }
        }
        targets
    }

    /// The transitions legal from the current status.
    pub fn allowed_actions(&self) -> Vec<Transition> {
        self.allowed.iter().map(|&(action, _)| action).collect()
    }
}

impl std::error::Error for IllegalTransition {}

impl fmt::Display for IllegalTransition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let from = self.from;
        if self.held_from_unknown {
            write!(
                f,
                "resume is not possible: the status the case was put on hold from is not recorded"
            )?;
        } else {
            write!(f, "{} is not allowed while the case is {from}", self.action)?;
        }
        if self.allowed.is_empty() {
            return write!(f, "; {from} is final");
        }
        write!(f, "; from {from} the case can move to: ")?;
        for (i, (action, to)) in self.allowed.iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}{to} ({action})")?;
        }
        Ok(())
    }
}

wire_enum!(
    /// The `to` of `POST /v1/tickets/{id}/transitions`: the moves a client asks for by name
    /// (the others happen through routing, assignment, sessions and outcomes).
    ///
    /// `reopened` means "back to work": from `resolved` or `closed` it reopens the case to
    /// `triaged`; from `on_hold` it resumes the status the case was held from, so clients that
    /// know only the four documented values can still lift a hold. `resumed` says the latter
    /// explicitly.
    #[derive(PartialOrd, Ord)]
    TransitionTarget {
        /// Put the case on hold.
        OnHold => "on_hold",
        /// Close a resolved case.
        Closed => "closed",
        /// Cancel the case.
        Cancelled => "cancelled",
        /// Reopen a resolved or closed case, or lift a hold.
        Reopened => "reopened",
        /// Lift a hold, back to the status the case was held from.
        Resumed => "resumed",
    }
);

impl TransitionTarget {
    /// The transition this target asks for when the case is in `from`.
    pub const fn action(self, from: TicketStatus) -> Transition {
        match self {
            TransitionTarget::OnHold => Transition::Hold,
            TransitionTarget::Closed => Transition::Close,
            TransitionTarget::Cancelled => Transition::Cancel,
            TransitionTarget::Reopened if matches!(from, TicketStatus::OnHold) => {
                Transition::Resume
            }
            TransitionTarget::Reopened => Transition::Reopen,
            TransitionTarget::Resumed => Transition::Resume,
        }
    }

    /// Applies the transition this target asks for (see [`apply`]).
    pub fn apply(
        self,
        from: TicketStatus,
        held_from: Option<TicketStatus>,
    ) -> Result<TicketStatus, IllegalTransition> {
        apply(from, self.action(from), held_from)
    }

    /// The targets a client may ask for from `from`.
    pub fn allowed_from(from: TicketStatus) -> Vec<TransitionTarget> {
        Self::ALL
            .into_iter()
            .filter(|target| table(from, target.action(from)).is_some())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::TicketStatus::*;
    use super::Transition::*;
    use super::*;

    /// Every (status, action) pair and where it leads; `None` is illegal. Resume is tested
    /// separately because its target depends on `held_from`.
    #[rustfmt::skip]
    const EXPECTED: [(TicketStatus, [Option<TicketStatus>; 11]); 9] = [
        //               Route          Assign          Release         StartConsultation     RecordOutcome   Close         Cancel           Hold          Resume Reopen         Merge
        (Received,       [Some(Triaged), None,           None,           None,                 None,           None,         Some(Cancelled), Some(OnHold), None, None,          Some(Merged)]),
        (Triaged,        [Some(Triaged), Some(Assigned), None,           None,                 None,           None,         Some(Cancelled), Some(OnHold), None, None,          Some(Merged)]),
        (Assigned,       [None,          None,           Some(Triaged),  Some(InConsultation), Some(Resolved), None,         Some(Cancelled), Some(OnHold), None, None,          Some(Merged)]),
        (InConsultation, [None,          None,           Some(Triaged),  None,                 Some(Resolved), None,         Some(Cancelled), Some(OnHold), None, None,          Some(Merged)]),
        (OnHold,         [None,          None,           None,           None,                 None,           None,         Some(Cancelled), None,         None, None,          Some(Merged)]),
        (Resolved,       [None,          None,           None,           None,                 Some(Resolved), Some(Closed), None,            None,         None, Some(Triaged), None]),
        (Closed,         [None,          None,           None,           None,                 None,           None,         None,            None,         None, Some(Triaged), None]),
        (Cancelled,      [None,          None,           None,           None,                 None,           None,         None,            None,         None, None,          None]),
        (Merged,         [None,          None,           None,           None,                 None,           None,         None,            None,         None, None,          None]),
    ];

    #[test]
    fn every_status_and_action_pair_follows_the_table() {
        for (from, row) in EXPECTED {
            for (action, expected) in Transition::ALL.into_iter().zip(row) {
                if action == Resume {
                    continue;
                }
                let got = apply(from, action, Some(Assigned)).ok();
                assert_eq!(got, expected, "{action} from {from}");
            }
        }
        assert_eq!(
            EXPECTED.len(),
            TicketStatus::ALL.len(),
            "every status has a row"
        );
    }

    #[test]
    fn resume_goes_back_to_the_status_the_case_was_held_from() {
        #[rustfmt::skip]
        let cases = [
            (OnHold, Some(Received), Some(Received), "held while received"),
            (OnHold, Some(Triaged), Some(Triaged), "held while triaged"),
            (OnHold, Some(Assigned), Some(Assigned), "held while assigned"),
            (OnHold, Some(InConsultation), Some(InConsultation), "held while in consultation"),
            (OnHold, None, None, "held_from not recorded"),
            (OnHold, Some(OnHold), None, "on_hold is never a held_from"),
            (OnHold, Some(Resolved), None, "resolved cases cannot be held"),
            (OnHold, Some(Cancelled), None, "cancelled cases cannot be held"),
            (Assigned, Some(Triaged), None, "only an on-hold case resumes"),
            (Closed, Some(Triaged), None, "only an on-hold case resumes"),
        ];
        for (from, held_from, expected, reason) in cases {
            assert_eq!(apply(from, Resume, held_from).ok(), expected, "{reason}");
        }
    }

    #[test]
    fn a_held_status_resumes_to_itself_for_every_holdable_status() {
        for status in TicketStatus::ALL.into_iter().filter(|s| s.can_be_held()) {
            let held = apply(status, Hold, None).unwrap();
            assert_eq!(held, OnHold);
            assert_eq!(apply(held, Resume, Some(status)), Ok(status));
        }
    }

    #[test]
    fn allowed_actions_list_exactly_the_legal_ones() {
        for (from, row) in EXPECTED {
            let expected: Vec<Transition> = Transition::ALL
                .into_iter()
                .zip(row)
                .filter(|(action, to)| to.is_some() || (*action == Resume && from == OnHold))
                .map(|(action, _)| action)
                .collect();
            assert_eq!(allowed_actions(from), expected, "from {from}");
        }
        assert!(allowed_actions(Cancelled).is_empty(), "cancelled is final");
        assert!(allowed_actions(Merged).is_empty(), "merged is final");
    }

    #[test]
    fn the_error_names_the_current_status_and_where_it_can_go() {
        let err = apply(InConsultation, Assign, None).unwrap_err();
        assert_eq!(err.from(), InConsultation);
        assert_eq!(err.action(), Assign);
        assert_eq!(
            err.allowed_targets(),
            vec![Triaged, Resolved, Cancelled, OnHold, Merged]
        );
        assert_eq!(
            err.to_string(),
            "assign is not allowed while the case is in_consultation; from in_consultation the \
             case can move to: triaged (release), resolved (record_outcome), cancelled (cancel), \
             on_hold (hold), merged (merge)"
        );

        let err = apply(Cancelled, Reopen, None).unwrap_err();
        assert!(err.allowed_targets().is_empty());
        assert_eq!(
            err.to_string(),
            "reopen is not allowed while the case is cancelled; cancelled is final"
        );

        let err = apply(OnHold, Resume, None).unwrap_err();
        assert_eq!(err.allowed_actions(), vec![Cancel, Merge]);
        assert_eq!(
            err.to_string(),
            "resume is not possible: the status the case was put on hold from is not recorded; \
             from on_hold the case can move to: cancelled (cancel), merged (merge)"
        );

        let err = apply(OnHold, Close, Some(Assigned)).unwrap_err();
        assert_eq!(err.allowed_targets(), vec![Cancelled, Assigned, Merged]);
    }

    #[test]
    fn transition_targets_map_to_actions() {
        // (from, to, held_from, result)
        #[rustfmt::skip]
        let cases = [
            (Received, TransitionTarget::OnHold, None, Some(OnHold)),
            (InConsultation, TransitionTarget::OnHold, None, Some(OnHold)),
            (Resolved, TransitionTarget::OnHold, None, None),
            (Resolved, TransitionTarget::Closed, None, Some(Closed)),
            (Assigned, TransitionTarget::Closed, None, None),
            (Triaged, TransitionTarget::Cancelled, None, Some(Cancelled)),
            (OnHold, TransitionTarget::Cancelled, Some(Assigned), Some(Cancelled)),
            (Resolved, TransitionTarget::Cancelled, None, None),
            (Resolved, TransitionTarget::Reopened, None, Some(Triaged)),
            (Closed, TransitionTarget::Reopened, None, Some(Triaged)),
            (OnHold, TransitionTarget::Reopened, Some(Assigned), Some(Assigned)),
            (Cancelled, TransitionTarget::Reopened, None, None),
            (Triaged, TransitionTarget::Reopened, None, None),
            (OnHold, TransitionTarget::Resumed, Some(InConsultation), Some(InConsultation)),
            (Resolved, TransitionTarget::Resumed, None, None),
        ];
        for (from, target, held_from, expected) in cases {
            assert_eq!(
                target.apply(from, held_from).ok(),
                expected,
                "{target} from {from}"
            );
        }
    }

    #[test]
    fn allowed_transition_targets_per_status() {
        use TransitionTarget as T;
        #[rustfmt::skip]
        let cases = [
            (Received, vec![T::OnHold, T::Cancelled]),
            (Triaged, vec![T::OnHold, T::Cancelled]),
            (Assigned, vec![T::OnHold, T::Cancelled]),
            (InConsultation, vec![T::OnHold, T::Cancelled]),
            (OnHold, vec![T::Cancelled, T::Reopened, T::Resumed]),
            (Resolved, vec![T::Closed, T::Reopened]),
            (Closed, vec![T::Reopened]),
            (Cancelled, vec![]),
            (Merged, vec![]),
        ];
        for (from, expected) in cases {
            assert_eq!(
                TransitionTarget::allowed_from(from),
                expected,
                "from {from}"
            );
        }
    }

    #[test]
    fn names_parse_and_serialize_in_snake_case() {
        for status in TicketStatus::ALL {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(TicketStatus::parse(status.as_str()), Ok(status));
        }
        for action in Transition::ALL {
            assert_eq!(
                serde_json::to_string(&action).unwrap(),
                format!("\"{action}\"")
            );
        }
        for target in TransitionTarget::ALL {
            assert_eq!(
                serde_json::to_string(&target).unwrap(),
                format!("\"{target}\"")
            );
        }
        assert!(TicketStatus::parse("InConsultation").is_err());
        assert!(
            TicketStatus::parse("open")
                .unwrap_err()
                .contains("in_consultation")
        );
        assert!(serde_json::from_str::<TransitionTarget>("\"resolved\"").is_err());
    }

    #[test]
    fn only_resolved_closed_cancelled_and_merged_cases_are_not_open() {
        let open: Vec<TicketStatus> = TicketStatus::ALL
            .into_iter()
            .filter(|s| s.is_open())
            .collect();
        assert_eq!(
            open,
            vec![Received, Triaged, Assigned, InConsultation, OnHold]
        );
    }
}
