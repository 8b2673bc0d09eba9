//! Small vocabularies of a ticket (a case): how it reached the center, how consulting should happen,
//! and who may read a comment.

use super::wire::wire_enum;

wire_enum!(
    /// How a case reached the center.
    Channel {
        /// Filed by a partner body's system.
        Partner => "partner",
        /// Taken by phone.
        Phone => "phone",
        /// From the center's web form.
        Web => "web",
        /// By e-mail.
        Email => "email",
        /// At the center's consultation desk (窓口), in person; like the phone, the center is
        /// in contact on receipt.
        WalkIn => "walk_in",
    }
);

wire_enum!(
    /// How the company wants to be consulted.
    PreferredMode {
        /// Online (web meeting) only.
        Online => "online",
        /// A visit on site only.
        Onsite => "onsite",
        /// Either is fine.
        Either => "either",
    }
);

wire_enum!(
    /// Who may read a comment.
    Visibility {
        /// Center staff and managers only.
        Internal => "internal",
        /// Also the partner that filed the case.
        Partner => "partner",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_parse_and_others_are_refused() {
        let cases: [(&str, bool); 8] = [
            ("partner", true),
            ("phone", true),
            ("walk_in", true),
            ("walk-in", false),
            ("email", true),
            ("Phone", false),
            ("fax", false),
            ("", false),
        ];
        for (raw, ok) in cases {
            assert_eq!(Channel::parse(raw).is_ok(), ok, "{raw:?}");
        }
        assert_eq!(PreferredMode::parse("onsite"), Ok(PreferredMode::Onsite));
        assert!(
            Visibility::parse("public")
                .unwrap_err()
                .contains("internal, partner")
        );
    }
}
