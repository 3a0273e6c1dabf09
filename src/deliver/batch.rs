//! Batches: the deliveries started together (one due time, one `/pushnow`, or what a
//! previous run left pending) and how they are fed to the queue.
//!
//! A batch is marked pending and queued a part at a time: it keeps between one and two
//! parts waiting for their first attempt, and marks the next part when fewer than one
//! are left. Its other chats wait as a compact list (a chat id and a due time), so the
//! memory a push takes does not grow with the number of chats: queueing 100,000 chats at
//! once held about 36 MiB (heaptrack: the job queue, two vectors of records and the set of
//! deliveries in progress).
//!
//! Nothing is lost by a kill between parts: chats of a due time not marked yet are due
//! again at the next start (the plan is rebuilt from the subscriptions), a `/pushnow` is
//! recorded in the store until it is over, and marked ones are resumed from the log.
//! Before a chat is marked it is claimed in the engine's active set and its record is
//! looked up again, so two batches that list the same chat never both send to it.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};

use super::kinds::Prepared;
use super::port::Sender;
use super::{Engine, Job, Result};
use crate::delivery::{Delivery, Kind, PushRequest, Slot, State};
use crate::memory;
use crate::message::{Address, Attachment};
use crate::metrics;
use crate::replies;

/// Deliveries a batch marks pending and queues at a time.
pub(super) const PART: usize = 1_000;

/// Due instants and addresses of a batch's deliveries.
pub(super) type Dues = Vec<(DateTime<Utc>, Address)>;

/// What a batch has still to mark and queue.
pub(super) enum Todo {
    /// Due at these instants and not in the log yet: a morning push, or a catch-up.
    Due(<Dues as IntoIterator>::IntoIter),
    /// `/pushnow`: these chats, unless sent today by the time their turn comes.
    Push {
        request: PushRequest,
        chats: std::vec::IntoIter<Address>,
    },
    /// Records a previous run left pending.
    Pending(std::vec::IntoIter<Delivery>),
}

/// Where a [`Todo`] comes from, for the rule of which chats still want the delivery.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Source {
    Due,
    Push,
    /// A push of a kind made once per address whatever became of it (a notice).
    Once,
    Pending,
}

impl Source {
    /// Whether a chat whose log record is `logged` (if any) still wants the delivery.
    fn wants(self, logged: Option<&Delivery>) -> bool {
        match (self, logged) {
            (Source::Due | Source::Push | Source::Once, None) => true,
            // Sent, given up or missed since its due time was planned: left alone.
            (Source::Due, Some(_)) => false,
            // Marked by a run that died: sent again only if still pending.
            (Source::Once, Some(r)) => r.state == State::Pending,
            // `/pushnow` serves missed and failed chats too, not sent ones.
            (Source::Push, Some(r)) => r.state != State::Sent,
            (Source::Pending, Some(r)) => r.state == State::Pending,
            (Source::Pending, None) => false,
        }
    }
}

impl Todo {
    fn source(&self) -> Source {
        match self {
            Todo::Due(_) => Source::Due,
            Todo::Push { request, .. } if request.kind != Kind::Edition => Source::Once,
            Todo::Push { .. } => Source::Push,
            Todo::Pending(_) => Source::Pending,
        }
    }

    fn len(&self) -> usize {
        match self {
            Todo::Due(due) => due.len(),
            Todo::Push { chats, .. } => chats.len(),
            Todo::Pending(records) => records.len(),
        }
    }

    fn push_request(&self) -> Option<&PushRequest> {
        match self {
            Todo::Push { request, .. } => Some(request),
            _ => None,
        }
    }

    /// The next `n` deliveries as the records to write.
    fn take(
        &mut self,
        n: usize,
        (kind, date): (Kind, NaiveDate),
        catch_up: chrono::Duration,
        now: DateTime<Utc>,
    ) -> Vec<Delivery> {
        let slot = |to| Slot::new(kind, date, to);
        match self {
            Todo::Due(due) => due
                .by_ref()
                .take(n)
                .map(|(at, to)| Delivery::pending(slot(to), at, at + catch_up, now))
                .collect(),
            Todo::Push { request, chats } => chats
                .by_ref()
                .take(n)
                .map(|to| {
                    let slot = request.slot(to);
                    Delivery::pending(slot, request.at, request.deadline, now)
                })
                .collect(),
            Todo::Pending(records) => records.by_ref().take(n).collect(),
        }
    }
}

/// The deliveries started together (one kind, one date) and what became of them.
pub(super) struct Batch {
    pub kind: Kind,
    pub date: NaiveDate,
    /// What the kind prepared once for every delivery of the batch (the edition's HTML).
    pub body: Arc<str>,
    /// A file sent with every delivery of the batch (the 记实通报's workbook).
    pub attachment: Option<Attachment>,
    todo: Mutex<Todo>,
    /// The deliveries in `todo`, for `/stats`.
    pub unstarted: AtomicUsize,
    /// Jobs queued that have not had their first attempt yet.
    fresh: AtomicUsize,
    /// Set while a thread marks the next part.
    feeding: AtomicBool,
    /// Deliveries neither finished nor dropped; the batch is over at zero.
    remaining: AtomicUsize,
    pub failures: Mutex<Vec<(Address, String)>>,
    pub deactivated: Mutex<Vec<(Address, String)>>,
    /// When it started (the push duration of `/metrics`).
    started: Instant,
}

impl Batch {
    pub fn note(&self, list: &Mutex<Vec<(Address, String)>>, to: Address, reason: &str) {
        lock(list).push((to, reason.to_string()));
    }

    pub fn has(&self, list: &Mutex<Vec<(Address, String)>>, to: Address) -> bool {
        lock(list).iter().any(|(c, _)| *c == to)
    }

    /// Whether some of its deliveries are not marked pending yet.
    pub fn has_unstarted(&self) -> bool {
        self.unstarted.load(Ordering::Acquire) > 0
    }

    fn wants_more(&self) -> bool {
        self.fresh.load(Ordering::Acquire) < PART && self.unstarted.load(Ordering::Acquire) > 0
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<S: Sender> Engine<S> {
    /// Starts a batch of the deliveries of `kind` on `date` and queues its first part.
    /// Returns false when the kind has nothing to send (an edition without items): the
    /// deliveries are then recorded failed (the kind has told the admins).
    pub(super) fn start(&self, kind: Kind, date: NaiveDate, mut todo: Todo) -> Result<bool> {
        let count = todo.len();
        if count == 0 {
            return Ok(true);
        }
        let catch_up = self.catch_up();
        let now = self.now();
        let (body, attachment) = match self.prepare(kind, date)? {
            Prepared::Body(body, attachment) => (body, attachment),
            Prepared::Nothing(reason) => {
                loop {
                    let mut part = todo.take(PART, (kind, date), catch_up, now);
                    if part.is_empty() {
                        break;
                    }
                    for r in &mut part {
                        r.state = State::Failed;
                        r.error = Some(reason.into());
                        r.updated_at = now;
                    }
                    self.inner.store.put_deliveries(&part)?;
                }
                self.inner.store.flush()?;
                if let Some(request) = todo.push_request() {
                    self.inner.store.remove_push(request)?;
                }
                return Ok(false);
            }
        };
        if let Some(request) = todo.push_request() {
            self.inner.store.put_push(request)?;
        }
        let batch = Arc::new(Batch {
            kind,
            date,
            body,
            attachment,
            todo: Mutex::new(todo),
            unstarted: AtomicUsize::new(count),
            fresh: AtomicUsize::new(0),
            feeding: AtomicBool::new(true),
            remaining: AtomicUsize::new(count),
            failures: Mutex::new(Vec::new()),
            deactivated: Mutex::new(Vec::new()),
            started: Instant::now(),
        });
        tracing::info!(kind = kind.as_str(), %date, count, "delivering");
        self.lock_batches().push(batch.clone());
        // The first part now, so that its sends start as soon as it is durable; the others
        // as the queue runs low.
        let fed = self.feed_part(&batch);
        batch.feeding.store(false, Ordering::Release);
        fed?;
        self.top_up(&batch);
        Ok(true)
    }

    /// Marks the next part of `batch` pending, flushes and queues it. A chat another batch
    /// has in hand, or that its record shows needs nothing more, is dropped from this one.
    /// On an error the batch is abandoned.
    fn feed_part(&self, batch: &Arc<Batch>) -> Result<()> {
        let now = self.now();
        let (source, mut part) = {
            let mut todo = lock(&batch.todo);
            let part = todo.take(PART, (batch.kind, batch.date), self.catch_up(), now);
            (todo.source(), part)
        };
        batch.unstarted.fetch_sub(part.len(), Ordering::AcqRel);
        let mut taken = part.len();
        if source != Source::Pending {
            part = match self.deliveries_of(batch, part) {
                Ok(part) => part,
                Err(e) => {
                    self.abandon(batch, taken);
                    return Err(e);
                }
            };
            // Private copies are deliveries of the batch too.
            if part.len() > taken {
                batch
                    .remaining
                    .fetch_add(part.len() - taken, Ordering::AcqRel);
                taken = part.len();
            }
        }
        let wanted = match self.select(source, &part) {
            Ok(wanted) => wanted,
            Err(e) => {
                self.abandon(batch, taken);
                return Err(e);
            }
        };
        let mut wanted = wanted.into_iter();
        part.retain(|_| wanted.next().unwrap_or(false));
        for r in &mut part {
            r.state = State::Pending;
            r.updated_at = now;
        }
        let store = &self.inner.store;
        if let Err(e) = store.put_deliveries(&part).and_then(|()| store.flush()) {
            for r in &part {
                self.set_active(&r.slot(), false);
            }
            self.abandon(batch, taken);
            return Err(e);
        }
        if taken > part.len() {
            self.done(batch, taken - part.len());
        }
        batch.fresh.fetch_add(part.len(), Ordering::AcqRel);
        let ready = Instant::now();
        for record in part {
            self.enqueue(
                Job {
                    record,
                    batch: batch.clone(),
                    fresh: true,
                },
                ready,
            );
        }
        Ok(())
    }

    /// Which deliveries of `part` to make: each is claimed in the active set, then its
    /// record looked up again. On an error nothing stays claimed.
    fn select(&self, source: Source, part: &[Delivery]) -> Result<Vec<bool>> {
        let mut wanted: Vec<bool> = Vec::with_capacity(part.len());
        for r in part {
            let slot = r.slot();
            if !self.claim(&slot) {
                wanted.push(false);
                continue;
            }
            let logged = self.inner.store.delivery(&slot);
            let wants = logged.as_ref().is_ok_and(|l| source.wants(l.as_ref()));
            if !wants {
                self.set_active(&r.slot(), false);
            }
            if let Err(e) = logged {
                for (r, _) in part.iter().zip(&wanted).filter(|(_, w)| **w) {
                    self.set_active(&r.slot(), false);
                }
                return Err(e);
            }
            wanted.push(wants);
        }
        Ok(wanted)
    }

    /// Feeds `batch` from a blocking thread while it runs low, unless a thread already does.
    pub(super) fn top_up(&self, batch: &Arc<Batch>) {
        if !batch.wants_more() || self.stopping() || batch.feeding.swap(true, Ordering::AcqRel) {
            return;
        }
        let (engine, batch) = (self.clone(), batch.clone());
        tokio::task::spawn_blocking(move || {
            loop {
                while batch.wants_more() && !engine.stopping() {
                    if let Err(e) = engine.feed_part(&batch) {
                        tracing::error!(date = %batch.date, error = %e, "cannot mark deliveries pending");
                    }
                    // What the last part's sends freed goes back to the system.
                    memory::release_free();
                }
                batch.feeding.store(false, Ordering::Release);
                // A job may have started between the last check and the flag's release.
                if !batch.wants_more()
                    || engine.stopping()
                    || batch.feeding.swap(true, Ordering::AcqRel)
                {
                    return;
                }
            }
        });
    }

    /// Called when a job is tried (or closed without a try): the first time, its batch
    /// has one job fewer waiting, and may mark its next part.
    pub(super) fn first_attempt(&self, job: &mut Job) {
        if std::mem::take(&mut job.fresh) {
            job.batch.fresh.fetch_sub(1, Ordering::AcqRel);
            self.top_up(&job.batch);
        }
    }

    /// Gives up what `batch` has not started, and `taken` deliveries of a part that could
    /// not be marked: not marked, they are due again at the next start, and a `/pushnow`
    /// stays recorded (left without its request, the batch's end does not clear it).
    fn abandon(&self, batch: &Batch, taken: usize) {
        let nothing = Todo::Due(Vec::new().into_iter());
        let left = std::mem::replace(&mut *lock(&batch.todo), nothing).len();
        batch.unstarted.fetch_sub(left, Ordering::AcqRel);
        if left + taken > 0 {
            self.done(batch, left + taken);
        }
    }

    /// Counts `n` deliveries of `batch` as over; the last one ends the batch: one message
    /// to the bot admins if there were failures, never one per chat.
    pub(super) fn done(&self, batch: &Batch, n: usize) {
        if batch.remaining.fetch_sub(n, Ordering::AcqRel) != n {
            return;
        }
        // The request goes before the batch, so that a batch seen over is wholly over.
        let finished = lock(&batch.todo).push_request().cloned();
        if let Some(request) = finished
            && let Err(e) = self.inner.store.remove_push(&request)
        {
            tracing::warn!(error = %e, "cannot clear a finished /pushnow");
        }
        self.lock_batches()
            .retain(|b| !std::ptr::eq(Arc::as_ptr(b), batch));
        if batch.kind == Kind::Edition {
            metrics::global().pushed(self.now(), batch.started.elapsed());
        }
        tokio::task::spawn_blocking(memory::release_free);
        let failures = lock(&batch.failures);
        if failures.is_empty() {
            return;
        }
        let deactivated = lock(&batch.deactivated).len();
        let failures: Vec<(String, String)> = failures
            .iter()
            .map(|(to, reason)| (self.address_name(*to), reason.clone()))
            .collect();
        self.tell_admins(replies::delivery_failures(&failures, deactivated));
    }

    /// Claims a delivery for this process: false if it is already queued or in flight.
    fn claim(&self, slot: &Slot) -> bool {
        lock(&self.inner.active).insert(slot.clone())
    }

    /// Deliveries of `date` that batches have not marked yet, by kind.
    pub(super) fn unstarted_on(&self, date: NaiveDate) -> BTreeMap<Kind, usize> {
        let mut out = BTreeMap::new();
        for b in self.lock_batches().iter().filter(|b| b.date == date) {
            let n = b.unstarted.load(Ordering::Acquire);
            if n > 0 {
                *out.entry(b.kind).or_default() += n;
            }
        }
        out
    }

    /// Whether nothing is queued, in flight or waiting to be marked.
    #[cfg(test)]
    pub(super) fn idle(&self) -> bool {
        lock(&self.inner.active).is_empty() && self.lock_batches().is_empty()
    }

    pub(super) fn lock_batches(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Batch>>> {
        lock(&self.inner.batches)
    }
}
