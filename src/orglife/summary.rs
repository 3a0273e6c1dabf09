//! The monthly 记实通报: each group's checklist of the month with its completion rate, and
//! the month's check-in rate; pure.

use super::{Every, Item, Mark, Period, Status, checklist};
use crate::report::{self, Month};

/// One item of a group's month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryLine {
    pub item: String,
    pub every: Every,
    pub period: Period,
    pub status: Status,
    pub mark: Option<Mark>,
}

/// One group's month.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSummary {
    pub chat_id: i64,
    pub title: String,
    pub lines: Vec<SummaryLine>,
    /// The month's 记实 (check-in) figures.
    pub checkin: report::Summary,
}

impl GroupSummary {
    pub fn build(
        chat_id: i64,
        title: &str,
        items: &[Item],
        marks: &[Mark],
        month: Month,
        checkin: report::Summary,
    ) -> GroupSummary {
        let lines = checklist(items, marks, month)
            .into_iter()
            .map(|l| SummaryLine {
                item: l.item.name.clone(),
                every: l.item.every,
                period: l.period,
                status: l.status(month),
                mark: l.mark.cloned(),
            })
            .collect();
        GroupSummary {
            chat_id,
            title: title.to_string(),
            lines,
            checkin,
        }
    }

    /// Items done.
    pub fn done(&self) -> usize {
        self.count(Status::Done)
    }

    /// Items that count in the rate: done, or due by the end of the month. A quarterly or
    /// yearly item whose period goes on is not counted until done.
    pub fn due(&self) -> usize {
        self.done() + self.count(Status::Open)
    }

    /// Done ÷ due; `None` when nothing is due.
    pub fn rate(&self) -> Option<f64> {
        (self.due() > 0).then(|| self.done() as f64 / self.due() as f64)
    }

    /// The names of the items due by the end of the month and not done.
    pub fn open(&self) -> Vec<&str> {
        self.lines
            .iter()
            .filter(|l| l.status == Status::Open)
            .map(|l| l.item.as_str())
            .collect()
    }

    fn count(&self, status: Status) -> usize {
        self.lines.iter().filter(|l| l.status == status).count()
    }
}

/// Every group's month.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthSummary {
    pub month: Month,
    /// By title, then chat id.
    pub groups: Vec<GroupSummary>,
}

impl MonthSummary {
    pub fn new(month: Month, mut groups: Vec<GroupSummary>) -> MonthSummary {
        groups.sort_by(|a, b| a.title.cmp(&b.title).then(a.chat_id.cmp(&b.chat_id)));
        MonthSummary { month, groups }
    }

    /// Done ÷ due over all groups; `None` when nothing is due.
    pub fn rate(&self) -> Option<f64> {
        let due: usize = self.groups.iter().map(GroupSummary::due).sum();
        let done: usize = self.groups.iter().map(GroupSummary::done).sum();
        (due > 0).then(|| done as f64 / due as f64)
    }

    /// The groups with items open at the end of the month.
    pub fn with_open(&self) -> Vec<&GroupSummary> {
        self.groups
            .iter()
            .filter(|g| !g.open().is_empty())
            .collect()
    }
}
