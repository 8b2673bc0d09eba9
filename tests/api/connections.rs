//! The connection budget: one instance never holds more PostgreSQL connections than
//! `ONESTOP_DB_MAX_CONNECTIONS`, request pools, webhook worker and start-up together, and
//! gives idle ones back.
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicI64, Ordering},
    },
    time::Duration,
};

use onestop::{auth::Role, db};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{
    consulting::intake,
    helpers::{TestDatabase, spawn_app_with},
    webhooks::{Receiver, fast_webhooks, subscribe},
};

/// The connections `pg_stat_activity` shows for one `application_name`.
async fn connections_of(operator: &sea_orm::DatabaseConnection, name: &str) -> i64 {
    let row = operator
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1",
            [name.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn one_instance_never_holds_more_connections_than_its_budget_under_load_with_webhooks() {
    const BUDGET: u32 = 6;
    let name = format!("onestop-budget-{}", uuid::Uuid::new_v4().simple());
    let app = spawn_app_with(|settings| {
        fast_webhooks(settings);
        settings.db_max_connections = Some(BUDGET);
        settings.db_application_name = name.clone();
        settings.db_idle_seconds = 1;
        settings.workers = Some(2);
    })
    .await;
    let TestDatabase::Postgres { url, .. } = app.database.as_ref() else {
        println!("needs PostgreSQL (TEST_DATABASE_URL): SQLite has no connections to count");
        return;
    };
    let operator = db::connect_with_pool(url, Some(1)).await.unwrap();
    let receiver = Receiver::start(&[]).await;
    let admin = app.admin_token().await;
    for _ in 0..3 {
        subscribe(&app, &admin, &receiver.url, &["ticket.created"]).await;
    }
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;

    // Counted every 20 ms while 32 clients file and list at once and the worker delivers.
    let most = Arc::new(AtomicI64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    let counter = {
        let (most, done, name) = (most.clone(), done.clone(), name.clone());
        let operator = operator.clone();
        tokio::spawn(async move {
            while !done.load(Ordering::Relaxed) {
                most.fetch_max(connections_of(&operator, &name).await, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };
    const FILINGS: usize = 160;
    let clients: Vec<_> = (0..32)
        .map(|client| {
            let (api, partner, coordinator) =
                (app.api.clone(), partner.clone(), coordinator.clone());
            let (filing, listing) = (app.url("/v1/tickets"), app.url("/v1/tickets?limit=20"));
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for _ in 0..FILINGS / 32 {
                    let filed = api
                        .post(&filing)
                        .bearer_auth(&partner)
                        .json(&intake())
                        .send()
                        .await
                        .unwrap();
                    statuses.push(filed.status().as_u16());
                    if client % 4 == 0 {
                        let listed = api
                            .get(&listing)
                            .bearer_auth(&coordinator)
                            .send()
                            .await
                            .unwrap();
                        statuses.push(listed.status().as_u16());
                    }
                }
                statuses
            })
        })
        .collect();
    for client in clients {
        let statuses = client.await.unwrap();
        assert!(
            statuses.iter().all(|status| [200, 201].contains(status)),
            "{statuses:?}"
        );
    }
    // Three subscriptions: every filing is delivered three times.
    receiver.wait_for_requests(3 * FILINGS).await;
    done.store(true, Ordering::Relaxed);
    counter.await.unwrap();
    let most = most.load(Ordering::Relaxed);
    println!("at most {most} connections of a budget of {BUDGET}");
    assert!(most >= 2, "the instance was seen using connections: {most}");
    assert!(
        most <= i64::from(BUDGET),
        "{most} connections open at once, budget {BUDGET}"
    );

    // Idle for longer than ONESTOP_DB_IDLE_SECONDS (and the pools' check period), the
    // request pools give their connections back; the webhook worker's polling keeps at most
    // the shared pool's.
    let mut now = i64::MAX;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        now = connections_of(&operator, &name).await;
        if now <= 2 {
            break;
        }
    }
    assert!(now <= 2, "{now} connections still open after idling");
    operator.close().await.ok();
}
