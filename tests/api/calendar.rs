//! Business days over HTTP: Golden Week, Silver Week 2026, a substitute holiday, the
//! year-end closure and a closure day the center configured, as service levels count them.
use chrono::{NaiveDate, Utc};
use onestop::{
    auth::Role,
    domain::business_days::{BusinessCalendar, jst_date},
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app, spawn_app_with};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

async fn count(app: &TestApp, token: &str, from: &str, days: u32) -> Value {
    let response = app
        .get(
            &format!("/v1/calendar/business-days?from={from}&days={days}"),
            token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

fn skipped(answer: &Value) -> Vec<(String, String)> {
    answer["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_owned(),
                d["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn business_days_skip_golden_week_silver_week_substitute_holidays_and_the_year_end() {
    let app = spawn_app().await;
    let token = app.token_with_role(Role::Partner).await;
    let pairs = |list: &[(&str, &str)]| {
        list.iter()
            .map(|(d, r)| (d.to_string(), r.to_string()))
            .collect::<Vec<_>>()
    };

    // Golden Week 2026: 5/3 (Sunday) moves its holiday to Wednesday 5/6.
    let golden = count(&app, &token, "2026-04-28", 5).await;
    assert_eq!(golden["date"], "2026-05-11");
    assert_eq!(
        skipped(&golden),
        pairs(&[
            ("2026-04-29", "holiday"),
            ("2026-05-02", "weekend"),
            ("2026-05-03", "weekend"),
            ("2026-05-04", "holiday"),
            ("2026-05-05", "holiday"),
            ("2026-05-06", "holiday"),
            ("2026-05-09", "weekend"),
            ("2026-05-10", "weekend"),
        ])
    );
    let substitute = &golden["skipped"][5];
    assert_eq!(substitute["name_ja"], "振替休日");

    // Silver Week 2026: 敬老の日 9/21, 国民の休日 9/22 between it and 秋分の日 9/23.
    let silver = count(&app, &token, "2026-09-18", 1).await;
    assert_eq!(silver["date"], "2026-09-24");
    assert_eq!(
        skipped(&silver),
        pairs(&[
            ("2026-09-19", "weekend"),
            ("2026-09-20", "weekend"),
            ("2026-09-21", "holiday"),
            ("2026-09-22", "holiday"),
            ("2026-09-23", "holiday"),
        ])
    );
    assert_eq!(silver["skipped"][3]["name_ja"], "国民の休日");

    // The year-end closure, 12/29 to 1/3.
    let year_end = count(&app, &token, "2026-12-25", 2).await;
    assert_eq!(year_end["date"], "2027-01-04");
    assert_eq!(
        skipped(&year_end),
        pairs(&[
            ("2026-12-26", "weekend"),
            ("2026-12-27", "weekend"),
            ("2026-12-29", "year_end_closure"),
            ("2026-12-30", "year_end_closure"),
            ("2026-12-31", "year_end_closure"),
            ("2027-01-01", "year_end_closure"),
            ("2027-01-02", "weekend"),
            ("2027-01-03", "weekend"),
        ])
    );

    // Zero days is the start day itself.
    assert_eq!(
        count(&app, &token, "2026-05-03", 0).await["date"],
        "2026-05-03"
    );

    for query in ["from=2026-04-28&days=261", "from=2026-04-28&days=-1"] {
        let response = app
            .get(&format!("/v1/calendar/business-days?{query}"), &token)
            .await;
        let status = response.status().as_u16();
        assert!(status == 400 || status == 422, "{query}: {status}");
        assert_problem(response, status, query).await;
    }
    let response = app
        .get("/v1/calendar/business-days?from=someday&days=1", &token)
        .await;
    assert_problem(response, 400, "a start that is not a date").await;
}

#[tokio::test]
async fn closure_days_the_center_configures_are_skipped_by_service_levels_too() {
    let received = jst_date(Utc::now());
    let default_calendar = BusinessCalendar::default();
    // Close the center on the first business day after today: both deadlines move.
    let closure = default_calendar.add_business_days(received, 1);
    let app = spawn_app_with(|s| s.closure_days = vec![closure, day(2026, 8, 14)]).await;
    let token = app.token_with_role(Role::Partner).await;

    let august = count(&app, &token, "2026-08-13", 1).await;
    assert_eq!(august["date"], "2026-08-17");
    assert_eq!(august["skipped"][0]["reason"], "center_closure");

    let response = app
        .post_json(
            "/v1/tickets",
            &token,
            &json!({
                "company": {"name": "株式会社休業日", "prefecture": "13"},
                "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
                "subject": "在宅勤務の労働時間管理について",
                "description": "中抜け時間の扱いを知りたい。",
                "topics": ["labor.working_hours"]
            }),
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let case: Value = response.json().await.unwrap();
    let configured = BusinessCalendar::new([closure]);
    let received = jst_date(case["created_at"].as_str().unwrap().parse().unwrap());
    assert_eq!(
        case["sla"]["first_contact_due"],
        configured.add_business_days(received, 2).to_string()
    );
    assert_ne!(
        case["sla"]["first_contact_due"],
        default_calendar.add_business_days(received, 2).to_string(),
        "the closure day moved the due date"
    );
}
