//! `[orglife]` of `config.toml`: the feature, the 月末调度's day, the checklist (SPEC §11).

use std::ops::RangeInclusive;

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Span};
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
    item: Option<Spanned<Vec<RawItem>>>,
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

/// One `[[orglife.item]]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    name: Spanned<String>,
    every: Spanned<String>,
    from: Option<Spanned<i64>>,
}

/// Checks `[orglife]`. An error names an item by its place, counted from 1:
/// `orglife.item[2].every` is in the second `[[orglife.item]]`. `from` on an item that is
/// not yearly is refused rather than ignored: it would mean nothing there.
pub(super) fn parse(
    raw: RawOrgLife,
    err: &impl Fn(Option<Span>, &str, String) -> ConfigError,
) -> Result<OrgLife, ConfigError> {
    let days = &raw.month_end_days;
    let month_end_days = u32::try_from(*days.get_ref())
        .ok()
        .filter(|n| MONTH_END_DAYS.contains(n))
        .ok_or_else(|| {
            let (low, high) = MONTH_END_DAYS.into_inner();
            let reason = format!("must be {low} to {high}, not {}", days.get_ref());
            err(Some(days.span()), "orglife.month_end_days", reason)
        })?;
    let items = match raw.item {
        None => default_items(),
        Some(list) if list.get_ref().is_empty() => {
            let reason = "an empty checklist (leave orglife.item out for the built-in one)";
            return Err(err(Some(list.span()), "orglife.item", reason.into()));
        }
        Some(list) => {
            let mut items = Vec::new();
            for (i, raw) in list.into_inner().into_iter().enumerate() {
                let key = |k: &str| format!("orglife.item[{}].{k}", i + 1);
                let name = raw.name.get_ref();
                let problem = name_problem(name).or_else(|| {
                    let same = items.iter().position(|it: &Item| it.name == *name)?;
                    Some(format!("{name:?} is also item {}", same + 1))
                });
                if let Some(reason) = problem {
                    return Err(err(Some(raw.name.span()), &key("name"), reason));
                }
                let every = Every::parse(raw.every.get_ref()).ok_or_else(|| {
                    let reason = format!(
                        "unknown value {:?} (expected \"month\", \"quarter\" or \"year\")",
                        raw.every.get_ref()
                    );
                    err(Some(raw.every.span()), &key("every"), reason)
                })?;
                let from = match raw.from {
                    None => 1,
                    Some(f) if every != Every::Year => {
                        let reason = "only a yearly item (every = \"year\") has a first month";
                        return Err(err(Some(f.span()), &key("from"), reason.into()));
                    }
                    Some(f) => u32::try_from(*f.get_ref())
                        .ok()
                        .filter(|m| (1..=12).contains(m))
                        .ok_or_else(|| {
                            let reason = format!("must be a month, 1 to 12, not {}", f.get_ref());
                            err(Some(f.span()), &key("from"), reason)
                        })?,
                };
                items.push(Item::new(name, every, from));
            }
            items
        }
    };
    Ok(OrgLife {
        enabled: raw.enabled,
        month_end_days,
        items,
    })
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
