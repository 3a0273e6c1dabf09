//! Notices ([`crate::notice`]): kept in the `meta` tree under `notice:<id>`, from the draft
//! until the delivery log of their day is pruned; confirmed together with the push
//! request that sends them.

use chrono::NaiveDate;
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree,
};

use super::deliveries::push_key;
use super::{Result, Store, StoreError, decode, encode, tx_error};
use crate::delivery::PushRequest;
use crate::notice::{Notice, Refused};

fn notice_key(id: &str) -> String {
    format!("notice:{id}")
}

/// Writes a notice inside a transaction (an import); one there is replaced.
pub(super) fn put_notice_in(
    meta: &TransactionalTree,
    notice: &Notice,
) -> ConflictableTransactionResult<(), StoreError> {
    meta.insert(notice_key(&notice.id).as_bytes(), encode(notice))?;
    Ok(())
}

impl Store {
    /// Every notice, for an export.
    pub fn notices(&self) -> Result<Vec<Notice>> {
        self.meta
            .scan_prefix(notice_key(""))
            .values()
            .map(|v| decode("meta", &v?))
            .collect()
    }

    /// Stores a new draft, flushed. Its id is made unique if another notice has it (two
    /// drafts in one millisecond); the draft as stored is returned.
    pub fn add_notice(&self, mut notice: Notice) -> Result<Notice> {
        let base = notice.id.clone();
        for n in 1.. {
            let new = encode(&notice);
            let stored =
                self.meta
                    .compare_and_swap(notice_key(&notice.id), None::<&[u8]>, Some(new))?;
            if stored.is_ok() {
                break;
            }
            notice.id = format!("{base}-{n}");
        }
        self.flush()?;
        Ok(notice)
    }

    /// The notice `id`.
    pub fn notice(&self, id: &str) -> Result<Option<Notice>> {
        self.meta
            .get(notice_key(id))?
            .map(|v| decode("meta", &v))
            .transpose()
    }

    /// Applies `decide` to the notice `id` in one atomic step, flushed; when it succeeds
    /// and a `push` is given, that request is recorded in the same step, so that a notice
    /// confirmed is sent even if the process dies at once. A refusal changes nothing.
    pub fn decide_notice(
        &self,
        id: &str,
        decide: impl Fn(&mut Notice) -> std::result::Result<(), Refused>,
        push: Option<&PushRequest>,
    ) -> Result<std::result::Result<Notice, Refused>> {
        let key = notice_key(id);
        let outcome = self
            .meta
            .transaction(|meta| {
                let Some(old) = meta.get(&key)? else {
                    return Ok(Err(Refused::Unknown));
                };
                let mut notice: Notice =
                    decode("meta", &old).map_err(ConflictableTransactionError::Abort)?;
                if let Err(refused) = decide(&mut notice) {
                    return Ok(Err(refused));
                }
                meta.insert(key.as_bytes(), encode(&notice))?;
                if let Some(push) = push {
                    meta.insert(push_key(push).as_bytes(), encode(push))?;
                }
                Ok(Ok(notice))
            })
            .map_err(tx_error)?;
        if outcome.is_ok() {
            self.flush()?;
        }
        Ok(outcome)
    }

    /// Deletes the notices written before `before` (UTC); returns how many.
    pub fn prune_notices(&self, before: NaiveDate) -> Result<usize> {
        let mut pruned = 0;
        for entry in self.meta.scan_prefix("notice:") {
            let (k, v) = entry?;
            let old =
                decode::<Notice>("meta", &v).is_ok_and(|n| n.created_at.date_naive() < before);
            if old {
                self.meta.remove(k)?;
                pruned += 1;
            }
        }
        if pruned > 0 {
            self.flush()?;
        }
        Ok(pruned)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notice::{Decision, NoticeState};
    use chrono::{TimeZone, Utc};

    #[test]
    fn a_confirmed_notice_and_its_push_are_stored_together_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap();
        let draft = Notice::draft("开会", 42, t).unwrap();
        let first = store.add_notice(draft.clone()).unwrap();
        let second = store.add_notice(draft.clone()).unwrap();
        assert_eq!(first.id, draft.id);
        assert_ne!(second.id, first.id, "two drafts in one millisecond");
        let d = t.date_naive();
        let push = PushRequest::notice(&first.id, d, t, t + chrono::Duration::hours(2));
        let send = |n: &mut Notice| n.decide(Decision::Send, 42, t);
        let confirmed = store.decide_notice(&first.id, send, Some(&push)).unwrap();
        assert!(matches!(
            confirmed.map(|n| n.state),
            Ok(NoticeState::Confirmed { .. })
        ));
        assert_eq!(store.pushes().unwrap(), vec![push.clone()]);
        // A second tap is refused and records nothing more.
        store.remove_push(&push).unwrap();
        let again = store.decide_notice(&first.id, send, Some(&push)).unwrap();
        assert_eq!(again, Err(Refused::Confirmed));
        assert!(store.pushes().unwrap().is_empty());
        assert_eq!(
            store.decide_notice("n1", send, None).unwrap(),
            Err(Refused::Unknown)
        );
        // Kept across a reopen, until pruned with its day.
        drop(store);
        let store = crate::store::tests::reopen(dir.path());
        assert!(store.notice(&first.id).unwrap().is_some());
        assert_eq!(store.prune_notices(d).unwrap(), 0);
        assert_eq!(store.prune_notices(d.succ_opt().unwrap()).unwrap(), 2);
        assert!(store.notice(&first.id).unwrap().is_none());
    }

    #[test]
    fn notices_survive_an_export_and_import() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let store = Store::open(a.path()).unwrap();
        let t = Utc.with_ymd_and_hms(2026, 12, 7, 2, 0, 0).unwrap();
        let n = store
            .add_notice(Notice::draft("明天上午九点开会", 42, t).unwrap())
            .unwrap();
        let text = toml::to_string(&store.export().unwrap()).unwrap();
        let other = Store::open(b.path()).unwrap();
        other.import(&toml::from_str(&text).unwrap()).unwrap();
        assert_eq!(other.notice(&n.id).unwrap(), Some(n));
        assert_eq!(other.notices().unwrap().len(), 1);
    }
}
