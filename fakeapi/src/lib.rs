//! A Telegram Bot API emulator on `127.0.0.1`: mingjing's fake Telegram in its end-to-end
//! tests and benchmarks, and in the product's playground (`mingjing playground`, SPEC §15),
//! which shows its chats in a web page. One emulator serves both.
//!
//! It answers the methods mingjing uses with the JSON Telegram sends (every field teloxide
//! 0.17 requires), keeps Telegram's flood limits as sliding windows, injects faults, and
//! records what the bot sent. Start one per test: each binds its own port.
//!
//! ```no_run
//! use std::time::Duration;
//! use fakeapi::{ChatSpec, FakeApi, Fault, Options, UserSpec};
//!
//! # async fn demo() {
//! let fake = FakeApi::start(Options::default()).await;
//! // Point the real binary (or a teloxide `Bot`) at it:
//! //   TELOXIDE_API_URL=<fake.url()> mingjing run ...
//! //   Bot::new("123:TEST").set_api_url(url::Url::parse(&fake.url()).unwrap())
//! let group = ChatSpec::group(-4_001, "学习小组");
//! let alice = UserSpec::new(7, "Alice");
//! fake.set_member_status(group.id, alice.id, "administrator");
//! fake.push_update(FakeApi::text_message(&group, &alice, "/subscribe 08:00"));
//! let sent = fake.wait_for_sent(1, Duration::from_secs(5)).await;
//! assert_eq!(sent[0].chat_id, group.id);
//!
//! // Later sends to this group fail like Telegram's answer after a kick.
//! fake.set_chat_fault(group.id, Some(Fault::Forbidden(
//!     "Forbidden: bot was kicked from the group chat".into(),
//! )));
//! # }
//! ```
//!
//! # What the fake does like Telegram
//!
//! - URLs `{url}bot{token}/{method}`, JSON or `multipart/form-data` bodies, method names
//!   matched case-insensitively, the token not checked. Answers
//!   `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…,"parameters":…}`;
//!   unknown methods get 404 `Not Found: method not found`.
//! - Methods: `getMe`, `getUpdates` (`offset` confirms, negative `offset` keeps the last
//!   updates, `timeout` long-polls until [`FakeApi::push_update`]), `getWebhookInfo`,
//!   `deleteWebhook` (`drop_pending_updates`), `setMyCommands` / `getMyCommands` /
//!   `deleteMyCommands`, `sendMessage`, `sendDocument`, `editMessageText`,
//!   `editMessageReplyMarkup`, `answerCallbackQuery`, `sendChatAction`, `getChat`,
//!   `getChatMember`, `getChatAdministrators`, `getChatMemberCount`, `leaveChat`,
//!   `deleteMessage`, `getFile`.
//! - `getMe` answers the bot's settings: `can_join_groups`, and
//!   `can_read_all_group_messages` (`false`, privacy mode, as for a new bot; switch it with
//!   [`Options`] or [`FakeApi::set_can_read_all_group_messages`]).
//! - Privacy mode: while `can_read_all_group_messages` is off, an ordinary message pushed
//!   in a group where the bot is not an admin (creator or administrator) is learnt from but
//!   not given to the bot ([`FakeApi::withheld`] counts them). Commands (text starting with
//!   `/`), mentions of `@bot_username`, replies to the bot's messages and service messages
//!   (joins, leaves, migrations, …) pass, and so do button taps and membership updates.
//! - `getChatMemberCount` counts bots, the bot included, like Telegram: the count set with
//!   [`FakeApi::set_member_count`], or else the members the fake knows in the chat (the
//!   bot, users given a present status, users who posted there or joined, minus those who
//!   left).
//! - Message ids count up per chat from 1 for the bot's messages; messages built by the
//!   update builders take ids from 1,000,000 up.
//! - `parse_mode: "HTML"` is parsed like Telegram (unsupported or unbalanced tags give
//!   `Bad Request: can't parse entities: …`); the returned message carries the plain text
//!   (no formatting entities). Texts longer than 4096 UTF-16 code units or blank give
//!   `message is too long` / `message text is empty`; captions over 1024 give
//!   `message caption is too long`; `callback_data` over 64 bytes gives
//!   `BUTTON_DATA_INVALID`. Other parse modes are taken verbatim.
//! - Edits: `message to edit not found`, `message can't be edited` (not the bot's),
//!   `message is not modified` (same text and keyboard; an edit without `reply_markup`
//!   removes the keyboard). Replies to unknown messages: `message to be replied not found`
//!   unless `allow_sending_without_reply`.
//! - The world learns from pushed updates: chats and users (their names appear in answers),
//!   messages (for replies and callback queries), the bot's own membership from
//!   `my_chat_member` / `new_chat_members` / `left_chat_member` (a kicked bot gets 403 on
//!   every call to that chat: `bot was kicked from the group chat`, `… supergroup chat`,
//!   `bot was blocked by the user` in private; a bot that left gets `bot is not a member of
//!   the … chat`), and `migrate_to_chat_id` (later sends to the old id get the migrate
//!   error). [`FakeApi::set_member_status`] with the bot's id does the same.
//! - Faults: per chat for send-like calls ([`FakeApi::set_chat_fault`]), for the next
//!   send-like calls ([`FakeApi::fail_next_sends`]), or for every call of one method
//!   whatever its chat ([`FakeApi::set_method_fault`], e.g. a failing
//!   `getChatMemberCount`).
//! - Limits (when on, for send-like calls only: `sendMessage`, `sendDocument`,
//!   `editMessageText`, `editMessageReplyMarkup`): at most 30 per second overall (1,000 for
//!   calls with `allow_paid_broadcast: true`), 20 per minute per group (negative id), 1 per
//!   second per private chat (positive id). An over-limit call gets 429
//!   `Too Many Requests: retry after N` with `parameters.retry_after = N`, the whole
//!   seconds until the window frees (at least 1), and is not recorded as sent.
//!
//! # A client's view
//!
//! [`FakeApi::history`] gives a chat's messages as a Telegram client shows them: in the
//! order they came, the bot's edits in place, its HTML parse mode rendered as safe HTML for a
//! web page (Telegram's tags only, text escaped, links only `http(s)://` and `tg://`),
//! inline keyboards and documents ([`FakeApi::file`] downloads them, the bot's uploads
//! included). [`FakeApi::callback_answer`] is what `answerCallbackQuery` said to a tap (a
//! toast), [`FakeApi::changes`] changes whenever any of this may have, and
//! [`FakeApi::set_time_offset`] / [`FakeApi::stamp`] give `date` fields the world's clock
//! when the bot's was moved.
//!
//! # teloxide's reading of the answers (teloxide-core 0.13)
//!
//! `parameters.retry_after` → `RequestError::RetryAfter`, `parameters.migrate_to_chat_id`
//! → `RequestError::MigrateToChatId` (whatever the status); other errors →
//! `RequestError::Api(ApiError)` by description (`Forbidden: bot was kicked from the group
//! chat` is `ApiError::Unknown`, the supergroup one `BotKickedFromSupergroup`); a closed
//! connection → `RequestError::Network`. On any 5xx teloxide sleeps 10 s before returning
//! the error. teloxide reads only the first key after `update_id` of an update, and turns an
//! update it cannot parse into `UpdateKind::Error` silently: check the kind in tests.
//!
//! # Layout
//!
//! - `server`: the accept loop, request parsing (JSON, multipart), answers;
//! - `world`: the state behind one mutex and the methods on it (`world::sending` for the
//!   send-like ones: checks, faults, limits, the record);
//! - `limits`: Telegram's flood limits as sliding windows;
//! - `html`: Telegram's HTML parse mode;
//! - `world::history`: the client's view;
//! - `spec`: chats, users, members and the update builders' JSON.

mod html;
mod limits;
mod server;
mod spec;
mod world;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::AbortHandle;

pub use spec::{ChatSpec, ChatType, GROUP_ANONYMOUS_BOT_ID, UserSpec};
pub use world::Shown;

use server::Shared;
use spec::{BotSpec, Status};

/// How the fake behaves.
#[derive(Clone, Debug)]
pub struct Options {
    /// Enforce Telegram's flood limits on send-like calls.
    pub limits: bool,
    /// The bot's username (`getMe`).
    pub bot_username: String,
    /// The bot's user id (`getMe`, the `from` of its messages).
    pub bot_id: i64,
    /// Keep every request for [`FakeApi::requests`]; turn off in benchmarks to save memory.
    pub record_requests: bool,
    /// `getMe`'s `can_read_all_group_messages`: `false` (a new bot's default) is privacy
    /// mode, in which ordinary group messages are withheld from the bot (see the crate
    /// docs). [`FakeApi::set_can_read_all_group_messages`] switches it later.
    pub can_read_all_group_messages: bool,
    /// `getMe`'s `can_join_groups`.
    pub can_join_groups: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            limits: true,
            bot_username: "mingjing_bot".into(),
            bot_id: 100,
            record_requests: true,
            can_read_all_group_messages: false,
            can_join_groups: true,
        }
    }
}

/// A failure to inject into send-like calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// 429 `Too Many Requests: retry after N`, `parameters.retry_after = N` (counts in
    /// [`FakeApi::count_429`]).
    RetryAfter(u32),
    /// 500 `Internal Server Error` (teloxide sleeps 10 s before returning it).
    ServerError,
    /// 403 with this description, e.g. `Forbidden: bot was kicked from the group chat`.
    Forbidden(String),
    /// 400 with this description, e.g. `Bad Request: chat not found`.
    BadRequest(String),
    /// 400 `Bad Request: group chat was upgraded to a supergroup chat` with
    /// `parameters.migrate_to_chat_id`.
    MigrateTo(i64),
    /// Read the request, then close the connection without answering; nothing is sent.
    DropConnection,
    /// Accept and record the send, then close the connection without answering: the bot
    /// sees a network error although the message went out.
    DropAfterSend,
    /// Accept the send, answer after this long.
    Slow(Duration),
}

/// An accepted send-like call.
#[derive(Clone, Debug)]
pub struct Sent {
    /// `sendMessage`, `sendDocument`, `editMessageText` or `editMessageReplyMarkup`.
    pub method: String,
    pub chat_id: i64,
    /// The new message's id, or the edited one's.
    pub message_id: i32,
    /// `text` as the bot sent it (markup included).
    pub text: Option<String>,
    pub parse_mode: Option<String>,
    pub reply_markup: Option<Value>,
    pub allow_paid_broadcast: bool,
    pub at: Instant,
    /// The uploaded file's name and bytes (`sendDocument` with an upload).
    pub document: Option<(String, Vec<u8>)>,
    pub caption: Option<String>,
    /// Every parameter of the call (multipart fields converted to JSON values).
    pub params: Value,
}

/// A request, whatever its method or answer.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    pub params: Value,
    pub at: Instant,
}

/// A handle on a running fake server; clones share it. The server stops when the last
/// handle is dropped (or with the tokio runtime).
#[derive(Clone)]
pub struct FakeApi {
    shared: Arc<Shared>,
    _server: Arc<ServerTask>,
    addr: SocketAddr,
}

/// Stops the accept loop and closes every connection when dropped.
struct ServerTask {
    accept: AbortHandle,
    _alive: watch::Sender<()>,
}

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl FakeApi {
    /// Binds `127.0.0.1:0` and serves in a spawned task of the current tokio runtime.
    ///
    /// # Panics
    /// If no local port can be bound.
    pub async fn start(opts: Options) -> FakeApi {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("local address of the listener");
        let bot = BotSpec {
            id: opts.bot_id,
            username: opts.bot_username,
            first_name: "纪律明镜".into(),
            can_join_groups: opts.can_join_groups,
            can_read_all_group_messages: opts.can_read_all_group_messages,
        };
        let shared = Arc::new(Shared::new(world::State::new(
            bot,
            opts.limits,
            opts.record_requests,
        )));
        let (alive, alive_rx) = watch::channel(());
        let accept = tokio::spawn(server::serve(listener, shared.clone(), alive_rx)).abort_handle();
        let server = Arc::new(ServerTask {
            accept,
            _alive: alive,
        });
        FakeApi {
            shared,
            _server: server,
            addr,
        }
    }

    /// The base URL for `TELOXIDE_API_URL` / `Bot::set_api_url`, e.g. `http://127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bot as a user (its id and username), e.g. to build a reply to its message.
    pub fn bot_user(&self) -> UserSpec {
        let st = self.shared.lock();
        UserSpec::new(st.bot.id, &st.bot.first_name).with_username(&st.bot.username)
    }

    // ---- updates ------------------------------------------------------------------------

    /// Queues an update for `getUpdates` (giving it the next `update_id` if it has none) and
    /// wakes waiting long polls. The fake learns from it: see the crate docs. An ordinary
    /// group message that privacy mode hides from the bot is learnt from but not queued
    /// (counted in [`FakeApi::withheld`]).
    ///
    /// # Panics
    /// If `update` is not a JSON object.
    pub fn push_update(&self, update: Value) {
        if self.shared.lock().push_update(update) {
            self.shared.updates_version.send_modify(|v| *v += 1);
        }
        self.shared.world_version.send_modify(|v| *v += 1);
    }

    /// Updates [`FakeApi::push_update`] did not queue because privacy mode hides them
    /// from the bot.
    pub fn withheld(&self) -> usize {
        self.shared.lock().withheld
    }

    /// Updates pushed and not yet confirmed by a `getUpdates` offset.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().updates.len()
    }

    /// A user's text message update. Commands (`/word`, `/word@bot`, at the start or after
    /// whitespace) get `bot_command` entities like Telegram marks them.
    pub fn text_message(chat: &ChatSpec, from: &UserSpec, text: &str) -> Value {
        spec::update(
            "message",
            spec::text_message_json(chat, from.to_json(), text),
        )
    }

    /// A user's message with a document (`name`, `bytes`), which the bot can fetch with
    /// `getFile` and the file download path.
    pub fn document_message(
        &self,
        chat: &ChatSpec,
        from: &UserSpec,
        name: &str,
        bytes: &[u8],
    ) -> Value {
        let mut st = self.shared.lock();
        let id = format!("DOC{}", st.files.len() + 1);
        st.files.insert(id.clone(), bytes.to_vec());
        drop(st);
        let mut m = spec::text_message_json(chat, from.to_json(), "");
        m.remove("text");
        m.remove("entities");
        m.insert(
            "document".into(),
            serde_json::json!({
                "file_id": id,
                "file_unique_id": format!("u{id}"),
                "file_name": name,
                "file_size": bytes.len(),
            }),
        );
        spec::update("message", m)
    }

    /// A user's text message replying to `replied` (a message object, e.g. from
    /// [`FakeApi::message_json`], or an update built here).
    pub fn reply_to(chat: &ChatSpec, from: &UserSpec, text: &str, replied: &Value) -> Value {
        let replied = replied.get("message").unwrap_or(replied);
        let mut m = spec::text_message_json(chat, from.to_json(), text);
        m.insert("reply_to_message".into(), replied.clone());
        spec::update("message", m)
    }

    /// A message an anonymous group admin posts as the group: `from` is
    /// `@GroupAnonymousBot`, `sender_chat` the group itself.
    pub fn sender_chat(chat: &ChatSpec, text: &str) -> Value {
        let mut m = spec::text_message_json(chat, spec::group_anonymous_bot_json(), text);
        m.insert("sender_chat".into(), chat.to_json());
        spec::update("message", m)
    }

    /// The service message a basic group gets when it becomes a supergroup. Pushing it makes
    /// later sends to the old id fail with the migrate error.
    pub fn migrate_to_chat_id(chat: &ChatSpec, from: &UserSpec, new_chat_id: i64) -> Value {
        let mut m = service_message(chat, from);
        m.insert("migrate_to_chat_id".into(), new_chat_id.into());
        spec::update("message", m)
    }

    /// The service message the new supergroup gets after a migration.
    pub fn migrate_from_chat_id(chat: &ChatSpec, from: &UserSpec, old_chat_id: i64) -> Value {
        let mut m = service_message(chat, from);
        m.insert("migrate_from_chat_id".into(), old_chat_id.into());
        spec::update("message", m)
    }

    /// A `my_chat_member` update: `from` changed the bot's status in `chat` from `old` to
    /// `new` (`"member"`, `"administrator"`, `"left"`, `"kicked"`, …). Pushing it sets the
    /// bot's status (a kicked bot gets 403 on sends to the chat).
    ///
    /// # Panics
    /// On an unknown status.
    pub fn my_chat_member(&self, chat: &ChatSpec, from: &UserSpec, old: &str, new: &str) -> Value {
        let bot = self.shared.lock().bot.user_json();
        let status = |s: &str| Status::parse(s).unwrap_or_else(|| panic!("unknown status {s:?}"));
        let mut m = Map::new();
        m.insert("chat".into(), chat.to_json());
        m.insert("from".into(), from.to_json());
        m.insert("date".into(), spec::unix_now().into());
        m.insert(
            "old_chat_member".into(),
            status(old).member_json(bot.clone()),
        );
        m.insert("new_chat_member".into(), status(new).member_json(bot));
        spec::update("my_chat_member", m)
    }

    /// `from` added the bot to `chat` (`my_chat_member` left → member).
    pub fn bot_added(&self, chat: &ChatSpec, from: &UserSpec) -> Value {
        self.my_chat_member(chat, from, "left", "member")
    }

    /// `from` removed the bot from `chat` (`my_chat_member` member → kicked; in a private
    /// chat this is the user blocking the bot).
    pub fn bot_kicked(&self, chat: &ChatSpec, from: &UserSpec) -> Value {
        self.my_chat_member(chat, from, "member", "kicked")
    }

    /// A `callback_query` update: `from` pressed a button with `data` under message
    /// `message_id` of `chat`. The message is the one the fake knows (text and keyboard as
    /// the bot sent them), or a bare one of the bot if it is unknown.
    pub fn callback_query(
        &self,
        from: &UserSpec,
        message_id: i32,
        chat: &ChatSpec,
        data: &str,
    ) -> Value {
        let st = self.shared.lock();
        let message = st.message_json(chat.id, message_id).unwrap_or_else(|| {
            json!({
                "message_id": message_id,
                "from": st.bot.user_json(),
                "chat": chat.to_json(),
                "date": spec::unix_now(),
                "text": "",
            })
        });
        let mut q = Map::new();
        q.insert("id".into(), spec::next_callback_id().into());
        q.insert("from".into(), from.to_json());
        q.insert("message".into(), message);
        q.insert(
            "chat_instance".into(),
            format!("{}", chat.id.unsigned_abs() * 31).into(),
        );
        q.insert("data".into(), data.into());
        spec::update("callback_query", q)
    }

    /// A message the fake knows (the bot's own or one pushed in an update) as Telegram's
    /// `Message` JSON.
    pub fn message_json(&self, chat_id: i64, message_id: i32) -> Option<Value> {
        self.shared.lock().message_json(chat_id, message_id)
    }

    // ---- the world ----------------------------------------------------------------------

    /// Sets a user's status in a chat for `getChatMember` / `getChatAdministrators`:
    /// `"creator"`, `"administrator"`, `"member"` (the default), `"restricted"`, `"left"`
    /// or `"kicked"`. With the bot's id it is the bot's own membership.
    ///
    /// # Panics
    /// On an unknown status.
    pub fn set_member_status(&self, chat_id: i64, user_id: i64, status: &str) {
        let status = Status::parse(status).unwrap_or_else(|| panic!("unknown status {status:?}"));
        self.shared.lock().set_status(chat_id, user_id, status);
    }

    /// Sets what `getChatMemberCount` answers for `chat_id` (Telegram counts bots, the bot
    /// itself included); `None`: the members the fake knows (see the crate docs).
    pub fn set_member_count(&self, chat_id: i64, count: Option<u32>) {
        let mut st = self.shared.lock();
        match count {
            Some(n) => st.member_counts.insert(chat_id, n),
            None => st.member_counts.remove(&chat_id),
        };
    }

    /// Switches privacy mode as @BotFather's `/setprivacy` does: `getMe` then answers
    /// `can_read_all_group_messages = on`, and updates pushed from then on are filtered
    /// accordingly.
    pub fn set_can_read_all_group_messages(&self, on: bool) {
        self.shared.lock().bot.can_read_all_group_messages = on;
    }

    /// Tells the fake about a chat (its type and title appear in answers). Unknown chats are
    /// guessed from the id: positive private, `-100…` supergroup, other negative group.
    pub fn add_chat(&self, chat: ChatSpec) {
        self.shared.lock().add_chat(chat);
    }

    /// Tells the fake about a user (its names appear in `getChatMember`).
    pub fn add_user(&self, user: UserSpec) {
        self.shared.lock().add_user(user);
    }

    /// Moves the world's clock: `date` fields of the bot's messages and of
    /// [`FakeApi::stamp`]ed updates are the wall clock plus `millis` (a playground whose
    /// bot runs on a moved clock shows the same time).
    pub fn set_time_offset(&self, millis: i64) {
        self.shared.lock().time_offset = millis;
    }

    /// Gives an update built here (e.g. by [`FakeApi::text_message`]) the world's time.
    pub fn stamp(&self, mut update: Value) -> Value {
        let now = self.shared.lock().unix_now();
        if let Some(Value::Object(o)) = update
            .as_object_mut()
            .and_then(|u| u.values_mut().find(|v| v.get("date").is_some()))
        {
            o.insert("date".into(), now.into());
        }
        update
    }

    // ---- faults and limits --------------------------------------------------------------

    /// A fault for every send-like call to `chat_id` until set to `None`.
    pub fn set_chat_fault(&self, chat_id: i64, fault: Option<Fault>) {
        let mut st = self.shared.lock();
        match fault {
            Some(f) => st.chat_faults.insert(chat_id, f),
            None => st.chat_faults.remove(&chat_id),
        };
    }

    /// A fault for every call of `method` (e.g. `"getChatMemberCount"`, matched
    /// case-insensitively) until set to `None`, whatever its chat; for send-like methods
    /// it comes before the chat's fault.
    ///
    /// # Panics
    /// On a method the fake does not serve.
    pub fn set_method_fault(&self, method: &str, fault: Option<Fault>) {
        let m = world::Method::from_name(method)
            .unwrap_or_else(|| panic!("the fake does not serve {method:?}"));
        let mut st = self.shared.lock();
        match fault {
            Some(f) => st.method_faults.insert(m, f),
            None => st.method_faults.remove(&m),
        };
    }

    /// The next `n` send-like calls (to any chat) get `fault`; queued after earlier ones.
    pub fn fail_next_sends(&self, n: usize, fault: Fault) {
        let mut st = self.shared.lock();
        st.next_faults.extend(std::iter::repeat_n(fault, n));
    }

    /// Holds back every answer by `d` (on top of any [`Fault::Slow`]).
    pub fn set_delay(&self, d: Duration) {
        self.shared.lock().delay = d;
    }

    /// Makes each call wait a random 0 to `j` before it arrives (and is counted against
    /// the limits), as requests do over a real network.
    pub fn set_jitter(&self, j: Duration) {
        self.shared.lock().jitter = j;
    }

    pub fn set_limits(&self, on: bool) {
        self.shared.lock().limits = on;
    }

    // ---- observation --------------------------------------------------------------------

    /// Every accepted send-like call, in order.
    pub fn sent(&self) -> Vec<Sent> {
        self.shared
            .lock()
            .sent
            .iter()
            .map(|r| r.to_sent())
            .collect()
    }

    /// The accepted send-like calls to one chat, in order.
    pub fn sent_to(&self, chat_id: i64) -> Vec<Sent> {
        self.sent()
            .into_iter()
            .filter(|s| s.chat_id == chat_id)
            .collect()
    }

    /// The chat and the acceptance instant of every accepted send-like call, in order:
    /// what benchmarks need, without copying every call's parameters as [`FakeApi::sent`]
    /// does.
    pub fn sent_times(&self) -> Vec<(i64, Instant)> {
        self.shared
            .lock()
            .sent
            .iter()
            .map(|r| (r.chat_id(), r.at()))
            .collect()
    }

    /// How many `getUpdates` calls were received (counted even when
    /// `Options::record_requests` is off): the bot is ready once this is above zero.
    pub fn polls(&self) -> usize {
        self.shared.lock().polls
    }

    /// How many send-like calls were accepted.
    pub fn sent_count(&self) -> usize {
        self.shared.lock().sent.len()
    }

    /// Every request (empty if `Options::record_requests` is off).
    pub fn requests(&self) -> Vec<Request> {
        self.shared.lock().requests.clone()
    }

    /// The requests of one method (e.g. `"getChatMember"`).
    pub fn requests_of(&self, method: &str) -> Vec<Request> {
        let st = self.shared.lock();
        st.requests
            .iter()
            .filter(|r| r.method == method)
            .cloned()
            .collect()
    }

    /// 429 answers given, for limits or injected [`Fault::RetryAfter`].
    pub fn count_429(&self) -> usize {
        self.shared.lock().count_429
    }

    /// Waits until at least `n` sends were accepted, or `timeout` passed; returns the sends
    /// there are either way.
    pub async fn wait_for_sent(&self, n: usize, timeout: Duration) -> Vec<Sent> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut accepted = self.shared.sent_version.subscribe();
        while self.sent_count() < n {
            match tokio::time::timeout_at(deadline, accepted.changed()).await {
                Ok(Ok(())) => {}
                _ => break,
            }
        }
        self.sent()
    }

    // ---- a client's view ----------------------------------------------------------------

    /// A chat's messages as a Telegram client shows them: in the order they came, the
    /// bot's edits in place, its HTML rendered safe for a web page.
    pub fn history(&self, chat_id: i64) -> Vec<Shown> {
        self.shared.lock().history(chat_id)
    }

    /// What the bot answered (`answerCallbackQuery`) to the tap with this callback query
    /// id (the `id` of a [`FakeApi::callback_query`] update): its text and `show_alert`.
    pub fn callback_answer(&self, callback_query_id: &str) -> Option<(Option<String>, bool)> {
        self.shared.lock().callback_answer(callback_query_id)
    }

    /// A file's bytes by file id: one a user sent, or a document the bot uploaded.
    pub fn file(&self, file_id: &str) -> Option<Vec<u8>> {
        self.shared.lock().files.get(file_id).cloned()
    }

    /// Changes whenever what a client shows may have changed: after every Bot API call
    /// (but `getUpdates`) and every pushed update.
    pub fn changes(&self) -> watch::Receiver<u64> {
        self.shared.world_version.subscribe()
    }

    /// Forgets what was observed (sends, requests, the 429 count) and resets faults, delay
    /// and the limit windows. Chats, members, messages and pending updates stay.
    pub fn clear(&self) {
        self.shared.lock().clear();
    }
}

fn service_message(chat: &ChatSpec, from: &UserSpec) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("message_id".into(), spec::next_incoming_message_id().into());
    m.insert("from".into(), from.to_json());
    m.insert("chat".into(), chat.to_json());
    m.insert("date".into(), spec::unix_now().into());
    m
}
