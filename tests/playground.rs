//! `mingjing playground` (SPEC §15) through its web chat's JSON API, the way the page uses
//! it: the world is set up through the Bot API, members speak and tap, 快进 brings the next
//! scheduled message, documents download, and the data stays only with `--data`. (The
//! page itself, in a browser: tests/browser.rs.)

mod common;

use std::time::Duration;

use common::playground::Playground;
use common::web::Http;
use serde_json::{Value, json};

const GROUP: i64 = -1_001_000_000_001;
const YOU: i64 = 10_001;
const ZHANG: i64 = 10_002;

/// The state once `ready` holds for it (the page's long poll, followed).
async fn state_until(http: &Http, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut version: Option<u64> = None;
    loop {
        let path = match version {
            Some(v) => format!("/api/state?v={v}"),
            None => "/api/state".to_string(),
        };
        let answer = http.get(&path, None).await;
        assert_eq!(answer.status, 200, "{answer:?}");
        let state: Value = serde_json::from_str(&answer.body).unwrap();
        if ready(&state) {
            return state;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not within 30 s: {what}; the state:\n{state:#}"
        );
        version = state["v"].as_u64();
    }
}

fn messages(state: &Value, chat: i64) -> Vec<Value> {
    state["chats"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == chat)
        .map(|c| c["messages"].as_array().unwrap().clone())
        .unwrap_or_default()
}

fn any_message(state: &Value, chat: i64, text: &str) -> bool {
    messages(state, chat)
        .iter()
        .any(|m| m["html"].as_str().unwrap_or_default().contains(text))
}

/// The status of a request for the page with another site's name in `Host`.
async fn foreign_host_status(port: u16) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request =
        "GET /api/state HTTP/1.1\r\nHost: rebound.example:8080\r\nConnection: close\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn members_speak_tap_and_fast_forward_through_the_bot_api() {
    let dir = tempfile::tempdir().unwrap();
    let mut pg = Playground::start(dir.path(), "2026-12-07T10:00:00+08:00", None);
    let http = pg.http();
    let page = http.get("/", None).await;
    assert!(page.body.contains("明镜 · 体验场"), "{page:?}");
    assert_eq!(foreign_host_status(http.port).await, 403, "DNS rebinding");

    // Set up through the Bot API: the bot greeted, subscribed, 组织生活 on, /start answered.
    let state = state_until(&http, "the greeting", |s| {
        any_message(s, GROUP, "已订阅") && any_message(s, YOU, "/help") && s["next"].is_object()
    })
    .await;
    assert!(any_message(&state, GROUP, "组织生活"));
    assert_eq!(state["next"]["label"], "12月8日 周二 08:00 早间提醒");
    assert_eq!(state["today"], "12月7日 周一");

    // A member's command, answered in the group; bad input is refused and changes nothing.
    let sent = http
        .post_json(
            "/api/send",
            &json!({ "chat": GROUP, "from": ZHANG, "text": "/today" }),
        )
        .await;
    assert_eq!(sent.status, 200, "{sent:?}");
    state_until(&http, "the edition", |s| {
        any_message(s, GROUP, "【纪律明镜·天天照】")
    })
    .await;
    for (body, why) in [
        (
            json!({ "chat": GROUP, "from": 99, "text": "/today" }),
            "没有这位成员",
        ),
        (
            json!({ "chat": YOU, "from": ZHANG, "text": "/today" }),
            "这个对话里没有",
        ),
        (
            json!({ "chat": GROUP, "from": ZHANG, "text": "  " }),
            "为空",
        ),
    ] {
        let refused = http.post_json("/api/send", &body).await;
        assert_eq!(refused.status, 400, "{refused:?}");
        assert!(refused.body.contains(why), "{}", refused.body);
    }

    // A cross-site form cannot 快进 (a JSON request only).
    let form = http.post("/api/forward", None, &[]).await;
    assert_eq!(form.status, 415, "{form:?}");

    // 快进: the clock just before Tuesday 08:00; the morning message comes seconds later.
    let forwarded = http.post_json("/api/forward", &json!({})).await;
    assert_eq!(forwarded.status, 200, "{forwarded:?}");
    let state = state_until(&http, "the morning message", |s| {
        messages(s, GROUP)
            .iter()
            .any(|m| m["buttons"].as_array().is_some_and(|b| !b.is_empty()))
    })
    .await;
    let morning = messages(&state, GROUP)
        .into_iter()
        .find(|m| m["buttons"].as_array().is_some_and(|b| !b.is_empty()))
        .unwrap();
    assert!(
        morning["html"].as_str().unwrap().contains("2026年12月8日"),
        "{morning}"
    );
    assert_eq!(morning["time"], "08:00", "the world's clock moved too");
    assert_eq!(state["today"], "12月8日 周二");
    assert_eq!(state["next"]["label"], "12月9日 周三 08:00 早间提醒");

    // A tap: the bot's answer as the toast, the button's count edited in place.
    let button = &morning["buttons"][0][0];
    let tap =
        json!({ "chat": GROUP, "from": ZHANG, "message": morning["id"], "data": button["data"] });
    let tapped = http.post_json("/api/tap", &tap).await;
    assert_eq!(tapped.status, 200, "{tapped:?}");
    let toast: Value = serde_json::from_str(&tapped.body).unwrap();
    assert!(
        toast["toast"].as_str().unwrap().contains("已记录"),
        "{toast}"
    );
    let state = state_until(&http, "the count", |s| {
        messages(s, GROUP)
            .iter()
            .any(|m| m["id"] == morning["id"] && m["buttons"][0][0]["text"] == "✅ 已学习 · 1")
    })
    .await;
    let edited = messages(&state, GROUP)
        .into_iter()
        .find(|m| m["id"] == morning["id"])
        .unwrap();
    assert_eq!(edited["edited"], true);

    // /report: a document in your private chat, downloadable.
    http.post_json(
        "/api/send",
        &json!({ "chat": GROUP, "from": YOU, "text": "/report" }),
    )
    .await;
    let state = state_until(&http, "the report", |s| {
        messages(s, YOU).iter().any(|m| m["doc"].is_object())
    })
    .await;
    let doc = messages(&state, YOU)
        .into_iter()
        .find_map(|m| m["doc"].as_object().cloned())
        .unwrap();
    let file = http.get(doc["url"].as_str().unwrap(), None).await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains("张三"), "{}", file.body);
    assert_eq!(http.get("/files/nothing", None).await.status, 404);

    pg.stop().await;
    pg.assert_left_nothing(dir.path());
}

#[tokio::test]
async fn with_data_the_subscription_outlives_the_playground_and_the_month_start_comes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("kept");
    // The last day of the year, after its morning message.
    let now = "2026-12-31T10:00:00+08:00";
    let mut pg = Playground::start(dir.path(), now, Some(&data));
    let http = pg.http();
    state_until(&http, "the greeting", |s| {
        any_message(s, GROUP, "已订阅") && any_message(s, GROUP, "已开启")
    })
    .await;
    pg.stop().await;
    assert!(data.join("data").exists(), "the data is kept");

    // Again: the emulator's chats start empty and nobody greets again, but the bot
    // remembers the group, and its next message is the new month's first.
    let mut pg = Playground::start(dir.path(), now, Some(&data));
    let http = pg.http();
    let state = state_until(&http, "the next message", |s| s["next"].is_object()).await;
    assert!(messages(&state, GROUP).is_empty(), "{state:#}");
    let label = state["next"]["label"].as_str().unwrap();
    assert!(label.contains("月初提醒"), "{label}");
    http.post_json("/api/forward", &json!({})).await;
    state_until(&http, "the 月初提醒", |s| {
        any_message(s, GROUP, "【月初提醒】")
    })
    .await;
    pg.stop().await;
    assert!(!dir.path().join("configured-data").exists());
}

#[tokio::test]
async fn a_reply_and_a_file_reach_the_bot_as_on_telegram() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let mut pg = Playground::start(dir.path(), "2026-12-07T10:00:00+08:00", None);
    let http = pg.http();
    state_until(&http, "the greeting", |s| any_message(s, YOU, "/help")).await;

    // In your private chat: a text, then `/add 作风` as a reply to it adds it.
    let text = "体验场回复测试：开短会、讲短话";
    let send = |body: Value| async move { http.post_json("/api/send", &body).await };
    send(json!({ "chat": YOU, "from": YOU, "text": text })).await;
    let state = state_until(&http, "the text", |s| any_message(s, YOU, text)).await;
    let mine = messages(&state, YOU)
        .into_iter()
        .find(|m| m["html"] == text)
        .unwrap();
    let replied =
        send(json!({ "chat": YOU, "from": YOU, "text": "/add 作风", "reply_to": mine["id"] }))
            .await;
    assert_eq!(replied.status, 200, "{replied:?}");
    let state = state_until(&http, "the item added", |s| any_message(s, YOU, "已添加 #")).await;
    let reply = messages(&state, YOU)
        .into_iter()
        .find(|m| m["html"] == "/add 作风")
        .unwrap();
    assert_eq!(reply["reply_to"], mine["id"], "shown as a reply");
    let gone = send(json!({ "chat": YOU, "from": YOU, "text": "x", "reply_to": 999_999 })).await;
    assert_eq!(gone.status, 400, "{gone:?}");

    // A CSV of texts sent as a file: the bot's import preview, with its confirm button.
    let csv = "编号,类别,文本,来源,日期\n,廉政,体验场导入测试：节日期间不收受礼品礼金。,,\n";
    let data = base64::engine::general_purpose::STANDARD.encode(csv);
    let up = json!({ "chat": YOU, "from": YOU, "name": "条目.csv", "data": data });
    let sent = http.post_json("/api/upload", &up).await;
    assert_eq!(sent.status, 200, "{sent:?}");
    let state = state_until(&http, "the preview", |s| any_message(s, YOU, "导入预览")).await;
    let file = messages(&state, YOU)
        .into_iter()
        .find(|m| m["doc"]["name"] == "条目.csv")
        .expect("the file shows in the chat");
    let back = http.get(file["doc"]["url"].as_str().unwrap(), None).await;
    assert_eq!(back.body, csv, "and downloads as it was sent");
    assert!(any_message(&state, YOU, "新增 1 条"));
    let empty = json!({ "chat": YOU, "from": YOU, "name": "x.csv", "data": "" });
    assert_eq!(http.post_json("/api/upload", &empty).await.status, 400);

    pg.stop().await;
    pg.assert_left_nothing(dir.path());
}
