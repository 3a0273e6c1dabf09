//! The monthly 记实 report, pure: from a chat's delivery log, check-ins and members, who
//! studied on which delivery day; a summary, and a CSV that Excel opens as it is.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use chrono::{Datelike, NaiveDate};

use crate::checkin::{CheckIn, Member};
use crate::delivery::{Delivery, State};

/// A rate as a percentage with one decimal: "33.3%".
pub fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// The headers of the report's CSV (the CSV is user-visible text kept beside its layout).
const CSV_NAME: &str = "姓名";
const CSV_USER_ID: &str = "用户ID";
const CSV_TOTAL: &str = "合计";
const CSV_RATE: &str = "学习率";
const CSV_DONE: &str = "✓";
const CSV_GROUP: &str = "群组";
const CSV_CHAT_ID: &str = "群组ID";
const CSV_DAYS: &str = "投递天数";
const CSV_MEMBERS: &str = "已知成员";
const CSV_STUDIED: &str = "已学习成员";
const CSV_CHECKINS: &str = "学习人次";
const CSV_AVERAGE: &str = "平均学习率";

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Option<Month> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Month { year, month })
    }

    /// The month of a date.
    pub fn of(date: NaiveDate) -> Month {
        Month {
            year: date.year(),
            month: date.month(),
        }
    }

    /// `2026-11` (also `2026-1`, `2026/11`, `2026.11`, `202611`, `2026年11月`).
    pub fn parse(s: &str) -> Option<Month> {
        let s = s.trim().trim_end_matches('月');
        let (y, m) = match s.find(['-', '/', '.', '年']) {
            Some(i) => {
                let sep = s[i..].chars().next()?;
                (&s[..i], &s[i + sep.len_utf8()..])
            }
            None if s.len() == 6 && s.is_ascii() => s.split_at(4),
            None => return None,
        };
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        if y.len() != 4 || !digits(y) || m.len() > 2 || !digits(m) {
            return None;
        }
        Month::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    pub fn first(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default()
    }

    pub fn last(self) -> NaiveDate {
        let next = if self.month == 12 {
            NaiveDate::from_ymd_opt(self.year + 1, 1, 1)
        } else {
            NaiveDate::from_ymd_opt(self.year, self.month + 1, 1)
        };
        next.and_then(|d| d.pred_opt()).unwrap_or_default()
    }

    /// Every date of the month.
    pub fn days(self) -> impl Iterator<Item = NaiveDate> {
        let last = self.last();
        self.first().iter_days().take_while(move |d| *d <= last)
    }

    pub fn contains(self, date: NaiveDate) -> bool {
        Month::of(date) == self
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One member's line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub user_id: i64,
    pub name: String,
    /// One per delivery day, in the order of [`ChatReport::days`].
    pub marks: Vec<bool>,
}

impl Row {
    pub fn total(&self) -> usize {
        self.marks.iter().filter(|m| **m).count()
    }
}

/// The figures of one chat's month.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Days with a sent delivery.
    pub days: usize,
    /// Members known in the month.
    pub members: usize,
    /// Members with at least one check-in on a delivery day.
    pub studied: usize,
    /// Check-ins on delivery days.
    pub checkins: usize,
    /// The members with the fewest check-ins (up to three): name and count.
    pub lowest: Vec<(String, usize)>,
}

impl Summary {
    /// Check-ins ÷ (delivery days × known members); `None` when either is zero.
    pub fn rate(&self) -> Option<f64> {
        let possible = self.days * self.members;
        (possible > 0).then(|| self.checkins as f64 / possible as f64)
    }
}

/// Who studied on which delivery day of a month, in one chat.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatReport {
    pub month: Month,
    /// The dates with a sent delivery, in order: the report's columns.
    pub days: Vec<NaiveDate>,
    /// By name, then user id.
    pub rows: Vec<Row>,
}

/// How many members the summary names as the lowest.
const LOWEST: usize = 3;

impl ChatReport {
    /// The report of `month` from one chat's records (records of other months are
    /// ignored). A member is known in the month when first seen by its end, or when they
    /// checked in during it; check-ins of days without a sent delivery are not counted.
    pub fn build(
        month: Month,
        deliveries: &[Delivery],
        checkins: &[CheckIn],
        members: &[Member],
    ) -> ChatReport {
        let days: Vec<NaiveDate> = deliveries
            .iter()
            .filter(|d| d.state == State::Sent && month.contains(d.date))
            .map(|d| d.date)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let column: HashMap<NaiveDate, usize> =
            days.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        let in_month: Vec<&CheckIn> = checkins.iter().filter(|c| month.contains(c.date)).collect();
        let tapped: HashSet<i64> = in_month.iter().map(|c| c.user_id).collect();
        let end = month.last();
        let mut rows: Vec<Row> = members
            .iter()
            .filter(|m| m.first_seen.date_naive() <= end || tapped.contains(&m.user_id))
            .map(|m| Row {
                user_id: m.user_id,
                name: m.name.clone(),
                marks: vec![false; days.len()],
            })
            .collect();
        // A check-in of someone the members list lost (pruned, or an old import) still counts.
        let known: HashSet<i64> = rows.iter().map(|r| r.user_id).collect();
        let mut missing: Vec<i64> = tapped.difference(&known).copied().collect();
        missing.sort_unstable();
        rows.extend(missing.into_iter().map(|user_id| Row {
            user_id,
            name: user_id.to_string(),
            marks: vec![false; days.len()],
        }));
        rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.user_id.cmp(&b.user_id)));
        let index: HashMap<i64, usize> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.user_id, i))
            .collect();
        for c in in_month {
            if let (Some(&col), Some(&row)) = (column.get(&c.date), index.get(&c.user_id)) {
                rows[row].marks[col] = true;
            }
        }
        ChatReport { month, days, rows }
    }

    pub fn summary(&self) -> Summary {
        let checkins = self.rows.iter().map(Row::total).sum();
        let studied = self.rows.iter().filter(|r| r.total() > 0).count();
        let mut lowest: Vec<&Row> = self.rows.iter().collect();
        lowest.sort_by_key(|r| r.total());
        let lowest = if self.days.is_empty() {
            Vec::new()
        } else {
            lowest
                .into_iter()
                .take(LOWEST)
                .map(|r| (r.name.clone(), r.total()))
                .collect()
        };
        Summary {
            days: self.days.len(),
            members: self.rows.len(),
            studied,
            checkins,
            lowest,
        }
    }

    /// The table as CSV: a UTF-8 byte order mark (so that Excel reads UTF-8), a header
    /// (name, user id, one column per delivery day, total, rate), one line per member, and
    /// a line of totals per day.
    pub fn csv(&self) -> Vec<u8> {
        let mut lines = Vec::with_capacity(self.rows.len() + 2);
        let mut header = vec![CSV_NAME.to_string(), CSV_USER_ID.to_string()];
        header.extend(self.days.iter().map(|d| d.format("%Y-%m-%d").to_string()));
        header.push(CSV_TOTAL.to_string());
        header.push(CSV_RATE.to_string());
        lines.push(header);
        let rate = |n: usize| {
            if self.days.is_empty() {
                String::new()
            } else {
                percent(n as f64 / self.days.len() as f64)
            }
        };
        for row in &self.rows {
            let mut line = vec![row.name.clone(), row.user_id.to_string()];
            line.extend(row.marks.iter().map(|m| {
                if *m {
                    CSV_DONE.to_string()
                } else {
                    String::new()
                }
            }));
            line.push(row.total().to_string());
            line.push(rate(row.total()));
            lines.push(line);
        }
        let mut totals = vec![CSV_TOTAL.to_string(), String::new()];
        totals.extend(
            (0..self.days.len())
                .map(|i| self.rows.iter().filter(|r| r.marks[i]).count().to_string()),
        );
        let summary = self.summary();
        totals.push(summary.checkins.to_string());
        totals.push(summary.rate().map(percent).unwrap_or_default());
        lines.push(totals);
        csv(&lines)
    }
}

/// One group's line of `/report all`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    pub chat_id: i64,
    pub title: String,
    pub summary: Summary,
}

/// `/report all` as CSV: one line per group.
pub fn overview_csv(rows: &[GroupRow]) -> Vec<u8> {
    let mut lines = vec![
        [
            CSV_GROUP,
            CSV_CHAT_ID,
            CSV_DAYS,
            CSV_MEMBERS,
            CSV_STUDIED,
            CSV_CHECKINS,
            CSV_AVERAGE,
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    for r in rows {
        let s = &r.summary;
        lines.push(vec![
            r.title.clone(),
            r.chat_id.to_string(),
            s.days.to_string(),
            s.members.to_string(),
            s.studied.to_string(),
            s.checkins.to_string(),
            s.rate().map(percent).unwrap_or_default(),
        ]);
    }
    csv(&lines)
}

/// RFC 4180 lines (CRLF) after a UTF-8 byte order mark.
fn csv(lines: &[Vec<String>]) -> Vec<u8> {
    let mut out = String::from('\u{feff}');
    for line in lines {
        let cells: Vec<String> = line.iter().map(|c| cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// One CSV cell. Text a spreadsheet would take for a formula (a display name such as
/// `=HYPERLINK(…)`) gets a leading `'`; quotes, commas and line breaks are quoted.
fn cell(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    /// column; a member seen only in November is not in October's report.
    fn october() -> ChatReport {
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
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("普通"), "普通");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-1001"), "-1001", "numbers stay numbers");
        assert_eq!(cell("+x,y"), "\"'+x,y\"");
    }

    #[test]
    fn a_month_without_deliveries() {
        let r = ChatReport::build(
            Month::new(2026, 8).unwrap(),
            &[],
            &[],
            &[member(7, "张三", at(7, 1))],
        );
        let s = r.summary();
        assert_eq!((s.days, s.members, s.checkins), (0, 1, 0));
        assert_eq!(s.rate(), None);
        assert!(s.lowest.is_empty());
        let text = String::from_utf8(r.csv()[3..].to_vec()).unwrap();
        assert_eq!(text, "姓名,用户ID,合计,学习率\r\n张三,7,0,\r\n合计,,0,\r\n");
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
            "群组,群组ID,投递天数,已知成员,已学习成员,学习人次,平均学习率\r\n\"第一支部, 机关\",-5,3,5,3,5,33.3%\r\n"
        );
    }
}
