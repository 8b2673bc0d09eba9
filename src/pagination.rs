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
    /// Checks the limit and decodes the cursor, as [`PageRequest::from_query`] says.
    pub fn parse(&self, req: &HttpRequest) -> Result<PageRequest, ApiError> {
        PageRequest::from_query(self.limit, self.cursor.as_deref(), req)
    }
}

impl PageRequest {
    /// Checks the limit and decodes the cursor, which must have been made by the same list
    /// with the same filters as `req` asks for (422 otherwise: a cursor of another list or
    /// other filters would silently skip or repeat items). For a list whose query struct
    /// carries `limit` and `cursor` beside its filters; the others take [`PageParams`].
    pub fn from_query(
        limit: Option<u64>,
        cursor: Option<&str>,
        req: &HttpRequest,
    ) -> Result<Self, ApiError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid_field(
                "limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            ));
        }
        let after = cursor
            .map(|cursor| Cursor::decode(&unbind(cursor, &binding(req))?))
            .transpose()?;
        Ok(Self { limit, after })
    }
}

/// What a cursor is bound to: the list's path and its filters (every query parameter but
/// `cursor` and `limit`, sorted, so their order does not matter), hashed.
fn binding(req: &HttpRequest) -> String {
    use sha2::{Digest, Sha256};
    let mut filters: Vec<(String, String)> =
        url::form_urlencoded::parse(req.query_string().as_bytes())
            .filter(|(key, _)| key != "cursor" && key != "limit")
            .map(|(key, value)| (key.into_owned(), value.into_owned()))
            .collect();
    filters.sort();
    let mut hasher = Sha256::new();
    hasher.update(req.path().as_bytes());
    for (key, value) in filters {
        hasher.update([0]);
        hasher.update(key.as_bytes());
        hasher.update([1]);
        hasher.update(value.as_bytes());
    }
    hasher.finalize()[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The cursor a client is given: the list's own cursor with the request's binding.
fn bind(cursor: &str, binding: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("b1:{binding}:{cursor}"))
}

/// The list's own cursor inside a client's cursor, if it was made for `binding`.
fn unbind(cursor: &str, binding: &str) -> Result<String, ApiError> {
    let invalid =
        || ApiError::invalid_field("cursor", "is not a cursor this API returned; start over");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let rest = text.strip_prefix("b1:").ok_or_else(invalid)?;
    let (bound_to, inner) = rest.split_once(':').ok_or_else(invalid)?;
    if bound_to != binding {
        return Err(ApiError::invalid_field(
            "cursor",
            "belongs to another list or other filters; send the filters that gave it, or start \
             over without a cursor",
        ));
    }
    Ok(inner.to_owned())
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

impl<T> Page<T> {
    /// The page of a list's `rows`, each shown through `view`.
    pub fn of<R>(rows: Vec<R>, next_cursor: Option<String>, view: impl FnMut(R) -> T) -> Self {
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }

    /// The page of a list's `rows`, for a `view` that fails on a row it cannot read back.
    pub fn try_of<R>(
        rows: Vec<R>,
        next_cursor: Option<String>,
        view: impl FnMut(R) -> Result<T, ApiError>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            items: rows.into_iter().map(view).collect::<Result<_, _>>()?,
            next_cursor,
        })
    }
}

impl<T: Serialize> Page<T> {
    /// Answers 200 with the page and, when there is a next page, its `Link` header.
    pub fn respond(mut self, req: &HttpRequest) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        self.next_cursor = self.next_cursor.map(|cursor| bind(&cursor, &binding(req)));
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
    fn a_cursor_works_only_on_the_list_and_filters_that_made_it() {
        let made_by = actix_web::test::TestRequest::get()
            .uri("/v1/tickets?status=received&track=ict&limit=5")
            .to_http_request();
        let cursor = bind(&Cursor::encode(Uuid::now_v7()), &binding(&made_by));
        #[rustfmt::skip]
        let cases = [
            ("/v1/tickets?track=ict&status=received", true, "same filters in another order"),
            ("/v1/tickets?status=received&track=ict&limit=50", true, "another page size"),
            ("/v1/tickets?status=received", false, "a filter dropped"),
            ("/v1/tickets?status=triaged&track=ict", false, "a filter changed"),
            ("/v1/partners?status=received&track=ict", false, "another list"),
        ];
        for (uri, accepted, why) in cases {
            let req = actix_web::test::TestRequest::get()
                .uri(uri)
                .to_http_request();
            let params = PageParams {
                limit: None,
                cursor: Some(cursor.clone()),
            };
            assert_eq!(params.parse(&req).is_ok(), accepted, "{why}: {uri}");
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
            let req = actix_web::test::TestRequest::get()
                .uri("/v1/x")
                .to_http_request();
            assert_eq!(params.parse(&req).is_ok(), ok, "limit {limit:?}");
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
