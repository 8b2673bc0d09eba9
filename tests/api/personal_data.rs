//! Personal data under APPI: the access log of contact-bearing reads (none for analysts), the
//! partners' confirmation records, retention that leaves every report as it was and no contact
//! detail in any table, a person's disclosure and erasure, and exposure after a leak.
use std::time::Duration;

use chrono::Utc;
use onestop::{auth::Role, domain::fiscal_year::FiscalYear, services::reports::GroupBy};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::consulting::{assign_to, events_of, expect_json, id_of, new_manager, ticket_of};
use crate::helpers::{
    TestApp, assert_problem, error_fields, spawn_app, spawn_app_on, spawn_app_with,
};

/// What the retention job writes in place of removed text.
const MARKER: &str = "[anonymized]";

/// A filing by a person of their own, for `company` (a corporate number ties cases of one
/// company together).
fn filing(email: &str, phone: &str, name: &str, corporate_number: &str) -> Value {
    json!({
        "company": {"name": "株式会社個人情報テスト", "corporate_number": corporate_number,
                    "prefecture": "13", "industry": "E", "employees": 45, "capital_jpy": 10000000,
                    "address": {"postal_code": "1000001", "city": "千代田区", "street": "千代田1-1"}},
        "contact": {"name": name, "email": email, "phone": phone},
        "subject": format!("{name}からの在宅勤務の労働時間管理について"),
        "description": format!("連絡先 {email} / {phone}。中抜け時間の扱いと就業規則の改定方法を知りたい。"),
        "topics": ["labor.working_hours", "labor.work_rules"],
        "preferred_mode": "online",
        "personal_data_source": "商工会議所の相談窓口で本人から取得"
    })
}

/// A unique e-mail and phone for one test person.
fn person(tag: &str) -> (String, String) {
    let unique = Uuid::new_v4().simple().to_string();
    let digits: String = unique
        .chars()
        .filter(char::is_ascii_digit)
        .chain("12345678".chars())
        .take(8)
        .collect();
    (
        format!("{tag}-{}@example.jp", &unique[..12]),
        format!("03-{}-{}", &digits[..4], &digits[4..8]),
    )
}

/// Files `body` as `partner` with an `Idempotency-Key` (its stored answer holds the contact
/// too, until the case is anonymized); returns the case.
async fn file(app: &TestApp, partner: &str, body: &Value) -> Value {
    let response = app
        .api
        .post(app.url("/v1/tickets"))
        .bearer_auth(partner)
        .header("idempotency-key", Uuid::new_v4().to_string())
        .json(body)
        .send()
        .await
        .unwrap();
    expect_json(response, 201, "filing").await
}

/// Files the standard filing of the person with `email`, `phone` and `name` (at the one
/// company every test here uses) as `partner`; returns the case's id.
async fn file_for(app: &TestApp, partner: &str, email: &str, phone: &str, name: &str) -> String {
    id_of(&file(app, partner, &filing(email, phone, name, "7000012050002")).await)
}

/// The access log page at `query`, as `admin` reads it.
async fn access(app: &TestApp, admin: &str, query: &str) -> Value {
    expect_json(
        app.get(&format!("/v1/audit/access?{query}"), admin).await,
        200,
        "reading the access log",
    )
    .await
}

/// Waits (the log is written behind the reads) until `query` lists `count` records, and
/// returns them; fails when more appear or the count is not reached in time.
async fn access_records(app: &TestApp, admin: &str, query: &str, count: usize) -> Vec<Value> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let page = access(app, admin, &format!("{query}&limit=200")).await;
        let items = page["items"].as_array().unwrap().clone();
        assert!(
            items.len() <= count,
            "more records than reads for {query}: {items:#?}"
        );
        if items.len() == count {
            return items;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{count} records for {query} never appeared: {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The client id (`oc_...`) and a token of a fresh client with `role`.
async fn client(app: &TestApp, role: Role, partner_id: Option<Uuid>) -> (String, String) {
    let credentials = app.create_client(role, partner_id, None).await;
    let token = app.token_for(&credentials).await;
    (credentials.client_id, token)
}

#[tokio::test]
async fn every_contact_bearing_read_leaves_an_access_record_and_analysts_reads_leave_none() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner_id = app.create_partner("東京商工会議所").await;
    let (partner_client, partner) = client(&app, Role::Partner, Some(partner_id)).await;
    let (coordinator_client, coordinator) = client(&app, Role::Coordinator, None).await;
    let (analyst_client, analyst) = client(&app, Role::Analyst, None).await;
    let (email, phone) = person("reader");
    let case = file(
        &app,
        &partner,
        &filing(&email, &phone, "読取 花子", "7000012050002"),
    )
    .await;
    let id = id_of(&case);

    ticket_of(&app, &coordinator, &id).await;
    expect_json(app.get("/v1/tickets", &coordinator).await, 200, "listing").await;
    ticket_of(&app, &partner, &id).await;
    ticket_of(&app, &admin, &id).await;
    // An analyst reads aggregates and the feed, which carry no contact: no record.
    let year = FiscalYear::of_instant(Utc::now()).year();
    expect_json(
        app.get(
            &format!("/v1/reports/summary?fiscal_year={year}&group_by=track"),
            &analyst,
        )
        .await,
        200,
        "the analyst's report",
    )
    .await;
    expect_json(
        app.get("/v1/events", &analyst).await,
        200,
        "the analyst's feed",
    )
    .await;
    assert_eq!(
        app.get(&format!("/v1/tickets/{id}"), &analyst)
            .await
            .status(),
        403
    );

    // The filing's answer, two reads by the coordinator (one a list), the partner's and the
    // admin's.
    let records = access_records(&app, &admin, &format!("ticket_id={id}"), 5).await;
    let seen: Vec<(String, String, String)> = records
        .iter()
        .map(|record| {
            assert_eq!(record["ticket_id"], id.as_str());
            assert!(record["accessed_at"].is_string(), "{record}");
            (
                record["client_id"].as_str().unwrap().to_owned(),
                record["role"].as_str().unwrap().to_owned(),
                record["route"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        seen.contains(&(
            coordinator_client.clone(),
            "coordinator".into(),
            "GET /v1/tickets/{id}".into()
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            coordinator_client.clone(),
            "coordinator".into(),
            "GET /v1/tickets".into()
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            partner_client.clone(),
            "partner".into(),
            "GET /v1/tickets/{id}".into()
        )),
        "{seen:?}"
    );
    assert!(
        seen.contains(&(
            partner_client.clone(),
            "partner".into(),
            "POST /v1/tickets".into()
        )),
        "the filing's answer shows the contact too: {seen:?}"
    );
    assert!(seen.iter().any(|(_, role, _)| role == "admin"), "{seen:?}");
    let analysts = access(&app, &admin, &format!("client_id={analyst_client}")).await;
    assert_eq!(
        analysts["items"],
        json!([]),
        "analysts' reads leave no record"
    );

    // Who saw this person's data: by e-mail, whatever its case.
    let by_email = access_records(
        &app,
        &admin,
        &format!("contact_email={}", email.to_uppercase()),
        5,
    )
    .await;
    assert_eq!(by_email, records);
    let by_client =
        access_records(&app, &admin, &format!("client_id={coordinator_client}"), 2).await;
    assert!(
        by_client
            .iter()
            .all(|r| r["client_id"] == coordinator_client.as_str())
    );
    let future = access(&app, &admin, "from=2099-01-01").await;
    assert_eq!(future["items"], json!([]));

    // Paginated like every list.
    let first = access(&app, &admin, &format!("ticket_id={id}&limit=3")).await;
    assert_eq!(first["items"].as_array().unwrap().len(), 3);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let second = access(
        &app,
        &admin,
        &format!("ticket_id={id}&limit=3&cursor={cursor}"),
    )
    .await;
    assert_eq!(second["items"].as_array().unwrap().len(), 2);
    assert!(second["next_cursor"].is_null());

    // Admins only; bad filters are 422, never 500.
    for (token, role) in [
        (&coordinator, "coordinator"),
        (&analyst, "analyst"),
        (&partner, "partner"),
    ] {
        assert_eq!(
            app.get("/v1/audit/access", token).await.status(),
            403,
            "{role}"
        );
    }
    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2026-13-01", "to"),
        ("from=2026-12-02&to=2026-12-01", "to"),
        ("contact_email=not-an-email", "contact_email"),
    ] {
        let problem = assert_problem(
            app.get(&format!("/v1/audit/access?{query}"), &admin).await,
            422,
            query,
        )
        .await;
        assert_eq!(error_fields(&problem), vec![field.to_owned()], "{query}");
    }
}

#[tokio::test]
async fn each_partner_filing_keeps_a_confirmation_record_that_outlives_erasure() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner_id = app.create_partner("社労士会").await;
    let (partner_client, partner) = client(&app, Role::Partner, Some(partner_id)).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let (email, phone) = person("receipt");
    let case = file(
        &app,
        &partner,
        &filing(&email, &phone, "受領 一郎", "7000012050002"),
    )
    .await;
    let mut without_phone = filing(&person("other").0, &phone, "受領 二郎", "7000012050002");
    without_phone["contact"]["phone"] = Value::Null;
    without_phone
        .as_object_mut()
        .unwrap()
        .remove("personal_data_source");
    file(&app, &partner, &without_phone).await;
    // The center's own intake receives nothing from a third party, and says so.
    let mut by_phone = filing(&person("center").0, &phone, "窓口 三郎", "7000012050002");
    by_phone["channel"] = json!("phone");
    let problem = assert_problem(
        app.post_json("/v1/tickets", &coordinator, &by_phone).await,
        422,
        "a coordinator naming a data source",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["personal_data_source"]);
    by_phone
        .as_object_mut()
        .unwrap()
        .remove("personal_data_source");
    file(&app, &coordinator, &by_phone).await;

    let today = onestop::domain::business_days::jst_date(Utc::now());
    let receipts = expect_json(
        app.get(
            &format!("/v1/audit/receipts?partner_id={partner_id}&from={today}&to={today}"),
            &admin,
        )
        .await,
        200,
        "receipts",
    )
    .await;
    let items = receipts["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "one per partner filing: {receipts}");
    assert_eq!(items[0]["ticket_id"], case["id"]);
    assert_eq!(items[0]["partner_id"], partner_id.to_string());
    assert_eq!(items[0]["received_on"], today.to_string());
    assert_eq!(items[0]["recorded_by"], partner_client.as_str());
    assert_eq!(items[0]["source"], "商工会議所の相談窓口で本人から取得");
    assert_eq!(
        items[0]["items"],
        json!([
            "contact.name",
            "contact.email",
            "contact.phone",
            "subject",
            "description"
        ])
    );
    assert_eq!(items[1]["source"], Value::Null);
    assert_eq!(
        items[1]["items"],
        json!(["contact.name", "contact.email", "subject", "description"])
    );
    let all = expect_json(
        app.get("/v1/audit/receipts", &admin).await,
        200,
        "all receipts",
    )
    .await;
    assert_eq!(
        all["items"].as_array().unwrap().len(),
        2,
        "the center's filing has none"
    );

    expect_json(
        app.post_json(
            "/v1/personal-data/erasure",
            &admin,
            &json!({"email": email, "reason": "本人からの請求", "force": true}),
        )
        .await,
        200,
        "erasing",
    )
    .await;
    let after = expect_json(
        app.get(
            &format!("/v1/audit/receipts?partner_id={partner_id}"),
            &admin,
        )
        .await,
        200,
        "receipts after erasure",
    )
    .await;
    assert_eq!(
        after["items"], receipts["items"],
        "kept three years, anonymized or not"
    );
    assert_eq!(
        app.get("/v1/audit/receipts", &coordinator).await.status(),
        403
    );
}

/// Every table's every row as text: on SQLite column by column, on PostgreSQL each row as its
/// text form.
async fn dump_all_tables(db: &DatabaseConnection) -> String {
    let backend = db.get_database_backend();
    let mut dump = String::new();
    let tables_sql = match backend {
        DbBackend::Postgres => {
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'"
        }
        _ => "SELECT name FROM sqlite_master WHERE type = 'table'",
    };
    let tables = db
        .query_all_raw(Statement::from_string(backend, tables_sql))
        .await
        .unwrap();
    assert!(tables.len() > 20, "every table is found");
    for table in tables {
        let table: String = table.try_get("", "name").unwrap();
        dump.push_str(&format!("== {table}\n"));
        if backend == DbBackend::Postgres {
            let rows = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!("SELECT t::text AS row FROM \"{table}\" t"),
                ))
                .await
                .unwrap();
            for row in rows {
                dump.push_str(&row.try_get::<String>("", "row").unwrap());
                dump.push('\n');
            }
            continue;
        }
        let columns = db
            .query_all_raw(Statement::from_string(
                backend,
                format!("PRAGMA table_info(\"{table}\")"),
            ))
            .await
            .unwrap();
        for column in columns {
            let column: String = column.try_get("", "name").unwrap();
            let values = db
                .query_all_raw(Statement::from_string(
                    backend,
                    format!(
                        "SELECT CASE WHEN typeof(\"{column}\") = 'blob' THEN hex(\"{column}\") \
                         ELSE CAST(\"{column}\" AS TEXT) END AS v FROM \"{table}\""
                    ),
                ))
                .await
                .unwrap();
            for value in values {
                if let Some(text) = value.try_get::<Option<String>>("", "v").unwrap() {
                    dump.push_str(&text);
                    dump.push('\n');
                }
            }
        }
    }
    dump
}

/// Every summary report of this fiscal year, one per grouping.
async fn every_report(app: &TestApp, token: &str) -> Vec<Value> {
    let year = FiscalYear::of_instant(Utc::now()).year();
    let mut reports = Vec::new();
    for group_by in GroupBy::ALL.map(GroupBy::as_str) {
        let path = format!("/v1/reports/summary?fiscal_year={year}&group_by={group_by}");
        reports.push(expect_json(app.get(&path, token).await, 200, group_by).await);
    }
    reports
}

/// Files a case for a new person and works it to `end` (`closed`, `cancelled`) with a held
/// session with notes, an outcome with a summary and comments that name the person.
async fn worked_ticket(
    app: &TestApp,
    partner: &str,
    coordinator: &str,
    manager: &str,
    tag: &str,
    corporate_number: &str,
) -> (String, String, String) {
    let (email, phone) = person(tag);
    let case = file(
        app,
        partner,
        &filing(&email, &phone, "保持 太郎", corporate_number),
    )
    .await;
    let id = id_of(&case);
    expect_json(
        app.post_json(
            &format!("/v1/tickets/{id}/routing"),
            coordinator,
            &json!({"track": "labor", "reason": "test"}),
        )
        .await,
        200,
        "routing",
    )
    .await;
    assign_to(app, coordinator, &id, manager).await;
    let session = expect_json(
        app.post_json(
            &format!("/v1/tickets/{id}/sessions"),
            coordinator,
            &json!({"starts_at": "2030-06-03T01:00:00Z", "duration_minutes": 60, "mode": "online"}),
        )
        .await,
        201,
        "booking",
    )
    .await;
    expect_json(
        app.patch_json(
            &format!("/v1/sessions/{}", id_of(&session)),
            coordinator,
            None,
            &json!({"status": "held", "notes": format!("{email} に電話 {phone}")}),
        )
        .await,
        200,
        "holding",
    )
    .await;
    for visibility in ["internal", "partner"] {
        expect_json(
            app.post_json(
                &format!("/v1/tickets/{id}/comments"),
                coordinator,
                &json!({"body": format!("保持様 {email} {phone} に連絡済み"), "visibility": visibility}),
            )
            .await,
            201,
            "commenting",
        )
        .await;
    }
    expect_json(
        app.put_json(
            &format!("/v1/tickets/{id}/outcome"),
            coordinator,
            &json!({"result": "introduced", "measures": ["work_rules_revised"], "teleworkers": 5,
                    "satisfaction": 4, "summary": format!("{email} 様が規程を制定")}),
        )
        .await,
        200,
        "the outcome",
    )
    .await;
    expect_json(
        app.post_json(
            &format!("/v1/tickets/{id}/transitions"),
            coordinator,
            // A coordinator's reason can name the person too; retention removes it.
            &json!({"to": "closed", "reason": format!("完了（{email} 様に電話 {phone}）")}),
        )
        .await,
        200,
        "closing",
    )
    .await;
    (id, email, phone)
}

#[tokio::test]
async fn retention_leaves_every_report_identical_and_no_contact_detail_in_any_table() {
    let app = spawn_app_with(|settings| {
        settings.personal_data.retention_worker = false;
        settings.personal_data.contact_retention_days = Some(0);
    })
    .await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let partner_id = app.create_partner("商工会").await;
    let (_, partner) = client(&app, Role::Partner, Some(partner_id)).await;
    let manager = new_manager(&app, &coordinator, "担当 マネージャー", &["labor"], 5).await;
    let closed = worked_ticket(
        &app,
        &partner,
        &coordinator,
        &manager,
        "closed",
        "7000012050002",
    )
    .await;
    let (cancelled_email, cancelled_phone) = person("cancelled");
    let cancelled = file_for(
        &app,
        &partner,
        &cancelled_email,
        &cancelled_phone,
        "取消 次郎",
    )
    .await;
    expect_json(
        app.post_json(
            &format!("/v1/tickets/{cancelled}/transitions"),
            &partner,
            &json!({"to": "cancelled", "reason": "取り下げ"}),
        )
        .await,
        200,
        "cancelling",
    )
    .await;
    let (open_email, open_phone) = person("open");
    let open = file_for(&app, &partner, &open_email, &open_phone, "継続 三郎").await;

    let before = every_report(&app, &analyst).await;
    let dump = dump_all_tables(&app.db).await;
    for needle in [
        &closed.1,
        &closed.2,
        &cancelled_email,
        &cancelled_phone,
        &open_email,
    ] {
        assert!(
            dump.contains(needle.as_str()),
            "the dump finds {needle} before retention"
        );
    }

    // A second instance runs the job on the same database, quickly.
    let worker = spawn_app_on(app.database.url(), |settings| {
        settings.personal_data.contact_retention_days = Some(0);
        settings.personal_data.retention_interval = Duration::from_millis(100);
    })
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let done = ticket_of(&app, &coordinator, &closed.0).await["contact"]["email"] == MARKER
            && ticket_of(&app, &coordinator, &cancelled).await["contact"]["email"] == MARKER;
        if done {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "retention never ran");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(worker);

    let after = every_report(&app, &analyst).await;
    assert_eq!(before, after, "every report counts the same");
    let dump = dump_all_tables(&app.db).await;
    for needle in [&closed.1, &closed.2, &cancelled_email, &cancelled_phone] {
        assert!(
            !dump.contains(needle.as_str()),
            "{needle} is left somewhere:\n{dump}"
        );
    }
    assert!(dump.contains(&open_email), "an open case keeps its contact");
    assert!(dump.contains(&open_phone), "an open case keeps its contact");

    let case = ticket_of(&app, &coordinator, &closed.0).await;
    assert_eq!(case["contact"]["name"], MARKER);
    assert!(case["contact"]["phone"].is_null(), "{case}");
    assert_eq!(case["subject"], MARKER);
    assert_eq!(case["description"], MARKER);
    assert_eq!(case["status"], "closed");
    assert_eq!(case["track"], "labor");
    assert_eq!(case["outcome"]["result"], "introduced");
    assert_eq!(case["outcome"]["satisfaction"], 4);
    assert_eq!(case["company"]["name"], "株式会社個人情報テスト");
    let comments = expect_json(
        app.get(&format!("/v1/tickets/{}/comments", closed.0), &coordinator)
            .await,
        200,
        "comments",
    )
    .await;
    assert!(
        comments
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["body"] == MARKER),
        "{comments}"
    );
    let events = events_of(&app, &coordinator, &closed.0).await;
    let anonymized: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "ticket.anonymized")
        .collect();
    assert_eq!(anonymized.len(), 1, "one event: {events:#?}");
    assert_eq!(anonymized[0]["data"]["trigger"], "retention");
    // The partner hears of it too, with the partner-safe part.
    let partner_events = events_of(&app, &partner, &closed.0).await;
    assert!(
        partner_events
            .iter()
            .any(|e| e["type"] == "ticket.anonymized" && e["data"]["trigger"] == "retention")
    );
    assert_eq!(
        ticket_of(&app, &coordinator, &open).await["contact"]["email"],
        open_email.as_str()
    );
    // Search finds nothing of the removed text any more.
    let found = expect_json(
        app.get("/v1/tickets?q=保持", &coordinator).await,
        200,
        "search",
    )
    .await;
    assert_eq!(found["items"], json!([]), "{found}");
}

#[tokio::test]
async fn disclosure_lists_exactly_that_persons_data_and_not_another_persons_on_the_same_company() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (coordinator_client, coordinator) = client(&app, Role::Coordinator, None).await;
    let partner_id = app.create_partner("NTTユーザ協会").await;
    let (_, partner) = client(&app, Role::Partner, Some(partner_id)).await;
    let (email, phone) = person("discloser");
    let (other_email, other_phone) = person("colleague");
    let mine = file_for(&app, &partner, &email, &phone, "開示 京子").await;
    let theirs = file_for(&app, &partner, &other_email, &other_phone, "同僚 健").await;
    for (id, body) in [
        (&mine, "本人と電話で確認".to_owned()),
        (&theirs, format!("同僚の件、{email} さんも同席")),
    ] {
        expect_json(
            app.post_json(
                &format!("/v1/tickets/{id}/comments"),
                &coordinator,
                &json!({"body": body, "visibility": "internal"}),
            )
            .await,
            201,
            "commenting",
        )
        .await;
    }
    ticket_of(&app, &coordinator, &mine).await;
    // The filing's answer and the coordinator's read.
    access_records(&app, &admin, &format!("ticket_id={mine}"), 2).await;

    let disclosed = expect_json(
        app.get(
            &format!("/v1/personal-data?email={}", email.to_uppercase()),
            &admin,
        )
        .await,
        200,
        "disclosure",
    )
    .await;
    let cases = disclosed["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 1, "{disclosed}");
    assert_eq!(cases[0]["id"], mine.as_str());
    assert_eq!(
        cases[0]["contact"],
        json!({"name": "開示 京子", "email": email, "phone": phone})
    );
    let comments = disclosed["comments"].as_array().unwrap();
    assert_eq!(
        comments.len(),
        2,
        "the comment on their case and the one naming them: {disclosed}"
    );
    assert_eq!(
        disclosed["access_records"].as_array().unwrap().len(),
        2,
        "{disclosed}"
    );
    assert_eq!(
        disclosed["access_records"][0]["client_id"],
        coordinator_client.as_str()
    );
    assert_eq!(disclosed["receipts"].as_array().unwrap().len(), 1);
    assert_eq!(disclosed["receipts"][0]["ticket_id"], mine.as_str());
    let text = disclosed.to_string();
    assert!(
        !text.contains(&other_email),
        "another person's e-mail: {text}"
    );
    assert!(
        !text.contains(&other_phone),
        "another person's phone: {text}"
    );
    assert!(!text.contains("同僚 健"), "another person's name: {text}");

    // The disclosure is itself an access record.
    let records = access_records(&app, &admin, &format!("ticket_id={mine}"), 3).await;
    assert!(
        records
            .iter()
            .any(|r| r["route"] == "GET /v1/personal-data"),
        "{records:#?}"
    );
    assert_eq!(
        app.get(&format!("/v1/personal-data?email={email}"), &coordinator)
            .await
            .status(),
        403
    );
    let problem = assert_problem(
        app.get("/v1/personal-data?email=nobody", &admin).await,
        422,
        "a bad e-mail",
    )
    .await;
    assert_eq!(error_fields(&problem), vec!["email"]);
    let unknown = expect_json(
        app.get("/v1/personal-data?email=unknown@example.jp", &admin)
            .await,
        200,
        "an unknown person",
    )
    .await;
    assert_eq!(unknown["cases"], json!([]));
}

#[tokio::test]
async fn erasure_refuses_while_a_case_is_open_and_works_with_force() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner_id = app.create_partner("商工会連合会").await;
    let (_, partner) = client(&app, Role::Partner, Some(partner_id)).await;
    let (email, phone) = person("eraser");
    let case = file(
        &app,
        &partner,
        &filing(&email, &phone, "消去 由美", "7000012050002"),
    )
    .await;
    let id = id_of(&case);
    let erase = |force: bool| json!({"email": email, "reason": "本人からの利用停止・消去請求", "force": force});

    let problem = assert_problem(
        app.post_json("/v1/personal-data/erasure", &admin, &erase(false))
            .await,
        409,
        "an open case",
    )
    .await;
    assert!(
        problem["type"].as_str().unwrap().ends_with("/case-open"),
        "{problem}"
    );
    assert_eq!(problem["open_cases"], json!([case["reference"]]));
    assert_eq!(
        ticket_of(&app, &coordinator, &id).await["contact"]["email"],
        email.as_str(),
        "nothing changed"
    );

    let erased = expect_json(
        app.post_json("/v1/personal-data/erasure", &admin, &erase(true))
            .await,
        200,
        "forced erasure",
    )
    .await;
    assert_eq!(erased["anonymized"], json!([case["reference"]]));
    let after = ticket_of(&app, &coordinator, &id).await;
    assert_eq!(after["contact"]["email"], MARKER);
    assert_eq!(after["contact"]["name"], MARKER);
    assert!(after["contact"]["phone"].is_null());
    assert_eq!(after["status"], case["status"], "the case goes on");
    let events = events_of(&app, &coordinator, &id).await;
    let event = events
        .iter()
        .find(|e| e["type"] == "ticket.anonymized")
        .expect("an event");
    assert_eq!(event["data"]["trigger"], "request");
    assert_eq!(event["data"]["reason"], "本人からの利用停止・消去請求");
    // Nothing is left to erase, or to disclose.
    assert_problem(
        app.post_json("/v1/personal-data/erasure", &admin, &erase(true))
            .await,
        404,
        "erasing again",
    )
    .await;
    let disclosed = expect_json(
        app.get(&format!("/v1/personal-data?email={email}"), &admin)
            .await,
        200,
        "disclosure after erasure",
    )
    .await;
    assert_eq!(disclosed["cases"], json!([]));

    // A contact entered again after the erasure is that person's data again: a second
    // request finds and erases it.
    let etag = format!(
        "\"{}\"",
        ticket_of(&app, &coordinator, &id).await["version"]
    );
    expect_json(
        app.patch_json(
            &format!("/v1/tickets/{id}"),
            &coordinator,
            Some(&etag),
            &json!({"contact": {"name": "消去 由美", "email": email, "phone": phone}}),
        )
        .await,
        200,
        "the contact entered again",
    )
    .await;
    let erased_again = expect_json(
        app.post_json("/v1/personal-data/erasure", &admin, &erase(true))
            .await,
        200,
        "erasing the contact entered again",
    )
    .await;
    assert_eq!(erased_again["anonymized"], json!([case["reference"]]));
    assert_eq!(
        ticket_of(&app, &coordinator, &id).await["contact"]["email"],
        MARKER
    );

    // A person whose cases are all finished needs no force.
    let (closed_email, closed_phone) = person("finished");
    let finished = file_for(&app, &partner, &closed_email, &closed_phone, "完了 修").await;
    expect_json(
        app.post_json(
            &format!("/v1/tickets/{finished}/transitions"),
            &partner,
            &json!({"to": "cancelled"}),
        )
        .await,
        200,
        "cancelling",
    )
    .await;
    expect_json(
        app.post_json(
            "/v1/personal-data/erasure",
            &admin,
            &json!({"email": closed_email, "reason": "請求"}),
        )
        .await,
        200,
        "erasing a finished case",
    )
    .await;
    for (body, field) in [
        (json!({"email": "x", "reason": "r"}), "email"),
        (json!({"email": "a@example.jp", "reason": " "}), "reason"),
    ] {
        let problem = assert_problem(
            app.post_json("/v1/personal-data/erasure", &admin, &body)
                .await,
            422,
            field,
        )
        .await;
        assert_eq!(error_fields(&problem), vec![field.to_owned()]);
    }
    assert_eq!(
        app.post_json("/v1/personal-data/erasure", &coordinator, &erase(true))
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn exposure_names_the_persons_and_items_a_client_read_in_the_window() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (leaked_client, leaked) = client(&app, Role::Coordinator, None).await;
    let (_, careful) = client(&app, Role::Coordinator, None).await;
    let partner_id = app.create_partner("漏えい確認").await;
    let (_, partner) = client(&app, Role::Partner, Some(partner_id)).await;
    let (read_email, read_phone) = person("read");
    let (unread_email, unread_phone) = person("unread");
    let read = file_for(&app, &partner, &read_email, &read_phone, "閲覧 さくら").await;
    let unread = file_for(&app, &partner, &unread_email, &unread_phone, "未閲覧 桜").await;
    ticket_of(&app, &leaked, &read).await;
    ticket_of(&app, &leaked, &read).await;
    ticket_of(&app, &careful, &unread).await;
    access_records(&app, &admin, &format!("client_id={leaked_client}"), 2).await;

    let exposure = expect_json(
        app.get(
            &format!("/v1/audit/exposure?client_id={leaked_client}&from=2026-01-01"),
            &admin,
        )
        .await,
        200,
        "exposure",
    )
    .await;
    let persons = exposure["persons"].as_array().unwrap();
    assert_eq!(persons.len(), 1, "{exposure}");
    assert_eq!(persons[0]["contact_email"], read_email.as_str());
    assert_eq!(persons[0]["contact_name"], "閲覧 さくら");
    assert_eq!(
        persons[0]["items"],
        json!([
            "contact.name",
            "contact.email",
            "contact.phone",
            "subject",
            "description"
        ])
    );
    assert_eq!(persons[0]["cases"][0]["ticket_id"], read.as_str());
    assert_eq!(persons[0]["cases"][0]["reads"], 2);
    assert!(!exposure.to_string().contains(&unread_email));
    assert_eq!(exposure["truncated"], false);

    let outside = expect_json(
        app.get(
            &format!("/v1/audit/exposure?client_id={leaked_client}&to=2026-01-01"),
            &admin,
        )
        .await,
        200,
        "before the window",
    )
    .await;
    assert_eq!(outside["persons"], json!([]));
    assert_problem(
        app.get("/v1/audit/exposure", &admin).await,
        400,
        "no client_id",
    )
    .await;
    assert_eq!(
        app.get(
            &format!("/v1/audit/exposure?client_id={leaked_client}"),
            &leaked
        )
        .await
        .status(),
        403
    );
}
