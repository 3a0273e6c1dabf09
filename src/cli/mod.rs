//! The commands of the `mingjing` binary: run, playground, check, preview, export, import,
//! health. While the bot runs, `preview` and `export` ask it through [`crate::control`].

mod check;
mod playground;

use std::future::Future;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::bot::{self, App};
use crate::calendar::Calendar;
use crate::clock::{self, Clock};
use crate::config::{Config, Env};
use crate::content::{self, Library};
use crate::control::{self, Request};
use crate::schedule;
use crate::store::{Document, Store, StoreError};
use crate::telegram;

#[derive(Debug, Parser)]
#[command(
    name = "mingjing",
    version,
    about = "纪律明镜·天天照: the daily reminder bot"
)]
pub struct Args {
    /// The configuration file (default: ./config.toml when it exists, else built-in defaults).
    #[arg(long, global = true, env = "MINGJING_CONFIG")]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot (needs a token).
    Run,
    /// Try the bot in a browser without Telegram: the real bot against a built-in Bot API
    /// emulator, and a web chat at http://127.0.0.1:PORT/ (no token, no network).
    Playground {
        /// The web chat's port on 127.0.0.1 (0: any free port).
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Keep the playground's data in this folder (default: a temporary folder removed
        /// on exit). The configured storage.path is never used.
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Validate the configuration, the reminders and the holiday data.
    Check,
    /// Print the edition of a date as a member reads it; no token, no network.
    ///
    /// Today or a later date: what members will read (nothing is changed). An earlier
    /// date: the edition stored that day, or exit 1 when none was composed. While the bot
    /// runs, it is asked through its control socket.
    Preview {
        /// The date (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::calendar::parse_date)]
        date: Option<NaiveDate>,
    },
    /// Write everything needed to restore, as TOML, to standard output.
    ///
    /// While the bot runs, it is asked through its control socket.
    Export {
        /// Include the group robots' webhook URLs and secrets.
        #[arg(long)]
        with_secrets: bool,
    },
    /// Load a file written by `export` (`-`: standard input); the bot must be stopped.
    Import { file: PathBuf },
    /// Ask the running bot's web server (`[web] listen`) whether it is healthy: exit 0 if
    /// so, 1 if not (Docker's HEALTHCHECK).
    Health,
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = match Config::load(args.config.as_deref(), &env) {
        Ok(config) => config,
        Err(errors) if matches!(args.command, Some(Command::Check)) => {
            return Ok(check::config_failed(&errors));
        }
        Err(errors) => return Err(errors.into()),
    };
    crate::logging::protect(&config.token);
    if let Some(proxy) = &config.proxy {
        crate::logging::protect_proxy(proxy);
    }
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    let clock = Clock::from_env(std::env::var(clock::NOW_VAR).ok().as_deref())
        .map_err(anyhow::Error::msg)?;
    if clock.is_shifted() {
        tracing::warn!(now = %clock.now(), "the clock is shifted by {}", clock::NOW_VAR);
    }
    match args.command.unwrap_or(Command::Run) {
        Command::Run => run(config, clock),
        Command::Playground { port, data } => playground::run(config, clock, port, data),
        Command::Check => Ok(check::check(&config, &clock)),
        Command::Preview { date } => read_only(&config, &clock, Request::Preview(date)),
        Command::Export { with_secrets } => {
            read_only(&config, &clock, Request::Export { with_secrets })
        }
        Command::Import { file } => import(&config, &clock, &file),
        Command::Health => Ok(health(&config)),
    }
}

fn run(config: Config, clock: Clock) -> anyhow::Result<ExitCode> {
    if config.token.is_empty() {
        bail!(
            "no bot token: set TELOXIDE_TOKEN=<token from @BotFather> or telegram.token in the config file (try `mingjing playground` or `mingjing preview` without one)"
        );
    }
    serve(runtime()?, config, clock, None)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Runs the bot until a stop signal (or a refused token): the engine, the update listener,
/// the web server when configured, and the control socket; or, for the playground, its web
/// chat in place of the control socket.
fn serve(
    runtime: tokio::runtime::Runtime,
    config: Config,
    clock: Clock,
    playground: Option<crate::playground::Setup>,
) -> anyhow::Result<ExitCode> {
    let (library, calendar) = load_content(&config)?;
    let store = open_store(&config, &library, &clock)?;
    // App::new makes the engine, which starts its group-commit worker when it is made.
    let entered = runtime.enter();
    let bot = telegram::client(&config).context("cannot set up the HTTP client for Telegram")?;
    if let Some(proxy) = &config.proxy {
        tracing::info!(%proxy, "Telegram is reached through a proxy");
    }
    let shutdown = CancellationToken::new();
    let sender = telegram::TelegramSender::new(bot.clone(), config.token.clone());
    let app = Arc::new(App::new(
        config,
        store.clone(),
        calendar,
        clock,
        sender,
        shutdown.clone(),
    ));
    let engine = app.engine.clone();
    let host = control::Host {
        config: app.config.clone(),
        store: store.clone(),
        calendar: app.calendar.clone(),
        clock: app.clock.clone(),
    };
    drop(entered);
    let served = runtime.block_on(async {
        let signal = shutdown_signal().context("cannot listen for SIGTERM")?;
        let web = match app.config.web.listen {
            Some(addr) => {
                let listener = crate::web::bind(addr).await?;
                let (app, shutdown) = (app.clone(), shutdown.clone());
                Some(tokio::spawn(crate::web::serve(listener, app, shutdown)))
            }
            None => None,
        };
        tokio::spawn({
            let (shutdown, store) = (shutdown.clone(), store.clone());
            async move {
                signal.await;
                shutdown.cancel();
                hard_deadline(store);
            }
        });
        let delivering = tokio::spawn({
            let engine = engine.clone();
            let changed = app.changed.clone();
            async move { engine.run(changed).await }
        });
        // The playground's emulator is Telegram: it stays up until the bot has stopped.
        let emulator = playground.as_ref().map(|setup| setup.fake.clone());
        let answering = match playground {
            Some(setup) => {
                let next_due: crate::playground::NextDue = {
                    let engine = engine.clone();
                    Arc::new(move || engine.next_due())
                };
                let playground = Arc::new(crate::playground::Playground {
                    fake: setup.fake,
                    clock: app.clock.clone(),
                    next_due,
                    timezone: app.config.timezone,
                    shutdown: shutdown.clone(),
                });
                playground.sync_time();
                if setup.fresh {
                    tokio::spawn(crate::playground::greet(playground.fake.clone()));
                }
                Some(tokio::spawn(crate::playground::serve(
                    setup.listener,
                    playground,
                )))
            }
            None => serve_control(host, shutdown.clone()),
        };
        let served = bot::serve(app, bot, shutdown.clone()).await;
        // However the bot stopped (a signal, or a refused token), everything stops.
        shutdown.cancel();
        // The bot stopped (a signal, or a refused token): let sends in flight finish, and
        // leave the rest pending for the next start.
        engine.stop(SEND_GRACE).await;
        let _ = delivering.await;
        if let Some(answering) = answering {
            // It removes its socket as it stops.
            let _ = answering.await;
        }
        if let Some(web) = web {
            let _ = web.await;
        }
        drop(emulator);
        served
    });
    runtime.shutdown_timeout(Duration::from_secs(1));
    store.flush()?;
    served?;
    tracing::info!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// How long sends in flight may take to finish after a stop signal.
const SEND_GRACE: Duration = Duration::from_secs(6);
/// The latest a stop signal ends the process, whatever is still running.
const HARD_DEADLINE: Duration = Duration::from_millis(9500);

/// Exit status of a stop forced by [`HARD_DEADLINE`]: not a clean shutdown.
const FORCED_EXIT: i32 = 3;

/// Ends the process after [`HARD_DEADLINE`], having flushed the database, in case
/// something hangs during shutdown; the exit status then says the stop was forced.
fn hard_deadline(store: Store) {
    std::thread::spawn(move || {
        std::thread::sleep(HARD_DEADLINE);
        tracing::error!(
            "shutdown did not finish within {HARD_DEADLINE:?}; forcing the exit (status {FORCED_EXIT}); what was in flight stays pending for the next start"
        );
        let _ = store.flush();
        std::process::exit(FORCED_EXIT);
    });
}

/// Resolves on Ctrl-C or SIGTERM (`docker stop`). The handlers are installed at once, so a
/// signal that comes before the future is polled still counts.
fn shutdown_signal() -> std::io::Result<impl Future<Output = ()> + Send + 'static> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        Ok(async move {
            tokio::select! {
                _ = term.recv() => tracing::info!("SIGTERM received"),
                _ = int.recv() => tracing::info!("SIGINT received"),
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Starts answering `export` and `preview` on the control socket beside the database; the
/// bot runs without it (logging why) when it cannot be made.
fn serve_control(
    host: control::Host,
    shutdown: CancellationToken,
) -> Option<tokio::task::JoinHandle<()>> {
    match control::Socket::bind(&host.config.storage_path) {
        Ok(socket) => Some(tokio::spawn(control::serve(socket, host, shutdown))),
        Err(e) => {
            tracing::warn!(
                socket = %control::socket_path(&host.config.storage_path).display(),
                error = %e,
                "no control socket: `mingjing export` and `preview` cannot reach the running bot"
            );
            None
        }
    }
}

/// Loads the library and calendar the config names, with every problem as `file:line: reason`.
pub fn load_content(config: &Config) -> anyhow::Result<(Library, Calendar)> {
    let library = load_library(config).map_err(anyhow::Error::msg)?;
    let calendar = Calendar::load(config.calendar.as_deref()).map_err(anyhow::Error::msg)?;
    Ok((library, calendar))
}

/// The library the config names; anchors are checked against the built-in calendar.
fn load_library(config: &Config) -> Result<Library, content::LineErrors> {
    let holidays = Calendar::built_in().holiday_names();
    content::load_library(&config.content_dir, &holidays)
}

/// Opens the database and adds the shipped items that are new.
pub fn open_store(config: &Config, library: &Library, clock: &Clock) -> anyhow::Result<Store> {
    create_storage_folder(config)?;
    let store = Store::open(&config.storage_path)?;
    sync_library(&store, library, clock)?;
    sync_robots(&store, config, clock)?;
    Ok(store)
}

/// Adds the shipped items that are new and removes the retired ones (SPEC §4).
fn sync_library(store: &Store, library: &Library, clock: &Clock) -> anyhow::Result<()> {
    store.sync_shipped(&library.items, clock.now())?;
    store.retire_shipped(&library.retired, clock.now())?;
    Ok(())
}

/// Keeps the stored group robots in step with the config's `[[robot]]` entries (SPEC §16).
fn sync_robots(store: &Store, config: &Config, clock: &Clock) -> anyhow::Result<()> {
    let (added, removed) = store.sync_config_robots(&config.robots.0, clock.now())?;
    if added + removed > 0 {
        tracing::info!(added, removed, "group robots of the config file");
    }
    Ok(())
}

/// `export` and `preview`: answered from the database, or by the running bot that holds
/// it (SPEC §8), printed the same way.
fn read_only(config: &Config, clock: &Clock, request: Request) -> anyhow::Result<ExitCode> {
    let answer = match open_unless_running(config)? {
        None => control::ask(&config.storage_path, request)?,
        Some(store) => {
            let (library, calendar) = load_content(config)?;
            sync_library(&store, &library, clock)?;
            let source = control::Source {
                config,
                store: &store,
                calendar: &calendar,
                today: schedule::local_date(clock.now(), config.timezone),
            };
            control::answers::answer(request, source)?
        }
    };
    std::io::stderr().write_all(&answer.err)?;
    let mut out = std::io::stdout().lock();
    // Flushed here: a failure to write (a full disk under `> backup.toml`) must not pass.
    out.write_all(&answer.out)
        .and_then(|()| out.flush())
        .context("cannot write to standard output")?;
    Ok(ExitCode::from(answer.code))
}

/// Opens the database, or `None` when another process (the bot) holds it.
fn open_unless_running(config: &Config) -> anyhow::Result<Option<Store>> {
    create_storage_folder(config)?;
    match Store::open(&config.storage_path) {
        Ok(store) => Ok(Some(store)),
        Err(StoreError::Locked(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn create_storage_folder(config: &Config) -> anyhow::Result<()> {
    if let Some(parent) = config.storage_path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    Ok(())
}

/// `mingjing health`: 0 when the running bot's `/healthz` says healthy, else 1.
fn health(config: &Config) -> ExitCode {
    let Some(listen) = config.web.listen else {
        println!("unhealthy: the web server is off (set [web] listen to check health)");
        return ExitCode::FAILURE;
    };
    match crate::web::health::ask(listen) {
        Ok((200, body)) => {
            println!("{}", body.trim());
            ExitCode::SUCCESS
        }
        Ok((status, body)) => {
            println!("unhealthy ({status}): {}", body.trim());
            ExitCode::FAILURE
        }
        Err(e) => {
            println!("unhealthy: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn import(config: &Config, clock: &Clock, file: &Path) -> anyhow::Result<ExitCode> {
    let (library, _) = load_content(config)?;
    let (name, src) = if file == Path::new("-") {
        let mut src = String::new();
        std::io::stdin()
            .read_to_string(&mut src)
            .context("cannot read standard input")?;
        ("<stdin>".to_string(), src)
    } else {
        let src = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        (file.display().to_string(), src)
    };
    let doc = Document::read(&name, &src)?;
    let Some(store) = open_unless_running(config)? else {
        bail!(
            "cannot import while the bot is running (the database {} is in use): stop the bot (`docker stop mingjing`, or SIGTERM / Ctrl-C), run `mingjing import {}`, then start the bot again",
            config.storage_path.display(),
            file.display()
        );
    };
    store.import(&doc)?;
    sync_library(&store, &library, clock)?;
    eprintln!(
        "imported {} items, {} subscriptions, {} editions",
        doc.items.len(),
        doc.subscriptions.len(),
        doc.editions.len()
    );
    Ok(ExitCode::SUCCESS)
}
