//! フリガナ: the reading of a company's name as official forms ask for it, in full-width
//! katakana. What people type (half-width katakana from old systems, voiced marks typed as
//! separate characters, either width of space) is brought to the one form the forms print;
//! anything that is not katakana is refused rather than guessed at.
use unicode_normalization::UnicodeNormalization;

use super::limits::NAME_KANA_MAX_CHARS;

/// Why a reading could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KanaError {
    /// Nothing but spaces.
    #[error("must not be empty")]
    Empty,
    /// Longer than the limit.
    #[error("must be at most {max} characters (has {length})", max = NAME_KANA_MAX_CHARS)]
    TooLong {
        /// Characters after normalizing.
        length: usize,
    },
    /// A character that is not full-width katakana, ー or a space.
    #[error(
        "must be written in katakana (フリガナ), the long-vowel mark ー and spaces; {0:?} is not"
    )]
    NotKatakana(char),
}

/// A checked reading: full-width katakana (ァ–ヺ), ー, and single full-width spaces between
/// words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameKana(String);

/// The voiced (゛) and semi-voiced (゜) marks in their combining forms, which NFC joins to
/// the kana before them (カ + ゛ = ガ). A mark no kana takes stays alone and is refused.
const COMBINING_MARKS: [char; 2] = ['\u{3099}', '\u{309A}'];

fn is_katakana(c: char) -> bool {
    // ァ (U+30A1) to ヺ (U+30FA): the letters, small ones and ヴ ヵ ヶ ヷ–ヺ included; ー is
    // the long-vowel mark. The middle dot, iteration marks and standalone ゛゜ are not letters
    // a reading is spelled with.
    ('\u{30A1}'..='\u{30FA}').contains(&c) || c == 'ー'
}

impl NameKana {
    /// Parses a reading: half-width katakana become full-width (ｶﾞ → ガ, ﾊﾟ → パ, ｰ → ー),
    /// voiced marks typed apart are joined, runs of half- or full-width spaces become one
    /// full-width space, and the ends are trimmed.
    pub fn parse(raw: &str) -> Result<Self, KanaError> {
        // Half-width katakana (U+FF61–U+FF9F) by their compatibility mapping, their marks
        // included (ﾞ → U+3099); nothing else, so that ㌔ or Ａ are not silently turned into
        // something else.
        let widened: String = raw
            .chars()
            .flat_map(|c| {
                let half_width = ('\u{FF61}'..='\u{FF9F}').contains(&c);
                let mapped: Vec<char> = if half_width {
                    std::iter::once(c).nfkc().collect()
                } else if c == '゛' {
                    vec![COMBINING_MARKS[0]]
                } else if c == '゜' {
                    vec![COMBINING_MARKS[1]]
                } else {
                    vec![c]
                };
                mapped
            })
            .collect();
        let composed: String = widened.nfc().collect();
        let mut reading = String::new();
        for word in composed.split([' ', '\u{3000}']).filter(|w| !w.is_empty()) {
            if let Some(bad) = word.chars().find(|&c| !is_katakana(c)) {
                return Err(KanaError::NotKatakana(bad));
            }
            if !reading.is_empty() {
                reading.push('\u{3000}');
            }
            reading.push_str(word);
        }
        if reading.is_empty() {
            return Err(KanaError::Empty);
        }
        let length = reading.chars().count();
        if length > NAME_KANA_MAX_CHARS {
            return Err(KanaError::TooLong { length });
        }
        Ok(Self(reading))
    }

    /// The reading.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The stored form.
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn readings_are_brought_to_full_width_katakana_with_single_full_width_spaces() {
        let cases = [
            (
                "カブシキガイシャ サンプル",
                "カブシキガイシャ\u{3000}サンプル",
            ),
            ("ｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ", "カブシキガイシャ\u{3000}サンプル"),
            ("ﾃﾚﾜｰｸ", "テレワーク"),
            ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピプペポ"),
            ("ｳﾞｨｰﾅｽ", "ヴィーナス"),
            ("カ\u{3099}ス", "ガス"),
            ("カ゛ス", "ガス"),
            ("  ヤマダ　　 コウギョウ ", "ヤマダ\u{3000}コウギョウ"),
            ("ｯｬｭｮ", "ッャュョ"),
            ("ヶ", "ヶ"),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                NameKana::parse(raw).map(NameKana::into_inner),
                Ok(expected.to_owned()),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn anything_but_katakana_long_vowel_marks_and_spaces_is_refused() {
        let cases: [(&str, KanaError); 14] = [
            ("", KanaError::Empty),
            (" 　 ", KanaError::Empty),
            ("やまだ", KanaError::NotKatakana('や')),
            ("山田", KanaError::NotKatakana('山')),
            ("ヤマダ1", KanaError::NotKatakana('1')),
            ("ヤマダ１", KanaError::NotKatakana('１')),
            ("Yamada", KanaError::NotKatakana('Y')),
            ("ヤマダ・テック", KanaError::NotKatakana('・')),
            ("ｱﾞ", KanaError::NotKatakana('\u{3099}')),
            ("゛", KanaError::NotKatakana('\u{3099}')),
            ("ヤマダ(カ)", KanaError::NotKatakana('(')),
            ("㌔", KanaError::NotKatakana('㌔')),
            ("ヤマダ\n", KanaError::NotKatakana('\n')),
            ("ヤマダ～", KanaError::NotKatakana('～')),
        ];
        for (raw, expected) in cases {
            assert_eq!(NameKana::parse(raw), Err(expected), "{raw:?}");
        }
        let long = "ア".repeat(NAME_KANA_MAX_CHARS + 1);
        assert_eq!(
            NameKana::parse(&long),
            Err(KanaError::TooLong {
                length: NAME_KANA_MAX_CHARS + 1
            })
        );
    }
}
