//! Uploading the library as a file (`.xlsx`, `.csv`, `.toml`) and `/export`: a bot admin's
//! file is read and checked, answered with a dry run and `确认导入` / `取消`; nothing is
//! stored before the confirmation, which only its author can give within 10 minutes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, ParseMode};

use super::{App, outbox, with_store};
use crate::message::Button;
use crate::replies::{self, sheet as texts};
use crate::sheet::{self, DryRun};
use crate::telegram::{self, describe};

/// Uploads waiting for their confirmation, by number.
#[derive(Default)]
pub struct Uploads {
    next: Mutex<(u64, HashMap<u64, Pending>)>,
}

struct Pending {
    admin: i64,
    at: DateTime<Utc>,
    run: DryRun,
}

impl Uploads {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, HashMap<u64, Pending>)> {
        self.next.lock().unwrap_or_else(|p| p.into_inner())
    }
}

const BUTTON: &str = "up:";

/// A document sent to the bot: a bot admin's in a private chat is an upload.
pub async fn on_document(bot: &Bot, app: &Arc<App>, msg: &Message) -> Option<String> {
    let doc = msg.document()?;
    let user = msg.from.as_ref()?;
    if !msg.chat.is_private() || !app.config.is_admin(user.id.0 as i64) {
        return None;
    }
    let name = doc.file_name.clone().unwrap_or_default();
    if doc.file.size as usize > sheet::MAX_BYTES {
        return Some(texts::file_error(&sheet::FileError::TooLarge(
            doc.file.size as usize,
        )));
    }
    let bytes = match download(bot, &doc.file.id).await {
        Ok(bytes) => bytes,
        Err(e) => {
            tracing::warn!(error = %describe_download(&e, app), "cannot download an upload");
            return Some(texts::download_failed());
        }
    };
    let (rows, errors) = match sheet::read(&name, &bytes) {
        Ok(read) => read,
        Err(e) => return Some(texts::file_error(&e)),
    };
    let run = match with_store(app, move |app| {
        Ok(sheet::dry_run(rows, errors, &app.store.items()?))
    })
    .await
    {
        Ok(run) => run,
        Err(e) => {
            tracing::error!(error = %e, "cannot check an upload");
            return Some(replies::internal_error());
        }
    };
    let text = texts::dry_run(&name, &run);
    tracing::info!(file = %name, new = run.new.len(), updated = run.updated.len(), "upload checked");
    if run.changes() == 0 {
        return Some(text);
    }
    let number = {
        let mut guard = app.uploads.lock();
        guard.0 += 1;
        let n = guard.0;
        guard.1.insert(
            n,
            Pending {
                admin: user.id.0 as i64,
                at: app.now(),
                run,
            },
        );
        n
    };
    let buttons = vec![vec![
        Button {
            text: "确认导入".into(),
            data: format!("{BUTTON}ok:{number}"),
        },
        Button {
            text: "取消".into(),
            data: format!("{BUTTON}no:{number}"),
        },
    ]];
    let keyboard = Some(telegram::keyboard(&buttons));
    let sent = outbox::try_send_with(bot, msg.chat.id, text, keyboard).await;
    if let Err(e) = sent {
        tracing::warn!(error = %describe(&e, &app.config.token), "cannot send a dry run");
    }
    Some(String::new())
}

async fn download(bot: &Bot, file_id: &teloxide::types::FileId) -> anyhow::Result<Vec<u8>> {
    let file = bot.get_file(file_id.clone()).await?;
    let mut bytes = Vec::new();
    bot.download_file(&file.path, &mut bytes).await?;
    Ok(bytes)
}

fn describe_download(e: &anyhow::Error, app: &App) -> String {
    let text = format!("{e:#}");
    text.replace(app.config.token.expose(), "<token>")
}

/// Whether a button's data is an upload's: its confirmation or cancellation.
pub fn parse_button(data: &str) -> Option<(bool, u64)> {
    let (what, n) = data.strip_prefix(BUTTON)?.split_once(':')?;
    let ok = match what {
        "ok" => true,
        "no" => false,
        _ => return None,
    };
    Some((ok, n.parse().ok()?))
}

/// A tap on `确认导入` / `取消`. Returns the toast.
pub async fn tap(bot: &Bot, app: &Arc<App>, q: &CallbackQuery, ok: bool, number: u64) -> String {
    let by = q.from.id.0 as i64;
    let now = app.now();
    let pending = {
        let mut guard = app.uploads.lock();
        match guard.1.get(&number) {
            None => return texts::tap_expired(),
            Some(p) if p.admin != by => return texts::tap_not_yours(),
            Some(p) if !sheet::still_valid(p.at, now) => {
                guard.1.remove(&number);
                return texts::tap_expired();
            }
            Some(_) => guard.1.remove(&number),
        }
    };
    let Some(pending) = pending else {
        return texts::tap_expired();
    };
    let answer = if ok {
        let run = pending.run;
        let applied = with_store(app, move |app| {
            app.store.apply_upload(&run.new, &run.updated, by, now)
        })
        .await;
        match applied {
            Ok((new, updated)) => {
                tracing::info!(new, updated, by, "upload imported");
                texts::imported(new, updated)
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot import an upload");
                replies::internal_error()
            }
        }
    } else {
        texts::cancelled()
    };
    if let Some(message) = q.regular_message() {
        let edited = bot
            .edit_message_text(message.chat.id, message.id, answer)
            .parse_mode(ParseMode::Html)
            .await;
        if let Err(e) = edited {
            tracing::warn!(error = %describe(&e, &app.config.token), "cannot update a dry run");
        }
    }
    texts::tap_done()
}

/// `/export`: the library as `.xlsx`, to the bot admin who asked, privately.
pub async fn export(bot: &Bot, app: &Arc<App>, msg: &Message) -> String {
    let made = with_store(app, |app| {
        let items = app.store.items()?;
        Ok((items.len(), sheet::workbook(&items)))
    })
    .await;
    let (count, bytes) = match made {
        Ok((count, Ok(bytes))) => (count, bytes),
        Ok((_, Err(e))) => {
            tracing::error!(error = %e, "cannot write the library workbook");
            return replies::internal_error();
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot read the library");
            return replies::internal_error();
        }
    };
    let name = texts::export_file_name(app.today());
    match outbox::try_send_file(bot, msg.chat.id, name, bytes, texts::export_caption(count)).await {
        Ok(()) => String::new(),
        Err(e) => {
            tracing::warn!(error = %describe(&e, &app.config.token), "cannot send the export");
            replies::internal_error()
        }
    }
}
