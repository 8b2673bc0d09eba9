//! Learning from overrides over HTTP: overrides become examples, a trained version is
//! evaluated, activation reaches every instance, and activating an older one rolls back.
use std::time::{Duration, Instant};

use onestop::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, spawn_app};

/// A question no rule phrase matches, so the model decides it.
fn probe() -> Value {
    json!({"subject": "", "description": "ぴよぴよ案件の進め方を相談したい", "topics": []})
}

fn other(track: &str) -> &'static str {
    if track == "ict" { "labor" } else { "ict" }
}

async fn classify(app: &TestApp, token: &str) -> Value {
    let response = app.post_json("/v1/routing/classify", token, &probe()).await;
    assert_eq!(response.status().as_u16(), 200);
    response.json().await.unwrap()
}

/// Classifies on `app` until the decision records `model_version`, for at most 5 s.
async fn classify_with_model(app: &TestApp, token: &str, model_version: i64) -> Value {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let decision = classify(app, token).await;
        if decision["model_version"] == model_version {
            return decision;
        }
        assert!(
            Instant::now() < deadline,
            "model {model_version} not in use after 5 s: {decision}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Files a case about the probe's subject matter and overrides its track to `track`.
async fn overridden_ticket(app: &TestApp, partner: &str, coordinator: &str, i: usize, track: &str) {
    let body = json!({
        "company": {"name": "株式会社ぴよ", "prefecture": "13", "industry": "E", "employees": 12},
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": format!("ぴよぴよ案件その{i}"),
        "description": format!("ぴよぴよ案件{i}件目の進め方について"),
        "topics": ["general.other"],
        "preferred_mode": "online"
    });
    let response = app.post_json("/v1/tickets", partner, &body).await;
    assert_eq!(response.status().as_u16(), 201, "filing {i}");
    let case: Value = response.json().await.unwrap();
    let response = app
        .post_json(
            &format!("/v1/tickets/{}/routing", case["id"].as_str().unwrap()),
            coordinator,
            &json!({"track": track, "reason": "ぴよぴよ案件はこちらの担当"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "override {i}");
}

#[tokio::test]
async fn overrides_train_a_version_that_changes_decisions_on_every_instance_and_rollback_restores_them()
 {
    let first = spawn_app().await;
    let second = first.another_instance().await;
    let coordinator = first.token_with_role(Role::Coordinator).await;
    let partner = first.token_with_role(Role::Partner).await;

    let before = classify(&second, &coordinator).await;
    assert_eq!(before["model_version"], 0, "{before}");
    assert_eq!(
        before["method"], "model",
        "the probe is the model's: {before}"
    );
    let taught = other(before["track"].as_str().unwrap());
    for i in 0..8 {
        overridden_ticket(&first, &partner, &coordinator, i, taught).await;
    }

    let response = first
        .post_json("/v1/routing/models", &coordinator, &json!({}))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    assert_eq!(response.headers()["location"], "/v1/routing/models/1");
    let trained: Value = response.json().await.unwrap();
    assert_eq!(trained["version"], 1);
    assert_eq!(trained["active"], false);
    assert_eq!(trained["trained_on"]["overrides"], 8);
    assert!(trained["trained_on"]["examples"].as_i64().unwrap() > 500);
    let sets = trained["evaluation"]["sets"].as_array().unwrap();
    assert_eq!(sets.len(), 2, "{trained}");
    assert!(
        sets.iter().all(|s| s["accuracy"].as_f64().unwrap() > 0.9),
        "{trained}"
    );
    let cross_validation = &trained["evaluation"]["cross_validation"];
    assert_eq!(cross_validation["folds"], 5);
    assert_eq!(cross_validation["overrides"], 8);
    assert_eq!(cross_validation["correct"], 8, "{cross_validation}");

    // Trained is not active: the other instance still routes with the shipped model.
    assert_eq!(classify(&second, &coordinator).await, before);

    let response = first
        .post_json("/v1/routing/models/1/activate", &coordinator, &json!({}))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let activated: Value = response.json().await.unwrap();
    assert_eq!(
        (activated["version"].clone(), activated["active"].clone()),
        (json!(1), json!(true))
    );

    let after = classify_with_model(&second, &coordinator, 1).await;
    assert_eq!(after["track"], taught, "{after}");
    let model_signals: Vec<&Value> = after["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "model")
        .collect();
    assert!(!model_signals.is_empty(), "{after}");
    assert!(
        model_signals.iter().all(|s| s["model_version"] == 1),
        "the explanation names the deciding version: {after}"
    );
    // Cases filed now record the model version beside the rule-set version.
    let filed: Value = second
        .post_json(
            "/v1/tickets",
            &partner,
            &json!({
                "company": {"name": "株式会社ぴよ", "prefecture": "13"},
                "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
                "subject": "ぴよぴよ案件",
                "description": "ぴよぴよ案件の進め方を相談したい",
                "topics": ["general.other"],
                "preferred_mode": "online"
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(filed["routing"]["model_version"], 1, "{filed}");
    assert_eq!(filed["routing"]["rule_set_version"], 1, "{filed}");

    let listed: Value = second
        .get("/v1/routing/models", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    let versions: Vec<(i64, bool)> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["version"].as_i64().unwrap(),
                m["active"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(versions, [(1, true), (0, false)]);

    // Rollback: the shipped model again, on every instance.
    let response = second
        .post_json("/v1/routing/models/0/activate", &coordinator, &json!({}))
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let restored = classify_with_model(&first, &coordinator, 0).await;
    assert_eq!(restored, before);
    assert_eq!(classify_with_model(&second, &coordinator, 0).await, before);
}

#[tokio::test]
async fn model_versions_are_for_coordinators_and_admins_and_unknown_ones_are_404() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for role in [Role::Partner, Role::Manager, Role::Analyst] {
        let token = app.token_with_role(role).await;
        let train = app
            .post_json("/v1/routing/models", &token, &json!({}))
            .await;
        assert_problem(train, 403, &format!("{role} trains")).await;
        let list = app.get("/v1/routing/models", &token).await;
        assert_problem(list, 403, &format!("{role} lists")).await;
        let activate = app
            .post_json("/v1/routing/models/0/activate", &token, &json!({}))
            .await;
        assert_problem(activate, 403, &format!("{role} activates")).await;
    }

    let listed: Value = app
        .get("/v1/routing/models", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["items"].as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed["items"][0]["version"], 0);
    assert_eq!(listed["items"][0]["active"], true);
    assert_eq!(listed["next_cursor"], Value::Null);

    // Without overrides a version can be trained; there is nothing to cross-validate.
    let response = app
        .post_json("/v1/routing/models", &admin, &json!({}))
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let trained: Value = response.json().await.unwrap();
    assert_eq!(trained["trained_on"]["overrides"], 0);
    assert_eq!(trained["evaluation"]["cross_validation"], Value::Null);
    let one: Value = app
        .get("/v1/routing/models/1", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one, trained);

    // Pages of one walk every version once, newest first.
    let first: Value = app
        .get("/v1/routing/models?limit=1", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(first["items"][0]["version"], 1);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(
            &format!("/v1/routing/models?limit=1&cursor={cursor}"),
            &admin,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["version"], 0);
    assert_eq!(second["next_cursor"], Value::Null);

    for (path, why) in [
        ("/v1/routing/models/99", "a version never trained"),
        ("/v1/routing/models/abc", "not a number"),
        ("/v1/routing/models/-1", "negative"),
    ] {
        let response = app.get(path, &admin).await;
        assert_problem(response, 404, why).await;
    }
    let response = app
        .post_json("/v1/routing/models/99/activate", &admin, &json!({}))
        .await;
    assert_problem(response, 404, "activating a version never trained").await;
    let still: Value = app
        .get("/v1/routing/models/0", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        still["active"], true,
        "a refused activation changes nothing"
    );
}
