//! The service layer: rules, transactions and queries, one module per resource. All database
//! access of the service lives under here.
pub mod access_log;
pub mod assignment;
pub mod calendars;
pub mod capacity;
pub mod clients;
pub mod companies;
pub mod events;
pub mod feed;
pub mod health;
pub mod idempotency;
pub mod managers;
pub mod model_store;
pub mod outcomes;
pub mod partners;
pub mod personal_data;
pub mod replica;
pub mod reports;
pub mod roster;
pub mod routing;
pub mod routing_models;
pub mod sessions;
pub mod settings;
pub mod surveys;
pub mod tickets;
pub mod versioned;
pub mod webhook_delivery;
pub mod webhooks;

use std::sync::Arc;

use crate::{
    config::Settings,
    domain::{business_days::BusinessCalendar, service_level::ServiceLevels},
    services::roster::RosterCache,
};

/// The character `LIKE` patterns of the service escape their wildcards with.
pub const LIKE_ESCAPE: char = '\\';

/// `text` as a literal inside a `LIKE` pattern: its `%`, `_` and escape characters escaped
/// with [`LIKE_ESCAPE`] (pair it with `LikeExpr::escape(LIKE_ESCAPE)`).
pub fn like_literal(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The center's working rules the case services follow: its calendar (with the closure days
/// it configured), its service levels and whether freed capacity is handed on at once.
#[derive(Debug, Clone, Default)]
pub struct Workflow {
    /// Business days: weekdays minus holidays, the year-end closure and configured closures.
    pub calendar: BusinessCalendar,
    /// Service-level targets.
    pub service_levels: ServiceLevels,
    /// Hand freed capacity to the oldest waiting case.
    pub auto_assign: bool,
    /// The managers' profiles as this process last read them (see [`roster`]).
    pub roster: Arc<RosterCache>,
}

impl Workflow {
    /// The rules as configured.
    pub fn from_settings(settings: &Settings) -> Self {
        Self {
            calendar: BusinessCalendar::new(settings.closure_days.iter().copied()),
            service_levels: settings.service_levels,
            auto_assign: settings.auto_assign,
            roster: Arc::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_their_wildcards() {
        assert_eq!(like_literal("100%_a\\b"), "100\\%\\_a\\\\b");
    }
}
