//! A chat's subscription: the record of who gets the daily message, when and how.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::DayRule;

/// A chat's subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub chat_id: i64,
    #[serde(default)]
    pub title: String,
    /// "private", "group", "supergroup" or "channel".
    #[serde(default)]
    pub kind: String,
    /// Its own delivery time; `None` follows `schedule.daily_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    /// Its own day rule; `None` follows `schedule.days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<DayRule>,
    pub active: bool,
    /// Why it is inactive (unsubscribed, kicked, blocked, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub subscribed_by: i64,
    pub subscribed_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
    /// Whether morning messages carry the check-in button in this chat.
    #[serde(default = "yes")]
    pub checkin: bool,
    /// Since when the group takes the organisational-life reminders (`/orglife on`);
    /// `None`: it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orglife: Option<NaiveDate>,
    /// Whether the group has 督办 tasks (set at its first `/task`): it is then looked at
    /// each delivery day for milestones to chase.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tasks: bool,
}

fn yes() -> bool {
    true
}

impl Subscription {
    /// The chat's name as texts show it: its title, or its id when it has none.
    pub fn name(&self) -> String {
        match self.title.as_str() {
            "" => self.chat_id.to_string(),
            title => title.to_string(),
        }
    }
}
