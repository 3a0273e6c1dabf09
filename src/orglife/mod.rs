//! Organisational life (三会一课、主题党日 …): the checklist, its periods, and what is due,
//! open or done in a month; when the 月初提醒, the 月末调度 and the 记实通报 go; pure.
//!
//! A group's obligations follow calendar periods: a monthly item is due every month, a
//! quarterly one once per calendar quarter, a yearly one once per year (listed from its
//! `from` month). A mark records that an item was held in one period (its date, topic,
//! who recorded it). [`marking`] checks what may be marked; [`summary`] is the monthly
//! 记实通报.

pub mod marking;
pub mod summary;

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, DayRule};
use crate::message::{Button, Buttons};
use crate::report::Month;

/// How often an item is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Every {
    Month,
    Quarter,
    Year,
}

impl Every {
    /// `month`, `quarter` or `year` (as in `config.toml`).
    pub fn parse(s: &str) -> Option<Every> {
        match s.trim() {
            "month" => Some(Every::Month),
            "quarter" => Some(Every::Quarter),
            "year" => Some(Every::Year),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Every::Month => "month",
            Every::Quarter => "quarter",
            Every::Year => "year",
        }
    }
}

/// One item of the checklist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub name: String,
    pub every: Every,
    /// For a yearly item: the first month of the year in which it is listed (1–12).
    pub from: u32,
}

impl Item {
    pub fn new(name: &str, every: Every, from: u32) -> Item {
        Item {
            name: name.to_string(),
            every,
            from,
        }
    }

    /// Whether the item is listed in `month`'s checklist.
    pub fn listed_in(&self, month: Month) -> bool {
        self.every != Every::Year || month.month() >= self.from
    }
}

/// The longest item name: it goes into button data (64 bytes with the period).
pub const MAX_NAME_CHARS: usize = 16;

/// The built-in checklist (《中国共产党支部工作条例（试行）》 and common practice): 支部委员会
/// 会议、党小组会、主题党日 monthly; 支部党员大会、党课 quarterly; 组织生活会 from October,
/// 民主评议党员、谈心谈话 yearly.
pub fn default_items() -> Vec<Item> {
    vec![
        Item::new("支部委员会会议", Every::Month, 1),
        Item::new("党小组会", Every::Month, 1),
        Item::new("主题党日", Every::Month, 1),
        Item::new("支部党员大会", Every::Quarter, 1),
        Item::new("党课", Every::Quarter, 1),
        Item::new("组织生活会", Every::Year, 10),
        Item::new("民主评议党员", Every::Year, 1),
        Item::new("谈心谈话", Every::Year, 1),
    ]
}

/// A calendar period in which an item is due once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Period {
    Month(Month),
    /// Year and quarter (1–4).
    Quarter(i32, u32),
    Year(i32),
}

impl Period {
    /// The period of `every` that `date` lies in.
    pub fn of(every: Every, date: NaiveDate) -> Period {
        match every {
            Every::Month => Period::Month(Month::of(date)),
            Every::Quarter => Period::Quarter(date.year(), (date.month() - 1) / 3 + 1),
            Every::Year => Period::Year(date.year()),
        }
    }

    pub fn first(self) -> NaiveDate {
        match self {
            Period::Month(m) => m.first(),
            Period::Quarter(y, q) => ymd(y, (q - 1) * 3 + 1, 1),
            Period::Year(y) => ymd(y, 1, 1),
        }
    }

    pub fn last(self) -> NaiveDate {
        match self {
            Period::Month(m) => m.last(),
            Period::Quarter(y, q) => month_of(y, q * 3).last(),
            Period::Year(y) => ymd(y, 12, 31),
        }
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        self.first() <= date && date <= self.last()
    }

    /// Whether the period's last day lies in `month`.
    pub fn ends_in(self, month: Month) -> bool {
        month.contains(self.last())
    }

    /// The period before this one.
    pub fn prev(self) -> Period {
        let before = self.first().pred_opt().unwrap_or(NaiveDate::MIN);
        Period::of(self.every(), before)
    }

    /// How often an item of this kind of period is due.
    pub fn every(self) -> Every {
        match self {
            Period::Month(_) => Every::Month,
            Period::Quarter(..) => Every::Quarter,
            Period::Year(_) => Every::Year,
        }
    }

    /// The month whose 记实通报 closes this period: the month of its last day.
    pub fn closing_month(self) -> Month {
        Month::of(self.last())
    }

    /// `2026年6月`, `2026年第二季度`, `2026年`: how users read it.
    pub fn label(self) -> String {
        match self {
            Period::Month(m) => format!("{}年{}月", m.year(), m.month()),
            Period::Quarter(y, q) => {
                let q = ["一", "二", "三", "四"][(q.clamp(1, 4) - 1) as usize];
                format!("{y}年第{q}季度")
            }
            Period::Year(y) => format!("{y}年"),
        }
    }

    /// `2026-06`, `2026-Q2`, `2026`: how the period is stored and put in button data.
    pub fn key(self) -> String {
        self.to_string()
    }

    /// Reads [`Period::key`].
    pub fn parse(s: &str) -> Option<Period> {
        if let Some((y, q)) = s.split_once("-Q") {
            let (y, q) = (y.parse().ok()?, q.parse().ok()?);
            return (1..=4).contains(&q).then_some(Period::Quarter(y, q));
        }
        if s.contains('-') {
            return Month::parse(s).map(Period::Month);
        }
        let y: i32 = s.parse().ok()?;
        (1..=9999).contains(&y).then_some(Period::Year(y))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Month(m) => write!(f, "{m}"),
            Period::Quarter(y, q) => write!(f, "{y:04}-Q{q}"),
            Period::Year(y) => write!(f, "{y:04}"),
        }
    }
}

impl From<Period> for String {
    fn from(p: Period) -> String {
        p.key()
    }
}

impl TryFrom<String> for Period {
    type Error = String;

    fn try_from(s: String) -> Result<Period, String> {
        Period::parse(&s).ok_or_else(|| format!("not a period: {s:?}"))
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn month_of(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap_or_else(|| Month::of(NaiveDate::default()))
}

/// A record that an item was held in a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mark {
    /// The group.
    pub chat_id: i64,
    pub item: String,
    pub period: Period,
    /// The day it was held.
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Who recorded it (user id), and their name as shown then.
    pub by: i64,
    #[serde(default)]
    pub by_name: String,
    pub at: DateTime<Utc>,
}

/// Where an item of a month's checklist stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done,
    /// Not done, and its period ends with this month.
    Open,
    /// Not done, and its period goes on after this month (a quarter or a year).
    Later,
}

/// One item of a month's checklist: its period and its mark, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    pub item: &'a Item,
    pub period: Period,
    pub mark: Option<&'a Mark>,
}

impl Line<'_> {
    pub fn status(&self, month: Month) -> Status {
        match self.mark {
            Some(_) => Status::Done,
            None if self.period.ends_in(month) => Status::Open,
            None => Status::Later,
        }
    }

    pub fn is_done(&self) -> bool {
        self.mark.is_some()
    }
}

/// The checklist of `month`: every item listed in it, in catalogue order, with the
/// period of the month it belongs to and the mark of that period.
pub fn checklist<'a>(items: &'a [Item], marks: &'a [Mark], month: Month) -> Vec<Line<'a>> {
    items
        .iter()
        .filter(|item| item.listed_in(month))
        .map(|item| {
            let period = Period::of(item.every, month.first());
            let mark = marks
                .iter()
                .find(|m| m.item == item.name && m.period == period);
            Line { item, period, mark }
        })
        .collect()
}

/// What the 月初提醒 of `month` lists: the monthly items, and the quarterly and yearly items
/// not yet done in their period.
pub fn month_start<'a>(items: &'a [Item], marks: &'a [Mark], month: Month) -> Vec<Line<'a>> {
    checklist(items, marks, month)
        .into_iter()
        .filter(|l| l.item.every == Every::Month || !l.is_done())
        .collect()
}

/// What the 月末调度 of `month` names: the items still open whose period ends this month.
pub fn month_end<'a>(items: &'a [Item], marks: &'a [Mark], month: Month) -> Vec<Line<'a>> {
    checklist(items, marks, month)
        .into_iter()
        .filter(|l| l.status(month) == Status::Open)
        .collect()
}

/// The callback data of an item's button: `ol:<period>:<item>` (at most 3 + 7 + 1 + 48
/// bytes; Telegram allows 64).
pub fn button_data(period: Period, item: &str) -> String {
    format!("{BUTTON}{}:{item}", period.key())
}

/// The period and item of a button's callback data; `None` for data that is not ours.
pub fn parse_button(data: &str) -> Option<(Period, &str)> {
    let (period, item) = data.strip_prefix(BUTTON)?.split_once(':')?;
    Some((Period::parse(period)?, item)).filter(|(_, item)| !item.is_empty())
}

const BUTTON: &str = "ol:";

/// One button per open item of `lines`, one per row, marking it for its period.
pub fn buttons(lines: &[Line]) -> Buttons {
    lines
        .iter()
        .filter(|l| !l.is_done())
        .map(|l| {
            vec![Button {
                text: format!("☑ {}", l.item.name),
                data: button_data(l.period, &l.item.name),
            }]
        })
        .collect()
}

/// The month a 月初提醒 or 月末调度 is about, read from its text (`【月初提醒】2026年6月…`).
pub fn month_in(text: &str) -> Option<Month> {
    let rest = ["【月初提醒】", "【月末调度】"]
        .iter()
        .find_map(|marker| text.split_once(marker).map(|(_, rest)| rest))?;
    let (year, rest) = rest.split_once('年')?;
    let (month, _) = rest.split_once('月')?;
    Month::new(year.trim().parse().ok()?, month.parse().ok()?)
}

/// The delivery days of `month` under `rule`, in order.
pub fn delivery_days(calendar: &Calendar, rule: DayRule, month: Month) -> Vec<NaiveDate> {
    month
        .days()
        .filter(|d| calendar.is_delivery_day(rule, *d))
        .collect()
}

/// Whether `date` is the first delivery day of its month under `rule` (the 月初提醒's day).
pub fn is_month_start(calendar: &Calendar, rule: DayRule, date: NaiveDate) -> bool {
    calendar.is_delivery_day(rule, date)
        && Month::of(date)
            .days()
            .take_while(|d| *d < date)
            .all(|d| !calendar.is_delivery_day(rule, d))
}

/// Whether `date` is the `n`-th last delivery day of its month under `rule` (the 月末
/// 调度's day; `n` = 1 is the last one). A month with fewer delivery days has it on its
/// first.
pub fn is_month_end(calendar: &Calendar, rule: DayRule, date: NaiveDate, n: u32) -> bool {
    let days = delivery_days(calendar, rule, Month::of(date));
    let n = (n.max(1) as usize).min(days.len());
    n > 0 && days[days.len() - n] == date
}

/// The day the 记实通报 of `month` goes: the first official working day after it.
pub fn summary_day(calendar: &Calendar, month: Month) -> NaiveDate {
    let next = month.last().succ_opt().unwrap_or(NaiveDate::MAX);
    next.iter_days()
        .take(60)
        .find(|d| calendar.is_workday(*d))
        .unwrap_or(next)
}

/// The month whose 记实通报 goes on `date`, if one does.
pub fn summary_due_on(calendar: &Calendar, date: NaiveDate) -> Option<Month> {
    let before = Month::of(Month::of(date).first().pred_opt()?);
    (summary_day(calendar, before) == date).then_some(before)
}

#[cfg(test)]
mod tests;
