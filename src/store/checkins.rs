//! Check-in records (记实) and the members the bot has seen in each chat.
//!
//! Trees: `checkins`, key chat ‖ date ‖ user, one record per member and day; `members`, key
//! chat ‖ user. Both are keyed by chat first, so a chat's month is one range scan and a
//! group's records move with it to its supergroup. A group's size as Telegram last told
//! it is kept in `meta` (`headcount` ‖ chat), for reports made without asking Telegram.

use chrono::{DateTime, NaiveDate, Utc};
use sled::transaction::{ConflictableTransactionResult, TransactionalTree};

use super::{Result, Store, StoreError, chat_key, date_key, decode, encode};
use crate::checkin::{CheckIn, Member, Tap};
use crate::delivery::Slot;
use crate::message::Address;
use crate::report::{ChatReport, Month};

/// The prefix of a group's headcount in `meta`.
const HEADCOUNT: &[u8] = b"headcount:";

fn headcount_key(chat_id: i64) -> Vec<u8> {
    let mut k = HEADCOUNT.to_vec();
    k.extend_from_slice(&chat_key(chat_id));
    k
}

/// How stale a member's "last seen" may get before a message rewrites it.
const SEEN_PRECISION: chrono::Duration = chrono::Duration::hours(1);

fn checkin_key(chat_id: i64, date: NaiveDate, user_id: i64) -> Vec<u8> {
    let mut k = chat_key(chat_id).to_vec();
    k.extend_from_slice(date_key(date).as_bytes());
    k.extend_from_slice(&chat_key(user_id));
    k
}

fn chat_date_prefix(chat_id: i64, date: NaiveDate) -> Vec<u8> {
    let mut k = chat_key(chat_id).to_vec();
    k.extend_from_slice(date_key(date).as_bytes());
    k
}

fn member_key(chat_id: i64, user_id: i64) -> Vec<u8> {
    let mut k = chat_key(chat_id).to_vec();
    k.extend_from_slice(&chat_key(user_id));
    k
}

/// The first key of the chat after the one `key` belongs to; `None` after the last chat.
fn next_chat(key: &[u8]) -> Option<Vec<u8>> {
    let chat: [u8; 8] = key.get(..8)?.try_into().ok()?;
    u64::from_be_bytes(chat)
        .checked_add(1)
        .map(|n| n.to_be_bytes().to_vec())
}

/// Writes a check-in inside a transaction (an import); one that exists is kept, as in
/// [`Store::put_checkins`].
pub(super) fn put_checkin_in(
    checkins: &TransactionalTree,
    r: &CheckIn,
) -> ConflictableTransactionResult<(), StoreError> {
    let k = checkin_key(r.chat_id, r.date, r.user_id);
    if checkins.get(k.as_slice())?.is_none() {
        checkins.insert(k, encode(r))?;
    }
    Ok(())
}

/// Writes a member inside a transaction (an import), merged with what is there, as in
/// [`Store::put_members`]. A record that cannot be read is replaced; returns whether one
/// was, for the caller to report once the transaction is done (the closure may re-run).
pub(super) fn put_member_in(
    members: &TransactionalTree,
    m: &Member,
) -> ConflictableTransactionResult<bool, StoreError> {
    let k = member_key(m.chat_id, m.user_id);
    let (merged, replaced) = match members.get(k.as_slice())? {
        Some(old) => match decode::<Member>("members", &old) {
            Ok(old) => (old.merge(m.clone()), false),
            Err(_) => (m.clone(), true),
        },
        None => (m.clone(), false),
    };
    members.insert(k, encode(&merged))?;
    Ok(replaced)
}

impl Store {
    /// Records that `user_id` (named `name`) checked in for `date`'s message in `chat_id`,
    /// once per day, and notes the member; flushed before it returns, so the tap can be
    /// acknowledged.
    pub fn check_in(
        &self,
        chat_id: i64,
        date: NaiveDate,
        user_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Tap> {
        self.see_member(chat_id, user_id, name, now)?;
        let record = CheckIn {
            chat_id,
            date,
            user_id,
            at: now,
        };
        let swapped = self.checkins.compare_and_swap(
            checkin_key(chat_id, date, user_id),
            None as Option<&[u8]>,
            Some(encode(&record)),
        )?;
        let count = self.checkin_count(chat_id, date)?;
        self.flush()?;
        Ok(Tap {
            recorded: swapped.is_ok(),
            count,
        })
    }

    /// One chat's 记实 report of `month`: its morning messages sent, check-ins and members;
    /// `headcount` is the group's size from Telegram less the bots, if known (see
    /// [`ChatReport::build`]).
    pub fn chat_report(
        &self,
        chat_id: i64,
        month: Month,
        headcount: Option<usize>,
    ) -> Result<ChatReport> {
        let mut deliveries = Vec::new();
        for date in month.days() {
            let slot = Slot::edition(date, Address::telegram(chat_id));
            deliveries.extend(self.delivery(&slot)?);
        }
        let checkins = self.checkins_of(chat_id, month.first(), month.last())?;
        let members = self.members_of(chat_id)?;
        Ok(ChatReport::build(
            month,
            &deliveries,
            &checkins,
            &members,
            headcount,
        ))
    }

    /// Remembers groups' sizes as Telegram told them (chat, members less the bots), for
    /// the reports made without asking Telegram (the monthly 通报). Flushed if any changed.
    pub fn set_headcounts(&self, counts: &[(i64, usize)]) -> Result<()> {
        let mut changed = false;
        for &(chat_id, members) in counts {
            let value = (members as u64).to_be_bytes();
            let old = self.meta.insert(headcount_key(chat_id), &value)?;
            changed |= old.as_deref() != Some(&value[..]);
        }
        if changed {
            self.flush()?;
        }
        Ok(())
    }

    /// The group's size as Telegram last told it, if it ever did.
    pub fn headcount(&self, chat_id: i64) -> Result<Option<usize>> {
        let Some(v) = self.meta.get(headcount_key(chat_id))? else {
            return Ok(None);
        };
        let bytes: [u8; 8] = v.as_ref().try_into().map_err(|_| StoreError::Corrupt {
            tree: "meta",
            reason: "a headcount is not 8 bytes".into(),
        })?;
        Ok(usize::try_from(u64::from_be_bytes(bytes)).ok())
    }

    /// Check-ins of one chat and day.
    pub fn checkin_count(&self, chat_id: i64, date: NaiveDate) -> Result<u32> {
        let mut n = 0;
        for k in self
            .checkins
            .scan_prefix(chat_date_prefix(chat_id, date))
            .keys()
        {
            k?;
            n += 1;
        }
        Ok(n)
    }

    /// A chat's check-ins from `first` to `last` (both included), by date and user.
    pub fn checkins_of(
        &self,
        chat_id: i64,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<CheckIn>> {
        let start = chat_date_prefix(chat_id, first);
        let end = match last.succ_opt() {
            Some(next) => chat_date_prefix(chat_id, next),
            None => next_chat(&start).unwrap_or_default(),
        };
        self.checkins
            .range(start..end)
            .values()
            .map(|v| decode("checkins", &v?))
            .collect()
    }

    /// Every check-in, by chat, date and user.
    pub fn checkins(&self) -> Result<Vec<CheckIn>> {
        self.checkins
            .iter()
            .values()
            .map(|v| decode("checkins", &v?))
            .collect()
    }

    /// Writes check-ins; one that exists is kept. Not flushed.
    pub fn put_checkins(&self, records: &[CheckIn]) -> Result<()> {
        for r in records {
            // An existing record stays: the first tap's time is the one to keep.
            let _kept = self.checkins.compare_and_swap(
                checkin_key(r.chat_id, r.date, r.user_id),
                None as Option<&[u8]>,
                Some(encode(r)),
            )?;
        }
        Ok(())
    }

    /// Deletes check-ins of dates before `before`, and members not seen since; returns how
    /// many records went.
    pub fn prune_checkins(&self, before: NaiveDate) -> Result<usize> {
        let cut = date_key(before);
        let mut removed = 0;
        let mut from: Vec<u8> = Vec::new();
        // One range per chat: the chat's days before the cut.
        while let Some(first) = self.checkins.range(from.as_slice()..).keys().next() {
            let first = first?;
            let mut end = first.get(..8).unwrap_or_default().to_vec();
            end.extend_from_slice(cut.as_bytes());
            let old: Vec<sled::IVec> = self
                .checkins
                .range(first.to_vec()..end)
                .keys()
                .collect::<std::result::Result<_, _>>()?;
            for k in &old {
                self.checkins.remove(k)?;
            }
            removed += old.len();
            match next_chat(&first) {
                Some(next) => from = next,
                None => break,
            }
        }
        let since = before.and_time(chrono::NaiveTime::MIN).and_utc();
        for entry in self.members.iter() {
            let (k, v) = entry?;
            let m: Member = decode("members", &v)?;
            if m.last_seen < since {
                self.members.remove(k)?;
                removed += 1;
            }
        }
        self.flush()?;
        Ok(removed)
    }

    /// Notes that `user_id` was seen in `chat_id` as `name`. Written only when the name
    /// changed or the last sighting is older than an hour, and not flushed: a sighting
    /// lost in a crash is harmless.
    pub fn see_member(
        &self,
        chat_id: i64,
        user_id: i64,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let key = member_key(chat_id, user_id);
        let seen = Member {
            chat_id,
            user_id,
            name: name.to_string(),
            first_seen: now,
            last_seen: now,
        };
        let current: Option<Member> = self
            .members
            .get(&key)?
            .map(|v| decode("members", &v))
            .transpose()?;
        if let Some(m) = &current
            && m.name == name
            && now >= m.last_seen
            && now - m.last_seen < SEEN_PRECISION
        {
            return Ok(());
        }
        self.merge_member(seen)
    }

    fn merge_member(&self, member: Member) -> Result<()> {
        let key = member_key(member.chat_id, member.user_id);
        let mut corrupt = None;
        self.members.update_and_fetch(&key, |old| {
            let merged = match old.map(|v| decode::<Member>("members", v)) {
                Some(Ok(old)) => old.merge(member.clone()),
                Some(Err(e)) => {
                    corrupt = Some(e);
                    member.clone()
                }
                None => member.clone(),
            };
            Some(encode(&merged))
        })?;
        if let Some(e) = corrupt {
            tracing::warn!(error = %e, "a corrupt member record was replaced");
        }
        Ok(())
    }

    /// The members seen in a chat, by user id.
    pub fn members_of(&self, chat_id: i64) -> Result<Vec<Member>> {
        self.members
            .scan_prefix(chat_key(chat_id))
            .values()
            .map(|v| decode("members", &v?))
            .collect()
    }

    /// Every member of every chat, by chat and user.
    pub fn members(&self) -> Result<Vec<Member>> {
        self.members
            .iter()
            .values()
            .map(|v| decode("members", &v?))
            .collect()
    }

    /// Writes members, merged with what is there. Not flushed.
    pub fn put_members(&self, members: &[Member]) -> Result<()> {
        for m in members {
            self.merge_member(m.clone())?;
        }
        Ok(())
    }

    /// Moves a chat's check-ins, members, headcount and delivery log to a new chat id (a group
    /// upgraded to a supergroup). Idempotent: an interrupted move is finished by the next.
    /// Not flushed.
    pub(super) fn move_chat_records(&self, from: i64, to: i64) -> Result<()> {
        if from == to {
            return Ok(());
        }
        if let Some(n) = self.meta.remove(headcount_key(from))? {
            let to = headcount_key(to);
            if self.meta.get(&to)?.is_none() {
                self.meta.insert(to, n)?;
            }
        }
        let checkins: Vec<(sled::IVec, sled::IVec)> = self
            .checkins
            .scan_prefix(chat_key(from))
            .collect::<std::result::Result<_, _>>()?;
        for (k, v) in checkins {
            let mut record: CheckIn = decode("checkins", &v)?;
            record.chat_id = to;
            self.put_checkins(std::slice::from_ref(&record))?;
            self.checkins.remove(k)?;
        }
        let members: Vec<(sled::IVec, sled::IVec)> = self
            .members
            .scan_prefix(chat_key(from))
            .collect::<std::result::Result<_, _>>()?;
        for (k, v) in members {
            let mut member: Member = decode("members", &v)?;
            member.chat_id = to;
            self.merge_member(member)?;
            self.members.remove(k)?;
        }
        // The delivery log: one point lookup per date that has an edition.
        let mut moved = Vec::new();
        for date in self.editions.iter().keys() {
            let date = date?;
            let Some(date) = std::str::from_utf8(&date)
                .ok()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            else {
                continue;
            };
            let old = Slot::edition(date, Address::telegram(from));
            let new = Slot::edition(date, Address::telegram(to));
            if let Some(mut record) = self.delivery(&old)?
                && self.delivery(&new)?.is_none()
            {
                record.to = new.to;
                moved.push((old, record));
            }
        }
        for (old, record) in &moved {
            self.put_deliveries(std::slice::from_ref(record))?;
            self.remove_delivery(old)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::tests::rules;
    use chrono::TimeZone;

    fn d(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, n).unwrap()
    }

    fn t(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
    }

    #[test]
    fn a_tap_is_recorded_once_per_member_and_day() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let tap = |chat, day, user| store.check_in(chat, d(day), user, "甲", t(day, 1)).unwrap();
        // (chat, day, user) and whether the tap is recorded, and the day's count after it.
        let taps = [
            ((-5, 1, 7), true, 1),
            ((-5, 1, 7), false, 1),
            ((-5, 1, 8), true, 2),
            ((-5, 2, 7), true, 1),
            ((-6, 1, 7), true, 1),
            // Negative and positive ids sort apart and never mix.
            ((5, 1, -7), true, 1),
        ];
        for ((chat, day, user), recorded, count) in taps {
            let got = tap(chat, day, user);
            assert_eq!(got, Tap { recorded, count }, "{chat} {day} {user}");
        }
        assert_eq!(store.checkins_of(-5, d(1), d(1)).unwrap().len(), 2);
        assert_eq!(store.checkins_of(-5, d(1), d(31)).unwrap().len(), 3);
        assert_eq!(store.checkins_of(-5, d(2), d(31)).unwrap().len(), 1);
        assert_eq!(store.checkins().unwrap().len(), 5);
        drop(store);
        // Durable across a reopen.
        let store = crate::store::tests::reopen(dir.path());
        assert_eq!(store.checkin_count(-5, d(1)).unwrap(), 2);
        assert_eq!(store.members_of(-5).unwrap().len(), 2);
    }

    #[test]
    fn members_keep_their_first_sighting_and_latest_name() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.see_member(-5, 7, "张三", t(1, 1)).unwrap();
        // Within the hour and same name: nothing written.
        store
            .see_member(-5, 7, "张三", t(1, 1) + chrono::Duration::minutes(30))
            .unwrap();
        assert_eq!(store.members_of(-5).unwrap()[0].last_seen, t(1, 1));
        store.see_member(-5, 7, "张三丰", t(1, 2)).unwrap();
        let m = &store.members_of(-5).unwrap()[0];
        assert_eq!(
            (m.name.as_str(), m.first_seen, m.last_seen),
            ("张三丰", t(1, 1), t(1, 2))
        );
        // An older record (an old backup) does not roll the name back.
        store
            .put_members(&[Member {
                chat_id: -5,
                user_id: 7,
                name: "旧名".into(),
                first_seen: t(1, 0),
                last_seen: t(1, 0),
            }])
            .unwrap();
        let m = &store.members_of(-5).unwrap()[0];
        assert_eq!(
            (m.name.as_str(), m.first_seen, m.last_seen),
            ("张三丰", t(1, 0), t(1, 2))
        );
    }

    #[test]
    fn export_and_import_carry_checkins_and_members() {
        let a = tempfile::tempdir().unwrap();
        let store = Store::open(a.path()).unwrap();
        store.check_in(-5, d(1), 7, "甲", t(1, 1)).unwrap();
        store.check_in(-5, d(2), 7, "甲", t(2, 1)).unwrap();
        store
            .check_in(-100_200, d(1), 8, "乙, \"丙\"", t(1, 2))
            .unwrap();
        store.see_member(-5, 9, "丁", t(3, 0)).unwrap();
        let text = toml::to_string(&store.export().unwrap()).unwrap();
        assert!(
            text.contains("[[checkin]]") && text.contains("[[member]]"),
            "{text}"
        );

        let b = tempfile::tempdir().unwrap();
        let other = Store::open(b.path()).unwrap();
        let doc: crate::store::Document = toml::from_str(&text).unwrap();
        other.import(&doc).unwrap();
        other.import(&doc).unwrap();
        assert_eq!(toml::to_string(&other.export().unwrap()).unwrap(), text);
        assert_eq!(other.checkins().unwrap().len(), 3);
        assert_eq!(other.members().unwrap().len(), 3);
    }

    #[test]
    fn pruning_drops_old_days_of_every_chat() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for chat in [-100_200, -5, 9] {
            for day in [1, 2, 3] {
                store.check_in(chat, d(day), 7, "甲", t(day, 1)).unwrap();
            }
        }
        store.see_member(-5, 8, "乙", t(1, 0)).unwrap();
        // 2 days × 3 chats, and member 8 (last seen on the 1st).
        assert_eq!(store.prune_checkins(d(3)).unwrap(), 7);
        let left: Vec<NaiveDate> = store.checkins().unwrap().iter().map(|c| c.date).collect();
        assert_eq!(left, vec![d(3); 3]);
        assert_eq!(store.members().unwrap().len(), 3);
    }

    #[test]
    fn a_groups_size_is_kept_per_chat_and_its_members_stay_apart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.headcount(-5).unwrap(), None);
        store.see_member(-5, 7, "甲", t(1, 1)).unwrap();
        store.set_headcounts(&[(-5, 30), (-6, 4)]).unwrap();
        store.set_headcounts(&[(-5, 31)]).unwrap();
        assert_eq!(store.headcount(-5).unwrap(), Some(31));
        assert_eq!(store.headcount(-6).unwrap(), Some(4));
        assert_eq!(store.members_of(-5).unwrap().len(), 1);
        let report = store.chat_report(-5, Month::new(2026, 12).unwrap(), Some(31));
        assert_eq!(report.unwrap().summary().members, 31);
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.headcount(-5).unwrap(), Some(31), "durable");
    }

    #[test]
    fn records_move_with_a_migrated_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store
            .add_item(crate::content::Category::Political, "x", None, 1, t(1, 0))
            .unwrap();
        store.edition(d(1), &rules()).unwrap();
        let record = crate::delivery::Delivery {
            state: crate::delivery::State::Sent,
            message_id: Some(3),
            attempts: 1,
            ..crate::delivery::Delivery::pending(
                Slot::edition(d(1), Address::telegram(-5)),
                t(1, 0),
                t(1, 2),
                t(1, 0),
            )
        };
        store.put_deliveries(&[record]).unwrap();
        store.check_in(-5, d(1), 7, "甲", t(1, 1)).unwrap();
        store.check_in(-5, d(1), 8, "乙", t(1, 1)).unwrap();
        // The supergroup already saw member 8 (a message before the move).
        store.see_member(-1_005, 8, "乙", t(1, 3)).unwrap();
        store.set_headcounts(&[(-5, 12)]).unwrap();
        store.move_chat_records(-5, -1_005).unwrap();
        store.move_chat_records(-5, -1_005).unwrap();
        assert_eq!(store.headcount(-5).unwrap(), None);
        assert_eq!(store.headcount(-1_005).unwrap(), Some(12));
        assert!(store.checkins_of(-5, d(1), d(1)).unwrap().is_empty());
        assert!(store.members_of(-5).unwrap().is_empty());
        assert_eq!(store.checkin_count(-1_005, d(1)).unwrap(), 2);
        let members = store.members_of(-1_005).unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[1].first_seen, t(1, 1));
        assert!(
            store
                .delivery(&crate::delivery::Slot::edition(
                    d(1),
                    crate::message::Address::telegram(-5)
                ))
                .unwrap()
                .is_none()
        );
        assert_eq!(
            store
                .delivery(&crate::delivery::Slot::edition(
                    d(1),
                    crate::message::Address::telegram(-1_005)
                ))
                .unwrap()
                .unwrap()
                .message_id,
            Some(3)
        );
    }
}
