//! A real streaming replica (`pg_basebackup -R` of a cluster the test owns): reports and the
//! event feed read it, a client reads its own writes from the primary, and a replica that
//! lags or is down answers 503 for those reads only.
use std::{collections::BTreeSet, time::Duration};

use onestop::{auth::Role, config::ReplicaSettings, db, entities::event};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::{
    feed::read_page,
    helpers::{TestApp, assert_problem, spawn_app_on},
    own_cluster::OwnCluster,
};

/// How far behind the replica may be in these tests.
const MAX_LAG_MS: u64 = 1000;

fn intake(n: usize) -> Value {
    json!({
        "company": {"name": format!("株式会社レプリカ{n}"), "prefecture": "13", "industry": "E", "employees": 30},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours"]
    })
}

/// A primary the test owns, a streaming replica of it, and the service using both; `None`
/// (with a notice) where no cluster can be made and none is required.
async fn primary_and_replica(test: &str) -> Option<(OwnCluster, OwnCluster, TestApp)> {
    let primary = OwnCluster::required(test)?;
    let replica = OwnCluster::standby_of(&primary).expect("a streaming replica of the primary");
    let replica_url = replica.url();
    let app = spawn_app_on(&primary.url(), |settings| {
        settings.replica = Some(ReplicaSettings {
            url: replica_url,
            max_lag_ms: MAX_LAG_MS,
            max_connections: 2,
            statement_ms: 30_000,
        });
    })
    .await;
    Some((primary, replica, app))
}

/// The summary over the days around today, by track.
fn summary_path() -> String {
    let today = chrono::Utc::now().date_naive();
    format!(
        "/v1/reports/summary?group_by=track&from={}&to={}",
        today - chrono::Days::new(2),
        today + chrono::Days::new(2)
    )
}

async fn received(app: &TestApp, token: &str) -> (u16, Value) {
    let response = app.get(&summary_path(), token).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Polls the analyst's summary until it counts `expected` received cases (the replica has
/// replayed them), or fails after a few seconds.
async fn summary_counts(app: &TestApp, token: &str, expected: u64) {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, body) = received(app, token).await;
        if status == 200 && body["totals"]["received"] == expected {
            return;
        }
        last = json!({"status": status, "body": body});
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the summary never counted {expected} received cases: {last}");
}

async fn on_replica(replica: &OwnCluster, sql: &str) {
    let connection = db::connect(&replica.url()).await.expect("the replica");
    connection
        .execute_unprepared(sql)
        .await
        .expect("a statement on the replica");
    connection.close().await.expect("closed");
}

async fn assert_replica_503(app: &TestApp, path: &str, token: &str, cause: &str) {
    let response = app.get(path, token).await;
    assert!(
        response.headers().get("retry-after").is_some(),
        "{path}: a 503 says when to retry"
    );
    let body = assert_problem(response, 503, path).await;
    assert_eq!(body["cause"], cause, "{path}: {body}");
}

#[tokio::test]
async fn reports_and_the_feed_read_the_replica_and_answer_503_for_those_reads_only_when_it_lags_or_is_down()
 {
    let Some((_primary, replica, app)) = primary_and_replica(
        "reports_and_the_feed_read_the_replica_and_answer_503_for_those_reads_only_when_it_lags_or_is_down",
    )
    .await
    else {
        return;
    };
    let partner = app.token_with_role(Role::Partner).await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    for n in 0..3 {
        assert_eq!(
            app.post_json("/v1/tickets", &partner, &intake(n))
                .await
                .status()
                .as_u16(),
            201
        );
    }
    summary_counts(&app, &analyst, 3).await;

    // Replay paused: the replica falls behind while the primary takes a filing.
    on_replica(&replica, "SELECT pg_wal_replay_pause()").await;
    assert_eq!(
        app.post_json("/v1/tickets", &partner, &intake(3))
            .await
            .status()
            .as_u16(),
        201
    );
    // The partner that just wrote reads its report from the primary: its own filing counts.
    let (status, own) = received(&app, &partner).await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["totals"]["received"], 4, "read-your-writes: {own}");
    tokio::time::sleep(Duration::from_millis(MAX_LAG_MS + 500)).await;
    assert_replica_503(&app, &summary_path(), &analyst, "replica lagging").await;
    assert_replica_503(&app, "/v1/events?after=0", &analyst, "replica lagging").await;
    // Everything else reads the primary and goes on.
    let list: Value = app
        .get("/v1/tickets", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(4), "{list}");
    assert_eq!(
        app.post_json("/v1/tickets", &partner, &intake(4))
            .await
            .status()
            .as_u16(),
        201
    );

    on_replica(&replica, "SELECT pg_wal_replay_resume()").await;
    summary_counts(&app, &analyst, 5).await;

    // The replica down: only its reads answer 503, naming it.
    replica.stop().expect("the replica stops");
    assert_replica_503(&app, &summary_path(), &analyst, "replica unreachable").await;
    assert_replica_503(&app, "/v1/events?after=0", &analyst, "replica unreachable").await;
    assert_eq!(
        app.post_json("/v1/tickets", &partner, &intake(5))
            .await
            .status()
            .as_u16(),
        201
    );
    assert_eq!(
        app.get("/v1/tickets", &coordinator).await.status().as_u16(),
        200
    );
    assert_eq!(
        app.api
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        200,
        "the instance stays ready: the primary serves"
    );
    replica.start_again().expect("the replica starts again");
    summary_counts(&app, &analyst, 6).await;
}

#[tokio::test]
async fn the_feed_read_from_the_replica_is_gapless_while_writers_file_cases() {
    let Some((_primary, _replica, app)) =
        primary_and_replica("the_feed_read_from_the_replica_is_gapless_while_writers_file_cases")
            .await
    else {
        return;
    };
    let analyst = app.token_with_role(Role::Analyst).await;
    let mut writers = Vec::new();
    for writer in 0..4 {
        let partner = app.token_with_role(Role::Partner).await;
        let request = app.api.clone();
        let url = app.url("/v1/tickets");
        writers.push(tokio::spawn(async move {
            for n in 0..6 {
                let response = request
                    .post(&url)
                    .bearer_auth(&partner)
                    .json(&intake(writer * 100 + n))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status().as_u16(), 201);
            }
        }));
    }
    let mut positions = Vec::new();
    let mut ids = BTreeSet::new();
    let mut after = 0;
    let mut quiet_pages_after_writers = 0;
    while quiet_pages_after_writers < 20 {
        let writers_done = writers.iter().all(|writer| writer.is_finished());
        let (items, next) = read_page(&app, &analyst, after, 5).await;
        for item in &items {
            positions.push(item["seq"].as_i64().unwrap());
            assert!(
                ids.insert(item["id"].as_str().unwrap().to_owned()),
                "an event seen twice: {item}"
            );
        }
        after = next;
        if writers_done && items.is_empty() {
            let on_primary = event::Entity::find().count(&app.db).await.unwrap() as usize;
            if ids.len() == on_primary {
                break;
            }
            quiet_pages_after_writers += 1;
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let on_primary = event::Entity::find().count(&app.db).await.unwrap() as usize;
    assert_eq!(ids.len(), on_primary, "every event, read from the replica");
    let expected: Vec<i64> = (1..=positions.len() as i64).collect();
    assert_eq!(positions, expected, "positions without a gap, in order");
}
