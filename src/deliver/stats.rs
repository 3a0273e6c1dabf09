//! `/stats`: today's figures of every kind, and the next delivery.

use chrono::NaiveDate;

use super::port::Sender;
use super::{Engine, Result};
use crate::delivery::{Kind, Slot, State, Stats, Tally};
use crate::schedule;
use crate::store;

impl<S: Sender> Engine<S> {
    /// Today's figures.
    pub fn stats(&self) -> Result<Stats> {
        self.refresh_plan()?;
        let now = self.now();
        let mut stats = Stats::default();
        let (rules, robots) = {
            let plan = self.lock_plan();
            (stats.active, stats.inactive) = plan.counts();
            (stats.robots_active, stats.robots_inactive) = plan.robot_counts();
            let robots: Vec<_> = plan
                .active_chats()
                .into_iter()
                .filter(|to| to.channel.is_robot())
                .collect();
            (plan.rules(Kind::Edition), robots)
        };
        let today = self.today();
        for to in robots {
            if self.sent_whole(&Slot::edition(today, to))? {
                stats.robots_sent += 1;
            }
        }
        stats.kinds = self.inner.store.tallies_on(today)?;
        // A large push marks its deliveries pending a part at a time.
        for (kind, unstarted) in self.unstarted_on(today) {
            stats.kinds.entry(kind).or_default().pending += unstarted;
        }
        let tally: Tally = stats.kinds.values().sum();
        stats.sent = tally.sent;
        stats.pending = tally.pending;
        stats.failed = tally.failed;
        stats.missed = tally.missed;
        stats.items = store::count_by_category(&self.inner.store.items()?);
        // Every active chat has today's morning record (a push served them all): today is
        // done.
        let editions = stats.kinds.get(&Kind::Edition).map_or(0, Tally::total);
        let served = |d: NaiveDate| d == today && editions >= stats.active + stats.robots_active;
        let (config, calendar) = (&self.inner.config, &self.inner.calendar);
        stats.next = rules
            .iter()
            .filter_map(|&rule| schedule::next_due(rule, now, served, config, calendar))
            .min();
        Ok(stats)
    }
}

impl<S: Sender> Engine<S> {
    /// Whether every part of the message of `slot` was sent.
    fn sent_whole(&self, slot: &Slot) -> Result<bool> {
        for n in 0.. {
            match self.inner.store.delivery(&slot.part(n))? {
                Some(r) if r.state == State::Sent => {}
                Some(_) => return Ok(false),
                None => return Ok(n > 0),
            }
        }
        Ok(false)
    }
}
