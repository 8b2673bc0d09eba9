//! The statistical fallback: naive Bayes over character n-grams.
//!
//! Japanese has no spaces, and this service may not ship a morphological dictionary, so the
//! model reads character 2- to 4-grams of the normalized text: 就業規則 yields 就業, 業規,
//! 規則, 就業規, ... and an English text yields sub-word pieces such as `vpn`, `secu`.
//! Naive Bayes is chosen over heavier learners because it trains in milliseconds on a few
//! hundred examples at start-up, is deterministic, and its per-n-gram log-likelihood
//! ratios are exactly the "which pieces of the text decided this" a coordinator is shown.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use serde::Deserialize;

use crate::classifier::normalize::normalize;
use crate::domain::track::Track;

/// The training examples shipped with the service, written for it (not taken from cases).
const TRAINING_JSONL: &str = include_str!("training.jsonl");

/// Shortest n-gram: single characters carry almost no meaning on their own.
const MIN_N: usize = 2;
/// Longest n-gram: 4 covers most two-kanji compounds pairs (労働時間) and short acronyms.
const MAX_N: usize = 4;
/// Laplace smoothing; 0.5 keeps n-grams seen a few times from dominating.
const ALPHA: f64 = 0.5;
/// N-grams seen in fewer training texts than this are dropped as noise.
const MIN_DOC_COUNT: u32 = 2;
/// Turns the summed log-likelihood ratio into a calibrated logit. Overlapping n-grams are
/// far from independent, so the raw sum is divided by the square root of the number of
/// known n-grams and scaled; the constant was chosen by cross-validation on the training
/// examples so that the reported confidence roughly matches the observed accuracy.
const LOGIT_SCALE: f64 = 0.8;

/// One labelled example from `training.jsonl`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingExample {
    /// A question as a company might ask it (subject and description together).
    pub text: String,
    /// The track that should answer it.
    pub track: Track,
}

/// A line of the training file that is not a valid example.
#[derive(Debug, thiserror::Error)]
#[error("training.jsonl line {line}: {source}")]
pub struct TrainingDataError {
    /// 1-based line number.
    pub line: usize,
    /// What serde found wrong with it.
    #[source]
    pub source: serde_json::Error,
}

/// Parses JSON lines of [`TrainingExample`]s; blank lines are allowed.
pub fn parse_training_data(jsonl: &str) -> Result<Vec<TrainingExample>, TrainingDataError> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|source| TrainingDataError {
                line: i + 1,
                source,
            })
        })
        .collect()
}

/// The examples embedded in the binary.
pub fn shipped_training_data() -> Result<Vec<TrainingExample>, TrainingDataError> {
    parse_training_data(TRAINING_JSONL)
}

/// A trained n-gram model: one log-likelihood ratio per n-gram (positive favours ICT).
#[derive(Debug, Clone)]
pub struct NgramModel {
    /// N-gram hash to its slot in `ratios`.
    slots: HashMap<u64, u32, BuildHasherDefault<PrehashedKey>>,
    /// Log-likelihood ratio per slot; slots let scoring mark "seen" in a plain bit vector.
    ratios: Vec<f32>,
}

/// The model's reading of one text.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelScore {
    /// Log-odds of ICT over labor (negative favours labor).
    pub logit: f64,
    /// N-grams that pushed hardest towards ICT, strongest first, with their share of the logit.
    pub top_ict: Vec<(String, f64)>,
    /// N-grams that pushed hardest towards labor, strongest first (shares are positive).
    pub top_labor: Vec<(String, f64)>,
}

impl ModelScore {
    /// The strongest n-grams for `track`.
    pub fn top_for(&self, track: Track) -> &[(String, f64)] {
        match track {
            Track::Ict => &self.top_ict,
            Track::Labor => &self.top_labor,
        }
    }
}

impl NgramModel {
    /// Trains on labelled examples. Each n-gram counts once per text (binarized), which is
    /// more robust than raw counts when one word is repeated throughout a long description.
    pub fn train(examples: &[TrainingExample]) -> NgramModel {
        let mut doc_counts: HashMap<u64, [u32; 2], BuildHasherDefault<PrehashedKey>> =
            HashMap::default();
        let mut seen: HashSet<u64, BuildHasherDefault<PrehashedKey>> = HashSet::default();
        for example in examples {
            seen.clear();
            let class = class_index(example.track);
            for_each_ngram(&normalize(&example.text), |hash, _, _| {
                if seen.insert(hash) {
                    doc_counts.entry(hash).or_default()[class] += 1;
                }
            });
        }
        doc_counts.retain(|_, counts| counts[0] + counts[1] >= MIN_DOC_COUNT);

        let vocabulary = doc_counts.len() as f64;
        let mut totals = [0.0_f64; 2];
        for counts in doc_counts.values() {
            totals[0] += f64::from(counts[0]);
            totals[1] += f64::from(counts[1]);
        }
        let denominators = totals.map(|t| t + ALPHA * vocabulary);
        let mut slots = HashMap::with_capacity_and_hasher(doc_counts.len(), Default::default());
        let mut ratios = Vec::with_capacity(doc_counts.len());
        for (hash, counts) in doc_counts {
            let ict = (f64::from(counts[0]) + ALPHA) / denominators[0];
            let labor = (f64::from(counts[1]) + ALPHA) / denominators[1];
            // The vocabulary of a few hundred texts is far below u32::MAX.
            slots.insert(hash, ratios.len() as u32);
            // f32 halves the table; the ratios need nowhere near f64 precision.
            ratios.push((ict.ln() - labor.ln()) as f32);
        }
        NgramModel { slots, ratios }
    }

    /// Trains on the examples embedded in the binary.
    pub fn shipped() -> Result<NgramModel, TrainingDataError> {
        Ok(NgramModel::train(&shipped_training_data()?))
    }

    /// Number of n-grams the model knows.
    pub fn vocabulary_size(&self) -> usize {
        self.ratios.len()
    }

    /// Scores already-normalized text; `top_n` bounds each list of strongest n-grams.
    pub fn score(&self, normalized: &str, top_n: usize) -> ModelScore {
        let mut seen = vec![false; self.ratios.len()];
        let mut hits: Vec<(f32, usize, usize)> = Vec::new();
        let mut raw = 0.0_f64;
        for_each_ngram(normalized, |hash, start, end| {
            if let Some(&slot) = self.slots.get(&hash)
                && !std::mem::replace(&mut seen[slot as usize], true)
            {
                let ratio = self.ratios[slot as usize];
                raw += f64::from(ratio);
                hits.push((ratio, start, end));
            }
        });
        if hits.is_empty() {
            return ModelScore {
                logit: 0.0,
                top_ict: Vec::new(),
                top_labor: Vec::new(),
            };
        }
        let scale = LOGIT_SCALE / (hits.len() as f64).sqrt();
        let logit = raw * scale;

        let (mut for_ict, mut for_labor): (Vec<_>, Vec<_>) =
            hits.into_iter().partition(|h| h.0 > 0.0);
        for_labor.retain(|h| h.0 < 0.0);
        // Strongest first; ties go to the longer piece, then the earlier one, so the
        // explanation is deterministic and names whole words where it can.
        let rank = |a: &(f32, usize, usize), b: &(f32, usize, usize)| {
            b.0.abs()
                .total_cmp(&a.0.abs())
                .then((b.2 - b.1).cmp(&(a.2 - a.1)))
                .then(a.1.cmp(&b.1))
        };
        // Only a small pool can end up in the explanation (overlapping pieces are skipped,
        // hence the slack); selecting it first avoids sorting thousands of hits.
        let pool = top_n * 8;
        for hits in [&mut for_ict, &mut for_labor] {
            if hits.len() > pool {
                hits.select_nth_unstable_by(pool, rank);
                hits.truncate(pool);
            }
            hits.sort_by(rank);
        }
        let top_ict = distinct_pieces(normalized, &for_ict, scale, top_n);
        let top_labor = distinct_pieces(normalized, &for_labor, -scale, top_n);
        ModelScore {
            logit,
            top_ict,
            top_labor,
        }
    }
}

/// Picks up to `top_n` n-grams, skipping ones that overlap a piece already chosen (3- and
/// 4-grams of one word would otherwise fill the list with the same word several times).
fn distinct_pieces(
    text: &str,
    ranked: &[(f32, usize, usize)],
    scale: f64,
    top_n: usize,
) -> Vec<(String, f64)> {
    let mut picked: Vec<(String, f64)> = Vec::with_capacity(top_n);
    for &(ratio, start, end) in ranked {
        if picked.len() == top_n {
            break;
        }
        let (start, end) = widen_to_latin_word(text, start, end);
        let Some(piece) = text.get(start..end).map(str::trim) else {
            continue;
        };
        if piece.is_empty() {
            continue;
        }
        let overlaps = picked
            .iter()
            .any(|(p, _)| p.contains(piece) || piece.contains(p.as_str()));
        if !overlaps {
            picked.push((piece.to_owned(), f64::from(ratio) * scale));
        }
    }
    picked
}

/// Widens a span that cuts through a Latin word to the whole word: a coordinator reads
/// `hire` more easily than ` hir`. Japanese spans are left alone (no word boundaries).
fn widen_to_latin_word(text: &str, mut start: usize, mut end: usize) -> (usize, usize) {
    let bytes = text.as_bytes();
    while start > 0
        && bytes[start - 1].is_ascii_alphanumeric()
        && bytes.get(start).is_some_and(u8::is_ascii_alphanumeric)
    {
        start -= 1;
    }
    while end < bytes.len()
        && bytes[end].is_ascii_alphanumeric()
        && end > 0
        && bytes[end - 1].is_ascii_alphanumeric()
    {
        end += 1;
    }
    (start, end)
}

const fn class_index(track: Track) -> usize {
    match track {
        Track::Ict => 0,
        Track::Labor => 1,
    }
}

/// Calls `f(hash, start_byte, end_byte)` for every 2- to 4-gram of letters, digits and
/// spaces. N-grams with punctuation are skipped: 。 and 、 appear in every Japanese text and
/// only add noise. Digits are all read as `0` so "30名" and "45名" are the same evidence.
fn for_each_ngram(text: &str, mut f: impl FnMut(u64, usize, usize)) {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let end_of = |i: usize| chars.get(i).map_or(text.len(), |&(pos, _)| pos);
    let mut run_start = 0;
    for (i, &(_, c)) in chars.iter().enumerate() {
        if !is_feature_char(c) {
            run_start = i + 1;
            continue;
        }
        // Every n-gram that ends at character i and lies inside the current run.
        for n in MIN_N..=MAX_N {
            if i + 1 < run_start + n {
                break;
            }
            let first = i + 1 - n;
            let mut hash = FNV_OFFSET;
            for &(_, c) in &chars[first..=i] {
                let c = if c.is_ascii_digit() { '0' } else { c };
                hash = (hash ^ u64::from(u32::from(c))).wrapping_mul(FNV_PRIME);
            }
            f(hash, chars[first].0, end_of(i + 1));
        }
    }
}

fn is_feature_char(c: char) -> bool {
    c == ' ' || c.is_alphanumeric()
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Hasher for keys that are already well-mixed 64-bit hashes: re-hashing them with SipHash
/// would only cost time on the hot path (thousands of lookups per classification).
#[derive(Default)]
struct PrehashedKey(u64);

impl Hasher for PrehashedKey {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are used; this keeps the hasher correct for anything else too.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_training_data_parses_and_is_balanced_enough() {
        let examples = shipped_training_data().unwrap();
        assert!(examples.len() >= 300, "only {} examples", examples.len());
        let ict = examples.iter().filter(|e| e.track == Track::Ict).count();
        let labor = examples.len() - ict;
        assert!(
            ict * 2 > labor && labor * 2 > ict,
            "ict {ict} labor {labor}"
        );
    }

    #[test]
    fn bad_training_lines_are_reported_with_their_line_number() {
        let err = parse_training_data("{\"text\":\"a\",\"track\":\"ict\"}\n\n{\"text\":\"b\"}")
            .unwrap_err();
        assert_eq!(err.line, 3);
        let err = parse_training_data("{\"text\":\"a\",\"track\":\"it\"}").unwrap_err();
        assert_eq!(err.line, 1);
    }

    #[test]
    fn ngrams_skip_punctuation_and_report_byte_spans() {
        let mut pieces = Vec::new();
        let text = "労務、ab";
        for_each_ngram(text, |_, s, e| pieces.push(&text[s..e]));
        assert_eq!(pieces, ["労務", "ab"]);
    }

    #[test]
    fn latin_pieces_are_widened_to_whole_words_and_japanese_ones_kept() {
        let cases = [
            ("we hire staff", 4, 7, "hire"),
            ("we hire staff", 3, 5, "hire"),
            ("we hire staff", 6, 9, "hire staff"),
            ("vpn接続", 0, 3, "vpn"),
            ("在宅勤務", 3, 9, "宅勤"),
        ];
        for (text, start, end, expected) in cases {
            let (s, e) = widen_to_latin_word(text, start, end);
            assert_eq!(&text[s..e], expected, "{text}[{start}..{end}]");
        }
    }

    #[test]
    fn digits_are_one_feature() {
        let hashes = |t: &str| {
            let mut v = Vec::new();
            for_each_ngram(t, |h, _, _| v.push(h));
            v
        };
        assert_eq!(hashes("30名"), hashes("45名"));
    }

    #[test]
    fn a_tiny_model_leans_the_right_way_and_names_its_evidence() {
        let examples: Vec<TrainingExample> = [
            ("vpnの設定", Track::Ict),
            ("vpnが遅い", Track::Ict),
            ("残業の管理", Track::Labor),
            ("残業代の計算", Track::Labor),
        ]
        .into_iter()
        .map(|(text, track)| TrainingExample {
            text: text.into(),
            track,
        })
        .collect();
        let model = NgramModel::train(&examples);
        let ict = model.score(&normalize("VPNについて"), 3);
        assert!(ict.logit > 0.0, "{ict:?}");
        assert_eq!(ict.top_ict[0].0, "vpn");
        let labor = model.score(&normalize("残業について"), 3);
        assert!(labor.logit < 0.0, "{labor:?}");
        assert_eq!(labor.top_labor[0].0, "残業");
        assert_eq!(model.score("", 3).logit, 0.0);
    }
}
