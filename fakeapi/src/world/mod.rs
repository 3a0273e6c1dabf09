//! The fake Telegram: its state (chats, members, messages, pending updates, what was sent)
//! and the Bot API methods as plain functions on that state, called under one lock.

mod history;
mod sending;

pub use history::Shown;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

use self::sending::Pass;
use crate::limits::Limiter;
use crate::spec::{BotSpec, ChatSpec, ChatType, Status, UserSpec};
use crate::{Fault, Request, Sent};

/// The Bot API methods the fake serves. Telegram matches names case-insensitively.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Method {
    GetMe,
    GetUpdates,
    GetWebhookInfo,
    DeleteWebhook,
    SetMyCommands,
    GetMyCommands,
    DeleteMyCommands,
    SendMessage,
    SendDocument,
    EditMessageText,
    EditMessageReplyMarkup,
    AnswerCallbackQuery,
    SendChatAction,
    GetChat,
    GetChatMember,
    GetChatAdministrators,
    GetChatMemberCount,
    LeaveChat,
    DeleteMessage,
    GetFile,
}

const METHODS: &[(&str, Method)] = &[
    ("sendMessage", Method::SendMessage),
    ("getUpdates", Method::GetUpdates),
    ("editMessageText", Method::EditMessageText),
    ("editMessageReplyMarkup", Method::EditMessageReplyMarkup),
    ("answerCallbackQuery", Method::AnswerCallbackQuery),
    ("getChatMember", Method::GetChatMember),
    ("sendDocument", Method::SendDocument),
    ("getMe", Method::GetMe),
    ("getWebhookInfo", Method::GetWebhookInfo),
    ("deleteWebhook", Method::DeleteWebhook),
    ("setMyCommands", Method::SetMyCommands),
    ("getMyCommands", Method::GetMyCommands),
    ("deleteMyCommands", Method::DeleteMyCommands),
    ("sendChatAction", Method::SendChatAction),
    ("getChat", Method::GetChat),
    ("getChatAdministrators", Method::GetChatAdministrators),
    ("getChatMemberCount", Method::GetChatMemberCount),
    ("leaveChat", Method::LeaveChat),
    ("deleteMessage", Method::DeleteMessage),
    ("getFile", Method::GetFile),
];

impl Method {
    pub fn from_name(name: &str) -> Option<Method> {
        METHODS
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, m)| m)
    }

    pub fn name(self) -> &'static str {
        METHODS
            .iter()
            .find(|&&(_, m)| m == self)
            .map_or("?", |&(n, _)| n)
    }
}

/// What to answer.
#[derive(Debug)]
pub(crate) enum Reply {
    Ok(Value),
    Err {
        status: u16,
        description: String,
        parameters: Option<Value>,
    },
    /// Close the connection without answering.
    Drop,
}

impl Reply {
    pub fn error(status: u16, description: impl Into<String>) -> Reply {
        Reply::Err {
            status,
            description: description.into(),
            parameters: None,
        }
    }

    fn bad(description: impl Into<String>) -> Reply {
        Reply::error(400, description)
    }

    pub fn retry_after(secs: u32) -> Reply {
        Reply::Err {
            status: 429,
            description: format!("Too Many Requests: retry after {secs}"),
            parameters: Some(json!({ "retry_after": secs })),
        }
    }

    fn migrate(to: i64) -> Reply {
        Reply::Err {
            status: 400,
            description: "Bad Request: group chat was upgraded to a supergroup chat".into(),
            parameters: Some(json!({ "migrate_to_chat_id": to })),
        }
    }
}

/// A reply, how long to hold it back, and whether a send was accepted.
#[derive(Debug)]
pub(crate) struct Outcome {
    pub reply: Reply,
    pub delay: Duration,
    pub sent: bool,
}

impl From<Reply> for Outcome {
    fn from(reply: Reply) -> Outcome {
        Outcome {
            reply,
            delay: Duration::ZERO,
            sent: false,
        }
    }
}

/// A file part of a `multipart/form-data` request.
pub(crate) struct Upload {
    pub name: String,
    pub file_name: String,
    pub data: Vec<u8>,
}

/// An accepted send-like call, kept lean; [`Sent`] is built from it on demand.
pub(crate) struct SentRecord {
    method: &'static str,
    chat_id: i64,
    message_id: i32,
    params: Map<String, Value>,
    at: Instant,
    document: Option<(String, Vec<u8>)>,
}

impl SentRecord {
    pub fn chat_id(&self) -> i64 {
        self.chat_id
    }

    pub fn at(&self) -> Instant {
        self.at
    }

    pub fn to_sent(&self) -> Sent {
        let p = &self.params;
        let string = |k: &str| p.get(k).and_then(Value::as_str).map(str::to_owned);
        Sent {
            method: self.method.to_owned(),
            chat_id: self.chat_id,
            message_id: self.message_id,
            text: string("text"),
            parse_mode: string("parse_mode"),
            reply_markup: p.get("reply_markup").cloned(),
            allow_paid_broadcast: bool_param(p, "allow_paid_broadcast"),
            at: self.at,
            document: self.document.clone(),
            caption: string("caption"),
            params: Value::Object(p.clone()),
        }
    }
}

/// A message the fake knows: the bot's own, or one that came in through an update.
enum Stored {
    Bot(BotMessage),
    Incoming(Value),
}

struct BotMessage {
    date: i64,
    edit_date: Option<i64>,
    /// The text as the bot sent it (markup included), to detect "not modified".
    raw_text: Option<String>,
    /// Whether `raw_text` and `raw_caption` are in the HTML parse mode.
    html: bool,
    /// The text a user sees.
    text: Option<String>,
    caption: Option<String>,
    raw_caption: Option<String>,
    reply_markup: Option<Value>,
    document: Option<Value>,
    reply_to: Option<i32>,
}

pub(crate) struct State {
    pub bot: BotSpec,
    pub limits: bool,
    pub record_requests: bool,
    pub delay: Duration,
    /// Each call waits a random 0 to `jitter` before it is looked at (and counted against
    /// the limits): arrival jitter of a real network.
    pub jitter: Duration,
    pub updates: VecDeque<(u32, Value)>,
    next_update_id: u32,
    chats: HashMap<i64, ChatSpec>,
    users: HashMap<i64, UserSpec>,
    members: HashMap<i64, BTreeMap<i64, Status>>,
    migrated: HashMap<i64, i64>,
    pub chat_faults: HashMap<i64, Fault>,
    /// Faults for every call of a method ([`crate::FakeApi::set_method_fault`]).
    pub method_faults: HashMap<Method, Fault>,
    pub next_faults: VecDeque<Fault>,
    pub limiter: Limiter,
    pub sent: Vec<SentRecord>,
    pub requests: Vec<Request>,
    pub count_429: usize,
    /// `getUpdates` calls received, counted even when requests are not recorded.
    pub polls: usize,
    /// Updates not queued because privacy mode hides them from the bot.
    pub withheld: usize,
    /// `getChatMemberCount` answers set by the test, by chat.
    pub member_counts: HashMap<i64, u32>,
    next_message_id: HashMap<i64, i32>,
    messages: HashMap<(i64, i32), Stored>,
    /// Every message as it came, for [`State::history`].
    order: Vec<(i64, i32)>,
    /// `answerCallbackQuery`'s text and `show_alert`, by callback query id.
    answers: HashMap<String, (Option<String>, bool)>,
    /// Milliseconds added to the wall clock in `date` fields (a world whose clock was moved).
    pub time_offset: i64,
    commands: Value,
    next_file: u64,
    /// Files users sent (by file id), for `getFile` and the download path.
    pub files: HashMap<String, Vec<u8>>,
}

impl State {
    pub fn new(bot: BotSpec, limits: bool, record_requests: bool) -> State {
        State {
            bot,
            limits,
            record_requests,
            delay: Duration::ZERO,
            jitter: Duration::ZERO,
            updates: VecDeque::new(),
            next_update_id: 1,
            chats: HashMap::new(),
            users: HashMap::new(),
            members: HashMap::new(),
            migrated: HashMap::new(),
            chat_faults: HashMap::new(),
            method_faults: HashMap::new(),
            next_faults: VecDeque::new(),
            limiter: Limiter::default(),
            sent: Vec::new(),
            requests: Vec::new(),
            count_429: 0,
            polls: 0,
            withheld: 0,
            member_counts: HashMap::new(),
            next_message_id: HashMap::new(),
            messages: HashMap::new(),
            order: Vec::new(),
            answers: HashMap::new(),
            time_offset: 0,
            commands: json!([]),
            next_file: 1,
            files: HashMap::new(),
        }
    }

    pub fn record_request(&mut self, method: &str, params: &Map<String, Value>, at: Instant) {
        if self.record_requests {
            let params = Value::Object(params.clone());
            self.requests.push(Request {
                method: method.to_owned(),
                params,
                at,
            });
        }
    }

    /// Serves every method but `getUpdates` (which waits, see `Shared::get_updates`).
    pub fn call(
        &mut self,
        method: Method,
        params: Map<String, Value>,
        uploads: Vec<Upload>,
        now: Instant,
    ) -> Outcome {
        self.record_request(method.name(), &params, now);
        let mut pass = Pass::default();
        if let Some(fault) = self.method_faults.get(&method).cloned()
            && let Err(reply) = self.apply_fault(&fault, &mut pass)
        {
            let mut outcome = Outcome::from(reply);
            outcome.delay += self.delay;
            return outcome;
        }
        let mut outcome = match method {
            Method::GetMe => Reply::Ok(self.bot.me_json()).into(),
            Method::GetWebhookInfo => Reply::Ok(json!({
                "url": "",
                "has_custom_certificate": false,
                "pending_update_count": self.updates.len(),
            }))
            .into(),
            Method::DeleteWebhook => {
                if bool_param(&params, "drop_pending_updates") {
                    self.updates.clear();
                }
                Reply::Ok(true.into()).into()
            }
            Method::SetMyCommands => {
                self.commands = params.get("commands").cloned().unwrap_or_else(|| json!([]));
                Reply::Ok(true.into()).into()
            }
            Method::GetMyCommands => Reply::Ok(self.commands.clone()).into(),
            Method::DeleteMyCommands => {
                self.commands = json!([]);
                Reply::Ok(true.into()).into()
            }
            Method::AnswerCallbackQuery => {
                if let Some(id) = params.get("callback_query_id").and_then(Value::as_str) {
                    let text = params
                        .get("text")
                        .and_then(Value::as_str)
                        .map(str::to_owned);
                    let alert = bool_param(&params, "show_alert");
                    self.answers.insert(id.to_owned(), (text, alert));
                }
                Reply::Ok(true.into()).into()
            }
            Method::SendMessage => self.send_message(params, now),
            Method::SendDocument => self.send_document(params, uploads, now),
            Method::EditMessageText => self.edit_message_text(params, now),
            Method::EditMessageReplyMarkup => self.edit_message_reply_markup(params, now),
            Method::SendChatAction => self.simple_chat_call(&params, true, |_, _| json!(true)),
            Method::GetChat => {
                self.simple_chat_call(&params, false, |st, id| st.chat_full_info(id))
            }
            Method::GetChatMember => self.get_chat_member(&params),
            Method::GetChatAdministrators => self.get_chat_administrators(&params),
            Method::GetChatMemberCount => {
                self.simple_chat_call(&params, false, |st, id| st.member_count(id).into())
            }
            Method::LeaveChat => self.simple_chat_call(&params, false, |st, id| {
                let bot = st.bot.id;
                st.members.entry(id).or_default().insert(bot, Status::Left);
                json!(true)
            }),
            Method::DeleteMessage => self.delete_message(&params),
            Method::GetFile => {
                let id = params
                    .get("file_id")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                match self.files.get(id) {
                    Some(bytes) => Reply::Ok(json!({
                        "file_id": id,
                        "file_unique_id": format!("u{id}"),
                        "file_size": bytes.len(),
                        "file_path": format!("documents/{id}"),
                    }))
                    .into(),
                    None => Reply::bad("Bad Request: invalid file_id").into(),
                }
            }
            Method::GetUpdates => Reply::bad("Bad Request: getUpdates is served elsewhere").into(),
        };
        outcome.delay += self.delay + pass.delay;
        if pass.drop {
            outcome.reply = Reply::Drop;
        }
        outcome
    }

    /// Telegram's answers for a chat the bot cannot use: upgraded to a supergroup (for
    /// sends), or the bot is not (or no longer) a member.
    fn check_chat(&self, chat_id: i64, sending: bool) -> Result<(), Reply> {
        if sending && let Some(&to) = self.migrated.get(&chat_id) {
            return Err(Reply::migrate(to));
        }
        let status = self.status(chat_id, self.bot.id);
        if status.is_present() {
            return Ok(());
        }
        let kind = self.chat_spec(chat_id).kind;
        let text = match (kind, status) {
            (ChatType::Private, _) => "Forbidden: bot was blocked by the user",
            (ChatType::Group, Status::Kicked) => "Forbidden: bot was kicked from the group chat",
            (ChatType::Group, _) => "Forbidden: bot is not a member of the group chat",
            (ChatType::Supergroup, Status::Kicked) => {
                "Forbidden: bot was kicked from the supergroup chat"
            }
            (ChatType::Supergroup, _) => "Forbidden: bot is not a member of the supergroup chat",
        };
        Err(Reply::error(403, text))
    }

    /// The target chat of a call: an id, or `@username` of a chat the fake knows.
    fn chat_id(&self, params: &Map<String, Value>) -> Result<i64, Reply> {
        match params.get("chat_id") {
            None | Some(Value::Null) => Err(Reply::bad("Bad Request: chat_id is empty")),
            Some(Value::Number(n)) => n.as_i64().ok_or_else(chat_not_found),
            Some(Value::String(s)) => match s.strip_prefix('@') {
                Some(name) => self
                    .chats
                    .values()
                    .find(|c| c.username.as_deref() == Some(name))
                    .map(|c| c.id)
                    .ok_or_else(chat_not_found),
                None => s.parse().map_err(|_| chat_not_found()),
            },
            Some(_) => Err(chat_not_found()),
        }
    }

    // ---- chats and members --------------------------------------------------------------

    fn simple_chat_call(
        &mut self,
        params: &Map<String, Value>,
        sending: bool,
        answer: impl FnOnce(&mut State, i64) -> Value,
    ) -> Outcome {
        let checked = self
            .chat_id(params)
            .and_then(|id| self.check_chat(id, sending).map(|()| id));
        match checked {
            Ok(id) => Reply::Ok(answer(self, id)).into(),
            Err(r) => r.into(),
        }
    }

    fn get_chat_member(&mut self, params: &Map<String, Value>) -> Outcome {
        let chat_id = match self
            .chat_id(params)
            .and_then(|id| self.check_chat(id, false).map(|()| id))
        {
            Ok(id) => id,
            Err(r) => return r.into(),
        };
        let Some(user_id) = i64_param(params, "user_id") else {
            return Reply::bad("Bad Request: user not found").into();
        };
        let status = self.status(chat_id, user_id);
        Reply::Ok(status.member_json(self.user_json(user_id))).into()
    }

    fn get_chat_administrators(&mut self, params: &Map<String, Value>) -> Outcome {
        let chat_id = match self
            .chat_id(params)
            .and_then(|id| self.check_chat(id, false).map(|()| id))
        {
            Ok(id) => id,
            Err(r) => return r.into(),
        };
        if self.chat_spec(chat_id).kind == ChatType::Private {
            return Reply::bad("Bad Request: there are no administrators in the private chat")
                .into();
        }
        let mut admins: Vec<(i64, Status)> = self
            .members
            .get(&chat_id)
            .map(|m| {
                m.iter()
                    .filter(|(_, s)| s.is_admin())
                    .map(|(&u, &s)| (u, s))
                    .collect()
            })
            .unwrap_or_default();
        admins.sort_by_key(|&(u, s)| (s != Status::Creator, u));
        let list = admins
            .into_iter()
            .map(|(u, s)| s.member_json(self.user_json(u)))
            .collect();
        Reply::Ok(Value::Array(list)).into()
    }

    fn delete_message(&mut self, params: &Map<String, Value>) -> Outcome {
        let chat_id = match self
            .chat_id(params)
            .and_then(|id| self.check_chat(id, false).map(|()| id))
        {
            Ok(id) => id,
            Err(r) => return r.into(),
        };
        let Some(message_id) = i64_param(params, "message_id") else {
            return Reply::bad("Bad Request: message identifier is not specified").into();
        };
        match self.messages.remove(&(chat_id, message_id as i32)) {
            Some(_) => Reply::Ok(true.into()).into(),
            None => Reply::bad("Bad Request: message to delete not found").into(),
        }
    }

    /// `getChatMemberCount`: the count the test set, or the members the fake knows to be in
    /// the chat (the bot included, as Telegram counts it).
    fn member_count(&self, chat_id: i64) -> u32 {
        if let Some(&n) = self.member_counts.get(&chat_id) {
            return n;
        }
        let members = self.members.get(&chat_id);
        let present = members.map_or(0, |m| m.values().filter(|s| s.is_present()).count());
        let bot_unlisted = members.is_none_or(|m| !m.contains_key(&self.bot.id));
        u32::try_from(present + usize::from(bot_unlisted)).unwrap_or(u32::MAX)
    }

    fn chat_full_info(&self, chat_id: i64) -> Value {
        let mut chat = self.chat_spec(chat_id).to_json();
        if let Value::Object(o) = &mut chat {
            o.insert(
                "accepted_gift_types".into(),
                json!({
                    "unlimited_gifts": false,
                    "limited_gifts": false,
                    "unique_gifts": false,
                    "premium_subscription": false,
                }),
            );
            o.insert("max_reaction_count".into(), 11.into());
            o.insert("accent_color_id".into(), 0.into());
        }
        chat
    }

    pub fn status(&self, chat_id: i64, user_id: i64) -> Status {
        self.members
            .get(&chat_id)
            .and_then(|m| m.get(&user_id))
            .copied()
            .unwrap_or(Status::Member)
    }

    pub fn set_status(&mut self, chat_id: i64, user_id: i64, status: Status) {
        self.members
            .entry(chat_id)
            .or_default()
            .insert(user_id, status);
    }

    pub fn add_chat(&mut self, chat: ChatSpec) {
        self.chats.insert(chat.id, chat);
    }

    pub fn add_user(&mut self, user: UserSpec) {
        self.users.insert(user.id, user);
    }

    fn chat_spec(&self, chat_id: i64) -> ChatSpec {
        self.chats
            .get(&chat_id)
            .cloned()
            .unwrap_or_else(|| ChatSpec::guess(chat_id))
    }

    fn chat_json(&self, chat_id: i64) -> Value {
        match self.chats.get(&chat_id) {
            Some(c) => c.to_json(),
            None => ChatSpec::guess(chat_id).to_json(),
        }
    }

    fn user_json(&self, user_id: i64) -> Value {
        if user_id == self.bot.id {
            return self.bot.user_json();
        }
        match self.users.get(&user_id) {
            Some(u) => u.to_json(),
            None => UserSpec::new(user_id, &format!("User {user_id}")).to_json(),
        }
    }

    // ---- messages -----------------------------------------------------------------------

    /// The message as Telegram would show it (one level of `reply_to_message`).
    pub fn message_json(&self, chat_id: i64, message_id: i32) -> Option<Value> {
        match self.messages.get(&(chat_id, message_id))? {
            Stored::Bot(m) => Some(self.bot_message_json(chat_id, message_id, m, true)),
            Stored::Incoming(v) => Some(v.clone()),
        }
    }

    fn bot_message_json(&self, chat_id: i64, message_id: i32, m: &BotMessage, nest: bool) -> Value {
        let mut o = Map::with_capacity(9);
        o.insert("message_id".into(), message_id.into());
        o.insert("from".into(), self.bot.user_json());
        o.insert("chat".into(), self.chat_json(chat_id));
        o.insert("date".into(), m.date.into());
        if let Some(d) = m.edit_date {
            o.insert("edit_date".into(), d.into());
        }
        if let Some(t) = &m.text {
            o.insert("text".into(), t.clone().into());
        }
        if let Some(d) = &m.document {
            o.insert("document".into(), d.clone());
        }
        if let Some(c) = m.caption.as_ref().filter(|c| !c.is_empty()) {
            o.insert("caption".into(), c.clone().into());
        }
        if let Some(r) = &m.reply_markup {
            o.insert("reply_markup".into(), r.clone());
        }
        if nest {
            let replied = m
                .reply_to
                .and_then(|id| match self.messages.get(&(chat_id, id))? {
                    Stored::Bot(r) => Some(self.bot_message_json(chat_id, id, r, false)),
                    Stored::Incoming(v) => {
                        let mut v = v.clone();
                        if let Value::Object(o) = &mut v {
                            o.remove("reply_to_message");
                        }
                        Some(v)
                    }
                });
            if let Some(r) = replied {
                o.insert("reply_to_message".into(), r);
            }
        }
        Value::Object(o)
    }

    // ---- updates ------------------------------------------------------------------------

    /// Queues an update, giving it an `update_id` if it has none, and lets the fake world
    /// learn from it (chats, users, messages, members, the bot's membership, migrations).
    /// Returns whether it was queued: an update privacy mode hides from the bot is not.
    pub fn push_update(&mut self, update: Value) -> bool {
        let Value::Object(mut map) = update else {
            panic!("an update is a JSON object, got {update}");
        };
        let id = match map.get("update_id").and_then(Value::as_u64) {
            Some(id) => id as u32,
            None => {
                let id = self.next_update_id;
                map.insert("update_id".into(), id.into());
                id
            }
        };
        self.next_update_id = self.next_update_id.max(id.wrapping_add(1));
        self.learn(&map);
        if self.hidden_by_privacy(&map) {
            self.withheld += 1;
            return false;
        }
        self.updates.push_back((id, Value::Object(map)));
        true
    }

    /// Whether privacy mode keeps this update from the bot: an ordinary message in a group
    /// where the bot is not an admin, while `can_read_all_group_messages` is off. Commands,
    /// mentions of the bot, replies to its messages and service messages pass, as on
    /// Telegram; so does everything that is not a message (button taps, membership).
    fn hidden_by_privacy(&self, update: &Map<String, Value>) -> bool {
        if self.bot.can_read_all_group_messages {
            return false;
        }
        let Some(m) = update
            .get("message")
            .or_else(|| update.get("edited_message"))
        else {
            return false;
        };
        let Some(chat_id) = m.pointer("/chat/id").and_then(Value::as_i64) else {
            return false;
        };
        let group = matches!(
            self.chat_spec(chat_id).kind,
            ChatType::Group | ChatType::Supergroup
        );
        if !group || self.status(chat_id, self.bot.id).is_admin() {
            return false;
        }
        if SERVICE_FIELDS.iter().any(|k| m.get(*k).is_some()) {
            return false;
        }
        let text = m
            .get("text")
            .or_else(|| m.get("caption"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let command = text.starts_with('/');
        let mention = text.contains(&format!("@{}", self.bot.username));
        let to_bot = m
            .pointer("/reply_to_message/from/id")
            .and_then(Value::as_i64)
            == Some(self.bot.id);
        !(command || mention || to_bot)
    }

    fn learn(&mut self, update: &Map<String, Value>) {
        for key in [
            "message",
            "edited_message",
            "channel_post",
            "edited_channel_post",
        ] {
            if let Some(m) = update.get(key) {
                self.learn_message(m);
            }
        }
        for key in ["my_chat_member", "chat_member"] {
            let Some(cm) = update.get(key) else { continue };
            if let Some(chat) = cm.get("chat").and_then(ChatSpec::from_json) {
                let chat_id = chat.id;
                self.chats.insert(chat_id, chat);
                let new = cm.get("new_chat_member");
                let user = new.and_then(|n| n.get("user"));
                let user_id = user.and_then(|u| u.get("id")).and_then(Value::as_i64);
                let status = new
                    .and_then(|n| n.get("status"))
                    .and_then(Value::as_str)
                    .and_then(Status::parse);
                if let (Some(user_id), Some(status)) = (user_id, status) {
                    self.set_status(chat_id, user_id, status);
                }
                self.learn_user(user);
            }
            self.learn_user(cm.get("from"));
        }
        if let Some(cq) = update.get("callback_query") {
            self.learn_user(cq.get("from"));
        }
    }

    fn learn_message(&mut self, m: &Value) {
        let Some(chat) = m.get("chat").and_then(ChatSpec::from_json) else {
            return;
        };
        let chat_id = chat.id;
        let group = matches!(chat.kind, ChatType::Group | ChatType::Supergroup);
        self.chats.insert(chat_id, chat);
        self.learn_user(m.get("from"));
        let user_id = |u: &Value| {
            let human = u.get("is_bot").and_then(Value::as_bool) != Some(true);
            u.get("id").and_then(Value::as_i64).filter(|_| human)
        };
        // Whoever posts in a group, or joins it, is a member of it (for the member count).
        if group {
            let joined = match m.get("new_chat_members") {
                Some(Value::Array(users)) => users.iter().collect(),
                _ => Vec::new(),
            };
            for id in m.get("from").into_iter().chain(joined).filter_map(user_id) {
                self.members
                    .entry(chat_id)
                    .or_default()
                    .entry(id)
                    .or_insert(Status::Member);
            }
            if let Some(id) = m.get("left_chat_member").and_then(user_id) {
                self.set_status(chat_id, id, Status::Left);
            }
        }
        if let Some(id) = m.get("message_id").and_then(Value::as_i64) {
            let key = (chat_id, id as i32);
            if let std::collections::hash_map::Entry::Vacant(e) = self.messages.entry(key) {
                e.insert(Stored::Incoming(m.clone()));
                self.order.push(key);
            }
        }
        if let Some(to) = m.get("migrate_to_chat_id").and_then(Value::as_i64) {
            self.migrated.insert(chat_id, to);
        }
        let bot = self.bot.id;
        let is_bot = |u: &Value| u.get("id").and_then(Value::as_i64) == Some(bot);
        if let Some(Value::Array(users)) = m.get("new_chat_members")
            && users.iter().any(is_bot)
        {
            self.set_status(chat_id, bot, Status::Member);
        }
        if m.get("left_chat_member").is_some_and(is_bot) {
            self.set_status(chat_id, bot, Status::Left);
        }
    }

    fn learn_user(&mut self, user: Option<&Value>) {
        let Some(user) = user else { return };
        if user.get("is_bot").and_then(Value::as_bool) == Some(true) {
            return;
        }
        if let Some(u) = UserSpec::from_json(user) {
            self.users.insert(u.id, u);
        }
    }

    /// `getUpdates` without the waiting: forget confirmed updates (`offset`), return up to
    /// `limit` of the rest.
    pub fn take_updates(&mut self, offset: i64, limit: usize) -> Vec<Value> {
        if offset > 0 {
            while self
                .updates
                .front()
                .is_some_and(|&(id, _)| i64::from(id) < offset)
            {
                self.updates.pop_front();
            }
        } else if offset < 0 {
            let keep = offset.unsigned_abs() as usize;
            while self.updates.len() > keep {
                self.updates.pop_front();
            }
        }
        self.updates
            .iter()
            .take(limit)
            .map(|(_, u)| u.clone())
            .collect()
    }

    /// Forgets what was observed and injected; the world (chats, members, messages, pending
    /// updates) stays.
    pub fn clear(&mut self) {
        self.sent.clear();
        self.requests.clear();
        self.count_429 = 0;
        self.polls = 0;
        self.chat_faults.clear();
        self.method_faults.clear();
        self.next_faults.clear();
        self.delay = Duration::ZERO;
        self.limiter = Limiter::default();
    }
}

/// Fields of the service messages (joins, leaves, title changes, upgrades …), which a bot
/// receives in privacy mode too.
const SERVICE_FIELDS: &[&str] = &[
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "group_chat_created",
    "supergroup_chat_created",
    "migrate_to_chat_id",
    "migrate_from_chat_id",
    "pinned_message",
];

fn chat_not_found() -> Reply {
    Reply::bad("Bad Request: chat not found")
}

pub(crate) fn bool_param(params: &Map<String, Value>, key: &str) -> bool {
    match params.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

pub(crate) fn i64_param(params: &Map<String, Value>, key: &str) -> Option<i64> {
    match params.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
