//! Notices through the engine: a confirmed notice is pushed to every active subscription
//! like `/pushnow` (recorded first, marked a part at a time, resumed after a restart), once
//! per address, its text read from the store at each send.

use super::batch::Todo;
use super::port::Sender;
use super::{Engine, Result};
use crate::delivery::{Delivery, Kind, PushRequest};
use crate::notice::{Notice, Refused};
use crate::replies;

impl<S: Sender> Engine<S> {
    /// How many subscriptions a notice sent now goes to: the active ones (robots included).
    pub fn audience(&self) -> Result<usize> {
        self.refresh_plan()?;
        Ok(self.lock_plan().active_chats().len())
    }

    /// Applies `decide` (the author's `发送`) to the notice `id` and, in the same durable
    /// step, records its push to every active subscription; then starts it. Returns the
    /// notice and the number of subscriptions it goes to, or why nothing was done.
    pub fn send_notice(
        &self,
        id: &str,
        decide: impl Fn(&mut Notice) -> std::result::Result<(), Refused>,
    ) -> Result<std::result::Result<(Notice, usize), Refused>> {
        self.refresh_plan()?;
        let now = self.now();
        let request = PushRequest::notice(id, self.today(), now, now + self.catch_up());
        let notice = match self.inner.store.decide_notice(id, decide, Some(&request))? {
            Ok(notice) => notice,
            Err(refused) => return Ok(Err(refused)),
        };
        let chats = self.active_chats();
        let count = chats.len();
        tracing::info!(notice = id, count, "sending a notice");
        if chats.is_empty() {
            self.inner.store.remove_push(&request)?;
            return Ok(Ok((notice, 0)));
        }
        let date = request.date;
        let todo = Todo::Push {
            request,
            chats: chats.into_iter(),
        };
        self.start(Kind::Notice, date, todo)?;
        Ok(Ok((notice, count)))
    }

    /// A notice's message as it is sent; empty (and so not sent) if the notice is gone.
    pub(super) fn notice_message(&self, record: &Delivery) -> String {
        // A part of a notice sent in parts has the notice's id with the part's number.
        let id = record.slot().first_part().key;
        match self.inner.store.notice(&id) {
            Ok(Some(notice)) => replies::notice::message(&notice.text),
            Ok(None) => {
                tracing::error!(notice = %record.key, "the notice's text is gone");
                String::new()
            }
            Err(e) => {
                tracing::error!(notice = %record.key, error = %e, "cannot read a notice");
                String::new()
            }
        }
    }
}
