//! The summary report: its counts equal a recount of the cases the test filed, in JSON and
//! in CSV, for every grouping; publication suppression; partners see their own numbers.
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use onestop::{
    auth::Role,
    domain::{business_days::jst_date, fiscal_year::FiscalYear},
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

fn intake(name: &str, prefecture: &str, industry: &str) -> Value {
    json!({
        "company": {"name": name, "prefecture": prefecture, "industry": industry, "employees": 20},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の導入について",
        "description": "テレワーク導入にあたり相談したい。",
        "topics": ["general.getting_started"]
    })
}

pub(crate) struct World {
    pub(crate) coordinator: String,
    pub(crate) partner_a: String,
    pub(crate) partner_a_id: String,
}

async fn post_ok(app: &TestApp, path: &str, token: &str, body: &Value) -> Value {
    let response = app.post_json(path, token, body).await;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert!(status == 200 || status == 201, "{path}: {status} {body}");
    body
}

/// Files, routes, assigns and resolves a spread of cases; returns the tokens.
pub(crate) async fn world(app: &TestApp) -> World {
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner_a_id = app.create_partner("=HYPERLINK(\"http://x\")商工会").await;
    let partner_b_id = app.create_partner("大阪府社会保険労務士会").await;
    let partner_a = app
        .token_for(
            &app.create_client(Role::Partner, Some(partner_a_id), None)
                .await,
        )
        .await;
    let partner_b = app
        .token_for(
            &app.create_client(Role::Partner, Some(partner_b_id), None)
                .await,
        )
        .await;
    let labor_manager = app
        .create_manager(
            &coordinator,
            &json!({"name": "佐藤 花子", "email": "sato@example.jp", "tracks": ["labor"], "capacity": 20}),
        )
        .await;
    let ict_manager = app
        .create_manager(
            &coordinator,
            &json!({"name": "鈴木 一郎", "email": "suzuki@example.jp", "tracks": ["ict"], "capacity": 20}),
        )
        .await;
    // (filer, prefecture, industry, track, assign?, outcome with satisfaction)
    type Outcome = Option<(&'static str, Option<i64>)>;
    let plan: Vec<(&str, &str, &str, &str, bool, Outcome)> = vec![
        ("a", "13", "E", "labor", true, Some(("introduced", Some(5)))),
        ("a", "13", "E", "labor", true, Some(("introduced", Some(4)))),
        ("a", "13", "E", "labor", true, Some(("planned", Some(3)))),
        ("a", "13", "E", "labor", true, None),
        ("a", "13", "E", "labor", false, None),
        ("a", "27", "I", "ict", true, Some(("referred", None))),
        ("a", "27", "I", "ict", true, None),
        ("a", "27", "G", "ict", false, None),
        (
            "b",
            "40",
            "P",
            "labor",
            true,
            Some(("not_introduced", Some(2))),
        ),
        ("b", "40", "P", "labor", false, None),
        ("b", "40", "P", "labor", false, None),
        ("b", "40", "P", "labor", false, None),
        ("c", "01", "A", "labor", false, None),
        ("c", "01", "A", "ict", false, None),
    ];
    for (index, (filer, prefecture, industry, track, assign, outcome)) in
        plan.into_iter().enumerate()
    {
        let mut body = intake(&format!("株式会社集計{index}"), prefecture, industry);
        let token = match filer {
            "a" => &partner_a,
            "b" => &partner_b,
            _ => {
                body["channel"] = json!("phone");
                &coordinator
            }
        };
        let case = post_ok(app, "/v1/tickets", token, &body).await;
        let id = case["id"].as_str().unwrap().to_owned();
        post_ok(
            app,
            &format!("/v1/tickets/{id}/routing"),
            &coordinator,
            &json!({"track": track, "reason": "集計テスト"}),
        )
        .await;
        if assign {
            let manager = if track == "labor" {
                &labor_manager
            } else {
                &ict_manager
            };
            post_ok(
                app,
                &format!("/v1/tickets/{id}/assignment"),
                &coordinator,
                &json!({"manager_id": manager["id"]}),
            )
            .await;
        }
        if let Some((result, satisfaction)) = outcome {
            let response = app
                .put_json(
                    &format!("/v1/tickets/{id}/outcome"),
                    &coordinator,
                    &json!({"result": result, "satisfaction": satisfaction}),
                )
                .await;
            assert_eq!(response.status().as_u16(), 200);
        }
    }
    World {
        coordinator,
        partner_a,
        partner_a_id: partner_a_id.to_string(),
    }
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct Recount {
    received: i64,
    assigned: i64,
    resolved: i64,
    introduced: i64,
    satisfaction: Vec<i64>,
    sla_decided: i64,
    sla_met: i64,
}

pub(crate) async fn all_tickets(app: &TestApp, token: &str) -> Vec<Value> {
    let page: Value = app
        .get("/v1/tickets?limit=200", token)
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

fn group_key(case: &Value, group_by: &str) -> Option<String> {
    let text = |v: &Value| v.as_str().map(str::to_owned);
    match group_by {
        "track" => text(&case["track"]),
        "prefecture" => text(&case["company"]["prefecture"]),
        "partner" => text(&case["partner_id"]),
        "industry" => text(&case["company"]["industry"]),
        "manager" => text(&case["manager_id"]),
        "month" => {
            let created: DateTime<Utc> = case["created_at"].as_str().unwrap().parse().unwrap();
            Some(jst_date(created).format("%Y-%m").to_string())
        }
        other => panic!("{other}"),
    }
}

pub(crate) fn recount(cases: &[Value], group_by: &str) -> BTreeMap<Option<String>, Recount> {
    let mut groups: BTreeMap<Option<String>, Recount> = BTreeMap::new();
    for case in cases {
        let group = groups.entry(group_key(case, group_by)).or_default();
        group.received += 1;
        if case["sla"]["first_assigned_at"].is_string() {
            group.assigned += 1;
        }
        if case["outcome"].is_object() {
            group.resolved += 1;
            if case["outcome"]["result"] == "introduced" {
                group.introduced += 1;
            }
            if let Some(score) = case["outcome"]["satisfaction"].as_i64() {
                group.satisfaction.push(score);
            }
        }
        let (contact, assignment) = (
            &case["sla"]["first_contact_met"],
            &case["sla"]["assignment_met"],
        );
        if !contact.is_null() && !assignment.is_null() {
            group.sla_decided += 1;
            if contact == true && assignment == true {
                group.sla_met += 1;
            }
        }
    }
    groups
}

pub(crate) fn check_row(row: &Value, expected: &Recount, context: &str) {
    assert_eq!(row["received"], expected.received, "{context} received");
    assert_eq!(row["assigned"], expected.assigned, "{context} assigned");
    assert_eq!(row["resolved"], expected.resolved, "{context} resolved");
    assert_eq!(
        row["introduced"], expected.introduced,
        "{context} introduced"
    );
    if expected.resolved > 0 {
        let rate = expected.introduced as f64 / expected.resolved as f64;
        assert!(
            (row["introduction_rate"].as_f64().unwrap() - rate).abs() < 1e-3,
            "{context}"
        );
    } else {
        assert!(row["introduction_rate"].is_null(), "{context}");
    }
    if expected.satisfaction.is_empty() {
        assert!(row["avg_satisfaction"].is_null(), "{context}");
    } else {
        let mean =
            expected.satisfaction.iter().sum::<i64>() as f64 / expected.satisfaction.len() as f64;
        assert!(
            (row["avg_satisfaction"].as_f64().unwrap() - mean).abs() < 0.01,
            "{context}"
        );
    }
    if expected.assigned > 0 {
        // Every assignment here happens on the day of receipt.
        assert_eq!(row["median_business_days_to_assign"], 0.0, "{context}");
    } else {
        assert!(row["median_business_days_to_assign"].is_null(), "{context}");
    }
    if expected.sla_decided > 0 {
        let rate = expected.sla_met as f64 / expected.sla_decided as f64;
        assert!(
            (row["sla_met_rate"].as_f64().unwrap() - rate).abs() < 1e-3,
            "{context}"
        );
    }
}

fn parse_csv(text: &str) -> Vec<Vec<String>> {
    // Enough of RFC 4180 for these cells: quoted cells with doubled quotes and commas.
    text.split("\r\n")
        .filter(|line| !line.is_empty())
        .map(|line| {
            let mut cells = Vec::new();
            let mut cell = String::new();
            let mut quoted = false;
            let mut chars = line.chars().peekable();
            while let Some(c) = chars.next() {
                match (c, quoted) {
                    ('"', true) if chars.peek() == Some(&'"') => {
                        cell.push('"');
                        chars.next();
                    }
                    ('"', _) => quoted = !quoted,
                    (',', false) => cells.push(std::mem::take(&mut cell)),
                    (c, _) => cell.push(c),
                }
            }
            cells.push(cell);
            cells
        })
        .collect()
}

#[tokio::test]
async fn the_summary_equals_a_recount_of_the_filed_cases_for_every_grouping_in_json_and_csv() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let cases = all_tickets(&app, &world.coordinator).await;
    assert_eq!(cases.len(), 14);
    let analyst = app.token_with_role(Role::Analyst).await;
    let year = FiscalYear::of_instant(Utc::now()).year();
    for group_by in [
        "track",
        "prefecture",
        "partner",
        "month",
        "industry",
        "manager",
    ] {
        let path = format!("/v1/reports/summary?fiscal_year={year}&group_by={group_by}");
        let response = app.get(&path, &analyst).await;
        assert_eq!(response.status().as_u16(), 200, "{group_by}");
        let report: Value = response.json().await.unwrap();
        let expected = recount(&cases, group_by);
        let rows = report["rows"].as_array().unwrap();
        assert_eq!(rows.len(), expected.len(), "{group_by}: {report}");
        for row in rows {
            let key = row["key"].as_str().map(str::to_owned);
            let context = format!("{group_by}={key:?}");
            check_row(row, &expected[&key], &context);
            assert!(
                row["label"].as_str().is_some_and(|l| !l.is_empty()),
                "{context}"
            );
        }
        let all = recount(&cases, "track")
            .into_values()
            .fold(Recount::default(), |mut t, g| {
                t.received += g.received;
                t.assigned += g.assigned;
                t.resolved += g.resolved;
                t.introduced += g.introduced;
                t.satisfaction.extend(g.satisfaction);
                t.sla_decided += g.sla_decided;
                t.sla_met += g.sla_met;
                t
            });
        check_row(&report["totals"], &all, &format!("{group_by} totals"));

        // The same numbers as CSV, with a BOM for Excel and the totals last.
        let response = app
            .api
            .get(app.url(&path))
            .bearer_auth(&analyst)
            .header("accept", "text/csv")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let text = response.text().await.unwrap();
        assert!(text.starts_with('\u{feff}'), "{group_by}: BOM");
        let table = parse_csv(text.trim_start_matches('\u{feff}'));
        assert_eq!(table[0][0], group_by);
        assert_eq!(table[0][2], "received");
        assert_eq!(
            table.len(),
            rows.len() + 2,
            "{group_by}: header, rows, totals"
        );
        for (line, row) in table[1..].iter().zip(rows) {
            assert_eq!(line[0], row["key"].as_str().unwrap_or(""), "{group_by}");
            assert_eq!(line[2], row["received"].to_string(), "{group_by}");
            assert_eq!(line[5], row["introduced"].to_string(), "{group_by}");
        }
        let totals = table.last().unwrap();
        assert_eq!(totals[0], "total");
        assert_eq!(totals[2], all.received.to_string());
    }

    // A partner name that would run as a formula in Excel is neutralized.
    let response = app
        .api
        .get(app.url(&format!(
            "/v1/reports/summary?fiscal_year={year}&group_by=partner"
        )))
        .bearer_auth(&analyst)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    let table = parse_csv(text.trim_start_matches('\u{feff}'));
    let row = table
        .iter()
        .find(|line| line[0] == world.partner_a_id)
        .unwrap();
    assert!(row[1].starts_with("'=HYPERLINK"), "{row:?}");
}

#[tokio::test]
async fn publication_suppresses_small_counts_and_partners_see_only_their_own() {
    let app = spawn_app().await;
    let world = world(&app).await;
    let today = jst_date(Utc::now());
    let period = format!("from={today}&to={today}");
    let report: Value = app
        .get(
            &format!("/v1/reports/summary?{period}&group_by=prefecture&suppress_below=4"),
            &world.coordinator,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["suppress_below"], 4);
    let row = |code: &str| {
        report["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == code)
            .unwrap()
            .clone()
    };
    // Tokyo: 5 received, 4 assigned, 3 resolved (suppressed), 2 introduced (suppressed).
    let tokyo = row("13");
    assert_eq!(tokyo["received"], 5);
    assert_eq!(tokyo["assigned"], 4);
    assert!(tokyo["resolved"].is_null() && tokyo["introduced"].is_null());
    assert!(tokyo["introduction_rate"].is_null() && tokyo["avg_satisfaction"].is_null());
    // Hokkaido: 2 received, all counts suppressed.
    let hokkaido = row("01");
    assert!(hokkaido["received"].is_null() && hokkaido["assigned"].is_null());
    assert_eq!(report["totals"]["received"], 14);

    // Partner A's report counts only its own 8 cases.
    let own: Value = app
        .get(
            &format!("/v1/reports/summary?{period}&group_by=partner"),
            &world.partner_a,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["totals"]["received"], 8);
    let rows = own["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["key"], world.partner_a_id);

    // A period with no cases is all zeros, not an error.
    let empty: Value = app
        .get(
            "/v1/reports/summary?from=2001-04-01&to=2001-04-30",
            &world.coordinator,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["rows"], json!([]));
    assert_eq!(empty["totals"]["received"], 0);
}

#[tokio::test]
async fn bad_report_requests_name_the_parameter_and_managers_get_none() {
    let app = spawn_app().await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let cases = [
        ("group_by=track", "from"),
        ("fiscal_year=2026&group_by=region", "group_by"),
        (
            "fiscal_year=2026&from=2026-04-01&to=2026-05-01",
            "fiscal_year",
        ),
        ("from=2026-05-01&to=2026-04-01", "to"),
        ("fiscal_year=2026&suppress_below=0", "suppress_below"),
        ("fiscal_year=1800", "fiscal_year"),
    ];
    for (query, field) in cases {
        let response = app
            .get(&format!("/v1/reports/summary?{query}"), &analyst)
            .await;
        let problem = assert_problem(response, 422, query).await;
        assert!(
            error_fields(&problem).contains(&field.to_owned()),
            "{query}: {problem}"
        );
    }
    let response = app
        .get("/v1/reports/summary?from=yesterday&to=2026-01-01", &analyst)
        .await;
    assert_problem(response, 400, "a date that is not a date").await;
    let manager = app.token_with_role(Role::Manager).await;
    let response = app
        .get("/v1/reports/summary?fiscal_year=2026", &manager)
        .await;
    assert_problem(response, 403, "managers read no reports").await;
}
