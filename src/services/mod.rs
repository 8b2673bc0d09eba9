//! The service layer: rules, transactions and queries, one module per resource. All database
//! access of the service lives under here.
pub mod clients;
pub mod events;
pub mod idempotency;
pub mod partners;
pub mod routing;
pub mod settings;
pub mod tickets;
