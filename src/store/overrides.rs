//! One-day overrides, in the `meta` tree under `override:` ‖ date: the import's one
//! transaction holds thirteen trees already, and sled's transactional tuples stop at 14.

use chrono::NaiveDate;
use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};

use super::{
    ROTATION, ROTATION_BEFORE, Result, Store, StoreError, date_key, decode, encode, tx_error,
};
use crate::delivery::{Kind, Tally};
use crate::edition::{self, Edition, Rotation, Rules};
use crate::overrides::Override;

const PREFIX: &str = "override:";

pub(super) fn override_key(date: NaiveDate) -> String {
    format!("{PREFIX}{}", date_key(date))
}

impl Store {
    /// Every override, oldest date first.
    pub fn overrides(&self) -> Result<Vec<Override>> {
        self.meta
            .scan_prefix(PREFIX)
            .values()
            .map(|v| decode("meta", &v?))
            .collect()
    }

    pub fn override_on(&self, date: NaiveDate) -> Result<Option<Override>> {
        self.meta
            .get(override_key(date))?
            .map(|v| decode("meta", &v))
            .transpose()
    }

    /// The edition of `date` as members would read it, changing nothing: the stored one, or
    /// one forecast by `rules` from the rotation as it stands (overrides included), with
    /// editions composed on the delivery days between.
    pub fn forecast(&self, date: NaiveDate, today: NaiveDate, rules: &Rules) -> Result<Edition> {
        if let Some(e) = self.stored_edition(date)? {
            return Ok(e);
        }
        let from = self
            .last_edition_date()?
            .map_or(today, |d| d.succ_opt().unwrap_or(d).max(today));
        let items = self.items()?;
        let (rotation, overrides) = (self.rotation()?, self.overrides()?);
        Ok(edition::forecast(
            &items, &rotation, rules, from, date, &overrides,
        ))
    }

    /// Whether a morning delivery of `date` is recorded (in any state).
    pub fn morning_started(&self, date: NaiveDate) -> Result<bool> {
        let tallies = self.tallies_on(date)?;
        Ok(tallies
            .get(&Kind::Edition)
            .is_some_and(|t| *t != Tally::default()))
    }

    /// Sets the override of its date, replacing one there was. An edition already composed
    /// for that date (by `/today`: the caller has checked that no delivery began) is dropped
    /// and the rotation it took given back (the state before it, when it was the newest
    /// composed), so the day is composed again with the override.
    pub fn set_override(&self, o: &Override) -> Result<()> {
        self.change_override(o.date, Some(o))
    }

    /// Removes the override of `date`; false when there was none. Like
    /// [`Store::set_override`], an edition composed for that date is composed again.
    pub fn remove_override(&self, date: NaiveDate) -> Result<bool> {
        if self.override_on(date)?.is_none() {
            return Ok(false);
        }
        self.change_override(date, None)?;
        Ok(true)
    }

    fn change_override(&self, date: NaiveDate, o: Option<&Override>) -> Result<()> {
        let key = date_key(date);
        let res: std::result::Result<(), TransactionError<StoreError>> =
            (&self.editions, &self.meta).transaction(|(editions, meta)| {
                match o {
                    Some(o) => meta.insert(override_key(date).as_bytes(), encode(o))?,
                    None => meta.remove(override_key(date).as_bytes())?,
                };
                let Some(v) = editions.remove(key.as_bytes())? else {
                    return Ok(());
                };
                let abort = ConflictableTransactionError::Abort;
                let edition: Edition = decode("editions", &v).map_err(abort)?;
                let before: Option<(NaiveDate, Rotation)> = match meta.get(ROTATION_BEFORE)? {
                    Some(v) => Some(decode("meta", &v).map_err(abort)?),
                    None => None,
                };
                let rotation = match before {
                    Some((day, rotation)) if day == date => rotation,
                    _ => {
                        let mut rotation: Rotation = match meta.get(ROTATION)? {
                            Some(v) => decode("meta", &v).map_err(abort)?,
                            None => Rotation::default(),
                        };
                        give_back(&mut rotation, &edition);
                        rotation
                    }
                };
                meta.insert(ROTATION, encode(&rotation))?;
                meta.remove(ROTATION_BEFORE)?;
                Ok(())
            });
        res.map_err(tx_error)?;
        tracing::info!(%date, set = o.is_some(), "override changed");
        self.flush()
    }
}

/// Gives back to `rotation` the items `edition` took, when the state before it is not
/// known: ids are unique across categories, and a pinned or anchored item was never in a
/// cycle. The turn of the 第一议题 line is then started afresh.
fn give_back(rotation: &mut Rotation, edition: &Edition) {
    for used in rotation.used.values_mut() {
        for id in &edition.items {
            used.remove(id);
        }
    }
    if rotation
        .last_study
        .is_some_and(|id| edition.items.contains(&id))
    {
        rotation.last_study = None;
    }
}

/// Writes imported overrides inside the import's transaction.
pub(super) fn put_overrides_in(
    meta: &TransactionalTree,
    overrides: &[Override],
) -> ConflictableTransactionResult<(), StoreError> {
    for o in overrides {
        meta.insert(override_key(o.date).as_bytes(), encode(o))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::{d, library, now, rules};
    use super::*;
    use crate::overrides::Action;

    fn set(store: &Store, date: NaiveDate, action: Action, text: &str) {
        let o = Override {
            date,
            action,
            text: text.into(),
        };
        store.set_override(&o).unwrap();
    }

    #[test]
    fn an_override_recomposes_an_edition_made_for_today_and_changes_the_rotation_as_told() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.sync_shipped(&library(), now()).unwrap();
        // `/today` composed the 1st: 政治一 (#1) and 习语一 (#3).
        let first = store.edition(d(1), &rules()).unwrap();
        assert_eq!(first.items, vec![1, 3]);

        // 附加 for the 1st: the edition is composed again from the same rotation.
        set(&store, d(1), Action::Append, "注意<安全>");
        assert_eq!(store.stored_edition(d(1)).unwrap(), None);
        let again = store.edition(d(1), &rules()).unwrap();
        assert_eq!(again.items, vec![1, 3]);
        assert!(again.html.contains("<b>重要提示</b>：注意&lt;安全&gt;"));

        // 替换 on the 2nd leaves 政治 where it was: the 3rd takes #2.
        set(&store, d(2), Action::Replace, "专题学习");
        let second = store.edition(d(2), &rules()).unwrap();
        assert!(second.html.contains("专题学习") && !second.html.contains("政治"));
        assert_eq!(second.items, vec![3]);
        assert_eq!(store.edition(d(3), &rules()).unwrap().items, vec![2, 3]);

        // 停发 on the 4th: nothing composed, nothing stored, the rotation as it was.
        set(&store, d(4), Action::Skip, "");
        let rotation = store.rotation().unwrap();
        assert!(store.edition(d(4), &rules()).unwrap().is_empty());
        assert_eq!(store.stored_edition(d(4)).unwrap(), None);
        assert_eq!(store.rotation().unwrap(), rotation);

        let dates: Vec<NaiveDate> = store.overrides().unwrap().iter().map(|o| o.date).collect();
        assert_eq!(dates, vec![d(1), d(2), d(4)]);
        assert!(store.remove_override(d(4)).unwrap());
        assert!(!store.remove_override(d(4)).unwrap());
        assert_eq!(store.override_on(d(4)).unwrap(), None);
        assert_eq!(store.edition(d(4), &rules()).unwrap().items, vec![1, 3]);
    }
}
