//! The search key of cases (`?q=`), kept in `ticket_search`, one row per case, apart from
//! `tickets`: it changes only when a case's texts do (filing, an edit, a link, an erasure),
//! while the case's row changes at every step of its life, and a row of `tickets` carrying the
//! key made every status change recompute and re-insert its bigram index (see the migration
//! that moved it).
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, QueryTrait,
    sea_query::{CaseStatement, Expr, ExprTrait, InsertStatement, LikeExpr, SimpleExpr},
};
use uuid::Uuid;

use crate::{
    domain::text::{search_key, ticket_search_text},
    entities::{ticket, ticket_search},
    error::ApiError,
    services::{LIKE_ESCAPE, like_literal},
};

/// The cases whose search key holds every character bigram of the query's key (`$1`), served
/// by the `ticket_search_bigrams` index on PostgreSQL (see the migration that made it).
const BIGRAM_CANDIDATES: &str = "onestop_bigrams(search_text) @> onestop_bigrams($1)";

/// The search key of a case as its row holds the texts.
pub(super) fn key_of(row: &ticket::Model) -> String {
    ticket_search_text(
        &row.subject,
        &row.description,
        &row.company_name,
        &row.reference,
    )
}

/// The insert of a new case's search key, for the case's filing writes.
pub(super) fn stored(row: &ticket::Model) -> InsertStatement {
    ticket_search::Entity::insert(ticket_search::ActiveModel {
        ticket_id: sea_orm::ActiveValue::Set(row.id),
        search_text: sea_orm::ActiveValue::Set(key_of(row)),
    })
    .into_query()
}

/// Rewrites the search keys of cases whose texts changed, each `(case, key)`, in one
/// statement.
pub(crate) async fn rewrite(
    tx: &impl ConnectionTrait,
    changed: &[(Uuid, String)],
) -> Result<(), ApiError> {
    if changed.is_empty() {
        return Ok(());
    }
    let mut keys = CaseStatement::new();
    for (id, key) in changed {
        keys = keys.case(ticket_search::Column::TicketId.eq(*id), key.as_str());
    }
    ticket_search::Entity::update_many()
        .col_expr(
            ticket_search::Column::SearchText,
            keys.finally(Expr::col(ticket_search::Column::SearchText))
                .into(),
        )
        .filter(ticket_search::Column::TicketId.is_in(changed.iter().map(|(id, _)| *id)))
        .exec(tx)
        .await?;
    Ok(())
}

/// The condition on `tickets` that keeps the cases whose search key holds `query` as one
/// substring, compared as [`search_key`] folds both.
pub(super) fn matching(query: &str, backend: DbBackend) -> SimpleExpr {
    let key = search_key(query);
    let mut keys = ticket_search::Entity::find()
        .select_only()
        .column(ticket_search::Column::TicketId)
        .filter(
            Expr::col(ticket_search::Column::SearchText)
                .like(LikeExpr::new(format!("%{}%", like_literal(&key))).escape(LIKE_ESCAPE)),
        );
    // On PostgreSQL the bigram index finds the candidates (every bigram of the query is among
    // the case's); the LIKE above keeps those that hold it as one substring. A one-character
    // query has no bigram and is answered by the LIKE alone.
    if backend == DbBackend::Postgres && key.chars().count() >= 2 {
        keys = keys.filter(Expr::cust_with_values(BIGRAM_CANDIDATES, [key]));
    }
    ticket::Column::Id.in_subquery(keys.into_query())
}
