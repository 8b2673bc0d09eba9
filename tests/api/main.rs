//! HTTP tests against a spawned service: each test gets its own port and its own database
//! (a temp SQLite file, or a fresh PostgreSQL database when TEST_DATABASE_URL is set).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// tests state their expectations by panicking
// A test reads top to bottom as one scenario; splitting it would hide the story it tells.
#![allow(clippy::too_many_lines)]
mod admin;
mod assignment_at_scale;
mod auth;
mod boundary;
mod calendar;
mod companies;
mod connections;
mod consultant_calendars;
mod consulting;
mod contract;
mod demo;
mod docs;
mod errors;
mod faults;
mod feed;
mod forms;
mod health;
mod helpers;
mod languages;
mod links;
mod managers;
mod merges;
mod oauth_libraries;
mod own_cluster;
mod personal_data;
mod replica;
mod report_rollup;
mod reports;
mod routing;
mod routing_models;
mod search;
mod service_levels;
mod storage;
mod surveys;
mod tickets;
mod token_endpoint;
mod webhooks;
