//! The monthly 记实 report, pure: from a chat's delivery log, check-ins and members, who
//! studied on which delivery day; a summary, and a CSV that Excel opens as it is.
//!
//! [`workbook`] writes `.xlsx` workbooks of any sheets of typed cells.

mod workbook;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::checkin::{CheckIn, Member};
use crate::delivery::{Delivery, State};

pub use workbook::{Cell, Sheet, WorkbookError, workbook};

/// A rate as a percentage with one decimal: "33.3%".
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// The headers of the report's CSV (the CSV is user-visible text kept beside its layout).
const CSV_NAME: &str = "姓名";
const CSV_USER_ID: &str = "用户ID";
const CSV_TOTAL: &str = "合计";
const CSV_RATE: &str = "学习率";
const CSV_DONE: &str = "✓";
const CSV_GROUP: &str = "群组";
const CSV_CHAT_ID: &str = "群组ID";
const CSV_DAYS: &str = "投递天数";
const CSV_MEMBERS: &str = "已知成员";
const CSV_STUDIED: &str = "已学习成员";
const CSV_CHECKINS: &str = "学习人次";
const CSV_AVERAGE: &str = "平均学习率";

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
    /// Members known in the month.
    pub members: usize,
    /// Members with at least one check-in on a delivery day.
    pub studied: usize,
    /// Check-ins on delivery days.
    pub checkins: usize,
    /// The members with the fewest check-ins (up to three): name and count.
    pub lowest: Vec<(String, usize)>,
}

impl Summary {
    /// Check-ins ÷ (delivery days × known members); `None` when either is zero.
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
    /// By name, then user id.
    pub rows: Vec<Row>,
}

/// How many members the summary names as the lowest.
const LOWEST: usize = 3;

impl ChatReport {
    /// The report of `month` from one chat's records (records of other months are
    /// ignored). A member is known in the month when first seen by its end, or when they
    /// checked in during it; check-ins of days without a sent delivery are not counted.
    pub fn build(
        month: Month,
        deliveries: &[Delivery],
        checkins: &[CheckIn],
        members: &[Member],
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
        ChatReport { month, days, rows }
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
        Summary {
            days: self.days.len(),
            members: self.rows.len(),
            studied,
            checkins,
            lowest,
        }
    }

    /// The table as CSV: a UTF-8 byte order mark (so that Excel reads UTF-8), a header
    /// (name, user id, one column per delivery day, total, rate), one line per member, and
    /// a line of totals per day.
    pub fn csv(&self) -> Vec<u8> {
        let mut lines = Vec::with_capacity(self.rows.len() + 2);
        let mut header = vec![CSV_NAME.to_string(), CSV_USER_ID.to_string()];
        header.extend(self.days.iter().map(|d| d.format("%Y-%m-%d").to_string()));
        header.push(CSV_TOTAL.to_string());
        header.push(CSV_RATE.to_string());
        lines.push(header);
        let rate = |n: usize| {
            if self.days.is_empty() {
                String::new()
            } else {
                percent(n as f64 / self.days.len() as f64)
            }
        };
        for row in &self.rows {
            let mut line = vec![row.name.clone(), row.user_id.to_string()];
            line.extend(row.marks.iter().map(|m| {
                if *m {
                    CSV_DONE.to_string()
                } else {
                    String::new()
                }
            }));
            line.push(row.total().to_string());
            line.push(rate(row.total()));
            lines.push(line);
        }
        let mut totals = vec![CSV_TOTAL.to_string(), String::new()];
        totals.extend(
            (0..self.days.len())
                .map(|i| self.rows.iter().filter(|r| r.marks[i]).count().to_string()),
        );
        let summary = self.summary();
        totals.push(summary.checkins.to_string());
        totals.push(summary.rate().map(percent).unwrap_or_default());
        lines.push(totals);
        csv(&lines)
    }
}

/// One group's line of `/report all`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub chat_id: i64,
    pub title: String,
    pub summary: Summary,
}

/// `/report all` as CSV: one line per group.
pub fn overview_csv(rows: &[GroupRow]) -> Vec<u8> {
    let mut lines = vec![
        [
            CSV_GROUP,
            CSV_CHAT_ID,
            CSV_DAYS,
            CSV_MEMBERS,
            CSV_STUDIED,
            CSV_CHECKINS,
            CSV_AVERAGE,
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    for r in rows {
        let s = &r.summary;
        lines.push(vec![
            r.title.clone(),
            r.chat_id.to_string(),
            s.days.to_string(),
            s.members.to_string(),
            s.studied.to_string(),
            s.checkins.to_string(),
            s.rate().map(percent).unwrap_or_default(),
        ]);
    }
    csv(&lines)
}

/// RFC 4180 lines (CRLF) after a UTF-8 byte order mark.
fn csv(lines: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::from('\u{feff}');
    for line in lines {
        let cells: Vec<String> = line.iter().map(|c| cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// One CSV cell. Text a spreadsheet would take for a formula (a display name such as
/// `=HYPERLINK(…)`) gets a leading `'`; quotes, commas and line breaks are quoted.
fn cell(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
