//! The delivery log's records and counts: plain data shared by the engine, the store and the texts.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::content::Category;
use crate::message::Address;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Marked before sending; not known to be sent. A restart resumes it.
    Pending,
    Sent,
    /// Given up: the chat is gone, Telegram refused the message, or retries ran out.
    Failed,
    /// Not made in time (the bot was down past the deadline).
    Missed,
}

impl State {
    /// Whether nothing more will be done about it (except by `/pushnow` for missed ones).
    pub fn is_final(self) -> bool {
        self != State::Pending
    }
}

/// How many deliveries of a date are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub pending: usize,
    pub sent: usize,
    pub failed: usize,
    pub missed: usize,
}

impl<'a> std::iter::Sum<&'a Tally> for Tally {
    fn sum<I: Iterator<Item = &'a Tally>>(tallies: I) -> Tally {
        tallies.fold(Tally::default(), |all, t| Tally {
            pending: all.pending + t.pending,
            sent: all.sent + t.sent,
            failed: all.failed + t.failed,
            missed: all.missed + t.missed,
        })
    }
}

impl Tally {
    /// Records in any state.
    pub fn total(&self) -> usize {
        self.pending + self.sent + self.failed + self.missed
    }

    pub(crate) fn count(&mut self, state: State, by: isize) {
        let n = match state {
            State::Pending => &mut self.pending,
            State::Sent => &mut self.sent,
            State::Failed => &mut self.failed,
            State::Missed => &mut self.missed,
        };
        *n = n.saturating_add_signed(by);
    }
}

/// A kind of scheduled message. Every kind goes through the one engine with the same
/// guarantees; adding one means a rule that yields its due deliveries, a renderer and
/// this name in the log.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The morning message (纪律明镜·天天照); its key is the date.
    #[default]
    Edition,
    /// 月初提醒: a group's organisational life of the month, after its first morning
    /// message of the month; its key is the month (`2026-06`).
    MonthStart,
    /// 月末调度: what is still open at the month's end; its key is the month, and for the
    /// copy sent privately to one of the group's admins, the month and the group
    /// (`2026-06/-100123`).
    MonthEnd,
    /// 记实通报: the month's organisational life of every group, to each bot admin on the
    /// first working day of the next month; its key is the month reported.
    OrgSummary,
    /// 督办提醒: a group's tasks with a milestone chased that day; its key is the date.
    TaskReminder,
    /// 逾期: a task's missed milestone, told privately to one of the group's admins; its
    /// key is the task, the stage and the group (`3/progress/-100123`), filed under the
    /// day the miss is noticed.
    TaskOverdue,
    /// 【通知】: a bot admin's notice to every active subscription; its key is the
    /// notice's id ([`crate::notice::Notice`]), filed under the day it was confirmed.
    Notice,
}

impl Kind {
    /// Every kind, in the order the engine plans them: a group's morning message first.
    pub const ALL: [Kind; 7] = [
        Kind::Edition,
        Kind::MonthStart,
        Kind::MonthEnd,
        Kind::OrgSummary,
        Kind::TaskReminder,
        Kind::TaskOverdue,
        Kind::Notice,
    ];

    /// The key of this kind's delivery due on `date`: what one address gets at most once.
    /// (A notice's key is its id, not a function of the date.)
    pub fn key_on(self, date: NaiveDate) -> String {
        match self {
            Kind::Edition | Kind::TaskReminder | Kind::TaskOverdue | Kind::Notice => {
                date.to_string()
            }
            Kind::MonthStart | Kind::MonthEnd => date.format("%Y-%m").to_string(),
            Kind::OrgSummary => date
                .with_day(1)
                .and_then(|first| first.pred_opt())
                .unwrap_or(date)
                .format("%Y-%m")
                .to_string(),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Edition => "edition",
            Kind::MonthStart => "month_start",
            Kind::MonthEnd => "month_end",
            Kind::OrgSummary => "org_summary",
            Kind::TaskReminder => "task_reminder",
            Kind::TaskOverdue => "task_overdue",
            Kind::Notice => "notice",
        }
    }

    /// Whether a group's delivery of this kind waits for its morning message of the same
    /// date to be over (sent or given up), so that it arrives after it.
    pub fn follows_edition(self) -> bool {
        matches!(self, Kind::MonthStart | Kind::MonthEnd | Kind::TaskReminder)
    }
}

/// Which delivery a record is: (kind, key, address), filed under the local date it is due
/// on (the log is kept, counted and pruned by date).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slot {
    pub date: NaiveDate,
    pub kind: Kind,
    /// What is delivered, within its kind: the date of an edition.
    pub key: String,
    pub to: Address,
}

impl Slot {
    /// The delivery of `kind` due on `date` to `to`.
    pub fn new(kind: Kind, date: NaiveDate, to: Address) -> Slot {
        Slot {
            date,
            kind,
            key: kind.key_on(date),
            to,
        }
    }

    /// The morning edition of `date` to `to`.
    pub fn edition(date: NaiveDate, to: Address) -> Slot {
        Slot::new(Kind::Edition, date, to)
    }

    /// The copy of a group's delivery of `kind` on `date` sent privately to one of its
    /// admins: the key names the group.
    pub fn private_copy(kind: Kind, date: NaiveDate, group: i64, to: Address) -> Slot {
        Slot {
            date,
            kind,
            key: format!("{}/{group}", kind.key_on(date)),
            to,
        }
    }

    /// A task's missed milestone, told to `to` (one of the group's admins) on `date`.
    pub fn overdue(date: NaiveDate, group: i64, task: u32, stage: &str, to: Address) -> Slot {
        Slot {
            date,
            kind: Kind::TaskOverdue,
            key: format!("{task}/{stage}/{group}"),
            to,
        }
    }

    /// Part `n` (counted from 0) of this delivery, for a channel that sends a long message
    /// as consecutive parts: part 0 is the delivery itself, part n its key with `#n+1`.
    pub fn part(&self, n: usize) -> Slot {
        match n {
            0 => self.clone(),
            n => Slot {
                key: format!("{}#{}", self.key, n + 1),
                ..self.clone()
            },
        }
    }

    /// The first part of the message this slot is a part of (itself, for part 0).
    pub fn first_part(&self) -> Slot {
        match self.key.rsplit_once('#') {
            Some((key, n)) if n.parse::<usize>().is_ok() => Slot {
                key: key.to_string(),
                ..self.clone()
            },
            _ => self.clone(),
        }
    }

    /// The address whose subscription (or robot) this delivery serves: the address of a
    /// robot, else the Telegram chat of [`Slot::group`]; none for a bot admin's 通报.
    pub fn subscriber(&self) -> Option<Address> {
        if self.to.channel.is_robot() {
            return Some(self.to);
        }
        self.group().map(Address::telegram)
    }

    /// The chat whose subscription this delivery serves: the address itself, the group
    /// named last in the key of a private copy, or none (a bot admin's 通报).
    pub fn group(&self) -> Option<i64> {
        match self.kind {
            Kind::OrgSummary => None,
            _ => match self.key.rsplit_once('/') {
                Some((_, group)) => group.parse().ok(),
                None => Some(self.to.id),
            },
        }
    }
}

/// One delivery and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Written")]
pub struct Delivery {
    pub kind: Kind,
    pub key: String,
    pub to: Address,
    pub date: NaiveDate,
    pub due: DateTime<Utc>,
    /// After this the delivery is not attempted any more.
    pub deadline: DateTime<Utc>,
    pub state: State,
    /// The channel's id of the message sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    pub updated_at: DateTime<Utc>,
}

impl Delivery {
    /// A new pending record for `slot`.
    pub fn pending(
        slot: Slot,
        due: DateTime<Utc>,
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Delivery {
        Delivery {
            kind: slot.kind,
            key: slot.key,
            to: slot.to,
            date: slot.date,
            due,
            deadline,
            state: State::Pending,
            message_id: None,
            error: None,
            attempts: 0,
            updated_at: now,
        }
    }

    /// Which part of its message this delivery is (0: the first; see [`Slot::part`]).
    pub fn part(&self) -> usize {
        self.key
            .rsplit_once('#')
            .and_then(|(_, n)| n.parse::<usize>().ok())
            .map_or(0, |n| n.saturating_sub(1))
    }

    pub fn slot(&self) -> Slot {
        Slot {
            date: self.date,
            kind: self.kind,
            key: self.key.clone(),
            to: self.to,
        }
    }
}

/// A record as written by any version: the first (format 1, until 2026-12) knew only the
/// morning edition and wrote `chat_id` for a Telegram chat and no kind or key.
#[derive(Deserialize)]
struct Written {
    #[serde(default)]
    kind: Kind,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    to: Option<Address>,
    #[serde(default)]
    chat_id: Option<i64>,
    date: NaiveDate,
    due: DateTime<Utc>,
    deadline: DateTime<Utc>,
    state: State,
    #[serde(default)]
    message_id: Option<i64>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    attempts: u32,
    updated_at: DateTime<Utc>,
}

impl TryFrom<Written> for Delivery {
    type Error = &'static str;

    fn try_from(w: Written) -> Result<Delivery, &'static str> {
        let to = match (w.to, w.chat_id) {
            (Some(to), _) => to,
            (None, Some(chat_id)) => Address::telegram(chat_id),
            (None, None) => return Err("a delivery needs `to` (or `chat_id`)"),
        };
        Ok(Delivery {
            kind: w.kind,
            key: w.key.unwrap_or_else(|| w.date.to_string()),
            to,
            date: w.date,
            due: w.due,
            deadline: w.deadline,
            state: w.state,
            message_id: w.message_id,
            error: w.error,
            attempts: w.attempts,
            updated_at: w.updated_at,
        })
    }
}

/// A push to every active subscription under way (`/pushnow`, or a notice), kept until
/// every chat it serves has been handled, so that a restart finishes it: its deliveries
/// are marked pending a part at a time, not all at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub date: NaiveDate,
    /// When it was asked for: a record written since then was written by this push.
    pub at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// What is pushed (requests written before notices are the morning edition).
    #[serde(default)]
    pub kind: Kind,
    /// The deliveries' key when it is not the kind's key of the date (a notice's id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl PushRequest {
    /// `/pushnow`: the morning edition of `date`.
    pub fn edition(date: NaiveDate, at: DateTime<Utc>, deadline: DateTime<Utc>) -> PushRequest {
        PushRequest {
            date,
            at,
            deadline,
            kind: Kind::Edition,
            key: None,
        }
    }

    /// The notice `id`, confirmed at `at` on `date`.
    pub fn notice(
        id: &str,
        date: NaiveDate,
        at: DateTime<Utc>,
        deadline: DateTime<Utc>,
    ) -> PushRequest {
        PushRequest {
            date,
            at,
            deadline,
            kind: Kind::Notice,
            key: Some(id.to_string()),
        }
    }

    /// The slot of its delivery to `to`.
    pub fn slot(&self, to: Address) -> Slot {
        Slot {
            key: self
                .key
                .clone()
                .unwrap_or_else(|| self.kind.key_on(self.date)),
            ..Slot::new(self.kind, self.date, to)
        }
    }
}

/// Today's figures for `/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub active: usize,
    pub inactive: usize,
    pub sent: usize,
    pub pending: usize,
    pub failed: usize,
    pub missed: usize,
    /// Today's records of each kind by state (the figures above are their sums).
    pub kinds: BTreeMap<Kind, Tally>,
    pub items: BTreeMap<Category, usize>,
    pub next: Option<DateTime<Utc>>,
    /// Group robots (SPEC §16): active, inactive, and those that had today's morning
    /// message (every part of it).
    pub robots_active: usize,
    pub robots_inactive: usize,
    pub robots_sent: usize,
}

/// What `/pushnow` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Deliveries started now.
    pub queued: usize,
    /// Chats that already had today's edition.
    pub already_sent: usize,
    /// Chats whose delivery is under way.
    pub in_progress: usize,
    /// True when there are no items, so nothing can be sent.
    pub empty: bool,
    /// True when today is a 停发 day (an override): nothing is sent.
    pub skipped: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind is in `Kind::ALL` (the engine plans only those): adding a variant fails
    /// to compile here until it is listed.
    #[test]
    fn every_kind_is_planned_and_named_once() {
        let listed = |k: Kind| match k {
            Kind::Edition
            | Kind::MonthStart
            | Kind::MonthEnd
            | Kind::OrgSummary
            | Kind::TaskReminder
            | Kind::TaskOverdue
            | Kind::Notice => Kind::ALL.contains(&k),
        };
        assert!(Kind::ALL.into_iter().all(listed));
        for k in [
            Kind::Edition,
            Kind::MonthStart,
            Kind::MonthEnd,
            Kind::OrgSummary,
            Kind::TaskReminder,
            Kind::TaskOverdue,
            Kind::Notice,
        ] {
            assert!(listed(k), "{k:?} is not in Kind::ALL");
        }
        let mut names: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Kind::ALL.len());
    }

    #[test]
    fn parts_of_a_delivery_are_numbered_in_their_key() {
        let d = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let to = "wecom:3".parse::<Address>().unwrap();
        let first = Slot::edition(d, to);
        assert_eq!(first.part(0), first);
        let third = first.part(2);
        assert_eq!(third.key, "2026-06-01#3");
        assert_eq!(third.first_part(), first);
        let now = chrono::Utc::now();
        assert_eq!(Delivery::pending(third.clone(), now, now, now).part(), 2);
        assert_eq!(Delivery::pending(first.clone(), now, now, now).part(), 0);
        // A robot serves itself; a Telegram copy serves its group.
        assert_eq!(third.subscriber(), Some(to));
        let copy = Slot::private_copy(Kind::MonthEnd, d, -100, Address::telegram(7));
        assert_eq!(copy.subscriber(), Some(Address::telegram(-100)));
    }

    #[test]
    fn a_private_copy_names_its_group() {
        let d = NaiveDate::from_ymd_opt(2026, 6, 26).unwrap();
        let copy = Slot::private_copy(Kind::MonthEnd, d, -100, Address::telegram(7));
        assert_eq!(
            (copy.key.as_str(), copy.group()),
            ("2026-06/-100", Some(-100))
        );
        let notice = Slot::overdue(d, -100, 3, "progress", Address::telegram(7));
        assert_eq!(notice.group(), Some(-100));
        assert_eq!(Slot::edition(d, Address::telegram(-5)).group(), Some(-5));
        let summary = Slot::new(Kind::OrgSummary, d, Address::telegram(42));
        assert_eq!((summary.key.as_str(), summary.group()), ("2026-05", None));
    }

    #[test]
    fn a_push_request_of_an_older_version_is_the_morning_edition() {
        let old = r#"{"date":"2026-12-01","at":"2026-12-01T02:00:00Z","deadline":"2026-12-01T04:00:00Z"}"#;
        let request: PushRequest = serde_json::from_str(old).unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(
            request,
            PushRequest::edition(d, request.at, request.deadline)
        );
        let to = Address::telegram(-5);
        assert_eq!(request.slot(to), Slot::edition(d, to));
        // A notice's request reads back as written, and its deliveries carry its id.
        let notice = PushRequest::notice("n1765072800000", d, request.at, request.deadline);
        let json = serde_json::to_string(&notice).unwrap();
        assert_eq!(serde_json::from_str::<PushRequest>(&json).unwrap(), notice);
        let slot = notice.slot(to);
        assert_eq!(
            (slot.kind, slot.key.as_str(), slot.date),
            (Kind::Notice, "n1765072800000", d)
        );
        assert_eq!(slot.group(), Some(-5));
    }
}
