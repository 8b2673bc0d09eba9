//! Case search as Japanese users type: widths, case and combining marks folded the same way
//! in the stored key and the query, the filer's text kept as written.
use onestop::auth::Role;
use serde_json::{Value, json};

use crate::{
    consulting::{expect_json, id_of, intake},
    helpers::{TestApp, spawn_app},
};

async fn file(app: &TestApp, token: &str, subject: &str, description: &str) -> String {
    let mut body = intake();
    body["subject"] = json!(subject);
    body["description"] = json!(description);
    id_of(
        &expect_json(
            app.post_json("/v1/tickets", token, &body).await,
            201,
            subject,
        )
        .await,
    )
}

async fn found(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("q", q)
        .finish();
    let page: Value = expect_json(
        app.get(&format!("/v1/tickets?{query}"), token).await,
        200,
        q,
    )
    .await;
    let mut ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn search_folds_widths_case_and_voicing_marks_and_keeps_the_text_as_filed() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let half_width = file(
        &app,
        &partner,
        "ﾃﾚﾜｰｸの始め方",
        "何から準備すればよいか知りたい。",
    )
    .await;
    let ascii = file(
        &app,
        &partner,
        "RTの設定について",
        "ルーターの設定を見直したい。",
    )
    .await;
    let decomposed = file(
        &app,
        &partner,
        "導入か\u{3099}いどの相談",
        "社内向けの手引きを作りたい。",
    )
    .await;
    let full_width = file(
        &app,
        &partner,
        "ＶＰＮ接続が遅い",
        "在宅勤務で労務管理と通信の両方に悩んでいる。",
    )
    .await;
    let mut every = vec![
        half_width.clone(),
        ascii.clone(),
        decomposed.clone(),
        full_width.clone(),
    ];
    every.sort();
    #[rustfmt::skip]
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("テレワーク", vec![half_width.clone()], "full-width query, half-width text"),
        ("ﾃﾚﾜｰｸ", vec![half_width.clone()], "the filer's own spelling"),
        ("ＲＴ", vec![ascii.clone()], "full-width letters find ASCII"),
        ("rt", vec![ascii.clone()], "lower case finds upper case"),
        ("がいど", vec![decomposed.clone()], "precomposed finds kana and U+3099"),
        ("か\u{3099}いど", vec![decomposed.clone()], "decomposed finds itself"),
        ("vpn", vec![full_width.clone()], "ASCII finds full-width letters"),
        ("労務", vec![full_width.clone()], "a two-character query"),
        ("労務管理と通信", vec![full_width.clone()], "a longer query"),
        ("務労", vec![], "the same characters in another order are not a match"),
        ("サンプル製作所", every.clone(), "the company name is searched too"),
        ("TW-", every.clone(), "the reference is searched too"),
        ("100%", vec![], "LIKE wildcards are literal"),
        ("_", vec![], "an underscore is literal"),
    ];
    for (q, expected, why) in cases {
        assert_eq!(found(&app, &coordinator, q).await, expected, "{why}: {q}");
    }
    // A search read a page at a time finds each case once, in id order.
    let paged = every_page(
        &app,
        &coordinator,
        "/v1/tickets?q=%E3%82%B5%E3%83%B3%E3%83%97%E3%83%AB",
        1,
    )
    .await;
    assert_eq!(paged, every, "q=サンプル, one case a page");
    let case: Value = app
        .get(&format!("/v1/tickets/{half_width}"), &partner)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        case["subject"], "ﾃﾚﾜｰｸの始め方",
        "the text is kept as filed"
    );

    let current = app.get(&format!("/v1/tickets/{ascii}"), &partner).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let edited = app
        .patch_json(
            &format!("/v1/tickets/{ascii}"),
            &partner,
            Some(&etag),
            &json!({"subject": "ｸﾗｳﾄﾞ移行の相談"}),
        )
        .await;
    assert_eq!(edited.status().as_u16(), 200);
    assert!(
        found(&app, &coordinator, "rt").await.is_empty(),
        "the old subject is gone"
    );
    assert_eq!(
        found(&app, &coordinator, "クラウド").await,
        vec![ascii.clone()],
        "the edit is searched"
    );
    assert_eq!(
        found(&app, &partner, "テレワーク").await,
        vec![half_width],
        "partners search their own"
    );
}

/// The key search reads is kept apart from the case's row; it must follow every change of
/// the texts it is made of (an edit of the subject, description or company name) and be made
/// for a twin opened on the other track, and nothing else may move it.
#[tokio::test]
async fn search_follows_edits_of_the_texts_and_finds_a_twin_by_its_own_reference() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let mut body = crate::links::cross_track_intake();
    body["subject"] = json!("サテライトオフィスの検討");
    let case = expect_json(
        app.post_json("/v1/tickets", &partner, &body).await,
        201,
        "filing",
    )
    .await;
    let id = id_of(&case);
    assert_eq!(
        found(&app, &coordinator, "サテライト").await,
        vec![id.clone()]
    );
    assert_eq!(
        found(&app, &coordinator, "リンク工業").await,
        vec![id.clone()]
    );

    let edited = app
        .patch_json(
            &format!("/v1/tickets/{id}"),
            &partner,
            Some("\"1\""),
            &json!({"subject": "シェアオフィスの検討", "company": {"name": "株式会社改称後"}}),
        )
        .await;
    expect_json(edited, 200, "the edit").await;
    #[rustfmt::skip]
    let after_edit: Vec<(&str, Vec<String>, &str)> = vec![
        ("サテライト", vec![], "the old subject is gone"),
        ("シェアオフィス", vec![id.clone()], "the new subject is found"),
        ("リンク工業", vec![], "the old company name is gone"),
        ("改称後", vec![id.clone()], "the new company name is found"),
        ("就業規則", vec![id.clone()], "the description kept as it was"),
    ];
    for (q, expected, why) in after_edit {
        assert_eq!(found(&app, &coordinator, q).await, expected, "{why}: {q}");
    }

    let twin = expect_json(
        app.post_json(
            &format!("/v1/tickets/{id}/links"),
            &coordinator,
            &json!({"reason": "労務の相談も必要なため"}),
        )
        .await,
        201,
        "the twin",
    )
    .await;
    let twin_id = id_of(&twin);
    let mut both = vec![id.clone(), twin_id.clone()];
    both.sort();
    assert_eq!(found(&app, &coordinator, "シェアオフィス").await, both);
    let twin_reference = twin["reference"].as_str().unwrap();
    assert_eq!(
        found(&app, &coordinator, twin_reference).await,
        vec![twin_id],
        "the twin is found by its own reference"
    );
    let reference = case["reference"].as_str().unwrap();
    assert_eq!(found(&app, &coordinator, reference).await, vec![id]);
}

/// Pages of `path` (which ends in a query string) read `limit` cases at a time, as `token`.
async fn every_page(app: &TestApp, token: &str, path: &str, limit: usize) -> Vec<String> {
    let mut found = Vec::new();
    let mut next = format!("{path}&limit={limit}");
    loop {
        let page: Value = expect_json(app.get(&next, token).await, 200, &next).await;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= limit, "{next}: {page}");
        found.extend(items.iter().map(id_of));
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}&limit={limit}&cursor={cursor}"),
            None => return found,
        }
    }
}

/// A search alone is paged among the search keys before any case is read; with any other
/// filter, or for a caller who sees only some cases, each page must still hold only the
/// cases every condition keeps, and every one of them, in id order.
#[tokio::test]
async fn a_search_with_other_filters_or_a_narrower_scope_pages_through_every_match() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let other_partner = app.token_with_role(Role::Partner).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let mut body = intake();
    body["subject"] = json!("在宅勤務の始め方");
    // Routed by hand to the ICT track; the others, filed with labor topics, the classifier
    // puts on the labor track.
    let mut routed = Vec::new();
    for _ in 0..2 {
        routed.push(
            crate::consulting::routed_ticket(&app, &partner, &coordinator, "ict", &body).await,
        );
    }
    let mut on_labor = Vec::new();
    for _ in 0..2 {
        on_labor.push(
            file(
                &app,
                &partner,
                "在宅勤務の規程",
                "就業規則との関係を知りたい。",
            )
            .await,
        );
    }
    let others = file(
        &app,
        &other_partner,
        "在宅勤務の通信費",
        "回線代の負担について。",
    )
    .await;
    let unrelated = file(&app, &partner, "VPNが遅い", "社内のサーバが重い。").await;
    let q = "/v1/tickets?q=%E5%9C%A8%E5%AE%85";
    let mut all_matches: Vec<String> = routed
        .iter()
        .chain(&on_labor)
        .chain([&others])
        .cloned()
        .collect();
    all_matches.sort();
    let mine: Vec<String> = all_matches
        .iter()
        .filter(|id| **id != others)
        .cloned()
        .collect();
    let labor_matches = sorted(&[on_labor.clone(), vec![others.clone()]].concat());
    let with_status = format!("{q}&status=triaged");
    let on_ict = format!("{q}&track=ict");
    let on_labor_track = format!("{q}&track=labor");
    #[rustfmt::skip]
    let cases: Vec<(&str, &str, &str, Vec<String>)> = vec![
        ("search alone", &coordinator, q, all_matches.clone()),
        ("with a status", &coordinator, &with_status, all_matches.clone()),
        ("on the ICT track", &coordinator, &on_ict, sorted(&routed)),
        ("on the labor track", &coordinator, &on_labor_track, labor_matches),
        ("a partner's own", &partner, q, mine),
        ("the other partner's own", &other_partner, q, vec![others.clone()]),
    ];
    for limit in [1, 2, 50] {
        for (why, token, path, expected) in &cases {
            assert_eq!(
                &every_page(&app, token, path, limit).await,
                expected,
                "{why}, {limit} a page"
            );
        }
    }
    assert!(!all_matches.contains(&unrelated));
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}
