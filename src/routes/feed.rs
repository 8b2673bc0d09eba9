//! `/v1/events`: the global event feed for reporting integrations.
use actix_web::{HttpRequest, HttpResponse, get, http::header, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::{Action, Actor, Role},
    entities::event,
    error::ApiError,
    services,
    state::AppState,
};

/// Page size when none is asked for.
pub const DEFAULT_FEED_LIMIT: u64 = 100;
/// Largest page as JSON.
pub const MAX_FEED_LIMIT: u64 = 1000;
/// Largest page as NDJSON (streamed line by line, so it can be larger).
pub const MAX_NDJSON_LIMIT: u64 = 10_000;
/// The media type of the streamed feed.
pub const NDJSON: &str = "application/x-ndjson";

/// Where to read from.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// The `seq` of the last event read (`next_after` of the previous page); 0 or omitted
    /// reads from the start.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Events per page: 1–1000 as JSON (default 100). NDJSON pages may also be larger, up to
    /// 10000; the schema gives the bound that holds for both.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

/// One event of the feed. Event data never carries contact details, so every reader role
/// gets the same view.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedEvent {
    /// Feed position: strictly increasing, nothing skipped, nothing repeated.
    pub seq: i64,
    /// Event id (stable across retries of webhooks too).
    pub id: Uuid,
    /// The case it is about.
    pub ticket_id: Option<Uuid>,
    /// Event type, e.g. `ticket.assigned`.
    #[schema(example = "ticket.created")]
    #[serde(rename = "type")]
    pub event_type: String,
    /// Client id of whoever caused it.
    pub actor: String,
    /// Their role.
    pub actor_role: Role,
    /// Details.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// When it happened.
    pub created_at: DateTime<Utc>,
}

/// A page of the feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeedPage {
    /// Events in feed order.
    pub items: Vec<FeedEvent>,
    /// Pass as `after` to read on (equal to `after` when nothing new has arrived yet).
    pub next_after: i64,
}

fn feed_event(row: event::Model) -> Option<FeedEvent> {
    Some(FeedEvent {
        seq: row.feed_seq?,
        id: row.id,
        ticket_id: row.ticket_id,
        event_type: row.event_type,
        actor: row.actor,
        actor_role: row.actor_role,
        data: row.data.0,
        created_at: row.created_at,
    })
}

fn wants_ndjson(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains(NDJSON))
}

/// The global event feed (analyst, coordinator, admin): every event of every case once, in
/// one strictly increasing `seq`, including events whose transactions committed out of
/// order. Page with `after=<next_after>`; an empty page means nothing new yet, so poll
/// again with the same `after`. `Accept: application/x-ndjson` streams one event per line,
/// with the next `after` in `X-Next-After`.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(FeedQuery),
    responses(
        (status = 200,
            description = "A page of the feed: JSON by default; with `Accept: application/x-ndjson`, \
                one `FeedEvent` per line and the next `after` in `X-Next-After`",
            content(
                (FeedPage = "application/json"),
                (FeedEvent = "application/x-ndjson"),
            ),
            headers(("X-Next-After" = i64, description = "With NDJSON: the `after` of the next page")),
        ),
    )
)]
#[get("/v1/events")]
#[tracing::instrument(skip_all, fields(client = %client.client_id))]
pub async fn read_feed(
    state: web::Data<AppState>,
    client: Actor,
    req: HttpRequest,
    query: web::Query<FeedQuery>,
) -> Result<HttpResponse, ApiError> {
    client.authorize(Action::ReadFeed)?;
    let ndjson = wants_ndjson(&req);
    let after = query.after.unwrap_or(0);
    if after < 0 {
        return Err(ApiError::invalid_field("after", "must be 0 or more"));
    }
    let max = if ndjson {
        MAX_NDJSON_LIMIT
    } else {
        MAX_FEED_LIMIT
    };
    let limit = query.limit.unwrap_or(DEFAULT_FEED_LIMIT);
    if !(1..=max).contains(&limit) {
        return Err(ApiError::invalid_field(
            "limit",
            format!("must be between 1 and {max}"),
        ));
    }
    let reader = state.lag_tolerant_db(Some(&client)).await?;
    let items: Vec<FeedEvent> = services::feed::page(&state.db, reader, after, limit)
        .await?
        .into_iter()
        .filter_map(feed_event)
        .collect();
    let next_after = items.last().map_or(after, |e| e.seq);
    if ndjson {
        let mut body = Vec::with_capacity(items.len() * 256);
        for item in &items {
            serde_json::to_writer(&mut body, item).map_err(anyhow::Error::from)?;
            body.push(b'\n');
        }
        return Ok(HttpResponse::Ok()
            .content_type(NDJSON)
            .insert_header(("X-Next-After", next_after.to_string()))
            .body(body));
    }
    Ok(HttpResponse::Ok().json(FeedPage { items, next_after }))
}
