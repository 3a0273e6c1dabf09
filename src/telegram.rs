//! The Telegram channel: the client (through `telegram.proxy`), the engine's sending port
//! over the Bot API, error classification, Telegram's keyboards, and keeping the token out
//! of every error text.

use std::time::Duration;

use teloxide::payloads::{SendDocumentSetters, SendMessageSetters};
use teloxide::prelude::*;
use teloxide::types::{ChatId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode};
use teloxide::{ApiError, RequestError};

use crate::config::{Config, Token};
use crate::deliver::port::{Limits, Outgoing, SendError, Sender};
use crate::message::{Address, Buttons, Channel};

/// Telegram's inline keyboard of `buttons`: callback buttons, row by row.
pub fn keyboard(buttons: &Buttons) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(buttons.iter().map(|row| {
        row.iter()
            .map(|b| InlineKeyboardButton::callback(b.text.clone(), b.data.clone()))
    }))
}

/// The teloxide client for the configured token, API server and proxy: teloxide's own
/// network settings (timeouts fit for long polling), every request through
/// `telegram.proxy` when there is one. (`Bot::new` would ignore a proxy: only
/// `Bot::from_env` reads `TELOXIDE_PROXY`, and the config's is ours to apply.) Without one,
/// the HTTP client honours `HTTPS_PROXY` / `ALL_PROXY` / `NO_PROXY`.
pub fn client(config: &Config) -> Result<Bot, reqwest::Error> {
    let mut http = teloxide::net::default_reqwest_settings();
    if let Some(proxy) = &config.proxy {
        http = http.proxy(reqwest::Proxy::all(proxy.expose())?);
    }
    let bot = Bot::with_client(config.token.expose(), http.build()?);
    Ok(match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    })
}

/// The `host:port` of the Bot API server the client talks to.
pub fn api_host(config: &Config) -> String {
    let default = url::Url::parse(teloxide::net::TELEGRAM_API_URL).ok();
    let url = config.api_url.as_ref().or(default.as_ref());
    let host = url.and_then(|u| u.host_str()).unwrap_or("api.telegram.org");
    match url.and_then(url::Url::port_or_known_default) {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// The sending port of the engine ([`Sender`]) over the Bot API.
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
    async fn send(&self, out: &Outgoing) -> Result<Option<i64>, SendError> {
        if let Some(file) = &out.attachment {
            let input = InputFile::memory(file.bytes.to_vec()).file_name(file.name.clone());
            let mut req = self
                .bot
                .send_document(ChatId(out.to.id), input)
                .caption(out.html.clone())
                .parse_mode(ParseMode::Html);
            if !out.buttons.is_empty() {
                req = req.reply_markup(keyboard(&out.buttons));
            }
            if out.paid {
                req = req.allow_paid_broadcast(true);
            }
            return match req.await {
                Ok(m) => Ok(Some(i64::from(m.id.0))),
                Err(e) => Err(classify(&e, &self.token)),
            };
        }
        let mut req = self
            .bot
            .send_message(ChatId(out.to.id), out.html.clone())
            .parse_mode(ParseMode::Html)
            .link_preview_options(teloxide::types::LinkPreviewOptions {
                is_disabled: true,
                url: None,
                prefer_small_media: false,
                prefer_large_media: false,
                show_above_text: false,
            });
        if !out.buttons.is_empty() {
            req = req.reply_markup(keyboard(&out.buttons));
        }
        if out.paid {
            req = req.allow_paid_broadcast(true);
        }
        match req.await {
            Ok(m) => Ok(Some(i64::from(m.id.0))),
            Err(e) => Err(classify(&e, &self.token)),
        }
    }

    fn limits(&self, _channel: Channel, per_second: u32) -> Limits {
        limits(per_second)
    }
}

/// Telegram's limits: `per_second` overall (30 a second allowed, up to 1,000 as a paid
/// broadcast), and [`per_chat`].
pub fn limits(per_second: u32) -> Limits {
    Limits {
        per_second,
        per_address: per_chat,
    }
}

/// Telegram's limit per chat: 20 messages a minute to a group (negative id), one a second
/// to a private chat.
fn per_chat(to: &Address) -> (usize, Duration) {
    if to.id < 0 {
        (20, Duration::from_secs(60))
    } else {
        (1, Duration::from_secs(1))
    }
}

/// Maps a teloxide error to what the engine should do about it.
pub fn classify(e: &RequestError, token: &Token) -> SendError {
    match e {
        RequestError::RetryAfter(s) => SendError::RateLimited(s.duration()),
        RequestError::MigrateToChatId(id) => SendError::Moved(Address::telegram(id.0)),
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
                    SendError::Retryable(text)
                }
                _ => SendError::Permanent(text),
            }
        }
        other => SendError::Retryable(redact(&other.to_string(), token)),
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
                SendError::Permanent(_) => "rejected",
                SendError::Retryable(_) => "transient",
                other => panic!("{other:?}"),
            };
            assert_eq!(got, want, "{e}");
        }
        assert_eq!(
            classify(&RequestError::MigrateToChatId(ChatId(-1005)), &t),
            SendError::Moved(Address::telegram(-1005))
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
            to: Address::telegram(1),
            html: "x".into(),
            buttons: Vec::new(),
            paid: false,
            attachment: None,
            part: 0,
        };
        let err = s.send(&out).await.unwrap_err();
        assert!(matches!(err, SendError::Retryable(_)));
        assert!(!err.to_string().contains("VERY-SECRET-TOKEN"), "{err}");
    }
}
