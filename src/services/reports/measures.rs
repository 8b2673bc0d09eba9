//! The summary report's vocabulary in SQL: what a report is grouped by and what it counts,
//! shared by the count over the cases and the monthly rollup.
use crate::domain::wire::wire_enum;

wire_enum!(
    /// What the rows are grouped by.
    GroupBy {
        /// The track in force (`null` for cases not routed yet).
        Track => "track",
        /// The company's prefecture.
        Prefecture => "prefecture",
        /// The filing partner (`null` for cases the center took by phone, at its desk, on
        /// the web or by e-mail).
        Partner => "partner",
        /// The Japan calendar month of receipt, `YYYY-MM`.
        Month => "month",
        /// The company's JSIC division (`null` when not given).
        Industry => "industry",
        /// The case's manager (`null` when none is assigned).
        Manager => "manager",
        /// How the case reached the center (`partner`, `phone`, `walk_in`, `web`, `email`).
        Channel => "channel",
        /// The municipality of the company's address, as `<prefecture code>:<city>` (a city name
        /// can recur in another prefecture); `null` for cases without an address.
        City => "city",
    }
);

impl GroupBy {
    /// Whether the groups are partners' or managers' ids.
    pub fn is_uuid(self) -> bool {
        matches!(self, GroupBy::Partner | GroupBy::Manager)
    }

    /// The column grouped by; always a plain column, so PostgreSQL can estimate the groups
    /// and aggregate in parallel (an expression over `created_at` made it give that up).
    pub fn column(self) -> &'static str {
        match self {
            GroupBy::Track => "t.track",
            GroupBy::Prefecture => "t.prefecture",
            GroupBy::Partner => "t.partner_id",
            GroupBy::Industry => "t.industry",
            GroupBy::Manager => "t.manager_id",
            GroupBy::Channel => "t.channel",
            // The one grouping by an expression: cities are few per report, and a name alone
            // would join 府中市 of Tokyo and of Hiroshima. NULL (no address) stays NULL.
            GroupBy::City => "t.prefecture || ':' || t.company_city",
            // By day of receipt; the days are folded into months as the rows are read.
            GroupBy::Month => "t.received_on",
        }
    }
}

/// What is counted, by name and SQL over a case `t` and its outcome `o`. Counted one row per
/// group and per value of `business_days_to_assign`, with the days' histogram the median is
/// read from: a hash aggregate over small integers, instead of sorting every assigned case
/// for a percentile. The totals are the sums of the groups. The monthly rollup
/// ([`super::rollup`]) stores the same columns under the same names.
pub const MEASURES: [(&str, &str); 13] = [
    ("received", "COUNT(*)"),
    (
        "assigned",
        "SUM(CASE WHEN t.first_assigned_at IS NOT NULL THEN 1 ELSE 0 END)",
    ),
    (
        "resolved",
        "SUM(CASE WHEN o.ticket_id IS NOT NULL THEN 1 ELSE 0 END)",
    ),
    (
        "introduced",
        "SUM(CASE WHEN o.result = 'introduced' THEN 1 ELSE 0 END)",
    ),
    (
        "sla_decided",
        "SUM(CASE WHEN t.first_contact_met IS NOT NULL AND t.assignment_met IS NOT NULL \
         THEN 1 ELSE 0 END)",
    ),
    (
        "sla_met",
        "SUM(CASE WHEN t.first_contact_met AND t.assignment_met THEN 1 ELSE 0 END)",
    ),
    ("satisfaction_sum", "SUM(o.satisfaction)"),
    ("satisfaction_count", "COUNT(o.satisfaction)"),
    (
        "survey_responses",
        "SUM(CASE WHEN o.survey_responded_at IS NOT NULL THEN 1 ELSE 0 END)",
    ),
    (
        "survey_purpose_achieved",
        "SUM(CASE WHEN o.survey_purpose_achieved THEN 1 ELSE 0 END)",
    ),
    (
        "survey_satisfied",
        "SUM(CASE WHEN o.survey_satisfied THEN 1 ELSE 0 END)",
    ),
    (
        "survey_will_consider_asked",
        "SUM(CASE WHEN o.survey_will_consider IS NOT NULL THEN 1 ELSE 0 END)",
    ),
    (
        "survey_will_consider",
        "SUM(CASE WHEN o.survey_will_consider THEN 1 ELSE 0 END)",
    ),
];

/// A merged duplicate is the same question as the case it was merged into, which the report
/// counts: counted again, one company's question would be two received cases.
pub const MERGED_EXCLUDED: &str = "t.status <> 'merged'";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ticket_status::TicketStatus;

    #[test]
    fn merged_cases_are_left_out_by_their_stored_status() {
        assert_eq!(
            MERGED_EXCLUDED,
            format!("t.status <> '{}'", TicketStatus::Merged.as_str())
        );
    }
}
