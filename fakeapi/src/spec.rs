//! Chats and users of the fake world, and the Bot API JSON that describes them.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value, json};

/// The user Telegram shows as the author of messages an anonymous group admin posts.
pub const GROUP_ANONYMOUS_BOT_ID: i64 = 1_087_968_824;

/// Message ids of incoming (user) messages built by the update builders. They start high so
/// they never collide with the ids the fake gives the bot's own messages (1, 2, … per chat).
static NEXT_INCOMING_ID: AtomicI32 = AtomicI32::new(1_000_000);
static NEXT_CALLBACK_ID: AtomicU64 = AtomicU64::new(1);

pub(crate) fn next_incoming_message_id() -> i32 {
    NEXT_INCOMING_ID.fetch_add(1, Ordering::Relaxed)
}

pub(crate) fn next_callback_id() -> String {
    format!(
        "{}",
        4_000_000_000_000_000_000u64 + NEXT_CALLBACK_ID.fetch_add(1, Ordering::Relaxed)
    )
}

/// Seconds since the Unix epoch, as Telegram's `date` fields.
pub(crate) fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The type of a chat, as Telegram's `Chat.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChatType {
    Private,
    Group,
    Supergroup,
}

impl ChatType {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatType::Private => "private",
            ChatType::Group => "group",
            ChatType::Supergroup => "supergroup",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ChatType> {
        match s {
            "private" => Some(ChatType::Private),
            "group" => Some(ChatType::Group),
            "supergroup" => Some(ChatType::Supergroup),
            _ => None,
        }
    }
}

/// A chat of the fake world.
///
/// For a private chat `title` is the other party's first name (Telegram has no title there).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatSpec {
    pub id: i64,
    pub kind: ChatType,
    pub title: Option<String>,
    pub username: Option<String>,
}

impl ChatSpec {
    /// A basic group (ids like `-4001234567`).
    pub fn group(id: i64, title: &str) -> ChatSpec {
        ChatSpec {
            id,
            kind: ChatType::Group,
            title: Some(title.to_owned()),
            username: None,
        }
    }

    /// A supergroup (ids like `-1001234567890`).
    pub fn supergroup(id: i64, title: &str) -> ChatSpec {
        ChatSpec {
            id,
            kind: ChatType::Supergroup,
            title: Some(title.to_owned()),
            username: None,
        }
    }

    /// The private chat with a user: its id is the user's id.
    pub fn private(user_id: i64) -> ChatSpec {
        ChatSpec {
            id: user_id,
            kind: ChatType::Private,
            title: None,
            username: None,
        }
    }

    /// The private chat with `user`, carrying the user's names like Telegram does.
    pub fn private_with(user: &UserSpec) -> ChatSpec {
        ChatSpec {
            id: user.id,
            kind: ChatType::Private,
            title: Some(user.first_name.clone()),
            username: user.username.clone(),
        }
    }

    /// What the fake assumes about a chat it was never told of: positive ids are private
    /// chats, `-100…` ids supergroups, other negative ids basic groups.
    pub fn guess(id: i64) -> ChatSpec {
        if id > 0 {
            ChatSpec::private(id)
        } else if id <= -1_000_000_000_000 {
            ChatSpec {
                id,
                kind: ChatType::Supergroup,
                title: None,
                username: None,
            }
        } else {
            ChatSpec {
                id,
                kind: ChatType::Group,
                title: None,
                username: None,
            }
        }
    }

    /// Telegram's `Chat` object.
    pub fn to_json(&self) -> Value {
        let mut o = Map::with_capacity(4);
        o.insert("id".into(), self.id.into());
        o.insert("type".into(), self.kind.as_str().into());
        match self.kind {
            ChatType::Private => {
                let name = self
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("User {}", self.id));
                o.insert("first_name".into(), name.into());
            }
            ChatType::Group | ChatType::Supergroup => {
                let title = self
                    .title
                    .clone()
                    .unwrap_or_else(|| format!("Group {}", self.id));
                o.insert("title".into(), title.into());
            }
        }
        if let Some(u) = &self.username
            && self.kind != ChatType::Group
        {
            o.insert("username".into(), u.clone().into());
        }
        Value::Object(o)
    }

    pub(crate) fn from_json(v: &Value) -> Option<ChatSpec> {
        let id = v.get("id")?.as_i64()?;
        let kind = ChatType::parse(v.get("type")?.as_str()?)?;
        let title = match kind {
            ChatType::Private => v.get("first_name"),
            _ => v.get("title"),
        }
        .and_then(Value::as_str)
        .map(str::to_owned);
        let username = v.get("username").and_then(Value::as_str).map(str::to_owned);
        Some(ChatSpec {
            id,
            kind,
            title,
            username,
        })
    }
}

/// A (human) user of the fake world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSpec {
    pub id: i64,
    pub first_name: String,
    pub username: Option<String>,
}

impl UserSpec {
    pub fn new(id: i64, first_name: &str) -> UserSpec {
        UserSpec {
            id,
            first_name: first_name.to_owned(),
            username: None,
        }
    }

    pub fn with_username(mut self, username: &str) -> UserSpec {
        self.username = Some(username.to_owned());
        self
    }

    /// Telegram's `User` object (`is_bot: false`).
    pub fn to_json(&self) -> Value {
        let mut o = Map::with_capacity(5);
        o.insert("id".into(), self.id.into());
        o.insert("is_bot".into(), false.into());
        o.insert("first_name".into(), self.first_name.clone().into());
        if let Some(u) = &self.username {
            o.insert("username".into(), u.clone().into());
        }
        o.insert("language_code".into(), "zh-hans".into());
        Value::Object(o)
    }

    pub(crate) fn from_json(v: &Value) -> Option<UserSpec> {
        Some(UserSpec {
            id: v.get("id")?.as_i64()?,
            first_name: v.get("first_name")?.as_str()?.to_owned(),
            username: v.get("username").and_then(Value::as_str).map(str::to_owned),
        })
    }
}

/// The bot's own identity and settings (what `getMe` answers).
#[derive(Clone, Debug)]
pub(crate) struct BotSpec {
    pub id: i64,
    pub username: String,
    pub first_name: String,
    /// @BotFather's `/setjoingroups`.
    pub can_join_groups: bool,
    /// @BotFather's `/setprivacy`: `false` while privacy mode is on (a new bot's default).
    pub can_read_all_group_messages: bool,
}

impl BotSpec {
    pub fn user_json(&self) -> Value {
        json!({
            "id": self.id,
            "is_bot": true,
            "first_name": self.first_name,
            "username": self.username,
        })
    }

    pub fn me_json(&self) -> Value {
        json!({
            "id": self.id,
            "is_bot": true,
            "first_name": self.first_name,
            "username": self.username,
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": false,
            "can_connect_to_business": false,
            "has_main_web_app": false,
        })
    }
}

/// A chat member's status, as Telegram's `ChatMember.status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Status {
    Creator,
    Administrator,
    Member,
    Restricted,
    Left,
    Kicked,
}

impl Status {
    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "creator" => Status::Creator,
            "administrator" => Status::Administrator,
            "member" => Status::Member,
            "restricted" => Status::Restricted,
            "left" => Status::Left,
            "kicked" => Status::Kicked,
            _ => return None,
        })
    }

    pub fn is_admin(self) -> bool {
        matches!(self, Status::Creator | Status::Administrator)
    }

    pub fn is_present(self) -> bool {
        !matches!(self, Status::Left | Status::Kicked)
    }

    /// Telegram's `ChatMember` object with every field teloxide requires for this status.
    pub fn member_json(self, user: Value) -> Value {
        match self {
            Status::Creator => json!({"user": user, "status": "creator", "is_anonymous": false}),
            Status::Administrator => json!({
                "user": user,
                "status": "administrator",
                "is_anonymous": false,
                "can_be_edited": false,
                "can_manage_chat": true,
                "can_change_info": true,
                "can_delete_messages": true,
                "can_manage_video_chats": true,
                "can_invite_users": true,
                "can_restrict_members": true,
                "can_pin_messages": true,
                "can_promote_members": false,
                "can_post_stories": false,
                "can_edit_stories": false,
                "can_delete_stories": false,
            }),
            Status::Member => json!({"user": user, "status": "member"}),
            Status::Restricted => json!({
                "user": user,
                "status": "restricted",
                "until_date": 0,
                "is_member": true,
                "can_send_messages": false,
                "can_send_audios": false,
                "can_send_documents": false,
                "can_send_photos": false,
                "can_send_videos": false,
                "can_send_video_notes": false,
                "can_send_voice_notes": false,
                "can_send_other_messages": false,
                "can_add_web_page_previews": false,
                "can_change_info": false,
                "can_invite_users": false,
                "can_pin_messages": false,
                "can_manage_topics": false,
                "can_send_polls": false,
            }),
            Status::Left => json!({"user": user, "status": "left"}),
            Status::Kicked => json!({"user": user, "status": "kicked", "until_date": 0}),
        }
    }
}

/// `bot_command` entities of a text, as Telegram marks them: a `/` at the start or after
/// whitespace, then `[A-Za-z0-9_]` (at most 64), optionally `@botname`. Offsets and
/// lengths count UTF-16 code units.
pub(crate) fn command_entities(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    let mut utf16_pos = 0usize;
    let mut prev_ws = true;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '/' && prev_ws {
            let rest = &text[i + 1..];
            let name_len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            if name_len > 0 && name_len <= 64 {
                let mut len = 1 + name_len;
                let after = &rest[name_len..];
                if let Some(bot) = after.strip_prefix('@') {
                    let bot_len = bot
                        .bytes()
                        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                        .count();
                    if bot_len > 0 {
                        len += 1 + bot_len;
                    }
                }
                out.push(json!({"type": "bot_command", "offset": utf16_pos, "length": len}));
                // The command is ASCII: skip it (its UTF-16 length equals its byte length).
                for _ in 1..len {
                    chars.next();
                }
                utf16_pos += len;
                prev_ws = false;
                continue;
            }
        }
        prev_ws = c.is_whitespace();
        utf16_pos += c.len_utf16();
    }
    out
}

/// A user's text message (without `update_id`).
pub(crate) fn text_message_json(chat: &ChatSpec, from: Value, text: &str) -> Map<String, Value> {
    let mut m = Map::with_capacity(7);
    m.insert("message_id".into(), next_incoming_message_id().into());
    m.insert("from".into(), from);
    m.insert("chat".into(), chat.to_json());
    m.insert("date".into(), unix_now().into());
    m.insert("text".into(), text.into());
    let entities = command_entities(text);
    if !entities.is_empty() {
        m.insert("entities".into(), Value::Array(entities));
    }
    m
}

pub(crate) fn group_anonymous_bot_json() -> Value {
    json!({
        "id": GROUP_ANONYMOUS_BOT_ID,
        "is_bot": true,
        "first_name": "Group",
        "username": "GroupAnonymousBot",
    })
}

pub(crate) fn update(kind: &str, body: Map<String, Value>) -> Value {
    let mut u = Map::with_capacity(1);
    u.insert(kind.to_owned(), Value::Object(body));
    Value::Object(u)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_entities_are_marked_like_telegram() {
        let e = command_entities("/subscribe 08:00");
        assert_eq!(
            e,
            vec![json!({"type":"bot_command","offset":0,"length":10})]
        );
        let e = command_entities("/add@mingjing_bot 类别 文本");
        assert_eq!(
            e,
            vec![json!({"type":"bot_command","offset":0,"length":17})]
        );
        assert!(command_entities("/添加").is_empty());
        assert!(command_entities("a/b").is_empty());
        let e = command_entities("你好 /stats");
        assert_eq!(e, vec![json!({"type":"bot_command","offset":3,"length":6})]);
        let e = command_entities("😀 /x");
        assert_eq!(e, vec![json!({"type":"bot_command","offset":3,"length":2})]);
    }
}
