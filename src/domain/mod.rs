//! Pure types and rules of the program; nothing here does I/O.
pub mod partner_kind;
pub mod prefecture;
