//! Case company details and the shared company record: one partner's filing never rewrites
//! (or shows) what another partner filed about the same company; coordinators keep the record.
use migration::{Migrator, MigratorTrait};
use onestop::auth::Role;
use serde_json::{Value, json};

use crate::{
    consulting::{assign_to, expect_json, id_of, new_manager},
    helpers::{TestApp, assert_problem, error_fields, spawn_app},
};

/// Partner A's filing about 株式会社サンプル製作所 (construction, 45 employees: an SME).
fn a_filing() -> Value {
    filing(json!({
        "name": "株式会社サンプル製作所", "corporate_number": "7000012050002",
        "prefecture": "13", "industry": "E", "employees": 45, "capital_jpy": 10000000
    }))
}

/// Partner B's filing with A's corporate number and different details (retail with 900
/// employees and ¥5bn capital: not an SME).
fn b_filing() -> Value {
    filing(json!({
        "name": "ビー商事株式会社", "corporate_number": "7000012050002",
        "prefecture": "27", "industry": "I", "employees": 900, "capital_jpy": 5000000000_i64
    }))
}

fn filing(company: Value) -> Value {
    json!({
        "company": company,
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours", "labor.work_rules"],
        "preferred_mode": "online"
    })
}

/// The company part of a case view as its filer gave it (the classification aside).
fn details(case: &Value) -> Value {
    let company = &case["company"];
    json!({
        "name": company["name"], "corporate_number": company["corporate_number"],
        "prefecture": company["prefecture"], "industry": company["industry"],
        "employees": company["employees"], "capital_jpy": company["capital_jpy"],
    })
}

async fn file(app: &TestApp, token: &str, body: &Value) -> Value {
    expect_json(
        app.post_json("/v1/tickets", token, body).await,
        201,
        "filing",
    )
    .await
}

async fn get_ok(app: &TestApp, token: &str, path: &str) -> Value {
    expect_json(app.get(path, token).await, 200, path).await
}

async fn list_of(app: &TestApp, token: &str) -> Vec<Value> {
    get_ok(app, token, "/v1/tickets").await["items"]
        .as_array()
        .unwrap()
        .clone()
}

fn record_of(case: &Value) -> String {
    case["company_record"]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no company record in {case}"))
        .to_owned()
}

/// The path of the shared record behind `case`, as a coordinator finds it.
async fn company_path(app: &TestApp, coordinator: &str, case: &Value) -> String {
    let path = format!("/v1/tickets/{}", id_of(case));
    let seen = get_ok(app, coordinator, &path).await;
    format!("/v1/companies/{}", record_of(&seen))
}

/// The `company.updated` events of the global feed.
async fn company_events(app: &TestApp, coordinator: &str) -> Vec<Value> {
    get_ok(app, coordinator, "/v1/events?limit=1000").await["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "company.updated")
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_second_partner_filing_with_the_same_corporate_number_neither_changes_nor_sees_the_first_partners_case()
 {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let a_filed = file(&app, &a, &a_filing()).await;
    let a_path = format!("/v1/tickets/{}", id_of(&a_filed));
    let b_filed = file(&app, &b, &b_filing()).await;
    let b_path = format!("/v1/tickets/{}", id_of(&b_filed));

    // B's answer shows B's details only, and nothing of A's.
    assert_eq!(
        details(&b_filed),
        details(&b_filing()),
        "B's 201 shows what B filed"
    );
    assert_eq!(b_filed["company"]["is_sme"], false, "{b_filed}");
    assert_eq!(b_filed["company"]["prefecture_name"], "大阪府");
    let b_text = b_filed.to_string();
    assert!(
        !b_text.contains("サンプル製作所") && b_filed.get("company_record").is_none(),
        "B's 201 shows nothing A filed: {b_text}"
    );
    assert_eq!(get_ok(&app, &b, &b_path).await, b_filed, "B's GET");
    assert_eq!(
        list_of(&app, &b).await,
        std::slice::from_ref(&b_filed),
        "B's list"
    );

    // A's case is exactly as A filed it, read alone or in the list.
    let a_now = get_ok(&app, &a, &a_path).await;
    assert_eq!(a_now, a_filed, "A's case is unchanged");
    assert_eq!(details(&a_now), details(&a_filing()));
    assert_eq!(a_now["company"]["is_sme"], true, "{a_now}");
    assert_eq!(
        list_of(&app, &a).await,
        std::slice::from_ref(&a_filed),
        "A's list"
    );

    // One shared record (first filing created it), and each case with its filer's details.
    let a_seen = get_ok(&app, &coordinator, &a_path).await;
    let b_seen = get_ok(&app, &coordinator, &b_path).await;
    assert_eq!(record_of(&a_seen), record_of(&b_seen), "one company");
    assert_eq!(a_seen["company_record"]["name"], "株式会社サンプル製作所");
    assert_eq!(a_seen["company_record"]["employees"], 45);
    assert_eq!(details(&a_seen), details(&a_filing()));
    assert_eq!(details(&b_seen), details(&b_filing()));
    for listed in list_of(&app, &coordinator).await {
        assert_eq!(record_of(&listed), record_of(&a_seen), "{listed}");
    }

    // The free sessions are the company's: a booking on either case counts for both.
    let manager = new_manager(&app, &coordinator, "共有 一郎", &["labor"], 2).await;
    for (path, starts_at, remaining) in [
        (&a_path, "2030-06-03T01:00:00Z", 2),
        (&b_path, "2030-06-10T01:00:00Z", 1),
    ] {
        let id = path.trim_start_matches("/v1/tickets/");
        let routed = expect_json(
            app.post_json(
                &format!("{path}/routing"),
                &coordinator,
                &json!({"track": "labor", "reason": "test"}),
            )
            .await,
            200,
            "routing",
        )
        .await;
        assert_eq!(routed["track"], "labor");
        assign_to(&app, &coordinator, id, &manager).await;
        let booked = expect_json(
            app.post_json(
                &format!("{path}/sessions"),
                &coordinator,
                &json!({"starts_at": starts_at, "duration_minutes": 60, "mode": "online"}),
            )
            .await,
            201,
            starts_at,
        )
        .await;
        assert_eq!(booked["company_id"], record_of(&a_seen).as_str());
        assert_eq!(booked["free_sessions_remaining"], remaining, "{booked}");
    }
}

#[tokio::test]
async fn a_company_without_a_corporate_number_keeps_one_record_and_each_filers_details() {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let a_company =
        json!({"name": "(株)ミナミ商店", "prefecture": "27", "industry": "I", "employees": 8});
    let b_company = json!({"name": "株式会社 ミナミ商店", "prefecture": "大阪府",
                           "industry": "G", "employees": 300, "capital_jpy": 900000000});
    let a_filed = file(&app, &a, &filing(a_company)).await;
    let b_filed = file(&app, &b, &filing(b_company)).await;
    let a_path = format!("/v1/tickets/{}", id_of(&a_filed));
    let b_path = format!("/v1/tickets/{}", id_of(&b_filed));

    assert_eq!(
        get_ok(&app, &a, &a_path).await,
        a_filed,
        "A's case is unchanged"
    );
    assert_eq!(b_filed["company"]["name"], "株式会社 ミナミ商店");
    assert_eq!(b_filed["company"]["industry"], "G");
    assert_eq!(b_filed["company"]["employees"], 300);
    let a_seen = get_ok(&app, &coordinator, &a_path).await;
    let b_seen = get_ok(&app, &coordinator, &b_path).await;
    assert_eq!(
        record_of(&a_seen),
        record_of(&b_seen),
        "one company by name"
    );
    let record = &b_seen["company_record"];
    assert_eq!(
        record["name"], "(株)ミナミ商店",
        "the first filing's: {record}"
    );
    assert_eq!(record["industry"], "I", "{record}");
    assert_eq!(record["employees"], 8, "{record}");
    assert!(record["capital_jpy"].is_null(), "{record}");
}

#[tokio::test]
async fn a_coordinators_company_update_changes_the_record_with_its_event_and_no_cases_details() {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let a_filed = file(&app, &a, &a_filing()).await;
    let b_filed = file(&app, &b, &b_filing()).await;
    let a_path = format!("/v1/tickets/{}", id_of(&a_filed));
    let b_path = format!("/v1/tickets/{}", id_of(&b_filed));
    let a_seen = get_ok(&app, &coordinator, &a_path).await;
    let company = format!("/v1/companies/{}", record_of(&a_seen));

    let read = app.get(&company, &coordinator).await;
    assert_eq!(read.headers()["etag"], "\"1\"");
    let record: Value = read.json().await.unwrap();
    assert_eq!(
        record, a_seen["company_record"],
        "the record as cases show it"
    );
    assert_eq!(record["version"], 1);

    let change = json!({"name": "株式会社サンプル製作所ホールディングス", "prefecture": "東京都",
                        "employees": 320, "capital_jpy": null});
    let missing = app.patch_json(&company, &coordinator, None, &change).await;
    assert_problem(missing, 428, "no If-Match").await;
    let stale = app
        .patch_json(&company, &coordinator, Some("\"7\""), &change)
        .await;
    assert_problem(stale, 412, "a stale If-Match").await;
    assert!(company_events(&app, &coordinator).await.is_empty());

    let response = app
        .patch_json(&company, &coordinator, Some("\"1\""), &change)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["name"], "株式会社サンプル製作所ホールディングス");
    assert_eq!(updated["employees"], 320);
    assert!(updated["capital_jpy"].is_null(), "null clears: {updated}");
    assert_eq!(updated["industry"], "E", "untouched fields stay: {updated}");
    assert_eq!(updated["corporate_number"], "7000012050002");
    assert_eq!(updated["version"], 2);
    assert_eq!(get_ok(&app, &coordinator, &company).await, updated);

    let events = company_events(&app, &coordinator).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["data"]["company_id"], updated["id"], "{event}");
    assert_eq!(
        event["data"]["fields"],
        json!(["name", "prefecture", "employees", "capital_jpy"]),
        "{event}"
    );
    assert_eq!(event["data"]["before"]["employees"], 45, "{event}");
    assert_eq!(event["data"]["after"]["employees"], 320, "{event}");
    assert_eq!(event["actor_role"], "coordinator", "{event}");
    assert!(event["ticket_id"].is_null(), "{event}");

    // Neither case's filed details changed; coordinators see the new record beside them.
    assert_eq!(get_ok(&app, &a, &a_path).await, a_filed, "A's case");
    assert_eq!(get_ok(&app, &b, &b_path).await, b_filed, "B's case");
    let b_seen = get_ok(&app, &coordinator, &b_path).await;
    assert_eq!(details(&b_seen), details(&b_filing()));
    assert_eq!(b_seen["company_record"], updated);

    // A later filing leaves the record as the coordinator set it.
    let c = app.token_with_role(Role::Partner).await;
    file(&app, &c, &a_filing()).await;
    assert_eq!(get_ok(&app, &coordinator, &company).await, updated);
}

#[tokio::test]
async fn partners_managers_and_analysts_get_403_on_the_company_endpoints() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let filed = file(&app, &partner, &a_filing()).await;
    let seen = get_ok(
        &app,
        &coordinator,
        &format!("/v1/tickets/{}", id_of(&filed)),
    )
    .await;
    let company = format!("/v1/companies/{}", record_of(&seen));
    let change = json!({"name": "乗っ取り株式会社"});
    for role in [Role::Partner, Role::Manager, Role::Analyst] {
        // The filing partner itself has no say over the shared record either.
        let token = if role == Role::Partner {
            partner.clone()
        } else {
            app.token_with_role(role).await
        };
        assert_problem(
            app.get(&company, &token).await,
            403,
            &format!("{role} reads"),
        )
        .await;
        let patched = app
            .patch_json(&company, &token, Some("\"1\""), &change)
            .await;
        assert_problem(patched, 403, &format!("{role} edits")).await;
    }
    let admin = app.token_with_role(Role::Admin).await;
    let record = get_ok(&app, &admin, &company).await;
    assert_eq!(record["name"], "株式会社サンプル製作所");
    assert_eq!(record["version"], 1, "nothing changed: {record}");
}

#[tokio::test]
async fn bad_company_updates_name_the_field_and_change_nothing() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let minami = file(
        &app,
        &partner,
        &filing(json!({"name": "株式会社ミナミ商店", "prefecture": "27"})),
    )
    .await;
    let kita = file(
        &app,
        &partner,
        &filing(json!({"name": "株式会社キタ商店", "prefecture": "27"})),
    )
    .await;
    let minami = company_path(&app, &coordinator, &minami).await;
    let kita = company_path(&app, &coordinator, &kita).await;
    let before = get_ok(&app, &coordinator, &kita).await;

    let cases = [
        ("an empty name", json!({"name": "  "}), "name"),
        ("a long name", json!({"name": "株".repeat(201)}), "name"),
        (
            "no such prefecture",
            json!({"prefecture": "48"}),
            "prefecture",
        ),
        ("no such industry", json!({"industry": "Z"}), "industry"),
        ("negative employees", json!({"employees": -1}), "employees"),
        (
            "capital as text",
            json!({"capital_jpy": "many"}),
            "capital_jpy",
        ),
        (
            "a prefecture as a number",
            json!({"prefecture": 27}),
            "prefecture",
        ),
        (
            "the corporate number (the identity)",
            json!({"corporate_number": "7000012050002"}),
            "corporate_number",
        ),
        ("an unknown field", json!({"is_sme": true}), "is_sme"),
        ("nothing to change", json!({}), "body"),
    ];
    for (reason, body, field) in cases {
        let response = app
            .patch_json(&kita, &coordinator, Some("\"1\""), &body)
            .await;
        let problem = assert_problem(response, 422, reason).await;
        assert_eq!(error_fields(&problem), [field], "{reason}: {problem}");
    }
    let several = json!({"name": "", "employees": -5, "industry": "?"});
    let response = app
        .patch_json(&kita, &coordinator, Some("\"1\""), &several)
        .await;
    let problem = assert_problem(response, 422, "several bad fields").await;
    assert_eq!(
        error_fields(&problem),
        ["employees", "industry", "name"],
        "every bad field, sorted"
    );

    let broken = app
        .api
        .patch(app.url(&kita))
        .bearer_auth(&coordinator)
        .header("if-match", "\"1\"")
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_problem(broken, 400, "broken JSON").await;
    let bad_tag = app
        .patch_json(
            &kita,
            &coordinator,
            Some("soon"),
            &json!({"name": "株式会社北"}),
        )
        .await;
    assert_problem(bad_tag, 412, "If-Match that is no version").await;
    let unknown = app
        .patch_json(
            "/v1/companies/0190a3c4-0000-7000-8000-000000000000",
            &coordinator,
            Some("\"1\""),
            &json!({"name": "株式会社北"}),
        )
        .await;
    assert_problem(unknown, 404, "no such company").await;
    let not_an_id = app.get("/v1/companies/kita", &coordinator).await;
    assert_eq!(not_an_id.status().as_u16(), 404, "a path that is no id");

    // Without a corporate number the name in the prefecture is the identity: taking
    // another record's is a conflict, decided by the unique index.
    let taken = app
        .patch_json(
            &kita,
            &coordinator,
            Some("\"1\""),
            &json!({"name": "(株) ミナミ商店"}),
        )
        .await;
    let problem = assert_problem(taken, 409, "another record's name").await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/company-exists"),
        "{problem}"
    );

    assert_eq!(get_ok(&app, &coordinator, &kita).await, before, "unchanged");
    assert_eq!(get_ok(&app, &coordinator, &minami).await["version"], 1);
    assert!(company_events(&app, &coordinator).await.is_empty());
}

#[tokio::test]
async fn a_partners_edit_of_its_cases_company_changes_that_case_only() {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let a_filed = file(&app, &a, &a_filing()).await;
    let b_filed = file(&app, &b, &b_filing()).await;
    let a_path = format!("/v1/tickets/{}", id_of(&a_filed));
    let b_path = format!("/v1/tickets/{}", id_of(&b_filed));
    let record = get_ok(&app, &coordinator, &a_path).await["company_record"].clone();

    for (reason, body, field) in [
        (
            "no such prefecture",
            json!({"company": {"prefecture": "99"}}),
            "company.prefecture",
        ),
        (
            "negative capital",
            json!({"company": {"capital_jpy": -1}}),
            "company.capital_jpy",
        ),
        (
            "the corporate number",
            json!({"company": {"corporate_number": "7000012050002"}}),
            "company.corporate_number",
        ),
        ("an empty company", json!({"company": {}}), "body"),
    ] {
        let response = app.patch_json(&b_path, &b, Some("\"1\""), &body).await;
        let problem = assert_problem(response, 422, reason).await;
        assert_eq!(error_fields(&problem), [field], "{reason}: {problem}");
    }
    assert_eq!(
        get_ok(&app, &b, &b_path).await,
        b_filed,
        "bad edits changed nothing"
    );

    let change = json!({"company": {"name": "ビー商事株式会社 大阪支店", "employees": 30,
                                    "capital_jpy": null}});
    let response = app.patch_json(&b_path, &b, Some("\"1\""), &change).await;
    let edited = expect_json(response, 200, "B edits its case's company").await;
    assert_eq!(edited["company"]["name"], "ビー商事株式会社 大阪支店");
    assert_eq!(edited["company"]["employees"], 30);
    assert!(edited["company"]["capital_jpy"].is_null(), "{edited}");
    assert_eq!(edited["company"]["industry"], "I", "{edited}");
    assert_eq!(
        edited["company"]["is_sme"], true,
        "retail with 30: {edited}"
    );
    assert_eq!(edited["version"], 2);

    assert_eq!(
        get_ok(&app, &a, &a_path).await,
        a_filed,
        "A's case is unchanged"
    );
    let company = format!("/v1/companies/{}", record["id"].as_str().unwrap());
    assert_eq!(
        get_ok(&app, &coordinator, &company).await,
        record,
        "the shared record is unchanged"
    );
    let events = get_ok(&app, &coordinator, &format!("{b_path}/events")).await;
    let updated = events
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "ticket.updated")
        .cloned()
        .unwrap_or_default();
    assert_eq!(updated["data"]["fields"], json!(["company"]), "{events}");
}

#[tokio::test]
async fn reports_count_each_case_by_the_industry_and_prefecture_its_filer_gave() {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    file(&app, &a, &a_filing()).await;
    // B knows the company's number but not its industry; it files from Osaka.
    let mut b_body = b_filing();
    b_body["company"]
        .as_object_mut()
        .unwrap()
        .remove("industry");
    let b_filed = file(&app, &b, &b_body).await;
    assert!(b_filed["company"]["industry"].is_null(), "{b_filed}");
    assert!(
        b_filed["company"]["is_sme"].is_null(),
        "no industry, no classification"
    );

    let year = b_filed["reference"].as_str().unwrap()[3..7].to_owned();
    for (group_by, expected) in [
        ("industry", json!({"E": 1, "-": 1})),
        ("prefecture", json!({"13": 1, "27": 1})),
    ] {
        let path = format!("/v1/reports/summary?fiscal_year={year}&group_by={group_by}");
        let report = get_ok(&app, &coordinator, &path).await;
        let counted: serde_json::Map<String, Value> = report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|row| {
                let key = row["key"].as_str().unwrap_or("-").to_owned();
                (key, row["received"].clone())
            })
            .collect();
        assert_eq!(Value::Object(counted), expected, "{group_by}: {report}");
    }
}

#[tokio::test]
async fn cases_filed_before_the_migration_take_their_details_from_the_company_record() {
    let app = spawn_app().await;
    let a = app.token_with_role(Role::Partner).await;
    let b = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    file(&app, &a, &a_filing()).await;
    let b_filed = file(&app, &b, &b_filing()).await;

    // Back to the schema before case details (undoing every migration that came after them
    // too), then up again as an upgraded instance starts.
    let steps = Migrator::migrations()
        .iter()
        .rev()
        .position(|m| m.name() == "m20261207_000010_case_company_details")
        .unwrap()
        + 1;
    Migrator::down(&app.db, Some(u32::try_from(steps).unwrap()))
        .await
        .unwrap();
    let upgraded = app.another_instance().await;
    let b_seen = get_ok(
        &upgraded,
        &coordinator,
        &format!("/v1/tickets/{}", id_of(&b_filed)),
    )
    .await;
    let record = &b_seen["company_record"];
    assert_eq!(record["version"], 1, "{record}");
    assert_eq!(
        details(&b_seen),
        json!({
            "name": "株式会社サンプル製作所", "corporate_number": "7000012050002",
            // The prefecture and industry cases kept before stay as filed.
            "prefecture": "27", "industry": "I", "employees": 45, "capital_jpy": 10000000
        }),
        "the rest comes from the record: {b_seen}"
    );
}
