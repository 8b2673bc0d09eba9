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
