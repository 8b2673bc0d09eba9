//! Training a model version from the shipped examples plus coordinators' overrides, and
//! measuring it before anyone activates it.
//!
//! A candidate model is judged two ways: on the labelled evaluation sets shipped with the
//! service (`tests/data/routing/`, embedded so a running service can evaluate without the
//! repository), and by k-fold cross-validation over the overrides themselves, which are the
//! only data that look like what the center actually receives. Everything here is pure and
//! deterministic: the same rules, examples and overrides give the same model and figures.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::classifier::model::{TrainingDataError, TrainingExample, shipped_training_data};
use crate::classifier::{NgramModel, Router, RouterError, RoutingInput, RuleSet};
use crate::domain::topic::Topic;
use crate::domain::track::Track;

/// The evaluation sets shipped with the service, by name (see `tests/data/routing/README.md`).
const SHIPPED_SETS: [(&str, &str); 2] = [
    (
        "routing_dev.jsonl",
        include_str!("../../tests/data/routing/routing_dev.jsonl"),
    ),
    (
        "routing_dev_questions.jsonl",
        include_str!("../../tests/data/routing/routing_dev_questions.jsonl"),
    ),
];

/// Folds of the cross-validation over overrides: five keeps each training set at 80% of
/// the overrides while costing five extra trainings.
pub const CROSS_VALIDATION_FOLDS: usize = 5;

/// A case with the track a coordinator chose for it.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledTicket {
    /// The case's subject.
    pub subject: String,
    /// The case's description.
    pub description: String,
    /// Its topic codes.
    pub topics: Vec<Topic>,
    /// The track chosen by a coordinator.
    pub track: Track,
}

impl LabelledTicket {
    /// The case as the router reads it.
    fn input(&self) -> RoutingInput {
        RoutingInput {
            subject: self.subject.clone(),
            description: self.description.clone(),
            topics: self.topics.clone(),
            industry: None,
        }
    }

    /// The case as a training example: the text the router reads (subject, a line break,
    /// description), so training and classification see the same n-grams.
    fn example(&self) -> TrainingExample {
        TrainingExample {
            text: format!("{}\n{}", self.subject, self.description),
            track: self.track,
        }
    }
}

/// The label of an evaluation item: a track, or `mixed` for a case needing both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum EvaluationLabel {
    Ict,
    Labor,
    Mixed,
}

/// One line of an evaluation set.
#[derive(Debug, Deserialize)]
struct EvaluationItem {
    subject: String,
    description: String,
    topics: Vec<String>,
    label: EvaluationLabel,
}

/// How a model did on one labelled evaluation set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SetEvaluation {
    /// The set's file name under `tests/data/routing/`.
    #[schema(example = "routing_dev_questions.jsonl")]
    pub name: String,
    /// Items that belong to one track.
    #[schema(example = 90)]
    pub single_track: usize,
    /// Of those, the ones routed to their track.
    #[schema(example = 86)]
    pub correct: usize,
    /// `correct / single_track`.
    #[schema(example = 0.956)]
    pub accuracy: f64,
    /// Items that need both tracks (`mixed`).
    #[schema(example = 30)]
    pub mixed: usize,
    /// Of those, the ones marked `cross_track`.
    #[schema(example = 18)]
    pub mixed_marked_cross_track: usize,
    /// Single-track items marked `cross_track` although they are not.
    #[schema(example = 8)]
    pub single_track_marked_cross_track: usize,
    /// Single-track decisions at or above the rule set's `apply_threshold`.
    #[schema(example = 63)]
    pub applied: usize,
    /// Of those, the ones on the right track: with `applied`, the calibration of the
    /// confidence at the threshold.
    #[schema(example = 61)]
    pub applied_correct: usize,
}

/// K-fold cross-validation over the overrides: each fold's overrides are classified by a
/// model trained on the shipped examples and the other folds' overrides.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CrossValidation {
    /// Number of folds (overrides are dealt to folds in the order they were made).
    #[schema(example = 5)]
    pub folds: usize,
    /// Overrides classified (all of them, each once).
    #[schema(example = 240)]
    pub overrides: usize,
    /// Of those, the ones routed to the track the coordinator chose.
    #[schema(example = 221)]
    pub correct: usize,
    /// `correct / overrides`.
    #[schema(example = 0.921)]
    pub accuracy: f64,
}

/// What a trained model version was measured at, before activation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ModelEvaluation {
    /// The rule-set version the model was evaluated with (decisions combine both).
    #[schema(example = 1)]
    pub rule_set_version: i64,
    /// One entry per shipped evaluation set.
    pub sets: Vec<SetEvaluation>,
    /// Over the overrides; `null` with fewer overrides than folds.
    pub cross_validation: Option<CrossValidation>,
}

/// A trained model with what it was trained on and how it did.
#[derive(Debug, Clone)]
pub struct TrainedModel {
    /// The model.
    pub model: NgramModel,
    /// Shipped examples it was trained on.
    pub examples: usize,
    /// Overrides it was trained on.
    pub overrides: usize,
    /// Its evaluation.
    pub evaluation: ModelEvaluation,
}

/// Why a model could not be trained or evaluated (a build defect or an invalid rule set).
#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    /// The shipped training examples do not parse.
    #[error(transparent)]
    TrainingData(#[from] TrainingDataError),
    /// A shipped evaluation set does not parse.
    #[error("evaluation set {name} line {line}: {source}")]
    EvaluationData {
        /// The set's file name.
        name: &'static str,
        /// 1-based line number.
        line: usize,
        /// What serde found wrong.
        #[source]
        source: serde_json::Error,
    },
    /// A router could not be built around the model.
    #[error(transparent)]
    Router(#[from] RouterError),
}

/// Trains a model on the shipped examples plus `overrides` and evaluates it with `rules`.
pub fn train_and_evaluate(
    rules: &RuleSet,
    overrides: &[LabelledTicket],
) -> Result<TrainedModel, TrainingError> {
    let shipped = shipped_training_data()?;
    let model = train(&shipped, overrides.iter());
    let router = Router::with_versioned_model(rules.clone(), Arc::new(model), 0)?;
    let mut sets = Vec::with_capacity(SHIPPED_SETS.len());
    for (name, jsonl) in SHIPPED_SETS {
        sets.push(evaluate_set(&router, name, &parse_set(name, jsonl)?));
    }
    let cross_validation = cross_validate(rules, &shipped, overrides)?;
    let model = Arc::unwrap_or_clone(router.model().clone());
    Ok(TrainedModel {
        model,
        examples: shipped.len(),
        overrides: overrides.len(),
        evaluation: ModelEvaluation {
            rule_set_version: rules.version,
            sets,
            cross_validation,
        },
    })
}

fn train<'a>(
    shipped: &[TrainingExample],
    overrides: impl Iterator<Item = &'a LabelledTicket>,
) -> NgramModel {
    let mut examples = shipped.to_vec();
    examples.extend(overrides.map(LabelledTicket::example));
    NgramModel::train(&examples)
}

/// Override `i` belongs to fold `i % folds`: dealing in order spreads every period of the
/// center's history over all folds, and is deterministic.
fn cross_validate(
    rules: &RuleSet,
    shipped: &[TrainingExample],
    overrides: &[LabelledTicket],
) -> Result<Option<CrossValidation>, TrainingError> {
    let folds = CROSS_VALIDATION_FOLDS;
    if overrides.len() < folds {
        return Ok(None);
    }
    let mut correct = 0;
    for fold in 0..folds {
        let training = overrides
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != fold)
            .map(|(_, ticket)| ticket);
        let model = train(shipped, training);
        let router = Router::with_versioned_model(rules.clone(), Arc::new(model), 0)?;
        correct += overrides
            .iter()
            .enumerate()
            .filter(|(i, ticket)| {
                i % folds == fold && router.classify(&ticket.input()).track == ticket.track
            })
            .count();
    }
    Ok(Some(CrossValidation {
        folds,
        overrides: overrides.len(),
        correct,
        accuracy: share(correct, overrides.len()),
    }))
}

fn parse_set(
    name: &'static str,
    jsonl: &str,
) -> Result<Vec<(EvaluationLabel, RoutingInput)>, TrainingError> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let item: EvaluationItem =
                serde_json::from_str(line).map_err(|source| TrainingError::EvaluationData {
                    name,
                    line: i + 1,
                    source,
                })?;
            let input = RoutingInput {
                subject: item.subject,
                description: item.description,
                // The sets are checked by the accuracy test; an unknown code is skipped
                // rather than failing a training run.
                topics: item
                    .topics
                    .iter()
                    .filter_map(|code| Topic::parse(code).ok())
                    .collect(),
                industry: None,
            };
            Ok((item.label, input))
        })
        .collect()
}

fn evaluate_set(
    router: &Router,
    name: &str,
    items: &[(EvaluationLabel, RoutingInput)],
) -> SetEvaluation {
    let threshold = router.rules().thresholds.apply_threshold;
    let mut figures = SetEvaluation {
        name: name.to_owned(),
        single_track: 0,
        correct: 0,
        accuracy: 0.0,
        mixed: 0,
        mixed_marked_cross_track: 0,
        single_track_marked_cross_track: 0,
        applied: 0,
        applied_correct: 0,
    };
    for (label, input) in items {
        let decision = router.classify(input);
        let expected = match label {
            EvaluationLabel::Mixed => {
                figures.mixed += 1;
                figures.mixed_marked_cross_track += usize::from(decision.cross_track);
                continue;
            }
            EvaluationLabel::Ict => Track::Ict,
            EvaluationLabel::Labor => Track::Labor,
        };
        let right = decision.track == expected;
        figures.single_track += 1;
        figures.correct += usize::from(right);
        figures.single_track_marked_cross_track += usize::from(decision.cross_track);
        if decision.confidence >= threshold {
            figures.applied += 1;
            figures.applied_correct += usize::from(right);
        }
    }
    figures.accuracy = share(figures.correct, figures.single_track);
    figures
}

/// A share rounded to three decimals (0 of nothing is 0).
fn share(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 1000.0).round() / 1000.0
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn case(text: &str, track: Track) -> LabelledTicket {
        LabelledTicket {
            subject: String::new(),
            description: text.to_owned(),
            topics: Vec::new(),
            track,
        }
    }

    #[test]
    fn the_shipped_evaluation_sets_parse_with_every_label() {
        for (name, jsonl) in SHIPPED_SETS {
            let items = parse_set(name, jsonl).unwrap();
            assert!(items.len() >= 100, "{name}: {}", items.len());
            for label in [
                EvaluationLabel::Ict,
                EvaluationLabel::Labor,
                EvaluationLabel::Mixed,
            ] {
                assert!(items.iter().any(|(l, _)| *l == label), "{name}: {label:?}");
            }
        }
    }

    #[test]
    fn training_without_overrides_reproduces_the_shipped_model_and_skips_cross_validation() {
        let rules = RuleSet::default_rules().unwrap();
        let trained = train_and_evaluate(&rules, &[]).unwrap();
        assert_eq!(trained.model, NgramModel::shipped().unwrap());
        assert_eq!(trained.overrides, 0);
        assert!(trained.evaluation.cross_validation.is_none());
        let names: Vec<&str> = trained
            .evaluation
            .sets
            .iter()
            .map(|s| s.name.as_str())
            .collect();
        assert_eq!(names, ["routing_dev.jsonl", "routing_dev_questions.jsonl"]);
        let questions = &trained.evaluation.sets[1];
        assert_eq!(questions.single_track + questions.mixed, 120);
        assert!(questions.accuracy > 0.9, "{questions:?}");
    }

    #[test]
    fn overrides_teach_the_model_and_are_cross_validated_fold_by_fold() {
        let rules = RuleSet::default_rules().unwrap();
        let overrides: Vec<LabelledTicket> = (0..10)
            .map(|i| case(&format!("ぴよぴよ案件その{i}について"), Track::Labor))
            .collect();
        let trained = train_and_evaluate(&rules, &overrides).unwrap();
        let cv = trained.evaluation.cross_validation.unwrap();
        assert_eq!((cv.folds, cv.overrides), (CROSS_VALIDATION_FOLDS, 10));
        assert_eq!(
            cv.correct, 10,
            "each held-out fold is learned from the others"
        );
        let router = Router::with_versioned_model(rules, Arc::new(trained.model), 7).unwrap();
        let decision = router.classify(&case("ぴよぴよ案件", Track::Labor).input());
        assert_eq!(decision.track, Track::Labor, "{decision:?}");
        assert_eq!(decision.model_version, 7);
        assert!(
            decision
                .explanation
                .iter()
                .any(|s| s.model_version == Some(7)),
            "the explanation names the model version: {decision:?}"
        );
    }
}
