//! How an [`ApiError`] becomes an HTTP answer: status, headers and the problem+json body
//! in the caller's language.
use actix_web::{
    HttpResponse, ResponseError,
    http::{StatusCode, header},
};

use super::{ApiError, OAuthErrorCode, OAuthProblem, PROBLEM_JSON};
use crate::i18n;

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Self::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::Gone(_) => StatusCode::GONE,
            Self::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Validation { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::OAuth { code, .. } => match code {
                OAuthErrorCode::InvalidRequest | OAuthErrorCode::UnsupportedGrantType => {
                    StatusCode::BAD_REQUEST
                }
                OAuthErrorCode::InvalidClient => StatusCode::UNAUTHORIZED,
                OAuthErrorCode::TemporarilyUnavailable => StatusCode::TOO_MANY_REQUESTS,
            },
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            Self::Internal(cause) => {
                tracing::error!(error.cause_chain = ?cause, "request failed with an internal error")
            }
            Self::Unavailable(cause) => {
                tracing::warn!(error.cause_chain = ?cause, "request failed: database unavailable")
            }
            other => tracing::debug!(error = %other, "request refused"),
        }
        let language = i18n::current();
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        response.insert_header((header::CONTENT_LANGUAGE, language.tag()));
        // The same request with another Accept-Language gets another body.
        response.append_header((header::VARY, "Accept-Language"));
        match self {
            Self::Unauthorized(_) => {
                response.insert_header((header::WWW_AUTHENTICATE, "Bearer realm=\"onestop\""));
            }
            Self::MethodNotAllowed { allowed } => {
                response.insert_header((header::ALLOW, allowed.join(", ")));
            }
            Self::TooManyRequests {
                retry_after_seconds,
            } => {
                response.insert_header((header::RETRY_AFTER, retry_after_seconds.to_string()));
            }
            Self::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            Self::RequestTimeout(_) => {
                // The rest of the body may still trickle in; the connection is not reused.
                response.force_close();
            }
            Self::OAuth {
                code,
                retry_after_seconds,
                ..
            } => {
                // RFC 6749 §5.1 forbids caching token responses; errors are kept out of
                // caches alike.
                response.insert_header((header::CACHE_CONTROL, "no-store"));
                response.insert_header((header::PRAGMA, "no-cache"));
                if *code == OAuthErrorCode::InvalidClient {
                    // §5.2 requires the Basic challenge when the client tried Basic, and
                    // RFC 9110 a challenge on every 401; Basic is the scheme this endpoint
                    // takes, so it is named whichever method the client used.
                    response.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"onestop\""));
                }
                if let Some(seconds) = retry_after_seconds {
                    response.insert_header((header::RETRY_AFTER, seconds.to_string()));
                }
            }
            _ => {}
        }
        let problem = self.problem_in(language);
        let body = match self {
            Self::OAuth { code, .. } => serde_json::to_vec(&OAuthProblem {
                error: *code,
                error_description: problem.detail.clone(),
                problem,
            }),
            _ => serde_json::to_vec(&problem),
        };
        match body {
            Ok(body) => response.body(body),
            Err(_) => response.finish(),
        }
    }
}
