//! China's official working days (holidays, make-up workdays), day rules and times of day, pure.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::content::{LineError, LineErrors, line_of, toml_error};

/// The shipped holiday data, built into the binary.
pub const BUILT_IN: &str = include_str!("../calendar/cn-holidays.toml");

/// How far [`Calendar::workday_before`] and [`Calendar::workday_after`] look: an operator's
/// file could make every day a holiday.
const SEARCH_DAYS: usize = 366;

/// Which days a subscription is delivered on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum DayRule {
    /// China's official working days, make-up days included.
    #[default]
    Workdays,
    Everyday,
}

impl DayRule {
    pub fn parse(s: &str) -> Option<DayRule> {
        match s.trim() {
            "workdays" | "工作日" => Some(DayRule::Workdays),
            "everyday" | "每天" => Some(DayRule::Everyday),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DayRule::Workdays => "workdays",
            DayRule::Everyday => "everyday",
        }
    }
}

/// Parses "HH:MM" or "HH:MM:SS" (24-hour clock).
pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    let parts: Vec<&str> = s.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
    NaiveTime::from_hms_opt(n[0], n[1], n.get(2).copied().unwrap_or(0))
}

/// Parses a date written `YYYY-MM-DD` (month and day may have one digit), saying which part
/// is wrong when it is not a date: the command line's `--date`.
pub fn parse_date(s: &str) -> Result<NaiveDate, BadDate> {
    let parts: Vec<&str> = s.trim().split('-').collect();
    let digits = |p: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let [y, m, d] = parts.as_slice() else {
        return Err(BadDate::Shape);
    };
    if !digits(y, 4..=4) || !digits(m, 1..=2) || !digits(d, 1..=2) {
        return Err(BadDate::Shape);
    }
    // Four digits and up to two: every part fits.
    let (year, month, day) = (
        y.parse().unwrap_or(0),
        m.parse().unwrap_or(0),
        d.parse().unwrap_or(0),
    );
    if !(1..=12).contains(&month) {
        return Err(BadDate::Month(month));
    }
    let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or(BadDate::Shape)?;
    let days = first
        .checked_add_months(chrono::Months::new(1))
        .map_or(31, |next| (next - first).num_days() as u32);
    NaiveDate::from_ymd_opt(year, month, day).ok_or(BadDate::Day {
        year,
        month,
        day,
        days,
    })
}

/// Why a `YYYY-MM-DD` is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadDate {
    /// Not three parts of 4, 1–2 and 1–2 digits.
    Shape,
    /// The month is not 1 to 12.
    Month(u32),
    /// The month has no such day; it has `days`.
    Day {
        year: i32,
        month: u32,
        day: u32,
        days: u32,
    },
}

impl fmt::Display for BadDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BadDate::Shape => f.write_str("expected a date as YYYY-MM-DD, e.g. 2026-12-01"),
            BadDate::Month(m) => write!(f, "the month is {m}; a month is 1 to 12"),
            BadDate::Day {
                year,
                month,
                day,
                days,
            } => write!(
                f,
                "the day is {day}; {year}-{month:02} has days 1 to {days}"
            ),
        }
    }
}

impl std::error::Error for BadDate {}

impl fmt::Display for DayRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the calendar says of one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Workday,
    Weekend,
    /// An official holiday, with the period's name.
    Holiday(String),
    /// A weekend day that is an official working day (调休上班).
    MakeUpWorkday(String),
}

/// One official holiday period of a known year: consecutive days off under one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub name: String,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// The holiday arrangements of the years that are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeSet<i32>,
    holidays: BTreeMap<NaiveDate, (i32, String)>,
    workdays: BTreeMap<NaiveDate, (i32, String)>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    year: Vec<RawYear>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYear {
    year: Spanned<i32>,
    #[serde(default)]
    holidays: Vec<RawDay>,
    #[serde(default)]
    workdays: Vec<RawDay>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDay {
    date: Spanned<String>,
    name: String,
}

impl Calendar {
    /// The built-in data.
    pub fn built_in() -> Calendar {
        // The built-in file is checked by a unit test; an error here is a build defect.
        Calendar::parse("calendar/cn-holidays.toml", BUILT_IN).unwrap_or_default()
    }

    /// The built-in data with an operator's file on top (each year it contains replaces ours).
    pub fn load(extra: Option<&Path>) -> Result<Calendar, LineErrors> {
        let mut cal = Calendar::built_in();
        if let Some(path) = extra {
            let file = path.display().to_string();
            let src = std::fs::read_to_string(path).map_err(|e| {
                LineErrors(vec![LineError {
                    file: file.clone(),
                    line: 0,
                    reason: e.to_string(),
                }])
            })?;
            cal.overlay(Calendar::parse(&file, &src)?);
        }
        Ok(cal)
    }

    /// Parses a file in the format of `calendar/cn-holidays.toml`. Pure.
    pub fn parse(file: &str, src: &str) -> Result<Calendar, LineErrors> {
        let raw: RawFile =
            toml::from_str(src).map_err(|e| LineErrors(vec![toml_error(file, src, &e)]))?;
        let mut cal = Calendar::default();
        let mut errors = Vec::new();
        for y in raw.year {
            let year = *y.year.get_ref();
            if !cal.years.insert(year) {
                errors.push(LineError {
                    file: file.into(),
                    line: line_of(src, y.year.span().start),
                    reason: format!("year {year} appears twice"),
                });
            }
            for (days, is_holiday) in [(&y.holidays, true), (&y.workdays, false)] {
                for d in days {
                    let line = line_of(src, d.date.span().start);
                    let mut err = |reason: String| {
                        errors.push(LineError {
                            file: file.into(),
                            line,
                            reason,
                        })
                    };
                    let Ok(date) = NaiveDate::parse_from_str(d.date.get_ref(), "%Y-%m-%d") else {
                        err(format!(
                            "bad date {:?} (expected YYYY-MM-DD)",
                            d.date.get_ref()
                        ));
                        continue;
                    };
                    // In i64: a year near i32::MIN overflowed (found by tests/robustness.rs).
                    if (i64::from(date.year()) - i64::from(year)).abs() > 1 {
                        err(format!("{date} is too far from the year {year}"));
                        continue;
                    }
                    let weekend = matches!(date.weekday(), Weekday::Sat | Weekday::Sun);
                    if !is_holiday && !weekend {
                        err(format!("{date} is a make-up workday but not a weekend day"));
                        continue;
                    }
                    let (this, other) = if is_holiday {
                        (&mut cal.holidays, &cal.workdays)
                    } else {
                        (&mut cal.workdays, &cal.holidays)
                    };
                    if other.contains_key(&date) || this.contains_key(&date) {
                        err(format!("{date} is listed twice"));
                        continue;
                    }
                    this.insert(date, (year, d.name.clone()));
                }
            }
        }
        if errors.is_empty() {
            Ok(cal)
        } else {
            Err(LineErrors(errors))
        }
    }

    /// Replaces each year that `other` knows by `other`'s arrangement.
    pub fn overlay(&mut self, other: Calendar) {
        for &y in &other.years {
            self.holidays.retain(|_, (ny, _)| *ny != y);
            self.workdays.retain(|_, (ny, _)| *ny != y);
            self.years.insert(y);
        }
        self.holidays.extend(other.holidays);
        self.workdays.extend(other.workdays);
    }

    /// Whether the arrangement of `year` is known.
    pub fn knows(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// What kind of day `date` is. For an unknown year: Monday–Friday except the fixed solar
    /// statutory holidays (元旦 1-1, 劳动节 5-1 and 5-2, 国庆节 10-1 to 10-3).
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some((_, name)) = self.holidays.get(&date) {
            return DayKind::Holiday(name.clone());
        }
        if let Some((_, name)) = self.workdays.get(&date) {
            return DayKind::MakeUpWorkday(name.clone());
        }
        if !self.knows(date.year()) {
            let fixed = match (date.month(), date.day()) {
                (1, 1) => Some("元旦"),
                (5, 1) | (5, 2) => Some("劳动节"),
                (10, 1..=3) => Some("国庆节"),
                _ => None,
            };
            if let Some(name) = fixed {
                return DayKind::Holiday(name.to_string());
            }
        }
        match date.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Workday,
        }
    }

    pub fn is_workday(&self, date: NaiveDate) -> bool {
        matches!(
            self.day_kind(date),
            DayKind::Workday | DayKind::MakeUpWorkday(_)
        )
    }

    /// Whether a subscription with `rule` is delivered on `date`.
    pub fn is_delivery_day(&self, rule: DayRule, date: NaiveDate) -> bool {
        match rule {
            DayRule::Everyday => true,
            DayRule::Workdays => self.is_workday(date),
        }
    }

    /// The holiday periods of the known years in date order: runs of consecutive days off
    /// that share a name.
    pub fn holidays(&self) -> Vec<Holiday> {
        let mut out: Vec<Holiday> = Vec::new();
        for (&date, (_, name)) in &self.holidays {
            match out.last_mut() {
                Some(h) if h.name == *name && h.last.succ_opt() == Some(date) => h.last = date,
                _ => out.push(Holiday {
                    name: name.clone(),
                    first: date,
                    last: date,
                }),
            }
        }
        out
    }

    /// The names of the holiday periods, each once, in the order they first come.
    pub fn holiday_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for (_, name) in self.holidays.values() {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
        names
    }

    /// The last official working day before `date` (within a year; `None` past that).
    pub fn workday_before(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.first_workday(date, NaiveDate::pred_opt)
    }

    /// The first official working day after `date` (within a year; `None` past that).
    pub fn workday_after(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.first_workday(date, NaiveDate::succ_opt)
    }

    /// The first working day met stepping from `date` (excluded) with `step`.
    fn first_workday(
        &self,
        date: NaiveDate,
        step: fn(&NaiveDate) -> Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        let mut d = date;
        for _ in 0..SEARCH_DAYS {
            d = step(&d)?;
            if self.is_workday(d) {
                return Some(d);
            }
        }
        None
    }

    /// The year whose arrangement is missing and should be announced on `today`: from
    /// December on, next year; any time, this year.
    pub fn missing_year(&self, today: NaiveDate) -> Option<i32> {
        if !self.knows(today.year()) {
            return Some(today.year());
        }
        (today.month() == 12 && !self.knows(today.year() + 1)).then_some(today.year() + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn dates_say_which_part_is_wrong() {
        let ok = NaiveDate::from_ymd_opt(2026, 2, 8).unwrap();
        assert_eq!(parse_date("2026-02-08"), Ok(ok));
        assert_eq!(parse_date(" 2026-2-8 "), Ok(ok));
        let leap = NaiveDate::from_ymd_opt(2028, 2, 29).unwrap();
        assert_eq!(parse_date("2028-02-29"), Ok(leap));
        let cases = [
            ("abc", "expected a date as YYYY-MM-DD, e.g. 2026-12-01"),
            ("", "expected a date as YYYY-MM-DD, e.g. 2026-12-01"),
            (
                "2026/12/01",
                "expected a date as YYYY-MM-DD, e.g. 2026-12-01",
            ),
            ("26-12-01", "expected a date as YYYY-MM-DD, e.g. 2026-12-01"),
            (
                "2026-12-01-1",
                "expected a date as YYYY-MM-DD, e.g. 2026-12-01",
            ),
            (
                "2026-123-01",
                "expected a date as YYYY-MM-DD, e.g. 2026-12-01",
            ),
            (
                "2026-+1-01",
                "expected a date as YYYY-MM-DD, e.g. 2026-12-01",
            ),
            ("2026-13-45", "the month is 13; a month is 1 to 12"),
            ("2026-00-10", "the month is 0; a month is 1 to 12"),
            ("2026-02-30", "the day is 30; 2026-02 has days 1 to 28"),
            ("2028-02-30", "the day is 30; 2028-02 has days 1 to 29"),
            ("2026-04-31", "the day is 31; 2026-04 has days 1 to 30"),
            ("2026-12-32", "the day is 32; 2026-12 has days 1 to 31"),
            ("2026-01-00", "the day is 0; 2026-01 has days 1 to 31"),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_date(text).map_err(|e| e.to_string()),
                Err(want.to_string()),
                "{text:?}"
            );
        }
    }

    #[test]
    fn built_in_data_parses() {
        let cal = Calendar::parse("cn-holidays.toml", BUILT_IN).unwrap();
        assert!(cal.knows(2025) && cal.knows(2026));
        assert_eq!(cal.holidays.len(), 28 + 33);
        assert_eq!(cal.workdays.len(), 5 + 6);
    }

    #[test]
    fn official_days_2026() {
        let cal = Calendar::built_in();
        let table = [
            ("2026-01-01", false), // 元旦, Thursday
            ("2026-01-02", false), // 元旦, Friday
            ("2026-01-04", true),  // 元旦调休, Sunday
            ("2026-02-14", true),  // 春节调休, Saturday
            ("2026-02-16", false), // 春节, Monday
            ("2026-02-24", true),  // Tuesday after 春节
            ("2026-05-09", true),  // 劳动节调休, Saturday
            ("2026-10-07", false), // 国庆节, Wednesday
            ("2026-10-10", true),  // 国庆节调休, Saturday
            ("2026-11-30", true),  // a plain Monday
            ("2026-11-29", false), // a plain Sunday
        ];
        for (date, workday) in table {
            assert_eq!(cal.is_workday(d(date)), workday, "{date}");
        }
        assert_eq!(
            cal.day_kind(d("2026-10-01")),
            DayKind::Holiday("国庆节".into())
        );
        assert!(cal.is_delivery_day(DayRule::Everyday, d("2026-10-01")));
    }

    #[test]
    fn unknown_year_falls_back_to_weekdays_minus_solar_holidays() {
        let cal = Calendar::built_in();
        assert!(!cal.knows(2027));
        assert!(!cal.is_workday(d("2027-01-01"))); // Friday, 元旦
        assert!(cal.is_workday(d("2027-01-04"))); // Monday
        assert!(!cal.is_workday(d("2027-01-02"))); // Saturday
        assert!(!cal.is_workday(d("2027-10-01")));
        assert!(cal.is_workday(d("2027-10-04"))); // Monday, no guessed 国庆 week
    }

    #[test]
    fn missing_year_is_announced_from_december() {
        let cal = Calendar::built_in();
        assert_eq!(cal.missing_year(d("2026-11-30")), None);
        assert_eq!(cal.missing_year(d("2026-12-01")), Some(2027));
        assert_eq!(cal.missing_year(d("2027-03-01")), Some(2027));
    }

    #[test]
    fn operator_file_replaces_a_year() {
        let mut cal = Calendar::built_in();
        let extra = Calendar::parse(
            "extra.toml",
            r#"
[[year]]
year = 2026
holidays = [{ date = "2026-11-30", name = "测试假日" }]
workdays = [{ date = "2026-11-29", name = "测试调休" }]

[[year]]
year = 2027
holidays = [{ date = "2027-01-01", name = "元旦" }]
"#,
        )
        .unwrap();
        cal.overlay(extra);
        assert!(!cal.is_workday(d("2026-11-30")));
        assert!(cal.is_workday(d("2026-11-29")));
        // The rest of the shipped 2026 is replaced, not merged.
        assert!(cal.is_workday(d("2026-10-07")));
        assert!(cal.knows(2027));
        assert_eq!(cal.missing_year(d("2026-12-01")), None);
    }

    #[test]
    fn bad_files_name_the_line() {
        let e = Calendar::parse(
            "x.toml",
            "[[year]]\nyear = 2027\nholidays = [\n { date = \"2027-02-30\", name = \"a\" },\n]\nworkdays = [\n { date = \"2027-03-03\", name = \"b\" },\n]\n",
        )
        .unwrap_err()
        .0;
        assert_eq!(e.len(), 2);
        assert_eq!((e[0].line, e[1].line), (4, 7));
        assert!(e[1].reason.contains("not a weekend"));
        let e = Calendar::parse("x.toml", "[[year]]\nyear = \"x\"\n")
            .unwrap_err()
            .0;
        assert_eq!(e[0].line, 2);
    }

    #[test]
    fn a_year_at_the_end_of_the_integers_is_refused_not_a_panic() {
        for year in [i32::MIN, i32::MAX] {
            let src = format!(
                "[[year]]\nyear = {year}\nholidays = [{{ date = \"2025-01-01\", name = \"元旦\" }}]\n"
            );
            let e = Calendar::parse("x.toml", &src).unwrap_err().0;
            assert!(e[0].reason.contains("too far"), "{}", e[0]);
        }
    }

    #[test]
    fn times_of_day() {
        assert_eq!(parse_time("08:00"), NaiveTime::from_hms_opt(8, 0, 0));
        assert_eq!(parse_time("8:05:09"), NaiveTime::from_hms_opt(8, 5, 9));
        for bad in [
            "25:00",
            "8点",
            "08",
            "08:60",
            "08:00:00:00",
            "",
            ":",
            "-1:00",
            "+8:00",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[test]
    fn holiday_periods_and_the_working_days_around_them() {
        let cal = Calendar::built_in();
        let periods = cal.holidays();
        let find = |name: &str, year: i32| {
            periods
                .iter()
                .find(|h| h.name == name && h.first.year() == year)
                .map(|h| (h.first, h.last))
        };
        assert_eq!(find("春节", 2026), Some((d("2026-02-15"), d("2026-02-23"))));
        assert_eq!(
            find("国庆节、中秋节", 2025),
            Some((d("2025-10-01"), d("2025-10-08")))
        );
        assert_eq!(find("元旦", 2025), Some((d("2025-01-01"), d("2025-01-01"))));
        assert_eq!(periods.len(), 6 + 7);
        let names = cal.holiday_names();
        assert_eq!(names[..3], ["元旦", "春节", "清明节"].map(String::from));
        assert!(names.contains(&"国庆节、中秋节".to_string()) && names.contains(&"中秋节".into()));
        // 2026-02-14, a Saturday, is a make-up working day: the last before 春节.
        assert_eq!(cal.workday_before(d("2026-02-15")), Some(d("2026-02-14")));
        assert_eq!(cal.workday_after(d("2026-02-23")), Some(d("2026-02-24")));
        assert_eq!(cal.workday_after(d("2025-10-08")), Some(d("2025-10-09")));
        // Two years of holidays only: nothing is found, and nothing loops forever.
        let mut all = String::from("[[year]]\nyear = 2030\nholidays = [\n");
        for day in d("2029-06-01").iter_days().take(730) {
            all += &format!("{{ date = \"{day}\", name = \"假\" }},\n");
        }
        let all = Calendar::parse("x.toml", &(all + "]\n")).unwrap();
        assert_eq!(all.workday_before(d("2030-12-31")), None);
    }
}
