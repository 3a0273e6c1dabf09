//! Group robots end to end (SPEC §16): the real binary sends the morning message to
//! Telegram groups (the fake Bot API) and to WeCom, DingTalk and Feishu robots (a fake
//! webhook per platform, which checks each message's JSON and signature) together, through
//! the one engine: rate limits, revoked webhooks, a kill in the middle of a push, and
//! secrets kept out of logs and exports.

mod common;
#[path = "common/webhooks.rs"]
mod webhooks;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::process::Command;
use std::time::Duration;

use common::{
    BOT_ADMIN, Harness, PATIENCE, Setup, group_subscription, on_start_day, the_day_before, time,
};
use mingjing::delivery::{Slot, State};
use mingjing::robot::{Platform, render};
use mingjing::subscription::Subscription;
use webhooks::{FakeRobot, Fault};

/// A `[[robot]]` entry of the config.
fn robot_entry(kind: Platform, url: &str, secret: Option<&str>, name: &str) -> String {
    let secret = secret.map_or(String::new(), |s| format!("secret = \"{s}\"\n"));
    format!(
        "\n[[robot]]\nkind = \"{}\"\nurl = \"{url}\"\n{secret}name = \"{name}\"\n",
        kind.as_str()
    )
}

/// The bot with `subs` and the robots of `entries` in its config, its clock `secs` seconds
/// before 08:00 on the tests' day, not started yet.
async fn before_eight(secs: i64, subs: Vec<Subscription>, entries: &str) -> Harness {
    Harness::prepare(Setup {
        now: Some(on_start_day("08:00:00") - chrono::Duration::seconds(secs)),
        subscriptions: subs,
        schedule: Some(format!("[schedule]\ndays = \"everyday\"\n{entries}")),
        ..Setup::default()
    })
    .await
}

/// The lines of a message as a member reads them (markup and numbering left out).
fn plain_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.replace("**", "").trim().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The lines of a Feishu post: its title, then each row's text.
fn post_lines(body: &serde_json::Value) -> Vec<String> {
    let post = &body["content"]["post"]["zh_cn"];
    let mut out = vec![post["title"].as_str().unwrap_or_default().to_string()];
    for row in post["content"].as_array().into_iter().flatten() {
        let line: String = row
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e["text"].as_str())
            .collect();
        if !line.trim().is_empty() {
            out.push(line.trim().to_string());
        }
    }
    out
}

/// The (first) robot of `kind` in the stopped bot's database.
fn robot_of(h: &Harness, kind: Platform) -> mingjing::robot::Robot {
    let robots = h.store().robots().unwrap();
    robots
        .into_iter()
        .find(|r| r.kind == kind)
        .expect("a robot")
}

/// What the bot admin was told privately, one text per message.
fn told_admin(h: &Harness) -> Vec<String> {
    h.fake
        .sent_to(BOT_ADMIN)
        .into_iter()
        .filter_map(|s| s.text)
        .collect()
}

#[tokio::test]
async fn a_morning_push_reaches_telegram_groups_and_every_kind_of_robot_with_one_edition() {
    let wecom = FakeRobot::start(Platform::WeCom, None).await;
    let ding = FakeRobot::start(Platform::DingTalk, Some("SECding0123456789")).await;
    let feishu = FakeRobot::start(Platform::Feishu, Some("feishu-signing-secret")).await;
    // The DingTalk robot also guards with a keyword the morning message carries.
    ding.require_keyword("纪律明镜");
    let entries = [
        robot_entry(Platform::WeCom, &wecom.url(), None, "企微群"),
        robot_entry(
            Platform::DingTalk,
            &ding.url(),
            ding.secret.as_deref(),
            "钉钉群",
        ),
        robot_entry(
            Platform::Feishu,
            &feishu.url(),
            feishu.secret.as_deref(),
            "飞书群",
        ),
    ]
    .concat();
    let groups = vec![
        group_subscription(-1001, time("08:00:00"), the_day_before()),
        group_subscription(-1002, time("08:00:00"), the_day_before()),
    ];
    let mut h = before_eight(3, groups, &entries).await;
    h.launch().await;

    let sent = h.fake.wait_for_sent(2, Duration::from_secs(30)).await;
    assert_eq!(sent.len(), 2, "{}", h.stderr());
    for fake in [&wecom, &ding, &feishu] {
        let taken = fake.wait_for(1, Duration::from_secs(30)).await;
        assert_eq!(
            taken.len(),
            1,
            "{:?}: {:?}\n{}",
            fake.platform,
            fake.answers(),
            h.stderr()
        );
    }
    // The same edition everywhere: every line a Telegram member reads, in the same order.
    let telegram = sent[0].text.clone().unwrap_or_default();
    let want: Vec<String> = render::lines(&telegram)
        .iter()
        .map(|l| render::plain(l).trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert!(want[0].starts_with("【纪律明镜·天天照】"), "{want:?}");
    assert!(want.len() >= 6, "{want:?}");
    assert_eq!(plain_lines(&wecom.texts()[0]), want);
    assert_eq!(plain_lines(&ding.texts()[0]), want);
    assert_eq!(post_lines(&feishu.taken()[0]), want);
    assert_eq!(ding.taken()[0]["markdown"]["title"], "【纪律明镜·天天照】");
    // Signed requests only where the platform signs (the fakes refuse a bad signature).
    assert_eq!(ding.answers(), vec!["ok"]);
    assert_eq!(feishu.answers(), vec!["ok"]);
    assert!(feishu.taken()[0]["sign"].is_string());
    assert!(wecom.taken()[0].get("sign").is_none());

    // Nothing twice, and every robot delivery in the log.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(h.fake.sent().iter().filter(|s| s.chat_id < 0).count(), 2);
    h.stop().await;
    for fake in [&wecom, &ding, &feishu] {
        assert_eq!(fake.taken().len(), 1, "{:?}", fake.platform);
    }
    let store = h.store();
    let robots = store.robots().unwrap();
    assert_eq!(robots.len(), 3);
    for r in &robots {
        let record = store
            .delivery(&Slot::edition(h.today(), r.address()))
            .unwrap()
            .unwrap_or_else(|| panic!("no record for {}", r.address()));
        assert_eq!(record.state, State::Sent, "{}", r.address());
    }
}

#[tokio::test]
async fn a_rate_limited_robot_still_gets_its_message() {
    let feishu = FakeRobot::start(Platform::Feishu, None).await;
    let wecom = FakeRobot::start(Platform::WeCom, None).await;
    feishu.fail_next(Fault::RateLimited, 1);
    let entries = [
        robot_entry(Platform::Feishu, &feishu.url(), None, "飞书群"),
        robot_entry(Platform::WeCom, &wecom.url(), None, "企微群"),
    ]
    .concat();
    let mut h = before_eight(2, vec![], &entries).await;
    h.launch().await;

    // The other robot is not held up.
    assert_eq!(wecom.wait_for(1, Duration::from_secs(20)).await.len(), 1);
    let taken = feishu.wait_for(1, Duration::from_secs(40)).await;
    assert_eq!(taken.len(), 1, "{:?}\n{}", feishu.answers(), h.stderr());
    let answers = feishu.answers();
    assert_eq!(answers.len(), 2, "{answers:?}");
    assert!(answers[0].contains("11232"), "{answers:?}");
    assert_eq!(answers[1], "ok");
    h.stop().await;
    let robot = robot_of(&h, Platform::Feishu);
    assert!(robot.active, "a rate limit does not deactivate");
    let record = h
        .store()
        .delivery(&Slot::edition(h.today(), robot.address()))
        .unwrap()
        .unwrap();
    assert_eq!((record.state, record.attempts), (State::Sent, 2));
}

#[tokio::test]
async fn a_revoked_webhook_deactivates_its_robot_and_the_admins_are_told_once() {
    let ding = FakeRobot::start(Platform::DingTalk, None).await;
    let wecom = FakeRobot::start(Platform::WeCom, None).await;
    ding.revoke();
    let entries = [
        robot_entry(Platform::DingTalk, &ding.url(), None, "撤销的钉钉群"),
        robot_entry(Platform::WeCom, &wecom.url(), None, "企微群"),
    ]
    .concat();
    let mut h = before_eight(2, vec![], &entries).await;
    h.launch().await;

    assert_eq!(wecom.wait_for(1, Duration::from_secs(20)).await.len(), 1);
    let answers = ding.wait_for_answers(1, Duration::from_secs(20)).await;
    assert!(answers[0].contains("300001"), "{answers:?}");
    let told = common::poll_until(PATIENCE, || {
        told_admin(&h).iter().any(|t| t.contains("已停用"))
    })
    .await;
    assert!(told, "{:?}\n{}", told_admin(&h), h.stderr());
    // A later /pushnow does not try it again, nor tell the admins again.
    h.stop().await;
    h.launch().await;
    let before = ding.answers().len();
    h.ask(&common::admin_chat(), &common::admin(), "/pushnow")
        .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        ding.answers().len(),
        before,
        "an inactive robot is not sent to"
    );
    let texts = told_admin(&h);
    let notices: Vec<&String> = texts.iter().filter(|t| t.contains("已停用")).collect();
    assert_eq!(notices.len(), 1, "{texts:?}");
    assert!(notices[0].contains("撤销的钉钉群") && notices[0].contains("300001"));
    assert!(!notices[0].contains(&FakeRobot::key(0)), "{}", notices[0]);
    h.stop().await;
    let robot = robot_of(&h, Platform::DingTalk);
    assert!(!robot.active);
    assert!(robot.reason.unwrap().contains("token is not exist"));
}

/// Right after a kill: the robots (by key) the fake took a message for whose delivery the
/// killed bot had not recorded as sent. Only these may get their message again.
async fn unrecorded_at_kill(h: &Harness, fake: &FakeRobot) -> BTreeSet<String> {
    tokio::time::sleep(Duration::from_millis(300)).await;
    let store = h.store();
    let keys: HashMap<i64, String> = store
        .robots()
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.id,
                r.url.rsplit('=').next().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let recorded: HashSet<String> = store
        .deliveries_on(h.today())
        .unwrap()
        .into_iter()
        .filter(|r| r.state == State::Sent && r.to.channel.is_robot())
        .filter_map(|r| keys.get(&r.to.id).cloned())
        .collect();
    fake.keys_taken()
        .into_iter()
        .filter(|k| !recorded.contains(k))
        .collect()
}

#[tokio::test]
async fn a_kill_mid_push_repeats_no_robot_message_beyond_those_in_flight() {
    const N: usize = 120;
    let wecom = FakeRobot::start(Platform::WeCom, None).await;
    let entries: String = (0..N)
        .map(|i| {
            robot_entry(
                Platform::WeCom,
                &wecom.url_of(&FakeRobot::key(i)),
                None,
                &format!("群{i}"),
            )
        })
        .collect();
    let mut h = before_eight(2, vec![], &entries).await;
    h.launch().await;

    // 20 a second to the platform's robots: 120 take about 6 s; kill after a third.
    let before_kill = wecom.wait_for(40, Duration::from_secs(40)).await.len();
    assert!(before_kill >= 40, "{}", h.stderr());
    h.kill();
    let at_kill = wecom.taken().len();
    assert!(at_kill < N, "the push was over before the kill");
    let unrecorded = unrecorded_at_kill(&h, &wecom).await;
    assert!(
        unrecorded.len() <= mingjing::deliver::MAX_IN_FLIGHT,
        "{unrecorded:?}"
    );

    h.launch().await;
    let all = common::poll_until(Duration::from_secs(60), || {
        wecom.keys_taken().into_iter().collect::<HashSet<_>>().len() >= N
    })
    .await;
    assert!(
        all,
        "only {} robots served:\n{}",
        wecom.taken().len(),
        h.stderr()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut count: HashMap<String, usize> = HashMap::new();
    for k in wecom.keys_taken() {
        *count.entry(k).or_default() += 1;
    }
    let repeated: BTreeSet<String> = count
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect();
    assert!(
        repeated.is_subset(&unrecorded),
        "repeated {repeated:?}, but only {unrecorded:?} were unrecorded at the kill"
    );
    h.stop().await;
}

#[tokio::test]
async fn webhook_urls_and_secrets_stay_out_of_logs_and_exports() {
    let ding = FakeRobot::start(Platform::DingTalk, Some("SECtopsecret0123456789")).await;
    ding.revoke(); // the failure is logged: with the platform's words, not the URL
    let entries = robot_entry(
        Platform::DingTalk,
        &ding.url(),
        ding.secret.as_deref(),
        "钉钉群",
    );
    let mut h = before_eight(2, vec![], &entries).await;
    h.launch().await;
    ding.wait_for_answers(1, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    h.stop().await;
    let key = FakeRobot::key(0);
    let log = h.stderr();
    assert!(
        log.contains("dingtalk:1"),
        "the robot is named by its address:\n{log}"
    );
    assert!(
        !log.contains(&key) && !log.contains("SECtopsecret"),
        "{log}"
    );

    let export = |extra: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_mingjing"))
            .arg("export")
            .args(extra)
            .arg("--config")
            .arg(&h.config)
            .current_dir(h.dir.path())
            .env("MINGJING_NOW", h.now().to_rfc3339())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let plain = export(&[]);
    assert!(
        plain.contains("[[robot]]") && plain.contains("钉钉群"),
        "{plain}"
    );
    assert!(
        !plain.contains(&key) && !plain.contains("SECtopsecret"),
        "{plain}"
    );
    let full = export(&["--with-secrets"]);
    assert!(full.contains(&key) && full.contains("SECtopsecret"));

    // An import of the export without secrets keeps the stored URL and secret.
    let doc: mingjing::store::Document = toml::from_str(&plain).unwrap();
    h.launch().await;
    h.import(&doc).await;
    h.stop().await;
    let robot = robot_of(&h, Platform::DingTalk);
    assert!(robot.url.contains(&key));
    assert_eq!(robot.secret.as_deref(), Some("SECtopsecret0123456789"));
}

#[tokio::test]
async fn a_bot_admin_manages_robots_by_chat_and_never_sees_a_url_in_full() {
    let ding = FakeRobot::start(Platform::DingTalk, Some("SECchat0123456789")).await;
    let h = Harness::start().await;
    let (chat, admin) = (common::admin_chat(), common::admin());
    let key = FakeRobot::key(0);

    // Wrong platform host: a plain answer, nothing stored.
    let wrong = h
        .ask(
            &chat,
            &admin,
            "/robot add wecom https://oapi.dingtalk.com/robot/send?access_token=x",
        )
        .await;
    assert!(wrong.contains("qyapi.weixin.qq.com"), "{wrong}");

    let added = h
        .ask(
            &chat,
            &admin,
            &format!(
                "/robot add dingtalk {} 密钥:SECchat0123456789 名称:第一党支部",
                ding.url()
            ),
        )
        .await;
    assert!(
        added.contains("#1") && added.contains("第一党支部"),
        "{added}"
    );
    assert!(added.contains("已删除您发送的含网址的消息"), "{added}");
    assert!(
        !added.contains(&key) && !added.contains("SECchat"),
        "{added}"
    );
    assert_eq!(h.fake.requests_of("deleteMessage").len(), 1);

    let list = h.ask(&chat, &admin, "/robot list").await;
    assert!(
        list.contains("#1 钉钉 · 第一党支部") && list.contains("已加签"),
        "{list}"
    );
    assert!(!list.contains(&key), "{list}");

    // A test message goes out signed and the platform's answer is reported.
    let ok = h.ask(&chat, &admin, "/robot test 1").await;
    assert!(ok.starts_with("✅"), "{ok}");
    assert_eq!(ding.taken().len(), 1);
    assert!(ding.texts()[0].contains("测试消息"));
    // A robot guarded by a keyword the message lacks: the refusal, plainly.
    ding.require_keyword("会议通知");
    let refused = h.ask(&chat, &admin, "/robot test 1").await;
    assert!(
        refused.contains("310000 keywords not in content"),
        "{refused}"
    );
    assert!(refused.contains("自定义关键词"), "{refused}");

    let timed = h.ask(&chat, &admin, "/robot time 1 07:30").await;
    assert!(timed.contains("07:30"), "{timed}");
    let daily = h.ask(&chat, &admin, "/robot days 1 everyday").await;
    assert!(daily.contains("每天 07:30"), "{daily}");
    assert!(
        h.ask(&chat, &admin, "/robot del 9")
            .await
            .contains("没有编号为 9")
    );
    let gone = h.ask(&chat, &admin, "/robot del 1").await;
    assert!(gone.contains("已删除群机器人 #1"), "{gone}");
    assert!(
        h.ask(&chat, &admin, "/robot list")
            .await
            .contains("尚未登记")
    );

    // Not for anyone but a bot admin.
    let member = h.ask(&chat, &common::member(), "/robot list").await;
    assert!(!member.contains("群机器人（"), "{member}");
    let log = h.stderr();
    assert!(!log.contains(&key) && !log.contains("SECchat"), "{log}");
}
