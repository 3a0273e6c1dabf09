//! The delivery engine: one engine for every kind of scheduled message. It plans each
//! day's deliveries, sends them through the sending port ([`port`]) within each channel's
//! limits, retries, records every outcome in the delivery log, and resumes after a restart.
//! A delivery is (kind, key, address); the dispatch loop knows no kind ([`kinds`] renders).
//!
//! Guarantees (SPEC §6): a delivery is recorded `pending` (and flushed) before it is sent
//! and `sent` (flushed by group commit) before its send slot is released, so after a kill
//! at most the sends in flight ([`flight`]: rate × round trip) can be sent again. Each delivery has one
//! deadline (due + `catch_up`), checked before every attempt.

mod alarm;
mod batch;
mod flight;
mod flusher;
mod kinds;
pub mod limiter;
mod notice;
mod plan;
pub mod port;
mod queue;
mod send;
mod stats;
mod tasks;
mod upkeep;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, Utc};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::calendar::Calendar;
use crate::clock::Clock;
use crate::config::Config;
use crate::delivery::{Delivery, Kind, PushReport, PushRequest, Slot, State, Tally};
use crate::message::{Address, Channel};
use crate::metrics;
use crate::schedule;
use crate::store::{self, Store};

use alarm::Alarm;
use batch::{Batch, Dues, Todo};
use flight::Flight;
pub use flight::MAX_IN_FLIGHT;
use flusher::Flusher;
use limiter::{Admit, Limiter};
use plan::{Due, Plan};
use port::Sender;
use queue::{Job, Queued};

/// How long a delivery that follows a group's morning message waits before it looks again.
const EDITION_FIRST: Duration = Duration::from_millis(500);

/// The longest pause between retries of a failing chat.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// The engine. Cheap to clone; all clones share one queue.
pub struct Engine<S: Sender> {
    inner: Arc<Inner<S>>,
}

impl<S: Sender> Clone for Engine<S> {
    fn clone(&self) -> Self {
        Engine {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<S> {
    store: Store,
    sender: S,
    config: Arc<Config>,
    calendar: Arc<Calendar>,
    clock: Clock,
    queue: Mutex<BinaryHeap<Reverse<Queued>>>,
    wake: Notify,
    seq: AtomicU64,
    /// Deliveries queued or in flight in this process.
    active: Mutex<HashSet<Slot>>,
    /// Batches not over yet.
    batches: Mutex<Vec<Arc<Batch>>>,
    /// One limiter per channel, made at its first send.
    limiters: Mutex<HashMap<Channel, Limiter>>,
    /// When the engine was made: a channel's limiter counts its first second from here.
    started: Instant,
    /// The sends in flight and how many may be.
    flight: Arc<Flight>,
    flusher: Flusher,
    plan: Mutex<Plan>,
    /// Held while a new plan is built, so that only one is.
    refreshing: Mutex<()>,
    /// Cancelled once, when the process stops.
    shutdown: CancellationToken,
    /// Held while warnings to bot admins are sent, so that none gets one twice.
    admin_warnings: tokio::sync::Mutex<()>,
}

enum Next {
    Job(Option<Job>),
    Sleep(Instant),
}

type Result<T> = std::result::Result<T, store::StoreError>;

impl<S: Sender> Engine<S> {
    pub fn new(
        store: Store,
        sender: S,
        config: Arc<Config>,
        calendar: Arc<Calendar>,
        clock: Clock,
        shutdown: CancellationToken,
    ) -> Engine<S> {
        let flight = Flight::new(config.max_per_second);
        let taken = flight.clone();
        let in_flight = Arc::new(move || taken.in_flight());
        Engine {
            inner: Arc::new(Inner {
                flusher: Flusher::start(store.clone(), in_flight),
                store,
                sender,
                config,
                calendar,
                clock,
                queue: Mutex::new(BinaryHeap::new()),
                wake: Notify::new(),
                seq: AtomicU64::new(0),
                active: Mutex::new(HashSet::new()),
                batches: Mutex::new(Vec::new()),
                limiters: Mutex::new(HashMap::new()),
                started: Instant::now(),
                flight,
                plan: Mutex::new(Plan::stale()),
                refreshing: Mutex::new(()),
                shutdown,
                admin_warnings: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// Runs until shutdown: resumes what a previous run left pending, then acts on each
    /// due instant as it comes and on subscription changes signalled through `changed`.
    /// The alarm clock ([`Alarm`]) is armed for the next instant to act on: the next due
    /// instant of the plan, or the next local midnight (a new day's plan), whichever comes
    /// first; it is re-armed after every change and whenever the clock is moved.
    pub async fn run(&self, changed: Arc<Notify>) {
        let shutdown = self.inner.shutdown.clone();
        if let Err(e) = self.resume() {
            tracing::error!(error = %e, "cannot resume pending deliveries");
        }
        // Count today's deliveries now rather than at the first /stats.
        let (store, today) = (self.inner.store.clone(), self.today());
        tokio::task::spawn_blocking(move || store.tally_on(today));
        let dispatcher = tokio::spawn(self.clone().dispatch());
        let mut alarm = Alarm::start().await;
        let mut moved = self.inner.clock.moved();
        loop {
            if let Err(e) = self.tick() {
                tracing::error!(error = %e, "delivery tick failed");
            }
            // A millisecond late rather than early: the tick takes what is due at its `now`.
            let wake = self.inner.clock.instant_of(self.next_wake()) + Duration::from_millis(1);
            alarm
                .arm(wake.saturating_duration_since(Instant::now()))
                .await;
            tokio::select! {
                _ = alarm.rung(wake) => {}
                _ = changed.notified() => self.lock_plan().dirty = true,
                _ = moved.changed() => {}
                _ = shutdown.cancelled() => break,
            }
        }
        alarm.stop().await;
        self.inner.wake.notify_one();
        let _ = dispatcher.await;
    }

    /// Stops taking new sends (if shutdown was not signalled yet, signals it); waits up to
    /// `grace` for sends in flight, then flushes. What is still queued stays pending in the
    /// log for the next start.
    pub async fn stop(&self, grace: Duration) {
        self.inner.shutdown.cancel();
        self.inner.wake.notify_one();
        if !self.inner.flight.drain(grace).await {
            tracing::warn!("sends still in flight at shutdown are left pending");
        }
        if let Err(e) = self.inner.store.flush() {
            tracing::error!(error = %e, "flush at shutdown failed");
        }
    }

    /// Deliveries queued or in flight in this process (for `/metrics`).
    pub fn queue_depth(&self) -> usize {
        let queued = self.inner.queue.lock().map_or(0, |q| q.len());
        queued + self.inner.flight.in_flight()
    }

    /// Subscriptions (active, inactive) as of the engine's last plan (for `/metrics`).
    pub fn subscription_counts(&self) -> (usize, usize) {
        self.lock_plan().counts()
    }

    /// The next instant a scheduled message is due for an active subscription (after the
    /// clock's now), and its kinds: what the playground's 快进 moves the clock to.
    pub fn next_due(&self) -> Option<(DateTime<Utc>, Vec<Kind>)> {
        let (config, calendar) = (&self.inner.config, &self.inner.calendar);
        self.lock_plan().next_due_from(self.now(), config, calendar)
    }

    fn stopping(&self) -> bool {
        self.inner.shutdown.is_cancelled()
    }

    fn lock_plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.inner.plan.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    fn today(&self) -> NaiveDate {
        schedule::local_date(self.now(), self.inner.config.timezone)
    }

    /// How late a delivery may still be made.
    fn catch_up(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.inner.config.catch_up).unwrap_or_default()
    }

    /// Re-reads the subscriptions and the dues of yesterday and today when needed. The plan
    /// stays readable while a new one is built (sends look up their chat in it).
    fn refresh_plan(&self) -> Result<()> {
        let _one_at_a_time = self
            .inner
            .refreshing
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let today = self.today();
        let new_day = {
            let mut plan = self.lock_plan();
            if !plan.dirty && plan.built_for == Some(today) {
                return Ok(());
            }
            // A change signalled from now on marks the plan dirty again.
            plan.dirty = false;
            plan.built_for != Some(today)
        };
        let robots = match self.inner.store.robots() {
            Ok(robots) => robots,
            Err(e) => {
                self.lock_plan().dirty = true;
                return Err(e);
            }
        };
        let mut failed = None;
        let subs = self
            .inner
            .store
            .each_subscription()
            .map_while(|sub| sub.map_err(|e| failed = Some(e)).ok());
        let (config, calendar) = (&self.inner.config, &self.inner.calendar);
        let built = Plan::build(subs, &robots, today, config, calendar);
        if let Some(e) = failed {
            self.lock_plan().dirty = true;
            return Err(e);
        }
        let mut plan = self.lock_plan();
        *plan = built.succeed(&plan);
        drop(plan);
        if new_day {
            self.daily_upkeep(today);
        }
        Ok(())
    }

    /// The next instant the engine has to act: the first due instant of the plan not
    /// acted on yet, or the next local midnight (when a new day's plan is built).
    fn next_wake(&self) -> DateTime<Utc> {
        let now = self.now();
        let tz = self.inner.config.timezone;
        let tomorrow = schedule::local_date(now, tz)
            .succ_opt()
            .unwrap_or(NaiveDate::MAX);
        let midnight = schedule::due_instant(tomorrow, chrono::NaiveTime::MIN, tz);
        let plan = self.lock_plan();
        let due = plan.next_due_after(plan.cursor.unwrap_or(now));
        due.map_or(midnight, |due| due.min(midnight))
    }

    /// Acts on every due instant that has passed since the last tick.
    fn tick(&self) -> Result<()> {
        if self.stopping() {
            return Ok(());
        }
        self.refresh_plan()?;
        let now = self.now();
        let due = self.lock_plan().take_due(now);
        if due.is_empty() {
            return Ok(());
        }
        let catch_up = self.catch_up();
        // Each (kind, date) is one batch.
        let mut batches: BTreeMap<(Kind, NaiveDate), Dues> = BTreeMap::new();
        let mut missed = Vec::new();
        // Whether a date has any record at all: on a morning's first due time it has none,
        // and 100,000 lookups that find nothing are skipped.
        let mut logged: HashMap<NaiveDate, bool> = HashMap::new();
        // 停发 days: their morning deliveries are not started (nothing recorded, nothing
        // missed); the other kinds of the day go as usual.
        let mut skipped: HashMap<NaiveDate, bool> = HashMap::new();
        for Due { at, kind, date, to } in due {
            if kind == Kind::Edition && self.skips(&mut skipped, date)? {
                continue;
            }
            let slot = Slot::new(kind, date, to);
            if self.is_active(&slot) {
                continue;
            }
            let any = match logged.get(&date) {
                Some(&any) => any,
                None => {
                    let any = self.inner.store.tally_on(date)? != Tally::default();
                    logged.insert(date, any);
                    any
                }
            };
            if any && self.inner.store.delivery(&slot)?.is_some() {
                continue;
            }
            if now > at + catch_up {
                // A 督办提醒 has content only some days: one past its time is not counted
                // as missed (its overdue notices go with the next one).
                if kind == Kind::TaskReminder {
                    continue;
                }
                let mut record = Delivery::pending(slot, at, at + catch_up, now);
                record.state = State::Missed;
                missed.push(record);
            } else {
                batches.entry((kind, date)).or_default().push((at, to));
            }
        }
        if !missed.is_empty() {
            tracing::warn!(count = missed.len(), "deliveries missed (past catch_up)");
            for r in &missed {
                metrics::global().delivered(r.kind, r.state, 1);
            }
            self.inner.store.put_deliveries(&missed)?;
            self.inner.store.flush()?;
        }
        for ((kind, date), due) in batches {
            self.start(kind, date, Todo::Due(due.into_iter()))?;
        }
        Ok(())
    }

    /// Re-queues the deliveries a previous run left pending, or records them missed, and
    /// takes up the pushes (`/pushnow`, notices) it did not finish.
    fn resume(&self) -> Result<()> {
        self.refresh_plan()?;
        let now = self.now();
        let mut batches: BTreeMap<(Kind, NaiveDate), Vec<Delivery>> = BTreeMap::new();
        let mut closed = Vec::new();
        for mut record in self.inner.store.pending_deliveries()? {
            let subscribed = self.lock_plan().serves(record.slot().subscriber());
            if now > record.deadline {
                record.state = if record.attempts > 0 {
                    State::Failed
                } else {
                    State::Missed
                };
                record.updated_at = now;
                closed.push(record);
            } else if !subscribed {
                record.state = State::Failed;
                record.error = Some("unsubscribed".into());
                record.updated_at = now;
                closed.push(record);
            } else {
                batches
                    .entry((record.kind, record.date))
                    .or_default()
                    .push(record);
            }
        }
        if !closed.is_empty() {
            for r in &closed {
                metrics::global().delivered(r.kind, r.state, 1);
            }
            self.inner.store.put_deliveries(&closed)?;
            self.inner.store.flush()?;
        }
        for ((kind, date), records) in batches {
            let count = records.len();
            tracing::info!(kind = kind.as_str(), %date, count, "resuming interrupted deliveries");
            self.start(kind, date, Todo::Pending(records.into_iter()))?;
        }
        for request in self.inner.store.pushes()? {
            if now > request.deadline {
                self.inner.store.remove_push(&request)?;
                continue;
            }
            let (kind, date) = (request.kind, request.date);
            tracing::info!(kind = kind.as_str(), %date, "resuming an interrupted push");
            let chats = self.active_chats();
            self.start(
                kind,
                date,
                Todo::Push {
                    request,
                    chats: chats.into_iter(),
                },
            )?;
        }
        Ok(())
    }

    /// The addresses of the active subscriptions and robots, in order.
    fn active_chats(&self) -> Vec<Address> {
        self.lock_plan().active_chats()
    }

    /// Serves every active subscription that has not had today's edition. The request is
    /// recorded first, so that a restart finishes it.
    pub fn push_now(&self) -> Result<PushReport> {
        self.refresh_plan()?;
        let now = self.now();
        let today = self.today();
        let mut report = PushReport::default();
        if self.skips(&mut HashMap::new(), today)? {
            report.skipped = true;
            return Ok(report);
        }
        let mut chats = Vec::new();
        for to in self.active_chats() {
            let slot = Slot::edition(today, to);
            if self.is_active(&slot) {
                report.in_progress += 1;
                continue;
            }
            match self.inner.store.delivery(&slot)? {
                Some(r) if r.state == State::Sent => report.already_sent += 1,
                _ => chats.push(to),
            }
        }
        report.queued = chats.len();
        if chats.is_empty() {
            return Ok(report);
        }
        let request = PushRequest::edition(today, now, now + self.catch_up());
        let todo = Todo::Push {
            request,
            chats: chats.into_iter(),
        };
        if !self.start(Kind::Edition, today, todo)? {
            report.queued = 0;
            report.empty = true;
        }
        Ok(report)
    }

    /// Whether a group's delivery that follows its morning message ([`Kind::follows_edition`])
    /// has to wait: that message is queued or in flight, or a batch of that date's morning
    /// messages has chats not marked yet (this group may be among them).
    /// A part after the first of a message sent in parts waits likewise for the part
    /// before it, so that the parts arrive in order.
    fn waits_for_edition(&self, r: &Delivery) -> bool {
        let part = r.part();
        if part > 0 {
            return self.is_active(&r.slot().first_part().part(part - 1));
        }
        if !r.kind.follows_edition() || r.to.channel.is_robot() || r.slot().group() != Some(r.to.id)
        {
            return false;
        }
        self.is_active(&Slot::edition(r.date, r.to))
            || self
                .lock_batches()
                .iter()
                .any(|b| b.kind == Kind::Edition && b.date == r.date && b.has_unstarted())
    }

    fn is_active(&self, slot: &Slot) -> bool {
        self.inner
            .active
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(slot)
    }

    fn enqueue(&self, job: Job, ready: Instant) {
        let seq = self.inner.seq.fetch_add(1, Ordering::Relaxed);
        self.inner
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Reverse(Queued { ready, seq, job }));
        self.inner.wake.notify_one();
    }

    /// The single loop that takes ready jobs in order, paces them, and starts each send.
    async fn dispatch(self) {
        loop {
            if self.stopping() {
                return;
            }
            let next = {
                let mut q = self.inner.queue.lock().unwrap_or_else(|p| p.into_inner());
                match q.peek().map(|Reverse(top)| top.ready) {
                    Some(at) if at <= Instant::now() => Next::Job(q.pop().map(|r| r.0.job)),
                    Some(at) => Next::Sleep(at),
                    None => Next::Job(None),
                }
            };
            let mut job = match next {
                Next::Job(Some(job)) => job,
                Next::Job(None) => {
                    self.inner.wake.notified().await;
                    continue;
                }
                Next::Sleep(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at.into()) => {}
                        _ = self.inner.wake.notified() => {}
                    }
                    continue;
                }
            };
            if self.now() > job.record.deadline {
                self.first_attempt(&mut job);
                let state = if job.record.attempts > 0 {
                    State::Failed
                } else {
                    State::Missed
                };
                self.finish(job, state, None).await;
                continue;
            }
            if self.waits_for_edition(&job.record) {
                self.enqueue(job, Instant::now() + EDITION_FIRST);
                continue;
            }
            // A place in flight first, so that the limiter counts the send when it goes.
            let slot = tokio::select! {
                slot = self.inner.flight.slot() => slot,
                // Left pending in the log for the next start.
                _ = self.inner.shutdown.cancelled() => return,
            };
            match self.admit(job.record.to) {
                Admit::Now => {}
                Admit::Chat(wait) => {
                    self.enqueue(job, Instant::now() + wait);
                    continue;
                }
                Admit::Overall(wait) => {
                    drop(slot);
                    self.enqueue(job, Instant::now());
                    tokio::time::sleep(wait).await;
                    continue;
                }
            }
            if self.stopping() {
                // Left pending in the log for the next start.
                return;
            }
            let engine = self.clone();
            tokio::spawn(async move {
                engine.send(job).await;
                drop(slot);
            });
        }
    }
}

/// 1 s, 2 s, 4 s … up to a minute, with ±20 % jitter so that failing chats spread out.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_secs(1u64 << attempt.saturating_sub(1).min(6)).min(MAX_BACKOFF);
    base.mul_f64(0.8 + 0.4 * fastrand::f64())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod backoff_tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_minute_with_jitter() {
        let secs: Vec<f64> = (1..=10).map(|a| backoff(a).as_secs_f64()).collect();
        assert!((0.8..=1.2).contains(&secs[0]), "{secs:?}");
        assert!((3.2..=4.8).contains(&secs[2]), "{secs:?}");
        assert!(secs[9] <= 72.0 && secs[9] >= 48.0, "{secs:?}");
        // Spread, not lock-step: 50 chats failing together retry at many different times.
        let mut first: Vec<u128> = (0..50).map(|_| backoff(1).as_millis()).collect();
        first.sort_unstable();
        first.dedup();
        assert!(first.len() > 25, "{first:?}");
    }
}
