//! Tests of placing pinned and anchored items: the shipped festival items over 2025–2026,
//! pins moved off days off, collisions.

use chrono::Weekday;

use super::*;
use crate::content::{BUILT_IN, parse_library};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn item(id: u64, category: Category) -> Item {
    Item::sample(id, category, &format!("#{id}"))
}

fn pinned(id: u64, category: Category, date: &str) -> Item {
    Item {
        dates: vec![PinDate::parse(date).unwrap()],
        ..item(id, category)
    }
}

fn anchored(id: u64, category: Category, anchor: Anchor) -> Item {
    Item {
        anchor: Some(anchor),
        ..item(id, category)
    }
}

fn before(name: &str) -> Anchor {
    Anchor::Before(name.into())
}

/// (date, id) of each placement from `from` to `to`.
fn days(items: &[Item], from: &str, to: &str) -> Vec<(NaiveDate, u64)> {
    placements(items, &Calendar::built_in(), d(from)..=d(to))
        .iter()
        .map(|p| (p.date, p.item.id))
        .collect()
}

/// The days strictly between `a` and `b`.
fn between(a: NaiveDate, b: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    a.iter_days().skip(1).take_while(move |x| *x < b)
}

/// The shipped library as a fresh database numbers it.
fn shipped() -> Vec<Item> {
    let files: Vec<(String, String)> = BUILT_IN
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let holidays = Calendar::built_in().holiday_names();
    parse_library(&files, &holidays).unwrap().numbered()
}

#[test]
fn the_shipped_festival_items_want_the_working_day_next_to_their_holiday() {
    let items = shipped();
    let cal = Calendar::built_in();
    let all = placements(&items, &cal, d("2024-12-01")..=d("2027-01-31"));
    // (key, the day it wants in 2025, in 2026): the last working day before the holiday
    // starts, or the first after it ends.
    let table = [
        ("integrity-019", "2025-01-27", "2026-02-14"), // 春节; 2026-02-14 is a make-up Saturday
        ("integrity-020", "2025-09-30", "2026-09-24"), // 中秋 (2025: in 国庆节、中秋节)
        ("integrity-021", "2025-09-30", "2026-09-30"), // 国庆
        ("integrity-022", "2025-05-30", "2026-06-18"), // 端午
        ("conduct-042", "2025-02-05", "2026-02-24"),   // after 春节
    ];
    for (key, y2025, y2026) in table {
        let wanted: Vec<NaiveDate> = all
            .iter()
            .filter(|p| p.item.key.as_deref() == Some(key))
            .map(|p| p.wanted)
            .collect();
        assert_eq!(wanted, vec![d(y2025), d(y2026)], "{key}");
    }
    // Every anchored item, shipped today or later: once per matching holiday period, on
    // the working day next to it, or on an earlier working day when another item won it.
    let periods = cal.holidays();
    for item in items.iter().filter(|i| i.anchor.is_some()) {
        let anchor = item.anchor.as_ref().unwrap();
        let mine: Vec<&Placement> = all.iter().filter(|p| p.item.id == item.id).collect();
        let matching: Vec<_> = periods.iter().filter(|h| anchor.matches(&h.name)).collect();
        assert_eq!(mine.len(), matching.len(), "{:?}", item.key);
        for (p, h) in mine.iter().zip(matching) {
            let next = match anchor {
                Anchor::Before(_) => between(p.wanted, h.first).all(|x| !cal.is_workday(x)),
                Anchor::After(_) => between(h.last, p.wanted).all(|x| !cal.is_workday(x)),
            };
            assert!(next && cal.is_workday(p.wanted), "{:?} {p:?}", item.key);
            assert!(cal.is_workday(p.date), "{:?} {p:?}", item.key);
            match p.yielded_to {
                None => assert_eq!(p.date, p.wanted, "{:?}", item.key),
                Some(_) => assert!(p.date < p.wanted, "{:?}", item.key),
            }
        }
    }
}

#[test]
fn anchors_resolve_by_name_on_every_known_year_and_not_in_others() {
    let items = [
        anchored(1, Category::Integrity, before("中秋")),
        anchored(2, Category::Conduct, Anchor::After("国庆".into())),
        anchored(3, Category::Political, before("春节")),
    ];
    // 中秋 matches 国庆节、中秋节 in 2025 and 中秋节 in 2026; 国庆 both.
    assert_eq!(
        days(&items, "2025-01-01", "2027-12-31"),
        vec![
            (d("2025-01-27"), 3),
            (d("2025-09-30"), 1),
            (d("2025-10-09"), 2),
            (d("2026-02-14"), 3),
            (d("2026-09-24"), 1),
            (d("2026-10-08"), 2),
        ]
    );
    let cal = Calendar::built_in();
    assert_eq!(
        unknown_years(&cal, d("2026-11-03")..=d("2027-11-02")),
        vec![2027]
    );
    assert!(unknown_years(&cal, d("2025-01-01")..=d("2026-12-31")).is_empty());
}

#[test]
fn pinned_dates_off_work_move_to_the_working_day_before() {
    let items = [
        pinned(1, Category::Political, "10-01"), // 国庆节 → 09-30
        pinned(2, Category::Discipline, "2026-10-04"), // a Sunday inside 国庆节 → 09-30
        pinned(3, Category::Conduct, "01-01"),   // 元旦 → the year before's last workday
        pinned(4, Category::Integrity, "02-15"), // 春节's first day → make-up Saturday
        pinned(5, Category::Quote, "12-04"),     // a Friday: stays
    ];
    assert_eq!(
        days(&items, "2025-12-01", "2026-12-31"),
        vec![
            (d("2025-12-04"), 5),
            (d("2025-12-31"), 3),
            (d("2026-02-14"), 4),
            (d("2026-09-30"), 1),
            (d("2026-09-30"), 2),
            (d("2026-12-04"), 5),
            (d("2026-12-31"), 3),
        ]
    );
    // 07-01 is a Saturday in 2028, a year the calendar does not know: Monday–Friday still
    // holds, so Friday 06-30.
    let july = [pinned(6, Category::Political, "07-01")];
    let got = placements(
        &july,
        &Calendar::built_in(),
        d("2028-06-01")..=d("2028-07-31"),
    );
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].date, got[0].date.weekday()),
        (d("2028-06-30"), Weekday::Fri)
    );
    assert_eq!(
        got[0].reason,
        Reason::Pinned {
            on: d("2028-07-01")
        }
    );
    assert_eq!(got[0].wanted, d("2028-06-30"));
}

#[test]
fn on_one_day_and_category_pinned_wins_then_the_lowest_id() {
    let integrity = Category::Integrity;
    let items = [
        anchored(3, integrity, before("国庆")), // wants 2026-09-30
        pinned(9, integrity, "09-30"),          // wins 09-30
        anchored(2, integrity, before("国庆")), // lower id: 09-29
        pinned(7, integrity, "09-28"),          // pinned: keeps 09-28
        anchored(4, Category::Political, before("国庆")), // another category: untouched
    ];
    let got = placements(
        &items,
        &Calendar::built_in(),
        d("2026-09-01")..=d("2026-09-30"),
    );
    let seen: Vec<(NaiveDate, u64, Option<u64>)> = got
        .iter()
        .map(|p| (p.date, p.item.id, p.yielded_to))
        .collect();
    assert_eq!(
        seen,
        vec![
            // #3 lost 09-30 to #9, then 09-29 to #2, then 09-28 to #7; 09-27 is a Sunday
            // (and 中秋节), 09-26 a Saturday, 09-25 中秋节: Thursday 09-24.
            (d("2026-09-24"), 3, Some(9)),
            (d("2026-09-28"), 7, None),
            (d("2026-09-29"), 2, Some(9)),
            (d("2026-09-30"), 4, None),
            (d("2026-09-30"), 9, None),
        ]
    );
    // One day asked alone gives the same answer.
    let one = on(&items, &Calendar::built_in(), d("2026-09-24"));
    assert_eq!(one.len(), 1);
    assert_eq!((one[0].item.id, one[0].wanted), (3, d("2026-09-30")));
}
