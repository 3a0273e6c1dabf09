//! Notices: a bot admin's one-off 【通知】 to every active subscription, held for the
//! author's confirmation, and the rules of who may confirm or cancel it and until when.
//!
//! A notice is stored before it is confirmed (so that the buttons work across a restart)
//! and kept after (so that a delivery resumed after a restart finds its text); its id is
//! the key of its deliveries ([`crate::delivery::Kind::Notice`]).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::message::{Button, Buttons};

/// How long a notice waits for `发送` or `取消`.
pub const CONFIRM_WITHIN: chrono::Duration = chrono::Duration::minutes(10);

/// The longest text of a notice, in characters: with the header, within Telegram's 4,096.
pub const MAX_CHARS: usize = 4_000;

/// The prefix of a notice button's callback data.
const BUTTON: &str = "nt:";

/// A notice and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    /// `n` and the milliseconds of its creation: the key of its deliveries.
    pub id: String,
    /// As the author wrote it (plain text; escaped when rendered).
    pub text: String,
    /// The bot admin who wrote it; only they may confirm or cancel it.
    pub author: i64,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub state: NoticeState,
}

/// Where a notice stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum NoticeState {
    /// Shown to its author with `发送` / `取消`.
    #[default]
    Draft,
    /// Confirmed at `at`: it is being sent (or was).
    Confirmed {
        at: DateTime<Utc>,
    },
    Cancelled {
        at: DateTime<Utc>,
    },
}

/// A tap on a notice's buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Send,
    Cancel,
}

impl Decision {
    fn as_str(self) -> &'static str {
        match self {
            Decision::Send => "send",
            Decision::Cancel => "cancel",
        }
    }
}

/// Why a tap on a notice's buttons changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Tapped by someone else than the author.
    NotAuthor,
    /// Already confirmed.
    Confirmed,
    Cancelled,
    /// Not decided within [`CONFIRM_WITHIN`].
    Expired,
    /// No such notice (never stored, or pruned).
    Unknown,
}

/// What is wrong with a notice's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    /// Its length in characters.
    TooLong(usize),
}

impl Notice {
    /// A draft by `author` written at `now`; its text is trimmed and checked.
    pub fn draft(text: &str, author: i64, now: DateTime<Utc>) -> Result<Notice, TextProblem> {
        let text = text.trim();
        let chars = text.chars().count();
        if chars == 0 {
            return Err(TextProblem::Empty);
        }
        if chars > MAX_CHARS {
            return Err(TextProblem::TooLong(chars));
        }
        Ok(Notice {
            id: format!("n{}", now.timestamp_millis()),
            text: text.to_string(),
            author,
            created_at: now,
            state: NoticeState::Draft,
        })
    }

    /// The last instant `发送` or `取消` is taken.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.created_at + CONFIRM_WITHIN
    }

    /// Applies a tap by `by` at `now`: a draft of theirs not expired yet is confirmed or
    /// cancelled; anything else is refused and the notice left as it is.
    pub fn decide(
        &mut self,
        decision: Decision,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<(), Refused> {
        if by != self.author {
            return Err(Refused::NotAuthor);
        }
        match self.state {
            NoticeState::Confirmed { .. } => return Err(Refused::Confirmed),
            NoticeState::Cancelled { .. } => return Err(Refused::Cancelled),
            NoticeState::Draft if now > self.expires_at() => return Err(Refused::Expired),
            NoticeState::Draft => {}
        }
        self.state = match decision {
            Decision::Send => NoticeState::Confirmed { at: now },
            Decision::Cancel => NoticeState::Cancelled { at: now },
        };
        Ok(())
    }
}

/// The callback data of a notice's button.
pub fn button_data(decision: Decision, id: &str) -> String {
    format!("{BUTTON}{}:{id}", decision.as_str())
}

/// A notice button's decision and notice id, from its callback data.
pub fn parse_button(data: &str) -> Option<(Decision, &str)> {
    let (decision, id) = data.strip_prefix(BUTTON)?.split_once(':')?;
    let decision = [Decision::Send, Decision::Cancel]
        .into_iter()
        .find(|d| d.as_str() == decision)?;
    (!id.is_empty()).then_some((decision, id))
}

/// The buttons under a draft: `发送` and `取消`.
pub fn buttons(id: &str) -> Buttons {
    vec![
        [(Decision::Send, "发送"), (Decision::Cancel, "取消")]
            .into_iter()
            .map(|(decision, label)| Button {
                text: label.to_string(),
                data: button_data(decision, id),
            })
            .collect(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const AUTHOR: i64 = 42;

    fn t(min: i64, sec: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap()
            + chrono::Duration::minutes(min)
            + chrono::Duration::seconds(sec)
    }

    fn draft() -> Notice {
        Notice::draft("  明天上午九点开会  ", AUTHOR, t(0, 0)).unwrap()
    }

    #[test]
    fn a_draft_is_trimmed_checked_and_named_after_its_time() {
        let n = draft();
        assert_eq!(n.text, "明天上午九点开会");
        assert_eq!(n.id, format!("n{}", t(0, 0).timestamp_millis()));
        assert_eq!(n.state, NoticeState::Draft);
        assert_eq!(
            Notice::draft(" \n　", AUTHOR, t(0, 0)),
            Err(TextProblem::Empty)
        );
        let long = "字".repeat(MAX_CHARS + 1);
        assert_eq!(
            Notice::draft(&long, AUTHOR, t(0, 0)),
            Err(TextProblem::TooLong(MAX_CHARS + 1))
        );
        assert!(Notice::draft(&"字".repeat(MAX_CHARS), AUTHOR, t(0, 0)).is_ok());
    }

    #[test]
    fn only_the_author_decides_once_within_ten_minutes() {
        // (decision, by, at, expected outcome, state after) for a fresh draft.
        let cases = [
            (Decision::Send, AUTHOR, t(0, 5), Ok(()), "confirmed"),
            (Decision::Cancel, AUTHOR, t(9, 59), Ok(()), "cancelled"),
            (Decision::Send, AUTHOR, t(10, 0), Ok(()), "confirmed"),
            (
                Decision::Send,
                AUTHOR,
                t(10, 1),
                Err(Refused::Expired),
                "draft",
            ),
            (
                Decision::Cancel,
                AUTHOR,
                t(30, 0),
                Err(Refused::Expired),
                "draft",
            ),
            (
                Decision::Send,
                43,
                t(0, 5),
                Err(Refused::NotAuthor),
                "draft",
            ),
        ];
        for (decision, by, at, outcome, after) in cases {
            let mut n = draft();
            assert_eq!(
                n.decide(decision, by, at),
                outcome,
                "{decision:?} {by} {at}"
            );
            let state = match n.state {
                NoticeState::Draft => "draft",
                NoticeState::Confirmed { .. } => "confirmed",
                NoticeState::Cancelled { .. } => "cancelled",
            };
            assert_eq!(state, after, "{decision:?} {by} {at}");
        }
    }

    #[test]
    fn a_second_tap_is_refused_and_changes_nothing() {
        let mut n = draft();
        n.decide(Decision::Send, AUTHOR, t(1, 0)).unwrap();
        let confirmed = n.clone();
        assert_eq!(
            n.decide(Decision::Send, AUTHOR, t(1, 1)),
            Err(Refused::Confirmed)
        );
        assert_eq!(
            n.decide(Decision::Cancel, AUTHOR, t(1, 2)),
            Err(Refused::Confirmed)
        );
        assert_eq!(n, confirmed);
        let mut n = draft();
        n.decide(Decision::Cancel, AUTHOR, t(1, 0)).unwrap();
        assert_eq!(
            n.decide(Decision::Send, AUTHOR, t(1, 1)),
            Err(Refused::Cancelled)
        );
    }

    #[test]
    fn buttons_carry_the_decision_and_the_id() {
        let n = draft();
        let rows = buttons(&n.id);
        let labels: Vec<&str> = rows[0].iter().map(|b| b.text.as_str()).collect();
        assert_eq!(labels, ["发送", "取消"]);
        assert_eq!(
            parse_button(&rows[0][0].data),
            Some((Decision::Send, n.id.as_str()))
        );
        assert_eq!(
            parse_button(&rows[0][1].data),
            Some((Decision::Cancel, n.id.as_str()))
        );
        assert!(
            rows[0].iter().all(|b| b.data.len() <= 64),
            "Telegram's limit"
        );
        for bad in ["nt:send:", "nt:maybe:n1", "nt:send", "tk:1:action", ""] {
            assert_eq!(parse_button(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let mut n = draft();
        n.decide(Decision::Send, AUTHOR, t(2, 0)).unwrap();
        let json = serde_json::to_string(&n).unwrap();
        assert_eq!(serde_json::from_str::<Notice>(&json).unwrap(), n);
    }
}
