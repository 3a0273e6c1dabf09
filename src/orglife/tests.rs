//! Unit tests of the checklist computations.
//!
//! Calendar facts are those of `calendar/cn-holidays.toml` (2025 and 2026), as built in.

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};

use super::marking::{DateError, Done, FindError, find, parse_day, period_for, reads_as_day};
use super::summary::{GroupSummary, MonthSummary};
use super::*;
use crate::calendar::{Calendar, DayRule};
use crate::report::{self, Month};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn month(y: i32, m: u32) -> Month {
    Month::new(y, m).unwrap()
}

fn months(y: i32) -> impl DoubleEndedIterator<Item = Month> {
    (1..=12).map(move |m| month(y, m))
}

/// A mark of the built-in item `name` held on `date`, in the item's period of that day.
fn mark(name: &str, date: &str) -> Mark {
    let items = default_items();
    let item = items.iter().find(|i| i.name == name).unwrap();
    let date = d(date);
    Mark {
        chat_id: -1,
        item: name.to_string(),
        period: Period::of(item.every, date),
        date,
        topic: None,
        by: 7,
        by_name: "书记".into(),
        at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    }
}

fn names<'a>(lines: &[Line<'a>]) -> Vec<&'a str> {
    lines.iter().map(|l| l.item.name.as_str()).collect()
}

const MONTHLY: [&str; 3] = ["支部委员会会议", "党小组会", "主题党日"];
const QUARTERLY: [&str; 2] = ["支部党员大会", "党课"];
const YEARLY: [&str; 2] = ["民主评议党员", "谈心谈话"];

// ---- periods -------------------------------------------------------------------------

#[test]
fn every_reads_and_writes_its_config_word() {
    for every in [Every::Month, Every::Quarter, Every::Year] {
        assert_eq!(Every::parse(every.as_str()), Some(every));
    }
    assert_eq!(Every::parse(" quarter "), Some(Every::Quarter));
    for bad in ["", "monthly", "Month", "week", "季度"] {
        assert_eq!(Every::parse(bad), None, "{bad}");
    }
}

#[test]
fn periods_of_every_day_of_two_years() {
    for y in [2025, 2026] {
        for m in months(y) {
            let q = (m.month() - 1) / 3 + 1;
            for day in m.days() {
                assert_eq!(Period::of(Every::Month, day), Period::Month(m), "{day}");
                assert_eq!(
                    Period::of(Every::Quarter, day),
                    Period::Quarter(y, q),
                    "{day}"
                );
                assert_eq!(Period::of(Every::Year, day), Period::Year(y), "{day}");
                for every in [Every::Month, Every::Quarter, Every::Year] {
                    assert!(Period::of(every, day).contains(day), "{day}");
                }
            }
            assert_eq!(Period::Month(m).first(), m.first());
            assert_eq!(Period::Month(m).last(), m.last());
            assert_eq!(Period::Month(m).closing_month(), m);
        }
    }
}

#[test]
fn quarter_boundaries() {
    let cases = [
        (
            "2025-12-31",
            Period::Quarter(2025, 4),
            "2026-01-01",
            Period::Quarter(2026, 1),
        ),
        (
            "2026-03-31",
            Period::Quarter(2026, 1),
            "2026-04-01",
            Period::Quarter(2026, 2),
        ),
        (
            "2026-06-30",
            Period::Quarter(2026, 2),
            "2026-07-01",
            Period::Quarter(2026, 3),
        ),
        (
            "2026-09-30",
            Period::Quarter(2026, 3),
            "2026-10-01",
            Period::Quarter(2026, 4),
        ),
        (
            "2026-12-31",
            Period::Quarter(2026, 4),
            "2027-01-01",
            Period::Quarter(2027, 1),
        ),
    ];
    for (last, before, first, after) in cases {
        let (last, first) = (d(last), d(first));
        assert_eq!(Period::of(Every::Quarter, last), before);
        assert_eq!(Period::of(Every::Quarter, first), after);
        assert_eq!(before.last(), last);
        assert_eq!(after.first(), first);
        assert!(before.contains(last) && !before.contains(first));
        assert!(after.contains(first) && !after.contains(last));
        assert_eq!(after.prev(), before);
        assert!(before.ends_in(Month::of(last)) && !before.ends_in(Month::of(first)));
        assert_eq!(before.closing_month(), Month::of(last));
    }
    assert_eq!(Period::Quarter(2026, 1).first(), d("2026-01-01"));
    assert_eq!(Period::Quarter(2026, 4).last(), d("2026-12-31"));
    // Only the quarter's last month closes it.
    for m in months(2026) {
        assert_eq!(
            Period::Quarter(2026, (m.month() - 1) / 3 + 1).ends_in(m),
            m.month() % 3 == 0
        );
        assert_eq!(Period::Year(2026).ends_in(m), m.month() == 12);
    }
}

#[test]
fn the_period_before() {
    let cases = [
        (
            Period::Month(month(2026, 1)),
            Period::Month(month(2025, 12)),
        ),
        (Period::Month(month(2026, 3)), Period::Month(month(2026, 2))),
        (
            Period::Month(month(2025, 12)),
            Period::Month(month(2025, 11)),
        ),
        (Period::Quarter(2026, 1), Period::Quarter(2025, 4)),
        (Period::Quarter(2026, 2), Period::Quarter(2026, 1)),
        (Period::Quarter(2026, 4), Period::Quarter(2026, 3)),
        (Period::Year(2026), Period::Year(2025)),
    ];
    for (p, before) in cases {
        assert_eq!(p.prev(), before, "{p}");
        assert_eq!(before.last().succ_opt(), Some(p.first()), "{p}");
    }
    // Month by month over two years, back from January 2027.
    let mut p = Period::Month(month(2027, 1));
    for m in months(2026).rev().chain(months(2025).rev()) {
        p = p.prev();
        assert_eq!(p, Period::Month(m));
    }
}

#[test]
fn keys_round_trip_and_serde_uses_them() {
    let mut all = vec![Period::Year(2025), Period::Year(2026), Period::Year(1)];
    for y in [2025, 2026] {
        all.extend((1..=4).map(|q| Period::Quarter(y, q)));
        all.extend(months(y).map(Period::Month));
    }
    for p in all {
        let key = p.key();
        assert_eq!(Period::parse(&key), Some(p), "{key}");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, format!("\"{key}\""));
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), p);
    }
    let keys = [
        (Period::Month(month(2026, 6)), "2026-06"),
        (Period::Quarter(2026, 2), "2026-Q2"),
        (Period::Year(2026), "2026"),
        (Period::Year(1), "0001"),
    ];
    for (p, key) in keys {
        assert_eq!(p.key(), key);
        assert_eq!(p.to_string(), key);
    }
    for bad in [
        "", "2026-Q0", "2026-Q5", "2026-Qx", "2026-13", "2026-", "0", "20261", "Q2",
    ] {
        assert_eq!(Period::parse(bad), None, "{bad}");
        assert!(
            serde_json::from_str::<Period>(&format!("\"{bad}\"")).is_err(),
            "{bad}"
        );
    }
    assert!(
        serde_json::from_str::<Period>("2026").is_err(),
        "a number is not a key"
    );
}

#[test]
fn marks_serialize_with_their_period_key() {
    let mut m = mark("党课", "2026-05-20");
    m.topic = Some("学习党的二十届四中全会精神".into());
    let json = serde_json::to_string(&m).unwrap();
    assert!(json.contains("\"period\":\"2026-Q2\""), "{json}");
    assert_eq!(serde_json::from_str::<Mark>(&json).unwrap(), m);
    m.topic = None;
    let json = serde_json::to_string(&m).unwrap();
    assert!(!json.contains("topic"), "{json}");
    assert_eq!(serde_json::from_str::<Mark>(&json).unwrap(), m);
}

// ---- checklists ----------------------------------------------------------------------

#[test]
fn the_built_in_catalogue() {
    let items = default_items();
    assert_eq!(items.len(), 8);
    for item in &items {
        assert!(item.name.chars().count() <= MAX_NAME_CHARS, "{}", item.name);
        assert!((1..=12).contains(&item.from));
    }
    let every = |e| -> Vec<&str> {
        let names = items.iter().filter(|i| i.every == e);
        names.map(|i| i.name.as_str()).collect()
    };
    assert_eq!(every(Every::Month), MONTHLY);
    assert_eq!(every(Every::Quarter), QUARTERLY);
    assert_eq!(
        every(Every::Year),
        ["组织生活会", "民主评议党员", "谈心谈话"]
    );
    let 组织生活会 = &items[5];
    assert_eq!((组织生活会.every, 组织生活会.from), (Every::Year, 10));
}

#[test]
fn without_marks_each_month_lists_its_items() {
    let items = default_items();
    for y in [2025, 2026] {
        for m in months(y) {
            let n = m.month();
            let all = checklist(&items, &[], m);
            let mut expected: Vec<&str> = MONTHLY.into_iter().chain(QUARTERLY).collect();
            if n >= 10 {
                expected.push("组织生活会");
            }
            expected.extend(YEARLY);
            assert_eq!(names(&all), expected, "{m}");
            assert_eq!(names(&month_start(&items, &[], m)), expected, "{m}");
            for line in &all {
                assert_eq!(line.period, Period::of(line.item.every, m.first()), "{m}");
                assert!(line.mark.is_none() && !line.is_done());
            }

            // 月末调度: the monthly items; the quarterly ones in a quarter's last month;
            // the yearly ones in December.
            let mut open: Vec<&str> = MONTHLY.to_vec();
            if n % 3 == 0 {
                open.extend(QUARTERLY);
            }
            if n == 12 {
                open.extend(["组织生活会", "民主评议党员", "谈心谈话"]);
            }
            let end = month_end(&items, &[], m);
            assert_eq!(names(&end), open, "{m}");
            for line in &all {
                let status = if open.contains(&line.item.name.as_str()) {
                    Status::Open
                } else {
                    Status::Later
                };
                assert_eq!(line.status(m), status, "{m} {}", line.item.name);
            }
        }
    }
}

#[test]
fn a_quarterly_item_done_in_the_quarters_first_month() {
    let items = default_items();
    for y in [2025, 2026] {
        for first in [1, 4, 7, 10] {
            let marks = [mark("党课", &format!("{y}-{first:02}-15"))];
            for n in first..first + 3 {
                let m = month(y, n);
                let line = checklist(&items, &marks, m)
                    .into_iter()
                    .find(|l| l.item.name == "党课")
                    .unwrap();
                assert_eq!(line.status(m), Status::Done, "{m}");
                assert_eq!(line.mark, Some(&marks[0]));
                let start = names(&month_start(&items, &marks, m));
                assert!(!start.contains(&"党课"), "{m}: {start:?}");
                assert!(start.contains(&"支部党员大会"), "{m}: {start:?}");
                let end = names(&month_end(&items, &marks, m));
                assert!(!end.contains(&"党课"), "{m}: {end:?}");
                assert_eq!(
                    end.contains(&"支部党员大会"),
                    n == first + 2,
                    "{m}: {end:?}"
                );
            }
            // The next quarter starts afresh.
            let next =
                Month::of(Period::Quarter(y, (first - 1) / 3 + 1).last() + Duration::days(1));
            assert!(
                names(&month_start(&items, &marks, next)).contains(&"党课"),
                "{next}"
            );
        }
    }
}

#[test]
fn marks_of_other_periods_do_not_count() {
    let items = default_items();
    // Last month's 主题党日, last quarter's 党课, last year's 谈心谈话, and a mark of an
    // item that is no longer in the catalogue.
    let marks = [
        mark("主题党日", "2026-03-31"),
        mark("党课", "2026-03-31"),
        mark("谈心谈话", "2025-12-31"),
        Mark {
            item: "廉政谈话".into(),
            ..mark("主题党日", "2026-04-02")
        },
    ];
    let m = month(2026, 4);
    assert!(
        checklist(&items, &marks, m)
            .iter()
            .all(|l| l.mark.is_none())
    );
    assert_eq!(month_start(&items, &marks, m).len(), 7);
}

#[test]
fn month_start_keeps_monthly_items_even_when_done() {
    let items = default_items();
    // A meeting on the 1st recorded before the 月初提醒 goes.
    let marks = [
        mark("主题党日", "2026-06-01"),
        mark("谈心谈话", "2026-02-10"),
    ];
    let m = month(2026, 6);
    let start = month_start(&items, &marks, m);
    let 主题党日 = start.iter().find(|l| l.item.name == "主题党日").unwrap();
    assert_eq!(主题党日.status(m), Status::Done);
    assert!(!names(&start).contains(&"谈心谈话"));
    assert!(!names(&month_end(&items, &marks, m)).contains(&"主题党日"));
}

#[test]
fn a_group_that_opts_in_mid_quarter_still_sees_the_quarter() {
    let items = default_items();
    // The group starts in May 2026 and marks from then on; the second quarter began in April.
    let marks = [
        mark("主题党日", "2026-05-12"),
        mark("支部委员会会议", "2026-05-06"),
    ];
    let may = month(2026, 5);
    let start = month_start(&items, &marks, may);
    for q in QUARTERLY {
        let line = start.iter().find(|l| l.item.name == q).unwrap();
        assert_eq!(line.period, Period::Quarter(2026, 2));
        assert_eq!(line.status(may), Status::Later);
    }
    assert_eq!(names(&month_end(&items, &marks, may)), ["党小组会"]);
    let june = month(2026, 6);
    assert_eq!(
        names(&month_end(&items, &marks, june)),
        [
            "支部委员会会议",
            "党小组会",
            "主题党日",
            "支部党员大会",
            "党课"
        ]
    );
}

#[test]
fn a_yearly_item_from_october() {
    let items = default_items();
    for m in months(2026) {
        let listed = names(&checklist(&items, &[], m)).contains(&"组织生活会");
        assert_eq!(listed, m.month() >= 10, "{m}");
    }
    // Held in November: not listed in December, neither at its start nor at its end.
    let marks = [mark("组织生活会", "2026-11-20")];
    let dec = month(2026, 12);
    assert!(!names(&month_start(&items, &marks, dec)).contains(&"组织生活会"));
    assert!(!names(&month_end(&items, &marks, dec)).contains(&"组织生活会"));
    // A mark is found whatever month of the year it was held in; an item with `from`
    // counts a mark from before its first listed month too.
    let marks = [mark("组织生活会", "2026-03-02")];
    let line = checklist(&items, &marks, dec)
        .into_iter()
        .find(|l| l.item.name == "组织生活会")
        .unwrap();
    assert_eq!(line.status(dec), Status::Done);
}

#[test]
fn december_closes_the_month_the_quarter_and_the_year() {
    let items = default_items();
    let dec = month(2025, 12);
    let end = month_end(&items, &[], dec);
    assert_eq!(end.len(), 8);
    assert_eq!(
        end.iter().map(|l| l.period).collect::<Vec<_>>(),
        [
            [Period::Month(dec); 3].as_slice(),
            &[Period::Quarter(2025, 4); 2],
            &[Period::Year(2025); 3],
        ]
        .concat()
    );
    // Done in October (the quarter) and in March (the year): nothing of those is open.
    let marks = [
        mark("支部党员大会", "2025-10-10"),
        mark("党课", "2025-12-30"),
        mark("民主评议党员", "2025-03-03"),
        mark("谈心谈话", "2025-07-07"),
        mark("组织生活会", "2025-12-01"),
        mark("党小组会", "2025-12-31"),
    ];
    assert_eq!(
        names(&month_end(&items, &marks, dec)),
        ["支部委员会会议", "主题党日"]
    );
    assert_eq!(
        names(&month_start(&items, &marks, dec)),
        ["支部委员会会议", "党小组会", "主题党日"]
    );
    // In January everything starts again.
    let jan = month(2026, 1);
    assert_eq!(names(&month_start(&items, &marks, jan)).len(), 7);
}

#[test]
fn a_catalogue_of_ones_own() {
    let items = vec![
        Item::new("党课", Every::Month, 1),
        Item::new("党课（专题）", Every::Year, 7),
    ];
    assert_eq!(names(&checklist(&items, &[], month(2026, 6))), ["党课"]);
    assert_eq!(
        names(&checklist(&items, &[], month(2026, 7))),
        ["党课", "党课（专题）"]
    );
    assert!(checklist(&[], &[], month(2026, 7)).is_empty());
    // `from` means nothing to a monthly or quarterly item.
    let items = [Item::new("党课", Every::Quarter, 12)];
    assert_eq!(names(&checklist(&items, &[], month(2026, 1))), ["党课"]);
}

// ---- days ----------------------------------------------------------------------------

/// Per month of 2025 and 2026 under `workdays`: the number of delivery days, the first one
/// (月初提醒), the 3rd-last (月末调度 with the default `month_end_days`), the last one, and
/// the day the month's 记实通报 goes (the next month's first official working day).
/// Worked out from `calendar/cn-holidays.toml` independently of the code under test.
const WORKDAY_MONTHS: [(i32, u32, usize, &str, &str, &str, &str); 24] = [
    (2025, 1, 19, "01-02", "01-24", "01-27", "2025-02-05"), // 元旦; 春节 1-28..2-4, 1-26 Sun works
    (2025, 2, 19, "02-05", "02-26", "02-28", "2025-03-03"), // 2-8 Sat works
    (2025, 3, 21, "03-03", "03-27", "03-31", "2025-04-01"), // 3-1 Sat
    (2025, 4, 22, "04-01", "04-28", "04-30", "2025-05-06"), // 清明 4-4; 4-27 Sun works; 劳动节
    (2025, 5, 19, "05-06", "05-28", "05-30", "2025-06-03"), // 劳动节 5-1..5; 端午 5-31..6-2
    (2025, 6, 20, "06-03", "06-26", "06-30", "2025-07-01"),
    (2025, 7, 23, "07-01", "07-29", "07-31", "2025-08-01"),
    (2025, 8, 21, "08-01", "08-27", "08-29", "2025-09-01"),
    (2025, 9, 23, "09-01", "09-28", "09-30", "2025-10-09"), // 9-28 Sun works, the 3rd-last
    (2025, 10, 18, "10-09", "10-29", "10-31", "2025-11-03"), // 国庆、中秋 10-1..8; 10-11 Sat works
    (2025, 11, 20, "11-03", "11-26", "11-28", "2025-12-01"), // 11-1 Sat
    (2025, 12, 23, "12-01", "12-29", "12-31", "2026-01-04"), // 元旦 1-1..3; 1-4 Sun works
    (2026, 1, 21, "01-04", "01-28", "01-30", "2026-02-02"), // starts on a Sunday that works
    (2026, 2, 16, "02-02", "02-26", "02-28", "2026-03-02"), // 春节 2-15..23; 2-14, 2-28 Sat work
    (2026, 3, 22, "03-02", "03-27", "03-31", "2026-04-01"),
    (2026, 4, 21, "04-01", "04-28", "04-30", "2026-05-06"), // 清明 4-4..6; 劳动节 5-1..5
    (2026, 5, 19, "05-06", "05-27", "05-29", "2026-06-01"), // 5-9 Sat works
    (2026, 6, 21, "06-01", "06-26", "06-30", "2026-07-01"), // 端午 6-19..21
    (2026, 7, 23, "07-01", "07-29", "07-31", "2026-08-03"),
    (2026, 8, 21, "08-03", "08-27", "08-31", "2026-09-01"), // 8-1 Sat
    (2026, 9, 22, "09-01", "09-28", "09-30", "2026-10-08"), // 中秋 9-25..27; 9-20 Sun works
    (2026, 10, 18, "10-08", "10-28", "10-30", "2026-11-02"), // 国庆 10-1..7; 10-10 Sat works
    (2026, 11, 21, "11-02", "11-26", "11-30", "2026-12-01"), // 11-1 Sun
    (2026, 12, 23, "12-01", "12-29", "12-31", "2027-01-04"), // 2027 unknown: 1-1 fixed, weekend
];

#[test]
fn delivery_days_month_start_and_month_end_on_workdays() {
    let cal = Calendar::built_in();
    for (y, n, count, first, third_last, last, _) in WORKDAY_MONTHS {
        let m = month(y, n);
        let day = |md: &str| d(&format!("{y}-{md}"));
        let days = delivery_days(&cal, DayRule::Workdays, m);
        assert_eq!(days.len(), count, "{m}");
        assert!(days.windows(2).all(|w| w[0] < w[1]), "{m}");
        assert!(
            days.iter().all(|x| m.contains(*x) && cal.is_workday(*x)),
            "{m}"
        );
        assert_eq!(days.first(), Some(&day(first)), "{m}");
        assert_eq!(days.last(), Some(&day(last)), "{m}");
        // Exactly one day of the month is each one's day.
        let starts: Vec<_> = m
            .days()
            .filter(|x| is_month_start(&cal, DayRule::Workdays, *x))
            .collect();
        assert_eq!(starts, [day(first)], "{m}");
        let ends: Vec<_> = m
            .days()
            .filter(|x| is_month_end(&cal, DayRule::Workdays, *x, 3))
            .collect();
        assert_eq!(ends, [day(third_last)], "{m}");
        let lasts: Vec<_> = m
            .days()
            .filter(|x| is_month_end(&cal, DayRule::Workdays, *x, 1))
            .collect();
        assert_eq!(lasts, [day(last)], "{m}");
        // 0 means the last day too.
        assert!(is_month_end(&cal, DayRule::Workdays, day(last), 0), "{m}");
        // More than the month has: its first delivery day.
        assert!(is_month_end(&cal, DayRule::Workdays, day(first), 40), "{m}");
        assert!(
            is_month_end(&cal, DayRule::Workdays, day(first), count as u32),
            "{m}"
        );
    }
}

#[test]
fn delivery_days_month_start_and_month_end_every_day() {
    let cal = Calendar::built_in();
    for y in [2025, 2026] {
        for m in months(y) {
            let days = delivery_days(&cal, DayRule::Everyday, m);
            assert_eq!(days, m.days().collect::<Vec<_>>(), "{m}");
            let starts: Vec<_> = m
                .days()
                .filter(|x| is_month_start(&cal, DayRule::Everyday, *x))
                .collect();
            assert_eq!(starts, [m.first()], "{m}");
            for n in 1..=10 {
                let ends: Vec<_> = m
                    .days()
                    .filter(|x| is_month_end(&cal, DayRule::Everyday, *x, n))
                    .collect();
                assert_eq!(ends, [m.last() - Duration::days(n as i64 - 1)], "{m} {n}");
            }
        }
    }
}

#[test]
fn the_national_day_holidays() {
    let cal = Calendar::built_in();
    let w = DayRule::Workdays;
    // 2025: 10-1..8 off, make-up days Sunday 9-28 and Saturday 10-11.
    for day in d("2025-10-01").iter_days().take(8) {
        assert!(!is_month_start(&cal, w, day), "{day}");
        assert!(!cal.is_delivery_day(w, day), "{day}");
    }
    assert!(is_month_start(&cal, w, d("2025-10-09")));
    assert!(delivery_days(&cal, w, month(2025, 10)).contains(&d("2025-10-11")));
    assert!(
        is_month_end(&cal, w, d("2025-09-28"), 3),
        "a Sunday that works"
    );
    assert!(is_month_start(&cal, DayRule::Everyday, d("2025-10-01")));
    // 2026: 10-1..7 off, make-up days Sunday 9-20 and Saturday 10-10.
    assert!(is_month_start(&cal, w, d("2026-10-08")));
    assert!(delivery_days(&cal, w, month(2026, 9)).contains(&d("2026-09-20")));
    assert!(delivery_days(&cal, w, month(2026, 10)).contains(&d("2026-10-10")));
}

#[test]
fn no_delivery_days_no_reminder_days() {
    // A calendar in which a whole month is off: no start, no end, no 通报 inside it.
    let src = "[[year]]\nyear = 2030\nholidays = [\n".to_string()
        + &month(2030, 2)
            .days()
            .map(|x| format!("  {{ date = \"{x}\", name = \"春节\" }},\n"))
            .collect::<String>()
        + "]\n";
    let cal = Calendar::parse("t.toml", &src).unwrap();
    let feb = month(2030, 2);
    assert!(delivery_days(&cal, DayRule::Workdays, feb).is_empty());
    for day in feb.days() {
        assert!(!is_month_start(&cal, DayRule::Workdays, day), "{day}");
        assert!(!is_month_end(&cal, DayRule::Workdays, day, 3), "{day}");
        assert_eq!(summary_due_on(&cal, day), None, "{day}");
    }
    // January's 通报 waits for March.
    assert_eq!(summary_day(&cal, month(2030, 1)), d("2030-03-01"));
    assert_eq!(summary_day(&cal, feb), d("2030-03-01"));
    // Only one month's 通报 is due on a day: February's (a month without a working day
    // does not occur in China's calendar).
    assert_eq!(summary_due_on(&cal, d("2030-03-01")), Some(feb));
}

#[test]
fn the_summary_goes_on_the_next_months_first_working_day() {
    let cal = Calendar::built_in();
    for (y, n, .., summary) in WORKDAY_MONTHS {
        let m = month(y, n);
        let day = d(summary);
        assert_eq!(summary_day(&cal, m), day, "{m}");
        assert!(cal.is_workday(day), "{m}");
        assert_eq!(summary_due_on(&cal, day), Some(m), "{m}");
    }
    // The September 2025 通报 after the 国庆 holiday; the December 2025 one on a Sunday that
    // works; the October one on the Monday after a weekend; January 2025's after 春节.
    assert_eq!(summary_day(&cal, month(2025, 9)), d("2025-10-09"));
    assert_eq!(summary_day(&cal, month(2025, 10)), d("2025-11-03"));
    assert_eq!(summary_day(&cal, month(2025, 12)), d("2026-01-04"));
    assert_eq!(summary_day(&cal, month(2026, 1)), d("2026-02-02"));
    assert_eq!(summary_day(&cal, month(2025, 1)), d("2025-02-05"));
    assert_eq!(summary_day(&cal, month(2024, 12)), d("2025-01-02"));
    // Every day of the two years: one 通报 per month, on its day only.
    let due: Vec<(NaiveDate, Month)> = d("2025-01-01")
        .iter_days()
        .take_while(|x| x.year() < 2027)
        .filter_map(|x| summary_due_on(&cal, x).map(|m| (x, m)))
        .collect();
    let expected: Vec<(NaiveDate, Month)> = std::iter::once((d("2025-01-02"), month(2024, 12)))
        .chain(
            WORKDAY_MONTHS
                .iter()
                .take(23)
                .map(|(y, n, .., s)| (d(s), month(*y, *n))),
        )
        .collect();
    assert_eq!(due, expected);
}

// ---- marking -------------------------------------------------------------------------

#[test]
fn finding_an_item_by_name_or_prefix() {
    let items = default_items();
    let found = |q: &str| find(&items, q).map(|i| i.name.as_str());
    let cases: [(&str, Result<&str, FindError>); 10] = [
        ("主题党日", Ok("主题党日")),
        (" 主题党日 ", Ok("主题党日")),
        ("主题", Ok("主题党日")),
        ("党课", Ok("党课")),
        ("党小", Ok("党小组会")),
        ("组织", Ok("组织生活会")),
        (
            "支部",
            Err(FindError::Ambiguous(vec![
                "支部委员会会议".into(),
                "支部党员大会".into(),
            ])),
        ),
        (
            "党",
            Err(FindError::Ambiguous(vec!["党小组会".into(), "党课".into()])),
        ),
        ("三会一课", Err(FindError::Unknown("三会一课".into()))),
        ("", Err(FindError::Unknown(String::new()))),
    ];
    for (query, expected) in cases {
        assert_eq!(found(query), expected, "{query:?}");
    }
    assert_eq!(
        found("主题党日活动"),
        Err(FindError::Unknown("主题党日活动".into()))
    );
    // An exact name wins over the longer names it is a prefix of.
    let items = [
        Item::new("党课", Every::Quarter, 1),
        Item::new("党课（专题）", Every::Year, 1),
    ];
    assert_eq!(find(&items, "党课").map(|i| i.every), Ok(Every::Quarter));
    assert_eq!(find(&items, "党课（").map(|i| i.every), Ok(Every::Year));
    assert!(matches!(find(&items, "党"), Err(FindError::Ambiguous(v)) if v.len() == 2));
    assert!(matches!(find(&[], "党课"), Err(FindError::Unknown(_))));
}

#[test]
fn parsing_a_day() {
    let today = d("2026-06-08");
    let cases = [
        ("6-8", Some("2026-06-08")),
        ("6/8", Some("2026-06-08")),
        ("6.8", Some("2026-06-08")),
        ("6月8日", Some("2026-06-08")),
        ("6月8号", Some("2026-06-08")),
        ("06-08", Some("2026-06-08")),
        (" 6-1 ", Some("2026-06-01")),
        ("5-31", Some("2026-05-31")),
        ("1-1", Some("2026-01-01")),
        ("2026-06-08", Some("2026-06-08")),
        ("2026/6/8", Some("2026-06-08")),
        ("2026年6月8日", Some("2026-06-08")),
        ("2025-12-31", Some("2025-12-31")),
        // An explicit year is taken as written, even in the future.
        ("2027-01-01", Some("2027-01-01")),
        // A later day this year: the nearer of it and last year's.
        ("6-9", Some("2026-06-09")),
        ("12-6", Some("2026-12-06")),
        ("12-8", Some("2025-12-08")),
        ("12-31", Some("2025-12-31")),
        // Not a day.
        ("6-31", None),
        ("2-30", None),
        ("13-1", None),
        ("0-1", None),
        ("6-0", None),
        ("2026-6-31", None),
        ("", None),
        ("6", None),
        ("6-", None),
        ("-8", None),
        ("6-8-1", None),
        ("26-6-8", None),
        ("006-08", None),
        ("6-8x", None),
        ("６-８", None),
        ("六月八日", None),
        ("今天", None),
        ("2026年6月", None),
    ];
    for (typed, expected) in cases {
        assert_eq!(parse_day(typed, today), expected.map(d), "{typed:?}");
    }
}

#[test]
fn parsing_a_day_around_new_year_and_leap_days() {
    let cases = [
        ("12-31", "2026-01-01", Some("2025-12-31")),
        ("12-31", "2025-12-31", Some("2025-12-31")),
        ("1-1", "2026-01-01", Some("2026-01-01")),
        ("1-2", "2026-01-01", Some("2026-01-02")),
        ("1-1", "2025-12-31", Some("2025-01-01")),
        ("12-1", "2026-01-05", Some("2025-12-01")),
        ("2-29", "2024-03-01", Some("2024-02-29")),
        ("2-29", "2025-03-01", Some("2024-02-29")),
        ("2-29", "2028-02-28", Some("2028-02-29")),
        ("2-29", "2026-03-01", None),
    ];
    for (typed, today, expected) in cases {
        assert_eq!(
            parse_day(typed, d(today)),
            expected.map(d),
            "{typed} on {today}"
        );
    }
}

#[test]
fn the_period_of_a_mark() {
    let items = default_items();
    let item = |name: &str| items.iter().find(|i| i.name == name).unwrap();
    let open = |_: Period| true;
    let closed = |_: Period| false;
    let today = d("2026-07-01");
    let outside = |current| Err(DateError::Outside { current });
    let jul = Period::Month(month(2026, 7));
    let jun = Period::Month(month(2026, 6));

    let monthly = item("主题党日");
    assert_eq!(period_for(monthly, today, today, closed), Ok(jul));
    assert_eq!(
        period_for(monthly, d("2026-07-02"), today, open),
        Err(DateError::Future)
    );
    assert_eq!(
        period_for(monthly, d("2027-01-01"), today, open),
        Err(DateError::Future)
    );
    assert_eq!(period_for(monthly, d("2026-06-30"), today, open), Ok(jun));
    assert_eq!(period_for(monthly, d("2026-06-01"), today, open), Ok(jun));
    assert_eq!(
        period_for(monthly, d("2026-06-30"), today, closed),
        outside(jul)
    );
    assert_eq!(
        period_for(monthly, d("2026-05-31"), today, open),
        outside(jul)
    );
    assert_eq!(
        period_for(monthly, d("2025-07-01"), today, open),
        outside(jul)
    );

    // The previous period is asked about, and only it.
    let asked = std::cell::RefCell::new(Vec::new());
    let record = |p: Period| {
        asked.borrow_mut().push(p);
        true
    };
    assert_eq!(period_for(monthly, d("2026-06-30"), today, record), Ok(jun));
    assert_eq!(period_for(monthly, d("2026-07-01"), today, record), Ok(jul));
    assert_eq!(
        period_for(monthly, d("2026-05-30"), today, record),
        outside(jul)
    );
    assert!(
        asked.borrow().iter().all(|p| *p == jun),
        "{:?}",
        asked.borrow()
    );

    let quarterly = item("党课");
    let q3 = Period::Quarter(2026, 3);
    let q2 = Period::Quarter(2026, 2);
    assert_eq!(
        period_for(quarterly, d("2026-07-01"), today, closed),
        Ok(q3)
    );
    assert_eq!(period_for(quarterly, d("2026-04-01"), today, open), Ok(q2));
    assert_eq!(
        period_for(quarterly, d("2026-04-01"), today, closed),
        outside(q3)
    );
    assert_eq!(
        period_for(quarterly, d("2026-03-31"), today, open),
        outside(q3)
    );
    // Later in a quarter, its earlier months are the current period.
    let aug = d("2026-08-20");
    assert_eq!(period_for(quarterly, d("2026-07-03"), aug, closed), Ok(q3));
    assert_eq!(period_for(quarterly, d("2026-06-30"), aug, open), Ok(q2));

    let yearly = item("谈心谈话");
    let jan2 = d("2026-01-02");
    assert_eq!(
        period_for(yearly, d("2026-01-01"), jan2, closed),
        Ok(Period::Year(2026))
    );
    assert_eq!(
        period_for(yearly, d("2025-03-15"), jan2, open),
        Ok(Period::Year(2025))
    );
    assert_eq!(
        period_for(yearly, d("2025-12-31"), jan2, closed),
        outside(Period::Year(2026))
    );
    assert_eq!(
        period_for(yearly, d("2024-12-31"), jan2, open),
        outside(Period::Year(2026))
    );
    assert_eq!(
        period_for(yearly, d("2026-01-03"), jan2, open),
        Err(DateError::Future)
    );
    // 12-31 typed on 1 January, the old year's 通报 not yet composed.
    let jan1 = d("2026-01-01");
    let typed = parse_day("12-31", jan1).unwrap();
    assert_eq!(
        period_for(monthly, typed, jan1, open),
        Ok(Period::Month(month(2025, 12)))
    );
    assert_eq!(
        period_for(quarterly, typed, jan1, open),
        Ok(Period::Quarter(2025, 4))
    );
    assert_eq!(
        period_for(yearly, typed, jan1, open),
        Ok(Period::Year(2025))
    );
    // Tomorrow, typed without a year, is in the future (not last year's day).
    let typed = parse_day("1-2", jan1).unwrap();
    assert_eq!(
        period_for(yearly, typed, jan1, open),
        Err(DateError::Future)
    );
}

#[test]
fn parsing_done() {
    let done = |item: &str, day: Option<&str>, topic: Option<&str>| {
        Some(Done {
            item: item.into(),
            day: day.map(Into::into),
            topic: topic.map(Into::into),
        })
    };
    let cases = [
        ("主题党日", done("主题党日", None, None)),
        ("  主题党日  ", done("主题党日", None, None)),
        ("主题党日 6-8", done("主题党日", Some("6-8"), None)),
        (
            "主题党日 6-8 学习党的二十届四中全会精神",
            done("主题党日", Some("6-8"), Some("学习党的二十届四中全会精神")),
        ),
        (
            "主题党日 学习二十届四中全会精神",
            done("主题党日", None, Some("学习二十届四中全会精神")),
        ),
        (
            "主题党日\u{3000}6月8日\u{3000}学习 党章",
            done("主题党日", Some("6月8日"), Some("学习 党章")),
        ),
        (
            "主题\u{3000}学习\u{3000}党章",
            done("主题", None, Some("学习\u{3000}党章")),
        ),
        (
            "党课 2026-06-08   讲党课：守纪律 讲规矩 ",
            done("党课", Some("2026-06-08"), Some("讲党课：守纪律 讲规矩")),
        ),
        (
            "党课\n6/8\n专题党课",
            done("党课", Some("6/8"), Some("专题党课")),
        ),
        // A day that does not exist is still a day (refused later), not a topic.
        (
            "主题党日 6-31 学习",
            done("主题党日", Some("6-31"), Some("学习")),
        ),
        // A topic that starts with digits but is no day.
        (
            "主题党日 2026年工作部署",
            done("主题党日", None, Some("2026年工作部署")),
        ),
        (
            "主题党日 6月8日学习",
            done("主题党日", None, Some("6月8日学习")),
        ),
        ("主题党日 20条", done("主题党日", None, Some("20条"))),
        ("", None),
        ("   ", None),
        ("\u{3000}", None),
    ];
    for (args, expected) in cases {
        assert_eq!(Done::parse(args), expected, "{args:?}");
    }
    for day in ["6-8", "2-29", "6-31", "2026年6月8日", "12.31"] {
        assert!(reads_as_day(day), "{day}");
    }
    for word in ["学习", "20条", "6月", "2026", "6-8-1", "六月八日"] {
        assert!(!reads_as_day(word), "{word}");
    }
}

// ---- summary -------------------------------------------------------------------------

fn checkin(days: usize, members: usize, checkins: usize) -> report::Summary {
    report::Summary {
        days,
        members,
        known: members,
        counted: true,
        studied: members.min(checkins),
        checkins,
        lowest: Vec::new(),
    }
}

#[test]
fn a_groups_month() {
    let items = default_items();
    let jun = month(2026, 6);
    let marks = [
        mark("主题党日", "2026-06-08"),
        mark("党小组会", "2026-05-30"), // last month: does not count
        mark("党课", "2026-04-20"),     // this quarter, an earlier month
        mark("谈心谈话", "2026-02-02"),
    ];
    let g = GroupSummary::build(-5, "一支部", &items, &marks, jun, checkin(21, 10, 150));
    assert_eq!(g.lines.len(), 7);
    let statuses: Vec<(&str, Status)> = g
        .lines
        .iter()
        .map(|l| (l.item.as_str(), l.status))
        .collect();
    assert_eq!(
        statuses,
        [
            ("支部委员会会议", Status::Open),
            ("党小组会", Status::Open),
            ("主题党日", Status::Done),
            ("支部党员大会", Status::Open),
            ("党课", Status::Done),
            ("民主评议党员", Status::Later),
            ("谈心谈话", Status::Done),
        ]
    );
    assert_eq!(g.lines[2].mark.as_ref(), Some(&marks[0]));
    assert_eq!(g.lines[4].period, Period::Quarter(2026, 2));
    assert_eq!(g.lines[4].every, Every::Quarter);
    assert_eq!(g.done(), 3);
    assert_eq!(g.due(), 6, "民主评议党员 is not due before December");
    assert_eq!(g.rate(), Some(0.5));
    assert_eq!(g.open(), ["支部委员会会议", "党小组会", "支部党员大会"]);
    assert_eq!(g.checkin.rate(), Some(150.0 / 210.0));

    // May: the quarter goes on, so nothing quarterly or yearly is due unless done.
    let may = GroupSummary::build(-5, "一支部", &items, &[], month(2026, 5), checkin(0, 0, 0));
    assert_eq!((may.done(), may.due()), (0, 3));
    assert_eq!(may.rate(), Some(0.0));
    // All done in December.
    let dec = month(2026, 12);
    let all: Vec<Mark> = items.iter().map(|i| mark(&i.name, "2026-12-10")).collect();
    let g = GroupSummary::build(-5, "一支部", &items, &all, dec, checkin(0, 0, 0));
    assert_eq!((g.done(), g.due(), g.rate()), (8, 8, Some(1.0)));
    assert!(g.open().is_empty());
    // Nothing listed: no rate.
    let none = GroupSummary::build(-5, "空", &[], &[], dec, checkin(0, 0, 0));
    assert_eq!((none.due(), none.rate()), (0, None));
    assert!(none.open().is_empty());
}

#[test]
fn every_groups_month() {
    let items = default_items();
    let jun = month(2026, 6);
    let group = |id: i64, title: &str, marks: &[Mark]| {
        GroupSummary::build(id, title, &items, marks, jun, checkin(21, 5, 50))
    };
    let all_done: Vec<Mark> = [
        "支部委员会会议",
        "党小组会",
        "主题党日",
        "支部党员大会",
        "党课",
    ]
    .iter()
    .map(|n| mark(n, "2026-06-05"))
    .collect();
    let summary = MonthSummary::new(
        jun,
        vec![
            group(-3, "二支部", &[]),
            group(-2, "一支部", &all_done),
            group(-1, "二支部", &all_done[..2]),
        ],
    );
    let order: Vec<(i64, &str)> = summary
        .groups
        .iter()
        .map(|g| (g.chat_id, g.title.as_str()))
        .collect();
    assert_eq!(order, [(-2, "一支部"), (-3, "二支部"), (-1, "二支部")]);
    // 5 + 0 + 2 done of 3 × 5 due.
    assert_eq!(summary.rate(), Some(7.0 / 15.0));
    let open: Vec<i64> = summary.with_open().iter().map(|g| g.chat_id).collect();
    assert_eq!(open, [-3, -1]);

    let empty = MonthSummary::new(jun, Vec::new());
    assert_eq!(empty.rate(), None);
    assert!(empty.with_open().is_empty());
    let nothing_due = MonthSummary::new(
        jun,
        vec![GroupSummary::build(
            -1,
            "空",
            &[],
            &[],
            jun,
            checkin(0, 0, 0),
        )],
    );
    assert_eq!(nothing_due.rate(), None);
}

#[test]
fn the_summary_counts_the_month_tasks_in_its_caption_figures_and_workbook() {
    use crate::tasks::MonthTasks;
    let items = default_items();
    let jun = month(2026, 6);
    let mut a = GroupSummary::build(-5, "一支部", &items, &[], jun, checkin(21, 10, 150));
    a.tasks = MonthTasks {
        created: 3,
        on_time: 1,
        late: 1,
        open: 1,
    };
    let mut b = GroupSummary::build(-6, "二支部", &[], &[], jun, checkin(21, 5, 50));
    b.tasks = MonthTasks {
        created: 1,
        on_time: 0,
        late: 0,
        open: 1,
    };
    let s = MonthSummary::new(jun, vec![a, b]);
    assert_eq!(
        s.tasks(),
        MonthTasks {
            created: 4,
            on_time: 1,
            late: 1,
            open: 2
        }
    );
    // A group with tasks only has no checklist: it does not change the completion rate.
    assert_eq!(s.groups[1].rate(), None);
    assert_eq!(s.rate(), s.groups[0].rate());
    let bytes = summary::workbook(&s).unwrap();
    use calamine::Reader as _;
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("汇总").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[0][6..],
        ["督办新建", "按期办结", "逾期办结", "督办未办结"]
    );
    assert_eq!(rows[1][6..], ["3", "1", "1", "1"]);
    assert_eq!(rows[2][6..], ["1", "0", "0", "1"]);
    let caption = crate::replies::orglife::summary(&s);
    assert!(
        caption.contains("督办：本月新建 4 项，按期办结 1 项，逾期办结 1 项，未办结 2 项"),
        "{caption}"
    );
}
