//! Collecting every bad field of a request into one 422.
use super::{ApiError, FieldError};

/// Collects field errors while a request body is turned into domain values, so one answer
/// lists every bad field instead of the first.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `field` as invalid.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// Keeps the value of a successful parse, or records its error under `field`.
    pub fn check<T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        parsed: Result<T, E>,
    ) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(error) => {
                self.add(field, error.to_string());
                None
            }
        }
    }

    /// An optional field: left out gives `Some(None)`, a good value `Some(Some(value))`, a
    /// bad one `None` with its error recorded under `field`.
    pub fn check_optional<R, T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        sent: Option<R>,
        parse: impl FnOnce(R) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match sent {
            None => Some(None),
            Some(raw) => self.check(field, parse(raw)).map(Some),
        }
    }

    /// A field of a change that `null` clears (`Option<Option<_>>`, see
    /// `routes::fields::present`): left out gives `None` (the value is kept), `null`
    /// `Some(None)`, a good value `Some(Some(value))`, and a bad one `None` with its error
    /// recorded, so the request is refused before `None` could be read as "kept".
    pub fn check_nullable<R, T, E: std::fmt::Display>(
        &mut self,
        field: impl Into<String>,
        sent: Option<Option<R>>,
        parse: impl FnOnce(R) -> Result<T, E>,
    ) -> Option<Option<T>> {
        self.check_optional(field, sent?, parse)
    }

    /// Adds the errors of a `validator` run, with nested paths joined by dots.
    pub fn extend_validator(&mut self, prefix: &str, errors: &validator::ValidationErrors) {
        use validator::ValidationErrorsKind;
        for (field, kind) in errors.errors() {
            let path = if prefix.is_empty() {
                field.to_string()
            } else {
                format!("{prefix}.{field}")
            };
            match kind {
                ValidationErrorsKind::Field(list) => {
                    for error in list {
                        let message = error
                            .message
                            .as_ref()
                            .map(|m| m.to_string())
                            .unwrap_or_else(|| format!("is invalid ({})", error.code));
                        self.add(path.clone(), message);
                    }
                }
                ValidationErrorsKind::Struct(inner) => self.extend_validator(&path, inner),
                ValidationErrorsKind::List(items) => {
                    for (index, inner) in items {
                        self.extend_validator(&format!("{path}[{index}]"), inner);
                    }
                }
            }
        }
    }

    /// `Ok(())` when nothing was recorded, otherwise a 422 listing every field.
    pub fn finish(mut self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            self.0.sort_by(|a, b| a.field.cmp(&b.field));
            Err(ApiError::Validation { errors: self.0 })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn positive(n: i64) -> Result<i64, &'static str> {
        if n > 0 {
            Ok(n)
        } else {
            Err("must be positive")
        }
    }

    #[test]
    fn nullable_fields_tell_left_out_null_good_and_bad_apart() {
        // A nullable field is an optional one once it was sent, so this covers both.
        #[rustfmt::skip]
        let cases = [
            (None, None, false, "left out: kept"),
            (Some(None), Some(None), false, "null: cleared"),
            (Some(Some(3)), Some(Some(3)), false, "good"),
            (Some(Some(-1)), None, true, "bad"),
        ];
        for (sent, expected, refused, why) in cases {
            let mut errors = FieldErrors::new();
            assert_eq!(
                errors.check_nullable("n", sent, positive),
                expected,
                "{why}"
            );
            assert_eq!(errors.finish().is_err(), refused, "{why}");
        }
    }
}
