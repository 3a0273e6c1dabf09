//! What the engine tells bot admins (Simplified Chinese, Telegram HTML).

use chrono::NaiveDate;

use crate::edition::escape;

/// The most failed chats listed in one summary.
const LISTED: usize = 10;

pub fn delivery_failures(failures: &[(i64, String)], deactivated: usize) -> String {
    let mut out = format!(
        "⚠️ <b>投递异常</b>：本次有 {} 个群组未能送达。\n",
        failures.len()
    );
    for (chat, reason) in failures.iter().take(LISTED) {
        out += &format!("· <code>{chat}</code>：{}\n", escape(reason));
    }
    if failures.len() > LISTED {
        out += &format!("……另有 {} 个\n", failures.len() - LISTED);
    }
    if deactivated > 0 {
        out += &format!("另有 {deactivated} 个群组已移除机器人或不存在，订阅已停用。\n");
    }
    out += "详情请发送 /stats 查看。";
    out
}

pub fn no_items(date: NaiveDate) -> String {
    format!("⚠️ {date} 的提醒未发送：内容库中没有任何条目。请用 /add 添加内容。")
}

pub fn calendar_unknown(year: i32) -> String {
    format!(
        "⚠️ 尚未载入 {year} 年的法定节假日安排。在补充之前，将按周一至周五（除元旦、劳动节、国庆节固定假日外）投递。请运维人员在 schedule.calendar 指定的文件中补充该年安排。"
    )
}
