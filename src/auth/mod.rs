//! Who is calling: API clients, their secrets, the tokens they get, the caller as a plain
//! [`Actor`], and what each role may do and see (`policy`).
pub mod actor;
pub mod failure_limit;
pub mod keys;
pub mod policy;
pub mod rate_limit;
pub mod secrets;

pub use actor::Actor;
pub use keys::{Claims, TokenKeys};
pub use policy::{Action, Authorized, Role, Scope, WebhookReach};
