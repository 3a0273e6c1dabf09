//! One attempt of a delivery and what its outcome does: the channel's limiter, the send
//! through the port, the record made durable, retries, deactivation and migration.

use std::time::Instant;

use super::limiter::{Admit, Limiter};
use super::port::{SendError, Sender};
use super::{Engine, Job, backoff};
use crate::delivery::{Slot, State};
use crate::message::{Address, Channel};
use crate::metrics;
use crate::replies;

impl<S: Sender> Engine<S> {
    /// Counts a send to `to` against its channel's limits, or says how long to wait.
    pub(super) fn admit(&self, to: Address) -> Admit {
        self.with_limiter(to.channel, |l| l.admit(to, Instant::now()))
    }

    /// The limiter of `channel`, made at its first use as if made when the engine was (a
    /// new process assumes its predecessor's last second was full).
    fn with_limiter<T>(&self, channel: Channel, f: impl FnOnce(&mut Limiter) -> T) -> T {
        let mut limiters = self
            .inner
            .limiters
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let limiter = limiters.entry(channel).or_insert_with(|| {
            let per_second = self.inner.config.max_per_second;
            let limits = self.inner.sender.limits(channel, per_second);
            Limiter::new(channel, limits, self.inner.started)
        });
        f(limiter)
    }

    /// One attempt; the outcome is recorded, or the job goes back to the queue.
    pub(super) async fn send(&self, mut job: Job) {
        let to = job.record.to;
        let out = self.outgoing(&job);
        self.first_attempt(&mut job);
        if out.html.is_empty() && out.attachment.is_none() {
            // Telegram would refuse it; the kind has logged why.
            let reason = "nothing to send".to_string();
            self.finish(job, State::Failed, Some(reason)).await;
            return;
        }
        job.record.attempts += 1;
        let sent_at = Instant::now();
        let outcome = self.inner.sender.send(&out).await;
        if matches!(
            &outcome,
            Ok(_) | Err(SendError::Gone(_) | SendError::Permanent(_))
        ) {
            // An answer, not a timeout or a server's pause: the round trip it took.
            self.inner.flight.observe(sent_at.elapsed());
        }
        match outcome {
            Ok(message_id) => {
                job.record.message_id = message_id;
                self.finish(job, State::Sent, None).await;
            }
            Err(SendError::RateLimited(wait)) => {
                tracing::warn!(%to, ?wait, "rate limited (429); waiting as told, then slower");
                metrics::global().rate_limited();
                self.with_limiter(to.channel, |l| l.slow_down(Instant::now()));
                self.enqueue(job, Instant::now() + wait);
            }
            Err(SendError::Retryable(e)) => {
                let wait = backoff(job.record.attempts);
                let next = self.now() + chrono::Duration::from_std(wait).unwrap_or_default();
                tracing::warn!(%to, error = %e, ?wait, "send failed; will retry");
                job.record.error = Some(e);
                if next > job.record.deadline {
                    self.finish(job, State::Failed, None).await;
                } else {
                    metrics::global().retried();
                    self.enqueue(job, Instant::now() + wait);
                }
            }
            Err(SendError::Gone(reason)) => {
                tracing::warn!(%to, %reason, "address is gone; deactivated");
                self.deactivate(to, &reason);
                // A robot's later parts are refused too: it is counted once.
                if !to.channel.is_robot() || !job.batch.has(&job.batch.deactivated, to) {
                    job.batch.note(&job.batch.deactivated, to, &reason);
                }
                self.finish(job, State::Failed, Some(reason)).await;
            }
            Err(SendError::Moved(new)) => self.migrate(job, new).await,
            Err(SendError::Permanent(reason)) => {
                tracing::error!(%to, %reason, "the message was refused");
                self.finish(job, State::Failed, Some(reason)).await;
            }
        }
    }

    /// Moves the subscription to its new address (a group upgraded to a supergroup) and
    /// delivers there instead.
    pub(super) async fn migrate(&self, mut job: Job, to: Address) {
        let from = job.record.to;
        tracing::info!(%from, %to, "group upgraded to a supergroup; moving its subscription");
        let old = job.record.slot();
        let store = &self.inner.store;
        let moved = store.move_subscription(from.id, to.id).and_then(|_| {
            store.remove_delivery(&old)?;
            job.record.to = to;
            job.record.state = State::Pending;
            store.put_deliveries(std::slice::from_ref(&job.record))?;
            store.flush()
        });
        self.lock_plan().dirty = true;
        self.set_active(&old, false);
        if let Err(e) = moved {
            tracing::error!(error = %e, "cannot move the subscription");
            job.record.to = from;
            self.finish(job, State::Failed, Some(format!("migrated to {to}")))
                .await;
            return;
        }
        self.set_active(&job.record.slot(), true);
        self.enqueue(job, Instant::now());
    }

    pub(super) fn set_active(&self, slot: &Slot, on: bool) {
        let mut active = self.inner.active.lock().unwrap_or_else(|p| p.into_inner());
        if on {
            active.insert(slot.clone());
        } else {
            active.remove(slot);
        }
    }

    pub(super) fn deactivate(&self, to: Address, reason: &str) {
        let now = self.now();
        if to.channel.is_robot() {
            self.deactivate_robot(to, reason);
            return;
        }
        let changed = self.inner.store.update_subscription(to.id, |sub| {
            sub.active = false;
            sub.reason = Some(reason.to_string());
            sub.changed_at = now;
        });
        if let Err(e) = changed {
            tracing::error!(%to, error = %e, "cannot deactivate the subscription");
        }
        if to.id > 0
            && let Err(e) = self.inner.store.forget_private_chat(to.id)
        {
            tracing::error!(%to, error = %e, "cannot forget the private chat");
        }
        self.lock_plan().dirty = true;
    }

    /// Records the final state durably, then releases the delivery.
    pub(super) async fn finish(&self, mut job: Job, state: State, error: Option<String>) {
        job.record.state = state;
        if error.is_some() {
            job.record.error = error;
        }
        if state == State::Sent {
            job.record.error = None;
        }
        job.record.updated_at = self.now();
        metrics::global().delivered(job.record.kind, state, 1);
        // Group commit: written and flushed together with the records of other sends.
        if !self.inner.flusher.commit(job.record.clone()).await {
            tracing::error!(
                to = %job.record.to,
                "a delivery record may not be durable"
            );
        }
        let to = job.record.to;
        if matches!(state, State::Failed | State::Missed)
            && !job.batch.has(&job.batch.deactivated, to)
            // The parts of one message fail as one.
            && (job.record.part() == 0 || !job.batch.has(&job.batch.failures, to))
        {
            let reason = job.record.error.clone().unwrap_or_else(|| "missed".into());
            job.batch.note(&job.batch.failures, to, &reason);
        }
        self.set_active(&job.record.slot(), false);
        self.done(&job.batch, 1);
    }
}

impl<S: Sender> Engine<S> {
    /// A robot whose webhook was revoked: deactivated with the platform's reason, and the
    /// bot admins told once (when it goes from active to inactive).
    fn deactivate_robot(&self, to: Address, reason: &str) {
        let now = self.now();
        let mut was_active = false;
        let changed = self.inner.store.update_robot(to.id, |robot| {
            was_active = robot.active;
            robot.active = false;
            robot.reason = Some(reason.to_string());
            robot.changed_at = now;
        });
        match changed {
            Ok(Some(robot)) if was_active => {
                self.tell_admins(replies::robots::deactivated(&robot));
            }
            Ok(_) => {}
            Err(e) => tracing::error!(%to, error = %e, "cannot deactivate the robot"),
        }
        self.lock_plan().dirty = true;
    }
}
