//! The database going away under the service: PostgreSQL terminating the service's
//! connections as a fast restart does (SQLSTATE 57P01) must answer 503 with `Retry-After`,
//! which clients retry, never 500, and the service must recover on its own.
use std::time::{Duration, Instant};

use onestop::{auth::Role, db};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::{
    consulting::intake,
    helpers::{TestApp, TestDatabase, spawn_app, spawn_app_on},
    own_cluster::OwnCluster,
};

/// One answer seen under load: what was asked, its status, whether a 503 carried
/// `Retry-After`, and the 503's `cause`.
#[derive(Debug)]
struct Seen {
    what: &'static str,
    status: u16,
    retry_after: bool,
    cause: Option<String>,
}

/// Files cases, lists them and asks `/readyz` in turn until `stop` is set, recording every
/// answer; a request that gets no answer at all is recorded as status 0.
async fn keep_asking(
    app: std::sync::Arc<TestApp>,
    partner: String,
    coordinator: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<Seen> {
    let mut seen = Vec::new();
    while !stop.load(std::sync::atomic::Ordering::Relaxed) {
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
                    .get(app.url("/v1/tickets?limit=5"))
                    .bearer_auth(&coordinator),
            ),
            ("readiness", app.api.get(app.url("/readyz"))),
        ] {
            let Ok(response) = request.timeout(Duration::from_secs(15)).send().await else {
                seen.push(Seen {
                    what,
                    status: 0,
                    retry_after: false,
                    cause: None,
                });
                continue;
            };
            let status = response.status().as_u16();
            let retry_after = response.headers().contains_key("retry-after");
            let body: Value = response.json().await.unwrap_or(Value::Null);
            seen.push(Seen {
                what,
                status,
                retry_after,
                cause: body["cause"].as_str().map(str::to_owned),
            });
        }
    }
    seen
}

#[tokio::test]
async fn a_fast_restart_of_postgresql_under_load_answers_503_with_retry_after_never_500() {
    let Some(cluster) = OwnCluster::required(
        "a_fast_restart_of_postgresql_under_load_answers_503_with_retry_after_never_500",
    ) else {
        return;
    };
    let cluster = std::sync::Arc::new(cluster);
    let app = std::sync::Arc::new(spawn_app_on(&cluster.url(), |_| {}).await);
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let askers: Vec<_> = (0..6)
        .map(|_| {
            tokio::spawn(keep_asking(
                app.clone(),
                partner.clone(),
                coordinator.clone(),
                stop.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let restarting = cluster.clone();
    let restart_took = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        restarting.restart_fast().map(|()| started.elapsed())
    })
    .await
    .unwrap()
    .unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut seen = Vec::new();
    for asker in askers {
        seen.extend(asker.await.unwrap());
    }
    let count = |status: u16| seen.iter().filter(|seen| seen.status == status).count();
    println!(
        "fast restart took {restart_took:?}; {} answers: {} ok, {} of 503, {} of 500",
        seen.len(),
        count(200) + count(201),
        count(503),
        count(500)
    );
    let wrong: Vec<_> = seen
        .iter()
        .filter(|seen| ![200, 201, 503].contains(&seen.status))
        .collect();
    assert!(
        wrong.is_empty(),
        "answers other than success or 503: {wrong:?}"
    );
    let bare: Vec<_> = seen
        .iter()
        .filter(|seen| {
            seen.status == 503
                && (!seen.retry_after
                    || !matches!(
                        seen.cause.as_deref(),
                        Some("database unreachable" | "no free connection")
                    ))
        })
        .collect();
    assert!(
        bare.is_empty(),
        "503s without Retry-After or with another cause: {bare:?}"
    );
    assert!(
        count(503) > 0 || restart_took < Duration::from_millis(50),
        "the restart was seen"
    );
    // Two seconds after the restart, everything works again: the service recovered by
    // itself.
    for what in ["filing", "listing", "readiness"] {
        let last = seen.iter().rev().find(|seen| seen.what == what).unwrap();
        assert!(
            [200, 201].contains(&last.status),
            "the last {what} after the restart: {last:?}"
        );
    }
}

#[tokio::test]
async fn after_a_fast_restart_the_first_filing_succeeds_on_a_fresh_connection() {
    let Some(cluster) = OwnCluster::required(
        "after_a_fast_restart_the_first_filing_succeeds_on_a_fresh_connection",
    ) else {
        return;
    };
    // One worker, so every request meets the pool the restart left full of dead connections.
    let app = spawn_app_on(&cluster.url(), |settings| settings.workers = Some(1)).await;
    let partner = app.token_with_role(Role::Partner).await;
    let case = intake();
    let filings: Vec<_> = (0..4)
        .map(|_| app.post_json("/v1/tickets", &partner, &case))
        .collect();
    for filed in futures_util::future::join_all(filings).await {
        assert_eq!(filed.status().as_u16(), 201);
    }
    cluster.restart_fast().unwrap();
    // BEGIN on a connection the restart ended fails before anything was done, so the
    // service tries once more on a live one instead of answering 503.
    for attempt in 0..4 {
        let filed = app.post_json("/v1/tickets", &partner, &intake()).await;
        let status = filed.status().as_u16();
        let body = filed.text().await.unwrap();
        assert_eq!(status, 201, "filing {attempt} after the restart: {body}");
    }
}

#[tokio::test]
async fn readiness_names_an_unreachable_database_and_recovers_when_it_is_back() {
    let Some(cluster) = OwnCluster::required(
        "readiness_names_an_unreachable_database_and_recovers_when_it_is_back",
    ) else {
        return;
    };
    let app = spawn_app_on(&cluster.url(), |_| {}).await;
    assert_eq!(
        app.api
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    cluster.stop().unwrap();
    let response = app.api.get(app.url("/readyz")).send().await.unwrap();
    assert!(response.headers().contains_key("retry-after"));
    let problem = crate::helpers::assert_problem(response, 503, "readiness").await;
    assert_eq!(problem["cause"], "database unreachable", "{problem}");
    cluster.start_again().unwrap();
    let response = app.api.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(response.status(), 200);
}

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
        assert_eq!(problem["cause"], "lock timeout", "{what}");
    }
    let readiness = app.api.get(app.url("/readyz")).send().await.unwrap();
    let problem = crate::helpers::assert_problem(readiness, 503, "readiness").await;
    assert_eq!(problem["cause"], "lock timeout", "readiness names the lock");
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
