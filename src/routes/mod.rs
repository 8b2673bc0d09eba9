//! HTTP handlers, one module per resource. Handlers extract, check the role, turn the body
//! into domain values, call a service and shape the answer; they never touch the database.
pub mod auth;
pub mod clients;
pub mod health;
pub mod partners;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every documented endpoint. The OpenAPI document is collected from exactly
/// these registrations, so routes and documentation cannot diverge.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz)
        .service(health::readyz)
        .service(health::metrics)
        .service(auth::issue_token)
        .service(partners::create_partner)
        .service(partners::list_partners)
        .service(partners::get_partner)
        .service(clients::create_client)
        .service(clients::list_clients)
        .service(clients::revoke_client);
}
