//! Case routing: which expert track answers a case, how sure we are, and why.
//!
//! Two layers, so that a coordinator can always read the reason:
//!
//! 1. **Rules** ([`RuleSet`]): weighted phrases, topic codes and industry hints kept as data.
//!    When they point clearly one way they decide (`method: rules`). Phrases inside a clause
//!    that describes something already settled (「就業規則は改定済み」) count for less
//!    ([`context`]), because companies describe what they have before what they need; so
//!    do the devices and lines of a text that asks who pays for them ([`payment`]): the
//!    device is then the object of a labor question, not a technical need.
//! 2. **Model** ([`model::NgramModel`]): naive Bayes over character n-grams, trained at
//!    start-up on the shipped examples. It decides when the rules are silent or torn
//!    (`method: model`), with the rule evidence added to its log-odds, and the n-grams
//!    that weighed most are listed in the explanation.
//!
//! A case is cross-track when both tracks have substantial rule evidence, so a coordinator
//! can open a linked case on the other track.

pub mod context;
pub mod evaluation;
pub mod input;
pub mod model;
pub mod normalize;
pub mod payment;
pub mod rules;

use crate::domain::wire::wire_enum;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::classifier::context::SettledClauses;
use crate::domain::topic::Topic;
use crate::domain::track::Track;
use crate::error::FieldError;

pub use input::{ClassifyRequest, MAX_TEXT_CHARS, RoutingInput, parse_topics};
pub use model::{NgramModel, StoredModelError, TrainingDataError, TrainingExample};
pub use normalize::normalize;
pub use rules::{DefaultRulesError, IndustryRule, PhraseRule, RuleSet, Thresholds, TopicRule};

/// How many model n-grams an explanation lists; more would bury the rule signals.
const MODEL_SIGNALS: usize = 5;

wire_enum!(
    /// How a routing decision was reached.
    #[schema(example = "rules")]
    RoutingMethod {
        /// The rule set's phrases, topics and industry hints decided.
        Rules => "rules",
        /// The rules were not decisive; the statistical model decided (rule evidence included).
        Model => "model",
        /// A coordinator set the track.
        Manual => "manual",
    }
);

wire_enum!(
    /// What kind of evidence a [`Signal`] is.
    #[schema(example = "phrase")]
    SignalKind {
        /// A rule-set phrase found in the subject or description.
        Phrase => "phrase",
        /// A topic code given with the case.
        Topic => "topic",
        /// The company's industry.
        Industry => "industry",
        /// A character n-gram the statistical model weighed.
        Model => "model",
    }
);

/// One piece of evidence behind a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"kind": "phrase", "matched": "VPN", "track": "ict", "weight": 2.5}))]
pub struct Signal {
    /// Where the evidence came from.
    pub kind: SignalKind,
    /// The phrase as written in the rule set, the topic code, the industry letter, or the
    /// n-gram of normalized text the model weighed.
    pub matched: String,
    /// The track the evidence points to.
    pub track: Track,
    /// Its strength in log-odds (positive; larger is stronger). A phrase found only in a
    /// clause about something already settled shows its reduced weight.
    pub weight: f64,
    /// For a model n-gram: the version of the model that weighed it (0 is the model
    /// trained on the shipped examples; higher versions were trained with coordinators'
    /// overrides, see `/v1/routing/models`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = json!(null))]
    pub model_version: Option<i64>,
}

/// The routing of one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "track": "labor",
    "confidence": 0.999,
    "cross_track": false,
    "method": "rules",
    "explanation": [
        {"kind": "phrase", "matched": "就業規則", "track": "labor", "weight": 3.0},
        {"kind": "phrase", "matched": "中抜け", "track": "labor", "weight": 3.0},
        {"kind": "topic", "matched": "labor.working_hours", "track": "labor", "weight": 1.0}
    ],
    "rule_set_version": 3,
    "model_version": 0
}))]
pub struct RoutingDecision {
    /// The track that should answer the case.
    pub track: Track,
    /// How sure the router is, from 0.5 (a coin toss) to 1.
    pub confidence: f64,
    /// True when both tracks' expertise is clearly needed.
    pub cross_track: bool,
    /// Whether rules, the model or a coordinator decided.
    pub method: RoutingMethod,
    /// The evidence, strongest rule signals first, then the model's n-grams.
    pub explanation: Vec<Signal>,
    /// Version of the rule set that was used.
    pub rule_set_version: i64,
    /// Version of the statistical model that was in use (0: the model trained on the
    /// shipped examples; decisions recorded before models were versioned read as 0).
    #[serde(default)]
    pub model_version: i64,
}

/// Why a router could not be built.
#[derive(Debug, thiserror::Error)]
pub enum RouterError {
    /// The rule set failed validation; every bad field is listed.
    #[error("the routing rule set is invalid")]
    InvalidRules(Vec<FieldError>),
    /// The shipped default rules do not load (a build defect).
    #[error(transparent)]
    DefaultRules(#[from] DefaultRulesError),
    /// The shipped training data does not parse (a build defect).
    #[error(transparent)]
    TrainingData(#[from] TrainingDataError),
    /// The phrase automaton could not be built (only possible with absurd sizes).
    #[error("could not compile the rule phrases")]
    Automaton(#[from] aho_corasick::BuildError),
}

/// A phrase rule after validation, ready for matching.
#[derive(Debug, Clone)]
struct CompiledPhrase {
    text: String,
    track: Track,
    weight: f64,
    /// Latin phrases must start at a word boundary, so `pc` does not fire inside `upcoming`.
    latin_start: bool,
    /// Latin phrases must end at a word boundary (an English plural `s`/`es` allowed), so
    /// `pc` does not fire inside `pcr` while `allowance` still finds `allowances`.
    latin_end: bool,
    /// A labor phrase asking who pays ([`payment::asks_who_pays`]).
    who_pays: bool,
    /// An ICT phrase that only names a device or a line ([`payment::names_a_device`]).
    device: bool,
}

/// The classifier: a rule set compiled for matching plus the trained model.
///
/// Build it once (construction trains the model, a few milliseconds) and share it; it is
/// immutable, so `Arc<Router>` serves any number of threads.
#[derive(Debug, Clone)]
pub struct Router {
    rules: RuleSet,
    phrases: Vec<CompiledPhrase>,
    automaton: AhoCorasick,
    topics: [Option<(Track, f64)>; Topic::ALL.len()],
    industries: Vec<(String, Track, f64)>,
    /// Shared: a model trained on many overrides is large, and a rule change must not copy it.
    model: Arc<NgramModel>,
    model_version: i64,
    settled: SettledClauses,
}

/// The version of the model trained on the shipped examples alone.
pub const SHIPPED_MODEL_VERSION: i64 = 0;

impl Router {
    /// Validates `rules`, compiles the phrases and trains the model on the shipped examples.
    pub fn new(rules: RuleSet) -> Result<Router, RouterError> {
        Router::with_model(rules, NgramModel::shipped()?)
    }

    /// Builds a router around an already-trained model (e.g. to reuse one across rule
    /// updates, or to try other training data), recorded as the shipped model's version.
    pub fn with_model(rules: RuleSet, model: NgramModel) -> Result<Router, RouterError> {
        Router::with_versioned_model(rules, Arc::new(model), SHIPPED_MODEL_VERSION)
    }

    /// Builds a router around a stored model version; decisions record `model_version`.
    pub fn with_versioned_model(
        rules: RuleSet,
        model: Arc<NgramModel>,
        model_version: i64,
    ) -> Result<Router, RouterError> {
        rules.validate().map_err(RouterError::InvalidRules)?;
        let mut phrases = Vec::with_capacity(rules.phrases.len());
        let mut patterns = Vec::with_capacity(rules.phrases.len());
        for rule in &rules.phrases {
            let pattern = normalize(&rule.text);
            phrases.push(CompiledPhrase {
                text: rule.text.clone(),
                track: parse_validated_track(&rule.track),
                weight: rule.weight,
                latin_start: pattern.starts_with(|c: char| c.is_ascii_alphanumeric()),
                latin_end: pattern.ends_with(|c: char| c.is_ascii_alphanumeric()),
                who_pays: rule.track == "labor" && payment::asks_who_pays(&rule.text),
                device: rule.track == "ict" && payment::names_a_device(&rule.text),
            });
            patterns.push(pattern);
        }
        // Overlapping search: a phrase rejected at a word boundary must not hide a shorter
        // one that matches at the same place.
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            // A full DFA costs memory and build time once, and is the fastest to search.
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)?;

        let mut topics = [None; Topic::ALL.len()];
        for rule in &rules.topics {
            if let Ok(topic) = Topic::parse(&rule.code) {
                topics[topic as usize] = Some((parse_validated_track(&rule.track), rule.weight));
            }
        }
        let industries = rules
            .industries
            .iter()
            .map(|r| (r.code.clone(), parse_validated_track(&r.track), r.weight))
            .collect();
        Ok(Router {
            rules,
            phrases,
            automaton,
            topics,
            industries,
            model,
            model_version,
            settled: SettledClauses::new()?,
        })
    }

    /// A router with the shipped default rules and model.
    pub fn with_default_rules() -> Result<Router, RouterError> {
        Router::new(RuleSet::default_rules()?)
    }

    /// The rule set this router was built from (for `GET /v1/routing/rules`).
    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// The version of the model this router uses.
    pub fn model_version(&self) -> i64 {
        self.model_version
    }

    /// The model this router uses.
    pub fn model(&self) -> &Arc<NgramModel> {
        &self.model
    }

    /// A coordinator's decision for `track` (an override, or a twin opened on the other
    /// track), under this router's versions: it always applies, and keeps whether the
    /// question needs both tracks.
    pub fn manual(&self, track: Track, cross_track: bool) -> RoutingDecision {
        RoutingDecision {
            track,
            confidence: 1.0,
            cross_track,
            method: RoutingMethod::Manual,
            explanation: Vec::new(),
            rule_set_version: self.rules.version,
            model_version: self.model_version,
        }
    }

    /// True when the decision is confident enough to apply at intake without a coordinator.
    /// Manual decisions always apply.
    pub fn should_apply(&self, decision: &RoutingDecision) -> bool {
        decision.method == RoutingMethod::Manual
            || decision.confidence >= self.rules.thresholds.apply_threshold
    }

    /// Routes one case. Pure and deterministic: the same input and rule set always give the
    /// same decision and the same explanation. With no evidence at all the answer is `ict`
    /// at confidence 0.5, which no sensible apply threshold accepts, so a coordinator decides.
    pub fn classify(&self, input: &RoutingInput) -> RoutingDecision {
        let text = normalize(&format!("{}\n{}", input.subject, input.description));
        let mut signals = self.phrase_signals(&text);
        let mut topics_seen = [false; Topic::ALL.len()];
        for &topic in &input.topics {
            if std::mem::replace(&mut topics_seen[topic as usize], true) {
                continue;
            }
            if let Some((track, weight)) = self.topics[topic as usize] {
                signals.push(signal(SignalKind::Topic, topic.code(), track, weight));
            }
        }
        if let Some(industry) = &input.industry {
            let industry = industry.trim().to_ascii_uppercase();
            for (code, track, weight) in &self.industries {
                if *code == industry {
                    signals.push(signal(SignalKind::Industry, code, *track, *weight));
                }
            }
        }
        signals.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.matched.cmp(&b.matched))
        });

        let score = |track: Track| -> f64 {
            signals
                .iter()
                .filter(|s| s.track == track)
                .map(|s| s.weight)
                .sum()
        };
        let (ict, labor) = (score(Track::Ict), score(Track::Labor));
        let thresholds = &self.rules.thresholds;
        let (strong, weak) = (ict.max(labor), ict.min(labor));
        let text_chars = input.subject.chars().count() + input.description.chars().count();
        let cross_track = thresholds.is_cross_track(weak, strong, text_chars);

        let margin = if strong > 0.0 {
            (strong - weak) / (strong + weak)
        } else {
            0.0
        };
        let rules_decide =
            strong >= thresholds.rules_min_score && margin >= thresholds.rules_decisive_margin;

        let (track, logit, method) = if rules_decide {
            let track = if ict > labor {
                Track::Ict
            } else {
                Track::Labor
            };
            (track, strong - weak, RoutingMethod::Rules)
        } else {
            let reading = self.model.score(&text, MODEL_SIGNALS);
            // The rule evidence is not thrown away: it shifts the model's log-odds.
            let logit = reading.logit + (ict - labor);
            let track = if logit >= 0.0 {
                Track::Ict
            } else {
                Track::Labor
            };
            for (piece, weight) in reading.top_for(track) {
                let mut evidence = signal(SignalKind::Model, piece, track, round3(*weight));
                evidence.model_version = Some(self.model_version);
                signals.push(evidence);
            }
            (track, logit.abs(), RoutingMethod::Model)
        };

        RoutingDecision {
            track,
            confidence: round3(sigmoid(logit)),
            cross_track,
            method,
            explanation: signals,
            rule_set_version: self.rules.version,
            model_version: self.model_version,
        }
    }

    /// Phrase rules found in normalized text, each counted once however often it occurs,
    /// and only the longest of nested matches (テレワーク勤務規程 hides its 勤務).
    fn phrase_signals(&self, text: &str) -> Vec<Signal> {
        let bytes = text.as_bytes();
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for m in self.automaton.find_overlapping_iter(text) {
            let phrase = &self.phrases[m.pattern().as_usize()];
            if phrase.latin_start && m.start() > 0 && is_word_byte(bytes[m.start() - 1]) {
                continue;
            }
            if phrase.latin_end && !ends_at_word_boundary(bytes, m.end()) {
                continue;
            }
            found.push((m.start(), m.end(), m.pattern().as_usize()));
        }
        // Sorted by start, longest first, a match is nested exactly when an earlier one
        // reaches at least as far (equal spans cannot occur: duplicate phrases are invalid).
        found.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let settled = self.settled.find(text);
        // Best context factor per phrase: a phrase counts fully if it occurs at least once
        // outside a settled clause.
        let mut factors: Vec<Option<f64>> = vec![None; self.phrases.len()];
        let mut order = Vec::new();
        let mut reach = 0;
        for (i, &(start, end, id)) in found.iter().enumerate() {
            let nested = i > 0 && reach >= end;
            reach = reach.max(end);
            if nested {
                continue;
            }
            let factor = context::factor_at(&settled, start);
            match &mut factors[id] {
                Some(best) => *best = best.max(factor),
                slot @ None => {
                    *slot = Some(factor);
                    order.push(id);
                }
            }
        }
        // A text asking who pays (outside a settled clause) makes its devices and lines the
        // object of that labor question rather than a technical need ([`payment`]).
        let asks_who_pays = order
            .iter()
            .any(|&id| self.phrases[id].who_pays && factors[id].is_some_and(|f| f >= 1.0));
        order
            .into_iter()
            .map(|id| {
                let phrase = &self.phrases[id];
                let mut factor = factors[id].unwrap_or(1.0);
                if asks_who_pays && phrase.device {
                    factor *= payment::OBJECT_FACTOR;
                }
                signal(
                    SignalKind::Phrase,
                    &phrase.text,
                    phrase.track,
                    round3(phrase.weight * factor),
                )
            })
            .collect()
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// A Latin match ends at a word boundary, or is followed by a plural `s`/`es` that ends one.
fn ends_at_word_boundary(bytes: &[u8], end: usize) -> bool {
    let boundary_at = |i: usize| bytes.get(i).is_none_or(|&b| !is_word_byte(b));
    boundary_at(end)
        || (bytes.get(end) == Some(&b's') && boundary_at(end + 1))
        || (bytes.get(end..end + 2) == Some(b"es".as_slice()) && boundary_at(end + 2))
}

/// Tracks in a validated rule set are known to parse; `Ict` is an unreachable fallback
/// that avoids a panic path in library code.
fn parse_validated_track(track: &str) -> Track {
    Track::parse(track).unwrap_or(Track::Ict)
}

fn signal(kind: SignalKind, matched: &str, track: Track, weight: f64) -> Signal {
    Signal {
        kind,
        matched: matched.to_owned(),
        track,
        weight,
        model_version: None,
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Three decimals are plenty for a human reading a confidence or a weight, and keep JSON
/// free of `0.8807970779778823`.
fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::LazyLock;

    use super::*;

    static ROUTER: LazyLock<Router> = LazyLock::new(|| Router::with_default_rules().unwrap());

    fn input(subject: &str, description: &str, topics: &[Topic]) -> RoutingInput {
        RoutingInput::new(subject, description, topics.to_vec(), None).unwrap()
    }

    fn phrases(decision: &RoutingDecision) -> Vec<&str> {
        decision
            .explanation
            .iter()
            .filter(|s| s.kind == SignalKind::Phrase)
            .map(|s| s.matched.as_str())
            .collect()
    }

    #[test]
    fn clear_cut_cases_go_to_the_obvious_track_by_rules() {
        let cases = [
            (
                "VPN接続が遅い",
                "在宅勤務者からVPNがつながらないと連絡が来る。",
                Track::Ict,
            ),
            (
                "ＰＣの紛失対策",
                "ノートパソコンを紛失したときの暗号化の方法を知りたい。",
                Track::Ict,
            ),
            (
                "Web会議ツール",
                "ZoomとTeamsのどちらを入れるか迷っています。",
                Track::Ict,
            ),
            (
                "電子契約",
                "押印のための出社をなくすため電子契約を導入したい。",
                Track::Ict,
            ),
            (
                "Home Wi-Fi security",
                "Is our VPN safe on home Wi-Fi routers?",
                Track::Ict,
            ),
            (
                "中抜けの扱い",
                "在宅勤務中の中抜け時間を就業規則でどう定めるか。",
                Track::Labor,
            ),
            (
                "在宅勤務手当",
                "通信費と光熱費を手当で払うか実費で精算するか。",
                Track::Labor,
            ),
            (
                "労災",
                "在宅勤務中に自宅で転倒した場合、労災になりますか。",
                Track::Labor,
            ),
            (
                "助成金",
                "人材確保等支援助成金のテレワークコースの申請方法。",
                Track::Labor,
            ),
            (
                "Overtime at home",
                "How do we manage overtime and working hours for remote staff?",
                Track::Labor,
            ),
        ];
        for (subject, description, expected) in cases {
            let decision = ROUTER.classify(&input(subject, description, &[]));
            assert_eq!(decision.track, expected, "{subject}: {decision:?}");
            assert_eq!(decision.method, RoutingMethod::Rules, "{subject}");
            assert!(!decision.cross_track, "{subject}");
            assert!(
                ROUTER.should_apply(&decision),
                "{subject}: {}",
                decision.confidence
            );
        }
    }

    #[test]
    fn decisions_are_deterministic() {
        let case = input(
            "テレワーク導入の相談",
            "社内の共有フォルダに自宅から入りたい。あわせて在宅の日の勤務時間の記録方法も知りたい。",
            &[Topic::GeneralGettingStarted],
        );
        let first = ROUTER.classify(&case);
        for _ in 0..5 {
            assert_eq!(ROUTER.classify(&case), first);
        }
        let rebuilt = Router::with_default_rules().unwrap();
        assert_eq!(rebuilt.classify(&case), first);
    }

    #[test]
    fn the_explanation_names_the_matched_phrases_and_topics() {
        let decision = ROUTER.classify(&input(
            "ＶＰＮとセキュリティ",
            "リモートアクセスの方法を比較したい。",
            &[Topic::IctRemoteAccess],
        ));
        let found = phrases(&decision);
        for expected in ["VPN", "セキュリティ", "リモートアクセス"] {
            assert!(
                found.contains(&expected),
                "{expected} missing from {found:?}"
            );
        }
        assert!(
            decision
                .explanation
                .iter()
                .any(|s| s.kind == SignalKind::Topic
                    && s.matched == "ict.remote_access"
                    && s.track == Track::Ict)
        );
        assert_eq!(decision.rule_set_version, ROUTER.rules().version);
        // Strongest evidence first.
        let weights: Vec<f64> = decision.explanation.iter().map(|s| s.weight).collect();
        assert!(weights.windows(2).all(|w| w[0] >= w[1]), "{weights:?}");
    }

    #[test]
    fn width_and_case_variants_match_the_same_rule() {
        for text in ["ＶＰＮ", "vpn", "VPN", "Ｖｐｎ"] {
            let decision = ROUTER.classify(&input(text, "", &[]));
            assert_eq!(phrases(&decision), ["VPN"], "{text}");
        }
    }

    #[test]
    fn latin_phrases_match_whole_words_and_plurals_only() {
        let cases = [
            ("We bought new PCs", true),
            ("our pc is slow", true),
            ("upcoming changes", false),
            ("PCR testing", false),
        ];
        for (text, matches) in cases {
            let decision = ROUTER.classify(&input(text, "", &[]));
            assert_eq!(
                phrases(&decision).contains(&"PC"),
                matches,
                "{text}: {decision:?}"
            );
        }
    }

    #[test]
    fn a_longer_phrase_hides_the_phrases_nested_in_it() {
        let decision = ROUTER.classify(&input("テレワーク勤務規程を作りたい", "", &[]));
        let found = phrases(&decision);
        assert!(found.contains(&"テレワーク勤務規程"), "{found:?}");
        assert!(!found.contains(&"規程"), "{found:?}");
    }

    #[test]
    fn evidence_in_an_already_settled_clause_counts_for_less() {
        let decision = ROUTER.classify(&input(
            "在宅勤務の準備",
            "就業規則とテレワーク勤務規程は改定済みです。困っているのは、VPNとノートパソコンの準備です。",
            &[],
        ));
        assert_eq!(decision.track, Track::Ict, "{decision:?}");
        let rule = decision
            .explanation
            .iter()
            .find(|s| s.matched == "就業規則")
            .unwrap();
        assert!(rule.weight < 3.0, "settled clause not discounted: {rule:?}");
    }

    #[test]
    fn a_device_whose_cost_is_in_question_is_a_labor_matter_not_a_second_need() {
        // Who pays for a device: labor, and not cross-track although it names devices.
        let decision = ROUTER.classify(&input(
            "スマホ代とイヤホン",
            "私用のスマホとタブレットを仕事にも使っているけど、買ったお金は自腹のまま?",
            &[],
        ));
        assert_eq!(decision.track, Track::Labor, "{decision:?}");
        assert!(!decision.cross_track, "{decision:?}");
        let device = decision
            .explanation
            .iter()
            .find(|s| s.matched == "タブレット")
            .unwrap();
        assert!(device.weight < 2.5, "device not discounted: {device:?}");
        // Without the who-pays question the same device counts fully.
        let decision = ROUTER.classify(&input("", "タブレットの初期設定を教えてください", &[]));
        assert_eq!(decision.track, Track::Ict, "{decision:?}");
    }

    #[test]
    fn a_case_needing_both_tracks_is_cross_track() {
        let decision = ROUTER.classify(&input(
            "在宅勤務の導入",
            "自宅から社内システムに入るVPNとノートパソコンを用意したい。あわせて就業規則に在宅勤務の規定を入れ、\
             通信費の手当と労働時間の管理方法も決めたい。",
            &[Topic::IctRemoteAccess, Topic::LaborWorkRules],
        ));
        assert!(decision.cross_track, "{decision:?}");
    }

    #[test]
    fn without_decisive_rules_the_model_decides_and_explains_itself() {
        // No lexicon phrase here; only the model's n-grams can read it.
        let decision = ROUTER.classify(&input(
            "",
            "在宅の日に子どもの送迎で抜ける時間がある社員の扱いを整理したい",
            &[],
        ));
        assert_eq!(decision.method, RoutingMethod::Model, "{decision:?}");
        assert_eq!(decision.track, Track::Labor, "{decision:?}");
        let model_signals: Vec<_> = decision
            .explanation
            .iter()
            .filter(|s| s.kind == SignalKind::Model)
            .collect();
        assert!(!model_signals.is_empty() && model_signals.len() <= MODEL_SIGNALS);
        assert!(
            model_signals
                .iter()
                .all(|s| s.track == Track::Labor && s.weight > 0.0)
        );
    }

    #[test]
    fn topics_alone_route_but_are_not_confident_enough_to_apply() {
        let decision = ROUTER.classify(&input("", "", &[Topic::LaborSubsidies]));
        assert_eq!(decision.track, Track::Labor);
        assert!(!ROUTER.should_apply(&decision), "{decision:?}");
        // A topic listed twice counts once.
        let twice = ROUTER.classify(&input(
            "",
            "",
            &[Topic::LaborSubsidies, Topic::LaborSubsidies],
        ));
        assert_eq!(twice.confidence, decision.confidence);
    }

    #[test]
    fn no_evidence_at_all_is_a_coin_toss_left_to_a_coordinator() {
        let decision = ROUTER.classify(&input("", "", &[Topic::GeneralOther]));
        assert_eq!(decision.confidence, 0.5);
        assert!(!decision.cross_track);
        assert!(!ROUTER.should_apply(&decision));
    }

    #[test]
    fn industry_hints_apply_when_the_rule_set_has_them() {
        let mut rules = RuleSet::default_rules().unwrap();
        rules.industries.push(IndustryRule {
            code: "G".into(),
            track: "ict".into(),
            weight: 0.7,
        });
        let router = Router::new(rules).unwrap();
        let with = RoutingInput::new("相談", "", vec![], Some("g".into()));
        let decision = router.classify(&RoutingInput {
            industry: Some("g".into()),
            ..input("相談", "", &[])
        });
        assert!(
            with.is_err(),
            "RoutingInput::new refuses lowercase divisions"
        );
        assert!(
            decision
                .explanation
                .iter()
                .any(|s| s.kind == SignalKind::Industry && s.matched == "G" && s.weight == 0.7)
        );
    }

    #[test]
    fn an_invalid_rule_set_cannot_build_a_router() {
        let mut rules = RuleSet::default_rules().unwrap();
        rules.phrases[0].track = "it".into();
        match Router::new(rules) {
            Err(RouterError::InvalidRules(errors)) => {
                assert_eq!(errors[0].field, "phrases[0].track")
            }
            other => panic!("expected InvalidRules, got {other:?}"),
        }
    }

    #[test]
    fn manual_decisions_always_apply_and_methods_serialize_in_snake_case() {
        let decision = RoutingDecision {
            track: Track::Labor,
            confidence: 0.0,
            cross_track: false,
            method: RoutingMethod::Manual,
            explanation: vec![],
            rule_set_version: 1,
            model_version: 0,
        };
        assert!(ROUTER.should_apply(&decision));
        for (method, wire) in [
            (RoutingMethod::Rules, "\"rules\""),
            (RoutingMethod::Model, "\"model\""),
            (RoutingMethod::Manual, "\"manual\""),
        ] {
            assert_eq!(serde_json::to_string(&method).unwrap(), wire);
        }
        let json = serde_json::to_value(ROUTER.classify(&input("VPN", "", &[]))).unwrap();
        assert_eq!(json["track"], "ict");
        assert_eq!(json["method"], "rules");
        assert_eq!(json["explanation"][0]["kind"], "phrase");
    }

    #[test]
    fn the_public_types_document_themselves_in_openapi() {
        use utoipa::OpenApi;

        #[derive(OpenApi)]
        #[openapi(components(schemas(
            RuleSet,
            RoutingDecision,
            ClassifyRequest,
            crate::domain::topic::TopicInfo
        )))]
        struct Doc;

        let doc = serde_json::to_value(Doc::openapi()).unwrap();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(schemas["Topic"]["enum"][0], "ict.remote_access");
        assert_eq!(
            schemas["Track"]["enum"],
            serde_json::json!(["ict", "labor"])
        );
        assert_eq!(
            schemas["RoutingMethod"]["enum"],
            serde_json::json!(["rules", "model", "manual"])
        );
        assert!(schemas["RuleSet"]["example"].is_object());
        assert!(schemas["RoutingDecision"]["properties"]["confidence"]["description"].is_string());
    }

    #[test]
    fn a_20000_character_input_is_classified() {
        let long = "在宅勤務でVPNを使う。".repeat(2_000);
        let case = RoutingInput::new(
            "",
            long.chars().take(MAX_TEXT_CHARS).collect::<String>(),
            vec![],
            None,
        )
        .unwrap();
        assert_eq!(ROUTER.classify(&case).track, Track::Ict);
    }
}
