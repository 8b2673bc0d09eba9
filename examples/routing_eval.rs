//! Prints the router's figures on the evaluation sets of `tests/data/routing/`, and with
//! `-v` every item it gets wrong: a quick loop for working on the classifier without the
//! HTTP test. `cargo run --example routing_eval [-- -v]`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use onestop::classifier::{Router, RoutingInput, parse_topics};
use serde_json::Value;

fn main() {
    let verbose = std::env::args().any(|a| a == "-v");
    let router = Router::with_default_rules().unwrap();
    let threshold = router.rules().thresholds.apply_threshold;

    let mut confidences: Vec<(f64, bool)> = Vec::new();
    for set in ["routing_dev.jsonl", "routing_dev_questions.jsonl"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/routing")
            .join(set);
        let text = std::fs::read_to_string(path).unwrap();
        let (mut single, mut correct, mut false_cross, mut mixed, mut mixed_cross) =
            (0, 0, 0, 0, 0);
        let mut per_label = std::collections::BTreeMap::<String, (usize, usize)>::new();
        let (mut applied, mut applied_right) = (0, 0);
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let item: Value = serde_json::from_str(line).unwrap();
            let codes: Vec<String> = item["topics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
                .collect();
            let input = RoutingInput::new(
                item["subject"].as_str().unwrap(),
                item["description"].as_str().unwrap(),
                parse_topics(&codes).unwrap(),
                None,
            )
            .unwrap();
            let decision = router.classify(&input);
            let label = item["label"].as_str().unwrap();
            let track = decision.track.to_string();
            if label == "mixed" {
                mixed += 1;
                mixed_cross += usize::from(decision.cross_track);
                if verbose && !decision.cross_track {
                    println!(
                        "  MISSED-CROSS {} {:?} {}",
                        item["id"],
                        decision.method,
                        summary(&decision)
                    );
                }
            } else {
                single += 1;
                let right = track == label;
                correct += usize::from(right);
                false_cross += usize::from(decision.cross_track);
                let entry = per_label.entry(label.to_owned()).or_default();
                entry.0 += 1;
                entry.1 += usize::from(right);
                if decision.confidence >= threshold {
                    applied += 1;
                    applied_right += usize::from(right);
                }
                confidences.push((decision.confidence, right));
                if verbose && (!right || decision.cross_track) {
                    println!(
                        "  {} {} want {label} got {track} {:.3} {:?} cross={} {}",
                        if right { "FALSE-CROSS" } else { "WRONG" },
                        item["id"],
                        decision.confidence,
                        decision.method,
                        decision.cross_track,
                        summary(&decision)
                    );
                }
            }
        }
        println!(
            "{set}: single {correct}/{single} = {:.3}; per label {per_label:?}; mixed cross {mixed_cross}/{mixed} = {:.3}; false cross {false_cross}/{single} = {:.3}; applied (>= {threshold}) {applied_right}/{applied} = {:.3}",
            correct as f64 / single as f64,
            mixed_cross as f64 / mixed as f64,
            false_cross as f64 / single as f64,
            applied_right as f64 / applied.max(1) as f64,
        );
    }
    confidences.sort_by(|a, b| b.0.total_cmp(&a.0));
    for t in [0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.97, 0.99] {
        let above: Vec<_> = confidences.iter().filter(|c| c.0 >= t).collect();
        let right = above.iter().filter(|c| c.1).count();
        println!(
            "  threshold {t}: {right}/{} = {:.3}",
            above.len(),
            right as f64 / above.len().max(1) as f64
        );
    }
}

fn summary(decision: &onestop::classifier::RoutingDecision) -> String {
    decision
        .explanation
        .iter()
        .take(6)
        .map(|s| format!("{}:{}:{}", s.matched, s.track, s.weight))
        .collect::<Vec<_>>()
        .join(" ")
}
