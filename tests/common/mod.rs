//! Shared helpers of the end-to-end tests: the real `mingjing` binary against a fake Bot API
//! on 127.0.0.1, each test in its own temporary folder (config, database, logs).
//!
//! The tests never depend on the day they run: every process the harness starts gets its
//! clock through `MINGJING_NOW` (SPEC §10, "Test clock"), from [`START`] unless a test
//! chooses its own instant, and the clock keeps running across restarts of the bot.

#![allow(dead_code)] // each test file uses a different part

pub mod playground;
pub mod proxy;
pub mod web;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use fakeapi::{ChatSpec, FakeApi, Options, Sent, UserSpec};
use mingjing::store::{Document, Store};
use mingjing::subscription::Subscription;
use serde_json::Value;

/// The bot token the tests run with; no log line may contain it.
pub const TOKEN: &str = "123456:TEST-SECRET-TOKEN";
/// A bot admin (in `config.admins`).
pub const BOT_ADMIN: i64 = 42;
/// The bot's username at the fake.
pub const USERNAME: &str = "mingjing_bot";
/// How long anything the bot does may take before a test fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// Where the tests' clock starts unless a test chooses (Shanghai time): a Tuesday, an
/// ordinary working day in a year the built-in calendar knows, after the October whose
/// check-in report the tests ask for, and two hours after the default 08:00 push.
pub const START: &str = "2026-11-03 10:00:00";

/// The Shanghai wall-clock instant `local` (`YYYY-MM-DD HH:MM:SS`).
pub fn shanghai(local: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S")
        .unwrap_or_else(|e| panic!("{local:?} is not YYYY-MM-DD HH:MM:SS: {e}"));
    Shanghai
        .from_local_datetime(&naive)
        .single()
        .expect("Shanghai has no daylight saving time")
        .with_timezone(&Utc)
}

/// `hms` (`HH:MM:SS`, Shanghai) on the day of [`START`].
pub fn on_start_day(hms: &str) -> DateTime<Utc> {
    shanghai(&format!("{} {hms}", today().format("%Y-%m-%d")))
}

/// The day of [`START`], in Asia/Shanghai (the tests' time zone): "today" for every test
/// that does not choose its own instant.
pub fn today() -> NaiveDate {
    shanghai(START).with_timezone(&Shanghai).date_naive()
}

/// Noon of the day before [`START`]: when the tests' imported subscriptions were made.
pub fn the_day_before() -> DateTime<Utc> {
    on_start_day("12:00:00") - chrono::Duration::days(1)
}

/// `HH:MM:SS` as a time of day.
pub fn time(hms: &str) -> NaiveTime {
    NaiveTime::parse_from_str(hms, "%H:%M:%S")
        .unwrap_or_else(|e| panic!("{hms:?} is not HH:MM:SS: {e}"))
}

/// The clock the harness hands to every process it starts: it shows `start` at `since`
/// and runs at real speed, so the bot's clock goes on across restarts.
#[derive(Clone, Copy, Debug)]
pub struct TestClock {
    start: DateTime<Utc>,
    since: Instant,
}

impl TestClock {
    /// A clock that shows `start` now.
    pub fn starting_at(start: DateTime<Utc>) -> TestClock {
        TestClock {
            start,
            since: Instant::now(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.start + chrono::Duration::from_std(self.since.elapsed()).expect("a short test")
    }

    /// The value of `MINGJING_NOW` for a process started now.
    pub fn env(&self) -> String {
        self.now().to_rfc3339()
    }

    /// The monotonic instant at which this clock shows `at`.
    pub fn instant_of(&self, at: DateTime<Utc>) -> Instant {
        match (at - self.start).to_std() {
            Ok(ahead) => self.since + ahead,
            Err(_) => self.since - (self.start - at).to_std().expect("a short test"),
        }
    }
}

pub fn admin() -> UserSpec {
    UserSpec::new(BOT_ADMIN, "管理员")
}

/// The private chat with the bot admin.
pub fn admin_chat() -> ChatSpec {
    ChatSpec::private_with(&admin())
}

/// The group most tests use.
pub fn group() -> ChatSpec {
    ChatSpec::group(-4_001, "第一支部")
}

/// A member of [`group`].
pub fn member() -> UserSpec {
    UserSpec::new(7, "党员")
}

/// A group admin (status "administrator" at the fake once a test tells it).
pub fn chair() -> UserSpec {
    UserSpec::new(8, "支部书记")
}

/// How a test wants the bot set up.
#[derive(Default)]
pub struct Setup {
    /// `reminders/*.toml` files as (name, contents); `None`: the built-in library.
    pub reminders: Option<Vec<(&'static str, String)>>,
    /// TOML appended to the config (e.g. a `[schedule]` table).
    pub schedule: Option<String>,
    /// The Bot API URL instead of the fake's.
    pub api_url: Option<String>,
    /// More lines of the config's `[telegram]` table (e.g. `proxy = "…"`).
    pub telegram: Option<String>,
    /// More environment variables of the bot (e.g. `TELOXIDE_PROXY`).
    pub env: Vec<(&'static str, String)>,
    /// `RUST_LOG` of the bot (default `info`).
    pub log: Option<&'static str>,
    /// Where the clock starts; `None`: [`START`].
    pub now: Option<DateTime<Utc>>,
    /// Subscriptions imported (`mingjing import`) before the bot first starts.
    pub subscriptions: Vec<Subscription>,
    /// More records imported with them (marks, private chats, group admins …).
    pub document: Option<Document>,
    /// `MINGJING_ADMINS` of the bot (the config file names [`BOT_ADMIN`]).
    pub admins_env: Option<&'static str>,
    /// Leave next year's holidays unknown, so that a test set in December gets the bot's
    /// warning to admins.
    pub next_year_unknown: bool,
}

/// The running bot, its fake Bot API and its folder.
pub struct Harness {
    pub fake: FakeApi,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    api_url: String,
    env: Vec<(&'static str, String)>,
    log: &'static str,
    clock: TestClock,
    admins_env: Option<&'static str>,
    child: Option<Child>,
    launches: usize,
}

impl Harness {
    /// The bot with the built-in library and `days = "everyday"`, ready for updates.
    pub async fn start() -> Harness {
        Harness::start_with(Setup::default()).await
    }

    pub async fn start_with(setup: Setup) -> Harness {
        let mut h = Harness::prepare(setup).await;
        h.launch().await;
        h
    }

    /// The fake, the folder and the clock (which runs from now), the subscriptions
    /// imported, and the bot not started yet: the test sets the fake up (limits, faults),
    /// then calls [`Harness::launch`].
    pub async fn prepare(setup: Setup) -> Harness {
        let clock = TestClock::starting_at(setup.now.unwrap_or_else(|| shanghai(START)));
        let fake = FakeApi::start(Options {
            // Replies to one private chat come faster than Telegram's 1/s; the bot's answers
            // are not what the limits are about.
            limits: false,
            ..Options::default()
        })
        .await;
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut config = format!(
            "[telegram]\nadmins = [{BOT_ADMIN}]\n{}\n\n[storage]\npath = \"db\"\n\n{}\n",
            setup.telegram.unwrap_or_default(),
            setup
                .schedule
                .unwrap_or_else(|| "[schedule]\ndays = \"everyday\"".into())
        );
        if let Some(files) = &setup.reminders {
            let folder = dir.path().join("reminders");
            std::fs::create_dir(&folder).unwrap();
            for (name, text) in files {
                std::fs::write(folder.join(name), text).unwrap();
            }
            config.push_str("\n[content]\ndir = \"reminders\"\n");
        }
        // Next year's holiday arrangement, so that a test set in December does not get the
        // bot's one-time "unknown year" warning to admins in the middle of it.
        let config = if setup.next_year_unknown {
            config
        } else {
            let next_year = clock.now().with_timezone(&Shanghai).year() + 1;
            std::fs::write(
                dir.path().join("next-year.toml"),
                format!("[[year]]\nyear = {next_year}\n"),
            )
            .unwrap();
            config.replacen(
                "[schedule]\n",
                "[schedule]\ncalendar = \"next-year.toml\"\n",
                1,
            )
        };
        let path = dir.path().join("config.toml");
        std::fs::write(&path, config).unwrap();
        let api_url = setup.api_url.unwrap_or_else(|| fake.url());
        let h = Harness {
            fake,
            dir,
            config: path,
            api_url,
            env: setup.env,
            log: setup.log.unwrap_or("info"),
            clock,
            admins_env: setup.admins_env,
            child: None,
            launches: 0,
        };
        if !setup.subscriptions.is_empty() || setup.document.is_some() {
            let mut doc = setup.document.unwrap_or(Document {
                format: 1,
                next_id: 1,
                ..Document::default()
            });
            doc.subscriptions.extend(setup.subscriptions);
            h.run_import(&doc);
        }
        h
    }

    /// The instant the bot's clock shows now (to a few milliseconds: a process reads
    /// `MINGJING_NOW` a moment after the harness wrote it, so its clock is that much behind).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Moves the clock of the next processes to `at` (the bot must be stopped): a test
    /// that walks through days.
    pub fn jump_to(&mut self, at: DateTime<Utc>) {
        assert!(self.child.is_none(), "stop the bot before moving its clock");
        self.clock = TestClock::starting_at(at);
    }

    /// The bot's date now, in Shanghai.
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&Shanghai).date_naive()
    }

    /// The monotonic instant at which the bot's clock shows `at`, as the fake times its
    /// messages.
    pub fn instant_of(&self, at: DateTime<Utc>) -> Instant {
        self.clock.instant_of(at)
    }

    /// Starts the binary (again, after [`Harness::stop`]) and waits until it polls for updates.
    pub async fn launch(&mut self) {
        assert!(self.child.is_none(), "the bot is already running");
        self.launches += 1;
        let polls_before = self.fake.requests_of("getUpdates").len();
        let stderr = std::fs::File::create(self.stderr_path()).unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_mingjing"));
        match self.admins_env {
            Some(admins) => command.env("MINGJING_ADMINS", admins),
            None => command.env_remove("MINGJING_ADMINS"),
        };
        let child = command
            .arg("run")
            .arg("--config")
            .arg(&self.config)
            .current_dir(self.dir.path())
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("TELOXIDE_API_URL", &self.api_url)
            .env("MINGJING_NOW", self.clock.env())
            .env_remove("MINGJING_CONFIG")
            .env("RUST_LOG", self.log)
            // The machine's proxies are not the test's: only what the test sets.
            .env_remove("TELOXIDE_PROXY")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("all_proxy")
            .envs(self.env.iter().cloned())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the binary starts");
        self.child = Some(child);
        if self.api_url == self.fake.url() {
            let ready = poll_until(PATIENCE, || {
                self.fake.requests_of("getUpdates").len() > polls_before
            })
            .await;
            assert!(
                ready,
                "the bot never polled for updates:\n{}",
                self.stderr()
            );
        }
    }

    /// Pushes an update and returns the one message the bot sends in answer.
    pub async fn answer(&self, update: Value) -> Sent {
        let before = self.fake.sent_count();
        self.fake.push_update(update);
        let sent = self.fake.wait_for_sent(before + 1, PATIENCE).await;
        assert!(
            sent.len() > before,
            "no answer from the bot:\n{}",
            self.stderr()
        );
        sent[before].clone()
    }

    /// The text of the answer to `text` from `from` in `chat`.
    pub async fn say(&self, chat: &ChatSpec, from: &UserSpec, text: &str) -> String {
        let sent = self.answer(FakeApi::text_message(chat, from, text)).await;
        assert_eq!(sent.chat_id, chat.id, "answered in another chat");
        sent.text.unwrap_or_default()
    }

    /// The text of the answer to `text` from `from` in `chat`, when the bot may send other
    /// messages (to other chats) first.
    pub async fn ask(&self, chat: &ChatSpec, from: &UserSpec, text: &str) -> String {
        let before = self.fake.sent_to(chat.id).len();
        self.fake
            .push_update(FakeApi::text_message(chat, from, text));
        next_to(self, chat.id, before)
            .await
            .text
            .unwrap_or_default()
    }

    /// Pushes an update that must get no answer: `/help` from `from` in `chat` follows it, and
    /// the only answer must be to that (updates of one chat are handled in order).
    pub async fn silent(&self, update: Value, chat: &ChatSpec, from: &UserSpec) {
        let before = self.fake.sent_count();
        self.fake.push_update(update);
        let probe = self.say(chat, from, "/help").await;
        assert!(probe.contains("纪律明镜"), "{probe}");
        let sent = self.fake.sent();
        assert_eq!(
            sent.len(),
            before + 1,
            "unexpected answer: {:?}",
            sent[before].text
        );
    }

    /// Stops the bot with SIGTERM; it must exit 0 within 10 s, and its log must not hold the
    /// token.
    pub async fn stop(&mut self) {
        let mut child = self.child.take().expect("the bot runs");
        terminate(&child);
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the bot did not stop within 10 s of SIGTERM:\n{}",
                self.stderr()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let log = self.stderr();
        assert!(status.success(), "exit {status}:\n{log}");
        assert!(!log.contains(TOKEN), "the token is in the log:\n{log}");
    }

    /// Kills the bot with SIGKILL, as a crash or an OOM kill would.
    pub fn kill(&mut self) {
        let mut child = self.child.take().expect("the bot runs");
        child.kill().expect("the bot can be killed");
        let _ = child.wait();
    }

    /// The database, opened after [`Harness::stop`].
    pub fn store(&self) -> Store {
        assert!(
            self.child.is_none(),
            "stop the bot before opening its database"
        );
        Store::open(&self.dir.path().join("db")).expect("the database opens")
    }

    /// Everything the current or last run wrote to stderr.
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.stderr_path()).unwrap_or_default()
    }

    fn stderr_path(&self) -> PathBuf {
        self.dir
            .path()
            .join(format!("stderr-{}.log", self.launches))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Stops the bot, loads `doc` with `mingjing import` (as an operator restores a backup),
    /// and starts the bot again.
    pub async fn import(&mut self, doc: &Document) {
        self.stop().await;
        self.run_import(doc);
        self.launch().await;
    }

    /// Loads `doc` with `mingjing import`; the bot must not be running.
    fn run_import(&self, doc: &Document) {
        let file = self.path().join(format!("import-{}.toml", self.launches));
        std::fs::write(&file, toml::to_string(doc).unwrap()).unwrap();
        let out = self.command(&["import", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Runs `mingjing <args> --config <the bot's>` in the bot's folder, as an operator on the
    /// same machine would (the bot's clock, no token), while the bot runs or not.
    pub fn command(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .args(args)
            .arg("--config")
            .arg(&self.config)
            .current_dir(self.path())
            .env("MINGJING_NOW", self.clock.env())
            .env_remove("MINGJING_CONFIG")
            .env_remove("TELOXIDE_TOKEN")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .expect("the binary runs")
    }

    /// Pushes a tap: `from` presses the button with `data` under message `message_id` of
    /// `chat`. Returns the callback query's id, for [`Harness::toast`].
    pub fn push_tap(
        &self,
        from: &UserSpec,
        chat: &ChatSpec,
        message_id: i32,
        data: &str,
    ) -> String {
        let update = self.fake.callback_query(from, message_id, chat, data);
        let id = update["callback_query"]["id"]
            .as_str()
            .expect("a callback query id")
            .to_string();
        self.fake.push_update(update);
        id
    }

    /// A tap, and the toast that answers it.
    pub async fn tap(
        &self,
        from: &UserSpec,
        chat: &ChatSpec,
        message_id: i32,
        data: &str,
    ) -> String {
        let id = self.push_tap(from, chat, message_id, data);
        self.toast(&id).await
    }

    /// The text of the answer to callback query `id` (empty if it had none), waiting for it.
    pub async fn toast(&self, id: &str) -> String {
        let find = || {
            self.fake
                .requests_of("answerCallbackQuery")
                .into_iter()
                .find(|r| r.params["callback_query_id"].as_str() == Some(id))
        };
        assert!(
            poll_until(PATIENCE, || find().is_some()).await,
            "tap {id} was not answered:\n{}",
            self.stderr()
        );
        find().unwrap().params["text"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The label of the first button under a message of the bot, as the fake shows it now.
    pub fn button_label(&self, chat_id: i64, message_id: i32) -> Option<String> {
        let message = self.fake.message_json(chat_id, message_id)?;
        button(&message["reply_markup"]).map(|(label, _)| label)
    }
}

/// The labels and callback data of the first row of buttons under a message the bot sent.
pub fn buttons(sent: &fakeapi::Sent) -> Vec<(String, String)> {
    let row = &sent.reply_markup.as_ref().expect("buttons")["inline_keyboard"][0];
    row.as_array()
        .expect("a row of buttons")
        .iter()
        .map(|b| {
            (
                b["text"].as_str().unwrap().to_string(),
                b["callback_data"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The callback data of the button labelled `label` under a message the bot sent.
pub fn button_data(sent: &fakeapi::Sent, label: &str) -> String {
    buttons(sent)
        .into_iter()
        .find(|(text, _)| text == label)
        .unwrap_or_else(|| panic!("no button {label}"))
        .1
}

/// The label and callback data of the first button of an inline keyboard (`reply_markup`).
pub fn button(markup: &Value) -> Option<(String, String)> {
    let b = &markup["inline_keyboard"][0][0];
    Some((
        b["text"].as_str()?.to_string(),
        b["callback_data"].as_str()?.to_string(),
    ))
}

/// Waits for the first message the bot sends to `chat_id` after `before` messages there.
pub async fn next_to(h: &Harness, chat_id: i64, before: usize) -> Sent {
    let arrived = poll_until(PATIENCE, || h.fake.sent_to(chat_id).len() > before).await;
    assert!(arrived, "nothing sent to {chat_id}:\n{}", h.stderr());
    h.fake.sent_to(chat_id)[before].clone()
}

impl Drop for Harness {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Sends SIGTERM, like `docker stop`.
pub fn terminate(child: &Child) {
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Polls `ready` every 20 ms until it holds or `timeout` passes; returns whether it held.
pub async fn poll_until(timeout: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if ready() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// The item id in an answer such as "已添加 #12（廉政）".
pub fn id_in(answer: &str) -> u64 {
    let rest = &answer[answer
        .find('#')
        .unwrap_or_else(|| panic!("no id in {answer:?}"))
        + 1..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no id in {answer:?}"))
}

/// The morning edition of `date` to the Telegram chat `chat_id`, as the log files it.
pub fn edition(date: chrono::NaiveDate, chat_id: i64) -> mingjing::delivery::Slot {
    mingjing::delivery::Slot::edition(date, mingjing::message::Address::telegram(chat_id))
}

/// A group subscription of `chat` at the default time on working days, made long ago (1
/// April 2026), taking the organisational-life reminders since `orglife`.
pub fn workday_group(
    chat: &fakeapi::ChatSpec,
    orglife: Option<chrono::NaiveDate>,
) -> mingjing::subscription::Subscription {
    let long_ago = shanghai("2026-04-01 09:00:00");
    mingjing::subscription::Subscription {
        chat_id: chat.id,
        title: chat.title.clone().unwrap_or_default(),
        kind: "group".into(),
        time: None,
        days: Some(mingjing::calendar::DayRule::Workdays),
        active: true,
        reason: None,
        subscribed_by: BOT_ADMIN,
        subscribed_at: long_ago,
        changed_at: long_ago,
        checkin: true,
        orglife,
        tasks: false,
    }
}

/// A group subscription at `time` (Shanghai), every day, as if made at `changed_at`.
pub fn group_subscription(
    chat_id: i64,
    time: chrono::NaiveTime,
    changed_at: chrono::DateTime<chrono::Utc>,
) -> mingjing::subscription::Subscription {
    mingjing::subscription::Subscription {
        chat_id,
        title: format!("测试群{chat_id}"),
        kind: "group".into(),
        time: Some(time),
        days: Some(mingjing::calendar::DayRule::Everyday),
        active: true,
        reason: None,
        subscribed_by: BOT_ADMIN,
        subscribed_at: changed_at,
        changed_at,
        checkin: true,
        orglife: None,
        tasks: false,
    }
}

// ---- workbooks ----------------------------------------------------------------------------

fn open_xlsx(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    open_workbook_from_rs(Cursor::new(bytes.to_vec())).expect("an .xlsx workbook")
}

/// The names of a workbook's sheets, in order.
pub fn xlsx_sheet_names(bytes: &[u8]) -> Vec<String> {
    open_xlsx(bytes).sheet_names()
}

/// The first sheet's cells, as [`xlsx_sheet`] shows them.
pub fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    let name = xlsx_sheet_names(bytes).into_iter().next().expect("a sheet");
    xlsx_sheet(bytes, &name)
}

/// The sheet `name`'s cells from A1 to its last, as a spreadsheet shows them: text as it
/// is, numbers as numbers (`7`, `-4002`) or, under a percent format, as a percentage with
/// the format's decimals (`33.3%`), dates as `YYYY-MM-DD`, empty cells as `""`. So a
/// workbook written as the twin of a CSV reads back as the CSV's cells.
pub fn xlsx_sheet(bytes: &[u8], name: &str) -> Vec<Vec<String>> {
    let mut book = open_xlsx(bytes);
    let styles = book.worksheet_style(name).expect("the sheet's styles");
    let values = xlsx_values(bytes, name);
    values
        .iter()
        .enumerate()
        .map(|(r, row)| {
            row.iter()
                .enumerate()
                .map(|(c, value)| {
                    let format = styles
                        .get((r as u32, c as u32))
                        .and_then(|s| s.number_format.as_ref())
                        .map(|f| f.format_code.as_str())
                        .unwrap_or("General");
                    shown(value, format)
                })
                .collect()
        })
        .collect()
}

/// The sheet `name`'s values from A1 to its last cell, as calamine reads them (numbers
/// are `Data::Float`).
pub fn xlsx_values(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let range = open_xlsx(bytes)
        .worksheet_range(name)
        .unwrap_or_else(|e| panic!("no sheet {name}: {e}"));
    let Some((last_row, last_col)) = range.end() else {
        return Vec::new();
    };
    (0..=last_row)
        .map(|r| {
            (0..=last_col)
                .map(|c| range.get_value((r, c)).cloned().unwrap_or(Data::Empty))
                .collect()
        })
        .collect()
}

/// A value as a spreadsheet shows it under the number format `format`.
fn shown(value: &Data, format: &str) -> String {
    match value {
        Data::Float(x) if format.ends_with('%') => {
            let decimals = format.split_once('.').map_or(0, |(_, rest)| {
                rest.chars().take_while(|c| *c == '0').count()
            });
            format!("{:.*}%", decimals, x * 100.0)
        }
        Data::DateTime(date) => {
            // Excel's day 0 of modern dates is 1899-12-30.
            let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).unwrap();
            let day = epoch + chrono::Duration::days(date.as_f64().floor() as i64);
            day.format("%Y-%m-%d").to_string()
        }
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}
