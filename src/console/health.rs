//! The verdict of `GET /healthz`: healthy when Telegram answered `getUpdates` within
//! [`SILENCE`] and the database works; the JSON document it answers with. Pure.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::Serialize;

use crate::delivery::Tally;

/// How long without an answered `getUpdates` makes the process unhealthy (the long poll
/// answers every 10 s at the latest when Telegram is reachable).
pub const SILENCE: Duration = Duration::from_secs(120);

/// The last morning push: its date and figures, and, when this process made it, when it
/// finished and how long it took.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastPush {
    pub date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
    pub sent: usize,
    pub failed: usize,
    pub missed: usize,
    pub pending: usize,
}

impl LastPush {
    pub fn new(date: NaiveDate, tally: Tally, finished: Option<(DateTime<Utc>, Duration)>) -> Self {
        LastPush {
            date,
            finished_at: finished.map(|(at, _)| at.to_rfc3339_opts(SecondsFormat::Secs, true)),
            duration_seconds: finished
                .map(|(_, took)| (took.as_secs_f64() * 1000.0).round() / 1000.0),
            sent: tally.sent,
            failed: tally.failed,
            missed: tally.missed,
            pending: tally.pending,
        }
    }
}

/// What the health check looked at.
#[derive(Debug, Clone, PartialEq)]
pub struct Facts {
    /// Since the last answered `getUpdates` (or since the start, before the first).
    pub since_poll: Duration,
    /// `Err(why)` when the database could not be read and flushed.
    pub database: Result<(), String>,
    pub last_push: Option<LastPush>,
}

/// The answer of `/healthz`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Health {
    pub healthy: bool,
    pub status: &'static str,
    /// Why it is unhealthy; empty when healthy.
    pub reasons: Vec<String>,
    pub updates_seconds_ago: u64,
    pub database: &'static str,
    pub last_push: Option<LastPush>,
}

pub fn verdict(facts: Facts) -> Health {
    let mut reasons = Vec::new();
    if facts.since_poll >= SILENCE {
        reasons.push(format!(
            "no successful getUpdates for {} s (limit {} s)",
            facts.since_poll.as_secs(),
            SILENCE.as_secs()
        ));
    }
    if let Err(e) = &facts.database {
        reasons.push(format!("database unusable: {e}"));
    }
    let healthy = reasons.is_empty();
    Health {
        healthy,
        status: if healthy { "ok" } else { "unhealthy" },
        reasons,
        updates_seconds_ago: facts.since_poll.as_secs(),
        database: if facts.database.is_ok() {
            "open"
        } else {
            "unusable"
        },
        last_push: facts.last_push,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(since: u64, db: Result<(), String>) -> Facts {
        Facts {
            since_poll: Duration::from_secs(since),
            database: db,
            last_push: None,
        }
    }

    #[test]
    fn healthy_when_heard_recently_and_database_works() {
        let h = verdict(facts(119, Ok(())));
        assert!(h.healthy);
        assert_eq!(h.status, "ok");
        assert!(h.reasons.is_empty());
        assert_eq!(h.database, "open");
    }

    #[test]
    fn two_minutes_of_silence_is_unhealthy() {
        let h = verdict(facts(120, Ok(())));
        assert!(!h.healthy);
        assert_eq!(h.reasons.len(), 1);
        assert!(h.reasons[0].contains("getUpdates"), "{:?}", h.reasons);
    }

    #[test]
    fn a_broken_database_is_unhealthy_and_both_reasons_are_given() {
        let h = verdict(facts(500, Err("io error".into())));
        assert!(!h.healthy);
        assert_eq!(h.database, "unusable");
        assert_eq!(h.reasons.len(), 2);
        assert!(h.reasons[1].contains("io error"));
    }

    #[test]
    fn last_push_serialises_its_figures() {
        let tally = Tally {
            sent: 3,
            failed: 1,
            ..Tally::default()
        };
        let at = DateTime::parse_from_rfc3339("2026-11-03T00:00:05Z")
            .unwrap()
            .to_utc();
        let push = LastPush::new(
            NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            tally,
            Some((at, Duration::from_millis(1234))),
        );
        let json = serde_json::to_value(&push).unwrap();
        assert_eq!(json["sent"], 3);
        assert_eq!(json["failed"], 1);
        assert_eq!(json["finished_at"], "2026-11-03T00:00:05Z");
        assert_eq!(json["duration_seconds"], 1.234);
    }
}
