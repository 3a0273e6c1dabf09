//! Engine tests with a scripted sender and a settable clock: no network, no waiting for
//! real dates.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::atomic::{AtomicI32, AtomicUsize};

use chrono::{NaiveTime, TimeZone};

use super::port::{Outgoing, SendError};
use super::*;
use crate::config::Env;
use crate::content::Category;
use crate::delivery::Kind;
use crate::replies;
use crate::subscription::Subscription;

/// The slot of the morning edition of `date` to the Telegram chat `chat_id`.
fn slot(date: NaiveDate, chat_id: i64) -> Slot {
    Slot::edition(date, Address::telegram(chat_id))
}

/// A new pending record of the morning edition.
fn new_record(
    chat_id: i64,
    date: NaiveDate,
    due: DateTime<Utc>,
    deadline: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Delivery {
    Delivery::pending(slot(date, chat_id), due, deadline, now)
}

/// Records what is sent; answers scripted errors per chat first.
#[derive(Clone, Default)]
struct Script {
    sent: Arc<Mutex<Vec<Outgoing>>>,
    faults: Arc<Mutex<HashMap<i64, VecDeque<SendError>>>>,
    next_id: Arc<AtomicI32>,
}

impl Script {
    fn fail(&self, chat_id: i64, errors: Vec<SendError>) {
        self.faults.lock().unwrap().insert(chat_id, errors.into());
    }

    fn sent_to(&self) -> Vec<i64> {
        self.sent.lock().unwrap().iter().map(|o| o.to.id).collect()
    }
}

impl Sender for Script {
    fn limits(&self, _: Channel, per_second: u32) -> port::Limits {
        crate::telegram::limits(per_second)
    }

    /// A robot takes every message in three parts.
    fn parts(&self, out: &Outgoing) -> usize {
        if out.to.channel.is_robot() { 3 } else { 1 }
    }

    async fn send(&self, out: &Outgoing) -> std::result::Result<Option<i64>, SendError> {
        let fault = self
            .faults
            .lock()
            .unwrap()
            .get_mut(&out.to.id)
            .and_then(VecDeque::pop_front);
        if let Some(e) = fault {
            return Err(e);
        }
        self.sent.lock().unwrap().push(out.clone());
        Ok(Some(i64::from(
            self.next_id.fetch_add(1, Ordering::Relaxed) + 1,
        )))
    }
}

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    script: Script,
    clock: Clock,
    engine: Engine<Script>,
}

/// 2026-12-01 (a Tuesday) at `hh:mm:ss` Shanghai time.
fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 12, 1, h, m, s)
        .unwrap()
        .with_timezone(&Utc)
}

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

/// A database in `dir` with one item.
fn library(dir: &Path) -> Store {
    let store = Store::open(dir).unwrap();
    store
        .add_item(Category::Political, "按规定请示报告", None, 42, at(0, 0, 0))
        .unwrap();
    // The holiday data of 2027 is unknown in December 2026: the one-time warning to admins
    // is tested on its own.
    store
        .set_meta_flag(&upkeep::calendar_flag(2027, 42))
        .unwrap();
    store
}

fn config(toml: &str) -> Arc<Config> {
    Arc::new(Config::parse("t.toml", toml, Path::new(""), &Env::default()).unwrap())
}

/// A group's subscription, due at the config's time unless it has its own.
fn group(chat_id: i64, time: Option<&str>, changed_at: DateTime<Utc>) -> Subscription {
    Subscription {
        chat_id,
        title: format!("群{chat_id}"),
        kind: "group".into(),
        time: time.map(|t| NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
        days: None,
        active: true,
        reason: None,
        subscribed_by: 1,
        subscribed_at: changed_at,
        changed_at,
        checkin: true,
        orglife: None,
        tasks: false,
    }
}

/// Waits until nothing is queued, in flight or waiting to be marked.
async fn until_idle<S: Sender>(engine: &Engine<S>) {
    for _ in 0..3000 {
        if engine.idle() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("deliveries did not settle");
}

impl World {
    fn new(now: DateTime<Utc>) -> World {
        let dir = tempfile::tempdir().unwrap();
        let store = library(dir.path());
        let config = config(
            "[telegram]\nadmins = [42]\n[schedule]\ndays = \"workdays\"\ncatch_up = \"2h\"\n[delivery]\nmax_per_second = 1000\npaid_broadcast = true\n",
        );
        let clock = Clock::starting_at(now);
        let script = Script::default();
        let engine = Engine::new(
            store.clone(),
            script.clone(),
            config,
            Arc::new(Calendar::built_in()),
            clock.clone(),
            CancellationToken::new(),
        );
        tokio::spawn(engine.clone().dispatch());
        World {
            _dir: dir,
            store,
            script,
            clock,
            engine,
        }
    }

    fn set_time(&self, now: DateTime<Utc>) {
        self.clock.set(now);
    }

    fn subscribe(&self, chat_id: i64, time: Option<&str>, changed_at: DateTime<Utc>) {
        self.store
            .put_subscription(&group(chat_id, time, changed_at))
            .unwrap();
        self.engine.lock_plan().dirty = true;
    }

    async fn settle(&self) {
        until_idle(&self.engine).await;
    }

    fn state(&self, chat_id: i64) -> Option<State> {
        self.store
            .delivery(&slot(day(), chat_id))
            .unwrap()
            .map(|d| d.state)
    }
}

#[tokio::test]
async fn due_deliveries_are_sent_once_at_their_time() {
    let w = World::new(at(7, 59, 0));
    w.subscribe(-1, None, at(7, 0, 0));
    w.subscribe(-2, Some("08:30"), at(7, 0, 0));
    w.engine.tick().unwrap();
    w.settle().await;
    assert!(w.script.sent_to().is_empty(), "nothing is due before 08:00");

    w.set_time(at(8, 0, 0));
    w.engine.tick().unwrap();
    w.settle().await;
    assert_eq!(w.script.sent_to(), vec![-1]);
    let record = w.store.delivery(&slot(day(), -1)).unwrap().unwrap();
    assert_eq!(record.state, State::Sent);
    assert_eq!(record.message_id, Some(1));
    assert_eq!(record.due, at(8, 0, 0));
    assert_eq!(record.deadline, at(10, 0, 0));

    // Later ticks, a forced re-plan and /pushnow never send -1 again.
    w.set_time(at(8, 30, 5));
    w.engine.lock_plan().dirty = true;
    w.engine.tick().unwrap();
    w.engine.tick().unwrap();
    w.settle().await;
    let report = w.engine.push_now().unwrap();
    w.settle().await;
    assert_eq!(report.already_sent, 2);
    assert_eq!(w.script.sent_to(), vec![-1, -2]);
    let sent = w.script.sent.lock().unwrap().clone();
    assert!(sent[0].html.contains("按规定请示报告"));
    assert!(sent[0].paid);
    assert_eq!(sent[0].html, sent[1].html, "one edition for every chat");
}

#[tokio::test]
async fn a_subscription_made_after_its_time_starts_tomorrow() {
    let w = World::new(at(9, 0, 0));
    w.subscribe(-1, None, at(9, 0, 0));
    w.engine.tick().unwrap();
    w.settle().await;
    assert!(w.script.sent_to().is_empty());
    assert_eq!(w.state(-1), None, "not recorded as missed either");
}

#[tokio::test]
async fn catch_up_within_the_window_and_missed_beyond_it() {
    // The bot starts at 09:59: 08:00 is within catch_up (2 h); yesterday's 08:00 is not.
    let w = World::new(at(9, 59, 0));
    w.subscribe(-1, None, at(0, 0, 0) - chrono::Duration::days(2));
    w.engine.resume().unwrap();
    w.engine.tick().unwrap();
    w.settle().await;
    assert_eq!(w.script.sent_to(), vec![-1]);
    assert_eq!(w.state(-1), Some(State::Sent));
    let yesterday = w
        .store
        .delivery(&slot(day().pred_opt().unwrap(), -1))
        .unwrap()
        .unwrap();
    assert_eq!(yesterday.state, State::Missed);

    let late = World::new(at(10, 0, 1));
    late.subscribe(-1, None, at(0, 0, 0) - chrono::Duration::days(2));
    late.engine.tick().unwrap();
    late.settle().await;
    assert!(late.script.sent_to().is_empty());
    assert_eq!(late.state(-1), Some(State::Missed));
    assert_eq!(late.engine.stats().unwrap().missed, 1);

    // /pushnow serves a missed chat.
    let report = late.engine.push_now().unwrap();
    late.settle().await;
    assert_eq!(report.queued, 1);
    assert_eq!(late.script.sent_to(), vec![-1]);
    assert_eq!(late.state(-1), Some(State::Sent));
}

#[tokio::test]
async fn an_interrupted_delivery_resumes_after_restart() {
    let w = World::new(at(8, 5, 0));
    w.subscribe(-1, None, at(7, 0, 0));
    w.subscribe(-2, None, at(7, 0, 0));
    // A previous run marked both pending and sent only -2's message before dying.
    let pending = |chat_id| new_record(chat_id, day(), at(8, 0, 0), at(10, 0, 0), at(8, 0, 0));
    let mut done = pending(-2);
    done.state = State::Sent;
    w.store.put_deliveries(&[pending(-1), done]).unwrap();
    w.engine.resume().unwrap();
    w.engine.tick().unwrap();
    w.settle().await;
    assert_eq!(w.script.sent_to(), vec![-1]);
    assert_eq!(w.state(-1), Some(State::Sent));
}

#[tokio::test]
async fn errors_are_classified_and_acted_on() {
    let w = World::new(at(8, 0, 0));
    for chat in [-1, -2, -3, -4, -5] {
        w.subscribe(chat, None, at(7, 0, 0));
    }
    w.script.fail(
        -1,
        vec![SendError::Gone("Forbidden: bot was kicked".into())],
    );
    w.script
        .fail(-2, vec![SendError::Moved(Address::telegram(-1002))]);
    w.script.fail(
        -3,
        vec![SendError::Permanent(
            "Bad Request: message is too long".into(),
        )],
    );
    w.script.fail(
        -4,
        vec![
            SendError::RateLimited(Duration::from_millis(50)),
            SendError::RateLimited(Duration::from_millis(50)),
        ],
    );
    w.script.fail(
        -5,
        vec![SendError::Retryable("Internal Server Error".into())],
    );
    w.engine.tick().unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await; // -5 retries after about 1 s
    w.settle().await;

    let mut sent = w.script.sent_to();
    sent.sort();
    // -1002 (migrated) and -4, -5 (retried) received it; the admin (42) got one summary.
    assert_eq!(sent, vec![-1002, -5, -4, 42]);
    assert_eq!(w.state(-1), Some(State::Failed));
    let kicked = w.store.subscription(-1).unwrap().unwrap();
    assert!(!kicked.active);
    assert!(kicked.reason.unwrap().contains("kicked"));
    assert!(w.store.subscription(-2).unwrap().is_none());
    assert!(w.store.subscription(-1002).unwrap().unwrap().active);
    assert_eq!(
        w.store
            .delivery(&slot(day(), -1002))
            .unwrap()
            .unwrap()
            .state,
        State::Sent
    );
    assert_eq!(w.state(-3), Some(State::Failed));
    assert_eq!(w.state(-4), Some(State::Sent));
    assert_eq!(
        w.store
            .delivery(&slot(day(), -5))
            .unwrap()
            .unwrap()
            .attempts,
        2
    );
    let summary = w
        .script
        .sent
        .lock()
        .unwrap()
        .iter()
        .find(|o| o.to.id == 42)
        .cloned()
        .unwrap();
    assert!(
        summary.html.contains("-3") && summary.html.contains("too long"),
        "{}",
        summary.html
    );
    assert!(summary.html.contains("1 个群组已移除"), "{}", summary.html);
}

#[tokio::test]
async fn retries_stop_at_the_deadline() {
    // The first attempt comes about a second after the start (a new engine assumes the
    // last second full), then a retry's backoff reaches past the 10:00 deadline.
    let w = World::new(at(9, 59, 58) + chrono::Duration::milliseconds(500));
    w.subscribe(-1, None, at(7, 0, 0));
    let bad_gateway = || SendError::Retryable("Bad Gateway".into());
    w.script
        .fail(-1, vec![bad_gateway(), bad_gateway(), bad_gateway()]);
    w.engine.tick().unwrap();
    w.settle().await;
    assert!(!w.script.sent_to().contains(&-1));
    let r = w.store.delivery(&slot(day(), -1)).unwrap().unwrap();
    assert_eq!(r.state, State::Failed);
    assert_eq!(r.error.as_deref(), Some("Bad Gateway"));
}

#[tokio::test]
async fn holidays_are_skipped_and_make_up_days_delivered() {
    // 2026-10-06 (Tuesday) is 国庆节; 2026-10-10 (Saturday) is a make-up workday.
    let holiday = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 10, 6, 8, 0, 1)
        .unwrap();
    let w = World::new(holiday.with_timezone(&Utc));
    w.subscribe(-1, None, at(0, 0, 0) - chrono::Duration::days(90));
    w.engine.tick().unwrap();
    w.settle().await;
    assert!(w.script.sent_to().is_empty());

    let saturday = chrono_tz::Asia::Shanghai
        .with_ymd_and_hms(2026, 10, 10, 8, 0, 1)
        .unwrap();
    w.set_time(saturday.with_timezone(&Utc));
    w.engine.tick().unwrap();
    w.settle().await;
    assert_eq!(w.script.sent_to(), vec![-1]);
}

#[tokio::test]
async fn an_empty_library_sends_nothing_and_tells_admins() {
    let w = World::new(at(8, 0, 0));
    w.store.delete_item(1, at(0, 0, 0)).unwrap();
    w.subscribe(-1, None, at(7, 0, 0));
    w.engine.tick().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(w.script.sent_to(), vec![42]);
    assert_eq!(w.state(-1), Some(State::Failed));
    assert!(w.engine.push_now().unwrap().empty);
}

#[tokio::test]
async fn stats_count_today() {
    let w = World::new(at(8, 0, 0));
    w.subscribe(-1, None, at(7, 0, 0));
    w.subscribe(-2, Some("09:00"), at(7, 0, 0));
    w.engine.tick().unwrap();
    w.settle().await;
    let s = w.engine.stats().unwrap();
    assert_eq!((s.active, s.inactive, s.sent, s.pending), (2, 0, 1, 0));
    assert_eq!(s.items.get(&Category::Political), Some(&1));
    assert_eq!(s.next, Some(at(9, 0, 0)));
    assert_eq!(s.kinds.get(&Kind::Edition).map(|t| t.sent), Some(1));
    assert!(replies::stats(&s, chrono_tz::Asia::Shanghai).contains("每日提醒：已送达 1"));
    // Once /pushnow has served everyone, the next delivery is tomorrow's (Wednesday's).
    w.engine.push_now().unwrap();
    w.settle().await;
    let s = w.engine.stats().unwrap();
    assert_eq!(s.sent, 2);
    assert_eq!(s.next, Some(at(8, 0, 0) + chrono::Duration::days(1)));
}

#[tokio::test]
async fn an_unknown_holiday_year_is_announced_once() {
    let w = World::new(at(7, 0, 0));
    w.store
        .remove_meta_flag(&upkeep::calendar_flag(2027, 42))
        .unwrap();
    w.engine.tick().unwrap();
    w.engine.lock_plan().built_for = None; // as on the next day, or after a restart
    w.engine.tick().unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sent = w.script.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, Address::telegram(42));
    assert!(sent[0].html.contains("2027"));
}

#[tokio::test]
async fn an_admin_who_could_not_be_warned_is_warned_when_they_write() {
    let w = World::new(at(7, 0, 0));
    let flag = upkeep::calendar_flag(2027, 42);
    w.store.remove_meta_flag(&flag).unwrap();
    // The admin never opened a private chat with the bot: the warning does not arrive.
    let never_started = "Forbidden: bot can't initiate conversation with a user";
    w.script
        .fail(42, vec![SendError::Gone(never_started.into())]);
    w.engine.warn_of_calendar(2027, &[42]).await;
    assert!(w.script.sent_to().is_empty());
    assert!(
        !w.store.meta_flag(&flag).unwrap(),
        "marked sent though it failed"
    );
    // Someone else writes: nothing. The admin writes (`/start`): the warning, once.
    w.engine.admin_reachable(7).await;
    assert!(w.script.sent_to().is_empty());
    w.engine.admin_reachable(42).await;
    w.engine.admin_reachable(42).await;
    let sent = w.script.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].to, Address::telegram(42));
    assert_eq!(sent[0].html, replies::calendar_unknown(2027));
    assert!(w.store.meta_flag(&flag).unwrap());
    // In November nothing is missing, so nothing is pending.
    let w = World::new(at(7, 0, 0) - chrono::Duration::days(1));
    w.store.remove_meta_flag(&flag).unwrap();
    w.engine.admin_reachable(42).await;
    assert!(w.script.sent_to().is_empty());
}

/// Checks at every send that the chat's delivery is already recorded pending, and keeps
/// the most deliveries it saw pending at once.
#[derive(Clone)]
struct Marked {
    store: Store,
    script: Script,
    unmarked: Arc<AtomicUsize>,
    most_pending: Arc<AtomicUsize>,
}

impl Sender for Marked {
    fn limits(&self, _: Channel, per_second: u32) -> port::Limits {
        crate::telegram::limits(per_second)
    }

    async fn send(&self, out: &Outgoing) -> std::result::Result<Option<i64>, SendError> {
        let state = self
            .store
            .delivery(&slot(day(), out.to.id))
            .unwrap()
            .map(|d| d.state);
        if state != Some(State::Pending) {
            self.unmarked.fetch_add(1, Ordering::Relaxed);
        }
        let pending = self.store.tally_on(day()).unwrap().pending;
        self.most_pending.fetch_max(pending, Ordering::Relaxed);
        self.script.send(out).await
    }
}

/// `n` groups due at 08:00, at 08:00 (or later: `now`), with no limits to speak of.
fn large(n: usize, now: DateTime<Utc>) -> (tempfile::TempDir, Engine<Marked>, Marked) {
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path());
    let subscriptions = (1..=n as i64)
        .map(|i| Subscription {
            checkin: false,
            ..group(-i, None, at(7, 0, 0))
        })
        .collect();
    store
        .import(&store::Document {
            format: 1,
            next_id: 2,
            subscriptions,
            ..store::Document::default()
        })
        .unwrap();
    let config = config("[delivery]\nmax_per_second = 1000000\npaid_broadcast = true\n");
    let sender = Marked {
        store: store.clone(),
        script: Script::default(),
        unmarked: Arc::default(),
        most_pending: Arc::default(),
    };
    let engine = Engine::new(
        store,
        sender.clone(),
        config,
        Arc::new(Calendar::built_in()),
        Clock::starting_at(now),
        CancellationToken::new(),
    );
    (dir, engine, sender)
}

/// Every one of `n` chats got one message, marked pending before it was sent, and never
/// more than two parts of each of the `batches` (plus the sends in flight) were pending at
/// once.
fn assert_served_once_in_parts(sender: &Marked, store: &Store, n: usize, batches: usize) {
    let mut sent = sender.script.sent_to();
    assert_eq!(sent.len(), n);
    sent.sort_unstable();
    sent.dedup();
    assert_eq!(sent.len(), n, "a chat got two messages");
    assert_eq!(sender.unmarked.load(Ordering::Relaxed), 0);
    let most = sender.most_pending.load(Ordering::Relaxed);
    assert!(
        most <= batches * 2 * batch::PART + MAX_IN_FLIGHT,
        "{most} deliveries were pending at once"
    );
    assert_eq!(store.tally_on(day()).unwrap().sent, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_morning_push_is_marked_a_part_at_a_time_each_before_its_sends() {
    let n = batch::PART * 4 + 500;
    let (_dir, engine, sender) = large(n, at(8, 0, 0));
    tokio::spawn(engine.clone().dispatch());
    engine.tick().unwrap();
    until_idle(&engine).await;
    assert_served_once_in_parts(&sender, &engine.inner.store, n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_pushnow_is_marked_a_part_at_a_time_and_forgotten_when_over() {
    let n = batch::PART * 4 + 500;
    let (_dir, engine, sender) = large(n, at(7, 30, 0));
    let report = engine.push_now().unwrap();
    assert_eq!(report.queued, n);
    assert_eq!(engine.inner.store.pushes().unwrap().len(), 1);
    // Not marked yet or not sent yet, every chat counts as pending in /stats.
    let stats = engine.stats().unwrap();
    assert_eq!(stats.pending, n, "{stats:?}");
    tokio::spawn(engine.clone().dispatch());
    until_idle(&engine).await;
    assert_eq!(engine.stats().unwrap().pending, 0);
    assert_served_once_in_parts(&sender, &engine.inner.store, n, 1);
    assert!(engine.inner.store.pushes().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushnow_during_the_morning_push_sends_each_chat_once() {
    let n = batch::PART * 4 + 500;
    let (_dir, engine, sender) = large(n, at(8, 0, 0));
    tokio::spawn(engine.clone().dispatch());
    // Both list every chat; most of the morning's are not marked yet when /pushnow comes.
    engine.tick().unwrap();
    let report = engine.push_now().unwrap();
    assert_eq!(report.queued + report.in_progress + report.already_sent, n);
    until_idle(&engine).await;
    assert_served_once_in_parts(&sender, &engine.inner.store, n, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_pushnow_is_finished_after_restart() {
    let n = batch::PART * 2;
    let (_dir, engine, sender) = large(n, at(7, 30, 0));
    let store = engine.inner.store.clone();
    // A previous run recorded the push, marked and sent some chats, marked some more, and
    // died before it marked the rest.
    let request = PushRequest::edition(day(), at(7, 20, 0), at(9, 20, 0));
    store.put_push(&request).unwrap();
    let record = |chat_id: i64, state| Delivery {
        state,
        ..new_record(chat_id, day(), request.at, request.deadline, request.at)
    };
    let sent: Vec<Delivery> = (1..=300).map(|i| record(-i, State::Sent)).collect();
    let pending: Vec<Delivery> = (301..=330).map(|i| record(-i, State::Pending)).collect();
    store.put_deliveries(&sent).unwrap();
    store.put_deliveries(&pending).unwrap();
    tokio::spawn(engine.clone().dispatch());
    engine.resume().unwrap();
    until_idle(&engine).await;
    let mut got = sender.script.sent_to();
    got.sort_unstable();
    let want: Vec<i64> = (301..=n as i64).rev().map(|i| -i).collect();
    assert_eq!(got, want, "the chats not sent yet, each once");
    assert_eq!(store.tally_on(day()).unwrap().sent, n);
    assert!(store.pushes().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_deliveries_left_pending_after_tries_are_all_resumed() {
    // A previous run tried every one of them (a network outage, say) and then died.
    let n = batch::PART * 2 + 500;
    let (_dir, engine, sender) = large(n, at(8, 30, 0));
    let tried: Vec<Delivery> = (1..=n as i64)
        .map(|i| Delivery {
            attempts: 3,
            ..new_record(-i, day(), at(8, 0, 0), at(10, 0, 0), at(8, 20, 0))
        })
        .collect();
    engine.inner.store.put_deliveries(&tried).unwrap();
    tokio::spawn(engine.clone().dispatch());
    engine.resume().unwrap();
    until_idle(&engine).await;
    assert_eq!(sender.script.sent_to().len(), n);
    assert_eq!(engine.inner.store.tally_on(day()).unwrap().sent, n);
}

#[tokio::test]
async fn a_pushnow_past_its_deadline_is_dropped_at_start() {
    let (_dir, engine, sender) = large(10, at(11, 0, 0));
    let store = engine.inner.store.clone();
    store
        .put_push(&PushRequest::edition(day(), at(7, 20, 0), at(9, 20, 0)))
        .unwrap();
    engine.resume().unwrap();
    assert!(store.pushes().unwrap().is_empty());
    assert!(engine.idle());
    assert!(sender.script.sent_to().is_empty());
}

/// Each send's chat and the process clock's time of it.
type Sends = Arc<Mutex<Vec<(i64, DateTime<Utc>)>>>;

/// Records the process clock's time of each send.
#[derive(Clone)]
struct Timed {
    clock: Clock,
    sent: Sends,
}

impl Sender for Timed {
    fn limits(&self, _: Channel, per_second: u32) -> port::Limits {
        crate::telegram::limits(per_second)
    }

    async fn send(&self, out: &Outgoing) -> std::result::Result<Option<i64>, SendError> {
        self.sent
            .lock()
            .unwrap()
            .push((out.to.id, self.clock.now()));
        Ok(Some(1))
    }
}

/// The real alarm (tokio-cron-scheduler) wakes the engine for a due time on the day
/// Berlin moves to summer time: 08:00 CEST on 2026-03-29 is 06:00 UTC (07:00 UTC the day
/// before). The process clock starts a few seconds before; the message goes once, within
/// a second of its instant, and never again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alarm_fires_once_at_a_due_time_on_a_daylight_saving_day() {
    let due = Utc.with_ymd_and_hms(2026, 3, 29, 6, 0, 0).unwrap();
    let start = due - chrono::Duration::seconds(4);
    let dir = tempfile::tempdir().unwrap();
    let store = library(dir.path());
    store.put_subscription(&group(-1, None, start)).unwrap();
    let config = config(
        "[schedule]\ntimezone = \"Europe/Berlin\"\ndaily_at = \"08:00\"\ndays = \"everyday\"\n",
    );
    let clock = Clock::starting_at(start);
    let sender = Timed {
        clock: clock.clone(),
        sent: Arc::default(),
    };
    let shutdown = CancellationToken::new();
    let engine = Engine::new(
        store,
        sender.clone(),
        config,
        Arc::new(Calendar::built_in()),
        clock,
        shutdown.clone(),
    );
    let running = tokio::spawn({
        let engine = engine.clone();
        async move { engine.run(Arc::new(Notify::new())).await }
    });
    // Four seconds to the due time, then three more to show that it does not fire again.
    tokio::time::sleep(Duration::from_secs(7)).await;
    shutdown.cancel();
    running.await.unwrap();
    let sent = sender.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let late = (sent[0].1 - due).num_milliseconds();
    assert!(
        (0..=1000).contains(&late),
        "sent {late} ms after its due time"
    );
}

/// A notice by bot admin 42, drafted at `now` and stored.
fn drafted(store: &Store, text: &str, now: DateTime<Utc>) -> crate::notice::Notice {
    let draft = crate::notice::Notice::draft(text, 42, now).unwrap();
    store.add_notice(draft).unwrap()
}

/// The records of notice `id` on the test day, by chat.
fn notice_records(store: &Store, id: &str) -> BTreeMap<i64, Delivery> {
    store
        .deliveries_on(day())
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == Kind::Notice && r.key == id)
        .map(|r| (r.to.id, r))
        .collect()
}

#[tokio::test]
async fn a_confirmed_notice_goes_once_to_every_active_subscription() {
    use crate::notice::{Decision, Refused};
    let w = World::new(at(10, 0, 0));
    for chat in [-1, -2, -3] {
        w.subscribe(chat, None, at(7, 0, 0));
    }
    let gone = Subscription {
        active: false,
        ..group(-4, None, at(7, 0, 0))
    };
    w.store.put_subscription(&gone).unwrap();
    assert_eq!(w.engine.audience().unwrap(), 3);
    let notice = drafted(&w.store, "下午 3 点 <开会>", at(9, 59, 0));
    let send = |n: &mut crate::notice::Notice| n.decide(Decision::Send, 42, at(10, 0, 0));
    let (confirmed, count) = w.engine.send_notice(&notice.id, send).unwrap().unwrap();
    assert_eq!((confirmed.id.as_str(), count), (notice.id.as_str(), 3));
    w.settle().await;
    let sent = w.script.sent.lock().unwrap().clone();
    let mut to: Vec<i64> = sent.iter().map(|o| o.to.id).collect();
    to.sort_unstable();
    assert_eq!(to, [-3, -2, -1]);
    for out in &sent {
        assert_eq!(out.html, "<b>【通知】</b>\n下午 3 点 &lt;开会&gt;");
        assert!(out.buttons.is_empty());
    }
    let records = notice_records(&w.store, &notice.id);
    assert_eq!(records.len(), 3);
    assert!(records.values().all(|r| r.state == State::Sent));
    let stats = w.engine.stats().unwrap();
    assert_eq!(stats.kinds[&Kind::Notice].sent, 3, "{stats:?}");
    assert!(w.store.pushes().unwrap().is_empty(), "the push is over");
    // A second 发送 is refused and sends nothing.
    assert_eq!(
        w.engine.send_notice(&notice.id, send).unwrap().map(|_| ()),
        Err(Refused::Confirmed)
    );
    w.settle().await;
    assert_eq!(w.script.sent.lock().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_notice_counts_as_pending_until_sent_and_each_chat_gets_it_once() {
    use crate::notice::Decision;
    let n = batch::PART * 2 + 500;
    let (_dir, engine, sender) = large(n, at(10, 0, 0));
    let store = engine.inner.store.clone();
    let notice = drafted(&store, "通知", at(9, 59, 0));
    let send = |x: &mut crate::notice::Notice| x.decide(Decision::Send, 42, at(10, 0, 0));
    let (_, count) = engine.send_notice(&notice.id, send).unwrap().unwrap();
    assert_eq!(count, n);
    // Not marked yet or not sent yet, every chat counts as pending in /stats.
    let stats = engine.stats().unwrap();
    assert_eq!(stats.kinds[&Kind::Notice].pending, n, "{stats:?}");
    tokio::spawn(engine.clone().dispatch());
    until_idle(&engine).await;
    let mut sent = sender.script.sent_to();
    sent.sort_unstable();
    sent.dedup();
    assert_eq!((sent.len(), sender.script.sent_to().len()), (n, n));
    assert_eq!(engine.stats().unwrap().kinds[&Kind::Notice].sent, n);
    assert!(store.pushes().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_notice_is_finished_after_restart_and_nothing_sent_twice() {
    use crate::notice::Decision;
    let n = batch::PART * 2;
    let (_dir, engine, sender) = large(n, at(10, 30, 0));
    let store = engine.inner.store.clone();
    // A previous run confirmed the notice (with its push, in one step), sent some chats,
    // gave up on one, marked some more, and died before it marked the rest.
    let notice = drafted(&store, "通知", at(10, 0, 0));
    let request = PushRequest::notice(&notice.id, day(), at(10, 1, 0), at(12, 1, 0));
    let send = |x: &mut crate::notice::Notice| x.decide(Decision::Send, 42, at(10, 1, 0));
    store
        .decide_notice(&notice.id, send, Some(&request))
        .unwrap()
        .unwrap();
    let record = |chat_id: i64, state| Delivery {
        state,
        ..Delivery::pending(
            request.slot(Address::telegram(chat_id)),
            request.at,
            request.deadline,
            request.at,
        )
    };
    let sent: Vec<Delivery> = (1..=300).map(|i| record(-i, State::Sent)).collect();
    let pending: Vec<Delivery> = (302..=330).map(|i| record(-i, State::Pending)).collect();
    store.put_deliveries(&sent).unwrap();
    store
        .put_deliveries(&[record(-301, State::Failed)])
        .unwrap();
    store.put_deliveries(&pending).unwrap();
    tokio::spawn(engine.clone().dispatch());
    engine.resume().unwrap();
    until_idle(&engine).await;
    let mut got = sender.script.sent_to();
    got.sort_unstable();
    let want: Vec<i64> = (302..=n as i64).rev().map(|i| -i).collect();
    assert_eq!(
        got, want,
        "the chats not sent yet, each once; not the one given up"
    );
    let records = notice_records(&store, &notice.id);
    assert_eq!(records.len(), n);
    assert_eq!(
        records.values().filter(|r| r.state == State::Sent).count(),
        n - 1
    );
    assert!(store.pushes().unwrap().is_empty());
}

#[tokio::test]
async fn a_notice_whose_text_is_gone_is_not_sent() {
    let w = World::new(at(10, 0, 0));
    w.subscribe(-1, None, at(7, 0, 0));
    let request = PushRequest::notice("n1", day(), at(9, 0, 0), at(11, 0, 0));
    w.store.put_push(&request).unwrap();
    w.engine.resume().unwrap();
    w.settle().await;
    // (The bot admins are told of the failure.)
    assert!(!w.script.sent_to().contains(&-1));
    let records = notice_records(&w.store, "n1");
    assert_eq!(records[&-1].state, State::Failed);
}

/// A robot of `kind` numbered by the store, active since long ago.
fn add_robot(w: &World, kind: crate::robot::Platform) -> Address {
    let robot = crate::robot::Robot {
        id: 0,
        kind,
        url: "http://127.0.0.1:9/hook".into(),
        secret: None,
        name: String::new(),
        time: None,
        days: None,
        active: true,
        reason: None,
        added_by: 42,
        from_config: false,
        added_at: at(0, 0, 0),
        changed_at: at(0, 0, 0),
    };
    let robot = w.store.add_robot(robot).unwrap();
    w.engine.lock_plan().dirty = true;
    robot.address()
}

#[tokio::test]
async fn a_robot_gets_the_same_edition_in_parts_in_order_once_each() {
    let w = World::new(at(7, 59, 0));
    w.subscribe(-1, None, at(7, 0, 0));
    let robot = add_robot(&w, crate::robot::Platform::WeCom);
    // Its first part fails once: the others wait for it.
    w.script.fail(
        robot.id,
        vec![SendError::Retryable("a network error".into())],
    );
    w.set_time(at(8, 0, 0));
    w.engine.tick().unwrap();
    w.settle().await;
    let sent = w.script.sent.lock().unwrap().clone();
    let to_robot: Vec<usize> = sent
        .iter()
        .filter(|o| o.to == robot)
        .map(|o| o.part)
        .collect();
    assert_eq!(to_robot, vec![0, 1, 2], "each part once, in order");
    let group = sent.iter().find(|o| o.to.id == -1).unwrap();
    assert!(
        sent.iter()
            .filter(|o| o.to == robot)
            .all(|o| o.html == group.html && o.buttons.is_empty())
    );
    for n in 0..3 {
        let slot = Slot::edition(day(), robot).part(n);
        assert_eq!(
            w.store.delivery(&slot).unwrap().unwrap().state,
            State::Sent,
            "part {n}"
        );
    }
    let stats = w.engine.stats().unwrap();
    assert_eq!(
        (stats.active, stats.robots_active, stats.robots_sent),
        (1, 1, 1)
    );

    // A restart, a re-plan and /pushnow send nothing again.
    w.engine.lock_plan().dirty = true;
    w.engine.resume().unwrap();
    w.engine.tick().unwrap();
    assert_eq!(w.engine.push_now().unwrap().queued, 0);
    w.settle().await;
    assert_eq!(w.script.sent.lock().unwrap().len(), sent.len());
}

#[tokio::test]
async fn a_revoked_robot_is_deactivated_and_the_admins_told_once() {
    let w = World::new(at(7, 59, 0));
    let robot = add_robot(&w, crate::robot::Platform::DingTalk);
    w.script.fail(
        robot.id,
        vec![SendError::Gone("300001 token is not exist".into()); 3],
    );
    w.set_time(at(8, 0, 0));
    w.engine.tick().unwrap();
    w.settle().await;
    let stored = w.store.robot(robot.id).unwrap().unwrap();
    assert!(!stored.active);
    assert_eq!(stored.reason.as_deref(), Some("300001 token is not exist"));
    // Its later parts were refused too (the real sender refuses an inactive robot).
    assert!(!w.script.sent.lock().unwrap().iter().any(|o| o.to == robot));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let told: Vec<String> = w
        .script
        .sent
        .lock()
        .unwrap()
        .iter()
        .filter(|o| o.to == Address::telegram(42))
        .map(|o| o.html.clone())
        .collect();
    assert_eq!(
        told.iter().filter(|t| t.contains("已停用")).count(),
        1,
        "{told:?}"
    );
    assert!(told.iter().any(|t| t.contains("300001 token is not exist")));
    let stats = w.engine.stats().unwrap();
    assert_eq!((stats.robots_active, stats.robots_inactive), (0, 1));
}

#[tokio::test]
async fn a_notice_goes_to_robots_too_in_parts() {
    use crate::notice::Decision;
    let w = World::new(at(10, 0, 0));
    w.subscribe(-1, None, at(7, 0, 0));
    let robot = add_robot(&w, crate::robot::Platform::Feishu);
    assert_eq!(w.engine.audience().unwrap(), 2, "the group and the robot");
    let notice = drafted(&w.store, "下午开会", at(9, 59, 0));
    let send = |n: &mut crate::notice::Notice| n.decide(Decision::Send, 42, at(10, 0, 0));
    let (_, count) = w.engine.send_notice(&notice.id, send).unwrap().unwrap();
    assert_eq!(count, 2);
    w.settle().await;
    let sent = w.script.sent.lock().unwrap().clone();
    let parts: Vec<usize> = sent
        .iter()
        .filter(|o| o.to == robot)
        .map(|o| o.part)
        .collect();
    assert_eq!(parts, vec![0, 1, 2]);
    assert!(sent.iter().all(|o| o.html == "<b>【通知】</b>\n下午开会"));
    let records = notice_records(&w.store, &notice.id);
    assert_eq!(
        records.len(),
        2,
        "the group's record and the robot's first part"
    );
    let robot_records: Vec<Delivery> = w
        .store
        .deliveries_on(day())
        .unwrap()
        .into_iter()
        .filter(|r| r.to == robot && r.kind == Kind::Notice)
        .collect();
    assert_eq!(robot_records.len(), 3);
    assert!(robot_records.iter().all(|r| r.state == State::Sent));
}
