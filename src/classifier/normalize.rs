//! Text normalization shared by the phrase rules and the statistical model.
//!
//! Japanese business text mixes full-width and half-width forms (ＶＰＮ, ｖｐｎ, VPN,
//! ﾃﾚﾜｰｸ), upper and lower case, several dash characters, and two spellings of many
//! katakana loanwords (サーバー / サーバ, コンピューター / コンピュータ). Rules and the model
//! see only the normalized form, so each of those families is one signal and a coordinator
//! writing a rule does not have to list every spelling.

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// Normalizes text for matching: NFKC, lowercase, one dash, one space, and word-final
/// katakana long-vowel marks dropped.
///
/// NFKC folds full-width Latin and digits to ASCII and half-width katakana to full-width;
/// lowercasing then makes `VPN`, `Vpn` and `ｖｐｎ` equal. The word-final `ー` is dropped
/// because JIS Z 8301 and everyday usage disagree on it (サーバー vs サーバ) while the mark
/// inside a word is never optional (リモート is not リモト), so only the final one is folded.
pub fn normalize(text: &str) -> String {
    // Most case texts are already in NFKC (kana, kanji, ASCII); the quick check is a table
    // lookup per character, far cheaper than running the composition machinery.
    if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        fold(text.chars(), text.len())
    } else {
        fold(text.nfkc(), text.len())
    }
}

fn fold(chars: impl Iterator<Item = char>, len_hint: usize) -> String {
    let mut folded: Vec<char> = Vec::with_capacity(len_hint);
    for c in chars {
        match c {
            // Dashes and minus signs people type for "e-mail", "Wi-Fi" or "3-5名".
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => folded.push('-'),
            // Zero-width characters copied from web forms would split words invisibly.
            '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' => {}
            c if c.is_whitespace() => {
                if folded.last().is_some_and(|last| *last != ' ') {
                    folded.push(' ');
                }
            }
            c if c.is_ascii() => folded.push(c.to_ascii_lowercase()),
            // Kana, kanji and CJK punctuation have no case; skipping the case table for them
            // saves most of the work on Japanese text.
            c if has_no_case(c) => folded.push(c),
            c => folded.extend(c.to_lowercase()),
        }
    }
    while folded.last() == Some(&' ') {
        folded.pop();
    }

    let mut out = String::with_capacity(folded.len() * 3);
    for (i, &c) in folded.iter().enumerate() {
        if c == LONG_VOWEL_MARK {
            let after_katakana = i > 0 && is_katakana(folded[i - 1]);
            let word_final = folded.get(i + 1).is_none_or(|next| !is_katakana(*next));
            if after_katakana && word_final {
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// True for the CJK blocks (U+3000 to U+9FFF and the compatibility ideographs), which hold
/// no cased letters; everything else goes through the Unicode case table.
fn has_no_case(c: char) -> bool {
    matches!(c, '\u{3000}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}')
}

/// The katakana-hiragana prolonged sound mark (chōonpu).
const LONG_VOWEL_MARK: char = 'ー';

/// Katakana letters and the prolonged sound mark, which continues a katakana word.
fn is_katakana(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | LONG_VOWEL_MARK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_and_case_variants_normalize_to_one_form() {
        let cases = [
            ("ＶＰＮ", "vpn"),
            ("vpn", "vpn"),
            ("VPN", "vpn"),
            ("Ｖｐｎ接続", "vpn接続"),
            ("Ｗｉ－Ｆｉ", "wi-fi"),
            ("Wi‐Fi", "wi-fi"),
            ("ﾃﾚﾜｰｸ", "テレワーク"),
            ("テレワーク", "テレワーク"),
            ("１２３名", "123名"),
            ("Ｅメール", "eメール"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "normalize({input:?})");
        }
    }

    #[test]
    fn word_final_long_vowel_marks_are_folded_and_inner_ones_kept() {
        let cases = [
            ("サーバー", "サーバ", "final mark dropped"),
            ("サーバ", "サーバ", "already short"),
            ("サーバーの設定", "サーバの設定", "final before hiragana"),
            ("ルーター", "ルータ", "final mark dropped"),
            (
                "コンピューターウイルス",
                "コンピューターウイルス",
                "inside a compound",
            ),
            ("リモートアクセス", "リモートアクセス", "inner mark kept"),
            ("ｺﾝﾋﾟｭｰﾀｰ", "コンピュータ", "half-width first widened"),
            ("ー", "ー", "a lone mark is not a word ending"),
        ];
        for (input, expected, why) in cases {
            assert_eq!(normalize(input), expected, "{why}: normalize({input:?})");
        }
    }

    #[test]
    fn whitespace_is_collapsed_and_trimmed_and_zero_width_removed() {
        let cases = [
            ("  remote\t\n  access  ", "remote access"),
            ("在宅　勤務", "在宅 勤務"),
            ("tele\u{200B}work", "telework"),
            ("", ""),
            ("   ", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "normalize({input:?})");
        }
    }
}
