//! The service layer: rules, transactions and queries, one module per resource. All database
//! access of the service lives under here.
pub mod clients;
pub mod partners;
pub mod settings;
