//! Training a model version over 10,000 overrides, as `POST /v1/routing/models` does it:
//! the shipped examples plus the overrides, the evaluation on the shipped sets, 5-fold
//! cross-validation over the overrides, and the serialization that is stored.
//!
//! Run with `cargo bench --bench training`. The target is under 5 s in release; the line
//! printed first times one whole run directly, criterion then reports the spread.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use onestop::classifier::RuleSet;
use onestop::classifier::evaluation::{LabelledTicket, train_and_evaluate};
use onestop::domain::topic::Topic;
use onestop::domain::track::Track;

const OVERRIDES: usize = 10_000;

/// Phrases written for the benchmark, combined into varied case texts of 60–200 characters.
const ICT: [&str; 12] = [
    "自宅から社内のファイルサーバに入れない",
    "VPNの接続が午後になると切れる",
    "Web会議で声が途切れる",
    "ノートPCの暗号化をしたい",
    "クラウドストレージの共有設定が不安",
    "電子契約を取引先と使いたい",
    "代表電話を在宅で受けたい",
    "稟議のハンコをなくしたい",
    "私物スマホで会社のメールを見る",
    "Our laptops need remote wipe",
    "the shared drive is slow from home",
    "ルーターの設定を見直したい",
];
const LABOR: [&str; 12] = [
    "在宅勤務の中抜け時間の扱い",
    "通信費を手当で払うか実費で精算するか",
    "就業規則にテレワークの規定を入れたい",
    "在宅の日の残業申請のルール",
    "在宅勤務者の評価が不公平だと言われた",
    "自宅で転んだら労災になるか",
    "助成金の申請の時期を知りたい",
    "パートにも在宅を認めるべきか",
    "モニター代を会社に請求できるか",
    "Who pays for the home internet bill",
    "overtime for answering chats at night",
    "休憩時間の記録の仕方",
];
const FILLER: [&str; 6] = [
    "当社は社員30名の卸売業です。",
    "先月からテレワークを始めました。",
    "社内で意見が分かれています。",
    "どう進めればよいでしょうか。",
    "We are a small company in Osaka.",
    "急ぎではありませんが相談したいです。",
];

/// A deterministic stream of pseudo-random numbers (no dependency, same cases every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

fn overrides() -> Vec<LabelledTicket> {
    let mut random = Lcg(15);
    (0..OVERRIDES)
        .map(|i| {
            let track = if random.next(2) == 0 {
                Track::Ict
            } else {
                Track::Labor
            };
            let (own, other) = match track {
                Track::Ict => (&ICT, &LABOR),
                Track::Labor => (&LABOR, &ICT),
            };
            let mut description = String::from(FILLER[random.next(FILLER.len())]);
            for _ in 0..1 + random.next(3) {
                description.push_str(own[random.next(own.len())]);
                description.push('。');
            }
            // Some overrides mention the other track in passing, as real cases do.
            if random.next(4) == 0 {
                description.push_str(other[random.next(other.len())]);
                description.push('。');
            }
            description.push_str(&format!("（案件{i}）"));
            LabelledTicket {
                subject: own[random.next(own.len())].to_owned(),
                description,
                topics: vec![Topic::ALL[random.next(Topic::ALL.len())]],
                track,
            }
        })
        .collect()
}

fn bench_training(c: &mut Criterion) {
    let rules = RuleSet::default_rules().unwrap();
    let overrides = overrides();

    let start = Instant::now();
    let trained = train_and_evaluate(&rules, &overrides).unwrap();
    let stored = trained.model.to_stored();
    let elapsed = start.elapsed();
    let cv = trained.evaluation.cross_validation.as_ref().unwrap();
    println!(
        "train + evaluate + serialize over {} overrides: {:.2} s ({} n-grams, {} bytes stored, \
         cross-validation {}/{} right)",
        OVERRIDES,
        elapsed.as_secs_f64(),
        trained.model.vocabulary_size(),
        stored.len(),
        cv.correct,
        cv.overrides
    );

    let mut group = c.benchmark_group("training");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("train_evaluate_serialize_10000_overrides", |b| {
        b.iter(|| {
            let trained = train_and_evaluate(black_box(&rules), black_box(&overrides)).unwrap();
            black_box(trained.model.to_stored())
        })
    });
    group.finish();
}

criterion_group!(benches, bench_training);
criterion_main!(benches);
