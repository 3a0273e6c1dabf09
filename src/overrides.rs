//! One-day overrides of the morning message (停发, 附加, 替换), their command and when one may be set.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

/// The longest text an override may carry, in characters.
pub const MAX_OVERRIDE_CHARS: usize = 1000;

/// What an override does to its day's morning message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// 停发: no morning message that day; the rotation does not advance.
    Skip,
    /// 附加: a `重要提示：` section after the four reminders.
    Append,
    /// 替换: the text instead of the four reminders (the 第一议题 line stays); the mirror
    /// categories do not advance.
    Replace,
}

impl Action {
    /// The word typed after the date, as the answers name it.
    pub fn word(self) -> &'static str {
        match self {
            Action::Skip => "停发",
            Action::Append => "附加",
            Action::Replace => "替换",
        }
    }
}

/// An override of one date, as stored and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    pub date: NaiveDate,
    pub action: Action,
    /// Empty for [`Action::Skip`].
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

impl Override {
    /// The override of `date` among `overrides`.
    pub fn on(overrides: &[Override], date: NaiveDate) -> Option<&Override> {
        overrides.iter().find(|o| o.date == date)
    }
}

/// A date as typed: `2026-06-02` (or with `/` or `.`), `6-2` / `6月2日` (the next such
/// date from today on), `今天`, `明天`, `后天`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateArg {
    On(NaiveDate),
    MonthDay(u32, u32),
    DaysAhead(u64),
}

impl DateArg {
    pub fn parse(s: &str) -> Option<DateArg> {
        match s {
            "今天" | "today" => return Some(DateArg::DaysAhead(0)),
            "明天" | "tomorrow" => return Some(DateArg::DaysAhead(1)),
            "后天" => return Some(DateArg::DaysAhead(2)),
            _ => {}
        }
        let s = s.trim_end_matches('日');
        let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
        let num = |p: &str| -> Option<u32> {
            (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        };
        match parts.as_slice() {
            [y, m, d] => {
                let y = i32::try_from(num(y)?).ok()?;
                NaiveDate::from_ymd_opt(y, num(m)?, num(d)?).map(DateArg::On)
            }
            [m, d] => {
                let (m, d) = (num(m)?, num(d)?);
                // Any leap year tells whether the day exists.
                NaiveDate::from_ymd_opt(2024, m, d).map(|_| DateArg::MonthDay(m, d))
            }
            _ => None,
        }
    }

    /// The date meant, seen from `today`.
    pub fn resolve(self, today: NaiveDate) -> Option<NaiveDate> {
        match self {
            DateArg::On(d) => Some(d),
            DateArg::DaysAhead(n) => today.checked_add_days(Days::new(n)),
            DateArg::MonthDay(m, d) => (today.year()..=today.year() + 4)
                .filter_map(|y| NaiveDate::from_ymd_opt(y, m, d))
                .find(|date| *date >= today),
        }
    }
}

/// `/override` with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideCommand {
    /// `/override`: the overrides from today on.
    List,
    /// `/override <日期> 停发|附加 <文本>|替换 <文本>`.
    Set {
        date: DateArg,
        action: Action,
        text: String,
    },
    /// `/override <日期> 取消`.
    Cancel(DateArg),
}

/// What is wrong with `/override`'s arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverrideProblem {
    /// No action word after the date, or an unknown one.
    Usage,
    BadDate(String),
    /// 附加 or 替换 without a text.
    MissingText(Action),
    TooLong(usize),
}

impl OverrideCommand {
    /// Parses the arguments (trimmed); a text keeps its line breaks.
    pub fn parse(args: &str) -> Result<OverrideCommand, OverrideProblem> {
        let args = args.trim();
        if args.is_empty() {
            return Ok(OverrideCommand::List);
        }
        let (word, rest) = match args.split_once(char::is_whitespace) {
            Some((word, rest)) => (word, rest.trim()),
            None => (args, ""),
        };
        let date = DateArg::parse(word).ok_or_else(|| OverrideProblem::BadDate(word.into()))?;
        let words = [
            ("停发", Some(Action::Skip)),
            ("skip", Some(Action::Skip)),
            ("附加", Some(Action::Append)),
            ("append", Some(Action::Append)),
            ("替换", Some(Action::Replace)),
            ("replace", Some(Action::Replace)),
            ("取消", None),
            ("cancel", None),
        ];
        let (action, text) = words
            .iter()
            .find_map(|(w, a)| rest.strip_prefix(w).map(|t| (*a, t.trim())))
            .ok_or(OverrideProblem::Usage)?;
        let Some(action) = action else {
            return match text {
                "" => Ok(OverrideCommand::Cancel(date)),
                _ => Err(OverrideProblem::Usage),
            };
        };
        match action {
            Action::Skip if !text.is_empty() => return Err(OverrideProblem::Usage),
            Action::Append | Action::Replace if text.is_empty() => {
                return Err(OverrideProblem::MissingText(action));
            }
            _ => {}
        }
        let n = text.chars().count();
        if n > MAX_OVERRIDE_CHARS {
            return Err(OverrideProblem::TooLong(n));
        }
        Ok(OverrideCommand::Set {
            date,
            action,
            text: text.to_string(),
        })
    }
}

/// Why an override of a date may not be set or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Late {
    /// The date is before today.
    Past,
    /// Today's morning delivery has begun.
    Started,
}

/// Whether `date` may be overridden: a later date always, today until its first morning
/// delivery is recorded (`started`).
pub fn may_change(date: NaiveDate, today: NaiveDate, started: bool) -> Result<(), Late> {
    if date < today {
        Err(Late::Past)
    } else if date == today && started {
        Err(Late::Started)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn the_command_is_parsed() {
        let set = |date, action, text: &str| {
            Ok(OverrideCommand::Set {
                date,
                action,
                text: text.into(),
            })
        };
        let on = DateArg::On(d("2026-06-02"));
        let cases = [
            ("", Ok(OverrideCommand::List)),
            ("2026-06-02 停发", set(on, Action::Skip, "")),
            ("2026/6/2 skip", set(on, Action::Skip, "")),
            (
                "2026年6月2日 附加 注意<安全>",
                set(on, Action::Append, "注意<安全>"),
            ),
            ("2026-06-02 附加注意", set(on, Action::Append, "注意")),
            (
                "6-2 替换 第一行\n第二行",
                set(DateArg::MonthDay(6, 2), Action::Replace, "第一行\n第二行"),
            ),
            (
                "明天 取消",
                Ok(OverrideCommand::Cancel(DateArg::DaysAhead(1))),
            ),
            ("2026-06-02", Err(OverrideProblem::Usage)),
            ("2026-06-02 删除", Err(OverrideProblem::Usage)),
            ("2026-06-02 停发 多余", Err(OverrideProblem::Usage)),
            ("2026-06-02 取消 多余", Err(OverrideProblem::Usage)),
            (
                "2026-06-02 附加",
                Err(OverrideProblem::MissingText(Action::Append)),
            ),
            (
                "2026-06-02 替换  ",
                Err(OverrideProblem::MissingText(Action::Replace)),
            ),
            (
                "2026-02-30 停发",
                Err(OverrideProblem::BadDate("2026-02-30".into())),
            ),
            ("下周 停发", Err(OverrideProblem::BadDate("下周".into()))),
        ];
        for (args, want) in cases {
            assert_eq!(OverrideCommand::parse(args), want, "{args:?}");
        }
        let long = format!("2026-06-02 附加 {}", "长".repeat(MAX_OVERRIDE_CHARS + 1));
        assert_eq!(
            OverrideCommand::parse(&long),
            Err(OverrideProblem::TooLong(MAX_OVERRIDE_CHARS + 1))
        );
    }

    #[test]
    fn dates_resolve_from_today() {
        let today = d("2026-12-30");
        assert_eq!(DateArg::DaysAhead(2).resolve(today), Some(d("2027-01-01")));
        assert_eq!(
            DateArg::MonthDay(12, 31).resolve(today),
            Some(d("2026-12-31"))
        );
        assert_eq!(
            DateArg::MonthDay(12, 30).resolve(today),
            Some(d("2026-12-30"))
        );
        assert_eq!(
            DateArg::MonthDay(1, 5).resolve(today),
            Some(d("2027-01-05"))
        );
        assert_eq!(
            DateArg::MonthDay(2, 29).resolve(today),
            Some(d("2028-02-29"))
        );
    }

    #[test]
    fn a_past_date_and_today_after_its_first_delivery_are_refused() {
        let today = d("2026-06-01");
        assert_eq!(may_change(d("2026-05-31"), today, false), Err(Late::Past));
        assert_eq!(may_change(today, today, false), Ok(()));
        assert_eq!(may_change(today, today, true), Err(Late::Started));
        assert_eq!(may_change(d("2026-06-02"), today, true), Ok(()));
    }
}
