//! Who is calling: API clients, their secrets, the tokens they get, and what each role may do.
pub mod extractor;
pub mod failure_limit;
pub mod keys;
pub mod policy;
pub mod rate_limit;
pub mod secrets;

pub use extractor::AuthenticatedClient;
pub use keys::{Claims, TokenKeys};
pub use policy::{Action, Authorized, Role, WebhookReach};
