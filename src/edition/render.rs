//! Rendering: the lines of a message to Telegram HTML within its length limit, and back to
//! the text a member reads.

use chrono::{Datelike, NaiveDate, Weekday};

use super::MAX_MESSAGE_UTF16;
use crate::content::Item;

/// "2026年11月30日 星期一".
pub fn date_line(date: NaiveDate) -> String {
    let weekday = match date.weekday() {
        Weekday::Mon => "一",
        Weekday::Tue => "二",
        Weekday::Wed => "三",
        Weekday::Thu => "四",
        Weekday::Fri => "五",
        Weekday::Sat => "六",
        Weekday::Sun => "日",
    };
    format!(
        "{}年{}月{}日 星期{}",
        date.year(),
        date.month(),
        date.day(),
        weekday
    )
}

/// The label of a 附加 override's section.
pub(super) const NOTICE: &str = "重要提示";

/// One labelled line of a message (an unlabelled one: a 替换 override's text).
pub(super) struct Part {
    label: String,
    text: String,
    source: Option<String>,
    quoted: bool,
}

impl Part {
    pub(super) fn of(item: &Item, label: String, quoted: bool) -> Part {
        Part {
            label,
            text: item.text.clone(),
            source: item.source.clone(),
            quoted,
        }
    }

    pub(super) fn text(label: &str, text: &str) -> Part {
        Part {
            label: label.to_string(),
            text: text.to_string(),
            source: None,
            quoted: false,
        }
    }

    /// The line as a member reads it.
    fn visible(&self) -> String {
        let text = if self.quoted {
            format!("“{}”", self.text)
        } else {
            self.text.clone()
        };
        match &self.source {
            Some(s) => format!("{}：{}——{}", self.label, text, s),
            None if self.label.is_empty() => text,
            None => format!("{}：{}", self.label, text),
        }
    }

    fn html(&self) -> String {
        let visible = self.visible();
        if self.label.is_empty() {
            return escape(&visible);
        }
        let rest = &visible[self.label.len()..];
        format!("<b>{}</b>{}", escape(&self.label), escape(rest))
    }
}

/// Renders a titled message, shortening the longest texts until it fits Telegram's limit.
pub(super) fn render(title: &str, date_line: &str, mut parts: Vec<Part>) -> String {
    let head = format!("【{title}】\n{date_line}\n");
    let visible_len = |parts: &[Part]| -> usize {
        let body: String = parts.iter().map(|p| p.visible() + "\n").collect();
        utf16_len(&head) + 1 + utf16_len(&body)
    };
    loop {
        let len = visible_len(&parts);
        if len <= MAX_MESSAGE_UTF16 {
            break;
        }
        let Some(longest) = parts.iter_mut().max_by_key(|p| utf16_len(&p.text)) else {
            break;
        };
        let keep = utf16_len(&longest.text).saturating_sub(len - MAX_MESSAGE_UTF16 + 1);
        longest.text = truncate_utf16(&longest.text, keep) + "…";
    }
    let mut out = String::new();
    out.push_str(&escape(&head));
    let (study, rest): (Vec<&Part>, Vec<&Part>) = parts.iter().partition(|p| p.label == "第一议题");
    let (notice, mirror): (Vec<&Part>, Vec<&Part>) =
        rest.into_iter().partition(|p| p.label == NOTICE);
    for group in [mirror, notice, study] {
        if group.is_empty() {
            continue;
        }
        out.push('\n');
        for p in group {
            out.push_str(&p.html());
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

/// Escapes text for Telegram HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text of a message as a member reads it: tags removed, entities decoded.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Length as Telegram counts it.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn truncate_utf16(s: &str, max: usize) -> String {
    let mut n = 0;
    s.chars()
        .take_while(|c| {
            n += c.len_utf16();
            n <= max
        })
        .collect()
}
