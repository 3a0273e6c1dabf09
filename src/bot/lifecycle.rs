//! The bot's own membership: greeted when added to a group, subscription stopped when
//! removed (or blocked in a private chat), moved when a group becomes a supergroup.

use std::convert::Infallible;
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::ChatMemberUpdated;

use super::{App, outbox, subscriptions, with_store};
use crate::replies;

/// The endpoint for `my_chat_member` updates.
pub async fn on_my_chat_member(
    bot: Bot,
    update: ChatMemberUpdated,
    app: Arc<App>,
) -> Result<(), Infallible> {
    let chat = &update.chat;
    let chat_id = chat.id.0;
    let was_in = update.old_chat_member.kind.is_present();
    let new = &update.new_chat_member.kind;
    if new.is_present() && !was_in && (chat.is_group() || chat.is_supergroup()) {
        tracing::info!(chat_id, "added to a group");
        let inactive = with_store(&app, move |app| {
            Ok(app.store.subscription(chat_id)?.is_some_and(|s| !s.active))
        })
        .await
        .unwrap_or_else(|e| {
            tracing::error!(chat_id, error = %e, "cannot read the subscription");
            false
        });
        outbox::send(
            &bot,
            &app.config.token,
            chat.id,
            None,
            replies::greeting(inactive),
        )
        .await;
    } else if new.is_left() || new.is_banned() {
        let reason = if chat.is_private() {
            replies::REASON_BLOCKED
        } else {
            replies::REASON_REMOVED
        };
        match with_store(&app, move |app| {
            subscriptions::deactivate(app, chat_id, reason)
        })
        .await
        {
            Ok(true) => tracing::info!(chat_id, reason, "subscription deactivated"),
            Ok(false) => tracing::info!(
                chat_id,
                "removed from a chat without an active subscription"
            ),
            Err(e) => tracing::error!(chat_id, error = %e, "cannot deactivate the subscription"),
        }
    }
    Ok(())
}

/// A group became supergroup `to`: its subscription moves there. Both service messages
/// (`migrate_to_chat_id` in the old chat, `migrate_from_chat_id` in the new) call this; the
/// second finds nothing left to move.
pub async fn migrated(app: &Arc<App>, from: i64, to: i64) {
    match with_store(app, move |app| subscriptions::migrate(app, from, to)).await {
        Ok(true) => tracing::info!(from, to, "group upgraded: subscription moved"),
        Ok(false) => {}
        Err(e) => tracing::error!(from, to, error = %e, "cannot move the subscription"),
    }
}
