//! The delivery log: one record per delivery (kind, key, address), filed under its date,
//! written before a send and after it.
//!
//! Two things are kept beside the records, updated with every write, so that nothing on a
//! hot path reads the whole log (100,000 chats make 100,000 records a day, and the log keeps
//! two years): an index of the pending records, for the resume at start, and each date's
//! count of records by state once it has been asked for, for `/stats`.

use std::collections::{BTreeMap, HashMap};
use std::sync::MutexGuard;

use chrono::NaiveDate;
use serde::Deserialize;
use sled::transaction::{ConflictableTransactionResult, TransactionalTree};

use super::{Result, Store, StoreError, chat_key, date_key, decode, encode};
use crate::delivery::{Delivery, Kind, PushRequest, Slot, State, Tally};
use crate::message::{Address, Channel};

/// Set once the pending index holds every pending record (databases written before the
/// index get it built at their first resume).
const PENDING_INDEXED: &str = "pending-indexed";

/// The storage key of a `/pushnow` request.
pub(super) fn push_key(push: &PushRequest) -> String {
    format!(
        "push:{}/{:020}",
        date_key(push.date),
        push.at.timestamp_micros()
    )
}

/// Set once every key of the log is in the layout of [`key`] (logs of the first version
/// keyed a record by date and Telegram chat only; they are rewritten when opened).
const KEYS_BY_SLOT: &str = "log-keys-by-slot";
/// The length of a first-version key: the date and a chat id of 8 bytes.
const FIRST_KEY_LEN: usize = 18;

/// The per-date counts of records by kind and state, for the dates asked about so far.
#[derive(Debug, Default)]
pub struct Tallies(HashMap<NaiveDate, BTreeMap<Kind, Tally>>);

impl Tallies {
    fn count(&mut self, date: NaiveDate, kind: Kind, state: State, by: isize) {
        if let Some(kinds) = self.0.get_mut(&date) {
            kinds.entry(kind).or_default().count(state, by);
        }
    }

    /// Drops every date's count, after a write that did not keep them (an import): each is
    /// counted afresh when next asked for.
    pub(super) fn forget(&mut self) {
        self.0.clear();
    }
}

/// Only the kind and state of a record, read without decoding the rest.
fn state_of(bytes: &[u8]) -> Result<(Kind, State)> {
    #[derive(Deserialize)]
    struct StateOnly {
        #[serde(default)]
        kind: Kind,
        state: State,
    }
    let only = decode::<StateOnly>("deliveries", bytes)?;
    Ok((only.kind, only.state))
}

/// A record's key, compact because a morning writes one per chat (and the pending index
/// one more): the date (so that a date's records are together), `/`, a byte for the kind
/// and one for the channel, the address's id as 8 bytes, then the kind's key unless it is
/// the date (as an edition's is): 21 bytes for a morning message.
fn key(slot: &Slot) -> Vec<u8> {
    let date = date_key(slot.date);
    let kind: u8 = match slot.kind {
        Kind::Edition => 1,
        Kind::MonthStart => 2,
        Kind::MonthEnd => 3,
        Kind::OrgSummary => 4,
        Kind::TaskReminder => 5,
        Kind::TaskOverdue => 6,
        Kind::Notice => 7,
    };
    let channel: u8 = match slot.to.channel {
        Channel::Telegram => 1,
        Channel::WeCom => 2,
        Channel::DingTalk => 3,
        Channel::Feishu => 4,
    };
    let mut k = Vec::with_capacity(FIRST_KEY_LEN + 3);
    k.extend_from_slice(date.as_bytes());
    k.extend_from_slice(&[b'/', kind, channel]);
    k.extend_from_slice(&chat_key(slot.to.id));
    if slot.key != date {
        k.extend_from_slice(slot.key.as_bytes());
    }
    k
}

/// Writes one record inside a transaction over the log and its pending index (an import),
/// keeping the index as [`Store::put_deliveries`] does. The caller holds the log's lock
/// ([`Store::lock_log`]) across the transaction and forgets the counts after it
/// ([`Tallies::forget`]).
pub(super) fn put_in(
    deliveries: &TransactionalTree,
    pending: &TransactionalTree,
    r: &Delivery,
) -> ConflictableTransactionResult<(), StoreError> {
    let k = key(&r.slot());
    let old = deliveries.insert(k.as_slice(), encode(r))?;
    if r.state == State::Pending {
        pending.insert(k.as_slice(), &[][..])?;
    } else if old.is_some_and(|v| state_of(&v).is_ok_and(|(_, s)| s == State::Pending)) {
        pending.remove(k.as_slice())?;
    }
    Ok(())
}

impl Store {
    pub fn delivery(&self, slot: &Slot) -> Result<Option<Delivery>> {
        self.deliveries
            .get(key(slot))?
            .map(|v| decode("deliveries", &v))
            .transpose()
    }

    /// Rewrites the keys of a first-version log (date and chat id) in today's layout,
    /// once; the records themselves are read by both versions. Safe to interrupt: a key
    /// not rewritten yet is rewritten at the next open.
    pub(super) fn migrate_log_keys(&self) -> Result<()> {
        if self.meta_flag(KEYS_BY_SLOT)? {
            return Ok(());
        }
        let mut moved = 0;
        for entry in self.deliveries.iter() {
            let (old, v) = entry?;
            if old.len() != FIRST_KEY_LEN {
                continue;
            }
            let record: Delivery = decode("deliveries", &v)?;
            let new = key(&record.slot());
            // New entries before old ones go: the index may name a record that is gone
            // (the resume drops such entries), never miss one that is pending.
            self.deliveries.insert(&new, v)?;
            if self.pending.contains_key(&old)? {
                self.pending.insert(&new, &[])?;
                self.pending.remove(&old)?;
            }
            self.deliveries.remove(&old)?;
            moved += 1;
        }
        self.flush()?;
        self.set_meta_flag(KEYS_BY_SLOT)?;
        if moved > 0 {
            tracing::info!(
                records = moved,
                "delivery log keys rewritten for kinds and addresses"
            );
        }
        Ok(())
    }

    /// Serialises writes to the log with the index and the counts kept beside it.
    pub(super) fn lock_log(&self) -> MutexGuard<'_, Tallies> {
        self.tallies.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes records without flushing: the caller flushes (or waits for a group commit)
    /// before it relies on them. One record at a time, not one atomic batch: no caller
    /// needs that, and sled keeps every tree node a batch replaces until the batch ends (one
    /// batch of 100,000 records held about 450 MB).
    pub fn put_deliveries(&self, records: &[Delivery]) -> Result<()> {
        for r in records {
            let k = key(&r.slot());
            // Held across the write, so that a count being made sees it once or not at all.
            let mut tallies = self.lock_log();
            // The index is written before a record becomes pending and cleared after it stops
            // being pending: after a crash it may name a record that is not pending (the
            // resume skips it), never miss one that is.
            if r.state == State::Pending {
                self.pending.insert(&k, &[])?;
            }
            let old = self.deliveries.insert(&k, encode(r))?;
            // A record that cannot be read is replaced, not counted.
            let old = old.and_then(|v| state_of(&v).ok());
            if old.is_some_and(|(_, s)| s == State::Pending) && r.state != State::Pending {
                self.pending.remove(&k)?;
            }
            if let Some((kind, old)) = old {
                tallies.count(r.date, kind, old, -1);
            }
            tallies.count(r.date, r.kind, r.state, 1);
        }
        Ok(())
    }

    pub fn remove_delivery(&self, slot: &Slot) -> Result<()> {
        let k = key(slot);
        let mut tallies = self.lock_log();
        let old = self.deliveries.remove(&k)?;
        self.pending.remove(&k)?;
        if let Some((kind, old)) = old.and_then(|v| state_of(&v).ok()) {
            tallies.count(slot.date, kind, old, -1);
        }
        Ok(())
    }

    /// Every record of `date`.
    pub fn deliveries_on(&self, date: NaiveDate) -> Result<Vec<Delivery>> {
        self.deliveries
            .scan_prefix(date_key(date))
            .values()
            .map(|v| decode("deliveries", &v?))
            .collect()
    }

    /// How many records of `date` are in each state, all kinds together.
    pub fn tally_on(&self, date: NaiveDate) -> Result<Tally> {
        Ok(self.tallies_on(date)?.values().sum())
    }

    /// How many records of `date` of each kind are in each state. The first call for a
    /// date counts its records (100,000 of them take about 100 ms); later ones are kept up
    /// to date by every write.
    pub fn tallies_on(&self, date: NaiveDate) -> Result<BTreeMap<Kind, Tally>> {
        let mut tallies = self.lock_log();
        if let Some(t) = tallies.0.get(&date) {
            return Ok(t.clone());
        }
        let mut kinds: BTreeMap<Kind, Tally> = BTreeMap::new();
        for v in self.deliveries.scan_prefix(date_key(date)).values() {
            let (kind, state) = state_of(&v?)?;
            kinds.entry(kind).or_default().count(state, 1);
        }
        tallies.0.insert(date, kinds.clone());
        Ok(kinds)
    }

    /// Every record, oldest date first.
    pub fn deliveries(&self) -> Result<Vec<Delivery>> {
        self.deliveries
            .iter()
            .values()
            .map(|v| decode("deliveries", &v?))
            .collect()
    }

    /// Records still pending, any date: read through the pending index, whatever the size
    /// of the log. Entries that name no pending record (left by a crash) are dropped.
    pub fn pending_deliveries(&self) -> Result<Vec<Delivery>> {
        if !self.meta_flag(PENDING_INDEXED)? {
            self.index_pending()?;
        }
        let mut pending = Vec::new();
        for k in self.pending.iter().keys() {
            let k = k?;
            let _log = self.lock_log();
            match self.deliveries.get(&k)? {
                Some(v) if state_of(&v)?.1 == State::Pending => {
                    pending.push(decode("deliveries", &v)?);
                }
                _ => {
                    self.pending.remove(&k)?;
                }
            }
        }
        Ok(pending)
    }

    /// Builds the pending index of a log written before it existed.
    fn index_pending(&self) -> Result<()> {
        let log = self.lock_log();
        for entry in self.deliveries.iter() {
            let (k, v) = entry?;
            if state_of(&v)?.1 == State::Pending {
                self.pending.insert(k, &[])?;
            }
        }
        drop(log);
        self.set_meta_flag(PENDING_INDEXED)
    }

    /// The newest morning edition delivered to `to`: point lookups on the dates that have
    /// an edition, newest first, so the cost does not grow with the number of chats.
    pub fn last_delivery(&self, to: Address) -> Result<Option<Delivery>> {
        for entry in self.editions.iter().keys().rev() {
            let date = entry?;
            let Some(date) = std::str::from_utf8(&date)
                .ok()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            if let Some(record) = self.delivery(&Slot::edition(date, to))? {
                return Ok(Some(record));
            }
        }
        Ok(None)
    }

    /// Records a `/pushnow` durably before any of its deliveries is marked.
    pub fn put_push(&self, push: &PushRequest) -> Result<()> {
        self.meta.insert(push_key(push), encode(push))?;
        self.flush()
    }

    /// The `/pushnow` requests not finished yet.
    pub fn pushes(&self) -> Result<Vec<PushRequest>> {
        self.meta
            .scan_prefix("push:")
            .values()
            .map(|v| decode("meta", &v?))
            .collect()
    }

    /// Forgets a finished `/pushnow`. Not flushed: if the removal is lost, the push is
    /// taken up again at the next start and finds every chat handled.
    pub fn remove_push(&self, push: &PushRequest) -> Result<()> {
        self.meta.remove(push_key(push))?;
        Ok(())
    }

    /// Deletes records of dates before `before`; returns how many.
    pub fn prune_deliveries(&self, before: NaiveDate) -> Result<usize> {
        let end = date_key(before);
        let keys: Vec<sled::IVec> = self
            .deliveries
            .range(..end.as_bytes())
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        let mut tallies = self.lock_log();
        for k in &keys {
            self.deliveries.remove(k)?;
            self.pending.remove(k)?;
        }
        tallies.0.retain(|date, _| *date >= before);
        drop(tallies);
        self.flush()?;
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::rules;
    use chrono::{TimeZone, Utc};

    fn record(date: NaiveDate, chat_id: i64, state: State) -> Delivery {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let slot = Slot::edition(date, Address::telegram(chat_id));
        Delivery {
            state,
            ..Delivery::pending(slot, t, t, t)
        }
    }

    #[test]
    fn records_by_date_and_chat() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let d1 = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let d2 = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        store
            .put_deliveries(&[
                record(d1, -5, State::Sent),
                record(d1, 7, State::Pending),
                record(d2, -5, State::Missed),
            ])
            .unwrap();
        store
            .add_item(
                crate::content::Category::Political,
                "x",
                None,
                1,
                Utc::now(),
            )
            .unwrap();
        store.edition(d1, &rules()).unwrap();
        store.edition(d2, &rules()).unwrap();
        assert_eq!(store.deliveries_on(d1).unwrap().len(), 2);
        assert_eq!(
            store.tally_on(d1).unwrap(),
            Tally {
                sent: 1,
                pending: 1,
                ..Tally::default()
            }
        );
        assert_eq!(
            store
                .delivery(&Slot::edition(d2, Address::telegram(-5)))
                .unwrap()
                .unwrap()
                .state,
            State::Missed
        );
        assert_eq!(store.pending_deliveries().unwrap().len(), 1);
        assert_eq!(
            store
                .last_delivery(Address::telegram(-5))
                .unwrap()
                .unwrap()
                .date,
            d2
        );
        assert_eq!(
            store
                .last_delivery(Address::telegram(7))
                .unwrap()
                .unwrap()
                .date,
            d1
        );
        assert!(store.last_delivery(Address::telegram(8)).unwrap().is_none());
        assert_eq!(store.prune_deliveries(d2).unwrap(), 2);
        assert_eq!(store.deliveries().unwrap().len(), 1);
    }

    #[test]
    fn a_date_count_once_made_follows_every_write() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        store
            .put_deliveries(&[record(d, -1, State::Missed)])
            .unwrap();
        let counted = |pending, sent, failed, missed| Tally {
            pending,
            sent,
            failed,
            missed,
        };
        assert_eq!(store.tally_on(d).unwrap(), counted(0, 0, 0, 1));
        // A push: pending, then sent or failed; a record written twice counts once.
        let pending: Vec<Delivery> = (2..=4).map(|c| record(d, -c, State::Pending)).collect();
        store.put_deliveries(&pending).unwrap();
        store.put_deliveries(&pending).unwrap();
        assert_eq!(store.tally_on(d).unwrap(), counted(3, 0, 0, 1));
        store
            .put_deliveries(&[record(d, -2, State::Sent), record(d, -3, State::Failed)])
            .unwrap();
        store
            .remove_delivery(&Slot::edition(d, Address::telegram(-4)))
            .unwrap();
        store
            .remove_delivery(&Slot::edition(d, Address::telegram(-9)))
            .unwrap();
        let expected = counted(0, 1, 1, 1);
        assert_eq!(store.tally_on(d).unwrap(), expected);
        // The same as counting afresh.
        drop(store);
        let store = crate::store::tests::reopen(dir.path());
        assert_eq!(store.tally_on(d).unwrap(), expected);
    }

    #[test]
    fn pending_records_are_found_through_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let pending: Vec<Delivery> = (1..=5).map(|c| record(d, -c, State::Pending)).collect();
        store.put_deliveries(&pending).unwrap();
        store
            .put_deliveries(&[record(d, -1, State::Sent), record(d, -2, State::Missed)])
            .unwrap();
        store
            .remove_delivery(&Slot::edition(d, Address::telegram(-3)))
            .unwrap();
        let chats = |store: &Store| -> Vec<i64> {
            let mut c: Vec<i64> = store
                .pending_deliveries()
                .unwrap()
                .iter()
                .map(|r| r.to.id)
                .collect();
            c.sort_unstable();
            c
        };
        assert_eq!(chats(&store), vec![-5, -4]);
        assert_eq!(store.pending.len(), 2);

        // A crash between the index entry and the record leaves an entry naming a record
        // that is not pending: it is dropped, not resumed.
        store
            .pending
            .insert(key(&Slot::edition(d, Address::telegram(-1))), &[])
            .unwrap();
        store
            .pending
            .insert(key(&Slot::edition(d, Address::telegram(-7))), &[])
            .unwrap();
        assert_eq!(chats(&store), vec![-5, -4]);
        assert_eq!(store.pending.len(), 2);
    }

    #[test]
    fn a_log_written_before_the_index_gets_it_built_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        // Records as an older version wrote them: no index, no flag.
        for (chat, state) in [
            (-1, State::Pending),
            (-2, State::Sent),
            (-3, State::Pending),
        ] {
            let r = record(d, chat, state);
            store
                .deliveries
                .insert(key(&Slot::edition(d, Address::telegram(chat))), encode(&r))
                .unwrap();
        }
        let mut chats: Vec<i64> = store
            .pending_deliveries()
            .unwrap()
            .iter()
            .map(|r| r.to.id)
            .collect();
        chats.sort_unstable();
        assert_eq!(chats, vec![-3, -1]);
        assert!(store.meta_flag(PENDING_INDEXED).unwrap());
        assert_eq!(store.pending.len(), 2);
    }

    #[test]
    fn push_requests_survive_a_reopen_until_removed() {
        let dir = tempfile::tempdir().unwrap();
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 2, 0, 0).unwrap();
        let first = PushRequest::edition(d, t, t + chrono::Duration::hours(2));
        let second = PushRequest {
            at: t + chrono::Duration::minutes(5),
            ..first.clone()
        };
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_push(&first).unwrap();
            store.put_push(&second).unwrap();
            store.set_meta_flag("x").unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.pushes().unwrap(), vec![first.clone(), second.clone()]);
        store.remove_push(&first).unwrap();
        assert_eq!(store.pushes().unwrap(), vec![second]);
        assert!(store.meta_flag("x").unwrap());
    }
}
