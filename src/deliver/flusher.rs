//! Group commit: many senders wait for one flush of the database.

use tokio::sync::{mpsc, oneshot};

use crate::store::Store;

/// Hands out "durable" waits; one background task flushes for every waiter that has
/// registered since the last flush began.
#[derive(Clone)]
pub struct Flusher {
    tx: mpsc::UnboundedSender<oneshot::Sender<bool>>,
}

impl Flusher {
    /// Starts the flushing task; it ends when every `Flusher` clone is dropped.
    pub fn start(store: Store) -> Flusher {
        let (tx, mut rx) = mpsc::unbounded_channel::<oneshot::Sender<bool>>();
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut waiters = vec![first];
                while let Ok(w) = rx.try_recv() {
                    waiters.push(w);
                }
                let s = store.clone();
                let ok = match tokio::task::spawn_blocking(move || s.flush()).await {
                    Ok(Ok(())) => true,
                    Ok(Err(e)) => {
                        tracing::error!(error = %e, "database flush failed");
                        false
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "database flush task failed");
                        false
                    }
                };
                for w in waiters {
                    let _ = w.send(ok);
                }
            }
        });
        Flusher { tx }
    }

    /// Returns once everything written before the call is on disk (false if the flush
    /// failed).
    pub async fn durable(&self) -> bool {
        let (tx, rx) = oneshot::channel();
        if self.tx.send(tx).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }
}
