//! The database going away under the service: PostgreSQL terminating the service's
//! connections as a fast restart does (SQLSTATE 57P01) must answer 503 with `Retry-After`,
//! which clients retry, never 500, and the service must recover on its own.
use onestop::{auth::Role, db};
use sea_orm::ConnectionTrait;

use crate::{
    consulting::intake,
    helpers::{TestDatabase, spawn_app},
};

#[tokio::test]
async fn connections_terminated_as_in_a_fast_restart_answer_503_never_500_and_recover() {
    let app = spawn_app().await;
    let TestDatabase::Postgres { url, .. } = app.database.as_ref() else {
        println!("needs PostgreSQL (TEST_DATABASE_URL): SQLite has no server to lose");
        return;
    };
    let partner = app.token_with_role(Role::Partner).await;
    let credentials = app.create_client(Role::Coordinator, None, None).await;
    // Warm every worker's pool, so terminated connections are the ones requests get.
    for _ in 0..8 {
        assert_eq!(
            app.post_json("/v1/tickets", &partner, &intake())
                .await
                .status()
                .as_u16(),
            201
        );
    }
    let operator = db::connect(url).await.unwrap();
    for round in 0..3 {
        operator
            .execute_unprepared(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid()",
            )
            .await
            .unwrap();
        let mut statuses = Vec::new();
        for _ in 0..20 {
            let filed = app.post_json("/v1/tickets", &partner, &intake()).await;
            let status = filed.status().as_u16();
            if status == 503 {
                assert!(
                    filed.headers().contains_key("retry-after"),
                    "503 without Retry-After"
                );
            }
            statuses.push(status);
        }
        let token = app
            .api
            .post(app.url("/v1/auth/token"))
            .json(&serde_json::json!({
                "client_id": credentials.client_id, "client_secret": credentials.client_secret,
            }))
            .send()
            .await
            .unwrap();
        statuses.push(token.status().as_u16());
        assert!(
            statuses
                .iter()
                .all(|status| [200, 201, 503].contains(status)),
            "round {round}: {statuses:?}"
        );
        assert_eq!(
            statuses[15..20],
            [201; 5],
            "round {round}: the service recovers within a few requests: {statuses:?}"
        );
    }
    operator.close().await.ok();
}

#[tokio::test]
async fn a_table_locked_for_long_answers_503_within_the_lock_bound_and_intake_recovers_at_once() {
    use sea_orm::TransactionTrait;
    let app = crate::helpers::spawn_app_with(|settings| {
        settings.db_timeouts.lock_ms = 500;
        settings.db_timeouts.statement_ms = 3000;
    })
    .await;
    let TestDatabase::Postgres { url, .. } = app.database.as_ref() else {
        println!("needs PostgreSQL (TEST_DATABASE_URL): SQLite has no lock to hold");
        return;
    };
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    assert_eq!(
        app.post_json("/v1/tickets", &partner, &intake())
            .await
            .status()
            .as_u16(),
        201
    );
    let operator = db::connect(url).await.unwrap();
    let holder = operator.begin().await.unwrap();
    holder
        .execute_unprepared("LOCK TABLE tickets IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    for (what, request) in [
        (
            "filing",
            app.api
                .post(app.url("/v1/tickets"))
                .bearer_auth(&partner)
                .json(&intake()),
        ),
        (
            "listing",
            app.api
                .get(app.url("/v1/tickets"))
                .bearer_auth(&coordinator),
        ),
    ] {
        let started = std::time::Instant::now();
        // Bounded here too, so the test fails (rather than hangs) if the service waits on.
        let response = request
            .timeout(std::time::Duration::from_secs(10))
            .send()
            .await
            .unwrap_or_else(|error| panic!("{what} got no answer: {error}"));
        let took = started.elapsed();
        assert!(
            took < std::time::Duration::from_secs(3),
            "{what} waited {took:?}"
        );
        assert!(response.headers().contains_key("retry-after"), "{what}");
        let problem = crate::helpers::assert_problem(response, 503, what).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("held by other work"),
            "{what} names the cause: {problem}"
        );
    }
    holder.rollback().await.unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        app.post_json("/v1/tickets", &partner, &intake())
            .await
            .status()
            .as_u16(),
        201
    );
    assert!(
        started.elapsed() < std::time::Duration::from_secs(1),
        "intake recovers at once"
    );
    operator.close().await.ok();
}
