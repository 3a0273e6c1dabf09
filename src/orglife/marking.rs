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
/// `2026-06-08`, `2026年6月8日`. Without a year: this year's day when it is not after
/// `today`; otherwise the nearer of this year's (a future day, which the caller refuses)
/// and last year's, so that `6-9` typed on 8 June is tomorrow and `12-31` typed on
/// 1 January is last year's. `None` for a day that does not exist (`6-31`, `2-29` in a year
/// without it and the year before).
pub fn parse_day(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    match day_parts(s)? {
        (Some(y), m, d) => NaiveDate::from_ymd_opt(y, m, d),
        (None, m, d) => {
            let this_year = NaiveDate::from_ymd_opt(today.year(), m, d);
            let last_year = NaiveDate::from_ymd_opt(today.year() - 1, m, d);
            match (this_year, last_year) {
                (Some(day), _) if day <= today => Some(day),
                (Some(ahead), Some(back)) => Some(if ahead - today < today - back {
                    ahead
                } else {
                    back
                }),
                (ahead, back) => ahead.or(back),
            }
        }
    }
}

/// Whether `s` is written as a day (whether or not that day exists).
pub fn reads_as_day(s: &str) -> bool {
    day_parts(s).is_some()
}

/// The year (if written), month and day numbers of a day as typed.
fn day_parts(s: &str) -> Option<(Option<i32>, u32, u32)> {
    let s = s.trim().trim_end_matches(['日', '号']);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let number = |p: &str, max_len: usize| -> Option<u32> {
        (!p.is_empty() && p.len() <= max_len && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse().ok())
            .flatten()
    };
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 => {
            Some((Some(number(y, 4)? as i32), number(m, 2)?, number(d, 2)?))
        }
        [m, d] => Some((None, number(m, 2)?, number(d, 2)?)),
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
    /// `<项目> [日期] [主题]`: the second word is a day when it is written as one (see
    /// [`reads_as_day`]; whether that day exists is checked later, against today, so that
    /// `6-31` is a bad day rather than a topic), otherwise it starts the topic. `None`
    /// without an item.
    pub fn parse(args: &str) -> Option<Done> {
        let mut words = args.trim().splitn(2, char::is_whitespace);
        let item = words.next().filter(|w| !w.is_empty())?.to_string();
        let rest = words.next().unwrap_or("").trim();
        let (second, after) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let (day, topic) = if reads_as_day(second) {
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
