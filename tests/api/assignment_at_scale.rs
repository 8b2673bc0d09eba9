//! Assignment when many coordinators assign at once: a manager whose row another
//! transaction holds is passed over for the next candidate instead of waited for.
use onestop::{auth::Role, db};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use crate::{
    consulting::{expect_json, intake, new_manager, routed_case},
    helpers::{TestDatabase, spawn_app_with},
};

#[tokio::test]
async fn an_automatic_assignment_passes_over_a_manager_held_by_another_transaction_without_waiting()
{
    // A lock wait would end in 503 after 3 s; the assignment must not wait at all.
    let app = spawn_app_with(|settings| settings.db_timeouts.lock_ms = 3000).await;
    let TestDatabase::Postgres { url, .. } = app.database.as_ref() else {
        println!("needs PostgreSQL (TEST_DATABASE_URL): SQLite has no row locks to skip");
        return;
    };
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let first = new_manager(&app, &coordinator, "保留 一", &["labor"], 3).await;
    let second = new_manager(&app, &coordinator, "保留 二", &["labor"], 3).await;
    let case = routed_case(&app, &partner, &coordinator, "labor", &intake()).await;
    let ranked = expect_json(
        app.get(&format!("/v1/tickets/{case}/candidates"), &coordinator)
            .await,
        200,
        "candidates",
    )
    .await;
    let best = ranked["candidates"][0]["manager_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let next = if best == first { &second } else { &first };

    // Another transaction (a coordinator's edit, a release) holds the best one's row.
    let operator = db::connect(url).await.unwrap();
    let holder = operator.begin().await.unwrap();
    holder
        .execute_unprepared(&format!(
            "SELECT 1 FROM managers WHERE id = '{best}' FOR UPDATE"
        ))
        .await
        .unwrap();
    let started = std::time::Instant::now();
    let assigned = expect_json(
        app.post_json(
            &format!("/v1/tickets/{case}/assignment"),
            &coordinator,
            &json!({}),
        )
        .await,
        200,
        "automatic assignment",
    )
    .await;
    let took = started.elapsed();
    holder.rollback().await.unwrap();
    assert_eq!(assigned["manager_id"], next.as_str(), "{assigned}");
    assert!(
        took < std::time::Duration::from_secs(1),
        "the assignment waited {took:?}"
    );
    operator.close().await.ok();
}
