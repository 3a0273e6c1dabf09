//! What `export` and `preview` print, from an open database: the same answer whether the
//! command line opened the database itself or asked the running bot.

use anyhow::{Context, bail};
use chrono::NaiveDate;

use super::protocol::{Answer, Request};
use crate::calendar::{Calendar, DayKind};
use crate::config::Config;
use crate::edition;
use crate::overrides::Action;
use crate::replies;
use crate::store::Store;

/// What the read-only requests are answered from.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub config: &'a Config,
    pub store: &'a Store,
    pub calendar: &'a Calendar,
    /// Today in `schedule.timezone`.
    pub today: NaiveDate,
}

/// The answer to `request`; an error is what the binary reports as `error: …`.
pub fn answer(request: Request, source: Source<'_>) -> anyhow::Result<Answer> {
    match request {
        Request::Export { with_secrets } => export(source.store, with_secrets),
        Request::Preview(date) => preview(source, date.unwrap_or(source.today)),
    }
}

/// `export`: the whole store as TOML; the robots' webhook URLs and secrets only when asked.
pub fn export(store: &Store, with_secrets: bool) -> anyhow::Result<Answer> {
    let doc = match with_secrets {
        true => store.export_with_secrets()?,
        false => store.export()?,
    };
    let text = doc.to_toml().context("cannot write the export")?;
    Ok(Answer::printed(text))
}

/// The whole store as the TOML document `import` reads.
pub fn export_text(store: &Store) -> anyhow::Result<String> {
    store.export()?.to_toml().context("cannot write the export")
}

/// `preview`: for today or a later date, the edition as members will read it (changing
/// nothing); for an earlier date, the edition stored that day, or an error saying that
/// none was composed (SPEC §5).
pub fn preview(source: Source<'_>, date: NaiveDate) -> anyhow::Result<Answer> {
    let Source {
        config,
        store,
        calendar,
        today,
    } = source;
    if date < today {
        return match store.stored_edition(date)? {
            Some(e) => Ok(Answer::printed(format!("{}\n", edition::plain(&e.html)))),
            None => bail!(
                "no edition was composed for {date}{}",
                why_none(source, date)?
            ),
        };
    }
    let edition = store.forecast(date, today, &edition::Rules::of(config, calendar))?;
    if let Some(o) = store.override_on(date)?
        && o.action == Action::Skip
        && edition.is_empty()
    {
        return Ok(Answer::printed(format!(
            "{}\n",
            replies::overrides::skipped_day(date)
        )));
    }
    let mut answer = Answer::default();
    if !calendar.is_delivery_day(config.days, date) {
        answer.err = format!(
            "note: {date} is not a delivery day ({}); this is what it would be\n",
            calendar_reason(calendar, date)
        )
        .into_bytes();
    }
    if edition.is_empty() {
        bail!("there are no items: nothing would be sent on {date}");
    }
    answer.out = format!("{}\n", edition::plain(&edition.html)).into_bytes();
    Ok(answer)
}

/// Why a past date has no edition, when the day explains it: `" (…)"`, or nothing.
fn why_none(source: Source<'_>, date: NaiveDate) -> anyhow::Result<String> {
    let skipped = source
        .store
        .override_on(date)?
        .is_some_and(|o| o.action == Action::Skip);
    Ok(if skipped {
        " (停发 that day)".into()
    } else if !source.calendar.is_delivery_day(source.config.days, date) {
        format!(
            " (not a delivery day: {})",
            calendar_reason(source.calendar, date)
        )
    } else {
        String::new()
    })
}

fn calendar_reason(calendar: &Calendar, date: NaiveDate) -> String {
    match calendar.day_kind(date) {
        DayKind::Holiday(name) => name,
        _ => "weekend".into(),
    }
}
