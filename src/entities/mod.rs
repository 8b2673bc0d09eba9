//! sea-orm entities, one per table. They never leave the service layer: routes answer with
//! their own response types.
pub mod api_client;
pub mod partner;
pub mod setting;
