//! Prefectures of Japan (JIS X 0401) and the regions the service uses for proximity.
//!
//! Input accepts the two-digit code (`"13"`, also typed full-width as `"１３"`), the full
//! Japanese name (`"東京都"`) or the name without its 都/府/県 suffix (`"東京"`, as people
//! often write it; the short names are unique, so nothing becomes ambiguous). One-digit
//! codes (`"1"`) are rejected on purpose: JIS codes are two digits, and a missing leading
//! zero is the mark of a number that went through a spreadsheet or an integer column, which
//! the sender should fix rather than have us guess. Output is always the two-digit code, with
//! the names available beside it.

use crate::domain::wire::wire_enum;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::fold_full_width;

/// Code, Japanese name and English name of each prefecture, in JIS X 0401 order.
const TABLE: [(&str, &str, &str); 47] = [
    ("01", "北海道", "Hokkaido"),
    ("02", "青森県", "Aomori"),
    ("03", "岩手県", "Iwate"),
    ("04", "宮城県", "Miyagi"),
    ("05", "秋田県", "Akita"),
    ("06", "山形県", "Yamagata"),
    ("07", "福島県", "Fukushima"),
    ("08", "茨城県", "Ibaraki"),
    ("09", "栃木県", "Tochigi"),
    ("10", "群馬県", "Gunma"),
    ("11", "埼玉県", "Saitama"),
    ("12", "千葉県", "Chiba"),
    ("13", "東京都", "Tokyo"),
    ("14", "神奈川県", "Kanagawa"),
    ("15", "新潟県", "Niigata"),
    ("16", "富山県", "Toyama"),
    ("17", "石川県", "Ishikawa"),
    ("18", "福井県", "Fukui"),
    ("19", "山梨県", "Yamanashi"),
    ("20", "長野県", "Nagano"),
    ("21", "岐阜県", "Gifu"),
    ("22", "静岡県", "Shizuoka"),
    ("23", "愛知県", "Aichi"),
    ("24", "三重県", "Mie"),
    ("25", "滋賀県", "Shiga"),
    ("26", "京都府", "Kyoto"),
    ("27", "大阪府", "Osaka"),
    ("28", "兵庫県", "Hyogo"),
    ("29", "奈良県", "Nara"),
    ("30", "和歌山県", "Wakayama"),
    ("31", "鳥取県", "Tottori"),
    ("32", "島根県", "Shimane"),
    ("33", "岡山県", "Okayama"),
    ("34", "広島県", "Hiroshima"),
    ("35", "山口県", "Yamaguchi"),
    ("36", "徳島県", "Tokushima"),
    ("37", "香川県", "Kagawa"),
    ("38", "愛媛県", "Ehime"),
    ("39", "高知県", "Kochi"),
    ("40", "福岡県", "Fukuoka"),
    ("41", "佐賀県", "Saga"),
    ("42", "長崎県", "Nagasaki"),
    ("43", "熊本県", "Kumamoto"),
    ("44", "大分県", "Oita"),
    ("45", "宮崎県", "Miyazaki"),
    ("46", "鹿児島県", "Kagoshima"),
    ("47", "沖縄県", "Okinawa"),
];

/// Why a prefecture could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrefectureError {
    /// Nothing but whitespace was given.
    #[error(
        "prefecture must not be empty: give a JIS X 0401 code from \"01\" to \"47\" or a Japanese name such as \"東京都\""
    )]
    Empty,
    /// A single digit was given where JIS X 0401 has two.
    #[error("prefecture code \"{0}\" must have two digits, e.g. \"0{0}\"")]
    OneDigitCode(String),
    /// More than two digits.
    #[error("prefecture code must have two digits, from \"01\" to \"47\"")]
    TooManyDigits,
    /// Digits that are not one of the 47 codes.
    #[error(
        "\"{0}\" is not a JIS X 0401 prefecture code: codes run from \"01\" (北海道) to \"47\" (沖縄県)"
    )]
    UnknownCode(String),
    /// Text that is no prefecture's Japanese name.
    #[error(
        "unknown prefecture: give a JIS X 0401 code from \"01\" to \"47\" or a Japanese name such as \"東京都\""
    )]
    UnknownName,
}

/// A prefecture of Japan, identified by its JIS X 0401 code.
///
/// On input: the two-digit code (`"13"`) or the Japanese name (`"東京都"`, or `"東京"`).
/// On output: the two-digit code.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "13")]
pub struct Prefecture(u8);

impl Prefecture {
    /// Every prefecture, in code order from 北海道 (01) to 沖縄県 (47).
    pub const ALL: [Prefecture; 47] = {
        let mut all = [Prefecture(1); 47];
        let mut i = 0;
        while i < all.len() {
            all[i] = Prefecture(i as u8 + 1);
            i += 1;
        }
        all
    };

    /// Parses a two-digit code or a Japanese name; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, PrefectureError> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(PrefectureError::Empty);
        }
        let folded: String = trimmed.chars().map(fold_full_width).collect();
        if folded.chars().all(|c| c.is_ascii_digit()) {
            return Self::parse_code(&folded);
        }
        TABLE
            .iter()
            .position(|(_, name_ja, _)| *name_ja == folded || short_name(name_ja) == folded)
            .and_then(|index| u8::try_from(index + 1).ok())
            .map(Prefecture)
            .ok_or(PrefectureError::UnknownName)
    }

    fn parse_code(digits: &str) -> Result<Self, PrefectureError> {
        match digits.len() {
            1 => Err(PrefectureError::OneDigitCode(digits.to_owned())),
            2 => digits
                .parse::<u8>()
                .ok()
                .and_then(Self::from_number)
                .ok_or_else(|| PrefectureError::UnknownCode(digits.to_owned())),
            // Not echoed back: a digit string can be arbitrarily long.
            _ => Err(PrefectureError::TooManyDigits),
        }
    }

    /// The prefecture with this code as a number (1 = 北海道 … 47 = 沖縄県), as stored.
    pub const fn from_number(number: u8) -> Option<Self> {
        if number >= 1 && number <= 47 {
            Some(Prefecture(number))
        } else {
            None
        }
    }

    /// The code as a number, 1 to 47.
    pub const fn number(self) -> u8 {
        self.0
    }

    /// The two-digit JIS X 0401 code, e.g. `"13"`.
    pub const fn code(self) -> &'static str {
        TABLE[self.index()].0
    }

    /// The Japanese name, e.g. `"東京都"`.
    pub const fn name_ja(self) -> &'static str {
        TABLE[self.index()].1
    }

    /// The English name without "Prefecture", e.g. `"Tokyo"`.
    pub const fn name_en(self) -> &'static str {
        TABLE[self.index()].2
    }

    /// The region the prefecture belongs to.
    pub const fn region(self) -> Region {
        match self.0 {
            1 => Region::Hokkaido,
            2..=7 => Region::Tohoku,
            8..=14 => Region::Kanto,
            15..=23 => Region::Chubu,
            24..=30 => Region::Kinki,
            31..=35 => Region::Chugoku,
            36..=39 => Region::Shikoku,
            _ => Region::KyushuOkinawa,
        }
    }

    const fn index(self) -> usize {
        // The field is 1..=47 by construction, so this indexes TABLE in bounds.
        self.0 as usize - 1
    }
}

/// The name without the 都/府/県 suffix that people often leave off (北海道 keeps its 道).
fn short_name(name_ja: &str) -> &str {
    name_ja.strip_suffix(['都', '府', '県']).unwrap_or(name_ja)
}

impl fmt::Display for Prefecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Prefecture {
    type Err = PrefectureError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Prefecture {
    type Error = PrefectureError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Prefecture> for String {
    fn from(prefecture: Prefecture) -> Self {
        prefecture.code().to_owned()
    }
}

wire_enum!(
    /// The eight regions used to judge how near a manager is to a company.
    #[derive(PartialOrd, Ord)]
    Region {
        /// 北海道 (01).
        Hokkaido => "hokkaido",
        /// 東北 (02–07).
        Tohoku => "tohoku",
        /// 関東 (08–14).
        Kanto => "kanto",
        /// 中部 (15–23).
        Chubu => "chubu",
        /// 近畿 (24–30).
        Kinki => "kinki",
        /// 中国 (31–35).
        Chugoku => "chugoku",
        /// 四国 (36–39).
        Shikoku => "shikoku",
        /// 九州・沖縄 (40–47).
        KyushuOkinawa => "kyushu_okinawa",
    }
);

impl Region {
    /// The Japanese name, e.g. `"九州・沖縄"`.
    pub const fn name_ja(self) -> &'static str {
        match self {
            Region::Hokkaido => "北海道",
            Region::Tohoku => "東北",
            Region::Kanto => "関東",
            Region::Chubu => "中部",
            Region::Kinki => "近畿",
            Region::Chugoku => "中国",
            Region::Shikoku => "四国",
            Region::KyushuOkinawa => "九州・沖縄",
        }
    }

    /// The English name, e.g. `"Kyushu-Okinawa"`.
    pub const fn name_en(self) -> &'static str {
        match self {
            Region::Hokkaido => "Hokkaido",
            Region::Tohoku => "Tohoku",
            Region::Kanto => "Kanto",
            Region::Chubu => "Chubu",
            Region::Kinki => "Kinki",
            Region::Chugoku => "Chugoku",
            Region::Shikoku => "Shikoku",
            Region::KyushuOkinawa => "Kyushu-Okinawa",
        }
    }

    /// The region's prefectures, in code order.
    pub fn prefectures(self) -> impl Iterator<Item = Prefecture> {
        Prefecture::ALL
            .into_iter()
            .filter(move |prefecture| prefecture.region() == self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_japanese_names_parse_to_the_same_prefecture() {
        #[rustfmt::skip]
        let cases = [
            ("01", "01", "北海道"),
            ("13", "13", "東京都"),
            ("東京都", "13", "東京都"),
            ("東京", "13", "東京都"),
            ("北海道", "01", "北海道"),
            ("大阪府", "27", "大阪府"),
            ("大阪", "27", "大阪府"),
            ("京都府", "26", "京都府"),
            ("京都", "26", "京都府"),
            ("青森県", "02", "青森県"),
            ("神奈川", "14", "神奈川県"),
            ("47", "47", "沖縄県"),
            ("沖縄県", "47", "沖縄県"),
            ("  13 ", "13", "東京都"),
            ("\u{3000}東京都\u{3000}", "13", "東京都"),
            ("１３", "13", "東京都"),
        ];
        for (input, code, name) in cases {
            let prefecture = Prefecture::parse(input)
                .unwrap_or_else(|e| panic!("{input:?} should parse, got {e}"));
            assert_eq!(prefecture.code(), code, "code of {input:?}");
            assert_eq!(prefecture.name_ja(), name, "name of {input:?}");
        }
    }

    #[test]
    fn malformed_prefectures_are_rejected_with_the_reason() {
        #[rustfmt::skip]
        let cases = [
            ("", PrefectureError::Empty, "empty"),
            ("   ", PrefectureError::Empty, "only whitespace"),
            ("1", PrefectureError::OneDigitCode("1".into()), "one digit"),
            ("00", PrefectureError::UnknownCode("00".into()), "zero is no code"),
            ("48", PrefectureError::UnknownCode("48".into()), "past Okinawa"),
            ("99", PrefectureError::UnknownCode("99".into()), "two digits, no code"),
            ("013", PrefectureError::TooManyDigits, "three digits"),
            ("Tokyo", PrefectureError::UnknownName, "English names are output only"),
            ("東京府", PrefectureError::UnknownName, "wrong suffix"),
            ("北海", PrefectureError::UnknownName, "北海道 keeps its 道"),
            ("13a", PrefectureError::UnknownName, "digits and letters"),
            ("-13", PrefectureError::UnknownName, "sign"),
        ];
        for (input, expected, reason) in cases {
            assert_eq!(
                Prefecture::parse(input),
                Err(expected),
                "{reason}: {input:?}"
            );
        }
    }

    #[test]
    fn error_messages_read_as_field_messages() {
        assert_eq!(
            PrefectureError::OneDigitCode("1".into()).to_string(),
            "prefecture code \"1\" must have two digits, e.g. \"01\""
        );
        assert_eq!(
            PrefectureError::UnknownCode("48".into()).to_string(),
            "\"48\" is not a JIS X 0401 prefecture code: codes run from \"01\" (北海道) to \"47\" (沖縄県)"
        );
    }

    #[test]
    fn all_holds_47_prefectures_in_code_order_and_each_round_trips() {
        assert_eq!(Prefecture::ALL.len(), 47);
        for (i, prefecture) in Prefecture::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(prefecture.number()), i + 1);
            assert_eq!(prefecture.code(), format!("{:02}", i + 1));
            assert_eq!(Prefecture::parse(prefecture.code()), Ok(prefecture));
            assert_eq!(Prefecture::parse(prefecture.name_ja()), Ok(prefecture));
            assert_eq!(
                Prefecture::from_number(prefecture.number()),
                Some(prefecture)
            );
        }
        assert_eq!(Prefecture::from_number(0), None);
        assert_eq!(Prefecture::from_number(48), None);
    }

    #[test]
    fn regions_follow_the_product_ranges() {
        #[rustfmt::skip]
        let cases = [
            (Region::Hokkaido, 1, 1),
            (Region::Tohoku, 2, 7),
            (Region::Kanto, 8, 14),
            (Region::Chubu, 15, 23),
            (Region::Kinki, 24, 30),
            (Region::Chugoku, 31, 35),
            (Region::Shikoku, 36, 39),
            (Region::KyushuOkinawa, 40, 47),
        ];
        for (region, first, last) in cases {
            let numbers: Vec<u8> = region.prefectures().map(Prefecture::number).collect();
            let expected: Vec<u8> = (first..=last).collect();
            assert_eq!(numbers, expected, "{region:?}");
        }
        let covered: usize = Region::ALL.iter().map(|r| r.prefectures().count()).sum();
        assert_eq!(covered, 47, "every prefecture is in exactly one region");
    }

    #[test]
    fn prefectures_have_names_in_both_languages_and_a_region() {
        #[rustfmt::skip]
        let cases = [
            ("13", "東京都", "Tokyo", "関東"),
            ("24", "三重県", "Mie", "近畿"),
            ("15", "新潟県", "Niigata", "中部"),
            ("47", "沖縄県", "Okinawa", "九州・沖縄"),
        ];
        for (code, ja, en, region) in cases {
            let prefecture = Prefecture::parse(code).unwrap();
            assert_eq!(prefecture.name_ja(), ja);
            assert_eq!(prefecture.name_en(), en);
            assert_eq!(prefecture.region().name_ja(), region);
        }
    }

    #[test]
    fn serializes_as_the_code_and_deserializes_from_code_or_name() {
        let tokyo = Prefecture::parse("13").unwrap();
        assert_eq!(serde_json::to_string(&tokyo).unwrap(), "\"13\"");
        assert_eq!(
            serde_json::from_str::<Prefecture>("\"東京都\"").unwrap(),
            tokyo
        );
        assert_eq!(serde_json::from_str::<Prefecture>("\"13\"").unwrap(), tokyo);
        let err = serde_json::from_str::<Prefecture>("\"48\"").unwrap_err();
        assert!(err.to_string().contains("not a JIS X 0401"), "{err}");
        assert!(
            serde_json::from_str::<Prefecture>("13").is_err(),
            "a JSON number is not accepted"
        );
        assert_eq!(
            serde_json::to_string(&Region::KyushuOkinawa).unwrap(),
            "\"kyushu_okinawa\""
        );
    }
}
