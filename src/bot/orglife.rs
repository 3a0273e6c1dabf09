//! Organisational life in the chat: `/orglife`, `/done`, `/undone`, `/report orglife`, and
//! taps on the item buttons under a 月初提醒 or 月末调度.

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, MessageId, ParseMode, UserId};

use super::handlers::{authorize, chat_info};
use super::{App, outbox, records, taps, with_store};
use crate::access::{Refusal, Role};
use crate::command::Audience;
use crate::deliver::port::SendError;
use crate::orglife::marking::{self, Done};
use crate::orglife::{self, Mark, Period};
use crate::replies::{self, orglife as texts};
use crate::report::Month;
use crate::schedule;
use crate::store;
use crate::telegram::{self, classify, describe};

impl App {
    /// Whether `period`'s 记实通报 has not been composed yet: marks of that period are
    /// still taken (a meeting on the 31st recorded on the 1st before 08:00).
    fn still_open(&self, period: Period) -> bool {
        let day = orglife::summary_day(&self.calendar, period.closing_month());
        self.now() < schedule::due_instant(day, self.config.daily_at, self.config.timezone)
    }
}

/// `/orglife [on|off]` in a group.
pub async fn orglife(bot: &Bot, app: &Arc<App>, msg: &Message, on: Option<bool>) -> String {
    let chat = chat_info(&msg.chat);
    if chat.is_private() {
        return texts::group_only();
    }
    if !app.config.orglife.enabled {
        return texts::orglife_disabled();
    }
    if on.is_some()
        && let Err(why) = authorize(bot, app, msg, Audience::ChatAdmin).await
    {
        return replies::refused(why);
    }
    let chat_id = chat.id;
    let today = app.today();
    let switched = with_store(app, move |app| {
        let Some(sub) = app.store.subscription(chat_id)?.filter(|s| s.active) else {
            return Ok(None);
        };
        let sub = match on {
            None => sub,
            Some(on) => {
                let since = on.then(|| sub.orglife.unwrap_or(today));
                let changed = app
                    .store
                    .update_subscription(chat_id, |s| s.orglife = since)?;
                app.changed.notify_one();
                tracing::info!(chat_id, on, "organisational life switched");
                changed.unwrap_or(sub)
            }
        };
        let marks = app.store.marks_of(chat_id)?;
        Ok(Some((sub.orglife.is_some(), marks)))
    })
    .await;
    let (is_on, marks) = match switched {
        Ok(Some(state)) => state,
        Ok(None) => return texts::orglife_needs_subscription(false),
        Err(e) => return failed(e),
    };
    if on == Some(true) {
        remember_admins(bot, app, chat_id).await;
    }
    let month = Month::of(today);
    let lines = orglife::checklist(&app.config.orglife.items, &marks, month);
    match (on, is_on) {
        (Some(true), _) => texts::orglife_on(false, month, &lines),
        (Some(false), _) => texts::orglife_off(false),
        (None, true) => texts::checklist(month, &lines),
        (None, false) => texts::orglife_not_on(false),
    }
}

/// Reads the group's admins from Telegram, for the private copies of the 月末调度.
async fn remember_admins(bot: &Bot, app: &Arc<App>, chat_id: i64) {
    match bot.get_chat_administrators(ChatId(chat_id)).await {
        Ok(admins) => {
            let users: Vec<i64> = admins
                .iter()
                .filter(|m| !m.user.is_bot)
                .map(|m| m.user.id.0 as i64)
                .collect();
            let saved = with_store(app, move |app| app.store.set_admins(chat_id, &users));
            if let Err(e) = saved.await {
                tracing::error!(chat_id, error = %e, "cannot store the group's admins");
            }
        }
        Err(e) => tracing::warn!(
            chat_id,
            error = %describe(&e, &app.config.token),
            "getChatAdministrators failed"
        ),
    }
}

/// Who marks: the user (or the group, for an anonymous admin) and the name to record.
pub struct Marker {
    pub id: i64,
    pub name: String,
}

impl Marker {
    pub fn of(msg: &Message) -> Marker {
        match (&msg.from, &msg.sender_chat) {
            (Some(user), None) => Marker {
                id: user.id.0 as i64,
                name: taps::display_name(user),
            },
            _ => Marker {
                id: msg.chat.id.0,
                name: msg.chat.title().unwrap_or("匿名管理员").to_string(),
            },
        }
    }
}

/// The checklist item `name` means, in a group that takes the reminders; otherwise the
/// answer saying why not.
fn item_named<'a>(
    app: &'a App,
    chat_id: i64,
    name: &str,
) -> store::Result<Result<&'a orglife::Item, String>> {
    let sub = app.store.subscription(chat_id)?;
    if sub.and_then(|s| s.orglife).is_none() {
        return Ok(Err(texts::orglife_not_on(false)));
    }
    let items = &app.config.orglife.items;
    Ok(marking::find(items, name).map_err(|e| texts::find_error(&e, items)))
}

/// `/done <项目> [日期] [主题]` in a group that takes the reminders.
pub fn done(app: &App, chat_id: i64, by: Marker, d: &Done) -> store::Result<String> {
    let item = match item_named(app, chat_id, &d.item)? {
        Ok(item) => item,
        Err(answer) => return Ok(answer),
    };
    let today = app.today();
    let date = match d.day.as_deref() {
        None => None,
        Some(s) => match marking::parse_day(s, today) {
            Some(date) => Some(date),
            None => return Ok(texts::bad_day(s)),
        },
    };
    let period =
        match marking::period_for(item, date.unwrap_or(today), today, |p| app.still_open(p)) {
            Ok(period) => period,
            Err(e) => return Ok(texts::date_error(&e, &item.name)),
        };
    // A topic added later keeps the day recorded before, unless a day is given.
    let old = app
        .store
        .marks_of(chat_id)?
        .into_iter()
        .find(|m| m.item == item.name && m.period == period);
    let mark = Mark {
        chat_id,
        item: item.name.clone(),
        period,
        date: date.or(old.as_ref().map(|m| m.date)).unwrap_or(today),
        topic: d.topic.clone().or(old.and_then(|m| m.topic)),
        by: by.id,
        by_name: by.name,
        at: app.now(),
    };
    app.store.put_mark(&mark)?;
    tracing::info!(chat_id, item = %mark.item, period = %period, "organisational life marked");
    Ok(texts::marked(&mark.item, mark.date, mark.topic.as_deref()))
}

/// `/undone <项目>`: clears the item's mark of its current period.
pub fn undone(app: &App, chat_id: i64, name: &str) -> store::Result<String> {
    let item = match item_named(app, chat_id, name)? {
        Ok(item) => item,
        Err(answer) => return Ok(answer),
    };
    let period = Period::of(item.every, app.today());
    Ok(match app.store.remove_mark(chat_id, period, &item.name)? {
        Some(_) => {
            tracing::info!(chat_id, item = %item.name, %period, "organisational life unmarked");
            texts::unmarked(&item.name, period)
        }
        None => texts::not_marked(&item.name, period),
    })
}

/// `/report orglife [YYYY-MM]`: a bot admin in private gets every group; a chat admin in
/// a group gets the group's, privately. Returns the answer for the chat asked in.
pub async fn report(
    bot: &Bot,
    app: &Arc<App>,
    msg: &Message,
    role: Role,
    month: Option<Month>,
) -> String {
    let month = month.unwrap_or_else(|| Month::of(app.today()));
    let private = msg.chat.is_private();
    if private && role != Role::BotAdmin {
        return texts::summary_private_only();
    }
    let group = (!private).then_some(msg.chat.id.0);
    let Some(user) = msg.from.as_ref().filter(|_| msg.sender_chat.is_none()) else {
        return replies::report_anonymous();
    };
    let groups = with_store(app, move |app| app.store.summary_groups(month, group)).await;
    let groups = match groups {
        Ok(groups) => groups.into_iter().map(|s| s.chat_id).collect::<Vec<_>>(),
        Err(e) => return failed(e),
    };
    let counts = records::headcounts(bot, app, groups).await;
    let summary = with_store(app, move |app| {
        let c = &app.config;
        let headcount = |id| Ok(counts.get(&id).copied());
        app.store
            .month_summary(&c.orglife.items, month, group, c.timezone, &headcount)
    })
    .await;
    let summary = match summary {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let caption = texts::summary(&summary);
    let file = match orglife::summary::workbook(&summary) {
        Ok(bytes) => Some((texts::summary_file_name(month), bytes)),
        Err(e) => {
            tracing::error!(error = %e, "cannot write the 通报 workbook");
            None
        }
    };
    let to = ChatId(user.id.0 as i64);
    let sent = async {
        outbox::try_send(bot, to, None, caption).await?;
        if let Some((name, bytes)) = file {
            let title = name.trim_end_matches(".xlsx").to_string();
            outbox::try_send_file(bot, to, name, bytes, title).await?;
        }
        Ok::<(), teloxide::RequestError>(())
    };
    match sent.await {
        Ok(()) if private => String::new(),
        Ok(()) => texts::summary_sent_privately(),
        Err(e) => match classify(&e, &app.config.token) {
            SendError::Gone(_) if !private => {
                let me = bot.get_me().await.ok();
                let username = me.as_ref().and_then(|m| m.user.username.as_deref());
                replies::report_start_private_chat(username.unwrap_or_default())
            }
            other => {
                tracing::warn!(error = %other, "cannot send the 通报");
                replies::internal_error()
            }
        },
    }
}

/// A tap on an item button: a chat admin's marks the item for the button's period, dated
/// today (or the period's last day, when recorded on the 1st for the month before), and
/// the message is redrawn; anyone else's changes nothing. Returns the toast.
pub async fn tap(
    bot: &Bot,
    app: &Arc<App>,
    q: &CallbackQuery,
    period: Period,
    name: &str,
) -> String {
    let Some(message) = q.regular_message() else {
        return replies::tap_invalid();
    };
    let chat_id = message.chat.id.0;
    let items = &app.config.orglife.items;
    let Some(item) = items
        .iter()
        .find(|i| i.name == name && i.every == period.every())
    else {
        return replies::tap_invalid();
    };
    let admin = match bot.get_chat_member(message.chat.id, q.from.id).await {
        Ok(member) => member.kind.is_privileged(),
        Err(e) => {
            tracing::warn!(chat_id, error = %describe(&e, &app.config.token), "getChatMember failed");
            return replies::refused(Refusal::Unverified);
        }
    };
    let user_id = q.from.id.0 as i64;
    let _ = with_store(app, move |app| {
        app.store.note_admin(chat_id, user_id, admin)
    })
    .await;
    if !admin {
        return texts::tap_not_admin();
    }
    let today = app.today();
    let current = Period::of(item.every, today);
    let open = period == current || (period == current.prev() && app.still_open(period));
    if !open {
        return texts::tap_closed();
    }
    let date = today.min(period.last());
    let mark = Mark {
        chat_id,
        item: item.name.clone(),
        period,
        date,
        topic: None,
        by: user_id,
        by_name: taps::display_name(&q.from),
        at: app.now(),
    };
    let name = item.name.clone();
    let recorded = with_store(app, move |app| {
        let marks = app.store.marks_of(chat_id)?;
        if marks
            .iter()
            .any(|m| m.item == mark.item && m.period == mark.period)
        {
            return Ok(None);
        }
        app.store.put_mark(&mark)?;
        let mut marks = marks;
        marks.push(mark);
        Ok(Some(marks))
    })
    .await;
    let marks = match recorded {
        Ok(Some(marks)) => marks,
        Ok(None) => return texts::tap_already(&name),
        Err(e) => {
            tracing::error!(chat_id, error = %e, "cannot record a mark");
            return replies::tap_failed();
        }
    };
    tracing::info!(chat_id, item = %name, %period, "organisational life marked by button");
    redraw(bot, app, message, &marks).await;
    texts::tap_marked(&name)
}

/// Redraws a 月初提醒 or 月末调度 with the marks as they are now.
async fn redraw(bot: &Bot, app: &App, message: &Message, marks: &[Mark]) {
    let text = message.text().unwrap_or_default();
    let Some(month) = orglife::month_in(text) else {
        return;
    };
    let items = &app.config.orglife.items;
    let (html, lines) = if text.contains("【月末调度】") {
        let lines = orglife::month_end(items, marks, month);
        (texts::month_end(month, &lines), lines)
    } else {
        // The 月初提醒 keeps every line it listed, now with the new mark.
        let lines: Vec<_> = orglife::checklist(items, marks, month)
            .into_iter()
            .filter(|l| {
                l.item.every == orglife::Every::Month
                    || !l.is_done()
                    || l.mark.is_some_and(|m| m.date >= month.first())
            })
            .collect();
        (texts::month_start(month, &lines), lines)
    };
    let edited = bot
        .edit_message_text(message.chat.id, MessageId(message.id.0), html)
        .parse_mode(ParseMode::Html)
        .reply_markup(telegram::keyboard(&orglife::buttons(&lines)))
        .await;
    if let Err(e) = edited {
        let text = describe(&e, &app.config.token);
        if !text.contains("message is not modified") {
            tracing::warn!(chat_id = message.chat.id.0, error = %text, "cannot redraw the reminder");
        }
    }
}

/// Notes that a user has a private chat with the bot (they wrote to it there).
pub async fn note_private_chat(app: &Arc<App>, user: UserId) {
    let user_id = user.0 as i64;
    if let Err(e) = with_store(app, move |app| app.store.note_private_chat(user_id)).await {
        tracing::error!(user_id, error = %e, "cannot note a private chat");
    }
}

fn failed(e: anyhow::Error) -> String {
    tracing::error!(error = %e, "an organisational-life command failed");
    replies::internal_error()
}
