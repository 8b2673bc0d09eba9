//! The access log: who was shown which case's contact details (name, e-mail, phone), when and
//! through which route, appended without holding up the read that showed them.
//!
//! A handler hands its record to [`AccessLog::record`], which queues it on a bounded channel
//! and returns; one writer task per instance takes what has queued, and what arrives in the
//! next [`GATHER`], and inserts it in batches (a busy instance writes many responses' records
//! with one statement and one commit). When the queue is
//! full, `record` waits for room, so a database that cannot keep up slows the reads down
//! instead of losing records. A failed insert is retried with backoff, keeping its batch.
//!
//! What a crash can lose: on a graceful stop (SIGTERM, Ctrl-C) the server first finishes its
//! requests, then the writer is told to stop, drains the queue and writes it
//! ([`AccessLogWriter::stop`]), so nothing is lost. A process that is killed (SIGKILL, a
//! crash, the machine failing) loses the records still queued or being written: those of
//! the responses of at most the last moment before it (the queue holds at most
//! [`QUEUE_CAPACITY`] responses; under normal load the writer empties it within
//! [`GATHER`] and one write). A response is never sent without its record having been queued.
//!
//! The log names cases, never persons: "who saw this person's data" is answered through the
//! cases that carry the person's e-mail, so anonymizing a case leaves no contact detail here.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use tokio::{sync::mpsc, task::JoinHandle};
use uuid::Uuid;

use crate::{
    auth::{Actor, Role, policy},
    entities::{access_record, ticket},
    error::ApiError,
    pagination::{Cursor, PageRequest},
};

/// Responses whose records may wait for the writer at once; beyond it readers wait.
pub const QUEUE_CAPACITY: usize = 4096;
/// Rows one insert statement writes at most (SQLite allows 32,766 bound values; 7 a row).
const ROWS_PER_STATEMENT: usize = 1000;
/// Records the writer takes from the queue for one batch at most.
const BATCH_RESPONSES: usize = 512;
/// How long the writer waits, after a record arrives, for more to write with it.
pub const GATHER: Duration = Duration::from_millis(20);
/// The longest a graceful stop waits for the queue to be written.
pub const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// Routes that show contact details, as the log names them (`METHOD /path/{template}`); the
/// other handlers whose answer is a case name theirs the same way where they record.
pub mod routes {
    /// `GET /v1/tickets/{id}`.
    pub const READ_TICKET: &str = "GET /v1/tickets/{id}";
    /// `GET /v1/tickets`.
    pub const LIST_TICKETS: &str = "GET /v1/tickets";
    /// `PATCH /v1/tickets/{id}` (the answer is the case).
    pub const EDIT_TICKET: &str = "PATCH /v1/tickets/{id}";
    /// `POST /v1/tickets/{id}/transitions` (the answer is the case).
    pub const MOVE_TICKET: &str = "POST /v1/tickets/{id}/transitions";
    /// `GET /v1/personal-data` (the disclosure export).
    pub const DISCLOSURE: &str = "GET /v1/personal-data";
    /// `GET /v1/managers/{id}/calendar.ics` with the contact in its events.
    pub const CALENDAR_FEED: &str = "GET /v1/managers/{id}/calendar.ics";
}

/// The data items a response on a route in [`routes`] shows of each case it names: the
/// contact's, and the free texts that may name the person.
pub fn items_shown(route: &str, has_phone: bool) -> Vec<&'static str> {
    let mut items = vec!["contact.name", "contact.email"];
    if has_phone {
        items.push("contact.phone");
    }
    if route != routes::CALENDAR_FEED {
        items.extend(["subject", "description"]);
    }
    if route == routes::DISCLOSURE {
        items.extend(["comments", "session_notes"]);
    }
    items
}

/// What one response showed.
#[derive(Debug)]
struct Entry {
    request_id: Uuid,
    accessed_at: DateTime<Utc>,
    client_id: String,
    role: Role,
    route: &'static str,
    ticket_ids: Vec<Uuid>,
}

/// The handle handlers record through; cheap to clone. Off (`ONESTOP_ACCESS_LOG=false`) it
/// records nothing.
#[derive(Clone, Debug)]
pub struct AccessLog {
    queue: Option<mpsc::Sender<Entry>>,
}

impl AccessLog {
    /// A log that records nothing (the bench's baseline).
    pub fn off() -> Self {
        Self { queue: None }
    }

    /// A log and the writer that empties it into `db`; spawn the writer with
    /// [`AccessLogWriter::spawn`].
    pub fn new(db: DatabaseConnection) -> (Self, AccessLogWriter) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        (
            Self {
                queue: Some(sender),
            },
            AccessLogWriter { db, receiver },
        )
    }

    /// Records that `actor` was shown the contact details of `ticket_ids` through `route`.
    /// Roles that see no contact details leave no record. Waits only when the queue is full.
    pub async fn record(
        &self,
        actor: &Actor,
        route: &'static str,
        ticket_ids: Vec<Uuid>,
    ) -> Result<(), ApiError> {
        let Some(queue) = &self.queue else {
            return Ok(());
        };
        if ticket_ids.is_empty() || !policy::sees_contact_details(actor.role) {
            return Ok(());
        }
        let entry = Entry {
            request_id: Uuid::now_v7(),
            accessed_at: Utc::now(),
            client_id: actor.client_id.clone(),
            role: actor.role,
            route,
            ticket_ids,
        };
        // The writer is gone only while the instance stops: the answer is not given, since
        // its record could not be kept.
        queue
            .send(entry)
            .await
            .map_err(|_| ApiError::Internal(anyhow::anyhow!("the access log is no longer written")))
    }
}

/// The task that writes the queued records; [`AccessLogWriter::stop`] drains it.
pub struct AccessLogWriter {
    db: DatabaseConnection,
    receiver: mpsc::Receiver<Entry>,
}

/// A running writer.
pub struct RunningWriter {
    stop: tokio::sync::oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl AccessLogWriter {
    /// Starts writing on the current runtime.
    pub fn spawn(self) -> RunningWriter {
        let (stop, stopped) = tokio::sync::oneshot::channel();
        RunningWriter {
            stop,
            task: tokio::spawn(self.run(stopped)),
        }
    }

    async fn run(mut self, mut stopped: tokio::sync::oneshot::Receiver<()>) {
        loop {
            let first = tokio::select! {
                entry = self.receiver.recv() => entry,
                _ = &mut stopped => break,
            };
            let Some(first) = first else { return };
            let mut batch = vec![first];
            // What else arrives within GATHER joins the batch: each write is a commit of its
            // own, and writing every few responses as they came made a busy instance commit
            // a third more often than its filings alone (bench/run.sh filed 20% fewer cases
            // a second with the log on than with it off; with the gathering, as many).
            let gathered_by = tokio::time::Instant::now() + GATHER;
            while batch.len() < BATCH_RESPONSES {
                match tokio::time::timeout_at(gathered_by, self.receiver.recv()).await {
                    Ok(Some(entry)) => batch.push(entry),
                    Ok(None) | Err(_) => break,
                }
            }
            self.write_until_done(&batch).await;
        }
        // Stopping: nothing new is accepted, and everything already queued is written.
        self.receiver.close();
        let mut rest = Vec::new();
        while let Some(entry) = self.receiver.recv().await {
            rest.push(entry);
        }
        for batch in rest.chunks(BATCH_RESPONSES) {
            self.write_until_done(batch).await;
        }
    }

    /// Writes `batch`, retrying with backoff while the database refuses.
    async fn write_until_done(&self, batch: &[Entry]) {
        let mut delay = Duration::from_millis(50);
        loop {
            match write(&self.db, batch).await {
                Ok(()) => return,
                Err(error) => {
                    tracing::warn!(%error, responses = batch.len(), "access log write failed; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

impl RunningWriter {
    /// Stops the writer after it wrote everything queued, waiting at most [`STOP_TIMEOUT`]
    /// (a database that is down by then loses what is queued; the log says how it ended).
    pub async fn stop(self) {
        let _ = self.stop.send(());
        match tokio::time::timeout(STOP_TIMEOUT, self.task).await {
            Ok(_) => tracing::info!("access log written out"),
            Err(_) => tracing::error!("the access log could not be written out before stopping"),
        }
    }
}

async fn write(db: &DatabaseConnection, batch: &[Entry]) -> Result<(), sea_orm::DbErr> {
    let rows: Vec<access_record::ActiveModel> = batch
        .iter()
        .flat_map(|entry| {
            entry
                .ticket_ids
                .iter()
                .map(move |ticket_id| access_record::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    request_id: Set(entry.request_id),
                    accessed_at: Set(entry.accessed_at),
                    client_id: Set(entry.client_id.clone()),
                    role: Set(entry.role),
                    route: Set(entry.route.to_owned()),
                    ticket_id: Set(*ticket_id),
                })
        })
        .collect();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        access_record::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Filters of the access log.
#[derive(Debug, Clone, Default)]
pub struct AccessFilter {
    /// One case.
    pub ticket_id: Option<Uuid>,
    /// One client (`oc_...`).
    pub client_id: Option<String>,
    /// Records at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Records before this instant.
    pub to: Option<DateTime<Utc>>,
    /// The cases whose contact has this e-mail (compared without case).
    pub contact_email: Option<String>,
}

/// The ids of the cases whose contact e-mail is `email`, compared without case, as a
/// subquery.
pub fn tickets_of_email(email: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(ticket::Column::Id)
        .from(ticket::Entity)
        .and_where(
            Expr::expr(Func::lower(Expr::col(ticket::Column::ContactEmail)))
                .eq(email.trim().to_lowercase()),
        )
        .to_owned()
}

fn condition(filter: &AccessFilter) -> Condition {
    let mut condition = Condition::all();
    if let Some(ticket_id) = filter.ticket_id {
        condition = condition.add(access_record::Column::TicketId.eq(ticket_id));
    }
    if let Some(client_id) = &filter.client_id {
        condition = condition.add(access_record::Column::ClientId.eq(client_id.clone()));
    }
    if let Some(from) = filter.from {
        condition = condition.add(access_record::Column::AccessedAt.gte(from));
    }
    if let Some(to) = filter.to {
        condition = condition.add(access_record::Column::AccessedAt.lt(to));
    }
    if let Some(email) = &filter.contact_email {
        condition =
            condition.add(access_record::Column::TicketId.in_subquery(tickets_of_email(email)));
    }
    condition
}

/// One page of the access log, oldest first.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &AccessFilter,
    page: &PageRequest,
) -> Result<(Vec<access_record::Model>, Option<String>), ApiError> {
    let mut condition = condition(filter);
    if let Some(after) = page.after {
        condition = condition.add(access_record::Column::Id.gt(after));
    }
    let rows = access_record::Entity::find()
        .filter(condition)
        .order_by_asc(access_record::Column::Id)
        .limit(page.fetch_limit())
        .all(db)
        .await?;
    let (rows, next) = page.split(rows, |row| row.id);
    Ok((rows, next.map(Cursor::encode)))
}

/// The newest `limit` records about the cases `ticket_ids`, newest first.
pub async fn about_tickets(
    db: &impl ConnectionTrait,
    ticket_ids: &[Uuid],
    limit: u64,
) -> Result<Vec<access_record::Model>, ApiError> {
    if ticket_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(access_record::Entity::find()
        .filter(access_record::Column::TicketId.is_in(ticket_ids.to_vec()))
        .order_by_desc(access_record::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Most cases an exposure answer names; beyond it the answer says it is cut short.
pub const EXPOSURE_MAX_TICKETS: u64 = 10_000;

/// How one case was shown to one client in a window.
#[derive(Debug, Clone)]
pub struct Shown {
    /// The routes it was shown through.
    pub routes: Vec<String>,
    /// How many responses showed it.
    pub reads: u64,
    /// The first time it was shown in the window.
    pub first: DateTime<Utc>,
    /// The last time.
    pub last: DateTime<Utc>,
}

/// What one client was shown of one case in a window.
#[derive(Debug, Clone)]
pub struct TicketExposure {
    /// The case as it is now (anonymized cases have no contact left to name).
    pub ticket: ticket::Model,
    /// How it was shown.
    pub shown: Shown,
}

/// The cases whose contact details `client_id` was shown between `from` and `to`, from the
/// access log, at most [`EXPOSURE_MAX_TICKETS`] (the flag says whether there were more).
pub async fn exposure(
    db: &impl ConnectionTrait,
    client_id: &str,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
) -> Result<(Vec<TicketExposure>, bool), ApiError> {
    let filter = AccessFilter {
        client_id: Some(client_id.to_owned()),
        from,
        to,
        ..AccessFilter::default()
    };
    let records: Vec<(Uuid, String, DateTime<Utc>)> = access_record::Entity::find()
        .select_only()
        .column(access_record::Column::TicketId)
        .column(access_record::Column::Route)
        .column(access_record::Column::AccessedAt)
        .filter(condition(&filter))
        .order_by_asc(access_record::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    // Cases in the order they were first shown, each with what the records say of it.
    let mut by_ticket: Vec<(Uuid, Shown)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (ticket_id, route, at) in records {
        let slot = *index.entry(ticket_id).or_insert_with(|| {
            by_ticket.push((
                ticket_id,
                Shown {
                    routes: Vec::new(),
                    reads: 0,
                    first: at,
                    last: at,
                },
            ));
            by_ticket.len() - 1
        });
        let shown = &mut by_ticket[slot].1;
        if !shown.routes.contains(&route) {
            shown.routes.push(route);
        }
        shown.reads += 1;
        shown.last = at;
    }
    let limit = usize::try_from(EXPOSURE_MAX_TICKETS).unwrap_or(usize::MAX);
    let truncated = by_ticket.len() > limit;
    by_ticket.truncate(limit);
    let mut tickets = Vec::with_capacity(by_ticket.len());
    for chunk in by_ticket.chunks(500) {
        let ids: Vec<Uuid> = chunk.iter().map(|(id, _)| *id).collect();
        let rows = ticket::Entity::find()
            .filter(ticket::Column::Id.is_in(ids))
            .all(db)
            .await?;
        for (ticket_id, shown) in chunk {
            if let Some(ticket) = rows.iter().find(|row| row.id == *ticket_id) {
                tickets.push(TicketExposure {
                    ticket: ticket.clone(),
                    shown: shown.clone(),
                });
            }
        }
    }
    Ok((tickets, truncated))
}
