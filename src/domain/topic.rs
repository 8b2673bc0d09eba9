//! Topic codes a case can be tagged with at intake (`GET /v1/topics` lists them).
//!
//! The codes are part of the API contract, so they are a closed enum whose serde form is the
//! code string itself (`"ict.remote_access"`); an unknown code fails to parse instead of
//! travelling through the system as free text.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::track::Track;

/// A topic code: `<track or general>.<subject>`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[schema(example = "labor.working_hours")]
pub enum Topic {
    /// Remote access to office systems: VPN, remote desktop, thin clients.
    #[serde(rename = "ict.remote_access")]
    IctRemoteAccess,
    /// Telework security: policies, devices, information leaks, incidents.
    #[serde(rename = "ict.security")]
    IctSecurity,
    /// Cloud services, web meetings, chat and other collaboration tools.
    #[serde(rename = "ict.cloud_tools")]
    IctCloudTools,
    /// PCs, smartphones and other devices (lending, BYOD, management).
    #[serde(rename = "ict.devices")]
    IctDevices,
    /// Networks and connectivity: home Wi-Fi, mobile routers, office lines.
    #[serde(rename = "ict.network")]
    IctNetwork,
    /// Paperless work: e-signatures, electronic approval, scanning, seals.
    #[serde(rename = "ict.paperless")]
    IctPaperless,
    /// The cost of IT for telework (licences, equipment, budgets).
    #[serde(rename = "ict.costs")]
    IctCosts,
    /// Work rules: 就業規則, telework regulations (テレワーク勤務規程).
    #[serde(rename = "labor.work_rules")]
    LaborWorkRules,
    /// Working-hours management: recording time, overtime, breaks, flextime.
    #[serde(rename = "labor.working_hours")]
    LaborWorkingHours,
    /// Personnel evaluation of teleworkers.
    #[serde(rename = "labor.evaluation")]
    LaborEvaluation,
    /// Allowances and sharing of costs such as communication and utilities.
    #[serde(rename = "labor.allowances")]
    LaborAllowances,
    /// Health and safety, mental health, workers' compensation (労災).
    #[serde(rename = "labor.health_safety")]
    LaborHealthSafety,
    /// Subsidies for telework (人材確保等支援助成金 テレワークコース and others).
    #[serde(rename = "labor.subsidies")]
    LaborSubsidies,
    /// Employment contracts and conditions (雇用契約, 労働条件通知書).
    #[serde(rename = "labor.contracts")]
    LaborContracts,
    /// First steps with telework, not yet tied to either track.
    #[serde(rename = "general.getting_started")]
    GeneralGettingStarted,
    /// Anything else.
    #[serde(rename = "general.other")]
    GeneralOther,
}

/// One topic as listed by `GET /v1/topics`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(example = json!({
    "code": "labor.working_hours",
    "label_ja": "労働時間管理",
    "label_en": "Working-hours management"
}))]
pub struct TopicInfo {
    /// The topic code used in requests.
    pub code: Topic,
    /// Japanese label.
    pub label_ja: String,
    /// English label.
    pub label_en: String,
}

impl Topic {
    /// Every topic, in the order the API lists them.
    pub const ALL: [Topic; 16] = [
        Topic::IctRemoteAccess,
        Topic::IctSecurity,
        Topic::IctCloudTools,
        Topic::IctDevices,
        Topic::IctNetwork,
        Topic::IctPaperless,
        Topic::IctCosts,
        Topic::LaborWorkRules,
        Topic::LaborWorkingHours,
        Topic::LaborEvaluation,
        Topic::LaborAllowances,
        Topic::LaborHealthSafety,
        Topic::LaborSubsidies,
        Topic::LaborContracts,
        Topic::GeneralGettingStarted,
        Topic::GeneralOther,
    ];

    /// The wire code, e.g. `"ict.remote_access"`.
    pub const fn code(self) -> &'static str {
        match self {
            Topic::IctRemoteAccess => "ict.remote_access",
            Topic::IctSecurity => "ict.security",
            Topic::IctCloudTools => "ict.cloud_tools",
            Topic::IctDevices => "ict.devices",
            Topic::IctNetwork => "ict.network",
            Topic::IctPaperless => "ict.paperless",
            Topic::IctCosts => "ict.costs",
            Topic::LaborWorkRules => "labor.work_rules",
            Topic::LaborWorkingHours => "labor.working_hours",
            Topic::LaborEvaluation => "labor.evaluation",
            Topic::LaborAllowances => "labor.allowances",
            Topic::LaborHealthSafety => "labor.health_safety",
            Topic::LaborSubsidies => "labor.subsidies",
            Topic::LaborContracts => "labor.contracts",
            Topic::GeneralGettingStarted => "general.getting_started",
            Topic::GeneralOther => "general.other",
        }
    }

    /// Japanese label.
    pub const fn label_ja(self) -> &'static str {
        match self {
            Topic::IctRemoteAccess => "リモートアクセス",
            Topic::IctSecurity => "セキュリティ",
            Topic::IctCloudTools => "クラウド・コミュニケーションツール",
            Topic::IctDevices => "PC・端末",
            Topic::IctNetwork => "ネットワーク・通信環境",
            Topic::IctPaperless => "ペーパーレス化",
            Topic::IctCosts => "ICT導入コスト",
            Topic::LaborWorkRules => "就業規則・テレワーク勤務規程",
            Topic::LaborWorkingHours => "労働時間管理",
            Topic::LaborEvaluation => "人事評価",
            Topic::LaborAllowances => "手当・費用負担",
            Topic::LaborHealthSafety => "安全衛生・労災",
            Topic::LaborSubsidies => "助成金",
            Topic::LaborContracts => "雇用契約・労働条件",
            Topic::GeneralGettingStarted => "テレワーク導入の進め方",
            Topic::GeneralOther => "その他",
        }
    }

    /// English label.
    pub const fn label_en(self) -> &'static str {
        match self {
            Topic::IctRemoteAccess => "Remote access",
            Topic::IctSecurity => "Security",
            Topic::IctCloudTools => "Cloud and collaboration tools",
            Topic::IctDevices => "PCs and devices",
            Topic::IctNetwork => "Network and connectivity",
            Topic::IctPaperless => "Paperless work",
            Topic::IctCosts => "ICT costs",
            Topic::LaborWorkRules => "Work rules and telework regulations",
            Topic::LaborWorkingHours => "Working-hours management",
            Topic::LaborEvaluation => "Personnel evaluation",
            Topic::LaborAllowances => "Allowances and cost sharing",
            Topic::LaborHealthSafety => "Health, safety and workers' compensation",
            Topic::LaborSubsidies => "Subsidies",
            Topic::LaborContracts => "Employment contracts and conditions",
            Topic::GeneralGettingStarted => "Getting started with telework",
            Topic::GeneralOther => "Other",
        }
    }

    /// The track the code is named after; `None` for the `general.*` topics.
    pub const fn track(self) -> Option<Track> {
        match self {
            Topic::IctRemoteAccess
            | Topic::IctSecurity
            | Topic::IctCloudTools
            | Topic::IctDevices
            | Topic::IctNetwork
            | Topic::IctPaperless
            | Topic::IctCosts => Some(Track::Ict),
            Topic::LaborWorkRules
            | Topic::LaborWorkingHours
            | Topic::LaborEvaluation
            | Topic::LaborAllowances
            | Topic::LaborHealthSafety
            | Topic::LaborSubsidies
            | Topic::LaborContracts => Some(Track::Labor),
            Topic::GeneralGettingStarted | Topic::GeneralOther => None,
        }
    }

    /// The listing entry for `GET /v1/topics`.
    pub fn info(self) -> TopicInfo {
        TopicInfo {
            code: self,
            label_ja: self.label_ja().to_owned(),
            label_en: self.label_en().to_owned(),
        }
    }

    /// Parses a wire code; same as [`str::parse`].
    pub fn parse(code: &str) -> Result<Self, UnknownTopic> {
        code.parse()
    }
}

impl TopicInfo {
    /// All topics with their labels, in API order.
    pub fn all() -> Vec<TopicInfo> {
        Topic::ALL.iter().map(|t| t.info()).collect()
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A string that is not one of the topic codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown topic code {0:?}: see GET /v1/topics for the list")]
pub struct UnknownTopic(pub String);

impl FromStr for Topic {
    type Err = UnknownTopic;

    /// Exact match on the code; sixteen entries make a linear scan the simplest fast option.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Topic::ALL
            .into_iter()
            .find(|t| t.code() == s)
            .ok_or_else(|| UnknownTopic(s.to_owned()))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn every_code_parses_back_to_its_topic_and_serializes_as_the_code() {
        for topic in Topic::ALL {
            assert_eq!(Topic::parse(topic.code()), Ok(topic));
            let json = serde_json::to_string(&topic).unwrap();
            assert_eq!(json, format!("\"{}\"", topic.code()));
            assert_eq!(serde_json::from_str::<Topic>(&json).unwrap(), topic);
        }
    }

    #[test]
    fn codes_are_prefixed_with_their_track() {
        for topic in Topic::ALL {
            let prefix = topic.code().split('.').next().unwrap();
            match topic.track() {
                Some(track) => assert_eq!(prefix, track.as_str(), "{topic}"),
                None => assert_eq!(prefix, "general", "{topic}"),
            }
        }
    }

    #[test]
    fn unknown_codes_are_rejected() {
        let cases = [
            ("", "empty"),
            ("ict", "track only"),
            ("ICT.SECURITY", "codes are case-sensitive"),
            ("ict.vpn", "no such subject"),
            ("labor.working-hours", "hyphen instead of underscore"),
            (" ict.security", "leading space"),
        ];
        for (code, why) in cases {
            let err = Topic::parse(code).expect_err(why);
            assert_eq!(err.0, code, "{why}");
            assert!(
                serde_json::from_str::<Topic>(&format!("{code:?}")).is_err(),
                "{why}"
            );
        }
    }

    #[test]
    fn topic_listing_has_sixteen_distinct_codes_with_both_labels() {
        let all = TopicInfo::all();
        assert_eq!(all.len(), 16);
        let mut codes: Vec<_> = all.iter().map(|i| i.code.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), 16);
        assert!(
            all.iter()
                .all(|i| !i.label_ja.is_empty() && !i.label_en.is_empty())
        );
        let json = serde_json::to_value(&all[0]).unwrap();
        assert_eq!(json["code"], "ict.remote_access");
        assert_eq!(json["label_ja"], "リモートアクセス");
    }
}
