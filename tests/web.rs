//! The web side (SPEC §14) end to end: the real binary with `[web]` on, asked over HTTP.
//! Health and metrics; the console's forms; and the refusals: an expired link, a reused
//! link, a forged cookie, a form without its token, a non-admin's `/web`.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::web::{last_list_page, log_in, login_link, path_of, start_with_web};
use common::*;
use fakeapi::{ChatSpec, UserSpec};

/// Parses the metrics text: every line is a comment or `name{labels} value`; the samples
/// by `name{labels}`.
fn samples(text: &str) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (key, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        let value: f64 = value
            .parse()
            .unwrap_or_else(|_| panic!("bad value in {line:?}"));
        let name_end = key.find('{').unwrap_or(key.len());
        let name = &key[..name_end];
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "bad name in {line:?}"
        );
        if name_end < key.len() {
            assert!(key.ends_with('}'), "bad labels in {line:?}");
        }
        out.insert(key.to_string(), value);
    }
    assert!(text.trim_end().ends_with("# EOF"), "no # EOF:\n{text}");
    out
}

fn run_health(h: &Harness) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .arg("health")
        .arg("--config")
        .arg(&h.config)
        .env_remove("MINGJING_CONFIG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn health_and_metrics_report_the_push() {
    let (mut h, http) = start_with_web().await;
    // A subscribed group and a push, so that the figures have something to count.
    let chat = group();
    let answer = h.ask(&chat, &admin(), "/subscribe").await;
    assert!(answer.contains("订阅"), "{answer}");
    let before = h.fake.sent_to(chat.id).len();
    h.say(&admin_chat(), &admin(), "/pushnow").await;
    let sent = next_to(&h, chat.id, before).await;
    assert!(sent.text.clone().unwrap().contains("【纪律明镜·天天照】"));

    // /healthz: 200, the database open, the push counted.
    let mut health = http.get("/healthz", None).await;
    for _ in 0..100 {
        if health.body.contains("\"sent\":1") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        health = http.get("/healthz", None).await;
    }
    assert_eq!(health.status, 200, "{health:?}");
    let doc: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(doc["status"], "ok");
    assert_eq!(doc["database"], "open");
    assert_eq!(doc["reasons"].as_array().unwrap().len(), 0);
    assert_eq!(doc["last_push"]["sent"], 1, "{doc}");
    assert_eq!(doc["last_push"]["failed"], 0);
    assert_eq!(doc["last_push"]["date"], today().to_string());
    assert!(doc["updates_seconds_ago"].as_u64().unwrap() < 60);

    // `mingjing health` asks it and says so with its exit status.
    let out = run_health(&h);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"status\":\"ok\""));

    // /metrics: parsable, with every family and the push's figures.
    let metrics = http.get("/metrics", None).await;
    assert_eq!(metrics.status, 200);
    assert!(
        metrics
            .header("content-type")
            .unwrap()
            .contains("openmetrics-text")
    );
    let s = samples(&metrics.body);
    let get = |k: &str| {
        *s.get(k)
            .unwrap_or_else(|| panic!("no {k} in\n{}", metrics.body))
    };
    assert_eq!(
        get("mingjing_deliveries_total{kind=\"edition\",outcome=\"sent\"}"),
        1.0
    );
    assert_eq!(get("mingjing_subscriptions{state=\"active\"}"), 1.0);
    assert_eq!(get("mingjing_subscriptions{state=\"inactive\"}"), 0.0);
    assert_eq!(get("mingjing_queue_depth"), 0.0);
    assert!(get("mingjing_last_push_duration_seconds") > 0.0);
    // /subscribe and /pushnow at least.
    assert!(get("mingjing_updates_total") >= 2.0);
    assert_eq!(get("mingjing_rate_limited_total"), 0.0);
    assert_eq!(get("mingjing_retries_total"), 0.0);
    assert_eq!(get("mingjing_checkins_total"), 0.0);
    assert!(get("mingjing_seconds_since_getupdates") < 60.0);

    // A check-in is counted.
    let data = format!("ck:{}", today());
    let toast = h.tap(&member(), &chat, sent.message_id, &data).await;
    assert!(!toast.is_empty());
    let s = samples(&http.get("/metrics", None).await.body);
    assert_eq!(s["mingjing_checkins_total"], 1.0);

    // The server stops with the bot (exit 0 within 10 s is checked by stop()).
    h.stop().await;
    assert!(std::net::TcpStream::connect(("127.0.0.1", http.port)).is_err());
    let out = run_health(&h);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("unhealthy"));
}

#[tokio::test]
async fn health_fails_when_the_web_server_is_off() {
    let h = Harness::start().await;
    let out = run_health(&h);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("[web] listen"));
}

#[tokio::test]
async fn the_console_changes_items_through_the_chat_rules() {
    let (h, http) = start_with_web().await;
    let cookie = log_in(&h, &http).await;
    let page = http.get("/content", Some(&cookie)).await;
    assert_eq!(page.status, 200);
    let csrf = page.csrf();
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains("default-src 'none'"), "{csp}");

    // Add: answered as /add answers; then /list in chat shows it.
    let text = "网页添加的<b>测试</b>条目：严守工作纪律";
    let added = http
        .post(
            "/content",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("category", "纪律"),
                ("text", text),
                ("source", ""),
            ],
        )
        .await;
    assert_eq!(added.status, 200, "{added:?}");
    assert!(added.body.contains("已添加 #"), "{}", added.body);
    assert!(added.body.contains("网页添加的&lt;b&gt;测试&lt;/b&gt;条目"));
    let id = id_in(&added.body[added.body.find("已添加 #").unwrap()..]);
    let list = last_list_page(&h, "纪律").await;
    assert!(list.contains(&format!("#{id}")), "{list}");

    // The same text again: the chat's duplicate rule, nothing stored.
    let again = http
        .post(
            "/content",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("category", "作风"),
                ("text", text),
                ("source", ""),
            ],
        )
        .await;
    assert!(
        again.body.contains(&format!("与 #{id} 重复")),
        "{}",
        again.body
    );
    // A 习语 without a source: the chat's validation.
    let bad = http
        .post(
            "/content",
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("category", "习语"),
                ("text", "没有出处的话"),
                ("source", ""),
            ],
        )
        .await;
    assert!(bad.body.contains("须注明出处"), "{}", bad.body);

    // Edit and delete.
    let edited = http
        .post(
            &format!("/content/{id}"),
            Some(&cookie),
            &[
                ("csrf", &csrf),
                ("text", "网页修改后的条目"),
                ("source", ""),
            ],
        )
        .await;
    assert!(
        edited.body.contains(&format!("已修改 #{id}")),
        "{}",
        edited.body
    );
    let shown = h
        .say(
            &admin_chat(),
            &admin(),
            &format!("/edit {id} 网页修改后的条目"),
        )
        .await;
    assert!(
        shown.contains("重复") || shown.contains("已修改"),
        "{shown}"
    );
    let deleted = http
        .post(
            &format!("/content/{id}/delete"),
            Some(&cookie),
            &[("csrf", &csrf)],
        )
        .await;
    assert!(
        deleted.body.contains(&format!("已删除 #{id}")),
        "{}",
        deleted.body
    );
    let item = http.get(&format!("/content/{id}"), Some(&cookie)).await;
    assert_eq!(item.status, 404);

    // Every page answers with the frame.
    for path in [
        "/",
        "/subscriptions?sort=last",
        "/content?q=纪律",
        "/records",
        "/orglife",
        "/tasks",
    ] {
        let page = http.get(&utf8_path(path), Some(&cookie)).await;
        assert_eq!(page.status, 200, "{path}: {page:?}");
        assert!(page.body.contains("退出登录"), "{path}");
    }

    // Logout ends the session.
    let out = http
        .post("/logout", Some(&cookie), &[("csrf", &csrf)])
        .await;
    assert_eq!(out.status, 200);
    assert!(out.header("set-cookie").unwrap().contains("Max-Age=0"));
    assert_eq!(http.get("/", Some(&cookie)).await.status, 401);
}

/// A path with its query percent-encoded.
fn utf8_path(path: &str) -> String {
    match path.split_once("?q=") {
        Some((p, q)) => format!(
            "{p}?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("q", q)
                .finish()
        ),
        None => path.to_string(),
    }
}

#[tokio::test]
async fn a_link_works_once() {
    let (h, http) = start_with_web().await;
    let link = login_link(&h).await;
    let first = http.get(&path_of(&link), None).await;
    assert_eq!(first.status, 200);
    let cookie = first.session_cookie().unwrap();
    let set = first.header("set-cookie").unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    // Plain http: not Secure (the browser would not send it back).
    assert!(!set.contains("Secure"), "{set}");
    assert_eq!(http.get("/", Some(&cookie)).await.status, 200);

    let second = http.get(&path_of(&link), None).await;
    assert_eq!(second.status, 403, "{second:?}");
    assert!(second.body.contains("无效或已使用过"));
    assert!(second.session_cookie().is_none());
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let (mut h, http) = start_with_web().await;
    let link = login_link(&h).await;
    // Eleven minutes later (the bot restarted with its clock moved on).
    h.stop().await;
    let later = h.now() + chrono::Duration::minutes(11);
    h.jump_to(later);
    h.launch().await;
    http.wait_up(&h).await;
    let answer = http.get(&path_of(&link), None).await;
    assert_eq!(answer.status, 403, "{answer:?}");
    assert!(answer.body.contains("已过期"), "{}", answer.body);
    assert!(answer.session_cookie().is_none());
}

#[tokio::test]
async fn no_session_no_data() {
    let (h, http) = start_with_web().await;
    let cookie = log_in(&h, &http).await;
    let forged = format!("mingjing_session={}", "0123456789abcdef".repeat(4));
    for (path, c) in [
        ("/", None),
        ("/content", Some(forged.as_str())),
        ("/subscriptions", Some("mingjing_session=x")),
    ] {
        let answer = http.get(path, c).await;
        assert_eq!(answer.status, 401, "{path}");
        assert!(
            answer.body.contains("/web"),
            "{path}: the login explanation"
        );
        assert!(!answer.body.contains("退出登录"), "{path}: no console");
        assert!(!answer.body.contains("严守"), "{path}: no items");
    }
    // A POST with a forged cookie changes nothing either.
    let count = |body: &str| body.matches("href=\"/content/").count();
    let before = count(
        &http
            .get("/content?q=%E7%BA%AA%E5%BE%8B", Some(&cookie))
            .await
            .body,
    );
    let answer = http
        .post(
            "/content",
            Some(&forged),
            &[("csrf", "x"), ("category", "纪律"), ("text", "伪造的会话")],
        )
        .await;
    assert_eq!(answer.status, 401);

    // A cross-site form (the session, but not its token): refused, nothing changed.
    for form in [
        vec![("category", "纪律"), ("text", "跨站提交的条目")],
        vec![
            ("csrf", "0000"),
            ("category", "纪律"),
            ("text", "跨站提交的条目"),
        ],
    ] {
        let answer = http.post("/content", Some(&cookie), &form).await;
        assert_eq!(answer.status, 403, "{answer:?}");
    }
    let answer = http.post("/content/1/delete", Some(&cookie), &[]).await;
    assert_eq!(answer.status, 403);
    let answer = http.post("/logout", Some(&cookie), &[]).await;
    assert_eq!(answer.status, 403);
    let after = http
        .get("/content?q=%E7%BA%AA%E5%BE%8B", Some(&cookie))
        .await;
    assert_eq!(count(&after.body), before);
    assert!(!after.body.contains("跨站提交") && !after.body.contains("伪造的会话"));
    assert!(http.get("/content/1", Some(&cookie)).await.status == 200);
}

#[tokio::test]
async fn web_is_for_bot_admins_in_private() {
    let (h, _http) = start_with_web().await;
    let stranger = UserSpec::new(99, "路人");
    let answer = h
        .say(&ChatSpec::private_with(&stranger), &stranger, "/web")
        .await;
    assert!(answer.contains("仅限机器人管理员"), "{answer}");
    assert!(!answer.contains("login"), "{answer}");
    // A bot admin in a group is told to ask privately.
    let answer = h.ask(&group(), &admin(), "/web").await;
    assert!(!answer.contains("login"), "{answer}");
}
