//! The bot's own membership: greeted when added to a group (told how privacy mode limits
//! what it sees there), subscription stopped when removed (or blocked in a private chat),
//! moved when a group becomes a supergroup.

use std::convert::Infallible;
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{ChatMemberUpdated, Me};

use super::{App, outbox, records, subscriptions, with_store};
use crate::replies;

/// The endpoint for `my_chat_member` updates.
pub async fn on_my_chat_member(
    bot: Bot,
    update: ChatMemberUpdated,
    me: Me,
    app: Arc<App>,
) -> Result<(), Infallible> {
    let chat = &update.chat;
    let chat_id = chat.id.0;
    let was_in = update.old_chat_member.kind.is_present();
    let new = &update.new_chat_member.kind;
    if new.is_present() && !was_in && (chat.is_group() || chat.is_supergroup()) {
        // In privacy mode a group's ordinary messages do not reach the bot, unless it is an
        // admin there: then the group is told what that means and how to change it. The
        // setting is asked afresh: the operator may have changed it since the start.
        let blind = !new.is_privileged() && !reads_all_messages(&bot, &app, me).await;
        tracing::info!(chat_id, privacy_mode = blind, "added to a group");
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
            replies::greeting(inactive, blind),
        )
        .await;
        records::headcounts(&bot, &app, [chat_id]).await;
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

/// Whether privacy mode is off (`getMe`), or as it was at the start if Telegram does not
/// answer now.
async fn reads_all_messages(bot: &Bot, app: &App, at_start: Me) -> bool {
    match bot.get_me().await {
        Ok(me) => me.can_read_all_group_messages,
        Err(e) => {
            let error = crate::telegram::describe(&e, &app.config.token);
            tracing::warn!(%error, "getMe failed; privacy mode as at the start");
            at_start.can_read_all_group_messages
        }
    }
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
