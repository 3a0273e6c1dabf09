//! The monthly report's tests: months, who is in a report, its CSV and its workbook.

use std::io::Cursor;

use super::*;
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::{DateTime, TimeZone, Utc};

fn d(m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, day).unwrap()
}

fn at(m: u32, day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, day, 1, 0, 0).unwrap()
}

fn delivery(date: NaiveDate, state: State) -> Delivery {
    let slot = crate::delivery::Slot::edition(date, crate::message::Address::telegram(-5));
    let due = at(date.month(), date.day());
    Delivery {
        state,
        message_id: Some(1),
        attempts: 1,
        ..Delivery::pending(slot, due, due, due)
    }
}

fn member(user_id: i64, name: &str, first_seen: DateTime<Utc>) -> Member {
    Member {
        chat_id: -5,
        user_id,
        name: name.into(),
        first_seen,
        last_seen: first_seen,
    }
}

fn checkin(user_id: i64, date: NaiveDate) -> CheckIn {
    CheckIn {
        chat_id: -5,
        date,
        user_id,
        at: at(date.month(), date.day()),
    }
}

#[test]
fn months_parse_and_span_their_days() {
    let nov = Month::new(2026, 11).unwrap();
    for s in [
        "2026-11",
        "2026/11",
        "2026.11",
        "202611",
        "2026年11月",
        " 2026-11 ",
    ] {
        assert_eq!(Month::parse(s), Some(nov), "{s}");
    }
    assert_eq!(Month::parse("2026-1"), Month::new(2026, 1));
    for bad in [
        "",
        "2026",
        "2026-13",
        "2026-00",
        "26-11",
        "2026-111",
        "十一月",
        "2026-1a",
    ] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
    assert_eq!(nov.to_string(), "2026-11");
    assert_eq!(nov.days().count(), 30);
    assert_eq!(
        Month::new(2028, 2).unwrap().last(),
        NaiveDate::from_ymd_opt(2028, 2, 29).unwrap()
    );
    assert_eq!(Month::new(2026, 12).unwrap().last(), d(12, 31));
    assert_eq!(Month::of(d(12, 31)), Month::new(2026, 12).unwrap());
}

/// October 2026: the National Day holidays have no delivery; a failed delivery is no
/// column; a member seen only in November is not in October's report. Telegram did not
/// tell the group's size.
fn october() -> ChatReport {
    october_of(None)
}

/// October 2026, the group's size from Telegram being `headcount` (bots left out).
fn october_of(headcount: Option<usize>) -> ChatReport {
    let deliveries = vec![
        delivery(d(9, 30), State::Sent),
        delivery(d(10, 9), State::Sent),
        delivery(d(10, 10), State::Sent), // a Saturday make-up working day
        delivery(d(10, 12), State::Failed),
        delivery(d(10, 13), State::Sent),
        delivery(d(11, 2), State::Sent),
    ];
    let members = vec![
        member(7, "张三", at(9, 1)),
        member(8, "李四", at(10, 12)),
        member(9, "王五", at(9, 1)),
        member(10, "新人", at(11, 3)),
        member(11, "=cmd|' /C calc'!A0", at(9, 1)),
    ];
    let checkins = vec![
        checkin(7, d(9, 30)),
        checkin(7, d(10, 9)),
        checkin(7, d(10, 10)),
        checkin(7, d(10, 13)),
        checkin(8, d(10, 13)),
        checkin(8, d(10, 12)), // no sent delivery that day
        checkin(12, d(10, 9)), // a member the list lost
        checkin(10, d(11, 2)),
    ];
    ChatReport::build(
        Month::new(2026, 10).unwrap(),
        &deliveries,
        &checkins,
        &members,
        headcount,
    )
}

#[test]
fn only_delivery_days_are_columns_and_only_known_members_rows() {
    let r = october();
    assert_eq!(r.days, vec![d(10, 9), d(10, 10), d(10, 13)]);
    let rows: Vec<(&str, Vec<bool>)> = r
        .rows
        .iter()
        .map(|r| (r.name.as_str(), r.marks.clone()))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("12", vec![true, false, false]),
            ("=cmd|' /C calc'!A0", vec![false, false, false]),
            ("张三", vec![true, true, true]),
            ("李四", vec![false, false, true]),
            ("王五", vec![false, false, false]),
        ]
    );
    let s = r.summary();
    assert_eq!((s.days, s.members, s.studied, s.checkins), (3, 5, 3, 5));
    assert_eq!((s.known, s.counted, s.unknown()), (5, false, 0));
    assert!((s.rate().unwrap() - 5.0 / 15.0).abs() < 1e-9);
    assert_eq!(
        s.lowest,
        vec![
            ("=cmd|' /C calc'!A0".to_string(), 0),
            ("王五".to_string(), 0),
            ("12".to_string(), 1)
        ]
    );
}

#[test]
fn the_csv_opens_in_excel_cell_by_cell() {
    let bytes = october().csv();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a UTF-8 byte order mark");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines,
        vec![
            "姓名,用户ID,2026-10-09,2026-10-10,2026-10-13,合计,学习率",
            "12,12,✓,,,1,33.3%",
            "'=cmd|' /C calc'!A0,11,,,,0,0.0%",
            "张三,7,✓,✓,✓,3,100.0%",
            "李四,8,,,✓,1,33.3%",
            "王五,9,,,,0,0.0%",
            "合计,,2,1,2,5,33.3%",
            "",
        ]
    );
}

#[test]
fn the_groups_size_from_telegram_is_the_denominator() {
    // Eight members, five of them known: three the bot never saw count as not studying.
    let r = october_of(Some(8));
    let s = r.summary();
    assert_eq!(
        (s.members, s.known, s.counted, s.unknown()),
        (8, 5, true, 3)
    );
    assert!((s.rate().unwrap() - 5.0 / 24.0).abs() < 1e-9);
    let text = String::from_utf8(r.csv()[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[5..],
        [
            "王五,9,,,,0,0.0%",
            "另有 3 人尚未互动,,,,,0,0.0%",
            "合计,,2,1,2,5,20.8%",
            ""
        ]
    );
    let values = sheet(r.xlsx().unwrap(), "学习记实");
    assert_eq!(values[6][0], string("另有 3 人尚未互动"));
    assert_eq!(values[7][6], float(5.0 / 24.0));

    // Fewer than the members known (some left since): the members known count.
    let s = october_of(Some(3)).summary();
    assert_eq!((s.members, s.known, s.unknown()), (5, 5, 0));

    // One delivery; of four members one tapped, one (the admin) only sent a command.
    let one_day = [delivery(d(11, 2), State::Sent)];
    let known = [member(7, "书记", at(10, 1)), member(8, "党员甲", at(11, 2))];
    let r = ChatReport::build(
        Month::new(2026, 11).unwrap(),
        &one_day,
        &[checkin(8, d(11, 2))],
        &known,
        Some(4),
    );
    let s = r.summary();
    assert_eq!((s.members, s.known, s.studied, s.checkins), (4, 2, 1, 1));
    assert_eq!(percent(s.rate().unwrap()), "25.0%");
}

#[test]
fn a_month_without_deliveries() {
    let r = ChatReport::build(
        Month::new(2026, 8).unwrap(),
        &[],
        &[],
        &[member(7, "张三", at(7, 1))],
        None,
    );
    let s = r.summary();
    assert_eq!((s.days, s.members, s.checkins), (0, 1, 0));
    assert_eq!(s.rate(), None);
    assert!(s.lowest.is_empty());
    let text = String::from_utf8(r.csv()[3..].to_vec()).unwrap();
    assert_eq!(text, "姓名,用户ID,合计,学习率\r\n张三,7,0,\r\n合计,,0,\r\n");
    assert_eq!(
        sheet(r.xlsx().unwrap(), "学习记实"),
        vec![
            ["姓名", "用户ID", "合计", "学习率"].map(string).to_vec(),
            vec![string("张三"), float(7.0), float(0.0), Data::Empty],
            vec![string("合计"), Data::Empty, float(0.0), Data::Empty],
        ]
    );
}

#[test]
fn the_overview_has_one_line_per_group() {
    let s = october().summary();
    let rows = vec![GroupRow {
        chat_id: -5,
        title: "第一支部, 机关".into(),
        summary: s,
    }];
    let text = String::from_utf8(overview_csv(&rows)[3..].to_vec()).unwrap();
    assert_eq!(
        text,
        "群组,群组ID,投递天数,成员,已知成员,已学习成员,学习人次,平均学习率\r\n\"第一支部, 机关\",-5,3,5,5,3,5,33.3%\r\n"
    );
    assert_eq!(
        sheet(overview_xlsx(&rows).unwrap(), "各群汇总"),
        vec![
            [
                "群组",
                "群组ID",
                "投递天数",
                "成员",
                "已知成员",
                "已学习成员",
                "学习人次",
                "平均学习率"
            ]
            .map(string)
            .to_vec(),
            vec![
                string("第一支部, 机关"),
                float(-5.0),
                float(3.0),
                float(5.0),
                float(5.0),
                float(3.0),
                float(5.0),
                float(5.0 / 15.0)
            ],
        ]
    );
    assert_eq!(
        sheet(overview_xlsx(&[]).unwrap(), "各群汇总").len(),
        1,
        "no groups, the header alone"
    );
}

/// The cells of the workbook's sheet `name` (the only one), from A1.
fn sheet(bytes: Vec<u8>, name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), [name]);
    let range = book.worksheet_range(name).unwrap();
    assert_eq!(range.start(), Some((0, 0)));
    range.rows().map(<[Data]>::to_vec).collect()
}

fn string(s: &str) -> Data {
    Data::String(s.to_string())
}

fn float(number: f64) -> Data {
    Data::Float(number)
}

#[test]
fn the_workbook_has_the_csv_cells_with_numbers_as_numbers() {
    let header = [
        "姓名",
        "用户ID",
        "2026-10-09",
        "2026-10-10",
        "2026-10-13",
        "合计",
        "学习率",
    ];
    // A member's line: name, user id, `✓` on the days studied, total, rate.
    let line = |name: &str, user_id: f64, days: [bool; 3], rate: f64| {
        let mut cells = vec![string(name), float(user_id)];
        cells.extend(days.map(|d| if d { string("✓") } else { Data::Empty }));
        cells.push(float(days.iter().filter(|d| **d).count() as f64));
        cells.push(float(rate));
        cells
    };
    let (third, none) = (1.0 / 3.0, 0.0);
    let mut totals = vec![string("合计"), Data::Empty];
    totals.extend([2.0, 1.0, 2.0, 5.0, 5.0 / 15.0].map(float));
    let expected = vec![
        header.map(string).to_vec(),
        line("12", 12.0, [true, false, false], third),
        // No `'` before a formula: in a workbook, text is text.
        line("=cmd|' /C calc'!A0", 11.0, [false; 3], none),
        line("张三", 7.0, [true; 3], 1.0),
        line("李四", 8.0, [false, false, true], third),
        line("王五", 9.0, [false; 3], none),
        totals,
    ];
    assert_eq!(sheet(october().xlsx().unwrap(), "学习记实"), expected);
}
