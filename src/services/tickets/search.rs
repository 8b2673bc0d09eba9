//! The search key of cases (`?q=`), kept in `ticket_search`, one row per case, apart from
//! `tickets`: it changes only when a case's texts do (filing, an edit, a link, an erasure),
//! while the case's row changes at every step of its life, and a row of `tickets` carrying the
//! key made every status change recompute and re-insert its bigram index (see the migration
//! that moved it).
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    QueryTrait, Select,
    sea_query::{CaseStatement, Expr, ExprTrait, InsertStatement, JoinType, LikeExpr, SimpleExpr},
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

/// The alias of the matching search keys joined to a case list.
const MATCHES: &str = "matches";

/// Keeps, of `tickets`, those whose search key holds `query` as one substring (compared as
/// [`search_key`] folds both), after `after`: the matching keys are joined as a subquery
/// sorted by case id, so a list in id order reads cases only until its page is full. Joining
/// every match to `tickets` first (`id IN (…)`) cost a query that 10% of a million cases
/// match one probe of `tickets` per match, 0.9 s; sorting the matching ids costs a tenth of
/// that. (PostgreSQL cannot count the matches ahead: it takes the query's bigrams for
/// independent, so it foresees a handful where there are thousands, and must not be left to
/// choose between the two.)
pub(super) fn join_matching(
    mut tickets: Select<ticket::Entity>,
    query: &str,
    backend: DbBackend,
    after: Option<Uuid>,
) -> Select<ticket::Entity> {
    QueryTrait::query(&mut tickets).join_subquery(
        JoinType::InnerJoin,
        sorted_keys(query, backend, after).into_query(),
        MATCHES,
        Expr::col((MATCHES, ticket_search::Column::TicketId))
            .equals((ticket::Entity, ticket::Column::Id)),
    );
    tickets
}

/// The condition on `tickets` that keeps one page of matching cases: the first `limit`
/// after `after` in id order, chosen among the search keys alone. Only for a list that has no
/// other condition on `tickets` (a caller who sees every case, no other filter): then every
/// key picked is a case on the page, since a key is written only with its case and cases are
/// never deleted. The ids are then taken by a top-N sort within `ticket_search`, cheaper
/// still than the full sort of [`join_matching`].
pub(super) fn page_matching(
    query: &str,
    backend: DbBackend,
    after: Option<Uuid>,
    limit: u64,
) -> SimpleExpr {
    let page = sorted_keys(query, backend, after).limit(limit);
    ticket::Column::Id.in_subquery(page.into_query())
}

/// The ids after `after` of the cases whose search key holds `query`, in id order.
fn sorted_keys(
    query: &str,
    backend: DbBackend,
    after: Option<Uuid>,
) -> Select<ticket_search::Entity> {
    let mut keys = keys_matching(query, backend);
    if let Some(after) = after {
        keys = keys.filter(ticket_search::Column::TicketId.gt(after));
    }
    keys.order_by_asc(ticket_search::Column::TicketId)
}

/// The ids of the cases whose search key holds `query` as one substring.
fn keys_matching(query: &str, backend: DbBackend) -> Select<ticket_search::Entity> {
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
    keys
}
