//! Group commit: the outcome records of many sends are written in one batch and made
//! durable by one flush of the database.
//!
//! One thread owns the writing. A finished send hands it its record and waits; the thread
//! takes every record handed in while it was busy and, while other sends are still in
//! flight, waits up to [`LINGER`] for theirs, then writes them all, flushes once and wakes
//! every waiter. On a fast network sends finish faster than a flush, and without the
//! linger nearly every message paid for a flush of its own: a sled flush is two writes,
//! two `sync_file_range` calls and a wake-up of sled's whole I/O thread pool, and those
//! were most of the engine's CPU time per message (see the README's Performance section).

use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::delivery::Delivery;
use crate::store::Store;

/// The longest a record waits for the records of sends still in flight before its flush.
/// Small beside a send to Telegram (tens of milliseconds), large beside one to a local
/// server: it only ever adds to how long a send slot is held.
pub const LINGER: Duration = Duration::from_millis(2);

/// How many sends are in flight now (each will hand in a record, or go back to the queue).
pub type InFlight = Arc<dyn Fn() -> usize + Send + Sync>;

struct Commit {
    record: Delivery,
    done: oneshot::Sender<bool>,
}

/// Hands records to the committing thread. Cheap to clone; the thread ends when the last
/// clone is dropped.
#[derive(Clone)]
pub struct Flusher {
    tx: Option<mpsc::Sender<Commit>>,
    /// Used directly if the thread could not be started.
    store: Store,
}

impl Flusher {
    /// Starts the committing thread.
    pub fn start(store: Store, in_flight: InFlight) -> Flusher {
        let (tx, rx) = mpsc::channel();
        let thread_store = store.clone();
        let started = std::thread::Builder::new()
            .name("mingjing-commit".into())
            .spawn(move || commit_loop(&thread_store, &rx, &*in_flight));
        let tx = match started {
            Ok(_) => Some(tx),
            Err(e) => {
                tracing::error!(error = %e, "cannot start the commit thread; committing inline");
                None
            }
        };
        Flusher { tx, store }
    }

    /// Writes `record` and returns once it is on disk (false if writing or flushing
    /// failed; the reason is logged).
    pub async fn commit(&self, record: Delivery) -> bool {
        let Some(tx) = &self.tx else {
            return write_and_flush(&self.store, std::slice::from_ref(&record));
        };
        let (done, wait) = oneshot::channel();
        if tx.send(Commit { record, done }).is_err() {
            tracing::error!("the commit thread is gone");
            return false;
        }
        wait.await.unwrap_or(false)
    }
}

fn commit_loop(
    store: &Store,
    rx: &Receiver<Commit>,
    in_flight: &(dyn Fn() -> usize + Send + Sync),
) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        let until = Instant::now() + LINGER;
        loop {
            batch.extend(rx.try_iter());
            // Every send in flight has handed in its record: nothing more will come soon.
            if batch.len() >= in_flight() {
                break;
            }
            let left = until.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(c) => batch.push(c),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        let (records, waiters): (Vec<Delivery>, Vec<_>) =
            batch.into_iter().map(|c| (c.record, c.done)).unzip();
        let ok = write_and_flush(store, &records);
        for w in waiters {
            let _ = w.send(ok);
        }
    }
}

fn write_and_flush(store: &Store, records: &[Delivery]) -> bool {
    let done = store.put_deliveries(records).and_then(|()| store.flush());
    if let Err(e) = &done {
        tracing::error!(error = %e, count = records.len(), "cannot record deliveries durably");
    }
    done.is_ok()
}
