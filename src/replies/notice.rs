//! The texts of notices: the 【通知】 as groups get it, the preview its author confirms,
//! and the answers to `发送` / `取消`.

use crate::edition::escape;
use crate::notice::{CONFIRM_WITHIN, MAX_CHARS, Refused, TextProblem};

/// The notice as every subscription gets it: the header and the text, no sender.
pub fn message(text: &str) -> String {
    format!("<b>【通知】</b>\n{}", escape(text))
}

/// The draft shown to its author, above `发送` / `取消`.
pub fn preview(text: &str, count: usize) -> String {
    format!(
        "以下通知将发送给 <b>{count}</b> 个有效订阅，请在 {} 分钟内确认：\n\n{}",
        CONFIRM_WITHIN.num_minutes(),
        message(text)
    )
}

/// The preview once `发送` was tapped.
pub fn sending(text: &str, count: usize) -> String {
    format!(
        "✅ 通知已确认，正在发送给 <b>{count}</b> 个有效订阅，进度见 /stats。\n\n{}",
        message(text)
    )
}

/// The preview once `取消` was tapped.
pub fn cancelled(text: &str) -> String {
    format!("已取消，以下通知未发送。\n\n{}", message(text))
}

pub fn usage() -> String {
    "用法：/notice 通知文本；或回复一条消息发送 /notice，以该消息的文字为通知。".to_string()
}

pub fn replied_message_has_no_text() -> String {
    "被回复的消息没有文字，无法作为通知。".to_string()
}

pub fn text_problem(problem: TextProblem) -> String {
    match problem {
        TextProblem::Empty => usage(),
        TextProblem::TooLong(n) => format!("通知有 {n} 个字，最多 {MAX_CHARS} 个字。"),
    }
}

pub fn nobody() -> String {
    "目前没有有效订阅，通知无处可发。".to_string()
}

/// The toast after `发送`.
pub fn tap_sending(count: usize) -> String {
    format!("已开始发送：{count} 个订阅")
}

/// The toast after `取消`.
pub fn tap_cancelled() -> String {
    "已取消，通知未发送".to_string()
}

/// The toast of a tap that changed nothing.
pub fn tap_refused(why: Refused) -> String {
    match why {
        Refused::NotAuthor => "只有撰写这条通知的管理员可以发送或取消。".to_string(),
        Refused::Confirmed => "这条通知已确认发送，不会重复发送。".to_string(),
        Refused::Cancelled => "这条通知已取消。".to_string(),
        Refused::Expired => format!(
            "确认已超过 {} 分钟，请重新发送 /notice。",
            CONFIRM_WITHIN.num_minutes()
        ),
        Refused::Unknown => "找不到这条通知，请重新发送 /notice。".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_has_its_header_and_escaped_text_only() {
        let html = message("周五 <b>前</b> 报送 & 汇总");
        assert_eq!(
            html,
            "<b>【通知】</b>\n周五 &lt;b&gt;前&lt;/b&gt; 报送 &amp; 汇总"
        );
        assert!(preview("x", 3).contains("<b>3</b> 个有效订阅"));
        assert!(preview("x", 3).ends_with(&message("x")));
        for why in [
            Refused::NotAuthor,
            Refused::Confirmed,
            Refused::Cancelled,
            Refused::Expired,
            Refused::Unknown,
        ] {
            // Telegram's limit for a toast.
            assert!(tap_refused(why).chars().count() <= 200);
        }
    }
}
