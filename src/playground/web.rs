//! The playground's web chat: one page, and the JSON API it calls. The page asks for the
//! world's state (long polling until something changes), and sends what a member types,
//! taps, or 快进; each becomes a Bot API update in the emulator, as on Telegram.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Datelike, Utc};
use fakeapi::{ChatSpec, FakeApi, Shown, UserSpec};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use super::{GROUP, GROUP_TITLE, MEMBERS, Playground, YOU, YOUR_NAME, kinds_label};
use crate::delivery::Kind;

/// How long a request for the state waits for a change before answering anyway.
const LONG_POLL: Duration = Duration::from_secs(25);
/// How long a tap waits for the bot's answer (its toast).
const TAP_ANSWER: Duration = Duration::from_secs(5);
/// The longest text a member may type (Telegram's limit).
const MAX_TEXT: usize = 4096;
/// The largest file a member may send (the largest a bot may download from Telegram).
const MAX_FILE: usize = 20 * 1024 * 1024;

const PAGE: &str = include_str!("page.html");

type Shared = State<Arc<Playground>>;

/// Serves the web chat until the playground's shutdown.
pub async fn serve(listener: TcpListener, playground: Arc<Playground>) {
    let shutdown = playground.shutdown.clone();
    let router = Router::new()
        .route("/", get(|| async { Html(PAGE) }))
        .route("/api/state", get(state))
        .route("/api/send", post(send))
        .route("/api/tap", post(tap))
        .route(
            "/api/upload",
            // Base64 makes 3 bytes 4.
            post(upload).layer(DefaultBodyLimit::max(MAX_FILE / 3 * 4 + 4096)),
        )
        .route("/api/forward", post(forward))
        .route("/files/{id}", get(file))
        .layer(axum::middleware::from_fn(local_only))
        .with_state(playground);
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await;
    if let Err(e) = served {
        tracing::error!(error = %e, "the playground's web server failed");
    }
}

/// Answers only requests addressed to this machine by name: a web page elsewhere that
/// points its own host name at 127.0.0.1 (DNS rebinding) is refused. (Cross-site posts are
/// refused anyway: every change is a JSON request, which browsers send across sites only
/// after a preflight this server does not grant.)
async fn local_only(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if is_local(host) {
        next.run(request).await
    } else {
        (StatusCode::FORBIDDEN, "只接受本机地址的访问").into_response()
    }
}

/// Whether a `Host` header names this machine: `127.0.0.1`, `localhost` or `[::1]`, with or
/// without a port.
fn is_local(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    matches!(name, "127.0.0.1" | "localhost" | "::1")
}

#[derive(Deserialize)]
struct Since {
    v: Option<u64>,
}

/// The world as the page draws it; with `?v=N`, waits until it differs from version N.
async fn state(State(pg): Shared, Query(since): Query<Since>) -> Response {
    let mut changes = pg.fake.changes();
    let mut moved = pg.clock.moved();
    let version = |c: &tokio::sync::watch::Receiver<u64>, m: &tokio::sync::watch::Receiver<u64>| {
        *c.borrow() + *m.borrow()
    };
    if since.v == Some(version(&changes, &moved)) {
        tokio::select! {
            _ = changes.changed() => {}
            _ = moved.changed() => {}
            () = tokio::time::sleep(LONG_POLL) => {}
            () = pg.shutdown.cancelled() => {}
        }
    }
    let v = version(&changes, &moved);
    let chats = [
        chat_json(&pg, GROUP, GROUP_TITLE, true),
        chat_json(&pg, YOU, &pg.fake.bot_user().first_name, false),
    ];
    let body = json!({
        "v": v,
        "now": pg.clock.now().timestamp_millis(),
        "today": day_label(pg.clock.now(), &pg),
        "next": next_json(&pg, (pg.next_due)()),
        "you": YOU,
        "chats": chats,
    });
    axum::Json(body).into_response()
}

fn chat_json(pg: &Playground, id: i64, title: &str, group: bool) -> Value {
    let mut people = vec![json!({ "id": YOU, "name": format!("{YOUR_NAME}（管理员）") })];
    if group {
        people.extend(
            MEMBERS
                .iter()
                .map(|(id, name)| json!({ "id": id, "name": name })),
        );
    }
    let messages: Vec<Value> = pg
        .fake
        .history(id)
        .iter()
        .map(|m| message_json(pg, m))
        .collect();
    json!({
        "id": id,
        "title": title,
        "group": group,
        "people": people,
        "messages": messages,
    })
}

fn message_json(pg: &Playground, m: &Shown) -> Value {
    let at = DateTime::from_timestamp(m.date, 0).unwrap_or_default();
    let local = at.with_timezone(&pg.timezone);
    let buttons: Vec<Vec<Value>> = m
        .buttons
        .iter()
        .map(|row| {
            row.iter()
                .map(|(text, data)| json!({ "text": text, "data": data }))
                .collect()
        })
        .collect();
    json!({
        "id": m.message_id,
        "from": m.from_id,
        "name": m.from_name,
        "bot": m.from_bot,
        "day": day_label(at, pg),
        "time": local.format("%H:%M").to_string(),
        "edited": m.edited,
        "html": m.html,
        "buttons": buttons,
        "doc": m.document.as_ref().map(|(name, id)| json!({ "name": name, "url": format!("/files/{id}") })),
        "reply_to": m.reply_to,
    })
}

/// `12月7日 周一`.
fn day_label(at: DateTime<Utc>, pg: &Playground) -> String {
    let local = at.with_timezone(&pg.timezone);
    const WEEK: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    let weekday = WEEK[local.weekday().num_days_from_monday() as usize];
    format!("{}月{}日 周{weekday}", local.month(), local.day())
}

/// The next scheduled message (`Engine::next_due`) as the page shows it.
fn next_json(pg: &Playground, next: Option<(DateTime<Utc>, Vec<Kind>)>) -> Value {
    match next {
        Some((at, kinds)) => {
            let local = at.with_timezone(&pg.timezone);
            json!({
                "at": at.timestamp_millis(),
                "label": format!("{} {} {}", day_label(at, pg), local.format("%H:%M"), kinds_label(&kinds)),
            })
        }
        None => Value::Null,
    }
}

/// A member and a chat of the world, checked: you anywhere, the members in the group.
fn who_where(chat: i64, from: i64) -> Result<(ChatSpec, UserSpec), &'static str> {
    let name = if from == YOU {
        Some(YOUR_NAME)
    } else {
        MEMBERS.iter().find(|(id, _)| *id == from).map(|(_, n)| *n)
    };
    let chat = match chat {
        GROUP => ChatSpec::supergroup(GROUP, GROUP_TITLE),
        YOU if from == YOU => ChatSpec::private(YOU),
        _ => return Err("这个对话里没有这位成员。"),
    };
    match name {
        Some(name) => Ok((chat, UserSpec::new(from, name))),
        None => Err("没有这位成员。"),
    }
}

fn refuse(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({ "error": why }))).into_response()
}

#[derive(Deserialize)]
struct Typed {
    chat: i64,
    from: i64,
    text: String,
    /// The message this one replies to (a tap on it in the page).
    #[serde(default)]
    reply_to: Option<i32>,
}

/// A member's message: an update for the bot.
async fn send(State(pg): Shared, axum::Json(typed): axum::Json<Typed>) -> Response {
    let (chat, from) = match who_where(typed.chat, typed.from) {
        Ok(x) => x,
        Err(why) => return refuse(why),
    };
    let text = typed.text.trim();
    if text.is_empty() || text.chars().count() > MAX_TEXT {
        return refuse("消息为空或过长。");
    }
    let update = match typed.reply_to {
        None => FakeApi::text_message(&chat, &from, text),
        Some(id) => match pg.fake.message_json(chat.id, id) {
            Some(replied) => FakeApi::reply_to(&chat, &from, text, &replied),
            None => return refuse("要回复的消息已不存在。"),
        },
    };
    pg.fake.push_update(pg.fake.stamp(update));
    axum::Json(json!({ "ok": true })).into_response()
}

#[derive(Deserialize)]
struct Uploaded {
    chat: i64,
    from: i64,
    name: String,
    /// The file's bytes in base64.
    data: String,
}

/// A member sends a file (e.g. an Excel table of texts to import): a document message.
async fn upload(State(pg): Shared, axum::Json(up): axum::Json<Uploaded>) -> Response {
    use base64::Engine;
    let (chat, from) = match who_where(up.chat, up.from) {
        Ok(x) => x,
        Err(why) => return refuse(why),
    };
    let name = up.name.trim();
    if name.is_empty() || name.chars().count() > 255 {
        return refuse("文件名无效。");
    }
    let bytes = match base64::engine::general_purpose::STANDARD.decode(up.data.as_bytes()) {
        Ok(b) if !b.is_empty() && b.len() <= MAX_FILE => b,
        _ => return refuse("文件为空、过大或无法读取。"),
    };
    let update = pg.fake.document_message(&chat, &from, name, &bytes);
    pg.fake.push_update(pg.fake.stamp(update));
    axum::Json(json!({ "ok": true })).into_response()
}

#[derive(Deserialize)]
struct Tapped {
    chat: i64,
    from: i64,
    message: i32,
    data: String,
}

/// A member taps a button: a callback query for the bot, then its answer as the toast.
async fn tap(State(pg): Shared, axum::Json(tapped): axum::Json<Tapped>) -> Response {
    let (chat, from) = match who_where(tapped.chat, tapped.from) {
        Ok(x) => x,
        Err(why) => return refuse(why),
    };
    let update = pg
        .fake
        .callback_query(&from, tapped.message, &chat, &tapped.data);
    let Some(id) = update["callback_query"]["id"].as_str().map(str::to_owned) else {
        return refuse("按钮无效。");
    };
    let mut changes = pg.fake.changes();
    pg.fake.push_update(update);
    let deadline = tokio::time::Instant::now() + TAP_ANSWER;
    let answer = loop {
        if let Some(answer) = pg.fake.callback_answer(&id) {
            break Some(answer);
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => {}
            _ => break None,
        }
    };
    let (toast, alert) = answer.unwrap_or((None, false));
    axum::Json(json!({ "toast": toast, "alert": alert })).into_response()
}

/// 快进: the clock to just before the next scheduled message. A JSON request (`{}`), like
/// every change.
async fn forward(State(pg): Shared, _: axum::Json<Value>) -> Response {
    match pg.fast_forward() {
        Some(next) => {
            axum::Json(json!({ "ok": true, "next": next_json(&pg, Some(next)) })).into_response()
        }
        None => (
            StatusCode::CONFLICT,
            axum::Json(json!({ "error": "没有待发的定时消息：请先在群里发送 /subscribe 订阅。" })),
        )
            .into_response(),
    }
}

/// A document of the chats (the bot's `/report` CSV or xlsx), as a download.
async fn file(State(pg): Shared, Path(id): Path<String>) -> Response {
    let Some(bytes) = pg.fake.file(&id) else {
        return (StatusCode::NOT_FOUND, "没有这个文件").into_response();
    };
    let name = [GROUP, YOU]
        .iter()
        .flat_map(|&chat| pg.fake.history(chat))
        .filter_map(|m| m.document)
        .find(|(_, file_id)| *file_id == id)
        .map_or_else(|| id.clone(), |(name, _)| name);
    let kind = if name.ends_with(".csv") {
        "text/csv; charset=utf-8"
    } else if name.ends_with(".xlsx") {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    } else {
        "application/octet-stream"
    };
    let disposition = format!("attachment; filename*=UTF-8''{}", percent_encode(&name));
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response()
}

/// RFC 5987's encoding of a file name: unreserved characters as they are, the rest as `%XX`.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_encoded_for_the_download_header() {
        assert_eq!(percent_encode("report-2026-12.csv"), "report-2026-12.csv");
        assert_eq!(percent_encode("记实 1.xlsx"), "%E8%AE%B0%E5%AE%9E%201.xlsx");
    }

    #[test]
    fn only_this_machine_by_name_is_served() {
        for host in [
            "127.0.0.1:8080",
            "localhost:8080",
            "localhost",
            "[::1]:8080",
        ] {
            assert!(is_local(host), "{host}");
        }
        for host in [
            "evil.example:8080",
            "127.0.0.1.evil.example",
            "",
            "[::2]:80",
        ] {
            assert!(!is_local(host), "{host}");
        }
    }

    #[test]
    fn only_the_worlds_people_speak_and_only_you_in_private() {
        assert!(who_where(GROUP, MEMBERS[0].0).is_ok());
        assert!(who_where(YOU, YOU).is_ok());
        assert!(who_where(YOU, MEMBERS[0].0).is_err());
        assert!(who_where(GROUP, 1).is_err());
        assert!(who_where(-5, YOU).is_err());
    }
}
