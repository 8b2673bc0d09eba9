//! sea-orm entities, one per table. They never leave the service layer: routes answer with
//! their own response types.
pub mod access_record;
pub mod api_client;
pub mod calendar_feed;
pub mod comment;
pub mod company;
pub mod consulting_session;
pub mod data_receipt;
pub mod event;
pub mod idempotency_key;
pub mod job_lease;
pub mod manager;
pub mod outcome;
pub mod partner;
pub mod roster_revision;
pub mod routing_model;
pub mod routing_model_activation;
pub mod routing_override;
pub mod routing_rule_set;
pub mod setting;
pub mod stored;
pub mod survey_link;
pub mod ticket;
pub mod ticket_counter;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_subscription;
