//! The routing rule set: coordinators' knowledge as data (`GET`/`PUT /v1/routing/rules`).
//!
//! Tracks and topic codes are plain strings on the wire on purpose: a typo such as
//! `"labour"` must come back as a validation error naming `phrases[3].track`, which serde
//! cannot do for an enum (it stops at the first failure and reports a byte offset).
//! [`RuleSet::validate`] therefore checks everything and lists every bad field at once.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::classifier::normalize::normalize;
use crate::domain::topic::Topic;
use crate::domain::track::Track;
use crate::error::FieldError;

/// Most phrases a rule set may hold; far above any hand-kept list, low enough that a
/// runaway import cannot make every classification slow.
pub const MAX_PHRASES: usize = 5_000;
/// Longest phrase, in characters; rules are words and short expressions, not sentences.
pub const MAX_PHRASE_CHARS: usize = 100;
/// Largest weight of one rule. Weights are log-odds; 10 already means "certain" (e^10:1).
pub const MAX_WEIGHT: f64 = 10.0;

/// The shipped default rule set, embedded so the service starts with no files around it.
const DEFAULT_RULES_JSON: &str = include_str!("default_rules.json");

/// A versioned routing rule set.
///
/// Each rule adds its `weight` to the score of its track when it matches. Weights are
/// log-odds: a difference of 2 between the tracks means roughly 88 % confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "version": 3,
    "thresholds": {
        "apply_threshold": 0.8,
        "rules_decisive_margin": 0.5,
        "rules_min_score": 2.0,
        "cross_track_min_score": 3.5,
        "cross_track_ratio": 0.35
    },
    "phrases": [
        {"text": "VPN", "track": "ict", "weight": 3.0},
        {"text": "就業規則", "track": "labor", "weight": 3.0}
    ],
    "topics": [{"code": "ict.security", "track": "ict", "weight": 1.0}],
    "industries": []
}))]
pub struct RuleSet {
    /// Version recorded on every decision made with this rule set; must be positive.
    pub version: i64,
    /// When rules decide, when a decision applies by itself, when a case is cross-track.
    pub thresholds: Thresholds,
    /// Words and expressions that point to a track (matched after normalization).
    pub phrases: Vec<PhraseRule>,
    /// Evidence from the topic codes given at intake.
    pub topics: Vec<TopicRule>,
    /// Evidence from the company's industry (JSIC major division); often empty.
    #[serde(default)]
    pub industries: Vec<IndustryRule>,
}

/// The numbers that turn scores into a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// Confidence (0–1) at or above which a decision is applied at intake without waiting
    /// for a coordinator.
    #[schema(example = 0.8)]
    pub apply_threshold: f64,
    /// Smallest relative margin `(winner - loser) / (winner + loser)` (0–1) of the rule
    /// scores for the rules alone to decide; below it the statistical model decides.
    #[schema(example = 0.5)]
    pub rules_decisive_margin: f64,
    /// Smallest winning rule score (≥ 0) for the rules alone to decide; one weak word is
    /// not enough.
    #[schema(example = 2.0)]
    pub rules_min_score: f64,
    /// Rule score (≥ 0) each track must reach for a case to be marked cross-track.
    #[schema(example = 3.5)]
    pub cross_track_min_score: f64,
    /// Smallest ratio (0–1) of the weaker track's rule score to the stronger's for a case
    /// to be marked cross-track.
    #[schema(example = 0.35)]
    pub cross_track_ratio: f64,
}

/// A phrase that, when found in the subject or description, is evidence for a track.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PhraseRule {
    /// The phrase as written; matched after normalization (width, case, long vowels), so
    /// `VPN` also finds ＶＰＮ and vpn. Latin phrases match at word starts only.
    #[schema(example = "VPN")]
    pub text: String,
    /// `ict` or `labor`.
    #[schema(example = "ict")]
    pub track: String,
    /// Log-odds evidence the phrase adds to its track, in (0, 10].
    #[schema(example = 2.5)]
    pub weight: f64,
}

/// Evidence from one topic code chosen at intake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopicRule {
    /// A topic code, e.g. `labor.working_hours`.
    #[schema(example = "ict.security")]
    pub code: String,
    /// `ict` or `labor`.
    #[schema(example = "ict")]
    pub track: String,
    /// Log-odds evidence the topic adds to its track, in (0, 10].
    #[schema(example = 1.0)]
    pub weight: f64,
}

/// Evidence from the company's industry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IndustryRule {
    /// JSIC major division, one letter `A`–`T`.
    #[schema(example = "G")]
    pub code: String,
    /// `ict` or `labor`.
    #[schema(example = "ict")]
    pub track: String,
    /// Log-odds evidence the industry adds to its track, in (0, 10].
    #[schema(example = 0.3)]
    pub weight: f64,
}

/// Why the shipped default rule set could not be loaded (a build defect, caught by tests).
#[derive(Debug, thiserror::Error)]
pub enum DefaultRulesError {
    /// The embedded JSON does not deserialize.
    #[error("embedded default_rules.json does not parse")]
    Parse(#[from] serde_json::Error),
    /// The embedded rules deserialize but break a validation rule.
    #[error("embedded default_rules.json is invalid: {0:?}")]
    Invalid(Vec<FieldError>),
}

impl RuleSet {
    /// The rule set shipped with the service, validated.
    pub fn default_rules() -> Result<RuleSet, DefaultRulesError> {
        let rules: RuleSet = serde_json::from_str(DEFAULT_RULES_JSON)?;
        rules.validate().map_err(DefaultRulesError::Invalid)?;
        Ok(rules)
    }

    /// Checks every field and returns all problems, each with its JSON path
    /// (`phrases[3].track`), so a coordinator can fix a rule set in one round trip.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        if self.version < 1 {
            errors.push(field_error("version", "must be a positive integer"));
        }
        self.thresholds.validate(&mut errors);

        if self.phrases.len() > MAX_PHRASES {
            errors.push(field_error(
                "phrases",
                format!(
                    "has {} entries; at most {MAX_PHRASES} are allowed",
                    self.phrases.len()
                ),
            ));
        }
        // Duplicates are judged after normalization: "VPN" and "ｖｐｎ" are one rule, and
        // two copies would silently double its weight.
        let mut seen_phrases: HashMap<String, usize> = HashMap::new();
        for (i, phrase) in self.phrases.iter().enumerate() {
            let path = format!("phrases[{i}]");
            let normalized = normalize(&phrase.text);
            if normalized.is_empty() {
                errors.push(field_error(format!("{path}.text"), "must not be empty"));
            } else if phrase.text.chars().count() > MAX_PHRASE_CHARS {
                errors.push(field_error(
                    format!("{path}.text"),
                    format!("is longer than {MAX_PHRASE_CHARS} characters"),
                ));
            } else if let Some(first) = seen_phrases.get(&normalized) {
                errors.push(field_error(
                    format!("{path}.text"),
                    format!("duplicates phrases[{first}] (both normalize to {normalized:?})"),
                ));
            } else {
                seen_phrases.insert(normalized, i);
            }
            validate_track(&phrase.track, &format!("{path}.track"), &mut errors);
            validate_weight(phrase.weight, &format!("{path}.weight"), &mut errors);
        }

        let mut seen_topics: HashMap<Topic, usize> = HashMap::new();
        for (i, rule) in self.topics.iter().enumerate() {
            let path = format!("topics[{i}]");
            match Topic::parse(&rule.code) {
                Err(_) => errors.push(field_error(
                    format!("{path}.code"),
                    format!("{:?} is not a topic code (see GET /v1/topics)", rule.code),
                )),
                Ok(topic) => {
                    if let Some(first) = seen_topics.insert(topic, i) {
                        errors.push(field_error(
                            format!("{path}.code"),
                            format!("duplicates topics[{first}]"),
                        ));
                    }
                }
            }
            validate_track(&rule.track, &format!("{path}.track"), &mut errors);
            validate_weight(rule.weight, &format!("{path}.weight"), &mut errors);
        }

        let mut seen_industries: HashMap<&str, usize> = HashMap::new();
        for (i, rule) in self.industries.iter().enumerate() {
            let path = format!("industries[{i}]");
            if !is_jsic_division(&rule.code) {
                errors.push(field_error(
                    format!("{path}.code"),
                    format!(
                        "{:?} is not a JSIC major division (one capital letter A-T)",
                        rule.code
                    ),
                ));
            } else if let Some(first) = seen_industries.insert(rule.code.as_str(), i) {
                errors.push(field_error(
                    format!("{path}.code"),
                    format!("duplicates industries[{first}]"),
                ));
            }
            validate_track(&rule.track, &format!("{path}.track"), &mut errors);
            validate_weight(rule.weight, &format!("{path}.weight"), &mut errors);
        }

        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }
}

impl Thresholds {
    fn validate(&self, errors: &mut Vec<FieldError>) {
        let unit_interval = [
            ("apply_threshold", self.apply_threshold),
            ("rules_decisive_margin", self.rules_decisive_margin),
            ("cross_track_ratio", self.cross_track_ratio),
        ];
        for (name, value) in unit_interval {
            if !(value.is_finite() && (0.0..=1.0).contains(&value)) {
                errors.push(field_error(
                    format!("thresholds.{name}"),
                    format!("must be a number from 0 to 1, got {value}"),
                ));
            }
        }
        let scores = [
            ("rules_min_score", self.rules_min_score),
            ("cross_track_min_score", self.cross_track_min_score),
        ];
        for (name, value) in scores {
            if !(value.is_finite() && value >= 0.0) {
                errors.push(field_error(
                    format!("thresholds.{name}"),
                    format!("must be a finite number at least 0, got {value}"),
                ));
            }
        }
    }
}

/// True for a JSIC (日本標準産業分類) major division letter, `A` to `T`.
pub fn is_jsic_division(code: &str) -> bool {
    let mut chars = code.chars();
    matches!((chars.next(), chars.next()), (Some('A'..='T'), None))
}

fn validate_track(track: &str, path: &str, errors: &mut Vec<FieldError>) {
    if Track::parse(track).is_err() {
        errors.push(field_error(
            path,
            format!("{track:?} is not a track; expected \"ict\" or \"labor\""),
        ));
    }
}

fn validate_weight(weight: f64, path: &str, errors: &mut Vec<FieldError>) {
    if !(weight.is_finite() && weight > 0.0 && weight <= MAX_WEIGHT) {
        errors.push(field_error(
            path,
            format!("must be greater than 0 and at most {MAX_WEIGHT}, got {weight}"),
        ));
    }
}

pub(crate) fn field_error(field: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        field: field.into(),
        message: message.into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn small_valid() -> RuleSet {
        RuleSet {
            version: 1,
            thresholds: Thresholds {
                apply_threshold: 0.8,
                rules_decisive_margin: 0.5,
                rules_min_score: 2.0,
                cross_track_min_score: 2.5,
                cross_track_ratio: 0.35,
            },
            phrases: vec![
                PhraseRule {
                    text: "VPN".into(),
                    track: "ict".into(),
                    weight: 2.5,
                },
                PhraseRule {
                    text: "就業規則".into(),
                    track: "labor".into(),
                    weight: 2.5,
                },
            ],
            topics: vec![TopicRule {
                code: "ict.security".into(),
                track: "ict".into(),
                weight: 1.0,
            }],
            industries: vec![IndustryRule {
                code: "G".into(),
                track: "ict".into(),
                weight: 0.3,
            }],
        }
    }

    #[test]
    fn the_shipped_default_rules_parse_and_validate() {
        let rules = RuleSet::default_rules().unwrap();
        assert!(rules.phrases.len() > 200, "default lexicon looks truncated");
        for track in ["ict", "labor"] {
            assert!(rules.phrases.iter().any(|p| p.track == track), "{track}");
        }
    }

    #[test]
    fn a_small_valid_rule_set_passes() {
        assert_eq!(small_valid().validate(), Ok(()));
    }

    #[test]
    fn each_bad_field_is_reported_by_its_path() {
        type Breaker = fn(&mut RuleSet);
        let cases: Vec<(&str, &str, Breaker)> = vec![
            ("zero version", "version", |r| r.version = 0),
            (
                "negative apply threshold",
                "thresholds.apply_threshold",
                |r| r.thresholds.apply_threshold = -0.1,
            ),
            (
                "apply threshold above 1",
                "thresholds.apply_threshold",
                |r| r.thresholds.apply_threshold = 1.5,
            ),
            ("NaN margin", "thresholds.rules_decisive_margin", |r| {
                r.thresholds.rules_decisive_margin = f64::NAN
            }),
            ("ratio above 1", "thresholds.cross_track_ratio", |r| {
                r.thresholds.cross_track_ratio = 1.01
            }),
            ("negative min score", "thresholds.rules_min_score", |r| {
                r.thresholds.rules_min_score = -1.0
            }),
            (
                "infinite cross min",
                "thresholds.cross_track_min_score",
                |r| r.thresholds.cross_track_min_score = f64::INFINITY,
            ),
            ("empty phrase", "phrases[1].text", |r| {
                r.phrases[1].text = "  ".into()
            }),
            ("overlong phrase", "phrases[0].text", |r| {
                r.phrases[0].text = "あ".repeat(MAX_PHRASE_CHARS + 1)
            }),
            ("duplicate after width folding", "phrases[2].text", |r| {
                r.phrases.push(PhraseRule {
                    text: "ｖｐｎ".into(),
                    track: "ict".into(),
                    weight: 1.0,
                })
            }),
            ("unknown phrase track", "phrases[1].track", |r| {
                r.phrases[1].track = "labour".into()
            }),
            ("zero weight", "phrases[0].weight", |r| {
                r.phrases[0].weight = 0.0
            }),
            ("negative weight", "phrases[0].weight", |r| {
                r.phrases[0].weight = -2.0
            }),
            ("non-finite weight", "phrases[1].weight", |r| {
                r.phrases[1].weight = f64::INFINITY
            }),
            ("weight above the cap", "phrases[1].weight", |r| {
                r.phrases[1].weight = MAX_WEIGHT + 1.0
            }),
            ("unknown topic code", "topics[0].code", |r| {
                r.topics[0].code = "ict.vpn".into()
            }),
            ("duplicate topic", "topics[1].code", |r| {
                let copy = r.topics[0].clone();
                r.topics.push(copy)
            }),
            ("unknown topic track", "topics[0].track", |r| {
                r.topics[0].track = "general".into()
            }),
            ("zero topic weight", "topics[0].weight", |r| {
                r.topics[0].weight = 0.0
            }),
            ("bad industry code", "industries[0].code", |r| {
                r.industries[0].code = "Z".into()
            }),
            ("lowercase industry code", "industries[0].code", |r| {
                r.industries[0].code = "g".into()
            }),
            ("unknown industry track", "industries[0].track", |r| {
                r.industries[0].track = "".into()
            }),
            ("too many phrases", "phrases", |r| {
                r.phrases = (0..=MAX_PHRASES)
                    .map(|i| PhraseRule {
                        text: format!("phrase {i}"),
                        track: "ict".into(),
                        weight: 1.0,
                    })
                    .collect()
            }),
        ];
        for (why, field, breaker) in cases {
            let mut rules = small_valid();
            breaker(&mut rules);
            let errors = rules.validate().expect_err(why);
            assert_eq!(
                errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(),
                vec![field],
                "{why}: expected exactly one error on {field}, got {errors:?}"
            );
        }
    }

    #[test]
    fn all_problems_are_listed_at_once() {
        let mut rules = small_valid();
        rules.version = -3;
        rules.thresholds.apply_threshold = 2.0;
        rules.phrases[0].track = "it".into();
        rules.phrases[1].weight = -1.0;
        rules.topics[0].code = "nope".into();
        let fields: Vec<String> = rules
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            [
                "version",
                "thresholds.apply_threshold",
                "phrases[0].track",
                "phrases[1].weight",
                "topics[0].code"
            ]
        );
    }

    #[test]
    fn unknown_json_fields_are_refused_but_a_bad_track_reaches_the_validator() {
        let base = serde_json::to_value(small_valid()).unwrap();

        let mut extra = base.clone();
        extra["thresholds"]["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<RuleSet>(extra).is_err());

        let mut extra_phrase = base.clone();
        extra_phrase["phrases"][0]["lang"] = serde_json::json!("en");
        assert!(serde_json::from_value::<RuleSet>(extra_phrase).is_err());

        let mut bad_track = base;
        bad_track["phrases"][1]["track"] = serde_json::json!("labour");
        let rules: RuleSet = serde_json::from_value(bad_track).unwrap();
        let errors = rules.validate().unwrap_err();
        assert_eq!(errors[0].field, "phrases[1].track");
        assert!(errors[0].message.contains("labour"));
    }

    #[test]
    fn industries_may_be_omitted() {
        let mut value = serde_json::to_value(small_valid()).unwrap();
        value.as_object_mut().unwrap().remove("industries");
        let rules: RuleSet = serde_json::from_value(value).unwrap();
        assert!(rules.industries.is_empty());
    }
}
