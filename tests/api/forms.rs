//! Issue 16: walk-in consultations, and the company as Japanese forms record it (フリガナ, the
//! address in parts, the total head count beside the regular employees), with the `?city=`
//! filter and the report rows by channel and by municipality.
use chrono::Utc;
use onestop::{auth::Role, domain::fiscal_year::FiscalYear};
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app};

fn filing(company: Value) -> Value {
    json!({
        "company": company,
        "contact": {"name": "山田 太郎", "email": "yamada@example.jp"},
        "subject": "在宅勤務の導入について",
        "description": "テレワーク導入にあたり相談したい。",
        "topics": ["general.getting_started"]
    })
}

fn company() -> Value {
    json!({"name": "株式会社サンプル製作所", "prefecture": "13", "industry": "E", "employees": 45})
}

async fn file(app: &TestApp, token: &str, body: &Value) -> Value {
    let response = app.post_json("/v1/tickets", token, body).await;
    let status = response.status().as_u16();
    let case: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{case}");
    case
}

async fn ticket_count(app: &TestApp, token: &str) -> usize {
    let page: Value = app
        .get("/v1/tickets?limit=200", token)
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().len()
}

async fn report(app: &TestApp, token: &str, group_by: &str) -> Value {
    let year = FiscalYear::of_instant(Utc::now()).year();
    let response = app
        .get(
            &format!("/v1/reports/summary?fiscal_year={year}&group_by={group_by}"),
            token,
        )
        .await;
    assert_eq!(response.status().as_u16(), 200, "{group_by}");
    response.json().await.unwrap()
}

fn row<'a>(report: &'a Value, key: Option<&str>) -> &'a Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["key"].as_str() == key)
        .unwrap_or_else(|| panic!("no row {key:?} in {report}"))
}

#[tokio::test]
async fn a_coordinator_files_a_walk_in_case_in_contact_on_receipt_as_by_phone_and_a_partner_cannot()
{
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    for channel in ["walk_in", "phone"] {
        let mut body = filing(company());
        body["channel"] = json!(channel);
        let case = file(&app, &coordinator, &body).await;
        assert_eq!(case["channel"], channel);
        assert_eq!(
            case["partner_id"],
            Value::Null,
            "{channel}: the center's own"
        );
        assert_eq!(
            case["sla"]["first_contact_met"], true,
            "{channel}: in contact on receipt"
        );
        assert_eq!(
            case["sla"]["first_contact_at"], case["created_at"],
            "{channel}: first contact is the receipt"
        );
        let refused = app.post_json("/v1/tickets", &partner, &body).await;
        let problem = assert_problem(refused, 422, &format!("a partner filing {channel}")).await;
        assert_eq!(error_fields(&problem), ["channel"], "{problem}");
    }
    // A partner's own case is not in contact until the center acts.
    let case = file(&app, &partner, &filing(company())).await;
    assert_eq!(case["sla"]["first_contact_met"], Value::Null);
    let missing = app
        .post_json("/v1/tickets", &coordinator, &filing(company()))
        .await;
    let problem = assert_problem(missing, 422, "a coordinator without a channel").await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("walk_in"),
        "the choices name walk_in: {problem}"
    );
    assert_eq!(ticket_count(&app, &coordinator).await, 3);
}

#[tokio::test]
async fn the_report_by_channel_has_a_walk_in_row_equal_to_a_recount_in_json_and_csv() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let plan = [
        Some("walk_in"),
        Some("walk_in"),
        Some("walk_in"),
        Some("phone"),
        Some("email"),
        None,
        None,
    ];
    for channel in plan {
        let mut body = filing(company());
        let token = match channel {
            Some(channel) => {
                body["channel"] = json!(channel);
                &coordinator
            }
            None => &partner,
        };
        file(&app, token, &body).await;
    }
    let analyst = app.token_with_role(Role::Analyst).await;
    let report = report(&app, &analyst, "channel").await;
    assert_eq!(report["group_by"], "channel");
    let expected = [("email", 1), ("partner", 2), ("phone", 1), ("walk_in", 3)];
    let keys: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        expected.map(|(key, _)| key),
        "one row per channel: {report}"
    );
    for (key, received) in expected {
        assert_eq!(row(&report, Some(key))["received"], received, "{key}");
    }
    assert_eq!(row(&report, Some("walk_in"))["label"], "窓口 (walk_in)");
    assert_eq!(report["totals"]["received"], 7);
    let year = FiscalYear::of_instant(Utc::now()).year();
    let csv = app
        .api
        .get(app.url(&format!(
            "/v1/reports/summary?fiscal_year={year}&group_by=channel"
        )))
        .bearer_auth(&analyst)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.lines()
            .any(|line| line.starts_with("walk_in,窓口 (walk_in),3,")),
        "{csv}"
    );
}

#[tokio::test]
async fn name_kana_is_stored_as_full_width_katakana_whatever_width_it_was_typed_in() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let cases = [
        (
            "カブシキガイシャ サンプル",
            "カブシキガイシャ\u{3000}サンプル",
        ),
        ("ｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ", "カブシキガイシャ\u{3000}サンプル"),
        ("ﾃﾚﾜｰｸ　ｺｳﾎﾞｳ", "テレワーク\u{3000}コウボウ"),
        ("ﾊﾟﾋﾟﾌﾟﾍﾟﾎﾟ", "パピプペポ"),
        ("ｳﾞｨｰﾅｽ", "ヴィーナス"),
        ("カ\u{3099}ス", "ガス"),
        ("  ヤマダ　　 コウギョウ ", "ヤマダ\u{3000}コウギョウ"),
    ];
    for (index, (typed, stored)) in cases.into_iter().enumerate() {
        let mut company = company();
        company["name"] = json!(format!("株式会社フリガナ{index}"));
        company["name_kana"] = json!(typed);
        let mut body = filing(company);
        body["channel"] = json!("web");
        let case = file(&app, &coordinator, &body).await;
        assert_eq!(case["company"]["name_kana"], stored, "{typed:?}");
        assert_eq!(
            case["company_record"]["name_kana"], stored,
            "the first filing makes the record: {typed:?}"
        );
        let id = case["id"].as_str().unwrap();
        let read: Value = app
            .get(&format!("/v1/tickets/{id}"), &coordinator)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(read["company"]["name_kana"], stored, "read back: {typed:?}");
    }
}

#[tokio::test]
async fn every_name_kana_that_is_not_katakana_is_422_naming_the_field_and_files_nothing() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let bad = [
        ("", "empty"),
        ("　 ", "only spaces"),
        ("やまだこうぎょう", "hiragana"),
        ("山田工業", "kanji"),
        ("Yamada Kogyo", "Latin letters"),
        ("ヤマダ1", "an ASCII digit"),
        ("ヤマダ１", "a full-width digit"),
        ("ヤマダ・テック", "a middle dot"),
        ("ｱﾞ", "a voiced mark no kana takes"),
        ("゛", "a voiced mark alone"),
        ("ヤマダ(カ)", "parentheses"),
        ("㌔", "a squared katakana word"),
        ("ヤマダ\nコウギョウ", "a line break"),
        ("ヤマダ～", "a wave dash"),
        (&"ア".repeat(201), "201 characters"),
    ];
    for (kana, reason) in bad {
        let mut company = company();
        company["name_kana"] = json!(kana);
        let response = app
            .post_json("/v1/tickets", &partner, &filing(company))
            .await;
        let problem = assert_problem(response, 422, reason).await;
        assert_eq!(
            error_fields(&problem),
            ["company.name_kana"],
            "{reason}: {problem}"
        );
    }
    assert_eq!(ticket_count(&app, &partner).await, 0, "nothing was filed");
}

#[tokio::test]
async fn addresses_are_normalized_and_shown_on_the_case_and_the_company_record() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let cases = [
        (
            json!({"postal_code": "100-0001", "city": "千代田区", "street": "千代田1-1"}),
            "100-0001",
        ),
        (
            json!({"postal_code": "1000001", "prefecture": "13", "city": "千代田区"}),
            "100-0001",
        ),
        (
            json!({"postal_code": "１００－０００１", "prefecture": "東京都", "city": "千代田区"}),
            "100-0001",
        ),
        (
            json!({"postal_code": "〒100-0001", "prefecture": "東京", "city": "西多摩郡瑞穂町"}),
            "100-0001",
        ),
        (
            json!({"postal_code": "１０００００１", "city": " 八王子市 ", "street": "元本郷町三丁目24番1号", "building": "サンプルビル3階"}),
            "100-0001",
        ),
    ];
    for (index, (address, postal_code)) in cases.into_iter().enumerate() {
        let mut company = company();
        company["name"] = json!(format!("株式会社住所{index}"));
        company["address"] = address.clone();
        let mut body = filing(company);
        body["channel"] = json!("walk_in");
        let case = file(&app, &coordinator, &body).await;
        let shown = &case["company"]["address"];
        assert_eq!(shown["postal_code"], postal_code, "{address}");
        assert_eq!(shown["prefecture"], "13", "{address}");
        assert_eq!(shown["prefecture_name"], "東京都", "{address}");
        assert_eq!(
            shown["city"],
            address["city"].as_str().unwrap().trim(),
            "{address}"
        );
        assert_eq!(shown["street"], address["street"], "{address}");
        assert_eq!(shown["building"], address["building"], "{address}");
        assert_eq!(case["company_record"]["address"], *shown, "{address}");
    }
    let mut plain = filing(company());
    plain["channel"] = json!("phone");
    let case = file(&app, &coordinator, &plain).await;
    assert_eq!(case["company"]["address"], Value::Null, "no address given");
}

#[tokio::test]
async fn every_bad_address_is_422_naming_its_part_and_files_nothing() {
    let app = spawn_app().await;
    let partner = app.token_with_role(Role::Partner).await;
    let long = |n: usize| "あ".repeat(n);
    let bad: Vec<(Value, &str, &str)> = vec![
        (
            json!({"postal_code": "100", "city": "千代田区"}),
            "company.address.postal_code",
            "three digits",
        ),
        (
            json!({"postal_code": "100-001", "city": "千代田区"}),
            "company.address.postal_code",
            "seven digits short",
        ),
        (
            json!({"postal_code": "1000-001", "city": "千代田区"}),
            "company.address.postal_code",
            "the hyphen misplaced",
        ),
        (
            json!({"postal_code": "100-00011", "city": "千代田区"}),
            "company.address.postal_code",
            "eight digits",
        ),
        (
            json!({"postal_code": "100 0001", "city": "千代田区"}),
            "company.address.postal_code",
            "a space for the hyphen",
        ),
        (
            json!({"postal_code": "abc-defg", "city": "千代田区"}),
            "company.address.postal_code",
            "letters",
        ),
        (
            json!({"postal_code": "", "city": "千代田区"}),
            "company.address.postal_code",
            "empty",
        ),
        (
            json!({"postal_code": "100--0001", "city": "千代田区"}),
            "company.address.postal_code",
            "two hyphens",
        ),
        (
            json!({"prefecture": "27", "city": "大阪市北区"}),
            "company.address.prefecture",
            "another prefecture",
        ),
        (
            json!({"prefecture": "大阪府", "city": "千代田区"}),
            "company.address.prefecture",
            "another prefecture by name",
        ),
        (
            json!({"prefecture": "99", "city": "千代田区"}),
            "company.address.prefecture",
            "no such prefecture",
        ),
        (
            json!({"postal_code": "100-0001"}),
            "company.address.city",
            "no city",
        ),
        (json!({"city": ""}), "company.address.city", "an empty city"),
        (
            json!({"city": "千代田"}),
            "company.address.city",
            "not a municipality",
        ),
        (
            json!({"city": format!("{}市", long(50))}),
            "company.address.city",
            "a 51-character city",
        ),
        (
            json!({"city": "千代田\n区"}),
            "company.address.city",
            "a line break",
        ),
        (
            json!({"city": "千代田区", "street": long(101)}),
            "company.address.street",
            "a 101-character street",
        ),
        (
            json!({"city": "千代田区", "street": "  "}),
            "company.address.street",
            "a blank street",
        ),
        (
            json!({"city": "千代田区", "building": long(101)}),
            "company.address.building",
            "a 101-character building",
        ),
        (
            json!({"city": "千代田区", "building": "ビル\t3階"}),
            "company.address.building",
            "a tab",
        ),
    ];
    for (address, field, reason) in bad {
        let mut company = company();
        company["address"] = address;
        let response = app
            .post_json("/v1/tickets", &partner, &filing(company))
            .await;
        let problem = assert_problem(response, 422, reason).await;
        assert_eq!(error_fields(&problem), [field], "{reason}: {problem}");
    }
    assert_eq!(ticket_count(&app, &partner).await, 0, "nothing was filed");
}

#[tokio::test]
async fn the_total_head_count_is_at_least_the_regular_employees_which_decide_the_sme_class() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let mut too_few = company();
    too_few["total_employees"] = json!(44);
    let problem = assert_problem(
        app.post_json("/v1/tickets", &partner, &filing(too_few))
            .await,
        422,
        "44 in all beside 45 regular",
    )
    .await;
    assert_eq!(error_fields(&problem), ["company.total_employees"]);
    let mut negative = company();
    negative["total_employees"] = json!(-1);
    let problem = assert_problem(
        app.post_json("/v1/tickets", &partner, &filing(negative))
            .await,
        422,
        "a negative head count",
    )
    .await;
    assert_eq!(error_fields(&problem), ["company.total_employees"]);

    // Manufacturing: an SME up to 300 regular employees, whatever the total.
    let mut large_total = company();
    large_total["employees"] = json!(300);
    large_total["total_employees"] = json!(900);
    large_total["capital_jpy"] = json!(1_000_000_000);
    let case = file(&app, &partner, &filing(large_total)).await;
    assert_eq!(case["company"]["employees"], 300);
    assert_eq!(case["company"]["total_employees"], 900);
    assert_eq!(case["company"]["is_sme"], true, "judged by the regular 300");
    let id = case["id"].as_str().unwrap();
    let etag = format!("\"{}\"", case["version"]);

    // Corrections are held to the same rules against what is stored.
    let patch = |body: Value| {
        let app = &app;
        let coordinator = &coordinator;
        let etag = etag.clone();
        async move {
            app.patch_json(
                &format!("/v1/tickets/{id}"),
                coordinator,
                Some(&etag),
                &body,
            )
            .await
        }
    };
    let problem = assert_problem(
        patch(json!({"company": {"total_employees": 299}})).await,
        422,
        "a total below the stored regular employees",
    )
    .await;
    assert_eq!(error_fields(&problem), ["company.total_employees"]);
    let problem = assert_problem(
        patch(json!({"company": {"address": {"prefecture": "27", "city": "大阪市北区"}}})).await,
        422,
        "an address in another prefecture than the stored one",
    )
    .await;
    assert_eq!(error_fields(&problem), ["company.address.prefecture"]);
    let problem = assert_problem(
        patch(json!({"company": {"name_kana": "さんぷる"}})).await,
        422,
        "hiragana in a correction",
    )
    .await;
    assert_eq!(error_fields(&problem), ["company.name_kana"]);
    let response = patch(json!({"company": {
        "name_kana": "ｻﾝﾌﾟﾙ", "total_employees": 300,
        "address": {"prefecture": "13", "postal_code": "1600023", "city": "新宿区"}}}))
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let corrected: Value = response.json().await.unwrap();
    assert_eq!(corrected["company"]["name_kana"], "サンプル");
    assert_eq!(corrected["company"]["total_employees"], 300);
    assert_eq!(corrected["company"]["address"]["postal_code"], "160-0023");

    // The shared record: the same rules, its fields named without the prefix.
    let record = corrected["company_record"]["id"].as_str().unwrap();
    let version = corrected["company_record"]["version"].to_string();
    let response = app
        .patch_json(
            &format!("/v1/companies/{record}"),
            &coordinator,
            Some(&format!("\"{version}\"")),
            &json!({"address": {"prefecture": "01", "city": "札幌市中央区"}}),
        )
        .await;
    let problem = assert_problem(response, 422, "the record's address elsewhere").await;
    assert_eq!(error_fields(&problem), ["address.prefecture"]);
    let response = app
        .patch_json(
            &format!("/v1/companies/{record}"),
            &coordinator,
            Some(&format!("\"{version}\"")),
            &json!({"name_kana": "ｶﾌﾞｼｷｶﾞｲｼｬ ｻﾝﾌﾟﾙ", "address": {"postal_code": "１００－０００１", "city": "千代田区"}, "total_employees": 310}),
        )
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let record: Value = response.json().await.unwrap();
    assert_eq!(record["name_kana"], "カブシキガイシャ\u{3000}サンプル");
    assert_eq!(record["address"]["postal_code"], "100-0001");
    assert_eq!(record["address"]["city"], "千代田区");
    assert_eq!(record["total_employees"], 310);
}

#[tokio::test]
async fn cases_are_filtered_by_city_and_the_report_has_a_row_per_municipality() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    // (prefecture, city)
    let plan = [
        ("13", Some("千代田区")),
        ("13", Some("千代田区")),
        ("13", Some("府中市")),
        ("34", Some("府中市")),
        ("13", None),
    ];
    for (index, (prefecture, city)) in plan.into_iter().enumerate() {
        let mut company = company();
        company["name"] = json!(format!("株式会社市区町村{index}"));
        company["prefecture"] = json!(prefecture);
        if let Some(city) = city {
            company["address"] = json!({"city": city});
        }
        let mut body = filing(company);
        body["channel"] = json!("walk_in");
        file(&app, &coordinator, &body).await;
    }
    let listed = |query: &str| {
        let app = &app;
        let coordinator = &coordinator;
        let path = format!("/v1/tickets?{query}");
        async move {
            let response = app.get(&path, coordinator).await;
            assert_eq!(response.status().as_u16(), 200, "{path}");
            let page: Value = response.json().await.unwrap();
            page["items"].as_array().unwrap().len()
        }
    };
    assert_eq!(listed("city=千代田区").await, 2);
    assert_eq!(listed("city=府中市").await, 2, "both 府中市");
    assert_eq!(listed("city=府中市&prefecture=34").await, 1);
    assert_eq!(listed("city=新宿区").await, 0);
    let problem = assert_problem(
        app.get("/v1/tickets?city=千代田", &coordinator).await,
        422,
        "not a municipality",
    )
    .await;
    assert_eq!(error_fields(&problem), ["city"]);

    let analyst = app.token_with_role(Role::Analyst).await;
    let report = report(&app, &analyst, "city").await;
    let expected = [
        (Some("13:千代田区"), 2, "東京都千代田区"),
        (Some("13:府中市"), 1, "東京都府中市"),
        (Some("34:府中市"), 1, "広島県府中市"),
        (None, 1, "住所なし (no address)"),
    ];
    assert_eq!(
        report["rows"].as_array().unwrap().len(),
        expected.len(),
        "{report}"
    );
    for (key, received, label) in expected {
        let row = row(&report, key);
        assert_eq!(row["received"], received, "{key:?}");
        assert_eq!(row["label"], label, "{key:?}");
    }
}
