//! The playground (SPEC §15): the real bot against the built-in Bot API emulator
//! ([`fakeapi`]), and a web chat on 127.0.0.1 to use it as a group's members would. It
//! reaches into the bot only through the clock and the engine's next-due query; everything
//! the user sees goes through the Bot API, as with Telegram.
//!
//! - this file: the world (a group, its members, a private chat), the config the bot runs
//!   with, 快进;
//! - [`web`]: the page and its JSON API.

mod web;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use fakeapi::{ChatSpec, FakeApi, Options, UserSpec};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::config::{Config, Robots, Token};
use crate::delivery::Kind;

pub use web::serve;

/// The group of the playground.
pub const GROUP: i64 = -1_001_000_000_001;
pub const GROUP_TITLE: &str = "第一党支部";
/// You: the group's creator and a bot admin.
pub const YOU: i64 = 10_001;
/// Your name in the world.
pub const YOUR_NAME: &str = "我";
/// The group's members besides you.
pub const MEMBERS: [(i64, &str); 3] = [(10_002, "张三"), (10_003, "李四"), (10_004, "王五")];

/// How long before a due instant 快进 leaves the clock: the message comes seconds later.
const LEAD: chrono::Duration = chrono::Duration::seconds(3);

/// The engine's next due instant and its kinds (`Engine::next_due`).
pub type NextDue = Arc<dyn Fn() -> Option<(DateTime<Utc>, Vec<Kind>)> + Send + Sync>;

/// The playground's side of the running bot.
pub struct Playground {
    pub fake: FakeApi,
    pub clock: Clock,
    pub next_due: NextDue,
    pub timezone: Tz,
    pub shutdown: CancellationToken,
}

/// What [`run`](crate::cli) needs to start a playground beside the bot.
pub struct Setup {
    pub fake: FakeApi,
    pub listener: TcpListener,
    /// Whether the data folder was new: the world is then set up through the Bot API (the
    /// bot added to the group, `/subscribe`, `/orglife on`, `/start`).
    pub fresh: bool,
}

/// Starts the emulator with the world's chats and people (the conversation starts in
/// [`greet`]). Call inside the runtime the bot runs on.
pub async fn start_emulator() -> FakeApi {
    let fake = FakeApi::start(Options {
        // Telegram's limits are kept; privacy mode is off, as for a group's working bot.
        can_read_all_group_messages: true,
        ..Options::default()
    })
    .await;
    fake.add_chat(ChatSpec::supergroup(GROUP, GROUP_TITLE));
    fake.add_user(you());
    fake.add_chat(ChatSpec::private_with(&you()));
    fake.set_member_status(GROUP, YOU, "creator");
    for (id, name) in MEMBERS {
        fake.add_user(UserSpec::new(id, name));
        fake.set_member_status(GROUP, id, "member");
    }
    fake.set_member_status(GROUP, fake.bot_user().id, "member");
    fake
}

/// The bot's configuration in the playground: the file's content and schedule settings,
/// with the emulator as Telegram, you as the only bot admin, the data in `dir`, 组织生活
/// and 督办 on, and nothing that reaches the network or the configured storage.
pub fn config(mut config: Config, api_url: &str, dir: &Path) -> anyhow::Result<Config> {
    config.token = Token::new("playground:emulator");
    config.api_url = Some(url::Url::parse(api_url)?);
    config.proxy = None;
    config.admins = vec![YOU];
    config.storage_path = dir.join("data");
    config.orglife.enabled = true;
    config.tasks.enabled = true;
    config.robots = Robots::default();
    config.web.listen = None;
    Ok(config)
}

/// The first conversation of a new world, through the Bot API: you add the bot to the
/// group, subscribe it and opt in to 组织生活, and start your private chat; each step once
/// the bot has answered the one before in that chat, so that the chats read in order.
pub async fn greet(fake: FakeApi) {
    let (group, me) = (ChatSpec::supergroup(GROUP, GROUP_TITLE), you());
    let private = ChatSpec::private_with(&me);
    let steps = [
        (GROUP, fake.bot_added(&group, &me)),
        (GROUP, FakeApi::text_message(&group, &me, "/subscribe")),
        (GROUP, FakeApi::text_message(&group, &me, "/orglife on")),
        (YOU, FakeApi::text_message(&private, &me, "/start")),
    ];
    for (chat, update) in steps {
        let before = fake.history(chat).len();
        let mut changes = fake.changes();
        fake.push_update(fake.stamp(update));
        let answered = || fake.history(chat).iter().skip(before).any(|m| m.from_bot);
        let deadline = tokio::time::Instant::now() + GREETING_WAIT;
        while !answered() {
            if !matches!(
                tokio::time::timeout_at(deadline, changes.changed()).await,
                Ok(Ok(()))
            ) {
                break;
            }
        }
    }
}

/// How long the greeting waits for each of the bot's answers.
const GREETING_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

fn you() -> UserSpec {
    UserSpec::new(YOU, YOUR_NAME)
}

impl Playground {
    /// Keeps the emulator's clock (the `date` of messages) with the bot's.
    pub fn sync_time(&self) {
        let offset = (self.clock.now() - Utc::now()).num_milliseconds();
        self.fake.set_time_offset(offset);
    }

    /// 快进: moves the clock to just before the next scheduled message, so that it comes
    /// within seconds; the engine re-arms its alarm as the clock moves. `None` when nothing
    /// is scheduled.
    pub fn fast_forward(&self) -> Option<(DateTime<Utc>, Vec<Kind>)> {
        let (due, kinds) = (self.next_due)()?;
        let target = due - LEAD;
        if target > self.clock.now() {
            self.clock.set(target);
            self.sync_time();
        }
        Some((due, kinds))
    }
}

/// What a user calls a scheduled message of these kinds. 督办 kinds are due each working
/// morning but have something to say only some days: named only when alone.
pub fn kinds_label(kinds: &[Kind]) -> String {
    let name = |k: &Kind| match k {
        Kind::Edition => "早间提醒",
        Kind::MonthStart => "月初提醒",
        Kind::MonthEnd => "月末调度",
        Kind::OrgSummary => "组织生活通报",
        Kind::TaskReminder => "督办提醒",
        Kind::TaskOverdue => "逾期提醒",
        Kind::Notice => "通知",
    };
    let main: Vec<&str> = kinds
        .iter()
        .filter(|k| !matches!(k, Kind::TaskReminder | Kind::TaskOverdue))
        .map(name)
        .collect();
    if main.is_empty() {
        "督办提醒".to_string()
    } else {
        main.join("、")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_messages_are_named_as_users_call_them() {
        let all = [Kind::Edition, Kind::MonthStart, Kind::TaskReminder];
        assert_eq!(kinds_label(&all), "早间提醒、月初提醒");
        assert_eq!(
            kinds_label(&[Kind::TaskReminder, Kind::TaskOverdue]),
            "督办提醒"
        );
        assert_eq!(kinds_label(&[Kind::OrgSummary]), "组织生活通报");
    }
}
