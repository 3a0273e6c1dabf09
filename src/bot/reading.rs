//! `/today` and `/study`: what members read, as a preview (no delivery is recorded).

use super::App;
use crate::edition;
use crate::overrides::Action;
use crate::replies;
use crate::store;

/// Today's edition: composed and fixed now if no delivery or `/today` did it before.
pub fn today(app: &App) -> store::Result<String> {
    let date = app.today();
    let rules = edition::Rules::of(&app.config, &app.calendar);
    let edition = app.store.edition(date, &rules)?;
    let skipped = || -> store::Result<bool> {
        Ok(app.store.override_on(date)?.map(|o| o.action) == Some(Action::Skip))
    };
    Ok(if edition.is_empty() && skipped()? {
        replies::overrides::skipped_day(date)
    } else if edition.is_empty() {
        replies::edition_empty()
    } else {
        edition.html
    })
}

/// Today's 逢会必学 card.
pub fn study(app: &App) -> store::Result<String> {
    let items = app.store.items()?;
    Ok(edition::study_card(&items, app.today()).unwrap_or_else(replies::no_study_items))
}
