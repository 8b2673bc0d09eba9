//! `onestop seed-demo` on the real binary, against the test's own database.
use serde_json::Value;

use crate::helpers::spawn_app;

#[tokio::test]
async fn seed_demo_fills_the_database_with_working_clients_once() {
    let app = spawn_app().await;
    // Run without blocking this runtime: the service under test runs on it, and a
    // transaction of its background work left waiting there would hold SQLite's write lock
    // until the command gave up ("database is locked" after the busy timeout).
    let run = || {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_onestop"))
            .arg("seed-demo")
            .env("DATABASE_URL", &app.settings.database_url)
            .env("RUST_LOG", "error")
            .output()
    };
    let output = run().await.unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seeded: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seeded["partners"].as_array().unwrap().len(), 3);
    assert_eq!(seeded["managers"].as_array().unwrap().len(), 5);
    assert_eq!(seeded["cases"].as_array().unwrap().len(), 4);
    let clients = seeded["clients"].as_array().unwrap();
    let roles: Vec<&str> = clients
        .iter()
        .map(|c| c["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["admin", "coordinator", "partner", "manager", "analyst"]
    );

    // Every printed client works against the service; the partner sees the cases it filed.
    let credentials = |role: &str| {
        let client = clients.iter().find(|c| c["role"] == role).unwrap();
        helpers_credentials(client)
    };
    let partner = app.token_for(&credentials("partner")).await;
    let cases: Value = app.get("/v1/tickets", &partner).await.json().await.unwrap();
    let first_partner = seeded["partners"][0].as_str().unwrap();
    let own = cases["items"].as_array().unwrap();
    assert!(!own.is_empty(), "the first partner filed demo cases");
    assert!(own.iter().all(|c| c["partner_id"] == first_partner));
    let manager = app.token_for(&credentials("manager")).await;
    let me = seeded["managers"][0].as_str().unwrap();
    let response = app.get(&format!("/v1/managers/{me}"), &manager).await;
    assert_eq!(response.status().as_u16(), 200);

    // A second run refuses instead of doubling the data.
    let again = run().await.unwrap();
    let said = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success(), "{said}");
    assert!(said.contains("already"), "{said}");
}

fn helpers_credentials(client: &Value) -> crate::helpers::Credentials {
    crate::helpers::Credentials {
        id: uuid::Uuid::nil(),
        client_id: client["client_id"].as_str().unwrap().to_owned(),
        client_secret: client["client_secret"].as_str().unwrap().to_owned(),
    }
}
