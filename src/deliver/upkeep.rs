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
            let engine = self.clone();
            let admins = self.inner.config.admins.clone();
            tokio::spawn(async move { engine.warn_of_calendar(year, &admins).await });
        }
    }

    /// Sends a bot admin what they have missed while the bot could not reach them: the
    /// warning that a holiday year is unknown. Called when `user_id` writes to the bot
    /// privately (`/start`); nothing for anyone else.
    pub async fn admin_reachable(&self, user_id: i64) {
        if !self.inner.config.is_admin(user_id) {
            return;
        }
        if let Some(year) = self.inner.calendar.missing_year(self.today()) {
            self.warn_of_calendar(year, &[user_id]).await;
        }
    }

    /// Warns each of `admins` who has not had it yet that the holiday arrangement of `year`
    /// is unknown. It counts as had only once it arrived: an admin the bot cannot write to
    /// yet (no private chat) gets it when they write to the bot, or at the next start.
    pub(super) async fn warn_of_calendar(&self, year: i32, admins: &[i64]) {
        // One at a time: a start-up and a `/start` at once would send it twice.
        let _one = self.inner.admin_warnings.lock().await;
        for &admin in admins {
            let flag = calendar_flag(year, admin);
            match self.inner.store.meta_flag(&flag) {
                Ok(false) => {}
                Ok(true) => continue,
                Err(e) => {
                    tracing::error!(admin, error = %e, "cannot read whether an admin was warned");
                    continue;
                }
            }
            let out = Outgoing {
                to: Address::telegram(admin),
                html: replies::calendar_unknown(year),
                buttons: Vec::new(),
                paid: false,
                attachment: None,
                part: 0,
            };
            match self.inner.sender.send(&out).await {
                Ok(_) => {
                    if let Err(e) = self.inner.store.set_meta_flag(&flag) {
                        tracing::error!(admin, error = %e, "cannot note that an admin was warned");
                    }
                }
                Err(e) => tracing::warn!(
                    admin,
                    year,
                    error = %e,
                    "cannot warn a bot admin that the holiday year is unknown; they get it when they send /start to the bot, or at the next start"
                ),
            }
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

/// The flag that `admin` has had the warning that the holiday year `year` is unknown.
pub(super) fn calendar_flag(year: i32, admin: i64) -> String {
    format!("calendar-warned-{year}:{admin}")
}
