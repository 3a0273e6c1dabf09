//! The 记实 page's heatmap: one group's month, members × delivery days, a filled cell for
//! each check-in, each member's count and the group's rate.

use chrono::Datelike;
use maud::{Markup, html};

use crate::replies::web as t;
use crate::report::{ChatReport, percent};

/// How dark a member's row total is: 0 (none) to 4 (every day).
pub fn level(count: usize, days: usize) -> usize {
    if days == 0 || count == 0 {
        return 0;
    }
    (count * 4).div_ceil(days).min(4)
}

/// The group's heatmap table and its rate.
pub fn heatmap(title: &str, report: &ChatReport) -> Markup {
    let summary = report.summary();
    let rate = summary.rate().map_or_else(|| "—".to_string(), percent);
    let days = report.days.len();
    html! {
        section class="group" {
            h3 { (title) " · " (t::RATE) " " span class="rate" { (rate) } }
            @if report.days.is_empty() {
                p class="muted" { (t::NO_RECORDS) }
            } @else {
                div class="scroll" {
                    table class="heatmap" {
                        thead {
                            tr {
                                th { (t::MEMBER) }
                                @for d in &report.days { th { (d.day()) } }
                                th { "∑" }
                            }
                        }
                        tbody {
                            @for row in &report.rows {
                                tr {
                                    th { (row.name) }
                                    @for (d, on) in report.days.iter().zip(&row.marks) {
                                        td class=(if *on { "on" } else { "off" }) title={ (t::day(*d)) } {
                                            (if *on { "✓" } else { "" })
                                        }
                                    }
                                    td class={ "total l" (level(row.total(), days)) } { (row.total()) "/" (days) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::report::{Month, Row};

    fn report() -> ChatReport {
        let d = |n| NaiveDate::from_ymd_opt(2026, 11, n).unwrap();
        ChatReport {
            month: Month::new(2026, 11).unwrap(),
            days: vec![d(2), d(3), d(4)],
            rows: vec![
                Row {
                    user_id: 1,
                    name: "<b>张三</b>".into(),
                    marks: vec![true, true, false],
                },
                Row {
                    user_id: 2,
                    name: "李四".into(),
                    marks: vec![false, false, false],
                },
            ],
            headcount: None,
        }
    }

    #[test]
    fn levels_scale_with_the_share_of_days() {
        assert_eq!(level(0, 20), 0);
        assert_eq!(level(1, 20), 1);
        assert_eq!(level(10, 20), 2);
        assert_eq!(level(20, 20), 4);
        assert_eq!(level(3, 0), 0);
    }

    #[test]
    fn one_cell_per_member_and_day_and_names_escaped() {
        let html = heatmap("第一支部", &report()).into_string();
        assert_eq!(html.matches("class=\"on\"").count(), 2);
        assert_eq!(html.matches("class=\"off\"").count(), 4);
        assert!(html.contains("&lt;b&gt;张三&lt;/b&gt;"), "{html}");
        assert!(!html.contains("<b>张三"));
        // 2 check-ins of 3 days × 2 members.
        assert!(html.contains("33.3%"), "{html}");
        assert!(html.contains("2/3"));
    }

    #[test]
    fn a_month_without_deliveries_says_so() {
        let mut r = report();
        r.days.clear();
        let html = heatmap("第一支部", &r).into_string();
        assert!(html.contains(t::NO_RECORDS));
    }
}
