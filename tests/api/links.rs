//! Cross-track cases: a coordinator opens the twin on the other track, or dismisses the
//! suggestion; both cases list each other, get `ticket.linked`, and the partner sees both.
use onestop::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

/// A question that needs both experts: remote access and devices, and work rules, allowances
/// and working hours.
pub(crate) fn cross_track_intake() -> Value {
    json!({
        "company": {"name": "株式会社リンク工業", "prefecture": "27", "industry": "E", "employees": 60},
        "contact": {"name": "佐藤 花子", "email": "sato@example.jp", "phone": "06-1234-5678"},
        "subject": "在宅勤務の導入",
        "description": "自宅から社内システムに入るVPNとノートパソコンを用意したい。あわせて就業規則に在宅勤務の規定を入れ、通信費の手当と労働時間の管理方法も決めたい。",
        "topics": ["ict.remote_access", "labor.work_rules"],
        "preferred_mode": "online"
    })
}

fn single_track_intake() -> Value {
    json!({
        "company": {"name": "株式会社ひとつ", "prefecture": "13"},
        "contact": {"name": "鈴木 一郎", "email": "suzuki@example.jp"},
        "subject": "在宅勤務の労働時間管理について",
        "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
        "topics": ["labor.working_hours", "labor.work_rules"],
        "preferred_mode": "online"
    })
}

async fn file(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post_json("/v1/tickets", token, body).await;
    assert_eq!(response.status().as_u16(), 201, "filing failed");
    response.json().await.unwrap()
}

async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    let response = app.get(&format!("/v1/tickets/{id}"), token).await;
    assert_eq!(response.status().as_u16(), 200, "reading {id}");
    response.json().await.unwrap()
}

async fn events(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let response = app.get(&format!("/v1/tickets/{id}/events"), token).await;
    assert_eq!(response.status().as_u16(), 200, "events of {id}");
    let events: Value = response.json().await.unwrap();
    events.as_array().unwrap().clone()
}

fn of_type<'a>(events: &'a [Value], event_type: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == event_type).collect()
}

#[tokio::test]
async fn a_cross_track_case_opens_its_twin_on_the_other_track_and_the_partner_sees_both() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let other_partner = app.token_with_role(Role::Partner).await;
    let manager = app.token_with_role(Role::Manager).await;
    let case = file(&app, &partner, &cross_track_intake()).await;
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["routing"]["cross_track"], true, "{case}");
    assert_eq!(case["suggested_link"], true);
    assert_eq!(case["linked_ticket_ids"], json!([]));
    let original_track = case["track"]
        .as_str()
        .or_else(|| case["routing"]["track"].as_str())
        .unwrap()
        .to_owned();
    let twin_track = if original_track == "ict" {
        "labor"
    } else {
        "ict"
    };

    let path = format!("/v1/tickets/{id}/links");
    let reason = json!({"reason": "労務の相談も必要なため労務管理の専門家にもつなぐ"});
    for (token, status, who) in [(&partner, 403, "partner"), (&manager, 403, "manager")] {
        let refused = app.post_json(&path, token, &reason).await;
        assert_problem(refused, status, who).await;
    }
    for bad in [
        json!({}),
        json!({"reason": "  "}),
        json!({"reason": "x".repeat(2001)}),
    ] {
        let refused = app.post_json(&path, &coordinator, &bad).await;
        assert_eq!(
            error_fields(&assert_problem(refused, 422, "a bad reason").await),
            ["reason"]
        );
    }
    let unknown = app
        .post_json(
            &format!("/v1/tickets/{}/links", uuid::Uuid::now_v7()),
            &coordinator,
            &reason,
        )
        .await;
    assert_problem(unknown, 404, "an unknown case").await;
    assert_eq!(
        read(&app, &coordinator, id).await["linked_ticket_ids"],
        json!([])
    );

    let response = app.post_json(&path, &coordinator, &reason).await;
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let twin: Value = response.json().await.unwrap();
    let twin_id = twin["id"].as_str().unwrap();
    assert_eq!(location, format!("/v1/tickets/{twin_id}"));
    assert_ne!(twin_id, id);
    assert_ne!(twin["reference"], case["reference"]);
    assert_eq!(twin["track"], twin_track);
    assert_eq!(twin["status"], "triaged");
    assert_eq!(twin["routing"]["method"], "manual");
    for same in [
        "partner_id",
        "channel",
        "contact",
        "subject",
        "description",
        "topics",
        "preferred_mode",
    ] {
        assert_eq!(twin[same], case[same], "{same}");
    }
    assert_eq!(twin["company"]["name"], case["company"]["name"]);
    assert_eq!(twin["company"]["prefecture"], case["company"]["prefecture"]);
    assert_eq!(twin["linked_ticket_ids"], json!([id]));
    assert_eq!(twin["suggested_link"], false);
    assert!(twin["sla"]["assignment_due"].is_string());
    assert_eq!(twin["manager_id"], Value::Null);

    let original = read(&app, &coordinator, id).await;
    assert_eq!(original["linked_ticket_ids"], json!([twin_id]));
    assert_eq!(original["suggested_link"], false);
    assert_eq!(
        original["track"], case["track"],
        "the original keeps its track"
    );

    // The partner sees both, in reads and in its list; another partner sees neither.
    assert_eq!(
        read(&app, &partner, twin_id).await["linked_ticket_ids"],
        json!([id])
    );
    let listed: Value = app
        .get("/v1/tickets?limit=50", &partner)
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&id) && ids.contains(&twin_id), "{ids:?}");
    for hidden in [id, twin_id] {
        let response = app
            .get(&format!("/v1/tickets/{hidden}"), &other_partner)
            .await;
        assert_problem(response, 404, "another partner's linked case").await;
    }

    // ticket.linked on both, each naming the other, with the reason; the twin was created
    // and routed by the coordinator.
    let on_original = events(&app, &coordinator, id).await;
    let linked = of_type(&on_original, "ticket.linked");
    assert_eq!(linked.len(), 1, "{on_original:?}");
    assert_eq!(linked[0]["data"]["linked_ticket_id"], twin_id);
    assert_eq!(linked[0]["data"]["linked_reference"], twin["reference"]);
    assert_eq!(linked[0]["data"]["reason"], reason["reason"]);
    let on_twin = events(&app, &coordinator, twin_id).await;
    let linked = of_type(&on_twin, "ticket.linked");
    assert_eq!(linked.len(), 1, "{on_twin:?}");
    assert_eq!(linked[0]["data"]["linked_ticket_id"], id);
    assert_eq!(of_type(&on_twin, "ticket.created").len(), 1);
    let routed = of_type(&on_twin, "ticket.routed");
    assert_eq!(routed.len(), 1);
    assert_eq!(routed[0]["data"]["track"], twin_track);
    // The partner reads the link on both of its cases, without the center's reason.
    for (case_id, other) in [(id, twin_id), (twin_id, id)] {
        let seen = events(&app, &partner, case_id).await;
        let linked = of_type(&seen, "ticket.linked");
        assert_eq!(linked.len(), 1, "{seen:?}");
        assert_eq!(linked[0]["data"]["linked_ticket_id"], other);
        assert_eq!(linked[0]["data"].get("reason"), None);
    }

    // One twin per case: linking again, either side, is 409 naming it, and changes nothing.
    let again = app.post_json(&path, &coordinator, &reason).await;
    let problem = assert_problem(again, 409, "linking twice").await;
    assert_eq!(problem["linked_ticket_id"], twin_id);
    let from_twin = app
        .post_json(
            &format!("/v1/tickets/{twin_id}/links"),
            &coordinator,
            &reason,
        )
        .await;
    assert_problem(from_twin, 409, "linking the twin").await;
    let dismissed = app
        .post_json(&format!("{path}/dismissal"), &coordinator, &reason)
        .await;
    assert_problem(dismissed, 409, "dismissing a linked case").await;
    assert_eq!(
        of_type(&events(&app, &coordinator, id).await, "ticket.linked").len(),
        1
    );
}

#[tokio::test]
async fn two_coordinators_linking_at_once_open_one_twin() {
    let app = spawn_app().await;
    let first = app.token_with_role(Role::Coordinator).await;
    let second = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let case = file(&app, &partner, &cross_track_intake()).await;
    let id = case["id"].as_str().unwrap();
    let path = format!("/v1/tickets/{id}/links");
    let reason = json!({"reason": "両方の専門家が必要"});
    let (a, b) = tokio::join!(
        app.post_json(&path, &first, &reason),
        app.post_json(&path, &second, &reason)
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [201, 409]);
    let listed: Value = app
        .get("/v1/tickets?limit=50", &partner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        2,
        "one case and one twin"
    );
}

#[tokio::test]
async fn a_dismissed_suggestion_ends_and_only_cross_track_cases_suggest_a_link() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let single = file(&app, &partner, &single_track_intake()).await;
    assert_eq!(single["routing"]["cross_track"], false);
    assert_eq!(single["suggested_link"], false);

    let case = file(&app, &partner, &cross_track_intake()).await;
    let id = case["id"].as_str().unwrap();
    assert_eq!(case["suggested_link"], true);
    let path = format!("/v1/tickets/{id}/links/dismissal");
    let by_partner = app
        .post_json(&path, &partner, &json!({"reason": "不要"}))
        .await;
    assert_problem(by_partner, 403, "a partner dismisses").await;
    let response = app
        .post_json(
            &path,
            &coordinator,
            &json!({"reason": "ICTの相談だけで足りると確認した"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let dismissed: Value = response.json().await.unwrap();
    assert_eq!(dismissed["suggested_link"], false);
    assert_eq!(dismissed["linked_ticket_ids"], json!([]));
    assert_eq!(read(&app, &partner, id).await["suggested_link"], false);
    let updated = events(&app, &coordinator, id).await;
    let updated = of_type(&updated, "ticket.updated");
    assert_eq!(updated.len(), 1);
    assert_eq!(updated[0]["data"]["fields"], json!(["suggested_link"]));
    assert_eq!(
        updated[0]["data"]["reason"],
        "ICTの相談だけで足りると確認した"
    );

    // A coordinator who changes their mind can still open the twin.
    let linked = app
        .post_json(
            &format!("/v1/tickets/{id}/links"),
            &coordinator,
            &json!({"reason": "やはり労務の相談も必要"}),
        )
        .await;
    assert_eq!(linked.status().as_u16(), 201);

    // A cancelled case neither links nor dismisses.
    let cancelled = file(&app, &partner, &cross_track_intake()).await;
    let cancelled_id = cancelled["id"].as_str().unwrap();
    let response = app
        .post_json(
            &format!("/v1/tickets/{cancelled_id}/transitions"),
            &partner,
            &json!({"to": "cancelled", "reason": "取り下げ"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    for suffix in ["links", "links/dismissal"] {
        let refused = app
            .post_json(
                &format!("/v1/tickets/{cancelled_id}/{suffix}"),
                &coordinator,
                &json!({"reason": "両方"}),
            )
            .await;
        let problem = assert_problem(refused, 409, suffix).await;
        assert!(
            problem["type"].as_str().unwrap().ends_with("not-linkable"),
            "{problem}"
        );
    }
}
