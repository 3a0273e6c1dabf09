//! `mingjing check`: the reminders and the holiday data validated, the pinned and anchored
//! items of the next twelve months listed, and one summary line at the end.

use std::process::ExitCode;

use chrono::{Months, NaiveDate};

use super::load_library;
use crate::calendar::Calendar;
use crate::clock::Clock;
use crate::config::{Config, ConfigErrors};
use crate::content::{Category, Item, LineError};
use crate::festival::{self, Placement};
use crate::replies;
use crate::schedule;

/// Prints what is wrong (as `file:line: reason`), the fixed items of the next twelve months
/// and warnings; the last line is `ok`, or how many errors there are in which files.
pub(super) fn check(config: &Config, clock: &Clock) -> ExitCode {
    let mut errors: Vec<LineError> = Vec::new();
    let library = match load_library(config) {
        Ok(lib) => {
            for w in &lib.warnings {
                println!("warning: {w}");
            }
            let counts = Category::ALL.map(|c| {
                let n = lib.items.iter().filter(|i| i.category == c).count();
                format!("{c} {n}")
            });
            println!(
                "reminders: {} items ({})",
                lib.items.len(),
                counts.join(", ")
            );
            Some(lib)
        }
        Err(e) => {
            println!("{e}");
            errors.extend(e.0);
            None
        }
    };
    let calendar = match Calendar::load(config.calendar.as_deref()) {
        Ok(cal) => {
            println!("calendar: ok");
            Some(cal)
        }
        Err(e) => {
            println!("{e}");
            errors.extend(e.0);
            None
        }
    };
    let today = schedule::local_date(clock.now(), config.timezone);
    if let (Some(lib), Some(cal)) = (&library, &calendar) {
        fixed_days(&lib.numbered(), cal, today);
    }
    for w in &config.warnings {
        println!("warning: {w}");
    }
    if errors.is_empty() {
        println!("ok");
        ExitCode::SUCCESS
    } else {
        println!("{}", summary(&errors));
        ExitCode::FAILURE
    }
}

/// Lists the pinned and anchored items from `today` for twelve months with the day each
/// appears, and warns, once per year, of each year whose holiday arrangement is unknown.
fn fixed_days(items: &[Item], calendar: &Calendar, today: NaiveDate) {
    let end = today
        .checked_add_months(Months::new(12))
        .and_then(|d| d.pred_opt())
        .unwrap_or(today);
    let mut unknown = festival::unknown_years(calendar, today..=end);
    if let Some(year) = calendar
        .missing_year(today)
        .filter(|y| !unknown.contains(y))
    {
        unknown.push(year);
        unknown.sort_unstable();
    }
    let anchored: Vec<&Item> = items.iter().filter(|i| i.anchor.is_some()).collect();
    for year in unknown {
        let mut warning = format!(
            "warning: the holiday arrangement of {year} is not known; add it with schedule.calendar"
        );
        if !anchored.is_empty() {
            warning += &format!(
                "; until then the {} anchored items do not appear in {year}",
                anchored.len()
            );
        }
        println!("{warning}");
    }
    let placed = festival::placements(items, calendar, today..=end);
    println!(
        "pinned and anchored items from {today} to {end}: {}",
        placed.len()
    );
    for p in &placed {
        println!("{}", line(p, items, calendar));
    }
}

/// `2027-02-05  廉政 integrity-019  春节前`.
fn line(p: &Placement, items: &[Item], calendar: &Calendar) -> String {
    let name = |item: &Item| item.key.clone().unwrap_or_else(|| format!("#{}", item.id));
    let winner = p
        .yielded_to
        .and_then(|id| items.iter().find(|i| i.id == id))
        .map(name);
    let off_work = match p.reason {
        festival::Reason::Pinned { on } => !calendar.is_workday(on),
        festival::Reason::Anchored { .. } => false,
    };
    let why = replies::fixed_day(&p.reason, off_work, winner.as_deref());
    format!("{}  {} {}  {why}", p.date, p.item.category, name(p.item))
}

/// A `check` whose configuration does not load: every problem, then the summary line.
pub fn config_failed(errors: &ConfigErrors) -> ExitCode {
    let lines: Vec<LineError> = errors
        .0
        .iter()
        .map(|e| LineError {
            file: e.file.clone(),
            line: e.line,
            reason: e.to_string(),
        })
        .collect();
    for e in &lines {
        println!("{}", e.reason);
    }
    println!("{}", summary(&lines));
    ExitCode::FAILURE
}

/// `check: 2 errors in reminders/conduct.toml` (the files in the order their errors came).
fn summary(errors: &[LineError]) -> String {
    let mut files: Vec<&str> = Vec::new();
    for e in errors {
        if !files.contains(&e.file.as_str()) {
            files.push(&e.file);
        }
    }
    let noun = if errors.len() == 1 { "error" } else { "errors" };
    format!("check: {} {noun} in {}", errors.len(), files.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(file: &str) -> LineError {
        LineError {
            file: file.into(),
            line: 1,
            reason: "x".into(),
        }
    }

    #[test]
    fn the_summary_counts_errors_and_names_each_file_once() {
        assert_eq!(
            summary(&[error("reminders/conduct.toml")]),
            "check: 1 error in reminders/conduct.toml"
        );
        let errors = [error("b.toml"), error("a.toml"), error("b.toml")];
        assert_eq!(summary(&errors), "check: 3 errors in b.toml, a.toml");
    }
}
