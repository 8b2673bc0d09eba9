//! The outcome survey a company answers without an account: one-time links (a random token,
//! stored only as its hash, expiring), the questions, and the answers written on the outcome.
//! No event is written for a link or an answer: the feed and webhooks reach analysts and
//! partners, and a company's answers are seen only by those who see the outcome.
use base64::{Engine as _, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::{
    auth::Actor,
    db::begin_write,
    domain::{
        consulting::{SessionMode, SessionStatus},
        survey::{SurveyAnswers, SurveyError, check_answers, token_hash},
    },
    entities::{consulting_session, outcome, survey_link, ticket},
    error::ApiError,
    services::tickets,
};

/// A link just issued: the token is shown this once.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    /// The token (256 random bits, base64url).
    pub token: String,
    /// When it stops answering.
    pub expires_at: DateTime<Utc>,
}

/// What a link shows: the case it is about and the questions asked.
#[derive(Debug, Clone)]
pub struct SurveyForm {
    /// The case's reference.
    pub reference: String,
    /// The company's name as filed.
    pub company_name: String,
    /// Whether the on-site question is asked.
    pub asks_will_consider: bool,
    /// When the link stops answering.
    pub expires_at: DateTime<Utc>,
}

/// Whether the case had an on-site session that was held (the on-site question is asked
/// only then).
pub async fn had_onsite_session(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
) -> Result<bool, ApiError> {
    use consulting_session::Column as S;
    let held = consulting_session::Entity::find()
        .filter(S::TicketId.eq(ticket_id))
        .filter(S::Mode.eq(SessionMode::Onsite.as_str()))
        .filter(S::Status.eq(SessionStatus::Held.as_str()))
        .count(db)
        .await?;
    Ok(held > 0)
}

/// The survey's answers as they fit the case, or 422 on `field`.
pub fn fits(had_onsite: bool, answers: &SurveyAnswers, field: &str) -> Result<(), ApiError> {
    check_answers(had_onsite, answers)
        .map_err(|error: SurveyError| ApiError::invalid_field(field.to_owned(), error.to_string()))
}

/// Issues the survey link of a case with an outcome (whoever may record the outcome),
/// replacing any earlier link of the case. 409 `no-outcome` before an outcome, 409
/// `survey-answered` once the survey is answered.
pub async fn issue(
    db: &DatabaseConnection,
    actor: &Actor,
    ticket_id: Uuid,
    lifetime: chrono::Duration,
) -> Result<IssuedLink, ApiError> {
    let tx = begin_write(db).await?;
    let ticket = tickets::get_visible(&tx, actor, ticket_id).await?;
    let Some(outcome) = ticket.outcome else {
        return Err(ApiError::conflict(
            "no-outcome",
            "a survey link is issued for a case with a recorded outcome; record it first",
        ));
    };
    if outcome.survey_responded_at.is_some() {
        return Err(ApiError::conflict(
            "survey-answered",
            "the company has answered the survey of this case already",
        ));
    }
    let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let now = Utc::now().trunc_subsecs(6);
    let expires_at = now + lifetime;
    use survey_link::Column as L;
    survey_link::Entity::insert(survey_link::ActiveModel {
        ticket_id: Set(ticket_id),
        token_hash: Set(token_hash(&token)),
        expires_at: Set(expires_at),
        answered_at: Set(None),
        created_by: Set(actor.client_id.clone()),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(L::TicketId)
            .update_columns([
                L::TokenHash,
                L::ExpiresAt,
                L::AnsweredAt,
                L::CreatedBy,
                L::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&tx)
    .await?;
    tx.commit().await?;
    Ok(IssuedLink { token, expires_at })
}

/// The link of `token` when it can still be answered: 404 unknown, 410 expired, 409 answered.
async fn open_link(db: &impl ConnectionTrait, token: &str) -> Result<survey_link::Model, ApiError> {
    let link = survey_link::Entity::find()
        .filter(survey_link::Column::TokenHash.eq(token_hash(token)))
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no survey has this link".to_owned()))?;
    if link.answered_at.is_some() {
        return Err(ApiError::conflict(
            "survey-answered",
            "this survey has been answered already; thank you",
        ));
    }
    if link.expires_at <= Utc::now() {
        return Err(ApiError::Gone(format!(
            "this survey link expired on {}",
            link.expires_at.format("%Y-%m-%d")
        )));
    }
    Ok(link)
}

/// The questions of the link `token`.
pub async fn form(db: &DatabaseConnection, token: &str) -> Result<SurveyForm, ApiError> {
    let link = open_link(db, token).await?;
    let ticket = ticket::Entity::find_by_id(link.ticket_id)
        .one(db)
        .await?
        .ok_or_else(|| ApiError::NotFound("no survey has this link".to_owned()))?;
    Ok(SurveyForm {
        reference: ticket.reference,
        company_name: ticket.company_name,
        asks_will_consider: had_onsite_session(db, link.ticket_id).await?,
        expires_at: link.expires_at,
    })
}

/// Answers the survey of the link `token`, once: the link is spent and the answers are
/// written on the outcome in one transaction; of two answers at once, one wins and the other
/// is 409 (the link is spent by a conditional update).
pub async fn answer(
    db: &DatabaseConnection,
    token: &str,
    answers: SurveyAnswers,
) -> Result<(), ApiError> {
    let tx = begin_write(db).await?;
    let link = open_link(&tx, token).await?;
    fits(
        had_onsite_session(&tx, link.ticket_id).await?,
        &answers,
        "will_consider_introduction",
    )?;
    let now = Utc::now().trunc_subsecs(6);
    use survey_link::Column as L;
    let spent = survey_link::Entity::update_many()
        .col_expr(L::AnsweredAt, sea_orm::sea_query::Expr::value(now))
        .filter(L::TicketId.eq(link.ticket_id))
        .filter(L::TokenHash.eq(link.token_hash.clone()))
        .filter(L::AnsweredAt.is_null())
        .exec(&tx)
        .await?;
    if spent.rows_affected != 1 {
        return Err(ApiError::conflict(
            "survey-answered",
            "this survey has been answered already; thank you",
        ));
    }
    write_answers(&tx, link.ticket_id, &answers, now).await?;
    tx.commit().await?;
    Ok(())
}

/// Writes `answers` on the outcome of a case.
pub async fn write_answers(
    db: &impl ConnectionTrait,
    ticket_id: Uuid,
    answers: &SurveyAnswers,
    responded_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    use outcome::Column as O;
    use sea_orm::sea_query::Expr;
    let written = outcome::Entity::update_many()
        .col_expr(
            O::SurveyPurposeAchieved,
            Expr::value(answers.purpose_achieved),
        )
        .col_expr(O::SurveySatisfied, Expr::value(answers.satisfied))
        .col_expr(
            O::SurveyWillConsider,
            Expr::value(answers.will_consider_introduction),
        )
        .col_expr(O::SurveyRespondedAt, Expr::value(responded_at))
        .filter(O::TicketId.eq(ticket_id))
        .exec(db)
        .await?;
    if written.rows_affected != 1 {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "case {ticket_id} has a survey link but no outcome"
        )));
    }
    Ok(())
}
