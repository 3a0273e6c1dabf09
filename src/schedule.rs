//! When things are due: delivery days, due instants and the study rule, pure.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::{Calendar, DayRule};
use crate::config::{Config, StudyRule};
use crate::delivery::Kind;
use crate::orglife;
use crate::subscription::Subscription;

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

/// Whether a subscription takes deliveries of `kind` (the rule of each kind, with
/// [`due_of`]). The 记实通报 goes to the bot admins, not to subscriptions.
pub fn takes(kind: Kind, sub: &Subscription, config: &Config) -> bool {
    match kind {
        Kind::Edition => sub.active,
        Kind::MonthStart | Kind::MonthEnd => {
            sub.active && sub.orglife.is_some() && config.orglife.enabled
        }
        // A notice goes out when a bot admin confirms it, not by a rule.
        Kind::OrgSummary | Kind::TaskOverdue | Kind::Notice => false,
        Kind::TaskReminder => sub.active && sub.tasks && config.tasks.enabled,
    }
}

/// The instant a delivery of `kind` is due on `date` for a subscription with `rule`, if
/// `date` is one of its days: the morning message on every delivery day; the 月初提醒 on
/// the first of the month, the 月末调度 on the `month_end_days`-th last, at the same
/// time; the 记实通报 (whose rule is `daily_at` on working days) on the first working day
/// of a month.
pub fn due_of(
    kind: Kind,
    rule: (NaiveTime, DayRule),
    date: NaiveDate,
    config: &Config,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    let (time, days) = rule;
    let due = match kind {
        Kind::Edition | Kind::TaskReminder | Kind::TaskOverdue => {
            calendar.is_delivery_day(days, date)
        }
        Kind::MonthStart => orglife::is_month_start(calendar, days, date),
        Kind::MonthEnd => {
            orglife::is_month_end(calendar, days, date, config.orglife.month_end_days)
        }
        Kind::OrgSummary => orglife::summary_due_on(calendar, date).is_some(),
        Kind::Notice => false,
    };
    due.then(|| due_instant(date, time, config.timezone))
}

/// The rule of the 记实通报: `daily_at`, on official working days.
pub fn summary_rule(config: &Config) -> (NaiveTime, DayRule) {
    (config.daily_at, DayRule::Workdays)
}

/// The next delivery of a subscription with `rule` (from [`rule_of`]): the first due instant
/// at or after `from`, on a delivery day that `served` does not say already had its
/// delivery, looking up to a year ahead; `None` when there is none. These are the
/// engine's instants, daylight-saving changes included. A due time that passed before
/// `from` is not shown: the engine puts off a delivery of a subscription made or changed
/// after it, and one due before is sent (or caught up) at once.
pub fn next_due(
    rule: (NaiveTime, DayRule),
    from: DateTime<Utc>,
    served: impl Fn(NaiveDate) -> bool,
    config: &Config,
    calendar: &Calendar,
) -> Option<DateTime<Utc>> {
    local_date(from, config.timezone)
        .iter_days()
        .take(367)
        .filter(|d| !served(*d))
        .filter_map(|d| due_on(rule, d, config, calendar))
        .find(|at| *at >= from)
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
            time: time.map(|s| crate::calendar::parse_time(s).unwrap()),
            days,
            active: true,
            reason: None,
            subscribed_by: 1,
            subscribed_at: t,
            changed_at: t,
            checkin: true,
            orglife: None,
            tasks: false,
        }
    }

    #[test]
    fn due_instants_in_shanghai_and_across_daylight_saving() {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let utc = |mo, d, h, m| Utc.with_ymd_and_hms(2026, mo, d, h, m, 0).unwrap();
        let (sh, berlin) = (chrono_tz::Asia::Shanghai, chrono_tz::Europe::Berlin);
        let cases = [
            ("2026-11-30", t(8, 0), sh, utc(11, 30, 0, 0)),
            // Summer and winter offsets differ: 08:00 local is 06:00 or 07:00 UTC.
            ("2026-07-01", t(8, 0), berlin, utc(7, 1, 6, 0)),
            ("2026-12-01", t(8, 0), berlin, utc(12, 1, 7, 0)),
            // 2026-03-29 02:30 does not exist in Berlin: it is read as 03:30 CEST (01:30 UTC).
            ("2026-03-29", t(2, 30), berlin, utc(3, 29, 1, 30)),
            // 2026-10-25 02:30 happens twice: the first one (CEST, 00:30 UTC).
            ("2026-10-25", t(2, 30), berlin, utc(10, 25, 0, 30)),
        ];
        for (date, time, tz, want) in cases {
            assert_eq!(due_instant(d(date), time, tz), want, "{date} {time} {tz}");
        }
    }

    /// The chats of `subs` due on `date`, in time order, and the first instant.
    fn dues(subs: &[Subscription], date: NaiveDate) -> (Vec<i64>, Option<DateTime<Utc>>) {
        let (cfg, cal) = (config(""), Calendar::built_in());
        let mut due: Vec<(DateTime<Utc>, i64)> = subs
            .iter()
            .filter(|s| s.active)
            .filter_map(|s| due_on(rule_of(s, &cfg), date, &cfg, &cal).map(|at| (at, s.chat_id)))
            .collect();
        due.sort_unstable();
        (
            due.iter().map(|(_, c)| *c).collect(),
            due.first().map(|(at, _)| *at),
        )
    }

    #[test]
    fn dues_follow_each_subscription_and_the_calendar() {
        let mut inactive = sub(-4, None, None);
        inactive.active = false;
        let subs = vec![
            sub(-1, None, None),
            sub(-2, Some("07:30"), None),
            sub(-3, Some("09:00"), Some(DayRule::Everyday)),
            inactive,
        ];
        let (chats, first) = dues(&subs, d("2026-11-30"));
        assert_eq!(chats, vec![-2, -1, -3]);
        assert_eq!(
            first,
            Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).single()
        );
        // 国庆节 (a weekday holiday): only the everyday subscription.
        assert_eq!(dues(&subs, d("2026-10-06")).0, vec![-3]);
        // A make-up Saturday is a workday for all.
        assert_eq!(dues(&subs, d("2026-10-10")).0.len(), 3);
        // A plain Sunday.
        assert_eq!(dues(&subs, d("2026-11-29")).0.len(), 1);
    }

    #[test]
    fn the_next_delivery_of_one_subscription() {
        let (sh, berlin) = (
            config(""),
            config("[schedule]\ntimezone = \"Europe/Berlin\"\n"),
        );
        let cal = Calendar::built_in();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        let utc = |mo, d, h, m| Utc.with_ymd_and_hms(2026, mo, d, h, m, 0).unwrap();
        let (w, e) = (DayRule::Workdays, DayRule::Everyday);
        // (config, rule, from, the local date already served, the next delivery)
        let cases = [
            // Monday 2026-11-30 in Shanghai (UTC+8), 08:00 workdays.
            (
                &sh,
                (t(8, 0), w),
                utc(11, 29, 23, 59),
                None,
                Some(utc(11, 30, 0, 0)),
            ),
            (
                &sh,
                (t(8, 0), w),
                utc(11, 30, 0, 0),
                None,
                Some(utc(11, 30, 0, 0)),
            ),
            (
                &sh,
                (t(8, 0), w),
                utc(11, 30, 0, 1),
                None,
                Some(utc(12, 1, 0, 0)),
            ),
            // Served today: the next delivery day, not today, even before today's time.
            (
                &sh,
                (t(8, 0), w),
                utc(11, 29, 23, 0),
                Some("2026-11-30"),
                Some(utc(12, 1, 0, 0)),
            ),
            // Friday evening: workdays go on Monday, everyday on Saturday.
            (
                &sh,
                (t(8, 0), w),
                utc(12, 4, 12, 0),
                None,
                Some(utc(12, 7, 0, 0)),
            ),
            (
                &sh,
                (t(8, 0), e),
                utc(12, 4, 12, 0),
                None,
                Some(utc(12, 5, 0, 0)),
            ),
            // Friday served, asked on Friday morning: Monday.
            (
                &sh,
                (t(8, 0), w),
                utc(12, 4, 1, 0),
                Some("2026-12-04"),
                Some(utc(12, 7, 0, 0)),
            ),
            // 国庆节: from 2026-09-30 evening to the first workday after, 2026-10-08.
            (
                &sh,
                (t(8, 0), w),
                utc(9, 30, 12, 0),
                None,
                Some(utc(10, 8, 0, 0)),
            ),
            // Berlin, Sunday 2026-03-29, the spring change: 08:00 is CEST (06:00 UTC), not
            // CET (07:00 UTC) as the Saturday before.
            (
                &berlin,
                (t(8, 0), e),
                utc(3, 28, 12, 0),
                None,
                Some(utc(3, 29, 6, 0)),
            ),
            (
                &berlin,
                (t(8, 0), e),
                utc(3, 28, 6, 30),
                None,
                Some(utc(3, 28, 7, 0)),
            ),
            // 02:30 does not exist that day: it is sent at 03:30 CEST (01:30 UTC), so at 03:00
            // local (01:00 UTC) it is still ahead, today.
            (
                &berlin,
                (t(2, 30), e),
                utc(3, 29, 1, 0),
                None,
                Some(utc(3, 29, 1, 30)),
            ),
            (
                &berlin,
                (t(2, 30), e),
                utc(3, 29, 1, 31),
                None,
                Some(utc(3, 30, 0, 30)),
            ),
            (
                &berlin,
                (t(2, 30), e),
                utc(3, 29, 1, 0),
                Some("2026-03-29"),
                Some(utc(3, 30, 0, 30)),
            ),
        ];
        for (cfg, rule, from, served, want) in cases {
            let served = served.map(d);
            let got = next_due(rule, from, |day| Some(day) == served, cfg, &cal);
            assert_eq!(got, want, "{rule:?} from {from} served {served:?}");
        }
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
