//! The Telegram bot: shared state, the handler tree, and serving updates until shutdown.
//!
//! It parses with [`crate::command`] and decides who may do what with [`crate::access`].
//! - [`subscriptions`], [`library`], [`reading`]: what each command does to the store and
//!   the reply it gets (no Telegram calls);
//! - [`handlers`], [`lifecycle`]: the Telegram side of messages and membership changes;
//! - [`taps`], [`records`]: check-in taps on the `✅ 已学习` button, `/checkin`, `/report`;
//! - [`orglife`]: `/orglife`, `/done`, `/undone`, `/report orglife`, taps on item buttons;
//! - [`tasks`]: 督办: `/task`, `/tasks`, `/progress`, progress replies, taps on task cards;
//! - [`upload`]: the library uploaded as a file (dry run, confirmation) and `/export`;
//! - [`backup`]: `/backup`, the whole database as a file;
//! - [`notice`]: `/notice` and the taps on its `发送` / `取消`;
//! - [`console`]: `/web`, a bot admin's one-time login link to the web console;
//! - [`polling`]: long polling for updates, noting each answer for `/healthz`;
//! - [`outbox`]: sending replies.
//!
//! Every text users read is in [`crate::replies`].

pub mod backup;
pub mod console;
pub mod handlers;
pub mod library;
pub mod lifecycle;
pub mod notice;
pub mod orglife;
pub mod outbox;
pub mod overrides;
pub mod polling;
pub mod reading;
pub mod records;
pub mod robots;
pub mod subscriptions;
pub mod taps;
pub mod tasks;
pub mod upload;

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use teloxide::dispatching::{Dispatcher, UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Me, Recipient, UpdateKind};
use teloxide::update_listeners::UpdateListener;
use teloxide::{ApiError, RequestError};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::calendar::Calendar;
use crate::clock::Clock;
use crate::command::{Audience, CommandName};
use crate::config::{Config, Token};
use crate::deliver::Engine;
use crate::deliver::port::Route;
use crate::replies;
use crate::store::Store;
use crate::telegram::{TelegramSender, describe};
use crate::webhook::WebhookSender;

/// The engine's sending port: Telegram, and the group robots.
pub type Sending = Route<TelegramSender, WebhookSender>;

/// Seconds a `getUpdates` long poll waits for updates.
const POLL_TIMEOUT: Duration = Duration::from_secs(10);
/// After shutdown is asked for, how long updates in progress may take to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// The longest wait between attempts to reach Telegram at start.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// What every handler shares.
pub struct App {
    pub config: Arc<Config>,
    pub store: Store,
    pub calendar: Arc<Calendar>,
    /// Notified (`notify_one`) after every change of a subscription, so that the scheduler
    /// can recompute due times.
    pub changed: Arc<Notify>,
    /// The process clock.
    pub clock: Clock,
    /// The delivery engine, for `/pushnow` and `/stats`; the caller runs it
    /// ([`Engine::run`]) and stops it.
    pub engine: Engine<Sending>,
    /// The group robots' webhooks, for `/robot test`.
    pub webhooks: WebhookSender,
    /// The check-in buttons whose labels are being edited.
    pub labels: taps::Labels,
    /// The 督办 cards whose edits are under way.
    pub cards: taps::Labels,
    /// Uploaded files waiting for their confirmation.
    pub uploads: upload::Uploads,
}

impl App {
    /// The state of the bot, with its delivery engine sending through `sender` and
    /// stopping its waits at `shutdown`.
    pub fn new(
        config: Config,
        store: Store,
        calendar: Calendar,
        clock: Clock,
        sender: TelegramSender,
        shutdown: CancellationToken,
    ) -> App {
        let (config, calendar) = (Arc::new(config), Arc::new(calendar));
        let webhooks = WebhookSender::new(store.clone());
        let sender = Route {
            main: sender,
            robots: webhooks.clone(),
        };
        let engine = Engine::new(
            store.clone(),
            sender,
            config.clone(),
            calendar.clone(),
            clock.clone(),
            shutdown,
        );
        App {
            config,
            store,
            calendar,
            changed: Arc::new(Notify::new()),
            clock,
            engine,
            webhooks,
            labels: taps::Labels::default(),
            cards: taps::Labels::default(),
            uploads: upload::Uploads::default(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The local date and time in `schedule.timezone`.
    pub fn local_now(&self) -> NaiveDateTime {
        self.now()
            .with_timezone(&self.config.timezone)
            .naive_local()
    }

    /// Today in `schedule.timezone`.
    pub fn today(&self) -> NaiveDate {
        self.local_now().date()
    }
}

/// Runs store work (sled reads, writes and flushes block) off the async threads.
async fn with_store<T, F>(app: &Arc<App>, work: F) -> anyhow::Result<T>
where
    T: Send + 'static,
    F: FnOnce(&App) -> crate::store::Result<T> + Send + 'static,
{
    let app = Arc::clone(app);
    Ok(tokio::task::spawn_blocking(move || work(&app)).await??)
}

/// Connects to Telegram (retrying until it answers), deletes any webhook, registers the
/// command menu, and serves updates by long polling until `shutdown` is cancelled.
pub async fn serve(app: Arc<App>, bot: Bot, shutdown: CancellationToken) -> anyhow::Result<()> {
    let token = app.config.token.clone();
    let me = tokio::select! {
        me = connect(&bot, &app.config) => me?,
        () = shutdown.cancelled() => return Ok(()),
    };
    tracing::info!(
        username = me.user.username.as_deref().unwrap_or(""),
        "connected to Telegram; serving updates"
    );
    if !me.can_read_all_group_messages {
        tracing::warn!(
            "privacy mode is on (@BotFather /setprivacy): in groups where the bot is not an admin it sees commands and button taps, not ordinary messages; the 记实 reports count the members it does not know from Telegram's member count (README: 隐私模式)"
        );
    }

    let mut listener = polling::listener(bot.clone(), POLL_TIMEOUT);
    let listener_stop = listener.stop_token();
    let mut dispatcher = Dispatcher::builder(bot, schema())
        .distribution_function(distribute)
        .dependencies(dptree::deps![app])
        .default_handler(|_| async {})
        .build();
    let dispatcher_stop = dispatcher.shutdown_token();
    let watcher = tokio::spawn({
        let shutdown = shutdown.clone();
        async move {
            shutdown.cancelled().await;
            tracing::info!("shutting down: no more updates are taken");
            listener_stop.stop();
            // The dispatcher refuses a shutdown until it has started: try again shortly.
            while dispatcher_stop.shutdown().is_err() {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    });
    let listener_token = token.clone();
    let listener_errors = Arc::new(move |e: RequestError| {
        let text = describe(&e, &listener_token);
        async move { tracing::warn!(error = %text, "getUpdates failed") }
    });
    let outcome = tokio::select! {
        r = dispatcher.try_dispatch_with_listener(listener, listener_errors) => {
            r.map_err(|e| anyhow::anyhow!("cannot start serving: {}", describe(&e, &token)))
        }
        () = async { shutdown.cancelled().await; tokio::time::sleep(SHUTDOWN_GRACE).await } => {
            tracing::warn!("updates still in progress after {SHUTDOWN_GRACE:?}; stopping anyway");
            Ok(())
        }
    };
    watcher.abort();
    outcome
}

/// The handler tree: messages (commands, group migrations) and the bot's own membership.
fn schema() -> UpdateHandler<Infallible> {
    dptree::entry()
        .branch(Update::filter_message().endpoint(handlers::on_message))
        .branch(Update::filter_my_chat_member().endpoint(lifecycle::on_my_chat_member))
        .branch(Update::filter_callback_query().endpoint(taps::on_callback))
}

/// Updates of one chat are handled in order, one at a time; taps on the check-in button
/// are independent of each other and come in hundreds at once, so each is handled as it
/// comes (Telegram wants an answer to each within seconds).
fn distribute(update: &Update) -> Option<ChatId> {
    match update.kind {
        UpdateKind::CallbackQuery(_) => None,
        _ => update.chat().map(|c| c.id),
    }
}

/// getMe (until Telegram answers), deleteWebhook, setMyCommands.
async fn connect(bot: &Bot, config: &Config) -> anyhow::Result<Me> {
    let (token, admins) = (&config.token, &config.admins);
    let unreachable = Unreachable::of(config);
    let me = persist("getMe", token, &unreachable, || bot.get_me().send()).await?;
    persist("deleteWebhook", token, &unreachable, || {
        bot.delete_webhook().send()
    })
    .await?;
    register_menu(bot, token, admins).await;
    check_admins(bot, token, admins).await;
    Ok(me)
}

/// What the log says when Telegram cannot be reached at all (a network error): the host
/// tried, and the proxy setting to check.
struct Unreachable {
    host: String,
    hint: String,
}

impl Unreachable {
    fn of(config: &Config) -> Unreachable {
        let hint = match &config.proxy {
            Some(proxy) => format!(
                "check that the proxy {proxy} is up and reaches Telegram (telegram.proxy / TELOXIDE_PROXY)"
            ),
            None => "where Telegram is reached only through a proxy, set telegram.proxy (or TELOXIDE_PROXY), e.g. socks5://127.0.0.1:1080".to_string(),
        };
        Unreachable {
            host: crate::telegram::api_host(config),
            hint,
        }
    }
}

/// Names in the log the bot admins the bot cannot write to privately (they never started a
/// chat with it), since failure reports to them would be lost.
async fn check_admins(bot: &Bot, token: &Token, admins: &[i64]) {
    if admins.is_empty() {
        tracing::warn!(
            "no bot admins configured (telegram.admins): nobody can curate texts or get failure reports"
        );
    }
    for &admin in admins {
        if let Err(e) = bot.get_chat(ChatId(admin)).await {
            tracing::warn!(
                admin,
                error = %describe(&e, token),
                "bot admin cannot be reached privately: they must open a private chat with the bot and send /start"
            );
        }
    }
}

/// Runs a start-up request until it succeeds, waiting longer after each failure; a refused
/// token ends it at once.
async fn persist<T, F, Fut>(
    what: &str,
    token: &Token,
    unreachable: &Unreachable,
    mut call: F,
) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RequestError>>,
{
    let mut wait = Duration::from_secs(1);
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(RequestError::Api(ApiError::InvalidToken)) => {
                bail!("Telegram refused the bot token ({what}: Unauthorized); check TELOXIDE_TOKEN")
            }
            Err(e) => {
                let wait_for = match &e {
                    RequestError::RetryAfter(s) => s.duration(),
                    _ => wait,
                };
                if let RequestError::Network(_) = e {
                    tracing::warn!(
                        error = %describe(&e, token),
                        host = %unreachable.host,
                        "{what} failed: cannot reach Telegram at {}; {}; trying again in {wait_for:?}",
                        unreachable.host,
                        unreachable.hint
                    );
                } else {
                    tracing::warn!(
                        error = %describe(&e, token),
                        "{what} failed; trying again in {wait_for:?}"
                    );
                }
                tokio::time::sleep(wait_for).await;
                wait = (wait * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// The command menu: members see theirs everywhere; chat admins (and every user in a
/// private chat) also the subscription commands; bot admins, in their private chat, all.
async fn register_menu(bot: &Bot, token: &Token, admins: &[i64]) {
    let menu = |audiences: &[Audience]| -> Vec<BotCommand> {
        CommandName::ALL
            .into_iter()
            .filter(|c| audiences.contains(&c.audience()))
            .map(|c| BotCommand::new(c.as_str(), replies::menu_description(c)))
            .collect()
    };
    let members = menu(&[Audience::Anyone]);
    let chat_admins = menu(&[Audience::Anyone, Audience::ChatAdmin]);
    let bot_admins = menu(&[Audience::Anyone, Audience::ChatAdmin, Audience::BotAdmin]);
    let mut scopes = vec![
        (BotCommandScope::Default, members),
        (BotCommandScope::AllPrivateChats, chat_admins.clone()),
        (BotCommandScope::AllChatAdministrators, chat_admins),
    ];
    for &admin in admins {
        let chat_id = Recipient::Id(ChatId(admin));
        scopes.push((BotCommandScope::Chat { chat_id }, bot_admins.clone()));
    }
    for (scope, commands) in scopes {
        if let Err(e) = bot.set_my_commands(commands).scope(scope.clone()).await {
            // A bot admin who never started a private chat with the bot cannot get a menu.
            tracing::warn!(scope = ?scope, error = %describe(&e, token), "setMyCommands failed");
        }
    }
}
