//! Filing a case: the company upsert that opens a filing, the routing decision, the case row
//! and its events, written together with the filing's idempotency record.
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, FromQueryResult, QueryResult,
    QueryTrait,
    sea_query::{Asterisk, Expr, ExprTrait, InsertStatement, OnConflict, Query},
};
use serde_json::json;
use uuid::Uuid;

use super::{
    Ticket,
    reference::{next_reference, nextval, reference_of, sequence_name},
    routed_data, search,
};
use crate::services::idempotency::{Create, Made};
use crate::{
    auth::{Actor, policy::sees_company_records},
    classifier::{RoutingDecision, RoutingInput},
    db::Writes,
    domain::{
        address::Address,
        business_days::jst_date,
        company_size::{CapitalJpy, Employees},
        corporate_number::CorporateNumber,
        fiscal_year::{FiscalYear, TicketReference},
        industry::Industry,
        kana::NameKana,
        prefecture::Prefecture,
        ticket_fields::{Channel, PreferredMode},
        ticket_status::TicketStatus,
        topic::Topic,
    },
    entities::{
        company,
        stored::{Json, Topics},
        ticket,
    },
    error::ApiError,
    services::{
        Workflow,
        companies::{AddressColumns, company_name_key},
        events,
        events::types,
        idempotency::Opening,
        personal_data::receipts,
        routing::RoutingEngine,
        webhooks::Audience,
    },
};

impl NewTicket {
    /// What the router reads of the case.
    fn routing_input(&self) -> RoutingInput {
        RoutingInput {
            subject: self.subject.clone(),
            description: self.description.clone(),
            topics: self.topics.clone(),
            industry: self.company.industry.map(|i| i.code().to_owned()),
        }
    }
}

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
    /// The name's reading (フリガナ).
    pub name_kana: Option<NameKana>,
    /// The head-office address (its prefecture checked to be the company's).
    pub address: Option<Address>,
    /// Total head count (at least `employees`).
    pub total_employees: Option<Employees>,
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
    /// How a partner obtained the contact's data (kept in the confirmation record).
    pub data_source: Option<String>,
}

/// The first statement of a filing: it finds or creates the shared company record in one
/// `INSERT ... ON CONFLICT DO UPDATE` (the identity is the corporate number when there is
/// one, else the normalized name in the prefecture, each a partial unique index), and on
/// PostgreSQL it also takes the next reference number of the fiscal year. A record that
/// exists is never changed by a filing: what the filer says about the company stays on its
/// case. It reads nothing else the filing does, so the idempotency layer may send it with the
/// key's lookup, one round trip for both ([`crate::services::idempotency::create`]).
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
    pub fn statement(&self) -> Opening {
        Opening(self.statement.clone())
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
    let address = AddressColumns::of(new.address.as_ref());
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
        prefecture: Set(new.prefecture),
        industry: Set(new.industry),
        employees: Set(new.employees.map(Employees::count)),
        capital_jpy: Set(new.capital_jpy.map(CapitalJpy::yen)),
        name_kana: Set(new.name_kana.as_ref().map(|k| k.as_str().to_owned())),
        postal_code: Set(address.postal_code),
        city: Set(address.city),
        street: Set(address.street),
        building: Set(address.building),
        total_employees: Set(new.total_employees.map(Employees::count)),
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
    if tx.get_database_backend() == DbBackend::Postgres
        && let Some(sequence) = started.try_get::<Option<i64>>("", "n")?
    {
        return Ok((
            company,
            reference_of(start.fiscal_year, sequence)?,
            sequence,
        ));
    }
    let (reference, sequence) = next_reference(tx, start.fiscal_year).await?;
    Ok((company, reference, sequence))
}

/// Files a case inside `tx`, after its [`FilingStart`] ran there and returned `started`:
/// routing decision (applied when confident) and reference now. The case comes back as it
/// will be stored, with the writes that store it (the case, `ticket.created`, `ticket.routed`
/// when routing applied, their webhook deliveries) left to be made together before commit
/// (see [`Writes`]).
pub async fn create(
    tx: &DatabaseTransaction,
    routing: &RoutingEngine,
    workflow: &Workflow,
    actor: &Actor,
    new: NewTicket,
    start: &FilingStart,
    started: &QueryResult,
) -> Result<Made<Ticket>, ApiError> {
    let (decision, apply_now) = routing.classify(tx, &new.routing_input()).await?;
    let (now, fiscal_year) = (start.now, start.fiscal_year);
    let (company, reference, sequence) = company_and_reference(tx, start, started).await?;
    let (status, track) = if apply_now {
        (TicketStatus::Triaged, Some(decision.track))
    } else {
        (TicketStatus::Received, None)
    };
    let (calendar, levels, received) = (&workflow.calendar, workflow.service_levels, jst_date(now));
    let center_filed = new.channel != Channel::Partner;
    // A partner files for its partner; the center files for no partner.
    let partner_id = actor.partner_id;
    let reference_text = reference.to_string();
    let address = AddressColumns::of(new.company.address.as_ref());
    let row = ticket::Model {
        id: Uuid::now_v7(),
        reference: reference_text,
        fiscal_year: fiscal_year.year(),
        sequence,
        channel: new.channel,
        partner_id,
        company_id: company.id,
        company_name: new.company.name,
        company_corporate_number: new
            .company
            .corporate_number
            .as_ref()
            .map(|n| n.as_str().to_owned()),
        prefecture: new.company.prefecture,
        industry: new.company.industry,
        company_employees: new.company.employees.map(Employees::count),
        company_capital_jpy: new.company.capital_jpy.map(CapitalJpy::yen),
        contact_name: new.contact.name,
        contact_email: new.contact.email,
        contact_phone: new.contact.phone,
        subject: new.subject,
        description: new.description,
        topics: Topics(new.topics),
        preferred_mode: new.preferred_mode,
        status,
        held_from: None,
        track,
        routing: Some(Json(decision.clone())),
        manager_id: None,
        waiting_since: None,
        assigned_at: None,
        first_contact_due: Some(calendar.add_business_days(received, levels.first_contact_days)),
        assignment_due: Some(calendar.add_business_days(received, levels.assignment_days)),
        // A case the center takes by phone, at its desk, on the web or by e-mail is in contact
        // from the start.
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
        linked_ticket_id: None,
        link_dismissed_at: None,
        merged_into: None,
        merged_at: None,
        company_name_kana: new.company.name_kana.map(NameKana::into_inner),
        company_postal_code: address.postal_code,
        company_city: address.city,
        company_street: address.street,
        company_building: address.building,
        company_total_employees: new.company.total_employees.map(Employees::count),
        anonymized_at: None,
    };
    let filed = filed_events(&row, apply_now.then_some(&decision));
    let writes = filing_writes(&row, actor, filed, new.data_source, now)?;
    Ok(Made {
        made: Ticket {
            row,
            company_record: sees_company_records(actor.role).then_some(company),
            outcome: None,
            merge: None,
        },
        writes,
    })
}

/// The writes that store a filed case: the case, the confirmation record of what a partner
/// handed over (personal data received from a third party, APPI), the filing's events and
/// their webhook deliveries.
fn filing_writes(
    row: &ticket::Model,
    actor: &Actor,
    filed: Vec<(&'static str, serde_json::Value)>,
    data_source: Option<String>,
    now: DateTime<Utc>,
) -> Result<Writes, ApiError> {
    let mut writes = Writes::new();
    writes.push(
        ticket::Entity::insert(ticket::ActiveModel::from(row.clone()).reset_all()).into_query(),
    );
    writes.push(search::stored(row));
    if let Some(partner_id) = row.partner_id {
        writes.push(receipts::record_statement(
            row.id,
            partner_id,
            &actor.client_id,
            row.contact_phone.is_some(),
            data_source,
            now,
        ));
    }
    writes.extend(events::writes(
        Some(row.id),
        Audience::Partner(row.partner_id),
        actor,
        filed,
        now,
    )?);
    Ok(writes)
}

/// The events of a filing: `ticket.created`, and `ticket.routed` when the decision applied.
fn filed_events(
    row: &ticket::Model,
    applied: Option<&RoutingDecision>,
) -> Vec<(&'static str, serde_json::Value)> {
    let mut filed = vec![(
        types::TICKET_CREATED,
        json!({"reference": row.reference, "channel": row.channel, "status": row.status}),
    )];
    if let Some(decision) = applied {
        filed.push((types::TICKET_ROUTED, routed_data(decision, None)));
    }
    filed
}

/// A case being filed, under the idempotency protocol: its opening is the company upsert (sent
/// with the key's lookup), and it makes the case and leaves its writes to the protocol's
/// transaction.
pub struct FileTicket<'a> {
    /// The router.
    pub routing: &'a RoutingEngine,
    /// The center's calendar and service levels.
    pub workflow: &'a Workflow,
    /// Who files it.
    pub actor: &'a Actor,
    /// The case.
    pub new: NewTicket,
    /// Its opening statement.
    pub start: FilingStart,
}

impl<'a> FileTicket<'a> {
    /// The filing of `new` by `actor` on a database of `backend`.
    pub fn new(
        backend: DbBackend,
        routing: &'a RoutingEngine,
        workflow: &'a Workflow,
        actor: &'a Actor,
        new: NewTicket,
    ) -> Self {
        let start = FilingStart::new(backend, &new);
        Self {
            routing,
            workflow,
            actor,
            new,
            start,
        }
    }
}

impl Create for FileTicket<'_> {
    type Made = Ticket;

    fn opening(&self) -> Option<Opening> {
        Some(self.start.statement())
    }

    async fn make(
        self,
        tx: &DatabaseTransaction,
        opened: Option<QueryResult>,
    ) -> Result<Made<Ticket>, ApiError> {
        let started = opened.ok_or_else(|| {
            ApiError::Internal(anyhow::anyhow!("the filing's company upsert did not run"))
        })?;
        create(
            tx,
            self.routing,
            self.workflow,
            self.actor,
            self.new,
            &self.start,
            &started,
        )
        .await
    }
}
