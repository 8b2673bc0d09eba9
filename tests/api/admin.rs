//! Administration: partners and API clients.
use onestop::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{assert_problem, error_fields, spawn_app};

#[tokio::test]
async fn an_admin_creates_lists_and_reads_partners() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .post_json(
            "/v1/partners",
            &admin,
            &json!({"name": "大阪府社会保険労務士会", "kind": "sharoushi_association", "prefecture": "大阪府"}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 201);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        format!("/v1/partners/{}", created["id"].as_str().unwrap())
    );
    assert_eq!(created["prefecture"], "27");
    assert_eq!(created["prefecture_name"], "大阪府");
    assert_eq!(created["kind"], "sharoushi_association");

    let coordinator = app.token_with_role(Role::Coordinator).await;
    let fetched: Value = app.get(&location, &coordinator).await.json().await.unwrap();
    assert_eq!(fetched, created);

    let missing = app
        .get(&format!("/v1/partners/{}", Uuid::new_v4()), &admin)
        .await;
    assert_problem(missing, 404, "an unknown partner").await;

    let duplicate = app
        .post_json(
            "/v1/partners",
            &admin,
            &json!({"name": "大阪府社会保険労務士会", "kind": "other", "prefecture": "27"}),
        )
        .await;
    assert_problem(duplicate, 409, "a duplicate name").await;
}

#[tokio::test]
async fn partner_validation_lists_every_bad_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .post_json(
            "/v1/partners",
            &admin,
            &json!({"name": "", "kind": "guild", "prefecture": "48"}),
        )
        .await;
    let problem = assert_problem(response, 422, "three bad fields").await;
    assert_eq!(error_fields(&problem), ["kind", "name", "prefecture"]);

    let missing = app
        .post_json(
            "/v1/partners",
            &admin,
            &json!({"name": "x", "kind": "other"}),
        )
        .await;
    let problem = assert_problem(missing, 422, "a missing field").await;
    assert_eq!(error_fields(&problem), ["prefecture"]);
}

#[tokio::test]
async fn partners_are_listed_in_pages_with_a_next_link() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for n in 0..5 {
        app.post_json(
            "/v1/partners",
            &admin,
            &json!({"name": format!("商工会 {n}"), "kind": "society_of_commerce", "prefecture": "01"}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut path = "/v1/partners?limit=2".to_owned();
    loop {
        let response = app.get(&path, &admin).await;
        assert_eq!(response.status().as_u16(), 200);
        let link = response
            .headers()
            .get("link")
            .map(|l| l.to_str().unwrap().to_owned());
        let page: Value = response.json().await.unwrap();
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p["name"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                let link = link.expect("a Link header with a next page");
                assert!(link.ends_with("; rel=\"next\""), "{link}");
                assert!(link.contains("limit=2"), "{link}");
                path = format!("/v1/partners?limit=2&cursor={cursor}");
            }
            None => {
                assert!(link.is_none());
                break;
            }
        }
    }
    let expected: Vec<Value> = (0..5).map(|n| json!(format!("商工会 {n}"))).collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn an_admin_creates_clients_of_every_role_and_each_can_authenticate() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner_id = app.create_partner("NTTユーザー協会").await;
    let manager = app
        .create_manager(
            &admin,
            &json!({"name": "佐藤 花子", "email": "sato@example.jp", "tracks": ["labor"], "capacity": 3}),
        )
        .await;
    let manager_id = manager["id"].as_str().unwrap();
    let cases = [
        (
            json!({"name": "partner system", "role": "partner", "partner_id": partner_id}),
            "partner",
        ),
        (
            json!({"name": "center staff", "role": "coordinator"}),
            "coordinator",
        ),
        (
            json!({"name": "consultant app", "role": "manager", "manager_id": manager_id}),
            "manager",
        ),
        (json!({"name": "reporting", "role": "analyst"}), "analyst"),
        (json!({"name": "operator", "role": "admin"}), "admin"),
    ];
    for (body, role) in cases {
        let response = app.post_json("/v1/clients", &admin, &body).await;
        assert_eq!(response.status().as_u16(), 201, "{role}");
        assert!(response.headers().contains_key("location"), "{role}");
        let created: Value = response.json().await.unwrap();
        assert_eq!(created["role"], role);
        let secret = created["client_secret"].as_str().unwrap();
        let token = app
            .api
            .post(app.url("/v1/auth/token"))
            .json(&json!({"client_id": created["client_id"], "client_secret": secret}))
            .send()
            .await
            .unwrap();
        assert_eq!(token.status().as_u16(), 200, "{role} authenticates");
    }
    let listed: Value = app
        .get("/v1/clients?limit=200", &admin)
        .await
        .json()
        .await
        .unwrap();
    let text = listed.to_string();
    assert!(
        !text.contains("client_secret") && !text.contains("sha256$"),
        "secrets never listed"
    );
    // The test admin, the admin that registered the partner, and the five above.
    assert_eq!(listed["items"].as_array().unwrap().len(), 7);
}

#[tokio::test]
async fn client_bindings_are_checked() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner_id = app.create_partner("商工会").await;
    let cases = [
        (json!({"name": "p", "role": "partner"}), vec!["partner_id"]),
        (
            json!({"name": "p", "role": "partner", "partner_id": Uuid::new_v4()}),
            vec!["partner_id"],
        ),
        (
            json!({"name": "c", "role": "coordinator", "partner_id": partner_id}),
            vec!["partner_id"],
        ),
        (json!({"name": "m", "role": "manager"}), vec!["manager_id"]),
        (
            json!({"name": "m", "role": "manager", "manager_id": Uuid::new_v4()}),
            vec!["manager_id"],
        ),
        (
            json!({"name": "a", "role": "analyst", "manager_id": Uuid::new_v4()}),
            vec!["manager_id"],
        ),
        (json!({"name": "", "role": "root"}), vec!["name", "role"]),
    ];
    for (body, fields) in cases {
        let response = app.post_json("/v1/clients", &admin, &body).await;
        let problem = assert_problem(response, 422, &body.to_string()).await;
        assert_eq!(error_fields(&problem), fields, "{body}");
    }
    let listed: Value = app.get("/v1/clients", &admin).await.json().await.unwrap();
    // Only the test admin and the admin that registered the partner.
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        2,
        "nothing was created"
    );
}

#[tokio::test]
async fn only_admins_manage_partners_and_clients() {
    let app = spawn_app().await;
    let partner_id = app.create_partner("商工会議所").await;
    for role in [
        Role::Partner,
        Role::Coordinator,
        Role::Manager,
        Role::Analyst,
    ] {
        let token = app.token_with_role(role).await;
        let partner = app
            .post_json(
                "/v1/partners",
                &token,
                &json!({"name": format!("{role}"), "kind": "other", "prefecture": "13"}),
            )
            .await;
        assert_problem(partner, 403, &format!("{role} creates a partner")).await;
        let client = app
            .post_json(
                "/v1/clients",
                &token,
                &json!({"name": "x", "role": "admin"}),
            )
            .await;
        assert_problem(client, 403, &format!("{role} creates a client")).await;
        let list = app.get("/v1/clients", &token).await;
        assert_problem(list, 403, &format!("{role} lists clients")).await;
        let revoke = app
            .delete(&format!("/v1/clients/{}", Uuid::new_v4()), &token)
            .await;
        assert_problem(revoke, 403, &format!("{role} revokes a client")).await;
        let read = app.get(&format!("/v1/partners/{partner_id}"), &token).await;
        let expected = if role == Role::Coordinator { 200 } else { 403 };
        assert_eq!(read.status().as_u16(), expected, "{role} reads a partner");
    }
}

#[tokio::test]
async fn revoking_an_unknown_client_is_404() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .delete(&format!("/v1/clients/{}", Uuid::new_v4()), &admin)
        .await;
    assert_problem(response, 404, "unknown client").await;
}

#[tokio::test]
async fn changing_a_clients_role_stops_its_old_tokens_at_once_and_new_ones_carry_the_new_role() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let client = app.create_client(Role::Admin, None, None).await;
    let old_token = app.token_for(&client).await;
    assert_eq!(
        app.get("/v1/clients", &old_token).await.status().as_u16(),
        200
    );
    let elsewhere = app.another_instance().await;

    let changed = app
        .patch_json(
            &format!("/v1/clients/{}", client.id),
            &admin,
            None,
            &json!({"role": "analyst"}),
        )
        .await;
    assert_eq!(changed.status().as_u16(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["role"], "analyst");

    for (instance, why) in [
        (&app, "the changing instance"),
        (&elsewhere, "another instance"),
    ] {
        let refused = instance.get("/v1/events", &old_token).await;
        let problem = assert_problem(refused, 401, why).await;
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("get a new token"),
            "{why}: {problem}"
        );
    }
    let new_token = app.token_for(&client).await;
    for (instance, why) in [
        (&app, "the changing instance"),
        (&elsewhere, "another instance"),
    ] {
        assert_eq!(
            instance
                .get("/v1/events", &new_token)
                .await
                .status()
                .as_u16(),
            200,
            "{why}: an analyst reads the feed"
        );
        assert_problem(
            instance.get("/v1/clients", &new_token).await,
            403,
            &format!("{why}: an analyst manages no clients"),
        )
        .await;
    }
}

#[tokio::test]
async fn rebinding_a_partner_client_stops_tokens_that_name_the_old_partner() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let first = app.create_partner("東京商工会議所").await;
    let second = app.create_partner("大阪商工会議所").await;
    let client = app.create_client(Role::Partner, Some(first), None).await;
    let old_token = app.token_for(&client).await;
    assert_eq!(
        app.get("/v1/tickets", &old_token).await.status().as_u16(),
        200
    );

    let changed = app
        .patch_json(
            &format!("/v1/clients/{}", client.id),
            &admin,
            None,
            &json!({"partner_id": second}),
        )
        .await;
    assert_eq!(changed.status().as_u16(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["partner_id"], second.to_string());
    assert_eq!(changed["role"], "partner", "the role is kept");

    assert_problem(
        app.get("/v1/tickets", &old_token).await,
        401,
        "a token naming the old partner",
    )
    .await;
    let new_token = app.token_for(&client).await;
    assert_eq!(
        app.get("/v1/tickets", &new_token).await.status().as_u16(),
        200
    );
}

#[tokio::test]
async fn client_changes_follow_the_binding_rules_and_bad_ones_change_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let partner_id = app.create_partner("商工会").await;
    let manager = app
        .create_manager(
            &admin,
            &json!({"name": "鈴木 一郎", "email": "suzuki@example.jp", "tracks": ["ict"], "capacity": 1}),
        )
        .await;
    let manager_id: Uuid = manager["id"].as_str().unwrap().parse().unwrap();
    let partner = app
        .create_client(Role::Partner, Some(partner_id), None)
        .await;
    let partner_token = app.token_for(&partner).await;
    let path = format!("/v1/clients/{}", partner.id);
    let cases = [
        (
            json!({"role": "manager"}),
            vec!["manager_id"],
            "a manager client needs a manager",
        ),
        (
            json!({"role": "manager", "manager_id": Uuid::new_v4()}),
            vec!["manager_id"],
            "the manager must exist",
        ),
        (
            json!({"partner_id": Uuid::new_v4()}),
            vec!["partner_id"],
            "the partner must exist",
        ),
        (
            json!({"partner_id": null}),
            vec!["partner_id"],
            "a partner client cannot lose its partner",
        ),
        (
            json!({"manager_id": manager_id}),
            vec!["manager_id"],
            "a partner client is bound to no manager",
        ),
        (
            json!({"role": "analyst", "partner_id": partner_id}),
            vec!["partner_id"],
            "an analyst is bound to no partner",
        ),
        (json!({"role": "root"}), vec!["role"], "an unknown role"),
        (json!({"name": "x"}), vec!["name"], "an unknown field"),
        (json!({"role": 7}), vec!["role"], "a role that is not text"),
    ];
    for (body, fields, why) in cases {
        let response = app.patch_json(&path, &admin, None, &body).await;
        let problem = assert_problem(response, 422, why).await;
        assert_eq!(error_fields(&problem), fields, "{why}");
    }
    assert_problem(
        app.patch_json(
            &format!("/v1/clients/{}", Uuid::new_v4()),
            &admin,
            None,
            &json!({"role": "analyst"}),
        )
        .await,
        404,
        "an unknown client",
    )
    .await;
    assert_problem(
        app.patch_json(&path, &partner_token, None, &json!({"role": "admin"}))
            .await,
        403,
        "a partner promoting itself",
    )
    .await;
    assert_eq!(
        app.get("/v1/tickets", &partner_token)
            .await
            .status()
            .as_u16(),
        200,
        "nothing changed: the partner's token still works"
    );

    let to_manager = app
        .patch_json(
            &path,
            &admin,
            None,
            &json!({"role": "manager", "manager_id": manager_id}),
        )
        .await;
    assert_eq!(
        to_manager.status().as_u16(),
        200,
        "a role change clears the old binding"
    );
    let to_manager: Value = to_manager.json().await.unwrap();
    assert_eq!(to_manager["partner_id"], Value::Null);
    assert_eq!(to_manager["manager_id"], manager_id.to_string());

    app.delete(&path, &admin).await;
    assert_problem(
        app.patch_json(&path, &admin, None, &json!({"role": "analyst"}))
            .await,
        409,
        "a revoked client",
    )
    .await;
}
