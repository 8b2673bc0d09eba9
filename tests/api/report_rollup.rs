//! The summary report's monthly rollup: a report read from it gives the numbers counting
//! the cases gives, for every grouping and for periods that cut months, and a change made
//! after a month was counted shows in the next report at once.
use std::time::{Duration, Instant};

use chrono::{Datelike, Months, NaiveDate, Utc};
use onestop::{
    auth::Role, domain::business_days::jst_date, entities::ticket, services::reports::GroupBy,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{
    helpers::{TestApp, spawn_app_with},
    reports::{all_tickets, check_row, recount, world},
};

async fn count(app: &TestApp, sql: &str) -> i64 {
    app.db
        .query_one_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

/// Waits until the refresh job has counted every marked month.
async fn until_counted(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while count(app, "SELECT COUNT(*) AS n FROM report_changes").await > 0 {
        assert!(Instant::now() < deadline, "the rollup was never counted");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn report(app: &TestApp, token: &str, period: &str, group_by: &str) -> Value {
    let response = app
        .get(
            &format!("/v1/reports/summary?{period}&group_by={group_by}"),
            token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "{period} {group_by}");
    response.json().await.unwrap()
}

/// Moves a case `days` back in time, as if it had been received then.
async fn move_back(app: &TestApp, id: &str, days: i64) {
    let row = ticket::Entity::find_by_id(id.parse::<Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let created = row.created_at - chrono::Duration::days(days);
    let mut active: ticket::ActiveModel = row.into();
    active.created_at = Set(created);
    active.received_on = Set(Some(jst_date(created)));
    active.update(&app.db).await.unwrap();
}

fn last_day_of_month(day: NaiveDate) -> NaiveDate {
    let first = day.with_day(1).unwrap();
    (first + Months::new(1)).pred_opt().unwrap()
}

/// Every case's group matches a recount of the cases as the API shows them.
fn check_against_recount(report: &Value, cases: &[Value], group_by: &str) {
    let expected = recount(cases, group_by);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), expected.len(), "{group_by}: {report}");
    for row in rows {
        let key = row["key"].as_str().map(str::to_owned);
        check_row(row, &expected[&key], &format!("{group_by}={key:?}"));
    }
}

#[tokio::test]
async fn the_monthly_rollup_gives_the_numbers_of_the_cases_and_a_later_change_shows_at_once() {
    // This instance never counts the rollup: until the second one does, its reports count
    // the cases.
    let app = spawn_app_with(|settings| settings.report_refresh = None).await;
    let world = world(&app).await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let groupings = GroupBy::ALL.map(GroupBy::as_str);

    // The cases spread over three or four months.
    let cases = all_tickets(&app, &world.coordinator).await;
    for (index, case) in cases.iter().enumerate() {
        let days = [0, 35, 70][index % 3];
        if days > 0 {
            move_back(&app, case["id"].as_str().unwrap(), days).await;
        }
    }
    let cases = all_tickets(&app, &world.coordinator).await;
    let today = jst_date(Utc::now());
    let earliest = today - chrono::Duration::days(70);
    let whole = format!(
        "from={}&to={}",
        earliest.with_day(1).unwrap(),
        last_day_of_month(today)
    );
    let periods = [
        whole.clone(),
        // Cuts its first and last month.
        format!("from={}&to={today}", earliest + chrono::Duration::days(1)),
        format!(
            "from={}&to={}",
            (today - chrono::Duration::days(35)).with_day(1).unwrap(),
            last_day_of_month(today)
        ),
    ];

    let mut counted_from_cases = Vec::new();
    for period in &periods {
        for group_by in groupings {
            let report = report(&app, &analyst, period, group_by).await;
            counted_from_cases.push(report);
        }
    }
    for (index, group_by) in groupings.iter().enumerate() {
        if !["channel", "city"].contains(group_by) {
            check_against_recount(&counted_from_cases[index], &cases, group_by);
        }
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM report_rollup").await,
        0
    );

    // A second instance counts the rollup; the same reports read from it are the same.
    let _refreshing = app
        .another_instance_with(|settings| settings.report_refresh = Some(Duration::from_secs(1)))
        .await;
    until_counted(&app).await;
    assert!(count(&app, "SELECT COUNT(*) AS n FROM report_rollup").await > 0);
    let mut index = 0;
    for period in &periods {
        for group_by in groupings {
            let report = report(&app, &analyst, period, group_by).await;
            assert_eq!(
                report, counted_from_cases[index],
                "{period} {group_by}: rollup and cases differ"
            );
            index += 1;
        }
    }

    // The whole-month report is read from the rollup: a count changed there shows.
    let before = report(&app, &analyst, &whole, "track").await;
    app.db
        .execute_unprepared("UPDATE report_rollup SET received = received + 1000")
        .await
        .unwrap();
    let tampered = report(&app, &analyst, &whole, "track").await;
    assert!(
        tampered["totals"]["received"].as_i64().unwrap()
            >= before["totals"]["received"].as_i64().unwrap() + 1000,
        "{tampered}"
    );
    app.db
        .execute_unprepared(
            "INSERT INTO report_changes (month) SELECT DISTINCT month FROM report_rollup",
        )
        .await
        .unwrap();
    assert_eq!(report(&app, &analyst, &whole, "track").await, before);
    until_counted(&app).await;
    assert_eq!(report(&app, &analyst, &whole, "track").await, before);

    // Changes after the months were counted show at once: an outcome recorded, a case
    // received a month earlier, a case merged into another.
    let assigned_without_outcome = cases
        .iter()
        .find(|case| case["status"] == "assigned" && case["outcome"].is_null())
        .expect("an assigned case without an outcome");
    let id = assigned_without_outcome["id"].as_str().unwrap();
    let response = app
        .put_json(
            &format!("/v1/tickets/{id}/outcome"),
            &world.coordinator,
            &json!({"result": "introduced", "satisfaction": 5}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    move_back(&app, cases[0]["id"].as_str().unwrap(), 35).await;
    let cases = all_tickets(&app, &world.coordinator).await;
    for group_by in groupings {
        let report = report(&app, &analyst, &whole, group_by).await;
        if !["channel", "city"].contains(&group_by) {
            check_against_recount(&report, &cases, group_by);
        }
        assert_eq!(report["totals"]["received"], cases.len(), "{group_by}");
    }
    until_counted(&app).await;
    for group_by in ["track", "month", "manager"] {
        let report = report(&app, &analyst, &whole, group_by).await;
        check_against_recount(&report, &cases, group_by);
    }
}
