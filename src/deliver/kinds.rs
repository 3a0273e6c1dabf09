//! What each kind of delivery sends: the one place that prepares a batch's message and
//! turns a queued delivery into an outgoing one. The dispatch loop, limits, retries and
//! the log are the same for every kind. A new kind is a variant of
//! [`crate::delivery::Kind`] (its name in the log and its key), its rule in
//! [`crate::schedule`] (`takes`, `due_of`), and its arms here.

use std::sync::Arc;

use chrono::NaiveDate;

use super::port::{Outgoing, Sender};
use super::{Engine, Job, Result};
use crate::checkin;
use crate::delivery::Kind;
use crate::message::{Address, Buttons};
use crate::replies;
use crate::schedule;

/// What a kind prepares once for a batch.
pub(super) enum Prepared {
    /// The text every delivery of the batch starts from.
    Body(Arc<str>),
    /// Nothing can be sent (the reason is recorded in each delivery; admins were told).
    Nothing(&'static str),
}

impl<S: Sender> Engine<S> {
    /// Prepares the batch of `kind` due on `date`.
    pub(super) fn prepare(&self, kind: Kind, date: NaiveDate) -> Result<Prepared> {
        match kind {
            Kind::Edition => {
                let c = &self.inner.config;
                let with_study = schedule::study_on(c.study, &self.inner.calendar, c.days, date);
                let edition = self.inner.store.edition(date, with_study)?;
                if edition.is_empty() {
                    tracing::error!(%date, "the edition has no items: nothing sent");
                    self.tell_admins(replies::edition_has_no_items(date));
                    return Ok(Prepared::Nothing("no items"));
                }
                Ok(Prepared::Body(edition.html.into()))
            }
        }
    }

    /// The message for one attempt of `job`.
    pub(super) fn outgoing(&self, job: &Job) -> Outgoing {
        let record = &job.record;
        let buttons = match record.kind {
            Kind::Edition => self.checkin_buttons(record.to, record.date),
        };
        Outgoing {
            to: record.to,
            html: job.batch.body.to_string(),
            buttons,
            paid: self.inner.config.paid_broadcast,
        }
    }

    /// The `✅ 已学习` button of a morning message, when check-in is on in the config and
    /// in the chat.
    fn checkin_buttons(&self, to: Address, date: NaiveDate) -> Buttons {
        if !self.inner.config.checkin {
            return Buttons::new();
        }
        let planned = self.lock_plan().get(to.id).map(|s| s.checkin);
        // A chat just moved to a supergroup id may not be in the plan yet.
        let on = match planned {
            Some(on) => on,
            None => match self.inner.store.subscription(to.id) {
                Ok(sub) => sub.is_none_or(|s| s.checkin),
                Err(_) => true,
            },
        };
        if !on {
            return Buttons::new();
        }
        // Normally 0; more when a message of unknown outcome is sent again.
        let count = self.inner.store.checkin_count(to.id, date).unwrap_or(0);
        checkin::keyboard(date, count)
    }
}
