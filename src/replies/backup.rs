//! The texts of `/backup`: the whole database sent to a bot admin as a file.

use chrono::NaiveDate;

/// `mingjing-backup-2026-12-01.toml`.
pub fn file_name(date: NaiveDate) -> String {
    format!("mingjing-backup-{}.toml", date.format("%Y-%m-%d"))
}

/// The caption under the file (plain text).
pub fn caption(items: usize, subscriptions: usize) -> String {
    format!(
        "明镜数据备份：条目 {items} 条，订阅 {subscriptions} 个。\n\
         恢复方法：停止机器人，在服务器上运行 mingjing import 备份文件，再启动机器人。"
    )
}

/// The backup is larger than a bot may send.
pub fn too_large(bytes: usize) -> String {
    format!(
        "备份文件有 {:.1} MB，超过 Telegram 允许机器人发送的 50 MB。\n\
         请在服务器上运行 <code>mingjing export &gt; backup.toml</code> 备份。",
        bytes as f64 / (1024.0 * 1024.0)
    )
}
