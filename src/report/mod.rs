//! The monthly 记实 report, pure: from a chat's delivery log, check-ins, the members the bot
//! knows and the group's size, who studied on which delivery day; a summary, and its table
//! as a CSV that Excel opens as it is and as an `.xlsx` workbook.
//!
//! [`workbook`] writes `.xlsx` workbooks of any sheets of typed cells.

mod table;
mod workbook;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::checkin::{CheckIn, Member};
use crate::delivery::{Delivery, State};

pub use table::{overview_csv, overview_sheet, overview_xlsx};
pub use workbook::{Cell, Sheet, WorkbookError, workbook};

/// A rate as a percentage with one decimal: "33.3%".
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Month { year, month })
    }

    /// The month of a date.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `2026-11` (also `2026-1`, `2026/11`, `2026.11`, `202611`, `2026年11月`).
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim().trim_end_matches('月');
        let (y, m) = match s.find(['-', '/', '.', '年']) {
            Some(i) => {
                let sep = s[i..].chars().next()?;
                (&s[..i], &s[i + sep.len_utf8()..])
            }
            None if s.len() == 6 && s.is_ascii() => s.split_at(4),
            None => return None,
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || !digits(y) || m.len() > 2 || !digits(m) {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn last(self) -> NaiveDate {
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or_default()
    }

    /// Every date of the month.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last();
        self.first().iter_days().take_while(move |d| *d <= last)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Month::of(date) == self
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One member's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub user_id: i64,
    pub name: String,
    /// One per delivery day, in the order of [`ChatReport::days`].
    pub marks: Vec<bool>,
}

impl Row {
    pub fn total(&self) -> usize {
        self.marks.iter().filter(|m| **m).count()
    }
}

/// The figures of one chat's month.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Days with a sent delivery.
    pub days: usize,
    /// The members the rate counts: the group's size from Telegram (never fewer than the
    /// members known), or the members known when Telegram did not tell.
    pub members: usize,
    /// Members known in the month (the report's named rows).
    pub known: usize,
    /// Whether `members` is the group's size from Telegram.
    pub counted: bool,
    /// Members with at least one check-in on a delivery day.
    pub studied: usize,
    /// Check-ins on delivery days.
    pub checkins: usize,
    /// The members with the fewest check-ins (up to three): name and count.
    pub lowest: Vec<(String, usize)>,
}

impl Summary {
    /// Members the bot does not know (they never posted where it could see, nor tapped):
    /// each counts as never having studied.
    pub fn unknown(&self) -> usize {
        self.members.saturating_sub(self.known)
    }

    /// Check-ins ÷ (delivery days × members); `None` when either is zero.
    pub fn rate(&self) -> Option<f64> {
        let possible = self.days * self.members;
        (possible > 0).then(|| self.checkins as f64 / possible as f64)
    }
}

/// Who studied on which delivery day of a month, in one chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatReport {
    pub month: Month,
    /// The dates with a sent delivery, in order: the report's columns.
    pub days: Vec<NaiveDate>,
    /// The members known, by name, then user id.
    pub rows: Vec<Row>,
    /// The group's members from Telegram, bots left out; `None` when Telegram did not tell.
    pub headcount: Option<usize>,
}

/// How many members the summary names as the lowest.
const LOWEST: usize = 3;

impl ChatReport {
    /// The report of `month` from one chat's records (records of other months are
    /// ignored). A member is known in the month when first seen by its end, or when they
    /// checked in during it; check-ins of days without a sent delivery are not counted.
    /// `headcount` is the group's size from Telegram less the bots (Telegram's member
    /// count counts them), if Telegram told it: the members the bot does not know count as
    /// never having studied.
    pub fn build(
        month: Month,
        deliveries: &[Delivery],
        checkins: &[CheckIn],
        members: &[Member],
        headcount: Option<usize>,
    ) -> ChatReport {
        let days: Vec<NaiveDate> = deliveries
            .iter()
            .filter(|d| d.state == State::Sent && month.contains(d.date))
            .map(|d| d.date)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let column: HashMap<NaiveDate, usize> =
            days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        let in_month: Vec<&CheckIn> = checkins.iter().filter(|c| month.contains(c.date)).collect();
        let tapped: HashSet<i64> = in_month.iter().map(|c| c.user_id).collect();
        let end = month.last();
        let mut rows: Vec<Row> = members
            .iter()
            .filter(|m| m.first_seen.date_naive() <= end || tapped.contains(&m.user_id))
            .map(|m| Row {
                user_id: m.user_id,
                name: m.name.clone(),
                marks: vec![false; days.len()],
            })
            .collect();
        // A check-in of someone the members list lost (pruned, or an old import) still counts.
        let known: HashSet<i64> = rows.iter().map(|r| r.user_id).collect();
        let mut missing: Vec<i64> = tapped.difference(&known).copied().collect();
        missing.sort_unstable();
        rows.extend(missing.into_iter().map(|user_id| Row {
            user_id,
            name: user_id.to_string(),
            marks: vec![false; days.len()],
        }));
        rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
        let index: HashMap<i64, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.user_id, i))
            .collect();
        for c in in_month {
            if let (Some(&col), Some(&row)) = (column.get(&c.date), index.get(&c.user_id)) {
                rows[row].marks[col] = true;
            }
        }
        ChatReport {
            month,
            days,
            rows,
            headcount,
        }
    }

    pub fn summary(&self) -> Summary {
        let checkins = self.rows.iter().map(Row::total).sum();
        let studied = self.rows.iter().filter(|r| r.total() > 0).count();
        let mut lowest: Vec<&Row> = self.rows.iter().collect();
        lowest.sort_by_key(|r| r.total());
        let lowest = if self.days.is_empty() {
            Vec::new()
        } else {
            lowest
                .into_iter()
                .take(LOWEST)
                .map(|r| (r.name.clone(), r.total()))
                .collect()
        };
        let known = self.rows.len();
        Summary {
            days: self.days.len(),
            // Members who left since still have their rows: never fewer than those.
            members: self.headcount.map_or(known, |n| n.max(known)),
            known,
            counted: self.headcount.is_some(),
            studied,
            checkins,
            lowest,
        }
    }
}

/// One group's line of `/report all`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub chat_id: i64,
    pub title: String,
    pub summary: Summary,
}

#[cfg(test)]
mod tests;
