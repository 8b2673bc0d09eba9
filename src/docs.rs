//! The interactive API reference at `/docs`: Swagger UI showing the document served at
//! `/openapi.json`. Every file the page loads is compiled into the binary (Swagger UI's from
//! the `utoipa-swagger-ui` crate's vendored copy, the starter script from `docs/start.js`)
//! and served from under `/docs/`, so the page renders offline, behind a proxy that blocks
//! CDNs, and under its own `default-src 'self'` Content-Security-Policy.
//!
//! The files are served at `/docs/{fingerprint}/{file}`, the fingerprint being a digest of
//! all of them: they can then be cached for a year, since a release that changes any file
//! links them under another path, and the page itself is revalidated on every visit.
use std::sync::LazyLock;

use actix_web::{
    HttpResponse,
    http::header::{self, CacheDirective},
    web,
};
use base64::{Engine as _, engine::general_purpose::STANDARD as BASE64};
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// The policy sent with every `/docs` response. Scripts, styles, fonts and requests (the
/// document, "Try it out") come from this origin only, and no inline script runs. Images may
/// also be `data:` URLs, because Swagger UI's stylesheet draws its icons that way.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The route pattern of the page's files, for the table that tells 404 from 405.
pub const ASSET_ROUTE: &str = "/docs/{fingerprint}/{file}";

/// A year: the files' paths change whenever their content does.
const ASSET_MAX_AGE_SECONDS: u32 = 365 * 24 * 60 * 60;

/// The files of Swagger UI's distribution that the page uses, with their content types.
const SWAGGER_UI_FILES: [(&str, &str); 4] = [
    ("swagger-ui-bundle.js", "text/javascript; charset=utf-8"),
    ("swagger-ui.css", "text/css; charset=utf-8"),
    ("index.css", "text/css; charset=utf-8"),
    ("favicon-32x32.png", "image/png"),
];

/// The script that starts Swagger UI on `/openapi.json`.
const START_SCRIPT: &str = include_str!("docs/start.js");

/// The page and its files, built once per process on first use.
static PAGE: LazyLock<Result<Page, String>> = LazyLock::new(Page::build);

/// The `/docs` page, ready to be mounted on an app.
#[derive(Clone, Copy)]
pub struct Docs {
    page: &'static Page,
}

impl Docs {
    /// The page with its files, or why they cannot be found in the vendored Swagger UI (a
    /// crate upgrade that renamed one), so the service fails at start, not on a visit.
    pub fn load() -> anyhow::Result<Self> {
        match &*PAGE {
            Ok(page) => Ok(Self { page }),
            Err(reason) => anyhow::bail!("the /docs page cannot be built: {reason}"),
        }
    }

    /// Mounts `GET /docs` and `GET /docs/{fingerprint}/{file}`; neither asks for a token.
    pub fn configure(self, config: &mut web::ServiceConfig) {
        config
            .route("/docs", web::get().to(move || async move { self.page() }))
            .route(
                ASSET_ROUTE,
                web::get().to(move |path: web::Path<(String, String)>| async move {
                    let (fingerprint, file) = path.into_inner();
                    self.asset(&fingerprint, &file)
                }),
            );
    }

    fn page(self) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            // Revalidated on every visit, so a new release's fingerprint is seen at once.
            .insert_header(header::CacheControl(vec![CacheDirective::NoCache]))
            .body(self.page.html.clone())
    }

    fn asset(self, fingerprint: &str, file: &str) -> Result<HttpResponse, ApiError> {
        // A file under another fingerprint is another release's: serving today's bytes there
        // would let a cache keep them for a year under the wrong name.
        let asset = self
            .page
            .assets
            .iter()
            .find(|asset| asset.name == file)
            .filter(|_| fingerprint == self.page.fingerprint)
            .ok_or_else(|| {
                ApiError::NotFound(format!("nothing is found at /docs/{fingerprint}/{file}"))
            })?;
        Ok(HttpResponse::Ok()
            .content_type(asset.content_type)
            .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
            .insert_header(header::CacheControl(vec![
                CacheDirective::Public,
                CacheDirective::MaxAge(ASSET_MAX_AGE_SECONDS),
                CacheDirective::Extension("immutable".to_owned(), None),
            ]))
            .body(asset.bytes.clone()))
    }
}

/// The HTML of `/docs` and the files it links.
struct Page {
    fingerprint: String,
    html: web::Bytes,
    assets: Vec<Asset>,
}

/// One file the page loads.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: web::Bytes,
    /// `sha256-…`, for the `integrity` attribute that makes the browser check the bytes.
    integrity: String,
}

impl Page {
    fn build() -> Result<Self, String> {
        let mut assets = SWAGGER_UI_FILES
            .iter()
            .map(|&(name, content_type)| Ok(Asset::new(name, content_type, swagger_ui_file(name)?)))
            .collect::<Result<Vec<_>, String>>()?;
        assets.push(Asset::new(
            "start.js",
            "text/javascript; charset=utf-8",
            web::Bytes::from_static(START_SCRIPT.as_bytes()),
        ));
        let mut digest = Sha256::new();
        for asset in &assets {
            digest.update(asset.name);
            digest.update(&asset.bytes);
        }
        let fingerprint = digest.finalize()[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>();
        let html = page_html(&fingerprint, &assets);
        Ok(Self {
            fingerprint,
            html: web::Bytes::from(html),
            assets,
        })
    }
}

impl Asset {
    fn new(name: &'static str, content_type: &'static str, bytes: web::Bytes) -> Self {
        let integrity = format!("sha256-{}", BASE64.encode(Sha256::digest(&bytes)));
        Self {
            name,
            content_type,
            bytes,
            integrity,
        }
    }
}

/// A file of the Swagger UI distribution that `utoipa-swagger-ui` compiled in.
fn swagger_ui_file(name: &str) -> Result<web::Bytes, String> {
    // The configuration only fills in swagger-initializer.js, which the page does not use.
    let config = std::sync::Arc::new(utoipa_swagger_ui::Config::default());
    let file = utoipa_swagger_ui::serve(name, config)
        .map_err(|error| format!("{name}: {error}"))?
        .ok_or_else(|| format!("{name} is not in the vendored Swagger UI"))?;
    if file.gzpipped {
        return Err(format!("{name} is stored gzipped"));
    }
    Ok(web::Bytes::from(file.bytes.into_owned()))
}

/// The page: links relative to `/docs`, so it also works behind a path prefix; no inline
/// script or style; the document's address for readers without JavaScript.
fn page_html(fingerprint: &str, assets: &[Asset]) -> String {
    let tag = |name: &str| {
        let Some(asset) = assets.iter().find(|asset| asset.name == name) else {
            return String::new();
        };
        let href = format!("docs/{fingerprint}/{name}");
        let integrity = &asset.integrity;
        match name.rsplit_once('.').map(|(_, extension)| extension) {
            Some("js") => format!(r#"<script src="{href}" integrity="{integrity}"></script>"#),
            Some("css") => {
                format!(r#"<link rel="stylesheet" href="{href}" integrity="{integrity}">"#)
            }
            _ => format!(r#"<link rel="icon" type="image/png" href="{href}">"#),
        }
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>onestop API reference</title>
{swagger_css}
{index_css}
{icon}
</head>
<body>
<noscript><p>This interactive reference needs JavaScript. The OpenAPI document it shows is at <a href="openapi.json">/openapi.json</a>.</p></noscript>
<div id="swagger-ui"></div>
{bundle}
{start}
</body>
</html>
"#,
        swagger_css = tag("swagger-ui.css"),
        index_css = tag("index.css"),
        icon = tag("favicon-32x32.png"),
        bundle = tag("swagger-ui-bundle.js"),
        start = tag("start.js"),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn every_file_the_page_links_is_compiled_in_and_named_in_the_page() {
        let docs = Docs::load().expect("the page builds");
        let html = std::str::from_utf8(&docs.page.html).unwrap();
        for asset in &docs.page.assets {
            assert!(!asset.bytes.is_empty(), "{} is empty", asset.name);
            let path = format!("docs/{}/{}", docs.page.fingerprint, asset.name);
            assert!(html.contains(&path), "the page links {path}");
        }
    }

    #[test]
    fn the_page_has_no_inline_script() {
        let docs = Docs::load().expect("the page builds");
        let html = std::str::from_utf8(&docs.page.html).unwrap();
        for opening in html.split("<script").skip(1) {
            let (attributes, rest) = opening.split_once('>').unwrap();
            assert!(attributes.contains(" src=\"docs/"), "{attributes}");
            assert!(
                rest.starts_with("</script>"),
                "a script element with a body: {rest}"
            );
        }
        assert!(!html.contains(" style="), "no inline style attribute");
        assert!(!html.contains("<style"), "no style element");
    }
}
