//! `/backup`: the whole database, as `mingjing export` writes it, sent to the bot admin
//! who asked, privately, as a file.

use std::sync::Arc;

use teloxide::prelude::*;

use super::{App, outbox, with_store};
use crate::replies::{self, backup as texts};
use crate::telegram::describe;

/// The largest file a bot may send (Telegram's limit for `sendDocument`).
const MAX_BYTES: usize = 50 * 1024 * 1024;

/// `/backup` (a bot admin, in private: [`crate::access`] has checked). Returns the answer
/// (empty when the file went).
pub async fn backup(bot: &Bot, app: &Arc<App>, msg: &Message) -> String {
    let made = with_store(app, |app| {
        let doc = app.store.export()?;
        Ok((doc.items.len(), doc.subscriptions.len(), doc.to_toml()))
    })
    .await;
    let (items, subscriptions, text) = match made {
        Ok((items, subs, Ok(text))) => (items, subs, text),
        Ok((_, _, Err(e))) => {
            tracing::error!(error = %e, "cannot write the backup");
            return replies::internal_error();
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the database for a backup");
            return replies::internal_error();
        }
    };
    if text.len() > MAX_BYTES {
        return texts::too_large(text.len());
    }
    let name = texts::file_name(app.today());
    let caption = texts::caption(items, subscriptions);
    let bytes = text.into_bytes();
    let size = bytes.len();
    match outbox::try_send_file(bot, msg.chat.id, name, bytes, caption).await {
        Ok(()) => {
            tracing::info!(chat_id = msg.chat.id.0, bytes = size, "backup sent");
            String::new()
        }
        Err(e) => {
            tracing::warn!(error = %describe(&e, &app.config.token), "cannot send the backup");
            replies::internal_error()
        }
    }
}
