//! What every request passes at the boundary, whatever its route: text without control
//! characters, one JSON document, readable encodings, bodies that arrive in time, cursors of
//! the list that made them, dates the calendar knows, and the headers that keep personal
//! data out of caches and let configured frontends in.
use std::time::{Duration, Instant};

use onestop::{auth::Role, entities::ticket};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::{
    consulting::{assign_to, expect_json, id_of, intake, new_manager, routed_ticket},
    helpers::{TestApp, assert_problem, error_fields, spawn_app, spawn_app_with},
};

async fn ticket_count(app: &TestApp) -> u64 {
    ticket::Entity::find().count(&app.db).await.unwrap()
}

/// `body` with the string at `path` (dot-separated) replaced by `text`.
fn with_text(mut body: Value, path: &str, text: &str) -> Value {
    let mut slot = &mut body;
    for key in path.split('.') {
        slot = &mut slot[key];
    }
    *slot = Value::from(text);
    body
}

#[tokio::test]
async fn a_nul_or_control_character_in_any_text_field_is_422_naming_the_field_and_stores_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let case = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let manager = new_manager(&app, &coordinator, "管理 一郎", &["labor"], 3).await;
    assign_to(&app, &coordinator, &case, &manager).await;
    let session = expect_json(
        app.post_json(
            &format!("/v1/tickets/{case}/sessions"),
            &coordinator,
            &json!({"starts_at": "2030-06-03T01:00:00Z", "duration_minutes": 60, "mode": "online"}),
        )
        .await,
        201,
        "a session",
    )
    .await;
    let session = id_of(&session);
    let before = ticket_count(&app).await;

    let comment = json!({"body": "ok", "visibility": "partner"});
    let manager_body =
        json!({"name": "x", "email": "m@example.jp", "tracks": ["ict"], "capacity": 1});
    let partner_body = json!({"name": "x", "kind": "other", "prefecture": "13"});
    let client_body = json!({"name": "x", "role": "analyst"});
    let session_body = json!({"starts_at": "2030-06-10T01:00:00Z", "duration_minutes": 60, "mode": "online", "notes": "x"});
    #[rustfmt::skip]
    let posts: Vec<(&str, &str, Value, &str)> = vec![
        ("/v1/tickets", &partner, intake(), "subject"),
        ("/v1/tickets", &partner, intake(), "description"),
        ("/v1/tickets", &partner, intake(), "company.name"),
        ("/v1/tickets", &partner, intake(), "company.corporate_number"),
        ("/v1/tickets", &partner, intake(), "contact.name"),
        ("/v1/tickets", &partner, intake(), "contact.email"),
        ("/v1/tickets", &partner, intake(), "contact.phone"),
        ("/v1/partners", &admin, partner_body.clone(), "name"),
        ("/v1/clients", &admin, client_body.clone(), "name"),
        ("/v1/managers", &coordinator, manager_body.clone(), "name"),
        ("/v1/managers", &coordinator, manager_body.clone(), "email"),
    ];
    for (path, token, body, field) in posts {
        for bad in ["x\u{0}y", "x\u{1b}[31m", "x\u{7}"] {
            let response = app
                .post_json(path, token, &with_text(body.clone(), field, bad))
                .await;
            let problem = assert_problem(response, 422, &format!("{path} {field} {bad:?}")).await;
            assert_eq!(error_fields(&problem), [field], "{path} {field}: {problem}");
        }
    }
    // Comments and notes may span lines; names and subjects may not.
    let comments = format!("/v1/tickets/{case}/comments");
    let problem = assert_problem(
        app.post_json(
            &comments,
            &partner,
            &with_text(comment.clone(), "body", "a\u{0}"),
        )
        .await,
        422,
        "a comment with NUL",
    )
    .await;
    assert_eq!(error_fields(&problem), ["body"]);
    let multiline = app
        .post_json(
            &comments,
            &partner,
            &with_text(comment, "body", "line 1\nline 2\ttab"),
        )
        .await;
    assert_eq!(
        multiline.status().as_u16(),
        201,
        "comments keep line breaks"
    );
    let problem = assert_problem(
        app.post_json(
            "/v1/tickets",
            &partner,
            &with_text(intake(), "subject", "two\nlines"),
        )
        .await,
        422,
        "a subject on two lines",
    )
    .await;
    assert_eq!(error_fields(&problem), ["subject"]);
    let sessions = format!("/v1/tickets/{case}/sessions");
    let problem = assert_problem(
        app.post_json(
            &sessions,
            &coordinator,
            &with_text(session_body, "notes", "n\u{0}"),
        )
        .await,
        422,
        "session notes with NUL",
    )
    .await;
    assert_eq!(error_fields(&problem), ["notes"]);
    let problem = assert_problem(
        app.patch_json(
            &format!("/v1/sessions/{session}"),
            &coordinator,
            None,
            &json!({"status": "held", "notes": "held\u{0}"}),
        )
        .await,
        422,
        "session notes edited with NUL",
    )
    .await;
    assert_eq!(error_fields(&problem), ["notes"]);
    let current = app.get(&format!("/v1/tickets/{case}"), &partner).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    for (field, body) in [
        ("subject", json!({"subject": "件名\u{0}"})),
        ("description", json!({"description": "説明\u{0}"})),
        (
            "contact.name",
            json!({"contact": {"name": "山田\u{0}", "email": "y@example.jp"}}),
        ),
    ] {
        let response = app
            .patch_json(
                &format!("/v1/tickets/{case}"),
                &coordinator,
                Some(&etag),
                &body,
            )
            .await;
        let problem = assert_problem(response, 422, &format!("PATCH {field}")).await;
        assert_eq!(error_fields(&problem), [field], "PATCH {field}: {problem}");
    }
    // Object keys are text too.
    let problem = assert_problem(
        app.post_json(
            "/v1/partners",
            &admin,
            &json!({"name": "x", "kind": "other", "prefecture": "13", "k\u{0}": 1}),
        )
        .await,
        422,
        "a key with NUL",
    )
    .await;
    assert_eq!(error_fields(&problem), ["body"], "{problem}");

    // Without a token: the token endpoint, as JSON and as a form.
    let token_url = app.url("/v1/auth/token");
    let json_token = app
        .api
        .post(&token_url)
        .json(&json!({"client_id": "oc_\u{0}", "client_secret": "x"}))
        .send()
        .await
        .unwrap();
    // The token endpoint answers RFC 6749 §5.2's 400 invalid_request, naming the field too.
    let problem = assert_problem(json_token, 400, "a token request with NUL").await;
    assert_eq!(problem["error"], "invalid_request", "{problem}");
    assert_eq!(error_fields(&problem), ["client_id"]);
    let form_token = app
        .api
        .post(&token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=client_credentials&client_id=oc_%00&client_secret=x")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(form_token, 400, "a form token request with NUL").await;
    assert_eq!(problem["error"], "invalid_request", "{problem}");
    assert_eq!(error_fields(&problem), ["client_id"]);
    let basic_token = app
        .api
        .post(&token_url)
        .basic_auth("oc_\u{0}", Some("secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    let problem = assert_problem(basic_token, 400, "Basic credentials with NUL").await;
    assert_eq!(error_fields(&problem), ["client_id"], "{problem}");

    // Query strings, on every route.
    for (path, field) in [
        ("/v1/tickets?q=%00", "q"),
        ("/v1/tickets?q=a%1Bb", "q"),
        ("/v1/tickets?status=received%00", "status"),
        ("/v1/managers?track=ict%00", "track"),
    ] {
        let problem = assert_problem(app.get(path, &coordinator).await, 422, path).await;
        assert_eq!(error_fields(&problem), [field], "{path}");
    }
    assert_eq!(ticket_count(&app).await, before, "nothing was filed");
    let comments: Value = app.get(&comments, &coordinator).await.json().await.unwrap();
    assert_eq!(comments.as_array().unwrap().len(), 1, "{comments}");
}

#[tokio::test]
async fn data_after_the_json_document_is_refused_with_400() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let document = intake().to_string();
    for trailing in [
        format!("{document}xyz"),
        format!("{document}{document}"),
        format!("{document} {{}}"),
        format!("{document}\n[]"),
    ] {
        let response = app
            .api
            .post(app.url("/v1/tickets"))
            .bearer_auth(&partner)
            .header("content-type", "application/json")
            .body(trailing.clone())
            .send()
            .await
            .unwrap();
        assert_problem(
            response,
            400,
            &format!("trailing data: {}", &trailing[trailing.len() - 8..]),
        )
        .await;
    }
    let token = app
        .api
        .post(app.url("/v1/auth/token"))
        .header("content-type", "application/json")
        .body(r#"{"client_id": "oc_x", "client_secret": "y"}xyz"#)
        .send()
        .await
        .unwrap();
    assert_problem(token, 400, "trailing data on the token endpoint").await;
    let whitespace_after = app
        .api
        .post(app.url("/v1/tickets"))
        .bearer_auth(&partner)
        .header("content-type", "application/json")
        .body(format!("{document}\n  \n"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        whitespace_after.status().as_u16(),
        201,
        "whitespace after is fine"
    );
    assert_eq!(ticket_count(&app).await, 1);
}

#[tokio::test]
async fn an_unknown_content_encoding_is_415_and_files_nothing() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    for encoding in ["compress-x", "gzip, snappy", "aes128gcm"] {
        let response = app
            .api
            .post(app.url("/v1/tickets"))
            .bearer_auth(&partner)
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(intake().to_string())
            .send()
            .await
            .unwrap();
        assert_problem(response, 415, encoding).await;
    }
    let identity = app
        .api
        .post(app.url("/v1/tickets"))
        .bearer_auth(&partner)
        .header("content-type", "application/json")
        .header("content-encoding", "identity")
        .body(intake().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(identity.status().as_u16(), 201);
    assert_eq!(ticket_count(&app).await, 1);
}

/// Sends the head of a request declaring 1,000 bytes of body, then 10 bytes, and returns
/// what the server answered and how long it took to close the connection.
async fn trickle(app: &TestApp, token: Option<&str>) -> (String, Duration) {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let authorization = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    let head = format!(
        "POST /v1/tickets HTTP/1.1\r\nHost: {address}\r\n{authorization}\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"subject\""
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "the connection is still held after 20 s");
    (
        String::from_utf8_lossy(&answer).into_owned(),
        started.elapsed(),
    )
}

#[tokio::test]
async fn a_body_that_trickles_in_is_answered_408_and_the_connection_closed_in_time() {
    let app = spawn_app_with(|settings| settings.http.body_timeout = Duration::from_secs(1)).await;
    let partner = app.token_with_role(Role::Partner).await;
    let (answer, took) = trickle(&app, Some(&partner)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(took < Duration::from_secs(5), "closed after {took:?}");
    let (answer, took) = trickle(&app, None).await;
    assert!(
        answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.1 401"),
        "{answer}"
    );
    assert!(
        took < Duration::from_secs(5),
        "unauthenticated: closed after {took:?}"
    );
    assert_eq!(ticket_count(&app).await, 0);
}

#[tokio::test]
async fn answers_with_personal_data_are_not_stored_and_no_answer_is_sniffed() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let filed = app.post_json("/v1/tickets", &partner, &intake()).await;
    let cache = |response: &reqwest::Response| {
        response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let sniff = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-content-type-options")
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert_eq!(
        cache(&filed).as_deref(),
        Some("no-store"),
        "the 201 of a case"
    );
    let case: Value = filed.json().await.unwrap();
    let id = id_of(&case);
    let webhook = app
        .post_json(
            "/v1/webhooks",
            &admin,
            &json!({"url": "https://example.com/hook", "events": ["ticket.created"]}),
        )
        .await;
    assert_eq!(
        cache(&webhook).as_deref(),
        Some("no-store"),
        "the webhook secret"
    );
    let client = app
        .post_json(
            "/v1/clients",
            &admin,
            &json!({"name": "reports", "role": "analyst"}),
        )
        .await;
    assert_eq!(
        cache(&client).as_deref(),
        Some("no-store"),
        "a client secret"
    );
    for (path, token) in [
        (format!("/v1/tickets/{id}"), &partner),
        ("/v1/tickets".to_owned(), &coordinator),
        (format!("/v1/tickets/{id}/comments"), &partner),
        (format!("/v1/tickets/{id}/events"), &partner),
        ("/v1/events".to_owned(), &coordinator),
        ("/v1/clients".to_owned(), &admin),
        ("/v1/webhooks".to_owned(), &admin),
        ("/v1/no-such-thing".to_owned(), &admin),
        // A refusal before any handler (a NUL in the query) carries them too.
        ("/v1/tickets?q=%00".to_owned(), &coordinator),
    ] {
        let response = app.get(&path, token).await;
        assert_eq!(cache(&response).as_deref(), Some("no-store"), "{path}");
        assert_eq!(sniff(&response).as_deref(), Some("nosniff"), "{path}");
    }
    for path in ["/healthz", "/openapi.json", "/docs", "/metrics"] {
        let response = app.api.get(app.url(path)).send().await.unwrap();
        assert_eq!(sniff(&response).as_deref(), Some("nosniff"), "{path}");
    }
}

#[tokio::test]
async fn configured_frontends_get_cors_and_other_origins_do_not() {
    let frontend = "https://consultants.example.jp";
    let app =
        spawn_app_with(|settings| settings.http.cors_origins = vec![frontend.to_owned()]).await;
    let partner = app.token_with_role(Role::Partner).await;
    let preflight = app
        .api
        .request(reqwest::Method::OPTIONS, app.url("/v1/tickets"))
        .header("origin", frontend)
        .header("access-control-request-method", "PATCH")
        .header(
            "access-control-request-headers",
            "authorization, content-type, if-match",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], frontend);
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("PATCH"), "{methods}");
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in ["authorization", "content-type", "if-match"] {
        assert!(allowed.contains(header), "{header} in {allowed}");
    }

    let filed = app
        .api
        .post(app.url("/v1/tickets"))
        .bearer_auth(&partner)
        .header("origin", frontend)
        .json(&intake())
        .send()
        .await
        .unwrap();
    assert_eq!(filed.status().as_u16(), 201);
    assert_eq!(filed.headers()["access-control-allow-origin"], frontend);
    let exposed = filed.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for header in ["etag", "location", "link", "retry-after"] {
        assert!(exposed.contains(header), "{header} in {exposed}");
    }

    let stranger = app
        .api
        .get(app.url("/v1/tickets"))
        .bearer_auth(&partner)
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(
        stranger
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    let closed = spawn_app().await;
    let token = closed.token_with_role(Role::Partner).await;
    let without_config = closed
        .api
        .get(closed.url("/v1/tickets"))
        .bearer_auth(&token)
        .header("origin", frontend)
        .send()
        .await
        .unwrap();
    assert!(
        without_config
            .headers()
            .get("access-control-allow-origin")
            .is_none(),
        "no origins are allowed by default"
    );
}

#[tokio::test]
async fn if_match_compares_strongly_and_star_matches_the_existing_case() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let filed = expect_json(
        app.post_json("/v1/tickets", &partner, &intake()).await,
        201,
        "filing",
    )
    .await;
    let path = format!("/v1/tickets/{}", id_of(&filed));
    let edit = |subject: &str| json!({"subject": subject});
    let weak = app
        .patch_json(&path, &partner, Some("W/\"1\""), &edit("weak"))
        .await;
    assert_problem(weak, 412, "a weak ETag never matches strongly").await;
    let star = app
        .patch_json(&path, &partner, Some("*"), &edit("star"))
        .await;
    assert_eq!(star.status().as_u16(), 200, "* matches an existing case");
    assert_eq!(star.headers()["etag"], "\"2\"");
    let list = app
        .patch_json(&path, &partner, Some("\"1\", \"2\""), &edit("list"))
        .await;
    assert_eq!(list.status().as_u16(), 200, "one of a list matches");
    let stale = app
        .patch_json(&path, &partner, Some("\"1\", \"2\""), &edit("stale"))
        .await;
    assert_problem(stale, 412, "neither tag is current").await;
    let case: Value = app.get(&path, &partner).await.json().await.unwrap();
    assert_eq!(case["subject"], "list");
    assert_eq!(case["version"], 3);
}

#[tokio::test]
async fn a_cursor_works_only_on_the_list_and_filters_that_made_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let mut phoned = intake();
    phoned["channel"] = json!("phone");
    for _ in 0..3 {
        expect_json(
            app.post_json("/v1/tickets", &coordinator, &phoned).await,
            201,
            "filing",
        )
        .await;
    }
    let first: Value = app
        .get("/v1/tickets?limit=1&prefecture=13", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let same = app
        .get(
            &format!("/v1/tickets?prefecture=13&limit=2&cursor={cursor}"),
            &coordinator,
        )
        .await;
    assert_eq!(
        same.status().as_u16(),
        200,
        "same filters, another page size"
    );
    for path in [
        format!("/v1/tickets?cursor={cursor}"),
        format!("/v1/tickets?prefecture=14&cursor={cursor}"),
        format!("/v1/tickets?prefecture=13&track=ict&cursor={cursor}"),
    ] {
        let problem = assert_problem(app.get(&path, &coordinator).await, 422, &path).await;
        assert_eq!(error_fields(&problem), ["cursor"], "{path}");
    }
    let problem = assert_problem(
        app.get(&format!("/v1/partners?cursor={cursor}"), &admin)
            .await,
        422,
        "a case cursor on the partner list",
    )
    .await;
    assert_eq!(error_fields(&problem), ["cursor"]);
}

#[tokio::test]
async fn dates_outside_the_years_the_calendar_knows_are_422_naming_the_field() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let case = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let manager = new_manager(&app, &coordinator, "暦 太郎", &["labor"], 3).await;
    assign_to(&app, &coordinator, &case, &manager).await;
    for starts_at in [
        "9999-06-03T01:00:00Z",
        "1999-06-03T01:00:00Z",
        "2100-01-05T01:00:00Z",
    ] {
        let response = app
            .post_json(
                &format!("/v1/tickets/{case}/sessions"),
                &coordinator,
                &json!({"starts_at": starts_at, "duration_minutes": 60, "mode": "online"}),
            )
            .await;
        let problem = assert_problem(response, 422, starts_at).await;
        assert_eq!(error_fields(&problem), ["starts_at"], "{starts_at}");
    }
    #[rustfmt::skip]
    let queries = [
        ("/v1/calendar/business-days?from=1999-12-31&days=1", "from"),
        ("/v1/calendar/business-days?from=2101-01-04&days=1", "from"),
        ("/v1/calendar/business-days?from=2099-12-30&days=5", "days"),
        ("/v1/reports/summary?fiscal_year=2150&group_by=track", "fiscal_year"),
        ("/v1/reports/summary?from=1900-01-01&to=2026-01-01&group_by=track", "from"),
        ("/v1/reports/summary?from=2026-01-01&to=9999-01-01&group_by=track", "to"),
        ("/v1/tickets?created_from=1900-01-01", "created_from"),
        ("/v1/tickets?created_to=3000-01-01", "created_to"),
    ];
    for (path, field) in queries {
        let problem = assert_problem(app.get(path, &coordinator).await, 422, path).await;
        assert_eq!(error_fields(&problem), [field], "{path}");
    }
    let fine = app
        .get(
            "/v1/calendar/business-days?from=2026-12-28&days=3",
            &coordinator,
        )
        .await;
    assert_eq!(fine.status().as_u16(), 200);
}

#[tokio::test]
async fn the_role_is_checked_before_the_body_is_read() {
    let app = spawn_app().await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = app.token_with_role(Role::Manager).await;
    #[rustfmt::skip]
    let cases: [(&str, &str, &str, &str, &str); 8] = [
        ("/v1/managers", &analyst, "application/json", "{}", "an empty manager"),
        ("/v1/managers", &analyst, "application/json", "{\"name\": ", "a broken document"),
        ("/v1/managers", &analyst, "text/plain", "hello", "the wrong media type"),
        ("/v1/tickets", &analyst, "application/json", "{}", "an empty case"),
        ("/v1/partners", &partner, "application/json", "{\"name\": 5}", "a partner with a bad name"),
        ("/v1/clients", &manager, "application/json", "[]", "a client as an array"),
        ("/v1/routing/classify", &partner, "application/json", "{}", "an empty classification"),
        ("/v1/webhooks", &manager, "application/json", "{\"url\": 1}", "a webhook with a bad url"),
    ];
    for (path, token, content_type, body, why) in cases {
        let response = app
            .api
            .post(app.url(path))
            .bearer_auth(token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, 403, &format!("{why} on {path}")).await;
    }
    let rules = app
        .api
        .put(app.url("/v1/routing/rules"))
        .bearer_auth(&analyst)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_problem(rules, 403, "an analyst replacing the rules with nothing").await;
}

#[tokio::test]
async fn whole_numbers_sent_as_floats_are_taken_as_the_integers_they_are() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let mut body = intake();
    body["company"]["employees"] = json!(45.0);
    body["company"]["capital_jpy"] = json!(10_000_000.0);
    let filed = expect_json(
        app.post_json("/v1/tickets", &partner, &body).await,
        201,
        "45.0",
    )
    .await;
    assert_eq!(filed["company"]["employees"], 45, "{filed}");
    assert_eq!(filed["company"]["capital_jpy"], 10_000_000, "{filed}");
    body["company"]["employees"] = json!(45.5);
    let problem = assert_problem(
        app.post_json("/v1/tickets", &partner, &body).await,
        422,
        "45.5",
    )
    .await;
    assert_eq!(error_fields(&problem), ["company.employees"], "{problem}");
}
