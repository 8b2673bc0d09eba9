//! What came of a case: recording its outcome.
use actix_web::{HttpResponse, put, web};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::sessions::check_notes;
use crate::{
    auth::{Action, Actor},
    domain::consulting::{Measure, OutcomeResult, check_satisfaction},
    error::{ApiError, FieldErrors, Problem},
    extract::JsonBody,
    routes::tickets::{TicketView, ticket_response},
    services::{self, outcomes::NewOutcome},
    state::AppState,
};

/// What came of a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRequest {
    /// `introduced`, `planned`, `not_introduced`, `referred` or `withdrawn`.
    #[schema(value_type = OutcomeResult)]
    pub result: String,
    /// Measures taken, from the documented list (no repeats).
    #[serde(default)]
    #[schema(value_type = Vec<Measure>, example = json!(["work_rules_revised", "remote_access_deployed"]))]
    pub measures: Vec<String>,
    /// Employees teleworking afterwards (0 or more).
    #[schema(example = 12)]
    pub teleworkers: Option<i64>,
    /// The company's satisfaction, 1 (dissatisfied) to 5 (very satisfied).
    #[schema(example = 5)]
    pub satisfaction: Option<i64>,
    /// Summary (up to 5,000 characters).
    pub summary: Option<String>,
}

impl OutcomeRequest {
    fn parse(self) -> Result<NewOutcome, ApiError> {
        let mut errors = FieldErrors::new();
        let result = errors.check("result", OutcomeResult::parse(&self.result));
        let mut measures = Vec::new();
        for (index, code) in self.measures.iter().enumerate() {
            match Measure::parse(code) {
                Ok(measure) if measures.contains(&measure) => errors.add(
                    format!("measures[{index}]"),
                    format!("{code} is given twice"),
                ),
                Ok(measure) => measures.push(measure),
                Err(message) => errors.add(format!("measures[{index}]"), message),
            }
        }
        if self
            .teleworkers
            .is_some_and(|n| !(0..=10_000_000).contains(&n))
        {
            errors.add("teleworkers", "must be 0 or more");
        }
        let satisfaction = self
            .satisfaction
            .and_then(|score| errors.check("satisfaction", check_satisfaction(score)));
        let summary = check_notes(&mut errors, "summary", self.summary);
        errors.finish()?;
        let result = result
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("parsed result went missing")))?;
        Ok(NewOutcome {
            result,
            measures,
            teleworkers: self.teleworkers,
            satisfaction,
            summary,
        })
    }
}

/// Records what came of a case (the assigned manager, coordinator); the case becomes
/// `resolved` and the manager's place is freed (and handed to the oldest waiting case they
/// can take). Allowed on `assigned` (referrals and withdrawals often come before any
/// session), `in_consultation`, and `resolved` (replaces the outcome).
#[utoipa::path(
    tag = "sessions",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    request_body = OutcomeRequest,
    responses(
        (status = 200, body = TicketView, headers(("ETag" = String))),
        (status = 409, description = "`illegal-transition`: no outcome can be recorded in the case's status", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/tickets/{id}/outcome")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn record_outcome(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<OutcomeRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::RecordOutcome)?;
    let ticket_id = id.into_inner();
    services::tickets::ensure_visible(&state.db, &client, ticket_id).await?;
    let new = body.read(&allowed)?.parse()?;
    let ticket =
        services::outcomes::record(&state.db, &state.workflow, &client, ticket_id, new).await?;
    ticket_response(ticket)
}
