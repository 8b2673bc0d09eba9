//! The languages problem answers are given in: English (the default) and Japanese, chosen
//! per request from `Accept-Language` (RFC 9110 §12.5.4, with q-values).
//!
//! The service builds every message in English, as before; only the rendering of an
//! [`ApiError`](crate::error::ApiError) translates. It learns the request's language from
//! [`negotiate_language`], the outermost middleware, which keeps the language in a
//! task-local for as long as the rest of the chain runs: handlers, extractors and the other
//! middlewares render their errors inside it, and an error that escapes them is rendered
//! there too. Outside a request (the command line, unit tests) the language is English.
//!
//! A message is translated whole, by the first template of [`ja::MESSAGES`] it matches (see
//! [`translate`]); a message no template matches stays English and is logged at debug. A
//! test walks the source and fails on a message literal without a template.
use std::{cmp::Reverse, sync::LazyLock};

use actix_web::{
    Error,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    error::InternalError,
    http::header::{self, Preference, Quality, QualityItem},
    middleware::Next,
};

mod ja;

/// A language the service answers problems in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Language {
    /// The default, and the language the messages are written in.
    #[default]
    English,
    /// For the center's and the partners' staff.
    Japanese,
}

impl Language {
    /// The language tag sent in `Content-Language`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::Japanese => "ja",
        }
    }

    fn from_primary_subtag(subtag: &str) -> Option<Self> {
        if subtag.eq_ignore_ascii_case("en") {
            Some(Self::English)
        } else if subtag.eq_ignore_ascii_case("ja") {
            Some(Self::Japanese)
        } else {
            None
        }
    }
}

/// The language to answer a request with the `Accept-Language` value `accept` in: the
/// acceptable range of the highest q-value (the first one listed among equals) whose primary
/// subtag is `en` or `ja` (`ja-JP` is Japanese); `*` or nothing usable means English.
/// Ranges with `q=0` are not acceptable; items that do not parse are skipped rather than
/// costing the client the whole header.
pub fn negotiate(accept: Option<&str>) -> Language {
    let Some(accept) = accept else {
        return Language::English;
    };
    let mut ranges: Vec<QualityItem<Preference<String>>> = accept
        .split(',')
        .filter(|item| !item.trim().is_empty())
        .filter_map(|item| item.trim().parse().ok())
        .filter(|item: &QualityItem<Preference<String>>| item.quality > Quality::ZERO)
        .collect();
    // A stable sort: equal q-values keep the client's order.
    ranges.sort_by_key(|item| Reverse(item.quality));
    ranges
        .iter()
        .find_map(|range| match &range.item {
            Preference::Any => Some(Language::English),
            Preference::Specific(tag) => {
                Language::from_primary_subtag(tag.split('-').next().unwrap_or_default())
            }
        })
        .unwrap_or_default()
}

tokio::task_local! {
    static LANGUAGE: Language;
}

/// The language of the request being served; English outside a request.
pub fn current() -> Language {
    LANGUAGE.try_with(|language| *language).unwrap_or_default()
}

/// Runs `future` with `language` as the [`current`] one (the middleware does this per
/// request; tests use it directly).
pub async fn with_language<F: Future>(language: Language, future: F) -> F::Output {
    LANGUAGE.scope(language, future).await
}

/// Negotiates the request's language and serves the request in it. Wrapped around every
/// other middleware, so an error that one of them returns instead of a response is rendered
/// here, still in the negotiated language, rather than by the server outside it.
pub async fn negotiate_language(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let language = negotiate(
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok()),
    );
    with_language(language, async move {
        next.call(req).await.map_err(|error| {
            let response = error.error_response();
            InternalError::from_response(error, response).into()
        })
    })
    .await
}

/// `message` (an English message of this service) in `language`. An English message no
/// template matches is answered as it is, and logged at debug so it can be added.
pub fn translate(message: &str, language: Language) -> String {
    match language {
        Language::English => message.to_owned(),
        Language::Japanese => translate_japanese(message).unwrap_or_else(|| {
            tracing::debug!(message, "no Japanese template matches this message");
            message.to_owned()
        }),
    }
}

/// `message` in Japanese: first with every translated part translated as well; failing
/// that, with the template's own words translated and an untranslatable part kept in English.
fn translate_japanese(message: &str) -> Option<String> {
    lookup(message, Strictness::Strict, 0)
        .or_else(|| lookup(message, Strictness::Lenient, 0))
        .map(|(japanese, _)| japanese)
}

/// Whether a `{t}` part of a template must itself translate for the template to match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Strictness {
    Strict,
    Lenient,
}

/// How deep messages nest inside messages (`"{}: {t}"` around a field's message ...).
const MAX_NESTING: usize = 4;

/// One piece of an English template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Piece<'a> {
    /// Words that must appear as they are.
    Text(&'a str),
    /// `{}`: any non-empty text, copied into the translation as it is.
    Verbatim,
    /// `{t}`: a message of its own, translated too (or a `"; "`-separated list of them).
    Translated,
}

/// A template of [`ja::MESSAGES`], parsed once.
struct Template {
    english: Vec<Piece<'static>>,
    japanese: &'static str,
}

/// The templates, parsed.
static TEMPLATES: LazyLock<Vec<Template>> = LazyLock::new(|| {
    ja::MESSAGES
        .iter()
        .map(|(english, japanese)| Template {
            english: parse_template(english),
            japanese,
        })
        .collect()
});

fn fixed_length(pieces: &[Piece<'_>]) -> usize {
    pieces
        .iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.len(),
            Piece::Verbatim | Piece::Translated => 0,
        })
        .sum()
}

fn parse_template(template: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    loop {
        let next = [("{}", Piece::Verbatim), ("{t}", Piece::Translated)]
            .into_iter()
            .filter_map(|(marker, piece)| rest.find(marker).map(|at| (at, marker, piece)))
            .min_by_key(|(at, ..)| *at);
        let Some((at, marker, piece)) = next else {
            break;
        };
        if at > 0 {
            pieces.push(Piece::Text(&rest[..at]));
        }
        pieces.push(piece);
        rest = &rest[at + marker.len()..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest));
    }
    pieces
}

/// A translation and how much of the English its templates matched word for word.
type Scored = (String, usize);

/// The translation of `message` by the template that, with the templates of its translated
/// parts, matches the most fixed words: the most specific reading wins, so a template whose
/// trailing `{}` could swallow a whole nested message loses to the one that translates it.
fn lookup(message: &str, strictness: Strictness, depth: usize) -> Option<Scored> {
    if depth > MAX_NESTING {
        return None;
    }
    TEMPLATES
        .iter()
        .filter_map(|template| {
            let mut captures = Vec::new();
            match_pieces(&template.english, message, strictness, depth, &mut captures).then(|| {
                let nested: usize = captures.iter().map(|(_, score)| score).sum();
                let texts: Vec<String> = captures.into_iter().map(|(text, _)| text).collect();
                (
                    fill(template.japanese, &texts),
                    fixed_length(&template.english) + nested,
                )
            })
        })
        .max_by_key(|(_, score)| *score)
}

/// Translates a `{t}` part: a message, or a list of messages joined by `"; "`.
fn translate_part(part: &str, strictness: Strictness, depth: usize) -> Option<Scored> {
    if let Some(whole) = lookup(part, Strictness::Strict, depth + 1) {
        return Some(whole);
    }
    if part.contains("; ") {
        let items: Option<Vec<Scored>> = part
            .split("; ")
            .map(|item| lookup(item, Strictness::Strict, depth + 1))
            .collect();
        if let Some(items) = items {
            let score = items.iter().map(|(_, score)| score).sum();
            let texts: Vec<String> = items.into_iter().map(|(text, _)| text).collect();
            return Some((texts.join("、"), score));
        }
    }
    (strictness == Strictness::Lenient).then(|| (part.to_owned(), 0))
}

/// Whether `message` is `pieces`, collecting what each placeholder stands for (translated
/// where the template says so); tries every split, so the first fitting one wins.
fn match_pieces(
    pieces: &[Piece<'_>],
    message: &str,
    strictness: Strictness,
    depth: usize,
    captures: &mut Vec<Scored>,
) -> bool {
    let Some((first, rest)) = pieces.split_first() else {
        return message.is_empty();
    };
    match first {
        Piece::Text(text) => message
            .strip_prefix(text)
            .is_some_and(|after| match_pieces(rest, after, strictness, depth, captures)),
        Piece::Verbatim | Piece::Translated => {
            let ends = message
                .char_indices()
                .map(|(at, _)| at)
                .skip(1)
                .chain(std::iter::once(message.len()));
            for end in ends {
                let (part, after) = message.split_at(end);
                // The words after the placeholder must follow; skip splits where they cannot.
                if let Some(Piece::Text(text)) = rest.first()
                    && !after.starts_with(text)
                {
                    continue;
                }
                let value = match first {
                    Piece::Translated => match translate_part(part, strictness, depth) {
                        Some(value) => value,
                        None => continue,
                    },
                    _ => (part.to_owned(), 0),
                };
                captures.push(value);
                if match_pieces(rest, after, strictness, depth, captures) {
                    return true;
                }
                captures.pop();
            }
            false
        }
    }
}

/// `japanese` with `{0}`, `{1}` ... replaced by the captured parts, in one pass (so a part
/// that itself reads `{1}` stays as it is).
fn fill(japanese: &str, captures: &[String]) -> String {
    let mut filled = String::with_capacity(japanese.len());
    let mut rest = japanese;
    while let Some(open) = rest.find('{') {
        filled.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let hole = after
            .find('}')
            .and_then(|close| Some((close, after[..close].parse::<usize>().ok()?)))
            .and_then(|(close, index)| Some((close, captures.get(index)?)));
        match hole {
            Some((close, capture)) => {
                filled.push_str(capture);
                rest = &after[close + 1..];
            }
            None => {
                filled.push('{');
                rest = after;
            }
        }
    }
    filled.push_str(rest);
    filled
}

#[cfg(test)]
mod tests;
