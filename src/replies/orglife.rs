//! The texts of organisational life: the 月初提醒, the 月末调度, the 记实通报, `/orglife`,
//! `/done`, `/undone` and the item buttons.

use chrono::{Datelike, NaiveDate};

use super::{here, month_label};
use crate::edition::escape;
use crate::orglife::marking::{DateError, FindError};
use crate::orglife::summary::MonthSummary;
use crate::orglife::{Every, Item, Line, Period, Status};
use crate::report::{Month, percent};

/// "6月8日".
fn day(date: NaiveDate) -> String {
    format!("{}月{}日", date.month(), date.day())
}

pub fn every_label(every: Every) -> &'static str {
    match every {
        Every::Month => "每月",
        Every::Quarter => "每季度",
        Every::Year => "每年",
    }
}

/// One line of a checklist: `☐ 支部党员大会（每季度，6月30日前）` or `✅ 主题党日（每月）6月8日 · 主题`.
fn line(l: &Line, month: Month) -> String {
    let rule = match l.item.every {
        Every::Month => every_label(Every::Month).to_string(),
        every => format!("{}，{}前", every_label(every), day(l.period.last())),
    };
    let head = format!("{}（{rule}）", escape(&l.item.name));
    match (l.mark, l.status(month)) {
        (Some(m), _) => {
            let mut out = format!("✅ {head} {}", day(m.date));
            if let Some(topic) = &m.topic {
                out += &format!(" · {}", escape(topic));
            }
            out
        }
        (None, Status::Open) => format!("☐ {head} <b>待完成</b>"),
        (None, _) => format!("☐ {head}"),
    }
}

fn lines(ls: &[Line], month: Month) -> String {
    ls.iter()
        .map(|l| line(l, month))
        .collect::<Vec<_>>()
        .join("\n")
}

const HOW_TO_MARK: &str =
    "开展后，请支部书记或群管理员点击下方对应按钮，或发送 /done 项目 [日期] [主题] 登记。";

/// The 月初提醒 (`【月初提醒】2026年6月组织生活`).
pub fn month_start(month: Month, ls: &[Line]) -> String {
    format!(
        "<b>【月初提醒】{}组织生活</b>\n本月应开展：\n{}\n\n{HOW_TO_MARK}",
        month_label(month),
        lines(ls, month)
    )
}

/// The 月末调度 in the group.
pub fn month_end(month: Month, ls: &[Line]) -> String {
    if ls.is_empty() {
        return format!(
            "<b>【月末调度】{}组织生活</b>\n本期组织生活均已登记完成。",
            month_label(month)
        );
    }
    format!(
        "<b>【月末调度】{}组织生活</b>\n以下事项本期尚未登记完成，请抓紧开展：\n{}\n\n{HOW_TO_MARK}",
        month_label(month),
        lines(ls, month)
    )
}

/// The 月末调度 sent privately to one of the group's admins.
pub fn month_end_private(title: &str, month: Month, ls: &[Line]) -> String {
    format!(
        "<b>【月末调度】{}组织生活 · {}</b>\n以下事项本期尚未登记完成：\n{}\n\n请在群内发送 /done 项目 [日期] [主题] 登记。",
        month_label(month),
        escape(title),
        lines(ls, month)
    )
}

/// `/orglife` in a group that takes the reminders: the month's checklist.
pub fn checklist(month: Month, ls: &[Line]) -> String {
    let done = ls.iter().filter(|l| l.is_done()).count();
    format!(
        "<b>{}组织生活</b>（已完成 {done}/{}）\n{}\n\n登记：/done 项目 [日期] [主题]；撤销：/undone 项目。",
        month_label(month),
        ls.len(),
        lines(ls, month)
    )
}

pub fn orglife_on(private: bool, month: Month, ls: &[Line]) -> String {
    format!(
        "已开启：{}将在每月第一个投递日收到【月初提醒】，月末收到【月末调度】。\n\n{}",
        here(private),
        checklist(month, ls)
    )
}

pub fn orglife_off(private: bool) -> String {
    format!(
        "已关闭：{}不再收到组织生活提醒。已登记的记录会保留，重新开启后仍可查看。",
        here(private)
    )
}

/// `/orglife` in a group that does not take the reminders.
pub fn orglife_not_on(private: bool) -> String {
    format!(
        "{}未开启组织生活提醒。群管理员发送 /orglife on 即可开启。",
        here(private)
    )
}

pub fn orglife_needs_subscription(private: bool) -> String {
    format!(
        "{}尚未订阅每日提醒。请先发送 /subscribe 订阅，再发送 /orglife on 开启组织生活提醒。",
        here(private)
    )
}

pub fn group_only() -> String {
    "组织生活提醒用于支部群组：请在群内发送 /orglife。".to_string()
}

pub fn orglife_disabled() -> String {
    "组织生活功能已在机器人配置中关闭（orglife.enabled）。".to_string()
}

/// `/done` recorded: `已记录：主题党日（6月8日）`.
pub fn marked(item: &str, date: NaiveDate, topic: Option<&str>) -> String {
    let mut out = format!("已记录：{}（{}）", escape(item), day(date));
    if let Some(topic) = topic {
        out += &format!("\n主题：{}", escape(topic));
    }
    out
}

pub fn unmarked(item: &str, period: Period) -> String {
    format!("已撤销：{}（{}）的登记。", escape(item), period.label())
}

pub fn not_marked(item: &str, period: Period) -> String {
    format!("{}（{}）尚未登记，无需撤销。", escape(item), period.label())
}

fn names(items: &[Item]) -> String {
    items
        .iter()
        .map(|i| escape(&i.name))
        .collect::<Vec<_>>()
        .join("、")
}

pub fn find_error(e: &FindError, items: &[Item]) -> String {
    match e {
        FindError::Unknown(q) => format!(
            "没有名为“{}”的组织生活项目。可用项目：{}。",
            escape(q),
            names(items)
        ),
        FindError::Ambiguous(many) => format!(
            "“{}”不止对应一个项目，请写全名称。",
            many.iter()
                .map(|n| escape(n))
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

pub fn done_usage(items: &[Item]) -> String {
    format!(
        "用法：/done 项目 [日期] [主题]，例如 /done 主题党日 6-8 学习党的二十届四中全会精神。\n可用项目：{}。",
        names(items)
    )
}

pub fn undone_usage() -> String {
    "用法：/undone 项目，例如 /undone 主题党日。".to_string()
}

pub fn bad_day(s: &str) -> String {
    format!(
        "日期格式不正确：{}。请写作 6-8、6月8日 或 2026-06-08。",
        escape(s)
    )
}

pub fn date_error(e: &DateError, item: &str) -> String {
    match e {
        DateError::Future => "不能登记未来的日期。".to_string(),
        DateError::Outside { current } => format!(
            "该日期不在{}的当前周期（{}）内，上一周期的通报已生成，无法补登。",
            escape(item),
            current.label()
        ),
    }
}

pub fn done_member_refused() -> String {
    "只有本群管理员可以登记组织生活。".to_string()
}

// ---- item buttons ----

pub fn tap_marked(item: &str) -> String {
    format!("已记录：{item}")
}

pub fn tap_already(item: &str) -> String {
    format!("{item}本期已登记")
}

pub fn tap_not_admin() -> String {
    "只有本群管理员可以登记".to_string()
}

pub fn tap_closed() -> String {
    "该期已结束，请用 /done 补登".to_string()
}

// ---- 记实通报 ----

/// The most groups with open items the caption names (the workbook has all).
const NAMED: usize = 6;
/// Characters of a group's title in the caption.
const TITLE_CHARS: usize = 20;

/// The caption of the 记实通报's workbook (Telegram allows 1,024 characters).
pub fn summary(s: &MonthSummary) -> String {
    let mut out = format!(
        "<b>【组织生活通报】{}</b>\n开启组织生活提醒的群组：{} 个\n",
        month_label(s.month),
        s.groups.len()
    );
    out += &match s.rate() {
        Some(r) => format!("完成率：{}\n", percent(r)),
        None => "完成率：—\n".to_string(),
    };
    let open = s.with_open();
    if open.is_empty() {
        out += "各群组本期应开展事项均已登记完成。\n";
    } else {
        out += &format!("有未完成事项的群组：{} 个\n", open.len());
        for g in open.iter().take(NAMED) {
            let title: String = g.title.chars().take(TITLE_CHARS).collect();
            let items: Vec<String> = g.open().iter().map(|n| escape(n)).collect();
            out += &format!("· {}：{}\n", escape(&title), items.join("、"));
        }
        if open.len() > NAMED {
            out += &format!("……另有 {} 个，见附件\n", open.len() - NAMED);
        }
    }
    let t = s.tasks();
    if t.created + t.open + t.on_time + t.late > 0 {
        out += &super::tasks::month_line(&t);
        out.push('\n');
    }
    out += "明细见附件（汇总、事项、学习记实）。";
    out
}

pub fn summary_file_name(month: Month) -> String {
    format!("组织生活通报-{month}.xlsx")
}

/// `/report orglife` asked in a group, sent privately.
pub fn summary_sent_privately() -> String {
    "组织生活通报已私信发送给您。".to_string()
}

pub fn summary_private_only() -> String {
    "各群组织生活通报仅限机器人管理员在私聊中查看；群管理员请在本群发送 /report orglife。"
        .to_string()
}
