//! The token flow and every way a token is refused.
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use onestop::{auth::Role, services};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};

fn claims_of(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn a_client_gets_a_token_with_the_documented_claims_and_uses_it() {
    let app = spawn_app().await;
    let admin = app.create_client(Role::Admin, None, None).await;
    let response = app
        .api
        .post(app.url("/v1/auth/token"))
        .json(&json!({"client_id": admin.client_id, "client_secret": admin.client_secret}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().unwrap();
    let claims = claims_of(token);
    assert_eq!(claims["sub"], admin.client_id.as_str());
    assert_eq!(claims["role"], "admin");
    assert_eq!(claims["iss"], "onestop");
    assert_eq!(claims["aud"], "onestop-api");
    assert!(claims["jti"].is_string());
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        3600
    );
    let header: Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "HS256");

    let clients = app.get("/v1/clients", token).await;
    assert_eq!(clients.status().as_u16(), 200);
}

#[tokio::test]
async fn the_token_endpoint_accepts_the_oauth_form_encoding() {
    let app = spawn_app().await;
    let partner_id = app.create_partner("東京商工会議所").await;
    let partner = app
        .create_client(Role::Partner, Some(partner_id), None)
        .await;
    let form = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        partner.client_id, partner.client_secret
    );
    let response = app
        .api
        .post(app.url("/v1/auth/token"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let body: Value = response.json().await.unwrap();
    let claims = claims_of(body["access_token"].as_str().unwrap());
    assert_eq!(claims["role"], "partner");
    assert_eq!(claims["partner_id"], partner_id.to_string());
}

#[tokio::test]
async fn wrong_credentials_are_refused_alike() {
    let app = spawn_app().await;
    let admin = app.create_client(Role::Admin, None, None).await;
    let cases = [
        (
            "wrong secret",
            json!({"client_id": admin.client_id, "client_secret": "ocs_wrong"}),
        ),
        (
            "unknown client",
            json!({"client_id": "oc_nobody", "client_secret": admin.client_secret}),
        ),
    ];
    for (why, body) in cases {
        let response = app
            .api
            .post(app.url("/v1/auth/token"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 401, why).await;
        assert_eq!(
            problem["detail"], "the client id or secret is wrong",
            "{why}"
        );
        assert_eq!(problem["error"], "invalid_client", "{why}");
    }
    let bad_grant = app
        .api
        .post(app.url("/v1/auth/token"))
        .json(&json!({"grant_type": "password", "client_id": admin.client_id, "client_secret": admin.client_secret}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(bad_grant, 400, "an unsupported grant type").await;
    assert_eq!(problem["error"], "unsupported_grant_type");
}

#[tokio::test]
async fn bad_tokens_get_401_problem_json_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let admin = app.create_client(Role::Admin, None, None).await;
    let good = app.token_for(&admin).await;
    let key = services::settings::token_secret(&app.db, &app.settings.jwt)
        .await
        .unwrap();
    let claims = claims_of(&good);
    let sign = |claims: &Value, key: &[u8], alg: Algorithm| {
        jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(key)).unwrap()
    };
    let mut expired = claims.clone();
    expired["iat"] = json!(claims["iat"].as_u64().unwrap() - 7200);
    expired["exp"] = json!(claims["iat"].as_u64().unwrap() - 3600);
    let mut wrong_audience = claims.clone();
    wrong_audience["aud"] = json!("another-api");
    let mut wrong_issuer = claims.clone();
    wrong_issuer["iss"] = json!("someone-else");
    let now = claims["iat"].as_u64().unwrap();
    let mut not_yet_valid = claims.clone();
    not_yet_valid["nbf"] = json!(now + 60);
    let mut issued_in_the_future = claims.clone();
    issued_in_the_future["iat"] = json!(now + 60);
    issued_in_the_future["exp"] = json!(now + 3660);
    let none_token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap())
    );
    let cases: Vec<(&str, Option<String>)> = vec![
        ("no token", None),
        ("garbage", Some("Bearer garbage".into())),
        ("not bearer", Some(format!("Basic {good}"))),
        (
            "expired",
            Some(format!("Bearer {}", sign(&expired, &key, Algorithm::HS256))),
        ),
        (
            "wrong audience",
            Some(format!(
                "Bearer {}",
                sign(&wrong_audience, &key, Algorithm::HS256)
            )),
        ),
        (
            "wrong issuer",
            Some(format!(
                "Bearer {}",
                sign(&wrong_issuer, &key, Algorithm::HS256)
            )),
        ),
        ("alg none", Some(format!("Bearer {none_token}"))),
        (
            "nbf a minute ahead",
            Some(format!(
                "Bearer {}",
                sign(&not_yet_valid, &key, Algorithm::HS256)
            )),
        ),
        (
            "iat a minute ahead",
            Some(format!(
                "Bearer {}",
                sign(&issued_in_the_future, &key, Algorithm::HS256)
            )),
        ),
        (
            "another key",
            Some(format!(
                "Bearer {}",
                sign(
                    &claims,
                    b"another-key-another-key-another-key",
                    Algorithm::HS256
                )
            )),
        ),
        (
            "another algorithm",
            Some(format!("Bearer {}", sign(&claims, &key, Algorithm::HS512))),
        ),
    ];
    for (why, authorization) in cases {
        let mut request = app.api.get(app.url("/v1/clients"));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response
                .headers()
                .get("www-authenticate")
                .map(|v| v.to_str().unwrap()),
            Some("Bearer realm=\"onestop\""),
            "{why}"
        );
        assert_problem(response, 401, why).await;
    }
    // The untampered token still works: the refusals above are about the tokens.
    assert_eq!(app.get("/v1/clients", &good).await.status().as_u16(), 200);
}

#[tokio::test]
async fn a_revoked_clients_token_stops_working_and_it_gets_no_new_one() {
    let app = spawn_app().await;
    let admin_token = app.admin_token().await;
    let doomed = app.create_client(Role::Admin, None, None).await;
    let doomed_token = app.token_for(&doomed).await;
    assert_eq!(
        app.get("/v1/clients", &doomed_token)
            .await
            .status()
            .as_u16(),
        200
    );
    let other_instance = app.another_instance().await;

    let revoked = app
        .delete(&format!("/v1/clients/{}", doomed.id), &admin_token)
        .await;
    assert_eq!(revoked.status().as_u16(), 200);
    let revoked: Value = revoked.json().await.unwrap();
    assert!(revoked["revoked_at"].is_string());

    let here = app.get("/v1/clients", &doomed_token).await;
    assert_problem(here, 401, "the revoking instance").await;
    let there = other_instance.get("/v1/clients", &doomed_token).await;
    assert_problem(there, 401, "another instance").await;
    let again = app
        .api
        .post(app.url("/v1/auth/token"))
        .json(&json!({"client_id": doomed.client_id, "client_secret": doomed.client_secret}))
        .send()
        .await
        .unwrap();
    assert_problem(again, 401, "a new token for a revoked client").await;
}

#[tokio::test]
async fn instances_on_one_database_share_the_generated_key() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let restarted = app.another_instance().await;
    assert_eq!(
        restarted.get("/v1/clients", &token).await.status().as_u16(),
        200
    );
}
