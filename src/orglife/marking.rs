//! Marking an item done: which item a name means, which day a date means, and which
//! period a mark of that day belongs to; pure.

use chrono::{Datelike, NaiveDate};

use super::{Item, Period};

/// Why a name does not pick one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindError {
    Unknown(String),
    /// The names it is a prefix of.
    Ambiguous(Vec<String>),
}

/// The item named `query`: by its exact name, or by a prefix of exactly one name.
pub fn find<'a>(items: &'a [Item], query: &str) -> Result<&'a Item, FindError> {
    let query = query.trim();
    if let Some(item) = items.iter().find(|i| i.name == query) {
        return Ok(item);
    }
    let matches: Vec<&Item> = items
        .iter()
        .filter(|i| !query.is_empty() && i.name.starts_with(query))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(FindError::Unknown(query.to_string())),
        many => Err(FindError::Ambiguous(
            many.iter().map(|i| i.name.clone()).collect(),
        )),
    }
}

/// A day as typed after an item's name: `6-8`, `6/8`, `6.8`, `6月8日`, `06-08`,
/// `2026-06-08`, `2026年6月8日`. Without a year, the year that puts it nearest to `today`
/// (`12-31` typed on 1 January is last year's; `6-2` typed on 1 June is tomorrow).
pub fn parse_day(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let s = s.trim().trim_end_matches(['日', '号']);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let number = |p: &str| -> Option<u32> {
        (!p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            NaiveDate::from_ymd_opt(number(y)? as i32, number(m)?, number(d)?)
        }
        [m, d] if m.len() <= 2 && d.len() <= 2 => {
            let (m, d) = (number(m)?, number(d)?);
            // 2-29 in a year without it is the nearest leap year's.
            (-4..=1)
                .filter_map(|back| NaiveDate::from_ymd_opt(today.year() + back, m, d))
                .min_by_key(|day| (*day - today).num_days().abs())
        }
        _ => None,
    }
}

/// Why a date cannot be recorded for an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateError {
    Future,
    /// Outside the item's current period (and outside the previous one, or the previous
    /// one is closed by its 通报). `current` is the item's current period.
    Outside {
        current: Period,
    },
}

/// The period a mark of `item` held on `date` belongs to, asked on `today`. The date may
/// not be in the future; it must lie in the item's current period, or in the previous one
/// while `previous_open` says that period's 记实通报 has not been composed yet.
pub fn period_for(
    item: &Item,
    date: NaiveDate,
    today: NaiveDate,
    previous_open: impl Fn(Period) -> bool,
) -> Result<Period, DateError> {
    if date > today {
        return Err(DateError::Future);
    }
    let current = Period::of(item.every, today);
    if current.contains(date) {
        return Ok(current);
    }
    let previous = current.prev();
    if previous.contains(date) && previous_open(previous) {
        return Ok(previous);
    }
    Err(DateError::Outside { current })
}

/// `/done` as typed: the item's name, an optional day, an optional topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub item: String,
    pub day: Option<String>,
    pub topic: Option<String>,
}

impl Done {
    /// `<项目> [日期] [主题]`: the second word is a day when it reads as one (checked later
    /// against today), otherwise it starts the topic. `None` without an item.
    pub fn parse(args: &str) -> Option<Done> {
        let mut words = args.trim().splitn(2, char::is_whitespace);
        let item = words.next().filter(|w| !w.is_empty())?.to_string();
        let rest = words.next().unwrap_or("").trim();
        let (second, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let looks_like_day = |w: &str| {
            !w.is_empty()
                && w.chars().next().is_some_and(|c| c.is_ascii_digit())
                && parse_day(w, NaiveDate::MAX).is_some()
        };
        let (day, topic) = if looks_like_day(second) {
            (Some(second.to_string()), after.trim())
        } else {
            (None, rest)
        };
        Some(Done {
            item,
            day,
            topic: (!topic.is_empty()).then(|| topic.to_string()),
        })
    }
}
