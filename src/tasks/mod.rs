//! 督办: the "03715" follow-up rule for assigned work, pure. "对上级安排部署，当天有行动、
//! 三天有进展、七天有结果，重大事项不超过十五天."
//!
//! A task is created on day 0 (whatever day it is). Its milestones: 行动 by the end of day
//! 0, 进展 by day 3, 结果 by day 7 (重大: day 15), counted in calendar days or in official
//! working days. Members report stages (they may skip some); a task that reached 结果 is
//! finished. The bot chases each milestone not reached on the group's last delivery day on
//! or before it (never on day 0), and tells the admins once when one was missed.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, DayRule};
use crate::message::{Button, Buttons};
use crate::report::Month;

/// The longest title, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// How milestones count days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Count {
    /// Calendar days.
    #[default]
    Calendar,
    /// Official working days (make-up days count, holidays do not).
    Workdays,
}

impl Count {
    pub fn parse(s: &str) -> Option<Count> {
        match s.trim() {
            "calendar" => Some(Count::Calendar),
            "workdays" => Some(Count::Workdays),
            _ => None,
        }
    }
}

/// A stage of a task, and the milestone by which it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// 行动: day 0.
    Action,
    /// 进展: day 3.
    Progress,
    /// 结果: day 7, or 15 for a major task.
    Result,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Action, Stage::Progress, Stage::Result];

    /// The day (from day 0) the stage is due.
    pub fn day(self, major: bool) -> u32 {
        match self {
            Stage::Action => 0,
            Stage::Progress => 3,
            Stage::Result if major => 15,
            Stage::Result => 7,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Action => "action",
            Stage::Progress => "progress",
            Stage::Result => "result",
        }
    }

    pub fn parse(s: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// The date `days` days after `day0`, counted per `count`: with working days, the
/// `days`-th official working day after day 0 (day 0 itself does not count).
pub fn after(day0: NaiveDate, days: u32, count: Count, calendar: &Calendar) -> NaiveDate {
    match count {
        Count::Calendar => day0 + chrono::Duration::days(days as i64),
        Count::Workdays => {
            let mut date = day0;
            let mut left = days;
            while left > 0 {
                date = date.succ_opt().unwrap_or(date);
                if calendar.is_workday(date) {
                    left -= 1;
                }
            }
            date
        }
    }
}

/// A stage someone reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub stage: Stage,
    pub by: i64,
    #[serde(default)]
    pub by_name: String,
    pub at: DateTime<Utc>,
    /// The progress text, for 进展.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Report {
    /// The local date (in `tz`) the report was made: milestones are local dates.
    pub fn date(&self, tz: Tz) -> NaiveDate {
        self.at.with_timezone(&tz).date_naive()
    }
}

/// A task of one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub chat_id: i64,
    /// Numbered per group from 1, never reused.
    pub number: u32,
    pub title: String,
    #[serde(default)]
    pub major: bool,
    /// Day 0, and its milestones as they were counted at creation.
    pub day0: NaiveDate,
    pub due: Milestones,
    pub created_by: i64,
    #[serde(default)]
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    /// What members reported, in order.
    #[serde(default)]
    pub reports: Vec<Report>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<Report>,
    /// The card's message id, to edit it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<i64>,
}

/// The dates by which each stage is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestones {
    pub action: NaiveDate,
    pub progress: NaiveDate,
    pub result: NaiveDate,
}

impl Milestones {
    /// The milestones of a task created on `day0`.
    pub fn of(day0: NaiveDate, major: bool, count: Count, calendar: &Calendar) -> Milestones {
        let at = |stage: Stage| after(day0, stage.day(major), count, calendar);
        Milestones {
            action: at(Stage::Action),
            progress: at(Stage::Progress),
            result: at(Stage::Result),
        }
    }

    pub fn of_stage(&self, stage: Stage) -> NaiveDate {
        match stage {
            Stage::Action => self.action,
            Stage::Progress => self.progress,
            Stage::Result => self.result,
        }
    }
}

/// Where a task stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Missed a milestone (the earliest one missed), not finished.
    Overdue(Stage),
    /// On time; the next milestone.
    Open(Stage),
    /// Reached 结果.
    Finished,
    Cancelled,
}

impl Task {
    /// The furthest stage reported (stages may be skipped).
    pub fn stage(&self) -> Option<Stage> {
        self.reports.iter().map(|r| r.stage).max()
    }

    /// Whether `stage` (or a later one) was reported.
    pub fn reached(&self, stage: Stage) -> bool {
        self.stage().is_some_and(|s| s >= stage)
    }

    /// The report of `stage` itself, if made.
    pub fn report_of(&self, stage: Stage) -> Option<&Report> {
        self.reports.iter().find(|r| r.stage == stage)
    }

    /// The latest progress text.
    pub fn latest_progress(&self) -> Option<&Report> {
        self.reports.iter().rev().find(|r| r.text.is_some())
    }

    pub fn is_finished(&self) -> bool {
        self.reached(Stage::Result)
    }

    pub fn is_open(&self) -> bool {
        self.cancelled.is_none() && !self.is_finished()
    }

    /// The stages not reached whose milestone is before `today` (missed).
    pub fn missed(&self, today: NaiveDate) -> Vec<Stage> {
        if !self.is_open() {
            return Vec::new();
        }
        Stage::ALL
            .into_iter()
            .filter(|&s| !self.reached(s) && self.due.of_stage(s) < today)
            .collect()
    }

    /// Where the task stands on `today`.
    pub fn standing(&self, today: NaiveDate) -> Standing {
        if self.cancelled.is_some() {
            return Standing::Cancelled;
        }
        if self.is_finished() {
            return Standing::Finished;
        }
        if let Some(&first) = self.missed(today).first() {
            return Standing::Overdue(first);
        }
        let next = Stage::ALL
            .into_iter()
            .find(|&s| !self.reached(s))
            .unwrap_or(Stage::Result);
        Standing::Open(next)
    }

    /// The next milestone not reached, with its date.
    pub fn next_milestone(&self) -> Option<(Stage, NaiveDate)> {
        if !self.is_open() {
            return None;
        }
        Stage::ALL
            .into_iter()
            .find(|&s| !self.reached(s))
            .map(|s| (s, self.due.of_stage(s)))
    }

    /// The milestones the 督办提醒 of `date` chases: each not reached whose reminder day
    /// ([`reminder_day`]) is `date`.
    pub fn chased_on(&self, date: NaiveDate, calendar: &Calendar, days: DayRule) -> Vec<Stage> {
        if !self.is_open() {
            return Vec::new();
        }
        Stage::ALL
            .into_iter()
            .filter(|&s| !self.reached(s))
            .filter(|&s| {
                reminder_day(self.day0, self.due.of_stage(s), calendar, days) == Some(date)
            })
            .collect()
    }

    /// Whether 结果 was reported by its milestone, a local date in `tz` (`None`: not
    /// reported).
    pub fn on_time(&self, tz: Tz) -> Option<bool> {
        let done = self.report_of(Stage::Result)?;
        Some(done.date(tz) <= self.due.result)
    }
}

/// The day a milestone on `due` is chased: the last delivery day on or before it, after
/// day 0; `None` when there is none (a milestone on day 0, or no delivery day in between).
pub fn reminder_day(
    day0: NaiveDate,
    due: NaiveDate,
    calendar: &Calendar,
    days: DayRule,
) -> Option<NaiveDate> {
    let mut date = due;
    while date > day0 {
        if calendar.is_delivery_day(days, date) {
            return Some(date);
        }
        date = date.pred_opt()?;
    }
    None
}

/// The day a missed milestone is noticed: the first delivery day after it.
pub fn notice_day(due: NaiveDate, calendar: &Calendar, days: DayRule) -> NaiveDate {
    let next = due.succ_opt().unwrap_or(due);
    next.iter_days()
        .take(60)
        .find(|d| calendar.is_delivery_day(days, *d))
        .unwrap_or(next)
}

/// The tasks `/tasks` lists: the open ones, 逾期 first, then by next milestone, then by
/// number.
pub fn board(tasks: &[Task], today: NaiveDate) -> Vec<&Task> {
    let mut open: Vec<&Task> = tasks.iter().filter(|t| t.is_open()).collect();
    open.sort_by_key(|t| {
        let overdue = matches!(t.standing(today), Standing::Overdue(_));
        let next = t.next_milestone().map(|(_, d)| d);
        (!overdue, next, t.number)
    });
    open
}

/// The month's tasks of a group, for the 记实通报 and `/report`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonthTasks {
    /// Created in the month.
    pub created: usize,
    /// 结果 reported in the month by its milestone.
    pub on_time: usize,
    /// 结果 reported in the month after its milestone.
    pub late: usize,
    /// Open at the month's end (or now, for the current month): created by then, neither
    /// cancelled nor finished by then.
    pub open: usize,
}

impl MonthTasks {
    /// The figures of `month`, whose days are local dates in `tz`.
    pub fn of(tasks: &[Task], month: Month, tz: Tz) -> MonthTasks {
        let mut out = MonthTasks::default();
        let end = month.last();
        for t in tasks {
            if month.contains(t.day0) {
                out.created += 1;
            }
            // A task cancelled after the month was open at its end.
            let cancelled = t.cancelled.as_ref().is_some_and(|c| c.date(tz) <= end);
            if cancelled || t.day0 > end {
                continue;
            }
            match t.report_of(Stage::Result).map(|r| r.date(tz)) {
                Some(done) if month.contains(done) => {
                    if done <= t.due.result {
                        out.on_time += 1;
                    } else {
                        out.late += 1;
                    }
                }
                Some(done) if done <= end => {}
                _ => out.open += 1,
            }
        }
        out
    }
}

/// The callback data of a card's button: `tk:<N>:<stage>`.
pub fn button_data(number: u32, stage: Stage) -> String {
    format!("{BUTTON}{number}:{}", stage.as_str())
}

/// The task number and stage of a button's callback data.
pub fn parse_button(data: &str) -> Option<(u32, Stage)> {
    let (n, stage) = data.strip_prefix(BUTTON)?.split_once(':')?;
    Some((n.parse().ok()?, Stage::parse(stage)?))
}

const BUTTON: &str = "tk:";

/// The card's buttons: `已行动` `报进展` `已办结` while the task is open; none after.
pub fn buttons(task: &Task) -> Buttons {
    if !task.is_open() {
        return Buttons::new();
    }
    vec![
        [
            (Stage::Action, "已行动"),
            (Stage::Progress, "报进展"),
            (Stage::Result, "已办结"),
        ]
        .into_iter()
        .map(|(stage, label)| Button {
            text: label.to_string(),
            data: button_data(task.number, stage),
        })
        .collect(),
    ]
}

/// What `/task` was asked: create, show one, or cancel one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskCommand {
    Create { major: bool, title: String },
    Show(u32),
    Cancel(u32),
}

/// Why `/task`'s arguments do not make a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TitleError {
    Empty,
    /// Only digits: `/task 12` shows task 12; a title needs words.
    Digits,
    TooLong(usize),
}

impl TaskCommand {
    /// `[重大] <事项>`, `<N>`, `<N> 撤销`. A title must contain something other than digits.
    pub fn parse(args: &str) -> Result<TaskCommand, TitleError> {
        let args = args.trim();
        let (first, rest) = args
            .split_once(char::is_whitespace)
            .map_or((args, ""), |(a, b)| (a, b.trim()));
        let number = first.trim_start_matches(['#', '＃']);
        if !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && let Ok(n) = number.parse::<u32>()
        {
            match rest {
                "" => return Ok(TaskCommand::Show(n)),
                "撤销" | "取消" | "cancel" => return Ok(TaskCommand::Cancel(n)),
                _ => {}
            }
        }
        let (major, title) = match first {
            "重大" => (true, rest),
            _ => (false, args),
        };
        if title.is_empty() {
            return Err(TitleError::Empty);
        }
        if title
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_whitespace() || c == '#' || c == '＃')
        {
            return Err(TitleError::Digits);
        }
        let chars = title.chars().count();
        if chars > MAX_TITLE_CHARS {
            return Err(TitleError::TooLong(chars));
        }
        Ok(TaskCommand::Create {
            major,
            title: title.to_string(),
        })
    }
}

#[cfg(test)]
mod tests;
