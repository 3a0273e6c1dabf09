//! The web pages in a real browser, headless Chromium driven over WebDriver (chromedriver):
//! - the console (SPEC §14) logs in by the link `/web` sends, opens every page, adds a text
//!   in 内容, and the text is then in the chat's `/list`;
//! - the playground (SPEC §15), in a phone-sized window: `/today` as a member, 快进 to the
//!   morning message, two members tap ✅ 已学习, the admin's `/report` arrives as a
//!   document that downloads.
//!
//! Screenshots are saved under each test's folder (kept when `MINGJING_SCREENSHOTS` names a
//! folder to copy them to).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them
//! the test says it was skipped and why, unless `CI` is set: then it fails, so that a
//! broken install never passes as a skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::playground::Playground;
use common::web::{Http, free_port, last_list_page, login_link, start_with_web};
use common::*;
use fantoccini::elements::Element;
use fantoccini::error::CmdError;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

/// The first of `names` found on `PATH`.
fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs: Vec<PathBuf> = std::env::split_paths(&path).collect();
    names
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// chromedriver and the browser, or why the test cannot run.
fn browser() -> Result<(PathBuf, PathBuf), String> {
    let driver = find_program(&["chromedriver"])
        .ok_or("chromedriver not found (Debian: apt-get install chromium-driver)")?;
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"])
        .ok_or("chromium not found (Debian: apt-get install chromium)")?;
    Ok((driver, chromium))
}

/// chromedriver, killed when dropped.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_driver(driver: &Path, dir: &Path) -> (Driver, u16) {
    let port = free_port();
    let log = std::fs::File::create(dir.join("chromedriver.log")).unwrap();
    let child = Command::new(driver)
        .arg(format!("--port={port}"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    let up = poll_until(Duration::from_secs(20), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    })
    .await;
    assert!(up, "chromedriver did not listen on {port}");
    (driver, port)
}

async fn connect(port: u16, chromium: &Path, profile: &Path) -> Client {
    // As root Chromium runs only without its sandbox; in a closed network it misbehaves
    // unless its background traffic is off.
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=420,900",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let caps = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    });
    let serde_json::Value::Object(caps) = caps else {
        unreachable!()
    };
    ClientBuilder::new(HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session")
}

async fn screenshot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name}: not a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
}

/// The element `locator` names, waiting for the page that has it to load (a click or a
/// form's submit navigates; looking at once can catch the page before).
async fn find(c: &Client, locator: Locator<'_>) -> Result<Element, CmdError> {
    c.wait()
        .at_most(Duration::from_secs(30))
        .for_element(locator)
        .await
}

/// The visible text of the page's `main`.
async fn main_text(c: &Client) -> String {
    find(c, Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// chromedriver and the browser; `None` (the test is skipped, saying why) when they are
/// missing, unless `CI` is set: then missing them fails the test.
fn browser_or_skip() -> Option<(PathBuf, PathBuf)> {
    match browser() {
        Ok(found) => Some(found),
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI is set and the browser test cannot run: {why}")
        }
        Err(why) => {
            // Straight to stderr: the test harness captures eprintln! of a passing test.
            let line = format!("\nbrowser test skipped: {why}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            None
        }
    }
}

/// Copies the screenshots to `MINGJING_SCREENSHOTS` when it is set.
fn keep_screenshots(shots: &Path) {
    if let Some(keep) = std::env::var_os("MINGJING_SCREENSHOTS") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        for e in std::fs::read_dir(shots).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), keep.join(e.file_name())).unwrap();
        }
    }
}

#[tokio::test]
async fn an_admin_logs_in_opens_every_page_and_adds_a_text() {
    let Some((driver, chromium)) = browser_or_skip() else {
        return;
    };
    let (h, http) = start_with_web().await;
    let shots = h.path().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let (_driver, port) = start_driver(&driver, h.path()).await;
    let c = connect(port, &chromium, &h.path().join("chromium-profile")).await;

    // Without a session: the login explanation, no data.
    c.goto(&http.url("/subscriptions")).await.unwrap();
    assert!(main_text(&c).await.contains("/web"));
    screenshot(&c, &shots, "0-login").await;

    // The link from /web logs in and lands on 概览.
    let link = login_link(&h).await;
    c.goto(&link).await.unwrap();
    c.wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Id("page-overview"))
        .await
        .expect("概览 after the login page");
    assert_eq!(c.current_url().await.unwrap().path(), "/");
    screenshot(&c, &shots, "1-overview").await;

    // Every page, through the navigation bar.
    for (n, (label, id)) in [
        ("订阅", "page-subscriptions"),
        ("记实", "page-records"),
        ("组织生活", "page-orglife"),
        ("督办", "page-tasks"),
        ("内容", "page-content"),
    ]
    .into_iter()
    .enumerate()
    {
        find(&c, Locator::LinkText(label))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        find(&c, Locator::Id(id))
            .await
            .unwrap_or_else(|_| panic!("{label}: no #{id}"));
        screenshot(&c, &shots, &format!("{}-{id}", n + 2)).await;
    }

    // 内容: add a text with the form.
    let text = "浏览器中添加：对照党章党规党纪，时刻检视自身言行";
    find(&c, Locator::Css("details summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    find(&c, Locator::Id("category"))
        .await
        .unwrap()
        .select_by_value("作风")
        .await
        .unwrap();
    find(&c, Locator::Id("text"))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
    find(&c, Locator::Css("form#add button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The form's answer is a new page: wait for it rather than look once.
    let note = find(&c, Locator::Css("p.message"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(note.starts_with("已添加 #"), "{note}");
    let id = id_in(&note);
    screenshot(&c, &shots, "7-added").await;

    // The chat's /list shows it.
    let last = last_list_page(&h, "作风").await;
    assert!(
        last.contains(&format!("#{id}")) && last.contains("对照党章党规党纪"),
        "not in /list:\n{last}"
    );

    c.close().await.unwrap();
    keep_screenshots(&shots);
    let saved = std::fs::read_dir(&shots).unwrap().count();
    assert_eq!(saved, 8, "a screenshot of each page");
}

/// The element `css` names once its text contains `wanted`.
async fn find_text(c: &Client, css: &str, wanted: &str) -> Element {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        for e in c.find_all(Locator::Css(css)).await.unwrap() {
            if e.text().await.is_ok_and(|t| t.contains(wanted)) {
                return e;
            }
        }
        if std::time::Instant::now() > deadline {
            let page = main_text(c).await;
            panic!("no {css} with {wanted:?} within 30 s; the page shows:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Chooses who speaks (their name in the selector) in the open chat.
async fn be(c: &Client, who: &str) {
    find(c, Locator::Id("as"))
        .await
        .unwrap()
        .select_by_label(who)
        .await
        .unwrap();
}

/// Speaks as `who` in the open chat.
async fn say_as(c: &Client, who: &str, text: &str) {
    be(c, who).await;
    let input = find(c, Locator::Id("text")).await.unwrap();
    input.send_keys(text).await.unwrap();
    find(c, Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Taps the check-in button of the morning message as `who`, and waits for the toast.
async fn tap_as(c: &Client, who: &str) -> String {
    be(c, who).await;
    find(c, Locator::Css("button.kb[data-data^='ck:']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let toast = find(c, Locator::Id("toast")).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = toast.text().await.unwrap_or_default();
        if toast.is_displayed().await.unwrap_or(false) && !text.is_empty() {
            // Out of the way of the next tap, as a user would.
            toast.click().await.unwrap();
            return text;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no toast after the tap"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn the_playground_runs_the_bot_in_a_phone_sized_browser() {
    let Some((driver, chromium)) = browser_or_skip() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let shots = dir.path().join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    // A Monday, two hours after the morning message: the next one is Tuesday's.
    let playground = Playground::start(dir.path(), "2026-12-07T10:00:00+08:00", None);
    let (_driver, port) = start_driver(&driver, dir.path()).await;
    let c = connect(port, &chromium, &dir.path().join("chromium-profile")).await;
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&playground.url).await.unwrap();

    // The world: the group, already subscribed through the Bot API.
    find_text(&c, "#messages .msg", "已订阅").await;
    find_text(&c, "#now", "2026").await;
    find_text(&c, "#next", "12月8日 周二 08:00").await;

    // /today as 张三: the edition, as a preview.
    say_as(&c, "张三", "/today").await;
    find_text(&c, "#messages .msg .text", "【纪律明镜·天天照】").await;
    screenshot(&c, &shots, "playground-1-today").await;

    // 快进: the clock just before Tuesday 08:00, and the morning message comes with its
    // check-in button.
    find(&c, Locator::Id("forward"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    find_text(&c, "#now", "12/8").await;
    find_text(&c, "button.kb", "✅ 已学习").await;
    let morning = find(
        &c,
        Locator::XPath("//div[contains(@class,'msg')][.//button[contains(@class,'kb')]]"),
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(
        morning.contains("【纪律明镜·天天照】") && morning.contains("2026年12月8日"),
        "{morning}"
    );

    // Two members tap ✅ 已学习: each gets a toast, the button counts 2, edited in place.
    let first = tap_as(&c, "张三").await;
    assert!(first.contains("已记录"), "{first}");
    find_text(&c, "button.kb", "✅ 已学习 · 1").await;
    tap_as(&c, "李四").await;
    find_text(&c, "button.kb", "✅ 已学习 · 2").await;
    let buttons = c.find_all(Locator::Css("button.kb")).await.unwrap();
    assert_eq!(
        buttons.len(),
        1,
        "the edit replaced the button, not added one"
    );
    screenshot(&c, &shots, "playground-2-checked-in").await;

    // /report as the admin: the document comes in the private chat and downloads.
    say_as(&c, "我（管理员）", "/report").await;
    find(&c, Locator::Id("chat-private"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let doc = find_text(&c, "a.doc", ".csv").await;
    let href = doc.attr("href").await.unwrap().expect("a download link");
    screenshot(&c, &shots, "playground-3-report").await;
    let answer = Http::new(playground.port()).get(&href, None).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(
        answer
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("attachment")),
        "{answer:?}"
    );
    assert!(answer.body.contains("姓名"), "{}", answer.body);
    assert!(answer.body.contains("张三") && answer.body.contains("李四"));

    // The phone-sized page as it looks now, and nothing left behind.
    c.close().await.unwrap();
    let saved = std::fs::read_dir(&shots).unwrap().count();
    assert_eq!(saved, 3);
    keep_screenshots(&shots);
    let mut playground = playground;
    playground.stop().await;
    playground.assert_left_nothing(dir.path());
    assert!(
        !playground.log().contains("panicked"),
        "{}",
        playground.log()
    );
}
