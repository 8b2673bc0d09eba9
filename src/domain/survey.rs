//! The ministries' success measures: the three questions a company answers about its
//! consultation, and which of them are asked.
use sha2::{Digest, Sha256};

/// A company's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveyAnswers {
    /// 目的が達成できた: the purpose of the consultation was achieved.
    pub purpose_achieved: bool,
    /// 対応に満足した: satisfied with the response.
    pub satisfied: bool,
    /// 導入を積極的に検討する: will actively consider introducing telework; asked only after
    /// an on-site session, `None` otherwise.
    pub will_consider_introduction: Option<bool>,
}

/// Why answers do not fit the questions asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SurveyError {
    /// The on-site question was answered where it is not asked.
    #[error("is asked only when the case had an on-site session; send null")]
    NotAsked,
    /// The on-site question was asked and not answered.
    #[error("is asked because the case had an on-site session: answer true or false")]
    Unanswered,
}

/// Whether `answers` answer exactly the questions asked of a case that had (or had not) an
/// on-site session.
pub fn check_answers(had_onsite_session: bool, answers: &SurveyAnswers) -> Result<(), SurveyError> {
    match (had_onsite_session, answers.will_consider_introduction) {
        (true, None) => Err(SurveyError::Unanswered),
        (false, Some(_)) => Err(SurveyError::NotAsked),
        _ => Ok(()),
    }
}

/// The stored form of a survey token: its SHA-256 in hex. Tokens are 256 random bits, so a
/// plain hash is enough (no salt or stretching is needed against guessing).
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_onsite_question_is_answered_exactly_when_it_is_asked() {
        let answers = |will: Option<bool>| SurveyAnswers {
            purpose_achieved: true,
            satisfied: false,
            will_consider_introduction: will,
        };
        let cases = [
            (true, Some(true), Ok(())),
            (true, Some(false), Ok(())),
            (true, None, Err(SurveyError::Unanswered)),
            (false, None, Ok(())),
            (false, Some(true), Err(SurveyError::NotAsked)),
            (false, Some(false), Err(SurveyError::NotAsked)),
        ];
        for (onsite, will, expected) in cases {
            assert_eq!(
                check_answers(onsite, &answers(will)),
                expected,
                "on-site {onsite}, answer {will:?}"
            );
        }
    }

    #[test]
    fn a_token_is_kept_as_its_sha256() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
