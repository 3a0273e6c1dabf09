//! Export and import: the whole database as one document, and that document loaded back.

use std::collections::BTreeSet;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionResult, TransactionError, TransactionalTree};

use super::document::{FORMAT, FORMATS_READ};
use super::{
    Document, NEXT_ID, ROTATION, Result, Store, StoreError, chat_key, date_key, decode_id, encode,
    tx_error,
};
use crate::content::Item;

impl Store {
    /// Everything needed to restore.
    pub fn export(&self) -> Result<Document> {
        let next_id = self
            .meta
            .get(NEXT_ID)?
            .and_then(|b| b.as_ref().try_into().ok())
            .map_or(1, u64::from_be_bytes);
        Ok(Document {
            format: FORMAT,
            next_id,
            tombstones: self.tombstones()?,
            rotation: self.rotation()?,
            items: self.items()?,
            subscriptions: self.subscriptions()?,
            editions: self.editions()?,
            deliveries: self.deliveries()?,
            checkins: self.checkins()?,
            members: self.members()?,
        })
    }

    /// Loads an exported document: items are matched by key (shipped) or id (added by chat)
    /// and upserted; an id that belongs to a different item refuses the whole import.
    pub fn import(&self, doc: &Document) -> Result<()> {
        if !FORMATS_READ.contains(&doc.format) {
            return Err(StoreError::Refused(format!(
                "unknown format {} (this version reads {FORMATS_READ:?})",
                doc.format
            )));
        }
        // Decide every item's id first, so that a refusal changes nothing.
        let mut placed: Vec<Item> = Vec::new();
        let mut seen = BTreeSet::new();
        for item in &doc.items {
            crate::content::validate(item.category, &item.text, item.source.as_deref())
                .map_err(|e| StoreError::Refused(format!("item #{}: {e}", item.id)))?;
            let mut item = item.clone();
            let existing = self.item(item.id)?;
            match &item.key {
                Some(key) => {
                    if let Some(id) = self.keys.get(key)? {
                        item.id = decode_id(&id)?;
                    } else if let Some(other) = existing {
                        return Err(StoreError::Refused(format!(
                            "item #{} ({key}) would replace a different item #{} ({})",
                            item.id,
                            other.id,
                            other.key.as_deref().unwrap_or("added by chat")
                        )));
                    }
                }
                None => {
                    if let Some(other) = existing.filter(|o| o.key.is_some()) {
                        return Err(StoreError::Refused(format!(
                            "item #{} would replace the shipped item {}",
                            item.id,
                            other.key.as_deref().unwrap_or_default()
                        )));
                    }
                }
            }
            if !seen.insert(item.id) {
                return Err(StoreError::Refused(format!(
                    "item #{} appears twice",
                    item.id
                )));
            }
            placed.push(item);
        }
        let max_id = placed.iter().map(|i| i.id).max().unwrap_or(0);
        let res: std::result::Result<(), TransactionError<StoreError>> =
            (&self.items, &self.keys, &self.tombstones, &self.meta).transaction(
                |(items, keys, tombs, meta)| {
                    for item in &placed {
                        items.insert(&item.id.to_be_bytes(), encode(item))?;
                        if let Some(key) = &item.key {
                            keys.insert(key.as_bytes(), &item.id.to_be_bytes())?;
                        }
                    }
                    for key in &doc.tombstones {
                        tombs.insert(key.as_bytes(), &b""[..])?;
                        remove_keyed(items, keys, key)?;
                    }
                    let next = meta
                        .get(NEXT_ID)?
                        .and_then(|b| b.as_ref().try_into().ok())
                        .map_or(1, u64::from_be_bytes);
                    let next = next.max(doc.next_id).max(max_id + 1);
                    meta.insert(NEXT_ID, &next.to_be_bytes())?;
                    meta.insert(ROTATION, encode(&doc.rotation))?;
                    Ok(())
                },
            );
        res.map_err(tx_error)?;
        for sub in &doc.subscriptions {
            self.subscriptions
                .insert(chat_key(sub.chat_id), encode(sub))?;
        }
        for e in &doc.editions {
            self.editions.insert(date_key(e.date), encode(e))?;
        }
        self.put_deliveries(&doc.deliveries)?;
        self.put_checkins(&doc.checkins)?;
        self.put_members(&doc.members)?;
        self.flush()
    }
}

fn remove_keyed(
    items: &TransactionalTree,
    keys: &TransactionalTree,
    key: &str,
) -> ConflictableTransactionResult<(), StoreError> {
    if let Some(id) = keys.remove(key.as_bytes())? {
        items.remove(id)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::DayRule;
    use crate::content::Category;
    use crate::store::tests::{d, library, now};
    use crate::subscription::Subscription;
    use chrono::NaiveTime;

    #[test]
    fn export_import_round_trip_and_idempotence() {
        let a = tempfile::tempdir().unwrap();
        let store = Store::open(a.path()).unwrap();
        store.sync_shipped(&library(), now()).unwrap();
        store
            .add_item(
                Category::Integrity,
                "<不收> & 礼\n第二行 😀",
                None,
                7,
                now(),
            )
            .unwrap();
        store.delete_item(2, now()).unwrap();
        store.edition(d(1), true).unwrap();
        store
            .put_subscription(&Subscription {
                chat_id: -100123,
                title: "支部".into(),
                kind: "supergroup".into(),
                time: NaiveTime::from_hms_opt(7, 30, 0),
                days: Some(DayRule::Everyday),
                active: true,
                reason: None,
                subscribed_by: 9,
                subscribed_at: now(),
                changed_at: now(),
                checkin: true,
            })
            .unwrap();
        let doc = store.export().unwrap();
        let text = toml::to_string(&doc).unwrap();

        let b = tempfile::tempdir().unwrap();
        let other = Store::open(b.path()).unwrap();
        let parsed: Document = toml::from_str(&text).unwrap();
        other.import(&parsed).unwrap();
        other.import(&parsed).unwrap();
        other.sync_shipped(&library(), now()).unwrap();
        assert_eq!(toml::to_string(&other.export().unwrap()).unwrap(), text);
        // The next id continues after the imported ones.
        let added = other
            .add_item(Category::Law, "条", Some("《法》"), 7, now())
            .unwrap();
        assert_eq!(added.id, 5);
    }

    #[test]
    fn import_refuses_an_id_of_a_different_item_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.sync_shipped(&library(), now()).unwrap();
        let before = store.export().unwrap();
        let mut doc = before.clone();
        doc.items.push(Item {
            id: 1,
            key: None,
            ..doc.items[2].clone()
        });
        doc.tombstones.insert("p1".into());
        let e = store.import(&doc).unwrap_err();
        assert!(e.to_string().contains("p1"), "{e}");
        assert_eq!(store.export().unwrap(), before);
    }
}
