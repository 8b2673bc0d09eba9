//! TEMPORARY stand-in until the full prefecture module lands.
/// A prefecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefecture(u8);
const NAMES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];
const CODES: [&str; 47] = [
    "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16",
    "17", "18", "19", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32",
    "33", "34", "35", "36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46", "47",
];
impl Prefecture {
    /// Parses.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        CODES
            .iter()
            .position(|c| *c == raw)
            .or_else(|| NAMES.iter().position(|n| *n == raw))
            .map(|i| Self(i as u8))
            .ok_or_else(|| {
                "must be a JIS X 0401 code (01-47) or a prefecture name such as 東京都".to_owned()
            })
    }
    /// Code.
    pub fn code(&self) -> &'static str {
        CODES[self.0 as usize]
    }
    /// Name.
    pub fn name_ja(&self) -> &'static str {
        NAMES[self.0 as usize]
    }
}
