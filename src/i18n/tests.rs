use std::path::Path;

use super::*;

#[test]
fn the_language_is_the_most_preferred_one_the_service_speaks() {
    let cases: [(Option<&str>, Language, &str); 14] = [
        (None, Language::English, "no header means English"),
        (Some(""), Language::English, "an empty header means English"),
        (Some("ja"), Language::Japanese, "plain ja"),
        (Some("ja-JP"), Language::Japanese, "a regional ja"),
        (
            Some("JA-jp"),
            Language::Japanese,
            "tags are case-insensitive",
        ),
        (
            Some("ja;q=0.9, en;q=0.8"),
            Language::Japanese,
            "ja has the higher q",
        ),
        (
            Some("ja;q=0.1, en"),
            Language::English,
            "en has q=1 and ja only 0.1",
        ),
        (
            Some("en;q=0.5, ja;q=0.5"),
            Language::English,
            "equal q: the first listed",
        ),
        (
            Some("fr, ja;q=0.7"),
            Language::Japanese,
            "fr is not spoken; ja is next",
        ),
        (
            Some("fr, de"),
            Language::English,
            "nothing spoken: the default",
        ),
        (Some("*"), Language::English, "any language: the default"),
        (Some("ja;q=0, *"), Language::English, "ja refused with q=0"),
        (
            Some("en;q=0, ja;q=0.2"),
            Language::Japanese,
            "en refused, ja acceptable",
        ),
        (
            Some("!!, ja"),
            Language::Japanese,
            "an unreadable item is skipped",
        ),
    ];
    for (header, expected, reason) in cases {
        assert_eq!(negotiate(header), expected, "{header:?}: {reason}");
    }
}

#[test]
fn messages_are_translated_whole_with_their_parts() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "must be at most 200 characters",
            "200文字以内で入力してください",
            "a number is copied into the Japanese",
        ),
        (
            "must be at most 200 characters (has 231)",
            "200文字以内で入力してください（231文字あります）",
            "the more specific template wins over the shorter one",
        ),
        (
            "unknown field `nmae`, expected one of `name`, `email`",
            "不明な項目 `nmae` です。使える項目: `name`, `email`",
            "serde's unknown field",
        ),
        (
            "company.prefecture: unknown prefecture: give a JIS X 0401 code from \"01\" to \
             \"47\" or a Japanese name such as \"東京都\"",
            "company.prefecture: 不明な都道府県です。JIS X 0401 のコード（\"01\"〜\"47\"）か \
             \"東京都\" のような名前を指定してください",
            "a field's message inside the token endpoint's description is translated too",
        ),
        (
            "cancel is not allowed while the case is closed; closed is final; release the \
             manager before re-routing",
            "案件が closed の間は cancel できません。closed は最終状態です。振り分けをやり直す前に\
             担当者の割り当てを解除してください",
            "an illegal move and its hint, each translated, split where both translate",
        ),
        (
            "山田 cannot take this case: the manager is not active; the manager has no room \
             under their capacity",
            "山田 はこの案件を担当できません: 担当者が有効ではありません。担当者の受け持ち件数に\
             空きがありません",
            "a list of reasons is translated item by item",
        ),
        (
            "close is not allowed while the case is triaged; from triaged the case can move to: \
             assigned (assign), on_hold (hold) (the case is triaged; allowed: on_hold, cancelled)",
            "案件が triaged の間は close できません。triaged から移れる状態: assigned (assign), \
             on_hold (hold)（案件の状態: triaged、可能な操作: on_hold, cancelled）",
            "the reading that translates the nested message beats a trailing {} that swallows it",
        ),
        (
            "the query string is invalid: something serde_urlencoded said",
            "クエリ文字列が正しくありません: something serde_urlencoded said",
            "the frame is translated even when the inner message has no template",
        ),
        (
            "a message nobody wrote a template for",
            "a message nobody wrote a template for",
            "a message without a template stays English",
        ),
    ];
    for (english, japanese, reason) in cases {
        assert_eq!(translate(english, Language::Japanese), japanese, "{reason}");
        assert_eq!(translate(english, Language::English), english, "{reason}");
    }
}

#[test]
fn every_template_is_unique_and_numbers_its_placeholders_in_japanese() {
    let mut seen = std::collections::HashSet::new();
    for (english, japanese) in ja::MESSAGES {
        assert!(seen.insert(english), "{english:?} is in the table twice");
        let holes = parse_template(english)
            .iter()
            .filter(|piece| !matches!(piece, Piece::Text(_)))
            .count();
        for index in 0..holes {
            assert!(
                japanese.contains(&format!("{{{index}}}")),
                "{english:?}: the Japanese does not use placeholder {{{index}}}"
            );
        }
        assert!(
            !japanese.contains(&format!("{{{holes}}}")),
            "{english:?}: the Japanese uses a placeholder the English lacks"
        );
        // A template that only joins messages ("{t}; {t}") has no words of its own.
        let words: String = parse_template(english)
            .iter()
            .filter_map(|piece| match piece {
                Piece::Text(text) => Some(*text),
                _ => None,
            })
            .collect();
        let joins_only = !words.chars().any(|c| c.is_ascii_alphabetic());
        assert!(
            joins_only || japanese.chars().any(is_japanese),
            "{english:?}: the Japanese {japanese:?} has no Japanese in it"
        );
    }
}

fn is_japanese(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}' | '\u{ff00}'..='\u{ffef}')
}

/// Literals found in message position that are not messages a client reads, or are only
/// pieces of one; each with the reason it needs no template of its own.
const NOT_CLIENT_MESSAGES: &[(&str, &str)] = &[
    (
        "the routing rule set is invalid",
        "RoutingError's Display; clients get its field list",
    ),
    (
        "could not compile the rule phrases",
        "an internal error, never shown",
    ),
    (
        "embedded default_rules.json does not parse",
        "a build defect, never shown",
    ),
    (
        "embedded default_rules.json is invalid: {}",
        "a build defect, never shown",
    ),
    ("training.jsonl line {}: {}", "a build defect, never shown"),
    (
        "evaluation set {} line {}: {}",
        "a build defect, never shown",
    ),
    (
        "the stored model is not valid JSON: {}",
        "a corrupt row: an internal error, never shown",
    ),
    (
        "the stored model has format {}; this build reads format {}",
        "a corrupt row: an internal error, never shown",
    ),
    (
        "the stored model's n-gram table is corrupt",
        "a corrupt row: an internal error, never shown",
    ),
    ("{}; {}", "joins two messages: the {t}; {t} template"),
    (
        "{}: {}",
        "joins a field or a host and a message: the {}: {t} and {t}: {} templates",
    ),
    ("不明 (unknown)", "a report's row label, not a message"),
];

/// Files whose literals in message position are not messages of a problem answer.
const NOT_PROBLEM_SOURCES: &[(&str, &str)] = &[
    ("src/main.rs", "the command line's own output"),
    ("src/docs.rs", "startup failures of the /docs page"),
    ("src/openapi", "the API document's descriptions"),
    (
        "src/domain/topic.rs",
        "topic labels, data rather than messages",
    ),
    (
        "src/services/webhook_delivery.rs",
        "a delivery's recorded outcome, not an answer to a request",
    ),
];

/// The calls and attributes whose string argument is a message for the client.
const MESSAGE_POSITIONS: &[&str] = &[
    "invalid_field(",
    ".add(",
    "ApiError::",
    "conflict(",
    "oauth(",
    "#[error(",
    "message = ",
    "illegal_move(",
    "FieldError::new(",
    "Err(",
    "=> \"",
];

#[test]
fn every_message_literal_in_the_source_has_a_japanese_template() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut literals = Vec::new();
    collect_message_literals(&source, &mut literals);
    assert!(
        literals.len() > 150,
        "the walk found only {} messages",
        literals.len()
    );
    let missing: Vec<String> = literals
        .iter()
        .filter(|(_, literal)| !is_covered(literal))
        .map(|(file, literal)| format!("{file}: {literal:?}"))
        .collect();
    assert!(
        missing.is_empty(),
        "{} messages have no template in src/i18n/ja.rs:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// Whether the message `literal` (placeholders as `{}`) has a template: the same template,
/// or one that translates it with each placeholder filled in, or it is a known non-message.
fn is_covered(literal: &str) -> bool {
    let normalized = normalize_placeholders(literal);
    if NOT_CLIENT_MESSAGES
        .iter()
        .any(|(known, _)| *known == normalized)
    {
        return true;
    }
    let same = ja::MESSAGES
        .iter()
        .any(|(english, _)| english.replace("{t}", "{}") == normalized);
    same || lookup(&normalized.replace("{}", "1"), Strictness::Strict, 0).is_some()
}

fn collect_message_literals(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            // The table itself, and the rendering, hold templates rather than messages.
            if !path.ends_with("i18n") {
                collect_message_literals(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            let relative = path
                .strip_prefix(env!("CARGO_MANIFEST_DIR"))
                .unwrap_or(&path);
            if NOT_PROBLEM_SOURCES
                .iter()
                .any(|(prefix, _)| relative.starts_with(prefix))
            {
                continue;
            }
            // ApiError's own Display is its log line; its answers are built from the parts.
            let is_error_rs = relative.starts_with("src/error");
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default();
            for (start, literal) in string_literals(code) {
                let before = &code[code.floor_char_boundary(start.saturating_sub(80))..start];
                let before = before.rsplit(';').next().unwrap_or(before);
                let in_position = MESSAGE_POSITIONS.iter().any(|p| before.contains(p));
                let is_log = ["tracing::", "anyhow!", "context(", "debug!", "warn!"]
                    .iter()
                    .any(|p| before.contains(p));
                let is_display_of_api_error = is_error_rs && before.contains("#[error(");
                let not_log = !is_log && !is_display_of_api_error;
                if in_position && not_log && literal.contains(' ') {
                    out.push((relative.display().to_string(), literal));
                }
            }
        }
    }
}

/// Every `"..."` literal of `code` outside comments and char literals, with escapes and line
/// continuations undone, and its byte offset.
fn string_literals(code: &str) -> Vec<(usize, String)> {
    let bytes = code.as_bytes();
    let mut found = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'/' if bytes.get(at + 1) == Some(&b'/') => {
                at = code[at..].find('\n').map_or(bytes.len(), |end| at + end);
            }
            b'\'' if bytes.get(at + 2) == Some(&b'\'') => at += 3,
            b'\'' if bytes.get(at + 1) == Some(&b'\\') && bytes.get(at + 3) == Some(&b'\'') => {
                at += 4
            }
            b'r' if bytes.get(at + 1) == Some(&b'#') || bytes.get(at + 1) == Some(&b'"') => {
                // Raw strings (SQL, JSON) are never messages; skip to their end.
                let hashes = code[at + 1..].chars().take_while(|&c| c == '#').count();
                if bytes.get(at + 1 + hashes) == Some(&b'"') {
                    let closing = format!("\"{}", "#".repeat(hashes));
                    let body = at + 2 + hashes;
                    at = code[body..]
                        .find(&closing)
                        .map_or(bytes.len(), |end| body + end + closing.len());
                } else {
                    at += 1;
                }
            }
            b'"' => {
                let start = at;
                let mut literal = String::new();
                at += 1;
                while at < bytes.len() && bytes[at] != b'"' {
                    if bytes[at] == b'\\' {
                        match bytes.get(at + 1) {
                            Some(b'\n') => {
                                at += 2;
                                while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                                    at += 1;
                                }
                                continue;
                            }
                            Some(b'n') => literal.push('\n'),
                            Some(b't') => literal.push('\t'),
                            Some(&other) => literal.push(char::from(other)),
                            None => {}
                        }
                        at += 2;
                    } else {
                        let ch = code[at..].chars().next().unwrap();
                        literal.push(ch);
                        at += ch.len_utf8();
                    }
                }
                at += 1;
                found.push((start, literal));
            }
            _ => at += code[at..].chars().next().map_or(1, char::len_utf8),
        }
    }
    found
}

/// `literal` with every format argument (`{}`, `{name}`, `{:?}`, `{code:04X}`) as `{}` and
/// escaped braces as braces.
fn normalize_placeholders(literal: &str) -> String {
    let mut out = String::new();
    let mut rest = literal;
    while let Some(open) = rest.find(['{', '}']) {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        if after.starts_with("{{") || after.starts_with("}}") {
            out.push_str(&after[..1]);
            rest = &after[2..];
            continue;
        }
        let argument = after[1..].find('}').filter(|&close| {
            after[1..1 + close]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_:?#.".contains(c))
        });
        match argument {
            Some(close) if after.starts_with('{') => {
                out.push_str("{}");
                rest = &after[close + 2..];
            }
            _ => {
                out.push_str(&after[..1]);
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
