//! Every error class answers RFC 9457 problem+json with the right status.
use onestop::auth::Role;
use serde_json::json;

use crate::helpers::{
    assert_problem, error_fields, spawn_app, spawn_app_unpluggable, spawn_app_with,
};

#[tokio::test]
async fn each_error_class_answers_problem_json_with_its_status() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner = app.token_with_role(Role::Partner).await;
    let partners = app.url("/v1/partners");

    let malformed = app
        .api
        .post(&partners)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(r#"{"name": "x", "kind": "#)
        .send()
        .await
        .unwrap();
    assert_problem(malformed, 400, "malformed JSON").await;

    let wrong_type = app
        .api
        .post(&partners)
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("name=x")
        .send()
        .await
        .unwrap();
    assert_problem(wrong_type, 415, "wrong content type").await;

    let huge = format!(
        r#"{{"name": "{}", "kind": "other", "prefecture": "13"}}"#,
        "x".repeat(1_100_000)
    );
    let too_large = app
        .api
        .post(&partners)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_problem(too_large, 413, "body over 1 MiB").await;

    let unknown_route = app.get("/v1/no-such-thing", &admin).await;
    assert_problem(unknown_route, 404, "unknown route").await;

    let wrong_method = app
        .api
        .put(&partners)
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.headers()["allow"], "GET, POST");
    assert_problem(wrong_method, 405, "wrong method").await;

    let no_token = app.api.get(&partners).send().await.unwrap();
    assert_problem(no_token, 401, "missing token").await;

    let wrong_role = app.get("/v1/partners", &partner).await;
    assert_problem(wrong_role, 403, "wrong role").await;

    let bad_id = app.get("/v1/partners/not-a-uuid", &admin).await;
    assert_problem(bad_id, 404, "a malformed id").await;

    let bad_query = app.get("/v1/partners?limit=lots", &admin).await;
    assert_problem(bad_query, 400, "a malformed query").await;

    let bad_limit = app.get("/v1/partners?limit=500", &admin).await;
    let problem = assert_problem(bad_limit, 422, "a limit over 200").await;
    assert_eq!(error_fields(&problem), ["limit"]);

    let bad_cursor = app.get("/v1/partners?cursor=garbage", &admin).await;
    assert_problem(bad_cursor, 422, "a forged cursor").await;
}

#[tokio::test]
async fn unknown_fields_are_refused_by_name_and_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .post_json(
            "/v1/partners",
            &admin,
            &json!({"name": "x", "kind": "other", "prefecture": "13", "id": "00000000-0000-0000-0000-000000000000"}),
        )
        .await;
    let problem = assert_problem(response, 422, "an unknown field").await;
    assert_eq!(error_fields(&problem), ["id"]);
    let list: serde_json::Value = app.get("/v1/partners", &admin).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn internal_messages_never_reach_the_client() {
    let app = spawn_app_unpluggable().await;
    let token = app.admin_token().await;
    app.unplug_database().await;
    let response = app.get("/v1/clients", &token).await;
    let problem = assert_problem(response, 503, "database gone").await;
    let text = problem.to_string().to_lowercase();
    for leak in ["pool", "sqlx", "sqlite", "postgres", "closed"] {
        assert!(
            !text.contains(leak),
            "the problem leaks {leak:?}: {problem}"
        );
    }
}

#[tokio::test]
async fn a_client_over_its_rate_gets_429_with_retry_after() {
    let app = spawn_app_with(|settings| settings.rate_limit_per_second = 1).await;
    let admin = app.admin_token().await;
    let other = app.admin_token().await;
    for n in 0..2 {
        assert_eq!(
            app.get("/v1/partners", &admin).await.status().as_u16(),
            200,
            "request {n} is within the burst"
        );
    }
    let limited = app.get("/v1/partners", &admin).await;
    let retry_after: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after >= 1);
    assert_problem(limited, 429, "over the rate").await;
    assert_eq!(
        app.get("/v1/partners", &other).await.status().as_u16(),
        200,
        "another client is unaffected"
    );
}
