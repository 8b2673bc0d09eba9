//! The two kinds of expertise behind the one consultation window.
//!
//! The program is run jointly by 総務省 (ICT) and 厚生労働省 (labor management); every
//! case is answered by one of the two tracks, so the set is closed and an enum fits.

use super::wire::wire_enum;

wire_enum!(
    /// The expert track a case is routed to.
    #[derive(PartialOrd, Ord)]
    #[schema(example = "ict")]
    Track {
        /// Information and communication technology (情報通信技術): remote access, security,
        /// devices, cloud tools, networks, paperless work, IT costs.
        Ict => "ict",
        /// Labor management (労務管理): working hours, work rules, allowances, evaluation,
        /// health and safety, subsidies, employment contracts.
        Labor => "labor",
    }
);

impl Track {
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
            assert!(
                err.contains(&format!("{bad:?}")),
                "error should carry {bad:?}"
            );
            assert!(err.contains("ict, labor"), "message for {bad:?}");
        }
    }

    #[test]
    fn other_swaps_the_tracks() {
        assert_eq!(Track::Ict.other(), Track::Labor);
        assert_eq!(Track::Labor.other(), Track::Ict);
    }
}
