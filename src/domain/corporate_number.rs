//! The corporate number (法人番号) the National Tax Agency gives every registered company.
//!
//! Input is forgiving about presentation and strict about content: full-width digits
//! (`７０００...`, as Japanese input methods type them) are folded to ASCII, and hyphens and
//! spaces people use to group the digits (`7-0000-1205-0002`) are dropped, because both are
//! common in forms and neither changes the number. After that exactly 13 digits must remain
//! and the first must be the check digit of the other twelve. Output is always the 13 ASCII
//! digits.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::fold_full_width;

/// Number of digits in a corporate number, check digit included.
const LENGTH: usize = 13;

/// Why a corporate number could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorporateNumberError {
    /// Nothing but whitespace and separators was given.
    #[error("corporate number must not be empty: leave it out when the company has none")]
    Empty,
    /// A character other than a digit, hyphen or space.
    #[error("corporate number must contain only digits")]
    NotDigits,
    /// The wrong number of digits.
    #[error("corporate number must have 13 digits, found {found}")]
    WrongLength {
        /// How many digits were found.
        found: usize,
    },
    /// The first digit is not the check digit of the other twelve.
    #[error(
        "corporate number has a wrong check digit: the first digit should be {expected} for the \
         12 digits that follow, found {found}; check for a typing error"
    )]
    WrongCheckDigit {
        /// The check digit the other twelve digits call for.
        expected: u8,
        /// The first digit as given.
        found: u8,
    },
}

/// A 13-digit corporate number (法人番号) whose check digit is correct.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "7000012050002")]
pub struct CorporateNumber(String);

impl CorporateNumber {
    /// Parses a corporate number, folding full-width digits and dropping hyphens and spaces.
    pub fn parse(input: &str) -> Result<Self, CorporateNumberError> {
        let digits = Self::digits_of(input)?;
        if digits.len() != LENGTH {
            return Err(CorporateNumberError::WrongLength {
                found: digits.len(),
            });
        }
        let (found, base) = digits.split_at(1);
        let found = found[0];
        let expected = check_digit(base);
        if found != expected {
            return Err(CorporateNumberError::WrongCheckDigit { expected, found });
        }
        Ok(CorporateNumber(to_string(&digits)))
    }

    /// Builds the corporate number whose last twelve digits are `base`, computing its check
    /// digit (for demo and test data).
    pub fn from_base(base: &str) -> Result<Self, CorporateNumberError> {
        let digits = Self::digits_of(base)?;
        if digits.len() != LENGTH - 1 {
            return Err(CorporateNumberError::WrongLength {
                found: digits.len(),
            });
        }
        let mut all = Vec::with_capacity(LENGTH);
        all.push(check_digit(&digits));
        all.extend_from_slice(&digits);
        Ok(CorporateNumber(to_string(&all)))
    }

    /// The 13 ASCII digits, check digit first.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The input's digits as numbers, after dropping separators.
    fn digits_of(input: &str) -> Result<Vec<u8>, CorporateNumberError> {
        let mut digits = Vec::with_capacity(LENGTH);
        for c in input.chars().map(fold_full_width) {
            if is_separator(c) {
                continue;
            }
            // to_digit(10) knows only ASCII digits, so other scripts' digits are rejected.
            match c.to_digit(10).and_then(|d| u8::try_from(d).ok()) {
                Some(d) => digits.push(d),
                None => return Err(CorporateNumberError::NotDigits),
            }
        }
        if digits.is_empty() {
            return Err(CorporateNumberError::Empty);
        }
        Ok(digits)
    }
}

/// Hyphens of every width people type between digit groups, and spaces (whitespace of any
/// width, which also covers surrounding whitespace).
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '－' | '‐' | '‑' | '–' | '−')
}

/// The check digit of the twelve digits `base` (most significant first):
/// `9 − (Σ Pn·Qn mod 9)`, Pn the n-th digit counted from the right, Qn 1 for odd n and 2
/// for even n.
fn check_digit(base: &[u8]) -> u8 {
    let sum: u32 = base
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &digit)| {
            // i is 0-based, so an even i is an odd n.
            let weight = if i % 2 == 0 { 1 } else { 2 };
            u32::from(digit) * weight
        })
        .sum();
    // sum % 9 is below 9, so the result is 1..=9 and fits a u8.
    9 - u8::try_from(sum % 9).unwrap_or(0)
}

fn to_string(digits: &[u8]) -> String {
    digits.iter().map(|d| char::from(b'0' + d)).collect()
}

impl fmt::Display for CorporateNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CorporateNumber {
    type Err = CorporateNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CorporateNumber {
    type Error = CorporateNumberError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CorporateNumber> for String {
    fn from(number: CorporateNumber) -> Self {
        number.0
    }
}

impl AsRef<str> for CorporateNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_parse_to_thirteen_ascii_digits() {
        #[rustfmt::skip]
        let cases = [
            ("7000012050002", "7000012050002", "the product document's example"),
            ("7-0000-1205-0002", "7000012050002", "hyphen-grouped"),
            ("7 0000 1205 0002", "7000012050002", "space-grouped"),
            ("７０００−０１２０５０００２", "7000012050002", "full-width with a minus sign"),
            ("７－００００－１２０５－０００２", "7000012050002", "full-width hyphens"),
            ("  7000012050002\n", "7000012050002", "surrounding whitespace"),
            ("9000000000000", "9000000000000", "a sum of 0 calls for check digit 9"),
            // 2 + 2·1 = 4 → 9 − 4 = 5
            ("5000000000012", "5000000000012", "weights alternate 1, 2 from the right"),
            // 9·1 + 9·2 = 27, 27 mod 9 = 0 → 9
            ("9000000000099", "9000000000099", "a multiple of 9 calls for 9"),
        ];
        for (input, expected, reason) in cases {
            let number = CorporateNumber::parse(input)
                .unwrap_or_else(|e| panic!("{reason}: {input:?} should parse, got {e}"));
            assert_eq!(number.as_str(), expected, "{reason}");
        }
    }

    #[test]
    fn malformed_numbers_are_rejected_with_distinct_reasons() {
        use CorporateNumberError::*;
        #[rustfmt::skip]
        let cases = [
            ("", Empty, "empty"),
            (" - ", Empty, "only separators"),
            ("700001205000A", NotDigits, "a letter"),
            ("7000012050002.", NotDigits, "a dot"),
            ("+7000012050002", NotDigits, "a sign"),
            ("７０００O１２０５０００２", NotDigits, "the letter O for a zero"),
            ("٧000012050002", NotDigits, "a non-Japanese digit"),
            ("700001205000", WrongLength { found: 12 }, "twelve digits"),
            ("70000120500021", WrongLength { found: 14 }, "fourteen digits"),
            ("1000012050002", WrongCheckDigit { expected: 7, found: 1 }, "wrong check digit"),
            ("7000012050003", WrongCheckDigit { expected: 6, found: 7 }, "a typo in the last digit"),
            ("0000000000000", WrongCheckDigit { expected: 9, found: 0 }, "a check digit is never 0"),
        ];
        for (input, expected, reason) in cases {
            assert_eq!(
                CorporateNumber::parse(input),
                Err(expected),
                "{reason}: {input:?}"
            );
        }
    }

    #[test]
    fn messages_differ_by_reason() {
        let messages = [
            CorporateNumberError::NotDigits.to_string(),
            CorporateNumberError::WrongLength { found: 12 }.to_string(),
            CorporateNumberError::WrongCheckDigit {
                expected: 7,
                found: 1,
            }
            .to_string(),
        ];
        assert_eq!(messages[0], "corporate number must contain only digits");
        assert_eq!(
            messages[1],
            "corporate number must have 13 digits, found 12"
        );
        assert!(messages[2].contains("check digit"), "{}", messages[2]);
    }

    #[test]
    fn from_base_computes_the_check_digit() {
        #[rustfmt::skip]
        let cases = [
            ("000012050002", "7000012050002"),
            ("000000000000", "9000000000000"),
            ("0000-0000-0012", "5000000000012"),
        ];
        for (base, expected) in cases {
            assert_eq!(CorporateNumber::from_base(base).unwrap().as_str(), expected);
        }
        assert_eq!(
            CorporateNumber::from_base("7000012050002"),
            Err(CorporateNumberError::WrongLength { found: 13 })
        );
    }

    #[test]
    fn every_wrong_first_digit_is_caught() {
        for first in 0..=9u8 {
            let input = format!("{first}000012050002");
            assert_eq!(
                CorporateNumber::parse(&input).is_ok(),
                first == 7,
                "{input}"
            );
        }
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let number: CorporateNumber = serde_json::from_str("\"7-0000-1205-0002\"").unwrap();
        assert_eq!(serde_json::to_string(&number).unwrap(), "\"7000012050002\"");
        let err = serde_json::from_str::<CorporateNumber>("\"1000012050002\"").unwrap_err();
        assert!(err.to_string().contains("check digit"), "{err}");
    }
}
