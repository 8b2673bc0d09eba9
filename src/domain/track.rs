//! The two kinds of expertise behind the one consultation window.
//!
//! The program is run jointly by 総務省 (ICT) and 厚生労働省 (labor management); every
//! case is answered by one of the two tracks, so the set is closed and an enum fits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The expert track a case is routed to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
#[schema(example = "ict")]
pub enum Track {
    /// Information and communication technology (情報通信技術): remote access, security,
    /// devices, cloud tools, networks, paperless work, IT costs.
    Ict,
    /// Labor management (労務管理): working hours, work rules, allowances, evaluation,
    /// health and safety, subsidies, employment contracts.
    Labor,
}

impl Track {
    /// Both tracks, in a fixed order (used wherever per-track scores are listed).
    pub const ALL: [Track; 2] = [Track::Ict, Track::Labor];

    /// The wire code: `"ict"` or `"labor"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Track::Ict => "ict",
            Track::Labor => "labor",
        }
    }

    /// The other track; a cross-track case needs this one too.
    pub const fn other(self) -> Track {
        match self {
            Track::Ict => Track::Labor,
            Track::Labor => Track::Ict,
        }
    }

    /// Japanese label as shown to coordinators.
    pub const fn label_ja(self) -> &'static str {
        match self {
            Track::Ict => "情報通信技術",
            Track::Labor => "労務管理",
        }
    }
}

impl fmt::Display for Track {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the track codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown track {0:?}: expected \"ict\" or \"labor\"")]
pub struct UnknownTrack(pub String);

impl FromStr for Track {
    type Err = UnknownTrack;

    /// Parses the wire code exactly; no case folding, so stored data has one spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ict" => Ok(Track::Ict),
            "labor" => Ok(Track::Labor),
            other => Err(UnknownTrack(other.to_owned())),
        }
    }
}

impl Track {
    /// Parses a wire code; same as [`str::parse`], named for call sites that read better so.
    pub fn parse(s: &str) -> Result<Self, UnknownTrack> {
        s.parse()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn track_codes_round_trip_through_parse_serde_and_display() {
        for track in Track::ALL {
            assert_eq!(Track::parse(track.as_str()), Ok(track));
            assert_eq!(track.to_string(), track.as_str());
            let json = serde_json::to_string(&track).unwrap();
            assert_eq!(json, format!("\"{}\"", track.as_str()));
            assert_eq!(serde_json::from_str::<Track>(&json).unwrap(), track);
        }
    }

    #[test]
    fn unknown_track_codes_are_rejected_with_the_offending_value() {
        for bad in ["", "ICT", "Labor", "general", "ict ", "labour"] {
            let err = Track::parse(bad).expect_err(bad);
            assert_eq!(err.0, bad, "error should carry {bad:?}");
            assert!(err.to_string().contains("expected"), "message for {bad:?}");
        }
    }

    #[test]
    fn other_swaps_the_tracks() {
        assert_eq!(Track::Ict.other(), Track::Labor);
        assert_eq!(Track::Labor.other(), Track::Ict);
    }
}
