//! Signing and checking access tokens. The algorithm is fixed to HS256 here, by
//! configuration, and never taken from the token's header: `alg: none` and foreign
//! algorithms fail validation.
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Role;
use crate::config::JwtSettings;

/// The algorithm every token of this service is signed with.
pub const ALGORITHM: Algorithm = Algorithm::HS256;

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Claims {
    /// The client id (`oc_...`).
    pub sub: String,
    /// The client's role.
    pub role: Role,
    /// The partner a partner client acts for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner_id: Option<Uuid>,
    /// The manager a manager client acts as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager_id: Option<Uuid>,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Issued at (seconds since the epoch).
    pub iat: u64,
    /// Expires at (seconds since the epoch).
    pub exp: u64,
    /// Unique token id.
    pub jti: String,
}

/// How far the clocks of the issuing and the checking instance may disagree, in seconds.
pub const LEEWAY_SECONDS: u64 = 5;

/// What the service needs to issue and check tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    ttl_seconds: u64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// Why a token was refused; the message is safe to show.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InvalidToken(pub String);

impl TokenKeys {
    /// Keys for the HS256 `secret` with the issuer, audience and lifetime of `settings`.
    pub fn new(secret: &[u8], settings: &JwtSettings) -> Self {
        let mut validation = Validation::new(ALGORITHM);
        validation.set_issuer(&[&settings.issuer]);
        validation.set_audience(&[&settings.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECONDS;
        // A token that is not valid yet is refused like an expired one.
        validation.validate_nbf = true;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: settings.issuer.clone(),
            audience: settings.audience.clone(),
            ttl_seconds: settings.token_ttl_seconds,
        }
    }

    /// How long issued tokens live, in seconds.
    pub fn ttl_seconds(&self) -> u64 {
        self.ttl_seconds
    }

    /// Claims for a new token of `client_id` issued now.
    pub fn claims_for(
        &self,
        client_id: &str,
        role: Role,
        partner_id: Option<Uuid>,
        manager_id: Option<Uuid>,
    ) -> Claims {
        let now = jsonwebtoken::get_current_timestamp();
        Claims {
            sub: client_id.to_owned(),
            role,
            partner_id,
            manager_id,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_seconds,
            jti: Uuid::new_v4().to_string(),
        }
    }

    /// Signs `claims`.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        Ok(jsonwebtoken::encode(
            &Header::new(ALGORITHM),
            claims,
            &self.encoding,
        )?)
    }

    /// Checks signature, algorithm, issuer, audience, expiry, `nbf` and `iat` (neither may
    /// be in the future beyond [`LEEWAY_SECONDS`]), and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, InvalidToken> {
        use jsonwebtoken::errors::ErrorKind;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|error| {
                InvalidToken(
                    match error.kind() {
                        ErrorKind::ExpiredSignature => "the token has expired",
                        ErrorKind::InvalidAudience => "the token is not meant for this API",
                        ErrorKind::InvalidIssuer => "the token was not issued by this service",
                        ErrorKind::InvalidAlgorithm => "the token's algorithm is not accepted",
                        ErrorKind::InvalidSignature => "the token's signature is invalid",
                        ErrorKind::ImmatureSignature => "the token is not valid yet (nbf)",
                        _ => "the token is malformed",
                    }
                    .to_owned(),
                )
            })?;
        // jsonwebtoken only requires `iat` to be present; a token claiming to be issued
        // later than now was not issued by this service's clock.
        if claims.iat > jsonwebtoken::get_current_timestamp() + LEEWAY_SECONDS {
            return Err(InvalidToken(
                "the token claims to be issued in the future (iat)".to_owned(),
            ));
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

    fn settings() -> JwtSettings {
        JwtSettings {
            secret: None,
            issuer: "onestop".into(),
            audience: "onestop-api".into(),
            token_ttl_seconds: 60,
        }
    }

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", &settings())
    }

    #[test]
    fn a_signed_token_verifies_with_its_claims() {
        let keys = keys();
        let claims = keys.claims_for("oc_x", Role::Admin, None, None);
        let token = keys.sign(&claims).unwrap();
        assert_eq!(keys.verify(&token).unwrap(), claims);
    }

    #[test]
    fn clocks_a_few_seconds_apart_are_tolerated() {
        let keys = keys();
        let mut claims = keys.claims_for("oc_x", Role::Admin, None, None);
        claims.iat += LEEWAY_SECONDS - 2;
        let mut with_nbf = serde_json::to_value(&claims).unwrap();
        with_nbf["nbf"] = serde_json::json!(claims.iat);
        let token = jsonwebtoken::encode(
            &Header::new(ALGORITHM),
            &with_nbf,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        assert!(
            keys.verify(&token).is_ok(),
            "iat and nbf within the leeway are accepted"
        );
    }

    #[test]
    fn forged_and_foreign_tokens_are_refused() {
        let keys = keys();
        let claims = keys.claims_for("oc_x", Role::Admin, None, None);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let other_key = TokenKeys::new(b"another-secret-another-secret-000", &settings());
        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &claims,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        let mut wrong_audience = claims.clone();
        wrong_audience.aud = "someone-else".into();
        let mut expired = claims.clone();
        expired.exp = expired.iat - 3600;
        let mut issued_later = claims.clone();
        issued_later.iat += 60;
        issued_later.exp += 60;
        let mut not_yet_valid = serde_json::to_value(&claims).unwrap();
        not_yet_valid["nbf"] = serde_json::json!(claims.iat + 60);
        let not_yet_valid = jsonwebtoken::encode(
            &Header::new(ALGORITHM),
            &not_yet_valid,
            &EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef"),
        )
        .unwrap();
        let cases = [
            ("alg none", format!("{none_header}.{payload}.")),
            ("other key", other_key.sign(&claims).unwrap()),
            ("HS512", hs512),
            ("wrong audience", keys.sign(&wrong_audience).unwrap()),
            ("expired", keys.sign(&expired).unwrap()),
            ("iat a minute ahead", keys.sign(&issued_later).unwrap()),
            ("nbf a minute ahead", not_yet_valid),
            ("garbage", "not.a.token".to_owned()),
        ];
        for (why, token) in cases {
            assert!(keys.verify(&token).is_err(), "{why} was accepted");
        }
    }
}
