//! The API reference at `/docs`: open to all, made only of files the service serves itself
//! under a strict Content-Security-Policy, and rendered by a real browser that can reach no
//! host but the service.
use std::{process::Stdio, time::Duration};

use base64::{Engine as _, engine::general_purpose::STANDARD as BASE64};
use sha2::{Digest, Sha256};
use tokio::process::Command;

use crate::helpers::{
    CHROMIUM, CHROMIUM_HEADLESS_ARGS, assert_problem, chromium_available, spawn_app,
};

/// The values of the page's `src` and `href` attributes.
fn links(page: &str) -> Vec<String> {
    [" src=\"", " href=\""]
        .iter()
        .flat_map(|attribute| page.split(attribute).skip(1))
        .map(|rest| rest.split('"').next().unwrap().to_owned())
        .collect()
}

/// The value of `attribute` in the tag of `page` that links `link`.
fn attribute_of_tag_linking(page: &str, link: &str, attribute: &str) -> Option<String> {
    let tag = page
        .split('<')
        .find(|tag| tag.contains(&format!("\"{link}\"")))?;
    let value = tag.split(&format!(" {attribute}=\"")).nth(1)?;
    Some(value.split('"').next()?.to_owned())
}

#[tokio::test]
async fn the_docs_page_needs_no_token_and_loads_only_files_served_from_under_docs() {
    let app = spawn_app().await;
    let response = app.api.get(app.url("/docs")).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let header = |response: &reqwest::Response, name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(
        header(&response, "content-type"),
        "text/html; charset=utf-8"
    );
    let policy = header(&response, "content-security-policy");
    assert!(policy.starts_with("default-src 'self';"), "{policy}");
    assert!(
        !policy.contains("unsafe") && !policy.contains("script-src"),
        "nothing loosens the policy for scripts: {policy}"
    );
    assert_eq!(header(&response, "cache-control"), "no-cache");
    let page = response.text().await.unwrap();
    assert!(
        page.contains(r#"<noscript><p>This interactive reference needs JavaScript. The OpenAPI document it shows is at <a href="openapi.json">"#),
        "readers without JavaScript are sent to the document: {page}"
    );
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=\"docs/").count(),
        "every script is a file under /docs/, none inline: {page}"
    );

    let files: Vec<String> = links(&page)
        .into_iter()
        .filter(|link| link != "openapi.json")
        .collect();
    assert_eq!(
        files.len(),
        5,
        "two stylesheets, an icon, two scripts: {page}"
    );
    for file in files {
        assert!(file.starts_with("docs/"), "{file} is served by the service");
        let response = app
            .api
            .get(app.url(&format!("/{file}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200, "{file}");
        let expected_type = match file.rsplit_once('.').map(|(_, extension)| extension) {
            Some("js") => "text/javascript; charset=utf-8",
            Some("css") => "text/css; charset=utf-8",
            Some("png") => "image/png",
            other => panic!("{file}: an unexpected kind of file {other:?}"),
        };
        assert_eq!(header(&response, "content-type"), expected_type, "{file}");
        assert_eq!(
            header(&response, "cache-control"),
            "public, max-age=31536000, immutable",
            "{file}"
        );
        assert_eq!(
            header(&response, "content-security-policy"),
            policy,
            "{file}"
        );
        assert_eq!(
            header(&response, "x-content-type-options"),
            "nosniff",
            "{file}"
        );
        let bytes = response.bytes().await.unwrap();
        assert!(!bytes.is_empty(), "{file}");
        if let Some(integrity) = attribute_of_tag_linking(&page, &file, "integrity") {
            assert_eq!(
                integrity,
                format!("sha256-{}", BASE64.encode(Sha256::digest(&bytes))),
                "the browser's integrity check passes for {file}"
            );
        } else {
            assert!(file.ends_with(".png"), "{file} carries an integrity digest");
        }
    }
}

#[tokio::test]
async fn a_docs_file_under_another_fingerprint_or_not_on_the_page_is_not_found_and_none_can_be_posted_to()
 {
    let app = spawn_app().await;
    let page = app
        .api
        .get(app.url("/docs"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let bundle = links(&page)
        .into_iter()
        .find(|link| link.ends_with("/swagger-ui-bundle.js"))
        .expect("the page loads Swagger UI");
    let current = bundle.split('/').nth(1).unwrap().to_owned();
    for (path, reason) in [
        (
            "/docs/0000000000000000/swagger-ui-bundle.js".to_owned(),
            "another release's fingerprint",
        ),
        (
            format!("/docs/{current}/index.html"),
            "a file of Swagger UI the page does not use",
        ),
    ] {
        let response = app.api.get(app.url(&path)).send().await.unwrap();
        assert_problem(response, 404, reason).await;
    }
    let response = app
        .api
        .post(app.url(&format!("/{bundle}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok()),
        Some("GET"),
        "the page's files are only read"
    );
    assert_problem(response, 405, "POST to a file of the page").await;
}

/// The summary as it appears in the dumped DOM: markup characters escaped, whitespace
/// collapsed (the DOM keeps the document's line breaks).
fn as_rendered(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn a_browser_that_can_reach_no_other_host_renders_the_operations_of_the_document() {
    if !chromium_available("rendering /docs") {
        return;
    }
    let app = spawn_app().await;
    let document: serde_json::Value = app
        .api
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let summary = document["paths"]["/v1/tickets"]["post"]["summary"]
        .as_str()
        .expect("POST /v1/tickets has a summary in the document");
    let profile = tempfile::tempdir().unwrap();
    let browser = Command::new(CHROMIUM)
        .args(CHROMIUM_HEADLESS_ARGS)
        .args([
            "--disable-quic",
            // Besides the unresolved host names, any request that is not for loopback goes
            // to a proxy nobody listens on: a page that needs a CDN renders nothing here.
            "--proxy-server=http://127.0.0.1:9",
            // The page's console (where CSP violations are reported) goes to stderr.
            "--enable-logging=stderr",
            "--v=0",
            // Virtual time waits for the page's requests, then runs its scripts to rest.
            "--virtual-time-budget=10000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(app.url("/docs"))
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(120), browser)
        .await
        .expect("Chromium renders the page within two minutes")
        .expect("Chromium starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "Chromium failed: {stderr}");
    let dom = String::from_utf8_lossy(&output.stdout);
    assert!(
        as_rendered(&dom).contains(&as_rendered(summary)),
        "the page shows the summary of POST /v1/tickets ({summary:?}), which only Swagger UI's \
         script, served by the service itself, can put there; the DOM was:\n{dom}"
    );
    let violations: Vec<&str> = stderr
        .lines()
        .filter(|line| line.contains("Content Security Policy"))
        .collect();
    assert!(
        violations.is_empty(),
        "the page keeps to its Content-Security-Policy: {violations:#?}"
    );
}
