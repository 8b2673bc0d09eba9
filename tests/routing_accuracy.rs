//! Accuracy of the shipped router on the held-out development set.
//!
//! The set (`shared/data/routing/routing_dev.jsonl`) is for measuring only: nothing in the
//! lexicon or the training examples is taken from it. Items are labelled `ict`, `labor`
//! or `mixed` (needs both tracks).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use onestop::routing::{Router, RoutingInput, RoutingMethod, parse_topics};
use serde::Deserialize;

#[derive(Deserialize)]
struct DevItem {
    id: String,
    subject: String,
    description: String,
    topics: Vec<String>,
    label: String,
}

/// The shared folder sits beside the crate in the service (`/work/main/../shared`) and two
/// levels up from the scratch crate (`/work/scratch/routing/../../shared`).
fn dev_set_path() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    ["..", "../.."]
        .iter()
        .map(|up| {
            manifest
                .join(up)
                .join("shared/data/routing/routing_dev.jsonl")
        })
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("routing_dev.jsonl not found beside {}", manifest.display()))
}

#[test]
fn the_router_meets_its_accuracy_and_cross_track_targets_on_the_dev_set() {
    let router = Router::with_default_rules().unwrap();
    let text = std::fs::read_to_string(dev_set_path()).unwrap();
    let items: Vec<DevItem> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    let (mut single, mut correct, mut false_cross) = (0, 0, 0);
    let (mut mixed, mut mixed_cross) = (0, 0);
    let (mut by_rules, mut applied, mut applied_correct) = (0, 0, 0);
    let mut misses = Vec::new();
    for item in &items {
        let topics = parse_topics(&item.topics).unwrap();
        let input = RoutingInput::new(&item.subject, &item.description, topics, None).unwrap();
        let decision = router.classify(&input);
        if item.label == "mixed" {
            mixed += 1;
            mixed_cross += usize::from(decision.cross_track);
            continue;
        }
        single += 1;
        let right = decision.track.as_str() == item.label;
        correct += usize::from(right);
        false_cross += usize::from(decision.cross_track);
        by_rules += usize::from(decision.method == RoutingMethod::Rules);
        if router.should_apply(&decision) {
            applied += 1;
            applied_correct += usize::from(right);
        }
        if !right {
            misses.push(format!(
                "{} ({:?}, {:.2})",
                item.id, decision.method, decision.confidence
            ));
        }
    }

    let pct = |n: usize, d: usize| 100.0 * n as f64 / d.max(1) as f64;
    let accuracy = pct(correct, single);
    let cross_recall = pct(mixed_cross, mixed);
    let false_cross_rate = pct(false_cross, single);
    println!("single-track accuracy: {correct}/{single} = {accuracy:.1}%");
    println!("cross_track on mixed:  {mixed_cross}/{mixed} = {cross_recall:.1}%");
    println!("cross_track on single: {false_cross}/{single} = {false_cross_rate:.1}%");
    println!(
        "decided by rules: {by_rules}/{single}; auto-applied: {applied}/{single}, of which correct {applied_correct}"
    );
    println!("misrouted: {}", misses.join(", "));

    assert!(accuracy >= 92.0, "accuracy {accuracy:.1}% is below 92%");
    assert!(
        cross_recall >= 70.0,
        "cross-track on mixed {cross_recall:.1}% is below 70%"
    );
    assert!(
        false_cross_rate <= 15.0,
        "cross-track on single-track items {false_cross_rate:.1}% is above 15%"
    );
}
