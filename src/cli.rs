//! The commands of the `mingjing` binary: run, check, preview, export, import, health.

use std::future::Future;
use std::io::Write;
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
use crate::edition;
use crate::overrides::Action;
use crate::replies;
use crate::schedule;
use crate::store::{Document, Store};
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
    /// Validate the configuration, the reminders and the holiday data.
    Check,
    /// Print the edition of a date as a member reads it; no token, no network.
    Preview {
        /// The date, YYYY-MM-DD (default: today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Write everything needed to restore, as TOML, to standard output.
    Export,
    /// Load a file written by `export`.
    Import { file: PathBuf },
    /// Ask the running bot's web server (`[web] listen`) whether it is healthy: exit 0 if
    /// so, 1 if not (Docker's HEALTHCHECK).
    Health,
}

pub fn main(args: Args) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let config = Config::load(args.config.as_deref(), &env)?;
    crate::logging::protect(&config.token);
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
        Command::Check => Ok(check(&config, &clock)),
        Command::Preview { date } => preview(&config, &clock, date),
        Command::Export => export(&config, &clock),
        Command::Import { file } => import(&config, &clock, &file),
        Command::Health => Ok(health(&config)),
    }
}

fn run(config: Config, clock: Clock) -> anyhow::Result<ExitCode> {
    if config.token.is_empty() {
        bail!(
            "no bot token: set TELOXIDE_TOKEN=<token from @BotFather> or telegram.token in the config file (try `mingjing preview` without one)"
        );
    }
    let (library, calendar) = load_content(&config)?;
    let store = open_store(&config, &library, &clock)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    // App::new makes the engine, which starts its group-commit worker when it is made.
    let entered = runtime.enter();
    let bot = telegram::client(&config);
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
        let served = bot::serve(app, bot, shutdown.clone()).await;
        // However the bot stopped (a signal, or a refused token), everything stops.
        shutdown.cancel();
        // The bot stopped (a signal, or a refused token): let sends in flight finish, and
        // leave the rest pending for the next start.
        engine.stop(SEND_GRACE).await;
        let _ = delivering.await;
        if let Some(web) = web {
            let _ = web.await;
        }
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

/// Loads the library and calendar the config names, with every problem as `file:line: reason`.
pub fn load_content(config: &Config) -> anyhow::Result<(Library, Calendar)> {
    let library = content::load_library(&config.content_dir).map_err(anyhow::Error::msg)?;
    let calendar = Calendar::load(config.calendar.as_deref()).map_err(anyhow::Error::msg)?;
    Ok((library, calendar))
}

/// Opens the database and adds the shipped items that are new.
pub fn open_store(config: &Config, library: &Library, clock: &Clock) -> anyhow::Result<Store> {
    if let Some(parent) = config.storage_path.parent() {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let store = Store::open(&config.storage_path)?;
    store.sync_shipped(&library.items, clock.now())?;
    Ok(store)
}

fn check(config: &Config, clock: &Clock) -> ExitCode {
    let mut ok = true;
    match content::load_library(&config.content_dir) {
        Ok(lib) => {
            for w in &lib.warnings {
                println!("warning: {w}");
            }
            let counts = content::Category::ALL.map(|c| {
                format!(
                    "{c} {}",
                    lib.items.iter().filter(|i| i.category == c).count()
                )
            });
            println!(
                "reminders: {} items ({})",
                lib.items.len(),
                counts.join(", ")
            );
        }
        Err(e) => {
            println!("{e}");
            ok = false;
        }
    }
    match Calendar::load(config.calendar.as_deref()) {
        Ok(cal) => {
            let today = schedule::local_date(clock.now(), config.timezone);
            if let Some(year) = cal.missing_year(today) {
                println!(
                    "warning: the holiday arrangement of {year} is not known; add it with schedule.calendar"
                );
            }
            println!("calendar: ok");
        }
        Err(e) => {
            println!("{e}");
            ok = false;
        }
    }
    for w in &config.warnings {
        println!("warning: {w}");
    }
    if ok {
        println!("ok");
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn preview(config: &Config, clock: &Clock, date: Option<NaiveDate>) -> anyhow::Result<ExitCode> {
    let (library, calendar) = load_content(config)?;
    let store = open_store(config, &library, clock)?;
    let today = schedule::local_date(clock.now(), config.timezone);
    let date = date.unwrap_or(today);
    let edition = store.forecast(
        date,
        today,
        |d| calendar.is_delivery_day(config.days, d),
        |d| schedule::study_on(config.study, &calendar, config.days, d),
    )?;
    if let Some(o) = store.override_on(date)?
        && o.action == Action::Skip
        && edition.is_empty()
    {
        println!("{}", replies::overrides::skipped_day(date));
        return Ok(ExitCode::SUCCESS);
    }
    if !calendar.is_delivery_day(config.days, date) {
        eprintln!(
            "note: {date} is not a delivery day ({}); this is what it would be",
            calendar_reason(&calendar, date)
        );
    }
    if edition.is_empty() {
        bail!("there are no items: nothing would be sent on {date}");
    }
    println!("{}", edition::plain(&edition.html));
    Ok(ExitCode::SUCCESS)
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

fn calendar_reason(calendar: &Calendar, date: NaiveDate) -> String {
    match calendar.day_kind(date) {
        crate::calendar::DayKind::Holiday(name) => name,
        _ => "weekend".into(),
    }
}

fn export(config: &Config, clock: &Clock) -> anyhow::Result<ExitCode> {
    let (library, _) = load_content(config)?;
    let store = open_store(config, &library, clock)?;
    let text = toml::to_string(&store.export()?).context("cannot write the export")?;
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(ExitCode::SUCCESS)
}

fn import(config: &Config, clock: &Clock, file: &Path) -> anyhow::Result<ExitCode> {
    let (library, _) = load_content(config)?;
    let src =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let doc: Document = toml::from_str(&src)
        .map_err(|e| anyhow::anyhow!(content::toml_error(&file.display().to_string(), &src, &e)))?;
    if let Some(parent) = config.storage_path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let store = Store::open(&config.storage_path)?;
    store.import(&doc)?;
    store.sync_shipped(&library.items, clock.now())?;
    eprintln!(
        "imported {} items, {} subscriptions, {} editions",
        doc.items.len(),
        doc.subscriptions.len(),
        doc.editions.len()
    );
    Ok(ExitCode::SUCCESS)
}
