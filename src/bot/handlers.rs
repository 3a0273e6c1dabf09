//! Incoming messages: a command is parsed, checked against who sent it where, carried out,
//! and answered; a group's upgrade to a supergroup moves its subscription.

use std::convert::Infallible;
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{Chat, Me};

use super::overrides;
use super::robots;
use super::subscriptions::{self, ChatInfo};
use super::{
    App, backup, console, library, lifecycle, notice, orglife, outbox, reading, records, taps,
    tasks, upload, with_store,
};
use crate::access::{self, Access, Asker, Refusal, Role};
use crate::command::{Audience, Command, CommandError, CommandName, ItemText, Problem};
use crate::replies;

/// The endpoint for every `message` update.
pub async fn on_message(bot: Bot, msg: Message, me: Me, app: Arc<App>) -> Result<(), Infallible> {
    if let Some(to) = msg.migrate_to_chat_id() {
        lifecycle::migrated(&app, msg.chat.id.0, to.0).await;
        return Ok(());
    }
    if let Some(from) = msg.migrate_from_chat_id() {
        lifecycle::migrated(&app, from.0, msg.chat.id.0).await;
        return Ok(());
    }
    note_member(&app, &msg).await;
    // Someone joined or left: the group's size changed (for the 记实 reports).
    let group = msg.chat.is_group() || msg.chat.is_supergroup();
    if group && (msg.new_chat_members().is_some() || msg.left_chat_member().is_some()) {
        records::headcounts(&bot, &app, [msg.chat.id.0]).await;
    }
    if let Some(user) = msg
        .from
        .as_ref()
        .filter(|u| msg.chat.is_private() && !u.is_bot)
    {
        orglife::note_private_chat(&app, user.id).await;
        // A bot admin the bot could not write to before gets what they missed, before the
        // answer to what they wrote.
        app.engine.admin_reachable(user.id.0 as i64).await;
    }
    if let Some(reply) = upload::on_document(&bot, &app, &msg).await {
        answer(&bot, &app, &msg, reply).await;
        return Ok(());
    }
    let Some(text) = msg.text() else {
        return Ok(());
    };
    if !text.starts_with('/')
        && !msg.chat.is_private()
        && let Some(reply) = tasks::reply_to_prompt(&bot, &app, &msg, &me).await
    {
        answer(&bot, &app, &msg, reply).await;
        return Ok(());
    }
    let username = me.user.username.as_deref().unwrap_or_default();
    // Ours, with good or bad arguments; anything else ends here.
    let parsed = match Command::parse(text, username) {
        Ok(None) => return Ok(()),
        Ok(Some(command)) => Ok(command),
        Err(CommandError::Invalid { command, problem }) => Err((command, problem)),
        Err(CommandError::Unknown { name, addressed }) => {
            // In a group an unaddressed `/word` may be meant for another bot.
            if msg.chat.is_private() || addressed {
                answer(&bot, &app, &msg, replies::unknown_command(&name)).await;
            }
            return Ok(());
        }
    };
    let name = match &parsed {
        Ok(command) => command.name(),
        Err((name, _)) => *name,
    };
    tracing::info!(chat_id = msg.chat.id.0, command = name.as_str(), "command");
    // Who may run it comes first: a refused command gets no comment on its arguments.
    let reply = match authorize(&bot, &app, &msg, name.audience()).await {
        Err(why) => replies::refused(why),
        Ok(role) => match parsed {
            Ok(command) => execute(&bot, &app, &msg, role, command).await,
            Err((_, problem)) => replies::problem(name, &problem),
        },
    };
    answer(&bot, &app, &msg, reply).await;
    Ok(())
}

/// Remembers who posts in a group: the members of the 记实 report (the Bot API cannot
/// list a group's members). Groups without a subscription are not tracked.
async fn note_member(app: &Arc<App>, msg: &Message) {
    let group = msg.chat.is_group() || msg.chat.is_supergroup();
    let Some(user) = msg
        .from
        .as_ref()
        .filter(|u| !u.is_bot && msg.sender_chat.is_none())
    else {
        return;
    };
    if !group {
        return;
    }
    let (chat_id, user_id, name) = (msg.chat.id.0, user.id.0 as i64, taps::display_name(user));
    let now = app.now();
    let noted = with_store(app, move |app| {
        if app.store.subscription(chat_id)?.is_none() {
            return Ok(());
        }
        app.store.see_member(chat_id, user_id, &name, now)
    })
    .await;
    if let Err(e) = noted {
        tracing::error!(chat_id, error = %e, "cannot note a member");
    }
}

/// Answers in the message's chat; in a group, as a reply to it. Nothing for an empty
/// answer (the command sent what it had to say itself).
async fn answer(bot: &Bot, app: &App, msg: &Message, html: String) {
    if html.is_empty() {
        return;
    }
    let reply_to = (!msg.chat.is_private()).then_some(msg.id);
    outbox::send(bot, &app.config.token, msg.chat.id, reply_to, html).await;
}

/// What the bot knows of the sender without asking Telegram.
fn sender(app: &App, msg: &Message) -> Asker {
    let as_chat = msg.sender_chat.as_ref();
    let user = msg.from.as_ref().filter(|_| as_chat.is_none());
    Asker {
        private: msg.chat.is_private(),
        bot_admin: user.is_some_and(|u| app.config.is_admin(u.id.0 as i64)),
        anonymous_admin: as_chat.is_some_and(|c| c.id == msg.chat.id),
        as_other_chat: as_chat.is_some_and(|c| c.id != msg.chat.id) || msg.from.is_none(),
    }
}

/// Whether the sender may run a command of `audience` here; asks Telegram when the rules
/// depend on the sender's status in the group. `Ok` carries the sender's role as far as it
/// is known (a group member asking `/help` may still be an admin).
pub(super) async fn authorize(
    bot: &Bot,
    app: &App,
    msg: &Message,
    audience: Audience,
) -> Result<Role, Refusal> {
    let sender = sender(app, msg);
    let known = if sender.bot_admin {
        Role::BotAdmin
    } else if access::check(Audience::ChatAdmin, sender) == Access::Allowed {
        Role::ChatAdmin
    } else {
        Role::Member
    };
    match access::check(audience, sender) {
        Access::Allowed => Ok(known),
        Access::Refused(why) => Err(why),
        Access::IfGroupAdmin => match is_group_admin(bot, app, msg).await {
            Some(true) => Ok(Role::ChatAdmin),
            Some(false) => Err(Refusal::NotChatAdmin),
            None => Err(Refusal::Unverified),
        },
    }
}

/// Whether the sender is the group's creator or an administrator; `None` if Telegram did
/// not say.
async fn is_group_admin(bot: &Bot, app: &App, msg: &Message) -> Option<bool> {
    let user = msg.from.as_ref()?;
    match bot.get_chat_member(msg.chat.id, user.id).await {
        Ok(member) => {
            let admin = member.kind.is_privileged();
            // For the private copies of the 月末调度.
            if let Err(e) = app.store.note_admin(msg.chat.id.0, user.id.0 as i64, admin) {
                tracing::error!(chat_id = msg.chat.id.0, error = %e, "cannot note an admin");
            }
            Some(admin)
        }
        Err(e) => {
            tracing::warn!(
                chat_id = msg.chat.id.0,
                error = %crate::telegram::describe(&e, &app.config.token),
                "getChatMember failed"
            );
            None
        }
    }
}

/// Carries out an allowed command and returns the answer.
async fn execute(bot: &Bot, app: &Arc<App>, msg: &Message, role: Role, command: Command) -> String {
    let chat = chat_info(&msg.chat);
    let private = chat.is_private();
    // An anonymous admin is known only as the group.
    let by = match (&msg.from, msg.sender_chat.as_ref()) {
        (Some(user), None) => user.id.0 as i64,
        _ => chat.id,
    };
    let chat_id = chat.id;
    let done = match command {
        Command::Start | Command::Help => {
            let role = match role {
                Role::Member => help_role(bot, app, msg).await,
                r => r,
            };
            let mut out = replies::help(role, private);
            // A user's id, which the operator needs to make them a bot admin.
            if matches!(command, Command::Start) && private {
                out += &replies::your_id(by, role == Role::BotAdmin);
            }
            return out;
        }
        Command::Subscribe { time } => {
            with_store(app, move |app| {
                subscriptions::subscribe(app, &chat, by, time)
            })
            .await
        }
        Command::Unsubscribe => {
            with_store(app, move |app| subscriptions::unsubscribe(app, &chat)).await
        }
        Command::SetTime { time } => {
            with_store(app, move |app| subscriptions::set_time(app, &chat, time)).await
        }
        Command::SetDays { days } => {
            with_store(app, move |app| subscriptions::set_days(app, &chat, days)).await
        }
        Command::Status => with_store(app, move |app| subscriptions::status(app, &chat)).await,
        Command::CheckIn { on } => {
            with_store(app, move |app| records::set_checkin(app, &chat, on)).await
        }
        Command::Report { all, month } => {
            return records::report(bot, app, msg, role, all, month).await;
        }
        Command::OrgReport { month } => {
            return orglife::report(bot, app, msg, role, month).await;
        }
        Command::OrgLife { on } => return orglife::orglife(bot, app, msg, on).await,
        Command::Done(d) if !private => {
            let by = orglife::Marker::of(msg);
            with_store(app, move |app| orglife::done(app, chat_id, by, &d)).await
        }
        Command::Undone { item } if !private => {
            with_store(app, move |app| orglife::undone(app, chat_id, &item)).await
        }
        Command::Done(_) | Command::Undone { .. } => return replies::orglife::group_only(),
        Command::Task(command) => return tasks::task(bot, app, msg, command).await,
        Command::Tasks if !private => with_store(app, move |app| tasks::board(app, chat_id)).await,
        Command::Progress { number, text } if !private => {
            return tasks::progress(bot, app, msg, number, text).await;
        }
        Command::Tasks | Command::Progress { .. } => return replies::tasks::group_only(),
        Command::Export => return upload::export(bot, app, msg).await,
        Command::Backup => return backup::backup(bot, app, msg).await,
        Command::Today => with_store(app, reading::today).await,
        Command::Study => with_store(app, reading::study).await,
        Command::Add { category, text } => {
            let text = match text.map_or_else(|| replied_text(msg), Ok) {
                Ok(text) => text,
                Err(reply) => return reply,
            };
            with_store(app, move |app| library::add(app, by, category, &text)).await
        }
        Command::List { category, page } => {
            with_store(app, move |app| library::list(app, category, page)).await
        }
        Command::Edit { id, text } => {
            with_store(app, move |app| library::edit(app, by, id, &text)).await
        }
        Command::Del { id } => with_store(app, move |app| library::delete(app, id)).await,
        Command::PushNow => {
            with_store(app, |app| {
                app.engine.push_now().map(|r| replies::pushed(&r))
            })
            .await
        }
        Command::Stats => {
            with_store(app, |app| {
                app.engine
                    .stats()
                    .map(|s| replies::stats(&s, app.config.timezone))
            })
            .await
        }
        Command::Notice { text } => return notice::notice(bot, app, msg, text).await,
        Command::Override(c) => with_store(app, move |app| overrides::command(app, by, c)).await,
        Command::Robot(c) => return robots::robot(bot, app, msg, c).await,
        Command::Web => with_store(app, move |app| console::login_link(app, by)).await,
    };
    done.unwrap_or_else(|e| {
        tracing::error!(chat_id, error = %e, "a command failed");
        replies::internal_error()
    })
}

/// The role of a group member for `/help`: asks Telegram whether they are an admin.
async fn help_role(bot: &Bot, app: &App, msg: &Message) -> Role {
    match access::check(Audience::ChatAdmin, sender(app, msg)) {
        Access::IfGroupAdmin if is_group_admin(bot, app, msg).await == Some(true) => {
            Role::ChatAdmin
        }
        _ => Role::Member,
    }
}

/// `/add <类别>` as a reply: the replied message's text (or caption).
fn replied_text(msg: &Message) -> Result<ItemText, String> {
    let Some(replied) = msg.reply_to_message() else {
        return Err(replies::problem(CommandName::Add, &Problem::MissingText));
    };
    replied
        .text()
        .or_else(|| replied.caption())
        .and_then(ItemText::parse)
        .ok_or_else(replies::replied_message_has_no_text)
}

/// The chat as stored in a subscription.
pub fn chat_info(chat: &Chat) -> ChatInfo {
    let kind = if chat.is_private() {
        "private"
    } else if chat.is_group() {
        "group"
    } else if chat.is_supergroup() {
        "supergroup"
    } else {
        "channel"
    };
    let title = match chat.title() {
        Some(t) => t.to_string(),
        None => [chat.first_name(), chat.last_name()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" "),
    };
    ChatInfo {
        id: chat.id.0,
        kind,
        title,
    }
}
