//! Pinned and anchored items placed on official working days: moved back off holidays and
//! weekends and out of each other's way, pure.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};

use crate::calendar::Calendar;
use crate::content::{Anchor, Category, Item, PinDate};

/// Why a fixed item appears where it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Pinned to `on`; when that is not an official working day, the item moves to the
    /// working day before.
    Pinned { on: NaiveDate },
    /// Anchored to the calendar's holiday period `holiday`.
    Anchored { anchor: Anchor, holiday: String },
}

impl Reason {
    /// Pinned items win a contested day over anchored ones.
    fn rank(&self) -> u8 {
        match self {
            Reason::Pinned { .. } => 0,
            Reason::Anchored { .. } => 1,
        }
    }
}

/// A pinned or anchored item on the day it appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement<'a> {
    pub date: NaiveDate,
    pub item: &'a Item,
    pub reason: Reason,
    /// The day it had before any collision: its pinned date (moved back to a working day)
    /// or its anchor's day.
    pub wanted: NaiveDate,
    /// The item that won `wanted` over it, when it had to move on.
    pub yielded_to: Option<u64>,
}

/// The fixed items of `date`, at most one per category.
pub fn on<'a>(items: &'a [Item], calendar: &Calendar, date: NaiveDate) -> Vec<Placement<'a>> {
    placements(items, calendar, date..=date)
}

/// Every pinned and anchored item that appears within `dates`, by date, then category and
/// id. A pinned date that is not an official working day moves to the working day before;
/// an anchor gives the last working day before its holiday period or the first after it,
/// in each year the calendar knows (in other years anchored items do not appear). On one
/// day and category a pinned item wins over an anchored one, and among several of a kind
/// the lowest id wins; the others move to the working day before, again and again if
/// need be.
pub fn placements<'a>(
    items: &'a [Item],
    calendar: &Calendar,
    dates: RangeInclusive<NaiveDate>,
) -> Vec<Placement<'a>> {
    let (from, to) = (*dates.start(), *dates.end());
    // Days move only backwards: the year after `to` is the furthest a day can come from
    // (a pin on 01-01 falls on the last working day of December).
    let years = from.year() - 1..=to.year() + 1;
    let mut by_category: BTreeMap<Category, BTreeMap<NaiveDate, Vec<Placement>>> = BTreeMap::new();
    for p in wanted(items, calendar, years) {
        let days = by_category.entry(p.item.category).or_default();
        days.entry(p.date).or_default().push(p);
    }
    let mut out = Vec::new();
    for mut days in by_category.into_values() {
        while let Some((date, mut contenders)) = days.pop_last() {
            if date < from {
                break;
            }
            contenders.sort_by_key(|p| (p.reason.rank(), p.item.id));
            contenders.dedup_by_key(|p| p.item.id);
            let mut rest = contenders.into_iter();
            let Some(winner) = rest.next() else { continue };
            for mut loser in rest {
                let Some(before) = calendar.workday_before(date) else {
                    continue;
                };
                loser.yielded_to = loser.yielded_to.or(Some(winner.item.id));
                loser.date = before;
                days.entry(before).or_default().push(loser);
            }
            if date <= to {
                out.push(winner);
            }
        }
    }
    out.sort_by_key(|p| (p.date, p.item.category, p.item.id));
    out
}

/// Each fixed item on the day it wants in the years `years`, before collisions.
fn wanted<'a>(
    items: &'a [Item],
    calendar: &Calendar,
    years: RangeInclusive<i32>,
) -> Vec<Placement<'a>> {
    let holidays = calendar.holidays();
    let mut out = Vec::new();
    let mut place = |item: &'a Item, date: Option<NaiveDate>, reason: Reason| {
        if let Some(date) = date {
            out.push(Placement {
                date,
                item,
                reason,
                wanted: date,
                yielded_to: None,
            });
        }
    };
    for item in items {
        for pin in &item.dates {
            let days: Vec<NaiveDate> = match *pin {
                PinDate::Yearly { month, day } => years
                    .clone()
                    .filter_map(|y| NaiveDate::from_ymd_opt(y, month, day))
                    .collect(),
                PinDate::On(d) => vec![d],
            };
            for on in days {
                let day = if calendar.is_workday(on) {
                    Some(on)
                } else {
                    calendar.workday_before(on)
                };
                place(item, day, Reason::Pinned { on });
            }
        }
        let Some(anchor) = &item.anchor else { continue };
        for h in &holidays {
            if !years.contains(&h.first.year()) || !anchor.matches(&h.name) {
                continue;
            }
            let day = match anchor {
                Anchor::Before(_) => calendar.workday_before(h.first),
                Anchor::After(_) => calendar.workday_after(h.last),
            };
            let reason = Reason::Anchored {
                anchor: anchor.clone(),
                holiday: h.name.clone(),
            };
            place(item, day, reason);
        }
    }
    out
}

/// The years within `dates` whose holiday arrangement the calendar does not know: anchored
/// items do not appear in them.
pub fn unknown_years(calendar: &Calendar, dates: RangeInclusive<NaiveDate>) -> Vec<i32> {
    (dates.start().year()..=dates.end().year())
        .filter(|y| !calendar.knows(*y))
        .collect()
}

#[cfg(test)]
mod tests;
