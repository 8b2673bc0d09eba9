//! Merging duplicates. A company that asks twice (through two partners, or twice through one)
//! becomes two cases; a coordinator folds the duplicate into the surviving case. The
//! duplicate ends `merged` (final) naming the survivor in `merged_into`; its consulting
//! sessions move to the survivor (and to the survivor's company record, so the company's
//! free sessions are counted once, on one record); its comments stay where their authors
//! wrote them and are listed with the survivor's (see [`super::comments`]); both cases get a
//! `ticket.merged` event.
//!
//! Each partner keeps seeing its own case: a merged case shows the survivor only to callers
//! who may see the survivor, and otherwise only that the center merged it. The events follow
//! the same rule, since a partner's webhooks carry an event's data as it is stored.
use std::collections::HashMap;

use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Ticket, get_visible, illegal_move, in_scope};
use crate::{
    auth::{Actor, policy::Scope},
    db::begin_write,
    domain::ticket_status::{TicketStatus, Transition, apply},
    entities::{consulting_session, ticket},
    error::ApiError,
    services::{
        Workflow,
        capacity::{self, HandOffTrigger},
        events::{self, types},
        versioned::VersionedUpdate,
    },
};

/// What a merged case tells the caller about where it went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeNotice {
    /// When it was merged.
    pub merged_at: DateTime<Utc>,
    /// The surviving case (id, reference) when the caller may see it; `None` when it belongs
    /// to someone else (the caller learns only that the center merged the case).
    pub into: Option<(Uuid, String)>,
}

/// A coordinator's merge, checked.
#[derive(Debug, Clone)]
pub struct MergeRequest {
    /// The surviving case.
    pub into: Uuid,
    /// Why (kept in the events).
    pub reason: String,
    /// Merge even though the two cases are about different company records.
    pub force: bool,
}

/// The notice of each of `rows` (in their order): `None` for cases that are not merged. The
/// survivors are looked up in one query within the caller's scope, so a survivor the caller
/// may not see is never named.
pub(super) async fn notices(
    db: &impl ConnectionTrait,
    actor: &Actor,
    rows: &[ticket::Model],
) -> Result<Vec<Option<MergeNotice>>, ApiError> {
    let targets: Vec<Uuid> = rows.iter().filter_map(|row| row.merged_into).collect();
    let visible: HashMap<Uuid, String> = if targets.is_empty() {
        HashMap::new()
    } else {
        ticket::Entity::find()
            .select_only()
            .columns([ticket::Column::Id, ticket::Column::Reference])
            .filter(ticket::Column::Id.is_in(targets))
            .filter(in_scope(actor.scope()))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
            .into_iter()
            .collect()
    };
    rows.iter()
        .map(|row| {
            if row.status != TicketStatus::Merged {
                return Ok(None);
            }
            let (Some(into), Some(merged_at)) = (row.merged_into, row.merged_at) else {
                return Err(ApiError::Internal(anyhow::anyhow!(
                    "merged case {} does not name the case it was merged into",
                    row.id
                )));
            };
            Ok(Some(MergeNotice {
                merged_at,
                into: visible
                    .get(&into)
                    .map(|reference| (into, reference.clone())),
            }))
        })
        .collect()
}

/// Whether whoever filed `case` may see `other` (the center sees every case; a partner its
/// own), so that `case`'s events may name `other`.
fn filer_sees(ticket: &ticket::Model, other: &ticket::Model) -> bool {
    match ticket.partner_id {
        None => true,
        Some(partner_id) => Scope::Partner(partner_id).reaches(other.partner_id, other.manager_id),
    }
}

/// The 409 for a survivor that cannot take a duplicate: merged (its own survivor is named
/// when there is one), closed or cancelled.
fn refuse_survivor(survivor: &ticket::Model) -> Result<(), ApiError> {
    let mut extensions = Map::new();
    extensions.insert("current_status".into(), json!(survivor.status));
    let detail = match survivor.status {
        TicketStatus::Merged => {
            if let Some(next) = survivor.merged_into {
                extensions.insert("merged_into".into(), json!(next));
            }
            format!(
                "the case {} was itself merged into another case; merge into the case it was \
                 merged into",
                survivor.id
            )
        }
        TicketStatus::Closed | TicketStatus::Cancelled => format!(
            "the case {} is {}; a case can only be merged into one that is still open or \
             resolved",
            survivor.id, survivor.status
        ),
        _ => return Ok(()),
    };
    Err(ApiError::Conflict {
        slug: "not-mergeable",
        detail,
        extensions,
    })
}

/// 409 `different-companies` unless both cases are about the same company record or the
/// coordinator forces the merge.
fn refuse_other_company(
    duplicate: &ticket::Model,
    survivor: &ticket::Model,
    force: bool,
) -> Result<(), ApiError> {
    if force || duplicate.company_id == survivor.company_id {
        return Ok(());
    }
    let mut extensions = Map::new();
    extensions.insert("company_id".into(), json!(duplicate.company_id));
    extensions.insert("into_company_id".into(), json!(survivor.company_id));
    Err(ApiError::Conflict {
        slug: "different-companies",
        detail: format!(
            "the cases are about different companies ({} and {}); send \"force\": true to merge \
             them anyway",
            duplicate.company_name, survivor.company_name
        ),
        extensions,
    })
}

/// The `ticket.merged` data of one side: the other case is named only when the side's filer
/// may see it.
fn merged_data(
    side: &str,
    ticket: &ticket::Model,
    other: &ticket::Model,
    request: &MergeRequest,
    sessions_moved: usize,
) -> Value {
    let mut data = Map::new();
    data.insert("side".into(), json!(side));
    data.insert("merged_by_center".into(), json!(true));
    if filer_sees(ticket, other) {
        let (id_key, reference_key) = if side == "duplicate" {
            ("merged_into", "merged_into_reference")
        } else {
            ("merged_from", "merged_from_reference")
        };
        data.insert(id_key.into(), json!(other.id));
        data.insert(reference_key.into(), json!(other.reference));
    }
    data.insert("sessions_moved".into(), json!(sessions_moved));
    data.insert("force".into(), json!(request.force));
    data.insert("reason".into(), json!(request.reason));
    Value::Object(data)
}

/// Merges case `id` into `request.into` (coordinators) in one transaction, and answers with
/// the duplicate as it now is. Both cases' versions guard the merge: of two merges touching
/// one case at the same moment, one is refused (409), so a case is never merged twice nor
/// into a case that is being merged away.
pub async fn merge(
    db: &DatabaseConnection,
    workflow: &Workflow,
    actor: &Actor,
    id: Uuid,
    request: MergeRequest,
) -> Result<Ticket, ApiError> {
    if request.into == id {
        return Err(ApiError::invalid_field(
            "into",
            "names the case itself; name the case the duplicate should be merged into",
        ));
    }
    let tx = begin_write(db).await?;
    let duplicate = get_visible(&tx, actor, id).await?.row;
    let survivor = ticket::Entity::find_by_id(request.into)
        .filter(in_scope(actor.scope()))
        .one(&tx)
        .await?
        .ok_or_else(|| {
            ApiError::invalid_field("into", format!("no case has the id {}", request.into))
        })?;
    let from = duplicate.status;
    apply(from, Transition::Merge, None).map_err(|illegal| {
        illegal_move(
            &illegal,
            "only a case still being worked can be merged into another",
        )
    })?;
    refuse_survivor(&survivor)?;
    refuse_other_company(&duplicate, &survivor, request.force)?;

    // A place under the duplicate's manager is given back, taken before the cases' rows as
    // every path that writes both does.
    let leaving_manager = duplicate
        .manager_id
        .filter(|_| capacity::holds_capacity(from));
    if let Some(manager_id) = leaving_manager {
        capacity::free(&tx, manager_id).await?;
    }
    // Microseconds, as the databases keep them.
    let now = Utc::now().trunc_subsecs(6);
    use ticket::Column as T;
    let merged = VersionedUpdate::<ticket::Entity>::of(id, duplicate.version)
        .set(T::Status, TicketStatus::Merged.as_str())
        .set(T::MergedInto, Some(survivor.id))
        .set(T::MergedAt, Some(now))
        .set(T::HeldFrom, None::<String>)
        .set(T::WaitingSince, None::<DateTime<Utc>>)
        .set(T::OnHoldSince, None::<DateTime<Utc>>);
    // The survivor's version moves too (it gains the duplicate's sessions), and its guard
    // keeps it from being merged away or closed at the same moment.
    let grown = VersionedUpdate::<ticket::Entity>::of(survivor.id, survivor.version);
    // Rows are written in id order, so two merges of the same pair in opposite directions
    // wait for each other instead of deadlocking.
    let lost = || ApiError::changed_meanwhile("case");
    if id < survivor.id {
        merged.apply(&tx, lost).await?;
        grown.apply(&tx, lost).await?;
    } else {
        grown.apply(&tx, lost).await?;
        merged.apply(&tx, lost).await?;
    }
    let moved = move_sessions(&tx, id, &survivor).await?;

    let mut duplicate_events = vec![(
        types::TICKET_STATUS_CHANGED,
        json!({"from": from, "to": TicketStatus::Merged, "reason": request.reason}),
    )];
    if let Some(manager_id) = leaving_manager {
        duplicate_events.push((
            types::TICKET_RELEASED,
            json!({"manager_id": manager_id, "reason": "the case was merged into another"}),
        ));
    }
    duplicate_events.push((
        types::TICKET_MERGED,
        merged_data("duplicate", &duplicate, &survivor, &request, moved),
    ));
    events::record_all(&tx, Some(id), actor, duplicate_events).await?;
    events::record(
        &tx,
        Some(survivor.id),
        types::TICKET_MERGED,
        actor,
        merged_data("survivor", &survivor, &duplicate, &request, moved),
    )
    .await?;
    if let Some(manager_id) = leaving_manager
        && workflow.auto_assign
    {
        capacity::hand_off_waiting(&tx, workflow, actor, manager_id, HandOffTrigger::Merge).await?;
    }
    let merged = get_visible(&tx, actor, id).await?;
    tx.commit().await?;
    Ok(merged)
}

/// Moves every session of the duplicate to the survivor and its company record (each keeps
/// its manager, time and status; its calendar `SEQUENCE` moves on, since its summary names
/// the survivor now). Returns how many moved.
async fn move_sessions(
    tx: &impl ConnectionTrait,
    duplicate_id: Uuid,
    survivor: &ticket::Model,
) -> Result<usize, ApiError> {
    use consulting_session::Column as S;
    let moved = consulting_session::Entity::update_many()
        .col_expr(S::TicketId, Expr::value(survivor.id))
        .col_expr(S::CompanyId, Expr::value(survivor.company_id))
        .col_expr(S::Sequence, Expr::col(S::Sequence).add(1))
        .col_expr(S::UpdatedAt, Expr::value(Utc::now()))
        .filter(S::TicketId.eq(duplicate_id))
        .exec(tx)
        .await?;
    Ok(usize::try_from(moved.rows_affected).unwrap_or(usize::MAX))
}
