//! `/override`: the bot admins' one-day overrides of the morning message, and the answers
//! showing that message as members will read it.

use chrono::NaiveDate;

use super::App;
use crate::edition::Rules;
use crate::overrides::{self, Override, OverrideCommand};
use crate::replies;
use crate::store;

/// Lists, sets or cancels an override.
pub fn command(app: &App, by: i64, command: OverrideCommand) -> store::Result<String> {
    let today = app.today();
    let (date, change) = match command {
        OverrideCommand::List => {
            let mut list = app.store.overrides()?;
            list.retain(|o| o.date >= today);
            return Ok(replies::overrides::list(&list));
        }
        OverrideCommand::Set { date, action, text } => (date, Some((action, text))),
        OverrideCommand::Cancel(date) => (date, None),
    };
    let Some(date) = date.resolve(today) else {
        return Ok(replies::overrides::bad_date());
    };
    // Today's override changes what its first delivery composes: once one is recorded,
    // some groups may have the day's message already.
    let started = date == today && app.store.morning_started(today)?;
    if let Err(late) = overrides::may_change(date, today, started) {
        return Ok(replies::overrides::late(date, late));
    }
    let Some((action, text)) = change else {
        if !app.store.remove_override(date)? {
            return Ok(replies::overrides::none_to_cancel(date));
        }
        tracing::info!(%date, by, "override cancelled");
        return Ok(replies::overrides::cancelled(
            date,
            &morning(app, date, today)?,
        ));
    };
    let o = Override { date, action, text };
    app.store.set_override(&o)?;
    tracing::info!(%date, by, action = action.word(), "override set");
    Ok(replies::overrides::set(&o, &morning(app, date, today)?))
}

/// The morning message of `date` as it stands now (empty on a 停发 day), changing nothing.
fn morning(app: &App, date: NaiveDate, today: NaiveDate) -> store::Result<String> {
    let rules = Rules::of(&app.config, &app.calendar);
    let edition = app.store.forecast(date, today, &rules)?;
    Ok(edition.html)
}
