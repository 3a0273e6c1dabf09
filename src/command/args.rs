//! The small parsers of a command's arguments: times, categories, page numbers, switches.

use chrono::NaiveTime;

use super::{FIRST_PAGE, Problem};
use crate::calendar::parse_time;
use crate::content::Category;
use crate::report::Month;

pub(super) fn first_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.split_once(char::is_whitespace) {
        Some((word, rest)) => (word, rest.trim()),
        None => (s, ""),
    }
}

/// "HH:MM" or "HH:MM:SS"; a full-width colon (as Chinese input methods type it) is accepted.
pub(super) fn time(s: &str) -> Result<NaiveTime, Problem> {
    parse_time(&s.replace('：', ":")).ok_or_else(|| Problem::BadTime(s.to_string()))
}

pub(super) fn category(s: &str) -> Result<Category, Problem> {
    Category::parse(s).ok_or_else(|| Problem::UnknownCategory(s.to_string()))
}

pub(super) fn page(s: &str) -> Result<usize, Problem> {
    match s.parse::<usize>() {
        Ok(n) if n >= FIRST_PAGE => Ok(n),
        _ => Err(Problem::BadPage(s.to_string())),
    }
}

/// `on` / `off`, or in Chinese.
pub(super) fn switch(s: &str) -> Result<bool, Problem> {
    match s.to_lowercase().as_str() {
        "on" | "开" | "开启" | "打开" => Ok(true),
        "off" | "关" | "关闭" => Ok(false),
        _ => Err(Problem::BadSwitch(s.to_string())),
    }
}

pub(super) fn is_orglife(s: &str) -> bool {
    s.eq_ignore_ascii_case("orglife") || s == "组织生活"
}

pub(super) fn is_all(s: &str) -> bool {
    s.eq_ignore_ascii_case("all") || s == "全部"
}

pub(super) fn month(s: &str) -> Result<Month, Problem> {
    Month::parse(s).ok_or_else(|| Problem::BadMonth(s.to_string()))
}

/// "12", "#12" or "＃12".
pub(super) fn item_id(s: &str) -> Result<u64, Problem> {
    let digits = s.trim_start_matches(['#', '＃']);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Problem::BadId(s.to_string()));
    }
    digits.parse().map_err(|_| Problem::BadId(s.to_string()))
}
