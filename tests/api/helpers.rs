//! `spawn_app()` and the small vocabulary the tests speak.
use onestop::{
    auth::Role,
    config::Settings,
    db,
    services::{self, clients::NewClient},
    startup::Application,
};
use reqwest::{Response, StatusCode};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::Value;
use uuid::Uuid;

/// A running service and what a test needs to talk to it.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// The service's shared pool (tests read and seed through it).
    pub db: DatabaseConnection,
    /// On PostgreSQL, for an app from [`spawn_app_unpluggable`]: the link the service reaches
    /// its database through.
    link: Option<std::sync::Arc<DatabaseLink>>,
    /// The settings the service runs with.
    pub settings: Settings,
    /// An HTTP client.
    pub api: reqwest::Client,
    /// The database, dropped with the last app that uses it.
    pub database: std::sync::Arc<TestDatabase>,
}

/// A database of one test: a temp SQLite file or a PostgreSQL database dropped afterwards.
pub enum TestDatabase {
    /// The temp directory holding the SQLite file.
    Sqlite {
        url: String,
        _dir: tempfile::TempDir,
    },
    /// A database created on the TEST_DATABASE_URL server.
    Postgres {
        url: String,
        admin_url: String,
        name: String,
    },
    /// A database the test brought and cleans up itself (a cluster of its own).
    External { url: String },
}

impl TestDatabase {
    async fn create() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                let name = format!("onestop_test_{}", Uuid::new_v4().simple());
                let admin = db::connect(&admin_url)
                    .await
                    .expect("TEST_DATABASE_URL connects");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
                url.set_path(&format!("/{name}"));
                TestDatabase::Postgres {
                    url: url.to_string(),
                    admin_url,
                    name,
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("a temp dir");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDatabase::Sqlite { url, _dir: dir }
            }
        }
    }

    /// The database URL.
    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Sqlite { url, .. }
            | TestDatabase::Postgres { url, .. }
            | TestDatabase::External { url } => url,
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres {
            admin_url, name, ..
        } = self
        {
            let admin_url = admin_url.clone();
            let name = name.clone();
            // Drop runs inside the test's runtime; a thread with its own runtime can block.
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                runtime.block_on(async move {
                    if let Ok(admin) = db::connect(&admin_url).await {
                        let _ = admin
                            .execute_unprepared(&format!(
                                "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                            ))
                            .await;
                        let _ = admin.close().await;
                    }
                });
            });
            let _ = dropped.join();
        }
    }
}

/// Settings for a test instance: port 0, one worker, everything else default.
pub fn test_settings(database_url: &str) -> Settings {
    let mut settings = Settings::from_lookup(|_| None).expect("default settings");
    settings.database_url = database_url.to_owned();
    settings.bind = "127.0.0.1:0".parse().expect("an address");
    settings.workers = Some(2);
    settings.shutdown_timeout_seconds = 1;
    // Tests that file hundreds of cases from one client must not be throttled; the rate
    // limit has its own test.
    settings.rate_limit_per_second = 0;
    settings
}

/// A service on its own fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A service on its own fresh database, with settings adjusted by `customize`.
pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let database = std::sync::Arc::new(TestDatabase::create().await);
    let mut settings = test_settings(database.url());
    customize(&mut settings);
    start(settings, database, None).await
}

/// A service on the database at `url`, which the test owns, with settings adjusted by
/// `customize`.
pub async fn spawn_app_on(url: &str, customize: impl FnOnce(&mut Settings)) -> TestApp {
    let database = std::sync::Arc::new(TestDatabase::External {
        url: url.to_owned(),
    });
    let mut settings = test_settings(url);
    customize(&mut settings);
    start(settings, database, None).await
}

/// A service whose database can be made unreachable ([`TestApp::unplug_database`]): on
/// PostgreSQL it connects through a TCP link the test can cut.
pub async fn spawn_app_unpluggable() -> TestApp {
    let database = std::sync::Arc::new(TestDatabase::create().await);
    let mut settings = test_settings(database.url());
    let mut link = None;
    if let TestDatabase::Postgres { url, .. } = database.as_ref() {
        let mut url = url::Url::parse(url).expect("a database URL");
        let target = format!(
            "{}:{}",
            url.host_str().expect("a database host"),
            url.port().unwrap_or(5432)
        );
        let opened = DatabaseLink::open(target).await;
        url.set_port(Some(opened.port)).expect("a port");
        settings.database_url = url.to_string();
        link = Some(std::sync::Arc::new(opened));
    }
    start(settings, database, link).await
}

/// A TCP relay between the service and PostgreSQL. Cutting it closes every relayed
/// connection and refuses new ones, as a database host that went away does.
pub struct DatabaseLink {
    port: u16,
    cut: tokio::sync::watch::Sender<bool>,
}

impl DatabaseLink {
    async fn open(target: String) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port for the link");
        let port = listener.local_addr().expect("an address").port();
        let (cut, mut cut_seen) = tokio::sync::watch::channel(false);
        let relay_cut = cut.subscribe();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    accepted = listener.accept() => {
                        let Ok((mut client, _)) = accepted else { continue };
                        let target = target.clone();
                        let mut cut = relay_cut.clone();
                        tokio::spawn(async move {
                            let Ok(mut server) = tokio::net::TcpStream::connect(&target).await else {
                                return;
                            };
                            tokio::select! {
                                _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                                _ = cut.wait_for(|cut| *cut) => {}
                            }
                        });
                    }
                    _ = cut_seen.wait_for(|cut| *cut) => break,
                }
            }
        });
        Self { port, cut }
    }
}

impl TestApp {
    /// Makes the database unreachable for the service: the link is cut on PostgreSQL, the
    /// pool closed on SQLite (whose pool the service's workers share).
    pub async fn unplug_database(&self) {
        match &self.link {
            Some(link) => {
                link.cut.send_replace(true);
                // Let the relays see it and drop their sockets.
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            None => self.db.close_by_ref().await.expect("the pool closes"),
        }
    }
}

impl TestApp {
    /// A second instance of the service on the same database (as in a multi-instance
    /// deployment).
    pub async fn another_instance(&self) -> TestApp {
        self.another_instance_with(|_| {}).await
    }

    /// A second instance on the same database, with its settings adjusted by `customize`.
    pub async fn another_instance_with(&self, customize: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        settings.bind = "127.0.0.1:0".parse().expect("an address");
        customize(&mut settings);
        start(settings, self.database.clone(), None).await
    }
}

async fn start(
    settings: Settings,
    database: std::sync::Arc<TestDatabase>,
    link: Option<std::sync::Arc<DatabaseLink>>,
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        onestop::telemetry::init_tracing();
    }
    let application = Application::build(settings.clone())
        .await
        .expect("the application builds");
    let address = format!("http://127.0.0.1:{}", application.port());
    let db = application.state().db.clone();
    tokio::spawn(application.run_until_stopped());
    TestApp {
        address,
        db,
        link,
        settings,
        api: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client"),
        database,
    }
}

/// Credentials of a client created for a test.
pub struct Credentials {
    pub id: Uuid,
    pub client_id: String,
    pub client_secret: String,
}

impl TestApp {
    /// `address` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates a client directly, as `onestop clients create` does.
    pub async fn create_client(
        &self,
        role: Role,
        partner_id: Option<Uuid>,
        manager_id: Option<Uuid>,
    ) -> Credentials {
        let created = services::clients::create(
            &self.db,
            NewClient {
                name: format!("test {role}"),
                role,
                partner_id,
                manager_id,
            },
        )
        .await
        .expect("the client is created");
        Credentials {
            id: created.client.id,
            client_id: created.client.client_id,
            client_secret: created.client_secret,
        }
    }

    /// Exchanges credentials for a token over HTTP.
    pub async fn token_for(&self, credentials: &Credentials) -> String {
        let response = self
            .api
            .post(self.url("/v1/auth/token"))
            .json(&serde_json::json!({
                "client_id": credentials.client_id,
                "client_secret": credentials.client_secret,
            }))
            .send()
            .await
            .expect("the token request is answered");
        assert_eq!(response.status(), StatusCode::OK, "token request refused");
        let body: Value = response.json().await.expect("a JSON token");
        body["access_token"]
            .as_str()
            .expect("an access token")
            .to_owned()
    }

    /// A token of a fresh admin client.
    pub async fn admin_token(&self) -> String {
        let admin = self.create_client(Role::Admin, None, None).await;
        self.token_for(&admin).await
    }

    /// A token of a fresh client with `role`. Manager clients are bound to a real manager,
    /// created for them over HTTP: active, on both tracks, with no room (capacity 0), so it
    /// never takes a case another test expects to go elsewhere.
    pub async fn token_with_role(&self, role: Role) -> String {
        let manager_id = if role == Role::Manager {
            let coordinator = self.create_client(Role::Coordinator, None, None).await;
            let coordinator = self.token_for(&coordinator).await;
            let unique = Uuid::new_v4().simple().to_string();
            let manager = self
                .create_manager(
                    &coordinator,
                    &serde_json::json!({
                        "name": format!("manager {unique}"),
                        "email": format!("manager-{unique}@example.jp"),
                        "tracks": ["ict", "labor"],
                        "capacity": 0,
                    }),
                )
                .await;
            Some(
                manager["id"]
                    .as_str()
                    .expect("a manager id")
                    .parse()
                    .expect("a uuid"),
            )
        } else {
            None
        };
        let partner_id = if role == Role::Partner {
            Some(
                self.create_partner(&format!("partner {}", Uuid::new_v4()))
                    .await,
            )
        } else {
            None
        };
        let client = self.create_client(role, partner_id, manager_id).await;
        self.token_for(&client).await
    }

    /// Registers a telework manager over HTTP (`POST /v1/managers`) and returns its view.
    pub async fn create_manager(&self, token: &str, body: &Value) -> Value {
        let response = self.post_json("/v1/managers", token, body).await;
        let status = response.status();
        let created: Value = response.json().await.expect("a JSON manager");
        assert_eq!(
            status,
            StatusCode::CREATED,
            "manager not created: {created}"
        );
        created
    }

    /// A token of a fresh manager client bound to `manager_id`.
    pub async fn manager_token(&self, manager_id: Uuid) -> String {
        let client = self
            .create_client(Role::Manager, None, Some(manager_id))
            .await;
        self.token_for(&client).await
    }

    /// Registers a partner over HTTP as a fresh admin and returns its id.
    pub async fn create_partner(&self, name: &str) -> Uuid {
        let token = self.admin_token().await;
        let response = self
            .post_json(
                "/v1/partners",
                &token,
                &serde_json::json!({"name": name, "kind": "chamber_of_commerce", "prefecture": "13"}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let body: Value = response.json().await.expect("a partner");
        body["id"].as_str().expect("an id").parse().expect("a uuid")
    }

    /// GET with a bearer token.
    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.api
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is answered")
    }

    /// POST a JSON body with a bearer token.
    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.api
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the request is answered")
    }

    /// PUT a JSON body with a bearer token.
    pub async fn put_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.api
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("the request is answered")
    }

    /// PATCH a JSON body with a bearer token and optional If-Match.
    pub async fn patch_json(
        &self,
        path: &str,
        token: &str,
        if_match: Option<&str>,
        body: &Value,
    ) -> Response {
        let mut request = self.api.patch(self.url(path)).bearer_auth(token).json(body);
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        request.send().await.expect("the request is answered")
    }

    /// DELETE with a bearer token.
    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.api
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("the request is answered")
    }
}

/// Asserts that `response` is problem+json with `status` and returns its body.
pub async fn assert_problem(response: Response, status: u16, context: &str) -> Value {
    assert_eq!(
        response.status().as_u16(),
        status,
        "{context}: wrong status"
    );
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        content_type, "application/problem+json",
        "{context}: wrong content type"
    );
    let body: Value = response.json().await.expect("a JSON problem");
    assert_eq!(
        body["status"].as_u64(),
        Some(u64::from(status)),
        "{context}: {body}"
    );
    assert!(
        body["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("https://")),
        "{context}: {body}"
    );
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "{context}: {body}"
    );
    body
}

/// The `field` names of a validation problem.
pub fn error_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// Debian's Chromium, which `.ci/run` installs for the browser tests.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The flags every browser test starts Chromium with: headless as root (CI runs as root, where
/// Chromium's sandbox cannot start), no calls to Google's services, and no host but the
/// service's address resolved.
pub const CHROMIUM_HEADLESS_ARGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
];

/// Whether Chromium is here to run `what`. Without it the test is skipped with a notice,
/// unless `ONESTOP_REQUIRE_CHROMIUM=1` (set by `.ci/run`), which makes its absence a failure.
pub fn chromium_available(what: &str) -> bool {
    if std::path::Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(
        std::env::var("ONESTOP_REQUIRE_CHROMIUM").as_deref() != Ok("1"),
        "ONESTOP_REQUIRE_CHROMIUM=1 but {CHROMIUM} is missing: apt-get install -y chromium"
    );
    eprintln!(
        "notice: {CHROMIUM} is not installed, so {what} was not done in a browser \
         (apt-get install -y chromium; ONESTOP_REQUIRE_CHROMIUM=1 makes this a failure)"
    );
    false
}
