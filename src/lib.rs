//! onestop: the back end of Japan's telework one-stop consultation center.
pub mod auth;
pub mod config;
pub mod db;
pub mod docs;
pub mod domain;
pub mod entities;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod pagination;
pub mod routes;
pub mod routing;
pub mod services;
pub mod startup;
pub mod state;
pub mod telemetry;
