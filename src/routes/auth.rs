//! `POST /v1/auth/token`: the OAuth 2.0 client-credentials grant, in JSON or form encoding.
use actix_web::{HttpRequest, HttpResponse, dev::Payload, http::header, post, web};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{
    error::{ApiError, FieldErrors},
    extract::{check_text, content_type, parse_json, read_body},
    services,
    state::AppState,
};

/// Client credentials.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// Must be `client_credentials` when given (it is required in the form encoding).
    #[schema(example = "client_credentials")]
    pub grant_type: Option<String>,
    /// The client id printed when the client was created.
    #[schema(example = "oc_4mQ2xv9TQbq1sZK8aLk0")]
    pub client_id: String,
    /// The client secret printed when the client was created.
    #[schema(example = "ocs_Vb8...")]
    pub client_secret: String,
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
/// Send JSON `{"client_id","client_secret"}` or the form
/// `grant_type=client_credentials&client_id=...&client_secret=...`.
#[utoipa::path(
    tag = "auth",
    request_body(content(
        (TokenRequest = "application/json"),
        (TokenRequest = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, body = TokenResponse),
        (status = 400, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 401, description = "Unknown client, wrong secret or revoked client", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 415, body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/auth/token")]
#[tracing::instrument(skip_all)]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let mut payload: Payload = body.into_inner();
    let bytes = read_body(&req, &mut payload).await?;
    let request = match content_type(&req).as_deref() {
        Some("application/json") => parse_json::<TokenRequest>(&bytes)?,
        Some("application/x-www-form-urlencoded") => parse_form(&bytes)?,
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "send application/json or application/x-www-form-urlencoded".to_owned(),
            ));
        }
    };
    if let Some(grant) = &request.grant_type
        && grant != "client_credentials"
    {
        return Err(ApiError::invalid_field(
            "grant_type",
            "only client_credentials is supported",
        ));
    }
    let claims = services::clients::authenticate(
        &state.db,
        &state.keys,
        &request.client_id,
        &request.client_secret,
    )
    .await?;
    let access_token = state.keys.sign(&claims)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: state.keys.ttl_seconds(),
        }))
}

fn parse_form(bytes: &[u8]) -> Result<TokenRequest, ApiError> {
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    let mut errors = FieldErrors::new();
    for (key, value) in url::form_urlencoded::parse(bytes) {
        check_text(&key, &value, &mut errors);
        match key.as_ref() {
            "grant_type" => grant_type = Some(value.into_owned()),
            "client_id" => client_id = Some(value.into_owned()),
            "client_secret" => client_secret = Some(value.into_owned()),
            "scope" => {}
            other => errors.add(other, "is not a field of the token request"),
        }
    }
    if grant_type.is_none() {
        errors.add("grant_type", "is required (client_credentials)");
    }
    if client_id.is_none() {
        errors.add("client_id", "is required");
    }
    if client_secret.is_none() {
        errors.add("client_secret", "is required");
    }
    errors.finish()?;
    Ok(TokenRequest {
        grant_type,
        client_id: client_id.unwrap_or_default(),
        client_secret: client_secret.unwrap_or_default(),
    })
}
