//! `POST /v1/auth/token`: the OAuth 2.0 client-credentials grant (RFC 6749 §4.4). The client
//! authenticates with HTTP Basic (`client_secret_basic`, §2.3.1) or with `client_id` and
//! `client_secret` in the body (`client_secret_post`, JSON or form); every refusal is an
//! RFC 6749 §5.2 error inside a problem+json body.
use std::net::{IpAddr, Ipv4Addr};

use actix_web::{HttpRequest, HttpResponse, dev::Payload, http::header, post, web};
use base64::{
    Engine, alphabet,
    engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, FieldErrors, OAuthErrorCode, OAuthProblem},
    extract::{check_text, content_type, parse_json, read_body},
    services,
    state::AppState,
};

/// The longest client id or secret the endpoint looks up; ours are far shorter, and the
/// failure limiter keeps ids as keys, so longer ones are refused before it.
const MAX_CREDENTIAL_CHARS: usize = 255;

/// Base64 as clients send it in `Authorization: Basic`, with or without padding.
const BASIC_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A token request. With HTTP Basic client authentication only `grant_type` is needed (and
/// `client_id` may repeat the Basic one); otherwise `client_id` and `client_secret` are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Must be `client_credentials` when given (it is required in the form encoding).
    #[schema(example = "client_credentials")]
    pub grant_type: Option<String>,
    /// The client id printed when the client was created (unless sent with HTTP Basic).
    #[schema(example = "oc_4mQ2xv9TQbq1sZK8aLk0")]
    pub client_id: Option<String>,
    /// The client secret printed when the client was created (unless sent with HTTP Basic).
    #[schema(example = "ocs_Vb8...")]
    pub client_secret: Option<String>,
}

/// An access token.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    #[schema(example = 3600)]
    pub expires_in: u64,
}

/// Exchanges client credentials for an access token (JWT, HS256).
///
/// Authenticate with HTTP Basic, `Authorization: Basic base64(client_id ":" client_secret)`
/// (each form-urlencoded first, RFC 6749 §2.3.1), and send the form
/// `grant_type=client_credentials`; or send the credentials in the body, as JSON
/// `{"client_id","client_secret"}` or the form
/// `grant_type=client_credentials&client_id=...&client_secret=...`. Using both at once is
/// refused. Unrecognized form parameters (such as `scope`) are ignored, as RFC 6749 §3.2
/// asks.
///
/// Every refusal carries the RFC 6749 §5.2 members `error` and `error_description` beside
/// the problem+json ones. Too many failed authentications for one client id or from one
/// address are refused with 429 `temporarily_unavailable` and `Retry-After` until the
/// failure window ends, even with the right secret.
#[utoipa::path(
    tag = "auth",
    security((), ("client_secret_basic" = [])),
    request_body(content(
        (TokenRequest = "application/x-www-form-urlencoded"),
        (TokenRequest = "application/json"),
    )),
    responses(
        (status = 200, body = TokenResponse, headers(
            ("Cache-Control" = String, description = "no-store"),
            ("Pragma" = String, description = "no-cache"),
        )),
        (status = 400, description = "`invalid_request` (a parameter missing, repeated or unreadable, both authentication methods at once, an unsupported media type) or `unsupported_grant_type`", body = OAuthProblem, content_type = "application/problem+json"),
        (status = 401, description = "`invalid_client`: unknown client, wrong secret, revoked client, no credentials or another authentication scheme", body = OAuthProblem, content_type = "application/problem+json", headers(
            ("WWW-Authenticate" = String, description = "Basic realm=\"onestop\""),
        )),
        (status = 429, description = "`temporarily_unavailable`: too many failed authentications for this client id or from this address", body = OAuthProblem, content_type = "application/problem+json", headers(
            ("Retry-After" = u64, description = "Seconds until the failure window ends"),
        )),
    )
)]
#[post("/v1/auth/token")]
#[tracing::instrument(skip_all)]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    issue(&state, &req, body.into_inner())
        .await
        .map_err(ApiError::into_oauth)
}

async fn issue(
    state: &AppState,
    req: &HttpRequest,
    mut payload: Payload,
) -> Result<HttpResponse, ApiError> {
    let basic = basic_credentials(req)?;
    let bytes = read_body(req, &mut payload).await?;
    let request = match content_type(req).as_deref() {
        Some("application/json") => parse_json::<TokenRequest>(&bytes)?,
        Some("application/x-www-form-urlencoded") => parse_form(&bytes)?,
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "send application/x-www-form-urlencoded or application/json".to_owned(),
            ));
        }
    };
    if let Some(grant) = &request.grant_type
        && grant != "client_credentials"
    {
        return Err(ApiError::oauth(
            OAuthErrorCode::UnsupportedGrantType,
            format!("the grant type {grant:?} is not supported; use client_credentials"),
        ));
    }
    let (client_id, client_secret) = credentials(basic, request)?;
    // Credentials from Basic skipped the body's text check; none may reach the database
    // with a control character in it.
    let mut errors = FieldErrors::new();
    check_text("client_id", &client_id, &mut errors);
    check_text("client_secret", &client_secret, &mut errors);
    errors.finish()?;
    if client_id.chars().count() > MAX_CREDENTIAL_CHARS
        || client_secret.chars().count() > MAX_CREDENTIAL_CHARS
    {
        return Err(ApiError::oauth(
            OAuthErrorCode::InvalidClient,
            "the client id or secret is wrong",
        ));
    }
    let address = req
        .peer_addr()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |peer| peer.ip());
    state.token_failures.check(&client_id, address)?;
    let claims =
        match services::clients::authenticate(&state.db, &state.keys, &client_id, &client_secret)
            .await
        {
            Ok(claims) => {
                state.token_failures.record_success(&client_id, address);
                claims
            }
            Err(refused) => {
                if matches!(
                    refused,
                    ApiError::OAuth {
                        code: OAuthErrorCode::InvalidClient,
                        ..
                    }
                ) {
                    state.token_failures.record_failure(&client_id, address);
                }
                return Err(refused);
            }
        };
    let access_token = state.keys.sign(&claims)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: state.keys.ttl_seconds(),
        }))
}

/// Client id and secret of `Authorization: Basic`, `None` without an `Authorization`
/// header. Another scheme is `invalid_client` (this endpoint takes no other); a Basic value
/// that does not decode is `invalid_request`.
fn basic_credentials(req: &HttpRequest) -> Result<Option<(String, String)>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let malformed = |why: &str| {
        ApiError::oauth(
            OAuthErrorCode::InvalidRequest,
            format!("the Authorization header is not valid Basic credentials: {why}"),
        )
    };
    let value = value.to_str().map_err(|_| malformed("it is not text"))?;
    let (scheme, encoded) = value.trim().split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(ApiError::oauth(
            OAuthErrorCode::InvalidClient,
            "the token endpoint authenticates clients with HTTP Basic or with client_id and \
             client_secret in the body",
        ));
    }
    let decoded = BASIC_BASE64
        .decode(encoded.trim())
        .map_err(|_| malformed("it is not base64"))?;
    let decoded = String::from_utf8(decoded).map_err(|_| malformed("it is not UTF-8"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| malformed("there is no ':' between client id and secret"))?;
    let id = form_decode(id).ok_or_else(|| malformed("the client id is not UTF-8"))?;
    let secret = form_decode(secret).ok_or_else(|| malformed("the secret is not UTF-8"))?;
    if id.is_empty() {
        return Err(malformed("the client id is empty"));
    }
    Ok(Some((id, secret)))
}

/// Undoes `application/x-www-form-urlencoded` encoding (`+` is a space, `%XX` a byte).
fn form_decode(encoded: &str) -> Option<String> {
    let spaced = encoded.replace('+', " ");
    percent_encoding::percent_decode_str(&spaced)
        .decode_utf8()
        .ok()
        .map(|decoded| decoded.into_owned())
}

/// The one set of credentials of a request: from Basic or from the body, never both.
fn credentials(
    basic: Option<(String, String)>,
    request: TokenRequest,
) -> Result<(String, String), ApiError> {
    match (basic, request.client_id, request.client_secret) {
        (Some(_), _, Some(_)) => Err(ApiError::oauth(
            OAuthErrorCode::InvalidRequest,
            "use one client authentication method: HTTP Basic or client_secret in the body, \
             not both",
        )),
        (Some((id, _)), Some(body_id), None) if body_id != id => Err(ApiError::oauth(
            OAuthErrorCode::InvalidRequest,
            "the client_id in the body is not the one in the Basic credentials",
        )),
        (Some(basic), _, None) => Ok(basic),
        (None, Some(id), Some(secret)) => Ok((id, secret)),
        (None, None, None) => Err(ApiError::oauth(
            OAuthErrorCode::InvalidClient,
            "no client credentials: authenticate with HTTP Basic or send client_id and \
             client_secret",
        )),
        (None, id, _) => {
            let missing = if id.is_none() {
                "client_id"
            } else {
                "client_secret"
            };
            Err(ApiError::invalid_field(missing, "is required"))
        }
    }
}

fn parse_form(bytes: &[u8]) -> Result<TokenRequest, ApiError> {
    let mut request = TokenRequest::default();
    let mut errors = FieldErrors::new();
    for (key, value) in url::form_urlencoded::parse(bytes) {
        check_text(&key, &value, &mut errors);
        let slot = match key.as_ref() {
            "grant_type" => &mut request.grant_type,
            "client_id" => &mut request.client_id,
            "client_secret" => &mut request.client_secret,
            // RFC 6749 §3.2: unrecognized parameters are ignored (`scope`, `audience`...).
            _ => continue,
        };
        if slot.is_some() {
            // RFC 6749 §3.1: a parameter must not be sent twice.
            errors.add(key.as_ref(), "is sent more than once");
        }
        *slot = Some(value.into_owned());
    }
    if request.grant_type.is_none() {
        errors.add("grant_type", "is required (client_credentials)");
    }
    errors.finish()?;
    Ok(request)
}
