//! `GET /healthz`, `GET /metrics`, and the client `mingjing health` asks `/healthz` with.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;

use crate::bot::App;
use crate::console::health::{self, Facts, LastPush};
use crate::delivery::Kind;
use crate::metrics;

/// How many days back `/healthz` looks for the last morning push.
const PUSH_LOOKBACK_DAYS: u64 = 7;

pub async fn healthz(State(app): State<Arc<App>>) -> Response {
    let since_poll = metrics::global().since_poll();
    let looked = tokio::task::spawn_blocking(move || {
        let database = app
            .store
            .last_edition_date()
            .and_then(|_| app.store.flush())
            .map_err(|e| e.to_string());
        let last_push = last_push(&app, app.today());
        (database, last_push)
    })
    .await;
    let (database, last_push) = looked.unwrap_or_else(|e| (Err(e.to_string()), None));
    let verdict = health::verdict(Facts {
        since_poll,
        database,
        last_push,
    });
    let status = if verdict.healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(verdict)).into_response()
}

/// The latest day (today or before) with morning deliveries, and its figures.
fn last_push(app: &App, today: NaiveDate) -> Option<LastPush> {
    let finished = metrics::global().last_push();
    (0..PUSH_LOOKBACK_DAYS)
        .filter_map(|back| today.checked_sub_days(chrono::Days::new(back)))
        .find_map(|date| {
            let tally = *app.store.tallies_on(date).ok()?.get(&Kind::Edition)?;
            let when = finished
                .filter(|p| crate::schedule::local_date(p.finished_at, app.config.timezone) == date)
                .map(|p| (p.finished_at, p.took));
            Some(LastPush::new(date, tally, when))
        })
}

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let (active, inactive) = app.engine.subscription_counts();
    let text = metrics::global().render(app.engine.queue_depth(), active, inactive);
    ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response()
}

/// Asks the `/healthz` of a web server listening on `listen` (an unspecified address is
/// asked on loopback): the status code and the body.
pub fn ask(listen: SocketAddr) -> anyhow::Result<(u16, String)> {
    let mut addr = listen;
    if addr.ip().is_unspecified() {
        addr.set_ip(match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::LOCALHOST),
        });
    }
    let timeout = Duration::from_secs(5);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .with_context(|| format!("cannot connect to the web server at {addr}"))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .with_context(|| format!("no answer from {addr}"))?;
    let answer = String::from_utf8_lossy(&answer);
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .with_context(|| format!("not an HTTP answer from {addr}"))?;
    Ok((status, body.to_string()))
}
