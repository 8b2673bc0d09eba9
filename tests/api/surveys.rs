//! Issue 16: the ministries' success measures. A case with an outcome gets a one-time survey
//! link; the company answers it once without an account (JSON, or the Japanese HTML form in a
//! real browser with JavaScript off); the summary report's survey rates equal a recount.
use std::{path::Path, process::Stdio, sync::atomic::AtomicU32, time::Duration};

use chrono::Utc;
use onestop::{auth::Role, domain::fiscal_year::FiscalYear};
use reqwest::Response;
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, ChildStdout, Command},
};

use crate::helpers::{
    CHROMIUM, CHROMIUM_HEADLESS_ARGS, TestApp, assert_problem, chromium_available, error_fields,
    spawn_app, spawn_app_with,
};

/// Distinct session start times, so one manager's sessions never overlap.
static NEXT_SLOT: AtomicU32 = AtomicU32::new(0);

struct Desk {
    coordinator: String,
    manager_id: String,
}

async fn desk(app: &TestApp) -> Desk {
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let manager = app
        .create_manager(
            &coordinator,
            &json!({"name": "佐藤 花子", "email": "sato@example.jp", "tracks": ["labor", "ict"],
                    "capacity": 100, "onsite": true, "prefectures": ["13"]}),
        )
        .await;
    Desk {
        coordinator,
        manager_id: manager["id"].as_str().unwrap().to_owned(),
    }
}

async fn expect(response: Response, status: u16, context: &str) -> Value {
    let got = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "{context}: {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// A walk-in case, routed, assigned and resolved; with a held on-site session when `onsite`.
async fn resolved_ticket(app: &TestApp, desk: &Desk, name: &str, onsite: bool) -> String {
    let token = &desk.coordinator;
    let case = expect(
        app.post_json(
            "/v1/tickets",
            token,
            &json!({
                "company": {"name": name, "prefecture": "13", "industry": "E", "employees": 20},
                "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
                "subject": "在宅勤務の導入について",
                "description": "テレワーク導入にあたり相談したい。",
                "channel": "walk_in"
            }),
        )
        .await,
        201,
        "filing",
    )
    .await;
    let id = case["id"].as_str().unwrap().to_owned();
    expect(
        app.post_json(
            &format!("/v1/tickets/{id}/routing"),
            token,
            &json!({"track": "labor", "reason": "アンケートの試験"}),
        )
        .await,
        200,
        "routing",
    )
    .await;
    expect(
        app.post_json(
            &format!("/v1/tickets/{id}/assignment"),
            token,
            &json!({"manager_id": desk.manager_id}),
        )
        .await,
        200,
        "assigning",
    )
    .await;
    if onsite {
        let slot = NEXT_SLOT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let starts_at = format!("2030-06-{:02}T0{}:00:00Z", 1 + slot / 5, slot % 5);
        let session = expect(
            app.post_json(
                &format!("/v1/tickets/{id}/sessions"),
                token,
                &json!({"starts_at": starts_at, "duration_minutes": 60, "mode": "onsite"}),
            )
            .await,
            201,
            "booking an on-site session",
        )
        .await;
        expect(
            app.patch_json(
                &format!("/v1/sessions/{}", session["id"].as_str().unwrap()),
                token,
                None,
                &json!({"status": "held"}),
            )
            .await,
            200,
            "holding it",
        )
        .await;
    }
    expect(
        app.put_json(
            &format!("/v1/tickets/{id}/outcome"),
            token,
            &json!({"result": "introduced", "satisfaction": 5}),
        )
        .await,
        200,
        "the outcome",
    )
    .await;
    id
}

/// Issues the survey link of case `id`; its URL.
async fn link(app: &TestApp, token: &str, id: &str) -> String {
    let response = app
        .post_json(&format!("/v1/tickets/{id}/survey-link"), token, &json!({}))
        .await;
    let location = response
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    let issued = expect(response, 201, "issuing a survey link").await;
    let url = issued["url"].as_str().unwrap().to_owned();
    assert_eq!(location.as_deref(), Some(url.as_str()));
    url
}

async fn answer(app: &TestApp, url: &str, body: &Value) -> Response {
    app.api.post(url).json(body).send().await.unwrap()
}

async fn read_ticket(app: &TestApp, token: &str, id: &str) -> Value {
    expect(
        app.get(&format!("/v1/tickets/{id}"), token).await,
        200,
        "reading the case",
    )
    .await
}

#[tokio::test]
async fn a_survey_link_is_answered_once_without_an_account_and_the_answers_show_on_the_outcome() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let id = resolved_ticket(&app, &desk, "株式会社回答一回", false).await;
    let url = link(&app, &desk.coordinator, &id).await;
    assert!(
        url.starts_with(&format!("{}/v1/surveys/", app.address)),
        "the link is under the service's own address by default: {url}"
    );
    let token = url.rsplit('/').next().unwrap();
    assert!(token.len() >= 43, "at least 256 bits in base64url: {token}");

    let form = expect(app.api.get(&url).send().await.unwrap(), 200, "reading").await;
    assert_eq!(form["company_name"], "株式会社回答一回");
    let fields: Vec<&str> = form["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["purpose_achieved", "satisfied"],
        "no on-site session, no on-site question"
    );
    let problem = assert_problem(
        answer(
            &app,
            &url,
            &json!({"purpose_achieved": true, "satisfied": true, "will_consider_introduction": true}),
        )
        .await,
        422,
        "the on-site question without an on-site session",
    )
    .await;
    assert_eq!(error_fields(&problem), ["will_consider_introduction"]);

    let response = answer(
        &app,
        &url,
        &json!({"purpose_achieved": true, "satisfied": false}),
    )
    .await;
    assert_eq!(response.status().as_u16(), 204);
    let again = answer(
        &app,
        &url,
        &json!({"purpose_achieved": false, "satisfied": false}),
    )
    .await;
    let problem = assert_problem(again, 409, "a second answer").await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/survey-answered"),
        "{problem}"
    );
    assert_problem(
        app.api.get(&url).send().await.unwrap(),
        409,
        "reading an answered link",
    )
    .await;

    let case = read_ticket(&app, &desk.coordinator, &id).await;
    let survey = &case["outcome"]["survey"];
    assert_eq!(survey["purpose_achieved"], true, "{case}");
    assert_eq!(survey["satisfied"], false, "the first answer stands");
    assert_eq!(survey["will_consider_introduction"], Value::Null);
    assert!(survey["responded_at"].is_string());
    // Nothing about the answers reaches the event trail, the feed or webhooks.
    let events = expect(
        app.get(&format!("/v1/tickets/{id}/events"), &desk.coordinator)
            .await,
        200,
        "events",
    )
    .await;
    assert!(!events.to_string().contains("purpose_achieved"), "{events}");
    // Issuing a link for an answered survey is refused.
    let problem = assert_problem(
        app.post_json(
            &format!("/v1/tickets/{id}/survey-link"),
            &desk.coordinator,
            &json!({}),
        )
        .await,
        409,
        "a link for an answered survey",
    )
    .await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/survey-answered")
    );
}

#[tokio::test]
async fn links_are_only_for_cases_with_an_outcome_by_those_who_record_outcomes_and_reissuing_replaces_them()
 {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let partner = app.token_with_role(Role::Partner).await;
    let analyst = app.token_with_role(Role::Analyst).await;
    let open = expect(
        app.post_json(
            "/v1/tickets",
            &partner,
            &json!({
                "company": {"name": "株式会社未解決", "prefecture": "13"},
                "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
                "subject": "在宅勤務の導入について",
                "description": "テレワーク導入にあたり相談したい。"
            }),
        )
        .await,
        201,
        "filing",
    )
    .await;
    let open_id = open["id"].as_str().unwrap();
    let problem = assert_problem(
        app.post_json(
            &format!("/v1/tickets/{open_id}/survey-link"),
            &desk.coordinator,
            &json!({}),
        )
        .await,
        409,
        "no outcome yet",
    )
    .await;
    assert!(problem["type"].as_str().unwrap().ends_with("/no-outcome"));

    let id = resolved_ticket(&app, &desk, "株式会社再発行", false).await;
    for (token, status, who) in [(&partner, 403, "a partner"), (&analyst, 403, "an analyst")] {
        assert_problem(
            app.post_json(&format!("/v1/tickets/{id}/survey-link"), token, &json!({}))
                .await,
            status,
            who,
        )
        .await;
    }
    // The assigned manager records outcomes, so it may issue the link too.
    let manager = app.manager_token(desk.manager_id.parse().unwrap()).await;
    let first = link(&app, &manager, &id).await;
    let second = link(&app, &desk.coordinator, &id).await;
    assert_ne!(first, second);
    assert_problem(
        app.api.get(&first).send().await.unwrap(),
        404,
        "the replaced link",
    )
    .await;
    assert_problem(
        answer(
            &app,
            &first,
            &json!({"purpose_achieved": true, "satisfied": true}),
        )
        .await,
        404,
        "answering the replaced link",
    )
    .await;
    expect(
        app.api.get(&second).send().await.unwrap(),
        200,
        "the new link",
    )
    .await;
    assert_problem(
        app.api
            .get(app.url("/v1/surveys/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
            .send()
            .await
            .unwrap(),
        404,
        "an unknown token",
    )
    .await;
}

#[tokio::test]
async fn an_expired_link_is_410_gone_in_json_and_in_html() {
    let app = spawn_app_with(|settings| {
        settings.survey.link_lifetime = chrono::Duration::zero();
    })
    .await;
    let desk = desk(&app).await;
    let id = resolved_ticket(&app, &desk, "株式会社期限切れ", false).await;
    let url = link(&app, &desk.coordinator, &id).await;
    let problem = assert_problem(app.api.get(&url).send().await.unwrap(), 410, "reading").await;
    assert!(
        problem["type"].as_str().unwrap().ends_with("/gone"),
        "{problem}"
    );
    assert_problem(
        answer(
            &app,
            &url,
            &json!({"purpose_achieved": true, "satisfied": true}),
        )
        .await,
        410,
        "answering",
    )
    .await;
    let page = app
        .api
        .get(&url)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    let status = page.status().as_u16();
    let text = page.text().await.unwrap();
    assert_eq!(status, 410, "{text}");
    assert!(text.contains("有効期限が切れています"), "{text}");
    let case = read_ticket(&app, &desk.coordinator, &id).await;
    assert_eq!(case["outcome"]["survey"], Value::Null, "nothing recorded");
}

#[tokio::test]
async fn the_onsite_question_is_asked_exactly_after_an_onsite_session() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let id = resolved_ticket(&app, &desk, "株式会社訪問", true).await;
    let url = link(&app, &desk.coordinator, &id).await;
    let form = expect(app.api.get(&url).send().await.unwrap(), 200, "reading").await;
    assert_eq!(form["questions"].as_array().unwrap().len(), 3, "{form}");
    assert_eq!(form["questions"][2]["field"], "will_consider_introduction");
    let problem = assert_problem(
        answer(
            &app,
            &url,
            &json!({"purpose_achieved": true, "satisfied": true}),
        )
        .await,
        422,
        "the on-site question unanswered",
    )
    .await;
    assert_eq!(error_fields(&problem), ["will_consider_introduction"]);
    let response = answer(
        &app,
        &url,
        &json!({"purpose_achieved": true, "satisfied": true, "will_consider_introduction": false}),
    )
    .await;
    assert_eq!(response.status().as_u16(), 204);
    let case = read_ticket(&app, &desk.coordinator, &id).await;
    assert_eq!(
        case["outcome"]["survey"]["will_consider_introduction"],
        false
    );

    // The recorder may enter answers with the outcome (a paper form); the same rule holds.
    let other = resolved_ticket(&app, &desk, "株式会社紙回答", false).await;
    let problem = assert_problem(
        app.put_json(
            &format!("/v1/tickets/{other}/outcome"),
            &desk.coordinator,
            &json!({"result": "planned", "survey": {"purpose_achieved": true, "satisfied": true,
                     "will_consider_introduction": true}}),
        )
        .await,
        422,
        "the on-site answer on a case without one",
    )
    .await;
    assert_eq!(
        error_fields(&problem),
        ["survey.will_consider_introduction"]
    );
    let recorded = expect(
        app.put_json(
            &format!("/v1/tickets/{other}/outcome"),
            &desk.coordinator,
            &json!({"result": "planned", "survey": {"purpose_achieved": false, "satisfied": true}}),
        )
        .await,
        200,
        "answers with the outcome",
    )
    .await;
    assert_eq!(recorded["outcome"]["survey"]["purpose_achieved"], false);
    assert_eq!(recorded["outcome"]["survey"]["satisfied"], true);
}

/// The survey part of a report row or of the totals.
fn rates(measures: &Value) -> [Value; 9] {
    [
        "survey_responses",
        "response_rate",
        "response_rate_meets_target",
        "purpose_achieved_rate",
        "purpose_achieved_meets_target",
        "satisfied_rate",
        "satisfied_meets_target",
        "will_consider_rate",
        "will_consider_meets_target",
    ]
    .map(|field| measures[field].clone())
}

fn ratio(numerator: usize, denominator: usize) -> Value {
    json!(((numerator as f64 / denominator as f64) * 10_000.0).round() / 10_000.0)
}

#[tokio::test]
async fn the_reports_survey_rates_equal_a_recount_and_meet_the_target_from_exactly_0_8() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    // (on-site?, answers: purpose, satisfied, will consider) — None: never answered.
    type Plan = (bool, Option<(bool, bool, Option<bool>)>);
    let plan: [Plan; 6] = [
        (true, Some((true, true, Some(true)))),
        (true, Some((true, false, Some(true)))),
        (false, Some((true, true, None))),
        (false, Some((true, false, None))),
        (false, Some((false, true, None))),
        (false, None),
    ];
    for (index, (onsite, answers)) in plan.iter().enumerate() {
        let id = resolved_ticket(&app, &desk, &format!("株式会社集計{index}"), *onsite).await;
        if let Some((purpose, satisfied, will)) = answers {
            let url = link(&app, &desk.coordinator, &id).await;
            let response = answer(
                &app,
                &url,
                &json!({"purpose_achieved": purpose, "satisfied": satisfied,
                        "will_consider_introduction": will}),
            )
            .await;
            assert_eq!(response.status().as_u16(), 204, "case {index}");
        }
    }
    // The recount, from what the cases show.
    let items = expect(
        app.get("/v1/tickets?limit=200", &desk.coordinator).await,
        200,
        "listing",
    )
    .await;
    let surveys: Vec<&Value> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|case| {
            case["outcome"]["survey"]
                .as_object()
                .map(|_| &case["outcome"]["survey"])
        })
        .collect();
    let resolved = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|case| case["outcome"].is_object())
        .count();
    let yes = |field: &str| surveys.iter().filter(|s| s[field] == true).count();
    let asked = surveys
        .iter()
        .filter(|s| !s["will_consider_introduction"].is_null())
        .count();
    assert_eq!((resolved, surveys.len(), asked), (6, 5, 2));
    let (purpose, satisfied, will) = (
        yes("purpose_achieved"),
        yes("satisfied"),
        yes("will_consider_introduction"),
    );
    assert_eq!((purpose, satisfied, will), (4, 3, 2));

    let analyst = app.token_with_role(Role::Analyst).await;
    let year = FiscalYear::of_instant(Utc::now()).year();
    let path = format!("/v1/reports/summary?fiscal_year={year}&group_by=channel");
    let report = expect(app.get(&path, &analyst).await, 200, "the report").await;
    assert_eq!(report["survey_target"], 0.8);
    let expected = [
        json!(5),
        ratio(5, 6),
        json!(true),
        ratio(purpose, 5),
        json!(true),
        ratio(satisfied, 5),
        json!(false),
        ratio(will, asked),
        json!(true),
    ];
    assert_eq!(
        ratio(purpose, 5),
        json!(0.8),
        "exactly on the target, and it meets it"
    );
    assert_eq!(ratio(satisfied, 5), json!(0.6), "below it");
    assert_eq!(rates(&report["totals"]), expected, "{report}");
    assert_eq!(
        rates(&report["rows"][0]),
        expected,
        "the walk-in row: {report}"
    );

    // The same in CSV.
    let csv = app
        .api
        .get(app.url(&path))
        .bearer_auth(&analyst)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<Vec<&str>> = csv.lines().map(|line| line.split(',').collect()).collect();
    let header = &lines[0];
    let total = lines.last().unwrap();
    let cell = |name: &str| {
        let at = header.iter().position(|h| *h == name).unwrap();
        total[at].to_owned()
    };
    assert_eq!(cell("survey_responses"), "5");
    assert_eq!(cell("purpose_achieved_rate"), "0.8");
    assert_eq!(cell("purpose_achieved_meets_target"), "true");
    assert_eq!(cell("satisfied_rate"), "0.6");
    assert_eq!(cell("satisfied_meets_target"), "false");
    assert_eq!(cell("will_consider_rate"), "1");
    assert_eq!(cell("will_consider_meets_target"), "true");

    // For publication: rates over fewer answers than suppress_below are blanked.
    let published = expect(
        app.get(&format!("{path}&suppress_below=3"), &analyst).await,
        200,
        "suppressed",
    )
    .await;
    let totals = &published["totals"];
    assert_eq!(totals["survey_responses"], 5);
    assert_eq!(totals["purpose_achieved_rate"], 0.8);
    assert_eq!(
        totals["will_consider_rate"],
        Value::Null,
        "2 asked is under 3"
    );
    assert_eq!(totals["will_consider_meets_target"], Value::Null);
    let published = expect(
        app.get(&format!("{path}&suppress_below=6"), &analyst).await,
        200,
        "suppressed more",
    )
    .await;
    assert_eq!(published["totals"]["survey_responses"], Value::Null);
    assert_eq!(published["totals"]["satisfied_rate"], Value::Null);
    assert_eq!(published["totals"]["response_rate"], Value::Null);
}

#[tokio::test]
async fn the_html_flow_answers_with_japanese_pages_including_for_unknown_and_answered_links() {
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let id = resolved_ticket(&app, &desk, "株式会社<b>画面</b>", false).await;
    let url = link(&app, &desk.coordinator, &id).await;
    let page = app
        .api
        .get(&url)
        .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status().as_u16(), 200);
    assert!(
        page.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("ご相談の目的は達成できましたか"), "{html}");
    assert!(
        html.contains("株式会社&lt;b&gt;画面&lt;/b&gt;"),
        "escaped: {html}"
    );
    assert!(!html.contains("<script"), "no JavaScript");
    assert!(!html.contains("will_consider_introduction"), "not asked");

    let post = |body: &'static str| {
        app.api
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let incomplete = post("purpose_achieved=yes").await.unwrap();
    assert_eq!(incomplete.status().as_u16(), 422);
    assert!(
        incomplete
            .text()
            .await
            .unwrap()
            .contains("回答が完了していません")
    );
    let done = post("purpose_achieved=yes&satisfied=yes").await.unwrap();
    assert_eq!(done.status().as_u16(), 200);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("ご回答ありがとうございました")
    );
    let again = post("purpose_achieved=no&satisfied=no").await.unwrap();
    assert_eq!(again.status().as_u16(), 409);
    assert!(again.text().await.unwrap().contains("回答済みです"));
    let unknown = app
        .api
        .get(app.url("/v1/surveys/unknown-token"))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert!(
        unknown
            .text()
            .await
            .unwrap()
            .contains("アンケートが見つかりません")
    );
    let case = read_ticket(&app, &desk.coordinator, &id).await;
    assert_eq!(case["outcome"]["survey"]["purpose_achieved"], true);
}

/// Chromium driven over the DevTools protocol on a pipe (`--remote-debugging-pipe`: fd 3 in,
/// fd 4 out, NUL-separated JSON), so no WebDriver and no extra crate is needed.
struct Browser {
    _child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
    events: Vec<Value>,
}

impl Browser {
    async fn start(profile: &Path) -> Self {
        // bash gives Chromium our pipes as fds 3 and 4, where the protocol expects them.
        let mut child = Command::new("bash")
            .arg("-c")
            .arg(r#"exec "$0" "$@" 3<&0 4>&1 0</dev/null 1>/dev/null"#)
            .arg(CHROMIUM)
            .args(CHROMIUM_HEADLESS_ARGS)
            .args(["--window-size=1000,2000", "--remote-debugging-pipe"])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("about:blank")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("Chromium starts");
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        Self {
            _child: child,
            input,
            output,
            next_id: 0,
            events: Vec::new(),
        }
    }

    async fn message(&mut self) -> Value {
        let mut buffer = Vec::new();
        let read = tokio::time::timeout(
            Duration::from_secs(60),
            self.output.read_until(0, &mut buffer),
        )
        .await
        .expect("Chromium answers within a minute")
        .unwrap();
        assert!(read > 0, "Chromium closed the pipe");
        buffer.pop();
        serde_json::from_slice(&buffer).unwrap()
    }

    async fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut command = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            command["sessionId"] = json!(session);
        }
        let mut bytes = serde_json::to_vec(&command).unwrap();
        bytes.push(0);
        self.input.write_all(&bytes).await.unwrap();
        self.input.flush().await.unwrap();
        loop {
            let message = self.message().await;
            if message["id"] == id {
                assert!(message["error"].is_null(), "{method}: {message}");
                return message["result"].clone();
            }
            if message["method"].is_string() {
                self.events.push(message);
            }
        }
    }

    async fn wait_for(&mut self, method: &str) {
        if let Some(at) = self.events.iter().position(|e| e["method"] == method) {
            self.events.drain(..=at);
            return;
        }
        loop {
            let message = self.message().await;
            if message["method"] == method {
                return;
            }
        }
    }

    async fn click(&mut self, session: &str, selector: &str) {
        let document = self
            .call(Some(session), "DOM.getDocument", json!({"depth": 0}))
            .await;
        let node = self
            .call(
                Some(session),
                "DOM.querySelector",
                json!({"nodeId": document["root"]["nodeId"], "selector": selector}),
            )
            .await;
        assert_ne!(node["nodeId"], 0, "{selector} is on the page");
        let model = self
            .call(
                Some(session),
                "DOM.getBoxModel",
                json!({"nodeId": node["nodeId"]}),
            )
            .await;
        let quad: Vec<f64> = model["model"]["content"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let x = (quad[0] + quad[2] + quad[4] + quad[6]) / 4.0;
        let y = (quad[1] + quad[3] + quad[5] + quad[7]) / 4.0;
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                Some(session),
                "Input.dispatchMouseEvent",
                json!({"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1}),
            )
            .await;
        }
    }

    async fn html(&mut self, session: &str) -> String {
        let document = self
            .call(Some(session), "DOM.getDocument", json!({"depth": 0}))
            .await;
        let html = self
            .call(
                Some(session),
                "DOM.getOuterHTML",
                json!({"nodeId": document["root"]["nodeId"]}),
            )
            .await;
        html["outerHTML"].as_str().unwrap().to_owned()
    }
}

#[tokio::test]
async fn a_company_fills_and_sends_the_html_form_in_headless_chromium_with_javascript_off() {
    if !chromium_available("sending the survey form") {
        return;
    }
    let app = spawn_app().await;
    let desk = desk(&app).await;
    let id = resolved_ticket(&app, &desk, "株式会社ブラウザ", true).await;
    let url = link(&app, &desk.coordinator, &id).await;

    let profile = tempfile::tempdir().unwrap();
    let mut browser = Browser::start(profile.path()).await;
    let target = browser
        .call(None, "Target.createTarget", json!({"url": "about:blank"}))
        .await;
    let attached = browser
        .call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target["targetId"], "flatten": true}),
        )
        .await;
    let session = attached["sessionId"].as_str().unwrap().to_owned();
    browser.call(Some(&session), "Page.enable", json!({})).await;
    browser
        .call(
            Some(&session),
            "Emulation.setScriptExecutionDisabled",
            json!({"value": true}),
        )
        .await;
    browser.events.clear();
    browser
        .call(Some(&session), "Page.navigate", json!({"url": url}))
        .await;
    browser.wait_for("Page.loadEventFired").await;
    let form = browser.html(&session).await;
    assert!(form.contains("ご相談に関するアンケート"), "{form}");
    assert!(
        form.contains("導入を積極的に検討しますか"),
        "the on-site question: {form}"
    );

    browser
        .click(&session, "input[name=purpose_achieved][value=yes]")
        .await;
    browser
        .click(&session, "input[name=satisfied][value=no]")
        .await;
    browser
        .click(
            &session,
            "input[name=will_consider_introduction][value=yes]",
        )
        .await;
    browser.events.clear();
    browser.click(&session, "button[type=submit]").await;
    browser.wait_for("Page.loadEventFired").await;
    let thanks = browser.html(&session).await;
    assert!(
        thanks.contains("ご回答ありがとうございました"),
        "the thank-you page: {thanks}"
    );

    let case = read_ticket(&app, &desk.coordinator, &id).await;
    let survey = &case["outcome"]["survey"];
    assert_eq!(survey["purpose_achieved"], true, "{case}");
    assert_eq!(survey["satisfied"], false);
    assert_eq!(survey["will_consider_introduction"], true);
}
