//! Industries as JSIC major divisions (日本標準産業分類 大分類 A–T) and the industry
//! categories of the SME Basic Act (中小企業基本法 第2条).
//!
//! # Why a division can map to more than one SME category
//!
//! The Act sorts enterprises into four categories: manufacturing, construction, transport
//! and others (製造業その他); wholesale (卸売業); retail (小売業); services (サービス業). The
//! SME Agency (中小企業庁) reads them off JSIC at a finer level than the major division the
//! API takes, and several divisions straddle two categories:
//!
//! | division | categories | because |
//! |---|---|---|
//! | G 情報通信業 | services, others | broadcasting (38), information services (39) and parts of 41 (411, 412, 415, 416) are services; telecommunications (37), internet-based services (40), newspapers and publishing (413, 414) are others |
//! | I 卸売業，小売業 | wholesale, retail | wholesale is 50–55, retail 56–61 |
//! | K 不動産業，物品賃貸業 | others, services | parking (693) and goods rental (70) are services; real estate is others |
//! | M 宿泊業，飲食サービス業 | services, retail | accommodation (75) is services; eating and drinking places (76, 77) are retail |
//! | N 生活関連サービス業，娯楽業 | services, others | all services except travel agencies (791), which are others |
//!
//! Rather than guess, [`Industry::sme_categories`] returns every category the division can
//! mean, and [`classify_industry`](super::company_size::classify_industry) answers only when
//! all of them agree (a company of 30 employees in division I is an SME whether it sells
//! wholesale or retail; one of 80 is not decided by the division alone). A caller that knows
//! the finer category passes it to [`classify`](super::company_size::classify) instead.
//!
//! Two divisions are special: S (公務, government) is no enterprise in the Act's sense, so it
//! has no category and its size is never classified; T (分類不能の産業, unclassifiable)
//! means the industry is not known, so it may be any of the four.
//!
//! The Act's limits alone are modelled; the cabinet-order exceptions other SME laws use
//! (rubber products ≤900 employees, software and information processing ¥300M/300, inns
//! ≤200 employees) are not part of the 基本法 definition the product uses.

use crate::domain::wire::wire_enum;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::fold_full_width;

/// Why an industry could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndustryError {
    /// Anything but one letter from A to T.
    #[error(
        "industry must be a JSIC major division letter from A to T, e.g. \"E\" for manufacturing"
    )]
    NotADivision,
}

/// A JSIC major division (日本標準産業分類 大分類), written as its letter `A`–`T`.
///
/// Input accepts the letter in either case (and full-width); output is the upper-case letter.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(example = "E")]
pub enum Industry {
    /// A 農業，林業 — agriculture and forestry.
    #[serde(rename = "A")]
    AgricultureAndForestry,
    /// B 漁業 — fisheries.
    #[serde(rename = "B")]
    Fisheries,
    /// C 鉱業，採石業，砂利採取業 — mining and quarrying of stone and gravel.
    #[serde(rename = "C")]
    Mining,
    /// D 建設業 — construction.
    #[serde(rename = "D")]
    Construction,
    /// E 製造業 — manufacturing.
    #[serde(rename = "E")]
    Manufacturing,
    /// F 電気・ガス・熱供給・水道業 — electricity, gas, heat supply and water.
    #[serde(rename = "F")]
    Utilities,
    /// G 情報通信業 — information and communications.
    #[serde(rename = "G")]
    InformationAndCommunications,
    /// H 運輸業，郵便業 — transport and postal activities.
    #[serde(rename = "H")]
    TransportAndPostal,
    /// I 卸売業，小売業 — wholesale and retail trade.
    #[serde(rename = "I")]
    WholesaleAndRetail,
    /// J 金融業，保険業 — finance and insurance.
    #[serde(rename = "J")]
    FinanceAndInsurance,
    /// K 不動産業，物品賃貸業 — real estate and goods rental and leasing.
    #[serde(rename = "K")]
    RealEstateAndRental,
    /// L 学術研究，専門・技術サービス業 — scientific research, professional and technical services.
    #[serde(rename = "L")]
    ProfessionalAndTechnicalServices,
    /// M 宿泊業，飲食サービス業 — accommodations, eating and drinking services.
    #[serde(rename = "M")]
    AccommodationsAndFoodServices,
    /// N 生活関連サービス業，娯楽業 — living-related and personal services and amusement services.
    #[serde(rename = "N")]
    LivingRelatedServicesAndAmusement,
    /// O 教育，学習支援業 — education, learning support.
    #[serde(rename = "O")]
    Education,
    /// P 医療，福祉 — medical, health care and welfare.
    #[serde(rename = "P")]
    MedicalAndWelfare,
    /// Q 複合サービス事業 — compound services.
    #[serde(rename = "Q")]
    CompoundServices,
    /// R サービス業（他に分類されないもの） — services, not elsewhere classified.
    #[serde(rename = "R")]
    OtherServices,
    /// S 公務（他に分類されるものを除く） — government, except elsewhere classified.
    #[serde(rename = "S")]
    Government,
    /// T 分類不能の産業 — industries unable to classify.
    #[serde(rename = "T")]
    Unclassifiable,
}

/// Letter, Japanese label and English label of each division, in letter order.
const LABELS: [(&str, &str, &str); 20] = [
    ("A", "農業，林業", "Agriculture and forestry"),
    ("B", "漁業", "Fisheries"),
    (
        "C",
        "鉱業，採石業，砂利採取業",
        "Mining and quarrying of stone and gravel",
    ),
    ("D", "建設業", "Construction"),
    ("E", "製造業", "Manufacturing"),
    (
        "F",
        "電気・ガス・熱供給・水道業",
        "Electricity, gas, heat supply and water",
    ),
    ("G", "情報通信業", "Information and communications"),
    ("H", "運輸業，郵便業", "Transport and postal activities"),
    ("I", "卸売業，小売業", "Wholesale and retail trade"),
    ("J", "金融業，保険業", "Finance and insurance"),
    (
        "K",
        "不動産業，物品賃貸業",
        "Real estate and goods rental and leasing",
    ),
    (
        "L",
        "学術研究，専門・技術サービス業",
        "Scientific research, professional and technical services",
    ),
    (
        "M",
        "宿泊業，飲食サービス業",
        "Accommodations, eating and drinking services",
    ),
    (
        "N",
        "生活関連サービス業，娯楽業",
        "Living-related and personal services and amusement services",
    ),
    ("O", "教育，学習支援業", "Education, learning support"),
    ("P", "医療，福祉", "Medical, health care and welfare"),
    ("Q", "複合サービス事業", "Compound services"),
    (
        "R",
        "サービス業（他に分類されないもの）",
        "Services, not elsewhere classified",
    ),
    (
        "S",
        "公務（他に分類されるものを除く）",
        "Government, except elsewhere classified",
    ),
    ("T", "分類不能の産業", "Industries unable to classify"),
];

impl Industry {
    /// Every division, A to T.
    pub const ALL: [Industry; 20] = [
        Industry::AgricultureAndForestry,
        Industry::Fisheries,
        Industry::Mining,
        Industry::Construction,
        Industry::Manufacturing,
        Industry::Utilities,
        Industry::InformationAndCommunications,
        Industry::TransportAndPostal,
        Industry::WholesaleAndRetail,
        Industry::FinanceAndInsurance,
        Industry::RealEstateAndRental,
        Industry::ProfessionalAndTechnicalServices,
        Industry::AccommodationsAndFoodServices,
        Industry::LivingRelatedServicesAndAmusement,
        Industry::Education,
        Industry::MedicalAndWelfare,
        Industry::CompoundServices,
        Industry::OtherServices,
        Industry::Government,
        Industry::Unclassifiable,
    ];

    /// Parses a division letter, `A`–`T` in either case; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, IndustryError> {
        let mut chars = input.trim().chars().map(fold_full_width);
        match (chars.next(), chars.next()) {
            (Some(letter), None) => Self::ALL
                .into_iter()
                .find(|industry| industry.letter().eq_ignore_ascii_case(&letter))
                .ok_or(IndustryError::NotADivision),
            _ => Err(IndustryError::NotADivision),
        }
    }

    /// The division letter as text, e.g. `"E"`.
    pub const fn code(self) -> &'static str {
        LABELS[self as usize].0
    }

    /// The division letter, e.g. `'E'`.
    pub const fn letter(self) -> char {
        // Variants are declared in letter order from A.
        (b'A' + self as u8) as char
    }

    /// The Japanese label, e.g. `"製造業"`.
    pub const fn label_ja(self) -> &'static str {
        LABELS[self as usize].1
    }

    /// The English label, e.g. `"Manufacturing"`.
    pub const fn label_en(self) -> &'static str {
        LABELS[self as usize].2
    }

    /// The SME Basic Act categories the division's enterprises can fall under (see the module
    /// documentation): one when the division decides it, two where it straddles, all four for
    /// T (unknown industry), none for S (government is no enterprise).
    pub const fn sme_categories(self) -> &'static [SmeCategory] {
        use SmeCategory::{ManufacturingAndOthers as Others, Retail, Services, Wholesale};
        match self {
            Industry::AgricultureAndForestry
            | Industry::Fisheries
            | Industry::Mining
            | Industry::Construction
            | Industry::Manufacturing
            | Industry::Utilities
            | Industry::TransportAndPostal
            | Industry::FinanceAndInsurance => &[Others],
            Industry::InformationAndCommunications => &[Services, Others],
            Industry::WholesaleAndRetail => &[Wholesale, Retail],
            Industry::RealEstateAndRental => &[Others, Services],
            Industry::AccommodationsAndFoodServices => &[Services, Retail],
            Industry::LivingRelatedServicesAndAmusement => &[Services, Others],
            Industry::ProfessionalAndTechnicalServices
            | Industry::Education
            | Industry::MedicalAndWelfare
            | Industry::CompoundServices
            | Industry::OtherServices => &[Services],
            Industry::Government => &[],
            Industry::Unclassifiable => &SmeCategory::ALL,
        }
    }

    /// The SME category when the division alone decides it, `None` where it does not.
    pub const fn sme_category(self) -> Option<SmeCategory> {
        match self.sme_categories() {
            [only] => Some(*only),
            _ => None,
        }
    }
}

impl fmt::Display for Industry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Industry {
    type Err = IndustryError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Industry {
    type Error = IndustryError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Industry> for String {
    fn from(industry: Industry) -> Self {
        industry.code().to_owned()
    }
}

wire_enum!(
    /// An industry category of the SME Basic Act (中小企業基本法 第2条第1項), which sets the
    /// size limits.
    #[derive(PartialOrd, Ord)]
    SmeCategory {
        /// 製造業・建設業・運輸業その他の業種: manufacturing, construction, transport and every
        /// industry not named below.
        ManufacturingAndOthers => "manufacturing_and_others",
        /// 卸売業: wholesale.
        Wholesale => "wholesale",
        /// サービス業: services.
        Services => "services",
        /// 小売業: retail, including eating and drinking places.
        Retail => "retail",
    }
);

impl SmeCategory {
    /// The Japanese label, e.g. `"卸売業"`.
    pub const fn label_ja(self) -> &'static str {
        match self {
            SmeCategory::ManufacturingAndOthers => "製造業その他",
            SmeCategory::Wholesale => "卸売業",
            SmeCategory::Retail => "小売業",
            SmeCategory::Services => "サービス業",
        }
    }

    /// Whether the Act counts the category as commerce or services (商業・サービス業), whose
    /// small-enterprise limit is 5 employees rather than 20.
    pub const fn is_commerce_or_services(self) -> bool {
        !matches!(self, SmeCategory::ManufacturingAndOthers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn division_letters_parse_in_either_case() {
        #[rustfmt::skip]
        let cases = [
            ("A", Industry::AgricultureAndForestry),
            ("E", Industry::Manufacturing),
            ("e", Industry::Manufacturing),
            (" I ", Industry::WholesaleAndRetail),
            ("Ｇ", Industry::InformationAndCommunications),
            ("ｔ", Industry::Unclassifiable),
            ("T", Industry::Unclassifiable),
        ];
        for (input, expected) in cases {
            assert_eq!(Industry::parse(input), Ok(expected), "input {input:?}");
        }
    }

    #[test]
    fn anything_but_one_division_letter_is_rejected() {
        #[rustfmt::skip]
        let cases = [
            ("", "empty"),
            ("U", "past T"),
            ("Z", "not a division"),
            ("EE", "two letters"),
            ("E1", "a letter and a digit"),
            ("05", "a JSIC middle-division number"),
            ("製造業", "a Japanese label"),
            ("Manufacturing", "an English label"),
        ];
        for (input, reason) in cases {
            assert_eq!(
                Industry::parse(input),
                Err(IndustryError::NotADivision),
                "{reason}: {input:?}"
            );
        }
    }

    #[test]
    fn letters_and_labels_line_up() {
        for (i, industry) in Industry::ALL.into_iter().enumerate() {
            assert_eq!(industry as usize, i);
            assert_eq!(industry.code(), LABELS[i].0);
            assert_eq!(industry.code(), industry.letter().to_string());
            assert_eq!(Industry::parse(industry.code()), Ok(industry));
        }
        assert_eq!(Industry::Manufacturing.label_ja(), "製造業");
        assert_eq!(Industry::WholesaleAndRetail.label_ja(), "卸売業，小売業");
        assert_eq!(
            Industry::Unclassifiable.label_en(),
            "Industries unable to classify"
        );
    }

    #[test]
    fn every_division_maps_to_the_sme_agencys_categories() {
        use SmeCategory::{ManufacturingAndOthers as Others, Retail, Services, Wholesale};
        #[rustfmt::skip]
        let cases: [(&str, &[SmeCategory]); 20] = [
            ("A", &[Others]),
            ("B", &[Others]),
            ("C", &[Others]),
            ("D", &[Others]),
            ("E", &[Others]),
            ("F", &[Others]),
            ("G", &[Services, Others]),
            ("H", &[Others]),
            ("I", &[Wholesale, Retail]),
            ("J", &[Others]),
            ("K", &[Others, Services]),
            ("L", &[Services]),
            ("M", &[Services, Retail]),
            ("N", &[Services, Others]),
            ("O", &[Services]),
            ("P", &[Services]),
            ("Q", &[Services]),
            ("R", &[Services]),
            ("S", &[]),
            ("T", &[Others, Wholesale, Services, Retail]),
        ];
        for (code, expected) in cases {
            let industry = Industry::parse(code).unwrap();
            assert_eq!(industry.sme_categories(), expected, "division {code}");
            let single = match expected {
                [only] => Some(*only),
                _ => None,
            };
            assert_eq!(industry.sme_category(), single, "division {code}");
        }
    }

    #[test]
    fn serde_uses_the_upper_case_letter() {
        assert_eq!(
            serde_json::to_string(&Industry::Manufacturing).unwrap(),
            "\"E\""
        );
        assert_eq!(
            serde_json::from_str::<Industry>("\"e\"").unwrap(),
            Industry::Manufacturing
        );
        assert!(serde_json::from_str::<Industry>("\"U\"").is_err());
        assert_eq!(
            serde_json::to_string(&SmeCategory::ManufacturingAndOthers).unwrap(),
            "\"manufacturing_and_others\""
        );
    }
}
