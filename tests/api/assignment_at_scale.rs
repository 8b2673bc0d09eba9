//! Assignment when many coordinators assign at once: a manager whose row another
//! transaction holds is passed over for the next candidate instead of waited for.
use onestop::{auth::Role, db};
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use crate::{
    consulting::{assign, expect_json, intake, new_manager, routed_ticket},
    helpers::{TestApp, TestDatabase, spawn_app_with},
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
    let case = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let best = first_candidate(&app, &coordinator, &case).await;
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

#[tokio::test]
async fn an_automatic_assignment_takes_the_first_candidate_of_the_full_ranking_across_a_varied_roster()
 {
    // PostgreSQL ranks only the leaders it reads in SQL; this holds it to the ranking of the
    // whole roster that GET .../candidates shows (SQLite ranks the whole roster anyway).
    let app = crate::helpers::spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let topics = [
        "labor.working_hours",
        "labor.work_rules",
        "labor.subsidies",
        "labor.evaluation",
    ];
    let places = ["13", "14", "11", "27", "40"];
    // More managers than the leaders PostgreSQL reads (64 and their ties), so leaders read
    // in the wrong order would show.
    for n in 0..240usize {
        let onsite = n % 3 != 1;
        let body = json!({
            "name": format!("順位 {n}"),
            "email": format!("rank-{n}-{}@example.jp", uuid::Uuid::new_v4().simple()),
            "tracks": if n % 7 == 0 { vec!["ict"] } else { vec!["labor", "ict"] },
            "capacity": 1 + n % 4,
            "topics": topics.iter().skip(n % 4).step_by(1 + n % 2).collect::<Vec<_>>(),
            "prefectures": if onsite { vec![places[n % 5], places[(n / 7) % 5]] } else { vec![] },
            "online": n % 4 != 0,
            "onsite": onsite,
        });
        app.create_manager(&coordinator, &body).await;
    }
    let modes = ["online", "onsite", "either"];
    for n in 0..24usize {
        let mut body = crate::consulting::intake_for(json!({
            "name": format!("順位商事{n}"), "prefecture": places[n % 5], "industry": "E",
            "employees": 12
        }));
        body["preferred_mode"] = json!(modes[n % 3]);
        body["topics"] = json!(
            topics
                .iter()
                .skip(n % 3)
                .take(1 + n % 3)
                .collect::<Vec<_>>()
        );
        let case = routed_ticket(&app, &partner, &coordinator, "labor", &body).await;
        let ranked = candidates_of(&app, &coordinator, &case).await;
        let response = app
            .post_json(
                &format!("/v1/tickets/{case}/assignment"),
                &coordinator,
                &json!({}),
            )
            .await;
        match ranked["candidates"][0]["manager_id"].as_str() {
            Some(first) => {
                let assigned = expect_json(response, 200, "automatic assignment").await;
                let leaders: Vec<_> = ranked["candidates"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .take(3)
                    .collect();
                assert_eq!(assigned["manager_id"], first, "case {n}: {leaders:?}");
            }
            None => assert_eq!(response.status().as_u16(), 409, "case {n}: nobody eligible"),
        }
    }
}

#[tokio::test]
async fn an_edit_of_the_roster_is_ranked_by_the_next_assignment_after_the_profiles_were_read() {
    // The ranking reads managers' profiles from the instance's roster cache; a profile read
    // before an edit must never be ranked after it.
    let app = crate::helpers::spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let first = new_manager(&app, &coordinator, "名簿 一", &["labor"], 3).await;
    let second = new_manager(&app, &coordinator, "名簿 二", &["labor"], 3).await;
    let case = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let ranked = candidates_of(&app, &coordinator, &case).await;
    let best = ranked["candidates"][0]["manager_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let other = if best == first { &second } else { &first };
    assert_eq!(
        ranked["candidates"].as_array().unwrap().len(),
        2,
        "{ranked}"
    );

    // The best one now answers ICT only: the next read lists them off track ...
    expect_json(
        app.patch_json(
            &format!("/v1/managers/{best}"),
            &coordinator,
            None,
            &json!({"tracks": ["ict"]}),
        )
        .await,
        200,
        "the edit",
    )
    .await;
    let ranked = candidates_of(&app, &coordinator, &case).await;
    assert_eq!(
        ranked["candidates"][0]["manager_id"],
        other.as_str(),
        "{ranked}"
    );
    assert_eq!(
        ranked["ineligible"][0]["manager_id"],
        best.as_str(),
        "{ranked}"
    );
    assert_eq!(ranked["ineligible"][0]["reasons"], json!(["off_track"]));

    // ... and the automatic assignment takes the other one.
    let assigned = expect_json(
        assign(&app, &coordinator, &case, &json!({})).await,
        200,
        "automatic assignment",
    )
    .await;
    assert_eq!(assigned["manager_id"], other.as_str(), "{assigned}");

    // Made inactive after being read, the other one is not chosen for the next case either.
    expect_json(
        app.patch_json(
            &format!("/v1/managers/{other}"),
            &coordinator,
            None,
            &json!({"active": false}),
        )
        .await,
        200,
        "deactivation",
    )
    .await;
    let next = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let refused = assign(&app, &coordinator, &next, &json!({})).await;
    let problem = crate::helpers::assert_problem(refused, 409, "nobody left on the track").await;
    assert_eq!(problem["waiting"], true, "{problem}");
}

#[tokio::test]
async fn a_roster_edited_elsewhere_is_ranked_by_the_next_assignment_here() {
    // An instance holds the whole roster in memory and reads the live figures of the leading
    // managers only; an edit made through another instance, or written by hand without a
    // version bump, must still reach its next ranking (the roster revision).
    use onestop::entities::manager;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let app = crate::helpers::spawn_app().await;
    let elsewhere = app.another_instance().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let steady = new_manager(&app, &coordinator, "名簿 常", &["labor"], 5).await;
    let newcomer = new_manager(&app, &coordinator, "名簿 新", &["ict"], 5).await;
    let assigned_to = |case: String| {
        let app = &app;
        let coordinator = &coordinator;
        async move {
            let assigned = expect_json(
                assign(app, coordinator, &case, &json!({})).await,
                200,
                "automatic assignment",
            )
            .await;
            assigned["manager_id"].as_str().unwrap().to_owned()
        }
    };

    // This instance reads the roster: only the steady one is on the labor track.
    let first = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assert_eq!(assigned_to(first).await, steady);

    // Through the other instance the newcomer joins the labor track; with no case yet, they
    // now rank first here.
    expect_json(
        elsewhere
            .patch_json(
                &format!("/v1/managers/{newcomer}"),
                &coordinator,
                None,
                &json!({"tracks": ["labor"]}),
            )
            .await,
        200,
        "the edit through the other instance",
    )
    .await;
    let second = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assert_eq!(assigned_to(second).await, newcomer);

    // By hand, with no version bump: the steady one leaves the labor track. Each holds one
    // case now and the steady one was assigned earlier, so a stale roster would pick them.
    let steady_id: uuid::Uuid = steady.parse().unwrap();
    let changed = manager::Entity::update_many()
        .col_expr(manager::Column::CoversLabor, Expr::value(false))
        .filter(manager::Column::Id.eq(steady_id))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(changed.rows_affected, 1);
    let third = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    assert_eq!(assigned_to(third).await, newcomer);
}

#[tokio::test]
async fn a_load_written_elsewhere_reaches_the_next_ranking_here_even_when_committed_late() {
    // An instance holds the managers' live figures and reads only the rows written since its
    // last read; a load written by another transaction, by hand or committed after a later
    // one, must still reach its next ranking.
    use onestop::entities::manager;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};

    let app = crate::helpers::spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let one = new_manager(&app, &coordinator, "負荷 一", &["labor"], 4).await;
    let two = new_manager(&app, &coordinator, "負荷 二", &["labor"], 4).await;
    let case = routed_ticket(&app, &partner, &coordinator, "labor", &intake()).await;
    let set_load = |manager_id: &str, active_cases: i32| {
        let id: uuid::Uuid = manager_id.parse().unwrap();
        manager::Entity::update_many()
            .col_expr(manager::Column::ActiveCases, Expr::value(active_cases))
            .filter(manager::Column::Id.eq(id))
    };

    let best = first_candidate(&app, &coordinator, &case).await;
    let other = if best == one {
        two.clone()
    } else {
        one.clone()
    };
    // By hand, the best one now holds 3 of 4: the other ranks first.
    set_load(&best, 3).exec(&app.db).await.unwrap();
    assert_eq!(first_candidate(&app, &coordinator, &case).await, other);

    let TestDatabase::Postgres { url, .. } = app.database.as_ref() else {
        println!(
            "the late commit needs PostgreSQL (TEST_DATABASE_URL): SQLite writes one at a time"
        );
        return;
    };
    // A transaction loads the other one to 3 and stays open while a later one, which commits
    // first, takes the best one down to 2; the ranking read in between sees the later one.
    let operator = db::connect(url).await.unwrap();
    let late = operator.begin().await.unwrap();
    set_load(&other, 3).exec(&late).await.unwrap();
    set_load(&best, 2).exec(&app.db).await.unwrap();
    assert_eq!(
        first_candidate(&app, &coordinator, &case).await,
        other,
        "2 of 4 against 0 of 4"
    );
    late.commit().await.unwrap();
    assert_eq!(
        first_candidate(&app, &coordinator, &case).await,
        best,
        "2 of 4 against 3 of 4"
    );
    let assigned = expect_json(
        assign(&app, &coordinator, &case, &json!({})).await,
        200,
        "automatic assignment",
    )
    .await;
    assert_eq!(assigned["manager_id"], best.as_str(), "{assigned}");
    operator.close().await.ok();
}

/// `GET /v1/tickets/{case}/candidates`, asserted 200.
async fn candidates_of(app: &TestApp, coordinator: &str, case: &str) -> serde_json::Value {
    expect_json(
        app.get(&format!("/v1/tickets/{case}/candidates"), coordinator)
            .await,
        200,
        "candidates",
    )
    .await
}

/// The id of the manager ranked first for `case`.
async fn first_candidate(app: &TestApp, coordinator: &str, case: &str) -> String {
    candidates_of(app, coordinator, case).await["candidates"][0]["manager_id"]
        .as_str()
        .unwrap()
        .to_owned()
}
