//! `/robot`: a bot admin registers, lists, tests and schedules the group robots (SPEC §16).
//! The message that carries a webhook URL is deleted once read, where the bot may delete
//! it; answers show URLs masked. Sending is the engine's; `/robot test` posts at once.

use std::sync::Arc;

use teloxide::prelude::*;

use super::{App, with_store};
use crate::replies::{self, robots as texts};
use crate::robot::Robot;
use crate::robot::command::RobotCommand;

/// Carries out `/robot …` and returns the answer.
pub async fn robot(bot: &Bot, app: &Arc<App>, msg: &Message, command: RobotCommand) -> String {
    let (daily_at, days) = (app.config.daily_at, app.config.days);
    let by = msg.from.as_ref().map_or(0, |u| u.id.0 as i64);
    let answer = match command {
        RobotCommand::Help => Ok(texts::usage()),
        RobotCommand::Add {
            kind,
            url,
            secret,
            name,
        } => {
            // The URL is a secret: the message holding it goes first.
            let deleted = bot.delete_message(msg.chat.id, msg.id).await.is_ok();
            let now = app.now();
            let robot = Robot {
                id: 0,
                kind,
                url,
                secret,
                name,
                time: None,
                days: None,
                active: true,
                reason: None,
                added_by: by,
                from_config: false,
                added_at: now,
                changed_at: now,
            };
            let added = with_store(app, move |app| app.store.add_robot(robot)).await;
            added.map(|robot| {
                tracing::info!(robot = %robot.address(), by, "robot added");
                app.changed.notify_one();
                texts::added(&robot, daily_at, days, deleted)
            })
        }
        RobotCommand::List => {
            with_store(app, move |app| {
                Ok(texts::list(&app.store.robots()?, daily_at, days))
            })
            .await
        }
        RobotCommand::Del(n) => {
            let answer = with_store(app, move |app| {
                Ok(match app.store.robot(n)? {
                    None => texts::no_such(&n.to_string()),
                    Some(r) if r.from_config => texts::from_config(&r),
                    Some(_) => match app.store.remove_robot(n)? {
                        Some(r) => texts::removed(&r),
                        None => texts::no_such(&n.to_string()),
                    },
                })
            })
            .await;
            app.changed.notify_one();
            answer
        }
        RobotCommand::Test(n) => {
            let found = with_store(app, move |app| app.store.robot(n)).await;
            match found {
                Ok(Some(robot)) => {
                    let answer = app
                        .webhooks
                        .test(&robot, &texts::test_message(&robot))
                        .await;
                    tracing::info!(robot = %robot.address(), sent = answer.sent, "robot tested");
                    Ok(texts::tested(&robot, answer.sent, &answer.said))
                }
                Ok(None) => Ok(texts::no_such(&n.to_string())),
                Err(e) => Err(e),
            }
        }
        RobotCommand::Time(n, time) => change(app, n, move |r| r.time = Some(time)).await,
        RobotCommand::Days(n, rule) => change(app, n, move |r| r.days = Some(rule)).await,
    };
    answer.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a /robot command failed");
        replies::internal_error()
    })
}

/// Changes robot `n`'s time or days (not one of the config file's).
async fn change(
    app: &Arc<App>,
    n: i64,
    set: impl Fn(&mut Robot) + Send + 'static,
) -> anyhow::Result<String> {
    let (daily_at, days) = (app.config.daily_at, app.config.days);
    let answer = with_store(app, move |app| {
        let now = app.now();
        Ok(match app.store.robot(n)? {
            None => texts::no_such(&n.to_string()),
            Some(r) if r.from_config => texts::from_config(&r),
            Some(_) => match app.store.update_robot(n, |r| {
                set(r);
                r.changed_at = now;
            })? {
                Some(r) => texts::changed(&r, daily_at, days),
                None => texts::no_such(&n.to_string()),
            },
        })
    })
    .await;
    app.changed.notify_one();
    answer
}
