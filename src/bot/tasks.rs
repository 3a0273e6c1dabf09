//! 督办 in the chat: `/task`, `/tasks`, `/progress`, progress texts sent as replies to the
//! bot's prompt, taps on a card's buttons, and keeping the card up to date (coalesced like
//! the check-in label).

use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, Me, MessageId, ParseMode};
use teloxide::{ApiError, RequestError};

use super::handlers::{authorize, chat_info};
use super::orglife::Marker;
use super::taps::{self, coalesce};
use super::{App, outbox, with_store};
use crate::checkin::Edited;
use crate::command::Audience;
use crate::replies::{self, tasks as texts};
use crate::tasks::{Milestones, Report, Stage, Task, TaskCommand};
use crate::telegram::{self, describe};

/// `/task …` in a group.
pub async fn task(bot: &Bot, app: &Arc<App>, msg: &Message, command: TaskCommand) -> String {
    let chat = chat_info(&msg.chat);
    if chat.is_private() {
        return texts::group_only();
    }
    if !app.config.tasks.enabled {
        return texts::disabled();
    }
    let chat_id = chat.id;
    let today = app.today();
    let tz = app.config.timezone;
    match command {
        TaskCommand::Show(n) => {
            let found = with_store(app, move |app| app.store.task(chat_id, n)).await;
            match found {
                Ok(Some(task)) => texts::history(&task, today, tz),
                Ok(None) => texts::no_such_task(n),
                Err(e) => failed(e),
            }
        }
        TaskCommand::Create { major, title } => {
            if let Err(why) = authorize(bot, app, msg, Audience::ChatAdmin).await {
                return replies::refused(why);
            }
            create(bot, app, msg, major, title).await
        }
        TaskCommand::Cancel(n) => {
            if let Err(why) = authorize(bot, app, msg, Audience::ChatAdmin).await {
                return replies::refused(why);
            }
            let by = Marker::of(msg);
            let now = app.now();
            let changed = with_store(app, move |app| {
                let mut was_open = false;
                let task = app.store.update_task(chat_id, n, |t| {
                    was_open = t.is_open();
                    if was_open {
                        t.cancelled = Some(Report {
                            stage: Stage::Result,
                            by: by.id,
                            by_name: by.name.clone(),
                            at: now,
                            text: None,
                        });
                    }
                })?;
                Ok(task.map(|t| (t, was_open)))
            })
            .await;
            match changed {
                Ok(Some((task, true))) => {
                    tracing::info!(chat_id, number = n, "task cancelled");
                    refresh_card(bot, app, &task);
                    texts::cancelled(&task)
                }
                Ok(Some((task, false))) => texts::already_closed(&task),
                Ok(None) => texts::no_such_task(n),
                Err(e) => failed(e),
            }
        }
    }
}

/// Creates a task and posts its card; the card is the answer.
async fn create(bot: &Bot, app: &Arc<App>, msg: &Message, major: bool, title: String) -> String {
    let chat_id = msg.chat.id.0;
    let by = Marker::of(msg);
    let (today, now) = (app.today(), app.now());
    let created = with_store(app, move |app| {
        let subscribed = app.store.subscription(chat_id)?.is_some_and(|s| s.active);
        if !subscribed {
            return Ok(None);
        }
        let due = Milestones::of(today, major, app.config.tasks.count, &app.calendar);
        let task = app.store.create_task(chat_id, |number| Task {
            chat_id,
            number,
            title,
            major,
            day0: today,
            due,
            created_by: by.id,
            created_by_name: by.name,
            created_at: now,
            reports: Vec::new(),
            cancelled: None,
            card: None,
        })?;
        // The group is looked at for milestones from now on.
        let flagged = app.store.update_subscription(chat_id, |s| s.tasks = true)?;
        if flagged.is_some() {
            app.changed.notify_one();
        }
        Ok(Some(task))
    })
    .await;
    let task = match created {
        Ok(Some(task)) => task,
        Ok(None) => return texts::needs_subscription(),
        Err(e) => return failed(e),
    };
    tracing::info!(chat_id, number = task.number, "task created");
    let html = texts::card(&task, today, app.config.timezone);
    let keyboard = Some(telegram::keyboard(&crate::tasks::buttons(&task)));
    let sent = outbox::try_send_with(bot, msg.chat.id, html, keyboard).await;
    match sent {
        Ok(card) => {
            let (number, id) = (task.number, i64::from(card.id.0));
            let saved = with_store(app, move |app| {
                app.store
                    .update_task(chat_id, number, |t| t.card = Some(id))
            });
            if let Err(e) = saved.await {
                tracing::error!(chat_id, number, error = %e, "cannot note the task card");
            }
            String::new()
        }
        Err(e) => {
            tracing::warn!(chat_id, error = %describe(&e, &app.config.token), "cannot post a task card");
            replies::internal_error()
        }
    }
}

/// `/tasks`: the group's open tasks, 逾期 first.
pub fn board(app: &App, chat_id: i64) -> crate::store::Result<String> {
    let tasks = app.store.tasks_of(chat_id)?;
    let today = app.today();
    Ok(texts::board(&crate::tasks::board(&tasks, today), today))
}

/// Records a progress text (from `/progress` or a reply to the prompt) and updates the card.
pub async fn progress(
    bot: &Bot,
    app: &Arc<App>,
    msg: &Message,
    number: u32,
    text: String,
) -> String {
    let chat_id = msg.chat.id.0;
    if text.trim().is_empty() {
        return texts::empty_progress();
    }
    let by = Marker::of(msg);
    let now = app.now();
    let recorded = with_store(app, move |app| {
        let mut open = false;
        let task = app.store.update_task(chat_id, number, |t| {
            open = t.is_open();
            if open {
                t.reports.push(Report {
                    stage: Stage::Progress,
                    by: by.id,
                    by_name: by.name.clone(),
                    at: now,
                    text: Some(text.trim().to_string()),
                });
            }
        })?;
        Ok(task.map(|t| (t, open)))
    })
    .await;
    match recorded {
        Ok(Some((task, true))) => {
            tracing::info!(chat_id, number, "task progress recorded");
            refresh_card(bot, app, &task);
            texts::progress_recorded(&task)
        }
        Ok(Some((task, false))) => texts::already_closed(&task),
        Ok(None) => texts::no_such_task(number),
        Err(e) => failed(e),
    }
}

/// A reply to the bot's progress prompt: its text is the progress. `None` when the message
/// is not such a reply.
pub async fn reply_to_prompt(bot: &Bot, app: &Arc<App>, msg: &Message, me: &Me) -> Option<String> {
    let replied = msg.reply_to_message()?;
    if replied.from.as_ref().map(|u| u.id) != Some(me.user.id) {
        return None;
    }
    let number = texts::prompt_number(replied.text()?)?;
    let text = msg.text()?.to_string();
    Some(progress(bot, app, msg, number, text).await)
}

/// A tap on a card's button: records the stage (anyone in the group may), or asks for the
/// progress text. Returns the toast.
pub async fn tap(
    bot: &Bot,
    app: &Arc<App>,
    q: &CallbackQuery,
    number: u32,
    stage: Stage,
) -> String {
    let Some(message) = q.regular_message() else {
        return replies::tap_invalid();
    };
    let chat_id = message.chat.id.0;
    if stage == Stage::Progress {
        let task = with_store(app, move |app| app.store.task(chat_id, number)).await;
        return match task {
            Ok(Some(task)) if task.is_open() => {
                let prompt = texts::progress_prompt(&task);
                let sent = outbox::try_send_with(bot, message.chat.id, prompt, None).await;
                if let Err(e) = sent {
                    tracing::warn!(chat_id, error = %describe(&e, &app.config.token), "cannot ask for progress");
                }
                texts::tap_progress()
            }
            Ok(Some(_)) => texts::tap_closed(),
            Ok(None) => replies::tap_invalid(),
            Err(e) => {
                tracing::error!(chat_id, error = %e, "cannot read a task");
                replies::tap_failed()
            }
        };
    }
    let (by, by_name, now) = (q.from.id.0 as i64, taps::display_name(&q.from), app.now());
    let recorded = with_store(app, move |app| {
        let mut outcome = Tapped::Unknown;
        let task = app.store.update_task(chat_id, number, |t| {
            outcome = if !t.is_open() {
                Tapped::Closed
            } else if t.reached(stage) {
                Tapped::Repeated
            } else {
                t.reports.push(Report {
                    stage,
                    by,
                    by_name: by_name.clone(),
                    at: now,
                    text: None,
                });
                Tapped::Recorded
            };
        })?;
        Ok(task.map(|t| (t, outcome)))
    })
    .await;
    match recorded {
        Ok(Some((task, Tapped::Recorded))) => {
            tracing::info!(
                chat_id,
                number,
                stage = stage.as_str(),
                "task stage recorded"
            );
            refresh_card(bot, app, &task);
            texts::tap_recorded(stage)
        }
        Ok(Some((_, Tapped::Repeated))) => texts::tap_repeated(),
        Ok(Some((_, _))) => texts::tap_closed(),
        Ok(None) => replies::tap_invalid(),
        Err(e) => {
            tracing::error!(chat_id, error = %e, "cannot record a task stage");
            replies::tap_failed()
        }
    }
}

enum Tapped {
    Unknown,
    Recorded,
    Repeated,
    Closed,
}

/// Brings the task's card up to date: at most one edit every few seconds per card, ending
/// on the task as it is last (each change counts one more version).
fn refresh_card(bot: &Bot, app: &Arc<App>, task: &Task) {
    let Some(card) = task.card else {
        return;
    };
    let key = (task.chat_id, card as i32);
    let version = (task.reports.len() + usize::from(task.cancelled.is_some())) as u32;
    let Some(step) = app.cards.tap(key, version) else {
        return;
    };
    let (bot, app, number) = (bot.clone(), app.clone(), task.number);
    tokio::spawn(async move {
        coalesce(&app.cards, key, step, |version| {
            edit_card(&bot, &app, key, number, version)
        })
        .await;
    });
}

/// Shows the task as the store has it now.
async fn edit_card(
    bot: &Bot,
    app: &Arc<App>,
    key: (i64, i32),
    number: u32,
    version: u32,
) -> Edited {
    let (chat_id, message_id) = key;
    let task = match with_store(app, move |app| app.store.task(chat_id, number)).await {
        Ok(Some(task)) => task,
        _ => return Edited::Failed,
    };
    let html = texts::card(&task, app.today(), app.config.timezone);
    let edited = bot
        .edit_message_text(ChatId(chat_id), MessageId(message_id), html)
        .parse_mode(ParseMode::Html)
        .reply_markup(telegram::keyboard(&crate::tasks::buttons(&task)))
        .await;
    match edited {
        Ok(_) | Err(RequestError::Api(ApiError::MessageNotModified)) => Edited::Shown(version),
        Err(RequestError::RetryAfter(s)) => Edited::RetryAfter(s.duration()),
        Err(e) => {
            let text = describe(&e, &app.config.token);
            if text.contains("message is not modified") {
                return Edited::Shown(version);
            }
            tracing::warn!(chat_id, message_id, error = %text, "cannot edit a task card");
            Edited::Failed
        }
    }
}

fn failed(e: anyhow::Error) -> String {
    tracing::error!(error = %e, "a 督办 command failed");
    replies::internal_error()
}
