//! Tests of the edition: rotation, the 第一议题 turns, pinned and anchored items, rendering.

use std::sync::LazyLock;

use chrono::{TimeZone, Utc};

use super::*;
use crate::content::{Anchor, PinDate};

static CALENDAR: LazyLock<Calendar> = LazyLock::new(Calendar::built_in);

/// A 第一议题 line every day, from 习语; editions simulated on every day.
fn rules() -> Rules<'static> {
    Rules {
        calendar: &CALENDAR,
        days: DayRule::Everyday,
        study: StudyRule::Daily,
        study_from: &[Category::Quote],
    }
}

fn no_study() -> Rules<'static> {
    Rules {
        study: StudyRule::Off,
        ..rules()
    }
}

fn item(id: u64, category: Category, text: &str) -> Item {
    Item {
        source: category.needs_source().then(|| "《出处》".to_string()),
        added_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        ..Item::sample(id, category, text)
    }
}

fn day(n: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, n).unwrap()
}

fn library() -> Vec<Item> {
    let mut items = Vec::new();
    let mut id = 1;
    for c in Category::ALL {
        for k in 0..3 {
            items.push(item(id, c, &format!("{}{}", c.name(), k)));
            id += 1;
        }
    }
    items
}

#[test]
fn no_repeat_within_a_full_cycle_then_id_order_again() {
    let items = library();
    let mut rot = Rotation::default();
    let mut seen: Vec<Vec<u64>> = Vec::new();
    for d in 1..=6 {
        let (e, r) = compose(&items, &rot, day(d), &rules(), None);
        rot = r;
        seen.push(e.items);
    }
    // Political items are ids 1, 2, 3: three days of a cycle, then again in id order.
    let political: Vec<u64> = seen.iter().map(|ids| ids[0]).collect();
    assert_eq!(political, vec![1, 2, 3, 1, 2, 3]);
    let study: Vec<u64> = seen.iter().map(|ids| ids[4]).collect();
    assert_eq!(study, vec![13, 14, 15, 13, 14, 15]);
}

#[test]
fn a_new_item_joins_the_current_cycle() {
    let mut items = library();
    let mut rot = Rotation::default();
    let (_, r) = compose(&items, &rot, day(1), &no_study(), None);
    rot = r; // used political #1
    items.push(item(99, Category::Political, "新增"));
    let mut political = Vec::new();
    for d in 2..=5 {
        let (e, r) = compose(&items, &rot, day(d), &no_study(), None);
        rot = r;
        political.push(e.items[0]);
    }
    assert_eq!(political, vec![2, 3, 99, 1]);
}

#[test]
fn a_deleted_item_does_not_stall_the_cycle() {
    let mut items = library();
    let (_, rot) = compose(&items, &Rotation::default(), day(1), &no_study(), None);
    items.retain(|i| i.id != 2);
    let (e, rot) = compose(&items, &rot, day(2), &no_study(), None);
    assert_eq!(e.items[0], 3);
    let (e, _) = compose(&items, &rot, day(3), &no_study(), None);
    assert_eq!(e.items[0], 1);
}

#[test]
fn a_pinned_item_wins_on_its_date_and_stays_out_of_rotation() {
    let mut items = library();
    let mut pinned = item(50, Category::Integrity, "元旦廉洁提醒");
    pinned.dates = vec![PinDate::parse("12-30").unwrap()];
    items.push(pinned);
    let (e, rot) = compose(&items, &Rotation::default(), day(30), &no_study(), None);
    assert_eq!(e.items[3], 50);
    assert!(e.html.contains("元旦廉洁提醒"));
    // The pinned day did not advance integrity's rotation, and #50 never rotates.
    let mut integrity = Vec::new();
    let mut rot = rot;
    for d in 1..=4 {
        let date = NaiveDate::from_ymd_opt(2027, 1, d).unwrap();
        let (e, r) = compose(&items, &rot, date, &no_study(), None);
        rot = r;
        integrity.push(e.items[3]);
    }
    assert_eq!(integrity, vec![10, 11, 12, 10]);
}

#[test]
fn a_pin_on_a_day_off_moves_to_the_working_day_before() {
    let mut items = library();
    let mut pinned = item(50, Category::Integrity, "元旦廉洁提醒");
    pinned.dates = vec![PinDate::parse("01-01").unwrap()];
    items.push(pinned);
    // 2027-01-01 is 元旦: Thursday 2026-12-31 shows it, the holiday itself does not.
    let on = |date: NaiveDate| compose(&items, &Rotation::default(), date, &rules(), None).0;
    assert_eq!(on(day(31)).items[3], 50);
    assert_eq!(
        on(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()).items[3],
        10
    );
}

#[test]
fn an_anchored_item_shows_on_its_day_only_and_never_rotates() {
    let mut items = library();
    let mut festive = item(60, Category::Integrity, "中秋临近，不收月饼礼盒");
    festive.anchor = Some(Anchor::Before("中秋".into()));
    items.push(festive);
    let date = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    // 中秋节 2026 is 09-25 to 09-27: the Thursday before shows it.
    let (e, _) = compose(&items, &Rotation::default(), date(9, 24), &rules(), None);
    assert_eq!(e.items[3], 60);
    assert!(plain(&e.html).contains("廉政提醒：中秋临近"));
    // Every other day of the year rotates #10, #11, #12 only.
    let mut rot = Rotation::default();
    for d in date(1, 1)
        .iter_days()
        .take(365)
        .filter(|d| *d != date(9, 24))
    {
        let (e, r) = compose(&items, &rot, d, &no_study(), None);
        rot = r;
        assert!((10..=12).contains(&e.items[3]), "{d}: {:?}", e.items);
    }
}

#[test]
fn renders_the_contract_layout_with_escaping() {
    let mut items = library();
    items[0].text = "<b>不</b> & 要".into();
    let (e, _) = compose(&items, &Rotation::default(), day(1), &rules(), None);
    let expected = "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n\
        <b>政治提醒</b>：&lt;b&gt;不&lt;/b&gt; &amp; 要\n\
        <b>纪律提醒</b>：纪律0\n\
        <b>作风提醒</b>：作风0\n\
        <b>廉政提醒</b>：廉政0\n\n\
        <b>第一议题</b>：“习语0”——《出处》";
    assert_eq!(e.html, expected);
    assert!(plain(&e.html).contains("政治提醒：<b>不</b> & 要"));
}

#[test]
fn an_empty_category_is_left_out_and_no_items_means_empty() {
    let items: Vec<Item> = library()
        .into_iter()
        .filter(|i| i.category != Category::Conduct && i.category != Category::Quote)
        .collect();
    // 习语 only: without 习语 there is no 第一议题 line; with 法规 next in turn, 法规.
    let (e, _) = compose(&items, &Rotation::default(), day(1), &rules(), None);
    assert!(!e.html.contains("作风") && !e.html.contains("第一议题"));
    assert_eq!(e.items.len(), 3);
    let both = Rules {
        study_from: &[Category::Quote, Category::Law],
        ..rules()
    };
    let (e, _) = compose(&items, &Rotation::default(), day(1), &both, None);
    assert!(e.html.contains("第一议题</b>：法规0"), "{}", e.html);
    assert_eq!(e.items.len(), 4);
    let (e, _) = compose(&[], &Rotation::default(), day(1), &rules(), None);
    assert!(e.is_empty() && e.html.is_empty());
}

#[test]
fn study_off_leaves_the_line_out() {
    let (e, _) = compose(&library(), &Rotation::default(), day(1), &no_study(), None);
    assert!(!e.html.contains("第一议题"));
    assert_eq!(e.items.len(), 4);
}

#[test]
fn stays_within_telegram_length_counted_in_utf16() {
    let mut items = library();
    for i in &mut items {
        i.text = "😀&".repeat(250); // 500 characters, 750 UTF-16 units, escaped to more bytes
        i.source = Some("源".repeat(100));
    }
    let (e, _) = compose(&items, &Rotation::default(), day(1), &rules(), None);
    let visible = plain(&e.html);
    assert!(
        utf16_len(&visible) <= MAX_MESSAGE_UTF16,
        "{}",
        utf16_len(&visible)
    );
    assert!(utf16_len(&visible) > MAX_MESSAGE_UTF16 - 10);
    assert!(visible.contains('…'));
    assert!(e.html.contains("&amp;"));
    assert!(!e.html.contains("&amp…") && !e.html.contains("&…"));
}

#[test]
fn study_card_is_fixed_per_date_and_has_all_three() {
    let items = library();
    let a = study_card(&items, day(1)).unwrap();
    assert_eq!(a, study_card(&items, day(1)).unwrap());
    assert_ne!(a, study_card(&items, day(2)).unwrap());
    for label in ["习语", "法规", "经典"] {
        assert!(a.contains(&format!("<b>{label}</b>")), "{a}");
    }
    assert!(study_card(&[], day(1)).is_none());
}

#[test]
fn forecast_simulates_delivery_days_only() {
    let items = library();
    let rot = Rotation::default();
    // Friday 4 to Monday 7: on working days only Friday is composed before Monday, so
    // Monday is political #2; every day, 4, 5 and 6 are, so Monday starts a cycle again.
    let workdays = Rules {
        days: DayRule::Workdays,
        ..rules()
    };
    assert_eq!(
        forecast(&items, &rot, &workdays, day(4), day(7), &[]).items[0],
        2
    );
    assert_eq!(
        forecast(&items, &rot, &rules(), day(4), day(7), &[]).items[0],
        1
    );
    assert_eq!(
        forecast(&items, &rot, &rules(), day(4), day(4), &[]).items[0],
        1
    );
}

#[test]
fn date_line_in_chinese() {
    assert_eq!(
        date_line(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
        "2026年11月30日 星期一"
    );
    assert_eq!(
        date_line(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()),
        "2026年11月29日 星期日"
    );
}

fn change(action: Action, text: &str) -> Override {
    Override {
        date: day(1),
        action,
        text: text.into(),
    }
}

#[test]
fn a_skipped_day_has_no_message_and_leaves_the_rotation() {
    let items = library();
    let (_, rot) = compose(&items, &Rotation::default(), day(1), &rules(), None);
    let skip = change(Action::Skip, "");
    let (e, after) = compose(&items, &rot, day(2), &rules(), Some(&skip));
    assert!(e.is_empty() && e.items.is_empty());
    assert_eq!(after, rot);
    // Forecast: the skipped day does not count.
    let skip = Override {
        date: day(2),
        ..skip
    };
    let e = forecast(&items, &rot, &rules(), day(2), day(3), &[skip]);
    assert_eq!(e.items, vec![2, 5, 8, 11, 14]);
}

#[test]
fn an_appended_notice_follows_the_four_reminders_escaped() {
    let items = library();
    let notice = change(Action::Append, "今晚<b>停电</b> & 检修\n请注意");
    let (e, rot) = compose(
        &items,
        &Rotation::default(),
        day(1),
        &rules(),
        Some(&notice),
    );
    let expected = "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n\
        <b>政治提醒</b>：政治0\n\
        <b>纪律提醒</b>：纪律0\n\
        <b>作风提醒</b>：作风0\n\
        <b>廉政提醒</b>：廉政0\n\n\
        <b>重要提示</b>：今晚&lt;b&gt;停电&lt;/b&gt; &amp; 检修\n请注意\n\n\
        <b>第一议题</b>：“习语0”——《出处》";
    assert_eq!(e.html, expected);
    assert_eq!(
        rot,
        compose(&items, &Rotation::default(), day(1), &rules(), None).1
    );
}

#[test]
fn a_replacement_keeps_the_study_line_and_the_mirror_rotation() {
    let items = library();
    let text = change(Action::Replace, "今日专题：<廉洁过节>");
    let (e, rot) = compose(&items, &Rotation::default(), day(1), &rules(), Some(&text));
    let expected = "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n\
        今日专题：&lt;廉洁过节&gt;\n\n\
        <b>第一议题</b>：“习语0”——《出处》";
    assert_eq!(e.html, expected);
    assert_eq!(e.items, vec![13]);
    for c in Category::MIRROR {
        assert!(rot.used.get(&c).is_none_or(|u| u.is_empty()), "{c}");
    }
    // The next day starts each mirror category where it was; the study line moves on.
    let (next, _) = compose(&items, &rot, day(2), &rules(), None);
    assert_eq!(next.items, vec![1, 4, 7, 10, 14]);
    // A replacement is sent even without any item.
    let (e, _) = compose(&[], &Rotation::default(), day(1), &rules(), Some(&text));
    assert!(!e.is_empty() && e.items.is_empty());
}

/// The 第一议题 items of `n` editions from day 1 on, composed one after the other.
fn study_line(items: &[Item], rules: &Rules, mut rot: Rotation, n: u32) -> Vec<u64> {
    (1..=n)
        .map(|d| {
            let (e, r) = compose(items, &rot, day(d), rules, None);
            rot = r;
            *e.items.last().unwrap()
        })
        .collect()
}

#[test]
fn the_study_line_takes_turns_over_study_from_each_in_its_own_cycle() {
    let items = library(); // 习语 #13-#15, 法规 #16-#18, 经典 #19-#21
    let both = Rules {
        study_from: &[Category::Quote, Category::Law],
        ..rules()
    };
    assert_eq!(
        study_line(&items, &both, Rotation::default(), 8),
        vec![13, 16, 14, 17, 15, 18, 13, 16]
    );
    // The order given is the order of turns; aliases and Chinese names alike (config).
    let three = Rules {
        study_from: &[Category::Classic, Category::Quote, Category::Law],
        ..rules()
    };
    assert_eq!(
        study_line(&items, &three, Rotation::default(), 4),
        vec![19, 13, 16, 20]
    );
    // A category without items is passed over; the turn goes on after the one shown.
    let no_law: Vec<Item> = items
        .iter()
        .filter(|i| i.category != Category::Law)
        .cloned()
        .collect();
    assert_eq!(
        study_line(&no_law, &three, Rotation::default(), 4),
        vec![19, 13, 20, 14]
    );
}

#[test]
fn no_two_editions_in_a_row_show_the_same_study_item() {
    let items = library();
    // 习语 #13 came last in its cycle (it had been pinned, say): the new cycle starts with
    // #14, and #13 comes in its turn.
    let rot = Rotation {
        used: [(Category::Quote, [13, 14, 15].into())].into(),
        last_study: Some(13),
    };
    assert_eq!(study_line(&items, &rules(), rot, 4), vec![14, 13, 15, 13]);
    // Over a long run, in both set-ups, never the same item twice in a row.
    for study_from in [&[Category::Quote][..], &[Category::Quote, Category::Law]] {
        let r = Rules {
            study_from,
            ..rules()
        };
        let line = study_line(&items, &r, Rotation::default(), 30);
        assert!(line.windows(2).all(|w| w[0] != w[1]), "{line:?}");
    }
}

#[test]
fn a_pinned_study_item_takes_the_line_on_its_day() {
    let mut items = library();
    let mut law = item(70, Category::Law, "宪法日条文");
    law.dates = vec![PinDate::parse("12-04").unwrap()];
    items.push(law);
    let both = Rules {
        study_from: &[Category::Quote, Category::Law],
        ..rules()
    };
    // Days 1-3 take 习语, 法规, 习语; on the 4th the pinned 法规 #70; then 习语 again (the
    // turn after 法规), and 法规 goes on from where its cycle was.
    assert_eq!(
        study_line(&items, &both, Rotation::default(), 6),
        vec![13, 16, 14, 70, 15, 17]
    );
    // Not a category of study_from: not on the line.
    assert_eq!(
        study_line(&items, &rules(), Rotation::default(), 4),
        vec![13, 14, 15, 13]
    );
}
