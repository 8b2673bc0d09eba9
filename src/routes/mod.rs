//! HTTP handlers, one module per resource. Handlers extract, check the role, turn the body
//! into domain values, call a service and shape the answer; they never touch the database.
pub mod assignment;
pub mod auth;
pub mod calendar;
pub mod clients;
pub mod companies;
pub mod consultant_calendars;
pub mod feed;
pub mod fields;
pub mod health;
pub mod ical;
pub mod idempotent;
pub mod managers;
pub mod outcomes;
pub mod partners;
pub mod personal_data;
pub mod reports;
pub mod routing;
pub mod sessions;
pub mod surveys;
pub mod tickets;
pub mod topics;
pub mod webhooks;

use actix_web::{HttpResponse, http::header};
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
        .service(clients::update_client)
        .service(clients::revoke_client)
        .service(topics::list_topics)
        .service(routing::get_rules)
        .service(routing::put_rules)
        .service(routing::classify)
        .service(routing::train_model)
        .service(routing::list_models)
        .service(routing::get_model)
        .service(routing::activate_model)
        .service(tickets::create_ticket)
        .service(tickets::list_tickets)
        .service(tickets::get_ticket)
        .service(tickets::update_ticket)
        .service(tickets::transition_ticket)
        .service(tickets::route_ticket)
        .service(tickets::link_ticket)
        .service(tickets::dismiss_link)
        .service(tickets::add_comment)
        .service(tickets::list_comments)
        .service(tickets::list_ticket_events)
        .service(companies::get_company)
        .service(companies::update_company)
        .service(managers::create_manager)
        .service(managers::list_managers)
        .service(managers::get_manager)
        .service(managers::update_manager)
        .service(assignment::list_candidates)
        .service(assignment::assign)
        .service(assignment::release)
        .service(sessions::create_session)
        .service(sessions::list_sessions)
        .service(sessions::update_session)
        .service(outcomes::record_outcome)
        .service(surveys::issue_survey_link)
        .service(surveys::read_survey)
        .service(surveys::answer_survey)
        .service(feed::read_feed)
        .service(reports::summary)
        .service(calendar::business_days)
        .service(webhooks::create_webhook)
        .service(webhooks::list_webhooks)
        .service(webhooks::delete_webhook)
        .service(webhooks::list_deliveries)
        .service(tickets::merge_ticket)
        .service(consultant_calendars::list_all_sessions)
        .service(consultant_calendars::issue_calendar_token)
        .service(consultant_calendars::revoke_calendar_token)
        .service(consultant_calendars::calendar_feed)
        .service(personal_data::list_access_records)
        .service(personal_data::list_receipts)
        .service(personal_data::exposure)
        .service(personal_data::disclose)
        .service(personal_data::erase);
}

/// The strong `ETag` of a versioned resource (cases, the routing rule set).
pub fn etag(version: impl std::fmt::Display) -> String {
    format!("\"{version}\"")
}

/// A 200 answer carrying `body` with the `ETag` of `version`: a versioned resource as read or
/// as it now is, or an answer about one (an assignment, with its case's version).
pub fn ok_with_etag(version: impl std::fmt::Display, body: impl serde::Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::ETAG, etag(version)))
        .json(body)
}
