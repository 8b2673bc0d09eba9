//! A manager's sessions as an RFC 5545 iCalendar feed, built with the `icalendar` crate
//! (events, properties, text escaping, line folding, CRLF).
//!
//! Written by hand here, because the crate has no builder for it: the `VTIMEZONE` of
//! Asia/Tokyo (a TODO of the crate; a component parsed into the crate would be written back
//! with a `UID` and a `DTSTAMP`, which a `VTIMEZONE` does not have), placed between the
//! calendar's properties and its events as RFC 5545 §3.6.5 has it. The crate writes
//! everything else, including the calendar's properties and each `VEVENT`.
use chrono::{DateTime, FixedOffset, Utc};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike, EventStatus, Property};

use crate::{
    domain::consulting::{SessionMode, SessionStatus},
    error::ApiError,
    services::calendars::CalendarEntry,
};

/// The time zone every event is written in: Japan has kept +09:00 without daylight saving
/// since 1951, so one `STANDARD` rule describes it completely.
const TZID: &str = "Asia/Tokyo";

const VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\n\
TZID:Asia/Tokyo\r\n\
BEGIN:STANDARD\r\n\
DTSTART:19700101T000000\r\n\
TZOFFSETFROM:+0900\r\n\
TZOFFSETTO:+0900\r\n\
TZNAME:JST\r\n\
END:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// Japan Standard Time.
fn jst() -> Result<FixedOffset, ApiError> {
    FixedOffset::east_opt(9 * 3600)
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("+09:00 is not an offset")))
}

fn in_tokyo(instant: DateTime<Utc>, jst: FixedOffset) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: instant.with_timezone(&jst).naive_local(),
        tzid: TZID.to_owned(),
    }
}

/// The summary of a session: its case and company, and its status when it is not simply
/// scheduled (calendar programs show the summary, not the status, in their grids).
fn summary(entry: &CalendarEntry, status: SessionStatus) -> String {
    let base = format!("テレワーク相談 {} {}", entry.company_name, entry.reference);
    match status {
        SessionStatus::Scheduled => base,
        SessionStatus::Held => format!("{base}（実施済み）"),
        SessionStatus::Cancelled => format!("{base}（中止）"),
        SessionStatus::NoShow => format!("{base}（不参加）"),
    }
}

/// One session as a `VEVENT`.
fn event(entry: &CalendarEntry, host: &str, jst: FixedOffset) -> Result<Event, ApiError> {
    let session = &entry.session;
    let corrupt = || ApiError::Internal(anyhow::anyhow!("session {} is bad", session.id));
    let status = session.status;
    let sequence = u32::try_from(session.sequence).map_err(|_| corrupt())?;
    let mut event = Event::new();
    event
        // Stable for the session's whole life, so a changed session replaces its old copy.
        .uid(&format!("session-{}@{host}", session.id))
        .sequence(sequence)
        .timestamp(session.updated_at)
        .created(session.created_at)
        .last_modified(session.updated_at)
        .starts(in_tokyo(session.starts_at, jst))
        .ends(in_tokyo(session.ends_at, jst))
        .summary(&summary(entry, status))
        .status(match status {
            SessionStatus::Cancelled => EventStatus::Cancelled,
            _ => EventStatus::Confirmed,
        });
    let mode = match session.mode {
        SessionMode::Onsite => "訪問（オンサイト）",
        SessionMode::Online => "オンライン",
    };
    let mut description = format!("案件 {}\n形式: {mode}", entry.reference);
    if let Some((name, email, phone)) = &entry.contact {
        description.push_str(&format!("\n担当者: {name}\nメール: {email}"));
        if let Some(phone) = phone {
            description.push_str(&format!("\n電話: {phone}"));
        }
    }
    event.description(&description);
    Ok(event.done())
}

/// The feed of `entries` for the manager `manager_name`, as the text of a `.ics` file.
/// `host` qualifies the events' UIDs (RFC 5545 suggests the domain of the producer).
pub fn render(
    entries: &[CalendarEntry],
    manager_name: &str,
    host: &str,
) -> Result<String, ApiError> {
    let jst = jst()?;
    let mut calendar = Calendar::new();
    calendar
        .properties
        .retain(|property| property.key() != "PRODID");
    calendar
        .append_property(Property::new(
            "PRODID",
            "-//onestop//consultant calendar//JA",
        ))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(&format!("テレワーク相談 {manager_name}"))
        .timezone(TZID);
    let empty = calendar.done().to_string();
    let head = empty.strip_suffix("END:VCALENDAR\r\n").ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!(
            "an empty calendar does not end as expected"
        ))
    })?;
    let mut text = String::with_capacity(head.len() + VTIMEZONE.len() + entries.len() * 512);
    text.push_str(head);
    text.push_str(VTIMEZONE);
    for entry in entries {
        text.push_str(&event(entry, host, jst)?.to_string());
    }
    text.push_str("END:VCALENDAR\r\n");
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::consulting_session;

    fn entry(status: &str, sequence: i32) -> CalendarEntry {
        let at = DateTime::parse_from_rfc3339("2026-12-01T01:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        CalendarEntry {
            session: consulting_session::Model {
                id: uuid::Uuid::now_v7(),
                ticket_id: uuid::Uuid::now_v7(),
                manager_id: uuid::Uuid::now_v7(),
                company_id: uuid::Uuid::now_v7(),
                fiscal_year: 2026,
                starts_at: at,
                ends_at: at + chrono::Duration::minutes(90),
                duration_minutes: 90,
                mode: SessionMode::Online,
                status: SessionStatus::parse(status).unwrap(),
                notes: Some("社内メモ".into()),
                created_by: "oc_x".into(),
                created_at: at,
                updated_at: at,
                sequence,
            },
            reference: "TW-2026-000001".into(),
            company_name: "株式会社サンプル製作所".into(),
            contact: None,
        }
    }

    #[test]
    fn the_feed_parses_back_with_tokyo_times_and_the_session_state() {
        let text = render(
            &[entry("scheduled", 0), entry("cancelled", 2)],
            "山田 花子",
            "onestop.example",
        )
        .unwrap();
        assert!(
            text.contains(VTIMEZONE) && text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"),
            "{text}"
        );
        assert!(
            text.contains("DTSTART;TZID=Asia/Tokyo:20261201T100000"),
            "{text}"
        );
        assert!(
            text.contains("DTEND;TZID=Asia/Tokyo:20261201T113000"),
            "{text}"
        );
        assert!(!text.contains("社内メモ"), "notes stay internal: {text}");
        let parsed: Calendar = text.parse().unwrap();
        let events: Vec<&Event> = parsed.events().collect();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].get_sequence(), Some(0));
        assert_eq!(events[1].get_status(), Some(EventStatus::Cancelled));
        assert_eq!(events[1].get_sequence(), Some(2));
    }
}
