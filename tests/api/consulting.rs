//! Assignment, the waiting queue, consulting sessions and outcomes: the races on two
//! instances, the company's free sessions, the hand-over on release, what a manager may touch,
//! validation and a whole case from assignment to reopening.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use onestop::auth::Role;
use reqwest::{RequestBuilder, Response};
use serde_json::{Value, json};
use tokio::sync::Barrier;
use uuid::Uuid;

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app, spawn_app_with};

/// An intake for `company` that the router sends to labor (working hours, work rules), online.
pub(crate) fn intake_for(company: Value) -> Value {
    json!({
        "company": company,
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp", "phone": "03-1234-5678"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours", "labor.work_rules"],
        "preferred_mode": "online"
    })
}

/// The intake of the company with corporate number 7000012050002 in Tokyo.
pub(crate) fn intake() -> Value {
    intake_for(json!({
        "name": "株式会社サンプル製作所", "corporate_number": "7000012050002",
        "prefecture": "13", "industry": "E", "employees": 45, "capital_jpy": 10000000
    }))
}

/// The intake of a company known only by `name` (no corporate number), in Tokyo.
pub(crate) fn intake_of_company(name: &str) -> Value {
    intake_for(json!({"name": name, "prefecture": "13", "industry": "E", "employees": 12}))
}

/// A company name no other test case uses (letters only, so normalization keeps it apart).
pub(crate) fn unique_company(prefix: &str, n: usize) -> String {
    const LETTERS: [&str; 10] = [
        "アルファ",
        "ブラボー",
        "チャーリー",
        "デルタ",
        "エコー",
        "フォックス",
        "ゴルフ",
        "ホテル",
        "インディゴ",
        "ジュリエット",
    ];
    let mut name = prefix.to_owned();
    let mut rest = n;
    loop {
        name.push_str(LETTERS[rest % 10]);
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    format!("株式会社{name}")
}

/// The JSON body of a response, asserting its status first.
pub(crate) async fn expect_json(response: Response, status: u16, context: &str) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{context}: {body}");
    body
}

/// Whether a problem's `type` ends with `/<slug>`.
pub(crate) fn has_type(problem: &Value, slug: &str) -> bool {
    problem["type"]
        .as_str()
        .is_some_and(|t| t.ends_with(&format!("/{slug}")))
}

/// Asserts a problem with `status` and type `slug`, returning its body.
pub(crate) async fn assert_slug(
    response: Response,
    status: u16,
    slug: &str,
    context: &str,
) -> Value {
    let problem = assert_problem(response, status, context).await;
    assert!(
        has_type(&problem, slug),
        "{context}: want {slug}, got {problem}"
    );
    problem
}

/// The id field of a JSON object.
pub(crate) fn id_of(value: &Value) -> String {
    value["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {value}"))
        .to_owned()
}

/// Files `body` as `partner`, then has `coordinator` put it on `track`; returns the case id.
pub(crate) async fn routed_ticket(
    app: &TestApp,
    partner: &str,
    coordinator: &str,
    track: &str,
    body: &Value,
) -> String {
    let filed = expect_json(
        app.post_json("/v1/tickets", partner, body).await,
        201,
        "filing",
    )
    .await;
    let id = id_of(&filed);
    let routed = expect_json(
        app.post_json(
            &format!("/v1/tickets/{id}/routing"),
            coordinator,
            &json!({"track": track, "reason": "test"}),
        )
        .await,
        200,
        "routing",
    )
    .await;
    assert_eq!(routed["status"], "triaged", "{routed}");
    assert_eq!(routed["track"], track, "{routed}");
    assert!(routed["manager_id"].is_null(), "{routed}");
    id
}

/// A manager body: online, not visiting, active, on `tracks`, with `capacity`.
pub(crate) fn manager_body(name: &str, tracks: &[&str], capacity: u32) -> Value {
    json!({
        "name": name,
        "email": format!("m-{}@example.jp", Uuid::new_v4().simple()),
        "tracks": tracks,
        "capacity": capacity,
    })
}

/// Creates a manager on `tracks` with `capacity`; returns their id.
pub(crate) async fn new_manager(
    app: &TestApp,
    coordinator: &str,
    name: &str,
    tracks: &[&str],
    capacity: u32,
) -> String {
    id_of(
        &app.create_manager(coordinator, &manager_body(name, tracks, capacity))
            .await,
    )
}

/// `POST /v1/tickets/{id}/assignment` with `body`.
pub(crate) async fn assign(app: &TestApp, token: &str, id: &str, body: &Value) -> Response {
    app.post_json(&format!("/v1/tickets/{id}/assignment"), token, body)
        .await
}

/// Assigns case `id` to `manager` by name and asserts it worked.
pub(crate) async fn assign_to(app: &TestApp, coordinator: &str, id: &str, manager: &str) -> Value {
    let assigned = expect_json(
        assign(app, coordinator, id, &json!({"manager_id": manager})).await,
        200,
        "named assignment",
    )
    .await;
    assert_eq!(assigned["manager_id"], manager, "{assigned}");
    assert_eq!(assigned["ticket"]["status"], "assigned", "{assigned}");
    assigned
}

/// A case as `token` sees it.
pub(crate) async fn ticket_of(app: &TestApp, token: &str, id: &str) -> Value {
    expect_json(
        app.get(&format!("/v1/tickets/{id}"), token).await,
        200,
        "reading a case",
    )
    .await
}

/// A manager as `token` sees them.
pub(crate) async fn manager_of(app: &TestApp, token: &str, id: &str) -> Value {
    expect_json(
        app.get(&format!("/v1/managers/{id}"), token).await,
        200,
        "reading a manager",
    )
    .await
}

/// The events of a case.
pub(crate) async fn events_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    expect_json(
        app.get(&format!("/v1/tickets/{id}/events"), token).await,
        200,
        "reading events",
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

fn event_types(events: &[Value]) -> Vec<&str> {
    events.iter().map(|e| e["type"].as_str().unwrap()).collect()
}

/// A session body.
fn session(starts_at: &str, minutes: u32, mode: &str) -> Value {
    json!({"starts_at": starts_at, "duration_minutes": minutes, "mode": mode})
}

/// `POST /v1/tickets/{id}/sessions` with an online session.
async fn book(app: &TestApp, token: &str, id: &str, starts_at: &str, minutes: u32) -> Response {
    app.post_json(
        &format!("/v1/tickets/{id}/sessions"),
        token,
        &session(starts_at, minutes, "online"),
    )
    .await
}

/// The sessions of a case.
async fn sessions_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    expect_json(
        app.get(&format!("/v1/tickets/{id}/sessions"), token).await,
        200,
        "listing sessions",
    )
    .await["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// Sends all `requests` at once (after a barrier) and returns each status and JSON body, in order.
async fn race(requests: Vec<RequestBuilder>) -> Vec<(u16, Value)> {
    let barrier = Arc::new(Barrier::new(requests.len()));
    let handles: Vec<_> = requests
        .into_iter()
        .map(|request| {
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                let response = request.send().await.unwrap();
                let status = response.status().as_u16();
                let body: Value = response.json().await.unwrap_or(Value::Null);
                (status, body)
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(handles.len());
    for handle in handles {
        answers.push(handle.await.unwrap());
    }
    answers
}

/// `POST /v1/tickets/{id}/transitions` to `to`.
async fn transition(app: &TestApp, token: &str, id: &str, to: &str) -> Response {
    app.post_json(
        &format!("/v1/tickets/{id}/transitions"),
        token,
        &json!({"to": to, "reason": "test"}),
    )
    .await
}

/// Lets the clock move on, so `waiting_since` stamps are strictly ordered.
async fn tick() {
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_racing_automatic_assignments_on_two_instances_fill_five_managers_exactly() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let mut managers = Vec::new();
    for n in 0..5 {
        managers.push(new_manager(&app, &coordinator, &format!("競合 {n}"), &["labor"], 2).await);
    }
    let mut cases = Vec::new();
    for _ in 0..30 {
        cases.push(routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await);
    }
    let requests = cases
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let target = if n % 2 == 0 { &app } else { &other };
            target
                .api
                .post(target.url(&format!("/v1/tickets/{id}/assignment")))
                .bearer_auth(&coordinator)
                .json(&json!({}))
        })
        .collect();
    let answers = race(requests).await;

    let mut assigned_by_manager: HashMap<String, HashSet<String>> = HashMap::new();
    let mut refused = Vec::new();
    for (id, (status, body)) in cases.iter().zip(&answers) {
        match status {
            200 => {
                let manager = body["manager_id"].as_str().unwrap().to_owned();
                assert!(managers.contains(&manager), "{body}");
                assert_eq!(body["automatic"], true, "{body}");
                assert_eq!(body["ticket"]["id"], id.as_str(), "{body}");
                assert_eq!(body["ticket"]["status"], "assigned", "{body}");
                assert_eq!(body["ticket"]["manager_id"], manager.as_str(), "{body}");
                assigned_by_manager
                    .entry(manager)
                    .or_default()
                    .insert(id.clone());
            }
            409 => {
                assert!(has_type(body, "no-eligible-manager"), "{body}");
                assert_eq!(body["waiting"], true, "{body}");
                refused.push(id.clone());
            }
            _ => panic!("an assignment answered {status}: {body}"),
        }
    }
    let assigned: usize = assigned_by_manager.values().map(HashSet::len).sum();
    assert_eq!(assigned, 10, "exactly 10 assigned: {answers:?}");
    assert_eq!(refused.len(), 20, "exactly 20 refused");

    let mut total = 0;
    for manager in &managers {
        let view = manager_of(&app, &coordinator, manager).await;
        let active = view["active_cases"].as_u64().unwrap();
        assert!(active <= 2, "{manager} is above capacity: {view}");
        total += active;
        let listed = expect_json(
            app.get(
                &format!("/v1/tickets?manager_id={manager}&limit=200"),
                &coordinator,
            )
            .await,
            200,
            "listing a manager's cases",
        )
        .await;
        let listed: HashSet<String> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                assert_eq!(c["status"], "assigned", "{c}");
                assert_eq!(c["manager_id"], manager.as_str(), "{c}");
                id_of(c)
            })
            .collect();
        assert_eq!(
            u64::try_from(listed.len()).unwrap(),
            active,
            "active_cases of {manager} matches its cases"
        );
        assert_eq!(
            &listed,
            assigned_by_manager.get(manager).unwrap_or(&HashSet::new()),
            "the cases answered as assigned to {manager} are the ones it holds"
        );
    }
    assert_eq!(total, 10, "active cases sum to the assignments");
    for id in &refused {
        let case = ticket_of(&other, &coordinator, id).await;
        assert_eq!(case["status"], "triaged", "{case}");
        assert!(case["manager_id"].is_null(), "{case}");
        assert!(
            case["waiting_since"].is_string(),
            "a refused case waits: {case}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_overlapping_bookings_for_one_manager_on_two_instances_make_exactly_one_session() {
    let app = spawn_app().await;
    let other = app.another_instance().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "予約 一郎", &["labor"], 8).await;
    let mut cases = Vec::new();
    let mut companies = HashSet::new();
    for n in 0..8 {
        let body = intake_of_company(&unique_company("重複予約", n));
        let id = routed_ticket(&app, &partner, &coordinator, "labor", &body).await;
        let assigned = assign_to(&app, &coordinator, &id, &manager).await;
        companies.insert(
            assigned["ticket"]["company_record"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        cases.push(id);
    }
    assert_eq!(companies.len(), 8, "eight different companies");
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        8
    );

    // Every pair overlaps: [10:00 + 10n min, 12:00 + 10n min) JST on the same day.
    let requests = cases
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let target = if n % 2 == 0 { &app } else { &other };
            let starts_at = format!("2030-06-03T01:{:02}:00Z", n * 7);
            target
                .api
                .post(target.url(&format!("/v1/tickets/{id}/sessions")))
                .bearer_auth(&coordinator)
                .json(&session(&starts_at, 120, "online"))
        })
        .collect();
    let answers = race(requests).await;
    let mut made = Vec::new();
    for (id, (status, body)) in cases.iter().zip(&answers) {
        match status {
            201 => {
                assert_eq!(body["ticket_id"], id.as_str(), "{body}");
                assert_eq!(body["manager_id"], manager.as_str(), "{body}");
                assert_eq!(body["status"], "scheduled", "{body}");
                made.push(id.clone());
            }
            409 => assert!(has_type(body, "session-overlap"), "{body}"),
            _ => panic!("a booking answered {status}: {body}"),
        }
    }
    assert_eq!(made.len(), 1, "exactly one booking made: {answers:?}");
    let mut sessions = 0;
    for id in &cases {
        let listed = sessions_of(&app, &coordinator, id).await;
        sessions += listed.len();
        let case = ticket_of(&app, &coordinator, id).await;
        let expected = if made.contains(id) {
            "in_consultation"
        } else {
            "assigned"
        };
        assert_eq!(case["status"], expected, "{case}");
    }
    assert_eq!(sessions, 1, "one session stored");

    // A refused case can still book a time that does not overlap.
    let loser = cases.iter().find(|id| !made.contains(id)).unwrap();
    let later = book(&app, &coordinator, loser, "2030-06-03T06:00:00Z", 60).await;
    expect_json(later, 201, "a later booking").await;
}

#[tokio::test]
async fn a_companys_fourth_session_is_refused_across_two_partners_cases() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner_a = app.token_with_role(Role::Partner).await;
    let partner_b = app.token_with_role(Role::Partner).await;
    let first_manager = new_manager(&app, &coordinator, "無料 一郎", &["labor"], 3).await;
    let second_manager = new_manager(&app, &coordinator, "無料 二郎", &["labor"], 3).await;
    let one = routed_ticket(&app, &partner_a, &coordinator, "labor", &intake()).await;
    let two = routed_ticket(&app, &partner_b, &coordinator, "labor", &intake()).await;
    let one_view = assign_to(&app, &coordinator, &one, &first_manager).await;
    let two_view = assign_to(&app, &coordinator, &two, &second_manager).await;
    let company = one_view["ticket"]["company_record"]["id"].clone();
    assert_eq!(
        two_view["ticket"]["company_record"]["id"], company,
        "one company across both partners"
    );
    assert_ne!(
        one_view["ticket"]["partner_id"],
        two_view["ticket"]["partner_id"]
    );

    let mut booked = Vec::new();
    for (case, starts_at, remaining) in [
        (&one, "2030-06-03T01:00:00Z", 2),
        (&one, "2030-06-10T01:00:00Z", 1),
        (&two, "2030-06-17T01:00:00Z", 0),
    ] {
        let made = expect_json(
            book(&app, &coordinator, case, starts_at, 60).await,
            201,
            starts_at,
        )
        .await;
        assert_eq!(made["company_id"], company, "{made}");
        assert_eq!(made["fiscal_year"], 2030, "{made}");
        assert_eq!(made["free_sessions_remaining"], remaining, "{made}");
        booked.push(id_of(&made));
    }
    // A held session still counts.
    let held = expect_json(
        app.patch_json(
            &format!("/v1/sessions/{}", booked[0]),
            &coordinator,
            None,
            &json!({"status": "held", "notes": "就業規則の改定案を説明"}),
        )
        .await,
        200,
        "marking held",
    )
    .await;
    assert_eq!(held["status"], "held");

    for (case, starts_at) in [
        (&two, "2030-06-24T01:00:00Z"),
        (&one, "2030-07-01T01:00:00Z"),
        // 23:00 JST on 31 March: still fiscal year 2030.
        (&two, "2031-03-31T14:00:00Z"),
    ] {
        let problem = assert_slug(
            book(&app, &coordinator, case, starts_at, 60).await,
            409,
            "free-sessions-used-up",
            &format!("a fourth session at {starts_at}"),
        )
        .await;
        assert_eq!(problem["remaining"], 0, "{problem}");
        assert_eq!(problem["limit"], 3, "{problem}");
    }
    let stored: usize = sessions_of(&app, &coordinator, &one).await.len()
        + sessions_of(&app, &coordinator, &two).await.len();
    assert_eq!(stored, 3, "refusals stored nothing");

    // 01:00 JST on 1 April is fiscal year 2031, with its own three sessions.
    let next_year = expect_json(
        book(&app, &coordinator, &two, "2031-03-31T16:00:00Z", 60).await,
        201,
        "the next fiscal year in JST",
    )
    .await;
    assert_eq!(next_year["fiscal_year"], 2031, "{next_year}");

    let cancelled = expect_json(
        app.patch_json(
            &format!("/v1/sessions/{}", booked[1]),
            &coordinator,
            None,
            &json!({"status": "cancelled"}),
        )
        .await,
        200,
        "cancelling",
    )
    .await;
    assert_eq!(cancelled["status"], "cancelled");
    let again = expect_json(
        book(&app, &coordinator, &two, "2030-06-24T01:00:00Z", 60).await,
        201,
        "booking after a cancellation",
    )
    .await;
    assert_eq!(again["free_sessions_remaining"], 0, "{again}");
    assert_slug(
        book(&app, &coordinator, &one, "2030-07-08T01:00:00Z", 60).await,
        409,
        "free-sessions-used-up",
        "used up again",
    )
    .await;
}

#[tokio::test]
async fn a_release_hands_the_oldest_waiting_eligible_case_to_the_freed_manager() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "解放 一郎", &["labor"], 1).await;
    let a = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let first = expect_json(
        assign(&app, &coordinator, &a, &json!({})).await,
        200,
        "assigning A",
    )
    .await;
    assert_eq!(first["manager_id"], manager.as_str());

    // Waiting, oldest first: an ict case nobody can take, then labor cases B and C.
    let mut waiting = Vec::new();
    for track in ["ict", "labor", "labor"] {
        let id = routed_ticket(&app, &partner, &coordinator, track, &intake()).await;
        let problem = assert_slug(
            assign(&app, &coordinator, &id, &json!({})).await,
            409,
            "no-eligible-manager",
            "nobody has room",
        )
        .await;
        assert_eq!(problem["waiting"], true, "{problem}");
        assert!(ticket_of(&app, &coordinator, &id).await["waiting_since"].is_string());
        waiting.push(id);
        tick().await;
    }
    let (ict, b, c) = (&waiting[0], &waiting[1], &waiting[2]);

    let response = app
        .api
        .delete(app.url(&format!("/v1/tickets/{a}/assignment")))
        .bearer_auth(&coordinator)
        .json(&json!({"reason": "担当替え"}))
        .send()
        .await
        .unwrap();
    let released = expect_json(response, 200, "releasing A").await;
    assert_eq!(
        released["released_manager_id"],
        manager.as_str(),
        "{released}"
    );
    assert_eq!(released["handed_to_ticket_id"], b.as_str(), "{released}");
    assert_eq!(released["ticket"]["status"], "triaged", "{released}");
    assert!(released["ticket"]["manager_id"].is_null(), "{released}");

    let b_view = ticket_of(&app, &coordinator, b).await;
    assert_eq!(b_view["status"], "assigned", "{b_view}");
    assert_eq!(b_view["manager_id"], manager.as_str(), "{b_view}");
    for id in [ict, c] {
        let view = ticket_of(&app, &coordinator, id).await;
        assert_eq!(view["status"], "triaged", "{view}");
        assert!(view["manager_id"].is_null(), "{view}");
    }
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        1
    );
    let events = events_of(&app, &coordinator, b).await;
    let handed = events
        .iter()
        .find(|e| e["type"] == "ticket.assigned")
        .unwrap_or_else(|| panic!("B has no ticket.assigned: {events:?}"));
    assert_eq!(handed["data"]["automatic"], true, "{handed}");
    assert!(!handed["data"]["trigger"].is_null(), "{handed}");
    assert!(
        event_types(&events_of(&app, &coordinator, &a).await).contains(&"ticket.released"),
        "A's release is an event"
    );
    // The manager who took B is seen by the manager's own client too.
    let manager_client = app.manager_token(manager.parse().unwrap()).await;
    assert_eq!(ticket_of(&app, &manager_client, b).await["id"], b.as_str());
}

#[tokio::test]
async fn with_automatic_assignment_off_a_release_hands_nothing() {
    let app = spawn_app_with(|s| s.auto_assign = false).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "手動 一郎", &["labor"], 1).await;
    let a = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assign_to(&app, &coordinator, &a, &manager).await;
    let b = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assert_slug(
        assign(&app, &coordinator, &b, &json!({})).await,
        409,
        "no-eligible-manager",
        "B waits",
    )
    .await;
    let released = expect_json(
        app.delete(&format!("/v1/tickets/{a}/assignment"), &coordinator)
            .await,
        200,
        "releasing A",
    )
    .await;
    assert!(released["handed_to_ticket_id"].is_null(), "{released}");
    let b_view = ticket_of(&app, &coordinator, &b).await;
    assert_eq!(b_view["status"], "triaged", "{b_view}");
    assert!(b_view["manager_id"].is_null(), "{b_view}");
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        0
    );
}

#[tokio::test]
async fn raising_a_managers_capacity_hands_them_the_oldest_waiting_case() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "増員 一郎", &["labor"], 0).await;
    let mut waiting = Vec::new();
    for _ in 0..2 {
        let id = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
        assert_slug(
            assign(&app, &coordinator, &id, &json!({})).await,
            409,
            "no-eligible-manager",
            "no room",
        )
        .await;
        waiting.push(id);
        tick().await;
    }
    let raised = expect_json(
        app.patch_json(
            &format!("/v1/managers/{manager}"),
            &coordinator,
            None,
            &json!({"capacity": 1}),
        )
        .await,
        200,
        "raising capacity",
    )
    .await;
    assert_eq!(raised["capacity"], 1);
    let oldest = ticket_of(&app, &coordinator, &waiting[0]).await;
    assert_eq!(oldest["status"], "assigned", "{oldest}");
    assert_eq!(oldest["manager_id"], manager.as_str(), "{oldest}");
    let newer = ticket_of(&app, &coordinator, &waiting[1]).await;
    assert_eq!(newer["status"], "triaged", "{newer}");
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        1
    );
}

#[tokio::test]
async fn a_manager_cannot_see_book_or_record_on_a_case_not_assigned_to_them() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let m1 = new_manager(&app, &coordinator, "担当 一郎", &["labor"], 2).await;
    let m2 = new_manager(&app, &coordinator, "担当 二郎", &["labor"], 2).await;
    let theirs = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let own = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assign_to(&app, &coordinator, &theirs, &m1).await;
    assign_to(&app, &coordinator, &own, &m2).await;
    let m1_client = app.manager_token(m1.parse().unwrap()).await;
    let m1_session = expect_json(
        book(&app, &m1_client, &theirs, "2030-06-03T01:00:00Z", 60).await,
        201,
        "M1 books its own case",
    )
    .await;
    let m1_session = id_of(&m1_session);

    let m2_client = app
        .create_client(Role::Manager, None, Some(m2.parse().unwrap()))
        .await;
    let m2_client = app.token_for(&m2_client).await;
    let base = format!("/v1/tickets/{theirs}");
    let outcome =
        json!({"result": "introduced", "measures": ["work_rules_revised"], "satisfaction": 5});
    let checks: Vec<(&str, Response)> = vec![
        ("read the case", app.get(&base, &m2_client).await),
        (
            "list sessions",
            app.get(&format!("{base}/sessions"), &m2_client).await,
        ),
        (
            "book",
            book(&app, &m2_client, &theirs, "2030-06-04T01:00:00Z", 60).await,
        ),
        (
            "record the outcome",
            app.put_json(&format!("{base}/outcome"), &m2_client, &outcome)
                .await,
        ),
        (
            "mark M1's session held",
            app.patch_json(
                &format!("/v1/sessions/{m1_session}"),
                &m2_client,
                None,
                &json!({"status": "held"}),
            )
            .await,
        ),
        (
            "read M1's events",
            app.get(&format!("{base}/events"), &m2_client).await,
        ),
        (
            "read M1",
            app.get(&format!("/v1/managers/{m1}"), &m2_client).await,
        ),
    ];
    for (what, response) in checks {
        assert_problem(response, 404, &format!("M2 tries to {what}")).await;
    }
    let listed = expect_json(app.get("/v1/tickets", &m2_client).await, 200, "M2 lists").await;
    let ids: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(
        ids,
        std::slice::from_ref(&own),
        "M2 lists only its own case"
    );
    // Nothing of M1's case changed.
    let untouched = ticket_of(&app, &coordinator, &theirs).await;
    assert_eq!(untouched["status"], "in_consultation", "{untouched}");
    assert!(untouched["outcome"].is_null(), "{untouched}");
    let m1_sessions = sessions_of(&app, &coordinator, &theirs).await;
    assert_eq!(m1_sessions.len(), 1);
    assert_eq!(m1_sessions[0]["status"], "scheduled");
    // A manager may not assign at all.
    assert_problem(
        assign(&app, &m2_client, &theirs, &json!({})).await,
        403,
        "a manager assigns",
    )
    .await;

    // The positive control: M2 does all of it on its own case.
    let own_base = format!("/v1/tickets/{own}");
    assert_eq!(
        ticket_of(&app, &m2_client, &own).await["manager_id"],
        m2.as_str()
    );
    let made = expect_json(
        book(&app, &m2_client, &own, "2030-06-03T01:00:00Z", 60).await,
        201,
        "M2 books its own case",
    )
    .await;
    assert_eq!(sessions_of(&app, &m2_client, &own).await.len(), 1);
    let held = expect_json(
        app.patch_json(
            &format!("/v1/sessions/{}", id_of(&made)),
            &m2_client,
            None,
            &json!({"status": "held", "notes": "順調"}),
        )
        .await,
        200,
        "M2 marks its session held",
    )
    .await;
    assert_eq!(held["status"], "held");
    let resolved = expect_json(
        app.put_json(&format!("{own_base}/outcome"), &m2_client, &outcome)
            .await,
        200,
        "M2 records its outcome",
    )
    .await;
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(manager_of(&app, &m2_client, &m2).await["id"], m2.as_str());
    let me = expect_json(
        app.get("/v1/managers", &m2_client).await,
        200,
        "M2 lists managers",
    )
    .await;
    let managers: Vec<String> = me["items"].as_array().unwrap().iter().map(id_of).collect();
    assert_eq!(
        managers,
        std::slice::from_ref(&m2),
        "a manager lists only themselves"
    );
}

#[tokio::test]
async fn a_case_goes_from_assignment_through_a_session_and_an_outcome_to_closed_and_reopened() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "生涯 一郎", &["labor"], 2).await;
    let manager_client = app.manager_token(manager.parse().unwrap()).await;
    let id = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let base = format!("/v1/tickets/{id}");

    let response = assign(
        &app,
        &coordinator,
        &id,
        &json!({"manager_id": manager, "reason": "適任"}),
    )
    .await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let assigned = expect_json(response, 200, "assigning").await;
    assert_eq!(assigned["manager_id"], manager.as_str());
    assert_eq!(assigned["manager_name"], "生涯 一郎");
    assert_eq!(assigned["automatic"], false);
    assert!(assigned["score"]["topic_overlap"].is_u64(), "{assigned}");
    assert_eq!(assigned["ticket"]["status"], "assigned");
    assert_eq!(etag, format!("\"{}\"", assigned["ticket"]["version"]));
    let view = manager_of(&app, &coordinator, &manager).await;
    assert_eq!(view["active_cases"], 1);
    assert!(view["last_assigned_at"].is_string(), "{view}");
    assert_slug(
        assign(&app, &coordinator, &id, &json!({})).await,
        409,
        "illegal-transition",
        "assigning an assigned case",
    )
    .await;

    let response = book(&app, &manager_client, &id, "2030-06-03T01:00:00Z", 90).await;
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let scheduled = expect_json(response, 201, "booking").await;
    let session_id = id_of(&scheduled);
    assert_eq!(location, format!("/v1/sessions/{session_id}"));
    assert_eq!(scheduled["ticket_id"], id.as_str());
    assert_eq!(scheduled["manager_id"], manager.as_str());
    assert_eq!(scheduled["duration_minutes"], 90);
    assert_eq!(scheduled["mode"], "online");
    assert_eq!(scheduled["status"], "scheduled");
    let starts =
        chrono::DateTime::parse_from_rfc3339(scheduled["starts_at"].as_str().unwrap()).unwrap();
    let ends =
        chrono::DateTime::parse_from_rfc3339(scheduled["ends_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        starts,
        chrono::DateTime::parse_from_rfc3339("2030-06-03T01:00:00Z").unwrap()
    );
    assert_eq!(ends - starts, chrono::Duration::minutes(90));
    assert_eq!(
        ticket_of(&app, &manager_client, &id).await["status"],
        "in_consultation"
    );

    let held = expect_json(
        app.patch_json(
            &format!("/v1/sessions/{session_id}"),
            &manager_client,
            None,
            &json!({"status": "held", "notes": "中抜け時間の扱いを説明"}),
        )
        .await,
        200,
        "marking held",
    )
    .await;
    assert_eq!(held["status"], "held");
    assert_eq!(held["notes"], "中抜け時間の扱いを説明");
    assert_slug(
        app.patch_json(
            &format!("/v1/sessions/{session_id}"),
            &manager_client,
            None,
            &json!({"status": "cancelled"}),
        )
        .await,
        409,
        "illegal-session-transition",
        "cancelling a held session",
    )
    .await;

    let outcome = json!({
        "result": "introduced",
        "measures": ["work_rules_revised", "working_hours_managed"],
        "teleworkers": 12,
        "satisfaction": 4,
        "summary": "テレワーク勤務規程を制定し、勤怠をクラウドで管理。"
    });
    let resolved = expect_json(
        app.put_json(&format!("{base}/outcome"), &manager_client, &outcome)
            .await,
        200,
        "recording the outcome",
    )
    .await;
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["outcome"]["result"], "introduced");
    assert_eq!(
        resolved["outcome"]["measures"],
        json!(["work_rules_revised", "working_hours_managed"])
    );
    assert_eq!(resolved["outcome"]["teleworkers"], 12);
    assert_eq!(resolved["outcome"]["satisfaction"], 4);
    assert_eq!(resolved["outcome"]["manager_id"], manager.as_str());
    assert!(resolved["outcome"]["recorded_at"].is_string());
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        0,
        "the outcome frees the manager"
    );
    // A correction replaces the outcome and frees nothing twice.
    let corrected = expect_json(
        app.put_json(
            &format!("{base}/outcome"),
            &coordinator,
            &json!({"result": "planned", "satisfaction": 5}),
        )
        .await,
        200,
        "replacing the outcome",
    )
    .await;
    assert_eq!(corrected["status"], "resolved");
    assert_eq!(corrected["outcome"]["result"], "planned");
    assert_eq!(corrected["outcome"]["measures"], json!([]));
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        0
    );

    let closed = expect_json(
        transition(&app, &coordinator, &id, "closed").await,
        200,
        "closing",
    )
    .await;
    assert_eq!(closed["status"], "closed");
    let reopened = expect_json(
        transition(&app, &coordinator, &id, "reopened").await,
        200,
        "reopening",
    )
    .await;
    assert_eq!(reopened["status"], "triaged");
    assert!(reopened["manager_id"].is_null(), "{reopened}");
    // The outcome recorded before stays on the case, in the list as in the case itself.
    assert!(reopened["outcome"].is_object(), "{reopened}");
    let listed: Value = app
        .get("/v1/tickets?status=triaged&limit=200", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    let in_list = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["id"] == reopened["id"])
        .expect("the reopened case is listed");
    assert_eq!(in_list["outcome"], reopened["outcome"]);
    assert_problem(
        app.get(&base, &manager_client).await,
        404,
        "the manager no longer sees the reopened case",
    )
    .await;
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        0
    );

    let events = events_of(&app, &coordinator, &id).await;
    let types = event_types(&events);
    for wanted in [
        "ticket.assigned",
        "session.scheduled",
        "session.updated",
        "outcome.recorded",
    ] {
        assert!(types.contains(&wanted), "{wanted} missing from {types:?}");
    }
    let moves: Vec<(&str, &str)> = events
        .iter()
        .filter(|e| e["type"] == "ticket.status_changed")
        .map(|e| {
            (
                e["data"]["from"].as_str().unwrap(),
                e["data"]["to"].as_str().unwrap(),
            )
        })
        .collect();
    for wanted in [
        ("triaged", "assigned"),
        ("assigned", "in_consultation"),
        ("in_consultation", "resolved"),
        ("resolved", "closed"),
        ("closed", "triaged"),
    ] {
        assert!(moves.contains(&wanted), "{wanted:?} missing from {moves:?}");
    }
    let assigned_event = events
        .iter()
        .find(|e| e["type"] == "ticket.assigned")
        .unwrap();
    assert_eq!(
        assigned_event["data"]["automatic"], false,
        "{assigned_event}"
    );
}

#[tokio::test]
async fn named_assignment_checks_the_manager_and_release_needs_an_assignment() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let full = new_manager(&app, &coordinator, "満員 一郎", &["labor"], 1).await;
    let ict_only = new_manager(&app, &coordinator, "情報 一郎", &["ict"], 3).await;
    let first = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let second = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assign_to(&app, &coordinator, &first, &full).await;

    let problem = assert_slug(
        assign(&app, &coordinator, &second, &json!({"manager_id": full})).await,
        409,
        "manager-not-eligible",
        "a full manager named",
    )
    .await;
    let reasons: Vec<&str> = problem["reasons"]
        .as_array()
        .unwrap_or_else(|| panic!("no reasons: {problem}"))
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(reasons.contains(&"at_capacity"), "{problem}");
    let problem = assert_slug(
        assign(
            &app,
            &coordinator,
            &second,
            &json!({"manager_id": ict_only}),
        )
        .await,
        409,
        "manager-not-eligible",
        "an off-track manager named",
    )
    .await;
    assert!(
        problem["reasons"]
            .as_array()
            .unwrap()
            .contains(&json!("off_track")),
        "{problem}"
    );
    let unknown = assign(
        &app,
        &coordinator,
        &second,
        &json!({"manager_id": Uuid::new_v4()}),
    )
    .await;
    assert_eq!(
        error_fields(&assert_problem(unknown, 422, "an unknown manager").await),
        ["manager_id"]
    );
    let second_view = ticket_of(&app, &coordinator, &second).await;
    assert_eq!(second_view["status"], "triaged");
    assert!(second_view["manager_id"].is_null());
    assert_eq!(
        manager_of(&app, &coordinator, &full).await["active_cases"],
        1
    );
    assert_eq!(
        manager_of(&app, &coordinator, &ict_only).await["active_cases"],
        0
    );

    assert_slug(
        app.delete(&format!("/v1/tickets/{second}/assignment"), &coordinator)
            .await,
        409,
        "illegal-transition",
        "releasing an unassigned case",
    )
    .await;
    assert_problem(
        assign(&app, &partner, &second, &json!({})).await,
        403,
        "a partner assigns",
    )
    .await;
    assert_problem(
        app.delete(&format!("/v1/tickets/{first}/assignment"), &partner)
            .await,
        403,
        "a partner releases",
    )
    .await;
    assert_eq!(
        ticket_of(&app, &coordinator, &first).await["manager_id"],
        full.as_str()
    );
}

#[tokio::test]
async fn outcomes_are_validated_and_a_refused_one_records_nothing() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "成果 一郎", &["labor"], 2).await;
    let id = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let path = format!("/v1/tickets/{id}/outcome");
    assert_slug(
        app.put_json(&path, &coordinator, &json!({"result": "withdrawn"}))
            .await,
        409,
        "illegal-transition",
        "an outcome on a triaged case",
    )
    .await;
    assign_to(&app, &coordinator, &id, &manager).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        ("unknown result", json!({"result": "success"}), "result"),
        ("missing result", json!({"measures": []}), "result"),
        (
            "unknown measure",
            json!({"result": "introduced", "measures": ["teleportation"]}),
            "measures",
        ),
        (
            "satisfaction 0",
            json!({"result": "introduced", "satisfaction": 0}),
            "satisfaction",
        ),
        (
            "satisfaction 6",
            json!({"result": "introduced", "satisfaction": 6}),
            "satisfaction",
        ),
        (
            "negative teleworkers",
            json!({"result": "introduced", "teleworkers": -1}),
            "teleworkers",
        ),
        (
            "oversized summary",
            json!({"result": "introduced", "summary": "あ".repeat(5001)}),
            "summary",
        ),
    ];
    for (why, body, field) in cases {
        let problem =
            assert_problem(app.put_json(&path, &coordinator, &body).await, 422, why).await;
        assert!(
            error_fields(&problem).iter().any(|f| f.starts_with(field)),
            "{why}: {problem}"
        );
    }
    let unchanged = ticket_of(&app, &coordinator, &id).await;
    assert_eq!(unchanged["status"], "assigned", "{unchanged}");
    assert!(unchanged["outcome"].is_null(), "{unchanged}");
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        1
    );
    assert!(
        !event_types(&events_of(&app, &coordinator, &id).await).contains(&"outcome.recorded"),
        "no outcome event"
    );

    // Referred before any session: straight from assigned.
    let resolved = expect_json(
        app.put_json(
            &path,
            &coordinator,
            &json!({"result": "referred", "measures": ["other"], "satisfaction": 1, "summary": "社労士会を紹介"}),
        )
        .await,
        200,
        "a valid outcome",
    )
    .await;
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["outcome"]["result"], "referred");
    assert_eq!(resolved["outcome"]["satisfaction"], 1);
    assert_eq!(
        manager_of(&app, &coordinator, &manager).await["active_cases"],
        0
    );
}

#[tokio::test]
async fn session_requests_are_validated() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    // Online only: cannot visit anyone.
    let online = new_manager(&app, &coordinator, "検証 一郎", &["labor"], 2).await;
    let id = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assert_slug(
        book(&app, &coordinator, &id, "2030-06-03T01:00:00Z", 60).await,
        409,
        "illegal-transition",
        "a session on an unassigned case",
    )
    .await;
    assign_to(&app, &coordinator, &id, &online).await;
    let path = format!("/v1/tickets/{id}/sessions");
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "too short",
            session("2030-06-03T01:00:00Z", 14, "online"),
            "duration_minutes",
        ),
        (
            "too long",
            session("2030-06-03T01:00:00Z", 481, "online"),
            "duration_minutes",
        ),
        (
            "not a time",
            session("next monday", 60, "online"),
            "starts_at",
        ),
        (
            "unknown mode",
            session("2030-06-03T01:00:00Z", 60, "phone"),
            "mode",
        ),
        (
            "onsite where not served",
            session("2030-06-03T01:00:00Z", 60, "onsite"),
            "mode",
        ),
    ];
    for (why, body, field) in cases {
        let response = app.post_json(&path, &coordinator, &body).await;
        let problem = assert_problem(response, 422, why).await;
        assert!(
            error_fields(&problem).iter().any(|f| f == field),
            "{why}: {problem}"
        );
    }
    let unknown = app
        .post_json(
            &path,
            &coordinator,
            &json!({"starts_at": "2030-06-03T01:00:00Z", "duration_minutes": 60,
                    "mode": "online", "status": "held"}),
        )
        .await;
    assert!(
        [400, 422].contains(&unknown.status().as_u16()),
        "an unknown field is refused"
    );
    assert!(sessions_of(&app, &coordinator, &id).await.is_empty());
    assert_eq!(
        ticket_of(&app, &coordinator, &id).await["status"],
        "assigned"
    );

    // An on-site manager for Tokyo may visit; one who is not online may not consult online.
    let visitor = app
        .create_manager(
            &coordinator,
            &json!({"name": "訪問 一郎", "email": "visit@example.jp", "tracks": ["labor"],
                    "prefectures": ["東京都"], "online": false, "onsite": true, "capacity": 2}),
        )
        .await;
    let visiting = routed_ticket(&app, &partner, &coordinator, "labor", &{
        let mut body = intake();
        body["preferred_mode"] = json!("either");
        body
    })
    .await;
    assign_to(&app, &coordinator, &visiting, &id_of(&visitor)).await;
    let refused = app
        .post_json(
            &format!("/v1/tickets/{visiting}/sessions"),
            &coordinator,
            &session("2030-06-03T01:00:00Z", 60, "online"),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(refused, 422, "online with an on-site-only manager").await),
        ["mode"]
    );
    let onsite = expect_json(
        app.post_json(
            &format!("/v1/tickets/{visiting}/sessions"),
            &coordinator,
            &session("2030-06-03T01:00:00Z", 60, "onsite"),
        )
        .await,
        201,
        "an on-site visit in Tokyo",
    )
    .await;
    assert_eq!(onsite["mode"], "onsite");

    let session_path = format!("/v1/sessions/{}", id_of(&onsite));
    let empty = app
        .patch_json(&session_path, &coordinator, None, &json!({}))
        .await;
    assert_problem(empty, 422, "an empty session patch").await;
    let bad = app
        .patch_json(
            &session_path,
            &coordinator,
            None,
            &json!({"status": "scheduled"}),
        )
        .await;
    assert_eq!(
        error_fields(&assert_problem(bad, 422, "back to scheduled").await),
        ["status"]
    );
    let no_show = expect_json(
        app.patch_json(
            &session_path,
            &coordinator,
            None,
            &json!({"status": "no_show"}),
        )
        .await,
        200,
        "no show",
    )
    .await;
    assert_eq!(no_show["status"], "no_show");
    assert_problem(
        app.patch_json(
            &format!("/v1/sessions/{}", Uuid::new_v4()),
            &coordinator,
            None,
            &json!({"status": "held"}),
        )
        .await,
        404,
        "an unknown session",
    )
    .await;
}
