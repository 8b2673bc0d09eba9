//! Liveness, readiness, metrics, the OpenAPI document and the `cargo run` experience (the
//! `/docs` page has docs.rs).
use std::io::{BufRead, BufReader};

use crate::helpers::{assert_problem, spawn_app, spawn_app_unpluggable};

#[tokio::test]
async fn healthz_and_readyz_answer_200() {
    let app = spawn_app().await;
    for path in ["/healthz", "/readyz"] {
        let response = app.api.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["status"], "ok", "{path}");
    }
}

#[tokio::test]
async fn the_served_openapi_document_is_3_1_and_equals_the_committed_file() {
    let app = spawn_app().await;
    let response = app.api.get(app.url("/openapi.json")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let served: serde_json::Value = response.json().await.unwrap();
    assert!(
        served["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        served["openapi"]
    );
    assert!(served["paths"]["/v1/auth/token"]["post"].is_object());
    assert!(served["components"]["securitySchemes"]["bearer"].is_object());
    // Parsing with an independent OpenAPI 3.1 model proves the document is well formed.
    let text = serde_json::to_string(&served).unwrap();
    oas3::from_json(&text).expect("the document parses as OpenAPI 3.1");

    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/openapi.json");
    let committed: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(committed_path).unwrap()).unwrap();
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with \
         `cargo run -q -- openapi > openapi/openapi.json` and commit it"
    );
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_and_status() {
    let app = spawn_app().await;
    let id = uuid::Uuid::new_v4();
    app.api.get(app.url("/healthz")).send().await.unwrap();
    app.api
        .get(app.url(&format!("/v1/partners/{id}")))
        .send()
        .await
        .unwrap();
    let metrics = app
        .api
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            r#"onestop_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"route="/v1/partners/{id}",status="401""#),
        "the route pattern, not the id, labels the series: {metrics}"
    );
    assert!(!metrics.contains(&id.to_string()));
    assert!(metrics.contains("onestop_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.api.get(app.url("/healthz")).send().await.unwrap();
    let id = response
        .headers()
        .get("x-request-id")
        .expect("X-Request-Id");
    assert!(uuid::Uuid::parse_str(id.to_str().unwrap()).is_ok());
}

#[tokio::test]
async fn readyz_and_requests_answer_503_when_the_database_is_unreachable() {
    let app = spawn_app_unpluggable().await;
    let token = app.admin_token().await;
    app.unplug_database().await;
    let ready = app.api.get(app.url("/readyz")).send().await.unwrap();
    assert_problem(ready, 503, "readyz without a database").await;
    let list = app.get("/v1/partners", &token).await;
    assert_problem(list, 503, "a request without a database").await;
    let live = app.api.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        live.status().as_u16(),
        200,
        "liveness does not depend on the database"
    );
}

/// What a newcomer does: `cargo run` in a fresh directory, nothing configured.
#[tokio::test]
async fn the_binary_serves_on_a_sqlite_file_in_its_working_directory_with_no_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_onestop"))
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("ONESTOP_JWT_SECRET")
        .env("ONESTOP_BIND", "127.0.0.1:0")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().unwrap().unwrap();
    let hint: Vec<String> = lines.by_ref().take(3).map(|l| l.unwrap()).collect();
    let address = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap()
        .to_owned();
    let client = reqwest::Client::new();
    let healthz = client.get(format!("{address}/healthz")).send().await;
    let readyz = client.get(format!("{address}/readyz")).send().await;
    // SIGTERM stops the service gracefully: it exits on its own, successfully.
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut exited = None;
    for _ in 0..100 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if exited.is_none() {
        let _ = child.kill();
    }
    assert!(
        exited.is_some_and(|status| status.success()),
        "SIGTERM ends the service cleanly: {exited:?}"
    );
    assert_eq!(healthz.unwrap().status().as_u16(), 200);
    assert_eq!(readyz.unwrap().status().as_u16(), 200);
    assert!(
        dir.path().join("onestop.db").exists(),
        "the SQLite file is in the working directory"
    );
    assert!(
        hint.iter()
            .any(|line| line.contains("clients create --role admin")),
        "the first-admin hint is printed: {hint:?}"
    );
}
