//! Problems in the client's language: `Accept-Language: ja` gets Japanese titles, details
//! and field messages with `Content-Language: ja`; everything else stays as it is.
use onestop::auth::Role;
use reqwest::RequestBuilder;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

/// The `Accept-Language` values of the tests and the language each must be answered in.
const NEGOTIATIONS: [(Option<&str>, &str); 5] = [
    (None, "en"),
    (Some("ja"), "ja"),
    (Some("ja-JP"), "ja"),
    (Some("ja;q=0.9, en;q=0.8"), "ja"),
    (Some("ja;q=0.1, en"), "en"),
];

fn has_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

/// Sends `request` with `accept_language` and returns the problem and its Content-Language.
async fn problem_in(
    request: RequestBuilder,
    accept_language: Option<&str>,
    status: u16,
    context: &str,
) -> (Value, String) {
    let request = match accept_language {
        Some(value) => request.header("accept-language", value),
        None => request,
    };
    let response = request.send().await.expect("the request is answered");
    let language = response
        .headers()
        .get("content-language")
        .and_then(|value| value.to_str().ok())
        .unwrap_or("(none)")
        .to_owned();
    let context = format!("{context} with Accept-Language {accept_language:?}");
    (assert_problem(response, status, &context).await, language)
}

/// Every human-readable text of a problem: title, detail, each field message and an OAuth
/// error_description.
fn texts(problem: &Value) -> Vec<String> {
    let mut texts = vec![
        problem["title"].as_str().unwrap_or_default().to_owned(),
        problem["detail"].as_str().unwrap_or_default().to_owned(),
    ];
    for error in problem["errors"].as_array().into_iter().flatten() {
        texts.push(error["message"].as_str().unwrap_or_default().to_owned());
    }
    if let Some(description) = problem["error_description"].as_str() {
        texts.push(description.to_owned());
    }
    texts
}

/// `problem` without the members that are translated, to compare across languages.
fn untranslated_members(problem: &Value) -> Value {
    let mut rest = problem.clone();
    let members = rest.as_object_mut().expect("a problem object");
    for translated in ["title", "detail", "error_description"] {
        members.remove(translated);
    }
    if let Some(errors) = members.get_mut("errors").and_then(Value::as_array_mut) {
        for error in errors {
            error
                .as_object_mut()
                .expect("an error object")
                .remove("message");
        }
    }
    rest
}

/// Sends the request `build` makes once per [`NEGOTIATIONS`] entry and checks each answer:
/// the negotiated Content-Language, Japanese texts exactly when it is `ja`, English ones
/// equal to the answer without the header, and every other member unchanged.
async fn assert_answered_in_each_language(
    build: impl Fn() -> RequestBuilder,
    status: u16,
    context: &str,
) -> Value {
    let (english, language) = problem_in(build(), None, status, context).await;
    assert_eq!(
        language, "en",
        "{context}: no header is answered in English"
    );
    let mut japanese = None;
    for (accept_language, expected) in NEGOTIATIONS {
        let (problem, language) = problem_in(build(), accept_language, status, context).await;
        let case = format!("{context}, Accept-Language {accept_language:?}");
        assert_eq!(language, expected, "{case}: Content-Language");
        assert_eq!(
            untranslated_members(&problem),
            untranslated_members(&english),
            "{case}: type, status, fields and extension members stay the same"
        );
        if expected == "ja" {
            for text in texts(&problem) {
                assert!(has_japanese(&text), "{case}: {text:?} is not Japanese");
            }
            if problem.get("error_description").is_some() {
                assert_eq!(
                    problem["error_description"], problem["detail"],
                    "{case}: error_description says what detail says"
                );
            }
            japanese = Some(problem);
        } else {
            assert_eq!(problem, english, "{case}: the English answer");
            // Details may quote Japanese names (東京都); the title is English through and through.
            assert!(
                problem["title"]
                    .as_str()
                    .is_some_and(|title| title.is_ascii()),
                "{case}: an English title"
            );
        }
    }
    japanese.expect("at least one negotiation asks for Japanese")
}

/// Builds the same request again for each language asked.
type BuildRequest<'a> = Box<dyn Fn() -> RequestBuilder + 'a>;

fn bad_filing() -> Value {
    json!({
        "company": {"name": "株式会社サンプル製作所", "corporate_number": "7000012050003",
                    "prefecture": "99", "industry": "E", "employees": 45},
        "contact": {"name": "山田 太郎", "email": "not-an-address", "phone": "03-1234-5678"},
        "subject": "",
        "description": "テレワーク導入について相談したい。",
        "topics": ["labor.nothing"],
        "preferred_mode": "online"
    })
}

#[tokio::test]
async fn a_bad_filing_lists_every_field_in_the_language_the_client_prefers() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let build = || {
        app.api
            .post(app.url("/v1/tickets"))
            .bearer_auth(&partner)
            .json(&bad_filing())
    };
    let japanese = assert_answered_in_each_language(build, 422, "a bad filing").await;
    assert!(
        error_fields(&japanese).len() >= 4,
        "every bad field is listed: {japanese}"
    );
    assert_eq!(japanese["title"], "リクエストの内容が正しくありません");
}

#[tokio::test]
async fn not_found_unauthenticated_forbidden_and_middleware_refusals_answer_in_the_negotiated_language()
 {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let missing = format!("/v1/tickets/{}", Uuid::new_v4());
    let cases: [(&str, BuildRequest<'_>, u16); 4] = [
        (
            "a case that does not exist",
            Box::new(|| app.api.get(app.url(&missing)).bearer_auth(&coordinator)),
            404,
        ),
        (
            "a list without a token",
            Box::new(|| app.api.get(app.url("/v1/tickets"))),
            401,
        ),
        (
            "a partner listing API clients",
            Box::new(|| app.api.get(app.url("/v1/clients")).bearer_auth(&partner)),
            403,
        ),
        (
            // Refused by a middleware as an error rather than a response: the language
            // middleware outside it still renders it.
            "a query string with a NUL",
            Box::new(|| {
                app.api
                    .get(app.url("/v1/tickets?q=%00"))
                    .bearer_auth(&coordinator)
            }),
            422,
        ),
    ];
    for (context, build, status) in cases {
        assert_answered_in_each_language(build, status, context).await;
    }
}

#[tokio::test]
async fn an_illegal_transition_explains_itself_in_japanese_and_keeps_its_allowed_moves() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let id = filed_ticket(&app, &partner).await;
    let build = || {
        app.api
            .post(app.url(&format!("/v1/tickets/{id}/transitions")))
            .bearer_auth(&coordinator)
            .json(&json!({"to": "closed", "reason": "test"}))
    };
    let japanese = assert_answered_in_each_language(build, 409, "closing a triaged case").await;
    let allowed = japanese["allowed"].as_array().expect("allowed moves");
    assert!(
        allowed.contains(&json!("on_hold")) && allowed.contains(&json!("cancelled")),
        "the allowed moves are the codes, untranslated: {japanese}"
    );
}

#[tokio::test]
async fn the_token_endpoint_refuses_in_the_negotiated_language_with_its_oauth_code() {
    let app = spawn_app().await;
    let cases: [(&str, Value, u16, &str); 2] = [
        (
            "a wrong secret",
            json!({"grant_type": "client_credentials", "client_id": "nobody",
                   "client_secret": "wrong"}),
            401,
            "invalid_client",
        ),
        (
            "another grant type",
            json!({"grant_type": "password", "client_id": "nobody", "client_secret": "x"}),
            400,
            "unsupported_grant_type",
        ),
    ];
    for (context, body, status, code) in cases {
        let build = || app.api.post(app.url("/v1/auth/token")).json(&body);
        let japanese = assert_answered_in_each_language(build, status, context).await;
        assert_eq!(japanese["error"], code, "{context}: the OAuth code stays");
    }
}

async fn filed_ticket(app: &TestApp, partner: &str) -> String {
    let body = json!({
        "company": {"name": "株式会社サンプル製作所", "corporate_number": "7000012050002",
                    "prefecture": "13", "industry": "E", "employees": 45},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp", "phone": "03-1234-5678"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いを知りたい。",
        "topics": ["labor.working_hours"],
        "preferred_mode": "online"
    });
    let response = app.post_json("/v1/tickets", partner, &body).await;
    assert_eq!(response.status().as_u16(), 201, "the case is filed");
    let case: Value = response.json().await.expect("a case");
    case["id"].as_str().expect("an id").to_owned()
}
