//! 记实 (each group's month as a heatmap), 组织生活 (each group's checklist of the month)
//! and 督办 (each group's tasks): read-only views of what the chat commands record.

use chrono::NaiveDate;
use maud::{Markup, html};

use super::super::heatmap::heatmap;
use crate::orglife::Status;
use crate::orglife::summary::MonthSummary;
use crate::replies::orglife::every_label;
use crate::replies::tasks::stage_name;
use crate::replies::web as t;
use crate::report::{ChatReport, Month, percent};
use crate::tasks::{Standing, Task};

/// The months before and after `m`.
pub fn neighbours(m: Month) -> (Month, Month) {
    let before = m.first().pred_opt().map_or(m, Month::of);
    let after = m.last().succ_opt().map_or(m, Month::of);
    (before, after)
}

fn month_nav(path: &str, m: Month) -> Markup {
    let (before, after) = neighbours(m);
    html! {
        p class="months" {
            a href={ (path) "?month=" (before) } { "← " (t::PREV_MONTH) }
            " " strong { (t::month(m)) } " "
            a href={ (path) "?month=" (after) } { (t::NEXT_MONTH) " →" }
        }
    }
}

/// 记实: one heatmap per group (title, the month's report).
pub fn records(month: Month, groups: &[(String, ChatReport)]) -> Markup {
    html! {
        h2 { (t::NAV_RECORDS) }
        (month_nav("/records", month))
        @if groups.is_empty() { p class="muted" { (t::NO_GROUPS) } }
        @for (title, report) in groups { (heatmap(title, report)) }
    }
}

/// 组织生活: each group's checklist of the month with its marks and completion rate.
pub fn orglife(s: &MonthSummary) -> Markup {
    html! {
        h2 { (t::NAV_ORGLIFE) }
        (month_nav("/orglife", s.month))
        @if s.groups.is_empty() { p class="muted" { (t::ORG_NONE) } }
        @for g in &s.groups {
            section class="group" {
                h3 {
                    (g.title) " · " (t::COMPLETION) " "
                    span class="rate" { (g.rate().map_or_else(|| "—".to_string(), percent)) }
                }
                div class="scroll" {
                    table class="orglife" {
                        thead { tr { th { (t::ORG_ITEM) } th { (t::ORG_PERIOD) } th { (t::STATE) } } }
                        tbody {
                            @for l in &g.lines {
                                tr {
                                    td { (l.item) }
                                    td { (every_label(l.every)) " · " (l.period.label()) }
                                    td {
                                        @match (&l.mark, l.status) {
                                            (Some(m), _) => {
                                                "✅ " (t::day(m.date))
                                                @if let Some(topic) = &m.topic { " · " (topic) }
                                            }
                                            (None, Status::Open) => { span class="overdue" { (t::ORG_OPEN) } }
                                            (None, _) => { span class="muted" { (t::ORG_LATER) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn standing(task: &Task, today: NaiveDate) -> Markup {
    html! {
        @match task.standing(today) {
            Standing::Overdue(stage) => span class="overdue" { (t::TASK_OVERDUE) "（" (stage_name(stage)) "）" },
            Standing::Open(stage) => { (t::TASK_NEXT) (stage_name(stage)) },
            Standing::Finished => { (t::TASK_FINISHED) },
            Standing::Cancelled => span class="muted" { (t::TASK_CANCELLED) },
        }
    }
}

/// 督办: each group's tasks, open ones first (overdue first), newest first otherwise.
pub fn tasks(groups: &[(String, Vec<Task>)], today: NaiveDate) -> Markup {
    html! {
        h2 { (t::NAV_TASKS) }
        @if groups.iter().all(|(_, ts)| ts.is_empty()) { p class="muted" { (t::NO_TASKS) } }
        @for (title, list) in groups.iter().filter(|(_, ts)| !ts.is_empty()) {
            section class="group" {
                h3 { (title) }
                div class="scroll" {
                    table class="tasks" {
                        thead {
                            tr {
                                th { (t::TASK_NO) } th { (t::TASK_TITLE) } th { (t::TASK_CREATED) }
                                th { (t::TASK_MILESTONES) } th { (t::TASK_STANDING) } th { (t::TASK_LATEST) }
                            }
                        }
                        tbody {
                            @for task in ordered(list, today) {
                                tr {
                                    td { "#" (task.number) }
                                    td { @if task.major { strong { "【" (t::TASK_MAJOR) "】" } } (task.title) }
                                    td { (t::day(task.day0)) }
                                    td { (t::day(task.due.action)) " / " (t::day(task.due.progress)) " / " (t::day(task.due.result)) }
                                    td { (standing(task, today)) }
                                    td { @if let Some(r) = task.latest_progress() { (r.text.as_deref().unwrap_or("")) } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Open tasks first (by standing: overdue, then by next stage), then the rest, newest
/// first.
pub fn ordered(list: &[Task], today: NaiveDate) -> Vec<&Task> {
    let mut out: Vec<&Task> = list.iter().collect();
    out.sort_by(|a, b| {
        (!a.is_open(), a.standing(today), std::cmp::Reverse(a.number)).cmp(&(
            !b.is_open(),
            b.standing(today),
            std::cmp::Reverse(b.number),
        ))
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_around() {
        let (a, b) = neighbours(Month::new(2026, 1).unwrap());
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2025-12".into(), "2026-02".into())
        );
        let html = records(Month::new(2026, 11).unwrap(), &[]).into_string();
        assert!(html.contains("href=\"/records?month=2026-10\""));
        assert!(html.contains("2026年11月"));
        assert!(html.contains(t::NO_GROUPS));
    }

    #[test]
    fn an_empty_orglife_month_says_so() {
        let s = MonthSummary::new(Month::new(2026, 11).unwrap(), vec![]);
        assert!(orglife(&s).into_string().contains(t::ORG_NONE));
        assert!(
            tasks(&[], NaiveDate::MIN)
                .into_string()
                .contains(t::NO_TASKS)
        );
    }
}
