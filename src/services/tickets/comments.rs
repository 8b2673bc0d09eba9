//! Comments on a case.
use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sea_orm::{DatabaseTransaction, QueryResult};
use serde_json::json;
use uuid::Uuid;

use super::{get_visible, in_scope};
use crate::services::idempotency::{Create, Made};
use crate::{
    auth::{Actor, policy},
    domain::ticket_fields::Visibility,
    entities::{comment, ticket},
    error::ApiError,
    services::{events, events::types},
};

/// Adds a comment. Partners write partner-visible comments only.
pub async fn add_comment(
    tx: &impl ConnectionTrait,
    actor: &Actor,
    ticket_id: Uuid,
    visibility: Visibility,
    body: String,
) -> Result<comment::Model, ApiError> {
    get_visible(tx, actor, ticket_id).await?;
    if !policy::may_write_comment(actor.role, visibility) {
        return Err(ApiError::invalid_field(
            "visibility",
            "partners write comments with visibility \"partner\"",
        ));
    }
    let model = comment::ActiveModel {
        id: Set(Uuid::now_v7()),
        ticket_id: Set(ticket_id),
        author: Set(actor.client_id.clone()),
        author_role: Set(actor.role),
        visibility: Set(visibility),
        body: Set(body),
        created_at: Set(Utc::now()),
    };
    let model = comment::Entity::insert(model)
        .exec_with_returning(tx)
        .await?;
    // A comment can name a person again on an anonymized case: retention and erasure pass
    // over anonymized cases, so the mark goes and they will find it.
    ticket::Entity::update_many()
        .col_expr(
            ticket::Column::AnonymizedAt,
            sea_orm::sea_query::Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .filter(ticket::Column::Id.eq(ticket_id))
        .filter(ticket::Column::AnonymizedAt.is_not_null())
        .exec(tx)
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

/// The comments of a case the actor may read, oldest first, with those of the duplicates
/// merged into it: every duplicate's for the center, which works the surviving case on; for a
/// partner only its own duplicates' (another partner's words stay with that partner's case).
pub async fn comments(
    db: &impl ConnectionTrait,
    actor: &Actor,
    ticket_id: Uuid,
) -> Result<Vec<comment::Model>, ApiError> {
    get_visible(db, actor, ticket_id).await?;
    let mut duplicates = ticket::Entity::find()
        .select_only()
        .column(ticket::Column::Id)
        .filter(ticket::Column::MergedInto.eq(ticket_id));
    if !policy::reads_internal_notes(actor.role) {
        duplicates = duplicates.filter(in_scope(actor.scope()));
    }
    let mut tickets: Vec<Uuid> = duplicates.into_tuple::<Uuid>().all(db).await?;
    tickets.push(ticket_id);
    let mut query = comment::Entity::find().filter(comment::Column::TicketId.is_in(tickets));
    if !policy::reads_internal_notes(actor.role) {
        query = query.filter(comment::Column::Visibility.eq(Visibility::Partner.as_str()));
    }
    Ok(query.order_by_asc(comment::Column::Id).all(db).await?)
}

/// A comment being written on a case, under the idempotency protocol.
#[derive(Debug)]
pub struct NewComment<'a> {
    /// Who writes it.
    pub actor: &'a Actor,
    /// The case.
    pub ticket_id: Uuid,
    /// Who may read it.
    pub visibility: Visibility,
    /// The text.
    pub body: String,
}

impl Create for NewComment<'_> {
    type Made = comment::Model;

    async fn make(
        self,
        tx: &DatabaseTransaction,
        _opened: Option<QueryResult>,
    ) -> Result<Made<comment::Model>, ApiError> {
        add_comment(tx, self.actor, self.ticket_id, self.visibility, self.body)
            .await
            .map(Made::done)
    }
}
