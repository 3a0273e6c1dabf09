//! The delivery log: one record per (date, chat), written before a send and after it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Result, Store, chat_key, date_key, decode, encode};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Marked before sending; not known to be sent. A restart resumes it.
    Pending,
    Sent,
    /// Given up: the chat is gone, Telegram refused the message, or retries ran out.
    Failed,
    /// Not made in time (the bot was down past the deadline).
    Missed,
}

impl State {
    /// Whether nothing more will be done about it (except by `/pushnow` for missed ones).
    pub fn is_final(self) -> bool {
        self != State::Pending
    }
}

/// One chat's delivery of one day's edition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub chat_id: i64,
    pub date: NaiveDate,
    pub due: DateTime<Utc>,
    /// After this the delivery is not attempted any more.
    pub deadline: DateTime<Utc>,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub attempts: u32,
    pub updated_at: DateTime<Utc>,
}

fn key(date: NaiveDate, chat_id: i64) -> Vec<u8> {
    let mut k = date_key(date).into_bytes();
    k.extend_from_slice(&chat_key(chat_id));
    k
}

impl Store {
    pub fn delivery(&self, date: NaiveDate, chat_id: i64) -> Result<Option<Delivery>> {
        self.deliveries
            .get(key(date, chat_id))?
            .map(|v| decode("deliveries", &v))
            .transpose()
    }

    /// Writes records without flushing: the caller flushes (or waits for a group commit)
    /// before it relies on them.
    pub fn put_deliveries(&self, records: &[Delivery]) -> Result<()> {
        let mut batch = sled::Batch::default();
        for r in records {
            batch.insert(key(r.date, r.chat_id), encode(r));
        }
        self.deliveries.apply_batch(batch)?;
        Ok(())
    }

    pub fn remove_delivery(&self, date: NaiveDate, chat_id: i64) -> Result<()> {
        self.deliveries.remove(key(date, chat_id))?;
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

    /// Every record, oldest date first.
    pub fn deliveries(&self) -> Result<Vec<Delivery>> {
        self.deliveries
            .iter()
            .values()
            .map(|v| decode("deliveries", &v?))
            .collect()
    }

    /// Records still pending, any date.
    pub fn pending_deliveries(&self) -> Result<Vec<Delivery>> {
        Ok(self
            .deliveries()?
            .into_iter()
            .filter(|d| d.state == State::Pending)
            .collect())
    }

    /// The newest record of a chat: point lookups on the dates that have an edition,
    /// newest first, so the cost does not grow with the number of chats.
    pub fn last_delivery(&self, chat_id: i64) -> Result<Option<Delivery>> {
        for entry in self.editions.iter().keys().rev() {
            let date = entry?;
            let mut k = date.to_vec();
            k.extend_from_slice(&chat_key(chat_id));
            if let Some(v) = self.deliveries.get(k)? {
                return Ok(Some(decode("deliveries", &v)?));
            }
        }
        Ok(None)
    }

    /// Deletes records of dates before `before`; returns how many.
    pub fn prune_deliveries(&self, before: NaiveDate) -> Result<usize> {
        let end = date_key(before);
        let keys: Vec<sled::IVec> = self
            .deliveries
            .range(..end.as_bytes())
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        for k in &keys {
            self.deliveries.remove(k)?;
        }
        self.flush()?;
        Ok(keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn record(date: NaiveDate, chat_id: i64, state: State) -> Delivery {
        let t = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        Delivery {
            chat_id,
            date,
            due: t,
            deadline: t,
            state,
            message_id: None,
            error: None,
            attempts: 0,
            updated_at: t,
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
        store.edition(d1, true).unwrap();
        store.edition(d2, true).unwrap();
        assert_eq!(store.deliveries_on(d1).unwrap().len(), 2);
        assert_eq!(
            store.delivery(d2, -5).unwrap().unwrap().state,
            State::Missed
        );
        assert_eq!(store.pending_deliveries().unwrap().len(), 1);
        assert_eq!(store.last_delivery(-5).unwrap().unwrap().date, d2);
        assert_eq!(store.last_delivery(7).unwrap().unwrap().date, d1);
        assert!(store.last_delivery(8).unwrap().is_none());
        assert_eq!(store.prune_deliveries(d2).unwrap(), 2);
        assert_eq!(store.deliveries().unwrap().len(), 1);
    }
}
