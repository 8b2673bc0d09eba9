//! The storage boundary: values come back from the database as the types they were stored as,
//! a value that cannot be read back is a logged 500 (never shown as a default), and cases filed
//! before service levels existed get their due dates from the configured calendar at start-up.
use onestop::auth::Role;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app, spawn_app_with};

fn intake() -> Value {
    json!({
        "company": {"name": "株式会社ストレージ", "prefecture": "13", "industry": "E"},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours", "labor.work_rules"],
        "preferred_mode": "onsite",
        "channel": "phone"
    })
}

async fn execute(app: &crate::helpers::TestApp, sql: &str, id: &str) {
    let backend = app.db.get_database_backend();
    let placeholder = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    let id: uuid::Uuid = id.parse().unwrap();
    app.db
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql.replace("$1", placeholder),
            [id.into()],
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_case_reads_back_every_typed_column_as_it_was_filed() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let response = app.post_json("/v1/tickets", &coordinator, &intake()).await;
    assert_eq!(response.status().as_u16(), 201);
    let filed: Value = response.json().await.unwrap();
    let read: Value = app
        .get(
            &format!("/v1/tickets/{}", filed["id"].as_str().unwrap()),
            &coordinator,
        )
        .await
        .json()
        .await
        .unwrap();
    for field in [
        "status",
        "channel",
        "preferred_mode",
        "topics",
        "routing",
        "track",
    ] {
        assert_eq!(read[field], filed[field], "{field} reads back as filed");
    }
    assert_eq!(read["channel"], "phone");
    assert_eq!(read["preferred_mode"], "onsite");
    assert_eq!(
        read["topics"],
        json!(["labor.working_hours", "labor.work_rules"])
    );
    assert_eq!(read["company"]["prefecture"], "13");
    assert_eq!(read["company"]["industry"], "E");
}

#[tokio::test]
async fn a_stored_value_that_cannot_be_read_back_is_a_500_never_a_default() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let corruptions = [
        (
            "UPDATE tickets SET status = 'lost' WHERE id = $1",
            "an unknown status",
        ),
        (
            "UPDATE tickets SET topics = 'not json' WHERE id = $1",
            "topics that are not JSON",
        ),
        (
            "UPDATE tickets SET topics = '[\"no.such_topic\"]' WHERE id = $1",
            "an unknown topic code",
        ),
        (
            "UPDATE tickets SET prefecture = '99' WHERE id = $1",
            "an unknown prefecture",
        ),
        (
            "UPDATE tickets SET routing = '{' WHERE id = $1",
            "a routing decision that is not JSON",
        ),
        (
            "UPDATE tickets SET channel = 'fax' WHERE id = $1",
            "an unknown channel",
        ),
    ];
    for (sql, what) in corruptions {
        let response = app.post_json("/v1/tickets", &coordinator, &intake()).await;
        let filed: Value = response.json().await.unwrap();
        let id = filed["id"].as_str().unwrap();
        execute(&app, sql, id).await;
        let read = app.get(&format!("/v1/tickets/{id}"), &coordinator).await;
        assert_problem(read, 500, what).await;
        let listed = app.get("/v1/tickets?limit=200", &coordinator).await;
        assert_problem(listed, 500, what).await;
        // Mend it, so the next corruption is the only one in the list.
        app.db
            .execute_unprepared(&format!("DELETE FROM events WHERE ticket_id = '{id}'"))
            .await
            .ok();
        execute(&app, "DELETE FROM tickets WHERE id = $1", id).await;
    }
}

#[tokio::test]
async fn cases_without_due_dates_get_them_from_the_configured_calendar_when_the_service_starts() {
    let closure = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
    let app = spawn_app_with(|s| s.closure_days = vec![closure]).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let filed: Value = app
        .post_json("/v1/tickets", &coordinator, &intake())
        .await
        .json()
        .await
        .unwrap();
    let id = filed["id"].as_str().unwrap();
    let due = filed["sla"]["first_contact_due"].clone();
    let assignment_due = filed["sla"]["assignment_due"].clone();
    // As a case filed before service levels existed.
    execute(
        &app,
        "UPDATE tickets SET first_contact_due = NULL, assignment_due = NULL WHERE id = $1",
        id,
    )
    .await;
    let unreadable = app.get(&format!("/v1/tickets/{id}"), &coordinator).await;
    assert_problem(
        unreadable,
        500,
        "a case without due dates is not shown with made-up ones",
    )
    .await;

    let restarted = app.another_instance().await;
    let read: Value = restarted
        .get(&format!("/v1/tickets/{id}"), &coordinator)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read["sla"]["first_contact_due"], due,
        "the configured calendar gives the same day as at filing"
    );
    assert_eq!(read["sla"]["assignment_due"], assignment_due);
}
