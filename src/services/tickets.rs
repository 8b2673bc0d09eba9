//! Cases: intake, reading with tenant isolation, edits under If-Match, status transitions,
//! routing decisions, comments. Every change writes its event in the same transaction.
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend,
    EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
    Statement, TransactionTrait,
    sea_query::{Asterisk, Expr, ExprTrait, InsertStatement, OnConflict, Query},
};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::{AuthenticatedClient, Role, policy::sees_company_records},
    classifier::{RoutingDecision, RoutingInput, RoutingMethod},
    db::{Writes, begin_write},
    domain::{
        business_days::jst_date,
        case::{Channel, PreferredMode, Visibility},
        company_size::{CapitalJpy, CompanySize, Employees},
        corporate_number::CorporateNumber,
        fiscal_year::{FiscalYear, TicketReference},
        industry::Industry,
        precondition::Precondition,
        prefecture::Prefecture,
        text::{case_search_text as searchable, search_key},
        ticket_status::{IllegalTransition, TicketStatus, Transition, TransitionTarget, apply},
        topic::Topic,
        track::Track,
    },
    entities::{comment, company, outcome, ticket, ticket_counter},
    error::ApiError,
    pagination::{Cursor, PageRequest},
    services::{
        LIKE_ESCAPE, Workflow,
        assignment::{self, HandOffTrigger},
        companies::{CompanyChanges, company_name_key, size_of},
        events,
        events::types,
        like_literal,
        routing::RoutingEngine,
        webhooks::Audience,
    },
};

/// The company a case is about, as filed.
#[derive(Debug, Clone)]
pub struct NewCompany {
    /// Name.
    pub name: String,
    /// 法人番号.
    pub corporate_number: Option<CorporateNumber>,
    /// Prefecture.
    pub prefecture: Prefecture,
    /// JSIC division.
    pub industry: Option<Industry>,
    /// Regular employees.
    pub employees: Option<Employees>,
    /// Capital.
    pub capital_jpy: Option<CapitalJpy>,
}

/// The contact person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: Option<String>,
}

/// A case to file, checked.
#[derive(Debug, Clone)]
pub struct NewTicket {
    /// The company.
    pub company: NewCompany,
    /// The contact.
    pub contact: Contact,
    /// Subject.
    pub subject: String,
    /// The question.
    pub description: String,
    /// Topics.
    pub topics: Vec<Topic>,
    /// Consulting mode wanted.
    pub preferred_mode: PreferredMode,
    /// How the case arrived.
    pub channel: Channel,
}

/// A stored case. The company details its filer gave are on the row; the shared company
/// record is loaded only for the roles that see it.
#[derive(Debug, Clone)]
pub struct Ticket {
    /// The row.
    pub row: ticket::Model,
    /// The shared company record, for coordinators and admins
    /// ([`sees_company_records`]); `None` for everyone else.
    pub company_record: Option<company::Model>,
    /// The recorded outcome, if any.
    pub outcome: Option<outcome::Model>,
}

impl Ticket {
    /// The status.
    pub fn status(&self) -> Result<TicketStatus, ApiError> {
        parse_status(&self.row.status)
    }

    /// The routing decision, when the case has one.
    pub fn routing(&self) -> Option<RoutingDecision> {
        self.row
            .routing
            .as_deref()
            .and_then(|raw| serde_json::from_str(raw).ok())
    }

    /// Topics.
    pub fn topics(&self) -> Vec<String> {
        serde_json::from_str(&self.row.topics).unwrap_or_default()
    }

    /// SME classification of the company by the details the case's filer gave.
    pub fn company_size(&self) -> CompanySize {
        size_of(
            self.row.industry.as_deref(),
            self.row.company_capital_jpy,
            self.row.company_employees,
        )
    }
}

fn parse_status(raw: &str) -> Result<TicketStatus, ApiError> {
    TicketStatus::parse(raw)
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("a case has the unknown status {raw:?}")))
}

/// The first statement of a filing: it finds or creates the shared company record in one
/// `INSERT ... ON CONFLICT DO UPDATE` (the identity is the corporate number when there is
/// one, else the normalized name in the prefecture, each a partial unique index), and on
/// PostgreSQL it also takes the next reference number of the fiscal year. A record that
/// exists is never changed by a filing: what the filer says about the company stays on its
/// case. It reads nothing else the filing does, so the idempotency layer may send it with the
/// key's lookup, one round trip for both ([`crate::services::idempotency::execute`]).
#[derive(Debug, Clone)]
pub struct FilingStart {
    now: DateTime<Utc>,
    fiscal_year: FiscalYear,
    statement: InsertStatement,
}

impl FilingStart {
    /// The company upsert for `new`, filed now.
    pub fn new(backend: DbBackend, new: &NewTicket) -> Self {
        // Microseconds, as the databases keep them: the answer shows what a later read shows.
        let now = Utc::now().trunc_subsecs(6);
        let fiscal_year = FiscalYear::of_instant(now);
        let reference_sequence =
            (backend == DbBackend::Postgres).then(|| sequence_name(fiscal_year));
        Self {
            now,
            fiscal_year,
            statement: company_upsert(&new.company, now, reference_sequence.as_deref()),
        }
    }

    /// The statement, with `RETURNING` the company and, on PostgreSQL, `n`.
    pub fn statement(&self) -> InsertStatement {
        self.statement.clone()
    }

    /// Runs the statement on its own and returns its row.
    pub async fn run(&self, tx: &impl ConnectionTrait) -> Result<QueryResult, ApiError> {
        tx.query_one(&self.statement).await?.ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("the company upsert returned no row"))
        })
    }
}

fn company_upsert(
    new: &NewCompany,
    now: DateTime<Utc>,
    reference_sequence: Option<&str>,
) -> InsertStatement {
    use company::Column as C;
    let key = company_name_key(&new.name);
    let corporate_number = new.corporate_number.as_ref().map(|n| n.as_str().to_owned());
    let mut identity = match corporate_number {
        Some(_) => OnConflict::column(C::CorporateNumber)
            .target_and_where(Expr::col(C::CorporateNumber).is_not_null())
            .to_owned(),
        None => OnConflict::columns([C::NameKey, C::Prefecture])
            .target_and_where(Expr::col(C::CorporateNumber).is_null())
            .to_owned(),
    };
    // An update that writes the value back changes nothing, yet (unlike DO NOTHING) makes
    // RETURNING give the existing record, so the statement still answers in one round trip.
    identity.value(C::UpdatedAt, Expr::col((company::Entity, C::UpdatedAt)));
    let mut insert = company::Entity::insert(company::ActiveModel {
        id: Set(Uuid::now_v7()),
        corporate_number: Set(corporate_number),
        name: Set(new.name.clone()),
        name_key: Set(key),
        prefecture: Set(new.prefecture.code().to_owned()),
        industry: Set(new.industry.map(|i| i.code().to_owned())),
        employees: Set(new.employees.map(Employees::count)),
        capital_jpy: Set(new.capital_jpy.map(CapitalJpy::yen)),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(identity)
    .into_query();
    let mut returned = vec![Expr::col(Asterisk)];
    if let Some(sequence) = reference_sequence {
        // nextval(NULL) is NULL: a missing sequence reads as "create it first", not as an
        // error that would abort the transaction.
        returned.push(Expr::cust(format!("{} AS n", nextval(sequence))));
    }
    insert.returning(Query::returning().exprs(returned));
    insert
}

/// The company record of a new case and the case's reference, from the [`FilingStart`]'s row and,
/// when that could not take the number, one more statement.
async fn company_and_reference(
    tx: &DatabaseTransaction,
    start: &FilingStart,
    started: &QueryResult,
) -> Result<(company::Model, TicketReference, i64), ApiError> {
    let company = company::Model::from_query_result(started, "")?;
    let sequence = match tx.get_database_backend() {
        DbBackend::Postgres => match started.try_get::<Option<i64>>("", "n")? {
            Some(sequence) => sequence,
            None => next_from_sequence(tx, start.fiscal_year).await?,
        },
        _ => next_from_counter(tx, start.fiscal_year).await?,
    };
    Ok((
        company,
        reference_of(start.fiscal_year, sequence)?,
        sequence,
    ))
}

/// The reference of the `sequence`th case of the fiscal year.
///
/// On PostgreSQL each fiscal year has its own sequence: `nextval` never waits for other
/// transactions, so concurrent filers on any number of instances get unique, increasing
/// numbers without queueing behind each other's commits (a rolled-back filing leaves a gap,
/// as sequences do). SQLite has one writer at a time anyway, so a counter row serves there.
fn reference_of(fiscal_year: FiscalYear, sequence: i64) -> Result<TicketReference, ApiError> {
    u32::try_from(sequence)
        .ok()
        .and_then(|sequence| TicketReference::new(fiscal_year, sequence).ok())
        .ok_or_else(|| {
            ApiError::conflict(
                "reference-space-exhausted",
                format!(
                    "fiscal {} has used all {} references",
                    fiscal_year.year(),
                    TicketReference::MAX_SEQUENCE
                ),
            )
        })
}

/// The next number of the sequence `name`, or NULL when there is no such sequence yet.
fn nextval(name: &str) -> String {
    format!("nextval(to_regclass('{name}'))")
}

/// The fiscal year's reference sequence on PostgreSQL; the name is built from a four-digit
/// year, never from client input.
fn sequence_name(fiscal_year: FiscalYear) -> String {
    format!("ticket_reference_fy{}", fiscal_year.year())
}

async fn next_from_sequence(
    tx: &DatabaseTransaction,
    fiscal_year: FiscalYear,
) -> Result<i64, ApiError> {
    let name = sequence_name(fiscal_year);
    let next = format!("SELECT {} AS n", nextval(&name));
    for _ in 0..2 {
        let row = tx
            .query_one_raw(Statement::from_string(DbBackend::Postgres, next.clone()))
            .await?;
        if let Some(n) = row.and_then(|row| row.try_get::<Option<i64>>("", "n").ok().flatten()) {
            return Ok(n);
        }
        // First filing of the fiscal year. A savepoint keeps a lost creation race (two
        // instances creating it at once) from aborting the filing.
        let savepoint = tx.begin().await?;
        let created = savepoint
            .execute_unprepared(&format!("CREATE SEQUENCE IF NOT EXISTS {name} MINVALUE 1"))
            .await;
        match created {
            Ok(_) => savepoint.commit().await?,
            Err(_) => savepoint.rollback().await?,
        }
    }
    Err(ApiError::Internal(anyhow::anyhow!(
        "the reference sequence {name} cannot be created"
    )))
}

async fn next_from_counter(
    tx: &impl ConnectionTrait,
    fiscal_year: FiscalYear,
) -> Result<i64, ApiError> {
    ticket_counter::Entity::insert(ticket_counter::ActiveModel {
        fiscal_year: Set(fiscal_year.year()),
        last_sequence: Set(0),
    })
    .on_conflict(
        OnConflict::column(ticket_counter::Column::FiscalYear)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(tx)
    .await?;
    let updated = ticket_counter::Entity::update_many()
        .col_expr(
            ticket_counter::Column::LastSequence,
            Expr::col(ticket_counter::Column::LastSequence).add(1),
        )
        .filter(ticket_counter::Column::FiscalYear.eq(fiscal_year.year()))
        .exec_with_returning(tx)
        .await?;
    updated
        .first()
        .map(|counter| counter.last_sequence)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("the reference counter is missing")))
}

/// A case being filed: the case as it will be stored, and the writes that store it (the case,
/// `ticket.created`, `ticket.routed` when routing applied, their webhook deliveries), left
/// to be made together before commit (see [`Writes`]).
#[derive(Debug)]
pub struct Filing {
    /// The case, as the writes store it.
    pub ticket: Ticket,
    /// The writes still to make in the filing's transaction.
    pub writes: Writes,
}

/// Files a case inside `tx`, after its [`FilingStart`] ran there and returned `started`:
/// routing decision (applied when confident) and reference now; the case and its events as
/// [`Filing::writes`].
pub async fn create(
    tx: &DatabaseTransaction,
    routing: &RoutingEngine,
    workflow: &Workflow,
    actor: &AuthenticatedClient,
    new: NewTicket,
    start: &FilingStart,
    started: &QueryResult,
) -> Result<Filing, ApiError> {
    let input = RoutingInput {
        subject: new.subject.clone(),
        description: new.description.clone(),
        topics: new.topics.clone(),
        industry: new.company.industry.map(|i| i.code().to_owned()),
    };
    let (decision, apply_now) = routing.classify(tx, &input).await?;
    let (now, fiscal_year) = (start.now, start.fiscal_year);
    let (company, reference, sequence) = company_and_reference(tx, start, started).await?;
    let (status, track) = if apply_now {
        (TicketStatus::Triaged, Some(decision.track))
    } else {
        (TicketStatus::Received, None)
    };
    let topics: Vec<&str> = new.topics.iter().map(|t| t.code()).collect();
    let calendar = &workflow.calendar;
    let levels = workflow.service_levels;
    let received = jst_date(now);
    let center_filed = new.channel != Channel::Partner;
    let partner_id = actor.partner_id.filter(|_| actor.role == Role::Partner);
    let reference_text = reference.to_string();
    let search_text = searchable(
        &new.subject,
        &new.description,
        &new.company.name,
        &reference_text,
    );
    let row = ticket::Model {
        id: Uuid::now_v7(),
        reference: reference_text,
        fiscal_year: fiscal_year.year(),
        sequence,
        channel: new.channel.as_str().to_owned(),
        partner_id,
        company_id: company.id,
        company_name: new.company.name,
        company_corporate_number: new
            .company
            .corporate_number
            .as_ref()
            .map(|n| n.as_str().to_owned()),
        prefecture: new.company.prefecture.code().to_owned(),
        industry: new.company.industry.map(|i| i.code().to_owned()),
        company_employees: new.company.employees.map(Employees::count),
        company_capital_jpy: new.company.capital_jpy.map(CapitalJpy::yen),
        contact_name: new.contact.name,
        contact_email: new.contact.email,
        contact_phone: new.contact.phone,
        subject: new.subject,
        description: new.description,
        topics: json!(topics).to_string(),
        preferred_mode: new.preferred_mode.as_str().to_owned(),
        status: status.as_str().to_owned(),
        held_from: None,
        track: track.map(|t| t.as_str().to_owned()),
        routing: Some(serde_json::to_string(&decision).map_err(anyhow::Error::from)?),
        manager_id: None,
        waiting_since: None,
        assigned_at: None,
        first_contact_due: Some(calendar.add_business_days(received, levels.first_contact_days)),
        assignment_due: Some(calendar.add_business_days(received, levels.assignment_days)),
        // A case the center takes by phone, web or e-mail is in contact from the start.
        first_contact_at: center_filed.then_some(now),
        first_contact_met: center_filed.then_some(true),
        first_assigned_at: None,
        assignment_met: None,
        on_hold_since: None,
        paused_business_days: 0,
        business_days_to_assign: None,
        received_on: Some(received),
        version: 1,
        created_at: now,
        updated_at: now,
        search_text,
    };
    let mut filed = vec![(
        types::TICKET_CREATED,
        json!({"reference": row.reference, "channel": row.channel, "status": row.status}),
    )];
    if apply_now {
        filed.push((types::TICKET_ROUTED, routed_data(&decision, None)));
    }
    let mut writes = Writes::new();
    writes.push(
        ticket::Entity::insert(ticket::ActiveModel::from(row.clone()).reset_all()).into_query(),
    );
    writes.extend(events::writes(
        Some(row.id),
        Audience::Partner(partner_id),
        actor,
        filed,
        now,
    )?);
    Ok(Filing {
        ticket: Ticket {
            row,
            company_record: sees_company_records(actor.role).then_some(company),
            outcome: None,
        },
        writes,
    })
}

fn routed_data(decision: &RoutingDecision, reason: Option<&str>) -> serde_json::Value {
    json!({
        "track": decision.track,
        "method": decision.method,
        "confidence": decision.confidence,
        "cross_track": decision.cross_track,
        "rule_set_version": decision.rule_set_version,
        "reason": reason,
    })
}

/// Loads a case the actor may see; anything else is 404, so existence is not leaked.
pub async fn get_visible(
    db: &impl ConnectionTrait,
    actor: &AuthenticatedClient,
    id: Uuid,
) -> Result<Ticket, ApiError> {
    let not_found = || ApiError::NotFound(format!("no case has the id {id}"));
    let row = ticket::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    if !visible_to(&row, actor) {
        return Err(not_found());
    }
    let company_record = if sees_company_records(actor.role) {
        let record = company::Entity::find_by_id(row.company_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("case {id} has no company")))?;
        Some(record)
    } else {
        None
    };
    let outcome = outcome::Entity::find_by_id(id).one(db).await?;
    Ok(Ticket {
        row,
        company_record,
        outcome,
    })
}

/// The 409 for a move the transition table does not allow, naming the current status and
/// the statuses the case can move to.
pub fn illegal_move(illegal: &IllegalTransition, hint: &str) -> ApiError {
    let allowed: Vec<&str> = illegal
        .allowed_targets()
        .into_iter()
        .map(TicketStatus::as_str)
        .collect();
    let mut extensions = serde_json::Map::new();
    extensions.insert("current_status".into(), illegal.from().as_str().into());
    extensions.insert("allowed".into(), json!(allowed));
    ApiError::Conflict {
        slug: "illegal-transition",
        detail: format!("{illegal}; {hint}"),
        extensions,
    }
}

fn visible_to(row: &ticket::Model, actor: &AuthenticatedClient) -> bool {
    match actor.role {
        Role::Coordinator | Role::Admin => true,
        Role::Partner => actor.partner_id.is_some() && row.partner_id == actor.partner_id,
        Role::Manager => actor.manager_id.is_some() && row.manager_id == actor.manager_id,
        Role::Analyst => false,
    }
}

/// Filters of the case list.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    /// Status.
    pub status: Option<TicketStatus>,
    /// Track.
    pub track: Option<Track>,
    /// Company prefecture.
    pub prefecture: Option<Prefecture>,
    /// Filing partner.
    pub partner_id: Option<Uuid>,
    /// Assigned manager.
    pub manager_id: Option<Uuid>,
    /// Filed at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Filed before.
    pub created_before: Option<DateTime<Utc>>,
    /// Text in the subject, description or reference.
    pub q: Option<String>,
    /// Breached a service level (true) or not (false), as of today in Japan.
    pub sla_breached: Option<bool>,
}

/// The start of a Japan calendar day, as an instant.
pub fn jst_day_start(date: NaiveDate) -> DateTime<Utc> {
    let start = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    DateTime::<Utc>::from_naive_utc_and_offset(start, Utc) - chrono::Duration::hours(9)
}

/// The cases whose search key holds every character bigram of the query's key (`$1`), served
/// by the `tickets_search_bigrams` index on PostgreSQL (see the migration that made it).
const BIGRAM_CANDIDATES: &str = "onestop_bigrams(search_text) @> onestop_bigrams($1)";

/// One page of the cases the actor may see, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    actor: &AuthenticatedClient,
    filter: &TicketFilter,
    page: &PageRequest,
) -> Result<(Vec<Ticket>, Option<String>), ApiError> {
    let mut condition = Condition::all();
    match actor.role {
        Role::Partner => condition = condition.add(ticket::Column::PartnerId.eq(actor.partner_id)),
        Role::Manager => condition = condition.add(ticket::Column::ManagerId.eq(actor.manager_id)),
        Role::Coordinator | Role::Admin => {}
        Role::Analyst => {
            return Err(ApiError::Forbidden(
                "analysts read reports, not cases".into(),
            ));
        }
    }
    if let Some(status) = filter.status {
        condition = condition.add(ticket::Column::Status.eq(status.as_str()));
    }
    if let Some(track) = filter.track {
        condition = condition.add(ticket::Column::Track.eq(track.as_str()));
    }
    if let Some(prefecture) = filter.prefecture {
        condition = condition.add(ticket::Column::Prefecture.eq(prefecture.code()));
    }
    if let Some(partner_id) = filter.partner_id {
        condition = condition.add(ticket::Column::PartnerId.eq(partner_id));
    }
    if let Some(manager_id) = filter.manager_id {
        condition = condition.add(ticket::Column::ManagerId.eq(manager_id));
    }
    if let Some(from) = filter.created_from {
        condition = condition.add(ticket::Column::CreatedAt.gte(from));
    }
    if let Some(before) = filter.created_before {
        condition = condition.add(ticket::Column::CreatedAt.lt(before));
    }
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let key = search_key(q);
        condition = condition.add(
            Expr::col(ticket::Column::SearchText).like(
                sea_orm::sea_query::LikeExpr::new(format!("%{}%", like_literal(&key)))
                    .escape(LIKE_ESCAPE),
            ),
        );
        // On PostgreSQL the bigram index finds the candidates (every bigram of the query is
        // among the case's); the LIKE above keeps those that hold it as one substring. A
        // one-character query has no bigram and is answered by the LIKE alone.
        if db.get_database_backend() == sea_orm::DbBackend::Postgres && key.chars().count() >= 2 {
            condition = condition.add(Expr::cust_with_values(BIGRAM_CANDIDATES, [key]));
        }
    }
    if let Some(breached) = filter.sla_breached {
        let condition_breached = sla_breached_condition(jst_date(Utc::now()));
        condition = condition.add(if breached {
            condition_breached
        } else {
            condition_breached.not()
        });
    }
    if let Some(after) = page.after {
        condition = condition.add(ticket::Column::Id.gt(after));
    }
    let rows = ticket::Entity::find()
        .filter(condition)
        .order_by_asc(ticket::Column::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    let (rows, next) = page.split(rows, |row| row.id);
    let companies = if sees_company_records(actor.role) && !rows.is_empty() {
        let company_ids: Vec<Uuid> = rows.iter().map(|row| row.company_id).collect();
        company::Entity::find()
            .filter(company::Column::Id.is_in(company_ids))
            .all(db)
            .await?
    } else {
        Vec::new()
    };
    // Any status can carry an outcome: a reopened case keeps the one recorded before.
    let page_ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut outcomes = if page_ids.is_empty() {
        Vec::new()
    } else {
        outcome::Entity::find()
            .filter(outcome::Column::TicketId.is_in(page_ids))
            .all(db)
            .await?
    };
    let tickets = rows
        .into_iter()
        .map(|row| {
            let company_record = if sees_company_records(actor.role) {
                let record = companies
                    .iter()
                    .find(|c| c.id == row.company_id)
                    .cloned()
                    .ok_or_else(|| {
                        ApiError::Internal(anyhow::anyhow!("case {} has no company", row.id))
                    })?;
                Some(record)
            } else {
                None
            };
            let outcome = outcomes
                .iter()
                .position(|o| o.ticket_id == row.id)
                .map(|index| outcomes.swap_remove(index));
            Ok(Ticket {
                row,
                company_record,
                outcome,
            })
        })
        .collect::<Result<_, ApiError>>()?;
    Ok((tickets, next.map(Cursor::encode)))
}

/// `domain::service_level::breached` in SQL, for `?sla_breached=`. Every term is written to
/// be false (not NULL) on missing values, so the condition can be negated.
fn sla_breached_condition(today: NaiveDate) -> Condition {
    let statuses = |running: fn(TicketStatus) -> bool| {
        TicketStatus::ALL
            .into_iter()
            .filter(|status| running(*status))
            .map(TicketStatus::as_str)
            .collect::<Vec<_>>()
    };
    Condition::any()
        .add(
            Condition::all()
                .add(ticket::Column::FirstContactMet.is_not_null())
                .add(ticket::Column::FirstContactMet.eq(false)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::AssignmentMet.is_not_null())
                .add(ticket::Column::AssignmentMet.eq(false)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::FirstContactMet.is_null())
                .add(ticket::Column::Status.is_in(statuses(
                    crate::domain::service_level::first_contact_clock_runs,
                )))
                .add(ticket::Column::FirstContactDue.is_not_null())
                .add(ticket::Column::FirstContactDue.lt(today)),
        )
        .add(
            Condition::all()
                .add(ticket::Column::AssignmentMet.is_null())
                .add(ticket::Column::Status.is_in(statuses(
                    crate::domain::service_level::assignment_clock_runs,
                )))
                .add(ticket::Column::AssignmentDue.is_not_null())
                .add(ticket::Column::AssignmentDue.lt(today)),
        )
}

/// Changes to the editable fields of a case.
#[derive(Debug, Clone, Default)]
pub struct TicketChanges {
    /// Subject.
    pub subject: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Topics.
    pub topics: Option<Vec<Topic>>,
    /// Consulting mode.
    pub preferred_mode: Option<PreferredMode>,
    /// Contact.
    pub contact: Option<Contact>,
    /// The company details of this case (never the shared record).
    pub company: Option<CompanyChanges>,
}

/// Applies `changes` when the case's version satisfies `expected` (the `If-Match`; 412
/// otherwise). Partners edit their own cases while `received` or `triaged`.
pub async fn update(
    db: &DatabaseConnection,
    actor: &AuthenticatedClient,
    id: Uuid,
    expected: &Precondition,
    changes: TicketChanges,
) -> Result<Ticket, ApiError> {
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    if !expected.admits(current.row.version) {
        return Err(stale_version(current.row.version));
    }
    if actor.role == Role::Partner
        && !matches!(
            current.status()?,
            TicketStatus::Received | TicketStatus::Triaged
        )
    {
        return Err(ApiError::conflict(
            "not-editable",
            format!(
                "partners can edit a case while it is received or triaged; it is {}",
                current.row.status
            ),
        ));
    }
    let mut update = ticket::Entity::update_many()
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ticket::Column::Id.eq(id))
        // The version read in this transaction: a write that commits in between is 412.
        .filter(ticket::Column::Version.eq(current.row.version));
    let mut changed = Vec::new();
    if let Some(subject) = &changes.subject {
        update = update.col_expr(ticket::Column::Subject, Expr::value(subject.clone()));
        changed.push("subject");
    }
    if let Some(description) = &changes.description {
        update = update.col_expr(
            ticket::Column::Description,
            Expr::value(description.clone()),
        );
        changed.push("description");
    }
    if let Some(topics) = &changes.topics {
        let codes: Vec<&str> = topics.iter().map(|t| t.code()).collect();
        update = update.col_expr(
            ticket::Column::Topics,
            Expr::value(json!(codes).to_string()),
        );
        changed.push("topics");
    }
    if let Some(mode) = changes.preferred_mode {
        update = update.col_expr(ticket::Column::PreferredMode, Expr::value(mode.as_str()));
        changed.push("preferred_mode");
    }
    if let Some(contact) = &changes.contact {
        update = update
            .col_expr(
                ticket::Column::ContactName,
                Expr::value(contact.name.clone()),
            )
            .col_expr(
                ticket::Column::ContactEmail,
                Expr::value(contact.email.clone()),
            )
            .col_expr(
                ticket::Column::ContactPhone,
                Expr::value(contact.phone.clone()),
            );
        changed.push("contact");
    }
    if changes.subject.is_some()
        || changes.description.is_some()
        || changes.company.as_ref().is_some_and(|c| c.name.is_some())
    {
        let text = searchable(
            changes.subject.as_deref().unwrap_or(&current.row.subject),
            changes
                .description
                .as_deref()
                .unwrap_or(&current.row.description),
            changes
                .company
                .as_ref()
                .and_then(|c| c.name.as_deref())
                .unwrap_or(&current.row.company_name),
            &current.row.reference,
        );
        update = update.col_expr(ticket::Column::SearchText, Expr::value(text));
    }
    if let Some(company) = &changes.company {
        // The case's own details only: the shared record is the center's (see
        // services::companies), and another partner's case is never touched.
        if let Some(name) = &company.name {
            update = update.col_expr(ticket::Column::CompanyName, Expr::value(name.clone()));
        }
        if let Some(prefecture) = company.prefecture {
            update = update.col_expr(ticket::Column::Prefecture, Expr::value(prefecture.code()));
        }
        if let Some(industry) = company.industry {
            update = update.col_expr(
                ticket::Column::Industry,
                Expr::value(industry.map(|i| i.code().to_owned())),
            );
        }
        if let Some(employees) = company.employees {
            update = update.col_expr(
                ticket::Column::CompanyEmployees,
                Expr::value(employees.map(Employees::count)),
            );
        }
        if let Some(capital) = company.capital_jpy {
            update = update.col_expr(
                ticket::Column::CompanyCapitalJpy,
                Expr::value(capital.map(CapitalJpy::yen)),
            );
        }
        changed.push("company");
    }
    let result = update.exec(&tx).await?;
    if result.rows_affected != 1 {
        return Err(stale_version(current.row.version));
    }
    events::record(
        &tx,
        Some(id),
        types::TICKET_UPDATED,
        actor,
        json!({"fields": changed}),
    )
    .await?;
    let updated = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(updated)
}

fn stale_version(current: i32) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "the case changed since you read it (its ETag is now \"{current}\"); GET it again"
    ))
}

/// Moves a case by a named transition. Partners may only cancel their own cases.
///
/// Cancelling a case that holds a place under its manager frees the place (and, with
/// automatic assignment on, hands it to the oldest waiting case) and cancels its scheduled
/// sessions; reopening a resolved or closed case clears its manager, so it is assigned
/// afresh.
pub async fn transition(
    db: &DatabaseConnection,
    workflow: &Workflow,
    actor: &AuthenticatedClient,
    id: Uuid,
    target: TransitionTarget,
    reason: Option<String>,
) -> Result<Ticket, ApiError> {
    if actor.role == Role::Partner && target != TransitionTarget::Cancelled {
        return Err(ApiError::Forbidden(
            "partners may only cancel their cases".into(),
        ));
    }
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    let from = current.status()?;
    let held_from = current
        .row
        .held_from
        .as_deref()
        .map(parse_status)
        .transpose()?;
    let to = target.apply(from, held_from).map_err(|illegal| {
        let allowed: Vec<&str> = TransitionTarget::allowed_from(from)
            .into_iter()
            .map(TransitionTarget::as_str)
            .collect();
        let mut extensions = serde_json::Map::new();
        extensions.insert("current_status".into(), from.as_str().into());
        extensions.insert("allowed".into(), json!(allowed));
        ApiError::Conflict {
            slug: "illegal-transition",
            detail: format!(
                "{} (the case is {}; allowed: {})",
                illegal,
                from.as_str(),
                if allowed.is_empty() {
                    "none".to_owned()
                } else {
                    allowed.join(", ")
                }
            ),
            extensions,
        }
    })?;
    let action = target.action(from);
    let new_held_from = match action {
        Transition::Hold => Some(from.as_str().to_owned()),
        _ => None,
    };
    // Taken before the case's row, as every path that writes both does.
    let leaving_manager = current
        .row
        .manager_id
        .filter(|_| action == Transition::Cancel && assignment::holds_capacity(from));
    if let Some(manager_id) = leaving_manager {
        assignment::free(&tx, manager_id).await?;
    }
    let mut update = ticket::Entity::update_many()
        .col_expr(ticket::Column::Status, Expr::value(to.as_str()))
        .col_expr(ticket::Column::HeldFrom, Expr::value(new_held_from))
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ticket::Column::Id.eq(id))
        .filter(ticket::Column::Version.eq(current.row.version));
    if action == Transition::Hold {
        update = update.col_expr(ticket::Column::OnHoldSince, Expr::value(Utc::now()));
    }
    if let Some(since) = current.row.on_hold_since
        && from == TicketStatus::OnHold
    {
        // Leaving a hold (resumed or cancelled): the clocks stopped for the business days it
        // lasted, so the pending due dates move by as many.
        let calendar = &workflow.calendar;
        let held = calendar.business_days_between(jst_date(since), jst_date(Utc::now()));
        // Negative only if the clock went backwards; a hold never adds negative days.
        let held = u32::try_from(held).unwrap_or(0);
        let shift = |due: Option<NaiveDate>, met: Option<bool>| match (due, met) {
            (Some(due), None) => Some(calendar.add_business_days(due, held)),
            (due, _) => due,
        };
        update = update
            .col_expr(
                ticket::Column::OnHoldSince,
                Expr::value(None::<DateTime<Utc>>),
            )
            .col_expr(
                ticket::Column::PausedBusinessDays,
                Expr::value(
                    current
                        .row
                        .paused_business_days
                        .saturating_add(i32::try_from(held).unwrap_or(i32::MAX)),
                ),
            )
            .col_expr(
                ticket::Column::FirstContactDue,
                Expr::value(shift(
                    current.row.first_contact_due,
                    current.row.first_contact_met,
                )),
            )
            .col_expr(
                ticket::Column::AssignmentDue,
                Expr::value(shift(
                    current.row.assignment_due,
                    current.row.assignment_met,
                )),
            );
    }
    if action == Transition::Reopen {
        update = update
            .col_expr(ticket::Column::ManagerId, Expr::value(None::<Uuid>))
            .col_expr(
                ticket::Column::AssignedAt,
                Expr::value(None::<DateTime<Utc>>),
            );
    }
    if update.exec(&tx).await?.rows_affected != 1 {
        return Err(ApiError::changed_meanwhile("case"));
    }
    let mut changes = vec![(
        types::TICKET_STATUS_CHANGED,
        json!({"from": from.as_str(), "to": to.as_str(), "reason": reason}),
    )];
    if action == Transition::Reopen
        && let Some(manager_id) = current.row.manager_id
    {
        changes.push((
            types::TICKET_RELEASED,
            json!({"manager_id": manager_id, "reason": "the case was reopened"}),
        ));
    }
    events::record_all(&tx, Some(id), actor, changes).await?;
    if action == Transition::Cancel {
        assignment::cancel_scheduled_sessions(&tx, actor, id, "the case was cancelled").await?;
    }
    if let Some(manager_id) = leaving_manager
        && workflow.auto_assign
    {
        assignment::hand_off_waiting(
            &tx,
            workflow,
            actor,
            manager_id,
            HandOffTrigger::Cancellation,
        )
        .await?;
    }
    let updated = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// What a coordinator asks of the router for one case.
#[derive(Debug, Clone)]
pub enum RoutingRequest {
    /// Set the track by hand, with the reason recorded.
    Manual {
        /// Track.
        track: Track,
        /// Why.
        reason: String,
    },
    /// Run the classifier again with the current rules.
    Auto,
}

/// Routes (or re-routes) a case. A manual decision always applies; an automatic one applies
/// when confident, and otherwise updates the suggestion and leaves the case for a
/// coordinator.
pub async fn route(
    db: &DatabaseConnection,
    routing: &RoutingEngine,
    actor: &AuthenticatedClient,
    id: Uuid,
    request: RoutingRequest,
) -> Result<Ticket, ApiError> {
    let tx = begin_write(db).await?;
    let current = get_visible(&tx, actor, id).await?;
    let from = current.status()?;
    let (decision, applies, reason) = match request {
        RoutingRequest::Manual { track, reason } => {
            let version = routing.router(&tx).await?.rules().version;
            let decision = RoutingDecision {
                track,
                confidence: 1.0,
                cross_track: current.routing().is_some_and(|d| d.cross_track),
                method: RoutingMethod::Manual,
                explanation: Vec::new(),
                rule_set_version: version,
            };
            (decision, true, Some(reason))
        }
        RoutingRequest::Auto => {
            let input = RoutingInput {
                subject: current.row.subject.clone(),
                description: current.row.description.clone(),
                topics: current
                    .topics()
                    .iter()
                    .filter_map(|code| Topic::parse(code).ok())
                    .collect(),
                industry: current.row.industry.clone(),
            };
            let (decision, applies) = routing.classify(&tx, &input).await?;
            (decision, applies, None)
        }
    };
    let to = if applies {
        apply(from, Transition::Route, None)
            .map_err(|illegal| illegal_move(&illegal, "release the manager before re-routing"))?
    } else {
        from
    };
    let mut update = ticket::Entity::update_many()
        .col_expr(
            ticket::Column::Routing,
            Expr::value(serde_json::to_string(&decision).map_err(anyhow::Error::from)?),
        )
        .col_expr(ticket::Column::Status, Expr::value(to.as_str()))
        .col_expr(
            ticket::Column::Version,
            Expr::col(ticket::Column::Version).add(1),
        )
        .col_expr(ticket::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(ticket::Column::Id.eq(id))
        .filter(ticket::Column::Version.eq(current.row.version));
    if applies {
        update = update.col_expr(ticket::Column::Track, Expr::value(decision.track.as_str()));
    }
    if update.exec(&tx).await?.rows_affected != 1 {
        return Err(ApiError::changed_meanwhile("case"));
    }
    if applies {
        events::record(
            &tx,
            Some(id),
            types::TICKET_ROUTED,
            actor,
            routed_data(&decision, reason.as_deref()),
        )
        .await?;
    }
    let updated = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Adds a comment. Partners write partner-visible comments only.
pub async fn add_comment(
    tx: &impl ConnectionTrait,
    actor: &AuthenticatedClient,
    ticket_id: Uuid,
    visibility: Visibility,
    body: String,
) -> Result<comment::Model, ApiError> {
    get_visible(tx, actor, ticket_id).await?;
    if actor.role == Role::Partner && visibility != Visibility::Partner {
        return Err(ApiError::invalid_field(
            "visibility",
            "partners write comments with visibility \"partner\"",
        ));
    }
    let model = comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(ticket_id),
        author: Set(actor.client_id.clone()),
        author_role: Set(actor.role.as_str().to_owned()),
        visibility: Set(visibility.as_str().to_owned()),
        body: Set(body),
        created_at: Set(Utc::now()),
    };
    let model = comment::Entity::insert(model)
        .exec_with_returning(tx)
        .await?;
    events::record(
        tx,
        Some(ticket_id),
        types::COMMENT_ADDED,
        actor,
        json!({"comment_id": model.id, "visibility": model.visibility}),
    )
    .await?;
    Ok(model)
}

/// The comments of a case the actor may read, oldest first.
pub async fn comments(
    db: &impl ConnectionTrait,
    actor: &AuthenticatedClient,
    ticket_id: Uuid,
) -> Result<Vec<comment::Model>, ApiError> {
    get_visible(db, actor, ticket_id).await?;
    let mut query = comment::Entity::find().filter(comment::Column::TicketId.eq(ticket_id));
    if actor.role == Role::Partner {
        query = query.filter(comment::Column::Visibility.eq(Visibility::Partner.as_str()));
    }
    Ok(query.order_by_asc(comment::Column::Id).all(db).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_their_wildcards() {
        assert_eq!(like_literal("100%_a\\b"), "100\\%\\_a\\\\b");
    }

    #[test]
    fn japan_days_start_at_15_utc_the_day_before() {
        let day = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
        assert_eq!(jst_day_start(day).to_rfc3339(), "2026-03-31T15:00:00+00:00");
    }
}
