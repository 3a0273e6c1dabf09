//! The 概览 page's chart: deliveries sent, failed and missed per day, as stacked bars in
//! an inline SVG drawn by the server (no script, no image request).

use chrono::NaiveDate;
use maud::{Markup, html};

use crate::delivery::Tally;
use crate::replies::web as t;

/// Bar colours: sent, failed, missed.
const COLOURS: [&str; 3] = ["#2e7d32", "#c62828", "#ef6c00"];
const WIDTH: u32 = 600;
const HEIGHT: u32 = 200;
/// Room under the bars for the date labels.
const AXIS: u32 = 20;

/// One day of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub tally: Tally,
}

/// One drawn bar segment: which series (0 sent, 1 failed, 2 missed), where, how tall.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    pub series: usize,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// The segments of the bars, bottom to top, days left to right; the tallest day's bar
/// fills the height.
pub fn segments(days: &[Day]) -> Vec<Segment> {
    let top = days
        .iter()
        .map(|d| d.tally.sent + d.tally.failed + d.tally.missed)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let slot = f64::from(WIDTH) / days.len().max(1) as f64;
    let plot = f64::from(HEIGHT - AXIS);
    let mut out = Vec::new();
    for (i, d) in days.iter().enumerate() {
        let mut base = plot;
        for (series, n) in [d.tally.sent, d.tally.failed, d.tally.missed]
            .into_iter()
            .enumerate()
        {
            if n == 0 {
                continue;
            }
            let height = n as f64 / top * plot;
            base -= height;
            out.push(Segment {
                series,
                x: i as f64 * slot + slot * 0.15,
                y: base,
                width: slot * 0.7,
                height,
            });
        }
    }
    out
}

/// The chart with its legend; each bar has a tooltip with its figures.
pub fn chart(days: &[Day]) -> Markup {
    let slot = f64::from(WIDTH) / days.len().max(1) as f64;
    let names = [t::SENT, t::FAILED, t::MISSED];
    let segments = segments(days);
    html! {
        svg class="chart" viewBox={ "0 0 " (WIDTH) " " (HEIGHT) } role="img" aria-label=(t::CHART_TITLE) xmlns="http://www.w3.org/2000/svg" {
            line x1="0" y1=(HEIGHT - AXIS) x2=(WIDTH) y2=(HEIGHT - AXIS) stroke="#999" stroke-width="1" {}
            @for (i, d) in days.iter().enumerate() {
                g {
                    title { (t::day(d.date)) "：" (t::SENT) " " (d.tally.sent) "，" (t::FAILED) " " (d.tally.failed) "，" (t::MISSED) " " (d.tally.missed) }
                    @for s in segments.iter().filter(|s| (s.x / slot) as usize == i) {
                        rect x=(fmt(s.x)) y=(fmt(s.y)) width=(fmt(s.width)) height=(fmt(s.height)) fill=(COLOURS[s.series]) {}
                    }
                }
                @if i % 5 == 0 || i + 1 == days.len() {
                    @let (x, anchor) = match i {
                        0 => (0.0, "start"),
                        i if i + 1 == days.len() => (f64::from(WIDTH), "end"),
                        i => (i as f64 * slot + slot / 2.0, "middle"),
                    };
                    text x=(fmt(x)) y=(HEIGHT - 5) font-size="11" text-anchor=(anchor) fill="#555" { (t::day(d.date)) }
                }
            }
        }
        p class="legend" {
            @for (i, name) in names.iter().enumerate() {
                span class={ "key k" (i) } { "■" } " " (name) " "
            }
        }
    }
}

fn fmt(v: f64) -> String {
    format!("{v:.1}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(n: u32, sent: usize, failed: usize, missed: usize) -> Day {
        Day {
            date: NaiveDate::from_ymd_opt(2026, 11, n).unwrap(),
            tally: Tally {
                sent,
                failed,
                missed,
                pending: 0,
            },
        }
    }

    #[test]
    fn the_tallest_day_fills_the_plot_and_segments_stack() {
        let days = [day(1, 10, 0, 0), day(2, 4, 1, 0), day(3, 0, 0, 0)];
        let s = segments(&days);
        assert_eq!(s.len(), 3, "{s:?}");
        let plot = f64::from(HEIGHT - AXIS);
        assert!((s[0].height - plot).abs() < 1e-9 && s[0].y.abs() < 1e-9);
        // Day 2: sent at the bottom, failed on top of it.
        assert_eq!((s[1].series, s[2].series), (0, 1));
        assert!((s[1].y + s[1].height - plot).abs() < 1e-9);
        assert!((s[2].y + s[2].height - s[1].y).abs() < 1e-9);
        assert!((s[1].height - plot * 0.4).abs() < 1e-9);
    }

    #[test]
    fn an_empty_month_draws_no_bars() {
        assert!(segments(&[day(1, 0, 0, 0)]).is_empty());
        assert!(segments(&[]).is_empty());
    }

    #[test]
    fn the_svg_has_one_tooltip_per_day_and_the_legend() {
        let days: Vec<Day> = (1..=30).map(|n| day(n, n as usize, 1, 0)).collect();
        let svg = chart(&days).into_string();
        assert!(svg.starts_with("<svg"));
        assert_eq!(svg.matches("<title>").count(), 30);
        assert_eq!(svg.matches("<rect").count(), 60);
        assert!(svg.contains("11月30日：已发送 30，失败 1，错过 0"));
        assert!(svg.contains(t::MISSED));
    }
}
