//! The token endpoint against the OAuth client libraries people actually use (authlib and
//! requests-oauthlib), through `tests/oauth/token_clients.py`.
use onestop::auth::Role;

use crate::helpers::spawn_app;

/// Set to `1` (as `.ci/run` does) to fail instead of skipping when the libraries are missing.
const REQUIRE: &str = "ONESTOP_REQUIRE_OAUTH_LIBS";

fn python_has_the_libraries() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import authlib, requests_oauthlib"])
        .output()
        .is_ok_and(|output| output.status.success())
}

#[tokio::test]
async fn authlib_and_requests_oauthlib_get_tokens_and_read_our_errors() {
    if !python_has_the_libraries() {
        assert!(
            std::env::var(REQUIRE).as_deref() != Ok("1"),
            "{REQUIRE}=1 but `python3 -c 'import authlib, requests_oauthlib'` fails; \
             run `pip install authlib requests-oauthlib`"
        );
        eprintln!(
            "skipped: python3 with authlib and requests-oauthlib is not available \
             (pip install authlib requests-oauthlib; set {REQUIRE}=1 to make this fatal)"
        );
        return;
    }
    let app = spawn_app().await;
    let admin = app.create_client(Role::Admin, None, None).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oauth/token_clients.py");
    let args = [
        script.to_owned(),
        app.address.clone(),
        admin.client_id.clone(),
        admin.client_secret.clone(),
    ];
    // The script blocks; the service's server future runs on this test's runtime.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3").args(args).output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the OAuth libraries failed:\n{stdout}\n{stderr}"
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|line| line.starts_with("ok: "))
            .count(),
        7,
        "every check ran:\n{stdout}"
    );
}
