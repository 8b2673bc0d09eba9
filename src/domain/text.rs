//! Small text rules shared by the parsers: full-width folding and the characters no text
//! of this API may carry.

/// The form of a text that case search compares: NFKC (full-width ASCII and half-width
/// katakana to their usual forms, a kana and a separate voicing mark composed into one
/// character) and lower case, so `ﾃﾚﾜｰｸ` finds `テレワーク`, `ＲＴ` finds `rt` and `か` +
/// U+3099 finds `が`. The stored texts keep what the filer wrote; only this key is searched.
pub fn search_key(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkc().flat_map(char::to_lowercase).collect()
}

/// The search key of a case: its subject, description, company name and reference, one a
/// line, as [`search_key`] folds them.
pub fn ticket_search_text(
    subject: &str,
    description: &str,
    company_name: &str,
    reference: &str,
) -> String {
    search_key(&format!(
        "{subject}\n{description}\n{company_name}\n{reference}"
    ))
}

/// The request fields whose text may span lines (a description, a comment, notes). Every
/// other text field is one line. Named by the last segment of the field's path, because the
/// boundary check runs before a body is turned into its request type.
pub const MULTILINE_FIELDS: &[&str] = &["description", "body", "notes", "summary", "reason"];

/// Why a text is refused at the boundary, or `None` when it is acceptable.
///
/// No text may hold U+0000 (PostgreSQL cannot store it, and it cuts strings short in C
/// libraries downstream), another C0 control, DEL or a C1 control: none is typed by a person,
/// and each can hide text in a log or a spreadsheet. Tab, CR and LF are allowed where the
/// text may span lines (`multiline`), and nowhere else.
pub fn forbidden_character(text: &str, multiline: bool) -> Option<String> {
    let bad = text.chars().find(|&c| {
        let line_break = matches!(c, '\t' | '\n' | '\r');
        (c.is_control() && !line_break) || (line_break && !multiline)
    })?;
    Some(match bad {
        '\0' => "must not contain the NUL character (U+0000)".to_owned(),
        '\t' | '\n' | '\r' => "must be a single line (no tab or line break)".to_owned(),
        other => format!(
            "must not contain control characters (found U+{:04X})",
            u32::from(other)
        ),
    })
}

/// Folds a full-width ASCII character (`０`–`９`, `Ａ`–`Ｚ`, `ａ`–`ｚ`, as Japanese input
/// methods type them) to its ASCII form; every other character comes back unchanged.
pub(crate) fn fold_full_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            // The full-width forms sit at a fixed distance from ASCII (U+FF01 ↔ U+0021).
            char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::{fold_full_width, forbidden_character, search_key};

    #[test]
    fn the_migration_backfills_the_same_key_the_service_writes() {
        let parts = (
            "ﾃﾚﾜｰｸ導入",
            "ＶＰＮとか\u{3099}",
            "株式会社ＡＢＣ",
            "TW-2026-000001",
        );
        assert_eq!(
            super::ticket_search_text(parts.0, parts.1, parts.2, parts.3),
            migration::m20261208_000011_case_search_text::searchable(
                parts.0, parts.1, parts.2, parts.3
            )
        );
    }

    #[test]
    fn search_keys_fold_widths_case_and_combining_marks_alike() {
        #[rustfmt::skip]
        let cases = [
            ("ﾃﾚﾜｰｸ", "テレワーク"),
            ("ＲＴ", "rt"),
            ("RT", "rt"),
            ("か\u{3099}", "が"),
            ("ｶﾞｲﾄﾞ", "ガイド"),
            ("ＶＰＮ接続", "vpn接続"),
            ("テレワーク", "テレワーク"),
        ];
        for (text, key) in cases {
            assert_eq!(search_key(text), key, "{text:?}");
        }
    }

    #[test]
    fn control_characters_are_refused_and_line_breaks_only_where_text_spans_lines() {
        #[rustfmt::skip]
        let cases: [(&str, bool, bool); 12] = [
            ("株式会社サンプル", false, true),
            ("oc_\u{0}", false, false),
            ("a\u{0}b", true, false),
            ("bell\u{7}", true, false),
            ("escape\u{1b}[31m", true, false),
            ("delete\u{7f}", true, false),
            ("c1\u{85}", true, false),
            ("two\nlines", true, true),
            ("two\r\nlines", true, true),
            ("tab\there", true, true),
            ("two\nlines", false, false),
            ("tab\there", false, false),
        ];
        for (text, multiline, acceptable) in cases {
            assert_eq!(
                forbidden_character(text, multiline).is_none(),
                acceptable,
                "{text:?} (multiline {multiline})"
            );
        }
    }

    #[test]
    fn full_width_digits_and_letters_fold_to_ascii_and_other_characters_stay() {
        #[rustfmt::skip]
        let cases = [
            ('０', '0'),
            ('５', '5'),
            ('９', '9'),
            ('Ａ', 'A'),
            ('Ｅ', 'E'),
            ('ｔ', 't'),
            ('7', '7'),
            ('e', 'e'),
            ('東', '東'),
            ('－', '－'),
        ];
        for (input, expected) in cases {
            assert_eq!(fold_full_width(input), expected, "input {input:?}");
        }
    }
}
