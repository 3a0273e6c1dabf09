//! The monthly 记实通报: each group's checklist of the month with its completion rate, and
//! the month's check-in rate; pure.

use super::{Every, Item, Mark, Period, Status, checklist};
use crate::report::{self, Cell, GroupRow, Month, Sheet, WorkbookError};
use crate::tasks::MonthTasks;

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
    /// The month's 督办 figures.
    pub tasks: MonthTasks,
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
            tasks: MonthTasks::default(),
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

    /// The month's 督办 figures over all groups.
    pub fn tasks(&self) -> MonthTasks {
        self.groups
            .iter()
            .fold(MonthTasks::default(), |all, g| MonthTasks {
                created: all.created + g.tasks.created,
                on_time: all.on_time + g.tasks.on_time,
                late: all.late + g.tasks.late,
                open: all.open + g.tasks.open,
            })
    }

    /// The groups with items open at the end of the month.
    pub fn with_open(&self) -> Vec<&GroupSummary> {
        self.groups
            .iter()
            .filter(|g| !g.open().is_empty())
            .collect()
    }
}

/// The 记实通报 as a workbook: a summary sheet per group (items due, done, the completion
/// rate coloured, what is open), the items with their periods, dates and topics, and each
/// group's check-in rate of the month.
pub fn workbook(s: &MonthSummary) -> Result<Vec<u8>, WorkbookError> {
    let text = |t: &str| Cell::Text(t.to_string());
    let count = |n: usize| Cell::Int(n as i64);
    let groups = Sheet {
        name: "汇总".into(),
        headers: [
            "群组",
            "群组ID",
            "应完成",
            "已完成",
            "完成率",
            "未完成事项",
            "督办新建",
            "按期办结",
            "逾期办结",
            "督办未办结",
        ]
        .map(String::from)
        .to_vec(),
        rows: s
            .groups
            .iter()
            .map(|g| {
                vec![
                    text(&g.title),
                    Cell::Int(g.chat_id),
                    count(g.due()),
                    count(g.done()),
                    Cell::Rate(g.rate()),
                    text(&g.open().join("、")),
                    count(g.tasks.created),
                    count(g.tasks.on_time),
                    count(g.tasks.late),
                    count(g.tasks.open),
                ]
            })
            .collect(),
    };
    let items = Sheet {
        name: "事项明细".into(),
        headers: ["群组", "项目", "周期", "状态", "开展日期", "主题", "登记人"]
            .map(String::from)
            .to_vec(),
        rows: s
            .groups
            .iter()
            .flat_map(|g| {
                g.lines.iter().map(|l| {
                    let mark = l.mark.as_ref();
                    vec![
                        text(&g.title),
                        text(&l.item),
                        text(&l.period.label()),
                        text(status_name(l.status)),
                        mark.map_or(Cell::Empty, |m| Cell::Date(m.date)),
                        mark.and_then(|m| m.topic.as_deref())
                            .map_or(Cell::Empty, text),
                        mark.map_or(Cell::Empty, |m| text(&m.by_name)),
                    ]
                })
            })
            .collect(),
    };
    // The month's check-in figures, as `/report all` has them.
    let rows: Vec<GroupRow> = s
        .groups
        .iter()
        .map(|g| GroupRow {
            chat_id: g.chat_id,
            title: g.title.clone(),
            summary: g.checkin.clone(),
        })
        .collect();
    let checkins = Sheet {
        name: "学习记实".into(),
        ..report::overview_sheet(&rows)
    };
    report::workbook(&[groups, items, checkins])
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Done => "已完成",
        Status::Open => "未完成",
        Status::Later => "本期内完成",
    }
}
