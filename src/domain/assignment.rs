//! Which telework managers can take a case, and in what order a coordinator should see them.
//!
//! A manager is eligible when they are active, cover the case's track, have room under their
//! capacity and can reach the company the way it wants to be consulted: on site in its
//! prefecture, online, or either. Every manager who is not eligible is listed with all the
//! reasons at once, so a coordinator fixes the roster in one pass instead of one reason at a
//! time.
//!
//! Eligible managers are ranked by, in turn: how many of the case's topics they cover, how
//! near they are (serving the prefecture on site, then the region, then online only), how
//! loaded they are (active cases over capacity), how long ago they were last assigned (never
//! first), then a hash of the case's and the manager's ids, and finally their id.
//!
//! The hash spreads managers who tie on every rule (a roster of new managers, none ever
//! assigned) differently for each case, where the id alone would send every case to the
//! same manager first and make concurrent assignments queue on that one row. It is fixed
//! for a case, so the same case and roster always give the same order.
//!
//! This module only orders; it does not reserve. Two coordinators can read the same ranking
//! at once, so the capacity check that counts is the database's conditional update when the
//! assignment is written.

use crate::domain::wire::wire_enum;
use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use std::sync::Arc;

use crate::domain::prefecture::Prefecture;
use crate::domain::ticket_fields::PreferredMode;
use crate::domain::topic::Topic;
use crate::domain::track::Track;

/// What the ranking needs to know about a manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagerProfile {
    /// The manager's id.
    pub id: Uuid,
    /// The tracks the manager answers. Shared (`Arc`), like the topics and prefectures: the
    /// roster cache hands a copy of every profile to each ranking, and a copy is then three
    /// reference counts instead of three allocations.
    pub tracks: Arc<[Track]>,
    /// The topics the manager knows well.
    pub topics: Arc<[Topic]>,
    /// The prefectures the manager visits on site; they count only when `onsite` is set.
    pub prefectures: Arc<[Prefecture]>,
    /// Whether the manager consults online.
    pub online: bool,
    /// Whether the manager visits companies on site.
    pub onsite: bool,
    /// The most active cases the manager may hold at once.
    pub capacity: u32,
    /// The cases the manager holds now.
    pub active_cases: u32,
    /// Whether the manager takes cases at all.
    pub active: bool,
    /// When the manager was last given a case; `None` if never.
    pub last_assigned_at: Option<DateTime<Utc>>,
}

/// What the ranking needs to know about a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketNeeds {
    /// The track the case was routed to.
    pub track: Track,
    /// The topics the case was tagged with.
    pub topics: Vec<Topic>,
    /// The company's prefecture.
    pub prefecture: Prefecture,
    /// How the company wants to be consulted.
    pub mode: PreferredMode,
    /// The case's id: it orders managers who tie on every rule, differently per case.
    pub ticket_id: Uuid,
}

wire_enum!(
    /// Why a manager cannot take a case.
    #[derive(PartialOrd, Ord)]
    Ineligibility {
        /// The manager is not active.
        Inactive => "inactive",
        /// The manager does not cover the case's track.
        OffTrack => "off_track",
        /// The manager's active cases have reached their capacity.
        AtCapacity => "at_capacity",
        /// The manager cannot reach the company the way it wants: not on site in its prefecture
        /// when the visit is on site, not online when consulting is online, neither when either
        /// will do.
        CannotServePrefecture => "cannot_serve_prefecture",
    }
);

impl Ineligibility {
    /// A short English explanation, for a coordinator reading why nobody was chosen.
    pub const fn message(self) -> &'static str {
        match self {
            Ineligibility::Inactive => "the manager is not active",
            Ineligibility::OffTrack => "the manager does not cover the case's track",
            Ineligibility::AtCapacity => "the manager has no room under their capacity",
            Ineligibility::CannotServePrefecture => {
                "the manager cannot consult the company the way it wants (on site in its prefecture, or online)"
            }
        }
    }
}

wire_enum!(
    /// How near a manager is to the company, nearest first.
    ///
    /// Only on-site reach counts: a manager who lists prefectures but does not visit is online
    /// only, because nearness matters for the visits they would make.
    #[derive(PartialOrd, Ord)]
    Proximity {
        /// The manager visits the company's prefecture.
        SamePrefecture => "same_prefecture",
        /// The manager visits another prefecture of the company's region.
        SameRegion => "same_region",
        /// The manager visits nowhere in the company's region; they reach it online.
        OnlineOnly => "online_only",
    }
);

/// The parts of a candidate's score, in the order they decide the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "topic_overlap": 2,
    "proximity": "same_region",
    "load_ratio": 0.25,
    "last_assigned_at": "2026-04-01T09:30:00Z"
}))]
pub struct ScoreParts {
    /// How many of the case's topics the manager covers (more ranks higher).
    pub topic_overlap: u32,
    /// How near the manager is to the company (nearer ranks higher).
    pub proximity: Proximity,
    /// Active cases over capacity, 0 to below 1 (lower ranks higher).
    pub load_ratio: f64,
    /// When the manager was last given a case; `null` if never (earlier ranks higher).
    pub last_assigned_at: Option<DateTime<Utc>>,
}

/// A manager who can take the case, with their place in the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[schema(example = json!({
    "manager_id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    "rank": 1,
    "score": {
        "topic_overlap": 2,
        "proximity": "same_prefecture",
        "load_ratio": 0.25,
        "last_assigned_at": null
    }
}))]
pub struct Candidate {
    /// The manager's id.
    pub manager_id: Uuid,
    /// Place in the ranking, 1 for the best.
    pub rank: u32,
    /// What the place was decided on.
    pub score: ScoreParts,
}

/// A manager who cannot take the case, with every reason why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "manager_id": "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
    "reasons": ["off_track", "at_capacity"]
}))]
pub struct IneligibleManager {
    /// The manager's id.
    pub manager_id: Uuid,
    /// Every reason that applies, in a fixed order.
    pub reasons: Vec<Ineligibility>,
}

/// The managers who can take a case, best first, and those who cannot.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Ranking {
    /// Eligible managers, best first.
    pub candidates: Vec<Candidate>,
    /// Managers who cannot take the case, by id.
    pub ineligible: Vec<IneligibleManager>,
}

/// Ranks every manager for a case; the result depends on the set of managers, not their order.
pub fn rank<'a>(
    ticket: &TicketNeeds,
    managers: impl IntoIterator<Item = &'a ManagerProfile>,
) -> Ranking {
    let needs = Needs::of(ticket);
    let mut scored = Vec::new();
    let mut ineligible = Vec::new();
    for manager in managers {
        match needs.assess(manager) {
            Ok(score) => scored.push(score),
            Err(failed) => ineligible.push(IneligibleManager {
                manager_id: manager.id,
                reasons: failed.reasons(),
            }),
        }
    }
    // Stable, as `in_order` is: should two profiles share an id, their input order is the
    // last word, so the same input still gives the same output.
    ineligible.sort_by_key(|manager| manager.manager_id);
    Ranking {
        candidates: in_order(scored),
        ineligible,
    }
}

/// The eligible managers' scores as candidates, best first, ranks counted from 1.
fn in_order(mut scored: Vec<Scored>) -> Vec<Candidate> {
    // A stable sort: should two profiles share an id, their input order is the last word.
    scored.sort_by(Scored::best_first);
    scored
        .iter()
        .enumerate()
        .map(|(index, score)| score.candidate(index + 1))
        .collect()
}

/// The eligible managers for a case, best first: `rank`'s candidates, without listing the
/// others (automatic assignment offers these in turn and has no use for the reasons).
pub fn ranked_candidates<'a>(
    ticket: &TicketNeeds,
    managers: impl IntoIterator<Item = &'a ManagerProfile>,
) -> Vec<Candidate> {
    let needs = Needs::of(ticket);
    in_order(
        managers
            .into_iter()
            .filter_map(|manager| needs.assess(manager).ok())
            .collect(),
    )
}

/// The best manager for a case, the one `rank` would put first; `None` when nobody is eligible.
pub fn best<'a>(
    ticket: &TicketNeeds,
    managers: impl IntoIterator<Item = &'a ManagerProfile>,
) -> Option<Candidate> {
    let needs = Needs::of(ticket);
    // One pass instead of a sort. `min_by` keeps the first of equal minimums, as the stable
    // sort in `rank` does.
    managers
        .into_iter()
        .filter_map(|manager| needs.assess(manager).ok())
        .min_by(Scored::best_first)
        .map(|score| score.candidate(1))
}

/// Whether one manager can take a case: their score if so, every reason if not.
///
/// For a coordinator who names the manager, where only that one needs checking.
pub fn assess(
    ticket: &TicketNeeds,
    manager: &ManagerProfile,
) -> Result<ScoreParts, Vec<Ineligibility>> {
    Needs::of(ticket)
        .assess(manager)
        .map(|score| score.candidate(1).score)
        .map_err(|failed| failed.reasons())
}

/// The case reduced to bit sets once per ranking, so each manager costs a few word operations.
struct Needs {
    track: Track,
    mode: PreferredMode,
    /// The case's share of the tie-break hash.
    spread: u64,
    topics: u64,
    prefecture: u64,
    region: u64,
}

// Topics and prefectures become bits of a u64; both enums must stay within 64 values.
const _: () = assert!(Topic::ALL.len() <= 64 && Prefecture::ALL.len() < 64);

fn topic_bit(topic: Topic) -> u64 {
    // A field-less enum without explicit discriminants numbers its variants 0, 1, 2, ...
    1 << (topic as u64)
}

fn prefecture_bit(prefecture: Prefecture) -> u64 {
    1 << prefecture.number()
}

fn topic_set(topics: &[Topic]) -> u64 {
    // Bits, not a count of matches: a topic listed twice still counts once.
    topics.iter().fold(0, |set, &topic| set | topic_bit(topic))
}

fn prefecture_set(prefectures: impl IntoIterator<Item = Prefecture>) -> u64 {
    prefectures
        .into_iter()
        .fold(0, |set, prefecture| set | prefecture_bit(prefecture))
}

impl Needs {
    fn of(ticket: &TicketNeeds) -> Self {
        Needs {
            track: ticket.track,
            mode: ticket.mode,
            spread: fold(ticket.ticket_id),
            topics: topic_set(&ticket.topics),
            prefecture: prefecture_bit(ticket.prefecture),
            region: prefecture_set(ticket.prefecture.region().prefectures()),
        }
    }

    fn assess(&self, manager: &ManagerProfile) -> Result<Scored, Failed> {
        let visits = if manager.onsite {
            prefecture_set(manager.prefectures.iter().copied())
        } else {
            0
        };
        let visits_here = visits & self.prefecture != 0;
        let reachable = match self.mode {
            PreferredMode::Online => manager.online,
            PreferredMode::Onsite => visits_here,
            PreferredMode::Either => manager.online || visits_here,
        };

        // Every check runs, so the list holds all the reasons, not the first one found.
        let failed = Failed([
            !manager.active,
            !manager.tracks.contains(&self.track),
            manager.active_cases >= manager.capacity,
            !reachable,
        ]);
        if failed.0.contains(&true) {
            return Err(failed);
        }

        // Nearness counts for online cases too: a manager who can also visit keeps that open.
        let proximity = if visits_here {
            Proximity::SamePrefecture
        } else if visits & self.region != 0 {
            Proximity::SameRegion
        } else {
            Proximity::OnlineOnly
        };
        Ok(Scored::new(
            manager,
            (topic_set(&manager.topics) & self.topics).count_ones(),
            proximity,
            mix(self.spread ^ fold(manager.id)),
        ))
    }
}

/// An id's 128 bits folded into 64.
fn fold(id: Uuid) -> u64 {
    let bits = id.as_u128();
    // Truncation keeps the low half; the high half is mixed in by the XOR.
    (bits as u64) ^ ((bits >> 64) as u64)
}

/// SplitMix64's finalizer: every input bit moves about half the output bits, so ids that
/// differ in a few bits (UUIDv7s made in the same millisecond) still order unrelatedly. A
/// fixed function, unlike `std`'s hashers, so the order stays the same across releases.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// `floor(active · 2⁶⁴ / capacity)`: orders loads exactly, where floats would not (two
/// different loads near 1, such as 4294967294/4294967295 and 4294967293/4294967294, round to
/// the same `f64`). Different fractions with denominators below 2³² differ by at least 2⁻⁶⁴,
/// so their keys differ by at least 1; equal fractions (1/2, 2/4) get equal keys. Below 2⁶⁴
/// because active < capacity for an eligible manager; saturated otherwise, never panicking.
fn load_key(active_cases: u32, capacity: u32) -> u128 {
    let scaled = u128::from(active_cases) << 64;
    scaled
        .checked_div(u128::from(capacity))
        .map_or(u128::from(u64::MAX), |key| key.min(u128::from(u64::MAX)))
}

/// Which checks failed, a flag per reason in `Ineligibility::ALL` order.
///
/// Flags rather than a `Vec`, so `best` passes over ineligible managers without allocating.
struct Failed([bool; 4]);

impl Failed {
    fn reasons(&self) -> Vec<Ineligibility> {
        Ineligibility::ALL
            .into_iter()
            .zip(self.0)
            .filter_map(|(reason, failed)| failed.then_some(reason))
            .collect()
    }
}

/// An eligible manager's ranking keys.
struct Scored {
    /// Topic overlap, proximity and load packed into one number, smaller ranking higher, so
    /// most comparisons in the sort are a single integer comparison.
    leading: u128,
    topic_overlap: u32,
    proximity: Proximity,
    active_cases: u32,
    capacity: u32,
    last_assigned_at: Option<DateTime<Utc>>,
    /// The per-case tie-break.
    spread: u64,
    id: Uuid,
}

impl Scored {
    fn new(
        manager: &ManagerProfile,
        topic_overlap: u32,
        proximity: Proximity,
        spread: u64,
    ) -> Self {
        // Bits 96 and up: topics not covered (at most 64, as topics are bits of a u64), so
        // more overlap is smaller. Bits 64-65: proximity, nearest 0. Bits 0-63: the load.
        let uncovered = 64 - u128::from(topic_overlap.min(64));
        let leading = uncovered << 96
            | (proximity as u128) << 64
            | load_key(manager.active_cases, manager.capacity);
        Scored {
            leading,
            topic_overlap,
            proximity,
            active_cases: manager.active_cases,
            capacity: manager.capacity,
            last_assigned_at: manager.last_assigned_at,
            spread,
            id: manager.id,
        }
    }

    /// Lexicographic order of the ranking keys; `Less` means `self` ranks higher.
    fn best_first(&self, other: &Self) -> Ordering {
        self.leading
            .cmp(&other.leading)
            // `None` (never assigned) sorts before any time, and earlier times before later.
            .then(self.last_assigned_at.cmp(&other.last_assigned_at))
            .then(self.spread.cmp(&other.spread))
            .then(self.id.cmp(&other.id))
    }

    fn candidate(&self, place: usize) -> Candidate {
        Candidate {
            manager_id: self.id,
            // More than four billion managers is not a roster this center will have.
            rank: u32::try_from(place).unwrap_or(u32::MAX),
            score: ScoreParts {
                topic_overlap: self.topic_overlap,
                proximity: self.proximity,
                // Eligible means active_cases < capacity, so capacity is never zero here.
                load_ratio: f64::from(self.active_cases) / f64::from(self.capacity),
                last_assigned_at: self.last_assigned_at,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const TOKYO: u8 = 13;
    const KANAGAWA: u8 = 14;
    const SAITAMA: u8 = 11;
    const OSAKA: u8 = 27;
    const FUKUOKA: u8 = 40;

    fn pref(number: u8) -> Prefecture {
        Prefecture::from_number(number).unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 4, day, 9, 0, 0).unwrap()
    }

    /// An eligible all-rounder in Tokyo; tests change only what they are about.
    fn manager(n: u128) -> ManagerProfile {
        ManagerProfile {
            id: id(n),
            tracks: vec![Track::Labor].into(),
            topics: vec![].into(),
            prefectures: vec![pref(TOKYO)].into(),
            online: true,
            onsite: true,
            capacity: 4,
            active_cases: 0,
            active: true,
            last_assigned_at: None,
        }
    }

    fn online_only(n: u128) -> ManagerProfile {
        ManagerProfile {
            onsite: false,
            prefectures: vec![].into(),
            ..manager(n)
        }
    }

    fn onsite_only(n: u128, prefecture: u8) -> ManagerProfile {
        ManagerProfile {
            online: false,
            prefectures: vec![pref(prefecture)].into(),
            ..manager(n)
        }
    }

    fn needs(mode: PreferredMode) -> TicketNeeds {
        TicketNeeds {
            track: Track::Labor,
            topics: vec![Topic::LaborWorkingHours, Topic::LaborWorkRules],
            prefecture: pref(TOKYO),
            mode,
            ticket_id: Uuid::nil(),
        }
    }

    #[test]
    fn managers_who_tie_on_every_rule_are_spread_differently_for_each_case_and_alike_for_one() {
        let roster: Vec<_> = (1..=20).map(manager).collect();
        let first_for = |case_id: u128| {
            let needs = TicketNeeds {
                ticket_id: Uuid::from_u128(case_id),
                ..needs(PreferredMode::Either)
            };
            rank(&needs, &roster).candidates[0].manager_id
        };
        let firsts: std::collections::HashSet<_> = (0..200u128)
            .map(|n| first_for((0x0190_a1b2_c3d4_7e5f << 64) + n))
            .collect();
        assert!(
            firsts.len() >= 15,
            "200 cases should start at most of 20 equal managers, started at {}",
            firsts.len()
        );
        assert_eq!(
            first_for(7),
            first_for(7),
            "one case always gives one order"
        );
        let case = TicketNeeds {
            ticket_id: Uuid::from_u128(7),
            ..needs(PreferredMode::Either)
        };
        assert_eq!(
            best(&case, &roster).map(|c| c.manager_id),
            Some(first_for(7)),
            "best picks the first of rank's order"
        );
    }

    fn ids(ranking: &Ranking) -> Vec<Uuid> {
        ranking.candidates.iter().map(|c| c.manager_id).collect()
    }

    #[test]
    fn every_reason_a_manager_cannot_take_the_case_is_listed() {
        use Ineligibility::*;
        #[rustfmt::skip]
        let cases: Vec<(&str, PreferredMode, ManagerProfile, Vec<Ineligibility>)> = vec![
            ("inactive", PreferredMode::Either,
                ManagerProfile { active: false, ..manager(1) }, vec![Inactive]),
            ("answers the other track only", PreferredMode::Either,
                ManagerProfile { tracks: vec![Track::Ict].into(), ..manager(1) }, vec![OffTrack]),
            ("answers no track", PreferredMode::Either,
                ManagerProfile { tracks: vec![].into(), ..manager(1) }, vec![OffTrack]),
            ("active cases equal capacity", PreferredMode::Either,
                ManagerProfile { active_cases: 4, capacity: 4, ..manager(1) }, vec![AtCapacity]),
            ("over capacity after the capacity was lowered", PreferredMode::Either,
                ManagerProfile { active_cases: 5, capacity: 3, ..manager(1) }, vec![AtCapacity]),
            ("zero capacity", PreferredMode::Either,
                ManagerProfile { active_cases: 0, capacity: 0, ..manager(1) }, vec![AtCapacity]),
            ("visits another prefecture and the visit must be on site", PreferredMode::Onsite,
                ManagerProfile { prefectures: vec![pref(KANAGAWA)].into(), ..manager(1) },
                vec![CannotServePrefecture]),
            ("not on site in the prefecture and not online", PreferredMode::Either,
                onsite_only(1, OSAKA), vec![CannotServePrefecture]),
            ("off track and full", PreferredMode::Either,
                ManagerProfile { tracks: vec![Track::Ict].into(), active_cases: 4, ..manager(1) },
                vec![OffTrack, AtCapacity]),
            ("every reason at once", PreferredMode::Onsite,
                ManagerProfile {
                    active: false, tracks: vec![Track::Ict].into(), active_cases: 9, capacity: 2,
                    prefectures: vec![pref(FUKUOKA)].into(), ..manager(1)
                },
                vec![Inactive, OffTrack, AtCapacity, CannotServePrefecture]),
        ];
        for (why, mode, manager, expected) in cases {
            let ranking = rank(&needs(mode), std::slice::from_ref(&manager));
            assert!(
                ranking.candidates.is_empty(),
                "{why}: the manager should not be a candidate"
            );
            assert_eq!(
                ranking.ineligible,
                vec![IneligibleManager {
                    manager_id: manager.id,
                    reasons: expected.clone()
                }],
                "{why}: the reasons should be {expected:?}"
            );
            assert_eq!(
                assess(&needs(mode), &manager),
                Err(expected),
                "{why}: assess should agree with rank"
            );
        }
    }

    #[test]
    fn the_preferred_mode_decides_who_can_reach_the_company() {
        // Columns: may take an online case, an on-site case, an either case.
        #[rustfmt::skip]
        let cases: Vec<(&str, ManagerProfile, [bool; 3])> = vec![
            ("who is online only", online_only(1), [true, false, true]),
            ("who visits only, in the company's prefecture", onsite_only(1, TOKYO),
                [false, true, true]),
            ("who visits only, in a neighbouring prefecture", onsite_only(1, KANAGAWA),
                [false, false, false]),
            ("who does both, in the company's prefecture", manager(1), [true, true, true]),
            ("who does both, far away", ManagerProfile { prefectures: vec![pref(FUKUOKA)].into(), ..manager(1) },
                [true, false, true]),
            ("listing the prefecture without visiting and not online",
                ManagerProfile { onsite: false, online: false, ..manager(1) },
                [false, false, false]),
        ];
        let modes = [
            PreferredMode::Online,
            PreferredMode::Onsite,
            PreferredMode::Either,
        ];
        for (who, manager, expectations) in cases {
            for (mode, eligible) in modes.into_iter().zip(expectations) {
                let ranking = rank(&needs(mode), std::slice::from_ref(&manager));
                let verdict = if eligible { "should" } else { "should not" };
                assert_eq!(
                    ranking.candidates.len() == 1,
                    eligible,
                    "a manager {who} {verdict} take a {mode:?} case"
                );
                if !eligible {
                    assert_eq!(
                        ranking.ineligible[0].reasons,
                        vec![Ineligibility::CannotServePrefecture],
                        "a manager {who} fails a {mode:?} case on reach alone"
                    );
                }
            }
        }
    }

    #[test]
    fn ranked_candidates_are_the_candidates_of_the_full_ranking() {
        // A fixed generator, so a failure names a roster that can be rebuilt.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |below: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            usize::try_from((state >> 33) % below).unwrap()
        };
        let topics = [Topic::LaborWorkingHours, Topic::LaborWorkRules];
        let places = [TOKYO, KANAGAWA, SAITAMA, OSAKA, FUKUOKA];
        for round in 0..100 {
            let roster: Vec<ManagerProfile> = (1..=40)
                .map(|n| ManagerProfile {
                    topics: topics[..next(3)].to_vec().into(),
                    prefectures: vec![pref(places[next(5)])].into(),
                    online: next(4) != 0,
                    onsite: next(2) == 0,
                    capacity: u32::try_from(next(4)).unwrap() + 1,
                    active_cases: u32::try_from(next(5)).unwrap(),
                    last_assigned_at: (next(3) != 0)
                        .then(|| at(u32::try_from(next(3)).unwrap() + 1)),
                    ..manager(n)
                })
                .collect();
            let mode = [
                PreferredMode::Online,
                PreferredMode::Onsite,
                PreferredMode::Either,
            ][round % 3];
            assert_eq!(
                ranked_candidates(&needs(mode), &roster),
                rank(&needs(mode), &roster).candidates,
                "round {round}"
            );
        }
    }

    #[test]
    fn each_ranking_key_decides_when_the_earlier_keys_tie() {
        #[rustfmt::skip]
        let cases: Vec<(&str, PreferredMode, ManagerProfile, ManagerProfile)> = vec![
            ("more topic overlap beats being in the same prefecture", PreferredMode::Either,
                ManagerProfile { topics: vec![Topic::LaborWorkingHours, Topic::LaborWorkRules].into(),
                    ..online_only(9) },
                ManagerProfile { topics: vec![Topic::LaborWorkingHours].into(), ..manager(1) }),
            ("topics outside the case do not count as overlap", PreferredMode::Either,
                ManagerProfile { topics: vec![Topic::LaborWorkingHours].into(), ..online_only(9) },
                ManagerProfile { topics: vec![Topic::IctSecurity, Topic::IctNetwork].into(),
                    ..online_only(1) }),
            ("same prefecture beats same region", PreferredMode::Either,
                ManagerProfile { prefectures: vec![pref(TOKYO)].into(), ..manager(9) },
                ManagerProfile { prefectures: vec![pref(KANAGAWA)].into(), ..manager(1) }),
            ("same region beats online only", PreferredMode::Either,
                ManagerProfile { prefectures: vec![pref(SAITAMA)].into(), ..manager(9) },
                online_only(1)),
            ("same region beats visiting another region", PreferredMode::Online,
                ManagerProfile { prefectures: vec![pref(SAITAMA)].into(), ..manager(9) },
                ManagerProfile { prefectures: vec![pref(OSAKA)].into(), ..manager(1) }),
            ("same prefecture beats online only for an online case", PreferredMode::Online,
                manager(9), online_only(1)),
            ("proximity beats a lower load", PreferredMode::Either,
                ManagerProfile { active_cases: 3, ..manager(9) },
                ManagerProfile { active_cases: 0, ..online_only(1) }),
            ("a lower load ratio wins, whatever the capacities", PreferredMode::Either,
                ManagerProfile { active_cases: 2, capacity: 10, ..manager(9) },
                ManagerProfile { active_cases: 1, capacity: 4, ..manager(1) }),
            ("a lower load beats being assigned less recently", PreferredMode::Either,
                ManagerProfile { active_cases: 1, last_assigned_at: Some(at(20)), ..manager(9) },
                ManagerProfile { active_cases: 2, last_assigned_at: None, ..manager(1) }),
            ("equal load ratios (1/2, 2/4) leave it to who was assigned least recently",
                PreferredMode::Either,
                ManagerProfile { active_cases: 2, capacity: 4, last_assigned_at: Some(at(1)),
                    ..manager(9) },
                ManagerProfile { active_cases: 1, capacity: 2, last_assigned_at: Some(at(2)),
                    ..manager(1) }),
            ("loads too close for a float still rank apart", PreferredMode::Either,
                ManagerProfile { active_cases: 4_294_967_293, capacity: 4_294_967_294,
                    last_assigned_at: Some(at(2)), ..manager(9) },
                ManagerProfile { active_cases: 4_294_967_294, capacity: 4_294_967_295,
                    last_assigned_at: Some(at(1)), ..manager(1) }),
            ("the one assigned least recently wins", PreferredMode::Either,
                ManagerProfile { last_assigned_at: Some(at(1)), ..manager(9) },
                ManagerProfile { last_assigned_at: Some(at(15)), ..manager(1) }),
            ("never assigned comes before any assignment", PreferredMode::Either,
                ManagerProfile { last_assigned_at: None, ..manager(9) },
                ManagerProfile { last_assigned_at: Some(at(1)), ..manager(1) }),
        ];
        for (why, mode, better, worse) in cases {
            let (better_id, worse_id) = (better.id, worse.id);
            for managers in [[better.clone(), worse.clone()], [worse, better]] {
                let ranking = rank(&needs(mode), &managers);
                assert!(
                    ranking.ineligible.is_empty(),
                    "{why}: both managers should be eligible, got {:?}",
                    ranking.ineligible
                );
                assert_eq!(ids(&ranking), vec![better_id, worse_id], "{why}");
                assert_eq!(
                    best(&needs(mode), &managers).map(|c| c.manager_id),
                    Some(better_id),
                    "{why}: best should pick the same manager as rank"
                );
            }
        }
    }

    #[test]
    fn a_manager_is_in_a_region_when_any_prefecture_they_visit_is_in_it() {
        let visits_osaka_and_saitama = ManagerProfile {
            prefectures: vec![pref(OSAKA), pref(SAITAMA)].into(),
            ..manager(1)
        };
        let score = assess(&needs(PreferredMode::Either), &visits_osaka_and_saitama);
        assert_eq!(
            score.map(|s| s.proximity),
            Ok(Proximity::SameRegion),
            "Saitama is in Kanto with Tokyo, so the Osaka entry should not hide it"
        );
    }

    #[test]
    fn score_parts_report_what_decided_the_place() {
        let managers = [
            ManagerProfile {
                topics: vec![
                    Topic::LaborWorkingHours,
                    Topic::LaborWorkingHours,
                    Topic::LaborWorkRules,
                    Topic::IctSecurity,
                ]
                .into(),
                prefectures: vec![pref(KANAGAWA)].into(),
                active_cases: 1,
                capacity: 4,
                last_assigned_at: Some(at(3)),
                ..manager(1)
            },
            ManagerProfile {
                active_cases: 2,
                capacity: 3,
                ..online_only(2)
            },
        ];
        let ranking = rank(&needs(PreferredMode::Either), &managers);
        assert_eq!(
            ranking.candidates,
            vec![
                Candidate {
                    manager_id: id(1),
                    rank: 1,
                    score: ScoreParts {
                        topic_overlap: 2,
                        proximity: Proximity::SameRegion,
                        load_ratio: 0.25,
                        last_assigned_at: Some(at(3)),
                    },
                },
                Candidate {
                    manager_id: id(2),
                    rank: 2,
                    score: ScoreParts {
                        topic_overlap: 0,
                        proximity: Proximity::OnlineOnly,
                        load_ratio: 2.0 / 3.0,
                        last_assigned_at: None,
                    },
                },
            ],
            "a topic listed twice counts once, and off-case topics not at all"
        );
    }

    /// Forty managers covering every combination the rules look at.
    fn roster() -> Vec<ManagerProfile> {
        let places = [TOKYO, KANAGAWA, OSAKA, FUKUOKA];
        (0..40u32)
            .map(|i| {
                let n = u128::from(i);
                ManagerProfile {
                    // Ids deliberately out of input order, to show the sort uses them.
                    id: id(1000 - n * 7 % 41),
                    tracks: if i % 5 == 0 {
                        vec![Track::Ict].into()
                    } else {
                        vec![Track::Labor, Track::Ict].into()
                    },
                    topics: Topic::ALL
                        .into_iter()
                        .skip(i as usize % 9)
                        .step_by(3)
                        .collect(),
                    prefectures: vec![pref(places[i as usize % 4])].into(),
                    online: i % 3 != 0,
                    onsite: i % 4 != 1,
                    capacity: 1 + i % 6,
                    active_cases: i % 4,
                    active: i % 11 != 0,
                    last_assigned_at: (i % 3 != 2).then(|| at(1 + i % 7)),
                }
            })
            .collect()
    }

    #[test]
    fn ranking_does_not_depend_on_the_order_managers_are_given() {
        let roster = roster();
        let needs = needs(PreferredMode::Either);
        let expected = rank(&needs, &roster);
        assert!(
            expected.candidates.len() >= 5 && expected.ineligible.len() >= 5,
            "the roster should exercise both lists"
        );
        let mut reversed = roster.clone();
        reversed.reverse();
        let mut rotated = roster.clone();
        rotated.rotate_left(17);
        for (order, managers) in [
            ("same", &roster),
            ("reversed", &reversed),
            ("rotated", &rotated),
        ] {
            assert_eq!(
                rank(&needs, managers),
                expected,
                "{order} input order should give the same ranking"
            );
        }
        assert_eq!(
            best(&needs, &reversed).as_ref(),
            expected.candidates.first(),
            "best should be the first candidate"
        );
    }

    #[test]
    fn every_manager_is_either_a_candidate_or_ineligible_and_ranks_count_from_one() {
        let roster = roster();
        for mode in PreferredMode::ALL.iter().copied() {
            let ranking = rank(&needs(mode), &roster);
            assert_eq!(
                ranking.candidates.len() + ranking.ineligible.len(),
                roster.len(),
                "{mode:?}: nobody should be lost or counted twice"
            );
            let ranks: Vec<u32> = ranking.candidates.iter().map(|c| c.rank).collect();
            let expected: Vec<u32> = (1..=ranks.len() as u32).collect();
            assert_eq!(ranks, expected, "{mode:?}: ranks should be 1, 2, 3, ...");
            assert!(
                ranking
                    .ineligible
                    .windows(2)
                    .all(|pair| pair[0].manager_id < pair[1].manager_id),
                "{mode:?}: ineligible managers should be listed by id"
            );
        }
    }

    #[test]
    fn best_is_none_when_nobody_is_eligible() {
        let managers = [
            ManagerProfile {
                active: false,
                ..manager(1)
            },
            onsite_only(2, OSAKA),
        ];
        assert_eq!(
            best(&needs(PreferredMode::Onsite), &managers),
            None,
            "an inactive manager and one in Osaka cannot visit Tokyo"
        );
        assert_eq!(
            best(&needs(PreferredMode::Either), &[]),
            None,
            "an empty roster has no best"
        );
    }

    #[test]
    fn reasons_and_proximity_serialize_in_snake_case() {
        let ranking = rank(
            &needs(PreferredMode::Onsite),
            &[
                manager(1),
                ManagerProfile {
                    active: false,
                    tracks: vec![Track::Ict].into(),
                    active_cases: 4,
                    prefectures: vec![].into(),
                    ..manager(2)
                },
            ],
        );
        let json = serde_json::to_value(&ranking).unwrap();
        assert_eq!(
            json["candidates"][0]["score"]["proximity"], "same_prefecture",
            "proximity is a wire name"
        );
        assert_eq!(
            json["candidates"][0]["score"]["last_assigned_at"],
            serde_json::Value::Null,
            "never assigned is null"
        );
        assert_eq!(
            json["ineligible"][0]["reasons"],
            serde_json::json!([
                "inactive",
                "off_track",
                "at_capacity",
                "cannot_serve_prefecture"
            ]),
            "reasons are wire names in a fixed order"
        );
        let online = serde_json::to_value(Proximity::OnlineOnly).unwrap();
        assert_eq!(online, "online_only");
    }

    #[test]
    fn the_openapi_schemas_name_the_wire_values_and_carry_an_example() {
        use utoipa::PartialSchema;
        let schema = |value| serde_json::to_value(value).unwrap();
        let reasons = schema(Ineligibility::schema());
        assert_eq!(
            reasons["enum"],
            serde_json::json!([
                "inactive",
                "off_track",
                "at_capacity",
                "cannot_serve_prefecture"
            ]),
            "clients should see the reasons they will receive"
        );
        let proximity = schema(Proximity::schema());
        assert_eq!(
            proximity["enum"],
            serde_json::json!(["same_prefecture", "same_region", "online_only"]),
            "clients should see the proximities they will receive"
        );
        let candidate = schema(Candidate::schema());
        assert_eq!(
            candidate["example"]["score"]["proximity"], "same_prefecture",
            "the candidate example should use wire values"
        );
        assert!(
            candidate["properties"]["rank"]["description"].is_string(),
            "field docs should reach the schema: {candidate}"
        );
    }
}
