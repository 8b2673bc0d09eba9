//! Consultants' calendars: the sessions across cases (a manager's own, the center's every
//! one), and the iCalendar feed at a secret URL, read back by the `icalendar` crate's parser.
use icalendar::{
    Calendar, CalendarComponent, CalendarDateTime, Component, DatePerhapsTime, EventStatus,
};
use onestop::auth::Role;
use serde_json::{Value, json};

use crate::consulting::{
    assign_to, expect_json, id_of, intake_of_company, new_manager, routed_ticket, unique_company,
};
use crate::helpers::{TestApp, assert_problem, error_fields, spawn_app, spawn_app_with};

/// Books an online session of `minutes` on case `id` and returns it.
async fn booked(app: &TestApp, token: &str, id: &str, starts_at: &str, minutes: u32) -> Value {
    expect_json(
        app.post_json(
            &format!("/v1/tickets/{id}/sessions"),
            token,
            &json!({"starts_at": starts_at, "duration_minutes": minutes, "mode": "online"}),
        )
        .await,
        201,
        &format!("booking {starts_at}"),
    )
    .await
}

/// A routed case of a company of its own, assigned to `manager`; returns its id and reference.
async fn assigned_ticket(
    app: &TestApp,
    partner: &str,
    coordinator: &str,
    manager: &str,
    n: usize,
) -> (String, String) {
    let body = intake_of_company(&unique_company("カレンダー", n));
    let id = routed_ticket(app, partner, coordinator, "labor", &body).await;
    let assigned = assign_to(app, coordinator, &id, manager).await;
    let reference = assigned["ticket"]["reference"].as_str().unwrap().to_owned();
    (id, reference)
}

/// `GET path` as `token`: the page's items and its `next_cursor`.
async fn page(app: &TestApp, token: &str, path: &str) -> (Vec<Value>, Option<String>) {
    let body = expect_json(app.get(path, token).await, 200, path).await;
    (
        body["items"].as_array().unwrap().clone(),
        body["next_cursor"].as_str().map(str::to_owned),
    )
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(id_of).collect()
}

#[tokio::test]
async fn a_manager_lists_their_own_sessions_across_cases_and_the_center_every_ones() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let first = new_manager(&app, &coordinator, "暦 一郎", &["labor"], 3).await;
    let second = new_manager(&app, &coordinator, "暦 二郎", &["labor"], 3).await;
    let (one, one_ref) = assigned_ticket(&app, &partner, &coordinator, &first, 1).await;
    let (two, _) = assigned_ticket(&app, &partner, &coordinator, &first, 2).await;
    let (three, _) = assigned_ticket(&app, &partner, &coordinator, &second, 3).await;
    // Booked out of order: the list goes by start.
    let july = booked(&app, &coordinator, &one, "2030-07-01T01:00:00Z", 60).await;
    let june_5 = booked(&app, &coordinator, &two, "2030-06-05T01:00:00Z", 60).await;
    let june_3 = booked(&app, &coordinator, &one, "2030-06-03T01:00:00Z", 90).await;
    let june_4 = booked(&app, &coordinator, &three, "2030-06-04T01:00:00Z", 60).await;

    let own = app.manager_token(first.parse().unwrap()).await;
    let (items, next) = page(&app, &own, "/v1/sessions").await;
    assert_eq!(
        ids(&items),
        vec![id_of(&june_3), id_of(&june_5), id_of(&july)],
        "a manager's own sessions across their cases, by start"
    );
    assert!(next.is_none());
    assert_eq!(items[0]["reference"], one_ref.as_str(), "{}", items[0]);
    assert_eq!(items[0]["company_name"], unique_company("カレンダー", 1));
    assert_eq!(items[0]["ticket_id"], one.as_str());
    assert_eq!(items[0]["sequence"], 0);
    assert!(
        items
            .iter()
            .all(|item| item["manager_id"] == first.as_str())
    );
    let (others, _) = page(&app, &own, &format!("/v1/sessions?manager_id={second}")).await;
    assert!(
        others.is_empty(),
        "another manager's sessions are filtered out, not shown: {others:?}"
    );

    let (all, _) = page(&app, &coordinator, "/v1/sessions").await;
    assert_eq!(
        ids(&all),
        vec![id_of(&june_3), id_of(&june_4), id_of(&june_5), id_of(&july)],
        "the center sees every manager's sessions"
    );
    let (of_second, _) = page(
        &app,
        &coordinator,
        &format!("/v1/sessions?manager_id={second}"),
    )
    .await;
    assert_eq!(ids(&of_second), vec![id_of(&june_4)]);
    let (june, _) = page(
        &app,
        &coordinator,
        "/v1/sessions?from=2030-06-04&to=2030-06-30",
    )
    .await;
    assert_eq!(
        ids(&june),
        vec![id_of(&june_4), id_of(&june_5)],
        "Japan calendar days, inclusive"
    );

    expect_json(
        app.patch_json(
            &format!("/v1/sessions/{}", id_of(&june_5)),
            &coordinator,
            None,
            &json!({"status": "cancelled"}),
        )
        .await,
        200,
        "cancelling",
    )
    .await;
    let (cancelled, _) = page(&app, &coordinator, "/v1/sessions?status=cancelled").await;
    assert_eq!(ids(&cancelled), vec![id_of(&june_5)]);
    assert_eq!(cancelled[0]["sequence"], 1, "a change bumps the sequence");

    // Two at a time: every session once, in order, with a Link to the next page.
    let response = app.get("/v1/sessions?limit=2", &coordinator).await;
    let link = response
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = expect_json(response, 200, "first page").await;
    assert!(link.contains("rel=\"next\""), "{link}");
    let cursor = body["next_cursor"].as_str().unwrap().to_owned();
    let (rest, last) = page(
        &app,
        &coordinator,
        &format!("/v1/sessions?limit=2&cursor={cursor}"),
    )
    .await;
    assert!(last.is_none());
    let mut paged = ids(body["items"].as_array().unwrap());
    paged.extend(ids(&rest));
    assert_eq!(paged, ids(&all), "pages add up to the list");
    assert_problem(
        app.get(
            &format!("/v1/sessions?limit=2&cursor={cursor}&status=held"),
            &coordinator,
        )
        .await,
        422,
        "a cursor of other filters",
    )
    .await;

    for (query, field) in [
        ("from=2030-07-01&to=2030-06-01", "to"),
        ("status=maybe", "status"),
        ("from=1800-01-01", "from"),
        ("limit=0", "limit"),
    ] {
        let problem = assert_problem(
            app.get(&format!("/v1/sessions?{query}"), &coordinator)
                .await,
            422,
            query,
        )
        .await;
        assert_eq!(error_fields(&problem), vec![field], "{query}: {problem}");
    }
    for role in [Role::Partner, Role::Analyst, Role::Admin] {
        let token = app.token_with_role(role).await;
        assert_problem(app.get("/v1/sessions", &token).await, 403, "role").await;
    }
}

/// `POST /v1/managers/{id}/calendar-token` as `token`; the feed URL.
async fn feed_url(app: &TestApp, token: &str, manager: &str) -> String {
    let body = expect_json(
        app.post_json(
            &format!("/v1/managers/{manager}/calendar-token"),
            token,
            &json!({}),
        )
        .await,
        200,
        "issuing a feed URL",
    )
    .await;
    assert_eq!(body["manager_id"], manager);
    body["url"].as_str().unwrap().to_owned()
}

/// The feed at `url`, fetched without any bearer token, and its text.
async fn fetch_feed(app: &TestApp, url: &str) -> (u16, String, String) {
    let response = app.api.get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, response.text().await.unwrap())
}

/// Reads a served feed with the parser and checks the calendar's shape: the Asia/Tokyo
/// VTIMEZONE (JST, +09:00, no daylight saving) and every event in Tokyo time.
fn parse_feed(text: &str) -> Calendar {
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    let calendar: Calendar = text.parse().expect("the feed parses as iCalendar");
    assert_eq!(calendar.property_value("VERSION"), Some("2.0"));
    let timezones: Vec<_> = calendar
        .components
        .iter()
        .filter_map(|component| match component {
            CalendarComponent::Other(other) if other.component_kind() == "VTIMEZONE" => Some(other),
            _ => None,
        })
        .collect();
    assert_eq!(timezones.len(), 1, "one VTIMEZONE: {text}");
    let timezone = timezones[0];
    assert_eq!(timezone.property_value("TZID"), Some("Asia/Tokyo"));
    let rules = timezone.components();
    assert_eq!(rules.len(), 1, "JST has no daylight saving: {text}");
    assert_eq!(rules[0].component_kind(), "STANDARD");
    assert_eq!(rules[0].property_value("TZOFFSETTO"), Some("+0900"));
    assert_eq!(rules[0].property_value("TZOFFSETFROM"), Some("+0900"));
    assert_eq!(rules[0].property_value("TZNAME"), Some("JST"));
    calendar
}

/// The Tokyo wall time of an event's DTSTART, as `YYYYMMDDTHHMMSS`.
fn tokyo_start(event: &icalendar::Event) -> String {
    match event.get_start() {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, tzid })) => {
            assert_eq!(tzid, "Asia/Tokyo");
            date_time.format("%Y%m%dT%H%M%S").to_string()
        }
        other => panic!("DTSTART is not in Tokyo time: {other:?}"),
    }
}

#[tokio::test]
async fn the_feed_is_icalendar_that_follows_every_change_and_its_url_can_be_rotated_and_revoked() {
    let app = spawn_app().await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "暦 花子", &["labor"], 3).await;
    let other_manager = new_manager(&app, &coordinator, "暦 次郎", &["labor"], 3).await;
    let (one, one_ref) = assigned_ticket(&app, &partner, &coordinator, &manager, 11).await;
    let (two, two_ref) = assigned_ticket(&app, &partner, &coordinator, &manager, 12).await;
    let first = booked(&app, &coordinator, &one, "2030-06-03T01:00:00Z", 90).await;
    let second = booked(&app, &coordinator, &two, "2030-06-04T05:30:00Z", 60).await;
    let own = app.manager_token(manager.parse().unwrap()).await;

    let url = feed_url(&app, &own, &manager).await;
    assert!(
        url.starts_with(&format!(
            "{}/v1/managers/{manager}/calendar.ics?token=",
            app.address
        )),
        "{url}"
    );
    let token = url.split("token=").nth(1).unwrap().to_owned();
    assert!(
        token.len() >= 4 + 22,
        "at least 128 bits of randomness: {token}"
    );
    let (status, content_type, text) = fetch_feed(&app, &url).await;
    assert_eq!(status, 200, "{text}");
    assert_eq!(content_type, "text/calendar; charset=utf-8");
    let calendar = parse_feed(&text);
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 2, "{text}");
    let first_uid = events[0].get_uid().unwrap().to_owned();
    assert!(first_uid.contains(&id_of(&first)), "{first_uid}");
    assert_ne!(Some(first_uid.as_str()), events[1].get_uid());
    assert_eq!(events[0].get_sequence(), Some(0));
    assert_eq!(tokyo_start(events[0]), "20300603T100000", "10:00 in Tokyo");
    assert_eq!(tokyo_start(events[1]), "20300604T143000");
    let summary = events[0].get_summary().unwrap();
    assert!(
        summary.contains(&unique_company("カレンダー", 11)) && summary.contains(&one_ref),
        "the company and the case: {summary}"
    );
    assert!(events[1].get_summary().unwrap().contains(&two_ref));
    assert_eq!(events[0].get_status(), Some(EventStatus::Confirmed));
    for contact in ["山田", "yamada@example.jp", "03-1234-5678"] {
        assert!(!text.contains(contact), "no contact details: {contact}");
    }

    // A change bumps SEQUENCE under the same UID; a cancellation shows as CANCELLED.
    expect_json(
        app.patch_json(
            &format!("/v1/sessions/{}", id_of(&first)),
            &own,
            None,
            &json!({"notes": "資料を送付済み"}),
        )
        .await,
        200,
        "changing notes",
    )
    .await;
    expect_json(
        app.patch_json(
            &format!("/v1/sessions/{}", id_of(&second)),
            &own,
            None,
            &json!({"status": "cancelled"}),
        )
        .await,
        200,
        "cancelling",
    )
    .await;
    let (_, _, text) = fetch_feed(&app, &url).await;
    assert!(
        !text.contains("資料を送付済み"),
        "notes stay out of the feed"
    );
    let calendar = parse_feed(&text);
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 2, "a cancelled session stays, cancelled");
    assert_eq!(events[0].get_uid(), Some(first_uid.as_str()), "stable UID");
    assert_eq!(events[0].get_sequence(), Some(1));
    assert_eq!(events[1].get_status(), Some(EventStatus::Cancelled));
    assert_eq!(events[1].get_sequence(), Some(1));

    // Only the manager themself and the center issue a manager's URL.
    let stranger = app.manager_token(other_manager.parse().unwrap()).await;
    assert_problem(
        app.post_json(
            &format!("/v1/managers/{manager}/calendar-token"),
            &stranger,
            &json!({}),
        )
        .await,
        404,
        "another manager's feed",
    )
    .await;
    assert_problem(
        app.post_json(
            &format!("/v1/managers/{manager}/calendar-token"),
            &partner,
            &json!({}),
        )
        .await,
        403,
        "a partner",
    )
    .await;

    // Rotating kills the old URL at once.
    let rotated = feed_url(&app, &coordinator, &manager).await;
    assert_ne!(rotated, url);
    let (status, _, _) = fetch_feed(&app, &url).await;
    assert_eq!(status, 404, "the old URL after rotation");
    let (status, _, text) = fetch_feed(&app, &rotated).await;
    assert_eq!(status, 200);
    parse_feed(&text);
    for (wrong, why) in [
        (
            format!("/v1/managers/{manager}/calendar.ics"),
            "without a token",
        ),
        (
            format!("/v1/managers/{manager}/calendar.ics?token=ocf_guess"),
            "a guessed token",
        ),
        (
            format!(
                "/v1/managers/{other_manager}/calendar.ics?{}",
                rotated.split('?').nth(1).unwrap()
            ),
            "the token on another manager's feed",
        ),
    ] {
        let response = app.api.get(app.url(&wrong)).send().await.unwrap();
        assert_problem(response, 404, why).await;
    }

    // Revoked: 404, and revoking again is 404 too.
    let revoked = app
        .delete(&format!("/v1/managers/{manager}/calendar-token"), &own)
        .await;
    assert_eq!(revoked.status().as_u16(), 204);
    let (status, _, _) = fetch_feed(&app, &rotated).await;
    assert_eq!(status, 404, "a revoked URL");
    assert_problem(
        app.delete(&format!("/v1/managers/{manager}/calendar-token"), &own)
            .await,
        404,
        "nothing left to revoke",
    )
    .await;
}

#[tokio::test]
async fn contact_details_are_in_the_feed_only_when_configured() {
    let app = spawn_app_with(|settings| settings.calendar_contact_details = true).await;
    let coordinator = app.token_with_role(Role::Coordinator).await;
    let partner = app.token_with_role(Role::Partner).await;
    let manager = new_manager(&app, &coordinator, "暦 三郎", &["labor"], 3).await;
    let (one, _) = assigned_ticket(&app, &partner, &coordinator, &manager, 21).await;
    booked(&app, &coordinator, &one, "2030-06-03T01:00:00Z", 60).await;
    let url = feed_url(&app, &coordinator, &manager).await;
    let (status, _, text) = fetch_feed(&app, &url).await;
    assert_eq!(status, 200);
    let calendar = parse_feed(&text);
    let event = calendar.events().next().unwrap();
    let description = event.get_description().unwrap();
    for contact in ["山田 太郎", "yamada@example.jp", "03-1234-5678"] {
        assert!(description.contains(contact), "{contact}: {description}");
    }
}
