//! Cases: intake, validation, isolation, idempotency, pagination, concurrency control,
//! transitions, comments, events and routing overrides.
use std::collections::HashSet;

use onestop::{auth::Role, entities::ticket};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

fn intake() -> Value {
    json!({
        "company": {"name": "株式会社サンプル製作所", "corporate_number": "7000012050002",
                    "prefecture": "13", "industry": "E", "employees": 45, "capital_jpy": 10000000},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp", "phone": "03-1234-5678"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours", "labor.work_rules"],
        "preferred_mode": "online"
    })
}

async fn ticket_count(app: &TestApp) -> u64 {
    ticket::Entity::find().count(&app.db).await.unwrap()
}

async fn file(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post_json("/v1/tickets", token, body).await;
    assert_eq!(response.status().as_u16(), 201, "filing failed");
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_partner_files_a_case_that_is_routed_referenced_and_classified() {
    let app = spawn_app().await;
    let partner_id = app.create_partner("東京商工会議所").await;
    let partner_client = app
        .create_client(Role::Partner, Some(partner_id), None)
        .await;
    let partner = app.token_for(&partner_client).await;
    let response = app.post_json("/v1/tickets", &partner, &intake()).await;
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let case: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/v1/tickets/{}", case["id"].as_str().unwrap())
    );
    assert_eq!(etag, "\"1\"");
    let reference = case["reference"].as_str().unwrap();
    assert!(
        reference.starts_with("TW-20") && reference.len() == "TW-2026-000001".len(),
        "{reference}"
    );
    assert!(reference.ends_with("-000001"), "{reference}");
    assert_eq!(case["partner_id"], partner_id.to_string());
    assert_eq!(case["channel"], "partner");
    assert_eq!(case["track"], "labor");
    assert_eq!(case["status"], "triaged");
    assert_eq!(case["routing"]["applied"], true);
    assert_eq!(case["routing"]["track"], "labor");
    assert!(case["routing"]["explanation"].as_array().unwrap().len() >= 2);
    assert_eq!(case["company"]["is_sme"], true);
    assert_eq!(case["company"]["prefecture_name"], "東京都");
    assert_eq!(case["version"], 1);
    assert!(
        case["sla"]["first_contact_due"].is_string() && case["sla"]["assignment_due"].is_string()
    );
    assert!(case["manager_id"].is_null() && case["outcome"].is_null());

    let fetched = app.get(&location, &partner).await;
    assert_eq!(fetched.headers()["etag"], "\"1\"");
    let fetched: Value = fetched.json().await.unwrap();
    assert_eq!(fetched, case);

    let second = file(&app, &partner, &intake()).await;
    assert!(second["reference"].as_str().unwrap().ends_with("-000002"));
    assert!(
        case.get("company_record").is_none() && case["company"].get("id").is_none(),
        "partners see their case's details, not the shared record: {case}"
    );
    let coordinator = app.token_with_role(Role::Coordinator).await;
    assert_eq!(
        record_id(&app, &coordinator, &second).await,
        record_id(&app, &coordinator, &case).await,
        "one company per corporate number"
    );
}

/// The id of the shared company record behind `case`, as a coordinator reads it.
async fn record_id(app: &TestApp, coordinator: &str, case: &Value) -> String {
    let path = format!("/v1/tickets/{}", case["id"].as_str().unwrap());
    let seen: Value = app.get(&path, coordinator).await.json().await.unwrap();
    seen["company_record"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("a coordinator sees the company record: {seen}"))
        .to_owned()
}

#[tokio::test]
async fn a_coordinator_files_phone_web_and_email_cases_and_partners_cannot_pick_a_channel() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    for channel in ["phone", "web", "email"] {
        let mut body = intake();
        body["channel"] = json!(channel);
        let case = file(&app, &coordinator, &body).await;
        assert_eq!(case["channel"], channel);
        assert!(case["partner_id"].is_null());
    }
    let without = app.post_json("/v1/tickets", &coordinator, &intake()).await;
    assert_eq!(
        error_fields(&assert_problem(without, 422, "no channel").await),
        ["channel"]
    );
    let partner = app.token_with_role(Role::Partner).await;
    let mut body = intake();
    body["channel"] = json!("phone");
    let response = app.post_json("/v1/tickets", &partner, &body).await;
    assert_eq!(
        error_fields(&assert_problem(response, 422, "a partner picks a channel").await),
        ["channel"]
    );
    for role in [Role::Manager, Role::Analyst, Role::Admin] {
        let token = app.token_with_role(role).await;
        let response = app.post_json("/v1/tickets", &token, &intake()).await;
        assert_problem(response, 403, &format!("{role} files")).await;
    }
}

#[tokio::test]
async fn the_same_company_without_a_corporate_number_is_recognized_across_partners() {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let mut first = intake();
    first["company"] =
        json!({"name": "(株)ミナミ商店", "prefecture": "27", "industry": "I", "employees": 8});
    let mut second = intake();
    second["company"] = json!({"name": "株式会社 ミナミ商店", "prefecture": "大阪府"});
    let mut elsewhere = intake();
    elsewhere["company"] = json!({"name": "株式会社ミナミ商店", "prefecture": "13"});
    let one = file(&app, &a, &first).await;
    let two = file(&app, &b, &second).await;
    let three = file(&app, &b, &elsewhere).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let one = record_id(&app, &coordinator, &one).await;
    assert_eq!(one, record_id(&app, &coordinator, &two).await);
    assert_ne!(
        one,
        record_id(&app, &coordinator, &three).await,
        "another prefecture is another company"
    );
}

#[tokio::test]
async fn invalid_intakes_name_the_field_and_create_nothing() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let with = |path: &[&str], value: Value| {
        let mut body = intake();
        let mut target = &mut body;
        for key in &path[..path.len() - 1] {
            target = &mut target[*key];
        }
        target[path[path.len() - 1]] = value;
        body
    };
    let without = |key: &str| {
        let mut body = intake();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "bad prefecture code",
            with(&["company", "prefecture"], json!("48")),
            "company.prefecture",
        ),
        (
            "bad prefecture name",
            with(&["company", "prefecture"], json!("東京")),
            "",
        ),
        (
            "bad check digit",
            with(&["company", "corporate_number"], json!("1000012050002")),
            "company.corporate_number",
        ),
        (
            "short corporate number",
            with(&["company", "corporate_number"], json!("70000120500")),
            "company.corporate_number",
        ),
        (
            "bad e-mail",
            with(&["contact", "email"], json!("yamada@")),
            "contact.email",
        ),
        (
            "bad phone",
            with(&["contact", "phone"], json!("call me")),
            "contact.phone",
        ),
        ("empty subject", with(&["subject"], json!("   ")), "subject"),
        (
            "empty company name",
            with(&["company", "name"], json!("")),
            "company.name",
        ),
        (
            "unknown topic",
            with(&["topics"], json!(["labor.work_rules", "ict.blockchain"])),
            "topics[1]",
        ),
        (
            "repeated topic",
            with(&["topics"], json!(["ict.security", "ict.security"])),
            "topics[1]",
        ),
        (
            "negative employees",
            with(&["company", "employees"], json!(-3)),
            "company.employees",
        ),
        (
            "negative capital",
            with(&["company", "capital_jpy"], json!(-1)),
            "company.capital_jpy",
        ),
        (
            "unknown industry",
            with(&["company", "industry"], json!("Z")),
            "company.industry",
        ),
        (
            "unknown mode",
            with(&["preferred_mode"], json!("telepathy")),
            "preferred_mode",
        ),
        (
            "employees as text",
            with(&["company", "employees"], json!("many")),
            "company.employees",
        ),
        (
            "unknown field",
            with(&["priority"], json!("high")),
            "priority",
        ),
        (
            "forbidden status",
            with(&["status"], json!("resolved")),
            "status",
        ),
        (
            "forbidden partner_id",
            with(&["partner_id"], json!(Uuid::new_v4())),
            "partner_id",
        ),
        (
            "forbidden reference",
            with(&["reference"], json!("TW-2026-999999")),
            "reference",
        ),
        ("forbidden track", with(&["track"], json!("ict")), "track"),
        (
            "unknown company field",
            with(&["company", "is_sme"], json!(true)),
            "company.is_sme",
        ),
        ("missing contact", without("contact"), "contact"),
        (
            "oversized description",
            with(&["description"], json!("あ".repeat(20_001))),
            "description",
        ),
    ];
    // "東京" (without 都) is accepted by the prefecture parser; keep it as a control.
    for (why, body, field) in cases {
        let response = app.post_json("/v1/tickets", &partner, &body).await;
        if field.is_empty() {
            assert_eq!(response.status().as_u16(), 201, "{why} is accepted");
            continue;
        }
        let problem = assert_problem(response, 422, why).await;
        assert!(
            error_fields(&problem).iter().any(|f| f == field),
            "{why}: {problem}"
        );
    }
    let truncated = app
        .api
        .post(app.url("/v1/tickets"))
        .bearer_auth(&partner)
        .header("content-type", "application/json")
        .body(r#"{"company": {"name": "x""#)
        .send()
        .await
        .unwrap();
    assert_problem(truncated, 400, "truncated JSON").await;
    let huge = app
        .api
        .post(app.url("/v1/tickets"))
        .bearer_auth(&partner)
        .header("content-type", "application/json")
        .body(format!(r#"{{"subject": "{}"}}"#, "x".repeat(1_100_000)))
        .send()
        .await
        .unwrap();
    assert_problem(huge, 413, "a body over 1 MiB").await;
    let several = with(&["company", "prefecture"], json!("99"));
    let mut several = several;
    several["contact"]["email"] = json!("nope");
    several["subject"] = json!("");
    let problem = assert_problem(
        app.post_json("/v1/tickets", &partner, &several).await,
        422,
        "three bad fields",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["company.prefecture", "contact.email", "subject"]
    );
    assert_eq!(ticket_count(&app).await, 1, "only the control case exists");
}

#[tokio::test]
async fn partner_b_gets_404_on_every_route_of_partner_as_case() {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let case = file(&app, &a, &intake()).await;
    let id = case["id"].as_str().unwrap();
    let partner_a = case["partner_id"].as_str().unwrap();
    let base = format!("/v1/tickets/{id}");
    let checks: Vec<(&str, reqwest::Response)> = vec![
        ("read", app.get(&base, &b).await),
        (
            "edit",
            app.patch_json(&base, &b, Some("\"1\""), &json!({"subject": "x"}))
                .await,
        ),
        (
            "edit without If-Match",
            app.patch_json(&base, &b, None, &json!({"subject": "x"}))
                .await,
        ),
        (
            "cancel",
            app.post_json(
                &format!("{base}/transitions"),
                &b,
                &json!({"to": "cancelled"}),
            )
            .await,
        ),
        (
            "comment",
            app.post_json(&format!("{base}/comments"), &b, &json!({"body": "hi"}))
                .await,
        ),
        (
            "read comments",
            app.get(&format!("{base}/comments"), &b).await,
        ),
        ("read events", app.get(&format!("{base}/events"), &b).await),
    ];
    for (what, response) in checks {
        assert_problem(response, 404, &format!("partner B {what}s A's case")).await;
    }
    for query in ["", &format!("?partner_id={partner_a}")] {
        let list: Value = app
            .get(&format!("/v1/tickets{query}"), &b)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(
            list["items"].as_array().unwrap().len(),
            0,
            "B lists nothing with {query:?}"
        );
    }
    let unchanged: Value = app.get(&base, &a).await.json().await.unwrap();
    assert_eq!(unchanged["version"], 1, "nothing changed");
    assert_eq!(unchanged["status"], case["status"]);

    // Managers see only assigned cases; analysts see no case at all.
    let manager = app.token_with_role(Role::Manager).await;
    assert_problem(
        app.get(&base, &manager).await,
        404,
        "an unassigned manager reads",
    )
    .await;
    let analyst = app.token_with_role(Role::Analyst).await;
    assert_problem(
        app.get(&base, &analyst).await,
        403,
        "an analyst reads a case",
    )
    .await;
    assert_problem(
        app.get("/v1/tickets", &analyst).await,
        403,
        "an analyst lists cases",
    )
    .await;
}

#[tokio::test]
async fn an_idempotent_retry_replays_the_first_answer_and_a_different_body_is_refused() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let send = |key: &'static str, body: Value| {
        let request = app
            .api
            .post(app.url("/v1/tickets"))
            .bearer_auth(&partner)
            .header("idempotency-key", key)
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    let first = send("intake-1", intake()).await;
    assert_eq!(first.status().as_u16(), 201);
    let first_location = first.headers()["location"].clone();
    let first_etag = first.headers()["etag"].clone();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first_etag, format!("\"{}\"", first["version"]).as_str());
    let replay = send("intake-1", intake()).await;
    assert_eq!(replay.status().as_u16(), 201);
    assert_eq!(replay.headers()["location"], first_location);
    assert_eq!(
        replay.headers()["etag"],
        first_etag,
        "the replay carries the first ETag"
    );
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay, first, "the same body, the same id");
    assert_eq!(ticket_count(&app).await, 1);

    let mut other = intake();
    other["subject"] = json!("別の相談");
    let mismatch = send("intake-1", other).await;
    assert_problem(mismatch, 422, "the same key with another body").await;
    assert_eq!(ticket_count(&app).await, 1);

    for bad in ["", "キー", &"k".repeat(256)] {
        let refused = app
            .api
            .post(app.url("/v1/tickets"))
            .bearer_auth(&partner)
            .header("idempotency-key", bad)
            .json(&intake())
            .send()
            .await
            .unwrap();
        assert_problem(
            refused,
            400,
            "a key that is not 1-255 visible ASCII characters",
        )
        .await;
    }
    assert_eq!(ticket_count(&app).await, 1, "a malformed key files nothing");

    // Keys are per client: another client's identical key is its own.
    let other_partner = app.token_with_role(Role::Partner).await;
    let theirs = app
        .api
        .post(app.url("/v1/tickets"))
        .bearer_auth(&other_partner)
        .header("idempotency-key", "intake-1")
        .json(&intake())
        .send()
        .await
        .unwrap();
    assert_eq!(theirs.status().as_u16(), 201);
    assert_eq!(ticket_count(&app).await, 2);
}

#[tokio::test]
async fn twelve_concurrent_requests_over_three_keys_make_exactly_three_cases() {
    let app = spawn_app().await;
    let second_instance = app.another_instance().await;
    let partner = app.token_with_role(Role::Partner).await;
    let mut requests = Vec::new();
    for n in 0..12 {
        let key = format!("burst-{}", n % 3);
        let target = if n % 2 == 0 { &app } else { &second_instance };
        let mut body = intake();
        body["subject"] = json!(format!("同時送信 {}", n % 3));
        let request = target
            .api
            .post(target.url("/v1/tickets"))
            .bearer_auth(&partner)
            .header("idempotency-key", key.clone())
            .json(&body);
        requests.push(tokio::spawn(async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap();
            (key, status, body)
        }));
    }
    let mut ids_by_key: std::collections::HashMap<String, HashSet<String>> = Default::default();
    for request in requests {
        let (key, status, body) = request.await.unwrap();
        assert!(status == 201 || status == 409, "{key}: {status} {body}");
        if status == 201 {
            ids_by_key
                .entry(key)
                .or_default()
                .insert(body["id"].as_str().unwrap().to_owned());
        } else {
            assert!(
                body["type"]
                    .as_str()
                    .unwrap()
                    .ends_with("idempotency-key-in-flight"),
                "{body}"
            );
        }
    }
    assert_eq!(ticket_count(&app).await, 3, "exactly one case per key");
    for (key, ids) in &ids_by_key {
        assert_eq!(ids.len(), 1, "{key} answered with one id");
    }
}

#[tokio::test]
async fn pages_of_50_read_every_case_once_while_new_cases_are_filed() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let mut filed = HashSet::new();
    for chunk in 0..23 {
        let mut batch = Vec::new();
        for n in 0..10 {
            let mut body = intake();
            body["subject"] = json!(format!("案件 {}", chunk * 10 + n));
            let request = app
                .api
                .post(app.url("/v1/tickets"))
                .bearer_auth(&partner)
                .json(&body);
            batch.push(tokio::spawn(async move {
                request.send().await.unwrap().json::<Value>().await.unwrap()
            }));
        }
        for case in batch {
            filed.insert(case.await.unwrap()["id"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(filed.len(), 230);

    let mut seen = Vec::new();
    let mut path = "/v1/tickets?limit=50".to_owned();
    let mut pages = 0;
    loop {
        // Someone files while the reader pages.
        let mut body = intake();
        body["subject"] = json!(format!("途中の案件 {pages}"));
        let _ = file(&app, &partner, &body).await;
        let response = app.get(&path, &coordinator).await;
        assert_eq!(response.status().as_u16(), 200);
        let page: Value = response.json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 50);
        seen.extend(items.iter().map(|c| c["id"].as_str().unwrap().to_owned()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/tickets?limit=50&cursor={cursor}"),
            None => break,
        }
        assert!(pages < 20, "pagination does not end");
    }
    let unique: HashSet<_> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "no case is read twice");
    assert!(filed.is_subset(&unique), "no case is missing");
}

#[tokio::test]
async fn the_list_filters_by_status_track_prefecture_partner_dates_and_text() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner_id = app.create_partner("大阪商工会議所").await;
    let partner_client = app
        .create_client(Role::Partner, Some(partner_id), None)
        .await;
    let partner = app.token_for(&partner_client).await;
    let labor = file(&app, &partner, &intake()).await;
    let mut ict = intake();
    ict["subject"] = json!("VPNとリモートアクセスの導入");
    ict["description"] = json!("社内サーバに自宅からVPNで安全に接続したい。ノートPCの暗号化も。");
    ict["topics"] = json!(["ict.remote_access", "ict.security"]);
    ict["company"]["prefecture"] = json!("27");
    let ict = file(&app, &partner, &ict).await;
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap())
        .date_naive();
    let cases: Vec<(String, Vec<&Value>)> = vec![
        ("track=ict".into(), vec![&ict]),
        ("track=labor".into(), vec![&labor]),
        ("prefecture=27".into(), vec![&ict]),
        ("prefecture=東京都".into(), vec![&labor]),
        (format!("partner_id={partner_id}"), vec![&labor, &ict]),
        ("status=triaged".into(), vec![&labor, &ict]),
        ("status=closed".into(), vec![]),
        ("q=vpn".into(), vec![&ict]),
        ("q=%E4%B8%AD%E6%8A%9C%E3%81%91".into(), vec![&labor]),
        (
            format!("created_from={today}&created_to={today}"),
            vec![&labor, &ict],
        ),
        (format!("created_to={}", today.pred_opt().unwrap()), vec![]),
    ];
    for (query, expected) in cases {
        let page: Value = app
            .get(&format!("/v1/tickets?{query}"), &coordinator)
            .await
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = expected.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids, want, "{query}");
    }
    for bad in [
        "status=lost",
        "track=finance",
        "prefecture=99",
        "created_from=2026-13-01",
        "limit=0",
    ] {
        let response = app.get(&format!("/v1/tickets?{bad}"), &coordinator).await;
        assert!([400, 422].contains(&response.status().as_u16()), "{bad}");
    }
}

#[tokio::test]
async fn edits_need_the_current_etag() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let case = file(&app, &partner, &intake()).await;
    let path = format!("/v1/tickets/{}", case["id"].as_str().unwrap());
    let change = json!({"subject": "在宅勤務の労働時間管理（更新）", "contact": {"name": "山田 花子", "email": "hanako@example.jp"}});
    assert_problem(
        app.patch_json(&path, &partner, None, &change).await,
        428,
        "no If-Match",
    )
    .await;
    assert_problem(
        app.patch_json(&path, &partner, Some("\"7\""), &change)
            .await,
        412,
        "a stale If-Match",
    )
    .await;
    let response = app
        .patch_json(&path, &partner, Some("\"1\""), &change)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["subject"], "在宅勤務の労働時間管理（更新）");
    assert_eq!(updated["contact"]["name"], "山田 花子");
    assert!(updated["contact"]["phone"].is_null());
    assert_eq!(updated["version"], 2);
    assert_problem(
        app.patch_json(&path, &partner, Some("\"1\""), &change)
            .await,
        412,
        "the old ETag again",
    )
    .await;
    for (field, value) in [
        ("status", json!("closed")),
        ("track", json!("ict")),
        ("partner_id", json!(Uuid::new_v4())),
        ("reference", json!("TW-2026-000009")),
    ] {
        let response = app
            .patch_json(&path, &partner, Some("\"2\""), &json!({field: value}))
            .await;
        let problem = assert_problem(response, 422, &format!("PATCH {field}")).await;
        assert_eq!(error_fields(&problem), [field]);
    }
    let after: Value = app.get(&path, &partner).await.json().await.unwrap();
    assert_eq!(after["version"], 2, "refused edits changed nothing");
}

async fn transition(app: &TestApp, token: &str, id: &str, to: &str) -> reqwest::Response {
    app.post_json(
        &format!("/v1/tickets/{id}/transitions"),
        token,
        &json!({"to": to, "reason": "test"}),
    )
    .await
}

#[tokio::test]
async fn every_legal_transition_works_and_an_illegal_one_names_the_allowed_moves() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let case = file(&app, &partner, &intake()).await;
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["status"], "triaged");
    let steps = [
        ("on_hold", "on_hold"),
        ("reopened", "triaged"),
        ("on_hold", "on_hold"),
        ("resumed", "triaged"),
        ("cancelled", "cancelled"),
    ];
    for (to, expected) in steps {
        let response = transition(&app, &coordinator, id, to).await;
        assert_eq!(response.status().as_u16(), 200, "to {to}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], expected, "to {to}");
    }
    let illegal = transition(&app, &coordinator, id, "reopened").await;
    let problem = assert_problem(illegal, 409, "reopening a cancelled case").await;
    assert_eq!(problem["current_status"], "cancelled");
    assert_eq!(problem["allowed"], json!([]));

    let second = file(&app, &partner, &intake()).await;
    let second_id = second["id"].as_str().unwrap();
    let closing = transition(&app, &coordinator, second_id, "closed").await;
    let problem = assert_problem(closing, 409, "closing a triaged case").await;
    assert_eq!(problem["current_status"], "triaged");
    let allowed: Vec<&str> = problem["allowed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        allowed.contains(&"on_hold") && allowed.contains(&"cancelled"),
        "{allowed:?}"
    );
    assert!(problem["detail"].as_str().unwrap().contains("triaged"));

    // Partners may cancel their own case and nothing else.
    assert_problem(
        transition(&app, &partner, second_id, "on_hold").await,
        403,
        "a partner holds",
    )
    .await;
    let cancelled = transition(&app, &partner, second_id, "cancelled").await;
    assert_eq!(cancelled.status().as_u16(), 200);
    let bad = transition(&app, &coordinator, second_id, "archived").await;
    assert_eq!(
        error_fields(&assert_problem(bad, 422, "an unknown target").await),
        ["to"]
    );

    let events: Value = app
        .get(&format!("/v1/tickets/{id}/events"), &coordinator)
        .await
        .json()
        .await
        .unwrap();
    let changes: Vec<(&str, &str)> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "ticket.status_changed")
        .map(|e| {
            (
                e["data"]["from"].as_str().unwrap(),
                e["data"]["to"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        [
            ("triaged", "on_hold"),
            ("on_hold", "triaged"),
            ("triaged", "on_hold"),
            ("on_hold", "triaged"),
            ("triaged", "cancelled")
        ]
    );
}

#[tokio::test]
async fn comments_have_visibility_and_every_change_is_an_event() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let case = file(&app, &partner, &intake()).await;
    let id = case["id"].as_str().unwrap();
    let comments = format!("/v1/tickets/{id}/comments");
    let internal = app
        .post_json(
            &comments,
            &coordinator,
            &json!({"body": "社労士の手配を検討", "visibility": "internal"}),
        )
        .await;
    assert_eq!(internal.status().as_u16(), 201);
    let shared = app
        .post_json(
            &comments,
            &coordinator,
            &json!({"body": "担当者から連絡します", "visibility": "partner"}),
        )
        .await;
    assert_eq!(shared.status().as_u16(), 201);
    let from_partner = app
        .post_json(
            &comments,
            &partner,
            &json!({"body": "よろしくお願いします"}),
        )
        .await;
    assert_eq!(from_partner.status().as_u16(), 201);
    let sneaky = app
        .post_json(
            &comments,
            &partner,
            &json!({"body": "x", "visibility": "internal"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(sneaky, 422, "a partner writes internal").await),
        ["visibility"]
    );
    let empty = app
        .post_json(&comments, &partner, &json!({"body": " "}))
        .await;
    assert_eq!(
        error_fields(&assert_problem(empty, 422, "an empty comment").await),
        ["body"]
    );

    let partner_view: Value = app.get(&comments, &partner).await.json().await.unwrap();
    let bodies: Vec<&str> = partner_view
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["担当者から連絡します", "よろしくお願いします"]);
    let center_view: Value = app.get(&comments, &coordinator).await.json().await.unwrap();
    assert_eq!(center_view.as_array().unwrap().len(), 3);

    let path = format!("/v1/tickets/{id}");
    app.patch_json(
        &path,
        &coordinator,
        Some("\"1\""),
        &json!({"preferred_mode": "onsite"}),
    )
    .await;
    let events: Value = app
        .get(&format!("{path}/events"), &coordinator)
        .await
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "ticket.created",
            "ticket.routed",
            "comment.added",
            "comment.added",
            "comment.added",
            "ticket.updated"
        ]
    );
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"].is_string() && e["created_at"].is_string())
    );
    let partner_events: Value = app
        .get(&format!("{path}/events"), &partner)
        .await
        .json()
        .await
        .unwrap();
    let partner_types: Vec<&str> = partner_events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        partner_types
            .iter()
            .filter(|t| **t == "comment.added")
            .count(),
        2,
        "the internal comment is hidden"
    );
    assert!(
        partner_events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("actor").is_none())
    );
}

#[tokio::test]
async fn coordinators_override_or_rerun_the_routing_with_the_reason_recorded() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let case = file(&app, &partner, &intake()).await;
    let id = case["id"].as_str().unwrap();
    let path = format!("/v1/tickets/{id}/routing");
    let no_reason = app
        .post_json(&path, &coordinator, &json!({"track": "ict"}))
        .await;
    assert_eq!(
        error_fields(&assert_problem(no_reason, 422, "an override without reason").await),
        ["reason"]
    );
    let neither = app.post_json(&path, &coordinator, &json!({})).await;
    assert_problem(neither, 422, "an empty routing request").await;
    let by_partner = app
        .post_json(&path, &partner, &json!({"track": "ict", "reason": "x"}))
        .await;
    assert_problem(by_partner, 403, "a partner overrides").await;

    let response = app
        .post_json(
            &path,
            &coordinator,
            &json!({"track": "ict", "reason": "勤怠システムの選定が主題"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let overridden: Value = response.json().await.unwrap();
    assert_eq!(overridden["track"], "ict");
    assert_eq!(overridden["routing"]["method"], "manual");
    assert_eq!(overridden["status"], "triaged");

    let rerun: Value = app
        .post_json(&path, &coordinator, &json!({"auto": true}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rerun["track"], "labor");
    assert_ne!(rerun["routing"]["method"], "manual");

    let events: Value = app
        .get(&format!("/v1/tickets/{id}/events"), &coordinator)
        .await
        .json()
        .await
        .unwrap();
    let manual = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "ticket.routed" && e["data"]["method"] == "manual")
        .expect("the override is an event");
    assert_eq!(manual["data"]["reason"], "勤怠システムの選定が主題");
    assert_eq!(manual["data"]["rule_set_version"], 1);
}

#[tokio::test]
async fn references_stay_unique_and_increasing_when_two_instances_file_at_once() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let partner = app.token_with_role(Role::Partner).await;
    let mut requests = Vec::new();
    for n in 0..24 {
        let target = if n % 2 == 0 { &app } else { &other };
        let request = target
            .api
            .post(target.url("/v1/tickets"))
            .bearer_auth(&partner)
            .json(&intake());
        requests.push(tokio::spawn(async move {
            request.send().await.unwrap().json::<Value>().await.unwrap()
        }));
    }
    let mut by_id: Vec<(String, String)> = Vec::new();
    for request in requests {
        let case = request.await.unwrap();
        by_id.push((
            case["id"].as_str().unwrap().to_owned(),
            case["reference"].as_str().unwrap().to_owned(),
        ));
    }
    let references: HashSet<&String> = by_id.iter().map(|(_, r)| r).collect();
    assert_eq!(references.len(), 24, "no duplicate reference");
    let mut sequences: Vec<u32> = references.iter().map(|r| r[8..].parse().unwrap()).collect();
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=24).collect::<Vec<_>>(), "no gap");
}

#[tokio::test]
async fn a_vague_case_waits_for_a_coordinator_with_the_suggestion_kept() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let mut vague = intake();
    vague["subject"] = json!("相談");
    vague["description"] =
        json!("テレワークを始めたいのですが、何から手をつければよいでしょうか。");
    vague["topics"] = json!(["general.getting_started"]);
    // The center raises the bar for applying decisions by itself: the threshold is data.
    let mut rules: Value = app
        .get("/v1/routing/rules", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    rules["thresholds"]["apply_threshold"] = json!(0.999);
    let stored = app
        .put_json("/v1/routing/rules", &coordinator, &rules)
        .await;
    assert_eq!(stored.status().as_u16(), 200);
    let threshold = 0.999;
    let case = file(&app, &partner, &vague).await;
    let confidence = case["routing"]["confidence"].as_f64().unwrap();
    assert!(
        confidence < threshold,
        "the test needs a vague case: {confidence} ≥ {threshold}"
    );
    assert_eq!(case["status"], "received");
    assert!(case["track"].is_null());
    assert_eq!(case["routing"]["applied"], false);
    let waiting: Value = app
        .get("/v1/tickets?status=received", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(waiting["items"][0]["id"], case["id"]);

    let path = format!("/v1/tickets/{}/routing", case["id"].as_str().unwrap());
    let routed: Value = app
        .post_json(
            &path,
            &coordinator,
            &json!({"track": "labor", "reason": "電話で確認: 就業規則の相談"}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(routed["status"], "triaged");
    assert_eq!(routed["track"], "labor");
    assert_eq!(routed["routing"]["applied"], true);
}

#[tokio::test]
async fn other_creates_replay_under_an_idempotency_key_too() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner_body =
        json!({"name": "商工会 冪等", "kind": "society_of_commerce", "prefecture": "01"});
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app
            .api
            .post(app.url("/v1/partners"))
            .bearer_auth(&admin)
            .header("idempotency-key", "partner-1")
            .json(&partner_body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status().as_u16(),
            201,
            "a replay is not a duplicate-name conflict"
        );
        answers.push(response.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);

    let partner = app.token_with_role(Role::Partner).await;
    let case = file(&app, &partner, &intake()).await;
    let comments = format!("/v1/tickets/{}/comments", case["id"].as_str().unwrap());
    for _ in 0..3 {
        let response = app
            .api
            .post(app.url(&comments))
            .bearer_auth(&partner)
            .header("idempotency-key", "comment-1")
            .json(&json!({"body": "一度だけ"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
    }
    let listed: Value = app.get(&comments, &partner).await.json().await.unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let too_long = app
        .api
        .post(app.url(&comments))
        .bearer_auth(&partner)
        .header("idempotency-key", "k".repeat(256))
        .json(&json!({"body": "x"}))
        .send()
        .await
        .unwrap();
    assert_problem(too_long, 400, "a key over 255 characters").await;
}

#[tokio::test]
async fn an_idempotency_key_older_than_24_hours_can_be_used_again() {
    use onestop::entities::idempotency_key;
    use sea_orm::{ColumnTrait, QueryFilter, sea_query::Expr};
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let send = |body: Value| {
        let request = app
            .api
            .post(app.url("/v1/tickets"))
            .bearer_auth(&partner)
            .header("idempotency-key", "old-key")
            .json(&body);
        async move { request.send().await.unwrap() }
    };
    assert_eq!(send(intake()).await.status().as_u16(), 201);
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::hours(25)),
        )
        .filter(idempotency_key::Column::Key.eq("old-key"))
        .exec(&app.db)
        .await
        .unwrap();
    let mut other = intake();
    other["subject"] = json!("一日後の別の相談");
    let again = send(other).await;
    assert_eq!(
        again.status().as_u16(),
        201,
        "the expired key is free again"
    );
    assert!(again.headers().get("idempotent-replayed").is_none());
    assert_eq!(ticket_count(&app).await, 2);
}
