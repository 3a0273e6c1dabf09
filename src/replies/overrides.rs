//! The texts of `/override`: the list, the answers with the message as members will read
//! it, the refusals, and `preview`'s line for a 停发 day.

use chrono::NaiveDate;

use crate::edition::{date_line, escape};
use crate::overrides::{Action, Late, MAX_OVERRIDE_CHARS, Override, OverrideProblem};

/// How `/override` is written.
pub const USAGE: &str = "用法：/override 日期 停发 | 附加 文本 | 替换 文本；/override 日期 取消；/override 查看安排。日期如 2026-06-02、6-2、明天。";

/// What a 停发 day brings: nothing in the morning.
fn skip_note() -> &'static str {
    "当天不发送晨间提醒（组织生活和督办提醒照常）。"
}

/// `preview` of a 停发 day.
pub fn skipped_day(date: NaiveDate) -> String {
    format!("{} 停发：{}", date_line(date), skip_note())
}

pub fn problem(p: &OverrideProblem) -> String {
    match p {
        OverrideProblem::Usage => USAGE.to_string(),
        OverrideProblem::BadDate(s) => format!("日期不正确：“{}”。{USAGE}", escape(s)),
        OverrideProblem::MissingText(action) => {
            format!("请在“{}”后写上文本。{USAGE}", action.word())
        }
        OverrideProblem::TooLong(n) => {
            format!("文本有 {n} 个字，最多 {MAX_OVERRIDE_CHARS} 个字。")
        }
    }
}

/// A date that no longer exists (e.g. 2-29 with no leap year near).
pub fn bad_date() -> String {
    format!("日期不正确。{USAGE}")
}

pub fn late(date: NaiveDate, why: Late) -> String {
    match why {
        Late::Past => format!("{} 已经过去，不能再安排。", date_line(date)),
        Late::Started => format!(
            "{} 的晨间提醒已经开始投递，不能再修改当天的安排。",
            date_line(date)
        ),
    }
}

/// The override set, and the morning message of its day as members will read it (`html`
/// is empty on a 停发 day).
pub fn set(o: &Override, html: &str) -> String {
    let head = format!("已安排 {}：{}。", date_line(o.date), o.action.word());
    match o.action {
        Action::Skip => format!("{head}{}", skip_note()),
        _ => format!("{head}成员将看到：\n\n{html}"),
    }
}

/// An override removed; `html`: the day's message as it now stands.
pub fn cancelled(date: NaiveDate, html: &str) -> String {
    format!(
        "已取消 {} 的安排，当天照常发送。成员将看到：\n\n{html}",
        date_line(date)
    )
}

pub fn none_to_cancel(date: NaiveDate) -> String {
    format!("{} 没有安排。", date_line(date))
}

/// The overrides from today on.
pub fn list(overrides: &[Override]) -> String {
    if overrides.is_empty() {
        return format!("今天及以后没有安排。{USAGE}");
    }
    let mut out = String::from("今天及以后的安排：\n");
    for o in overrides {
        let text: String = o.text.chars().take(30).collect();
        let more = if o.text.chars().count() > 30 {
            "…"
        } else {
            ""
        };
        out.push_str(&format!("\n{} {}", date_line(o.date), o.action.word()));
        if !text.is_empty() {
            out.push_str(&format!("：{}{more}", escape(&text)));
        }
    }
    out.push_str("\n\n取消：/override 日期 取消");
    out
}
