//! Sending the bot's answers: HTML, as a reply in groups, obeying a short 429.

use std::time::Duration;

use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardMarkup, InputFile, LinkPreviewOptions, MessageId, ParseMode, ReplyParameters,
};

use crate::config::Token;
use crate::telegram::describe;

/// A 429 asking to wait longer than this drops the answer (it would be stale anyway).
const LONGEST_WAIT: Duration = Duration::from_secs(30);
const ATTEMPTS: usize = 3;

/// Sends `html` to `chat`, replying to `reply_to` when given. Failures are logged, never
/// returned: an answer that cannot be sent changes nothing.
pub async fn send(
    bot: &Bot,
    token: &Token,
    chat: ChatId,
    reply_to: Option<MessageId>,
    html: String,
) {
    if let Err(e) = try_send(bot, chat, reply_to, html).await {
        tracing::warn!(chat_id = chat.0, error = %describe(&e, token), "cannot send an answer");
    }
}

/// [`send`], returning the failure (after waiting out short 429s) to a caller that acts
/// on it.
pub async fn try_send(
    bot: &Bot,
    chat: ChatId,
    reply_to: Option<MessageId>,
    html: String,
) -> Result<(), RequestError> {
    with_retries(|| {
        let mut req = bot
            .send_message(chat, html.clone())
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(id) = reply_to {
            req = req.reply_parameters(ReplyParameters {
                allow_sending_without_reply: Some(true),
                ..ReplyParameters::new(id)
            });
        }
        async move { req.await }
    })
    .await
    .map(drop)
}

/// Sends `html` with buttons (a task card, a preview to confirm, a prompt), waiting out
/// short 429s like every answer; the message sent.
pub async fn try_send_with(
    bot: &Bot,
    chat: ChatId,
    html: String,
    keyboard: Option<InlineKeyboardMarkup>,
) -> Result<Message, RequestError> {
    with_retries(|| {
        let mut req = bot
            .send_message(chat, html.clone())
            .parse_mode(ParseMode::Html)
            .link_preview_options(no_preview());
        if let Some(k) = &keyboard {
            req = req.reply_markup(k.clone());
        }
        async move { req.await }
    })
    .await
}

/// Sends a file (e.g. a report) to `chat`, waiting out short 429s.
pub async fn try_send_file(
    bot: &Bot,
    chat: ChatId,
    file_name: String,
    bytes: Vec<u8>,
    caption: String,
) -> Result<(), RequestError> {
    with_retries(|| {
        let file = InputFile::memory(bytes.clone()).file_name(file_name.clone());
        let req = bot.send_document(chat, file).caption(caption.clone());
        async move { req.await }
    })
    .await
    .map(drop)
}

/// Makes `request` again after a 429 asking for a short wait, up to [`ATTEMPTS`] times.
async fn with_retries<F, R>(mut request: impl FnMut() -> F) -> Result<R, RequestError>
where
    F: Future<Output = Result<R, RequestError>>,
{
    let mut attempt = 1;
    loop {
        match request().await {
            Ok(r) => return Ok(r),
            Err(RequestError::RetryAfter(s))
                if s.duration() <= LONGEST_WAIT && attempt < ATTEMPTS =>
            {
                tokio::time::sleep(s.duration()).await;
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

fn no_preview() -> LinkPreviewOptions {
    LinkPreviewOptions {
        is_disabled: true,
        url: None,
        prefer_small_media: false,
        prefer_large_media: false,
        show_above_text: false,
    }
}
