//! Organisational-life marks, and the people the bot can write to privately.
//!
//! Trees: `orglife`, key chat ‖ period ‖ 0 ‖ item, one mark per group, item and period
//! (keyed by chat first, so a group's marks are one range scan and move with it to its
//! supergroup); `people`, key `p` ‖ user for a user with a private chat with the bot, and
//! `a` ‖ chat ‖ user for a user seen as an admin of a group.

use chrono::NaiveDate;
use chrono_tz::Tz;
use sled::transaction::{ConflictableTransactionResult, TransactionalTree};

use super::{Result, Store, StoreError, chat_key, decode, encode};
use crate::orglife::summary::{GroupSummary, MonthSummary};
use crate::orglife::{Item, Mark, Period};
use crate::report::Month;
use crate::subscription::Subscription;
use crate::tasks::MonthTasks;

const PRIVATE: u8 = b'p';
const ADMIN: u8 = b'a';

fn mark_key(chat_id: i64, period: Period, item: &str) -> Vec<u8> {
    let mut k = chat_key(chat_id).to_vec();
    k.extend_from_slice(period.key().as_bytes());
    k.push(0);
    k.extend_from_slice(item.as_bytes());
    k
}

fn private_key(user_id: i64) -> Vec<u8> {
    let mut k = vec![PRIVATE];
    k.extend_from_slice(&chat_key(user_id));
    k
}

fn admin_key(chat_id: i64, user_id: i64) -> Vec<u8> {
    let mut k = vec![ADMIN];
    k.extend_from_slice(&chat_key(chat_id));
    k.extend_from_slice(&chat_key(user_id));
    k
}

fn id_at(key: &[u8], at: usize) -> Option<i64> {
    let bytes: [u8; 8] = key.get(at..at + 8)?.try_into().ok()?;
    Some((u64::from_be_bytes(bytes) ^ (1 << 63)) as i64)
}

/// A group's admin, as the bot last saw them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct GroupAdmin {
    pub chat_id: i64,
    pub user_id: i64,
}

/// Writes a mark inside a transaction (an import); a mark there is replaced.
pub(super) fn put_mark_in(
    marks: &TransactionalTree,
    m: &Mark,
) -> ConflictableTransactionResult<(), StoreError> {
    marks.insert(mark_key(m.chat_id, m.period, &m.item), encode(m))?;
    Ok(())
}

/// Writes what the people tree says of a private chat or a group admin (an import).
pub(super) fn put_private_in(
    people: &TransactionalTree,
    user_id: i64,
) -> ConflictableTransactionResult<(), StoreError> {
    people.insert(private_key(user_id), &[][..])?;
    Ok(())
}

pub(super) fn put_admin_in(
    people: &TransactionalTree,
    a: GroupAdmin,
) -> ConflictableTransactionResult<(), StoreError> {
    people.insert(admin_key(a.chat_id, a.user_id), &[][..])?;
    Ok(())
}

impl Store {
    // ---- marks ----

    /// Records a mark (replacing the item's mark of that period); flushed.
    pub fn put_mark(&self, mark: &Mark) -> Result<()> {
        self.orglife.insert(
            mark_key(mark.chat_id, mark.period, &mark.item),
            encode(mark),
        )?;
        self.flush()
    }

    /// Removes the item's mark of `period`; returns it, if there was one. Flushed.
    pub fn remove_mark(&self, chat_id: i64, period: Period, item: &str) -> Result<Option<Mark>> {
        let old = self.orglife.remove(mark_key(chat_id, period, item))?;
        self.flush()?;
        old.map(|v| decode("orglife", &v)).transpose()
    }

    /// A group's marks, by period.
    pub fn marks_of(&self, chat_id: i64) -> Result<Vec<Mark>> {
        self.orglife
            .scan_prefix(chat_key(chat_id))
            .values()
            .map(|v| decode("orglife", &v?))
            .collect()
    }

    /// Every mark, for an export.
    pub fn marks(&self) -> Result<Vec<Mark>> {
        self.orglife
            .iter()
            .values()
            .map(|v| decode("orglife", &v?))
            .collect()
    }

    /// Removes the marks of periods that ended before `before`.
    pub fn prune_marks(&self, before: NaiveDate) -> Result<usize> {
        let mut old = Vec::new();
        for entry in self.orglife.iter() {
            let (k, v) = entry?;
            let mark: Mark = decode("orglife", &v)?;
            if mark.period.last() < before {
                old.push(k);
            }
        }
        for k in &old {
            self.orglife.remove(k)?;
        }
        if !old.is_empty() {
            self.flush()?;
        }
        Ok(old.len())
    }

    /// Moves a group's marks and admins to its new id (not flushed: the caller flushes).
    pub(super) fn move_orglife(&self, from: i64, to: i64) -> Result<()> {
        let marks: Vec<(sled::IVec, sled::IVec)> = self
            .orglife
            .scan_prefix(chat_key(from))
            .collect::<std::result::Result<_, _>>()?;
        for (k, v) in marks {
            let mut mark: Mark = decode("orglife", &v)?;
            mark.chat_id = to;
            self.orglife
                .insert(mark_key(to, mark.period, &mark.item), encode(&mark))?;
            self.orglife.remove(k)?;
        }
        for user_id in self.admins_of(from)? {
            self.people.insert(admin_key(to, user_id), &[][..])?;
            self.people.remove(admin_key(from, user_id))?;
        }
        Ok(())
    }

    /// The groups of the 记实通报 of `month`: every active group that took the reminders
    /// in it or has 督办 (or only `group`, if it does).
    pub fn summary_groups(&self, month: Month, group: Option<i64>) -> Result<Vec<Subscription>> {
        let mut groups = Vec::new();
        for sub in self.each_subscription() {
            let sub = sub?;
            // Groups that take the reminders (since before the month's end) or have tasks.
            let orglife = sub.orglife.is_some_and(|since| since <= month.last());
            if group.is_none_or(|g| g == sub.chat_id) && sub.active && (orglife || sub.tasks) {
                groups.push(sub);
            }
        }
        Ok(groups)
    }

    /// The 记实通报 of `month`: the [`Store::summary_groups`], with their marks and their
    /// month's check-in and 督办 figures (days in `tz`); `headcount` gives a group's size
    /// from Telegram less the bots, if known.
    pub fn month_summary(
        &self,
        items: &[Item],
        month: Month,
        group: Option<i64>,
        tz: Tz,
        headcount: &dyn Fn(i64) -> Result<Option<usize>>,
    ) -> Result<MonthSummary> {
        let mut groups = Vec::new();
        for sub in self.summary_groups(month, group)? {
            let orglife = sub.orglife.is_some_and(|since| since <= month.last());
            let marks = self.marks_of(sub.chat_id)?;
            let checkin = self
                .chat_report(sub.chat_id, month, headcount(sub.chat_id)?)?
                .summary();
            let title = sub.name();
            let items = if orglife { items } else { &[] };
            let mut summary =
                GroupSummary::build(sub.chat_id, &title, items, &marks, month, checkin);
            summary.tasks = MonthTasks::of(&self.tasks_of(sub.chat_id)?, month, tz);
            groups.push(summary);
        }
        Ok(MonthSummary::new(month, groups))
    }

    // ---- people ----

    /// Notes that `user_id` has a private chat with the bot (they wrote to it there).
    pub fn note_private_chat(&self, user_id: i64) -> Result<()> {
        if self.people.insert(private_key(user_id), &[][..])?.is_none() {
            self.flush()?;
        }
        Ok(())
    }

    /// Forgets a private chat (the user blocked the bot).
    pub fn forget_private_chat(&self, user_id: i64) -> Result<()> {
        self.people.remove(private_key(user_id))?;
        Ok(())
    }

    pub fn has_private_chat(&self, user_id: i64) -> Result<bool> {
        Ok(self.people.contains_key(private_key(user_id))?)
    }

    /// Every user with a private chat, for an export.
    pub fn private_chats(&self) -> Result<Vec<i64>> {
        self.people
            .scan_prefix([PRIVATE])
            .keys()
            .map(|k| {
                let k = k?;
                id_at(&k, 1).ok_or_else(|| corrupt("a private-chat key is not 9 bytes"))
            })
            .collect()
    }

    /// Notes whether `user_id` is an admin of the group `chat_id`, as just seen.
    pub fn note_admin(&self, chat_id: i64, user_id: i64, admin: bool) -> Result<()> {
        let k = admin_key(chat_id, user_id);
        let changed = if admin {
            self.people.insert(k, &[][..])?.is_none()
        } else {
            self.people.remove(k)?.is_some()
        };
        if changed {
            self.flush()?;
        }
        Ok(())
    }

    /// Replaces the admins of a group with the list just read from the platform.
    pub fn set_admins(&self, chat_id: i64, users: &[i64]) -> Result<()> {
        for old in self.admins_of(chat_id)? {
            if !users.contains(&old) {
                self.people.remove(admin_key(chat_id, old))?;
            }
        }
        for &user in users {
            self.people.insert(admin_key(chat_id, user), &[][..])?;
        }
        self.flush()
    }

    /// The users seen as admins of a group.
    pub fn admins_of(&self, chat_id: i64) -> Result<Vec<i64>> {
        let mut prefix = vec![ADMIN];
        prefix.extend_from_slice(&chat_key(chat_id));
        self.people
            .scan_prefix(prefix)
            .keys()
            .map(|k| {
                let k = k?;
                id_at(&k, 9).ok_or_else(|| corrupt("an admin key is not 17 bytes"))
            })
            .collect()
    }

    /// Every group admin seen, for an export.
    pub fn group_admins(&self) -> Result<Vec<GroupAdmin>> {
        self.people
            .scan_prefix([ADMIN])
            .keys()
            .map(|k| {
                let k = k?;
                match (id_at(&k, 1), id_at(&k, 9)) {
                    (Some(chat_id), Some(user_id)) => Ok(GroupAdmin { chat_id, user_id }),
                    _ => Err(corrupt("an admin key is not 17 bytes")),
                }
            })
            .collect()
    }
}

fn corrupt(reason: &str) -> StoreError {
    StoreError::Corrupt {
        tree: "people",
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Utc};

    fn mark(chat_id: i64, item: &str, period: Period, day: u32) -> Mark {
        Mark {
            chat_id,
            item: item.into(),
            period,
            date: NaiveDate::from_ymd_opt(2026, 6, day).unwrap(),
            topic: None,
            by: 7,
            by_name: "张三".into(),
            at: Utc.with_ymd_and_hms(2026, 6, day, 2, 0, 0).unwrap(),
        }
    }

    #[test]
    fn marks_are_kept_per_group_moved_and_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let june = Period::Month(Month::new(2026, 6).unwrap());
        store.put_mark(&mark(-5, "主题党日", june, 8)).unwrap();
        store
            .put_mark(&mark(-5, "党课", Period::Quarter(2026, 2), 9))
            .unwrap();
        store.put_mark(&mark(-6, "主题党日", june, 10)).unwrap();
        // A second mark of the same item and period replaces the first.
        store.put_mark(&mark(-5, "主题党日", june, 12)).unwrap();
        let of5 = store.marks_of(-5).unwrap();
        assert_eq!(of5.len(), 2);
        assert!(
            of5.iter()
                .any(|m| m.item == "主题党日" && m.date.day() == 12)
        );
        assert_eq!(store.marks().unwrap().len(), 3);

        store.note_admin(-5, 7, true).unwrap();
        store.note_admin(-5, 8, true).unwrap();
        store.move_orglife(-5, -1005).unwrap();
        assert!(store.marks_of(-5).unwrap().is_empty());
        let moved = store.marks_of(-1005).unwrap();
        assert_eq!(moved.len(), 2);
        assert!(moved.iter().all(|m| m.chat_id == -1005));
        assert_eq!(store.admins_of(-1005).unwrap(), vec![7, 8]);
        assert!(store.admins_of(-5).unwrap().is_empty());

        // June's month mark ended on 6-30; the quarter too.
        assert_eq!(
            store
                .prune_marks(NaiveDate::from_ymd_opt(2026, 7, 1).unwrap())
                .unwrap(),
            3
        );
        assert!(store.marks().unwrap().is_empty());
    }

    #[test]
    fn people_remember_private_chats_and_admins() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.note_private_chat(7).unwrap();
        store.note_private_chat(-3).unwrap();
        assert!(store.has_private_chat(7).unwrap());
        assert!(!store.has_private_chat(8).unwrap());
        assert_eq!(store.private_chats().unwrap(), vec![-3, 7]);
        store.forget_private_chat(7).unwrap();
        assert!(!store.has_private_chat(7).unwrap());

        store.set_admins(-5, &[1, 2, 3]).unwrap();
        store.set_admins(-5, &[2, 4]).unwrap();
        store.note_admin(-6, 9, true).unwrap();
        store.note_admin(-5, 4, false).unwrap();
        assert_eq!(store.admins_of(-5).unwrap(), vec![2]);
        assert_eq!(
            store.group_admins().unwrap(),
            vec![
                GroupAdmin {
                    chat_id: -6,
                    user_id: 9
                },
                GroupAdmin {
                    chat_id: -5,
                    user_id: 2
                },
            ]
        );
    }

    #[test]
    fn marks_and_people_survive_an_export_and_import() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let store = Store::open(a.path()).unwrap();
        let june = Period::Month(Month::new(2026, 6).unwrap());
        let mut with_topic = mark(-5, "主题党日", june, 8);
        with_topic.topic = Some("学习党章".into());
        store.put_mark(&with_topic).unwrap();
        store
            .put_mark(&mark(-6, "党课", Period::Year(2026), 9))
            .unwrap();
        store.note_private_chat(7).unwrap();
        store.set_admins(-5, &[7, 8]).unwrap();
        let doc = store.export().unwrap();
        assert_eq!(doc.marks.len(), 2);
        // Through the TOML an operator keeps.
        let text = toml::to_string(&doc).unwrap();
        let doc: crate::store::Document = toml::from_str(&text).unwrap();
        let other = Store::open(b.path()).unwrap();
        other.import(&doc).unwrap();
        assert_eq!(other.marks().unwrap(), store.marks().unwrap());
        assert_eq!(
            other.marks_of(-5).unwrap()[0].topic.as_deref(),
            Some("学习党章")
        );
        assert_eq!(other.private_chats().unwrap(), vec![7]);
        assert_eq!(other.group_admins().unwrap(), store.group_admins().unwrap());
    }
}
