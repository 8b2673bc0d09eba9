//! Outcomes: recording what came of a case resolves it and frees its manager's place.
use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait, sea_query::OnConflict};
use serde_json::json;
use uuid::Uuid;

use crate::{
    auth::Actor,
    db::begin_write,
    domain::{
        consulting::{Measure, OutcomeResult},
        survey::SurveyAnswers,
        ticket_status::{TicketStatus, Transition, apply},
    },
    entities::{outcome, stored::Json, ticket},
    error::ApiError,
    services::versioned::VersionedUpdate,
    services::{
        Workflow,
        capacity::{self, HandOffTrigger},
        events::{self, types},
        surveys,
        tickets::{self, Ticket, illegal_move},
    },
};

/// An outcome to record, checked.
#[derive(Debug, Clone)]
pub struct NewOutcome {
    /// The result.
    pub result: OutcomeResult,
    /// Measures taken.
    pub measures: Vec<Measure>,
    /// Employees teleworking afterwards.
    pub teleworkers: Option<i64>,
    /// Satisfaction, 1–5.
    pub satisfaction: Option<i16>,
    /// Summary.
    pub summary: Option<String>,
    /// The company's survey answers when the recorder has them (a paper form, a call), with
    /// when they were given; `None` leaves any answers already recorded as they are.
    pub survey: Option<(SurveyAnswers, DateTime<Utc>)>,
}

/// Records (or replaces) the outcome of a case; the case becomes `resolved`. The first
/// outcome frees the manager's place and, with automatic assignment on, hands it to the
/// oldest waiting case the manager can take.
pub async fn record(
    db: &DatabaseConnection,
    workflow: &Workflow,
    actor: &Actor,
    ticket_id: Uuid,
    new: NewOutcome,
) -> Result<Ticket, ApiError> {
    let tx = begin_write(db).await?;
    let current = tickets::get_visible(&tx, actor, ticket_id).await?;
    let from = current.row.status;
    let to = apply(from, Transition::RecordOutcome, None).map_err(|illegal| {
        illegal_move(
            &illegal,
            "an outcome is recorded on an assigned case, during consulting, or to correct one",
        )
    })?;
    let freed = current
        .row
        .manager_id
        .filter(|_| capacity::holds_capacity(from));
    if let Some(manager_id) = freed {
        capacity::free(&tx, manager_id).await?;
    }
    if let Some((answers, _)) = &new.survey {
        surveys::fits(
            surveys::had_onsite_session(&tx, ticket_id).await?,
            answers,
            "survey.will_consider_introduction",
        )?;
    }
    let now = Utc::now();
    VersionedUpdate::<ticket::Entity>::of(ticket_id, current.row.version)
        .set(ticket::Column::Status, to.as_str())
        .apply(&tx, || ApiError::changed_meanwhile("case"))
        .await?;
    let row = outcome::ActiveModel {
        ticket_id: Set(ticket_id),
        result: Set(new.result),
        measures: Set(Json(new.measures.clone())),
        teleworkers: Set(new.teleworkers),
        satisfaction: Set(new.satisfaction),
        summary: Set(new.summary),
        manager_id: Set(current.row.manager_id),
        recorded_by: Set(actor.client_id.clone()),
        recorded_at: Set(now),
        // An outcome replaced keeps its answers (they are not in the update below).
        survey_purpose_achieved: Set(None),
        survey_satisfied: Set(None),
        survey_will_consider: Set(None),
        survey_responded_at: Set(None),
    };
    outcome::Entity::insert(row)
        .on_conflict(
            OnConflict::column(outcome::Column::TicketId)
                .update_columns([
                    outcome::Column::Result,
                    outcome::Column::Measures,
                    outcome::Column::Teleworkers,
                    outcome::Column::Satisfaction,
                    outcome::Column::Summary,
                    outcome::Column::ManagerId,
                    outcome::Column::RecordedBy,
                    outcome::Column::RecordedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&tx)
        .await?;
    if let Some((answers, responded_at)) = &new.survey {
        surveys::write_answers(&tx, ticket_id, answers, *responded_at).await?;
    }
    let mut recorded = vec![(
        types::OUTCOME_RECORDED,
        json!({
            "result": new.result,
            "measures": new.measures,
            "teleworkers": new.teleworkers,
            "satisfaction": new.satisfaction,
            "manager_id": current.row.manager_id,
            "replaced": from == TicketStatus::Resolved,
        }),
    )];
    if from != to {
        recorded.push((
            types::TICKET_STATUS_CHANGED,
            json!({"from": from, "to": to, "reason": "outcome recorded"}),
        ));
    }
    events::record_all(&tx, Some(ticket_id), actor, recorded).await?;
    if let Some(manager_id) = freed
        && workflow.auto_assign
    {
        capacity::hand_off_waiting(&tx, workflow, actor, manager_id, HandOffTrigger::Outcome)
            .await?;
    }
    let ticket = tickets::get_visible(&tx, actor, ticket_id).await?;
    tx.commit().await?;
    Ok(ticket)
}
