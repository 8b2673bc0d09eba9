//! The one way a closed vocabulary is declared: every enum that travels as a snake_case name
//! (in JSON, query strings, headers or a text column) comes from [`wire_enum!`], so its wire
//! name, `serde` name, OpenAPI name, `Display` and parser cannot drift apart.
//!
//! Written by hand rather than with `strum`: the macro is twenty lines, and it also names the
//! accepted values in the parse error, which the API's 422 messages rely on.

/// Declares `enum $name` with a wire name per variant and derives everything a wire enum
/// needs: `serde` (each variant renamed to its wire name), `utoipa::ToSchema`, `Display`,
/// `FromStr`, `ALL` (every value, in declaration order), `as_str` and `parse`.
///
/// Attributes given before the name (docs, extra derives such as `PartialOrd, Ord`, or a
/// `#[schema(...)]` example) are kept.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $wire:literal),+ $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        // utoipa reads only the enum's `rename_all` for the schema's values, serde the
        // variant's `rename` (which wins over `rename_all`): wire names are the variants'
        // snake_case, so both say the same, and `as_str` is the one serde obeys.
        #[serde(rename_all = "snake_case")]
        $(#[$meta])*
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$(stringify!($variant)),+].len()] = [$($name::$variant),+];

            /// The wire name.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }

            /// Parses a wire name exactly (no case folding, so stored data has one spelling),
            /// naming the accepted ones when it fails.
            pub fn parse(raw: &str) -> Result<Self, String> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|value| value.as_str() == raw)
                    .ok_or_else(|| {
                        let names: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                        format!("must be one of {} (got {raw:?})", names.join(", "))
                    })
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                Self::parse(raw)
            }
        }
    };
}
pub(crate) use wire_enum;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    wire_enum!(
        /// A vocabulary for the test.
        Sample {
            /// One.
            One => "one",
            /// Two words.
            TwoWords => "two_words",
        }
    );

    #[test]
    fn every_form_of_a_wire_enum_agrees_on_the_name() {
        for value in Sample::ALL {
            let name = value.as_str();
            assert_eq!(value.to_string(), name);
            assert_eq!(name.parse::<Sample>(), Ok(value));
            assert_eq!(
                serde_json::to_string(&value).unwrap(),
                format!("\"{name}\"")
            );
            assert_eq!(
                serde_json::from_str::<Sample>(&format!("\"{name}\"")).unwrap(),
                value
            );
        }
        let refused = Sample::parse("TwoWords").unwrap_err();
        assert!(refused.contains("one, two_words"), "{refused}");
        assert!(serde_json::from_str::<Sample>("\"two-words\"").is_err());
    }
}
