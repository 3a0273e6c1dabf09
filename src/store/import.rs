//! Export and import: the whole database as one document, loaded back all or nothing.

use std::collections::BTreeSet;

use sled::Transactional;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};

use super::document::{FORMAT, FORMATS_READ};
use super::{
    Document, NEXT_ID, ROTATION, ROTATION_BEFORE, Result, Store, StoreError, chat_key, checkins,
    date_key, decode, decode_id, deliveries, encode, notices, orglife, overrides, robots, tasks,
    tx_error,
};
use crate::content::{Item, LineError, toml_error};

/// Why a file cannot be imported, found before anything is written.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Not an export at all: a config file, some other text, or nothing.
    #[error(
        "{file}: this is not a mingjing export{} (expected `format = {FORMAT}`, `next_id`, then [[item]] / [[subscription]] … tables, as `mingjing export` writes them){}",
        looks.what(),
        looks.hint()
    )]
    NotAnExport { file: String, looks: Looks },
    /// An export with a mistake, at its line.
    #[error("{0}")]
    Invalid(LineError),
}

/// What a text that is not an export looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Looks {
    Empty,
    /// It has sections of `config.toml`.
    Config,
    Other,
}

impl Looks {
    fn what(self) -> &'static str {
        match self {
            Looks::Empty => ": the file is empty",
            Looks::Config | Looks::Other => "",
        }
    }

    fn hint(self) -> &'static str {
        match self {
            Looks::Config => "; it looks like a config file, which is given with --config",
            Looks::Empty | Looks::Other => "",
        }
    }
}

/// Sections of `config.toml`, to recognise one given as an export.
const CONFIG_SECTIONS: [&str; 8] = [
    "telegram", "schedule", "delivery", "checkin", "storage", "content", "orglife", "tasks",
];

impl Document {
    /// Reads the text of the export file `file`. A text that is not an export (it has no
    /// top-level `format` number) is refused as such rather than with the parser's words
    /// about it; an export with a mistake is refused with the mistake's line.
    pub fn read(file: &str, src: &str) -> std::result::Result<Document, ReadError> {
        let (top, _) = toml::de::DeTable::parse_recoverable(src);
        let top = top.get_ref();
        let has_format = top.get("format").is_some_and(|v| v.get_ref().is_integer());
        if !has_format {
            let looks = if src.trim().is_empty() {
                Looks::Empty
            } else if CONFIG_SECTIONS.iter().any(|s| top.contains_key(*s)) {
                Looks::Config
            } else {
                Looks::Other
            };
            return Err(ReadError::NotAnExport {
                file: file.to_string(),
                looks,
            });
        }
        toml::from_str(src).map_err(|e| ReadError::Invalid(toml_error(file, src, &e)))
    }
}

impl Store {
    /// Everything needed to restore, except the robots' webhook URLs and secrets.
    pub fn export(&self) -> Result<Document> {
        Ok(self.export_with_secrets()?.without_secrets())
    }

    /// Everything needed to restore, the robots' webhook URLs and secrets included
    /// (`export --with-secrets`).
    pub fn export_with_secrets(&self) -> Result<Document> {
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
            marks: self.marks()?,
            notices: self.notices()?,
            private_chats: self.private_chats()?.into_iter().collect(),
            admins: self.group_admins()?,
            tasks: self.tasks()?,
            overrides: self.overrides()?,
            robots: self.robots()?,
        })
    }

    /// Loads an exported document: items are matched by key (shipped) or id (added by chat)
    /// and upserted; an id that belongs to a different item refuses the whole import.
    ///
    /// All or nothing: the document is checked first (its format, every item's text, every
    /// task's number), then every tree (the library with its keys and tombstones, the next
    /// id and the rotation, editions, subscriptions, the delivery log with its pending
    /// index, check-ins, members, organisational-life marks, people, tasks with their
    /// groups' counters) is written in one sled transaction, which places the items before
    /// it writes anything; so a refused or failed import changes nothing.
    ///
    /// The cost is memory: sled keeps a transaction's writes in memory until it commits.
    /// An import of 100,000 subscriptions peaked at 763 MB instead of 374 MB written tree
    /// by tree (debug build, measured on an earlier layout of the store).
    pub fn import(&self, doc: &Document) -> Result<()> {
        if !FORMATS_READ.contains(&doc.format) {
            return Err(StoreError::Refused(format!(
                "unknown format {} (this version reads {FORMATS_READ:?})",
                doc.format
            )));
        }
        for item in &doc.items {
            crate::content::validate(item.category, &item.text, item.source.as_deref())
                .map_err(|e| StoreError::Refused(format!("item #{}: {e}", item.id)))?;
        }
        for task in &doc.tasks {
            tasks::check_task(task)?;
        }
        // Held across the transaction, so that no record of the log is written meanwhile
        // and no count is made from a log half imported.
        let mut tallies = self.lock_log();
        let trees = (
            &self.items,
            &self.keys,
            &self.tombstones,
            &self.meta,
            &self.editions,
            &self.subscriptions,
            &self.deliveries,
            &self.pending,
            &self.checkins,
            &self.members,
            &self.orglife,
            &self.people,
            &self.tasks,
            &self.robots,
        );
        // sled may run the closure more than once: it only reads and writes the trees, and
        // what is to be reported afterwards is returned.
        let res: std::result::Result<usize, TransactionError<StoreError>> = trees.transaction(
            |(
                items,
                keys,
                tombs,
                meta,
                editions,
                subs,
                log,
                pending,
                checkins,
                members,
                marks,
                people,
                task_tree,
                robot_tree,
            )| {
                // Placing the items reads the library inside the transaction, so what it
                // decides still holds when the writes commit.
                let placed = place_items(doc, items, keys)?;
                let max_id = placed.iter().map(|i| i.id).max().unwrap_or(0);
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
                // The state before the newest edition here is not the document's.
                meta.remove(ROTATION_BEFORE)?;
                for e in &doc.editions {
                    editions.insert(date_key(e.date).as_bytes(), encode(e))?;
                }
                for sub in &doc.subscriptions {
                    subs.insert(&chat_key(sub.chat_id), encode(sub))?;
                }
                for r in &doc.deliveries {
                    deliveries::put_in(log, pending, r)?;
                }
                for r in &doc.checkins {
                    checkins::put_checkin_in(checkins, r)?;
                }
                let mut replaced = 0;
                for m in &doc.members {
                    replaced += usize::from(checkins::put_member_in(members, m)?);
                }
                for n in &doc.notices {
                    notices::put_notice_in(meta, n)?;
                }
                for m in &doc.marks {
                    orglife::put_mark_in(marks, m)?;
                }
                for &user_id in &doc.private_chats {
                    orglife::put_private_in(people, user_id)?;
                }
                for &admin in &doc.admins {
                    orglife::put_admin_in(people, admin)?;
                }
                tasks::put_tasks_in(task_tree, &doc.tasks)?;
                overrides::put_overrides_in(meta, &doc.overrides)?;
                robots::put_robots_in(robot_tree, meta, &doc.robots)?;
                Ok(replaced)
            },
        );
        // The counts kept beside the log did not follow the import: each date is counted
        // afresh when next asked for (after a refusal too, which is merely a recount).
        tallies.forget();
        drop(tallies);
        let replaced = res.map_err(tx_error)?;
        if replaced > 0 {
            tracing::warn!(
                members = replaced,
                "corrupt member records were replaced by imported ones"
            );
        }
        self.flush()
    }
}

/// Decides every item's id: a shipped item takes the id its key has here, an item added by
/// chat keeps its own; refused when that id holds a different item, or twice the same.
fn place_items(
    doc: &Document,
    items: &TransactionalTree,
    keys: &TransactionalTree,
) -> ConflictableTransactionResult<Vec<Item>, StoreError> {
    let refuse = |why: String| ConflictableTransactionError::Abort(StoreError::Refused(why));
    let mut placed: Vec<Item> = Vec::new();
    let mut seen = BTreeSet::new();
    for item in &doc.items {
        let mut item = item.clone();
        let existing: Option<Item> = items
            .get(item.id.to_be_bytes())?
            .map(|v| decode("items", &v))
            .transpose()
            .map_err(ConflictableTransactionError::Abort)?;
        match &item.key {
            Some(key) => {
                if let Some(id) = keys.get(key.as_bytes())? {
                    item.id = decode_id(&id).map_err(ConflictableTransactionError::Abort)?;
                } else if let Some(other) = existing {
                    return Err(refuse(format!(
                        "item #{} ({key}) would replace a different item #{} ({})",
                        item.id,
                        other.id,
                        other.key.as_deref().unwrap_or("added by chat")
                    )));
                }
            }
            None => {
                if let Some(other) = existing.filter(|o| o.key.is_some()) {
                    return Err(refuse(format!(
                        "item #{} would replace the shipped item {}",
                        item.id,
                        other.key.as_deref().unwrap_or_default()
                    )));
                }
            }
        }
        if !seen.insert(item.id) {
            return Err(refuse(format!("item #{} appears twice", item.id)));
        }
        placed.push(item);
    }
    Ok(placed)
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
    use crate::checkin::{CheckIn, Member};
    use crate::content::Category;
    use crate::delivery::{Delivery, Slot, State, Tally};
    use crate::edition::{Edition, Rotation};
    use crate::message::Address;
    use crate::store::tests::rules;
    use crate::store::tests::{d, library, now};
    use crate::subscription::Subscription;
    use chrono::{NaiveDate, NaiveTime};

    #[test]
    fn a_text_that_is_not_an_export_is_refused_as_such() {
        let not = "this is not a mingjing export";
        let expected = "(expected `format = 3`, `next_id`, then [[item]] / [[subscription]] … tables, as `mingjing export` writes them)";
        let cases = [
            ("", Looks::Empty),
            ("  \n\n", Looks::Empty),
            (crate::config::EXAMPLE, Looks::Config),
            ("[storage]\npath = \"db\"\n", Looks::Config),
            ("hello world\n", Looks::Other),
            ("{\"format\": 3}\n", Looks::Other),
            ("[[item]]\nid = 1\n", Looks::Other),
            ("format = \"3\"\n", Looks::Other),
        ];
        for (src, looks) in cases {
            let e = Document::read("b.toml", src).unwrap_err();
            assert!(
                matches!(&e, ReadError::NotAnExport { looks: l, .. } if *l == looks),
                "{src:?}: {e:?}"
            );
            let text = e.to_string();
            assert!(text.starts_with(&format!("b.toml: {not}")), "{text}");
            assert!(text.contains(expected), "{text}");
            // Nothing of the parser's wording.
            for serde in ["invalid type", "key with no value", "expected a sequence"] {
                assert!(!text.contains(serde), "{text}");
            }
        }
        let e = Document::read("b.toml", "").unwrap_err().to_string();
        assert!(e.contains("export: the file is empty (expected"), "{e}");
        let e = Document::read("b.toml", crate::config::EXAMPLE)
            .unwrap_err()
            .to_string();
        assert!(
            e.ends_with("; it looks like a config file, which is given with --config"),
            "{e}"
        );
    }

    #[test]
    fn an_export_with_a_mistake_is_refused_at_its_line() {
        let cases = [
            (
                "format = 1\nnext_id = 1\n[[item]]\nid = \"x\"\n",
                "b.toml:4: invalid type: string \"x\", expected u64",
            ),
            (
                "format = 3\nnext_id = 1\ncolour = 2\n",
                "b.toml:3: unknown field `colour`",
            ),
            ("format = 3\nnext_id = \n", "b.toml:2: "),
            ("format = 3\n", "b.toml:1: missing field `next_id`"),
        ];
        for (src, start) in cases {
            let e = Document::read("b.toml", src).unwrap_err();
            assert!(matches!(e, ReadError::Invalid(_)), "{src:?}: {e:?}");
            assert!(e.to_string().starts_with(start), "{src:?}: {e}");
        }
        let doc = Document::read("b.toml", "format = 3\nnext_id = 5\n").unwrap();
        assert_eq!((doc.format, doc.next_id), (3, 5));
    }

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
        store.edition(d(1), &rules()).unwrap();
        store
            .put_subscription(&Subscription {
                title: "支部".into(),
                time: NaiveTime::from_hms_opt(7, 30, 0),
                days: Some(DayRule::Everyday),
                ..subscription(-100123)
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
    fn anchors_and_the_study_turn_go_through_export_and_import() {
        use crate::content::{Anchor, ShippedItem};
        let lib = vec![
            ShippedItem {
                anchor: Some(Anchor::Before("春节".into())),
                ..crate::store::tests::shipped("i1", Category::Integrity, "节前廉洁")
            },
            crate::store::tests::shipped("q1", Category::Quote, "习语一"),
        ];
        let a = tempfile::tempdir().unwrap();
        let store = Store::open(a.path()).unwrap();
        store.sync_shipped(&lib, now()).unwrap();
        store.edition(d(1), &rules()).unwrap();
        let text = toml::to_string(&store.export().unwrap()).unwrap();
        assert!(text.contains("before = \"春节\""), "{text}");
        assert!(text.contains("last_study = 2"), "{text}");

        let b = tempfile::tempdir().unwrap();
        let other = Store::open(b.path()).unwrap();
        other.import(&toml::from_str(&text).unwrap()).unwrap();
        other.sync_shipped(&lib, now()).unwrap();
        assert_eq!(toml::to_string(&other.export().unwrap()).unwrap(), text);
        assert_eq!(
            other.item(1).unwrap().unwrap().anchor,
            Some(Anchor::Before("春节".into()))
        );
        // An export written before anchors (no anchor, no study turn) imports as it was.
        let old = text
            .lines()
            .filter(|l| !l.contains("春节") && !l.contains("last_study") && *l != "[item.anchor]")
            .collect::<Vec<_>>()
            .join("\n");
        let c = tempfile::tempdir().unwrap();
        let third = Store::open(c.path()).unwrap();
        third.import(&toml::from_str(&old).unwrap()).unwrap();
        assert_eq!(third.item(1).unwrap().unwrap().anchor, None);
        assert_eq!(third.rotation().unwrap().last_study, None);
        // …and the next sync anchors the shipped item.
        third.sync_shipped(&lib, now()).unwrap();
        assert!(third.item(1).unwrap().unwrap().anchor.is_some());
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

    fn subscription(chat_id: i64) -> Subscription {
        Subscription {
            chat_id,
            title: format!("群{chat_id}"),
            kind: "supergroup".into(),
            time: None,
            days: None,
            active: true,
            reason: None,
            subscribed_by: 9,
            subscribed_at: now(),
            changed_at: now(),
            checkin: true,
            orglife: None,
            tasks: false,
        }
    }

    fn delivery(chat_id: i64, date: NaiveDate, state: State) -> Delivery {
        let slot = Slot::edition(date, Address::telegram(chat_id));
        Delivery {
            state,
            ..Delivery::pending(slot, now(), now(), now())
        }
    }

    /// What an import must leave alone when refused: the document, the pending index (raw
    /// and as read) and a date's count kept beside the log.
    fn snapshot(store: &Store) -> (Document, Vec<Delivery>, Vec<sled::IVec>, Tally) {
        let pending = store.pending_deliveries().unwrap();
        let index = store.pending.iter().keys().map(|k| k.unwrap()).collect();
        (
            store.export().unwrap(),
            pending,
            index,
            store.tally_on(d(1)).unwrap(),
        )
    }

    #[test]
    fn an_import_refused_midway_leaves_every_tree_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.sync_shipped(&library(), now()).unwrap();
        store.put_subscription(&subscription(-1)).unwrap();
        store.edition(d(1), &rules()).unwrap();
        store
            .put_deliveries(&[
                delivery(-1, d(1), State::Pending),
                delivery(-3, d(1), State::Sent),
            ])
            .unwrap();
        store.check_in(-1, d(1), 5, "甲", now()).unwrap();
        // Counted (and so cached) before the import.
        let counted = store.tally_on(d(1)).unwrap();
        assert_eq!((counted.pending, counted.sent), (1, 1));
        let before = snapshot(&store);
        assert_eq!(before.3, counted);

        // Valid records of every kind, changing what is there and adding to it, then an
        // item added by chat whose id is the shipped item p1's.
        let mut doc = before.0.clone();
        doc.subscriptions = vec![subscription(-2), subscription(-1)];
        doc.subscriptions[1].active = false;
        doc.editions.push(Edition {
            date: d(2),
            ..doc.editions[0].clone()
        });
        doc.deliveries = vec![
            delivery(-2, d(1), State::Pending),
            delivery(-1, d(1), State::Sent),
            delivery(-3, d(1), State::Failed),
            delivery(-2, d(2), State::Pending),
        ];
        doc.checkins.push(CheckIn {
            chat_id: -2,
            date: d(1),
            user_id: 6,
            at: now(),
        });
        doc.members.push(Member {
            chat_id: -2,
            user_id: 6,
            name: "乙".into(),
            first_seen: now(),
            last_seen: now(),
        });
        doc.members[0].name = "甲改".into();
        doc.members[0].last_seen = now() + chrono::Duration::days(1);
        doc.rotation = Rotation::default();
        doc.next_id = 99;
        doc.tombstones.insert("q1".into());
        doc.items.push(Item {
            id: 4,
            key: None,
            ..doc.items[0].clone()
        });
        doc.items.push(Item {
            id: 1,
            key: None,
            ..doc.items[0].clone()
        });
        // The document does change every tree, were it let in.
        assert_ne!(doc.rotation, before.0.rotation);

        let e = store.import(&doc).unwrap_err();
        assert!(matches!(e, StoreError::Refused(_)), "{e}");
        assert!(e.to_string().contains("p1"), "{e}");
        assert_eq!(snapshot(&store), before);
        drop(store);
        let store = crate::store::tests::reopen(dir.path());
        assert_eq!(snapshot(&store), before);

        // Without the offending item the same document goes in, whole.
        doc.items.pop();
        store.import(&doc).unwrap();
        let after = store.export().unwrap();
        assert_eq!(
            after.subscriptions,
            vec![subscription(-2), doc.subscriptions[1].clone()]
        );
        assert_eq!(after.deliveries.len(), 4);
        assert_eq!(after.editions.len(), 2);
        assert_eq!(after.checkins.len(), 2);
        let names: Vec<&str> = after.members.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["乙", "甲改"]);
        assert_eq!(after.next_id, 99);
        assert_eq!(after.rotation, Rotation::default());
        assert!(after.items.iter().all(|i| i.key.as_deref() != Some("q1")));
        assert!(after.items.iter().any(|i| i.id == 4));
    }

    #[test]
    fn an_import_keeps_the_pending_index_and_the_counts_true() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .put_deliveries(&[
                delivery(-1, d(1), State::Pending),
                delivery(-4, d(1), State::Pending),
            ])
            .unwrap();
        // Counted before the import: the count must not go stale.
        assert_eq!(store.tally_on(d(1)).unwrap().pending, 2);
        assert_eq!(store.tally_on(d(2)).unwrap(), Tally::default());
        let doc = Document {
            format: FORMAT,
            next_id: 1,
            deliveries: vec![
                delivery(-1, d(1), State::Sent),
                delivery(-2, d(1), State::Pending),
                delivery(-3, d(1), State::Missed),
                delivery(-5, d(2), State::Pending),
            ],
            ..Document::default()
        };
        store.import(&doc).unwrap();
        let expected = Tally {
            pending: 2,
            sent: 1,
            failed: 0,
            missed: 1,
        };
        let on_2 = Tally {
            pending: 1,
            ..Tally::default()
        };
        let pending = |store: &Store| -> Vec<(NaiveDate, i64)> {
            let mut all: Vec<(NaiveDate, i64)> = store
                .pending_deliveries()
                .unwrap()
                .iter()
                .map(|r| (r.date, r.to.id))
                .collect();
            all.sort_unstable();
            all
        };
        let want = vec![(d(1), -4), (d(1), -2), (d(2), -5)];
        assert_eq!(store.tally_on(d(1)).unwrap(), expected);
        assert_eq!(store.tally_on(d(2)).unwrap(), on_2);
        assert_eq!(pending(&store), want);
        assert_eq!(store.pending.len(), 3);
        // Later writes keep the recounted tallies, and all of it survives a reopen.
        store
            .put_deliveries(&[delivery(-2, d(1), State::Sent)])
            .unwrap();
        let expected = Tally {
            pending: 1,
            sent: 2,
            ..expected
        };
        assert_eq!(store.tally_on(d(1)).unwrap(), expected);
        drop(store);
        let store = crate::store::tests::reopen(dir.path());
        assert_eq!(store.tally_on(d(1)).unwrap(), expected);
        assert_eq!(store.tally_on(d(2)).unwrap(), on_2);
        assert_eq!(pending(&store), vec![(d(1), -4), (d(2), -5)]);
        assert_eq!(store.pending.len(), 2);
    }
}
