//! The daily edition: which items it shows (rotation, pinned and anchored items, the
//! 第一议题 line) and the message it makes, pure.

mod render;
mod rotation;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::{Calendar, DayRule};
use crate::config::{Config, StudyRule};
use crate::content::{Category, Item};
use crate::festival::{self, Placement};
use crate::overrides::{Action, Override};
use crate::schedule;

use render::{NOTICE, Part, render};
pub use render::{date_line, escape, plain, utf16_len};
pub use rotation::Rotation;

/// Telegram's limit on a message, in UTF-16 code units after entity parsing.
pub const MAX_MESSAGE_UTF16: usize = 4096;

/// What editions are made by besides the items and the rotation: the calendar (it places
/// pinned and anchored items, and tells the delivery days), the day rule, and the
/// 第一议题 rules.
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub calendar: &'a Calendar,
    /// The days editions are composed on when the rotation is simulated forward, and the
    /// days among which `study = "monday"` finds the first of each week.
    pub days: DayRule,
    pub study: StudyRule,
    /// The study categories the 第一议题 line rotates over, in turn.
    pub study_from: &'a [Category],
}

impl<'a> Rules<'a> {
    /// The rules `config` sets, on `calendar`.
    pub fn of(config: &'a Config, calendar: &'a Calendar) -> Rules<'a> {
        Rules {
            calendar,
            days: config.days,
            study: config.study,
            study_from: &config.study_from,
        }
    }

    /// Whether the edition of `date` has a 第一议题 line.
    fn with_study(&self, date: NaiveDate) -> bool {
        schedule::study_on(self.study, self.calendar, self.days, date)
    }
}

/// One day's edition, the same for every chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edition {
    pub date: NaiveDate,
    /// The item ids shown, in order (mirror categories, then the study item).
    pub items: Vec<u64>,
    /// The message as sent (Telegram HTML).
    pub html: String,
}

impl Edition {
    /// An edition with nothing to read (no items and no override text, or 停发) is not sent.
    pub fn is_empty(&self) -> bool {
        self.html.is_empty()
    }
}

/// Composes the edition of `date` from all stored items and the rotation state; returns the
/// edition and the rotation state after it. Each category shows its item pinned or anchored
/// to the day (see [`festival::placements`]), else the next of its rotation. The 第一议题
/// line (on the days `rules` give it) shows a pinned or anchored item of a `study_from`
/// category, else the next of the rotation over those categories, never the item of the
/// line before. The day's override, if any: 停发 gives an empty edition and leaves the
/// rotation as it was; 附加 adds a `重要提示` section after the four reminders; 替换 puts
/// its text in their place and leaves their categories' rotation as it was.
pub fn compose(
    items: &[Item],
    rotation: &Rotation,
    date: NaiveDate,
    rules: &Rules,
    change: Option<&Override>,
) -> (Edition, Rotation) {
    let action = change.map(|o| o.action);
    if action == Some(Action::Skip) {
        let edition = Edition {
            date,
            items: Vec::new(),
            html: String::new(),
        };
        return (edition, rotation.clone());
    }
    let mut rotation = rotation.clone();
    let fixed = festival::on(items, rules.calendar, date);
    let fixed_in = |category: Category| fixed.iter().find(|p| p.item.category == category);
    let mut parts: Vec<Part> = Vec::new();
    let mut ids = Vec::new();
    let mirror = if action == Some(Action::Replace) {
        Vec::new()
    } else {
        Category::MIRROR.to_vec()
    };
    for category in mirror {
        let item = match fixed_in(category) {
            Some(p) => Some(p.item),
            None => rotation.take(items, category, None),
        };
        if let Some(item) = item {
            ids.push(item.id);
            parts.push(Part::of(item, format!("{}提醒", category.name()), false));
        }
    }
    if let Some(o) = change {
        let label = match o.action {
            Action::Append => NOTICE,
            _ => "",
        };
        parts.push(Part::text(label, &o.text));
    }
    if rules.with_study(date) {
        let on_the_day = fixed
            .iter()
            .filter(|p| rules.study_from.contains(&p.item.category))
            .min_by_key(|p| rank(p));
        let study = match on_the_day {
            Some(p) => Some(p.item),
            None => rotation.take_study(items, rules.study_from),
        };
        if let Some(item) = study {
            rotation.last_study = Some(item.id);
            ids.push(item.id);
            let quoted = item.category != Category::Law;
            parts.push(Part::of(item, "第一议题".into(), quoted));
        }
    }
    let html = if parts.is_empty() {
        String::new()
    } else {
        render("纪律明镜·天天照", &date_line(date), parts)
    };
    let edition = Edition {
        date,
        items: ids,
        html,
    };
    (edition, rotation)
}

/// Which of several fixed study items of one day takes the 第一议题 line: as within a
/// category, pinned before anchored, then the lowest id.
fn rank(p: &Placement) -> (bool, u64) {
    (!p.item.is_pinned(), p.item.id)
}

/// The edition `date` would have if nothing is composed before it except on the delivery
/// days (under `rules.days`) from `from` on: simulates the rotation forward without
/// storing anything.
pub fn forecast(
    items: &[Item],
    rotation: &Rotation,
    rules: &Rules,
    from: NaiveDate,
    date: NaiveDate,
    overrides: &[Override],
) -> Edition {
    let mut rotation = rotation.clone();
    for d in from.iter_days().take_while(|d| *d < date) {
        if rules.calendar.is_delivery_day(rules.days, d) {
            let change = Override::on(overrides, d);
            rotation = compose(items, &rotation, d, rules, change).1;
        }
    }
    let change = Override::on(overrides, date);
    compose(items, &rotation, date, rules, change).0
}

/// The 逢会必学 card of `date`: one 习语, one 法规, one 经典, fixed per date and outside the
/// rotation. `None` when there are no study items at all.
pub fn study_card(items: &[Item], date: NaiveDate) -> Option<String> {
    let day = date.num_days_from_ce() as usize;
    let parts: Vec<Part> = Category::STUDY
        .into_iter()
        .filter_map(|category| {
            let mut pool: Vec<&Item> = items.iter().filter(|i| i.category == category).collect();
            pool.sort_by_key(|i| i.id);
            let item = pool.get(day % pool.len().max(1))?;
            Some(Part::of(
                item,
                category.name().to_string(),
                category != Category::Law,
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| render("逢会必学", &date_line(date), parts))
}

#[cfg(test)]
mod tests;
