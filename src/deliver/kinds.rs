//! What each kind of delivery sends: the one place that turns a queued delivery into an
//! outgoing message. The dispatch loop, limits, retries and the log are the same for every
//! kind; a new kind adds its arm here, its rule in the plan and its name in
//! [`crate::delivery::Kind`].

use chrono::NaiveDate;

use super::port::{Outgoing, Sender};
use super::{Engine, Job};
use crate::checkin;
use crate::delivery::Kind;
use crate::message::{Address, Buttons};

impl<S: Sender> Engine<S> {
    /// The message for one attempt of `job`.
    pub(super) fn outgoing(&self, job: &Job) -> Outgoing {
        let record = &job.record;
        let buttons = match record.kind {
            Kind::Edition => self.checkin_buttons(record.to, record.date),
        };
        Outgoing {
            to: record.to,
            html: job.batch.html.to_string(),
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
