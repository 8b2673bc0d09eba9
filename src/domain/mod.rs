//! Pure types and rules of the domain: parsing, validation and calendar arithmetic, no I/O.

pub mod address;
pub mod assignment;
pub mod business_days;
pub mod company_size;
pub mod consulting;
pub mod corporate_number;
pub mod fiscal_year;
pub mod holidays;
pub mod industry;
pub mod kana;
pub mod limits;
pub mod partner_kind;
pub mod precondition;
pub mod prefecture;
pub mod service_level;
pub mod survey;
pub mod ticket_fields;
pub mod ticket_status;
pub mod topic;
pub mod track;
pub mod webhook_destination;
pub mod wire;

pub mod text;
