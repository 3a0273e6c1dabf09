//! `/checkin` and `/report`: a chat's check-in switch, and the monthly 记实 report, which
//! only the chat's admins and bot admins see, sent to the asking admin privately; the
//! groups' sizes asked of Telegram for it.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use teloxide::prelude::*;
use teloxide::types::Message;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::handlers::chat_info;
use super::subscriptions::ChatInfo;
use super::{App, outbox, with_store};
use crate::access::{Refusal, Role};
use crate::deliver::port::SendError;
use crate::delivery::{Kind, State};
use crate::replies;
use crate::report::{GroupRow, Month, WorkbookError, overview_csv, overview_xlsx};
use crate::store;
use crate::tasks::MonthTasks;
use crate::telegram::{classify, describe};

/// `/checkin [on|off]`: shows or sets whether the chat's morning messages carry the button.
/// The delivery time is not touched: today's delivery is not put off.
pub fn set_checkin(app: &App, chat: &ChatInfo, on: Option<bool>) -> store::Result<String> {
    let private = chat.is_private();
    let global = app.config.checkin;
    let sub = match on {
        None => app.store.subscription(chat.id)?,
        Some(on) => {
            let sub = app.store.update_subscription(chat.id, |s| s.checkin = on)?;
            if sub.is_some() {
                app.changed.notify_one();
                tracing::info!(chat_id = chat.id, on, "check-in switched");
            }
            sub
        }
    };
    Ok(match sub {
        Some(sub) => replies::checkin_state(private, sub.checkin, on.is_some(), global),
        None => replies::not_subscribed(private),
    })
}

/// How many groups' sizes are asked of Telegram at once.
const COUNTING: usize = 8;

/// The sizes of `groups` from Telegram, less the bot itself (Telegram's member count
/// counts bots), remembered for the monthly 通报; a group Telegram did not answer for is
/// left out (logged), and its report counts the members the bot knows.
pub async fn headcounts(
    bot: &Bot,
    app: &Arc<App>,
    groups: impl IntoIterator<Item = i64>,
) -> HashMap<i64, usize> {
    let gate = Arc::new(Semaphore::new(COUNTING));
    let mut asking = JoinSet::new();
    for chat_id in groups {
        let (bot, gate, token) = (bot.clone(), gate.clone(), app.config.token.clone());
        asking.spawn(async move {
            let _turn = gate.acquire_owned().await;
            match bot.get_chat_member_count(ChatId(chat_id)).await {
                Ok(n) => Some((chat_id, (n as usize).saturating_sub(1))),
                Err(e) => {
                    tracing::warn!(chat_id, error = %describe(&e, &token), "getChatMemberCount failed; the report counts the members known");
                    None
                }
            }
        });
    }
    let mut counts = HashMap::new();
    while let Some(done) = asking.join_next().await {
        counts.extend(done.ok().flatten());
    }
    if !counts.is_empty() {
        let known: Vec<(i64, usize)> = counts.iter().map(|(k, v)| (*k, *v)).collect();
        if let Err(e) = with_store(app, move |app| app.store.set_headcounts(&known)).await {
            tracing::error!(error = %e, "cannot remember the groups' sizes");
        }
    }
    counts
}

/// `/report all`'s groups (id → title, whether subscribed): every group subscribed, or
/// delivered to in the month.
fn overview_groups(app: &App, month: Month) -> store::Result<BTreeMap<i64, (String, bool)>> {
    let mut groups: BTreeMap<i64, (String, bool)> = app
        .store
        .subscriptions()?
        .into_iter()
        .filter(|s| s.chat_id < 0)
        .map(|s| (s.chat_id, (s.title, s.active)))
        .collect();
    for date in month.days() {
        for d in app.store.deliveries_on(date)? {
            let chat_id = d.to.id;
            if d.kind == Kind::Edition && d.state == State::Sent && chat_id < 0 {
                groups
                    .entry(chat_id)
                    .or_insert_with(|| (chat_id.to_string(), false));
            }
        }
    }
    Ok(groups)
}

/// `/report all`: the rows of `groups` that are subscribed or had deliveries or check-ins
/// in the month; `counts` are their sizes from Telegram.
fn overview(
    app: &App,
    month: Month,
    groups: BTreeMap<i64, (String, bool)>,
    counts: &HashMap<i64, usize>,
) -> store::Result<Vec<GroupRow>> {
    let mut rows = Vec::new();
    for (chat_id, (title, active)) in groups {
        let counted = counts.get(&chat_id).copied();
        let summary = app.store.chat_report(chat_id, month, counted)?.summary();
        if active || summary.days > 0 || summary.checkins > 0 {
            rows.push(GroupRow {
                chat_id,
                title,
                summary,
            });
        }
    }
    rows.sort_by(|a, b| a.title.cmp(&b.title).then(a.chat_id.cmp(&b.chat_id)));
    Ok(rows)
}

/// `/report [all] [month]`: sends what was asked for and returns the answer for the chat
/// the command came from (empty when everything is sent already).
pub async fn report(
    bot: &Bot,
    app: &Arc<App>,
    msg: &Message,
    role: Role,
    all: bool,
    month: Option<Month>,
) -> String {
    let month = month.unwrap_or_else(|| Month::of(app.today()));
    let private = msg.chat.is_private();
    if all {
        if !private {
            return replies::report_all_private_only();
        }
        if role != Role::BotAdmin {
            return replies::refused(Refusal::NotBotAdmin);
        }
        let groups = match with_store(app, move |app| overview_groups(app, month)).await {
            Ok(groups) => groups,
            Err(e) => return failed(e),
        };
        let counts = headcounts(bot, app, groups.keys().copied().collect::<Vec<_>>()).await;
        let overview = with_store(app, move |app| {
            let rows = overview(app, month, groups, &counts)?;
            let files = if rows.is_empty() {
                Vec::new()
            } else {
                twins(
                    (replies::overview_file_name(month), overview_csv(&rows)),
                    (replies::overview_workbook_name(month), overview_xlsx(&rows)),
                )
            };
            Ok((rows, files))
        });
        let (rows, files) = match overview.await {
            Ok(found) => found,
            Err(e) => return failed(e),
        };
        let text = replies::report_overview(month, &rows);
        return match send_report(bot, msg.chat.id, text, files).await {
            Ok(()) => String::new(),
            Err(e) => {
                tracing::warn!(error = %describe(&e, &app.config.token), "cannot send a report");
                replies::internal_error()
            }
        };
    }
    if private {
        return replies::report_in_a_group(role == Role::BotAdmin);
    }
    // Only a person can be written to privately: not an anonymous admin.
    let Some(user) = msg.from.as_ref().filter(|_| msg.sender_chat.is_none()) else {
        return replies::report_anonymous();
    };
    let chat = chat_info(&msg.chat);
    let (chat_id, title) = (chat.id, chat.title.clone());
    let counted = headcounts(bot, app, [chat_id]).await.get(&chat_id).copied();
    let report = with_store(app, move |app| {
        let report = app.store.chat_report(chat_id, month, counted)?;
        let summary = report.summary();
        let files = if summary.days > 0 || summary.members > 0 {
            twins(
                (
                    replies::report_file_name(&title, chat_id, month),
                    report.csv(),
                ),
                (
                    replies::report_workbook_name(&title, chat_id, month),
                    report.xlsx(),
                ),
            )
        } else {
            Vec::new()
        };
        let tasks = MonthTasks::of(&app.store.tasks_of(chat_id)?, month, app.config.timezone);
        Ok((summary, files, tasks))
    });
    let (summary, files, tasks) = match report.await {
        Ok(found) => found,
        Err(e) => return failed(e),
    };
    let mut text = replies::report_summary(&chat.title, month, &summary);
    if tasks != MonthTasks::default() {
        text += &format!("\n{}", replies::tasks::month_line(&tasks));
    }
    let to = ChatId(user.id.0 as i64);
    match send_report(bot, to, text, files).await {
        Ok(()) => {
            tracing::info!(chat_id, user_id = to.0, %month, "report sent privately");
            replies::report_sent_privately()
        }
        Err(e) => match classify(&e, &app.config.token) {
            SendError::Gone(reason) => {
                tracing::info!(chat_id, user_id = to.0, %reason, "cannot reach an admin privately");
                let me = bot.get_me().await.ok();
                let username = me.as_ref().and_then(|m| m.user.username.as_deref());
                replies::report_start_private_chat(username.unwrap_or_default())
            }
            other => {
                tracing::warn!(chat_id, error = %other, "cannot send a report");
                replies::internal_error()
            }
        },
    }
}

/// A report's files: the CSV, then its `.xlsx` twin. A workbook that cannot be written
/// (beyond Excel's limits) is logged and left out: the CSV still goes.
fn twins(
    csv: (String, Vec<u8>),
    (name, workbook): (String, Result<Vec<u8>, WorkbookError>),
) -> Vec<(String, Vec<u8>)> {
    let mut files = vec![csv];
    match workbook {
        Ok(bytes) => files.push((name, bytes)),
        Err(e) => tracing::error!(error = %e, file = %name, "cannot write a workbook"),
    }
    files
}

/// The summary, then the files in order, each captioned with its name without the
/// extension.
async fn send_report(
    bot: &Bot,
    to: ChatId,
    text: String,
    files: Vec<(String, Vec<u8>)>,
) -> Result<(), teloxide::RequestError> {
    outbox::try_send(bot, to, None, text).await?;
    for (name, bytes) in files {
        let caption = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(stem, _)| stem);
        let caption = caption.to_string();
        outbox::try_send_file(bot, to, name, bytes, caption).await?;
    }
    Ok(())
}

fn failed(e: anyhow::Error) -> String {
    tracing::error!(error = %e, "a report failed");
    replies::internal_error()
}
