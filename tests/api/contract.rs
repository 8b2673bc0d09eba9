//! The OpenAPI document as a contract: its structure (every answer described, public
//! operations open, the shared problem answers where they apply, links that lead somewhere)
//! and its claims held against the running service (security, nullable fields).
use onestop::{
    auth::Role,
    openapi::{common_responses::PUBLIC_PATHS, document_json},
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn generated() -> Value {
    serde_json::from_str(&document_json().unwrap()).unwrap()
}

/// Every operation of `document` as (method, path, operation).
fn operations(document: &Value) -> Vec<(String, String, Value)> {
    let mut found = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                found.push((method.to_owned(), path.clone(), operation.clone()));
            }
        }
    }
    found
}

/// `response`, or the component its `$ref` names.
fn resolve<'a>(document: &'a Value, response: &'a Value) -> &'a Value {
    match response["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/responses/")
                .unwrap_or_else(|| panic!("{reference} is not a response component"));
            let component = &document["components"]["responses"][name];
            assert!(component.is_object(), "{reference} names no component");
            component
        }
        None => response,
    }
}

fn statuses(operation: &Value) -> Vec<String> {
    operation["responses"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn every_response_of_every_operation_has_a_description() {
    let document = generated();
    let mut undescribed = Vec::new();
    for (method, path, operation) in operations(&document) {
        for (status, response) in operation["responses"].as_object().unwrap() {
            let description = resolve(&document, response)["description"].as_str();
            if description.is_none_or(|d| d.trim().is_empty()) {
                undescribed.push(format!("{method} {path} {status}"));
            }
        }
    }
    assert!(
        undescribed.is_empty(),
        "responses without a description: {undescribed:?}"
    );
}

#[test]
fn public_operations_need_no_token_and_every_other_needs_the_bearer_token() {
    let document = generated();
    let mut wrong = Vec::new();
    for (method, path, operation) in operations(&document) {
        let security = &operation["security"];
        let codes = statuses(&operation);
        if PUBLIC_PATHS.contains(&path.as_str()) {
            let anonymous = security.as_array().is_some_and(|requirements| {
                requirements.is_empty() || requirements.contains(&json!({}))
            });
            if !anonymous {
                wrong.push(format!(
                    "{method} {path}: public, but security is {security}"
                ));
            }
            // The token endpoint's own 401 and 429 (client authentication) are no Bearer
            // answers; only the shared ones would be wrong here.
            for (status, response) in operation["responses"].as_object().unwrap() {
                let shared = response["$ref"].as_str().is_some_and(|r| {
                    ["Unauthorized", "Forbidden", "TooManyRequests"]
                        .iter()
                        .any(|name| r.ends_with(name))
                });
                if shared || status == "403" {
                    wrong.push(format!("{method} {path}: public, but documents {status}"));
                }
            }
        } else {
            if security != &json!([{"bearer": []}]) {
                wrong.push(format!(
                    "{method} {path}: needs a token, security is {security}"
                ));
            }
            for status in ["401", "403", "429"] {
                if !codes.iter().any(|c| c == status) {
                    wrong.push(format!("{method} {path}: needs a token, lacks {status}"));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    for path in PUBLIC_PATHS {
        assert!(
            document["paths"][path].is_object(),
            "{path} is listed as public but not documented"
        );
    }
}

#[test]
fn every_operation_has_an_operation_id_of_its_own() {
    let document = generated();
    let mut seen = std::collections::HashSet::new();
    for (method, path, operation) in operations(&document) {
        let id = operation["operationId"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(
            !id.is_empty() && seen.insert(id.clone()),
            "{method} {path}: operationId {id:?} is missing or repeated"
        );
    }
}

#[test]
fn every_operation_documents_the_shared_problem_answers_that_apply_to_it() {
    let document = generated();
    let mut missing = Vec::new();
    for (method, path, operation) in operations(&document) {
        let codes = statuses(&operation);
        let mut expected = vec!["422"];
        if operation["requestBody"].is_object() {
            expected.extend(["400", "408", "413", "415"]);
        }
        if path.contains('{') {
            expected.push("404");
        }
        if !["/healthz", "/metrics"].contains(&path.as_str()) {
            expected.push("503");
        }
        // The token endpoint folds body problems into RFC 6749's 400 invalid_request.
        if path == "/v1/auth/token" {
            expected.retain(|status| !["413", "415", "422"].contains(status));
        }
        for status in expected {
            if !codes.iter().any(|c| c == status) {
                missing.push(format!("{method} {path}: {status}"));
            }
        }
        for (status, response) in operation["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                let content = &resolve(&document, response)["content"];
                assert!(
                    content["application/problem+json"].is_object(),
                    "{method} {path} {status} is not problem+json: {content}"
                );
            }
        }
    }
    assert!(missing.is_empty(), "missing answers: {missing:#?}");
}

#[test]
fn the_created_case_links_to_its_sub_resources_by_operation_ids_that_exist() {
    let document = generated();
    let ids: Vec<String> = operations(&document)
        .iter()
        .filter_map(|(_, _, operation)| operation["operationId"].as_str().map(str::to_owned))
        .collect();
    let links = document["paths"]["/v1/tickets"]["post"]["responses"]["201"]["links"]
        .as_object()
        .expect("the 201 of POST /v1/tickets has links");
    for wanted in [
        "get_ticket",
        "list_comments",
        "list_ticket_events",
        "list_sessions",
    ] {
        assert!(
            links.values().any(|link| link["operationId"] == wanted
                && link["parameters"]["id"] == "$response.body#/id"),
            "no link to {wanted} with the case id: {links:?}"
        );
    }
    for (name, link) in links {
        let target = link["operationId"].as_str().unwrap();
        assert!(
            ids.iter().any(|id| id == target),
            "link {name} names {target}, which is no operation"
        );
    }
}

#[test]
fn the_report_and_the_feed_document_json_and_their_other_media_type() {
    let document = generated();
    let cases = [
        ("/v1/reports/summary", "text/csv", "SummaryView"),
        ("/v1/events", "application/x-ndjson", "FeedPage"),
    ];
    for (path, other, schema) in cases {
        let content = &document["paths"][path]["get"]["responses"]["200"]["content"];
        assert_eq!(
            content["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{schema}"),
            "{path}: JSON by default"
        );
        assert!(content[other].is_object(), "{path}: {other} on Accept");
    }
}

/// Each operation's path with `{...}` parameters filled with a UUID.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                "0195a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a7b"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_service_asks_for_a_token_exactly_where_the_document_says_it_does() {
    let app = spawn_app().await;
    let document = generated();
    for (method, path, operation) in operations(&document) {
        let url = app.url(&concrete(&path));
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app.api.request(method.clone(), &url).send().await.unwrap();
        let status = response.status().as_u16();
        // Public: no requirement, or anonymous access (`{}`) among optional schemes.
        let public = operation["security"]
            .as_array()
            .is_some_and(|requirements| {
                requirements.is_empty() || requirements.iter().any(|r| r == &json!({}))
            });
        if public {
            assert_ne!(status, 401, "{method} {path} is documented as public");
        } else {
            assert_eq!(
                status, 401,
                "{method} {path} is documented as needing a token"
            );
            assert!(
                response.headers().contains_key("www-authenticate"),
                "{method} {path}: a 401 says how to authenticate"
            );
        }
    }
}

fn coordinator_intake(channel: Value) -> Value {
    json!({
        "company": {"name": "株式会社ヌル検証", "prefecture": "13"},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours"],
        "channel": channel,
    })
}

async fn partner_ticket(app: &TestApp) -> (String, String) {
    let partner = app.token_with_role(Role::Partner).await;
    let mut intake = coordinator_intake(Value::Null);
    intake["preferred_mode"] = Value::Null;
    let response = app.post_json("/v1/tickets", &partner, &intake).await;
    assert_eq!(
        response.status().as_u16(),
        201,
        "a partner sending channel: null files a partner case"
    );
    let case: Value = response.json().await.unwrap();
    assert_eq!(case["channel"], "partner", "null channel is not given");
    (partner, case["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn nullable_channel_is_taken_as_not_given() {
    let app = spawn_app().await;
    partner_ticket(&app).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let problem = assert_problem(
        app.post_json(
            "/v1/tickets",
            &coordinator,
            &coordinator_intake(Value::Null),
        )
        .await,
        422,
        "a coordinator must name the channel; null does not",
    )
    .await;
    assert_eq!(error_fields(&problem), ["channel"], "{problem}");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("is required"),
        "null reads as missing, not as a wrong type: {problem}"
    );
}

#[tokio::test]
async fn nullable_visibility_is_taken_as_not_given() {
    let app = spawn_app().await;
    let (partner, id) = partner_ticket(&app).await;
    let response = app
        .post_json(
            &format!("/v1/tickets/{id}/comments"),
            &partner,
            &json!({"body": "よろしくお願いします。", "visibility": null}),
        )
        .await;
    assert_eq!(
        response.status().as_u16(),
        201,
        "visibility: null is accepted"
    );
    let comment: Value = response.json().await.unwrap();
    assert_eq!(
        comment["visibility"], "partner",
        "null gives a partner's default"
    );
}

#[tokio::test]
async fn nullable_auto_is_taken_as_not_given() {
    let app = spawn_app().await;
    let (_, id) = partner_ticket(&app).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let response = app
        .post_json(
            &format!("/v1/tickets/{id}/routing"),
            &coordinator,
            &json!({"track": "ict", "reason": "テレワーク機器の相談", "auto": null}),
        )
        .await;
    assert_eq!(
        response.status().as_u16(),
        200,
        "auto: null with a track is a manual override"
    );
    let case: Value = response.json().await.unwrap();
    assert_eq!(case["track"], "ict");
    assert_eq!(case["routing"]["method"], "manual", "{case}");
}

#[tokio::test]
async fn nullable_grant_type_is_taken_as_not_given() {
    let app = spawn_app().await;
    let client = app.create_client(Role::Analyst, None, None).await;
    let response = app
        .api
        .post(app.url("/v1/auth/token"))
        .json(&json!({
            "grant_type": null,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        200,
        "grant_type: null is accepted"
    );
    let token: Value = response.json().await.unwrap();
    assert_eq!(token["token_type"], "Bearer");
}
