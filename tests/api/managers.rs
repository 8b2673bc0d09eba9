//! The roster of telework managers: registration, validation, reading, editing, roles, and
//! the candidates ranking a coordinator reads before assigning.
use std::collections::HashSet;

use onestop::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::consulting::{
    assert_slug, assign_to, expect_json, id_of, intake, new_manager, routed_ticket,
};
use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

/// Registers a manager; returns their id.
async fn create(app: &TestApp, coordinator: &str, body: Value) -> String {
    id_of(&app.create_manager(coordinator, &body).await)
}

/// The ids of a `{items, next_cursor}` page.
fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a page: {page}"))
        .iter()
        .map(id_of)
        .collect()
}

/// Every manager `token` can list, following the cursor.
async fn all_managers(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut path = format!("/v1/managers?{query}");
    for _ in 0..50 {
        let page = expect_json(app.get(&path, token).await, 200, &path).await;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/managers?{query}&cursor={cursor}"),
            None => return seen,
        }
    }
    panic!("the manager list does not end");
}

fn as_set(value: &Value) -> HashSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

fn set(items: &[&str]) -> HashSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test]
async fn coordinators_register_read_list_and_edit_managers() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let body = json!({
        "name": "佐藤 花子", "email": "hanako.sato@example.jp", "tracks": ["labor", "ict"],
        "topics": ["labor.work_rules", "ict.security"], "prefectures": ["東京都", "14"],
        "onsite": true, "capacity": 3
    });
    let response = app.post_json("/v1/managers", &coordinator, &body).await;
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    let id = id_of(&created);
    assert_eq!(location, format!("/v1/managers/{id}"));
    assert_eq!(etag, format!("\"{}\"", created["version"]));
    assert_eq!(created["name"], "佐藤 花子");
    assert_eq!(created["email"], "hanako.sato@example.jp");
    assert_eq!(as_set(&created["tracks"]), set(&["labor", "ict"]));
    assert_eq!(
        as_set(&created["topics"]),
        set(&["labor.work_rules", "ict.security"])
    );
    assert_eq!(as_set(&created["prefectures"]), set(&["13", "14"]), "codes");
    assert_eq!(created["online"], true, "online by default");
    assert_eq!(created["onsite"], true);
    assert_eq!(created["capacity"], 3);
    assert_eq!(created["active"], true, "active by default");
    assert_eq!(created["active_cases"], 0);
    assert!(created["last_assigned_at"].is_null());
    assert!(created["created_at"].is_string() && created["updated_at"].is_string());

    let fetched = app.get(&location, &coordinator).await;
    assert_eq!(fetched.status().as_u16(), 200);
    assert_eq!(fetched.headers()["etag"].to_str().unwrap(), etag);
    let fetched: Value = fetched.json().await.unwrap();
    assert_eq!(fetched, created);

    // Defaults of a minimal body.
    let minimal = app
        .create_manager(
            &coordinator,
            &json!({"name": "鈴木 一郎", "email": "ichiro@example.jp", "tracks": ["ict"], "capacity": 0}),
        )
        .await;
    assert_eq!(minimal["topics"], json!([]));
    assert_eq!(minimal["prefectures"], json!([]));
    assert_eq!(minimal["online"], true);
    assert_eq!(minimal["onsite"], false);
    assert_eq!(minimal["active"], true);
    assert_eq!(minimal["capacity"], 0);
    let third = new_manager(&app, &coordinator, "高橋 次郎", &["labor"], 1000).await;

    // Edits: a stale If-Match is refused, the current one and none are accepted.
    assert_problem(
        app.patch_json(
            &location,
            &coordinator,
            Some("\"99\""),
            &json!({"capacity": 5}),
        )
        .await,
        412,
        "a stale If-Match",
    )
    .await;
    let response = app
        .patch_json(
            &location,
            &coordinator,
            Some(&etag),
            &json!({"capacity": 5, "active": false}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let new_etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let edited: Value = response.json().await.unwrap();
    assert_eq!(edited["capacity"], 5);
    assert_eq!(edited["active"], false);
    assert_eq!(edited["name"], "佐藤 花子", "untouched fields stay");
    assert!(edited["version"].as_i64().unwrap() > created["version"].as_i64().unwrap());
    assert_ne!(new_etag, etag);
    assert_problem(
        app.patch_json(
            &location,
            &coordinator,
            Some(&etag),
            &json!({"capacity": 6}),
        )
        .await,
        412,
        "the old ETag again",
    )
    .await;
    let renamed = expect_json(
        app.patch_json(
            &location,
            &coordinator,
            None,
            &json!({"name": "佐藤 花子（改）", "tracks": ["labor"], "prefectures": ["大阪府"]}),
        )
        .await,
        200,
        "an edit without If-Match",
    )
    .await;
    assert_eq!(renamed["name"], "佐藤 花子（改）");
    assert_eq!(renamed["tracks"], json!(["labor"]));
    assert_eq!(renamed["prefectures"], json!(["27"]));
    for (why, change, field) in [
        ("negative capacity", json!({"capacity": -1}), "capacity"),
        (
            "onsite without prefectures",
            json!({"prefectures": []}),
            "prefectures",
        ),
        ("no track", json!({"tracks": []}), "tracks"),
        ("bad e-mail", json!({"email": "sato@"}), "email"),
    ] {
        let problem = assert_problem(
            app.patch_json(&location, &coordinator, None, &change).await,
            422,
            why,
        )
        .await;
        assert!(
            error_fields(&problem).iter().any(|f| f.starts_with(field)),
            "{why}: {problem}"
        );
    }
    let after = expect_json(app.get(&location, &coordinator).await, 200, "re-reading").await;
    assert_eq!(
        after["version"], renamed["version"],
        "refused edits changed nothing"
    );
    assert_eq!(after["capacity"], 5);
    assert_problem(
        app.get(&format!("/v1/managers/{}", Uuid::new_v4()), &coordinator)
            .await,
        404,
        "an unknown manager",
    )
    .await;
    assert_problem(
        app.patch_json(
            &format!("/v1/managers/{}", Uuid::new_v4()),
            &coordinator,
            None,
            &json!({"capacity": 1}),
        )
        .await,
        404,
        "editing an unknown manager",
    )
    .await;

    // Lists, filters and pages.
    let everyone: HashSet<String> = all_managers(&app, &coordinator, "limit=1")
        .await
        .into_iter()
        .collect();
    assert_eq!(everyone, set(&[&id, &id_of(&minimal), &third]));
    let page = expect_json(
        app.get("/v1/managers?limit=2", &coordinator).await,
        200,
        "page",
    )
    .await;
    assert_eq!(ids(&page).len(), 2);
    assert!(page["next_cursor"].is_string());
    let labor: HashSet<String> = all_managers(&app, &coordinator, "track=labor")
        .await
        .into_iter()
        .collect();
    assert_eq!(labor, set(&[&id, &third]));
    assert_eq!(
        all_managers(&app, &coordinator, "track=ict").await,
        [id_of(&minimal)]
    );
    assert_eq!(
        all_managers(&app, &coordinator, "active=false").await,
        std::slice::from_ref(&id)
    );
    let admin = app.admin_token().await;
    assert_eq!(all_managers(&app, &admin, "active=true").await.len(), 2);

    // Idempotent registration.
    let mut answers = Vec::new();
    for _ in 0..2 {
        let response = app
            .api
            .post(app.url("/v1/managers"))
            .bearer_auth(&coordinator)
            .header("idempotency-key", "manager-1")
            .json(&json!({"name": "冪等 三郎", "email": "saburo@example.jp", "tracks": ["ict"], "capacity": 2}))
            .send()
            .await
            .unwrap();
        answers.push(expect_json(response, 201, "an idempotent registration").await);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(all_managers(&app, &coordinator, "").await.len(), 4);

    // Roles.
    let partner = app.token_with_role(Role::Partner).await;
    let analyst = app.token_with_role(Role::Analyst).await;
    for (who, token) in [("a partner", &partner), ("an analyst", &analyst)] {
        assert_problem(
            app.post_json("/v1/managers", token, &body).await,
            403,
            &format!("{who} registers"),
        )
        .await;
        assert_problem(
            app.get("/v1/managers", token).await,
            403,
            &format!("{who} lists"),
        )
        .await;
    }
    let manager_client = app.manager_token(third.parse().unwrap()).await;
    assert_eq!(
        all_managers(&app, &manager_client, "").await,
        std::slice::from_ref(&third)
    );
    assert_eq!(
        expect_json(
            app.get(&format!("/v1/managers/{third}"), &manager_client)
                .await,
            200,
            "a manager reads themselves"
        )
        .await["id"],
        third.as_str()
    );
    assert_problem(
        app.get(&location, &manager_client).await,
        404,
        "a manager reads another",
    )
    .await;
    assert_problem(
        app.post_json("/v1/managers", &manager_client, &body).await,
        403,
        "a manager registers",
    )
    .await;
    assert_problem(
        app.patch_json(
            &format!("/v1/managers/{third}"),
            &manager_client,
            None,
            &json!({"capacity": 999}),
        )
        .await,
        403,
        "a manager edits themselves",
    )
    .await;
    assert_eq!(all_managers(&app, &coordinator, "").await.len(), 4);
}

#[tokio::test]
async fn invalid_managers_name_the_field_and_create_nothing() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let valid = json!({"name": "検証 太郎", "email": "taro@example.jp", "tracks": ["labor"], "capacity": 2});
    let with = |key: &str, value: Value| {
        let mut body = valid.clone();
        body[key] = value;
        body
    };
    let without = |key: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(key);
        body
    };
    let cases: Vec<(&str, Value, &str)> = vec![
        ("empty name", with("name", json!("")), "name"),
        ("long name", with("name", json!("あ".repeat(101))), "name"),
        ("missing name", without("name"), "name"),
        ("bad e-mail", with("email", json!("taro@")), "email"),
        ("missing e-mail", without("email"), "email"),
        ("no track", with("tracks", json!([])), "tracks"),
        (
            "repeated track",
            with("tracks", json!(["labor", "labor"])),
            "tracks",
        ),
        (
            "unknown track",
            with("tracks", json!(["finance"])),
            "tracks",
        ),
        (
            "three tracks",
            with("tracks", json!(["ict", "labor", "ict"])),
            "tracks",
        ),
        ("missing tracks", without("tracks"), "tracks"),
        (
            "unknown topic",
            with("topics", json!(["labor.work_rules", "ict.blockchain"])),
            "topics",
        ),
        (
            "unknown prefecture",
            with("prefectures", json!(["48"])),
            "prefectures",
        ),
        ("negative capacity", with("capacity", json!(-1)), "capacity"),
        (
            "capacity over 1000",
            with("capacity", json!(1001)),
            "capacity",
        ),
        (
            "capacity as text",
            with("capacity", json!("many")),
            "capacity",
        ),
        ("missing capacity", without("capacity"), "capacity"),
        ("online as text", with("online", json!("yes")), "online"),
        (
            "onsite without prefectures",
            with("onsite", json!(true)),
            "prefectures",
        ),
    ];
    for (why, body, field) in cases {
        let problem = assert_problem(
            app.post_json("/v1/managers", &coordinator, &body).await,
            422,
            why,
        )
        .await;
        assert!(
            error_fields(&problem).iter().any(|f| f.starts_with(field)),
            "{why}: {problem}"
        );
    }
    for field in ["active_cases", "id", "last_assigned_at"] {
        let response = app
            .post_json("/v1/managers", &coordinator, &with(field, json!(3)))
            .await;
        let status = response.status().as_u16();
        assert!([400, 422].contains(&status), "{field} is refused: {status}");
        if status == 422 {
            let problem = response.json::<Value>().await.unwrap();
            assert!(
                error_fields(&problem).iter().any(|f| f == field),
                "{problem}"
            );
        }
    }
    let listed = expect_json(app.get("/v1/managers", &coordinator).await, 200, "list").await;
    assert_eq!(ids(&listed), Vec::<String>::new(), "nothing was created");

    // The bounds themselves are valid.
    for capacity in [0, 1000] {
        let mut body = with("capacity", json!(capacity));
        body["email"] = json!(format!("taro{capacity}@example.jp"));
        let created = app.create_manager(&coordinator, &body).await;
        assert_eq!(created["capacity"], capacity);
    }
    let onsite = app
        .create_manager(
            &coordinator,
            &json!({"name": "訪問 花子", "email": "visit@example.jp", "tracks": ["ict", "labor"],
                    "onsite": true, "online": false, "prefectures": ["北海道"], "capacity": 1}),
        )
        .await;
    assert_eq!(onsite["prefectures"], json!(["01"]));
}

#[tokio::test]
async fn candidates_are_ranked_with_their_score_and_the_ineligible_say_why() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = |name: &str, extra: Value| {
        let mut body = json!({"name": name, "email": format!("{}@example.jp", Uuid::new_v4().simple()),
                              "tracks": ["labor"], "capacity": 2});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        body
    };
    // The case: labor, Tokyo, online, about working hours and work rules.
    let nearby = create(&app, &coordinator, manager(
        "近所 一郎",
        json!({"topics": ["labor.working_hours", "labor.work_rules"], "onsite": true, "prefectures": ["13"]}),
    ))
    .await;
    let region = create(
        &app,
        &coordinator,
        manager(
            "近県 二郎",
            json!({"topics": ["labor.working_hours"], "onsite": true, "prefectures": ["14"]}),
        ),
    )
    .await;
    let loaded = create(
        &app,
        &coordinator,
        manager("遠隔 三郎", json!({"topics": ["labor.working_hours"]})),
    )
    .await;
    let idle = create(
        &app,
        &coordinator,
        manager("遠隔 四郎", json!({"topics": ["labor.working_hours"]})),
    )
    .await;
    let novice = create(
        &app,
        &coordinator,
        manager("新人 五郎", json!({"onsite": true, "prefectures": ["27"]})),
    )
    .await;
    let off_track = create(
        &app,
        &coordinator,
        manager("情報 六郎", json!({"tracks": ["ict"]})),
    )
    .await;
    let full = create(
        &app,
        &coordinator,
        manager("満員 七郎", json!({"capacity": 0})),
    )
    .await;
    let inactive = create(
        &app,
        &coordinator,
        manager("休止 八郎", json!({"active": false})),
    )
    .await;
    let far = create(
        &app,
        &coordinator,
        manager(
            "訪問 九郎",
            json!({"online": false, "onsite": true, "prefectures": ["27"]}),
        ),
    )
    .await;
    let hopeless = create(
        &app,
        &coordinator,
        manager(
            "休止 十郎",
            json!({"tracks": ["ict"], "active": false, "capacity": 0}),
        ),
    )
    .await;

    let earlier = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assign_to(&app, &coordinator, &earlier, &loaded).await;
    let id = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let ranking = expect_json(
        app.get(&format!("/v1/tickets/{id}/candidates"), &coordinator)
            .await,
        200,
        "candidates",
    )
    .await;
    assert_eq!(ranking["ticket_id"], id.as_str());
    assert_eq!(ranking["track"], "labor");
    let candidates = ranking["candidates"].as_array().unwrap();
    let order: Vec<String> = candidates
        .iter()
        .map(|c| c["manager_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        order,
        [&nearby, &region, &idle, &loaded, &novice].map(String::clone),
        "{ranking}"
    );
    let expected = [
        ("近所 一郎", 2, "same_prefecture", 0.0),
        ("近県 二郎", 1, "same_region", 0.0),
        ("遠隔 四郎", 1, "online_only", 0.0),
        ("遠隔 三郎", 1, "online_only", 0.5),
        ("新人 五郎", 0, "online_only", 0.0),
    ];
    for (place, (candidate, (name, overlap, proximity, load))) in
        candidates.iter().zip(expected).enumerate()
    {
        assert_eq!(candidate["rank"], place + 1, "{candidate}");
        assert_eq!(candidate["name"], name, "{candidate}");
        assert_eq!(candidate["score"]["topic_overlap"], overlap, "{candidate}");
        assert_eq!(candidate["score"]["proximity"], proximity, "{candidate}");
        let ratio = candidate["score"]["load_ratio"].as_f64().unwrap();
        assert!((ratio - load).abs() < 1e-9, "{candidate}");
    }
    assert!(candidates[3]["score"]["last_assigned_at"].is_string());
    assert!(candidates[2]["score"]["last_assigned_at"].is_null());

    let ineligible = ranking["ineligible"].as_array().unwrap();
    let reasons_of = |manager: &str| -> HashSet<String> {
        let entry = ineligible
            .iter()
            .find(|m| m["manager_id"] == manager)
            .unwrap_or_else(|| panic!("{manager} is not listed as ineligible: {ranking}"));
        as_set(&entry["reasons"])
    };
    assert_eq!(ineligible.len(), 5, "{ranking}");
    assert_eq!(reasons_of(&off_track), set(&["off_track"]));
    assert_eq!(reasons_of(&full), set(&["at_capacity"]));
    assert_eq!(reasons_of(&inactive), set(&["inactive"]));
    assert_eq!(reasons_of(&far), set(&["cannot_serve_prefecture"]));
    assert_eq!(
        reasons_of(&hopeless),
        set(&["inactive", "off_track", "at_capacity"])
    );
    assert!(
        ineligible
            .iter()
            .any(|m| m["manager_id"] == far.as_str() && m["name"] == "訪問 九郎"),
        "{ranking}"
    );

    // The automatic choice is the first candidate.
    let chosen = expect_json(
        crate::consulting::assign(&app, &coordinator, &id, &json!({})).await,
        200,
        "automatic assignment",
    )
    .await;
    assert_eq!(chosen["manager_id"], nearby.as_str());
    assert_eq!(chosen["score"]["proximity"], "same_prefecture");

    // Only coordinators read candidates; unknown cases are 404.
    assert_problem(
        app.get(&format!("/v1/tickets/{id}/candidates"), &partner)
            .await,
        403,
        "a partner reads candidates",
    )
    .await;
    assert_problem(
        app.get(
            &format!("/v1/tickets/{}/candidates", Uuid::new_v4()),
            &coordinator,
        )
        .await,
        404,
        "candidates of an unknown case",
    )
    .await;
}

#[tokio::test]
async fn a_case_without_a_track_has_no_candidates() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    new_manager(&app, &coordinator, "待機 一郎", &["labor", "ict"], 2).await;
    let mut rules: Value = app
        .get("/v1/routing/rules", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    rules["thresholds"]["apply_threshold"] = json!(0.999);
    let stored = app
        .put_json("/v1/routing/rules", &coordinator, &rules)
        .await;
    assert_eq!(stored.status().as_u16(), 200);
    let mut vague = intake();
    vague["subject"] = json!("相談");
    vague["description"] =
        json!("テレワークを始めたいのですが、何から手をつければよいでしょうか。");
    vague["topics"] = json!(["general.getting_started"]);
    let case = expect_json(
        app.post_json("/v1/tickets", &partner, &vague).await,
        201,
        "filing",
    )
    .await;
    assert_eq!(
        case["status"], "received",
        "the test needs an unrouted case"
    );
    assert!(case["track"].is_null());
    let id = id_of(&case);
    assert_slug(
        app.get(&format!("/v1/tickets/{id}/candidates"), &coordinator)
            .await,
        409,
        "not-routed",
        "candidates of an unrouted case",
    )
    .await;
}
