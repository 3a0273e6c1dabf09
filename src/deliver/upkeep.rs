//! The engine's housekeeping: the daily pruning of old records and calendar warning, and
//! notices to the bot admins.

use chrono::NaiveDate;

use super::Engine;
use super::port::{Outgoing, Sender};
use crate::message::Address;
use crate::replies;

impl<S: Sender> Engine<S> {
    /// Once a day: prune old records, and warn about a holiday year we do not know.
    pub(super) fn daily_upkeep(&self, today: NaiveDate) {
        let keep = chrono::Duration::days(self.inner.config.keep_days as i64);
        if let Some(before) = today.checked_sub_signed(keep) {
            match self.inner.store.prune_deliveries(before) {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, %before, "pruned old delivery records"),
                Err(e) => tracing::error!(error = %e, "pruning the delivery log failed"),
            }
            match self.inner.store.prune_checkins(before) {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, %before, "pruned old check-in records"),
                Err(e) => tracing::error!(error = %e, "pruning the check-in records failed"),
            }
            match self.inner.store.prune_tasks(before) {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, %before, "pruned old finished tasks"),
                Err(e) => tracing::error!(error = %e, "pruning the tasks failed"),
            }
            match self.inner.store.prune_notices(before) {
                Ok(0) => {}
                Ok(n) => tracing::info!(records = n, %before, "pruned old notices"),
                Err(e) => tracing::error!(error = %e, "pruning the notices failed"),
            }
            match self.inner.store.prune_marks(before) {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(records = n, %before, "pruned old organisational-life marks")
                }
                Err(e) => {
                    tracing::error!(error = %e, "pruning the organisational-life marks failed")
                }
            }
        }
        if let Some(year) = self.inner.calendar.missing_year(today) {
            tracing::warn!(
                year,
                "the official holiday arrangement of {year} is not known: delivering Monday to Friday except fixed holidays; add it with schedule.calendar"
            );
            let flag = format!("calendar-warned-{year}");
            if self.inner.store.meta_flag(&flag).unwrap_or(true) {
                return;
            }
            let _ = self.inner.store.set_meta_flag(&flag);
            self.tell_admins(replies::calendar_unknown(year));
        }
    }

    pub(super) fn tell_admins(&self, html: String) {
        let engine = self.clone();
        tokio::spawn(async move {
            for &admin in &engine.inner.config.admins {
                let out = Outgoing {
                    to: Address::telegram(admin),
                    html: html.clone(),
                    buttons: Vec::new(),
                    paid: false,
                    attachment: None,
                    part: 0,
                };
                if let Err(e) = engine.inner.sender.send(&out).await {
                    tracing::warn!(admin, error = %e, "cannot reach a bot admin");
                }
            }
        });
    }
}
