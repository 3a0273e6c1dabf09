//! A channel's send limits ([`Limits`]) as sliding windows, so that the bot paces itself
//! without waiting for 429 answers. Pure: the caller passes the time.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::port::Limits;
use crate::message::{Address, Channel};

/// Slack added to every window: requests leave here a little before they arrive there, and
/// arrival order jitters by a few milliseconds.
const MARGIN: Duration = Duration::from_millis(25);
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
    pub fn new(channel: Channel, limits: Limits) -> Limiter {
        Limiter {
            channel,
            limits,
            overall: Window::new(limits.per_second as usize, Duration::from_secs(1)),
            chats: HashMap::new(),
            last_sweep: None,
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
        let wait = self.overall.wait(now);
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

    /// Telegram's rules: 20 a minute per group (negative id), 1 a second per private chat.
    fn limiter(per_second: u32) -> Limiter {
        Limiter::new(Channel::Telegram, crate::telegram::limits(per_second))
    }

    impl Limiter {
        fn admit_chat(&mut self, chat_id: i64, now: Instant) -> Admit {
            self.admit(Address::telegram(chat_id), now)
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn overall_rate_is_a_sliding_second() {
        let t0 = Instant::now();
        let mut l = limiter(30);
        for i in 0..30 {
            assert_eq!(l.admit_chat(-(i + 1), t0), Admit::Now);
        }
        match l.admit_chat(-100, t0 + ms(500)) {
            Admit::Overall(w) => assert_eq!(w, ms(525)),
            other => panic!("{other:?}"),
        }
        assert_eq!(l.admit_chat(-100, t0 + ms(1025)), Admit::Now);
    }

    #[test]
    fn twenty_a_minute_per_group_one_a_second_per_private_chat() {
        let t0 = Instant::now();
        let mut l = limiter(1000);
        for i in 0..20 {
            assert_eq!(l.admit_chat(-5, t0 + ms(i * 100)), Admit::Now);
        }
        assert!(matches!(l.admit_chat(-5, t0 + ms(2000)), Admit::Chat(w) if w == ms(58_025)));
        assert_eq!(l.admit_chat(-6, t0 + ms(2000)), Admit::Now);
        assert_eq!(l.admit_chat(7, t0), Admit::Now);
        assert!(matches!(l.admit_chat(7, t0 + ms(500)), Admit::Chat(_)));
        assert_eq!(l.admit_chat(7, t0 + ms(1025)), Admit::Now);
    }

    #[test]
    fn no_one_second_window_ever_holds_more_than_the_limit() {
        // Drive the limiter as the engine does and check every window of the outcome.
        let t0 = Instant::now();
        let mut l = limiter(30);
        let mut sent = Vec::new();
        let mut now = t0;
        let mut chat = 0;
        while sent.len() < 300 {
            match l.admit_chat(-1 - chat, now) {
                Admit::Now => {
                    sent.push(now);
                    chat += 1;
                }
                Admit::Overall(w) | Admit::Chat(w) => now += w,
            }
        }
        for (i, &t) in sent.iter().enumerate() {
            let in_window = sent[i..]
                .iter()
                .take_while(|&&u| u.duration_since(t) < Duration::from_secs(1))
                .count();
            assert!(in_window <= 30, "{in_window} sends within a second");
        }
        let rate = 300.0 / now.duration_since(t0).as_secs_f64();
        assert!(rate > 28.5, "{rate}");
    }

    proptest::proptest! {
        /// Whatever the chats and the timing, no window of the outcome holds more than its
        /// limit: 5 a second overall here, 20 a minute per group, 1 a second per private chat.
        #[test]
        fn no_window_ever_holds_more_than_its_limit(
            steps in proptest::collection::vec((-3i64..3, 0u64..1500), 1..400)
        ) {
            let t0 = Instant::now();
            let mut l = limiter(5);
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
        let mut l = limiter(1000);
        for i in 0..100 {
            l.admit_chat(i, t0);
        }
        l.admit_chat(1, t0 + Duration::from_secs(120));
        assert!(l.chats.len() <= 2, "{}", l.chats.len());
    }
}
