//! The one error type of the service and its RFC 9457 problem+json rendering.
//!
//! When to use what:
//! - handlers and services return `Result<_, ApiError>`;
//! - bad input is `ApiError::Validation` (422, every bad field listed) or
//!   `ApiError::BadRequest` (400, the body or query could not be read at all);
//! - the token endpoint answers every refusal as `ApiError::OAuth`: the RFC 6749 §5.2 members
//!   `error` and `error_description`, which OAuth client libraries read, in the same
//!   problem+json object (see [`ApiError::into_oauth`] for request-reading errors);
//! - a database that cannot be reached becomes `ApiError::Unavailable` (503) through
//!   `From<DbErr>`; any other database failure is `ApiError::Internal` (500) and only its
//!   log line carries the cause, never the response.

mod database;
mod fields;
mod problem;
mod response;

pub use database::{UnavailableCause, is_lost_race, server_went_away};
pub use fields::FieldErrors;
pub use problem::*;

use actix_web::ResponseError;
use sea_orm::DbErr;
use serde_json::{Map, Value};

use crate::i18n::{self, Language};

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request could not be read (malformed JSON, a bad query string).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// 401: no valid credentials.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// 403: valid credentials without the right to do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// 404: no such thing, or not one the caller may know about.
    #[error("not found: {0}")]
    NotFound(String),
    /// 405: the path exists but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed {
        /// The methods the path answers to.
        allowed: Vec<String>,
    },
    /// 408: the request body did not arrive in time; the connection is closed.
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    /// 409: the request conflicts with the current state.
    #[error("conflict ({slug}): {detail}")]
    Conflict {
        /// The last segment of the problem type, e.g. `no-eligible-manager`.
        slug: &'static str,
        /// What conflicts.
        detail: String,
        /// Problem-specific members.
        extensions: Map<String, Value>,
    },
    /// 410: the thing existed and is gone for good (an expired survey link).
    #[error("gone: {0}")]
    Gone(String),
    /// 412: `If-Match` names a version that is no longer current.
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    /// 413: the body is larger than allowed.
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    /// 415: the body is not in a media type the endpoint reads.
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    /// 422: the body was read but fields are invalid; every one is listed.
    #[error("validation failed: {errors:?}")]
    Validation {
        /// Every invalid field.
        errors: Vec<FieldError>,
    },
    /// 428: a conditional header (`If-Match`) is required.
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    /// 429: too many requests from this client.
    #[error("too many requests")]
    TooManyRequests {
        /// Seconds until the client may try again.
        retry_after_seconds: u64,
    },
    /// 400, 401 or 429 from the token endpoint, as RFC 6749 §5.2 asks (the status follows
    /// from `code`).
    #[error("token request refused ({code}): {description}")]
    OAuth {
        /// The RFC 6749 error code.
        code: OAuthErrorCode,
        /// What went wrong, for a human (`error_description` and `detail`).
        description: String,
        /// The invalid fields, when the request's parameters were at fault.
        errors: Vec<FieldError>,
        /// Seconds until the client may try again (`temporarily_unavailable` only).
        retry_after_seconds: Option<u64>,
    },
    /// 503: a dependency (the database) does not answer.
    #[error("service unavailable: {0}")]
    Unavailable(#[source] anyhow::Error),
    /// 500: a bug or an unexpected failure; the cause is logged, never shown.
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A 422 for a single field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Validation {
            errors: vec![FieldError::new(field, message)],
        }
    }

    /// 409 `concurrent-change`: the `what` changed between this request's read and its
    /// write, so the request did nothing; read it again and retry.
    pub fn changed_meanwhile(what: &str) -> Self {
        Self::conflict(
            "concurrent-change",
            format!("the {what} changed at the same moment; read it again and retry"),
        )
    }

    /// A token endpoint refusal with `code` and a description.
    pub fn oauth(code: OAuthErrorCode, description: impl Into<String>) -> Self {
        Self::OAuth {
            code,
            description: description.into(),
            errors: Vec::new(),
            retry_after_seconds: None,
        }
    }

    /// The same failure as the token endpoint answers it: an unreadable body, invalid
    /// fields, an unsupported media type or an oversized body become `invalid_request`
    /// (keeping the field list), since OAuth clients read only `error`; failures on our side
    /// (5xx) and errors that already are OAuth errors are kept as they are.
    pub fn into_oauth(self) -> Self {
        let (description, errors) = match self {
            Self::Validation { errors } => {
                let description = match errors.as_slice() {
                    [only] => format!("{}: {}", only.field, only.message),
                    _ => format!("{} parameters are invalid", errors.len()),
                };
                (description, errors)
            }
            Self::BadRequest(_) | Self::UnsupportedMediaType(_) | Self::PayloadTooLarge(_) => {
                (self.detail(), Vec::new())
            }
            other => return other,
        };
        Self::OAuth {
            code: OAuthErrorCode::InvalidRequest,
            description,
            errors,
            retry_after_seconds: None,
        }
    }

    /// A 409 with a problem type slug and no extra members.
    pub fn conflict(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            slug,
            detail: detail.into(),
            extensions: Map::new(),
        }
    }

    /// The problem type slug and the title in English and in Japanese: one arm per variant,
    /// so a new kind of problem cannot go without either title.
    fn slug_and_titles(&self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::BadRequest(_) => (
                "bad-request",
                "The request could not be read",
                "リクエストを読み取れません",
            ),
            Self::Unauthorized(_) => (
                "unauthorized",
                "Authentication is required",
                "認証が必要です",
            ),
            Self::Forbidden(_) => (
                "forbidden",
                "Your role may not do this",
                "このロールではこの操作はできません",
            ),
            Self::NotFound(_) => ("not-found", "Not found", "見つかりません"),
            Self::MethodNotAllowed { .. } => (
                "method-not-allowed",
                "Method not allowed",
                "このメソッドは使えません",
            ),
            Self::RequestTimeout(_) => (
                "request-timeout",
                "The request took too long to arrive",
                "リクエストの到着に時間がかかりすぎました",
            ),
            Self::Conflict { slug, .. } => (
                slug,
                "The request conflicts with the current state",
                "現在の状態と矛盾するリクエストです",
            ),
            Self::Gone(_) => (
                "gone",
                "This is no longer available",
                "有効期限が切れたか、利用できなくなりました",
            ),
            Self::PreconditionFailed(_) => (
                "precondition-failed",
                "The resource has changed",
                "リソースが変更されています",
            ),
            Self::PayloadTooLarge(_) => (
                "payload-too-large",
                "The request body is too large",
                "リクエストボディが大きすぎます",
            ),
            Self::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "Unsupported media type",
                "対応していないメディアタイプです",
            ),
            Self::Validation { .. } => (
                "validation-error",
                "Your request is not valid",
                "リクエストの内容が正しくありません",
            ),
            Self::PreconditionRequired(_) => (
                "precondition-required",
                "If-Match is required",
                "If-Match が必要です",
            ),
            Self::TooManyRequests { .. } => (
                "too-many-requests",
                "Too many requests",
                "リクエストが多すぎます",
            ),
            Self::OAuth { code, .. } => match code {
                OAuthErrorCode::InvalidRequest => (
                    "oauth-invalid-request",
                    "The token request is not valid",
                    "トークンのリクエストが正しくありません",
                ),
                OAuthErrorCode::InvalidClient => (
                    "oauth-invalid-client",
                    "The client could not be authenticated",
                    "クライアントを認証できません",
                ),
                OAuthErrorCode::UnsupportedGrantType => (
                    "oauth-unsupported-grant-type",
                    "The grant type is not supported",
                    "このグラントタイプには対応していません",
                ),
                OAuthErrorCode::TemporarilyUnavailable => (
                    "oauth-temporarily-unavailable",
                    "Too many failed authentications",
                    "認証の失敗が多すぎます",
                ),
            },
            Self::Unavailable(_) => (
                "service-unavailable",
                "The service is unavailable",
                "サービスを利用できません",
            ),
            Self::Internal(_) => (
                "internal-error",
                "Internal server error",
                "サーバー内部でエラーが発生しました",
            ),
        }
    }

    fn detail(&self) -> String {
        match self {
            Self::BadRequest(detail)
            | Self::Unauthorized(detail)
            | Self::Forbidden(detail)
            | Self::NotFound(detail)
            | Self::RequestTimeout(detail)
            | Self::PreconditionFailed(detail)
            | Self::Gone(detail)
            | Self::PayloadTooLarge(detail)
            | Self::UnsupportedMediaType(detail)
            | Self::PreconditionRequired(detail) => detail.clone(),
            Self::Conflict { detail, .. } => detail.clone(),
            Self::OAuth { description, .. } => description.clone(),
            Self::MethodNotAllowed { allowed } => {
                format!("this path answers to {}", allowed.join(", "))
            }
            Self::Validation { errors } => match errors.len() {
                1 => "1 field is invalid".to_owned(),
                n => format!("{n} fields are invalid"),
            },
            Self::TooManyRequests {
                retry_after_seconds,
            } => format!("slow down; try again in {retry_after_seconds} s"),
            Self::Unavailable(_) => self
                .unavailable_cause()
                .unwrap_or(UnavailableCause::Unreachable)
                .detail()
                .to_owned(),
            Self::Internal(_) => "something went wrong on our side; it has been logged".to_owned(),
        }
    }

    /// Why the database is unavailable, for a 503 of it: read off the database error (or
    /// given as the cause itself, as `/readyz` does when its probe runs out of time).
    pub fn unavailable_cause(&self) -> Option<UnavailableCause> {
        let Self::Unavailable(error) = self else {
            return None;
        };
        error
            .downcast_ref::<UnavailableCause>()
            .copied()
            .or_else(|| error.downcast_ref::<DbErr>().and_then(UnavailableCause::of))
    }

    /// The problem+json body this error is answered with, in English.
    pub fn problem(&self) -> Problem {
        self.problem_in(Language::English)
    }

    /// The problem+json body in `language`: `title`, `detail` and every field's `message`
    /// translated; `type`, `status`, the field names and the other members as they are.
    pub fn problem_in(&self, language: Language) -> Problem {
        let (slug, english_title, japanese_title) = self.slug_and_titles();
        let mut extensions = Map::new();
        let mut errors = None;
        match self {
            Self::Conflict {
                extensions: extra, ..
            } => extensions.clone_from(extra),
            Self::Validation { errors: list } => errors = Some(list.clone()),
            Self::OAuth { errors: list, .. } if !list.is_empty() => errors = Some(list.clone()),
            Self::MethodNotAllowed { allowed } => {
                extensions.insert("allowed".into(), Value::from(allowed.clone()));
            }
            Self::Unavailable(_) => {
                let cause = self
                    .unavailable_cause()
                    .unwrap_or(UnavailableCause::Unreachable);
                extensions.insert("cause".into(), Value::from(cause.to_string()));
            }
            _ => {}
        }
        let errors = errors.map(|list| {
            list.into_iter()
                .map(|error| FieldError {
                    message: i18n::translate(&error.message, language),
                    field: error.field,
                })
                .collect()
        });
        Problem {
            problem_type: format!("{PROBLEM_TYPE_BASE}{slug}"),
            title: match language {
                Language::English => english_title,
                Language::Japanese => japanese_title,
            }
            .to_owned(),
            status: self.status_code().as_u16(),
            detail: i18n::translate(&self.detail(), language),
            errors,
            extensions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_renders_problem_json_with_its_status() {
        let cases: Vec<(ApiError, u16, &str)> = vec![
            (ApiError::BadRequest("x".into()), 400, "bad-request"),
            (ApiError::Unauthorized("x".into()), 401, "unauthorized"),
            (ApiError::Forbidden("x".into()), 403, "forbidden"),
            (ApiError::NotFound("x".into()), 404, "not-found"),
            (
                ApiError::conflict("no-eligible-manager", "x"),
                409,
                "no-eligible-manager",
            ),
            (
                ApiError::PreconditionFailed("x".into()),
                412,
                "precondition-failed",
            ),
            (
                ApiError::PayloadTooLarge("x".into()),
                413,
                "payload-too-large",
            ),
            (
                ApiError::invalid_field("name", "x"),
                422,
                "validation-error",
            ),
            (
                ApiError::PreconditionRequired("x".into()),
                428,
                "precondition-required",
            ),
            (ApiError::Gone("x".into()), 410, "gone"),
            (
                ApiError::Internal(anyhow::anyhow!("secret cause")),
                500,
                "internal-error",
            ),
        ];
        for (error, status, slug) in cases {
            let problem = error.problem();
            assert_eq!(problem.status, status, "{error}");
            assert!(problem.problem_type.ends_with(slug), "{error}");
            assert!(
                !problem.detail.contains("secret cause"),
                "{error} leaks its cause"
            );
        }
    }

    /// One of every kind of problem, with a message the service really sends, and the
    /// variant's position in [`variant_index`].
    fn one_of_each_problem() -> Vec<ApiError> {
        let mut allowed = Map::new();
        allowed.insert(
            "allowed".into(),
            serde_json::json!(["on_hold", "cancelled"]),
        );
        let oauth = |code| ApiError::oauth(code, "the client id or secret is wrong");
        vec![
            ApiError::BadRequest("the request body is empty; send a JSON object".into()),
            ApiError::Unauthorized("the token has expired".into()),
            ApiError::Forbidden("a partner client may not do this; it needs the role admin".into()),
            ApiError::NotFound("no case has the id 42".into()),
            ApiError::MethodNotAllowed {
                allowed: vec!["GET".into(), "POST".into()],
            },
            ApiError::RequestTimeout("the request body did not arrive within 10 s".into()),
            ApiError::Conflict {
                slug: "illegal-transition",
                detail: "cancel is not allowed while the case is closed; closed is final".into(),
                extensions: allowed,
            },
            ApiError::changed_meanwhile("case"),
            ApiError::PreconditionFailed(
                "the case changed since you read it (its ETag is now \"3\"); GET it again".into(),
            ),
            ApiError::PayloadTooLarge("request bodies are limited to 1048576 bytes".into()),
            ApiError::UnsupportedMediaType("send the body as application/json".into()),
            ApiError::Validation {
                errors: vec![
                    FieldError::new("subject", "must not be empty"),
                    FieldError::new(
                        "company.prefecture",
                        "prefecture code must have two digits, from \"01\" to \"47\"",
                    ),
                ],
            },
            ApiError::invalid_field("limit", "must be between 1 and 200"),
            ApiError::PreconditionRequired(
                "send If-Match with the ETag of the case you read".into(),
            ),
            ApiError::Gone("this survey link expired on 2026-12-01".into()),
            ApiError::TooManyRequests {
                retry_after_seconds: 3,
            },
            oauth(OAuthErrorCode::InvalidRequest),
            oauth(OAuthErrorCode::InvalidClient),
            oauth(OAuthErrorCode::UnsupportedGrantType),
            oauth(OAuthErrorCode::TemporarilyUnavailable),
            ApiError::invalid_field("grant_type", "is required").into_oauth(),
            ApiError::Unavailable(anyhow::anyhow!("connection refused")),
            ApiError::Internal(anyhow::anyhow!("secret cause")),
        ]
    }

    /// The variant's number; without a wildcard arm, so a new variant fails to compile until
    /// it is numbered here and added to [`one_of_each_problem`].
    fn variant_index(error: &ApiError) -> usize {
        match error {
            ApiError::BadRequest(_) => 0,
            ApiError::Unauthorized(_) => 1,
            ApiError::Forbidden(_) => 2,
            ApiError::NotFound(_) => 3,
            ApiError::MethodNotAllowed { .. } => 4,
            ApiError::RequestTimeout(_) => 5,
            ApiError::Conflict { .. } => 6,
            ApiError::PreconditionFailed(_) => 7,
            ApiError::PayloadTooLarge(_) => 8,
            ApiError::UnsupportedMediaType(_) => 9,
            ApiError::Validation { .. } => 10,
            ApiError::PreconditionRequired(_) => 11,
            ApiError::TooManyRequests { .. } => 12,
            ApiError::OAuth { .. } => 13,
            ApiError::Unavailable(_) => 14,
            ApiError::Internal(_) => 15,
            ApiError::Gone(_) => 16,
        }
    }

    #[test]
    fn every_problem_type_reads_in_english_and_in_japanese() {
        let problems = one_of_each_problem();
        let mut seen: Vec<usize> = problems.iter().map(variant_index).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(
            seen,
            (0..17).collect::<Vec<_>>(),
            "a variant has no case here"
        );
        let japanese_char = |text: &str| {
            text.chars()
                .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
        };
        for error in problems {
            let english = error.problem_in(Language::English);
            let japanese = error.problem_in(Language::Japanese);
            let slug = english.problem_type.clone();
            assert_eq!(
                japanese.problem_type, english.problem_type,
                "{slug}: same type"
            );
            assert_eq!(japanese.status, english.status, "{slug}: same status");
            assert_eq!(
                japanese.extensions, english.extensions,
                "{slug}: same members"
            );
            assert!(
                !japanese_char(&english.title),
                "{slug}: the English title is English"
            );
            assert!(japanese_char(&japanese.title), "{slug}: no Japanese title");
            assert!(
                japanese_char(&japanese.detail),
                "{slug}: {:?} untranslated",
                english.detail
            );
            let fields = |problem: &Problem| -> Vec<String> {
                let errors = problem.errors.clone().unwrap_or_default();
                errors.into_iter().map(|error| error.field).collect()
            };
            assert_eq!(
                fields(&japanese),
                fields(&english),
                "{slug}: same field names"
            );
            for error in japanese.errors.unwrap_or_default() {
                assert!(
                    japanese_char(&error.message),
                    "{slug}: {:?} untranslated",
                    error.message
                );
            }
        }
    }

    #[test]
    fn sqlstates_of_a_server_that_went_away_are_told_from_failed_statements() {
        #[rustfmt::skip]
        let cases = [
            ("57P01", Some(UnavailableCause::Unreachable), "terminated by an administrator (fast restart)"),
            ("57P02", Some(UnavailableCause::Unreachable), "crash shutdown"),
            ("57P03", Some(UnavailableCause::Unreachable), "cannot connect now (starting up)"),
            ("53300", Some(UnavailableCause::TooManyConnections), "too many connections"),
            ("08006", Some(UnavailableCause::Unreachable), "connection failure"),
            ("08003", Some(UnavailableCause::Unreachable), "connection does not exist"),
            ("57014", Some(UnavailableCause::StatementTimeout), "statement_timeout ran out"),
            ("55P03", Some(UnavailableCause::LockTimeout), "lock_timeout ran out"),
            ("23505", None, "a unique violation is the statement's"),
            ("42P01", None, "an undefined table is a bug"),
        ];
        for (code, cause, why) in cases {
            assert_eq!(UnavailableCause::of_sqlstate(code), cause, "{code}: {why}");
        }
    }

    #[test]
    fn field_errors_list_every_field_sorted() {
        let mut errors = FieldErrors::new();
        errors.add("prefecture", "bad");
        assert_eq!(errors.check::<u8, _>("name", Err("empty")), None);
        let Err(ApiError::Validation { errors }) = errors.finish() else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "prefecture"]);
    }
}
