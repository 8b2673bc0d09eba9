//! How domain values sit in text columns: each type's own text form (`as_str`/`code` and
//! `parse`), and JSON for lists and documents. A value that cannot be read back is an error of
//! the read (a corrupt row, logged and answered 500), never a silent default.
//!
//! Written by hand: sea-orm's `DeriveValueType` generates these same impls, but it must sit on
//! the type itself, and the domain types stay free of storage concerns (STYLE.md).
use sea_orm::{
    ColIdx, DbErr, QueryResult, TryGetError, TryGetable, Value,
    sea_query::{ArrayType, ColumnType, Nullable, StringLen, ValueType, ValueTypeErr},
};
use serde::{Deserialize, Serialize};

use crate::{
    auth::Role,
    classifier::RoutingDecision,
    domain::{
        consulting::{Measure, OutcomeResult, SessionMode, SessionStatus},
        industry::Industry,
        partner_kind::PartnerKind,
        prefecture::Prefecture,
        ticket_fields::{Channel, PreferredMode, Visibility},
        ticket_status::TicketStatus,
        topic::Topic,
        track::Track,
    },
};

/// The read error for a stored text that does not hold a `type_name`.
fn unreadable(type_name: &str, text: &str, why: impl std::fmt::Display) -> DbErr {
    DbErr::Type(format!(
        "a stored {type_name} cannot be read from {text:?}: {why}"
    ))
}

/// Implements the column traits for `$ty`, stored as the text `$to` gives and read back with
/// `$from` (a `Result` whose error says why).
macro_rules! stored_as_text {
    ($($ty:ty: $to:expr, $from:expr;)+) => {$(
        impl From<$ty> for Value {
            fn from(value: $ty) -> Self {
                let text: String = ($to)(&value).into();
                text.into()
            }
        }

        impl TryGetable for $ty {
            fn try_get_by<I: ColIdx>(res: &QueryResult, index: I) -> Result<Self, TryGetError> {
                let text = String::try_get_by(res, index)?;
                ($from)(text.as_str())
                    .map_err(|why| TryGetError::DbErr(unreadable(stringify!($ty), &text, why)))
            }
        }

        impl ValueType for $ty {
            fn try_from(value: Value) -> Result<Self, ValueTypeErr> {
                let text = <String as ValueType>::try_from(value)?;
                ($from)(text.as_str()).map_err(|_| ValueTypeErr)
            }

            fn type_name() -> String {
                stringify!($ty).to_owned()
            }

            fn array_type() -> ArrayType {
                ArrayType::String
            }

            fn column_type() -> ColumnType {
                ColumnType::String(StringLen::None)
            }
        }

        impl Nullable for $ty {
            fn null() -> Value {
                Value::String(None)
            }
        }

        impl sea_orm::IntoActiveValue<$ty> for $ty {
            fn into_active_value(self) -> sea_orm::ActiveValue<$ty> {
                sea_orm::ActiveValue::Set(self)
            }
        }
    )+};
}

/// Topic codes, stored as a JSON array of their codes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topics(pub Vec<Topic>);

impl Topics {
    fn to_json(&self) -> String {
        let codes: Vec<&str> = self.0.iter().map(|topic| topic.code()).collect();
        serde_json::Value::from(codes).to_string()
    }

    fn from_json(text: &str) -> Result<Self, String> {
        let codes: Vec<String> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        codes
            .iter()
            .map(|code| Topic::parse(code).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()
            .map(Topics)
    }
}

/// Prefecture codes, stored as a JSON array of their codes (the assignment query looks for
/// `"13"` in that text, so the form is part of the schema).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Prefectures(pub Vec<Prefecture>);

impl Prefectures {
    fn to_json(&self) -> String {
        let codes: Vec<&str> = self.0.iter().map(|prefecture| prefecture.code()).collect();
        serde_json::Value::from(codes).to_string()
    }

    fn from_json(text: &str) -> Result<Self, String> {
        let codes: Vec<String> = serde_json::from_str(text).map_err(|e| e.to_string())?;
        codes
            .iter()
            .map(|code| Prefecture::parse(code).map_err(|e| e.to_string()))
            .collect::<Result<_, _>>()
            .map(Prefectures)
    }
}

/// A document stored as its JSON text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Json<T>(pub T);

impl<T: Serialize> Json<T> {
    fn to_json(&self) -> String {
        // Serializing a plain data type into a string cannot fail; an empty document would be
        // refused when read back, so a bug shows there rather than passing silently.
        serde_json::to_string(&self.0).unwrap_or_default()
    }
}

impl<T: for<'de> Deserialize<'de>> Json<T> {
    fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text).map(Json)
    }
}

stored_as_text! {
    TicketStatus: |v: &TicketStatus| v.as_str(), TicketStatus::parse;
    Channel: |v: &Channel| v.as_str(), Channel::parse;
    PreferredMode: |v: &PreferredMode| v.as_str(), PreferredMode::parse;
    Visibility: |v: &Visibility| v.as_str(), Visibility::parse;
    Track: |v: &Track| v.as_str(), Track::parse;
    Prefecture: |v: &Prefecture| v.code(), Prefecture::parse;
    Industry: |v: &Industry| v.code(), Industry::parse;
    Topics: Topics::to_json, Topics::from_json;
    Prefectures: Prefectures::to_json, Prefectures::from_json;
    Json<RoutingDecision>: Json::to_json, Json::from_json;
    Json<serde_json::Value>: Json::to_json, Json::from_json;
    Json<Vec<String>>: Json::to_json, Json::from_json;
    Role: |v: &Role| v.as_str(), Role::parse;
    PartnerKind: |v: &PartnerKind| v.as_str(), PartnerKind::parse;
    SessionMode: |v: &SessionMode| v.as_str(), SessionMode::parse;
    SessionStatus: |v: &SessionStatus| v.as_str(), SessionStatus::parse;
    OutcomeResult: |v: &OutcomeResult| v.as_str(), OutcomeResult::parse;
    Json<Vec<Measure>>: Json::to_json, Json::from_json;
}
