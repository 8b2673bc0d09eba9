//! Roles and the one table that says which role may do what. Handlers name an [`Action`];
//! nothing else in the service compares roles.
use crate::domain::wire::wire_enum;
use uuid::Uuid;

use crate::domain::{
    ticket_fields::Visibility,
    ticket_status::{TicketStatus, TransitionTarget},
};

wire_enum!(
    /// The role of an API client.
    Role {
        /// A partner body's system: files and follows its own cases.
        Partner => "partner",
        /// Center staff: sees everything, routes, assigns, keeps the roster and rules.
        Coordinator => "coordinator",
        /// A telework manager: works the cases assigned to them.
        Manager => "manager",
        /// A reporting integration: aggregates and the event feed, never contact details.
        Analyst => "analyst",
        /// An operator: partners, clients and keys.
        Admin => "admin",
    }
);

/// Something a client may ask to do. Reads and writes of one resource are separate actions
/// because their roles differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `POST /v1/partners`.
    CreatePartner,
    /// `GET /v1/partners`, `GET /v1/partners/{id}`.
    ReadPartners,
    /// `POST /v1/clients`, `GET /v1/clients`, `DELETE /v1/clients/{id}`.
    ManageClients,
    /// `GET /v1/routing/rules`.
    ReadRoutingRules,
    /// `PUT /v1/routing/rules`.
    WriteRoutingRules,
    /// `POST /v1/routing/classify`.
    ClassifyTicket,
    /// `GET /v1/routing/models`, `GET /v1/routing/models/{version}`.
    ReadRoutingModels,
    /// `POST /v1/routing/models` (train a version), `POST .../{version}/activate`.
    ManageRoutingModels,
    /// `POST /v1/tickets`.
    FileTicket,
    /// `GET /v1/tickets`, `GET /v1/tickets/{id}`, `GET /v1/tickets/{id}/events` (which cases
    /// a client sees is decided per case: own, assigned or all).
    ReadTickets,
    /// `PATCH /v1/tickets/{id}`.
    EditTicket,
    /// `POST /v1/tickets/{id}/transitions` (partners: cancel only, checked per case).
    TransitionTicket,
    /// `POST /v1/tickets/{id}/routing`, and opening (`POST /v1/tickets/{id}/links`) or
    /// declining (`.../links/dismissal`) a cross-track case's twin.
    RouteTicket,
    /// `POST`/`GET /v1/tickets/{id}/comments`.
    Comment,
    /// `POST /v1/managers`, `PATCH /v1/managers/{id}`.
    ManageManagers,
    /// `GET /v1/managers`, `GET /v1/managers/{id}` (managers: themselves only, checked per
    /// manager).
    ReadManagers,
    /// `GET .../candidates`, `POST`/`DELETE .../assignment`.
    AssignTicket,
    /// `POST`/`GET /v1/tickets/{id}/sessions`, `PATCH /v1/sessions/{id}` (managers: on
    /// their assigned cases, checked per case).
    ScheduleSessions,
    /// `PUT /v1/tickets/{id}/outcome` (managers: on their assigned cases).
    RecordOutcome,
    /// `GET /v1/events`, the global event feed.
    ReadFeed,
    /// `POST`/`GET /v1/webhooks`, `DELETE /v1/webhooks/{id}`, `GET
    /// /v1/webhooks/{id}/deliveries` (partners: subscriptions for their own cases).
    ManageWebhooks,
    /// `GET /v1/reports/summary` (partners: restricted to their own cases).
    ReadReports,
    /// `GET /v1/companies/{id}`, and the shared company record (`company_record`) shown on
    /// cases. The record is what every filer's details add up to, so a partner must not see
    /// it; a manager works from the case's own details.
    ReadCompanies,
    /// `PATCH /v1/companies/{id}`: the center decides what the shared record says.
    EditCompanies,
    /// `POST /v1/tickets/{id}/merge`: folding a duplicate case into another.
    MergeTickets,
    /// `GET /v1/sessions`, the sessions across cases (managers: their own sessions only).
    ReadCalendars,
    /// `POST`/`DELETE /v1/managers/{id}/calendar-token`, a manager's secret feed URL
    /// (managers: their own only, checked per manager).
    ManageCalendarFeeds,
    /// `GET /v1/audit/access`, `GET /v1/audit/receipts`, `GET /v1/audit/exposure`: who was
    /// shown whose contact details, what partners handed over, what a client could have read.
    ReadAuditRecords,
    /// `GET /v1/personal-data` (disclosure, 開示) and `POST /v1/personal-data/erasure`
    /// (利用停止・消去): a person's requests under APPI, handled by operators.
    HandlePersonalDataRequests,
}

/// Proof that the caller's role may perform the request's action: only
/// `Actor::authorize` makes one, and a request body is read only with one, so
/// no handler can validate a body before it checked the role.
#[derive(Debug)]
pub struct Authorized {
    _private: (),
}

impl Authorized {
    pub(super) fn new() -> Self {
        Self { _private: () }
    }
}

/// The roles allowed to perform `action`: the single source of truth for role checks.
pub fn roles_for(action: Action) -> &'static [Role] {
    use Role::*;
    match action {
        Action::CreatePartner | Action::ManageClients => &[Admin],
        Action::ReadPartners => &[Admin, Coordinator],
        Action::ReadRoutingRules | Action::WriteRoutingRules => &[Coordinator, Admin],
        Action::ReadRoutingModels | Action::ManageRoutingModels => &[Coordinator, Admin],
        Action::ClassifyTicket | Action::RouteTicket => &[Coordinator],
        Action::FileTicket | Action::EditTicket | Action::TransitionTicket => {
            &[Partner, Coordinator]
        }
        Action::ReadTickets | Action::Comment => &[Partner, Coordinator, Manager, Admin],
        Action::ManageManagers => &[Coordinator, Admin],
        Action::ReadManagers => &[Coordinator, Admin, Manager],
        Action::AssignTicket => &[Coordinator],
        Action::ScheduleSessions | Action::RecordOutcome => &[Manager, Coordinator],
        Action::ReadFeed => &[Analyst, Coordinator, Admin],
        Action::ManageWebhooks => &[Partner, Analyst, Admin],
        Action::ReadReports => &[Analyst, Coordinator, Admin, Partner],
        Action::ReadCompanies | Action::EditCompanies => &[Coordinator, Admin],
        Action::MergeTickets => &[Coordinator],
        Action::ReadCalendars => &[Manager, Coordinator],
        Action::ManageCalendarFeeds => &[Manager, Coordinator, Admin],
        Action::ReadAuditRecords | Action::HandlePersonalDataRequests => &[Admin],
    }
}

/// Whether `role` may perform `action`.
pub fn may(role: Role, action: Action) -> bool {
    roles_for(action).contains(&role)
}

/// How much of a resource a role reaches with one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Nothing: 403 on the operation.
    No,
    /// Every record.
    Every,
    /// The records its partner filed or made (any client of the same partner).
    OwnPartner,
    /// The records this very client made.
    OwnClient,
    /// The cases assigned to its manager, and what hangs off them.
    Assigned,
    /// Its own manager record only.
    Itself,
}

/// One line of [`ACCESS`]: who may do `operation` to `resource`, enforced by `action`'s
/// role check and then by the record-level rule the reaches name (others' records are
/// 404, never 403, so their existence is not leaked).
#[derive(Debug, Clone, Copy)]
pub struct AccessRule {
    /// The resource, as the API names it.
    pub resource: &'static str,
    /// list, read, create, change, delete (or a named operation).
    pub operation: &'static str,
    /// The role check in front of it.
    pub action: Action,
    /// Partner, coordinator, manager, analyst, admin (the order of [`Role::ALL`]).
    pub reach: [Reach; 5],
    /// The conditions beyond the reach.
    pub note: &'static str,
}

/// Who may list, read, create, change and delete what: the one table of the service's
/// access rules. The role column agrees with [`roles_for`] (a test holds them together);
/// the record-level reach is what the services' scopes apply.
#[rustfmt::skip]
pub const ACCESS: &[AccessRule] = {
    use Reach::*;
    const fn rule(resource: &'static str, operation: &'static str, action: Action, reach: [Reach; 5], note: &'static str) -> AccessRule {
        AccessRule { resource, operation, action, reach, note }
    }
    &[
        //                                                                 partner     coordinator manager   analyst    admin
        rule("partners", "list, read", Action::ReadPartners,              [No,         Every,      No,       No,        Every], ""),
        rule("partners", "create", Action::CreatePartner,                 [No,         No,         No,       No,        Every], ""),
        rule("clients", "list, create, change, revoke", Action::ManageClients, [No,    No,         No,       No,        Every], "secrets are shown once, at creation"),
        rule("managers", "list, read", Action::ReadManagers,              [No,         Every,      Itself,   No,        Every], ""),
        rule("managers", "create, change", Action::ManageManagers,        [No,         Every,      No,       No,        Every], "no delete: a manager is deactivated"),
        rule("cases", "list, read, events", Action::ReadTickets,            [OwnPartner, Every,      Assigned, No,        Every], "partners see a partner-safe event view"),
        rule("cases", "create", Action::FileTicket,                         [OwnPartner, Every,      No,       No,        No],    "only coordinators choose the channel"),
        rule("cases", "change", Action::EditTicket,                         [OwnPartner, Every,      No,       No,        No],    "partners while received or triaged; no delete: cases are cancelled"),
        rule("cases", "transition", Action::TransitionTicket,               [OwnPartner, Every,      No,       No,        No],    "partners may only cancel"),
        rule("cases", "route, link", Action::RouteTicket,                   [No,         Every,      No,       No,        No],    "a linked twin keeps the partner, who sees both"),
        rule("cases", "merge", Action::MergeTickets,                        [No,         Every,      No,       No,        No],    "each partner keeps its case; the survivor is named only to those who see it"),
        rule("comments", "list, create", Action::Comment,                 [OwnPartner, Every,      Assigned, No,        Every], "partners read and write partner-visible comments only"),
        rule("assignment", "candidates, assign, release", Action::AssignTicket, [No,     Every,      No,       No,        No],    ""),
        rule("sessions", "list, create, change", Action::ScheduleSessions, [No,        Every,      Assigned, No,        No],    ""),
        rule("sessions", "list across cases", Action::ReadCalendars,      [No,         Every,      Itself,   No,        No],    "a manager's own sessions; another manager's filter lists nothing"),
        rule("calendar feeds", "issue, rotate, revoke", Action::ManageCalendarFeeds, [No, Every,   Itself,   No,        Every], "the feed URL itself needs no token; only its hash is kept"),
        rule("outcomes", "record", Action::RecordOutcome,                 [No,         Every,      Assigned, No,        No],    ""),
        rule("companies", "read", Action::ReadCompanies,                  [No,         Every,      No,       No,        Every], "partners and managers see only the details their case's filer gave"),
        rule("companies", "change", Action::EditCompanies,                [No,         Every,      No,       No,        Every], "with its company.updated event; no delete"),
        rule("routing rules", "read", Action::ReadRoutingRules,           [No,         Every,      No,       No,        Every], ""),
        rule("routing rules", "replace", Action::WriteRoutingRules,       [No,         Every,      No,       No,        Every], ""),
        rule("routing", "classify (dry run)", Action::ClassifyTicket,       [No,         Every,      No,       No,        No],    ""),
        rule("routing models", "list, read", Action::ReadRoutingModels,   [No,         Every,      No,       No,        Every], ""),
        rule("routing models", "train, activate", Action::ManageRoutingModels, [No,    Every,      No,       No,        Every], "activating an older version is the rollback"),
        rule("event feed", "read", Action::ReadFeed,                      [No,         Every,      No,       Every,     Every], "events carry no contact details"),
        rule("reports", "read", Action::ReadReports,                      [OwnPartner, Every,      No,       Every,     Every], "aggregates only"),
        rule("webhooks", "list, read deliveries, delete", Action::ManageWebhooks, [OwnPartner, No, No,       OwnClient, Every], "admins list and disable any (operations)"),
        rule("webhooks", "create", Action::ManageWebhooks,                [OwnPartner, No,         No,       OwnClient, Every], "partners' deliveries carry only their own cases"),
        rule("audit records", "access, receipts, exposure", Action::ReadAuditRecords, [No, No,    No,       No,        Every], "the access log names cases, never persons"),
        rule("personal data", "disclose, erase", Action::HandlePersonalDataRequests, [No, No,     No,       No,        Every], "erasure refuses a person's open case unless forced"),
    ]
};

/// Whether answers about cases show `role` the shared company record beside the details the
/// case's filer gave.
pub fn sees_company_records(role: Role) -> bool {
    may(role, Action::ReadCompanies)
}

/// Whether answers about cases show `role` the contact person's details (name, e-mail,
/// phone), and so leave a record in the access log. Whoever reads cases sees their contact;
/// analysts read aggregates and the feed only, which carry none.
pub fn sees_contact_details(role: Role) -> bool {
    may(role, Action::ReadTickets)
}

/// Whose webhook subscriptions a client may list, read the deliveries of and delete. Others'
/// subscriptions answer 404, as if they did not exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookReach {
    /// Every subscription: operators keep the deliveries of the whole center running.
    Every,
    /// The subscriptions of the client's partner, made by any of that partner's clients
    /// (one partner body may run several systems).
    OwnPartner,
    /// The subscriptions the client made itself: one reporting integration must not see or
    /// remove another's destinations.
    OwnClient,
    /// None (roles that may not manage webhooks at all).
    Nothing,
}

/// The webhook subscriptions `role` reaches.
pub fn webhook_reach(role: Role) -> WebhookReach {
    match role {
        Role::Admin => WebhookReach::Every,
        Role::Partner => WebhookReach::OwnPartner,
        Role::Analyst => WebhookReach::OwnClient,
        Role::Coordinator | Role::Manager => WebhookReach::Nothing,
    }
}

/// The records a caller reaches: the cases, and through them their comments, events,
/// sessions and outcome. Derived once per request from the caller's role and bindings
/// ([`crate::auth::Actor::scope`]); the services turn it into the one SQL condition every
/// read of cases uses (`services::tickets::in_scope`). Out of scope is 404, never 403.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every case: center staff and operators.
    All,
    /// The cases this partner filed.
    Partner(Uuid),
    /// The cases assigned to this manager, and the manager's own record.
    Manager(Uuid),
    /// No case: analysts read aggregates only, and a client that lost its binding reaches
    /// nothing.
    Nothing,
}

impl Scope {
    /// The scope of a caller with `role` and these bindings.
    pub fn of(role: Role, partner_id: Option<Uuid>, manager_id: Option<Uuid>) -> Self {
        match role {
            Role::Coordinator | Role::Admin => Scope::All,
            Role::Partner => partner_id.map_or(Scope::Nothing, Scope::Partner),
            Role::Manager => manager_id.map_or(Scope::Nothing, Scope::Manager),
            Role::Analyst => Scope::Nothing,
        }
    }

    /// Whether a record filed by `partner_id` and worked by `manager_id` is in scope (for a
    /// record already loaded; queries use the SQL form).
    pub fn reaches(self, partner_id: Option<Uuid>, manager_id: Option<Uuid>) -> bool {
        match self {
            Scope::All => true,
            Scope::Partner(own) => partner_id == Some(own),
            Scope::Manager(own) => manager_id == Some(own),
            Scope::Nothing => false,
        }
    }

    /// The manager records in scope: `None` for every one, `Some(id)` for one only (a
    /// manager reads itself; a scope without managers reads none, `Some(None)`).
    pub fn manager_records(self) -> Option<Option<Uuid>> {
        match self {
            Scope::All => None,
            Scope::Manager(own) => Some(Some(own)),
            Scope::Partner(_) | Scope::Nothing => Some(None),
        }
    }
}

/// The cases whose figures a report of `role` adds up: a partner's own, every case for the
/// center and for analysts (a report is aggregates, never personal data, so an analyst whose
/// case scope is empty still reads the whole center's figures).
pub fn report_scope(role: Role, scope: Scope) -> Scope {
    match role {
        Role::Analyst => Scope::All,
        _ => scope,
    }
}

/// Whether `role` may make the move `target` on a case in its scope: partners may only
/// withdraw (cancel) their own cases; the center moves cases every way the table allows.
pub fn may_move_ticket(role: Role, target: TransitionTarget) -> bool {
    role != Role::Partner || target == TransitionTarget::Cancelled
}

/// Whether `role` may edit a case that is `status`: partners only while nobody has started
/// working on it (`received` or `triaged`); the center at any time.
pub fn may_edit_ticket_in(role: Role, status: TicketStatus) -> bool {
    role != Role::Partner || matches!(status, TicketStatus::Received | TicketStatus::Triaged)
}

/// Whether `role` reads what the center keeps to itself: internal comments and the full data
/// of case events (reasons, internal ids). Partners get the partner-safe view.
pub fn reads_internal_notes(role: Role) -> bool {
    role != Role::Partner
}

/// Whether `role` may write a comment with `visibility`: partners write only what partners
/// may read.
pub fn may_write_comment(role: Role, visibility: Visibility) -> bool {
    reads_internal_notes(role) || visibility == Visibility::Partner
}

/// Whether an action of `role` on a case is the center's contact with the company (the
/// first-contact service level counts it).
pub fn acts_for_center(role: Role) -> bool {
    matches!(role, Role::Coordinator | Role::Manager)
}

/// Whether cases `role` files arrive on the partner channel (and only there); the center's
/// own intake names its channel (phone, walk-in, web, e-mail).
pub fn files_on_partner_channel(role: Role) -> bool {
    role == Role::Partner
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_reaches_the_cases_its_bindings_name_and_no_more() {
        let (p, m) = (Uuid::now_v7(), Uuid::now_v7());
        let other = Uuid::now_v7();
        let cases = [
            (Role::Coordinator, None, None, Scope::All),
            (Role::Admin, Some(p), Some(m), Scope::All),
            (Role::Partner, Some(p), None, Scope::Partner(p)),
            (Role::Partner, None, None, Scope::Nothing),
            (Role::Partner, None, Some(m), Scope::Nothing),
            (Role::Manager, None, Some(m), Scope::Manager(m)),
            (Role::Manager, Some(p), None, Scope::Nothing),
            (Role::Analyst, Some(p), Some(m), Scope::Nothing),
        ];
        for (role, partner, manager, expected) in cases {
            assert_eq!(
                Scope::of(role, partner, manager),
                expected,
                "{role} {partner:?} {manager:?}"
            );
        }
        let reaches = [
            (Scope::All, None, None, true),
            (Scope::Partner(p), Some(p), Some(m), true),
            (Scope::Partner(p), Some(other), None, false),
            (Scope::Partner(p), None, None, false),
            (Scope::Manager(m), Some(p), Some(m), true),
            (Scope::Manager(m), Some(p), Some(other), false),
            (Scope::Manager(m), None, None, false),
            (Scope::Nothing, Some(p), Some(m), false),
        ];
        for (scope, partner, manager, expected) in reaches {
            assert_eq!(
                scope.reaches(partner, manager),
                expected,
                "{scope:?} {partner:?} {manager:?}"
            );
        }
        assert_eq!(Scope::All.manager_records(), None);
        assert_eq!(Scope::Manager(m).manager_records(), Some(Some(m)));
        assert_eq!(Scope::Partner(p).manager_records(), Some(None));
        assert_eq!(Scope::Nothing.manager_records(), Some(None));
    }

    #[test]
    fn partners_only_cancel_edit_early_and_write_what_partners_read() {
        use TicketStatus as S;
        use TransitionTarget as T;
        for role in Role::ALL {
            for target in [T::OnHold, T::Closed, T::Cancelled, T::Reopened, T::Resumed] {
                let expected = role != Role::Partner || target == T::Cancelled;
                assert_eq!(
                    may_move_ticket(role, target),
                    expected,
                    "{role} -> {target:?}"
                );
            }
            for status in S::ALL {
                let expected = role != Role::Partner || matches!(status, S::Received | S::Triaged);
                assert_eq!(
                    may_edit_ticket_in(role, status),
                    expected,
                    "{role} edits {status:?}"
                );
            }
            let center = role != Role::Partner;
            assert_eq!(
                reads_internal_notes(role),
                center,
                "{role} reads internal notes"
            );
            assert!(
                may_write_comment(role, Visibility::Partner),
                "{role} writes partner comments"
            );
            assert_eq!(
                may_write_comment(role, Visibility::Internal),
                center,
                "{role} writes internal comments"
            );
            assert_eq!(
                acts_for_center(role),
                matches!(role, Role::Coordinator | Role::Manager),
                "{role} is the center's contact"
            );
            assert_eq!(
                files_on_partner_channel(role),
                role == Role::Partner,
                "{role} files as a partner"
            );
        }
    }

    #[test]
    fn the_policy_table_matches_the_api_contract() {
        use Role::*;
        let cases: [(Action, &[Role]); 29] = [
            (Action::ReadAuditRecords, &[Admin]),
            (Action::HandlePersonalDataRequests, &[Admin]),
            (Action::ReadFeed, &[Analyst, Coordinator, Admin]),
            (Action::ManageWebhooks, &[Partner, Analyst, Admin]),
            (Action::ReadReports, &[Analyst, Coordinator, Admin, Partner]),
            (Action::ManageManagers, &[Coordinator, Admin]),
            (Action::ReadManagers, &[Coordinator, Admin, Manager]),
            (Action::AssignTicket, &[Coordinator]),
            (Action::ScheduleSessions, &[Manager, Coordinator]),
            (Action::RecordOutcome, &[Manager, Coordinator]),
            (Action::FileTicket, &[Partner, Coordinator]),
            (Action::ReadTickets, &[Partner, Coordinator, Manager, Admin]),
            (Action::EditTicket, &[Partner, Coordinator]),
            (Action::TransitionTicket, &[Partner, Coordinator]),
            (Action::RouteTicket, &[Coordinator]),
            (Action::Comment, &[Partner, Coordinator, Manager, Admin]),
            (Action::CreatePartner, &[Admin]),
            (Action::ReadPartners, &[Admin, Coordinator]),
            (Action::ManageClients, &[Admin]),
            (Action::ReadRoutingRules, &[Admin, Coordinator]),
            (Action::WriteRoutingRules, &[Admin, Coordinator]),
            (Action::ClassifyTicket, &[Coordinator]),
            (Action::ReadRoutingModels, &[Coordinator, Admin]),
            (Action::ManageRoutingModels, &[Coordinator, Admin]),
            (Action::ReadCompanies, &[Coordinator, Admin]),
            (Action::EditCompanies, &[Coordinator, Admin]),
            (Action::MergeTickets, &[Coordinator]),
            (Action::ReadCalendars, &[Manager, Coordinator]),
            (Action::ManageCalendarFeeds, &[Manager, Coordinator, Admin]),
        ];
        for (action, allowed) in cases {
            for role in Role::ALL {
                assert_eq!(
                    may(role, action),
                    allowed.contains(&role),
                    "{role} on {action:?}"
                );
            }
        }
    }

    #[test]
    fn the_access_table_agrees_with_the_role_checks() {
        for rule in ACCESS {
            for (role, reach) in Role::ALL.into_iter().zip(rule.reach) {
                assert_eq!(
                    reach != Reach::No,
                    may(role, rule.action),
                    "{} {}: {role} has {reach:?} but the role check says {}",
                    rule.resource,
                    rule.operation,
                    may(role, rule.action)
                );
                if rule.resource == "webhooks" {
                    let scoped = match webhook_reach(role) {
                        WebhookReach::Every => Reach::Every,
                        WebhookReach::OwnPartner => Reach::OwnPartner,
                        WebhookReach::OwnClient => Reach::OwnClient,
                        WebhookReach::Nothing => Reach::No,
                    };
                    assert_eq!(reach, scoped, "webhooks {}: {role}", rule.operation);
                }
            }
        }
    }

    #[test]
    fn analysts_reach_their_own_subscriptions_partners_their_partners_and_admins_all() {
        let cases = [
            (Role::Admin, WebhookReach::Every),
            (Role::Partner, WebhookReach::OwnPartner),
            (Role::Analyst, WebhookReach::OwnClient),
            (Role::Coordinator, WebhookReach::Nothing),
            (Role::Manager, WebhookReach::Nothing),
        ];
        for (role, reach) in cases {
            assert_eq!(webhook_reach(role), reach, "{role}");
            // Whoever reaches something may manage webhooks, and only they.
            assert_eq!(
                reach != WebhookReach::Nothing,
                may(role, Action::ManageWebhooks),
                "{role}"
            );
        }
    }

    #[test]
    fn every_role_but_analysts_sees_contact_details_and_leaves_access_records() {
        let cases = [
            (Role::Partner, true),
            (Role::Coordinator, true),
            (Role::Manager, true),
            (Role::Analyst, false),
            (Role::Admin, true),
        ];
        for (role, expected) in cases {
            assert_eq!(sees_contact_details(role), expected, "{role}");
        }
    }

    #[test]
    fn roles_parse_from_their_wire_names_only() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
        }
        assert!(Role::parse("Admin").is_err());
        assert!(Role::parse("root").is_err());
    }
}
