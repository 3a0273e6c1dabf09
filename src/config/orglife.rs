//! `[orglife]` of `config.toml`: the feature, the 月末调度's day, the checklist (SPEC §11).

use std::ops::RangeInclusive;

use serde::Deserialize;
use toml::Spanned;

use super::Problems;
use crate::orglife::{Every, Item, MAX_NAME_CHARS, default_items};

/// The allowed values of `orglife.month_end_days`.
pub const MONTH_END_DAYS: RangeInclusive<u32> = 1..=10;

/// `[orglife]` (SPEC §11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgLife {
    pub enabled: bool,
    /// The 月末调度 goes on the group's this-many-th last delivery day of the month.
    pub month_end_days: u32,
    /// The checklist: the built-in one, or the `[[orglife.item]]` entries, which replace it.
    pub items: Vec<Item>,
}

impl Default for OrgLife {
    fn default() -> Self {
        OrgLife {
            enabled: true,
            month_end_days: 3,
            items: default_items(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawOrgLife {
    enabled: bool,
    month_end_days: Spanned<i64>,
    item: Option<Spanned<Vec<Spanned<RawItem>>>>,
}

impl Default for RawOrgLife {
    fn default() -> Self {
        let defaults = OrgLife::default();
        RawOrgLife {
            enabled: defaults.enabled,
            month_end_days: Spanned::new(0..0, defaults.month_end_days.into()),
            item: None,
        }
    }
}

/// One `[[orglife.item]]`. Its keys are optional here so that a missing one is reported
/// by its item's number like every other problem of the item.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    name: Option<Spanned<String>>,
    every: Option<Spanned<String>>,
    from: Option<Spanned<i64>>,
}

/// Checks `[orglife]`; a bad value is noted in `problems` and left at its default (a bad
/// item is left out). An error names an item by its place, counted from 1:
/// `orglife.item[2].every` is in the second `[[orglife.item]]`. `from` on an item that is
/// not yearly is refused rather than ignored: it would mean nothing there.
pub(super) fn parse(raw: RawOrgLife, problems: &mut Problems) -> OrgLife {
    let defaults = OrgLife::default();
    let days = &raw.month_end_days;
    let month_end_days = u32::try_from(*days.get_ref())
        .ok()
        .filter(|n| MONTH_END_DAYS.contains(n));
    let month_end_days = problems
        .require(
            month_end_days,
            days.span(),
            "orglife.month_end_days",
            || {
                let (low, high) = MONTH_END_DAYS.into_inner();
                format!("must be {low} to {high}, not {}", days.get_ref())
            },
        )
        .unwrap_or(defaults.month_end_days);
    let items = match raw.item {
        None => defaults.items,
        Some(list) if list.get_ref().is_empty() => {
            let reason = "an empty checklist (leave orglife.item out for the built-in one)";
            problems.add(Some(list.span()), "orglife.item", reason);
            defaults.items
        }
        Some(list) => {
            let (mut items, mut names) = (Vec::new(), Vec::new());
            for (i, raw) in list.into_inner().into_iter().enumerate() {
                let name = raw.get_ref().name.as_ref().map(|n| n.get_ref().clone());
                items.extend(parse_item(i + 1, raw, &names, problems));
                names.push(name.unwrap_or_default());
            }
            items
        }
    };
    OrgLife {
        enabled: raw.enabled,
        month_end_days,
        items,
    }
}

/// The `n`-th `[[orglife.item]]`, after the items named `before`; `None` when something is
/// wrong with it, noted in `problems`.
fn parse_item(
    n: usize,
    raw: Spanned<RawItem>,
    before: &[String],
    problems: &mut Problems,
) -> Option<Item> {
    let key = |k: &str| format!("orglife.item[{n}].{k}");
    let span = raw.span();
    let raw = raw.into_inner();
    let (Some(name), Some(every)) = (&raw.name, &raw.every) else {
        let missing = if raw.name.is_none() { "name" } else { "every" };
        if !problems.unread(&key(missing)) {
            let reason = format!("missing field `{missing}`");
            problems.add(Some(span), &format!("orglife.item[{n}]"), reason);
        }
        return None;
    };
    let problem = name_problem(name.get_ref()).or_else(|| {
        let same = before.iter().position(|other| other == name.get_ref())?;
        Some(format!("{:?} is also item {}", name.get_ref(), same + 1))
    });
    if let Some(reason) = &problem {
        problems.add(Some(name.span()), &key("name"), reason.as_str());
    }
    let every = problems.require(
        Every::parse(every.get_ref()),
        every.span(),
        &key("every"),
        || {
            format!(
                "unknown value {:?} (expected \"month\", \"quarter\" or \"year\")",
                every.get_ref()
            )
        },
    );
    let from = match (raw.from, every) {
        (None, _) => Some(1),
        // An unknown `every` is reported already.
        (Some(_), None) => None,
        (Some(f), Some(every)) if every != Every::Year => {
            let reason = "only a yearly item (every = \"year\") has a first month";
            problems.add(Some(f.span()), &key("from"), reason);
            None
        }
        (Some(f), Some(_)) => {
            let month = u32::try_from(*f.get_ref())
                .ok()
                .filter(|m| (1..=12).contains(m));
            problems.require(month, f.span(), &key("from"), || {
                format!("must be a month, 1 to 12, not {}", f.get_ref())
            })
        }
    };
    match (problem, every, from) {
        (None, Some(every), Some(from)) => Some(Item::new(name.get_ref(), every, from)),
        _ => None,
    }
}

/// What is wrong with an item's name on its own: it goes into `/done` (one word), into
/// button data (with `:` between fields), and into messages.
fn name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("empty name".into())
    } else if name.chars().count() > MAX_NAME_CHARS {
        Some(format!(
            "{name:?} is longer than {MAX_NAME_CHARS} characters"
        ))
    } else if name.contains(|c: char| c.is_whitespace() || c == ':') {
        Some(format!("{name:?} contains a space or ':'"))
    } else {
        None
    }
}
