//! The global event feed: strictly increasing, nothing skipped, nothing repeated, even while
//! writers commit out of order.
use std::collections::HashSet;

use onestop::{
    auth::{Actor, Role},
    entities::event,
    services,
};
use sea_orm::{EntityTrait, PaginatorTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

fn intake(n: usize) -> Value {
    json!({
        "company": {"name": format!("株式会社フィード{n}"), "prefecture": "13", "industry": "E", "employees": 30},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours"]
    })
}

/// Reads one page; returns its events and `next_after`.
pub(crate) async fn read_page(
    app: &TestApp,
    token: &str,
    after: i64,
    limit: u64,
) -> (Vec<Value>, i64) {
    let response = app
        .get(&format!("/v1/events?after={after}&limit={limit}"), token)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let page: Value = response.json().await.unwrap();
    let items = page["items"].as_array().unwrap().clone();
    (items, page["next_after"].as_i64().unwrap())
}

#[tokio::test]
async fn a_paging_reader_sees_every_event_once_in_order_while_eight_writers_file_cases() {
    let app = spawn_app().await;
    let second = app.another_instance().await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let mut writers = Vec::new();
    for writer in 0..8 {
        let instance = if writer % 2 == 0 { &app } else { &second };
        let partner = instance.token_with_role(Role::Partner).await;
        let request = instance.api.clone();
        let url = instance.url("/v1/tickets");
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
    let mut seen = Vec::new();
    let mut after = 0;
    let mut writers_done = false;
    loop {
        let (items, next) = read_page(&app, &analyst, after, 7).await;
        for item in &items {
            seen.push((
                item["seq"].as_i64().unwrap(),
                item["id"].as_str().unwrap().to_owned(),
            ));
        }
        assert!(next >= after, "next_after never goes back");
        after = next;
        if writers_done && items.is_empty() {
            break;
        }
        if !writers_done && writers.iter().all(|w| w.is_finished()) {
            writers_done = true;
        }
    }
    for writer in writers {
        writer.await.unwrap();
    }
    let seqs: Vec<i64> = seen.iter().map(|(seq, _)| *seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing: {seqs:?}"
    );
    let ids: HashSet<&str> = seen.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids.len(), seen.len(), "no event repeated");
    let stored = event::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(seen.len(), stored.len(), "every stored event was read");
    assert!(
        stored
            .iter()
            .all(|e| ids.contains(e.id.to_string().as_str()))
    );
    assert!(seen.len() >= 8 * 6, "at least one event per case");
}

/// The case a plain sequence gets wrong: an event written first but committed last.
#[tokio::test]
async fn an_event_that_commits_late_is_read_after_the_ones_that_committed_before_it() {
    let app = spawn_app().await;
    if !app.settings.database_url.starts_with("postgres") {
        // SQLite has one writer at a time: transactions cannot commit out of order there.
        return;
    }
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let actor = Actor::new("slow-writer".into(), Role::Coordinator, None, None);
    let slow = app.db.begin().await.unwrap();
    services::events::record(&slow, None, "ticket.updated", &actor, json!({"slow": true}))
        .await
        .unwrap();
    // Later writers commit while the slow one is still open.
    let mut body = intake(1);
    body["channel"] = json!("phone");
    let response = app.post_json("/v1/tickets", &coordinator, &body).await;
    assert_eq!(response.status().as_u16(), 201);
    let analyst = app.token_with_role(Role::Analyst).await;
    let (first, after) = read_page(&app, &analyst, 0, 1000).await;
    assert!(!first.is_empty());
    assert!(
        first.iter().all(|e| e["data"]["slow"].is_null()),
        "not committed yet"
    );
    slow.commit().await.unwrap();
    let (next, _) = read_page(&app, &analyst, after, 1000).await;
    assert_eq!(
        next.len(),
        1,
        "the late event arrives on the next page: {next:?}"
    );
    assert_eq!(next[0]["data"]["slow"], true);
    assert!(next[0]["seq"].as_i64().unwrap() > after);
    assert_eq!(
        event::Entity::find().count(&app.db).await.unwrap() as usize,
        first.len() + 1
    );
}

#[tokio::test]
async fn the_feed_streams_ndjson_and_checks_its_parameters_and_roles() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    for n in 0..3 {
        let mut body = intake(n);
        body["channel"] = json!("web");
        let response = app.post_json("/v1/tickets", &coordinator, &body).await;
        assert_eq!(response.status().as_u16(), 201);
    }
    let analyst = app.token_with_role(Role::Analyst).await;
    let response = app
        .api
        .get(app.url("/v1/events?limit=2"))
        .bearer_auth(&analyst)
        .header("accept", "application/x-ndjson")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/x-ndjson");
    let next_after: i64 = response.headers()["x-next-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let text = response.text().await.unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["seq"].as_i64().unwrap(), next_after);
    assert!(
        !text.contains("yamada@example.jp") && !text.contains("山田"),
        "no contact details in the feed"
    );
    let (rest, _) = read_page(&app, &analyst, next_after, 1000).await;
    assert!(rest.iter().all(|e| e["seq"].as_i64().unwrap() > next_after));

    for query in ["after=-1", "limit=0", "limit=1001", "after=abc"] {
        let response = app.get(&format!("/v1/events?{query}"), &analyst).await;
        let status = response.status().as_u16();
        assert!(status == 400 || status == 422, "{query}: {status}");
        assert_problem(response, status, query).await;
    }
    for role in [Role::Partner, Role::Manager] {
        let token = app.token_with_role(role).await;
        assert_problem(
            app.get("/v1/events", &token).await,
            403,
            &format!("feed by {role}"),
        )
        .await;
    }
    let admin = app.admin_token().await;
    assert_eq!(app.get("/v1/events", &admin).await.status().as_u16(), 200);
}
