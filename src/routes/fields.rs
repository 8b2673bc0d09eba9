//! The checks of request fields shared by every resource, each adding to the request's
//! [`FieldErrors`] so one answer lists every problem. The limits are `domain::limits`.
use serde::{Deserialize, Deserializer};
use validator::ValidateEmail;

use crate::{
    domain::limits::{EMAIL_MAX_CHARS, REASON_MAX_CHARS},
    error::FieldErrors,
};

/// For `#[serde(default, deserialize_with = "present")]` on an `Option<Option<T>>` field of
/// a change: tells a field sent as `null` (`Some(None)`, "clear it") from one left out
/// (`None`, by `default`), which serde alone reads alike.
pub fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// A required text of at most `max` characters, trimmed.
pub fn check_text(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let trimmed = value.trim();
    let length = trimmed.chars().count();
    if length == 0 {
        errors.add(field, "must not be empty");
    } else if length > max {
        errors.add(
            field,
            format!("must be at most {max} characters (has {length})"),
        );
    }
    trimmed.to_owned()
}

/// An e-mail address, trimmed (the `validator` crate's check, within [`EMAIL_MAX_CHARS`]).
pub fn check_email(errors: &mut FieldErrors, field: &str, value: &str) -> String {
    let email = value.trim().to_owned();
    if email.chars().count() > EMAIL_MAX_CHARS || !email.validate_email() {
        errors.add(field, "must be an e-mail address like yamada@example.jp");
    }
    email
}

/// An optional reason, at most [`REASON_MAX_CHARS`].
pub fn check_optional_reason(errors: &mut FieldErrors, reason: Option<&str>) {
    if let Some(length) = reason.map(|r| r.chars().count())
        && length > REASON_MAX_CHARS
    {
        errors.add(
            "reason",
            format!("must be at most {REASON_MAX_CHARS} characters (has {length})"),
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::domain::limits::*;

    fn fields(check: impl FnOnce(&mut FieldErrors)) -> Vec<String> {
        let mut errors = FieldErrors::new();
        check(&mut errors);
        match errors.finish() {
            Ok(()) => Vec::new(),
            Err(crate::error::ApiError::Validation { errors }) => {
                errors.into_iter().map(|e| e.field).collect()
            }
            Err(other) => panic!("not a validation problem: {other:?}"),
        }
    }

    #[test]
    fn texts_are_trimmed_and_held_to_their_limit() {
        let cases: [(&str, usize, bool); 6] = [
            ("  件名  ", SUBJECT_MAX_CHARS, true),
            ("", SUBJECT_MAX_CHARS, false),
            ("   ", NAME_MAX_CHARS, false),
            (&"あ".repeat(200), SUBJECT_MAX_CHARS, true),
            (&"あ".repeat(201), SUBJECT_MAX_CHARS, false),
            (&"x".repeat(10_001), COMMENT_MAX_CHARS, false),
        ];
        for (value, max, ok) in cases {
            let failed = fields(|errors| {
                check_text(errors, "f", value, max);
            });
            assert_eq!(failed.is_empty(), ok, "{value:?} within {max}");
        }
    }

    #[test]
    fn e_mail_addresses_are_checked_by_the_validator_crate_within_the_limit() {
        let long = format!("{}@example.jp", "a".repeat(250));
        let cases = [
            ("yamada@example.jp", true),
            (" yamada@example.jp ", true),
            ("yamada", false),
            ("yamada@", false),
            ("@example.jp", false),
            ("", false),
            (long.as_str(), false),
        ];
        for (value, ok) in cases {
            let failed = fields(|errors| {
                check_email(errors, "email", value);
            });
            assert_eq!(failed.is_empty(), ok, "{value:?}");
        }
    }

    #[test]
    fn reasons_are_optional_but_bounded() {
        for (reason, ok) in [
            (None, true),
            (Some("理由".to_owned()), true),
            (Some("x".repeat(2_000)), true),
            (Some("x".repeat(2_001)), false),
        ] {
            let failed = fields(|errors| check_optional_reason(errors, reason.as_deref()));
            assert_eq!(failed.is_empty(), ok, "{reason:?}");
        }
    }

    /// The document states the limits as literals (utoipa's attributes take no constants);
    /// this holds each schema property to its constant.
    #[test]
    fn the_openapi_document_states_the_same_limits() {
        let document: serde_json::Value =
            serde_json::from_str(&crate::openapi::document_json().unwrap()).unwrap();
        let schemas = &document["components"]["schemas"];
        let cases = [
            ("CreateTicketRequest", "subject", SUBJECT_MAX_CHARS),
            ("CompanyInput", "name", NAME_MAX_CHARS),
            ("ContactInput", "name", PERSON_NAME_MAX_CHARS),
            ("ContactInput", "email", EMAIL_MAX_CHARS),
            ("CommentRequest", "body", COMMENT_MAX_CHARS),
            ("LinkRequest", "reason", REASON_MAX_CHARS),
            ("CreateManagerRequest", "name", PERSON_NAME_MAX_CHARS),
            ("CreateManagerRequest", "email", EMAIL_MAX_CHARS),
            ("CompanyInput", "name_kana", NAME_KANA_MAX_CHARS),
            ("CompanyChangesInput", "name_kana", NAME_KANA_MAX_CHARS),
            ("AddressInput", "city", CITY_MAX_CHARS),
            ("AddressInput", "street", ADDRESS_LINE_MAX_CHARS),
            ("AddressInput", "building", ADDRESS_LINE_MAX_CHARS),
        ];
        for (schema, property, limit) in cases {
            let stated = &schemas[schema]["properties"][property]["maxLength"];
            assert_eq!(stated.as_u64(), Some(limit as u64), "{schema}.{property}");
        }
    }
}
