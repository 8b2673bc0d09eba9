//! `POST /v1/auth/token` as OAuth clients use it: HTTP Basic client authentication, RFC 6749
//! §5.2 errors, and the limit on failed authentications.
use base64::{Engine, engine::general_purpose::STANDARD};
use onestop::auth::Role;
use reqwest::Response;
use serde_json::{Value, json};

use crate::helpers::{Credentials, TestApp, assert_problem, spawn_app, spawn_app_with};

const FORM: &str = "application/x-www-form-urlencoded";
const GRANT: &str = "grant_type=client_credentials";

fn basic(client_id: &str, client_secret: &str) -> String {
    format!(
        "Basic {}",
        STANDARD.encode(format!("{client_id}:{client_secret}"))
    )
}

/// A token request with an optional `Authorization` header and a body of `content_type`.
async fn request_token(
    app: &TestApp,
    authorization: Option<&str>,
    content_type: &str,
    body: &str,
) -> Response {
    let mut request = app
        .api
        .post(app.url("/v1/auth/token"))
        .header("content-type", content_type)
        .body(body.to_owned());
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    request.send().await.unwrap()
}

async fn wrong_secret(app: &TestApp, client: &Credentials) -> Response {
    request_token(
        app,
        Some(&basic(&client.client_id, "ocs_wrong")),
        FORM,
        GRANT,
    )
    .await
}

async fn right_secret(app: &TestApp, client: &Credentials) -> Response {
    request_token(
        app,
        Some(&basic(&client.client_id, &client.client_secret)),
        FORM,
        GRANT,
    )
    .await
}

/// Asserts an RFC 6749 §5.2 error inside a problem+json body and returns the body.
async fn assert_oauth_error(response: Response, status: u16, error: &str, why: &str) -> Value {
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("no-store"),
        "{why}: token errors are not cached"
    );
    assert_eq!(
        response
            .headers()
            .get("pragma")
            .map(|v| v.to_str().unwrap()),
        Some("no-cache"),
        "{why}: token errors carry Pragma: no-cache"
    );
    let problem = assert_problem(response, status, why).await;
    assert_eq!(problem["error"], error, "{why}: {problem}");
    assert_eq!(
        problem["error_description"], problem["detail"],
        "{why}: the description is the detail"
    );
    problem
}

#[tokio::test]
async fn a_client_authenticates_with_http_basic_as_oauth_libraries_do_by_default() {
    let app = spawn_app().await;
    let admin = app.create_client(Role::Admin, None, None).await;
    // §2.3.1: id and secret are form-urlencoded before base64; `%5F` must decode to `_`.
    let encoded_id = admin.client_id.replace('_', "%5F");
    let encoded_secret = admin.client_secret.replace('_', "%5F");
    let cases = [
        (
            "Basic and the form",
            basic(&admin.client_id, &admin.client_secret),
            FORM,
            GRANT.to_owned(),
        ),
        (
            "Basic with percent-encoded credentials",
            basic(&encoded_id, &encoded_secret),
            FORM,
            GRANT.to_owned(),
        ),
        (
            "Basic with the client_id repeated in the form",
            basic(&admin.client_id, &admin.client_secret),
            FORM,
            format!("{GRANT}&client_id={}", admin.client_id),
        ),
        (
            "Basic and a JSON body",
            basic(&admin.client_id, &admin.client_secret),
            "application/json",
            r#"{"grant_type":"client_credentials"}"#.to_owned(),
        ),
        (
            "a lower-case scheme",
            basic(&admin.client_id, &admin.client_secret).replacen("Basic", "basic", 1),
            FORM,
            format!("{GRANT}&scope=anything"),
        ),
    ];
    for (why, authorization, content_type, body) in cases {
        let response = request_token(&app, Some(&authorization), content_type, &body).await;
        assert_eq!(response.status().as_u16(), 200, "{why}");
        assert_eq!(response.headers()["cache-control"], "no-store", "{why}");
        assert_eq!(response.headers()["pragma"], "no-cache", "{why}");
        let token: Value = response.json().await.unwrap();
        let access_token = token["access_token"].as_str().unwrap();
        assert_eq!(
            app.get("/v1/clients", access_token).await.status().as_u16(),
            200,
            "{why}: the token works"
        );
    }
}

/// Why, `Authorization`, content type, body, the expected status and `error`.
type BadTokenRequest<'a> = (&'a str, Option<String>, &'a str, String, u16, &'a str);

#[tokio::test]
async fn bad_token_requests_get_the_oauth_error_that_fits() {
    let app = spawn_app().await;
    let admin = app.create_client(Role::Admin, None, None).await;
    let good_basic = basic(&admin.client_id, &admin.client_secret);
    let post_body = format!(
        "{GRANT}&client_id={}&client_secret={}",
        admin.client_id, admin.client_secret
    );
    let cases: Vec<BadTokenRequest> = vec![
        (
            "Basic and a secret in the body at once",
            Some(good_basic.clone()),
            FORM,
            post_body.clone(),
            400,
            "invalid_request",
        ),
        (
            "a body client_id other than the Basic one",
            Some(good_basic.clone()),
            FORM,
            format!("{GRANT}&client_id=oc_someone_else"),
            400,
            "invalid_request",
        ),
        (
            "Basic that is not base64",
            Some("Basic ***".to_owned()),
            FORM,
            GRANT.to_owned(),
            400,
            "invalid_request",
        ),
        (
            "Basic without a colon",
            Some(format!("Basic {}", STANDARD.encode(&admin.client_id))),
            FORM,
            GRANT.to_owned(),
            400,
            "invalid_request",
        ),
        (
            "a Bearer header instead of client credentials",
            Some("Bearer eyJhbGciOiJIUzI1NiJ9.e30.x".to_owned()),
            FORM,
            GRANT.to_owned(),
            401,
            "invalid_client",
        ),
        (
            "no credentials at all",
            None,
            FORM,
            GRANT.to_owned(),
            401,
            "invalid_client",
        ),
        (
            "a wrong secret in Basic",
            Some(basic(&admin.client_id, "ocs_wrong")),
            FORM,
            GRANT.to_owned(),
            401,
            "invalid_client",
        ),
        (
            "a client_id without a secret",
            None,
            FORM,
            format!("{GRANT}&client_id={}", admin.client_id),
            400,
            "invalid_request",
        ),
        (
            "the form without grant_type",
            Some(good_basic.clone()),
            FORM,
            "scope=x".to_owned(),
            400,
            "invalid_request",
        ),
        (
            "grant_type sent twice",
            Some(good_basic.clone()),
            FORM,
            format!("{GRANT}&{GRANT}"),
            400,
            "invalid_request",
        ),
        (
            "another grant type",
            Some(good_basic.clone()),
            FORM,
            "grant_type=password".to_owned(),
            400,
            "unsupported_grant_type",
        ),
        (
            "an unknown JSON field",
            Some(good_basic.clone()),
            "application/json",
            r#"{"grant_type":"client_credentials","user":"x"}"#.to_owned(),
            400,
            "invalid_request",
        ),
        (
            "broken JSON",
            None,
            "application/json",
            "{".to_owned(),
            400,
            "invalid_request",
        ),
        (
            "a text body",
            Some(good_basic.clone()),
            "text/plain",
            GRANT.to_owned(),
            400,
            "invalid_request",
        ),
    ];
    for (why, authorization, content_type, body, status, error) in cases {
        let response = request_token(&app, authorization.as_deref(), content_type, &body).await;
        let challenge = response
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        assert_oauth_error(response, status, error, why).await;
        if status == 401 {
            assert_eq!(
                challenge.as_deref(),
                Some("Basic realm=\"onestop\""),
                "{why}: a 401 names the Basic scheme the endpoint takes"
            );
        }
    }
    // None of the refusals above counted against the client: it still gets its token.
    assert_eq!(right_secret(&app, &admin).await.status().as_u16(), 200);
}

#[tokio::test]
async fn repeated_wrong_secrets_are_refused_for_a_while_even_with_the_right_secret() {
    let app = spawn_app_with(|settings| {
        settings.token_failures.per_pair = 3;
        settings.token_failures.window_seconds = 2;
    })
    .await;
    let target = app.create_client(Role::Admin, None, None).await;
    let bystander = app.create_client(Role::Admin, None, None).await;
    for n in 0..3 {
        assert_oauth_error(
            wrong_secret(&app, &target).await,
            401,
            "invalid_client",
            &format!("wrong secret {n}"),
        )
        .await;
    }
    let limited = right_secret(&app, &target).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=2).contains(&retry_after),
        "Retry-After is within the window: {retry_after}"
    );
    assert_oauth_error(
        limited,
        429,
        "temporarily_unavailable",
        "the right secret during the lockout",
    )
    .await;
    assert_eq!(
        right_secret(&app, &bystander).await.status().as_u16(),
        200,
        "another client is not affected"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    assert_eq!(
        right_secret(&app, &target).await.status().as_u16(),
        200,
        "the lockout ends with its window"
    );
}

#[tokio::test]
async fn the_failure_limit_is_on_by_default() {
    let app = spawn_app().await;
    let target = app.create_client(Role::Admin, None, None).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(wrong_secret(&app, &target).await.status().as_u16());
    }
    assert_eq!(
        statuses,
        [vec![401; 10], vec![429; 2]].concat(),
        "ten failures per client and address, then 429"
    );
}

/// An HTTP client whose connections come from `address` (any of 127.0.0.0/8 reaches the
/// service on Linux).
fn client_from(address: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(address))
        .build()
        .unwrap()
}

#[tokio::test]
async fn failures_from_elsewhere_do_not_lock_a_client_out_where_it_works() {
    let app = spawn_app_with(|settings| {
        settings.token_failures.per_pair = 2;
        settings.token_failures.per_client = 4;
    })
    .await;
    let target = app.create_client(Role::Admin, None, None).await;
    let send = |http: reqwest::Client, secret: String| {
        let url = app.url("/v1/auth/token");
        let authorization = basic(&target.client_id, &secret);
        async move {
            http.post(url)
                .header("authorization", authorization)
                .header("content-type", FORM)
                .body(GRANT)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    let home = client_from([127, 0, 0, 1]);
    assert_eq!(send(home.clone(), target.client_secret.clone()).await, 200);
    for attacker in [2, 3] {
        for n in 0..2 {
            assert_eq!(
                send(client_from([127, 0, 0, attacker]), "ocs_wrong".into()).await,
                401,
                "attacker {attacker}, guess {n}"
            );
        }
        assert_eq!(
            send(client_from([127, 0, 0, attacker]), "ocs_wrong".into()).await,
            429,
            "attacker {attacker} is stopped by the pair limit"
        );
    }
    assert_eq!(
        send(client_from([127, 0, 0, 4]), target.client_secret.clone()).await,
        429,
        "a new address waits once the client's failures reach the loose limit"
    );
    assert_eq!(
        send(home, target.client_secret.clone()).await,
        200,
        "the address the client authenticated from still works"
    );
}

#[tokio::test]
async fn many_made_up_client_ids_from_one_address_are_limited() {
    let app = spawn_app_with(|settings| {
        settings.token_failures.per_address = 5;
    })
    .await;
    let real = app.create_client(Role::Admin, None, None).await;
    for n in 0..5 {
        let response = request_token(
            &app,
            Some(&basic(&format!("oc_guess{n}"), "ocs_x")),
            FORM,
            GRANT,
        )
        .await;
        assert_oauth_error(response, 401, "invalid_client", &format!("guess {n}")).await;
    }
    let limited = request_token(&app, Some(&basic("oc_guess5", "ocs_x")), FORM, GRANT).await;
    assert_oauth_error(
        limited,
        429,
        "temporarily_unavailable",
        "the sixth made-up id",
    )
    .await;
    let json = app
        .api
        .post(app.url("/v1/auth/token"))
        .json(&json!({"client_id": real.client_id, "client_secret": real.client_secret}))
        .send()
        .await
        .unwrap();
    assert_oauth_error(
        json,
        429,
        "temporarily_unavailable",
        "an address that only failed is limited for every client id",
    )
    .await;
}
