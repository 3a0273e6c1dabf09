//! `/stats`: today's figures of every kind, and the next delivery.

use chrono::NaiveDate;

use super::port::Sender;
use super::{Engine, Result};
use crate::delivery::{Kind, Stats, Tally};
use crate::schedule;
use crate::store;

impl<S: Sender> Engine<S> {
    /// Today's figures.
    pub fn stats(&self) -> Result<Stats> {
        self.refresh_plan()?;
        let now = self.now();
        let mut stats = Stats::default();
        let rules = {
            let plan = self.lock_plan();
            (stats.active, stats.inactive) = plan.counts();
            plan.rules(Kind::Edition)
        };
        let today = self.today();
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
        let served = |d: NaiveDate| d == today && editions >= stats.active;
        let (config, calendar) = (&self.inner.config, &self.inner.calendar);
        stats.next = rules
            .iter()
            .filter_map(|&rule| schedule::next_due(rule, now, served, config, calendar))
            .min();
        Ok(stats)
    }
}
