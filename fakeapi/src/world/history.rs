//! A chat's messages as a Telegram client shows them: in order, edits in place, the bot's
//! HTML rendered, buttons and documents. What the playground's web chat draws.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::{State, Stored};
use crate::html;

/// One message of a chat, as a client shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Shown {
    pub message_id: i32,
    /// The author's user id (the bot's for its own messages).
    pub from_id: i64,
    /// The author's name as a client shows it.
    pub from_name: String,
    pub from_bot: bool,
    /// Seconds since the Unix epoch on the world's clock ([`crate::FakeApi::set_time_offset`]).
    pub date: i64,
    pub edited: bool,
    /// The text (or caption) as plain text.
    pub text: String,
    /// The text (or caption) as safe HTML for a web page: Telegram's HTML subset rendered,
    /// everything else escaped.
    pub html: String,
    /// The inline keyboard: each row's buttons as (label, callback data).
    pub buttons: Vec<Vec<(String, String)>>,
    /// A document: its file name and file id (fetch it with [`crate::FakeApi::file`]).
    pub document: Option<(String, String)>,
    /// The message this one replies to.
    pub reply_to: Option<i32>,
}

impl State {
    /// Seconds since the Unix epoch on the world's clock, for `date` fields.
    pub fn unix_now(&self) -> i64 {
        let millis = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        (millis + self.time_offset).div_euclid(1000)
    }

    /// The messages of a chat the fake knows, in the order they came (deleted ones left out).
    pub fn history(&self, chat_id: i64) -> Vec<Shown> {
        self.order
            .iter()
            .filter(|(chat, _)| *chat == chat_id)
            .filter_map(|&(chat, id)| Some((id, self.messages.get(&(chat, id))?)))
            .map(|(id, stored)| match stored {
                Stored::Bot(m) => {
                    let raw = m.raw_text.as_deref().or(m.raw_caption.as_deref());
                    let html = match raw {
                        Some(raw) if m.html => html::to_web(raw),
                        Some(raw) => html::escape(raw),
                        None => String::new(),
                    };
                    let document = m.document.as_ref().map(document);
                    Shown {
                        message_id: id,
                        from_id: self.bot.id,
                        from_name: self.bot.first_name.clone(),
                        from_bot: true,
                        date: m.date,
                        edited: m.edit_date.is_some(),
                        text: m.text.clone().or(m.caption.clone()).unwrap_or_default(),
                        html,
                        buttons: buttons(m.reply_markup.as_ref()),
                        document,
                        reply_to: m.reply_to,
                    }
                }
                Stored::Incoming(v) => incoming(id, v),
            })
            .collect()
    }

    /// What `answerCallbackQuery` said to a tap: its text and whether it is an alert.
    pub fn callback_answer(&self, callback_query_id: &str) -> Option<(Option<String>, bool)> {
        self.answers.get(callback_query_id).cloned()
    }
}

fn incoming(id: i32, m: &Value) -> Shown {
    let str_at = |p: &str| m.pointer(p).and_then(Value::as_str).unwrap_or_default();
    let text = m
        .get("text")
        .or_else(|| m.get("caption"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let name = [str_at("/from/first_name"), str_at("/from/last_name")]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let document = m.get("document").map(document);
    Shown {
        message_id: id,
        from_id: m.pointer("/from/id").and_then(Value::as_i64).unwrap_or(0),
        from_name: name,
        from_bot: m.pointer("/from/is_bot").and_then(Value::as_bool) == Some(true),
        date: m.get("date").and_then(Value::as_i64).unwrap_or(0),
        edited: m.get("edit_date").is_some(),
        html: html::escape(&text),
        text,
        buttons: Vec::new(),
        document,
        reply_to: m
            .pointer("/reply_to_message/message_id")
            .and_then(Value::as_i64)
            .map(|id| id as i32),
    }
}

/// A `Document`'s file name and file id.
fn document(d: &Value) -> (String, String) {
    (field(d, "file_name"), field(d, "file_id"))
}

/// A string field of a JSON object, or an empty string.
fn field(v: &Value, key: &str) -> String {
    v.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// An inline keyboard's callback buttons; URL buttons keep their label with no data.
fn buttons(markup: Option<&Value>) -> Vec<Vec<(String, String)>> {
    let rows = markup
        .and_then(|m| m.get("inline_keyboard"))
        .and_then(Value::as_array);
    rows.into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .map(|row| {
            row.iter()
                .map(|b| (field(b, "text"), field(b, "callback_data")))
                .collect()
        })
        .collect()
}
