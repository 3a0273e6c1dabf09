//! A channel's send limits ([`Limits`]), so that the bot paces itself without waiting for
//! 429 answers. Pure: the caller passes the time.
//!
//! The overall rate is paced evenly, a little under the limit (one send every
//! [`PACE`] × 1 s / rate, keeping its cadence when a send goes a little late): a burst of
//! a whole second's sends at a window's edge, met by a few tens of milliseconds of network
//! jitter on the way, arrives as more than the limit allows. Sliding windows (overall and
//! per address) are the hard caps, each [`MARGIN`] longer than the limit's: any limit+1
//! sends then leave over more than a window plus 50 ms, so however they are delayed by up
//! to 50 ms on the way, no window of arrivals holds more than the limit. A limiter that
//! is made assumes the last second is full (a process restarted in the middle of a push
//! does not know what its predecessor sent), and after a 429 it paces at half speed for a
//! while ([`Limiter::slow_down`]).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::port::Limits;
use crate::message::{Address, Channel};

/// Slack added to every window: the arrival jitter the pacing is made for (requests leave
/// here 0 to 50 ms before they arrive there), and a millisecond more.
pub const MARGIN: Duration = Duration::from_millis(51);
/// How much wider than the limit's average the gap between two sends is: at 30 a second,
/// 35 ms, so that any second of arrivals jittered by up to 50 ms holds at most 30.
pub const PACE: f64 = 1.05;
/// How late a send may be and the next still keep the cadence, at the least: timers wake a
/// millisecond or two late, more than half a gap at 1,000 a second.
const CADENCE_SLACK: Duration = Duration::from_millis(10);
/// The gap after a 429, as a multiple of the usual one, and for how long.
const SLOWED: f64 = 2.0;
const SLOW_FOR: Duration = Duration::from_secs(30);
/// The window of one address: at most `.0` sends in `.1`.
type Rule = (usize, Duration);

#[derive(Debug)]
struct Window {
    limit: usize,
    span: Duration,
    sent: VecDeque<Instant>,
}

impl Window {
    fn new(limit: usize, span: Duration) -> Window {
        Window {
            limit: limit.max(1),
            span: span + MARGIN,
            sent: VecDeque::new(),
        }
    }

    fn forget_before(&mut self, now: Instant) {
        while let Some(&t) = self.sent.front() {
            if now.duration_since(t) >= self.span {
                self.sent.pop_front();
            } else {
                break;
            }
        }
    }

    /// How long until one more send fits.
    fn wait(&mut self, now: Instant) -> Duration {
        self.forget_before(now);
        if self.sent.len() < self.limit {
            return Duration::ZERO;
        }
        let oldest = self.sent[self.sent.len() - self.limit];
        (oldest + self.span).saturating_duration_since(now)
    }
}

/// A chat's recent sends. A morning push sends each chat one message, so a chat's one send
/// is kept inline and only a chat with more gets a window of its own: 100,000 chats of one
/// push held 17 MB as windows, 4 MB like this.
#[derive(Debug)]
enum ChatSends {
    One(Instant),
    Many(Box<Window>),
}

fn chat_window((limit, span): Rule) -> Window {
    Window::new(limit, span)
}

impl ChatSends {
    /// How long until one more send to this chat fits.
    fn wait(&mut self, rule: Rule, now: Instant) -> Duration {
        match self {
            ChatSends::One(t) => {
                let w = chat_window(rule);
                if w.limit > 1 {
                    Duration::ZERO
                } else {
                    (*t + w.span).saturating_duration_since(now)
                }
            }
            ChatSends::Many(w) => w.wait(now),
        }
    }

    fn count(&mut self, rule: Rule, now: Instant) {
        match self {
            ChatSends::One(t) => {
                let t = *t;
                let mut w = chat_window(rule);
                if now.duration_since(t) >= w.span {
                    *self = ChatSends::One(now);
                } else {
                    w.sent.push_back(t);
                    w.sent.push_back(now);
                    *self = ChatSends::Many(Box::new(w));
                }
            }
            ChatSends::Many(w) => w.sent.push_back(now),
        }
    }

    /// Forgets sends older than the window; false when none is left.
    fn forget_before(&mut self, rule: Rule, now: Instant) -> bool {
        let only = match self {
            ChatSends::One(t) => return now.duration_since(*t) < chat_window(rule).span,
            ChatSends::Many(w) => {
                w.forget_before(now);
                match w.sent.len() {
                    0 => return false,
                    1 => w.sent[0],
                    _ => return true,
                }
            }
        };
        *self = ChatSends::One(only);
        true
    }
}

/// The overall window of one channel and one window per address.
#[derive(Debug)]
pub struct Limiter {
    channel: Channel,
    limits: Limits,
    overall: Window,
    /// The usual gap between two sends.
    gap: Duration,
    /// The earliest instant of the next send.
    next: Instant,
    /// Sends are spaced [`SLOWED`] times wider until then.
    slow_until: Option<Instant>,
    chats: HashMap<i64, ChatSends>,
    last_sweep: Option<Instant>,
}

/// What the limiter says of a send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admit {
    /// Send now (the send is counted).
    Now,
    /// The overall rate is used up: nothing may be sent for this long.
    Overall(Duration),
    /// This chat's rate is used up: try this chat again after this long; others may go.
    Chat(Duration),
}

impl Limiter {
    /// A limiter made at `now`: its first send waits for a second (and the margin) to
    /// pass, as if the last second had been full.
    pub fn new(channel: Channel, limits: Limits, now: Instant) -> Limiter {
        let second = Duration::from_secs(1);
        Limiter {
            channel,
            limits,
            overall: Window::new(limits.per_second as usize, second),
            gap: second.mul_f64(PACE) / limits.per_second.max(1),
            next: now + second + MARGIN,
            slow_until: None,
            chats: HashMap::new(),
            last_sweep: None,
        }
    }

    /// The channel answered 429: pace at half speed for a while (the answer's own wait is
    /// obeyed by the caller).
    pub fn slow_down(&mut self, now: Instant) {
        self.slow_until = Some(now + SLOW_FOR);
    }

    fn gap(&self, now: Instant) -> Duration {
        match self.slow_until {
            Some(until) if now < until => self.gap.mul_f64(SLOWED),
            _ => self.gap,
        }
    }

    fn rule(&self, id: i64) -> Rule {
        (self.limits.per_address)(&Address {
            channel: self.channel,
            id,
        })
    }

    /// Admits a send to `to` (an address of this channel) at `now`, counting it, or says
    /// how long to wait.
    pub fn admit(&mut self, to: Address, now: Instant) -> Admit {
        self.sweep(now);
        let (chat_id, rule) = (to.id, self.rule(to.id));
        let mut chat = self.chats.get_mut(&chat_id);
        if let Some(sends) = chat.as_deref_mut() {
            let wait = sends.wait(rule, now);
            if !wait.is_zero() {
                return Admit::Chat(wait);
            }
        }
        let wait = self
            .overall
            .wait(now)
            .max(self.next.saturating_duration_since(now));
        if !wait.is_zero() {
            return Admit::Overall(wait);
        }
        match chat {
            Some(sends) => sends.count(rule, now),
            None => {
                self.chats.insert(chat_id, ChatSends::One(now));
            }
        }
        self.overall.sent.push_back(now);
        // A little late (half a gap, or a timer's few milliseconds at a high rate), the
        // next keeps the cadence; later (after a pause), it counts from now.
        let gap = self.gap(now);
        self.next = if now < self.next + (gap / 2).max(CADENCE_SLACK) {
            self.next + gap
        } else {
            now + gap
        };
        Admit::Now
    }

    /// Drops the windows of chats that have been quiet for over a minute, so that memory
    /// does not grow with the number of chats ever served.
    fn sweep(&mut self, now: Instant) {
        let due = self
            .last_sweep
            .is_none_or(|t| now.duration_since(t) > Duration::from_secs(60));
        if due {
            let (channel, per_address) = (self.channel, self.limits.per_address);
            self.chats.retain(|&id, sends| {
                sends.forget_before(per_address(&Address { channel, id }), now)
            });
            self.last_sweep = Some(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Telegram's rules (20 a minute per group, 1 a second per private chat), made long
    /// enough before `t0` that its first second has passed.
    fn limiter_at(per_second: u32, t0: Instant) -> Limiter {
        let made = t0.checked_sub(Duration::from_secs(2)).unwrap_or(t0);
        Limiter::new(Channel::Telegram, crate::telegram::limits(per_second), made)
    }

    impl Limiter {
        fn admit_chat(&mut self, chat_id: i64, now: Instant) -> Admit {
            self.admit(Address::telegram(chat_id), now)
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Drives the limiter as the engine does, one message to each of `n` groups from `t0`:
    /// the instants of the sends, and when the last went.
    fn push_to_groups(l: &mut Limiter, t0: Instant, n: usize) -> (Vec<Instant>, Instant) {
        let (mut now, mut sent) = (t0, Vec::new());
        while sent.len() < n {
            match l.admit_chat(-1 - sent.len() as i64, now) {
                Admit::Now => sent.push(now),
                Admit::Overall(w) | Admit::Chat(w) => now += w,
            }
        }
        (sent, now)
    }

    /// The most of the (sorted) instants that fall within one second.
    fn most_in_a_second(sorted: &[Instant]) -> usize {
        (0..sorted.len())
            .map(|i| {
                sorted[i..]
                    .iter()
                    .take_while(|&&u| u.duration_since(sorted[i]) < Duration::from_secs(1))
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn sends_are_paced_evenly_under_the_rate() {
        let t0 = Instant::now();
        let mut l = limiter_at(30, t0);
        assert_eq!(l.admit_chat(-1, t0), Admit::Now);
        // 1.05 s / 30 = 35 ms to the next send, whichever chat.
        assert_eq!(l.admit_chat(-2, t0 + ms(10)), Admit::Overall(ms(25)));
        // A send a little late does not put the next ones off: 70 ms is still on cadence.
        assert_eq!(l.admit_chat(-2, t0 + ms(37)), Admit::Now);
        assert_eq!(l.admit_chat(-3, t0 + ms(70)), Admit::Now);
    }

    #[test]
    fn a_new_limiter_assumes_the_last_second_was_full() {
        let t0 = Instant::now();
        let mut l = Limiter::new(Channel::Telegram, crate::telegram::limits(30), t0);
        assert_eq!(l.admit_chat(-1, t0), Admit::Overall(ms(1051)));
        assert_eq!(l.admit_chat(-1, t0 + ms(1051)), Admit::Now);
    }

    #[test]
    fn after_a_429_sends_are_spaced_twice_as_wide_for_a_while() {
        let t0 = Instant::now();
        let mut l = limiter_at(30, t0);
        l.slow_down(t0);
        assert_eq!(l.admit_chat(-1, t0), Admit::Now);
        assert_eq!(l.admit_chat(-2, t0 + ms(35)), Admit::Overall(ms(35)));
        assert_eq!(l.admit_chat(-2, t0 + ms(70)), Admit::Now);
        let later = t0 + Duration::from_secs(31);
        assert_eq!(l.admit_chat(-3, later), Admit::Now);
        assert_eq!(l.admit_chat(-4, later + ms(35)), Admit::Now);
    }

    #[test]
    fn twenty_a_minute_per_group_one_a_second_per_private_chat() {
        let t0 = Instant::now();
        let mut l = limiter_at(1000, t0);
        for i in 0..20 {
            assert_eq!(l.admit_chat(-5, t0 + ms(i * 100)), Admit::Now);
        }
        assert!(matches!(l.admit_chat(-5, t0 + ms(2000)), Admit::Chat(w) if w == ms(58_051)));
        assert_eq!(l.admit_chat(-6, t0 + ms(2000)), Admit::Now);
        assert_eq!(l.admit_chat(7, t0 + ms(2010)), Admit::Now);
        assert!(matches!(l.admit_chat(7, t0 + ms(2500)), Admit::Chat(_)));
        assert_eq!(l.admit_chat(7, t0 + ms(3061)), Admit::Now);
    }

    #[test]
    fn no_one_second_window_ever_holds_more_than_the_limit() {
        // Drive the limiter as the engine does and check every window of the outcome.
        let t0 = Instant::now();
        let (sent, end) = push_to_groups(&mut limiter_at(30, t0), t0, 300);
        assert!(most_in_a_second(&sent) <= 30);
        let rate = 300.0 / end.duration_since(t0).as_secs_f64();
        assert!(rate > 28.5, "{rate}");
    }

    #[test]
    fn paced_sends_stay_under_the_limit_when_they_arrive_with_50_ms_of_jitter() {
        let t0 = Instant::now();
        let (sent, end) = push_to_groups(&mut limiter_at(30, t0), t0, 600);
        let mut rng = fastrand::Rng::with_seed(11);
        let mut arrivals: Vec<Instant> = sent.iter().map(|&t| t + ms(rng.u64(0..=50))).collect();
        arrivals.sort_unstable();
        assert!(most_in_a_second(&arrivals) <= 30);
        let rate = 600.0 / end.duration_since(t0).as_secs_f64();
        assert!(rate >= 28.5, "{rate}");
    }

    proptest::proptest! {
        /// Whatever the chats and the timing, no window of the outcome holds more than its
        /// limit: 5 a second overall here, 20 a minute per group, 1 a second per private chat.
        #[test]
        fn no_window_ever_holds_more_than_its_limit(
            steps in proptest::collection::vec((-3i64..3, 0u64..1500), 1..400)
        ) {
            let t0 = Instant::now();
            let mut l = limiter_at(5, t0);
            let mut now = t0;
            let mut sent: Vec<(i64, Instant)> = Vec::new();
            for (chat, pause) in steps {
                now += ms(pause);
                if l.admit_chat(chat, now) == Admit::Now {
                    sent.push((chat, now));
                }
            }
            for (i, &(chat, t)) in sent.iter().enumerate() {
                let within = |span: Duration, same_chat: bool| {
                    sent[i..]
                        .iter()
                        .filter(|(c, u)| (!same_chat || *c == chat) && u.duration_since(t) < span)
                        .count()
                };
                proptest::prop_assert!(within(Duration::from_secs(1), false) <= 5);
                if chat < 0 {
                    proptest::prop_assert!(within(Duration::from_secs(60), true) <= 20);
                } else {
                    proptest::prop_assert!(within(Duration::from_secs(1), true) <= 1);
                }
            }
        }
    }

    #[test]
    fn quiet_chats_are_forgotten() {
        let t0 = Instant::now();
        let mut l = limiter_at(1000, t0);
        for i in 0..100 {
            l.admit_chat(i, t0 + ms(i as u64 * 2));
        }
        l.admit_chat(1, t0 + Duration::from_secs(120));
        assert!(l.chats.len() <= 2, "{}", l.chats.len());
    }
}
