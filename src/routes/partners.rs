//! `/v1/partners`: the partner bodies that file cases.
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::{
    auth::{Action, Actor},
    domain::{partner_kind::PartnerKind, prefecture::Prefecture},
    error::{ApiError, FieldErrors, Problem},
    extract::{IdempotencyKey, JsonBody},
    pagination::{Page, PageParams},
    routes::idempotent::created_response,
    services::{
        self,
        idempotency::{self, StoredResponse},
        partners::Partner,
    },
    state::AppState,
};

/// A partner body to register.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreatePartnerRequest {
    /// Display name, unique (1–200 characters).
    #[schema(example = "東京商工会議所", min_length = 1, max_length = 200)]
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    /// Kind of body.
    #[schema(value_type = PartnerKind, example = "chamber_of_commerce")]
    pub kind: String,
    /// Home prefecture: JIS X 0401 code (`13`) or Japanese name (`東京都`).
    #[schema(example = "13")]
    pub prefecture: String,
}

/// A partner body.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerView {
    /// Id.
    pub id: Uuid,
    /// Display name.
    #[schema(example = "東京商工会議所")]
    pub name: String,
    /// Kind of body.
    pub kind: PartnerKind,
    /// Prefecture code (JIS X 0401).
    #[schema(example = "13")]
    pub prefecture: &'static str,
    /// Prefecture name.
    #[schema(example = "東京都")]
    pub prefecture_name: &'static str,
    /// Registration time.
    pub created_at: DateTime<Utc>,
}

impl From<Partner> for PartnerView {
    fn from(partner: Partner) -> Self {
        Self {
            id: partner.id,
            name: partner.name,
            kind: partner.kind,
            prefecture: partner.prefecture.code(),
            prefecture_name: partner.prefecture.name_ja(),
            created_at: partner.created_at,
        }
    }
}

impl CreatePartnerRequest {
    fn parse(self) -> Result<services::partners::NewPartner, ApiError> {
        let mut errors = FieldErrors::new();
        if let Err(invalid) = self.validate() {
            errors.extend_validator("", &invalid);
        }
        let kind = errors.check("kind", PartnerKind::parse(&self.kind));
        let prefecture = errors.check("prefecture", Prefecture::parse(&self.prefecture));
        let name = self.name.trim().to_owned();
        if name.is_empty() && self.name.chars().count() > 0 {
            errors.add("name", "must not be blank");
        }
        errors.finish()?;
        match (kind, prefecture) {
            (Some(kind), Some(prefecture)) => Ok(services::partners::NewPartner {
                name,
                kind,
                prefecture,
            }),
            _ => Err(ApiError::Internal(anyhow::anyhow!(
                "parsed fields went missing"
            ))),
        }
    }
}

/// Registers a partner body (admin). `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 h")),
    request_body = CreatePartnerRequest,
    responses(
        (status = 201, body = PartnerView, headers(("Location" = String, description = "The partner's URL"))),
        (status = 409, description = "A partner with this name exists", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/partners")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn create_partner(
    state: web::Data<AppState>,
    client: Actor,
    key: IdempotencyKey,
    body: JsonBody<CreatePartnerRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::CreatePartner)?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let new = request.parse()?;
    let answer = idempotency::create(&state.db, key.for_body(&client, &raw)?, new, |partner| {
        StoredResponse::created(
            format!("/v1/partners/{}", partner.id),
            &PartnerView::from(partner),
        )
    })
    .await?;
    created_response(answer)
}

/// Lists partner bodies, oldest first (admin, coordinator).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<PartnerView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/partners")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_partners(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadPartners)?;
    let page = params.parse(&req)?;
    let (partners, next_cursor) = services::partners::list(&state.db, &page).await?;
    Ok(Page::of(partners, next_cursor, PartnerView::from).respond(&req))
}

/// One partner body (admin, coordinator).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Partner id")),
    responses(
        (status = 200, body = PartnerView),
    )
)]
#[get("/v1/partners/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn get_partner(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadPartners)?;
    let partner = services::partners::get(&state.db, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(PartnerView::from(partner)))
}
