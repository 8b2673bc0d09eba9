//! The length limits of what clients send, named once. The OpenAPI document states the same
//! numbers (`maxLength`); `routes::fields` checks them, and a test there holds the document to
//! these constants.

/// A person's name (a contact, a manager).
pub const PERSON_NAME_MAX_CHARS: usize = 100;
/// An organization's name (a company, a partner body, an API client) and a case's subject.
pub const NAME_MAX_CHARS: usize = 200;
/// A case's subject.
pub const SUBJECT_MAX_CHARS: usize = 200;
/// An e-mail address (RFC 5321's path limit less the brackets).
pub const EMAIL_MAX_CHARS: usize = 254;
/// Why a coordinator did something (an override, a transition, an assignment, a link).
pub const REASON_MAX_CHARS: usize = 2_000;
/// A comment on a case.
pub const COMMENT_MAX_CHARS: usize = 10_000;
/// A case search (`q`).
pub const SEARCH_MAX_CHARS: usize = 200;
/// How far back a manager's calendar feed reaches: sessions that started more than this many
/// days ago are left out (calendar clients keep what they already have).
pub const CALENDAR_FEED_PAST_DAYS: i64 = 400;
/// The most sessions one calendar feed holds (the earliest are dropped beyond it).
pub const CALENDAR_FEED_MAX_EVENTS: u64 = 5_000;
/// A company name's reading (フリガナ).
pub const NAME_KANA_MAX_CHARS: usize = 200;
/// A municipality (市区町村) of an address.
pub const CITY_MAX_CHARS: usize = 50;
/// A line of an address: 町域・番地, 建物名.
pub const ADDRESS_LINE_MAX_CHARS: usize = 100;
