//! The process's counters and gauges (Prometheus text at `GET /metrics`) and the liveness
//! facts `GET /healthz` reads: the last successful `getUpdates`, the last morning push.
//!
//! One registry per process, reached through [`global`], as is usual for metrics: the
//! engine, the bot and the web server count into it without being handed it, so that
//! counting needs no change of their constructors.

use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::delivery::{Kind, State};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Delivered {
    kind: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SubscriptionState {
    state: &'static str,
}

/// The last morning push (a batch of editions) this process finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Push {
    pub finished_at: DateTime<Utc>,
    pub took: Duration,
}

/// Registers each metric of `m` under a name, with its help text.
macro_rules! register {
    ($registry:ident, $m:ident; $($name:literal => $field:ident, $help:literal;)*) => {
        $( $registry.register($name, $help, $m.$field.clone()); )*
    };
}

/// Everything counted; see [`global`].
pub struct Metrics {
    registry: Registry,
    deliveries: Family<Delivered, Counter>,
    rate_limited: Counter,
    retries: Counter,
    queue_depth: Gauge,
    subscriptions: Family<SubscriptionState, Gauge>,
    last_push_seconds: Gauge<f64, AtomicU64>,
    updates: Counter,
    checkins: Counter,
    since_poll: Gauge<f64, AtomicU64>,
    started: Instant,
    last_poll: Mutex<Option<Instant>>,
    last_push: Mutex<Option<Push>>,
}

/// The process's metrics.
pub fn global() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

impl Metrics {
    fn new() -> Metrics {
        let mut registry = Registry::with_prefix("mingjing");
        let m = Metrics {
            deliveries: Family::default(),
            rate_limited: Counter::default(),
            retries: Counter::default(),
            queue_depth: Gauge::default(),
            subscriptions: Family::default(),
            last_push_seconds: Gauge::default(),
            updates: Counter::default(),
            checkins: Counter::default(),
            since_poll: Gauge::default(),
            started: Instant::now(),
            last_poll: Mutex::new(None),
            last_push: Mutex::new(None),
            registry: Registry::default(),
        };
        register! { registry, m;
            "deliveries" => deliveries, "Deliveries finished, by kind and outcome (sent, failed, missed)";
            "rate_limited" => rate_limited, "429 answers (Too Many Requests) to sends";
            "retries" => retries, "Sends retried after a network or server error";
            "queue_depth" => queue_depth, "Deliveries queued or in flight in the engine";
            "subscriptions" => subscriptions, "Subscriptions by state (active, inactive)";
            "last_push_duration_seconds" => last_push_seconds, "How long the last morning push took, first send to last record";
            "updates" => updates, "Telegram updates received and handled";
            "checkins" => checkins, "Check-ins (✅ 已学习 taps) recorded";
            "seconds_since_getupdates" => since_poll, "Seconds since the last successful getUpdates (or since start)";
        }
        Metrics { registry, ..m }
    }

    /// `n` deliveries of `kind` ended in `state` (sent, failed or missed).
    pub fn delivered(&self, kind: Kind, state: State, n: usize) {
        let outcome = match state {
            State::Sent => "sent",
            State::Failed => "failed",
            State::Missed => "missed",
            State::Pending => return,
        };
        let labels = Delivered {
            kind: kind.as_str(),
            outcome,
        };
        self.deliveries.get_or_create(&labels).inc_by(n as u64);
    }

    pub fn rate_limited(&self) {
        self.rate_limited.inc();
    }

    pub fn retried(&self) {
        self.retries.inc();
    }

    pub fn update_handled(&self) {
        self.updates.inc();
    }

    pub fn checked_in(&self) {
        self.checkins.inc();
    }

    /// A `getUpdates` answered.
    pub fn polled(&self) {
        *lock(&self.last_poll) = Some(Instant::now());
    }

    /// How long ago `getUpdates` last answered (or the process started, before that).
    pub fn since_poll(&self) -> Duration {
        lock(&self.last_poll).unwrap_or(self.started).elapsed()
    }

    /// Whether any `getUpdates` has answered yet.
    pub fn ever_polled(&self) -> bool {
        lock(&self.last_poll).is_some()
    }

    /// A morning push finished at `at`, having taken `took`.
    pub fn pushed(&self, at: DateTime<Utc>, took: Duration) {
        self.last_push_seconds.set(took.as_secs_f64());
        *lock(&self.last_push) = Some(Push {
            finished_at: at,
            took,
        });
    }

    pub fn last_push(&self) -> Option<Push> {
        *lock(&self.last_push)
    }

    /// The text exposition (OpenMetrics, which Prometheus reads), with the gauges read at
    /// scrape time set first.
    pub fn render(&self, queue_depth: usize, active: usize, inactive: usize) -> String {
        self.queue_depth.set(queue_depth as i64);
        for (state, n) in [("active", active), ("inactive", inactive)] {
            self.subscriptions
                .get_or_create(&SubscriptionState { state })
                .set(n as i64);
        }
        self.since_poll.set(self.since_poll().as_secs_f64());
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "cannot encode the metrics");
        }
        out
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The content type of [`Metrics::render`]'s text.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
