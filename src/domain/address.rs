//! A head-office address in the parts Japanese forms ask for: 郵便番号, 都道府県, 市区町村,
//! 町域・番地, 建物名. The prefecture is the company's own (a company has one), so an address
//! only names it to be checked against it.
use super::{
    limits::{ADDRESS_LINE_MAX_CHARS, CITY_MAX_CHARS},
    prefecture::Prefecture,
};

/// Why a postal code could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostalCodeError {
    /// Not three digits, a hyphen and four digits (or seven digits).
    #[error("must be a postal code like 100-0001 (7 digits, the hyphen optional)")]
    Malformed,
}

/// 郵便番号, `NNN-NNNN`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostalCode(String);

impl PostalCode {
    /// Parses `100-0001`, `1000001`, full-width `１００－０００１` or a leading `〒`; the result
    /// is always `NNN-NNNN`.
    pub fn parse(raw: &str) -> Result<Self, PostalCodeError> {
        let trimmed = raw.trim();
        let trimmed = trimmed.strip_prefix('〒').unwrap_or(trimmed).trim_start();
        let folded: Vec<char> = trimmed
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
                // The hyphens people type: full-width, minus, the dashes an IME offers.
                '－' | '−' | '‐' | '‑' | 'ー' | '―' | '—' => '-',
                other => other,
            })
            .collect();
        let digits = |part: &[char]| part.iter().all(char::is_ascii_digit);
        let (head, tail) = match folded.iter().position(|&c| c == '-') {
            Some(at) => (&folded[..at], &folded[at + 1..]),
            None if folded.len() == 7 => folded.split_at(3),
            None => return Err(PostalCodeError::Malformed),
        };
        if head.len() != 3 || tail.len() != 4 || !digits(head) || !digits(tail) {
            return Err(PostalCodeError::Malformed);
        }
        let code = format!("{}-{}", String::from_iter(head), String::from_iter(tail));
        Ok(Self(code))
    }

    /// `NNN-NNNN`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a part of an address could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressPartError {
    /// Empty where a value is needed.
    #[error("must not be empty")]
    Empty,
    /// Longer than its limit.
    #[error("must be at most {max} characters (has {length})")]
    TooLong {
        /// The limit.
        max: usize,
        /// Characters given.
        length: usize,
    },
    /// A line break, tab or other control character.
    #[error("must be one line of text without control characters")]
    ControlCharacter,
    /// A municipality that does not end as one does.
    #[error("must name a municipality ending in 市, 区, 町 or 村 (e.g. 千代田区, 西多摩郡瑞穂町)")]
    NotMunicipality,
}

fn line(raw: &str, max: usize) -> Result<String, AddressPartError> {
    let trimmed = raw.trim();
    let length = trimmed.chars().count();
    if length == 0 {
        return Err(AddressPartError::Empty);
    }
    if trimmed.chars().any(char::is_control) {
        return Err(AddressPartError::ControlCharacter);
    }
    if length > max {
        return Err(AddressPartError::TooLong { max, length });
    }
    Ok(trimmed.to_owned())
}

/// 市区町村: a municipality, as a form writes it (`千代田区`, `横浜市中区`, `西多摩郡瑞穂町`).
pub fn parse_city(raw: &str) -> Result<String, AddressPartError> {
    let city = line(raw, CITY_MAX_CHARS)?;
    if !city.ends_with(['市', '区', '町', '村']) {
        return Err(AddressPartError::NotMunicipality);
    }
    Ok(city)
}

/// 町域・番地 or 建物名: one bounded line.
pub fn parse_line(raw: &str) -> Result<String, AddressPartError> {
    line(raw, ADDRESS_LINE_MAX_CHARS)
}

/// Whether an address's stated prefecture agrees with the company's.
pub fn prefecture_agrees(stated: Prefecture, company: Prefecture) -> Result<(), String> {
    if stated == company {
        Ok(())
    } else {
        Err(format!(
            "must be the company's prefecture ({}), not {}",
            company.name_ja(),
            stated.name_ja()
        ))
    }
}

/// A checked address (its prefecture is the company's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// 郵便番号, `NNN-NNNN`.
    pub postal_code: Option<PostalCode>,
    /// 市区町村.
    pub city: String,
    /// 町域・番地.
    pub street: Option<String>,
    /// 建物名.
    pub building: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn postal_codes_are_normalized_to_three_digits_a_hyphen_and_four() {
        let cases = [
            ("100-0001", "100-0001"),
            ("1000001", "100-0001"),
            ("１００－０００１", "100-0001"),
            ("１０００００１", "100-0001"),
            ("100ー0001", "100-0001"),
            ("100−0001", "100-0001"),
            ("〒100-0001", "100-0001"),
            ("〒 530-0001 ", "530-0001"),
        ];
        for (raw, expected) in cases {
            assert_eq!(
                PostalCode::parse(raw).map(|p| p.as_str().to_owned()),
                Ok(expected.to_owned()),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn anything_else_is_not_a_postal_code() {
        let cases = [
            "",
            "100",
            "100-001",
            "1000-001",
            "100-00011",
            "10000011",
            "100 0001",
            "100--0001",
            "abc-defg",
            "100-000a",
            "-1000001",
            "100_0001",
            "١٠٠-٠٠٠١",
        ];
        for raw in cases {
            assert_eq!(
                PostalCode::parse(raw),
                Err(PostalCodeError::Malformed),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn a_city_is_one_line_naming_a_municipality() {
        let cases: [(&str, Result<&str, AddressPartError>); 8] = [
            ("千代田区", Ok("千代田区")),
            (" 横浜市中区 ", Ok("横浜市中区")),
            ("西多摩郡瑞穂町", Ok("西多摩郡瑞穂町")),
            ("大島郡十島村", Ok("大島郡十島村")),
            ("", Err(AddressPartError::Empty)),
            ("千代田", Err(AddressPartError::NotMunicipality)),
            ("千代田\n区", Err(AddressPartError::ControlCharacter)),
            (
                &"あ".repeat(CITY_MAX_CHARS),
                Err(AddressPartError::NotMunicipality),
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(parse_city(raw), expected.map(str::to_owned), "{raw:?}");
        }
        let long = format!("{}市", "あ".repeat(CITY_MAX_CHARS));
        assert_eq!(
            parse_city(&long),
            Err(AddressPartError::TooLong {
                max: CITY_MAX_CHARS,
                length: CITY_MAX_CHARS + 1
            })
        );
    }

    #[test]
    fn the_stated_prefecture_must_be_the_companys() {
        let tokyo = Prefecture::parse("13").unwrap();
        let osaka = Prefecture::parse("27").unwrap();
        assert!(prefecture_agrees(tokyo, tokyo).is_ok());
        assert!(
            prefecture_agrees(osaka, tokyo)
                .unwrap_err()
                .contains("東京都")
        );
    }
}
