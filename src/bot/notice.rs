//! `/notice`: a bot admin's 【通知】, shown privately as it will be sent with the number of
//! active subscriptions and `发送` / `取消`; the taps on those buttons. Sending is the
//! engine's ([`crate::deliver::Engine::send_notice`]).

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ParseMode};

use super::{App, outbox, with_store};
use crate::notice::{self, Decision, Notice};
use crate::replies::{self, notice as texts};
use crate::telegram::{self, describe};

/// `/notice [文本]` (or as a reply): stores the draft and shows it with its buttons; the
/// preview is the answer.
pub async fn notice(bot: &Bot, app: &Arc<App>, msg: &Message, text: Option<String>) -> String {
    let text = match text {
        Some(text) => text,
        None => match msg.reply_to_message() {
            Some(replied) => match replied.text().or_else(|| replied.caption()) {
                Some(text) => text.to_string(),
                None => return texts::replied_message_has_no_text(),
            },
            None => return texts::usage(),
        },
    };
    let Some(author) = msg.from.as_ref().map(|u| u.id.0 as i64) else {
        return replies::internal_error();
    };
    let draft = match Notice::draft(&text, author, app.now()) {
        Ok(draft) => draft,
        Err(problem) => return texts::text_problem(problem),
    };
    let stored = with_store(app, move |app| {
        let count = app.engine.audience()?;
        if count == 0 {
            return Ok(None);
        }
        Ok(Some((app.store.add_notice(draft)?, count)))
    })
    .await;
    let (draft, count) = match stored {
        Ok(Some(stored)) => stored,
        Ok(None) => return texts::nobody(),
        Err(e) => {
            tracing::error!(error = %e, "cannot store a notice");
            return replies::internal_error();
        }
    };
    tracing::info!(notice = %draft.id, author, count, "notice drafted");
    let preview = texts::preview(&draft.text, count);
    let keyboard = Some(telegram::keyboard(&notice::buttons(&draft.id)));
    let sent = outbox::try_send_with(bot, msg.chat.id, preview, keyboard).await;
    match sent {
        Ok(_) => String::new(),
        Err(e) => {
            tracing::warn!(error = %describe(&e, &app.config.token), "cannot show a notice");
            replies::internal_error()
        }
    }
}

/// A tap on `发送` or `取消`: only the author, once, within ten minutes. Returns the toast.
pub async fn tap(
    bot: &Bot,
    app: &Arc<App>,
    q: &CallbackQuery,
    decision: Decision,
    id: String,
) -> String {
    let (by, now) = (q.from.id.0 as i64, app.now());
    let decide = move |n: &mut Notice| n.decide(decision, by, now);
    let decided = with_store(app, move |app| match decision {
        Decision::Send => app.engine.send_notice(&id, decide),
        Decision::Cancel => Ok(app.store.decide_notice(&id, decide, None)?.map(|n| (n, 0))),
    })
    .await;
    let (notice, count) = match decided {
        Ok(Ok(decided)) => decided,
        Ok(Err(why)) => {
            if why == notice::Refused::Expired {
                remove_buttons(bot, app, q).await;
            }
            return texts::tap_refused(why);
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot decide on a notice");
            return replies::tap_failed();
        }
    };
    let (html, toast) = match decision {
        Decision::Send => (
            texts::sending(&notice.text, count),
            texts::tap_sending(count),
        ),
        Decision::Cancel => (texts::cancelled(&notice.text), texts::tap_cancelled()),
    };
    tracing::info!(notice = %notice.id, by, ?decision, count, "notice decided");
    // The buttons go with the edit (a message edited without a keyboard has none).
    if let Some(message) = q.regular_message() {
        let edited = bot
            .edit_message_text(message.chat.id, message.id, html)
            .parse_mode(ParseMode::Html)
            .await;
        if let Err(e) = edited {
            tracing::warn!(error = %describe(&e, &app.config.token), "cannot edit a notice's preview");
        }
    }
    toast
}

/// Takes the buttons off an expired draft's preview.
async fn remove_buttons(bot: &Bot, app: &App, q: &CallbackQuery) {
    let Some(message) = q.regular_message() else {
        return;
    };
    if let Err(e) = bot
        .edit_message_reply_markup(message.chat.id, message.id)
        .await
    {
        tracing::warn!(error = %describe(&e, &app.config.token), "cannot take the buttons off a notice");
    }
}
