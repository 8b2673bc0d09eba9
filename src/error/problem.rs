//! The bodies an error is rendered as: RFC 9457 problem details, the field list of a 422,
//! the 503's cause, and the token endpoint's RFC 6749 §5.2 members.
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::UnavailableCause;
use crate::domain::wire::wire_enum;

/// Where the problem types of this API are documented; each `type` is this plus a slug.
pub const PROBLEM_TYPE_BASE: &str = "https://onestop.example/problems/";
/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid field of a request, as listed in a problem+json `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// JSON path of the field, e.g. `company.prefecture` or `topics[2]`.
    #[schema(example = "company.prefecture")]
    pub field: String,
    /// What is wrong with it, in plain words, in the language of `Content-Language`.
    #[schema(example = "must be a JIS X 0401 code (01-47) or a prefecture name such as 東京都")]
    pub message: String,
}

impl FieldError {
    /// A field error for `field` saying `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An RFC 9457 problem details body, as every error of this API is answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem; stable, safe to branch on.
    #[serde(rename = "type")]
    #[schema(example = "https://onestop.example/problems/validation-error")]
    pub problem_type: String,
    /// A short summary of the kind of problem, in the language of `Content-Language`.
    #[schema(example = "Your request is not valid")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    pub status: u16,
    /// What went wrong this time, for a human, in the language of `Content-Language`.
    #[schema(example = "2 fields are invalid")]
    pub detail: String,
    /// Every invalid field, for validation problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Problem-specific members (for example `allowed` on an illegal transition).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extensions: Map<String, Value>,
}

/// A 503 for the database (only the schema of one, for the document): a [`Problem`] with
/// the cause named.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnavailableProblem {
    /// The problem members.
    #[serde(flatten)]
    pub problem: Problem,
    /// Why the database is unavailable.
    pub cause: UnavailableCause,
}

wire_enum!(
    /// The `error` codes of RFC 6749 §5.2 the token endpoint answers with.
    OAuthErrorCode {
        /// 400: a parameter is missing, repeated or unreadable, or two client authentication
        /// methods were used at once.
        InvalidRequest => "invalid_request",
        /// 401: the client is unknown, its secret is wrong, it is revoked, or it sent no
        /// credentials or an unsupported authentication scheme.
        InvalidClient => "invalid_client",
        /// 400: the grant type is not `client_credentials`.
        UnsupportedGrantType => "unsupported_grant_type",
        /// 429: too many failed authentications for this client or address; retry after
        /// `Retry-After` seconds. §5.2 has no code for this; `temporarily_unavailable` is the
        /// registered code (RFC 6749 §4.1.2.1) that tells a client to try again later without
        /// suggesting its credentials are wrong, and oauthlib and authlib both know it.
        TemporarilyUnavailable => "temporarily_unavailable",
    }
);

/// The body of a token endpoint error: a problem+json object that also carries the RFC 6749
/// §5.2 members, so OAuth client libraries and problem+json readers both understand it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OAuthProblem {
    /// The problem+json members.
    #[serde(flatten)]
    pub problem: Problem,
    /// The RFC 6749 §5.2 error code.
    #[schema(example = "invalid_client")]
    pub error: OAuthErrorCode,
    /// The same text as `detail` (in the same language).
    #[schema(example = "the client id or secret is wrong")]
    pub error_description: String,
}
