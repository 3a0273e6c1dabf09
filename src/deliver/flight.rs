//! How many sends may be in flight at once: enough for the configured rate at the measured
//! round trip (rate × RTT, with headroom), at least [`MIN_IN_FLIGHT`] and at most
//! [`MAX_IN_FLIGHT`]. Every send in flight is one that a kill can leave sent but
//! unrecorded (and so repeated after a restart).
//!
//! Paced sends are only ever as many in flight as the rate times the round trip: at
//! Telegram's 30 a second over 50 ms, one or two, whatever the bound. The bound matters for
//! a paid broadcast: at 1,000 a second over a 200 ms round trip it needs 300, where a fixed
//! 30 capped it at 150 a second. Rates above Telegram's 1,000 (tests and benchmarks only)
//! count as 1,000.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

/// The most sends in flight, whatever the rate and the round trip.
pub const MAX_IN_FLIGHT: usize = 300;
/// The bound never goes below this (nor above the rate): a round trip measured short
/// must not throttle a burst.
const MIN_IN_FLIGHT: usize = 30;
/// Telegram's highest rate (paid broadcasts).
const TOP_RATE: u32 = 1000;
/// In flight = rate × round trip × this.
const HEADROOM: f64 = 1.5;
/// The round trip assumed until one is measured.
const FIRST_RTT: Duration = Duration::from_millis(100);

/// The sends in flight and their bound.
pub(super) struct Flight {
    permits: Arc<Semaphore>,
    capacity: usize,
    floor: usize,
    per_second: f64,
    /// A moving average of the round trips of answered sends, in microseconds.
    rtt: AtomicU64,
    released: Notify,
}

/// A send's place in flight; given back when dropped.
pub(super) struct Slot {
    _permit: OwnedSemaphorePermit,
    flight: Arc<Flight>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.flight.released.notify_one();
    }
}

impl Flight {
    pub fn new(per_second: u32) -> Arc<Flight> {
        let capacity = (per_second as usize).clamp(1, MAX_IN_FLIGHT);
        Arc::new(Flight {
            permits: Arc::new(Semaphore::new(capacity)),
            capacity,
            floor: MIN_IN_FLIGHT.min(capacity),
            per_second: f64::from(per_second.clamp(1, TOP_RATE)),
            rtt: AtomicU64::new(FIRST_RTT.as_micros() as u64),
            released: Notify::new(),
        })
    }

    pub fn in_flight(&self) -> usize {
        self.capacity - self.permits.available_permits()
    }

    /// How many sends may be in flight now.
    pub fn bound(&self) -> usize {
        let rtt = self.rtt.load(Ordering::Relaxed) as f64 / 1e6;
        ((self.per_second * rtt * HEADROOM).ceil() as usize).clamp(self.floor, self.capacity)
    }

    /// Waits until one more send fits under the bound, and takes its place.
    pub async fn slot(self: &Arc<Flight>) -> Slot {
        loop {
            // Registered before the check, so that a release in between is not missed.
            let released = self.released.notified();
            if self.in_flight() < self.bound()
                && let Ok(permit) = self.permits.clone().try_acquire_owned()
            {
                return Slot {
                    _permit: permit,
                    flight: self.clone(),
                };
            }
            released.await;
        }
    }

    /// Counts the round trip of an answered send into the average (one eighth each).
    pub fn observe(&self, rtt: Duration) {
        let new = rtt.as_micros().min(u128::from(u32::MAX)) as u64;
        let _ = self
            .rtt
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |old| {
                Some(old - old / 8 + new / 8)
            });
    }

    /// Waits up to `grace` for every send in flight to finish; false if some did not.
    pub async fn drain(&self, grace: Duration) -> bool {
        let all = self.capacity as u32;
        tokio::time::timeout(grace, self.permits.acquire_many(all))
            .await
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bound_follows_the_rate_and_the_round_trip() {
        let slow = |per_second, rtt| {
            let f = Flight::new(per_second);
            for _ in 0..100 {
                f.observe(rtt);
            }
            f.bound()
        };
        assert_eq!(
            Flight::new(1000).bound(),
            150,
            "100 ms assumed before any answer"
        );
        assert_eq!(slow(1000, Duration::from_millis(200)), 300);
        assert_eq!(slow(1000, Duration::from_millis(100)), 150);
        // Never below 30, nor above the rate, nor above 300 (a rate above 1,000 counts as
        // 1,000).
        assert_eq!(slow(30, Duration::from_millis(50)), 30);
        assert_eq!(slow(5, Duration::from_millis(50)), 5);
        assert_eq!(slow(1_000_000, Duration::from_millis(1)), 30);
        assert_eq!(slow(1_000_000, Duration::from_secs(1)), 300);
    }

    #[tokio::test]
    async fn a_slot_waits_for_one_to_be_given_back() {
        let flight = Flight::new(1);
        let first = flight.slot().await;
        assert_eq!(flight.in_flight(), 1);
        let waiting = tokio::spawn({
            let flight = flight.clone();
            async move {
                flight.slot().await;
            }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiting.is_finished(),
            "one in flight is the bound at 1 a second"
        );
        drop(first);
        waiting.await.unwrap();
    }
}
