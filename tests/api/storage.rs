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
async fn what_hangs_off_a_case_and_the_roster_are_typed_too_and_never_read_as_defaults() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let filed: Value = app
        .post_json("/v1/tickets", &coordinator, &intake())
        .await
        .json()
        .await
        .unwrap();
    let case_id = filed["id"].as_str().unwrap().to_owned();
    let comment = app
        .post_json(
            &format!("/v1/tickets/{case_id}/comments"),
            &coordinator,
            &json!({"body": "確認しました", "visibility": "partner"}),
        )
        .await;
    assert_eq!(comment.status().as_u16(), 201);
    let comment: Value = comment.json().await.unwrap();
    assert_eq!(comment["visibility"], "partner");
    assert_eq!(comment["author_role"], "coordinator");
    let manager = app
        .create_manager(
            &coordinator,
            &json!({"name": "型 太郎", "email": "kata@example.jp", "tracks": ["ict"],
                    "topics": ["ict.remote_access"], "prefectures": ["13", "14"], "onsite": true,
                    "capacity": 2}),
        )
        .await;
    let manager_id = manager["id"].as_str().unwrap().to_owned();
    let read: Value = app
        .get(&format!("/v1/managers/{manager_id}"), &coordinator)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["topics"], json!(["ict.remote_access"]));
    assert_eq!(read["prefectures"], json!(["13", "14"]));

    // Each corruption, then the read that must fail loudly, then the repair.
    let comment_id = comment["id"].as_str().unwrap().to_owned();
    let events_path = format!("/v1/tickets/{case_id}/events");
    let comments_path = format!("/v1/tickets/{case_id}/comments");
    let manager_path = format!("/v1/managers/{manager_id}");
    let corruptions = [
        (
            "UPDATE managers SET topics = '[\"no.such\"]' WHERE id = $1",
            "UPDATE managers SET topics = '[\"ict.remote_access\"]' WHERE id = $1",
            &manager_id,
            &manager_path,
            "an unknown manager topic",
        ),
        (
            "UPDATE managers SET prefectures = 'x' WHERE id = $1",
            "UPDATE managers SET prefectures = '[\"13\"]' WHERE id = $1",
            &manager_id,
            &manager_path,
            "manager prefectures that are not JSON",
        ),
        (
            "UPDATE comments SET visibility = 'public' WHERE id = $1",
            "UPDATE comments SET visibility = 'partner' WHERE id = $1",
            &comment_id,
            &comments_path,
            "an unknown comment visibility",
        ),
        (
            "UPDATE comments SET author_role = 'boss' WHERE id = $1",
            "UPDATE comments SET author_role = 'coordinator' WHERE id = $1",
            &comment_id,
            &comments_path,
            "an unknown author role",
        ),
        (
            "UPDATE events SET data = '{' WHERE ticket_id = $1",
            "UPDATE events SET data = '{}' WHERE ticket_id = $1",
            &case_id,
            &events_path,
            "event data that is not JSON",
        ),
        (
            "UPDATE events SET actor_role = 'boss' WHERE ticket_id = $1",
            "UPDATE events SET actor_role = 'coordinator' WHERE ticket_id = $1",
            &case_id,
            &events_path,
            "an unknown actor role",
        ),
    ];
    for (corrupt, repair, id, path, what) in corruptions {
        execute(&app, corrupt, id).await;
        assert_problem(app.get(path, &coordinator).await, 500, what).await;
        execute(&app, repair, id).await;
        let mended = app.get(path, &coordinator).await;
        assert_eq!(mended.status().as_u16(), 200, "{what}, mended");
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
