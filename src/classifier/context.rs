//! Discounting evidence in clauses that describe what is already settled.
//!
//! Companies often set the scene before asking: 「就業規則は社労士と改定済みです。困っているのは
//! VPNが遅いこと」 or "Our HR policies are settled; we need help choosing laptops". The
//! settled part is full of the other track's vocabulary, yet it is exactly what the company
//! does not need help with. Phrase rules found in such a clause count for less; the clause
//! is the span between punctuation marks, so the ask that follows keeps its full weight.

use aho_corasick::{AhoCorasick, MatchKind};

/// Weight multiplier for phrases inside a "settled" clause. Not zero: the settled topic is
/// still context a coordinator may want to see, and the cue list can misfire.
pub const SETTLED_FACTOR: f64 = 0.3;

/// Expressions (already normalized) that single out what is asked *here*, after the asker
/// has said where the rest goes (「手当の件は別途社労士に相談します。こちらで聞きたいのは…」).
/// Everything before such a marker is background, settled or handled elsewhere.
const HERE_ASK_MARKERS: &[&str] = &[
    "こちらで聞きたいのは",
    "こちらでお聞きしたいのは",
    "こちらで相談したいのは",
    "こちらでご相談したいのは",
    "今回聞きたいのは",
    "今回お聞きしたいのは",
    "今回相談したいのは",
    "what we want to ask here is",
    "our question here is",
];

/// Expressions (already normalized) that mark a clause as describing something done,
/// decided or not the problem, each with continuations that turn it around: 用意した is
/// settled but 用意したい is a wish, 決まって is settled but 決まっていない is the opposite.
const SETTLED_CUES: &[(&str, &[&str])] = &[
    // Japanese: decided, done, in place, not the issue.
    ("決まって", &["いない", "いません", "おらず", "ない"]),
    ("決めてあ", &[]),
    ("決定済", &[]),
    ("済み", &[]),
    ("済です", &[]),
    ("整ってい", &["ない", "ません"]),
    ("整えた", &["い"]),
    ("整備した", &["い"]),
    ("用意した", &["い"]),
    ("用意済", &[]),
    ("支給した", &["い"]),
    ("支給しました", &[]),
    ("導入済", &[]),
    ("改定済", &[]),
    ("確認済", &[]),
    ("対応済", &[]),
    // 問題ないでしょうか asks whether something is allowed: the opposite of settled.
    ("問題ない", &["か", "でしょうか", "ですか", "のでしょうか"]),
    (
        "問題はない",
        &["か", "でしょうか", "ですか", "のでしょうか"],
    ),
    ("問題はありません", &[]),
    ("困っていない", &[]),
    ("困っていません", &[]),
    ("ではなく", &[]),
    ("そのままで", &["いい", "よい", "良い", "大丈夫"]),
    ("終わってい", &["ない", "ません"]),
    // English: decided, done, in place, not the issue.
    ("already", &[]),
    ("settled", &[]),
    ("is in place", &[]),
    ("are in place", &[]),
    ("is done", &[]),
    ("are done", &[]),
    ("not the problem", &[]),
    ("not the issue", &[]),
    ("no problem with", &[]),
    ("taken care of", &[]),
    ("sorted out", &[]),
    ("rather than", &[]),
];

/// Finds settled clauses in normalized text.
#[derive(Debug, Clone)]
pub struct SettledClauses {
    cues: AhoCorasick,
    here_asks: AhoCorasick,
}

impl SettledClauses {
    /// Compiles the cue list.
    pub fn new() -> Result<SettledClauses, aho_corasick::BuildError> {
        let cues = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostFirst)
            .build(SETTLED_CUES.iter().map(|(cue, _)| cue))?;
        let here_asks = AhoCorasick::new(HERE_ASK_MARKERS)?;
        Ok(SettledClauses { cues, here_asks })
    }

    /// Byte ranges of the clauses of `text` that contain a settled cue, in order.
    /// Everything before the last marker of what is asked here is one settled range (a
    /// phrase that recurs after the marker, e.g. from the subject, still counts fully).
    pub fn find(&self, text: &str) -> Vec<(usize, usize)> {
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        if let Some(marker) = self.here_asks.find_iter(text).last()
            && marker.start() > 0
        {
            ranges.push((0, marker.start()));
        }
        for cue in self.cues.find_iter(text) {
            let (_, reversals) = SETTLED_CUES[cue.pattern().as_usize()];
            if reversals.iter().any(|r| text[cue.end()..].starts_with(r)) {
                continue;
            }
            let start = text[..cue.start()]
                .rfind(is_clause_break)
                .map_or(0, |i| i + 1);
            let end = text[cue.end()..]
                .find(is_clause_break)
                .map_or(text.len(), |i| cue.end() + i);
            match ranges.last_mut() {
                Some(last) if last.1 >= start => last.1 = last.1.max(end),
                _ => ranges.push((start, end)),
            }
        }
        ranges
    }
}

/// Clause boundaries: Japanese and Latin sentence and clause punctuation. A full stop
/// followed by a digit ("3.5") is rare enough in these texts not to matter.
fn is_clause_break(c: char) -> bool {
    matches!(c, '。' | '、' | '.' | ',' | ';' | '!' | '?' | ':' | '・')
}

/// The factor for a match starting at `pos`, given settled clause ranges from
/// [`SettledClauses::find`].
pub fn factor_at(ranges: &[(usize, usize)], pos: usize) -> f64 {
    if ranges.iter().any(|&(s, e)| s <= pos && pos < e) {
        SETTLED_FACTOR
    } else {
        1.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::classifier::normalize::normalize;

    #[test]
    fn only_the_clause_with_a_settled_cue_is_marked() {
        let clauses = SettledClauses::new().unwrap();
        let cases = [
            (
                "就業規則は改定済みです。vpnが遅い",
                "就業規則は改定済みです",
            ),
            (
                "残業のルールは決まっており、申請の仕組みがほしい",
                "残業のルールは決まっており",
            ),
            (
                "our hr policies are settled; we need laptops",
                "our hr policies are settled",
            ),
            (
                "問題はシステムではなく、休憩をとらないこと",
                "問題はシステムではなく",
            ),
        ];
        for (text, settled) in cases {
            let text = normalize(text);
            let ranges = clauses.find(&text);
            assert_eq!(ranges.len(), 1, "{text}");
            assert_eq!(&text[ranges[0].0..ranges[0].1], settled, "{text}");
        }
        for unsettled in [
            "vpnが遅いので相談したい",
            "vpnとpcを用意したい",
            "規程がまだ決まっていない",
            "we want to put a policy in place",
        ] {
            assert!(
                clauses.find(&normalize(unsettled)).is_empty(),
                "{unsettled}"
            );
        }
    }

    #[test]
    fn what_comes_before_the_ask_here_is_background_and_questions_are_not_settled() {
        let clauses = SettledClauses::new().unwrap();
        let text = normalize("残業代の件は別途相談します。こちらで聞きたいのは、vpnの選び方です");
        let ranges = clauses.find(&text);
        assert_eq!(ranges.len(), 1, "{ranges:?}");
        assert!(
            text[ranges[0].0..ranges[0].1].contains("残業代"),
            "{ranges:?}"
        );
        assert!(
            !text[ranges[0].0..ranges[0].1].contains("vpn"),
            "{ranges:?}"
        );
        for question in ["監視しても問題ないでしょうか", "この運用で問題ないですか"]
        {
            assert!(clauses.find(&normalize(question)).is_empty(), "{question}");
        }
        assert_eq!(clauses.find(&normalize("pcは全員に支給しました")).len(), 1);
        assert!(clauses.find(&normalize("pcを支給したい")).is_empty());
    }

    #[test]
    fn factor_applies_inside_settled_ranges_only() {
        let ranges = [(0, 10), (20, 30)];
        assert_eq!(factor_at(&ranges, 0), SETTLED_FACTOR);
        assert_eq!(factor_at(&ranges, 10), 1.0);
        assert_eq!(factor_at(&ranges, 25), SETTLED_FACTOR);
        assert_eq!(factor_at(&ranges, 31), 1.0);
    }
}
