//! Long polling for updates that notes every answered `getUpdates` (for `/healthz`, which
//! wants to know that Telegram is being heard even when nobody writes) and counts the
//! updates (for `/metrics`). teloxide's own `Polling` keeps both to itself.
//!
//! It behaves as teloxide's: the types the handler tree wants are asked for; an error is
//! handed to the dispatcher's error handler and followed by a pause (Telegram's
//! `retry_after`, or a growing backoff); at a stop the request in flight is dropped and a
//! last `getUpdates` confirms the updates already taken, so they are not served again.

use std::collections::VecDeque;
use std::time::Duration;

use futures::Stream;
use teloxide::RequestError;
use teloxide::payloads::GetUpdatesSetters;
use teloxide::prelude::*;
use teloxide::stop::{StopFlag, StopToken, mk_stop_token};
use teloxide::types::AllowedUpdate;
use teloxide::update_listeners::{StatefulListener, UpdateListener};

use crate::metrics;

/// The longest pause after repeated errors.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

pub struct Poller {
    bot: Bot,
    timeout: Duration,
    offset: i32,
    allowed: Option<Vec<AllowedUpdate>>,
    token: StopToken,
    flag: StopFlag,
    errors: u32,
    pause: Option<Duration>,
    taken: VecDeque<Update>,
    over: bool,
}

/// A listener polling with long-poll `timeout`.
pub fn listener(bot: Bot, timeout: Duration) -> impl UpdateListener<Err = RequestError> {
    let (token, flag) = mk_stop_token();
    let poller = Poller {
        bot,
        timeout,
        offset: 0,
        allowed: None,
        token,
        flag,
        errors: 0,
        pause: None,
        taken: VecDeque::new(),
        over: false,
    };
    StatefulListener::new_with_hints(
        poller,
        updates,
        |p: &mut Poller| p.token.clone(),
        Some(
            |p: &mut Poller, hint: &mut dyn Iterator<Item = AllowedUpdate>| {
                p.allowed = Some(hint.collect());
            },
        ),
    )
}

fn updates(p: &mut Poller) -> impl Stream<Item = Result<Update, RequestError>> + Send + '_ {
    futures::stream::unfold(p, |p| async move {
        let item = p.next().await?;
        Some((item, p))
    })
}

impl Poller {
    /// The next update or error; `None` once stopped.
    async fn next(&mut self) -> Option<Result<Update, RequestError>> {
        loop {
            if let Some(update) = self.taken.pop_front() {
                metrics::global().update_handled();
                return Some(Ok(update));
            }
            if self.over {
                return None;
            }
            if self.flag.is_stopped() {
                self.over = true;
                self.confirm().await;
                return None;
            }
            if let Some(pause) = self.pause.take() {
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = self.flag.clone() => {}
                }
                continue;
            }
            let mut request = self
                .bot
                .get_updates()
                .offset(self.offset)
                .timeout(self.timeout.as_secs() as u32);
            if let Some(allowed) = self.allowed.take() {
                request = request.allowed_updates(allowed);
            }
            let answer = tokio::select! {
                answer = request.send() => answer,
                // Stopping: the request in flight is dropped.
                () = self.flag.clone() => continue,
            };
            match answer {
                Ok(updates) => {
                    metrics::global().polled();
                    self.errors = 0;
                    if let Some(last) = updates.last() {
                        self.offset = last.id.as_offset();
                    }
                    self.taken.extend(updates);
                }
                Err(e) => {
                    self.pause = Some(match &e {
                        RequestError::RetryAfter(wait) => wait.duration(),
                        _ => backoff(self.errors),
                    });
                    self.errors = self.errors.saturating_add(1);
                    return Some(Err(e));
                }
            }
        }
    }

    /// Tells Telegram that the updates taken so far are done with.
    async fn confirm(&self) {
        let confirmed = self
            .bot
            .get_updates()
            .offset(self.offset)
            .limit(1)
            .timeout(0)
            .send()
            .await;
        if confirmed.is_ok() {
            metrics::global().polled();
        }
    }
}

/// 1 s, 2 s, 4 s … up to [`MAX_BACKOFF`].
fn backoff(errors: u32) -> Duration {
    Duration::from_secs(1u64 << errors.min(5)).min(MAX_BACKOFF)
}
