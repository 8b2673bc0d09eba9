//! Merging duplicates: the duplicate ends `merged`, its sessions move to the survivor (and are
//! counted once), both cases get `ticket.merged`, each partner keeps seeing its own case (the
//! survivor named only to those who see it), the refusals, and concurrent merges.
use chrono::Utc;
use onestop::{auth::Role, domain::fiscal_year::FiscalYear};
use serde_json::{Value, json};

use crate::consulting::{
    assert_slug, assign_to, events_of, expect_json, id_of, intake, intake_of_company, manager_of,
    new_manager, routed_ticket, ticket_of,
};
use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

/// `POST /v1/tickets/{id}/merge` with `body`.
async fn merge(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/v1/tickets/{id}/merge"), token, body)
        .await
}

/// Files `body` as `partner`; returns the case id.
async fn filed(app: &TestApp, partner: &str, body: &Value) -> String {
    id_of(
        &expect_json(
            app.post_json("/v1/tickets", partner, body).await,
            201,
            "filing",
        )
        .await,
    )
}

async fn comment(app: &TestApp, token: &str, id: &str, body: &str, visibility: &str) -> String {
    id_of(
        &expect_json(
            app.post_json(
                &format!("/v1/tickets/{id}/comments"),
                token,
                &json!({"body": body, "visibility": visibility}),
            )
            .await,
            201,
            "commenting",
        )
        .await,
    )
}

async fn comments_of(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    expect_json(
        app.get(&format!("/v1/tickets/{id}/comments"), token).await,
        200,
        "reading comments",
    )
    .await
    .as_array()
    .unwrap()
    .clone()
}

async fn book(app: &TestApp, token: &str, id: &str, starts_at: &str) -> reqwest::Response {
    app.post_json(
        &format!("/v1/tickets/{id}/sessions"),
        token,
        &json!({"starts_at": starts_at, "duration_minutes": 60, "mode": "online"}),
    )
    .await
}

/// The data of the case's only `ticket.merged` event, as `token` sees it.
async fn merged_event(app: &TestApp, token: &str, id: &str) -> Value {
    let merged: Vec<Value> = events_of(app, token, id)
        .await
        .into_iter()
        .filter(|event| event["type"] == "ticket.merged")
        .collect();
    assert_eq!(merged.len(), 1, "one ticket.merged on {id}: {merged:?}");
    merged[0]["data"].clone()
}

#[tokio::test]
async fn a_duplicate_from_another_partner_is_merged_with_its_sessions_counted_once_and_each_partner_sees_its_own()
 {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner_a = app.token_with_role(Role::Partner).await;
    let partner_b = app.token_with_role(Role::Partner).await;
    let first_manager = new_manager(&app, &coordinator, "統合 一郎", &["labor"], 1).await;
    let second_manager = new_manager(&app, &coordinator, "統合 二郎", &["labor"], 1).await;
    // The same company asks through two partners.
    let duplicate = routed_ticket(&app, &partner_a, &coordinator, "labor", &intake()).await;
    let survivor = routed_ticket(&app, &partner_b, &coordinator, "labor", &intake()).await;
    assign_to(&app, &coordinator, &duplicate, &first_manager).await;
    assign_to(&app, &coordinator, &survivor, &second_manager).await;
    let on_duplicate = expect_json(
        book(&app, &coordinator, &duplicate, "2030-06-03T01:00:00Z").await,
        201,
        "a session on the duplicate",
    )
    .await;
    let on_survivor = expect_json(
        book(&app, &coordinator, &survivor, "2030-06-10T01:00:00Z").await,
        201,
        "a session on the survivor",
    )
    .await;
    assert_eq!(on_survivor["free_sessions_remaining"], 1, "{on_survivor}");
    let a_note = comment(
        &app,
        &partner_a,
        &duplicate,
        "先日の相談の続きです",
        "partner",
    )
    .await;
    let internal = comment(
        &app,
        &coordinator,
        &duplicate,
        "B経由の案件と重複",
        "internal",
    )
    .await;
    let b_note = comment(
        &app,
        &partner_b,
        &survivor,
        "よろしくお願いします",
        "partner",
    )
    .await;
    let survivor_before = ticket_of(&app, &coordinator, &survivor).await;

    let merged = expect_json(
        merge(
            &app,
            &coordinator,
            &duplicate,
            &json!({"into": survivor, "reason": "同じ会社からの重複相談"}),
        )
        .await,
        200,
        "merging",
    )
    .await;
    assert_eq!(merged["status"], "merged", "{merged}");
    assert_eq!(merged["merged_into"], survivor.as_str(), "{merged}");
    assert_eq!(merged["merge"]["merged_by"], "center");
    assert_eq!(merged["merge"]["into"], survivor.as_str());
    assert_eq!(
        merged["merge"]["into_reference"],
        survivor_before["reference"]
    );
    let survivor_after = ticket_of(&app, &coordinator, &survivor).await;
    assert!(survivor_after["merged_into"].is_null());
    assert_eq!(survivor_after["status"], survivor_before["status"]);
    assert!(
        survivor_after["version"].as_i64() > survivor_before["version"].as_i64(),
        "the survivor changed: {survivor_after}"
    );
    // The duplicate's manager has their place back.
    assert_eq!(
        manager_of(&app, &coordinator, &first_manager).await["active_cases"],
        0
    );

    // The sessions moved, and the company's free sessions are counted once: two used of
    // three, one left; the fourth is refused.
    let sessions = expect_json(
        app.get(&format!("/v1/tickets/{survivor}/sessions"), &coordinator)
            .await,
        200,
        "the survivor's sessions",
    )
    .await;
    let items = sessions["items"].as_array().unwrap();
    assert_eq!(
        items.iter().map(id_of).collect::<Vec<_>>(),
        vec![id_of(&on_duplicate), id_of(&on_survivor)],
        "{sessions}"
    );
    assert!(items.iter().all(|s| s["ticket_id"] == survivor.as_str()));
    assert!(items.iter().all(|s| s["free_sessions_remaining"] == 1));
    assert_eq!(
        items[0]["manager_id"],
        first_manager.as_str(),
        "a session keeps its manager"
    );
    let duplicate_sessions = expect_json(
        app.get(&format!("/v1/tickets/{duplicate}/sessions"), &coordinator)
            .await,
        200,
        "the duplicate's sessions",
    )
    .await;
    assert!(duplicate_sessions["items"].as_array().unwrap().is_empty());
    let third = expect_json(
        book(&app, &coordinator, &survivor, "2030-06-17T01:00:00Z").await,
        201,
        "the third free session",
    )
    .await;
    assert_eq!(third["free_sessions_remaining"], 0, "{third}");
    assert_slug(
        book(&app, &coordinator, &survivor, "2030-06-24T01:00:00Z").await,
        409,
        "free-sessions-used-up",
        "a fourth session after the merge",
    )
    .await;

    // Both cases have their events; the center's carry the reason.
    let duplicate_events: Vec<String> = events_of(&app, &coordinator, &duplicate)
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_owned())
        .collect();
    let tail = &duplicate_events[duplicate_events.len() - 3..];
    assert_eq!(
        tail,
        ["ticket.status_changed", "ticket.released", "ticket.merged"],
        "{duplicate_events:?}"
    );
    let center_view = merged_event(&app, &coordinator, &duplicate).await;
    assert_eq!(center_view["side"], "duplicate");
    assert_eq!(center_view["reason"], "同じ会社からの重複相談");
    assert_eq!(center_view["sessions_moved"], 1);
    let survivor_event = merged_event(&app, &coordinator, &survivor).await;
    assert_eq!(survivor_event["side"], "survivor");

    // Partner A keeps its case, which says the center merged it but not into what.
    let seen_by_a = ticket_of(&app, &partner_a, &duplicate).await;
    assert_eq!(seen_by_a["status"], "merged");
    assert!(seen_by_a["merged_into"].is_null(), "{seen_by_a}");
    assert_eq!(seen_by_a["merge"]["merged_by"], "center");
    assert!(seen_by_a["merge"]["into"].is_null(), "{seen_by_a}");
    assert!(seen_by_a["merge"]["into_reference"].is_null());
    assert_problem(
        app.get(&format!("/v1/tickets/{survivor}"), &partner_a)
            .await,
        404,
        "A never sees B's case",
    )
    .await;
    let a_event = merged_event(&app, &partner_a, &duplicate).await;
    assert_eq!(a_event["merged_by_center"], true, "{a_event}");
    for hidden in ["merged_into", "merged_into_reference", "reason"] {
        assert!(a_event.get(hidden).is_none(), "{hidden}: {a_event}");
    }
    let a_comments: Vec<String> = comments_of(&app, &partner_a, &duplicate)
        .await
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(a_comments, vec![a_note.clone()], "A's own comments stay");

    // Partner B sees its case unchanged, without A's case or A's words.
    let seen_by_b = ticket_of(&app, &partner_b, &survivor).await;
    assert_eq!(seen_by_b["status"], survivor_before["status"]);
    assert!(seen_by_b["merge"].is_null());
    let b_event = merged_event(&app, &partner_b, &survivor).await;
    assert!(b_event.get("merged_from").is_none(), "{b_event}");
    let b_comments: Vec<String> = comments_of(&app, &partner_b, &survivor)
        .await
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(b_comments, vec![b_note.clone()], "A's comments stay with A");

    // The center reads the duplicate's comments with the survivor's.
    let center_comments = comments_of(&app, &coordinator, &survivor).await;
    let listed: Vec<(String, String)> = center_comments
        .iter()
        .map(|c| (id_of(c), c["ticket_id"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        listed,
        vec![
            (a_note, duplicate.clone()),
            (internal, duplicate.clone()),
            (b_note, survivor.clone())
        ]
    );
}

#[tokio::test]
async fn a_duplicate_from_the_same_partner_points_to_the_survivor_and_is_counted_once() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let survivor = filed(&app, &partner, &intake()).await;
    let duplicate = filed(&app, &partner, &intake()).await;
    let survivor_view = ticket_of(&app, &partner, &survivor).await;
    let note = comment(
        &app,
        &partner,
        &duplicate,
        "二度目の問い合わせです",
        "partner",
    )
    .await;
    let year = FiscalYear::of_instant(Utc::now()).year();
    let report = format!("/v1/reports/summary?fiscal_year={year}");
    let before = expect_json(app.get(&report, &coordinator).await, 200, "report").await;
    assert_eq!(before["totals"]["received"], 2, "{before}");

    expect_json(
        merge(
            &app,
            &coordinator,
            &duplicate,
            &json!({"into": survivor, "reason": "重複"}),
        )
        .await,
        200,
        "merging",
    )
    .await;
    let seen = ticket_of(&app, &partner, &duplicate).await;
    assert_eq!(seen["status"], "merged");
    assert_eq!(seen["merged_into"], survivor.as_str(), "{seen}");
    assert_eq!(seen["merge"]["into_reference"], survivor_view["reference"]);
    let on_duplicate = merged_event(&app, &partner, &duplicate).await;
    assert_eq!(
        on_duplicate["merged_into"],
        survivor.as_str(),
        "{on_duplicate}"
    );
    assert_eq!(
        on_duplicate["merged_into_reference"],
        survivor_view["reference"]
    );
    let on_survivor = merged_event(&app, &partner, &survivor).await;
    assert_eq!(
        on_survivor["merged_from"],
        duplicate.as_str(),
        "{on_survivor}"
    );
    let comments = comments_of(&app, &partner, &survivor).await;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["id"], note.as_str());
    assert_eq!(comments[0]["ticket_id"], duplicate.as_str());
    let listed = expect_json(
        app.get("/v1/tickets?status=merged", &partner).await,
        200,
        "the list",
    )
    .await;
    assert_eq!(listed["items"][0]["merged_into"], survivor.as_str());

    // One company's question is one received case in the report.
    let after = expect_json(app.get(&report, &coordinator).await, 200, "report").await;
    assert_eq!(after["totals"]["received"], 1, "{after}");

    // Merged is final: no move, no link, no second merge.
    assert_slug(
        app.post_json(
            &format!("/v1/tickets/{duplicate}/transitions"),
            &coordinator,
            &json!({"to": "cancelled", "reason": "test"}),
        )
        .await,
        409,
        "illegal-transition",
        "cancelling a merged case",
    )
    .await;
    assert_slug(
        app.post_json(
            &format!("/v1/tickets/{duplicate}/links"),
            &coordinator,
            &json!({"reason": "両方の専門が必要"}),
        )
        .await,
        409,
        "not-linkable",
        "linking a merged case",
    )
    .await;
}

#[tokio::test]
async fn merges_that_cannot_be_made_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let one = filed(&app, &partner, &intake()).await;
    let two = filed(&app, &partner, &intake()).await;
    let three = filed(&app, &partner, &intake()).await;
    let other_company = filed(&app, &partner, &intake_of_company("株式会社べつの会社")).await;
    let cancelled = filed(&app, &partner, &intake()).await;
    expect_json(
        app.post_json(
            &format!("/v1/tickets/{cancelled}/transitions"),
            &coordinator,
            &json!({"to": "cancelled", "reason": "取り下げ"}),
        )
        .await,
        200,
        "cancelling",
    )
    .await;
    let before = ticket_of(&app, &coordinator, &one).await;

    let problem = assert_slug(
        merge(
            &app,
            &coordinator,
            &one,
            &json!({"into": other_company, "reason": "重複"}),
        )
        .await,
        409,
        "different-companies",
        "another company without force",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("株式会社べつの会社"),
        "names why: {problem}"
    );
    assert_slug(
        merge(
            &app,
            &coordinator,
            &one,
            &json!({"into": cancelled, "reason": "重複"}),
        )
        .await,
        409,
        "not-mergeable",
        "into a cancelled case",
    )
    .await;
    let bad_bodies = [
        (json!({"into": one, "reason": "重複"}), "into", "itself"),
        (
            json!({"into": "0195a4b2-6f2d-7c4e-9a1b-2c3d4e5f6a7b", "reason": "重複"}),
            "into",
            "no such case",
        ),
        (
            json!({"into": two, "reason": "  "}),
            "reason",
            "a blank reason",
        ),
        (
            json!({"into": two, "reason": "x".repeat(2001)}),
            "reason",
            "a reason too long",
        ),
    ];
    for (body, field, why) in bad_bodies {
        let problem = assert_problem(merge(&app, &coordinator, &one, &body).await, 422, why).await;
        assert_eq!(error_fields(&problem), vec![field], "{why}: {problem}");
    }
    for (body, why) in [
        (json!({"reason": "重複"}), "no into"),
        (json!({"into": "not-a-uuid", "reason": "重複"}), "a bad id"),
        (
            json!({"into": two, "reason": "重複", "extra": 1}),
            "an unknown field",
        ),
    ] {
        let status = merge(&app, &coordinator, &one, &body)
            .await
            .status()
            .as_u16();
        assert!(status == 400 || status == 422, "{why}: {status}");
    }
    for role in [Role::Partner, Role::Manager, Role::Admin, Role::Analyst] {
        let token = if role == Role::Partner {
            partner.clone()
        } else {
            app.token_with_role(role).await
        };
        assert_problem(
            merge(&app, &token, &one, &json!({"into": two, "reason": "重複"})).await,
            403,
            "only coordinators merge",
        )
        .await;
    }
    let after = ticket_of(&app, &coordinator, &one).await;
    assert_eq!(after["status"], before["status"]);
    assert_eq!(
        after["version"], before["version"],
        "refusals change nothing"
    );

    // With force, another company's case can be the survivor.
    let forced = expect_json(
        merge(
            &app,
            &coordinator,
            &three,
            &json!({"into": other_company, "reason": "法人番号の付け忘れ", "force": true}),
        )
        .await,
        200,
        "a forced merge",
    )
    .await;
    assert_eq!(forced["merged_into"], other_company.as_str());
    assert_eq!(
        merged_event(&app, &coordinator, &three).await["force"],
        true
    );

    // Never into a merged case, and never a merged case again.
    let problem = assert_slug(
        merge(
            &app,
            &coordinator,
            &one,
            &json!({"into": three, "reason": "重複"}),
        )
        .await,
        409,
        "not-mergeable",
        "into a merged case",
    )
    .await;
    assert_eq!(problem["merged_into"], other_company.as_str(), "{problem}");
    assert_slug(
        merge(
            &app,
            &coordinator,
            &three,
            &json!({"into": two, "reason": "重複"}),
        )
        .await,
        409,
        "illegal-transition",
        "a merged case again",
    )
    .await;
}

#[tokio::test]
async fn concurrent_merges_of_one_pair_make_exactly_one_merge() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let first = filed(&app, &partner, &intake()).await;
    let second = filed(&app, &partner, &intake()).await;
    let second_instance = app.another_instance().await;
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let mut handles = Vec::new();
    for n in 0..8 {
        let (from, into) = if n % 2 == 0 {
            (first.clone(), second.clone())
        } else {
            (second.clone(), first.clone())
        };
        let address = if n % 4 < 2 {
            app.address.clone()
        } else {
            second_instance.address.clone()
        };
        let request = app
            .api
            .post(format!("{address}/v1/tickets/{from}/merge"))
            .bearer_auth(&coordinator)
            .json(&json!({"into": into, "reason": "同時の統合"}));
        let barrier = barrier.clone();
        handles.push(tokio::spawn(async move {
            barrier.wait().await;
            request.send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for handle in handles {
        statuses.push(handle.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|&s| s == 200 || s == 409),
        "{statuses:?}"
    );
    let a = ticket_of(&app, &coordinator, &first).await;
    let b = ticket_of(&app, &coordinator, &second).await;
    let merged: Vec<&Value> = [&a, &b]
        .into_iter()
        .filter(|case| case["status"] == "merged")
        .collect();
    assert_eq!(merged.len(), 1, "one of the pair is merged: {a} {b}");
    let survivor = if a["status"] == "merged" { &b } else { &a };
    assert_eq!(merged[0]["merged_into"], survivor["id"]);
    for id in [&first, &second] {
        merged_event(&app, &coordinator, id).await;
    }
}
