//! 概览 (today's deliveries by kind and state, the 30-day chart) and 订阅 (every
//! subscription, sortable).

use chrono::{NaiveDate, NaiveTime};
use maud::{Markup, html};

use super::super::chart::{self, Day};
use crate::delivery::{Kind, State, Tally};
use crate::replies::{self, web as t};

/// What 概览 shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub today: NaiveDate,
    /// Today's figures by kind.
    pub kinds: Vec<(Kind, Tally)>,
    /// The last 30 days, oldest first.
    pub days: Vec<Day>,
    pub active: usize,
    pub inactive: usize,
    /// The next delivery, as text.
    pub next: Option<String>,
}

pub fn overview(o: &Overview) -> Markup {
    html! {
        h2 { (t::TODAY) " · " (t::day(o.today)) }
        div class="cards" {
            div class="card" { b { (o.active) } (t::SUBSCRIPTIONS_ACTIVE) }
            div class="card" { b { (o.inactive) } (t::SUBSCRIPTIONS_INACTIVE) }
            div class="card" { b { (o.next.as_deref().unwrap_or(t::NONE_NEXT)) } (t::NEXT) }
        }
        @if o.kinds.is_empty() {
            p class="muted" { (t::NOTHING_TODAY) }
        } @else {
            div class="scroll" {
                table id="today" {
                    thead { tr { th { (t::KIND) } th { (t::SENT) } th { (t::PENDING) } th { (t::FAILED) } th { (t::MISSED) } } }
                    tbody {
                        @for (kind, tally) in &o.kinds {
                            tr { th { (replies::kind_name(*kind)) } td { (tally.sent) } td { (tally.pending) } td { (tally.failed) } td { (tally.missed) } }
                        }
                    }
                }
            }
        }
        h2 { (t::CHART_TITLE) }
        (chart::chart(&o.days))
    }
}

/// One row of 订阅.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubRow {
    pub chat_id: i64,
    pub title: String,
    /// Its delivery time, and whether it is its own (not the default).
    pub time: NaiveTime,
    pub time_label: String,
    pub days_label: String,
    pub active: bool,
    pub reason: Option<String>,
    /// The last delivery: its date and state.
    pub last: Option<(NaiveDate, State)>,
}

/// The columns 订阅 sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Title,
    Time,
    Days,
    State,
    Last,
}

impl SortKey {
    const ALL: [SortKey; 5] = [
        SortKey::Title,
        SortKey::Time,
        SortKey::Days,
        SortKey::State,
        SortKey::Last,
    ];

    pub fn parse(s: &str) -> SortKey {
        SortKey::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_default()
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Title => "title",
            SortKey::Time => "time",
            SortKey::Days => "days",
            SortKey::State => "state",
            SortKey::Last => "last",
        }
    }

    fn label(self) -> &'static str {
        match self {
            SortKey::Title => t::TITLE,
            SortKey::Time => t::TIME,
            SortKey::Days => t::DAYS,
            SortKey::State => t::STATE,
            SortKey::Last => t::LAST,
        }
    }
}

/// Sorts by `key` (the most recent delivery first for `Last`, active first for `State`),
/// then by title and chat id.
pub fn sort(rows: &mut [SubRow], key: SortKey) {
    rows.sort_by(|a, b| {
        let by = match key {
            SortKey::Title => std::cmp::Ordering::Equal,
            SortKey::Time => a.time.cmp(&b.time),
            SortKey::Days => a.days_label.cmp(&b.days_label),
            SortKey::State => b.active.cmp(&a.active),
            SortKey::Last => b.last.map(|l| l.0).cmp(&a.last.map(|l| l.0)),
        };
        by.then_with(|| a.title.cmp(&b.title))
            .then(a.chat_id.cmp(&b.chat_id))
    });
}

fn state_name(s: State) -> &'static str {
    match s {
        State::Sent => t::SENT,
        State::Pending => t::PENDING,
        State::Failed => t::FAILED,
        State::Missed => t::MISSED,
    }
}

pub fn subscriptions(rows: &[SubRow], key: SortKey) -> Markup {
    html! {
        h2 { (t::NAV_SUBSCRIPTIONS) " (" (rows.len()) ")" }
        @if rows.is_empty() {
            p class="muted" { (t::NO_SUBSCRIPTIONS) }
        } @else {
            div class="scroll" {
                table id="subscriptions" {
                    thead {
                        tr {
                            @for k in SortKey::ALL {
                                th {
                                    @if k == key { (k.label()) " ▼" }
                                    @else { a href={ "/subscriptions?sort=" (k.as_str()) } { (k.label()) } }
                                }
                            }
                        }
                    }
                    tbody {
                        @for r in rows {
                            tr {
                                td { (r.title) br; span class="muted" { (r.chat_id) } }
                                td { (r.time_label) }
                                td { (r.days_label) }
                                td {
                                    @if r.active { (t::ACTIVE) }
                                    @else { (t::INACTIVE) @if let Some(why) = &r.reason { "：" (why) } }
                                }
                                td {
                                    @match r.last {
                                        Some((date, state)) => { (t::day(date)) " " (state_name(state)) }
                                        None => { (t::NEVER) }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, title: &str, hm: (u32, u32), active: bool, last: Option<u32>) -> SubRow {
        SubRow {
            chat_id: id,
            title: title.into(),
            time: NaiveTime::from_hms_opt(hm.0, hm.1, 0).unwrap(),
            time_label: format!("{:02}:{:02}", hm.0, hm.1),
            days_label: "工作日".into(),
            active,
            reason: (!active).then(|| "机器人被移出群组".into()),
            last: last.map(|d| (NaiveDate::from_ymd_opt(2026, 11, d).unwrap(), State::Sent)),
        }
    }

    fn order(rows: &[SubRow]) -> Vec<i64> {
        rows.iter().map(|r| r.chat_id).collect()
    }

    #[test]
    fn sorts_by_each_column() {
        let mut rows = vec![
            row(1, "乙", (9, 0), true, Some(2)),
            row(2, "甲", (8, 0), false, None),
            row(3, "丙", (7, 30), true, Some(3)),
        ];
        sort(&mut rows, SortKey::Time);
        assert_eq!(order(&rows), [3, 2, 1]);
        sort(&mut rows, SortKey::State);
        assert_eq!(rows[2].chat_id, 2);
        sort(&mut rows, SortKey::Last);
        assert_eq!(order(&rows), [3, 1, 2]);
        assert_eq!(SortKey::parse("nonsense"), SortKey::Title);
        assert_eq!(SortKey::parse("last"), SortKey::Last);
    }

    #[test]
    fn rows_show_state_reason_and_escaped_titles() {
        let mut r = row(5, "<script>x</script>", (8, 0), false, None);
        r.title = "<script>x</script>".into();
        let html = subscriptions(&[r], SortKey::State).into_string();
        assert!(html.contains("&lt;script&gt;"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("已停用：机器人被移出群组"));
        assert!(html.contains("href=\"/subscriptions?sort=time\""));
        assert!(html.contains("状态 ▼"));
    }

    #[test]
    fn overview_lists_kinds_and_draws_the_chart() {
        let o = Overview {
            today: NaiveDate::from_ymd_opt(2026, 11, 3).unwrap(),
            kinds: vec![(
                Kind::Edition,
                Tally {
                    sent: 7,
                    ..Tally::default()
                },
            )],
            days: vec![],
            active: 7,
            inactive: 1,
            next: None,
        };
        let html = overview(&o).into_string();
        assert!(html.contains("每日提醒"));
        assert!(html.contains("<svg"));
        assert!(html.contains("11月3日"));
    }
}
