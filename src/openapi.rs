//! The OpenAPI 3.1 document, collected by utoipa from the routes as they are registered.
use actix_web::App;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};
use utoipa_actix_web::AppExt;

use crate::routes;

pub mod common_responses;

/// The parts of the document that are not collected from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "onestop API",
        description = "The v1 API of the telework one-stop consultation center \
(テレワーク・ワンストップ・サポート). Partners file cases, the center routes them to the ICT or \
labor-management track, telework managers consult, and reporting integrations read the results.\n\n\
Every error is RFC 9457 `application/problem+json` with `type`, `title`, `status`, `detail` and, \
for validation problems, `errors: [{field, message}]` listing every invalid field. \
Send `Accept-Language: ja` (q-values are honoured; English is the default) to get `title`, `detail` \
and every `message` in Japanese; `Content-Language` says which language a problem is in, and \
`type`, `status`, field names and the other members are the same in both. \
Lists use keyset pagination (`limit` ≤ 200, opaque `cursor`, `next_cursor` and a `Link: rel=\"next\"` header); \
a cursor works only with the list and filters that gave it.\n\n\
One name per concept: an event's kind is `type` in a case's events, the feed, webhook bodies and \
deliveries alike, and a 409 for a status move that is not allowed lists the moves that are in `allowed`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    modifiers(&BearerAuth),
    components(schemas(crate::error::Problem, crate::error::FieldError, crate::error::OAuthProblem)),
    tags(
        (name = "auth", description = "Client credentials for access tokens"),
        (name = "administration", description = "Partners and API clients"),
        (name = "cases", description = "Cases (tickets) and their topics"),
        (name = "companies", description = "The shared company records behind the cases, kept by the center"),
        (name = "routing", description = "The two-track router: rules as data, dry runs, and model versions trained from coordinators' overrides"),
        (name = "managers", description = "The roster of telework managers"),
        (name = "assignment", description = "Candidates, assignment, release and the waiting queue"),
        (name = "sessions", description = "Consulting sessions and outcomes"),
        (name = "surveys", description = "The ministries' success measures: one-time survey links a company answers without an account (JSON, or a Japanese HTML form)"),
        (name = "reports", description = "The global event feed for reporting integrations"),
        (name = "webhooks", description = "Signed event deliveries to subscribers' URLs (Standard Webhooks), retried with backoff from a transactional outbox"),
        (name = "personal data", description = "Personal data under APPI (admins): the access log of contact details shown, partners' confirmation records, exposure after a leak, a person's disclosure and erasure"),
        (name = "operations", description = "Health, readiness and metrics"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::from(Http::new(HttpAuthScheme::Bearer))
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from POST /v1/auth/token (client credentials).",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "client_secret_basic",
            SecurityScheme::Http(
                utoipa::openapi::security::HttpBuilder::from(Http::new(HttpAuthScheme::Basic))
                    .description(Some(
                        "Client authentication at POST /v1/auth/token (RFC 6749 §2.3.1): the \
                         client id and secret, each form-urlencoded, joined by ':'.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The whole document: [`ApiDoc`] plus every path registered by [`routes::configure`],
/// completed with the problem answers every operation shares ([`common_responses`]).
pub fn document() -> utoipa::openapi::OpenApi {
    let (_app, mut document) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    // After the paths are collected: `modifiers(...)` of ApiDoc run before any path exists.
    common_responses::apply(&mut document);
    document
}

/// The document as committed in `openapi/openapi.json` (pretty, with a final newline).
pub fn document_json() -> anyhow::Result<String> {
    to_committed_json(&document())
}

/// `document` in the committed layout: pretty JSON with a final newline.
pub fn to_committed_json(document: &utoipa::openapi::OpenApi) -> anyhow::Result<String> {
    let mut json = document.to_pretty_json()?;
    json.push('\n');
    Ok(json)
}

/// The documented paths with their methods, to tell 404 from 405 for unmatched requests.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    routes: Vec<(Vec<String>, Vec<String>)>,
}

impl RouteTable {
    /// Builds the table from the document, plus the undocumented GET routes `extra`.
    pub fn new(document: &utoipa::openapi::OpenApi, extra: &[&str]) -> Self {
        let mut routes: Vec<(Vec<String>, Vec<String>)> = document
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                let operations = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ];
                for (method, present) in operations {
                    if present {
                        methods.push(method.to_owned());
                    }
                }
                (segments(path), methods)
            })
            .collect();
        routes.extend(
            extra
                .iter()
                .map(|path| (segments(path), vec!["GET".to_owned()])),
        );
        Self { routes }
    }

    /// The methods `path` answers to, or `None` when no route has this shape.
    pub fn allowed_methods(&self, path: &str) -> Option<Vec<String>> {
        let wanted = segments(path);
        let mut allowed: Vec<String> = self
            .routes
            .iter()
            .filter(|(pattern, _)| matches(pattern, &wanted))
            .flat_map(|(_, methods)| methods.iter().cloned())
            .collect();
        allowed.sort();
        allowed.dedup();
        (!allowed.is_empty()).then_some(allowed)
    }
}

fn segments(path: &str) -> Vec<String> {
    path.trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

fn matches(pattern: &[String], path: &[String]) -> bool {
    pattern.len() == path.len()
        && pattern.iter().zip(path).all(|(expected, actual)| {
            (expected.starts_with('{') && !actual.is_empty()) || expected == actual
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_route_table_knows_documented_paths_and_their_methods() {
        let table = RouteTable::new(&document(), &["/openapi.json"]);
        let cases: [(&str, Option<&[&str]>); 5] = [
            ("/v1/partners", Some(&["GET", "POST"])),
            ("/v1/partners/123", Some(&["GET"])),
            ("/v1/clients/abc", Some(&["DELETE", "PATCH"])),
            ("/openapi.json", Some(&["GET"])),
            ("/v1/nothing", None),
        ];
        for (path, expected) in cases {
            let expected = expected.map(|m| m.iter().map(|s| (*s).to_owned()).collect());
            assert_eq!(table.allowed_methods(path), expected, "{path}");
        }
    }

    #[test]
    fn the_document_is_openapi_3_1() {
        let json = document_json().unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(value["openapi"].as_str().unwrap().starts_with("3.1"));
    }
}
