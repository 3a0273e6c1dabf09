//! The alarm clock: one tokio-cron-scheduler one-shot job, armed for the next instant the
//! engine has to act, as a duration from the process clock (so a shifted clock works).
//!
//! The scheduler keeps a one-shot job's due time in whole seconds of the wall clock and
//! looks at its jobs about every 500 ms, so a job is armed a second short and rings up to
//! about two seconds early; the engine then waits the last stretch itself, precisely, and
//! checks again what is due. There is never more than one job, whatever the number of
//! chats, and no polling tick.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use uuid::Uuid;

/// How much earlier than asked a job is armed, for the scheduler's whole seconds.
const EARLY: Duration = Duration::from_secs(1);

/// The engine's alarm.
pub struct Alarm {
    rung: Arc<Notify>,
    how: How,
}

enum How {
    Scheduler {
        sched: JobScheduler,
        armed: Option<Uuid>,
    },
    /// When the scheduler cannot start: a plain timer, so that no morning is lost.
    Timer(Option<JoinHandle<()>>),
}

impl Alarm {
    pub async fn start() -> Alarm {
        let rung = Arc::new(Notify::new());
        let how = match JobScheduler::new().await {
            Ok(sched) => match sched.start().await {
                Ok(()) => How::Scheduler { sched, armed: None },
                Err(e) => fallback(e),
            },
            Err(e) => fallback(e),
        };
        Alarm { rung, how }
    }

    /// Rings about `wait` from now (up to two seconds early), replacing the previous alarm.
    pub async fn arm(&mut self, wait: Duration) {
        let rung = self.rung.clone();
        match &mut self.how {
            How::Scheduler { sched, armed } => {
                if let Some(old) = armed.take() {
                    // An old job that already rang is gone: nothing to remove.
                    let _ = sched.remove(&old).await;
                }
                let job = Job::new_one_shot_async(wait.saturating_sub(EARLY), move |_, _| {
                    let rung = rung.clone();
                    Box::pin(async move { rung.notify_one() })
                });
                match job {
                    Ok(job) => match sched.add(job).await {
                        Ok(id) => *armed = Some(id),
                        Err(e) => tracing::error!(error = %e, "cannot arm the alarm"),
                    },
                    Err(e) => tracing::error!(error = %e, "cannot make the alarm job"),
                }
            }
            How::Timer(timer) => {
                if let Some(old) = timer.take() {
                    old.abort();
                }
                *timer = Some(tokio::spawn(async move {
                    tokio::time::sleep(wait.saturating_sub(EARLY)).await;
                    rung.notify_one();
                }));
            }
        }
    }

    /// Resolves at `at`, the instant the alarm was armed for: when it rings (a ring that
    /// came before this is kept), after waiting the last stretch precisely.
    pub async fn rung(&self, at: Instant) {
        self.rung.notified().await;
        tokio::time::sleep_until(at.into()).await;
    }

    pub async fn stop(self) {
        match self.how {
            How::Scheduler { mut sched, .. } => {
                let _ = sched.shutdown().await;
            }
            How::Timer(Some(timer)) => timer.abort(),
            How::Timer(None) => {}
        }
    }
}

fn fallback(e: JobSchedulerError) -> How {
    tracing::error!(error = %e, "the scheduler did not start; using a plain timer");
    How::Timer(None)
}
