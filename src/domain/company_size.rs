//! Whether a company is an SME (中小企業者) or a small enterprise (小規模企業者) under the
//! SME Basic Act (中小企業基本法 第2条).
//!
//! An enterprise is an SME when its capital **or** its regular employees are at or under the
//! limit of its category, so one known figure under its limit settles the answer. A small
//! enterprise is decided by employees alone (the Act says nothing of capital there).
//!
//! Missing data gives `None` ("cannot say"), never a guess:
//!
//! | capital | employees | `is_sme` |
//! |---|---|---|
//! | at/under limit | any or missing | `Some(true)` |
//! | any or missing | at/under limit | `Some(true)` |
//! | over limit | over limit | `Some(false)` |
//! | over limit or missing | missing | `None` (the missing figure could still qualify) |
//! | missing | over limit | `None` |
//!
//! `is_small` is `None` exactly when employees are missing. A sole proprietor has no capital:
//! pass `None` for it, and its employees decide. Whether a large company owns the SME
//! (みなし大企業) is not modelled: the product's definition is the Act's, which does not
//! contain that rule.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::industry::{Industry, SmeCategory};

/// Why a capital or head count could not be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompanySizeError {
    /// A capital below zero.
    #[error("capital_jpy must be zero or more, found {0}")]
    NegativeCapital(i64),
    /// A head count below zero.
    #[error("employees must be zero or more, found {0}")]
    NegativeEmployees(i64),
}

/// A company's capital (資本金又は出資の総額) in yen; zero or more.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "i64", into = "i64")]
#[schema(value_type = i64, minimum = 0, example = 10_000_000)]
pub struct CapitalJpy(i64);

impl CapitalJpy {
    /// Accepts a capital of zero yen or more.
    pub fn parse(yen: i64) -> Result<Self, CompanySizeError> {
        if yen < 0 {
            return Err(CompanySizeError::NegativeCapital(yen));
        }
        Ok(CapitalJpy(yen))
    }

    /// The capital in yen.
    pub const fn yen(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for CapitalJpy {
    type Error = CompanySizeError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<CapitalJpy> for i64 {
    fn from(capital: CapitalJpy) -> Self {
        capital.0
    }
}

/// A company's regular employees (常時使用する従業員); zero or more.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(try_from = "i64", into = "i64")]
#[schema(value_type = i64, minimum = 0, example = 45)]
pub struct Employees(i64);

impl Employees {
    /// Accepts a head count of zero or more.
    pub fn parse(count: i64) -> Result<Self, CompanySizeError> {
        if count < 0 {
            return Err(CompanySizeError::NegativeEmployees(count));
        }
        Ok(Employees(count))
    }

    /// The head count.
    pub const fn count(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for Employees {
    type Error = CompanySizeError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl From<Employees> for i64 {
    fn from(employees: Employees) -> Self {
        employees.0
    }
}

/// The limits the Act sets for one industry category; a company at or under either SME limit
/// is an SME.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmeLimits {
    /// Largest capital of an SME, in yen.
    pub capital_jpy: i64,
    /// Largest number of regular employees of an SME.
    pub employees: i64,
    /// Largest number of regular employees of a small enterprise.
    pub small_enterprise_employees: i64,
}

/// The Act's limits for a category (第2条第1項 and 第5項).
pub const fn limits(category: SmeCategory) -> SmeLimits {
    const MILLION: i64 = 1_000_000;
    match category {
        SmeCategory::ManufacturingAndOthers => SmeLimits {
            capital_jpy: 300 * MILLION,
            employees: 300,
            small_enterprise_employees: 20,
        },
        SmeCategory::Wholesale => SmeLimits {
            capital_jpy: 100 * MILLION,
            employees: 100,
            small_enterprise_employees: 5,
        },
        SmeCategory::Services => SmeLimits {
            capital_jpy: 50 * MILLION,
            employees: 100,
            small_enterprise_employees: 5,
        },
        SmeCategory::Retail => SmeLimits {
            capital_jpy: 50 * MILLION,
            employees: 50,
            small_enterprise_employees: 5,
        },
    }
}

/// A company's size under the Act; a null (`None`) answer means the data given cannot decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompanySize {
    /// Whether the company is an SME (中小企業者); null when the data cannot decide.
    pub is_sme: Option<bool>,
    /// Whether the company is a small enterprise (小規模企業者); null when the data cannot
    /// decide.
    pub is_small: Option<bool>,
}

impl CompanySize {
    /// Neither question can be answered.
    pub const UNKNOWN: CompanySize = CompanySize {
        is_sme: None,
        is_small: None,
    };
}

/// Classifies a company whose SME category is known.
pub fn classify(
    category: SmeCategory,
    capital: Option<CapitalJpy>,
    employees: Option<Employees>,
) -> CompanySize {
    let limits = limits(category);
    let capital_within = capital.map(|c| c.yen() <= limits.capital_jpy);
    let employees_within = employees.map(|e| e.count() <= limits.employees);
    let is_sme = match (capital_within, employees_within) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (Some(false), Some(false)) => Some(false),
        _ => None,
    };
    let is_small = employees.map(|e| e.count() <= limits.small_enterprise_employees);
    CompanySize { is_sme, is_small }
}

/// Classifies a company by its JSIC division: each answer is given only when every SME
/// category the division can mean agrees on it (see [`Industry::sme_categories`]).
pub fn classify_industry(
    industry: Industry,
    capital: Option<CapitalJpy>,
    employees: Option<Employees>,
) -> CompanySize {
    let mut sizes = industry
        .sme_categories()
        .iter()
        .map(|&category| classify(category, capital, employees));
    let Some(first) = sizes.next() else {
        return CompanySize::UNKNOWN;
    };
    sizes.fold(first, |agreed, size| CompanySize {
        is_sme: agree(agreed.is_sme, size.is_sme),
        is_small: agree(agreed.is_small, size.is_small),
    })
}

fn agree(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    if a == b { a } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use SmeCategory::{ManufacturingAndOthers as Others, Retail, Services, Wholesale};

    const M: i64 = 1_000_000;

    fn capital(yen: i64) -> Option<CapitalJpy> {
        Some(CapitalJpy::parse(yen).unwrap())
    }

    fn employees(count: i64) -> Option<Employees> {
        Some(Employees::parse(count).unwrap())
    }

    #[test]
    fn limits_follow_the_act() {
        #[rustfmt::skip]
        let cases = [
            (Others, 300 * M, 300, 20),
            (Wholesale, 100 * M, 100, 5),
            (Services, 50 * M, 100, 5),
            (Retail, 50 * M, 50, 5),
        ];
        for (category, capital, employees, small) in cases {
            assert_eq!(
                limits(category),
                SmeLimits {
                    capital_jpy: capital,
                    employees,
                    small_enterprise_employees: small
                },
                "{category:?}"
            );
        }
    }

    #[test]
    fn sme_when_capital_or_employees_are_at_or_under_the_limit() {
        #[rustfmt::skip]
        let cases = [
            // (category, capital, employees, is_sme, is_small, reason)
            (Others, capital(300 * M), employees(301), Some(true), Some(false), "capital at the limit"),
            (Others, capital(300 * M + 1), employees(300), Some(true), Some(false), "employees at the limit"),
            (Others, capital(300 * M + 1), employees(301), Some(false), Some(false), "both over"),
            (Others, capital(10 * M), employees(45), Some(true), Some(false), "the API example"),
            (Others, capital(10 * M), employees(20), Some(true), Some(true), "20 is small in manufacturing"),
            (Others, capital(10 * M), employees(21), Some(true), Some(false), "21 is not small"),
            (Wholesale, capital(100 * M), employees(500), Some(true), Some(false), "wholesale capital at the limit"),
            (Wholesale, capital(100 * M + 1), employees(100), Some(true), Some(false), "wholesale employees at the limit"),
            (Wholesale, capital(100 * M + 1), employees(101), Some(false), Some(false), "wholesale both over"),
            (Services, capital(50 * M), employees(101), Some(true), Some(false), "services capital at the limit"),
            (Services, capital(50 * M + 1), employees(100), Some(true), Some(false), "services employees at the limit"),
            (Services, capital(50 * M + 1), employees(101), Some(false), Some(false), "services both over"),
            (Retail, capital(50 * M + 1), employees(50), Some(true), Some(false), "retail employees at the limit"),
            (Retail, capital(50 * M + 1), employees(51), Some(false), Some(false), "retail both over"),
            (Retail, capital(1), employees(5), Some(true), Some(true), "5 is small in commerce"),
            (Retail, capital(1), employees(6), Some(true), Some(false), "6 is not small in commerce"),
            (Services, capital(1), employees(5), Some(true), Some(true), "5 is small in services"),
            (Wholesale, capital(0), employees(0), Some(true), Some(true), "zero is within every limit"),
            (Others, capital(i64::MAX), employees(i64::MAX), Some(false), Some(false), "huge figures"),
        ];
        for (category, capital, employees, is_sme, is_small, reason) in cases {
            assert_eq!(
                classify(category, capital, employees),
                CompanySize { is_sme, is_small },
                "{reason}"
            );
        }
    }

    #[test]
    fn missing_figures_leave_the_answer_open_unless_the_other_decides() {
        #[rustfmt::skip]
        let cases = [
            // (capital, employees, is_sme, is_small, reason), all manufacturing
            (capital(10 * M), None, Some(true), None, "capital within settles it"),
            (capital(400 * M), None, None, None, "employees could still qualify"),
            (None, employees(100), Some(true), Some(false), "employees within settle it"),
            (None, employees(400), None, Some(false), "capital could still qualify"),
            (None, employees(3), Some(true), Some(true), "a sole proprietor with 3 employees"),
            (None, None, None, None, "nothing known"),
        ];
        for (capital, employees, is_sme, is_small, reason) in cases {
            assert_eq!(
                classify(Others, capital, employees),
                CompanySize { is_sme, is_small },
                "{reason}"
            );
        }
    }

    #[test]
    fn a_division_answers_only_where_its_categories_agree() {
        #[rustfmt::skip]
        let cases = [
            // (division, capital, employees, is_sme, is_small, reason)
            ("E", capital(10 * M), employees(45), Some(true), Some(false), "one category"),
            ("I", capital(200 * M), employees(30), Some(true), Some(false), "SME as wholesale and as retail"),
            ("I", capital(200 * M), employees(80), None, Some(false), "SME as wholesale, not as retail"),
            ("I", capital(200 * M), employees(120), Some(false), Some(false), "neither"),
            ("I", None, employees(4), Some(true), Some(true), "small in both"),
            ("G", capital(100 * M), employees(150), None, Some(false), "others yes, services no"),
            ("G", capital(100 * M), employees(10), Some(true), None, "small as others, not as services"),
            ("M", capital(60 * M), employees(80), None, Some(false), "accommodation yes, eating places no"),
            ("L", capital(60 * M), employees(80), Some(true), Some(false), "services alone"),
            ("T", capital(10 * M), employees(50), Some(true), Some(false), "within every limit"),
            ("T", capital(10 * M), employees(3), Some(true), Some(true), "small in every category"),
            ("T", capital(400 * M), employees(301), Some(false), Some(false), "over every limit"),
            ("T", capital(200 * M), employees(200), None, Some(false), "depends on the industry"),
            ("S", capital(10 * M), employees(10), None, None, "government is no enterprise"),
        ];
        for (code, capital, employees, is_sme, is_small, reason) in cases {
            let industry = Industry::parse(code).unwrap();
            assert_eq!(
                classify_industry(industry, capital, employees),
                CompanySize { is_sme, is_small },
                "division {code}: {reason}"
            );
        }
    }

    #[test]
    fn negative_figures_are_parse_errors() {
        assert_eq!(
            CapitalJpy::parse(-1),
            Err(CompanySizeError::NegativeCapital(-1))
        );
        assert_eq!(
            Employees::parse(-3),
            Err(CompanySizeError::NegativeEmployees(-3))
        );
        assert_eq!(
            CompanySizeError::NegativeEmployees(-3).to_string(),
            "employees must be zero or more, found -3"
        );
        assert!(serde_json::from_str::<Employees>("-1").is_err());
        assert_eq!(serde_json::from_str::<Employees>("45").unwrap().count(), 45);
        assert_eq!(
            serde_json::to_string(&CompanySize {
                is_sme: Some(true),
                is_small: None
            })
            .unwrap(),
            r#"{"is_sme":true,"is_small":null}"#
        );
    }
}
