//! Keyset pagination: `?limit=&cursor=` in, `{"items","next_cursor"}` and a `Link: rel="next"`
//! header out. Cursors are opaque to clients; they carry the last id of the page, so a page
//! deep in the list costs what the first page costs.
use actix_web::{HttpRequest, HttpResponse, http::header};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

/// The page size when none is asked for.
pub const DEFAULT_LIMIT: u64 = 50;
/// The largest page size.
pub const MAX_LIMIT: u64 = 200;

/// The paging query parameters every list accepts.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PageParams {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A checked page request.
#[derive(Debug, Clone)]
pub struct PageRequest {
    /// Items per page.
    pub limit: u64,
    /// The id after which this page starts.
    pub after: Option<Uuid>,
}

impl PageParams {
    /// Checks the limit and decodes the cursor.
    pub fn parse(&self) -> Result<PageRequest, ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = self.cursor.as_deref().map(Cursor::decode).transpose()?;
        Ok(PageRequest { limit, after })
    }
}

impl PageRequest {
    /// How many rows to fetch: one more than the page, to learn whether a next page exists.
    pub fn fetch_limit(&self) -> u64 {
        self.limit + 1
    }

    /// Cuts the extra row off and returns the key the next page starts after, if any.
    pub fn split<T, K>(&self, mut rows: Vec<T>, key: impl Fn(&T) -> K) -> (Vec<T>, Option<K>) {
        let limit = usize::try_from(self.limit).unwrap_or(usize::MAX);
        if rows.len() > limit {
            rows.truncate(limit);
            let next = rows.last().map(key);
            (rows, next)
        } else {
            (rows, None)
        }
    }
}

/// Opaque cursor encoding.
pub struct Cursor;

impl Cursor {
    /// The cursor for a page that starts after `id`.
    pub fn encode(id: Uuid) -> String {
        URL_SAFE_NO_PAD.encode(format!("v1:{id}"))
    }

    /// The id a cursor starts after.
    pub fn decode(cursor: &str) -> Result<Uuid, ApiError> {
        let invalid =
            || ApiError::invalid_field("cursor", "is not a cursor this API returned; start over");
        let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let id = text.strip_prefix("v1:").ok_or_else(invalid)?;
        Uuid::parse_str(id).map_err(|_| invalid())
    }
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

impl<T: Serialize> Page<T> {
    /// Answers 200 with the page and, when there is a next page, its `Link` header.
    pub fn respond(self, req: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        if let Some(cursor) = &self.next_cursor {
            response.insert_header((header::LINK, next_link(req, cursor)));
        }
        response.json(self)
    }
}

fn next_link(req: &HttpRequest, cursor: &str) -> String {
    let mut pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(key, _)| key != "cursor")
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
    pairs.push(("cursor".to_owned(), cursor.to_owned()));
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("<{}?{query}>; rel=\"next\"", req.path())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let id = Uuid::now_v7();
        assert_eq!(Cursor::decode(&Cursor::encode(id)).unwrap(), id);
        for bad in ["", "!!!", "djE6bm90LWEtdXVpZA", "eHl6"] {
            assert!(Cursor::decode(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn limits_outside_1_to_200_are_refused() {
        for (limit, ok) in [
            (Some(0), false),
            (Some(1), true),
            (Some(200), true),
            (Some(201), false),
            (None, true),
        ] {
            let params = PageParams {
                limit,
                cursor: None,
            };
            assert_eq!(params.parse().is_ok(), ok, "limit {limit:?}");
        }
    }

    #[test]
    fn split_keeps_the_page_and_names_the_next_key() {
        let request = PageRequest {
            limit: 2,
            after: None,
        };
        assert_eq!(request.split(vec![1, 2, 3], |n| *n), (vec![1, 2], Some(2)));
        assert_eq!(request.split(vec![1, 2], |n| *n), (vec![1, 2], None));
    }
}
