//! The database: sled behind typed methods, one tree per entity. The source of truth.
//!
//! Every method that changes something flushes before it returns, so a caller may
//! acknowledge the change as soon as the method succeeds.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Serialize, de::DeserializeOwned};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::content::{Category, Item, ShippedItem};
use crate::edition::{self, Edition, Rotation, Rules};
use crate::subscription::Subscription;

mod checkins;
mod deliveries;
mod document;
mod import;
mod logins;
mod notices;
mod orglife;
mod overrides;
mod robots;
mod tasks;
pub use document::Document;
pub use import::{Looks, ReadError};
pub use orglife::GroupAdmin;

/// Bytes of cache sled may use; its 1 GiB default would grow with the database. sled
/// holds about twice this in fact; 4 MiB instead of 16 took 28 MiB off the peak of a push
/// to 100,000 chats at no cost in speed measured (README, Performance): the hot paths are
/// point lookups and appends.
const CACHE_BYTES: u64 = 4 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database {0} is in use by another mingjing process (is the bot running?); stop it first or use another storage.path"
    )]
    Locked(String),
    #[error("database error: {0}")]
    Sled(#[from] sled::Error),
    #[error("corrupt record in {tree}: {reason}")]
    Corrupt { tree: &'static str, reason: String },
    #[error("no item #{0}")]
    NoSuchItem(u64),
    #[error("import refused: {0}")]
    Refused(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// What a sync of the shipped library changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
}

const NEXT_ID: &[u8] = b"next_id";
const ROTATION: &[u8] = b"rotation";
/// The rotation state before the newest composed edition, with its date: an override set
/// for that day gives it back exactly (see [`Store::set_override`]).
const ROTATION_BEFORE: &[u8] = b"rotation_before";

/// The database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    items: sled::Tree,
    keys: sled::Tree,
    tombstones: sled::Tree,
    meta: sled::Tree,
    editions: sled::Tree,
    subscriptions: sled::Tree,
    deliveries: sled::Tree,
    /// The keys of the pending delivery records.
    pending: sled::Tree,
    /// Counts of delivery records by state; its lock also serialises writes to the log.
    tallies: Arc<Mutex<deliveries::Tallies>>,
    checkins: sled::Tree,
    members: sled::Tree,
    /// Organisational-life marks.
    orglife: sled::Tree,
    /// Private chats and group admins.
    people: sled::Tree,
    /// 督办 tasks and each group's next task number.
    tasks: sled::Tree,
    /// Group robots (WeCom, DingTalk, Feishu).
    robots: sled::Tree,
}

impl Store {
    /// Opens (creating if needed) the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_BYTES)
            .open()
            .map_err(|e| match e {
                sled::Error::Io(ref io) if io.to_string().contains("could not acquire lock") => {
                    StoreError::Locked(path.display().to_string())
                }
                e => StoreError::Sled(e),
            })?;
        let store = Store {
            items: db.open_tree("items")?,
            keys: db.open_tree("keys")?,
            tombstones: db.open_tree("tombstones")?,
            meta: db.open_tree("meta")?,
            editions: db.open_tree("editions")?,
            subscriptions: db.open_tree("subscriptions")?,
            deliveries: db.open_tree("deliveries")?,
            pending: db.open_tree("pending")?,
            tallies: Arc::default(),
            checkins: db.open_tree("checkins")?,
            members: db.open_tree("members")?,
            orglife: db.open_tree("orglife")?,
            people: db.open_tree("people")?,
            tasks: db.open_tree("tasks")?,
            robots: db.open_tree("robots")?,
            db,
        };
        store.migrate_log_keys()?;
        Ok(store)
    }

    /// Makes every change so far durable.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        Ok(())
    }

    // ---- items ----

    /// Adds shipped items that are new (neither present nor deleted) and refreshes shipped
    /// items no admin has edited. Items edited or deleted by chat stay as the admin left them.
    pub fn sync_shipped(&self, shipped: &[ShippedItem], now: DateTime<Utc>) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        for s in shipped {
            if self.tombstones.contains_key(&s.key)? {
                continue;
            }
            match self.keys.get(&s.key)? {
                Some(id) => {
                    let id = decode_id(&id)?;
                    let Some(mut item) = self.item(id)? else {
                        continue;
                    };
                    let same = item.category == s.category
                        && item.text == s.text
                        && item.source == s.source
                        && item.dates == s.dates
                        && item.anchor == s.anchor;
                    if item.edited_by.is_none() && !same {
                        item.category = s.category;
                        item.text = s.text.clone();
                        item.source = s.source.clone();
                        item.dates = s.dates.clone();
                        item.anchor = s.anchor.clone();
                        self.items.insert(id.to_be_bytes(), encode(&item))?;
                        report.updated += 1;
                    }
                }
                None => {
                    let id = self.next_id()?;
                    let item = s.to_item(id, now);
                    self.items.insert(id.to_be_bytes(), encode(&item))?;
                    self.keys.insert(s.key.as_bytes(), &id.to_be_bytes())?;
                    report.added += 1;
                }
            }
        }
        self.flush()?;
        Ok(report)
    }

    /// Removes the shipped items whose keys were retired (replaced by new items), unless an
    /// admin edited them; their keys become tombstones so that they never come back.
    /// Returns how many were removed.
    pub fn retire_shipped(&self, retired: &BTreeSet<String>, now: DateTime<Utc>) -> Result<usize> {
        let mut removed = 0;
        for key in retired {
            let Some(id) = self.keys.get(key)? else {
                continue;
            };
            let id = decode_id(&id)?;
            match self.item(id)? {
                Some(item) if item.edited_by.is_some() => {}
                Some(_) => {
                    self.delete_item(id, now)?;
                    removed += 1;
                }
                None => {
                    self.keys.remove(key.as_bytes())?;
                }
            }
        }
        self.flush()?;
        Ok(removed)
    }

    fn next_id(&self) -> Result<u64> {
        let prev = self.meta.fetch_and_update(NEXT_ID, |old| {
            let n = old
                .and_then(|b| b.try_into().ok())
                .map_or(1, u64::from_be_bytes);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        Ok(prev
            .and_then(|b| b.as_ref().try_into().ok())
            .map_or(1, u64::from_be_bytes))
    }

    /// Adds an item written by bot admin `by`.
    pub fn add_item(
        &self,
        category: Category,
        text: &str,
        source: Option<&str>,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<Item> {
        let item = Item {
            id: self.next_id()?,
            key: None,
            category,
            text: text.to_string(),
            source: source.map(str::to_string),
            dates: vec![],
            anchor: None,
            added_by: Some(by),
            added_at: now,
            edited_by: None,
            edited_at: None,
        };
        self.items.insert(item.id.to_be_bytes(), encode(&item))?;
        self.flush()?;
        Ok(item)
    }

    /// Applies a confirmed upload: adds its new rows and changes the items of its updated
    /// rows (text, source, dates; dates given replace a holiday anchor), as bot admin `by`.
    /// Returns (added, changed).
    pub fn apply_upload(
        &self,
        new: &[crate::sheet::Row],
        updated: &[crate::sheet::Row],
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize)> {
        for row in new {
            let item = self.add_item(row.category, &row.text, row.source.as_deref(), by, now)?;
            if !row.dates.is_empty() {
                let mut item = item;
                item.dates = row.dates.clone();
                self.items.insert(item.id.to_be_bytes(), encode(&item))?;
            }
        }
        let mut changed = 0;
        for row in updated {
            let Some(id) = row.id else { continue };
            let Some(mut item) = self.item(id)? else {
                continue;
            };
            item.text = row.text.clone();
            item.source = row.source.clone();
            if !row.dates.is_empty() {
                item.anchor = None;
            }
            item.dates = row.dates.clone();
            item.edited_by = Some(by);
            item.edited_at = Some(now);
            self.items.insert(id.to_be_bytes(), encode(&item))?;
            changed += 1;
        }
        self.flush()?;
        Ok((new.len(), changed))
    }

    /// Replaces an item's text (and source, when given).
    pub fn edit_item(
        &self,
        id: u64,
        text: &str,
        source: Option<&str>,
        by: i64,
        now: DateTime<Utc>,
    ) -> Result<Item> {
        let mut item = self.item(id)?.ok_or(StoreError::NoSuchItem(id))?;
        item.text = text.to_string();
        if source.is_some() {
            item.source = source.map(str::to_string);
        }
        item.edited_by = Some(by);
        item.edited_at = Some(now);
        self.items.insert(id.to_be_bytes(), encode(&item))?;
        self.flush()?;
        Ok(item)
    }

    /// Deletes an item; a shipped item's key is remembered so that it does not come back.
    pub fn delete_item(&self, id: u64, now: DateTime<Utc>) -> Result<Item> {
        let item = self.item(id)?.ok_or(StoreError::NoSuchItem(id))?;
        let res: std::result::Result<(), TransactionError<()>> =
            (&self.items, &self.keys, &self.tombstones).transaction(|(items, keys, tombs)| {
                items.remove(&id.to_be_bytes())?;
                if let Some(key) = &item.key {
                    keys.remove(key.as_bytes())?;
                    tombs.insert(key.as_bytes(), now.to_rfc3339().as_bytes())?;
                }
                Ok(())
            });
        res.map_err(tx_error)?;
        self.flush()?;
        Ok(item)
    }

    pub fn item(&self, id: u64) -> Result<Option<Item>> {
        self.items
            .get(id.to_be_bytes())?
            .map(|v| decode("items", &v))
            .transpose()
    }

    /// All items in id order.
    pub fn items(&self) -> Result<Vec<Item>> {
        self.items
            .iter()
            .values()
            .map(|v| decode("items", &v?))
            .collect()
    }

    pub fn tombstones(&self) -> Result<BTreeSet<String>> {
        self.tombstones
            .iter()
            .keys()
            .map(|k| Ok(String::from_utf8_lossy(&k?).into_owned()))
            .collect()
    }

    // ---- editions ----

    pub fn rotation(&self) -> Result<Rotation> {
        self.meta
            .get(ROTATION)?
            .map_or(Ok(Rotation::default()), |v| decode("meta", &v))
    }

    pub fn stored_edition(&self, date: NaiveDate) -> Result<Option<Edition>> {
        self.editions
            .get(date_key(date))?
            .map(|v| decode("editions", &v))
            .transpose()
    }

    /// The date of the newest stored edition.
    pub fn last_edition_date(&self) -> Result<Option<NaiveDate>> {
        match self.editions.last()? {
            Some((_, v)) => Ok(Some(decode::<Edition>("editions", &v)?.date)),
            None => Ok(None),
        }
    }

    /// The edition of `date`: the stored one, or one composed now by `rules` (with the
    /// date's override), stored with the rotation state it leaves, and flushed. An empty
    /// edition (no items, or 停发) is returned but not stored.
    pub fn edition(&self, date: NaiveDate, rules: &Rules) -> Result<Edition> {
        if let Some(e) = self.stored_edition(date)? {
            return Ok(e);
        }
        let items = self.items()?;
        let key = date_key(date);
        let res: std::result::Result<Edition, TransactionError<StoreError>> =
            (&self.editions, &self.meta).transaction(|(editions, meta)| {
                if let Some(v) = editions.get(&key)? {
                    return decode("editions", &v).map_err(ConflictableTransactionError::Abort);
                }
                let rotation: Rotation = match meta.get(ROTATION)? {
                    Some(v) => decode("meta", &v).map_err(ConflictableTransactionError::Abort)?,
                    None => Rotation::default(),
                };
                let change = match meta.get(overrides::override_key(date))? {
                    Some(v) => {
                        Some(decode("meta", &v).map_err(ConflictableTransactionError::Abort)?)
                    }
                    None => None,
                };
                let (edition, after) =
                    edition::compose(&items, &rotation, date, rules, change.as_ref());
                if !edition.is_empty() {
                    editions.insert(key.as_bytes(), encode(&edition))?;
                    meta.insert(ROTATION, encode(&after))?;
                    meta.insert(ROTATION_BEFORE, encode(&(date, rotation)))?;
                }
                Ok(edition)
            });
        let edition = res.map_err(tx_error)?;
        self.flush()?;
        Ok(edition)
    }

    pub fn editions(&self) -> Result<Vec<Edition>> {
        self.editions
            .iter()
            .values()
            .map(|v| decode("editions", &v?))
            .collect()
    }

    // ---- subscriptions ----

    pub fn subscription(&self, chat_id: i64) -> Result<Option<Subscription>> {
        self.subscriptions
            .get(chat_key(chat_id))?
            .map(|v| decode("subscriptions", &v))
            .transpose()
    }

    pub fn put_subscription(&self, sub: &Subscription) -> Result<()> {
        self.subscriptions
            .insert(chat_key(sub.chat_id), encode(sub))?;
        self.flush()
    }

    /// Changes a chat's subscription in one atomic step, so that a command and the engine
    /// changing the same chat at once do not undo each other. `None` when there is none.
    pub fn update_subscription(
        &self,
        chat_id: i64,
        change: impl FnMut(&mut Subscription),
    ) -> Result<Option<Subscription>> {
        let new = update_record(
            &self.subscriptions,
            "subscriptions",
            &chat_key(chat_id),
            change,
        )?;
        self.flush()?;
        Ok(new)
    }

    /// Moves a chat's subscription to a new chat id (a group upgraded to a supergroup),
    /// with its check-ins, members, delivery log, organisational-life marks, admins and
    /// tasks. Returns the moved subscription, or `None` when the old id had none.
    pub fn move_subscription(&self, from: i64, to: i64) -> Result<Option<Subscription>> {
        self.move_chat_records(from, to)?;
        self.move_orglife(from, to)?;
        self.move_tasks(from, to)?;
        let Some(mut sub) = self.subscription(from)? else {
            self.flush()?;
            return Ok(None);
        };
        sub.chat_id = to;
        if sub.kind == "group" {
            sub.kind = "supergroup".into();
        }
        let res: std::result::Result<(), TransactionError<()>> =
            self.subscriptions.transaction(|tree| {
                tree.remove(&chat_key(from))?;
                tree.insert(&chat_key(to), encode(&sub))?;
                Ok(())
            });
        res.map_err(tx_error)?;
        self.flush()?;
        Ok(Some(sub))
    }

    pub fn subscriptions(&self) -> Result<Vec<Subscription>> {
        self.each_subscription().collect()
    }

    /// Every subscription in chat id order, read one at a time (100,000 of them as one
    /// `Vec` are about 20 MB).
    pub fn each_subscription(&self) -> impl Iterator<Item = Result<Subscription>> + use<> {
        self.subscriptions
            .iter()
            .values()
            .map(|v| decode("subscriptions", &v?))
    }

    // ---- flags ----

    /// Whether a one-time flag (e.g. "warned about 2027") is set.
    pub fn meta_flag(&self, name: &str) -> Result<bool> {
        Ok(self.meta.contains_key(format!("flag:{name}"))?)
    }

    pub fn set_meta_flag(&self, name: &str) -> Result<()> {
        self.meta.insert(format!("flag:{name}"), &b"1"[..])?;
        self.flush()
    }
}

/// Changes the JSON record at `key` of `tree` in one atomic step (sled's
/// `update_and_fetch`: a concurrent change is not undone); `None` when there is none. A
/// record that cannot be read is left as it is and reported.
fn update_record<T: Serialize + DeserializeOwned>(
    tree: &sled::Tree,
    name: &'static str,
    key: &[u8],
    mut change: impl FnMut(&mut T),
) -> Result<Option<T>> {
    let mut corrupt = None;
    let new = tree.update_and_fetch(key, |old| {
        let old = old?;
        match decode::<T>(name, old) {
            Ok(mut record) => {
                change(&mut record);
                Some(encode(&record))
            }
            Err(e) => {
                corrupt = Some(e);
                Some(old.to_vec())
            }
        }
    })?;
    if let Some(e) = corrupt {
        return Err(e);
    }
    new.map(|v| decode(name, &v)).transpose()
}

fn tx_error<E: Into<StoreError>>(e: TransactionError<E>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e.into(),
        TransactionError::Storage(e) => StoreError::Sled(e),
    }
}

impl From<()> for StoreError {
    fn from(_: ()) -> StoreError {
        StoreError::Refused("transaction aborted".into())
    }
}

fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Serializing our own plain structs to JSON cannot fail.
    serde_json::to_vec(v).unwrap_or_default()
}

fn decode<T: DeserializeOwned>(tree: &'static str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        tree,
        reason: e.to_string(),
    })
}

fn decode_id(bytes: &[u8]) -> Result<u64> {
    bytes
        .try_into()
        .map(u64::from_be_bytes)
        .map_err(|_| StoreError::Corrupt {
            tree: "keys",
            reason: "id is not 8 bytes".into(),
        })
}

/// Chat ids as keys that sort in numeric order.
fn chat_key(id: i64) -> [u8; 8] {
    ((id as u64) ^ (1 << 63)).to_be_bytes()
}

fn date_key(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// The items of each category, for statistics.
pub fn count_by_category(items: &[Item]) -> BTreeMap<Category, usize> {
    let mut out = BTreeMap::new();
    for i in items {
        *out.entry(i.category).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// Opens the database again after dropping it: sled's flusher thread may hold the
    /// lock for a moment after the drop.
    pub(in crate::store) fn reopen(path: &Path) -> Store {
        for _ in 0..100 {
            match Store::open(path) {
                Err(StoreError::Locked(_)) => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                other => return other.unwrap(),
            }
        }
        Store::open(path).unwrap()
    }

    // Test-only, for the tests of the whole crate (the engine's calendar warning).
    impl Store {
        /// Clears a one-time flag, so a test can see the warning it guards again.
        pub(crate) fn remove_meta_flag(&self, name: &str) -> Result<()> {
            self.meta.remove(format!("flag:{name}"))?;
            self.flush()
        }
    }

    static CALENDAR: std::sync::LazyLock<crate::calendar::Calendar> =
        std::sync::LazyLock::new(crate::calendar::Calendar::built_in);

    /// Editions every day, a 第一议题 line from 习语 each.
    pub(crate) fn rules() -> Rules<'static> {
        Rules {
            calendar: &CALENDAR,
            days: crate::calendar::DayRule::Everyday,
            study: crate::config::StudyRule::Daily,
            study_from: &[Category::Quote],
        }
    }

    pub(super) fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
    }

    pub(super) fn shipped(key: &str, category: Category, text: &str) -> ShippedItem {
        ShippedItem {
            key: key.into(),
            category,
            text: text.into(),
            source: category.needs_source().then(|| "《源》".into()),
            dates: vec![],
            anchor: None,
        }
    }

    pub(super) fn library() -> Vec<ShippedItem> {
        vec![
            shipped("p1", Category::Political, "政治一"),
            shipped("p2", Category::Political, "政治二"),
            shipped("q1", Category::Quote, "习语一"),
        ]
    }

    pub(super) fn d(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, n).unwrap()
    }

    #[test]
    fn sync_adds_new_items_and_keeps_admin_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.sync_shipped(&library(), now()).unwrap().added, 3);
        assert_eq!(
            store.sync_shipped(&library(), now()).unwrap(),
            SyncReport::default()
        );
        let items = store.items().unwrap();
        assert_eq!(
            items.iter().map(|i| i.id).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );

        // An admin edits #1 and deletes #2; a new release changes both and adds p3.
        store.edit_item(1, "管理员改写", None, 7, now()).unwrap();
        store.delete_item(2, now()).unwrap();
        let mut next = library();
        next[0].text = "新版政治一".into();
        next[1].text = "新版政治二".into();
        next[2].text = "新版习语一".into();
        next.push(shipped("p3", Category::Political, "政治三"));
        let r = store.sync_shipped(&next, now()).unwrap();
        assert_eq!(
            r,
            SyncReport {
                added: 1,
                updated: 1
            }
        );
        drop(store);

        // …and all of that survives a reopen and another sync.
        let store = crate::store::tests::reopen(dir.path());
        store.sync_shipped(&next, now()).unwrap();
        let items = store.items().unwrap();
        let texts: Vec<&str> = items.iter().map(|i| i.text.as_str()).collect();
        assert_eq!(texts, vec!["管理员改写", "新版习语一", "政治三"]);
        assert_eq!(items[2].id, 4);
        assert!(store.tombstones().unwrap().contains("p2"));
    }

    #[test]
    fn retired_shipped_items_leave_unless_an_admin_edited_them() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.sync_shipped(&library(), now()).unwrap();
        store.edit_item(2, "管理员改写", None, 7, now()).unwrap();

        // A release replaces p1 and p2 by p3: p1 goes, the admin's p2 stays.
        let next = vec![
            shipped("q1", Category::Quote, "习语一"),
            shipped("p3", Category::Political, "政治三"),
        ];
        let retired: BTreeSet<String> = ["p1".to_string(), "p2".to_string()].into();
        store.sync_shipped(&next, now()).unwrap();
        assert_eq!(store.retire_shipped(&retired, now()).unwrap(), 1);
        assert_eq!(store.retire_shipped(&retired, now()).unwrap(), 0);
        drop(store);

        let store = crate::store::tests::reopen(dir.path());
        let texts: Vec<String> = store.items().unwrap().into_iter().map(|i| i.text).collect();
        assert_eq!(texts, vec!["管理员改写", "习语一", "政治三"]);
        assert!(store.tombstones().unwrap().contains("p1"));
        // An older library that still ships p1 does not bring it back.
        store.sync_shipped(&library(), now()).unwrap();
        assert_eq!(store.items().unwrap().len(), 3);
    }

    #[test]
    fn a_second_open_is_refused_plainly() {
        let dir = tempfile::tempdir().unwrap();
        let _a = Store::open(dir.path()).unwrap();
        let e = Store::open(dir.path()).err().unwrap();
        assert!(matches!(e, StoreError::Locked(_)), "{e}");
        assert!(e.to_string().contains("in use"));
    }

    #[test]
    fn an_edition_is_composed_once_and_then_fixed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.sync_shipped(&library(), now()).unwrap();
        let first = store.edition(d(1), &rules()).unwrap();
        assert_eq!(first.items, vec![1, 3]);
        // Edits after composing apply from the next day.
        store.edit_item(1, "改了", None, 7, now()).unwrap();
        assert_eq!(store.edition(d(1), &rules()).unwrap(), first);
        let second = store.edition(d(2), &rules()).unwrap();
        assert_eq!(second.items, vec![2, 3]);
        drop(store);
        let store = crate::store::tests::reopen(dir.path());
        assert_eq!(store.edition(d(1), &rules()).unwrap(), first);
        assert_eq!(store.edition(d(3), &rules()).unwrap().items, vec![1, 3]);
        assert!(store.edition(d(3), &rules()).unwrap().html.contains("改了"));
    }

    #[test]
    fn shipped_anchors_are_stored_updated_and_kept_as_an_admin_left_them() {
        use crate::content::Anchor;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let festive = |anchor: Option<Anchor>| ShippedItem {
            anchor,
            ..shipped("i1", Category::Integrity, "节前廉洁")
        };
        let mut lib = vec![
            festive(Some(Anchor::Before("春节".into()))),
            shipped("c1", Category::Conduct, "节后收心"),
        ];
        store.sync_shipped(&lib, now()).unwrap();
        let anchors = |store: &Store| -> Vec<Option<Anchor>> {
            store
                .items()
                .unwrap()
                .into_iter()
                .map(|i| i.anchor)
                .collect()
        };
        assert_eq!(
            anchors(&store),
            vec![Some(Anchor::Before("春节".into())), None]
        );

        // A release moves i1 to 中秋 and anchors c1: both follow.
        lib[0] = festive(Some(Anchor::Before("中秋".into())));
        lib[1].anchor = Some(Anchor::After("春节".into()));
        assert_eq!(store.sync_shipped(&lib, now()).unwrap().updated, 2);
        // An admin edits i1; the next release's anchor does not override the admin's item.
        store.edit_item(1, "管理员改写", None, 7, now()).unwrap();
        lib[0] = festive(None);
        assert_eq!(store.sync_shipped(&lib, now()).unwrap().updated, 0);
        drop(store);
        let store = reopen(dir.path());
        store.sync_shipped(&lib, now()).unwrap();
        assert_eq!(
            anchors(&store),
            vec![
                Some(Anchor::Before("中秋".into())),
                Some(Anchor::After("春节".into()))
            ]
        );
        assert!(store.items().unwrap().iter().all(Item::is_fixed));
    }

    /// Two 习语 and two 法规; editions every day with the line from both in turn.
    fn two_by_two(dir: &Path) -> Store {
        let store = Store::open(dir).unwrap();
        let lib = vec![
            shipped("q1", Category::Quote, "习语一"),
            shipped("q2", Category::Quote, "习语二"),
            shipped("l1", Category::Law, "法规一"),
            shipped("l2", Category::Law, "法规二"),
        ];
        store.sync_shipped(&lib, now()).unwrap();
        store
    }

    fn both() -> Rules<'static> {
        Rules {
            study_from: &[Category::Quote, Category::Law],
            ..rules()
        }
    }

    #[test]
    fn the_study_turn_goes_on_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = two_by_two(dir.path());
        assert_eq!(store.edition(d(1), &both()).unwrap().items, vec![1]);
        assert_eq!(store.edition(d(2), &both()).unwrap().items, vec![3]);
        drop(store);
        let store = reopen(dir.path());
        assert_eq!(store.rotation().unwrap().last_study, Some(3));
        assert_eq!(store.edition(d(3), &both()).unwrap().items, vec![2]);
        assert_eq!(store.edition(d(4), &both()).unwrap().items, vec![4]);
        assert_eq!(store.edition(d(5), &both()).unwrap().items, vec![1]);
    }

    #[test]
    fn an_override_gives_back_the_study_turn_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let store = two_by_two(dir.path());
        store.edition(d(1), &both()).unwrap();
        // `/today` composed the 2nd (法规一), then an admin adds a notice for that day: the
        // day is composed again from the state before it, so 法规一 again, not 习语二.
        assert_eq!(store.edition(d(2), &both()).unwrap().items, vec![3]);
        let notice = crate::overrides::Override {
            date: d(2),
            action: crate::overrides::Action::Append,
            text: "注意".into(),
        };
        store.set_override(&notice).unwrap();
        let again = store.edition(d(2), &both()).unwrap();
        assert_eq!(again.items, vec![3]);
        assert!(again.html.contains("重要提示"));
        assert_eq!(store.edition(d(3), &both()).unwrap().items, vec![2]);
    }
}
