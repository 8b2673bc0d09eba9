//! `/v1/clients`: API clients and their keys (admin).
use actix_web::{HttpRequest, HttpResponse, delete, get, http::header, patch, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::{
    auth::{Action, Actor, Role},
    error::{ApiError, FieldErrors, Problem},
    extract::JsonBody,
    pagination::{Page, PageParams},
    routes::fields::present,
    services::{self, clients::Client},
    state::AppState,
};

/// A client to create.
#[derive(Debug, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateClientRequest {
    /// Display name (1–200 characters).
    #[schema(example = "東京商工会議所 相談システム")]
    #[validate(length(min = 1, max = 200, message = "must be 1 to 200 characters"))]
    pub name: String,
    /// Role of the client.
    #[schema(value_type = Role, example = "partner")]
    pub role: String,
    /// The partner a `partner` client acts for (required for partner clients only).
    pub partner_id: Option<Uuid>,
    /// The manager a `manager` client acts as (required for manager clients only).
    pub manager_id: Option<Uuid>,
}

/// A change of a client's role or bindings; fields left out are kept, except that a
/// binding left out is cleared when the role changes. The same binding rules as on create
/// apply to the result. Tokens issued before the change stop working (at once on the
/// instance that made it, within 30 s on the others); the client gets a new token.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClientRequest {
    /// The new role.
    #[schema(value_type = Option<Role>, example = "coordinator")]
    pub role: Option<String>,
    /// The partner a `partner` client acts for; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub partner_id: Option<Option<Uuid>>,
    /// The manager a `manager` client acts as; `null` clears it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub manager_id: Option<Option<Uuid>>,
}

impl UpdateClientRequest {
    fn parse(self) -> Result<services::clients::ClientChange, ApiError> {
        let role = self
            .role
            .map(|role| {
                Role::parse(&role).map_err(|message| ApiError::invalid_field("role", message))
            })
            .transpose()?;
        Ok(services::clients::ClientChange {
            role,
            partner_id: self.partner_id,
            manager_id: self.manager_id,
        })
    }
}

/// An API client (never with its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientView {
    /// Internal id (use it to revoke).
    pub id: Uuid,
    /// Public client id for the token request.
    #[schema(example = "oc_4mQ2xv9TQbq1sZK8aLk0")]
    pub client_id: String,
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Bound partner.
    pub partner_id: Option<Uuid>,
    /// Bound manager.
    pub manager_id: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Revocation time; tokens stop working within 60 s of it.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A client just created, with its secret shown this one time.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClientView {
    /// The client.
    #[serde(flatten)]
    pub client: ClientView,
    /// The secret; it is stored hashed and never shown again.
    #[schema(example = "ocs_Vb8...")]
    pub client_secret: String,
}

impl From<Client> for ClientView {
    fn from(client: Client) -> Self {
        Self {
            id: client.id,
            client_id: client.client_id,
            name: client.name,
            role: client.role,
            partner_id: client.partner_id,
            manager_id: client.manager_id,
            created_at: client.created_at,
            revoked_at: client.revoked_at,
        }
    }
}

impl CreateClientRequest {
    fn parse(self) -> Result<services::clients::NewClient, ApiError> {
        let mut errors = FieldErrors::new();
        if let Err(invalid) = self.validate() {
            errors.extend_validator("", &invalid);
        }
        let role = errors.check("role", Role::parse(&self.role));
        errors.finish()?;
        let role = role.ok_or_else(|| ApiError::invalid_field("role", "is required"))?;
        Ok(services::clients::NewClient {
            name: self.name,
            role,
            partner_id: self.partner_id,
            manager_id: self.manager_id,
        })
    }
}

/// Creates an API client and shows its secret once (admin).
///
/// This create does not take `Idempotency-Key`: replaying the answer would mean storing
/// the secret, which is only ever kept as a hash. A lost answer is fixed by revoking the
/// client and creating another.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    request_body = CreateClientRequest,
    responses(
        (status = 201, body = CreatedClientView, headers(("Location" = String, description = "The client's URL"))),
    )
)]
#[post("/v1/clients")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn create_client(
    state: web::Data<AppState>,
    client: Actor,
    body: JsonBody<CreateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ManageClients)?;
    let new = body.read(&allowed)?.parse()?;
    let created = services::clients::create(&state.db, new).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            header::LOCATION,
            format!("/v1/clients/{}", created.client.id),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(CreatedClientView {
            client: created.client.into(),
            client_secret: created.client_secret,
        }))
}

/// Lists API clients, oldest first (admin).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<ClientView>),
    )
)]
#[get("/v1/clients")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_clients(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageClients)?;
    let page = params.parse(&req)?;
    let (clients, next_cursor) = services::clients::list(&state.db, &page).await?;
    Ok(Page::of(clients, next_cursor, ClientView::from).respond(&req))
}

/// Revokes an API client; its tokens stop working within 60 seconds (admin).
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id (the internal `id`)")),
    responses(
        (status = 200, description = "The revoked client", body = ClientView),
    )
)]
#[delete("/v1/clients/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn revoke_client(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageClients)?;
    let revoked = services::clients::revoke(&state.db, id.into_inner()).await?;
    state.revocations.forget(&revoked.client_id);
    Ok(HttpResponse::Ok().json(ClientView::from(revoked)))
}

/// Changes an API client's role or bindings (admin). Its tokens issued before stop working
/// (401, asking for a new token): at once on this instance, within 30 s on the others.
#[utoipa::path(
    tag = "administration",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Client id (the internal `id`)")),
    request_body = UpdateClientRequest,
    responses(
        (status = 200, description = "The client as it now is", body = ClientView),
        (status = 409, description = "The client is revoked", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/clients/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn update_client(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
    body: JsonBody<UpdateClientRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ManageClients)?;
    let change = body.read(&allowed)?.parse()?;
    let updated = services::clients::update(&state.db, id.into_inner(), change).await?;
    state.revocations.forget(&updated.client_id);
    Ok(HttpResponse::Ok().json(ClientView::from(updated)))
}
