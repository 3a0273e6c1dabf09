//! Check-in (记实) on morning messages, pure: the records of taps and members, the
//! `✅ 已学习` button and its callback data, which taps count for which day, and when the
//! button's label may be edited.

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::message::{Button, Buttons};

/// What the button's callback data starts with; the date follows (`ck:2026-12-01`).
const PREFIX: &str = "ck:";
/// A tap on a message this many days old (or newer) is recorded for the message's date.
pub const LATE_DAYS: i64 = 7;
/// The shortest time between two edits of one message's label: a burst of taps causes a
/// handful of edits, not one per tap.
pub const EDIT_INTERVAL: Duration = Duration::from_secs(3);
/// Failed edits of a label (other than 429) before the label is left as it is.
const MAX_FAILURES: u8 = 3;

/// The callback data of the button under `date`'s message (14 bytes, Telegram allows 64).
pub fn callback_data(date: NaiveDate) -> String {
    format!("{PREFIX}{}", date.format("%Y-%m-%d"))
}

/// The date in a button's callback data; `None` for data that is not ours.
pub fn parse_callback(data: &str) -> Option<NaiveDate> {
    let date = data.strip_prefix(PREFIX)?;
    NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()
}

/// The button's label: `✅ 已学习`, and `✅ 已学习 · 12` once members have tapped.
pub fn button_label(count: u32) -> String {
    if count == 0 {
        "✅ 已学习".to_string()
    } else {
        format!("✅ 已学习 · {count}")
    }
}

/// The buttons under `date`'s morning message, the label showing `count` check-ins.
pub fn keyboard(date: NaiveDate, count: u32) -> Buttons {
    vec![vec![Button {
        text: button_label(count),
        data: callback_data(date),
    }]]
}

/// A member's check-in for one day's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckIn {
    pub chat_id: i64,
    /// The date of the morning message (not of the tap).
    pub date: NaiveDate,
    pub user_id: i64,
    /// When the tap was recorded.
    pub at: DateTime<Utc>,
}

/// A user seen in a chat (posting or tapping): the Bot API cannot list a group's members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub chat_id: i64,
    pub user_id: i64,
    /// The display name as last seen.
    pub name: String,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
}

impl Member {
    /// The two records of one member, combined: the earliest first sighting, the name of
    /// the latest.
    pub fn merge(self, other: Member) -> Member {
        let (older, newer) = if other.last_seen >= self.last_seen {
            (self, other)
        } else {
            (other, self)
        };
        Member {
            first_seen: older.first_seen.min(newer.first_seen),
            ..newer
        }
    }
}

/// What a tap did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tap {
    /// False when the member had already checked in for that day.
    pub recorded: bool,
    /// Check-ins of that chat and day, this one included.
    pub count: u32,
}

/// Whether a tap on `date`'s button, made on local date `today`, is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Recorded for `date`.
    Open,
    /// More than [`LATE_DAYS`] late: answered, not recorded.
    Closed,
    /// A date after today (a clock problem or forged data): answered, not recorded.
    Future,
}

pub fn window(date: NaiveDate, today: NaiveDate) -> Window {
    let age = (today - date).num_days();
    if age < 0 {
        Window::Future
    } else if age > LATE_DAYS {
        Window::Closed
    } else {
        Window::Open
    }
}

/// What the editor of one message's label does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Edit the label to show this count, then report with [`Label::edited`].
    Edit(u32),
    /// Wait until then, then call [`Label::wake`].
    Sleep(Instant),
    /// Nothing left to do: the label shows the newest count and the pause after the last
    /// edit is over. The state may be dropped.
    Done,
}

/// How an edit went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edited {
    /// The label now shows this count (also when Telegram said "not modified").
    Shown(u32),
    /// Telegram asked to wait (429).
    RetryAfter(Duration),
    /// Any other failure.
    Failed,
}

/// The label of one message's button: coalesces the counts of many taps into at most one
/// edit per `interval`, and always ends showing the newest count.
///
/// One task drives it: [`Label::tap`] returns the first step when no task is at work, and
/// the task feeds back [`Label::edited`] / [`Label::wake`] until it gets [`Step::Done`].
#[derive(Debug, Clone)]
pub struct Label {
    interval: Duration,
    /// The count the label shows (0: the label without a count, as sent).
    shown: u32,
    /// The highest count seen.
    wanted: u32,
    /// No edit before this.
    not_before: Option<Instant>,
    /// A task is driving this label.
    busy: bool,
    failures: u8,
}

impl Label {
    pub fn new(interval: Duration) -> Label {
        Label {
            interval,
            shown: 0,
            wanted: 0,
            not_before: None,
            busy: false,
            failures: 0,
        }
    }

    /// A tap made the count `count`. Counts read by concurrent taps may arrive out of
    /// order; the highest wins. Returns the first step for a new task, or `None` when a
    /// task is already at work (it will pick the count up).
    pub fn tap(&mut self, count: u32, now: Instant) -> Option<Step> {
        self.wanted = self.wanted.max(count);
        if self.busy {
            return None;
        }
        self.busy = true;
        Some(self.next(now))
    }

    /// The task's sleep is over.
    pub fn wake(&mut self, now: Instant) -> Step {
        self.next(now)
    }

    /// The task's edit is over.
    pub fn edited(&mut self, outcome: Edited, now: Instant) -> Step {
        match outcome {
            Edited::Shown(count) => {
                self.shown = count;
                self.failures = 0;
            }
            Edited::RetryAfter(wait) => {
                self.not_before = Some(self.not_before.map_or(now + wait, |t| t.max(now + wait)));
            }
            Edited::Failed => {
                self.failures += 1;
                if self.failures >= MAX_FAILURES {
                    // The message is gone or cannot be edited: stop trying.
                    self.shown = self.wanted;
                }
            }
        }
        self.next(now)
    }

    fn next(&mut self, now: Instant) -> Step {
        let waiting = self.not_before.filter(|t| now < *t);
        match waiting {
            Some(t) => Step::Sleep(t),
            None if self.wanted != self.shown => {
                self.not_before = Some(now + self.interval);
                Step::Edit(self.wanted)
            }
            None => {
                self.busy = false;
                Step::Done
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn callback_data_carries_the_date_within_telegrams_limit() {
        let data = callback_data(d("2026-12-01"));
        assert_eq!(data, "ck:2026-12-01");
        assert!(data.len() <= 64);
        assert_eq!(parse_callback(&data), Some(d("2026-12-01")));
        for bad in [
            "",
            "ck:",
            "ck:2026-13-01",
            "xx:2026-12-01",
            "ck:2026-12-01x",
        ] {
            assert_eq!(parse_callback(bad), None, "{bad}");
        }
        let k = keyboard(d("2026-12-01"), 12);
        let button = &k[0][0];
        assert_eq!(button.text, "✅ 已学习 · 12");
        assert_eq!(button.data, "ck:2026-12-01");
        assert_eq!(keyboard(d("2026-12-01"), 0)[0][0].text, "✅ 已学习");
    }

    #[test]
    fn taps_count_for_seven_days() {
        let today = d("2026-12-10");
        let cases = [
            ("2026-12-10", Window::Open),
            ("2026-12-03", Window::Open),
            ("2026-12-02", Window::Closed),
            ("2025-12-10", Window::Closed),
            ("2026-12-11", Window::Future),
        ];
        for (date, want) in cases {
            assert_eq!(window(d(date), today), want, "{date}");
        }
    }

    /// Drives a label like the editing task would, with edits that take no time.
    struct Sim {
        label: Label,
        step: Option<Step>,
        t0: Instant,
        now: Instant,
        edits: Vec<(Duration, u32)>,
    }

    impl Sim {
        fn new() -> Sim {
            let t0 = Instant::now();
            Sim {
                label: Label::new(EDIT_INTERVAL),
                step: None,
                t0,
                now: t0,
                edits: vec![],
            }
        }

        /// Runs the task's steps due up to `at` (ms after t0).
        fn run_until(&mut self, at: u64) {
            let end = self.t0 + Duration::from_millis(at);
            while let Some(step) = self.step {
                match step {
                    Step::Edit(n) => {
                        self.edits.push((self.now - self.t0, n));
                        self.step = Some(self.label.edited(Edited::Shown(n), self.now));
                    }
                    Step::Sleep(t) if t <= end => {
                        self.now = t;
                        self.step = Some(self.label.wake(t));
                    }
                    Step::Sleep(_) => break,
                    Step::Done => self.step = None,
                }
            }
            self.now = self.now.max(end);
        }

        fn tap(&mut self, at: u64, count: u32) {
            self.run_until(at);
            if let Some(step) = self.label.tap(count, self.now) {
                assert!(self.step.is_none(), "two tasks on one label");
                self.step = Some(step);
            }
            self.run_until(at);
        }
    }

    #[test]
    fn a_burst_of_taps_makes_a_few_edits_and_ends_on_the_final_count() {
        let mut sim = Sim::new();
        // 200 taps in a minute, one every 300 ms.
        for i in 0..200u32 {
            sim.tap(u64::from(i) * 300, i + 1);
        }
        sim.run_until(120_000);
        assert!(sim.step.is_none(), "the task ends");
        let edits = &sim.edits;
        assert_eq!(edits.last().unwrap().1, 200, "{edits:?}");
        assert!(edits.len() <= 21, "{} edits", edits.len());
        for pair in edits.windows(2) {
            assert!(pair[1].0 - pair[0].0 >= EDIT_INTERVAL, "{pair:?}");
        }
    }

    #[test]
    fn a_quick_burst_makes_two_edits() {
        let mut sim = Sim::new();
        for i in 0..100u32 {
            sim.tap(u64::from(i) * 20, i + 1);
        }
        sim.run_until(60_000);
        assert_eq!(
            sim.edits,
            vec![(Duration::ZERO, 1), (Duration::from_secs(3), 100)]
        );
    }

    #[test]
    fn counts_out_of_order_never_go_back() {
        let mut sim = Sim::new();
        sim.tap(0, 2);
        sim.tap(10, 1);
        sim.run_until(10_000);
        assert_eq!(sim.edits, vec![(Duration::ZERO, 2)]);
    }

    #[test]
    fn a_lone_tap_after_a_quiet_spell_is_shown_at_once() {
        let mut sim = Sim::new();
        sim.tap(0, 1);
        sim.tap(10_000, 2);
        sim.run_until(20_000);
        assert_eq!(
            sim.edits,
            vec![(Duration::ZERO, 1), (Duration::from_secs(10), 2)]
        );
    }

    #[test]
    fn retry_after_and_failures() {
        let t0 = Instant::now();
        let mut label = Label::new(EDIT_INTERVAL);
        assert_eq!(label.tap(1, t0), Some(Step::Edit(1)));
        assert_eq!(label.tap(2, t0), None, "the task is busy");
        // 429: wait as told, then edit to the newest count.
        let wait = Duration::from_secs(10);
        assert_eq!(
            label.edited(Edited::RetryAfter(wait), t0),
            Step::Sleep(t0 + wait)
        );
        assert_eq!(label.wake(t0 + wait), Step::Edit(2));
        // Failures: retried after the interval, given up after a few.
        let mut now = t0 + wait;
        let mut edits = 1;
        let mut step = label.edited(Edited::Failed, now);
        loop {
            match step {
                Step::Sleep(t) => {
                    now = t;
                    step = label.wake(now);
                }
                Step::Edit(2) => {
                    edits += 1;
                    step = label.edited(Edited::Failed, now);
                }
                Step::Done => break,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(edits, MAX_FAILURES);
        // Done: a new tap starts a new task.
        assert_eq!(label.tap(3, now + EDIT_INTERVAL), Some(Step::Edit(3)));
    }
}
