//! Schema migrations of onestop, applied at start by `onestop serve` and by `onestop migrate`.
pub use sea_orm_migration::prelude::*;

mod m20261201_000001_create_foundation;
mod m20261201_000002_create_routing_rules;
mod m20261201_000003_create_cases;
mod m20261202_000004_create_consulting;
mod m20261203_000005_create_event_feed;
mod m20261204_000006_add_service_levels;
mod m20261205_000007_add_report_measures;
mod m20261206_000008_create_webhooks;
mod m20261207_000009_webhook_owners;
mod m20261207_000010_case_company_details;
pub mod m20261208_000011_case_search_text;
mod m20261209_000012_create_routing_models;
mod m20261210_000013_idempotent_answer_etag;
mod m20261212_000026_ticket_links;
mod m20261213_000030_company_forms;
mod m20261213_000031_outcome_surveys;
mod m20261214_000040_consultant_calendars;
mod m20261214_000041_merged_cases;
mod m20261220_000050_personal_data;
mod m20261222_000060_report_rollup;
mod m20261223_000070_roster_revision;
mod m20261224_000080_case_search_table;
mod m20261224_000090_partial_case_indexes;

/// Every migration of the service, in the order they apply.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_create_foundation::Migration),
            Box::new(m20261201_000002_create_routing_rules::Migration),
            Box::new(m20261201_000003_create_cases::Migration),
            Box::new(m20261202_000004_create_consulting::Migration),
            Box::new(m20261203_000005_create_event_feed::Migration),
            Box::new(m20261204_000006_add_service_levels::Migration),
            Box::new(m20261205_000007_add_report_measures::Migration),
            Box::new(m20261206_000008_create_webhooks::Migration),
            Box::new(m20261207_000009_webhook_owners::Migration),
            Box::new(m20261207_000010_case_company_details::Migration),
            Box::new(m20261208_000011_case_search_text::Migration),
            Box::new(m20261209_000012_create_routing_models::Migration),
            Box::new(m20261210_000013_idempotent_answer_etag::Migration),
            Box::new(m20261212_000026_ticket_links::Migration),
            Box::new(m20261214_000040_consultant_calendars::Migration),
            Box::new(m20261214_000041_merged_cases::Migration),
            Box::new(m20261213_000030_company_forms::Migration),
            Box::new(m20261213_000031_outcome_surveys::Migration),
            Box::new(m20261220_000050_personal_data::Migration),
            Box::new(m20261222_000060_report_rollup::Migration),
            Box::new(m20261223_000070_roster_revision::Migration),
            Box::new(m20261224_000080_case_search_table::Migration),
            Box::new(m20261224_000090_partial_case_indexes::Migration),
        ]
    }
}
