//! The service layer: rules, transactions and queries, one module per resource. All database
//! access of the service lives under here.
pub mod assignment;
pub mod clients;
pub mod demo;
pub mod events;
pub mod feed;
pub mod idempotency;
pub mod managers;
pub mod outcomes;
pub mod partners;
pub mod reports;
pub mod routing;
pub mod sessions;
pub mod settings;
pub mod tickets;
pub mod webhook_delivery;
pub mod webhooks;
