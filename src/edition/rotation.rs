//! Rotation: which item of a category comes next, and whose turn the 第一议题 line is.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::content::{Category, Item};

/// Which items each category has used in its current cycle, and the last 第一议题 item.
/// Stored after each composed edition (and exported), so a restart goes on where it was.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    #[serde(default)]
    pub used: BTreeMap<Category, BTreeSet<u64>>,
    /// The item of the last 第一议题 line: the next line takes the category after its own
    /// in `study_from`, and never this item again at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_study: Option<u64>,
}

impl Rotation {
    /// Takes the next item of `category` from `items`: the lowest id not used in this cycle;
    /// when every item has been used, a new cycle starts, with its lowest id other than
    /// `avoid` when there is one. Pinned and anchored items never rotate.
    pub(super) fn take<'a>(
        &mut self,
        items: &'a [Item],
        category: Category,
        avoid: Option<u64>,
    ) -> Option<&'a Item> {
        let mut pool: Vec<&Item> = items
            .iter()
            .filter(|i| i.category == category && !i.is_fixed())
            .collect();
        pool.sort_by_key(|i| i.id);
        let used = self.used.entry(category).or_default();
        let next = pool.iter().find(|i| !used.contains(&i.id)).copied();
        let item = match next {
            Some(i) => i,
            None => {
                used.clear();
                let fresh = pool.iter().find(|i| Some(i.id) != avoid);
                *fresh.or(pool.first())?
            }
        };
        used.insert(item.id);
        Some(item)
    }

    /// Takes the 第一议题 item by rotation: round-robin over `study_from` in its order,
    /// from the category after the last line's, each category in its own cycle; a
    /// category without items is passed over.
    pub(super) fn take_study<'a>(
        &mut self,
        items: &'a [Item],
        study_from: &[Category],
    ) -> Option<&'a Item> {
        let last = self.last_study;
        let last_category = last.and_then(|id| items.iter().find(|i| i.id == id));
        let start = last_category
            .and_then(|i| study_from.iter().position(|c| *c == i.category))
            .map_or(0, |p| p + 1);
        (0..study_from.len())
            .map(|k| study_from[(start + k) % study_from.len()])
            .find_map(|c| self.take(items, c, last))
    }
}
