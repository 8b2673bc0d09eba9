//! `If-Match` as RFC 9110 §13.1.1 defines it, for resources whose entity tag is their
//! version (`"3"`): `*` matches any current representation, and a list of entity tags
//! matches when one of them equals the current tag by strong comparison, so a weak tag
//! (`W/"3"`) never matches.

/// What an `If-Match` header asks of the resource's current version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: *`: the resource exists (whatever its version).
    Any,
    /// The versions named by the strong tags of the list; weak and foreign tags are left
    /// out because they cannot match, so the list may be empty.
    OneOf(Vec<i32>),
}

impl Precondition {
    /// Reads an `If-Match` field value.
    pub fn parse(field: &str) -> Self {
        if field.trim() == "*" {
            return Self::Any;
        }
        Self::OneOf(
            field
                .split(',')
                .map(str::trim)
                .filter_map(|tag| tag.strip_prefix('"')?.strip_suffix('"'))
                .filter_map(|opaque| opaque.parse().ok())
                .collect(),
        )
    }

    /// Whether a resource at `version` satisfies the precondition.
    pub fn admits(&self, version: i32) -> bool {
        match self {
            Self::Any => true,
            Self::OneOf(versions) => versions.contains(&version),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Precondition;

    #[test]
    fn if_match_compares_strongly_and_star_matches_any_version() {
        #[rustfmt::skip]
        let cases: [(&str, i32, bool, &str); 10] = [
            ("\"3\"", 3, true, "the current tag"),
            ("\"2\"", 3, false, "a stale tag"),
            ("W/\"3\"", 3, false, "a weak tag never matches under strong comparison"),
            ("*", 3, true, "star matches any current representation"),
            (" * ", 7, true, "star with spaces"),
            ("\"1\", \"3\"", 3, true, "one of a list"),
            ("W/\"3\", \"4\"", 3, false, "only the weak one names the version"),
            ("3", 3, false, "an unquoted tag is not an entity tag"),
            ("\"abc\"", 3, false, "a foreign tag"),
            ("", 3, false, "an empty field"),
        ];
        for (field, version, admitted, why) in cases {
            assert_eq!(
                Precondition::parse(field).admits(version),
                admitted,
                "{why}: {field:?}"
            );
        }
    }
}
