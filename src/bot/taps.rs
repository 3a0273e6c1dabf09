//! Taps on the `✅ 已学习` button: recorded (durably, before the answer), answered with a
//! toast, and the button's label edited to the new count, at most once per message every
//! few seconds (see [`crate::checkin::Label`]).

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::NaiveDate;
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, MessageId, User};
use teloxide::{ApiError, RequestError};

use super::{App, with_store};
use crate::checkin::{self, EDIT_INTERVAL, Edited, Label, Step, Window};
use crate::notice;
use crate::orglife;
use crate::replies;
use crate::tasks;
use crate::telegram::{self, describe};

/// The labels whose edits are under way, by (chat, message). An entry lives while its
/// message is being tapped and for [`EDIT_INTERVAL`] after its last edit.
#[derive(Default)]
pub struct Labels {
    map: Mutex<HashMap<(i64, i32), Label>>,
}

impl Labels {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(i64, i32), Label>> {
        self.map.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A tap made `count`: returns the first step when a new editing task must start.
    pub fn tap(&self, key: (i64, i32), count: u32) -> Option<Step> {
        self.lock()
            .entry(key)
            .or_insert_with(|| Label::new(EDIT_INTERVAL))
            .tap(count, Instant::now())
    }

    /// The editing task's next step; the entry goes when it is done, under the same lock,
    /// so that a tap in between finds either a busy label or none.
    fn advance(&self, key: (i64, i32), f: impl FnOnce(&mut Label) -> Step) -> Step {
        let mut map = self.lock();
        let Some(label) = map.get_mut(&key) else {
            return Step::Done;
        };
        let step = f(label);
        if step == Step::Done {
            map.remove(&key);
        }
        step
    }
}

/// The endpoint for `callback_query` updates.
pub async fn on_callback(bot: Bot, q: CallbackQuery, app: Arc<App>) -> Result<(), Infallible> {
    let toast = tap(&bot, &app, &q).await;
    if let Err(e) = bot.answer_callback_query(q.id.clone()).text(toast).await {
        tracing::warn!(error = %describe(&e, &app.config.token), "cannot answer a tap");
    }
    Ok(())
}

/// Records a tap and returns the toast.
async fn tap(bot: &Bot, app: &Arc<App>, q: &CallbackQuery) -> String {
    if let Some((period, item)) = q.data.as_deref().and_then(orglife::parse_button) {
        return super::orglife::tap(bot, app, q, period, item).await;
    }
    if let Some((number, stage)) = q.data.as_deref().and_then(tasks::parse_button) {
        return super::tasks::tap(bot, app, q, number, stage).await;
    }
    if let Some((ok, number)) = q.data.as_deref().and_then(super::upload::parse_button) {
        return super::upload::tap(bot, app, q, ok, number).await;
    }
    if let Some((decision, id)) = q.data.as_deref().and_then(notice::parse_button) {
        return super::notice::tap(bot, app, q, decision, id.to_string()).await;
    }
    let date = q.data.as_deref().and_then(checkin::parse_callback);
    let (Some(date), Some(message)) = (date, q.message.as_ref()) else {
        return replies::tap_invalid();
    };
    let chat_id = message.chat().id.0;
    let message_id = message.id().0;
    let user_id = q.from.id.0 as i64;
    let name = display_name(&q.from);
    let today = app.today();
    let now = app.now();
    match checkin::window(date, today) {
        Window::Open => {}
        Window::Closed => {
            // Not recorded, but the member is known.
            let seen = with_store(app, move |app| {
                app.store.see_member(chat_id, user_id, &name, now)
            });
            if let Err(e) = seen.await {
                tracing::error!(chat_id, error = %e, "cannot note a member");
            }
            return replies::tap_too_late(date);
        }
        Window::Future => return replies::tap_invalid(),
    }
    let recorded = with_store(app, move |app| {
        app.store.check_in(chat_id, date, user_id, &name, now)
    })
    .await;
    match recorded {
        Ok(tap) if tap.recorded => {
            tracing::info!(chat_id, %date, user_id, count = tap.count, "checked in");
            crate::metrics::global().checked_in();
            let key = (chat_id, message_id);
            if let Some(step) = app.labels.tap(key, tap.count) {
                tokio::spawn(edit_label(bot.clone(), app.clone(), key, date, step));
            }
            replies::tap_recorded(date, date == today)
        }
        Ok(_) => replies::tap_repeated(date, date == today),
        Err(e) => {
            tracing::error!(chat_id, %date, user_id, error = %e, "cannot record a check-in");
            replies::tap_failed()
        }
    }
}

/// The task that brings one message's label up to date.
async fn edit_label(bot: Bot, app: Arc<App>, key: (i64, i32), date: NaiveDate, step: Step) {
    coalesce(&app.labels, key, step, |count| {
        edit(&bot, &app, key, date, count)
    })
    .await;
}

/// Runs the edits of one message as [`Label`] steps them: at most one every few seconds,
/// ending on the last state asked for. `edit(n)` shows state `n` and says how it went.
pub async fn coalesce<F, Fut>(labels: &Labels, key: (i64, i32), mut step: Step, edit: F)
where
    F: Fn(u32) -> Fut,
    Fut: std::future::Future<Output = Edited>,
{
    loop {
        step = match step {
            Step::Edit(count) => {
                let outcome = edit(count).await;
                labels.advance(key, |label| label.edited(outcome, Instant::now()))
            }
            Step::Sleep(until) => {
                tokio::time::sleep_until(until.into()).await;
                labels.advance(key, |label| label.wake(Instant::now()))
            }
            Step::Done => return,
        };
    }
}

async fn edit(bot: &Bot, app: &App, key: (i64, i32), date: NaiveDate, count: u32) -> Edited {
    let (chat_id, message_id) = key;
    let edited = bot
        .edit_message_reply_markup(ChatId(chat_id), MessageId(message_id))
        .reply_markup(telegram::keyboard(&checkin::keyboard(date, count)))
        .await;
    match edited {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Edited::Shown(count),
        Err(RequestError::RetryAfter(s)) => Edited::RetryAfter(s.duration()),
        Err(e) => {
            let text = describe(&e, &app.config.token);
            if text.contains("message is not modified") {
                return Edited::Shown(count);
            }
            tracing::warn!(chat_id, message_id, error = %text, "cannot edit the check-in button");
            Edited::Failed
        }
    }
}

/// A user's name as the group sees it: full name, else username, else the id.
pub fn display_name(user: &User) -> String {
    let full = user.full_name();
    let full = full.trim();
    if !full.is_empty() {
        full.to_string()
    } else if let Some(username) = &user.username {
        format!("@{username}")
    } else {
        user.id.0.to_string()
    }
}
