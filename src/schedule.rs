//! When things are due: delivery days, due instants and the study rule, pure.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::{Calendar, DayRule};
use crate::config::{Config, StudyRule};
use crate::store::Subscription;

/// One chat's delivery instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Due {
    pub at: DateTime<Utc>,
    pub chat_id: i64,
}

/// The local date of an instant.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The instant a local date and time fall on in `tz`. A time skipped by a daylight-saving
/// change is read with the offset before the change (02:30 in a 02:00–03:00 gap is 03:30
/// after it); a time that occurs twice is the first one.
pub fn due_instant(date: NaiveDate, time: NaiveTime, tz: Tz) -> DateTime<Utc> {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local).earliest() {
        Some(t) => t.with_timezone(&Utc),
        None => {
            let before = tz
                .offset_from_utc_datetime(&(local - Duration::hours(6)))
                .fix();
            Utc.from_utc_datetime(&(local - before))
        }
    }
}

/// The subscription's delivery time and day rule, with the config's defaults filled in.
pub fn rule_of(sub: &Subscription, config: &Config) -> (NaiveTime, DayRule) {
    (
        sub.time.unwrap_or(config.daily_at),
        sub.days.unwrap_or(config.days),
    )
}

/// The instant a subscription with `rule` (from [`rule_of`]) is due on `date`, if `date` is
/// one of its delivery days.
pub fn due_on(
    rule: (NaiveTime, DayRule),
    date: NaiveDate,
    config: &Config,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    let (time, days) = rule;
    calendar
        .is_delivery_day(days, date)
        .then(|| due_instant(date, time, config.timezone))
}

/// The deliveries due on `date`: every active subscription whose day rule includes it, at
/// its own time, in time order.
pub fn dues_on(
    subs: &[Subscription],
    date: NaiveDate,
    config: &Config,
    calendar: &Calendar,
) -> Vec<Due> {
    let workday = calendar.is_workday(date);
    let mut out: Vec<Due> = subs
        .iter()
        .filter(|s| s.active)
        .filter_map(|s| {
            let (time, days) = rule_of(s, config);
            let delivers = days == DayRule::Everyday || workday;
            delivers.then(|| Due {
                at: due_instant(date, time, config.timezone),
                chat_id: s.chat_id,
            })
        })
        .collect();
    out.sort();
    out
}

/// The first delivery after `now`, looking up to two weeks ahead.
pub fn next_due(
    subs: &[Subscription],
    now: DateTime<Utc>,
    config: &Config,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    let rules: HashSet<(NaiveTime, DayRule)> = subs
        .iter()
        .filter(|s| s.active)
        .map(|s| rule_of(s, config))
        .collect();
    next_due_of_rules(&rules, now, config, calendar)
}

/// The first delivery after `now` of any of `rules` (the distinct rules of the active
/// subscriptions), looking up to two weeks ahead: the cost grows with the number of
/// distinct delivery times, not with the number of chats.
pub fn next_due_of_rules(
    rules: &HashSet<(NaiveTime, DayRule)>,
    now: DateTime<Utc>,
    config: &Config,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    let today = local_date(now, config.timezone);
    today.iter_days().take(15).find_map(|d| {
        rules
            .iter()
            .filter_map(|&rule| due_on(rule, d, config, calendar))
            .filter(|at| *at > now)
            .min()
    })
}

/// Whether the morning message of `date` carries the 第一议题 line. "monday" means the first
/// delivery day (under `days`) of the date's week.
pub fn study_on(study: StudyRule, calendar: &Calendar, days: DayRule, date: NaiveDate) -> bool {
    match study {
        StudyRule::Daily => true,
        StudyRule::Off => false,
        StudyRule::Monday => {
            let monday = date - Duration::days(date.weekday().num_days_from_monday() as i64);
            calendar.is_delivery_day(days, date)
                && monday
                    .iter_days()
                    .take_while(|d| *d < date)
                    .all(|d| !calendar.is_delivery_day(days, d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    use std::path::Path;

    use crate::config::Env;

    fn config(extra: &str) -> Config {
        Config::parse("c.toml", extra, Path::new(""), &Env::default()).unwrap()
    }

    fn sub(chat_id: i64, time: Option<&str>, days: Option<DayRule>) -> Subscription {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        Subscription {
            chat_id,
            title: String::new(),
            kind: "group".into(),
            time: time.map(|s| crate::config::parse_time(s).unwrap()),
            days,
            active: true,
            reason: None,
            subscribed_by: 1,
            subscribed_at: t,
            changed_at: t,
            checkin: true,
        }
    }

    #[test]
    fn due_instants_in_shanghai_and_across_daylight_saving() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let sh = chrono_tz::Asia::Shanghai;
        assert_eq!(
            due_instant(d("2026-11-30"), t(8, 0), sh),
            Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap()
        );
        let berlin = chrono_tz::Europe::Berlin;
        // Summer and winter offsets differ: 08:00 local is 06:00 or 07:00 UTC.
        assert_eq!(
            due_instant(d("2026-07-01"), t(8, 0), berlin),
            Utc.with_ymd_and_hms(2026, 7, 1, 6, 0, 0).unwrap()
        );
        assert_eq!(
            due_instant(d("2026-12-01"), t(8, 0), berlin),
            Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap()
        );
        // 2026-03-29 02:30 does not exist in Berlin: it is read as 03:30 CEST (01:30 UTC).
        assert_eq!(
            due_instant(d("2026-03-29"), t(2, 30), berlin),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap()
        );
        // 2026-10-25 02:30 happens twice: the first one (CEST, 00:30 UTC).
        assert_eq!(
            due_instant(d("2026-10-25"), t(2, 30), berlin),
            Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap()
        );
    }

    #[test]
    fn dues_follow_each_subscription_and_the_calendar() {
        let cfg = config("");
        let cal = Calendar::built_in();
        let mut inactive = sub(-4, None, None);
        inactive.active = false;
        let subs = vec![
            sub(-1, None, None),
            sub(-2, Some("07:30"), None),
            sub(-3, Some("09:00"), Some(DayRule::Everyday)),
            inactive,
        ];
        let dues = dues_on(&subs, d("2026-11-30"), &cfg, &cal);
        let chats: Vec<i64> = dues.iter().map(|d| d.chat_id).collect();
        assert_eq!(chats, vec![-2, -1, -3]);
        assert_eq!(
            dues[0].at,
            Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap()
        );
        // 国庆节 (a weekday holiday): only the everyday subscription.
        let dues = dues_on(&subs, d("2026-10-06"), &cfg, &cal);
        assert_eq!(dues.iter().map(|d| d.chat_id).collect::<Vec<_>>(), vec![-3]);
        // A make-up Saturday is a workday for all.
        assert_eq!(dues_on(&subs, d("2026-10-10"), &cfg, &cal).len(), 3);
        // A plain Sunday.
        assert_eq!(dues_on(&subs, d("2026-11-29"), &cfg, &cal).len(), 1);
    }

    #[test]
    fn next_due_skips_holidays() {
        let cfg = config("");
        let cal = Calendar::built_in();
        let subs = vec![sub(-1, None, None)];
        // Wednesday 2026-09-30 at 09:00 Shanghai: the next workday 08:00 is after 国庆节, on
        // 2026-10-08.
        let now = Utc.with_ymd_and_hms(2026, 9, 30, 1, 0, 0).unwrap();
        assert_eq!(
            next_due(&subs, now, &cfg, &cal),
            Some(Utc.with_ymd_and_hms(2026, 10, 8, 0, 0, 0).unwrap())
        );
        assert_eq!(next_due(&[], now, &cfg, &cal), None);
    }

    #[test]
    fn study_rules() {
        let cal = Calendar::built_in();
        let w = DayRule::Workdays;
        assert!(study_on(StudyRule::Daily, &cal, w, d("2026-12-02")));
        assert!(!study_on(StudyRule::Off, &cal, w, d("2026-11-30")));
        assert!(study_on(StudyRule::Monday, &cal, w, d("2026-11-30")));
        assert!(!study_on(StudyRule::Monday, &cal, w, d("2026-12-01")));
        // 2026-10-05 (Mon) to 10-07 are 国庆节 holidays: the week's first workday is Thursday 10-08.
        assert!(!study_on(StudyRule::Monday, &cal, w, d("2026-10-07")));
        assert!(study_on(StudyRule::Monday, &cal, w, d("2026-10-08")));
        assert!(!study_on(StudyRule::Monday, &cal, w, d("2026-10-09")));
    }
}
