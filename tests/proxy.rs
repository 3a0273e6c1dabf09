//! Telegram through a proxy (`telegram.proxy`, `TELOXIDE_PROXY`), end to end: the bot is
//! given a Bot API host that resolves nowhere (`telegram.invalid`), which only the test's
//! HTTP proxy (tests/common/proxy.rs) routes, to the fake. So every answer the bot gets
//! proves that its request went through the proxy.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use common::proxy::{HttpProxy, Socks5Proxy};
use common::{Harness, PATIENCE, Setup, poll_until};
use fakeapi::{ChatSpec, UserSpec};

/// The Bot API URL the bot is given.
const UNREACHABLE_API: &str = "http://telegram.invalid/";

/// A proxy URL nothing answers at (a port just freed).
fn dead_proxy() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("http://127.0.0.1:{port}")
}

/// The bot given `setup` and [`UNREACHABLE_API`], `route` telling the proxy where the fake
/// is; started, and polling the fake.
async fn start(setup: Setup, route: impl FnOnce(&str, SocketAddr)) -> Harness {
    let mut h = Harness::prepare(Setup {
        api_url: Some(UNREACHABLE_API.into()),
        ..setup
    })
    .await;
    route("telegram.invalid", h.fake.addr());
    h.launch().await;
    let polling = poll_until(PATIENCE, || h.fake.polls() > 0).await;
    assert!(polling, "the bot never reached the fake:\n{}", h.stderr());
    h
}

/// `/help` in a private chat is answered: the bot is in business.
async fn answers(h: &Harness) {
    let user = UserSpec::new(77, "用户");
    let help = h.say(&ChatSpec::private_with(&user), &user, "/help").await;
    assert!(help.contains("纪律明镜"), "{help}");
}

#[tokio::test]
async fn telegram_proxy_in_the_config_carries_every_request() {
    let proxy = HttpProxy::start().await;
    let url = proxy.url_with("tester", "PROXY-PASSWORD");
    let setup = Setup {
        telegram: Some(format!("proxy = \"{url}\"")),
        ..Setup::default()
    };
    let mut h = start(setup, |host, to| proxy.route(host, to)).await;
    answers(&h).await;
    h.stop().await;

    let forwarded = proxy.forwarded();
    let methods = proxy.methods();
    for method in [
        "getMe",
        "deleteWebhook",
        "setMyCommands",
        "getUpdates",
        "sendMessage",
    ] {
        let seen = methods.iter().any(|m| m.eq_ignore_ascii_case(method));
        assert!(seen, "{method}: {methods:?}");
    }
    // Absolute-form requests for the host the bot was given, with the proxy's credentials.
    for f in &forwarded {
        assert_eq!(f.authority, "telegram.invalid", "{f:?}");
        // base64("tester:PROXY-PASSWORD")
        assert_eq!(
            f.authorization.as_deref(),
            Some("Basic dGVzdGVyOlBST1hZLVBBU1NXT1JE"),
            "{f:?}"
        );
    }
    // The fake got nothing the proxy did not carry (the host resolves nowhere).
    assert!(h.fake.requests().len() <= forwarded.len());
    // The log names the proxy without its credentials (stop() checked the token).
    let log = h.stderr();
    assert!(
        log.contains(&format!(
            "Telegram is reached through a proxy proxy={}",
            proxy.url()
        )),
        "{log}"
    );
    assert!(!log.contains("PROXY-PASSWORD"), "{log}");
}

#[tokio::test]
async fn teloxide_proxy_in_the_environment_wins_over_the_config() {
    let proxy = HttpProxy::start().await;
    let setup = Setup {
        telegram: Some(format!("proxy = \"{}\"", dead_proxy())),
        env: vec![("TELOXIDE_PROXY", proxy.url())],
        ..Setup::default()
    };
    let mut h = start(setup, |host, to| proxy.route(host, to)).await;
    answers(&h).await;
    h.stop().await;
    let methods = proxy.methods();
    for method in ["GetMe", "SendMessage"] {
        assert!(methods.iter().any(|m| m == method), "{methods:?}");
    }
    assert!(proxy.forwarded().iter().all(|f| f.authorization.is_none()));
}

#[tokio::test]
async fn when_telegram_cannot_be_reached_the_log_names_the_host_and_the_proxy_setting() {
    // No proxy: the host the bot tried, and where to set one.
    let mut h = Harness::start_with(Setup {
        api_url: Some(UNREACHABLE_API.into()),
        ..Setup::default()
    })
    .await;
    let hinted = poll_until(PATIENCE, || {
        h.stderr()
            .contains("getMe failed: cannot reach Telegram at telegram.invalid:80")
    })
    .await;
    assert!(hinted, "{}", h.stderr());
    h.stop().await;
    assert!(
        h.stderr()
            .contains("set telegram.proxy (or TELOXIDE_PROXY)")
    );

    // A proxy that does not answer: named, without its password.
    let dead = dead_proxy();
    let with_password = dead.replace("http://", "http://tester:PROXY-PASSWORD@");
    let mut h = Harness::start_with(Setup {
        api_url: Some(UNREACHABLE_API.into()),
        telegram: Some(format!("proxy = \"{with_password}\"")),
        ..Setup::default()
    })
    .await;
    let hinted = poll_until(PATIENCE, || {
        h.stderr()
            .contains(&format!("check that the proxy {dead} is up"))
    })
    .await;
    assert!(hinted, "{}", h.stderr());
    tokio::time::sleep(Duration::from_millis(100)).await;
    h.stop().await;
    assert!(!h.stderr().contains("PROXY-PASSWORD"), "{}", h.stderr());
}

#[tokio::test]
async fn a_socks5_proxy_carries_the_requests_too() {
    // socks5h: the proxy resolves the host, so the name only it knows works.
    let socks = Socks5Proxy::start().await;
    let setup = Setup {
        telegram: Some(format!("proxy = \"{}\"", socks.url())),
        ..Setup::default()
    };
    let mut h = start(setup, |host, to| socks.route(host, to)).await;
    answers(&h).await;
    h.stop().await;
    let connections = socks.connections();
    assert!(!connections.is_empty());
    assert!(
        connections.iter().all(|c| c == "telegram.invalid:80"),
        "{connections:?}"
    );
}
