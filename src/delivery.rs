//! The delivery log's records and counts: plain data shared by the engine, the store and the texts.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::content::Category;

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

impl Tally {
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

/// One chat's delivery of one day's edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub chat_id: i64,
    pub date: NaiveDate,
    pub due: DateTime<Utc>,
    /// After this the delivery is not attempted any more.
    pub deadline: DateTime<Utc>,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    pub updated_at: DateTime<Utc>,
}

/// A `/pushnow` under way, kept until every chat it serves has been handled, so that a
/// restart finishes it: its deliveries are marked pending a part at a time, not all at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushRequest {
    pub date: NaiveDate,
    /// When it was asked for: a record written since then was written by this push.
    pub at: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
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
    pub items: BTreeMap<Category, usize>,
    pub next: Option<DateTime<Utc>>,
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
}
