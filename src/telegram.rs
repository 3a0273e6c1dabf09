//! The Telegram side of sending: the client, one outgoing message, error classification,
//! and keeping the token out of every error text.

use std::future::Future;
use std::time::Duration;

use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};
use teloxide::{ApiError, RequestError};

use crate::config::{Config, Token};
use crate::message::Buttons;

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub chat_id: i64,
    /// Telegram HTML.
    pub html: String,
    pub keyboard: Option<InlineKeyboardMarkup>,
    /// Send with `allow_paid_broadcast`.
    pub paid: bool,
}

/// Telegram's inline keyboard of `buttons`: callback buttons, row by row.
pub fn keyboard(buttons: &Buttons) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(buttons.iter().map(|row| {
        row.iter()
            .map(|b| InlineKeyboardButton::callback(b.text.clone(), b.data.clone()))
    }))
}

/// Why a send failed, in the terms the delivery engine acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Telegram asked to wait (429).
    #[error("rate limited, retry after {0:?}")]
    RetryAfter(Duration),
    /// The group became a supergroup with this id.
    #[error("chat migrated to {0}")]
    Migrated(i64),
    /// The bot was kicked or blocked, or the chat no longer exists: do not try again.
    #[error("chat is gone: {0}")]
    Gone(String),
    /// Telegram refused this message (too long, bad markup, …): a bug or bad content.
    #[error("message refused: {0}")]
    Rejected(String),
    /// Server error, timeout or network error: try again later. The message may have been
    /// delivered when the connection dropped after the request went out.
    #[error("temporary failure: {0}")]
    Transient(String),
}

/// Sends one message and returns Telegram's message id. The delivery engine only needs this.
pub trait Sender: Send + Sync + 'static {
    fn send(&self, out: &Outgoing) -> impl Future<Output = Result<i32, SendError>> + Send;
}

/// The teloxide client for the configured token and API server.
pub fn client(config: &Config) -> Bot {
    let bot = Bot::new(config.token.expose());
    match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    }
}

/// [`Sender`] over the real Bot API.
#[derive(Clone)]
pub struct TelegramSender {
    bot: Bot,
    token: Token,
}

impl TelegramSender {
    pub fn new(bot: Bot, token: Token) -> TelegramSender {
        TelegramSender { bot, token }
    }
}

impl Sender for TelegramSender {
    async fn send(&self, out: &Outgoing) -> Result<i32, SendError> {
        let mut req = self
            .bot
            .send_message(ChatId(out.chat_id), out.html.clone())
            .parse_mode(ParseMode::Html)
            .link_preview_options(teloxide::types::LinkPreviewOptions {
                is_disabled: true,
                url: None,
                prefer_small_media: false,
                prefer_large_media: false,
                show_above_text: false,
            });
        if let Some(k) = &out.keyboard {
            req = req.reply_markup(k.clone());
        }
        if out.paid {
            req = req.allow_paid_broadcast(true);
        }
        match req.await {
            Ok(m) => Ok(m.id.0),
            Err(e) => Err(classify(&e, &self.token)),
        }
    }
}

/// Maps a teloxide error to what the engine should do about it.
pub fn classify(e: &RequestError, token: &Token) -> SendError {
    match e {
        RequestError::RetryAfter(s) => SendError::RetryAfter(s.duration()),
        RequestError::MigrateToChatId(id) => SendError::Migrated(id.0),
        RequestError::Api(api) => {
            let text = match api {
                ApiError::Unknown(raw) => raw.clone(),
                known => known.to_string(),
            };
            match api {
                ApiError::BotBlocked
                | ApiError::BotKicked
                | ApiError::BotKickedFromSupergroup
                | ApiError::BotKickedFromChannel
                | ApiError::ChatNotFound
                | ApiError::GroupDeactivated
                | ApiError::UserDeactivated
                | ApiError::CantInitiateConversation => SendError::Gone(text),
                _ if text.starts_with("Forbidden:") => SendError::Gone(text),
                // teloxide keeps no status code: unknown texts that are not a 4xx description
                // are 5xx pages ("Internal Server Error", "Bad Gateway", …).
                ApiError::Unknown(raw)
                    if !["Bad Request", "Unauthorized", "Not Found", "Conflict"]
                        .iter()
                        .any(|p| raw.starts_with(p)) =>
                {
                    SendError::Transient(text)
                }
                _ => SendError::Rejected(text),
            }
        }
        other => SendError::Transient(redact(&other.to_string(), token)),
    }
}

/// Replaces the token wherever it appears (HTTP errors embed the request URL).
pub fn redact(text: &str, token: &Token) -> String {
    let t = token.expose();
    if t.is_empty() {
        text.to_string()
    } else {
        text.replace(t, "<token>")
    }
}

/// A teloxide error as a log-safe string.
pub fn describe(e: &RequestError, token: &Token) -> String {
    redact(&e.to_string(), token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Button;

    #[test]
    fn buttons_become_callback_buttons_row_by_row() {
        let b = |t: &str| Button {
            text: t.into(),
            data: format!("d:{t}"),
        };
        let k = keyboard(&vec![vec![b("a"), b("b")], vec![b("c")]]);
        let want = InlineKeyboardMarkup::new([
            vec![
                InlineKeyboardButton::callback("a", "d:a"),
                InlineKeyboardButton::callback("b", "d:b"),
            ],
            vec![InlineKeyboardButton::callback("c", "d:c")],
        ]);
        assert_eq!(k, want);
    }

    #[test]
    fn classification() {
        let t = Token::new("1:SECRET");
        let cases = [
            (RequestError::Api(ApiError::BotBlocked), "gone"),
            (RequestError::Api(ApiError::BotKickedFromSupergroup), "gone"),
            (RequestError::Api(ApiError::ChatNotFound), "gone"),
            (
                RequestError::Api(ApiError::Unknown(
                    "Forbidden: bot was kicked from the group chat".into(),
                )),
                "gone",
            ),
            (RequestError::Api(ApiError::MessageIsTooLong), "rejected"),
            (
                RequestError::Api(ApiError::CantParseEntities("x".into())),
                "rejected",
            ),
            (
                RequestError::Api(ApiError::Unknown("Internal Server Error".into())),
                "transient",
            ),
        ];
        for (e, want) in cases {
            let got = match classify(&e, &t) {
                SendError::Gone(_) => "gone",
                SendError::Rejected(_) => "rejected",
                SendError::Transient(_) => "transient",
                other => panic!("{other:?}"),
            };
            assert_eq!(got, want, "{e}");
        }
        assert_eq!(
            classify(&RequestError::MigrateToChatId(ChatId(-1005)), &t),
            SendError::Migrated(-1005)
        );
    }

    #[tokio::test]
    async fn network_errors_never_show_the_token() {
        // Nothing listens on port 9 of the loopback: the request fails at once, and reqwest's
        // error text embeds the URL, which embeds the token.
        let token = Token::new("123456:VERY-SECRET-TOKEN");
        let bot = Bot::new(token.expose()).set_api_url("http://127.0.0.1:9/".parse().unwrap());
        let e = bot.get_me().await.unwrap_err();
        assert!(
            format!("{e}").contains("VERY-SECRET-TOKEN") || format!("{e:?}").contains("127.0.0.1")
        );
        let safe = describe(&e, &token);
        assert!(!safe.contains("VERY-SECRET-TOKEN"), "{safe}");
        let s = TelegramSender::new(bot, token.clone());
        let out = Outgoing {
            chat_id: 1,
            html: "x".into(),
            keyboard: None,
            paid: false,
        };
        let err = s.send(&out).await.unwrap_err();
        assert!(matches!(err, SendError::Transient(_)));
        assert!(!err.to_string().contains("VERY-SECRET-TOKEN"), "{err}");
    }
}
