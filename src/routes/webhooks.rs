//! `/v1/webhooks`: signed event deliveries to subscribers' URLs (Standard Webhooks).
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::{Action, Actor},
    error::{ApiError, FieldErrors, Problem},
    extract::{IdempotencyKey, JsonBody},
    pagination::{Page, PageParams},
    routes::idempotent::created_response,
    services::{
        self,
        events::types,
        idempotency::{self, StoredResponse},
        webhooks::{Delivery, NewSubscription, Subscription},
    },
    state::AppState,
};

/// A webhook subscription to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where to post events: an `http` or `https` URL without credentials (at most 2048
    /// characters) whose host is a globally reachable unicast address, by address or by
    /// every address its name resolves to: nothing the IANA special-purpose registries mark
    /// not globally reachable (loopback, private, unique-local, link-local, site-local,
    /// shared, benchmarking, documentation, reserved, ...), no multicast or broadcast, and
    /// no IPv6 address carrying such an IPv4 one (IPv4-mapped, NAT64, 6to4, Teredo, ...).
    /// The check is repeated before every delivery.
    #[schema(example = "https://hooks.example.jp/onestop")]
    pub url: String,
    /// Event types to receive (see the API guide); omitted or empty for every type.
    #[serde(default)]
    #[schema(example = json!(["ticket.created", "ticket.status_changed"]))]
    pub events: Option<Vec<String>>,
}

/// A webhook subscription (its secret is shown only when it is created).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    /// Id.
    pub id: Uuid,
    /// The destination.
    #[schema(example = "https://hooks.example.jp/onestop")]
    pub url: String,
    /// Event types it receives; empty for every type.
    #[schema(example = json!(["ticket.created"]))]
    pub events: Vec<String>,
    /// False once disabled (the receiver answered 410 Gone); a disabled subscription gets
    /// nothing more.
    pub active: bool,
    /// Why it was disabled.
    pub disabled_reason: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

impl From<Subscription> for WebhookView {
    fn from(subscription: Subscription) -> Self {
        Self {
            id: subscription.id,
            url: subscription.url,
            events: subscription.event_types,
            active: subscription.active,
            disabled_reason: subscription.disabled_reason,
            created_at: subscription.created_at,
        }
    }
}

/// A subscription just created, with its signing secret (shown this once).
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookView {
    /// The subscription.
    #[serde(flatten)]
    pub subscription: WebhookView,
    /// The signing secret: `whsec_` and the base64 of 32 random bytes. Verify each
    /// delivery's `webhook-signature` (`v1,<base64 HMAC-SHA256>` of
    /// `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded part after
    /// `whsec_`). Shown only in this answer (and its `Idempotency-Key` replays).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

/// One attempt to deliver an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    /// 1 for the first attempt. A number is skipped when an instance stopped in the middle
    /// of that attempt.
    pub attempt: i32,
    /// When the request was sent.
    pub attempted_at: DateTime<Utc>,
    /// How long until the answer or the failure, in milliseconds.
    pub duration_ms: i64,
    /// The receiver's status code, when it answered.
    #[schema(example = 204)]
    pub status_code: Option<i32>,
    /// Why it failed without an answer: timeout, connection error, or a destination
    /// refused as not public.
    pub error: Option<String>,
}

/// The delivery of one event to a subscription, with every attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// The `webhook-id` of every attempt (`msg_` and the event id without dashes).
    #[schema(example = "msg_0193a1b2c3d47e8f9a0b1c2d3e4f5a6b")]
    pub id: String,
    /// The event.
    pub event_id: Uuid,
    /// Its type.
    #[schema(example = "ticket.created")]
    #[serde(rename = "type")]
    pub event_type: String,
    /// `pending` (waiting for an attempt), `delivered` (2xx), `failed` (every attempt of the
    /// retry schedule failed) or `abandoned` (the subscription was disabled).
    #[schema(example = "delivered")]
    pub status: String,
    /// When the next attempt is due, while pending.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the event was enqueued.
    pub created_at: DateTime<Utc>,
    /// Every attempt, first first.
    pub attempts: Vec<AttemptView>,
}

impl From<Delivery> for DeliveryView {
    fn from(delivery: Delivery) -> Self {
        Self {
            id: services::webhooks::webhook_id(delivery.event_id),
            event_id: delivery.event_id,
            event_type: delivery.event_type,
            status: delivery.status,
            next_attempt_at: delivery.next_attempt_at,
            created_at: delivery.created_at,
            attempts: delivery
                .attempts
                .into_iter()
                .map(|attempt| AttemptView {
                    attempt: attempt.attempt,
                    attempted_at: attempt.attempted_at,
                    duration_ms: attempt.duration_ms,
                    status_code: attempt.status_code,
                    error: attempt.error,
                })
                .collect(),
        }
    }
}

impl CreateWebhookRequest {
    async fn parse(self, allow_private: bool) -> Result<NewSubscription, ApiError> {
        let mut errors = FieldErrors::new();
        let mut event_types: Vec<String> = Vec::new();
        for (index, event_type) in self.events.unwrap_or_default().into_iter().enumerate() {
            if !types::ALL.contains(&event_type.as_str()) {
                errors.add(
                    format!("events[{index}]"),
                    format!(
                        "must be one of {} (got {event_type:?})",
                        types::ALL.join(", ")
                    ),
                );
            } else if !event_types.contains(&event_type) {
                event_types.push(event_type);
            }
        }
        let destination = errors.check(
            "url",
            services::webhooks::check_destination(&self.url, allow_private).await,
        );
        errors.finish()?;
        let destination = destination
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("parsed fields went missing")))?;
        Ok(NewSubscription {
            destination,
            event_types,
        })
    }
}

/// Subscribes a URL to events (partner, analyst, admin). A partner's subscription receives
/// the events of its own partner's cases only; analysts' and admins' receive every event.
/// The subscription belongs to the calling client: analysts see and delete their own, a
/// partner's clients those of their partner, admins every one.
/// Deliveries are `POST`s with the Standard Webhooks headers `webhook-id` (the same on every
/// retry), `webhook-timestamp` and `webhook-signature`, and a JSON body `{"type",
/// "timestamp", "data"}`. A 2xx answer delivers; 410 Gone disables the subscription; anything
/// else is retried (immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h) and
/// every attempt is listed under `/deliveries`. `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for 24 h")),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, body = CreatedWebhookView, headers(("Location" = String, description = "The subscription's URL"))),
        (status = 422, description = "An invalid or non-public `url`, an unknown `events[i]`, or an unknown field", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/webhooks")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn create_webhook(
    state: web::Data<AppState>,
    client: Actor,
    key: IdempotencyKey,
    body: JsonBody<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let allowed = client.authorize(Action::ManageWebhooks)?;
    let (request, raw) = body.read_with_raw(&allowed)?;
    let new = request.parse(state.settings.webhook_allow_private).await?;
    let subscribing = services::webhooks::Subscribing {
        owner: &client,
        new,
    };
    let keyed = key.for_body(&client, &raw)?;
    let answer = idempotency::create(&state.db, keyed, subscribing, |(subscription, secret)| {
        StoredResponse::created(
            format!("/v1/webhooks/{}", subscription.id),
            &CreatedWebhookView {
                subscription: WebhookView::from(subscription),
                secret,
            },
        )
    })
    .await?;
    created_response(answer)
}

/// Lists the subscriptions the caller owns, oldest first: an analyst the ones it made, a
/// partner's client those of its partner (made by any of its clients), an admin every one.
/// Secrets are never listed.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, body = Page<WebhookView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/webhooks")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageWebhooks)?;
    let page = params.parse(&req)?;
    let (subscriptions, next_cursor) = services::webhooks::list(&state.db, &client, &page).await?;
    Ok(Page::of(subscriptions, next_cursor, WebhookView::from).respond(&req))
}

/// Deletes a subscription with its delivery history; nothing more is delivered to it.
/// A subscription the caller does not own (another analyst's, another partner's; admins own
/// every one) is answered 404.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
    )
)]
#[delete("/v1/webhooks/{id}")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    client: Actor,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageWebhooks)?;
    services::webhooks::delete(&state.db, &client, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A subscription's deliveries, newest event first, each with every attempt (status code
/// or error, time, duration). A subscription the caller does not own (another analyst's,
/// another partner's; admins own every one) is answered 404.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Subscription id"), PageParams),
    responses(
        (status = 200, body = Page<DeliveryView>, headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
    )
)]
#[get("/v1/webhooks/{id}/deliveries")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    id: web::Path<Uuid>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ManageWebhooks)?;
    let page = params.parse(&req)?;
    let (deliveries, next_cursor) =
        services::webhooks::deliveries(&state.db, &client, id.into_inner(), &page).await?;
    Ok(Page::of(deliveries, next_cursor, DeliveryView::from).respond(&req))
}
