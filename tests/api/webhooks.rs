//! Webhooks: signed deliveries retried with the same id, delivered after a restart, shared by
//! instances without duplicates, disabled on 410, refused on private networks, and scoped to
//! a partner's own cases.
use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use onestop::{auth::Role, config::Settings, entities::webhook_delivery};
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpListener,
};
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app, spawn_app_with};

/// How long a test waits for something the worker does.
const DEADLINE: Duration = Duration::from_secs(10);

/// Settings for webhook tests: local receivers allowed, retries after 200 ms.
pub(crate) fn fast_webhooks(settings: &mut Settings) {
    settings.webhook_allow_private = true;
    settings.webhook_backoff = vec![
        Duration::ZERO,
        Duration::from_millis(200),
        Duration::from_millis(200),
        Duration::from_millis(200),
    ];
}

fn intake(name: &str) -> Value {
    json!({
        "company": {"name": name, "prefecture": "13", "industry": "E", "employees": 30},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours"]
    })
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
    at: chrono::DateTime<chrono::Utc>,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or("")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A local HTTP receiver that records every request and answers the scripted statuses in
/// order, then 200.
pub(crate) struct Receiver {
    pub(crate) url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub(crate) async fn start(script: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks", listener.local_addr().unwrap());
        let received = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(script.to_vec()));
        let log = received.clone();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let log = log.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let Some(request) = read_request(&mut socket).await else {
                        return;
                    };
                    // Record before answering, so a delivery is seen no later than its
                    // outcome is recorded.
                    let status = {
                        log.lock().unwrap().push(request);
                        let mut script = script.lock().unwrap();
                        if script.is_empty() {
                            200
                        } else {
                            script.remove(0)
                        }
                    };
                    let response = format!(
                        "HTTP/1.1 {status} Scripted\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self { url, received }
    }

    fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub(crate) async fn wait_for_requests(&self, count: usize) -> Vec<Received> {
        let requests = wait_until(|| async {
            let requests = self.requests();
            (requests.len() >= count).then_some(requests)
        })
        .await;
        requests.unwrap_or_else(|| {
            panic!(
                "expected {count} requests within {DEADLINE:?}, got {}",
                self.requests().len()
            )
        })
    }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).to_string();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?.to_owned();
    let mut headers: HashMap<String, String> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    headers.insert(":request-line".into(), request_line);
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[header_end..].to_vec();
    while body.len() < length {
        let read = socket.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    Some(Received {
        headers,
        body,
        at: chrono::Utc::now(),
    })
}

/// Polls `check` until it gives a value or the deadline passes.
async fn wait_until<T, F, Fut>(mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if tokio::time::Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Subscribes `url` and returns the 201 body (with the secret).
pub(crate) async fn subscribe(app: &TestApp, token: &str, url: &str, events: &[&str]) -> Value {
    let response = app
        .post_json(
            "/v1/webhooks",
            token,
            &json!({"url": url, "events": events}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 201, "subscription refused");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/v1/webhooks/{}", created["id"].as_str().unwrap())
    );
    created
}

/// Files a case and returns its id.
async fn file_ticket(app: &TestApp, token: &str, name: &str) -> String {
    let response = app.post_json("/v1/tickets", token, &intake(name)).await;
    assert_eq!(response.status().as_u16(), 201, "filing failed");
    let case: Value = response.json().await.unwrap();
    case["id"].as_str().unwrap().to_owned()
}

async fn deliveries(app: &TestApp, token: &str, subscription: &Value) -> Vec<Value> {
    let path = format!(
        "/v1/webhooks/{}/deliveries?limit=200",
        subscription["id"].as_str().unwrap()
    );
    let response = app.get(&path, token).await;
    assert_eq!(response.status().as_u16(), 200);
    let page: Value = response.json().await.unwrap();
    page["items"].as_array().unwrap().clone()
}

/// Waits until no delivery of `subscription` is pending and returns them.
async fn settled_deliveries(app: &TestApp, token: &str, subscription: &Value) -> Vec<Value> {
    wait_until(|| async {
        let items = deliveries(app, token, subscription).await;
        (!items.is_empty() && items.iter().all(|d| d["status"] != "pending")).then_some(items)
    })
    .await
    .expect("every delivery settles in time")
}

/// Checks a Standard Webhooks signature the way a receiver would.
fn signature_is_valid(secret: &str, request: &Received) -> bool {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(
        format!(
            "{}.{}.",
            request.header("webhook-id"),
            request.header("webhook-timestamp")
        )
        .as_bytes(),
    );
    mac.update(&request.body);
    let expected = format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()));
    request
        .header("webhook-signature")
        .split(' ')
        .any(|candidate| candidate == expected)
}

#[tokio::test]
async fn a_receiver_that_fails_the_first_delivery_gets_it_again_with_the_same_id_and_a_valid_signature()
 {
    let app = spawn_app_with(fast_webhooks).await;
    let receiver = Receiver::start(&[500, 204]).await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let subscription = subscribe(&app, &analyst, &receiver.url, &["ticket.created"]).await;
    let secret = subscription["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(STANDARD.decode(&secret[6..]).unwrap().len(), 32);
    assert_eq!(subscription["active"], true);
    assert_eq!(subscription["events"], json!(["ticket.created"]));

    let partner = app.token_with_role(Role::Partner).await;
    let ticket_id = file_ticket(&app, &partner, "株式会社リトライ").await;

    let requests = receiver.wait_for_requests(2).await;
    let (first, second) = (&requests[0], &requests[1]);
    assert!(first.header(":request-line").starts_with("POST /hooks "));
    assert_eq!(first.header("content-type"), "application/json");
    assert!(first.header("webhook-id").starts_with("msg_"));
    assert_eq!(
        first.header("webhook-id"),
        second.header("webhook-id"),
        "a retry keeps the webhook-id"
    );
    assert_eq!(first.body, second.body, "a retry sends the same bytes");
    let now = chrono::Utc::now().timestamp();
    for request in [first, second] {
        let timestamp: i64 = request.header("webhook-timestamp").parse().unwrap();
        assert!((now - timestamp).abs() < 60, "the attempt's own time");
        assert!(
            signature_is_valid(secret, request),
            "signature checks out: {:?}",
            request.headers
        );
    }
    let second_timestamp: i64 = second.header("webhook-timestamp").parse().unwrap();
    let first_timestamp: i64 = first.header("webhook-timestamp").parse().unwrap();
    assert!(second_timestamp >= first_timestamp);
    let body = first.json();
    assert_eq!(body["type"], "ticket.created");
    assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(body["data"]["ticket_id"], ticket_id.as_str());
    assert_eq!(body["data"]["actor_role"], "partner");
    assert!(body["data"]["reference"].is_string());
    let event_id: Uuid = body["data"]["event_id"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        first.header("webhook-id"),
        format!("msg_{}", event_id.simple())
    );

    let deliveries = settled_deliveries(&app, &analyst, &subscription).await;
    assert_eq!(deliveries.len(), 1, "only ticket.created: {deliveries:?}");
    let delivery = &deliveries[0];
    assert_eq!(delivery["status"], "delivered");
    assert_eq!(delivery["id"], first.header("webhook-id"));
    assert_eq!(delivery["event_id"], event_id.to_string());
    let attempts = delivery["attempts"].as_array().unwrap();
    let codes: Vec<i64> = attempts
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 204]);
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(attempts[1]["attempt"], 2);
    assert!(attempts.iter().all(|a| a["duration_ms"].is_i64()));
    assert!(attempts.iter().all(|a| a["attempted_at"].is_string()));

    // The secret is shown once: never listed.
    let response = app.get("/v1/webhooks", &analyst).await;
    let list: Value = response.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("secret").is_none());
    assert!(!list.to_string().contains(secret));
}

#[tokio::test]
async fn an_event_filed_by_an_instance_that_dies_before_delivering_is_delivered_after_restart() {
    let mut app = spawn_app_with(|settings| {
        fast_webhooks(settings);
        settings.webhook_worker = false;
    })
    .await;
    let receiver = Receiver::start(&[]).await;
    let admin = app.admin_token().await;
    let subscription = subscribe(&app, &admin, &receiver.url, &[]).await;
    let partner = app.token_with_role(Role::Partner).await;
    let ticket_id = file_ticket(&app, &partner, "株式会社再起動").await;

    // The outbox row is committed with the event, but nothing delivers it.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(receiver.requests().is_empty(), "no worker, no delivery");
    let pending = deliveries(&app, &admin, &subscription).await;
    assert!(!pending.is_empty());
    assert!(
        pending
            .iter()
            .all(|d| d["status"] == "pending" && d["attempts"].as_array().unwrap().is_empty())
    );

    // The instance goes away; a new one (worker on) starts on the same database.
    app.db.clone().close().await.unwrap();
    app.settings.webhook_worker = true;
    let restarted = app.another_instance().await;
    let requests = receiver.wait_for_requests(pending.len()).await;
    assert!(
        requests
            .iter()
            .all(|r| r.json()["data"]["ticket_id"] == ticket_id.as_str())
    );
    let settled = settled_deliveries(&restarted, &admin, &subscription).await;
    assert!(settled.iter().all(|d| d["status"] == "delivered"));
    assert_eq!(requests.len(), settled.len());
}

#[tokio::test]
async fn a_delivery_cut_short_by_a_crash_is_made_again_when_its_lease_ends() {
    let mut app = spawn_app_with(|settings| {
        fast_webhooks(settings);
        settings.webhook_worker = false;
    })
    .await;
    let receiver = Receiver::start(&[]).await;
    let admin = app.admin_token().await;
    let subscription = subscribe(&app, &admin, &receiver.url, &["ticket.created"]).await;
    let partner = app.token_with_role(Role::Partner).await;
    file_ticket(&app, &partner, "株式会社リース").await;
    // What a worker that claimed the delivery and died mid-request leaves behind: attempt 1
    // counted, no outcome, the row leased for a little longer.
    let lease_ends = chrono::Utc::now() + chrono::Duration::milliseconds(1500);
    let leased = webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::AttemptCount, Expr::value(1))
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(lease_ends),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(leased.rows_affected, 1);

    app.settings.webhook_worker = true;
    let survivor = app.another_instance().await;
    let requests = receiver.wait_for_requests(1).await;
    assert!(requests[0].at >= lease_ends, "not while the lease holds");
    let settled = settled_deliveries(&survivor, &admin, &subscription).await;
    assert_eq!(settled[0]["status"], "delivered");
    assert_eq!(settled[0]["id"], requests[0].header("webhook-id"));
    let attempts = settled[0]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "the lost attempt left no record");
    assert_eq!(attempts[0]["attempt"], 2);
}

#[tokio::test]
async fn two_instances_deliver_every_event_exactly_once() {
    let app = spawn_app_with(fast_webhooks).await;
    let second = app.another_instance().await;
    let receiver = Receiver::start(&[]).await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let subscription = subscribe(&app, &analyst, &receiver.url, &[]).await;
    let partner = app.token_with_role(Role::Partner).await;
    let cases = 12;
    for n in 0..cases {
        let instance = if n % 2 == 0 { &app } else { &second };
        file_ticket(instance, &partner, &format!("株式会社二重配信{n}")).await;
    }
    let settled = settled_deliveries(&app, &analyst, &subscription).await;
    assert!(settled.len() >= cases, "at least one event per case");
    assert!(settled.iter().all(|d| d["status"] == "delivered"));
    // Late duplicates would arrive now.
    tokio::time::sleep(Duration::from_millis(600)).await;
    let requests = receiver.requests();
    let mut ids: Vec<&str> = requests.iter().map(|r| r.header("webhook-id")).collect();
    ids.sort_unstable();
    let total = ids.len();
    ids.dedup();
    assert_eq!(ids.len(), total, "no webhook-id delivered twice");
    assert_eq!(total, settled.len(), "every delivery reached the receiver");
    assert!(
        settled
            .iter()
            .all(|d| d["attempts"].as_array().unwrap().len() == 1),
        "one attempt each"
    );
}

#[tokio::test]
async fn a_receiver_that_answers_410_disables_its_subscription_for_good() {
    let app = spawn_app_with(fast_webhooks).await;
    let receiver = Receiver::start(&[410]).await;
    let admin = app.admin_token().await;
    let subscription = subscribe(&app, &admin, &receiver.url, &["ticket.created"]).await;
    let partner = app.token_with_role(Role::Partner).await;
    file_ticket(&app, &partner, "株式会社ゴーン").await;
    receiver.wait_for_requests(1).await;
    let settled = settled_deliveries(&app, &admin, &subscription).await;
    assert_eq!(settled.len(), 1);
    assert_eq!(settled[0]["status"], "abandoned");
    assert_eq!(settled[0]["attempts"][0]["status_code"], 410);
    let listed: Value = app.get("/v1/webhooks", &admin).await.json().await.unwrap();
    let view = &listed["items"][0];
    assert_eq!(view["active"], false);
    assert!(
        view["disabled_reason"].as_str().unwrap().contains("410"),
        "{view}"
    );

    file_ticket(&app, &partner, "株式会社ゴーン二").await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.requests().len(), 1, "nothing more after 410");
    assert_eq!(deliveries(&app, &admin, &subscription).await.len(), 1);
}

#[tokio::test]
async fn urls_on_private_networks_and_bad_bodies_are_refused_with_the_field_named() {
    let app = spawn_app().await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let cases = [
        ("http://127.0.0.1:9000/hooks", "loopback address"),
        ("http://localhost/", "localhost"),
        ("http://10.0.0.1/", "private address"),
        ("http://192.168.0.10/", "private address"),
        (
            "http://169.254.169.254/latest/meta-data",
            "cloud metadata (link-local)",
        ),
        ("http://100.64.0.1/", "CGNAT"),
        ("http://[::1]/", "IPv6 loopback"),
        ("http://[fd00::1]/", "IPv6 unique local"),
        ("ftp://x", "not http"),
        ("not a url", "not a URL"),
        (
            "https://user:secret@hooks.example.jp/",
            "credentials in the URL",
        ),
    ];
    for (url, why) in cases {
        let response = app
            .post_json("/v1/webhooks", &analyst, &json!({"url": url}))
            .await;
        let problem = assert_problem(response, 422, why).await;
        assert_eq!(error_fields(&problem), ["url"], "{why}: {problem}");
    }
    let bodies = [
        (
            json!({"url": "http://10.0.0.1/", "events": ["ticket.created", "ticket.nope"]}),
            vec!["events[1]", "url"],
            "an unknown event type and a private URL",
        ),
        (
            json!({"url": "https://hooks.example.jp/", "secret": "mine"}),
            vec!["secret"],
            "an unknown field",
        ),
        (json!({"events": []}), vec!["url"], "no url"),
    ];
    for (body, fields, why) in bodies {
        let response = app.post_json("/v1/webhooks", &analyst, &body).await;
        let problem = assert_problem(response, 422, why).await;
        assert_eq!(error_fields(&problem), fields, "{why}: {problem}");
    }
    let listed: Value = app
        .get("/v1/webhooks", &analyst)
        .await
        .json()
        .await
        .unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_partners_subscription_hears_only_about_its_own_cases_and_is_hidden_from_others() {
    let app = spawn_app_with(fast_webhooks).await;
    let partner_a = app.token_with_role(Role::Partner).await;
    let partner_b = app.token_with_role(Role::Partner).await;
    let receiver_a = Receiver::start(&[]).await;
    let receiver_b = Receiver::start(&[]).await;
    let subscription_a = subscribe(&app, &partner_a, &receiver_a.url, &[]).await;
    let subscription_b = subscribe(&app, &partner_b, &receiver_b.url, &[]).await;
    let case_a = file_ticket(&app, &partner_a, "株式会社エー").await;
    let case_b = file_ticket(&app, &partner_b, "株式会社ビー").await;

    let settled_a = settled_deliveries(&app, &partner_a, &subscription_a).await;
    let settled_b = settled_deliveries(&app, &partner_b, &subscription_b).await;
    let got_a = receiver_a.wait_for_requests(settled_a.len()).await;
    let got_b = receiver_b.wait_for_requests(settled_b.len()).await;
    assert!(
        got_a
            .iter()
            .all(|r| r.json()["data"]["ticket_id"] == case_a.as_str()),
        "A hears only about A's case"
    );
    assert!(
        got_b
            .iter()
            .all(|r| r.json()["data"]["ticket_id"] == case_b.as_str()),
        "B hears only about B's case"
    );

    let id_a = subscription_a["id"].as_str().unwrap();
    let listed_by_b: Value = app
        .get("/v1/webhooks", &partner_b)
        .await
        .json()
        .await
        .unwrap();
    let ids_b: Vec<&str> = listed_by_b["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids_b, [subscription_b["id"].as_str().unwrap()]);
    assert_problem(
        app.get(&format!("/v1/webhooks/{id_a}/deliveries"), &partner_b)
            .await,
        404,
        "B reads A's deliveries",
    )
    .await;
    assert_problem(
        app.delete(&format!("/v1/webhooks/{id_a}"), &partner_b)
            .await,
        404,
        "B deletes A's subscription",
    )
    .await;

    let admin = app.admin_token().await;
    let listed: Value = app.get("/v1/webhooks", &admin).await.json().await.unwrap();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        2,
        "admins see all"
    );

    let deleted = app
        .delete(&format!("/v1/webhooks/{id_a}"), &partner_a)
        .await;
    assert_eq!(deleted.status().as_u16(), 204);
    assert_problem(
        app.get(&format!("/v1/webhooks/{id_a}/deliveries"), &partner_a)
            .await,
        404,
        "a deleted subscription",
    )
    .await;

    for role in [Role::Manager, Role::Coordinator] {
        let token = app.token_with_role(role).await;
        let response = app
            .post_json(
                "/v1/webhooks",
                &token,
                &json!({"url": receiver_a.url.clone()}),
            )
            .await;
        assert_problem(response, 403, &format!("{role} subscribes")).await;
        assert_problem(
            app.get("/v1/webhooks", &token).await,
            403,
            &format!("{role} lists"),
        )
        .await;
    }
}

#[tokio::test]
async fn an_idempotent_retry_of_a_subscription_replays_the_first_answer() {
    let app = spawn_app_with(fast_webhooks).await;
    let admin = app.admin_token().await;
    let body = json!({"url": "http://127.0.0.1:9/hooks", "events": ["comment.added"]});
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app
            .api
            .post(app.url("/v1/webhooks"))
            .bearer_auth(&admin)
            .header("idempotency-key", "subscribe-once")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 201);
        answers.push(response.json::<Value>().await.unwrap());
    }
    assert_eq!(answers[0], answers[1]);
    let listed: Value = app.get("/v1/webhooks", &admin).await.json().await.unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn every_subscription_to_an_event_gets_it_on_the_first_attempt() {
    let app = spawn_app_with(fast_webhooks).await;
    let admin = app.admin_token().await;
    let mut receivers = Vec::new();
    let mut subscriptions = Vec::new();
    for _ in 0..5 {
        let receiver = Receiver::start(&[]).await;
        subscriptions.push(subscribe(&app, &admin, &receiver.url, &["ticket.created"]).await);
        receivers.push(receiver);
    }
    let partner = app.token_with_role(Role::Partner).await;
    let ticket_id = file_ticket(&app, &partner, "株式会社五件配信").await;

    let mut webhook_ids = Vec::new();
    for (n, (receiver, subscription)) in receivers.iter().zip(&subscriptions).enumerate() {
        let settled = settled_deliveries(&app, &admin, subscription).await;
        assert_eq!(settled.len(), 1, "subscription {n}: one ticket.created");
        let delivery = &settled[0];
        assert_eq!(
            delivery["status"], "delivered",
            "subscription {n}: {delivery}"
        );
        let attempts = delivery["attempts"].as_array().unwrap();
        assert_eq!(
            attempts.len(),
            1,
            "subscription {n}: one attempt: {delivery}"
        );
        assert_eq!(attempts[0]["attempt"], 1, "subscription {n}");
        assert_eq!(attempts[0]["status_code"], 200, "subscription {n}");
        assert!(
            attempts[0]["error"].is_null(),
            "subscription {n}: {delivery}"
        );
        let requests = receiver.requests();
        assert_eq!(requests.len(), 1, "subscription {n}: one request received");
        assert_eq!(requests[0].json()["data"]["ticket_id"], ticket_id.as_str());
        assert_eq!(requests[0].header("webhook-id"), delivery["id"]);
        webhook_ids.push(requests[0].header("webhook-id").to_owned());
    }
    webhook_ids.dedup();
    assert_eq!(webhook_ids.len(), 1, "one event, one webhook-id everywhere");
}

#[tokio::test]
async fn urls_whose_address_is_not_globally_reachable_or_carries_one_that_is_not_are_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let cases = [
        ("http://[64:ff9b::7f00:1]/", "NAT64 of loopback"),
        ("http://[64:ff9b:1::a00:1]/", "local-use NAT64"),
        ("http://[2002:7f00:1::]/", "6to4 of loopback"),
        (
            "http://[2002:a9fe:a9fe::]/",
            "6to4 of the metadata endpoint",
        ),
        ("http://[::127.0.0.1]/", "IPv4-compatible loopback"),
        ("http://[::ffff:0:127.0.0.1]/", "IPv4-translated loopback"),
        ("http://198.18.0.1/", "benchmarking"),
        ("http://240.0.0.1/", "reserved"),
        ("http://192.0.0.1/", "IETF protocol assignment"),
        ("http://192.88.99.1/", "6to4 relay anycast"),
        ("http://[fec0::1]/", "site-local"),
        ("http://[2001::1]/", "Teredo"),
        ("http://[100::1]/", "discard-only"),
    ];
    for (url, why) in cases {
        let response = app
            .post_json("/v1/webhooks", &admin, &json!({"url": url}))
            .await;
        let problem = assert_problem(response, 422, why).await;
        assert_eq!(error_fields(&problem), ["url"], "{why}: {problem}");
    }
    let listed: Value = app.get("/v1/webhooks", &admin).await.json().await.unwrap();
    assert!(
        listed["items"].as_array().unwrap().is_empty(),
        "nothing was created: {listed}"
    );
}

#[tokio::test]
async fn each_role_lists_reads_and_deletes_only_the_webhook_subscriptions_it_owns() {
    let app = spawn_app_with(|settings| {
        settings.webhook_allow_private = true;
        settings.webhook_worker = false;
    })
    .await;
    let partner_one = app.create_partner("株式会社一番パートナー").await;
    let partner_two = app.create_partner("株式会社二番パートナー").await;
    let mut tokens: Vec<(&str, String)> = Vec::new();
    for (name, partner) in [
        ("partner one, client a", partner_one),
        ("partner one, client b", partner_one),
        ("partner two", partner_two),
    ] {
        let client = app.create_client(Role::Partner, Some(partner), None).await;
        tokens.push((name, app.token_for(&client).await));
    }
    for name in ["analyst a", "analyst b"] {
        tokens.push((name, app.token_with_role(Role::Analyst).await));
    }
    for name in ["admin a", "admin b"] {
        tokens.push((name, app.admin_token().await));
    }
    let token = |name: &str| -> String {
        tokens
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t.clone())
            .unwrap()
    };
    let makers = [
        "partner one, client a",
        "partner two",
        "analyst a",
        "analyst b",
        "admin a",
    ];
    let mut ids: HashMap<&str, String> = HashMap::new();
    for maker in makers {
        let made = subscribe(&app, &token(maker), "http://127.0.0.1:9/hooks", &[]).await;
        ids.insert(maker, made["id"].as_str().unwrap().to_owned());
    }
    // Whose subscriptions each caller owns.
    let reach: [(&str, &[&str]); 7] = [
        ("partner one, client a", &["partner one, client a"]),
        ("partner one, client b", &["partner one, client a"]),
        ("partner two", &["partner two"]),
        ("analyst a", &["analyst a"]),
        ("analyst b", &["analyst b"]),
        ("admin a", &makers),
        ("admin b", &makers),
    ];
    for (caller, owned) in reach {
        let listed: Value = app
            .get("/v1/webhooks", &token(caller))
            .await
            .json()
            .await
            .unwrap();
        let listed: BTreeSet<&str> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap())
            .collect();
        let expected: BTreeSet<&str> = owned.iter().map(|maker| ids[maker].as_str()).collect();
        assert_eq!(listed, expected, "{caller} lists");
        for maker in makers {
            let path = format!("/v1/webhooks/{}/deliveries", ids[maker]);
            let response = app.get(&path, &token(caller)).await;
            if owned.contains(&maker) {
                assert_eq!(
                    response.status().as_u16(),
                    200,
                    "{caller} reads the deliveries of {maker}'s subscription"
                );
            } else {
                let why = format!("{caller} reads the deliveries of {maker}'s subscription");
                assert_problem(response, 404, &why).await;
                let why = format!("{caller} deletes {maker}'s subscription");
                let response = app
                    .delete(&format!("/v1/webhooks/{}", ids[maker]), &token(caller))
                    .await;
                assert_problem(response, 404, &why).await;
            }
        }
    }
    for role in [Role::Coordinator, Role::Manager] {
        let other = app.token_with_role(role).await;
        let id = &ids["analyst a"];
        assert_problem(
            app.get("/v1/webhooks", &other).await,
            403,
            &format!("{role} lists"),
        )
        .await;
        assert_problem(
            app.get(&format!("/v1/webhooks/{id}/deliveries"), &other)
                .await,
            403,
            &format!("{role} reads deliveries"),
        )
        .await;
        assert_problem(
            app.delete(&format!("/v1/webhooks/{id}"), &other).await,
            403,
            &format!("{role} deletes"),
        )
        .await;
    }
    // The refusals changed nothing.
    let listed: Value = app
        .get("/v1/webhooks", &token("admin b"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), makers.len());

    // Owners delete: another client of the same partner, the analyst itself, and admins
    // anyone's.
    let deletions = [
        ("partner one, client b", "partner one, client a"),
        ("analyst a", "analyst a"),
        ("admin b", "partner two"),
        ("admin b", "analyst b"),
        ("admin b", "admin a"),
    ];
    for (caller, maker) in deletions {
        let path = format!("/v1/webhooks/{}", ids[maker]);
        let response = app.delete(&path, &token(caller)).await;
        assert_eq!(
            response.status().as_u16(),
            204,
            "{caller} deletes {maker}'s subscription"
        );
        assert_problem(
            app.get(&format!("{path}/deliveries"), &token(caller)).await,
            404,
            &format!("{maker}'s subscription after {caller} deleted it"),
        )
        .await;
    }
    let listed: Value = app
        .get("/v1/webhooks", &token("admin a"))
        .await
        .json()
        .await
        .unwrap();
    assert!(listed["items"].as_array().unwrap().is_empty(), "{listed}");
}

#[tokio::test]
async fn a_partners_subscription_reads_what_the_partner_reads_no_internal_comment_and_no_reason() {
    let app = spawn_app_with(fast_webhooks).await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let admin = app.admin_token().await;
    let partner_receiver = Receiver::start(&[]).await;
    let center_receiver = Receiver::start(&[]).await;
    let partner_subscription = subscribe(&app, &partner, &partner_receiver.url, &[]).await;
    let center_subscription = subscribe(&app, &admin, &center_receiver.url, &[]).await;
    let case = file_ticket(&app, &partner, "株式会社ウェブフック").await;
    let routed = app
        .post_json(
            &format!("/v1/tickets/{case}/routing"),
            &coordinator,
            &json!({"track": "labor", "reason": "社内メモ: 先方の担当者は難しい方"}),
        )
        .await;
    assert_eq!(routed.status().as_u16(), 200);
    let comments = format!("/v1/tickets/{case}/comments");
    for visibility in ["internal", "partner"] {
        let made = app
            .post_json(
                &comments,
                &coordinator,
                &json!({"body": format!("{visibility} のコメント"), "visibility": visibility}),
            )
            .await;
        assert_eq!(made.status().as_u16(), 201);
    }

    let center = center_receiver
        .wait_for_requests(
            settled_deliveries(&app, &admin, &center_subscription)
                .await
                .len(),
        )
        .await;
    let to_partner = partner_receiver
        .wait_for_requests(
            settled_deliveries(&app, &partner, &partner_subscription)
                .await
                .len(),
        )
        .await;
    let types = |requests: &[Received]| -> Vec<String> {
        let mut types: Vec<String> = requests
            .iter()
            .map(|r| r.json()["type"].as_str().unwrap().to_owned())
            .collect();
        types.sort();
        types
    };
    let comment_count = |requests: &[Received]| {
        types(requests)
            .iter()
            .filter(|t| t.as_str() == "comment.added")
            .count()
    };
    assert_eq!(
        comment_count(&center),
        2,
        "the center hears of both comments"
    );
    assert_eq!(
        comment_count(&to_partner),
        1,
        "the partner hears of the shared comment only: {:?}",
        types(&to_partner)
    );
    assert!(
        center
            .iter()
            .any(|r| r.json()["data"].get("reason").is_some()),
        "the center reads the coordinator's reason"
    );
    for request in &to_partner {
        let body = request.json();
        assert!(
            body["data"].get("reason").is_none() && body["data"].get("visibility").is_none(),
            "a partner's delivery carries only partner-safe details: {body}"
        );
        assert_eq!(body["data"]["ticket_id"], case.as_str());
    }
    assert!(
        to_partner
            .iter()
            .any(|r| r.json()["type"] != "comment.added" && r.json()["type"] != "ticket.created"),
        "the partner still hears of the routing: {:?}",
        types(&to_partner)
    );
}
