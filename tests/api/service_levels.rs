//! Service levels: due dates in business days, first contact and assignment met or missed,
//! the clock paused on hold, and `?sla_breached=`.
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use onestop::{
    auth::Role,
    domain::business_days::{BusinessCalendar, jst_date},
    entities::ticket,
};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

fn intake(name: &str) -> Value {
    json!({
        "company": {"name": name, "prefecture": "13", "industry": "E", "employees": 30},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours"]
    })
}

async fn file(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post_json("/v1/tickets", token, body).await;
    assert_eq!(response.status().as_u16(), 201);
    response.json().await.unwrap()
}

async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    app.get(&format!("/v1/tickets/{id}"), token)
        .await
        .json()
        .await
        .unwrap()
}

fn date(value: &Value) -> NaiveDate {
    value.as_str().unwrap().parse().unwrap()
}

/// Moves a case's clock into the past, as if it had been filed long ago.
async fn set_row(app: &TestApp, id: &str, change: impl FnOnce(&mut ticket::ActiveModel)) {
    let row = ticket::Entity::find_by_id(id.parse::<Uuid>().unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut active: ticket::ActiveModel = row.into();
    change(&mut active);
    active.update(&app.db).await.unwrap();
}

async fn listed_ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let page: Value = app
        .get(&format!("/v1/tickets?{query}&limit=200"), token)
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn due_dates_count_business_days_and_the_centers_first_action_is_the_first_contact() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let case = file(&app, &partner, &intake("株式会社期限")).await;
    let received = jst_date(
        case["created_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap(),
    );
    let calendar = BusinessCalendar::default();
    let sla = &case["sla"];
    assert_eq!(
        date(&sla["first_contact_due"]),
        calendar.add_business_days(received, 2)
    );
    assert_eq!(
        date(&sla["assignment_due"]),
        calendar.add_business_days(received, 5)
    );
    assert!(sla["first_contact_at"].is_null() && sla["first_contact_met"].is_null());
    assert_eq!(sla["breached"], false);
    assert_eq!(sla["paused"], false);

    // The partner's own edits are not contact; the center's first comment is.
    let id = case["id"].as_str().unwrap();
    let comment = app
        .post_json(
            &format!("/v1/tickets/{id}/comments"),
            &coordinator,
            &json!({"body": "お電話でご状況を伺いました。", "visibility": "partner"}),
        )
        .await;
    assert_eq!(comment.status().as_u16(), 201);
    let sla = read(&app, &coordinator, id).await["sla"].clone();
    assert!(sla["first_contact_at"].is_string());
    assert_eq!(sla["first_contact_met"], true);

    // A case the center takes by phone is in contact from the start.
    let mut phone = intake("株式会社電話");
    phone["channel"] = json!("phone");
    let phoned = file(&app, &coordinator, &phone).await;
    assert_eq!(phoned["sla"]["first_contact_met"], true);
    assert_eq!(phoned["sla"]["first_contact_at"], phoned["created_at"]);
}

#[tokio::test]
async fn a_case_past_its_due_dates_is_breached_and_filtered_and_a_late_assignment_stays_missed() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let late = file(&app, &partner, &intake("株式会社遅延")).await;
    let fresh = file(&app, &partner, &intake("株式会社新規")).await;
    let late_id = late["id"].as_str().unwrap().to_owned();
    let fresh_id = fresh["id"].as_str().unwrap().to_owned();
    // Filed before Golden Week 2026 (received Tue 4/28): 4/29 昭和の日 and 5/3-5/5 are
    // holidays, 5/6 the substitute for Sunday 5/3, so contact is due Fri 5/1 and the
    // assignment Mon 5/11.
    let calendar = BusinessCalendar::default();
    let received = NaiveDate::from_ymd_opt(2026, 4, 28).unwrap();
    let contact_due = calendar.add_business_days(received, 2);
    let assignment_due = calendar.add_business_days(received, 5);
    assert_eq!(contact_due, NaiveDate::from_ymd_opt(2026, 5, 1).unwrap());
    assert_eq!(
        assignment_due,
        NaiveDate::from_ymd_opt(2026, 5, 11).unwrap()
    );
    set_row(&app, &late_id, |row| {
        row.created_at = Set(Utc.with_ymd_and_hms(2026, 4, 28, 1, 0, 0).unwrap());
        row.first_contact_due = Set(Some(contact_due));
        row.assignment_due = Set(Some(assignment_due));
    })
    .await;

    let sla = read(&app, &coordinator, &late_id).await["sla"].clone();
    assert_eq!(sla["breached"], true);
    assert_eq!(date(&sla["assignment_due"]), assignment_due);
    assert_eq!(
        listed_ids(&app, &coordinator, "sla_breached=true").await,
        std::slice::from_ref(&late_id)
    );
    assert_eq!(
        listed_ids(&app, &coordinator, "sla_breached=false").await,
        std::slice::from_ref(&fresh_id)
    );
    // Partners filter their own cases the same way.
    assert_eq!(
        listed_ids(&app, &partner, "sla_breached=true").await,
        std::slice::from_ref(&late_id)
    );

    // A manager assigned now is late: missed for good, so still breached.
    let manager = app
        .create_manager(
            &coordinator,
            &json!({"name": "佐藤 花子", "email": "sato@example.jp", "tracks": ["labor", "ict"], "capacity": 5}),
        )
        .await;
    let assigned = app
        .post_json(
            &format!("/v1/tickets/{late_id}/assignment"),
            &coordinator,
            &json!({"manager_id": manager["id"]}),
        )
        .await;
    assert_eq!(assigned.status().as_u16(), 200);
    let sla = read(&app, &coordinator, &late_id).await["sla"].clone();
    assert_eq!(sla["assignment_met"], false);
    assert_eq!(
        sla["first_contact_met"], false,
        "the assignment was the first contact, late"
    );
    assert_eq!(sla["breached"], true);
    assert!(sla["first_assigned_at"].is_string());
    assert_eq!(
        listed_ids(&app, &coordinator, "sla_breached=true").await,
        [late_id]
    );

    let bad = app
        .get("/v1/tickets?sla_breached=maybe", &coordinator)
        .await;
    assert_eq!(bad.status().as_u16(), 400);
}

#[tokio::test]
async fn the_clock_pauses_on_hold_and_the_due_dates_move_by_the_business_days_it_lasted() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let case = file(&app, &partner, &intake("株式会社保留")).await;
    let id = case["id"].as_str().unwrap().to_owned();
    let hold = app
        .post_json(
            &format!("/v1/tickets/{id}/transitions"),
            &coordinator,
            &json!({"to": "on_hold", "reason": "会社の決算期のため"}),
        )
        .await;
    assert_eq!(hold.status().as_u16(), 200);
    // The hold began before Silver Week 2026 and the assignment was due in it, long past.
    let hold_start = Utc.with_ymd_and_hms(2026, 9, 17, 1, 0, 0).unwrap();
    let assignment_due = NaiveDate::from_ymd_opt(2026, 9, 24).unwrap();
    set_row(&app, &id, |row| {
        row.on_hold_since = Set(Some(hold_start));
        row.assignment_due = Set(Some(assignment_due));
    })
    .await;
    let held = read(&app, &coordinator, &id).await;
    assert_eq!(held["sla"]["paused"], true);
    assert_eq!(
        held["sla"]["breached"], false,
        "a paused clock does not run out"
    );
    assert_eq!(
        listed_ids(&app, &coordinator, "sla_breached=true").await,
        Vec::<String>::new()
    );

    let resumed = app
        .post_json(
            &format!("/v1/tickets/{id}/transitions"),
            &coordinator,
            &json!({"to": "resumed"}),
        )
        .await;
    assert_eq!(resumed.status().as_u16(), 200);
    let sla = read(&app, &coordinator, &id).await["sla"].clone();
    let calendar = BusinessCalendar::default();
    let lasted = calendar.business_days_between(jst_date(hold_start), jst_date(Utc::now()));
    let lasted = u32::try_from(lasted).unwrap();
    assert_eq!(sla["paused"], false);
    assert_eq!(sla["paused_business_days"], lasted);
    assert_eq!(
        date(&sla["assignment_due"]),
        calendar.add_business_days(assignment_due, lasted)
    );
    assert_eq!(sla["breached"], false, "the due date moved past today");
}
