//! The process clock: the one place below `main` that reads the wall clock. It can start
//! at a given instant (`MINGJING_NOW`, for rehearsals and tests) and be moved forward while
//! the process runs (the playground's 快进); whoever arms timers watches it and re-arms.
//!
//! It is the wall clock plus an offset, so a shifted clock runs at real speed.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

/// The environment variable that starts the clock at a given instant.
pub const NOW_VAR: &str = "MINGJING_NOW";

/// The wall clock, never shifted: only for what a remote party checks against its own
/// clock (the robot platforms' request signatures, SPEC §16), not for scheduling.
pub fn real_now() -> DateTime<Utc> {
    Utc::now()
}

/// The clock every part of the process reads. Cheap to clone; clones share one offset.
#[derive(Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

struct Inner {
    /// Microseconds added to the wall clock.
    offset: AtomicI64,
    /// Bumped each time the clock is moved.
    moved: watch::Sender<u64>,
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        Clock {
            inner: Arc::new(Inner {
                offset: AtomicI64::new(0),
                moved: watch::channel(0).0,
            }),
        }
    }

    /// A clock that shows `at` now and runs at real speed from there.
    pub fn starting_at(at: DateTime<Utc>) -> Clock {
        let clock = Clock::system();
        clock.set(at);
        clock
    }

    /// The clock `MINGJING_NOW` asks for (an RFC 3339 instant such as
    /// `2026-06-01T07:59:50+08:00`), or the wall clock when it is unset or empty.
    pub fn from_env(value: Option<&str>) -> Result<Clock, String> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(Clock::system()),
            Some(v) => DateTime::parse_from_rfc3339(v)
                .map(|at| Clock::starting_at(at.with_timezone(&Utc)))
                .map_err(|e| {
                    format!("{NOW_VAR}={v}: {e} (expected e.g. 2026-06-01T07:59:50+08:00)")
                }),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let offset = chrono::Duration::microseconds(self.inner.offset.load(Ordering::Acquire));
        Utc::now() + offset
    }

    /// Whether the clock differs from the wall clock.
    pub fn is_shifted(&self) -> bool {
        self.inner.offset.load(Ordering::Acquire) != 0
    }

    /// Makes the clock show `at` now; timers armed on it are re-armed by their owners.
    pub fn set(&self, at: DateTime<Utc>) {
        let offset = (at - Utc::now()).num_microseconds().unwrap_or(0);
        self.inner.offset.store(offset, Ordering::Release);
        self.inner.moved.send_modify(|n| *n += 1);
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.set(self.now() + by);
    }

    /// Changes each time the clock is moved.
    pub fn moved(&self) -> watch::Receiver<u64> {
        self.inner.moved.subscribe()
    }

    /// The monotonic instant at which this clock will show `at` (now, if it is past).
    pub fn instant_of(&self, at: DateTime<Utc>) -> Instant {
        Instant::now() + (at - self.now()).to_std().unwrap_or_default()
    }
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Clock({})", self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_runs_from_its_start_and_moves_forward() {
        let start = DateTime::parse_from_rfc3339("2026-06-01T07:59:50+08:00").unwrap();
        let clock = Clock::from_env(Some("2026-06-01T07:59:50+08:00")).unwrap();
        assert!(clock.is_shifted());
        let drift = (clock.now() - start.with_timezone(&Utc)).num_milliseconds();
        assert!((0..1000).contains(&drift), "{drift} ms");
        let moved = clock.moved();
        clock.advance(chrono::Duration::hours(1));
        assert!(moved.has_changed().unwrap());
        let drift = (clock.now() - start.with_timezone(&Utc)).num_seconds();
        assert_eq!(drift, 3600);
    }

    #[test]
    fn unset_means_the_wall_clock_and_garbage_is_refused() {
        assert!(!Clock::from_env(None).unwrap().is_shifted());
        assert!(!Clock::from_env(Some("")).unwrap().is_shifted());
        let e = Clock::from_env(Some("tomorrow")).unwrap_err();
        assert!(e.contains("MINGJING_NOW=tomorrow"), "{e}");
    }
}
