//! The console's pages: each gathers its figures from the store and the engine (off the
//! async threads) and hands them to [`crate::console::pages`]. Every page needs a session;
//! every form needs its token. Items change through the chat commands' own code
//! ([`crate::bot::library`]): one set of rules.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::Days;
use serde::Deserialize;

use super::auth::{self, TokenOnly, Visitor};
use super::blocking;
use crate::bot::{App, library};
use crate::console::chart::Day;
use crate::console::pages::content as content_page;
use crate::console::pages::overview::{self, Overview, SortKey, SubRow};
use crate::console::pages::{self, Nav, records};
use crate::edition;
use crate::message::Address;
use crate::replies::{self, web as t};
use crate::report::Month;
use crate::store;

/// Days in the 概览 chart.
const CHART_DAYS: u64 = 30;

/// Runs a page: the visitor's session first, then `work` on the store, then the frame.
async fn page<F>(app: &Arc<App>, headers: &HeaderMap, here: Nav, work: F) -> Response
where
    F: FnOnce(&App, &Visitor) -> store::Result<maud::Markup> + Send + 'static,
{
    answer(app, headers, here, None, work).await
}

/// [`page`] for a form: its token (`csrf`) must be the session's, or nothing is done.
async fn form<F>(app: &Arc<App>, headers: &HeaderMap, csrf: &str, work: F) -> Response
where
    F: FnOnce(&App, &Visitor) -> store::Result<maud::Markup> + Send + 'static,
{
    answer(app, headers, Nav::Content, Some(csrf), work).await
}

async fn answer<F>(
    app: &Arc<App>,
    headers: &HeaderMap,
    here: Nav,
    csrf: Option<&str>,
    work: F,
) -> Response
where
    F: FnOnce(&App, &Visitor) -> store::Result<maud::Markup> + Send + 'static,
{
    let Some(v) = auth::visitor(app, headers).await else {
        return auth::login_needed();
    };
    if csrf.is_some_and(|sent| !v.sent(sent)) {
        tracing::warn!(user = v.user, "console form without its token refused");
        return auth::forbidden();
    }
    let visitor = v.clone();
    match blocking(app, move |app| work(app, &visitor)).await {
        Ok(body) => Html(pages::page(here, &v.csrf, body)).into_response(),
        Err(_) => auth::internal(),
    }
}

pub async fn overview(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    page(&app, &headers, Nav::Overview, |app, _| {
        let stats = app.engine.stats()?;
        let today = app.today();
        let mut days = Vec::new();
        for back in (0..CHART_DAYS).rev() {
            let Some(date) = today.checked_sub_days(Days::new(back)) else {
                continue;
            };
            let tally = app.store.tallies_on(date)?.values().sum();
            days.push(Day { date, tally });
        }
        let o = Overview {
            today,
            kinds: stats.kinds.iter().map(|(k, t)| (*k, *t)).collect(),
            days,
            active: stats.active,
            inactive: stats.inactive,
            next: stats.next.map(|at| {
                let local = at.with_timezone(&app.config.timezone);
                format!("{} {}", t::day(local.date_naive()), local.format("%H:%M"))
            }),
        };
        Ok(overview::overview(&o))
    })
    .await
}

#[derive(Deserialize)]
pub struct SortQuery {
    #[serde(default)]
    sort: String,
}

pub async fn subscriptions(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<SortQuery>,
) -> Response {
    let key = SortKey::parse(&q.sort);
    page(&app, &headers, Nav::Subscriptions, move |app, _| {
        let config = &app.config;
        let mut rows = Vec::new();
        for sub in app.store.subscriptions()? {
            let last = app.store.last_delivery(Address::telegram(sub.chat_id))?;
            rows.push(SubRow {
                chat_id: sub.chat_id,
                title: sub.name(),
                time: sub.time.unwrap_or(config.daily_at),
                time_label: replies::time_label(sub.time, config.daily_at),
                days_label: replies::days_label(sub.days, config.days),
                active: sub.active,
                reason: sub.reason.clone(),
                last: last.map(|d| (d.date, d.state)),
            });
        }
        overview::sort(&mut rows, key);
        Ok(overview::subscriptions(&rows, key))
    })
    .await
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

pub async fn content(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<SearchQuery>,
) -> Response {
    page(&app, &headers, Nav::Content, move |app, v| {
        Ok(content_page::list(&app.store.items()?, &q.q, None, &v.csrf))
    })
    .await
}

/// What the add and edit forms send.
#[derive(Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    source: String,
}

/// The chat command's reply as the page's note: plain text (maud escapes it again).
fn note(reply: &str) -> String {
    edition::plain(reply)
}

/// `POST /content`: `/add`.
pub async fn add(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    axum::Form(f): axum::Form<ItemForm>,
) -> Response {
    let csrf = f.csrf.clone();
    form(&app, &headers, &csrf, move |app, v| {
        let reply = match content_page::category(&f.category) {
            Some(category) => {
                let text = content_page::item_text(&f.text, &f.source);
                library::add(app, v.user, category, &text)?
            }
            None => replies::problem(
                crate::command::CommandName::Add,
                &crate::command::Problem::UnknownCategory(f.category.clone()),
            ),
        };
        let items = app.store.items()?;
        Ok(content_page::list(&items, "", Some(&note(&reply)), &v.csrf))
    })
    .await
}

pub async fn item(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
) -> Response {
    let Some(v) = auth::visitor(&app, &headers).await else {
        return auth::login_needed();
    };
    let csrf = v.csrf.clone();
    match blocking(&app, move |app| app.store.item(id)).await {
        Ok(Some(item)) => {
            let body = content_page::item(&item, None, &csrf);
            Html(pages::page(Nav::Content, &csrf, body)).into_response()
        }
        Ok(None) => not_found_for(&csrf, &replies::no_such_item(id)),
        Err(_) => auth::internal(),
    }
}

fn not_found_for(csrf: &str, text: &str) -> Response {
    let body = pages::message(Some(&note(text)));
    (
        StatusCode::NOT_FOUND,
        Html(pages::page(Nav::Content, csrf, body)),
    )
        .into_response()
}

/// `POST /content/{id}`: `/edit`.
pub async fn edit(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    axum::Form(f): axum::Form<ItemForm>,
) -> Response {
    let csrf = f.csrf.clone();
    form(&app, &headers, &csrf, move |app, v| {
        let text = content_page::item_text(&f.text, &f.source);
        let reply = library::edit(app, v.user, id, &text)?;
        Ok(match app.store.item(id)? {
            Some(item) => content_page::item(&item, Some(&note(&reply)), &v.csrf),
            None => content_page::list(&app.store.items()?, "", Some(&note(&reply)), &v.csrf),
        })
    })
    .await
}

/// `POST /content/{id}/delete`: `/del`.
pub async fn delete(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Path(id): Path<u64>,
    axum::Form(f): axum::Form<TokenOnly>,
) -> Response {
    form(&app, &headers, &f.csrf, move |app, v| {
        let reply = library::delete(app, id)?;
        let items = app.store.items()?;
        Ok(content_page::list(&items, "", Some(&note(&reply)), &v.csrf))
    })
    .await
}

#[derive(Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    month: String,
}

impl MonthQuery {
    fn month(&self, app: &App) -> Month {
        Month::parse(&self.month).unwrap_or_else(|| Month::of(app.today()))
    }
}

/// The groups with an active subscription, by title.
fn groups(app: &App) -> store::Result<Vec<crate::subscription::Subscription>> {
    let mut subs: Vec<_> = app
        .store
        .subscriptions()?
        .into_iter()
        .filter(|s| s.active && s.chat_id < 0)
        .collect();
    subs.sort_by_key(|s| (s.name(), s.chat_id));
    Ok(subs)
}

pub async fn checkins(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Response {
    page(&app, &headers, Nav::Records, move |app, _| {
        let month = q.month(app);
        let mut out = Vec::new();
        for sub in groups(app)? {
            let headcount = app.store.headcount(sub.chat_id)?;
            out.push((
                sub.name(),
                app.store.chat_report(sub.chat_id, month, headcount)?,
            ));
        }
        Ok(records::records(month, &out))
    })
    .await
}

pub async fn orglife(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    Query(q): Query<MonthQuery>,
) -> Response {
    page(&app, &headers, Nav::OrgLife, move |app, _| {
        let month = q.month(app);
        let (items, tz) = (&app.config.orglife.items, app.config.timezone);
        let mut summary = app
            .store
            .month_summary(items, month, None, tz, &|id| app.store.headcount(id))?;
        // Groups listed only for their 督办 figures have no checklist to show.
        summary.groups.retain(|g| !g.lines.is_empty());
        Ok(records::orglife(&summary))
    })
    .await
}

pub async fn tasks(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    page(&app, &headers, Nav::Tasks, move |app, _| {
        let mut out = Vec::new();
        for sub in groups(app)?.into_iter().filter(|s| s.tasks) {
            out.push((sub.name(), app.store.tasks_of(sub.chat_id)?));
        }
        Ok(records::tasks(&out, app.today()))
    })
    .await
}
