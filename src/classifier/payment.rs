//! Devices and lines as the object of a who-pays question.
//!
//! 「モニター代、会社に請求できる?」, 「壊したPCは弁償?」, "Who pays for my phone?": the device or
//! the line in such a question is not a technical need, it is the thing whose cost is in
//! question, and who bears that cost is a labor matter. Read word by word, though, the
//! question carries ICT evidence (PC, モニター, phone) as strong as a real two-sided case.
//! When the text asks who pays, the ICT phrases that only name a device or a line count
//! for less: the question then goes to labor, and it is cross-track only if some other ICT
//! evidence (a VPN to set up, a leak to stop) shows a second, technical need.

/// Weight multiplier for a device or line phrase in a text that asks who pays. Not zero:
/// which device is meant stays visible in the explanation, and the model still reads it.
pub const OBJECT_FACTOR: f64 = 0.3;

/// Labor phrases (as written in the rule set) that ask who bears a cost, claims it back or
/// makes good a loss. General cost vocabulary (通信費, 手当) is not here: it names a cost,
/// not the question of who pays a particular thing.
const WHO_PAYS: &[&str] = &[
    "費用負担",
    "会社負担",
    "自己負担",
    "自腹",
    "自費",
    "弁償",
    "立て替え",
    "会社に請求",
    "請求でき",
    "誰が払",
    "誰が負担",
    "払ってもらえ",
    "代金",
    "経費精算",
    "reimburse",
    "reimbursement",
    "reimbursed",
    "who pays",
    "who should pay",
    "pay for",
];

/// ICT phrases (as written in the rule set) that name a device or a line and nothing
/// more: things that are bought, lent, owned, broken or paid for. Phrases naming a
/// technical need (VPN, 情報漏えい, リモートデスクトップ) are not here.
const DEVICES_AND_LINES: &[&str] = &[
    "ノートパソコン",
    "ノートPC",
    "パソコン",
    "PC",
    "タブレット",
    "スマートフォン",
    "スマホ",
    "iPhone",
    "私物端末",
    "私物のパソコン",
    "私物PC",
    "貸与PC",
    "貸与端末",
    "端末",
    "機器",
    "周辺機器",
    "it機器",
    "モニター",
    "外付け",
    "ヘッドセット",
    "Webカメラ",
    "カメラ",
    "マイク",
    "プリンタ",
    "電話",
    "ルーター",
    "モバイルルーター",
    "ポケットWi-Fi",
    "光回線",
    "通信回線",
    "回線",
    "laptop",
    "tablet",
    "smartphone",
    "computer",
    "device",
    "monitor",
    "headset",
    "camera",
    "printer",
    "phone",
    "router",
    "mobile router",
    "pocket wi-fi",
];

/// True when `phrase` (a rule's text) asks who pays.
pub fn asks_who_pays(phrase: &str) -> bool {
    WHO_PAYS.iter().any(|p| p.eq_ignore_ascii_case(phrase))
}

/// True when `phrase` (a rule's text) only names a device or a line.
pub fn names_a_device(phrase: &str) -> bool {
    DEVICES_AND_LINES
        .iter()
        .any(|p| p.eq_ignore_ascii_case(phrase))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lists_tell_cost_questions_and_devices_from_needs() {
        assert!(asks_who_pays("会社に請求"));
        assert!(asks_who_pays("Who pays"));
        assert!(!asks_who_pays("通信費"));
        assert!(names_a_device("ノートPC"));
        assert!(names_a_device("monitor"));
        assert!(!names_a_device("VPN"));
        assert!(!names_a_device("情報漏えい"));
    }

    #[test]
    fn every_listed_phrase_is_in_the_shipped_rules_on_its_track() {
        let rules = crate::classifier::RuleSet::default_rules().unwrap_or_else(|e| panic!("{e}"));
        for (list, track) in [(WHO_PAYS, "labor"), (DEVICES_AND_LINES, "ict")] {
            for phrase in list {
                assert!(
                    rules
                        .phrases
                        .iter()
                        .any(|r| r.text == *phrase && r.track == track),
                    "{phrase} is not a {track} phrase of the shipped rules"
                );
            }
        }
    }
}
