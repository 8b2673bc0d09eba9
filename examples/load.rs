//! Load generator for a running onestop service.
//!
//! ```sh
//! cargo run --release --example load -- intake     --url http://127.0.0.1:8080 --client-id oc_... --client-secret ocs_... --concurrency 32 --seconds 20
//! cargo run --release --example load -- pagination --url http://127.0.0.1:8080 --client-id oc_... --client-secret ocs_... --cursor <cursor at depth> --rounds 200
//! cargo run --release --example load -- assign     --url http://127.0.0.1:8080 --client-id oc_... --client-secret ocs_... --concurrency 32 --seconds 20
//! cargo run --release --example load -- candidates --url http://127.0.0.1:8080 --client-id oc_... --client-secret ocs_... --rounds 200
//! cargo run --release --example load -- feed       --url http://127.0.0.1:8080 --client-id oc_... --client-secret ocs_...
//! ```
//! `reads` (a coordinator's credentials) times what shows contact details, from
//! `--concurrency` clients for `--seconds` each: `GET /v1/tickets/{id}` of cases taken from
//! the first list page, then `GET /v1/tickets?limit=50` (bench/access_log.sh).
//! `feed` (an analyst's or coordinator's credentials) reads the whole event feed as NDJSON in
//! pages of 10,000, checking that `seq` strictly increases, and prints events per second.
//! `assign` (a coordinator's credentials) collects the triaged cases and has `--concurrency`
//! coordinators assign them automatically (`POST .../assignment` with `{}`) for `--seconds`;
//! `candidates` times `GET .../candidates` on one triaged case.
//! `intake` files cases (each with its own Idempotency-Key) from `--concurrency` clients for
//! `--seconds` and prints throughput and latency percentiles. `pagination` times the first
//! page of `GET /v1/tickets` against the page at `--cursor`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};

struct Args {
    mode: String,
    url: String,
    client_id: String,
    client_secret: String,
    concurrency: usize,
    seconds: u64,
    cursor: Option<String>,
    rounds: usize,
}

fn args() -> Args {
    let mut raw = std::env::args().skip(1);
    let mode = raw.next().unwrap_or_else(|| "intake".into());
    let mut args = Args {
        mode,
        url: "http://127.0.0.1:8080".into(),
        client_id: String::new(),
        client_secret: String::new(),
        concurrency: 32,
        seconds: 20,
        cursor: None,
        rounds: 200,
    };
    while let Some(flag) = raw.next() {
        let value = raw.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => args.url = value,
            "--client-id" => args.client_id = value,
            "--client-secret" => args.client_secret = value,
            "--concurrency" => args.concurrency = value.parse().unwrap(),
            "--seconds" => args.seconds = value.parse().unwrap(),
            "--cursor" => args.cursor = Some(value),
            "--rounds" => args.rounds = value.parse().unwrap(),
            other => panic!("unknown flag {other}"),
        }
    }
    args
}

async fn token(client: &reqwest::Client, args: &Args) -> String {
    let response: Value = client
        .post(format!("{}/v1/auth/token", args.url))
        .json(&json!({"client_id": args.client_id, "client_secret": args.client_secret}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    response["access_token"]
        .as_str()
        .expect("a token")
        .to_owned()
}

fn intake(n: usize) -> Value {
    let subjects = [
        (
            "在宅勤務の労働時間管理について",
            "中抜け時間の扱いと就業規則の改定方法を知りたい。",
            "labor.working_hours",
        ),
        (
            "VPNの導入",
            "自宅から社内のファイルサーバに安全に接続する方法を相談したい。",
            "ict.remote_access",
        ),
        (
            "通信費の負担",
            "在宅勤務者の通信費・光熱費をどう負担するか、手当の決め方を知りたい。",
            "labor.allowances",
        ),
        (
            "Web会議ツールの選定",
            "取引先との打合せに使うWeb会議ツールとセキュリティ設定を相談したい。",
            "ict.cloud_tools",
        ),
    ];
    let (subject, description, topic) = subjects[n % subjects.len()];
    json!({
        "company": {"name": format!("負荷試験株式会社{}", n % 500), "prefecture": format!("{:02}", n % 47 + 1),
                    "industry": "E", "employees": 30 + n % 200, "capital_jpy": 10_000_000},
        "contact": {"name": "試験 太郎", "email": format!("load{n}@example.jp")},
        "subject": subject,
        "description": description,
        "topics": [topic],
        "preferred_mode": "either"
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

async fn run_intake(args: &Args) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .unwrap();
    let token = token(&client, args).await;
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let run = uuid::Uuid::new_v4().simple().to_string();
    let mut workers = Vec::new();
    for worker in 0..args.concurrency {
        let client = client.clone();
        let token = token.clone();
        let url = format!("{}/v1/tickets", args.url);
        let run = run.clone();
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = worker;
            while Instant::now() < deadline {
                let started = Instant::now();
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("idempotency-key", format!("{run}-{n}"))
                    .json(&intake(n))
                    .send()
                    .await;
                tally.record(response, 201, started).await;
                n += 10_000;
            }
            tally.into_parts()
        }));
    }
    let (latencies, errors, elapsed) = gather(workers).await;
    println!(
        "{}",
        json!({
            "mode": "intake",
            "concurrency": args.concurrency,
            "cases_filed": latencies.len(),
            "errors": errors,
            "seconds": (elapsed * 100.0).round() / 100.0,
            "cases_per_second": (latencies.len() as f64 / elapsed).round(),
            "p50_ms": percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
            "p99_ms": percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        })
    );
}

async fn time_pages(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    rounds: usize,
) -> Vec<Duration> {
    let mut latencies = Vec::new();
    for _ in 0..rounds {
        let started = Instant::now();
        let response = client.get(url).bearer_auth(token).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{url}");
        let _ = response.bytes().await;
        latencies.push(started.elapsed());
    }
    latencies.sort();
    latencies
}

async fn run_pagination(args: &Args) {
    let client = reqwest::Client::new();
    let token = token(&client, args).await;
    let cursor = args.cursor.clone().expect("--cursor");
    let first_url = format!("{}/v1/tickets?limit=50", args.url);
    let deep_url = format!("{}/v1/tickets?limit=50&cursor={cursor}", args.url);
    // Warm both paths once, then alternate to share any noise.
    time_pages(&client, &first_url, &token, 5).await;
    time_pages(&client, &deep_url, &token, 5).await;
    let first = time_pages(&client, &first_url, &token, args.rounds).await;
    let deep = time_pages(&client, &deep_url, &token, args.rounds).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{}",
        json!({
            "mode": "pagination",
            "rounds": args.rounds,
            "first_page_p50_ms": ms(percentile(&first, 0.5)),
            "deep_page_p50_ms": ms(percentile(&deep, 0.5)),
            "first_page_p99_ms": ms(percentile(&first, 0.99)),
            "deep_page_p99_ms": ms(percentile(&deep, 0.99)),
            "deep_over_first_p50": ms(percentile(&deep, 0.5)) / ms(percentile(&first, 0.5)),
        })
    );
}

/// Ids of triaged cases, read page by page as the coordinator.
async fn triaged_cases(client: &reqwest::Client, args: &Args, token: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut url = format!("{}/v1/tickets?status=triaged&limit=200", args.url);
    loop {
        let page: Value = client
            .get(&url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                url = format!(
                    "{}/v1/tickets?status=triaged&limit=200&cursor={cursor}",
                    args.url
                )
            }
            None => break,
        }
    }
    ids
}

async fn run_assign(args: &Args) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .unwrap();
    let token = token(&client, args).await;
    let ids = std::sync::Arc::new(triaged_cases(&client, args, &token).await);
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for _ in 0..args.concurrency {
        let (client, token, ids, next) = (client.clone(), token.clone(), ids.clone(), next.clone());
        let base = args.url.clone();
        workers.push(tokio::spawn(async move {
            let (mut assigned, mut refused, mut errors) = (Vec::new(), 0usize, 0usize);
            while Instant::now() < deadline {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(id) = ids.get(index) else { break };
                let started = Instant::now();
                let response = client
                    .post(format!("{base}/v1/tickets/{id}/assignment"))
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await;
                match response.map(|r| r.status().as_u16()) {
                    Ok(200) => assigned.push(started.elapsed()),
                    Ok(409) => refused += 1,
                    _ => errors += 1,
                }
            }
            (assigned, refused, errors)
        }));
    }
    let started = Instant::now();
    let (mut latencies, mut refused, mut errors) = (Vec::new(), 0, 0);
    for worker in workers {
        let (mut l, r, e) = worker.await.unwrap();
        latencies.append(&mut l);
        refused += r;
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "{}",
        json!({
            "mode": "assign",
            "concurrency": args.concurrency,
            "triaged_cases": ids.len(),
            "assigned": latencies.len(),
            "refused_409": refused,
            "errors": errors,
            "seconds": (elapsed * 100.0).round() / 100.0,
            "assignments_per_second": (latencies.len() as f64 / elapsed).round(),
            "p50_ms": percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
            "p99_ms": percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
        })
    );
}

async fn run_candidates(args: &Args) {
    let client = reqwest::Client::new();
    let token = token(&client, args).await;
    let ids = triaged_cases(&client, args, &token).await;
    let id = ids.first().expect("a triaged case");
    let url = format!("{}/v1/tickets/{id}/candidates", args.url);
    let probe: Value = client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    time_pages(&client, &url, &token, 5).await;
    let latencies = time_pages(&client, &url, &token, args.rounds).await;
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{}",
        json!({
            "mode": "candidates",
            "rounds": args.rounds,
            "managers_ranked": probe["candidates"].as_array().map_or(0, Vec::len)
                + probe["ineligible"].as_array().map_or(0, Vec::len),
            "p50_ms": ms(percentile(&latencies, 0.5)),
            "p99_ms": ms(percentile(&latencies, 0.99)),
        })
    );
}

async fn run_feed(args: &Args) {
    let client = reqwest::Client::new();
    let token = token(&client, args).await;
    let started = Instant::now();
    let (mut after, mut events, mut pages) = (0i64, 0usize, 0usize);
    loop {
        let response = client
            .get(format!("{}/v1/events?after={after}&limit=10000", args.url))
            .bearer_auth(&token)
            .header("accept", "application/x-ndjson")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let body = response.text().await.unwrap();
        let mut read = 0;
        for line in body.lines() {
            let event: Value = serde_json::from_str(line).unwrap();
            let seq = event["seq"].as_i64().unwrap();
            assert!(seq > after, "seq {seq} after {after}");
            after = seq;
            read += 1;
        }
        pages += 1;
        events += read;
        if read == 0 {
            break;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "mode": "feed",
            "events": events,
            "pages": pages,
            "seconds": (elapsed * 100.0).round() / 100.0,
            "events_per_second": (events as f64 / elapsed).round(),
        })
    );
}

/// `--concurrency` clients asking for `paths` (round robin) for `--seconds`; latencies of
/// the 200 answers, sorted, and the number of other answers.
async fn hammer(
    client: &reqwest::Client,
    args: &Args,
    token: &str,
    paths: &[String],
) -> (Vec<Duration>, usize, f64) {
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut workers = Vec::new();
    for worker in 0..args.concurrency {
        let client = client.clone();
        let token = token.to_owned();
        let urls: Vec<String> = paths.iter().map(|p| format!("{}{p}", args.url)).collect();
        workers.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut n = worker * 7919;
            while Instant::now() < deadline {
                let started = Instant::now();
                let response = client
                    .get(&urls[n % urls.len()])
                    .bearer_auth(&token)
                    .send()
                    .await;
                tally.record(response, 200, started).await;
                n += 1;
            }
            tally.into_parts()
        }));
    }
    gather(workers).await
}

/// What one worker saw: the latency of each answer with the expected status, and the
/// number of the others (failed requests included).
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    errors: usize,
}

impl Tally {
    /// Counts the answer to a request sent at `started`, read to its end.
    async fn record(
        &mut self,
        response: reqwest::Result<reqwest::Response>,
        expected: u16,
        started: Instant,
    ) {
        match response {
            Ok(response) if response.status().as_u16() == expected => {
                let _ = response.bytes().await;
                self.latencies.push(started.elapsed());
            }
            _ => self.errors += 1,
        }
    }

    fn into_parts(self) -> (Vec<Duration>, usize) {
        (self.latencies, self.errors)
    }
}

/// Waits for every worker: their latencies together, sorted, the errors added up, and the
/// seconds waited.
async fn gather(
    workers: Vec<tokio::task::JoinHandle<(Vec<Duration>, usize)>>,
) -> (Vec<Duration>, usize, f64) {
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await.unwrap();
        latencies.append(&mut l);
        errors += e;
    }
    latencies.sort();
    (latencies, errors, started.elapsed().as_secs_f64())
}

async fn run_reads(args: &Args) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()
        .unwrap();
    let token = token(&client, args).await;
    let page: Value = client
        .get(format!("{}/v1/tickets?limit=200", args.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reads: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ticket| format!("/v1/tickets/{}", ticket["id"].as_str().unwrap()))
        .collect();
    let lists = vec!["/v1/tickets?limit=50".to_owned()];
    for (what, paths) in [("read", reads), ("list", lists)] {
        let (latencies, errors, elapsed) = hammer(&client, args, &token, &paths).await;
        println!(
            "{}",
            json!({
                "mode": "reads",
                "what": what,
                "concurrency": args.concurrency,
                "requests": latencies.len(),
                "errors": errors,
                "per_second": (latencies.len() as f64 / elapsed).round(),
                "p50_ms": percentile(&latencies, 0.50).as_secs_f64() * 1000.0,
                "p99_ms": percentile(&latencies, 0.99).as_secs_f64() * 1000.0,
            })
        );
    }
}

// One thread: the generator shares the machine with the service and the database it
// measures, so it should take as little of it as it can (a thousand requests a second
// are far within one thread's reach).
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = args();
    match args.mode.as_str() {
        "intake" => run_intake(&args).await,
        "pagination" => run_pagination(&args).await,
        "assign" => run_assign(&args).await,
        "candidates" => run_candidates(&args).await,
        "feed" => run_feed(&args).await,
        "reads" => run_reads(&args).await,
        other => {
            panic!("unknown mode {other}: intake, pagination, assign, candidates, feed or reads")
        }
    }
}
