//! The texts of 督办: the task card, the 督办提醒, the 逾期 notice, `/task`, `/tasks`,
//! `/progress` and the card's buttons.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use crate::edition::escape;
use crate::tasks::{MAX_TITLE_CHARS, MonthTasks, Report, Stage, Standing, Task, TitleError};

/// "6月8日".
fn day(date: NaiveDate) -> String {
    format!("{}月{}日", date.month(), date.day())
}

/// "6月8日 09:30" in `tz`.
fn when(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} {}", day(local.date_naive()), local.format("%H:%M"))
}

pub fn stage_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Action => "行动",
        Stage::Progress => "进展",
        Stage::Result => "结果",
    }
}

/// `【督办 #3】` followed by the title.
fn head(task: &Task) -> String {
    format!("【督办 #{}】{}", task.number, escape(&task.title))
}

fn who(r: &Report, tz: Tz) -> String {
    format!("{} {}", escape(&r.by_name), when(r.at, tz))
}

/// The task card, as it stands.
pub fn card(task: &Task, today: NaiveDate, tz: Tz) -> String {
    let mut out = format!("<b>{}</b>", head(task));
    if task.major {
        out += "（重大事项）";
    }
    out += &format!(
        "\n交办：{}（{}）\n",
        day(task.day0),
        escape(&task.created_by_name)
    );
    for stage in Stage::ALL {
        let due = task.due.of_stage(stage);
        let mut line = format!("{}：{}前", stage_name(stage), day(due));
        match task.report_of(stage) {
            Some(r) => line += &format!(" ✅ {}", who(r, tz)),
            None if task.reached(stage) => line += " ✅",
            None if task.is_open() && due < today => line += " <b>逾期</b>",
            None => {}
        }
        out += &line;
        out.push('\n');
    }
    if let Some(p) = task.latest_progress() {
        out += &format!(
            "最新进展：{}（{}）\n",
            escape(p.text.as_deref().unwrap_or_default()),
            who(p, tz)
        );
    }
    out += &match (&task.cancelled, task.standing(today)) {
        (Some(c), _) => format!("状态：已撤销（{}）", who(c, tz)),
        (None, Standing::Finished) => "状态：已办结".to_string(),
        (None, Standing::Overdue(s)) => format!("状态：<b>逾期</b>（{}）", stage_name(s)),
        (None, Standing::Open(s)) => format!("状态：待{}", stage_name(s)),
        (None, Standing::Cancelled) => "状态：已撤销".to_string(),
    };
    out
}

/// One line of a list: `【督办 #3】事项 · 进展 6月4日前` (or `逾期`).
fn list_line(task: &Task, today: NaiveDate) -> String {
    match task.standing(today) {
        Standing::Overdue(s) => format!(
            "· {} · <b>逾期</b>：{}应于{}前完成",
            head(task),
            stage_name(s),
            day(task.due.of_stage(s))
        ),
        _ => match task.next_milestone() {
            Some((s, due)) => format!("· {} · {} {}前", head(task), stage_name(s), day(due)),
            None => format!("· {}", head(task)),
        },
    }
}

/// The 督办提醒 of a day: the tasks chased today, then the overdue ones.
pub fn reminder(today: NaiveDate, chased: &[&Task], overdue: &[&Task]) -> String {
    let mut out = format!("<b>督办提醒</b>（{}）\n", day(today));
    if !chased.is_empty() {
        out += "以下事项节点临近，请抓紧办理，并点击任务卡片上的按钮反馈：\n";
        for t in chased {
            out += &list_line(t, today);
            out.push('\n');
        }
    }
    if !overdue.is_empty() {
        out += "以下事项已逾期：\n";
        for t in overdue {
            out += &list_line(t, today);
            out.push('\n');
        }
    }
    out += "发送 /tasks 查看全部未办结事项。";
    out
}

/// The month's 督办 in one line, for the 通报 and `/report`.
pub fn month_line(t: &MonthTasks) -> String {
    format!(
        "督办：本月新建 {} 项，按期办结 {} 项，逾期办结 {} 项，未办结 {} 项",
        t.created, t.on_time, t.late, t.open
    )
}

/// The private notice of a missed milestone.
pub fn overdue_notice(group: &str, task: &Task, stage: Stage) -> String {
    format!(
        "<b>{}</b>\n群组：{}\n<b>逾期</b>：未在{}前{}。请督促办理。",
        head(task),
        escape(group),
        day(task.due.of_stage(stage)),
        match stage {
            Stage::Action => "报告行动",
            Stage::Progress => "报告进展",
            Stage::Result => "办结",
        }
    )
}

/// A notice of a task that was pruned meanwhile (not expected: open tasks are kept).
pub fn overdue_notice_gone(group: &str, number: u32) -> String {
    format!(
        "<b>【督办 #{number}】</b>\n群组：{}\n<b>逾期</b>：请督促办理。",
        escape(group)
    )
}

/// `/tasks`.
pub fn board(tasks: &[&Task], today: NaiveDate) -> String {
    if tasks.is_empty() {
        return "本群暂无未办结的督办事项。群管理员发送 /task 事项 即可交办。".to_string();
    }
    let mut out = format!("<b>未办结督办事项</b>（{} 项）\n", tasks.len());
    for t in tasks {
        out += &list_line(t, today);
        out.push('\n');
    }
    out += "发送 /task 编号 查看详情。";
    out
}

/// `/task <N>`: the card and the history.
pub fn history(task: &Task, today: NaiveDate, tz: Tz) -> String {
    let mut out = card(task, today, tz);
    if !task.reports.is_empty() {
        out += "\n\n<b>记录</b>\n";
        for r in &task.reports {
            out += &format!("· {} {}", who(r, tz), stage_name(r.stage));
            if let Some(text) = &r.text {
                out += &format!("：{}", escape(text));
            }
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

pub fn title_error(e: &TitleError) -> String {
    match e {
        TitleError::Empty => {
            "请写明督办事项，例如 /task 报送年度工作总结，重大事项写 /task 重大 事项。".to_string()
        }
        TitleError::Digits => "事项不能只有数字。查看某项督办请发送 /task 编号。".to_string(),
        TitleError::TooLong(n) => format!("事项有 {n} 个字，最多 {MAX_TITLE_CHARS} 个字。"),
    }
}

pub fn no_such_task(number: u32) -> String {
    format!("本群没有督办事项 #{number}。发送 /tasks 查看未办结事项。")
}

pub fn cancelled(task: &Task) -> String {
    format!("已撤销：{}。", head(task))
}

pub fn already_closed(task: &Task) -> String {
    if task.cancelled.is_some() {
        format!("{}已撤销。", head(task))
    } else {
        format!("{}已办结。", head(task))
    }
}

pub fn needs_subscription() -> String {
    "本群尚未订阅每日提醒，督办提醒无从发送。请先发送 /subscribe 订阅。".to_string()
}

pub fn group_only() -> String {
    "督办事项在群内交办：请在群里发送 /task 事项。".to_string()
}

pub fn disabled() -> String {
    "督办功能已在机器人配置中关闭（tasks.enabled）。".to_string()
}

pub fn progress_prompt(task: &Task) -> String {
    format!("{} 请直接回复本消息，填写进展情况。", head(task))
}

/// Reads the task number back from a prompt the bot sent ([`progress_prompt`]).
pub fn prompt_number(text: &str) -> Option<u32> {
    let rest = text.strip_prefix("【督办 #")?;
    let (n, rest) = rest.split_once('】')?;
    rest.contains("请直接回复本消息").then(|| n.parse().ok())?
}

pub fn progress_recorded(task: &Task) -> String {
    format!("已记录进展：{}", head(task))
}

pub fn progress_usage() -> String {
    "用法：/progress 编号 进展情况，例如 /progress 3 已完成初稿。".to_string()
}

pub fn empty_progress() -> String {
    "进展内容不能为空。".to_string()
}

// ---- taps ----

pub fn tap_recorded(stage: Stage) -> String {
    format!("已记录：{}", stage_name(stage))
}

pub fn tap_repeated() -> String {
    "已记录过".to_string()
}

pub fn tap_closed() -> String {
    "该督办事项已撤销或办结".to_string()
}

pub fn tap_progress() -> String {
    "请回复机器人发出的提示消息，填写进展".to_string()
}
