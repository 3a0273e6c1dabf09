//! The send-like methods (`sendMessage`, `sendDocument`, `editMessageText`,
//! `editMessageReplyMarkup`): Telegram's checks, then faults and limits, then the record.

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use super::{BotMessage, Outcome, Reply, SentRecord, State, Stored, Upload, bool_param, i64_param};
use crate::{Fault, html};

/// Things a send-like call must do besides answering, decided by faults.
#[derive(Default)]
pub(super) struct Pass {
    pub delay: Duration,
    pub drop: bool,
}

impl Pass {
    fn finish(self, reply: Reply) -> Outcome {
        let reply = if self.drop { Reply::Drop } else { reply };
        Outcome {
            reply,
            delay: self.delay,
            sent: true,
        }
    }
}

impl State {
    pub(super) fn send_message(&mut self, params: Map<String, Value>, now: Instant) -> Outcome {
        let chat_id = match self.chat_id(&params) {
            Ok(id) => id,
            Err(r) => return r.into(),
        };
        let Some(raw) = params.get("text").and_then(Value::as_str) else {
            return Reply::bad("Bad Request: message text is empty").into();
        };
        let text = match render(
            raw,
            &params,
            4096,
            "Bad Request: message is too long",
            Some("Bad Request: message text is empty"),
        ) {
            Ok(t) => t,
            Err(r) => return r.into(),
        };
        let raw_text = Some(raw.to_owned());
        let (reply_markup, reply_to, pass) = match self.admit_new(chat_id, &params, now) {
            Ok(x) => x,
            Err(r) => return r.into(),
        };
        let message = BotMessage {
            date: self.unix_now(),
            edit_date: None,
            raw_text,
            html: is_html(&params),
            text: Some(text),
            caption: None,
            raw_caption: None,
            reply_markup,
            document: None,
            reply_to,
        };
        let reply = self.store_new(chat_id, "sendMessage", message, params, None, now);
        pass.finish(reply)
    }

    pub(super) fn send_document(
        &mut self,
        params: Map<String, Value>,
        mut uploads: Vec<Upload>,
        now: Instant,
    ) -> Outcome {
        let chat_id = match self.chat_id(&params) {
            Ok(id) => id,
            Err(r) => return r.into(),
        };
        let upload = match params.get("document").and_then(Value::as_str) {
            Some(s) if s.starts_with("attach://") => {
                let name = &s["attach://".len()..];
                match uploads.iter().position(|u| u.name == name) {
                    Some(i) => Some(uploads.swap_remove(i)),
                    None => {
                        return Reply::bad("Bad Request: wrong file identifier/HTTP URL specified")
                            .into();
                    }
                }
            }
            Some(_) => None,
            None => match uploads.iter().position(|u| u.name == "document") {
                Some(i) => Some(uploads.swap_remove(i)),
                None => {
                    return Reply::bad("Bad Request: there is no document in the request").into();
                }
            },
        };
        if upload.as_ref().is_some_and(|u| u.data.is_empty()) {
            return Reply::bad("Bad Request: file must be non-empty").into();
        }
        let caption = match params.get("caption").and_then(Value::as_str) {
            Some(c) => {
                match render(
                    c,
                    &params,
                    1024,
                    "Bad Request: message caption is too long",
                    None,
                ) {
                    Ok(c) => Some(c),
                    Err(r) => return r.into(),
                }
            }
            None => None,
        };
        let (reply_markup, reply_to, pass) = match self.admit_new(chat_id, &params, now) {
            Ok(x) => x,
            Err(r) => return r.into(),
        };
        let n = self.next_file;
        self.next_file += 1;
        // Like Telegram, a document the bot sent can be fetched again by its file id.
        if let Some(u) = &upload {
            self.files
                .insert(format!("BQACAgUAAxkDAAIB{n:08}"), u.data.clone());
        }
        let document = match &upload {
            Some(u) => json!({
                "file_id": format!("BQACAgUAAxkDAAIB{n:08}"),
                "file_unique_id": format!("AgADB{n:08}"),
                "file_name": u.file_name,
                "mime_type": guess_mime(&u.file_name),
                "file_size": u.data.len(),
            }),
            None => json!({
                "file_id": params.get("document").and_then(Value::as_str).unwrap_or_default(),
                "file_unique_id": format!("AgADB{n:08}"),
                "file_size": 0,
            }),
        };
        let message = BotMessage {
            date: self.unix_now(),
            edit_date: None,
            raw_text: None,
            html: is_html(&params),
            text: None,
            caption,
            raw_caption: params
                .get("caption")
                .and_then(Value::as_str)
                .map(str::to_owned),
            reply_markup,
            document: Some(document),
            reply_to,
        };
        let file = upload.map(|u| (u.file_name, u.data));
        let reply = self.store_new(chat_id, "sendDocument", message, params, file, now);
        pass.finish(reply)
    }

    pub(super) fn edit_message_text(
        &mut self,
        params: Map<String, Value>,
        now: Instant,
    ) -> Outcome {
        let Some(raw) = params.get("text").and_then(Value::as_str) else {
            return Reply::bad("Bad Request: message text is empty").into();
        };
        let text = match render(
            raw,
            &params,
            4096,
            "Bad Request: MESSAGE_TOO_LONG",
            Some("Bad Request: message text is empty"),
        ) {
            Ok(t) => t,
            Err(r) => return r.into(),
        };
        let raw = raw.to_owned();
        let html = is_html(&params);
        self.edit(params, now, "editMessageText", move |m, markup| {
            if m.text.is_none() {
                return Err(Reply::bad(
                    "Bad Request: there is no text in the message to edit",
                ));
            }
            if m.raw_text.as_deref() == Some(raw.as_str()) && m.reply_markup == markup {
                return Err(Reply::bad(NOT_MODIFIED));
            }
            m.raw_text = Some(raw);
            m.html = html;
            m.text = Some(text);
            m.reply_markup = markup;
            Ok(())
        })
    }

    pub(super) fn edit_message_reply_markup(
        &mut self,
        params: Map<String, Value>,
        now: Instant,
    ) -> Outcome {
        self.edit(params, now, "editMessageReplyMarkup", |m, markup| {
            if m.reply_markup == markup {
                return Err(Reply::bad(NOT_MODIFIED));
            }
            m.reply_markup = markup;
            Ok(())
        })
    }

    /// The common part of the edit methods: find the bot's message, check, gate, change.
    fn edit(
        &mut self,
        params: Map<String, Value>,
        now: Instant,
        method: &'static str,
        change: impl FnOnce(&mut BotMessage, Option<Value>) -> Result<(), Reply>,
    ) -> Outcome {
        let markup = match inline_markup(&params) {
            Ok(m) => m,
            Err(r) => return r.into(),
        };
        if params.contains_key("inline_message_id") {
            // Inline messages are not modelled: accept, answer `true`.
            let pass = match self.gate(0, false, now) {
                Ok(p) => p,
                Err(r) => return r.into(),
            };
            self.push_sent(method, 0, 0, params, None, now);
            return pass.finish(Reply::Ok(true.into()));
        }
        let chat_id = match self.chat_id(&params) {
            Ok(id) => id,
            Err(r) => return r.into(),
        };
        let Some(message_id) = i64_param(&params, "message_id").map(|id| id as i32) else {
            return Reply::bad("Bad Request: message identifier is not specified").into();
        };
        // Check on a scratch copy first: nothing changes unless the gate lets the call through.
        let mut edited = match self.messages.get(&(chat_id, message_id)) {
            None => return Reply::bad("Bad Request: message to edit not found").into(),
            Some(Stored::Incoming(_)) => {
                return Reply::bad("Bad Request: message can't be edited").into();
            }
            Some(Stored::Bot(m)) => m.clone_for_edit(),
        };
        if let Err(r) = change(&mut edited, markup) {
            return r.into();
        }
        let pass = match self.gate(chat_id, false, now) {
            Ok(p) => p,
            Err(r) => return r.into(),
        };
        edited.edit_date = Some(self.unix_now());
        let json = self.bot_message_json(chat_id, message_id, &edited, true);
        self.messages
            .insert((chat_id, message_id), Stored::Bot(edited));
        self.push_sent(method, chat_id, message_id, params, None, now);
        pass.finish(Reply::Ok(json))
    }

    fn store_new(
        &mut self,
        chat_id: i64,
        method: &'static str,
        message: BotMessage,
        params: Map<String, Value>,
        document: Option<(String, Vec<u8>)>,
        now: Instant,
    ) -> Reply {
        let next = self.next_message_id.entry(chat_id).or_insert(1);
        let message_id = *next;
        *next += 1;
        let json = self.bot_message_json(chat_id, message_id, &message, true);
        self.messages
            .insert((chat_id, message_id), Stored::Bot(message));
        self.order.push((chat_id, message_id));
        self.push_sent(method, chat_id, message_id, params, document, now);
        Reply::Ok(json)
    }

    fn push_sent(
        &mut self,
        method: &'static str,
        chat_id: i64,
        message_id: i32,
        params: Map<String, Value>,
        document: Option<(String, Vec<u8>)>,
        at: Instant,
    ) {
        self.sent.push(SentRecord {
            method,
            chat_id,
            message_id,
            params,
            at,
            document,
        });
    }

    /// Faults, chat state and limits, in that order, for a send-like call.
    fn gate(&mut self, chat_id: i64, paid: bool, now: Instant) -> Result<Pass, Reply> {
        let mut pass = Pass::default();
        if let Some(fault) = self.next_faults.pop_front() {
            self.apply_fault(&fault, &mut pass)?;
        }
        if let Some(fault) = self.chat_faults.get(&chat_id).cloned() {
            self.apply_fault(&fault, &mut pass)?;
        }
        self.check_chat(chat_id, true)?;
        if self.limits
            && let Err(secs) = self.limiter.admit(chat_id, paid, now)
        {
            self.count_429 += 1;
            return Err(Reply::retry_after(secs));
        }
        Ok(pass)
    }

    /// What `fault` does to a call: an error answer, or a delay or a dropped answer after it
    /// is carried out (noted in `pass`).
    pub(super) fn apply_fault(&mut self, fault: &Fault, pass: &mut Pass) -> Result<(), Reply> {
        match fault {
            Fault::RetryAfter(secs) => {
                self.count_429 += 1;
                Err(Reply::retry_after(*secs))
            }
            Fault::ServerError => Err(Reply::error(500, "Internal Server Error")),
            Fault::Forbidden(d) => Err(Reply::error(403, d.clone())),
            Fault::BadRequest(d) => Err(Reply::bad(d.clone())),
            Fault::MigrateTo(to) => Err(Reply::migrate(*to)),
            Fault::DropConnection => Err(Reply::Drop),
            Fault::DropAfterSend => {
                pass.drop = true;
                Ok(())
            }
            Fault::Slow(d) => {
                pass.delay += *d;
                Ok(())
            }
        }
    }

    /// The checks of a new message after its text: its keyboard and the message it replies
    /// to, then the limits and scripted faults.
    fn admit_new(
        &mut self,
        chat_id: i64,
        params: &Map<String, Value>,
        now: Instant,
    ) -> Result<(Option<Value>, Option<i32>, Pass), Reply> {
        let markup = inline_markup(params)?;
        let reply_to = self.reply_target(chat_id, params)?;
        let pass = self.gate(chat_id, bool_param(params, "allow_paid_broadcast"), now)?;
        Ok((markup, reply_to, pass))
    }

    fn reply_target(
        &self,
        chat_id: i64,
        params: &Map<String, Value>,
    ) -> Result<Option<i32>, Reply> {
        let (message_id, allow_missing) = match params.get("reply_parameters") {
            Some(v) => {
                let parsed;
                let rp = match v {
                    Value::String(s) => {
                        parsed = serde_json::from_str::<Value>(s).unwrap_or_default();
                        &parsed
                    }
                    v => v,
                };
                let Some(id) = rp.get("message_id").and_then(Value::as_i64) else {
                    return Ok(None);
                };
                let allow = rp
                    .get("allow_sending_without_reply")
                    .and_then(Value::as_bool);
                (id, allow.unwrap_or(false))
            }
            None => match i64_param(params, "reply_to_message_id") {
                Some(id) => (id, bool_param(params, "allow_sending_without_reply")),
                None => return Ok(None),
            },
        };
        let message_id = message_id as i32;
        if self.messages.contains_key(&(chat_id, message_id)) {
            Ok(Some(message_id))
        } else if allow_missing {
            Ok(None)
        } else {
            Err(Reply::bad("Bad Request: message to be replied not found"))
        }
    }
}

impl BotMessage {
    fn clone_for_edit(&self) -> BotMessage {
        BotMessage {
            date: self.date,
            edit_date: self.edit_date,
            raw_text: self.raw_text.clone(),
            html: self.html,
            text: self.text.clone(),
            caption: self.caption.clone(),
            raw_caption: self.raw_caption.clone(),
            reply_markup: self.reply_markup.clone(),
            document: self.document.clone(),
            reply_to: self.reply_to,
        }
    }
}

const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message";

/// The text a user sees, checked like Telegram does: HTML parsed in `parse_mode` HTML (other
/// modes are taken verbatim), at most `max` UTF-16 code units, not blank if `empty` says so.
/// Whether a call asks for Telegram's HTML parse mode.
fn is_html(params: &Map<String, Value>) -> bool {
    params
        .get("parse_mode")
        .and_then(Value::as_str)
        .is_some_and(|m| m.eq_ignore_ascii_case("html"))
}

fn render(
    raw: &str,
    params: &Map<String, Value>,
    max: usize,
    too_long: &str,
    empty: Option<&str>,
) -> Result<String, Reply> {
    let text = if is_html(params) {
        html::parse(raw)
            .map_err(|e| Reply::bad(format!("Bad Request: can't parse entities: {e}")))?
    } else {
        raw.to_owned()
    };
    if let Some(empty) = empty
        && text.trim().is_empty()
    {
        return Err(Reply::bad(empty));
    }
    if text.encode_utf16().count() > max {
        return Err(Reply::bad(too_long));
    }
    Ok(text)
}

/// The inline keyboard of a call (Telegram echoes only inline keyboards in the message),
/// with `callback_data` checked against Telegram's 1–64 bytes.
fn inline_markup(params: &Map<String, Value>) -> Result<Option<Value>, Reply> {
    let markup = match params.get("reply_markup") {
        Some(Value::String(s)) => serde_json::from_str(s).map_err(|_| {
            Reply::bad("Bad Request: can't parse reply keyboard markup JSON object")
        })?,
        Some(v) => v.clone(),
        None => return Ok(None),
    };
    let Some(rows) = markup.get("inline_keyboard").and_then(Value::as_array) else {
        return Ok(None);
    };
    for button in rows.iter().filter_map(Value::as_array).flatten() {
        if let Some(data) = button.get("callback_data").and_then(Value::as_str)
            && (data.is_empty() || data.len() > 64)
        {
            return Err(Reply::bad("Bad Request: BUTTON_DATA_INVALID"));
        }
    }
    Ok(Some(markup))
}

fn guess_mime(file_name: &str) -> &'static str {
    let ext = file_name
        .rsplit_once('.')
        .map_or("", |(_, e)| e)
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => "text/csv",
        "txt" => "text/plain",
        "toml" => "application/toml",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}
