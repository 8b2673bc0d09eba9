//! What came of a case: recording its outcome.
use actix_web::{HttpResponse, put, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::sessions::check_notes;
use crate::{
    auth::{Action, Actor},
    domain::{
        consulting::{Measure, OutcomeResult, check_satisfaction},
        survey::SurveyAnswers,
    },
    error::{ApiError, FieldErrors, Problem},
    extract::JsonBody,
    routes::tickets::{TicketView, authorize_on_ticket, shown_ticket_response},
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
    /// The company's survey answers, when the recorder has them (a paper form, a call);
    /// omitted, any answers already recorded stay. Companies answer themselves through
    /// `POST /v1/tickets/{id}/survey-link`.
    pub survey: Option<SurveyInput>,
}

/// The ministries' success measures, as the company answered them.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose_achieved": true, "satisfied": true,
    "will_consider_introduction": null, "responded_at": "2026-12-10T01:02:03Z"}))]
pub struct SurveyInput {
    /// 相談の目的が達成できた: the purpose of the consultation was achieved.
    pub purpose_achieved: bool,
    /// 対応に満足した: satisfied with the response.
    pub satisfied: bool,
    /// テレワーク導入を積極的に検討する: asked only when the case had a held on-site session
    /// (then required, `true` or `false`); otherwise it must be `null` or omitted (422).
    pub will_consider_introduction: Option<bool>,
    /// When the company answered (default: now; not in the future).
    pub responded_at: Option<DateTime<Utc>>,
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
        let now = Utc::now();
        let survey = self.survey.map(|input| {
            let responded_at = input.responded_at.unwrap_or(now);
            if responded_at > now + chrono::Duration::minutes(5) {
                errors.add("survey.responded_at", "must not be in the future");
            }
            (
                SurveyAnswers {
                    purpose_achieved: input.purpose_achieved,
                    satisfied: input.satisfied,
                    will_consider_introduction: input.will_consider_introduction,
                },
                responded_at,
            )
        });
        errors.finish()?;
        let result = result
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("parsed result went missing")))?;
        Ok(NewOutcome {
            result,
            measures,
            teleworkers: self.teleworkers,
            satisfaction,
            summary,
            survey,
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
        (status = 422, description = "Invalid fields, among them `survey.will_consider_introduction` given for a case without a held on-site session (or missing for one with it)", body = Problem, content_type = "application/problem+json"),
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
    let (allowed, ticket_id) =
        authorize_on_ticket(&state, &client, Action::RecordOutcome, id).await?;
    let new = body.read(&allowed)?.parse()?;
    let ticket =
        services::outcomes::record(&state.db, &state.workflow, &client, ticket_id, new).await?;
    shown_ticket_response(&state, &client, "PUT /v1/tickets/{id}/outcome", ticket).await
}
