//! The texts of uploading and exporting the library: the dry run, its buttons, the
//! confirmation, `/export`.

use super::bad_text;
use crate::content::Category;
use crate::edition::escape;
use crate::sheet::{DryRun, FileError, MAX_BYTES, MAX_ROWS, RowError, RowProblem};

/// The most errors and duplicates listed (the counts are complete).
const LISTED: usize = 20;

fn problem(p: &RowProblem) -> String {
    match p {
        RowProblem::BadId(s) => format!("编号“{}”不是数字", escape(s)),
        RowProblem::UnknownCategory(s) => format!(
            "没有“{}”这个类别（可用：{}）",
            escape(s),
            Category::all_names()
        ),
        RowProblem::Text(e) => bad_text(e),
        RowProblem::BadDate(s) => format!("日期“{}”应写作 MM-DD 或 YYYY-MM-DD", escape(s)),
        RowProblem::NoSuchItem(id) => format!("没有 #{id} 这一条"),
        RowProblem::CategoryChanged { id, from, to } => {
            format!("#{id} 的类别是{}，不能改为{}", from.name(), to.name())
        }
    }
}

fn error_line(e: &RowError) -> String {
    format!("· 第 {} 行“{}”：{}", e.row, e.column, problem(&e.problem))
}

/// The dry run of an upload, with the question.
pub fn dry_run(file: &str, d: &DryRun) -> String {
    let mut out = format!(
        "<b>导入预览</b>：{}\n新增 {} 条，修改 {} 条，未变 {} 条，重复跳过 {} 条，错误 {} 行。\n",
        escape(file),
        d.new.len(),
        d.updated.len(),
        d.unchanged,
        d.duplicates.len(),
        d.errors.len()
    );
    for (row, id) in d.duplicates.iter().take(LISTED) {
        out += &format!("· 第 {row} 行：与 #{id} 重复\n");
    }
    for e in d.errors.iter().take(LISTED) {
        out += &error_line(e);
        out.push('\n');
    }
    let listed = d.duplicates.len().min(LISTED) + d.errors.len().min(LISTED);
    if d.duplicates.len() + d.errors.len() > listed {
        out += &format!(
            "……另有 {} 处未列出\n",
            d.duplicates.len() + d.errors.len() - listed
        );
    }
    if d.changes() == 0 {
        out += "没有需要导入的内容。";
    } else {
        out += "确认后才会写入，10 分钟内有效；有错误的行不会导入。";
    }
    out
}

pub fn file_error(e: &FileError) -> String {
    match e {
        FileError::TooLarge(n) => format!(
            "文件过大（{} KB），上限为 {} KB。",
            n / 1024,
            MAX_BYTES / 1024
        ),
        FileError::TooManyRows(n) => format!("文件有 {n} 行，上限为 {MAX_ROWS} 行，请分批导入。"),
        FileError::UnknownType(name) => format!(
            "无法识别文件“{}”：请发送 .xlsx、.csv（UTF-8）或 .toml 文件。",
            escape(name)
        ),
        FileError::Unreadable(why) => format!("无法读取文件：{}", escape(why)),
        FileError::MissingColumns(cols) => format!(
            "表头缺少：{}。表头应为：编号、类别、文本、来源、日期（编号、来源、日期可留空）。",
            cols.join("、")
        ),
    }
}

pub fn imported(new: usize, updated: usize) -> String {
    format!("已导入：新增 {new} 条，修改 {updated} 条。发送 /list 查看。")
}

pub fn cancelled() -> String {
    "已取消，未作任何修改。".to_string()
}

pub fn tap_expired() -> String {
    "该预览已过期或已处理，请重新发送文件".to_string()
}

pub fn tap_not_yours() -> String {
    "只有发送文件的管理员可以确认".to_string()
}

pub fn tap_done() -> String {
    "已处理".to_string()
}

pub fn upload_private_only() -> String {
    "请在与机器人的私聊中发送文件。".to_string()
}

pub fn download_failed() -> String {
    "文件下载失败，请稍后重试。".to_string()
}

pub fn export_file_name(date: chrono::NaiveDate) -> String {
    format!("明镜条目-{}.xlsx", date.format("%Y-%m-%d"))
}

pub fn export_caption(count: usize) -> String {
    format!("条目共 {count} 条。修改后可直接发回本机器人导入。")
}
