//! The console in a real browser (SPEC §14): headless Chromium driven over WebDriver
//! (chromedriver) logs in by the link `/web` sends, opens every page, adds a text in 内容,
//! and the text is then in the chat's `/list`. A screenshot of each page is saved under
//! the test's folder (kept when `MINGJING_SCREENSHOTS` names a folder to copy them to).
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without them
//! the test says it was skipped and why, unless `CI` is set: then it fails, so that a
//! broken install never passes as a skip.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::web::{free_port, last_list_page, login_link, start_with_web};
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

#[tokio::test]
async fn an_admin_logs_in_opens_every_page_and_adds_a_text() {
    let (driver, chromium) = match browser() {
        Ok(found) => found,
        Err(why) if std::env::var_os("CI").is_some() => {
            panic!("CI is set and the browser test cannot run: {why}")
        }
        Err(why) => {
            // Straight to stderr: the test harness captures eprintln! of a passing test.
            let line = format!("\nbrowser test skipped: {why}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes());
            return;
        }
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
    if let Some(keep) = std::env::var_os("MINGJING_SCREENSHOTS") {
        let keep = PathBuf::from(keep);
        std::fs::create_dir_all(&keep).unwrap();
        for e in std::fs::read_dir(&shots).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), keep.join(e.file_name())).unwrap();
        }
    }
    let saved = std::fs::read_dir(&shots).unwrap().count();
    assert_eq!(saved, 8, "a screenshot of each page");
}
