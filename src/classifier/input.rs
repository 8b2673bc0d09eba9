//! What the router reads, and the checks the classify endpoint applies before it reads it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::classifier::rules::{field_error, is_jsic_division};
use crate::domain::topic::Topic;
use crate::error::FieldError;

/// Longest subject plus description the router accepts, in characters (not bytes: a
/// Japanese character is three UTF-8 bytes and the limit is about what people write).
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The parts of a case the router looks at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RoutingInput {
    /// The case's subject line.
    pub subject: String,
    /// The question as the company described it.
    pub description: String,
    /// Topic codes chosen at intake.
    pub topics: Vec<Topic>,
    /// JSIC major division of the company (`A`–`T`), when known.
    pub industry: Option<String>,
}

impl RoutingInput {
    /// Checks what the classify endpoint requires: some text or at least one topic, and no
    /// more than [`MAX_TEXT_CHARS`] characters of text. Every problem is listed.
    pub fn new(
        subject: impl Into<String>,
        description: impl Into<String>,
        topics: Vec<Topic>,
        industry: Option<String>,
    ) -> Result<RoutingInput, Vec<FieldError>> {
        let input = RoutingInput {
            subject: subject.into(),
            description: description.into(),
            topics,
            industry,
        };
        let mut errors = Vec::new();
        input.check_text(&mut errors);
        input.with_industry_checked(errors)
    }

    /// Adds the industry's error to `errors`, if it has one, and answers the input when
    /// nothing is wrong.
    fn with_industry_checked(
        self,
        mut errors: Vec<FieldError>,
    ) -> Result<RoutingInput, Vec<FieldError>> {
        if let Some(industry) = &self.industry
            && !is_jsic_division(industry)
        {
            errors.push(industry_error(industry));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }

    fn check_text(&self, errors: &mut Vec<FieldError>) {
        let blank = self.subject.trim().is_empty() && self.description.trim().is_empty();
        if blank && self.topics.is_empty() {
            errors.push(field_error(
                "description",
                "subject and description are empty and no topics are given: \
                 give the question or at least one topic",
            ));
        }
        let chars = self.subject.chars().count() + self.description.chars().count();
        if chars > MAX_TEXT_CHARS {
            errors.push(field_error(
                "description",
                format!(
                    "subject and description together have {chars} characters; \
                     at most {MAX_TEXT_CHARS} are allowed"
                ),
            ));
        }
    }
}

/// Parses topic codes from a request, reporting each unknown one as `topics[i]`.
pub fn parse_topics(codes: &[String]) -> Result<Vec<Topic>, Vec<FieldError>> {
    let mut topics = Vec::with_capacity(codes.len());
    let mut errors = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        match Topic::parse(code) {
            Ok(topic) => topics.push(topic),
            Err(_) => errors.push(field_error(
                format!("topics[{i}]"),
                format!("{code:?} is not a topic code (see GET /v1/topics)"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(topics)
    } else {
        Err(errors)
    }
}

/// Body of `POST /v1/routing/classify`, a dry run of the router.
///
/// Topics are strings here so that unknown codes come back as field errors
/// (`topics[2]`) rather than a bare deserialization failure.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "subject": "在宅勤務の労働時間管理について",
    "description": "テレワーク導入にあたり、中抜け時間の扱いと就業規則の改定方法を知りたい。",
    "topics": ["labor.working_hours", "labor.work_rules"]
}))]
pub struct ClassifyRequest {
    /// Subject line.
    #[serde(default)]
    pub subject: String,
    /// The question.
    #[serde(default)]
    pub description: String,
    /// Topic codes (see `GET /v1/topics`).
    #[serde(default)]
    pub topics: Vec<String>,
    /// JSIC major division of the company, `A`–`T`.
    #[serde(default)]
    pub industry: Option<String>,
}

impl ClassifyRequest {
    /// Turns the request into router input, listing every invalid field.
    pub fn into_input(self) -> Result<RoutingInput, Vec<FieldError>> {
        let (topics, mut errors) = match parse_topics(&self.topics) {
            Ok(topics) => (topics, Vec::new()),
            Err(errors) => (Vec::new(), errors),
        };
        let had_topic_errors = !errors.is_empty();
        let input = RoutingInput {
            subject: self.subject,
            description: self.description,
            topics,
            industry: self.industry,
        };
        let mut text_errors = Vec::new();
        input.check_text(&mut text_errors);
        // With unknown topics the "no topics given" complaint would be misleading.
        if had_topic_errors {
            text_errors.retain(|e| !e.message.contains("no topics"));
        }
        errors.extend(text_errors);
        input.with_industry_checked(errors)
    }
}

fn industry_error(industry: &str) -> FieldError {
    field_error(
        "industry",
        format!("{industry:?} is not a JSIC major division (one capital letter A-T)"),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn strings(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| (*c).to_owned()).collect()
    }

    #[test]
    fn topic_codes_parse_and_unknown_ones_are_named_by_index() {
        // Expected: the parsed topics, or the fields named in the errors.
        type Expected = Result<Vec<Topic>, Vec<&'static str>>;
        let cases: [(&[&str], Expected); 5] = [
            (&[], Ok(vec![])),
            (
                &["ict.security", "labor.subsidies"],
                Ok(vec![Topic::IctSecurity, Topic::LaborSubsidies]),
            ),
            (&["ict.vpn"], Err(vec!["topics[0]"])),
            (
                &["labor.contracts", "LABOR.CONTRACTS", "x"],
                Err(vec!["topics[1]", "topics[2]"]),
            ),
            (&["general.other", ""], Err(vec!["topics[1]"])),
        ];
        for (codes, expected) in cases {
            let got = parse_topics(&strings(codes))
                .map_err(|errs| errs.into_iter().map(|e| e.field).collect::<Vec<_>>());
            let expected = expected.map_err(|f| f.into_iter().map(String::from).collect());
            assert_eq!(got, expected, "codes {codes:?}");
        }
    }

    #[test]
    fn classify_requests_are_checked_field_by_field() {
        let long = "あ".repeat(MAX_TEXT_CHARS - 9);
        let cases: Vec<(&str, ClassifyRequest, Vec<&str>)> = vec![
            ("text only is fine", req("VPN", "", &[], None), vec![]),
            (
                "topics only is fine",
                req("", "", &["ict.security"], None),
                vec![],
            ),
            (
                "nothing at all",
                req(" ", "\n", &[], None),
                vec!["description"],
            ),
            (
                "exactly at the limit counts characters, not bytes",
                req("0123456789", &"あ".repeat(MAX_TEXT_CHARS - 10), &[], None),
                vec![],
            ),
            (
                "one past the limit",
                req("0123456789", &long, &[], None),
                vec!["description"],
            ),
            (
                "unknown topic",
                req("x", "", &["ict.vpn"], None),
                vec!["topics[0]"],
            ),
            (
                "unknown topic and no text reports only the topic",
                req("", "", &["nope"], None),
                vec!["topics[0]"],
            ),
            ("valid industry", req("x", "", &[], Some("E")), vec![]),
            (
                "invalid industry",
                req("x", "", &[], Some("E1")),
                vec!["industry"],
            ),
            (
                "everything wrong at once",
                req("", &"a".repeat(MAX_TEXT_CHARS + 1), &["a", "b"], Some("z")),
                vec!["topics[0]", "topics[1]", "description", "industry"],
            ),
        ];
        for (why, request, fields) in cases {
            let got = request
                .into_input()
                .map(|_| Vec::new())
                .unwrap_or_else(|errs| errs.into_iter().map(|e| e.field).collect());
            assert_eq!(got, fields, "{why}");
        }
    }

    #[test]
    fn routing_input_new_applies_the_same_text_rules() {
        assert!(RoutingInput::new("", "", vec![], None).is_err());
        assert!(RoutingInput::new("", "", vec![Topic::GeneralOther], None).is_ok());
        let errs = RoutingInput::new("", "x".repeat(MAX_TEXT_CHARS + 1), vec![], None).unwrap_err();
        assert_eq!(errs[0].field, "description");
        assert!(errs[0].message.contains("20001"), "{}", errs[0].message);
    }

    fn req(
        subject: &str,
        description: &str,
        topics: &[&str],
        industry: Option<&str>,
    ) -> ClassifyRequest {
        ClassifyRequest {
            subject: subject.into(),
            description: description.into(),
            topics: strings(topics),
            industry: industry.map(String::from),
        }
    }
}
