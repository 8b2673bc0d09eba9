//! `GET /v1/topics`: the topic codes cases are filed with.
use actix_web::{HttpResponse, get};

use crate::{auth::Actor, domain::topic::TopicInfo};

/// Every topic code with its Japanese and English label (any authenticated client).
#[utoipa::path(
    tag = "cases",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<TopicInfo>),
    )
)]
#[get("/v1/topics")]
pub async fn list_topics(_client: Actor) -> HttpResponse {
    HttpResponse::Ok().json(TopicInfo::all())
}
