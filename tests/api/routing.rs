//! The router over HTTP: dry runs, the dev-set targets, rules as versioned data.
use onestop::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, error_fields, spawn_app};

/// A labelled evaluation set of `tests/data/routing/` (see its README), one JSON object a line.
fn evaluation_set(name: &str) -> Vec<Value> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/routing")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// The text a comparison of examples goes by: letters and digits only, NFKC, lower case.
fn comparable(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

#[test]
fn no_training_example_is_an_evaluation_item() {
    let training: std::collections::HashSet<String> =
        include_str!("../../src/classifier/training.jsonl")
            .lines()
            .filter(|line| !line.trim().is_empty())
            .map(|line| {
                let example: Value = serde_json::from_str(line).unwrap();
                comparable(example["text"].as_str().unwrap())
            })
            .collect();
    // A description (a sentence or more) must not appear inside any example; a subject (a
    // headline, which ordinary sentences may contain) must not be an example of its own.
    for set in ["routing_dev.jsonl", "routing_dev_questions.jsonl"] {
        for item in evaluation_set(set) {
            let subject = comparable(item["subject"].as_str().unwrap_or_default());
            let description = comparable(item["description"].as_str().unwrap_or_default());
            assert!(
                subject.is_empty() || !training.contains(&subject),
                "{set} {}: the subject is a training example",
                item["id"]
            );
            assert!(
                description.chars().count() < 20
                    || !training
                        .iter()
                        .any(|example| example.contains(&description)),
                "{set} {}: the description is in the training data",
                item["id"]
            );
        }
    }
}

/// How the router did on one evaluation set.
#[derive(Default)]
struct SetFigures {
    /// Single-track items per label: (items, on the right track).
    per_label: std::collections::BTreeMap<String, (usize, usize)>,
    /// Single-track items marked cross-track although they are not.
    false_cross: usize,
    /// `mixed` items, and those marked cross-track.
    mixed: (usize, usize),
    /// Single-track decisions at or above the apply threshold: (applied, right).
    applied: (usize, usize),
}

impl SetFigures {
    fn single(&self) -> (usize, usize) {
        self.per_label
            .values()
            .fold((0, 0), |acc, &(n, right)| (acc.0 + n, acc.1 + right))
    }
}

fn share(part: usize, whole: usize) -> f64 {
    part as f64 / whole.max(1) as f64
}

/// Classifies every item of `set` through the endpoint and tallies the figures.
async fn evaluate(
    app: &crate::helpers::TestApp,
    token: &str,
    set: &str,
    apply_threshold: f64,
) -> SetFigures {
    let mut figures = SetFigures::default();
    for item in evaluation_set(set) {
        let body = json!({"subject": item["subject"], "description": item["description"], "topics": item["topics"]});
        let response = app.post_json("/v1/routing/classify", token, &body).await;
        assert_eq!(response.status().as_u16(), 200, "{set} {}", item["id"]);
        let decision: Value = response.json().await.unwrap();
        assert!(
            decision["explanation"]
                .as_array()
                .is_some_and(|e| !e.is_empty()),
            "{set} {}: no explanation",
            item["id"]
        );
        let cross = decision["cross_track"] == true;
        match item["label"].as_str().unwrap() {
            "mixed" => {
                figures.mixed.0 += 1;
                figures.mixed.1 += usize::from(cross);
            }
            label => {
                let right = decision["track"] == label;
                let entry = figures.per_label.entry(label.to_owned()).or_default();
                entry.0 += 1;
                entry.1 += usize::from(right);
                figures.false_cross += usize::from(cross);
                if decision["confidence"].as_f64().unwrap() >= apply_threshold {
                    figures.applied.0 += 1;
                    figures.applied.1 += usize::from(right);
                }
            }
        }
    }
    let (single, right) = figures.single();
    let labels: Vec<String> = figures
        .per_label
        .iter()
        .map(|(label, &(n, r))| format!("{label} {r}/{n} = {:.3}", share(r, n)))
        .collect();
    println!(
        "{set}: single-track {right}/{single} = {:.3} ({}); mixed marked cross-track {}/{} = {:.3}; \
         single-track falsely cross-track {}/{single} = {:.3}; applied at >= {apply_threshold}: \
         {}/{} right = {:.3}",
        share(right, single),
        labels.join(", "),
        figures.mixed.1,
        figures.mixed.0,
        share(figures.mixed.1, figures.mixed.0),
        figures.false_cross,
        share(figures.false_cross, single),
        figures.applied.1,
        figures.applied.0,
        share(figures.applied.1, figures.applied.0),
    );
    figures
}

#[tokio::test]
async fn classify_meets_the_accuracy_cross_track_and_calibration_bars_on_both_evaluation_sets() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let rules: Value = app
        .get("/v1/routing/rules", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    let apply_threshold = rules["thresholds"]["apply_threshold"].as_f64().unwrap();

    // The tidy company requests: at least the figures of the router before the short
    // questions were worked on (182/190 single-track right and 24/30 mixed marked).
    let dev = evaluate(&app, &coordinator, "routing_dev.jsonl", apply_threshold).await;
    let (single, right) = dev.single();
    assert!(
        right >= 182,
        "dev: {right}/{single} single-track items right"
    );
    assert!(
        share(dev.mixed.1, dev.mixed.0) >= 0.80,
        "dev: {}/{} mixed items marked cross-track",
        dev.mixed.1,
        dev.mixed.0
    );

    // Short questions in the askers' own styles (the bars).
    let questions = evaluate(
        &app,
        &coordinator,
        "routing_dev_questions.jsonl",
        apply_threshold,
    )
    .await;
    let (single, right) = questions.single();
    assert!(
        share(right, single) >= 0.95,
        "questions: {right}/{single} single-track items right, under 95%"
    );
    assert!(
        share(questions.mixed.1, questions.mixed.0) >= 0.60,
        "questions: {}/{} mixed items marked cross-track, under 60%",
        questions.mixed.1,
        questions.mixed.0
    );
    assert!(
        share(questions.false_cross, single) <= 0.08,
        "questions: {}/{single} single-track items falsely marked cross-track, over 8%",
        questions.false_cross
    );

    // Calibration: the decisions the shipped threshold applies without a coordinator are
    // right at least 97% of the time over both sets.
    let applied = dev.applied.0 + questions.applied.0;
    let applied_right = dev.applied.1 + questions.applied.1;
    println!(
        "calibration: at apply_threshold {apply_threshold}, {applied_right}/{applied} applied \
         decisions right = {:.3}",
        share(applied_right, applied)
    );
    assert!(
        share(applied_right, applied) >= 0.97,
        "{applied_right}/{applied} applied decisions right, under 97%"
    );
}

#[tokio::test]
async fn a_dry_run_explains_itself_and_treats_widths_and_cases_alike() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let mut tracks = Vec::new();
    for spelling in ["ＶＰＮ", "vpn", "VPN"] {
        let body = json!({"subject": format!("{spelling}の導入"), "description": format!("自宅から社内のファイルサーバに{spelling}で接続したい"), "topics": []});
        let decision: Value = app
            .post_json("/v1/routing/classify", &coordinator, &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(decision["track"], "ict", "{spelling}");
        assert!(
            decision["explanation"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["kind"] == "phrase" && s["track"] == "ict"),
            "{spelling}: {decision}"
        );
        tracks.push((decision["confidence"].clone(), decision["method"].clone()));
    }
    assert!(
        tracks.windows(2).all(|w| w[0] == w[1]),
        "one signal whatever the width: {tracks:?}"
    );

    let labor = json!({"subject": "在宅勤務の労働時間管理", "description": "中抜け時間の扱いと就業規則の改定方法を知りたい", "topics": ["labor.working_hours"]});
    let decision: Value = app
        .post_json("/v1/routing/classify", &coordinator, &labor)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decision["track"], "labor");
    assert!(decision["confidence"].as_f64().unwrap() > 0.5);
    assert!(["rules", "model"].contains(&decision["method"].as_str().unwrap()));
    assert_eq!(decision["rule_set_version"], 1);
}

#[tokio::test]
async fn bad_classify_input_gets_field_errors() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let cases = [
        (
            "empty text and no topics",
            json!({"subject": "", "description": "  ", "topics": []}),
            vec!["description"],
        ),
        (
            "unknown topic",
            json!({"subject": "VPN", "description": "x", "topics": ["ict.vpn", "labor.work_rules"]}),
            vec!["topics[0]"],
        ),
        (
            "over 20,000 characters",
            json!({"subject": "x", "description": "あ".repeat(20_001)}),
            vec!["description"],
        ),
        (
            "unknown field",
            json!({"subject": "x", "description": "y", "track": "ict"}),
            vec!["track"],
        ),
    ];
    for (why, body, fields) in cases {
        let response = app
            .post_json("/v1/routing/classify", &coordinator, &body)
            .await;
        let problem = assert_problem(response, 422, why).await;
        assert_eq!(error_fields(&problem), fields, "{why}");
    }
    for role in [Role::Partner, Role::Manager, Role::Analyst, Role::Admin] {
        let token = app.token_with_role(role).await;
        let response = app
            .post_json("/v1/routing/classify", &token, &json!({"subject": "VPN"}))
            .await;
        assert_problem(response, 403, &format!("{role} classifies")).await;
    }
}

#[tokio::test]
async fn rules_are_versioned_data_that_coordinators_replace_and_decisions_record() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let response = app.get("/v1/routing/rules", &coordinator).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["etag"], "\"1\"");
    let mut rules: Value = response.json().await.unwrap();
    assert_eq!(rules["version"], 1);
    assert!(rules["phrases"].as_array().unwrap().len() > 100);

    // A new phrase that decides an otherwise unknown word.
    rules["phrases"]
        .as_array_mut()
        .unwrap()
        .push(json!({"text": "ぷろとこるX", "track": "ict", "weight": 9.0}));
    let response = app
        .put_json("/v1/routing/rules", &coordinator, &rules)
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["version"], 2);
    let current: Value = app
        .get("/v1/routing/rules", &coordinator)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["version"], 2);

    let decision: Value = app
        .post_json(
            "/v1/routing/classify",
            &coordinator,
            &json!({"subject": "ぷろとこるXについて", "description": ""}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(decision["rule_set_version"], 2);
    assert!(
        decision["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["matched"] == "ぷろとこるX"),
        "{decision}"
    );

    // Writing from a stale read is refused, naming the current version.
    let stale = app
        .put_json("/v1/routing/rules", &coordinator, &rules)
        .await;
    let problem = assert_problem(stale, 409, "a stale rule set").await;
    assert_eq!(problem["current_version"], 2);
}

#[tokio::test]
async fn a_bad_rule_set_is_refused_whole_with_every_field_named() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut rules: Value = app
        .get("/v1/routing/rules", &admin)
        .await
        .json()
        .await
        .unwrap();
    rules["thresholds"]["apply_threshold"] = json!(-0.5);
    rules["phrases"][0]["track"] = json!("finance");
    rules["topics"][0]["code"] = json!("ict.nothing");
    let response = app.put_json("/v1/routing/rules", &admin, &rules).await;
    let problem = assert_problem(response, 422, "a bad rule set").await;
    let fields = error_fields(&problem);
    for expected in [
        "thresholds.apply_threshold",
        "phrases[0].track",
        "topics[0].code",
    ] {
        assert!(
            fields.iter().any(|f| f == expected),
            "{expected} missing from {fields:?}"
        );
    }
    let current: Value = app
        .get("/v1/routing/rules", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(current["version"], 1, "nothing was stored");

    let partner = app.token_with_role(Role::Partner).await;
    let response = app.get("/v1/routing/rules", &partner).await;
    assert_problem(response, 403, "a partner reads the rules").await;
}

#[tokio::test]
async fn topics_are_listed_with_japanese_and_english_labels() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let topics: Value = app.get("/v1/topics", &partner).await.json().await.unwrap();
    let topics = topics.as_array().unwrap();
    assert_eq!(topics.len(), 16);
    let remote = topics
        .iter()
        .find(|t| t["code"] == "ict.remote_access")
        .unwrap();
    assert!(!remote["label_ja"].as_str().unwrap().is_ascii());
    assert!(remote["label_en"].as_str().unwrap().is_ascii());
}
