//! The benchmark scenarios: the real `mingjing` binary (`run`) against the fake Bot API
//! served from this process on 127.0.0.1. The bot's CPU time and memory are read from
//! `/proc/<pid>`, so the fake's own work is never counted as the bot's.
//!
//! Shared by `benches/push/main.rs` (`cargo bench`, full sizes) and `tests/bench_smoke.rs`
//! (small sizes, one run, in the test suite so that this code cannot rot).
//!
//! Every scenario runs on one fixed day: the bot's clock comes through `MINGJING_NOW`
//! (SPEC §10), started so that it shows the due second when the scenario expects it.

#![allow(dead_code)] // the bench and the smoke test each use a part

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use fakeapi::{ChatSpec, FakeApi, Options, UserSpec};
use mingjing::content::{Category, Item};
use mingjing::store::Document;
use mingjing::subscription::Subscription;

/// The bot admin of every scenario (asks `/stats` and `/pushnow`).
const ADMIN: i64 = 42;
const TOKEN: &str = "123456:BENCH-TOKEN";
/// The longest any single step may take before the scenario fails.
const PATIENCE: Duration = Duration::from_secs(300);
/// The day every scenario runs on (Shanghai): a Tuesday, an ordinary working day.
const DAY: &str = "2026-11-03";
/// When the subscriptions are due on [`DAY`] (`schedule.daily_at`).
const DAILY_AT: &str = "08:00:00";

/// `hms` (Shanghai) on [`DAY`], or on the day before when `days_before` is 1.
fn on_day(hms: &str, days_before: i64) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(&format!("{DAY} {hms}"), "%Y-%m-%d %H:%M:%S")
        .expect("a Shanghai time on DAY");
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&naive)
        .single()
        .expect("Shanghai has no daylight saving time")
        .with_timezone(&Utc)
        - chrono::Duration::days(days_before)
}

/// How big each scenario is, and how often it runs.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// Unthrottled fan-out: subscribed chats.
    pub fanout_chats: usize,
    /// Paced at 30/s and 20/min per group: groups.
    pub paced_groups: usize,
    /// A paid broadcast at 1,000/s over a 200 ms round trip: chats.
    pub paid_chats: usize,
    /// Scale of state: subscriptions and items in the database.
    pub scale_subs: usize,
    pub scale_items: usize,
    /// On time: chats due at the same second.
    pub ontime_chats: usize,
    /// Runs of the quick scenarios (fan-out, on time) and of the slow ones (paced, scale).
    pub quick_runs: usize,
    pub slow_runs: usize,
}

impl Sizes {
    /// What `cargo bench` measures.
    pub fn full() -> Sizes {
        Sizes {
            fanout_chats: 10_000,
            paced_groups: 600,
            paid_chats: 3_000,
            scale_subs: 100_000,
            scale_items: 2_000,
            ontime_chats: 1_000,
            quick_runs: 5,
            slow_runs: 3,
        }
    }

    /// A quick run of every scenario, for the test suite (about 15 s in a debug build).
    pub fn smoke() -> Sizes {
        Sizes {
            fanout_chats: 100,
            paced_groups: 40,
            paid_chats: 100,
            scale_subs: 1_000,
            scale_items: 100,
            ontime_chats: 50,
            quick_runs: 1,
            slow_runs: 1,
        }
    }
}

/// What a row must reach.
#[derive(Debug, Clone, Copy)]
pub enum Target {
    AtLeast(f64),
    AtMost(f64),
}

impl Target {
    pub fn met(self, v: f64) -> bool {
        match self {
            Target::AtLeast(t) => v >= t,
            Target::AtMost(t) => v <= t,
        }
    }
}

/// One line of the table: every run's figure, the median and spread are computed on print.
#[derive(Debug, Clone)]
pub struct Row {
    pub what: String,
    pub samples: Vec<f64>,
    pub target: Option<Target>,
}

impl Row {
    fn new(what: impl Into<String>, target: Option<Target>) -> Row {
        Row {
            what: what.into(),
            samples: Vec::new(),
            target,
        }
    }

    pub fn median(&self) -> f64 {
        let mut s = self.samples.clone();
        s.sort_by(f64::total_cmp);
        match s.len() {
            0 => f64::NAN,
            n if n % 2 == 1 => s[n / 2],
            n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
        }
    }

    pub fn min(&self) -> f64 {
        self.samples.iter().copied().fold(f64::INFINITY, f64::min)
    }

    pub fn max(&self) -> f64 {
        self.samples
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }

    /// Whether the median meets the target (rows without one always do).
    pub fn met(&self) -> bool {
        self.target.is_none_or(|t| t.met(self.median()))
    }
}

/// The scenario names, for `--only`.
pub const SCENARIOS: [&str; 6] = ["fanout", "paced", "paid", "scale", "ontime", "web"];

/// Runs the chosen scenarios (all when `only` is empty) and returns their rows. `say`
/// gets a line of progress per run.
pub async fn run(sizes: &Sizes, only: &[String], say: &dyn Fn(String)) -> Vec<Row> {
    let wanted = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let mut rows = Vec::new();
    if wanted("fanout") {
        rows.extend(fanout(sizes, say).await);
    }
    if wanted("paced") {
        rows.extend(paced(sizes, say).await);
    }
    if wanted("paid") {
        rows.extend(paid(sizes, say).await);
    }
    if wanted("scale") {
        rows.extend(scale(sizes, say).await);
    }
    if wanted("ontime") {
        rows.extend(on_time(sizes, say).await);
    }
    if wanted("web") {
        rows.extend(web(sizes, say).await);
    }
    rows
}

// ---- the scenarios ----------------------------------------------------------------------

/// 10,000 chats, no limits at the fake, `max_per_second` far above anything: how fast the
/// engine itself goes through one morning push, and what it costs in CPU.
async fn fanout(sizes: &Sizes, say: &dyn Fn(String)) -> Vec<Row> {
    let n = sizes.fanout_chats;
    let template = Template::seed(n, 0).await;
    let mut rate = Row::new(
        format!("Unthrottled fan-out, {n} chats: messages/s (first to last send)"),
        Some(Target::AtLeast(2000.0)),
    );
    let mut cpu = Row::new(
        format!("Unthrottled fan-out, {n} chats: bot CPU µs per message"),
        Some(Target::AtMost(200.0)),
    );
    let mut wall = Row::new(
        format!("Unthrottled fan-out, {n} chats: due second to last send, s"),
        None,
    );
    let mut fake_cpu = Row::new(
        "Unthrottled fan-out: fake Bot API CPU µs per message (for scale, not the bot)",
        None,
    );
    for i in 0..sizes.quick_runs {
        let fake = FakeApi::start(fast_fake(false)).await;
        let due = Due::in_seconds(4);
        let bot = Bot::launch(&template, &fake, &due.config(1_000_000, true)).await;
        assert!(
            bot.ready + Duration::from_millis(200) < due.at,
            "the bot was not ready before the due second"
        );
        sleep_until(due.at - Duration::from_millis(200)).await;
        let cpu0 = bot.cpu();
        let own0 = self_cpu();
        let times = bot.wait_for_deliveries(&fake, n).await;
        let own1 = self_cpu();
        let peak = bot.hwm_mib();
        // The last records' group commit follows the last send.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let cpu1 = bot.cpu();
        bot.stop().await;
        let (first, last) = (times[0], times[times.len() - 1]);
        let r = (n - 1) as f64 / last.duration_since(first).as_secs_f64();
        let c = (cpu1 - cpu0).as_secs_f64() * 1e6 / n as f64;
        let w = last.duration_since(due.at).as_secs_f64();
        let late = signed_ms(first, due.at);
        let f = (own1 - own0).as_secs_f64() * 1e6 / n as f64;
        say(format!(
            "fanout run {}: {r:.0} msg/s, {c:.0} µs CPU/msg, first {late:.0} ms late, last {w:.2} s, fake {f:.0} µs/msg, peak RSS {peak:.1} MiB",
            i + 1
        ));
        rate.samples.push(r);
        cpu.samples.push(c);
        wall.samples.push(w);
        fake_cpu.samples.push(f);
    }
    // The same with every answer 50 ms late, as from a Bot API across a continent: the sends
    // in flight follow rate × round trip (at most MAX_IN_FLIGHT), so the rate cannot pass
    // MAX_IN_FLIGHT / 50 ms.
    let far = n.min(3_000);
    let mut far_rate = Row::new(
        format!(
            "Unthrottled fan-out, {far} chats, answers 50 ms late: messages/s (ceiling {} in flight / 50 ms = {})",
            mingjing::deliver::MAX_IN_FLIGHT,
            mingjing::deliver::MAX_IN_FLIGHT * 20
        ),
        None,
    );
    let template = Template::seed(far, 0).await;
    for i in 0..sizes.quick_runs {
        let fake = FakeApi::start(fast_fake(false)).await;
        fake.set_delay(Duration::from_millis(50));
        let due = Due::in_seconds(4);
        let bot = Bot::launch(&template, &fake, &due.config(1_000_000, true)).await;
        let times = bot.wait_for_deliveries(&fake, far).await;
        bot.stop().await;
        let (first, last) = (times[0], times[times.len() - 1]);
        let r = (far - 1) as f64 / last.duration_since(first).as_secs_f64();
        say(format!("fanout run {} at 50 ms: {r:.0} msg/s", i + 1));
        far_rate.samples.push(r);
    }
    vec![rate, cpu, wall, fake_cpu, far_rate]
}

/// The fan-out and the paced push again, with the web server on and a client scraping
/// `/metrics` every second: the web side must not slow the morning push.
async fn web(sizes: &Sizes, say: &dyn Fn(String)) -> Vec<Row> {
    const NAME: &str = "Web server on, /metrics polled every second";
    let n = sizes.fanout_chats;
    let mut fan = Row::new(
        format!("{NAME}: unthrottled fan-out, {n} chats: messages/s"),
        Some(Target::AtLeast(2000.0)),
    );
    let template = Template::seed(n, 0).await;
    let mut failed = 0;
    for i in 0..sizes.quick_runs {
        let fake = FakeApi::start(fast_fake(false)).await;
        let due = Due::in_seconds(4);
        let port = free_port();
        let bot = Bot::launch(&template, &fake, &due.config(1_000_000, true).web(port)).await;
        let scraper = Scraper::start(port);
        let times = bot.wait_for_deliveries(&fake, n).await;
        let (scrapes, errors) = scraper.stop().await;
        bot.stop().await;
        let r = (n - 1) as f64
            / times[times.len() - 1]
                .duration_since(times[0])
                .as_secs_f64();
        say(format!(
            "web fanout run {}: {r:.0} msg/s, {scrapes} scrapes, {errors} failed",
            i + 1
        ));
        fan.samples.push(r);
        failed += errors;
    }
    let g = sizes.paced_groups;
    let mut paced = Row::new(
        format!("{NAME}: paced, {g} groups: messages/s"),
        Some(Target::AtLeast(28.5)),
    );
    let mut r429 = Row::new(
        format!("{NAME}: paced: 429 answers received"),
        Some(Target::AtMost(0.0)),
    );
    let template = Template::seed(g, 0).await;
    for i in 0..sizes.slow_runs {
        let fake = FakeApi::start(fast_fake(true)).await;
        let due = Due::in_seconds(4);
        let port = free_port();
        let bot = Bot::launch(&template, &fake, &due.config(30, false).web(port)).await;
        let scraper = Scraper::start(port);
        let times = bot.wait_for_deliveries(&fake, g).await;
        let (scrapes, errors) = scraper.stop().await;
        bot.stop().await;
        let r = (g - 1) as f64
            / times[times.len() - 1]
                .duration_since(times[0])
                .as_secs_f64();
        let e = fake.count_429();
        say(format!(
            "web paced run {}: {r:.2} msg/s, {e} × 429, {scrapes} scrapes, {errors} failed",
            i + 1
        ));
        paced.samples.push(r);
        r429.samples.push(e as f64);
        failed += errors;
    }
    let mut scrape_errors = Row::new(
        format!("{NAME}: scrapes that failed"),
        Some(Target::AtMost(0.0)),
    );
    scrape_errors.samples.push(failed as f64);
    vec![fan, paced, r429, scrape_errors]
}

/// A port free a moment ago.
fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().expect("an address").port()
}

/// A client asking `GET /metrics` every second, as Prometheus would.
struct Scraper {
    task: tokio::task::JoinHandle<(usize, usize)>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl Scraper {
    fn start(port: u16) -> Scraper {
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            let (mut scrapes, mut errors) = (0, 0);
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = stopped.changed() => return (scrapes, errors),
                }
                match scrape(port).await {
                    Ok(()) => scrapes += 1,
                    Err(_) => errors += 1,
                }
            }
        });
        Scraper { task, stop }
    }

    /// Stops; the scrapes answered with the metrics, and those that failed.
    async fn stop(self) -> (usize, usize) {
        let _ = self.stop.send(true);
        self.task.await.expect("the scraper ends")
    }
}

async fn scrape(port: u16) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        .await?;
    let mut answer = Vec::new();
    s.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    if text.starts_with("HTTP/1.1 200") && text.contains("mingjing_queue_depth") {
        Ok(())
    } else {
        Err(std::io::Error::other("not the metrics"))
    }
}

/// 600 groups with the fake enforcing Telegram's limits: the bot must go at the limit and
/// never provoke a 429, also when requests reach the fake 0 to 50 ms late (arrival jitter
/// of a real network).
async fn paced(sizes: &Sizes, say: &dyn Fn(String)) -> Vec<Row> {
    let n = sizes.paced_groups;
    let template = Template::seed(n, 0).await;
    let mut rows = Vec::new();
    for (jitter, name) in [(0, ""), (50, ", 0–50 ms jitter")] {
        let mut rate = Row::new(
            format!(
                "Paced, {n} groups{name}, fake enforcing 30/s and 20/min per group: messages/s"
            ),
            Some(Target::AtLeast(28.5)),
        );
        let mut r429 = Row::new(
            format!("Paced{name}: 429 answers received"),
            Some(Target::AtMost(0.0)),
        );
        for i in 0..sizes.slow_runs {
            let fake = FakeApi::start(fast_fake(true)).await;
            fake.set_jitter(Duration::from_millis(jitter));
            let due = Due::in_seconds(4);
            let bot = Bot::launch(&template, &fake, &due.config(30, false)).await;
            let times = bot.wait_for_deliveries(&fake, n).await;
            bot.stop().await;
            let (first, last) = (times[0], times[times.len() - 1]);
            let r = (n - 1) as f64 / last.duration_since(first).as_secs_f64();
            let e = fake.count_429();
            say(format!(
                "paced{name} run {}: {r:.2} msg/s, {e} × 429",
                i + 1
            ));
            rate.samples.push(r);
            r429.samples.push(e as f64);
        }
        rows.extend([rate, r429]);
    }
    rows
}

/// A paid broadcast (`max_per_second = 1000`, the fake enforcing 1,000/s) with every answer
/// 200 ms late: the sends in flight must follow the round trip, not a fixed ceiling.
async fn paid(sizes: &Sizes, say: &dyn Fn(String)) -> Vec<Row> {
    let n = sizes.paid_chats;
    let template = Template::seed(n, 0).await;
    let mut rate = Row::new(
        format!("Paid broadcast, {n} chats, 1000/s, answers 200 ms late: messages/s"),
        Some(Target::AtLeast(900.0)),
    );
    let mut r429 = Row::new(
        "Paid broadcast: 429 answers received",
        Some(Target::AtMost(0.0)),
    );
    for i in 0..sizes.slow_runs {
        let fake = FakeApi::start(fast_fake(true)).await;
        fake.set_delay(Duration::from_millis(200));
        let due = Due::in_seconds(4);
        let bot = Bot::launch(&template, &fake, &due.config(1000, true)).await;
        let times = bot.wait_for_deliveries(&fake, n).await;
        bot.stop().await;
        let (first, last) = (times[0], times[times.len() - 1]);
        let r = (n - 1) as f64 / last.duration_since(first).as_secs_f64();
        let e = fake.count_429();
        say(format!("paid run {}: {r:.0} msg/s, {e} × 429", i + 1));
        rate.samples.push(r);
        r429.samples.push(e as f64);
    }
    vec![rate, r429]
}

/// A large database: start-up time, memory, `/stats` latency before and after a full
/// unthrottled push (`/pushnow`), and the size on disk.
async fn scale(sizes: &Sizes, say: &dyn Fn(String)) -> Vec<Row> {
    let (n, items) = (sizes.scale_subs, sizes.scale_items);
    let template = Template::seed(n, items).await;
    let state = format!("{n} subscriptions, {items} items");
    let mut ready = Row::new(
        format!("Scale ({state}): process start to ready (first getUpdates), ms"),
        Some(Target::AtMost(1000.0)),
    );
    let mut rss_ready = Row::new("Scale: RSS when ready, MiB", Some(Target::AtMost(64.0)));
    let mut rss_push = Row::new(
        format!("Scale: peak RSS during an unthrottled /pushnow to all {n}, MiB"),
        Some(Target::AtMost(64.0)),
    );
    let mut stats_idle = Row::new(
        "Scale: /stats latency before the push (admin sends, reply at the fake), ms",
        Some(Target::AtMost(50.0)),
    );
    let mut stats_after = Row::new(
        format!("Scale: /stats latency after the push ({n} records today), ms"),
        Some(Target::AtMost(50.0)),
    );
    let mut push_rate = Row::new(format!("Scale: /pushnow to all {n}: messages/s"), None);
    let mut disk = Row::new("Scale: sled size on disk after the push, MiB", None);
    let mut disk_seeded = Row::new("Scale: sled size on disk as seeded, MiB", None);
    disk_seeded.samples.push(mib(disk_usage(&template.db())));
    for i in 0..sizes.slow_runs {
        let fake = FakeApi::start(fast_fake(false)).await;
        // Nothing is due during the run but what /pushnow asks for.
        let due = Due::in_seconds(3600);
        let started = Instant::now();
        let bot = Bot::launch(&template, &fake, &due.config(1_000_000, true)).await;
        let r = bot.ready.duration_since(started).as_secs_f64() * 1e3;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let m = bot.rss_mib();
        let mut s_idle = Vec::new();
        for _ in 0..3 {
            s_idle.push(ask(&fake, "/stats").await.1);
        }
        let sent_before = fake.sent_count();
        let (answer, _) = ask(&fake, "/pushnow").await;
        let mut peak = bot.rss_mib();
        // The push's sends, without the answers to the admin (which come in between).
        let pushed = || -> Vec<Instant> {
            fake.sent_times()
                .into_iter()
                .skip(sent_before)
                .filter(|&(chat, _)| chat != ADMIN)
                .map(|(_, at)| at)
                .collect()
        };
        let deadline = Instant::now() + PATIENCE;
        while fake.sent_count() < sent_before + n || pushed().len() < n {
            assert!(Instant::now() < deadline, "the push did not finish");
            peak = peak.max(bot.rss_mib());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        peak = peak.max(bot.rss_mib());
        let pushed = pushed();
        assert_eq!(pushed.len(), n, "/pushnow answered {answer:?}");
        let p = (n - 1) as f64 / pushed[n - 1].duration_since(pushed[0]).as_secs_f64();
        // Let the last group commits land, then ask again.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut s_after = Vec::new();
        for _ in 0..3 {
            s_after.push(ask(&fake, "/stats").await.1);
        }
        let hwm = bot.hwm_mib();
        let dir = bot.stop().await;
        let d = mib(disk_usage(&dir.path().join("db")));
        say(format!(
            "scale run {}: ready {r:.0} ms, RSS {m:.1} MiB ready, {peak:.1} MiB push (HWM {hwm:.1}), /stats {s_idle:.1?} ms before, {s_after:.1?} ms after, push {p:.0} msg/s, {d:.1} MiB on disk",
            i + 1
        ));
        ready.samples.push(r);
        rss_ready.samples.push(m);
        rss_push.samples.push(peak.max(hwm));
        stats_idle.samples.extend(s_idle);
        stats_after.samples.extend(s_after);
        push_rate.samples.push(p);
        disk.samples.push(d);
    }
    vec![
        ready,
        rss_ready,
        rss_push,
        stats_idle,
        stats_after,
        push_rate,
        disk_seeded,
        disk,
    ]
}

/// 1,000 chats due at one second, paid broadcast with the fake enforcing 1,000/s: how late
/// after the due second the first message and the median message arrive.
async fn on_time(sizes: &Sizes, say: &dyn Fn(String)) -> Vec<Row> {
    let n = sizes.ontime_chats;
    let template = Template::seed(n, 0).await;
    let mut first = Row::new(
        format!("On time, {n} chats due at one second (paid, 1000/s): first message late, ms"),
        Some(Target::AtMost(1000.0)),
    );
    let mut median = Row::new("On time: median message late, ms", None);
    for i in 0..sizes.quick_runs {
        let fake = FakeApi::start(fast_fake(true)).await;
        let due = Due::in_seconds(4);
        let bot = Bot::launch(&template, &fake, &due.config(1000, true)).await;
        let times = bot.wait_for_deliveries(&fake, n).await;
        bot.stop().await;
        let late: Vec<f64> = times
            .iter()
            .map(|t| signed_ms(*t, due.at))
            .collect::<Vec<_>>();
        let f = late[0];
        let m = late[late.len() / 2];
        say(format!(
            "ontime run {}: first {f:.0} ms, median {m:.0} ms late",
            i + 1
        ));
        first.samples.push(f);
        median.samples.push(m);
    }
    vec![first, median]
}

// ---- the bot process --------------------------------------------------------------------

/// A fake that answers fast: limits as asked, requests not recorded.
fn fast_fake(limits: bool) -> Options {
    Options {
        limits,
        record_requests: false,
        ..Options::default()
    }
}

/// A seeded database (subscriptions, items), copied into a fresh folder for every run.
struct Template {
    dir: tempfile::TempDir,
    subs: usize,
}

impl Template {
    /// `subs` group subscriptions following `schedule.daily_at` every day, made the day
    /// before [`DAY`], and `items` items added by chat; loaded with `mingjing import` like a
    /// restored backup.
    async fn seed(subs: usize, items: usize) -> Template {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let made = on_day("12:00:00", 1);
        let doc = Document {
            format: 1,
            next_id: items as u64 + 1,
            subscriptions: (0..subs).map(|i| subscription(i, made)).collect(),
            items: (0..items).map(|i| item(i, made)).collect(),
            ..Document::default()
        };
        let file = dir.path().join("seed.toml");
        std::fs::write(
            &file,
            toml::to_string(&doc).expect("the document serializes"),
        )
        .expect("the seed file is written");
        let config = write_config(dir.path(), "http://127.0.0.1:9/", DAILY_AT, 30, false);
        let out = Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .arg("import")
            .arg(&file)
            .arg("--config")
            .arg(&config)
            .env("MINGJING_NOW", on_day("06:00:00", 0).to_rfc3339())
            .env_remove("MINGJING_CONFIG")
            .env("RUST_LOG", "warn")
            .output()
            .expect("mingjing import runs");
        assert!(
            out.status.success(),
            "import failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        std::fs::remove_file(&file).ok();
        Template { dir, subs }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("db")
    }
}

fn subscription(i: usize, made: DateTime<Utc>) -> Subscription {
    let chat_id = -1001 - i as i64;
    Subscription {
        chat_id,
        title: format!("党支部学习群{i}"),
        kind: "group".into(),
        time: None,
        days: None,
        active: true,
        reason: None,
        subscribed_by: ADMIN,
        subscribed_at: made,
        changed_at: made,
        checkin: true,
        orglife: None,
        tasks: false,
    }
}

fn item(i: usize, made: DateTime<Utc>) -> Item {
    let category = Category::ALL[i % Category::ALL.len()];
    Item {
        id: i as u64 + 1,
        key: None,
        category,
        text: format!(
            "第{i}条：坚持以人民为中心的发展思想，严守政治纪律和政治规矩，知敬畏、存戒惧、守底线，以钉钉子精神抓好各项工作落实。"
        ),
        source: category
            .needs_source()
            .then(|| "《中国共产党廉洁自律准则》".to_string()),
        dates: vec![],
        anchor: None,
        added_by: Some(ADMIN),
        added_at: made,
        edited_by: None,
        edited_at: None,
    }
}

/// The due second ([`DAILY_AT`] on [`DAY`]) and the moment, a few seconds ahead, at which
/// the bot's clock is to show it.
struct Due {
    due: DateTime<Utc>,
    at: Instant,
}

impl Due {
    fn in_seconds(secs: u64) -> Due {
        Due {
            due: on_day(DAILY_AT, 0),
            at: Instant::now() + Duration::from_secs(secs),
        }
    }

    fn config(&self, max_per_second: u32, paid: bool) -> Setup {
        Setup {
            due: self.due,
            at: self.at,
            max_per_second,
            paid,
            web: None,
        }
    }
}

struct Setup {
    due: DateTime<Utc>,
    at: Instant,
    max_per_second: u32,
    paid: bool,
    /// The web server's port, when it is on.
    web: Option<u16>,
}

impl Setup {
    /// The same with the web server on at `port`.
    fn web(self, port: u16) -> Setup {
        Setup {
            web: Some(port),
            ..self
        }
    }

    /// `MINGJING_NOW` for a bot started now. The process reads it a moment later, so its
    /// clock runs behind by its start-up time (milliseconds), which the "late" figures
    /// include.
    fn clock(&self) -> String {
        let ahead = self.at.saturating_duration_since(Instant::now());
        (self.due - chrono::Duration::from_std(ahead).expect("seconds")).to_rfc3339()
    }
}

fn write_config(dir: &Path, api_url: &str, daily_at: &str, rate: u32, paid: bool) -> PathBuf {
    // Next year's holiday arrangement, so that in December the bot does not send its
    // one-time "unknown year" warning to the admin in the middle of a run.
    let next_year = chrono::Datelike::year(&on_day(DAILY_AT, 0)) + 1;
    std::fs::write(
        dir.join("next-year.toml"),
        format!("[[year]]\nyear = {next_year}\n"),
    )
    .expect("the calendar file is written");
    let text = format!(
        "[telegram]\napi_url = \"{api_url}\"\nadmins = [{ADMIN}]\n\n\
         [schedule]\ndaily_at = \"{daily_at}\"\ndays = \"everyday\"\ncalendar = \"next-year.toml\"\n\n\
         [delivery]\nmax_per_second = {rate}\npaid_broadcast = {paid}\n\n\
         [storage]\npath = \"db\"\n"
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).expect("the config is written");
    path
}

/// The running binary.
struct Bot {
    child: Child,
    /// Taken by [`Bot::stop`].
    dir: Option<tempfile::TempDir>,
    /// When the fake saw its first `getUpdates`.
    ready: Instant,
    subs: usize,
    clock_tick: f64,
}

impl Bot {
    /// Copies the template's database, writes the config, starts `mingjing run` and waits
    /// until it polls for updates.
    async fn launch(template: &Template, fake: &FakeApi, setup: &Setup) -> Bot {
        let dir = tempfile::tempdir().expect("a temporary folder");
        copy_dir(&template.db(), &dir.path().join("db"));
        let config = write_config(
            dir.path(),
            &fake.url(),
            DAILY_AT,
            setup.max_per_second,
            setup.paid,
        );
        if let Some(port) = setup.web {
            let mut text = std::fs::read_to_string(&config).expect("the config");
            text += &format!("\n[web]\nlisten = \"127.0.0.1:{port}\"\n");
            std::fs::write(&config, text).expect("the config is written");
        }
        let stderr = std::fs::File::create(dir.path().join("stderr.log")).expect("a log file");
        // A profiler may wrap the bot, e.g. MINGJING_BENCH_WRAP="valgrind --tool=massif".
        let wrap = std::env::var("MINGJING_BENCH_WRAP").unwrap_or_default();
        let mut words = wrap.split_whitespace();
        let mut command = match words.next() {
            Some(program) => {
                let mut c = Command::new(program);
                c.args(words).arg(env!("CARGO_BIN_EXE_mingjing"));
                c
            }
            None => Command::new(env!("CARGO_BIN_EXE_mingjing")),
        };
        let child = command
            .arg("run")
            .arg("--config")
            .arg(&config)
            .current_dir(dir.path())
            .env("TELOXIDE_TOKEN", TOKEN)
            .env("MINGJING_NOW", setup.clock())
            .env_remove("TELOXIDE_API_URL")
            .env_remove("MINGJING_CONFIG")
            // The operator's default log level.
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("the binary starts");
        let mut bot = Bot {
            child,
            dir: Some(dir),
            ready: Instant::now(),
            subs: template.subs,
            clock_tick: clock_tick(),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while fake.polls() == 0 {
            if Instant::now() > deadline || bot.child.try_wait().ok().flatten().is_some() {
                panic!("the bot never polled for updates:\n{}", bot.log());
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        bot.ready = Instant::now();
        bot
    }

    /// Waits until every subscribed chat has had one message; returns the instants the
    /// fake accepted them, in order.
    async fn wait_for_deliveries(&self, fake: &FakeApi, n: usize) -> Vec<Instant> {
        assert_eq!(n, self.subs);
        let deadline = Instant::now() + PATIENCE;
        loop {
            let sent = fake
                .wait_for_sent(n, deadline.saturating_duration_since(Instant::now()))
                .await;
            let times: Vec<(i64, Instant)> = if sent.len() >= n {
                fake.sent_times()
            } else {
                Vec::new()
            };
            let morning: Vec<&(i64, Instant)> =
                times.iter().filter(|(chat, _)| *chat != ADMIN).collect();
            if morning.len() >= n {
                let chats: HashSet<i64> = morning.iter().map(|(c, _)| *c).collect();
                assert_eq!(
                    chats.len(),
                    n,
                    "some chats got more than one message:\n{}",
                    self.log()
                );
                return morning.into_iter().map(|(_, at)| *at).collect();
            }
            assert!(
                Instant::now() < deadline,
                "only {} of {n} chats served:\n{}",
                morning.len(),
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// User and system CPU time of the whole process, every thread included.
    fn cpu(&self) -> Duration {
        proc_cpu(&format!("/proc/{}/stat", self.pid()), self.clock_tick)
    }

    fn rss_mib(&self) -> f64 {
        status_kib(self.pid(), "VmRSS:") / 1024.0
    }

    /// The peak resident set size so far.
    fn hwm_mib(&self) -> f64 {
        status_kib(self.pid(), "VmHWM:") / 1024.0
    }

    fn log(&self) -> String {
        let Some(dir) = &self.dir else {
            return String::new();
        };
        let log = std::fs::read_to_string(dir.path().join("stderr.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }

    /// SIGTERM, as `docker stop` does; it must exit 0 within 10 s. Returns the bot's
    /// folder (config, database, log).
    async fn stop(mut self) -> tempfile::TempDir {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("the bot can be waited for") {
                assert!(status.success(), "exit {status}:\n{}", self.log());
                let dir = self.dir.take().expect("the folder");
                if std::env::var_os("MINGJING_BENCH_KEEP").is_some() {
                    eprintln!("kept {}", dir.path().display());
                    std::mem::forget(dir);
                    return tempfile::tempdir().expect("a temporary folder");
                }
                return dir;
            }
            assert!(
                Instant::now() < deadline,
                "the bot did not stop in 10 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The bot admin sends `text` in the private chat; returns the answer and how long after
/// the update was pushed the fake received it, in ms.
async fn ask(fake: &FakeApi, text: &str) -> (String, f64) {
    let admin = UserSpec::new(ADMIN, "管理员");
    let chat = ChatSpec::private_with(&admin);
    let before = fake.sent_count();
    let asked = Instant::now();
    fake.push_update(FakeApi::text_message(&chat, &admin, text));
    let deadline = Instant::now() + PATIENCE;
    loop {
        let found = fake
            .sent_times()
            .into_iter()
            .enumerate()
            .skip(before)
            .find(|(_, (c, _))| *c == ADMIN);
        if let Some((index, (_, at))) = found {
            let answer = fake.sent()[index].text.clone().unwrap_or_default();
            return (answer, at.duration_since(asked).as_secs_f64() * 1e3);
        }
        assert!(Instant::now() < deadline, "no answer to {text}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

// ---- measuring --------------------------------------------------------------------------

/// Seconds per clock tick of `/proc/*/stat` times.
fn clock_tick() -> f64 {
    let hz = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .unwrap_or(100.0);
    1.0 / hz
}

/// utime + stime from a `/proc/<pid>/stat` file.
fn proc_cpu(path: &str, tick: f64) -> Duration {
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The command name may hold spaces; the fields after it are plain.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // Fields 14 and 15 of the file; 3 is the first after the name.
    Duration::from_secs_f64((ticks(11) + ticks(12)) * tick)
}

/// This process's CPU time: the fake Bot API's work, for comparison.
fn self_cpu() -> Duration {
    proc_cpu("/proc/self/stat", clock_tick())
}

fn status_kib(pid: u32, key: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// Bytes allocated on disk for everything under `dir`.
fn disk_usage(dir: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let Ok(meta) = entry.metadata() else { continue };
        total += if meta.is_dir() {
            disk_usage(&entry.path())
        } else {
            meta.blocks() * 512
        };
    }
    total
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("a folder");
    for entry in std::fs::read_dir(from).expect("the template").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
    }
}

fn signed_ms(t: Instant, reference: Instant) -> f64 {
    if t >= reference {
        t.duration_since(reference).as_secs_f64() * 1e3
    } else {
        -(reference.duration_since(t).as_secs_f64() * 1e3)
    }
}

async fn sleep_until(at: Instant) {
    tokio::time::sleep_until(at.into()).await;
}
