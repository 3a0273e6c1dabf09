//! Telegram's flood limits as sliding windows.
//!
//! Bot FAQ: about 30 messages per second overall, 20 per minute to one group, about one per
//! second to one private chat; paid broadcasts (`allow_paid_broadcast`) up to 1,000 per
//! second overall. Negative chat ids count as groups, positive ones as private chats.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

const SECOND: Duration = Duration::from_secs(1);
const MINUTE: Duration = Duration::from_secs(60);
const OVERALL_PER_SECOND: usize = 30;
const PAID_OVERALL_PER_SECOND: usize = 1000;
const GROUP_PER_MINUTE: usize = 20;
const PRIVATE_PER_SECOND: usize = 1;

#[derive(Default)]
pub(crate) struct Limiter {
    /// Every admitted call of the last second (paid or not).
    overall: VecDeque<Instant>,
    /// Admitted calls per chat within the chat's window.
    per_chat: HashMap<i64, VecDeque<Instant>>,
}

impl Limiter {
    /// Admits (and counts) a call, or says in how many whole seconds (at least 1) the
    /// fullest window frees a slot.
    pub fn admit(&mut self, chat_id: i64, paid: bool, now: Instant) -> Result<(), u32> {
        let overall_cap = if paid {
            PAID_OVERALL_PER_SECOND
        } else {
            OVERALL_PER_SECOND
        };
        let (chat_cap, chat_window) = if chat_id < 0 {
            (GROUP_PER_MINUTE, MINUTE)
        } else {
            (PRIVATE_PER_SECOND, SECOND)
        };
        prune(&mut self.overall, now, SECOND);
        let mut wait = blocked(&self.overall, overall_cap, now, SECOND);
        let chat = self.per_chat.entry(chat_id).or_default();
        prune(chat, now, chat_window);
        wait = wait.max(blocked(chat, chat_cap, now, chat_window));
        if wait > Duration::ZERO {
            let ms = wait.as_millis().div_ceil(1000);
            return Err(ms.clamp(1, u32::MAX as u128) as u32);
        }
        chat.push_back(now);
        self.overall.push_back(now);
        // Keep the map from growing without bound over long benchmarks.
        if self.per_chat.len() > 100_000 {
            self.per_chat.retain(|&id, q| {
                let window = if id < 0 { MINUTE } else { SECOND };
                q.back().is_some_and(|&t| now.duration_since(t) < window)
            });
        }
        Ok(())
    }
}

fn prune(q: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while q.front().is_some_and(|&t| now.duration_since(t) >= window) {
        q.pop_front();
    }
}

/// How long until a window holding `q` admits one more call under `cap`.
fn blocked(q: &VecDeque<Instant>, cap: usize, now: Instant, window: Duration) -> Duration {
    if q.len() < cap {
        return Duration::ZERO;
    }
    let oldest_blocking = q[q.len() - cap];
    (oldest_blocking + window).saturating_duration_since(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_gets_twenty_per_minute() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        for i in 0..20 {
            // 2 s apart: never hits the overall or private windows.
            assert_eq!(l.admit(-42, false, t0 + Duration::from_secs(i)), Ok(()));
        }
        // The first call frees its slot at t0 + 60 s.
        assert_eq!(
            l.admit(-42, false, t0 + Duration::from_millis(20_500)),
            Err(40)
        );
        assert_eq!(l.admit(-42, false, t0 + Duration::from_secs(60)), Ok(()));
    }

    #[test]
    fn private_chat_gets_one_per_second_and_overall_thirty() {
        let mut l = Limiter::default();
        let t0 = Instant::now();
        assert_eq!(l.admit(7, false, t0), Ok(()));
        assert_eq!(l.admit(7, false, t0 + Duration::from_millis(10)), Err(1));
        for id in 100..129 {
            assert_eq!(l.admit(id, false, t0), Ok(()));
        }
        assert_eq!(l.admit(500, false, t0), Err(1));
        assert_eq!(l.admit(500, true, t0), Ok(()), "paid broadcasts get 1000/s");
    }
}
