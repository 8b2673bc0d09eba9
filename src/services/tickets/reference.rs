//! Reference numbers: `TW-<fiscal year>-<6 digits>`, unique and increasing within a fiscal
//! year on any number of instances.
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait, QueryFilter,
    Statement, TransactionTrait,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use crate::{
    domain::fiscal_year::{FiscalYear, TicketReference},
    entities::ticket_counter,
    error::ApiError,
};

/// The reference of the `sequence`th case of the fiscal year.
///
/// On PostgreSQL each fiscal year has its own sequence: `nextval` never waits for other
/// transactions, so concurrent filers on any number of instances get unique, increasing
/// numbers without queueing behind each other's commits (a rolled-back filing leaves a gap,
/// as sequences do). SQLite has one writer at a time anyway, so a counter row serves there.
pub(super) fn reference_of(
    fiscal_year: FiscalYear,
    sequence: i64,
) -> Result<TicketReference, ApiError> {
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
pub(super) fn nextval(name: &str) -> String {
    format!("nextval(to_regclass('{name}'))")
}

/// The fiscal year's reference sequence on PostgreSQL; the name is built from a four-digit
/// year, never from client input.
pub(super) fn sequence_name(fiscal_year: FiscalYear) -> String {
    format!("ticket_reference_fy{}", fiscal_year.year())
}

pub(super) async fn next_from_sequence(
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

pub(super) async fn next_from_counter(
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

/// The next reference of `fiscal_year` taken on its own (not with a filing's company upsert):
/// from the year's sequence on PostgreSQL, the counter row elsewhere.
pub(super) async fn next_reference(
    tx: &DatabaseTransaction,
    fiscal_year: FiscalYear,
) -> Result<(TicketReference, i64), ApiError> {
    let sequence = match tx.get_database_backend() {
        DbBackend::Postgres => next_from_sequence(tx, fiscal_year).await?,
        _ => next_from_counter(tx, fiscal_year).await?,
    };
    Ok((reference_of(fiscal_year, sequence)?, sequence))
}
