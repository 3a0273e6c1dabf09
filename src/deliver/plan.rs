//! The plan: what the engine keeps of the subscriptions, and the dues of yesterday and
//! today. Built from the store when a subscription changes and at each new day; pure.
//!
//! It is kept compact because it lives as long as the process: with 100,000 chats a chat
//! costs 48 bytes in `subs` and 16 in `chats`, and the dues are one entry per distinct
//! delivery time, not one per chat (a map per chat and a due list per chat took 8 MiB).
//! Group robots (SPEC §16) are planned like subscriptions, at their own addresses; they take
//! the morning message only.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use crate::calendar::{Calendar, DayRule};
use crate::config::Config;
use crate::delivery::Kind;
use crate::message::Address;
use crate::robot::Robot;
use crate::schedule;
use crate::subscription::Subscription;

/// A delivery time and day rule, the config's defaults filled in.
pub type Rule = (NaiveTime, DayRule);

/// A delivery the plan says is due: compact, as a morning has one per chat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub kind: Kind,
    pub date: NaiveDate,
    pub to: Address,
}

/// What the engine keeps of a subscription; the whole record stays in the store.
#[derive(Debug, Clone, Copy)]
pub struct Planned {
    pub active: bool,
    /// Whether morning messages carry the check-in button in this chat.
    pub checkin: bool,
    pub changed_at: DateTime<Utc>,
    pub rule: Rule,
}

impl Planned {
    fn of(sub: &Subscription, config: &Config) -> Planned {
        Planned {
            active: sub.active,
            checkin: sub.checkin,
            changed_at: sub.changed_at,
            rule: schedule::rule_of(sub, config),
        }
    }

    fn of_robot(robot: &Robot, config: &Config) -> Planned {
        Planned {
            active: robot.active,
            checkin: false,
            changed_at: robot.changed_at,
            rule: (
                robot.time.unwrap_or(config.daily_at),
                robot.days.unwrap_or(config.days),
            ),
        }
    }
}

/// The dues of yesterday and today, and how far they have been acted on.
#[derive(Default)]
pub struct Plan {
    pub built_for: Option<NaiveDate>,
    pub dirty: bool,
    /// Every subscription and robot, sorted by address.
    subs: Vec<(Address, Planned)>,
    /// The addresses that take each kind, by rule, sorted.
    chats: HashMap<(Kind, Rule), Vec<Address>>,
    /// Each due instant of yesterday and today, and the kinds and rules due then.
    dues: BTreeMap<DateTime<Utc>, Vec<(Kind, NaiveDate, Rule)>>,
    /// Dues up to this instant have been acted on.
    pub cursor: Option<DateTime<Utc>>,
}

impl Plan {
    /// The plan of `today` for these subscriptions and robots.
    pub fn build(
        subs: impl IntoIterator<Item = Subscription>,
        robots: &[Robot],
        today: NaiveDate,
        config: &Config,
        calendar: &Calendar,
    ) -> Plan {
        let mut planned: Vec<(Address, Planned)> = Vec::new();
        let mut chats: HashMap<(Kind, Rule), Vec<Address>> = HashMap::new();
        for sub in subs {
            let p = Planned::of(&sub, config);
            let to = Address::telegram(sub.chat_id);
            for kind in Kind::ALL
                .into_iter()
                .filter(|&k| schedule::takes(k, &sub, config))
            {
                chats.entry((kind, p.rule)).or_default().push(to);
            }
            planned.push((to, p));
        }
        for robot in robots {
            let p = Planned::of_robot(robot, config);
            if robot.active {
                chats
                    .entry((Kind::Edition, p.rule))
                    .or_default()
                    .push(robot.address());
            }
            planned.push((robot.address(), p));
        }
        // The 记实通报 goes to the bot admins while any group takes the reminders.
        if chats.keys().any(|(k, _)| *k == Kind::MonthStart) {
            let rule = schedule::summary_rule(config);
            let admins = config
                .admins
                .iter()
                .map(|&a| Address::telegram(a))
                .collect();
            chats.insert((Kind::OrgSummary, rule), admins);
        }
        planned.sort_unstable_by_key(|(to, _)| *to);
        planned.dedup_by_key(|(to, _)| *to);
        planned.shrink_to_fit();
        let mut dues: BTreeMap<DateTime<Utc>, Vec<(Kind, NaiveDate, Rule)>> = BTreeMap::new();
        for date in [today.pred_opt().unwrap_or(today), today] {
            for &(kind, rule) in chats.keys() {
                if let Some(at) = schedule::due_of(kind, rule, date, config, calendar) {
                    dues.entry(at).or_default().push((kind, date, rule));
                }
            }
        }
        for list in chats.values_mut() {
            list.sort_unstable();
            list.dedup();
            list.shrink_to_fit();
        }
        Plan {
            built_for: Some(today),
            dirty: false,
            subs: planned,
            chats,
            dues,
            cursor: None,
        }
    }

    /// A plan to be built before use.
    pub fn stale() -> Plan {
        Plan {
            dirty: true,
            ..Plan::default()
        }
    }

    /// Takes over what `old` has acted on.
    pub fn succeed(mut self, old: &Plan) -> Plan {
        self.cursor = old.cursor;
        self.dirty = old.dirty;
        self
    }

    pub fn get(&self, to: Address) -> Option<&Planned> {
        self.subs
            .binary_search_by_key(&to, |(c, _)| *c)
            .ok()
            .map(|i| &self.subs[i].1)
    }

    /// The distinct rules of the subscriptions that take `kind`.
    pub fn rules(&self, kind: Kind) -> HashSet<Rule> {
        self.chats
            .keys()
            .filter(|(k, _)| *k == kind)
            .map(|(_, rule)| *rule)
            .collect()
    }

    /// Whether a delivery to `subscriber` (see [`crate::delivery::Slot::subscriber`];
    /// `None` for a bot admin's 通报) is still wanted: its subscription or robot is active.
    pub fn serves(&self, subscriber: Option<Address>) -> bool {
        subscriber.is_none_or(|to| self.get(to).is_some_and(|s| s.active))
    }

    /// The addresses of the active subscriptions and robots, in order.
    pub fn active_chats(&self) -> Vec<Address> {
        self.subs
            .iter()
            .filter(|(_, p)| p.active)
            .map(|(to, _)| *to)
            .collect()
    }

    /// Active and inactive Telegram subscriptions.
    pub fn counts(&self) -> (usize, usize) {
        self.counts_where(|to| !to.channel.is_robot())
    }

    /// Active and inactive robots.
    pub fn robot_counts(&self) -> (usize, usize) {
        self.counts_where(|to| to.channel.is_robot())
    }

    fn counts_where(&self, which: impl Fn(Address) -> bool) -> (usize, usize) {
        let (mut active, mut inactive) = (0, 0);
        for (_, p) in self.subs.iter().filter(|(to, _)| which(*to)) {
            if p.active {
                active += 1;
            } else {
                inactive += 1;
            }
        }
        (active, inactive)
    }

    /// The first due instant after `after`.
    pub fn next_due_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.dues
            .range((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded))
            .next()
            .map(|(at, _)| *at)
    }

    /// The first instant after `after`, looking up to a year ahead, at which a delivery is
    /// due for an active address of this plan, and the kinds due then (a 记实通报 counts
    /// while any group takes 组织生活). Days other than today's are computed, not planned:
    /// what the engine will plan when the day comes.
    pub fn next_due_from(
        &self,
        after: DateTime<Utc>,
        config: &Config,
        calendar: &Calendar,
    ) -> Option<(DateTime<Utc>, Vec<Kind>)> {
        let live: Vec<(Kind, Rule)> = self
            .chats
            .iter()
            .filter(|((kind, _), to)| {
                *kind == Kind::OrgSummary
                    || to.iter().any(|&to| self.get(to).is_some_and(|s| s.active))
            })
            .map(|(&key, _)| key)
            .collect();
        let start = schedule::local_date(after, config.timezone);
        for date in start.iter_days().take(366) {
            let mut first: Option<(DateTime<Utc>, Vec<Kind>)> = None;
            for &(kind, rule) in &live {
                let Some(at) = schedule::due_of(kind, rule, date, config, calendar) else {
                    continue;
                };
                if at <= after {
                    continue;
                }
                match &mut first {
                    Some((best, kinds)) if at == *best => kinds.push(kind),
                    Some((best, _)) if at > *best => {}
                    _ => first = Some((at, vec![kind])),
                }
            }
            if let Some((at, mut kinds)) = first {
                kinds.sort();
                kinds.dedup();
                return Some((at, kinds));
            }
        }
        None
    }

    /// The deliveries due after the cursor and up to `now`, as (due, date, chat), and moves
    /// the cursor to `now`. A subscription made or changed after its time starts with the
    /// next one.
    pub fn take_due(&mut self, now: DateTime<Utc>) -> Vec<Due> {
        let from = self.cursor;
        let mut due = Vec::new();
        for (&at, rules) in self.dues.range(..=now) {
            if from.is_some_and(|c| at <= c) {
                continue;
            }
            for &(kind, date, rule) in rules {
                for &to in self.chats.get(&(kind, rule)).into_iter().flatten() {
                    let to_admin = kind == Kind::OrgSummary;
                    if to_admin || self.get(to).is_some_and(|s| s.active && s.changed_at <= at) {
                        due.push(Due { at, kind, date, to });
                    }
                }
            }
        }
        self.cursor = Some(now);
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;
    use chrono::TimeZone;
    use std::path::Path;

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 12, d, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn sub(
        chat_id: i64,
        time: Option<&str>,
        active: bool,
        changed_at: DateTime<Utc>,
    ) -> Subscription {
        Subscription {
            chat_id,
            title: String::new(),
            kind: "group".into(),
            time: time.map(|t| NaiveTime::parse_from_str(t, "%H:%M").unwrap()),
            days: None,
            active,
            reason: None,
            subscribed_by: 1,
            subscribed_at: changed_at,
            changed_at,
            checkin: true,
            orglife: None,
            tasks: false,
        }
    }

    fn plan(subs: Vec<Subscription>, today: u32) -> Plan {
        let config = Config::parse(
            "t.toml",
            "[schedule]\ndays = \"everyday\"\n",
            Path::new(""),
            &Env::default(),
        )
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2026, 12, today).unwrap();
        Plan::build(subs, &[], day, &config, &Calendar::built_in())
    }

    #[test]
    fn dues_of_yesterday_and_today_come_once_each_in_order() {
        let long_ago = at(1, 0, 0);
        let mut p = plan(
            vec![
                sub(-3, None, true, long_ago),
                sub(-1, Some("07:30"), true, long_ago),
                sub(-2, None, true, long_ago),
                sub(-4, None, false, long_ago),
            ],
            3,
        );
        assert_eq!(p.counts(), (3, 1));
        let t = Address::telegram;
        assert_eq!(p.active_chats(), vec![t(-3), t(-2), t(-1)]);
        assert_eq!(p.next_due_after(at(3, 0, 0)), Some(at(3, 7, 30)));
        // Started at 08:00: yesterday's and this morning's dues, the inactive chat left out.
        let mut due: Vec<_> = p
            .take_due(at(3, 8, 0))
            .into_iter()
            .inspect(|d| assert_eq!(d.kind, Kind::Edition))
            .map(|d| (d.at, d.date, d.to.id))
            .collect();
        due.sort_unstable();
        let d = |day| NaiveDate::from_ymd_opt(2026, 12, day).unwrap();
        assert_eq!(
            due,
            vec![
                (at(2, 7, 30), d(2), -1),
                (at(2, 8, 0), d(2), -3),
                (at(2, 8, 0), d(2), -2),
                (at(3, 7, 30), d(3), -1),
                (at(3, 8, 0), d(3), -3),
                (at(3, 8, 0), d(3), -2),
            ]
        );
        assert!(p.take_due(at(3, 8, 0)).is_empty(), "nothing twice");
        assert!(p.take_due(at(3, 23, 59)).is_empty());
    }

    #[test]
    fn the_next_due_instant_looks_past_today_and_skips_inactive_chats() {
        let long_ago = at(1, 0, 0);
        let config = Config::parse("t.toml", "", Path::new(""), &Env::default()).unwrap();
        let calendar = Calendar::built_in();
        let subs = vec![
            sub(-1, Some("07:30"), true, long_ago),
            sub(-2, Some("06:00"), false, long_ago),
        ];
        // Built on Friday 2026-12-04: working days only, by default.
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let p = Plan::build(subs.clone(), &[], day, &config, &calendar);
        let next = |after| p.next_due_from(after, &config, &calendar).map(|(at, _)| at);
        assert_eq!(next(at(4, 7, 0)), Some(at(4, 7, 30)));
        assert_eq!(next(at(4, 7, 30)), Some(at(7, 7, 30)), "after it: Monday's");
        assert_eq!(next(at(5, 12, 0)), Some(at(7, 7, 30)), "not the weekend");
        let (_, kinds) = p.next_due_from(at(4, 7, 0), &config, &calendar).unwrap();
        assert!(kinds.contains(&Kind::Edition), "{kinds:?}");
        let nobody = Plan::build(vec![subs[1].clone()], &[], day, &config, &calendar);
        assert_eq!(nobody.next_due_from(at(4, 7, 0), &config, &calendar), None);
    }

    #[test]
    fn a_subscription_changed_after_its_time_waits_for_the_next() {
        let mut p = plan(vec![sub(-1, None, true, at(3, 8, 30))], 3);
        assert!(p.take_due(at(3, 9, 0)).is_empty());
        assert_eq!(p.get(Address::telegram(-1)).map(|s| s.active), Some(true));
        assert!(p.get(Address::telegram(-2)).is_none());
    }
}
