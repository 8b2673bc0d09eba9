//! The outcome survey: `POST /v1/tickets/{id}/survey-link` issues a one-time link, and
//! `/v1/surveys/{token}` is where the company answers it without an account, as JSON or as a
//! small Japanese HTML form (built into the binary, no JavaScript) when the client asks for
//! `text/html`.
use actix_web::{
    HttpRequest, HttpResponse, get,
    http::{StatusCode, header},
    post, web,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    domain::survey::SurveyAnswers,
    error::{ApiError, FieldErrors, Problem},
    extract::{content_type, is_json, parse_json},
    routes::tickets::authorize_on_ticket,
    services::{self, surveys::SurveyForm},
    state::AppState,
};

/// The page every HTML answer is set in.
const PAGE: &str = include_str!("page.html");
/// The questions.
const FORM: &str = include_str!("form.html");
/// The on-site question, in the form only when it is asked.
const ONSITE: &str = include_str!("onsite.html");
/// The thank-you page.
const THANKS: &str = include_str!("thanks.html");
/// A page for a link that cannot be answered.
const ERROR: &str = include_str!("error.html");

/// The media type of the form posts.
const FORM_URLENCODED: &str = "application/x-www-form-urlencoded";

/// A survey link just issued.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "url": "https://onestop.example.jp/v1/surveys/q3J0mQ8W5mYkR3l0b0n1Yk8xZ2t0b1FzV2p6eG5hZk0",
    "expires_at": "2027-01-09T01:02:03Z"
}))]
pub struct SurveyLinkView {
    /// The link to send the company: it reads and answers the survey without an account,
    /// once. Shown only now (only a hash of its token is kept).
    pub url: String,
    /// After this the link answers 410 Gone.
    pub expires_at: DateTime<Utc>,
}

/// One question of the survey.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyQuestion {
    /// The answer's field name.
    #[schema(example = "purpose_achieved")]
    pub field: &'static str,
    /// The question in Japanese.
    #[schema(example = "ご相談の目的は達成できましたか。")]
    pub text: &'static str,
}

/// What a survey link shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct SurveyFormView {
    /// The case's reference.
    #[schema(example = "TW-2026-000123")]
    pub reference: String,
    /// The company's name as filed.
    #[schema(example = "株式会社サンプル製作所")]
    pub company_name: String,
    /// The questions to answer, each `true` or `false`: `purpose_achieved` and `satisfied`
    /// always, `will_consider_introduction` only after an on-site session.
    pub questions: Vec<SurveyQuestion>,
    /// After this the link answers 410 Gone.
    pub expires_at: DateTime<Utc>,
}

/// The company's answers (JSON).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"purpose_achieved": true, "satisfied": true, "will_consider_introduction": null}))]
pub struct SurveyAnswerRequest {
    /// ご相談の目的は達成できましたか。
    pub purpose_achieved: bool,
    /// 相談窓口の対応に満足されましたか。
    pub satisfied: bool,
    /// テレワークの導入を積極的に検討しますか。Only when the survey asks it (after an
    /// on-site session; then required); otherwise `null` or omitted (422).
    pub will_consider_introduction: Option<bool>,
}

/// The company's answers as the HTML form posts them (`yes` or `no`).
#[derive(Debug, Deserialize, ToSchema)]
pub struct SurveyFormPost {
    /// `yes` or `no`.
    #[schema(example = "yes")]
    pub purpose_achieved: String,
    /// `yes` or `no`.
    #[schema(example = "yes")]
    pub satisfied: String,
    /// `yes` or `no`, only when asked.
    #[schema(example = "no")]
    pub will_consider_introduction: Option<String>,
}

const QUESTIONS: [SurveyQuestion; 3] = [
    SurveyQuestion {
        field: "purpose_achieved",
        text: "ご相談の目的は達成できましたか。",
    },
    SurveyQuestion {
        field: "satisfied",
        text: "相談窓口の対応に満足されましたか。",
    },
    SurveyQuestion {
        field: "will_consider_introduction",
        text: "訪問によるご相談を受けて、テレワークの導入を積極的に検討しますか。",
    },
];

/// Issues the survey link of a case with an outcome (whoever may record its outcome: the
/// assigned manager, a coordinator), replacing the case's earlier link. The URL (under
/// `ONESTOP_PUBLIC_URL`) carries 256 random bits and expires after 30 days
/// (`ONESTOP_SURVEY_LINK_DAYS`); only its hash is stored. 409 `no-outcome` before an outcome
/// is recorded, 409 `survey-answered` once the company has answered.
#[utoipa::path(
    tag = "surveys",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 201, body = SurveyLinkView, headers(("Location" = String, description = "The link"))),
        (status = 409, description = "`no-outcome`: the case has no outcome yet; `survey-answered`: the survey is answered", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/tickets/{id}/survey-link")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn issue_survey_link(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let (_, ticket_id) = authorize_on_ticket(&state, &client, Action::RecordOutcome, id).await?;
    let issued = services::surveys::issue(
        &state.db,
        &client,
        ticket_id,
        state.settings.survey.link_lifetime,
    )
    .await?;
    let base = state.settings.survey.public_url.as_deref().unwrap_or("");
    let url = format!("{base}/v1/surveys/{}", issued.token);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, url.clone()))
        .json(SurveyLinkView {
            url,
            expires_at: issued.expires_at,
        }))
}

/// Whether the client asked for the HTML page (a browser) rather than JSON.
fn wants_html(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| {
            accept
                .split(',')
                .map(|item| item.split(';').next().unwrap_or("").trim())
                .any(|media| media.eq_ignore_ascii_case("text/html"))
        })
}

/// Text made safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// A whole page: `body` in the frame, with headers that keep it from loading anything or
/// being framed.
fn html(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    let page = PAGE
        .replace("{{title}}", &escape(title))
        .replace("{{body}}", body);
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
             frame-ancestors 'none'; base-uri 'none'",
        ))
        .insert_header((header::VARY, "Accept"))
        .body(page)
}

/// The HTML page for an error of the survey flow (404, 409, 410, 422; others as 500).
fn html_error(error: &ApiError) -> HttpResponse {
    let (status, title, message) = match error {
        ApiError::NotFound(_) => (
            StatusCode::NOT_FOUND,
            "アンケートが見つかりません",
            "このアドレスのアンケートはありません。お送りしたリンクをもう一度ご確認ください。",
        ),
        ApiError::Conflict { .. } => (
            StatusCode::CONFLICT,
            "回答済みです",
            "このアンケートにはすでにご回答いただいています。ご協力ありがとうございました。",
        ),
        ApiError::Gone(_) => (
            StatusCode::GONE,
            "有効期限が切れています",
            "このアンケートの回答期限は過ぎました。",
        ),
        ApiError::Validation { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "回答が完了していません",
            "すべての質問に「はい」か「いいえ」でお答えください。前のページに戻って送信し直してください。",
        ),
        ApiError::Unavailable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "ただいま混み合っています",
            "しばらくしてからもう一度お試しください。",
        ),
        _ => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "エラーが発生しました",
            "しばらくしてからもう一度お試しください。",
        ),
    };
    if status.is_server_error() {
        tracing::error!(error = %error, "survey page failed");
    }
    let body = ERROR
        .replace("{{title}}", title)
        .replace("{{message}}", message);
    html(status, title, &body)
}

/// The Japan time of `instant`, for people (Japan keeps no daylight saving time).
fn japan_time(instant: DateTime<Utc>) -> String {
    (instant + chrono::Duration::hours(9))
        .format("%Y年%m月%d日 %H:%M")
        .to_string()
}

fn form_page(token: &str, form: &SurveyForm) -> HttpResponse {
    let body = FORM
        .replace("{{company}}", &escape(&form.company_name))
        .replace("{{reference}}", &escape(&form.reference))
        // Relative to the page itself, so the form posts back to the same URL however the
        // service is reached.
        .replace("{{action}}", &escape(token))
        .replace(
            "{{onsite}}",
            if form.asks_will_consider { ONSITE } else { "" },
        )
        .replace("{{expires}}", &japan_time(form.expires_at));
    html(StatusCode::OK, "ご相談に関するアンケート", &body)
}

/// The survey of a link: its questions as JSON, or the Japanese HTML form when the client
/// asks for `text/html` (a browser). No token needed: the link is the credential. 404 for an
/// unknown link, 409 once answered, 410 Gone after it expired (problem+json, or HTML pages
/// in the HTML flow).
#[utoipa::path(
    tag = "surveys",
    params(("token" = String, Path, description = "The token of the survey link")),
    responses(
        (status = 200, description = "The questions; with `Accept: text/html`, the HTML form",
            content(
                (SurveyFormView = "application/json"),
                (String = "text/html"),
            ),
        ),
        (status = 404, description = "No survey has this link (an HTML page in the HTML flow)",
            content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 409, description = "`survey-answered`: the survey is answered already (an HTML page in the HTML flow)",
            content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 410, description = "The link expired (an HTML page in the HTML flow)",
            content((Problem = "application/problem+json"), (String = "text/html"))),
    )
)]
#[get("/v1/surveys/{token}")]
#[tracing::instrument(skip_all)]
pub async fn read_survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let found = services::surveys::form(&state.db, &token).await;
    if wants_html(&req) {
        return Ok(match found {
            Ok(form) => form_page(&token, &form),
            Err(error) => html_error(&error),
        });
    }
    let form = found?;
    Ok(HttpResponse::Ok()
        .insert_header((header::VARY, "Accept"))
        .json(SurveyFormView {
            reference: form.reference,
            company_name: form.company_name,
            questions: QUESTIONS
                .into_iter()
                .filter(|q| form.asks_will_consider || q.field != "will_consider_introduction")
                .collect(),
            expires_at: form.expires_at,
        }))
}

/// A form's `yes`/`no`, or a field error.
fn yes_no(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<bool> {
    match value.map(str::trim) {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        Some(_) => {
            errors.add(field, "must be yes or no");
            None
        }
        None => None,
    }
}

/// The answers of an HTML form post.
fn form_answers(body: &[u8]) -> Result<SurveyAnswers, ApiError> {
    let mut errors = FieldErrors::new();
    let (mut purpose, mut satisfied, mut will) = (None, None, None);
    for (name, value) in url::form_urlencoded::parse(body) {
        match name.as_ref() {
            "purpose_achieved" => purpose = yes_no(&mut errors, "purpose_achieved", Some(&value)),
            "satisfied" => satisfied = yes_no(&mut errors, "satisfied", Some(&value)),
            "will_consider_introduction" => {
                will = yes_no(&mut errors, "will_consider_introduction", Some(&value));
            }
            other => errors.add(other.to_owned(), "is not a question of this survey"),
        }
    }
    if purpose.is_none() {
        errors.add("purpose_achieved", "is required: yes or no");
    }
    if satisfied.is_none() {
        errors.add("satisfied", "is required: yes or no");
    }
    errors.finish()?;
    match (purpose, satisfied) {
        (Some(purpose_achieved), Some(satisfied)) => Ok(SurveyAnswers {
            purpose_achieved,
            satisfied,
            will_consider_introduction: will,
        }),
        _ => Err(ApiError::Internal(anyhow::anyhow!(
            "parsed answers went missing"
        ))),
    }
}

/// Answers the survey of a link, once: JSON (`SurveyAnswerRequest`, answered 204), or the
/// HTML form's post (`application/x-www-form-urlencoded`, answered with a thank-you page).
/// No token needed. 404 unknown link, 409 answered already, 410 expired, 422 answers that do
/// not fit the questions (problem+json, or HTML pages in the HTML flow).
#[utoipa::path(
    tag = "surveys",
    params(("token" = String, Path, description = "The token of the survey link")),
    request_body(content(
        (SurveyAnswerRequest = "application/json"),
        (SurveyFormPost = "application/x-www-form-urlencoded"),
    )),
    responses(
        (status = 200, description = "The HTML form's post was answered: a thank-you page", content_type = "text/html", body = String),
        (status = 204, description = "Answered (JSON)"),
        (status = 404, description = "No survey has this link (an HTML page for a form post)",
            content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 409, description = "`survey-answered`: the survey is answered already (an HTML page for a form post)",
            content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 410, description = "The link expired (an HTML page for a form post)",
            content((Problem = "application/problem+json"), (String = "text/html"))),
        (status = 422, description = "Answers missing, not yes/no, or not fitting the questions asked (an HTML page for a form post)",
            content((Problem = "application/problem+json"), (String = "text/html"))),
    )
)]
#[post("/v1/surveys/{token}")]
#[tracing::instrument(skip_all)]
pub async fn answer_survey(
    state: web::Data<AppState>,
    req: HttpRequest,
    token: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    if content_type(&req).as_deref() == Some(FORM_URLENCODED) {
        let answered = match form_answers(&body) {
            Ok(answers) => services::surveys::answer(&state.db, &token, answers).await,
            Err(error) => Err(error),
        };
        return Ok(match answered {
            Ok(()) => html(StatusCode::OK, "ご回答ありがとうございました", THANKS),
            Err(error) => html_error(&error),
        });
    }
    if !is_json(&req) {
        return Err(ApiError::UnsupportedMediaType(
            "send the answers as application/json or application/x-www-form-urlencoded".to_owned(),
        ));
    }
    let request: SurveyAnswerRequest = parse_json(&body)?;
    services::surveys::answer(
        &state.db,
        &token,
        SurveyAnswers {
            purpose_achieved: request.purpose_achieved,
            satisfied: request.satisfied,
            will_consider_introduction: request.will_consider_introduction,
        },
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
