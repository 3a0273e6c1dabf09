//! The bot's life in groups and as a process, end to end: added, removed, a group upgraded
//! to a supergroup; restarted with everything kept; its logs free of the token.

mod common;

use std::time::Duration;

use common::{Harness, PATIENCE, Setup, TOKEN, admin, admin_chat, id_in, poll_until};
use fakeapi::{ChatSpec, FakeApi, UserSpec};

fn group() -> ChatSpec {
    ChatSpec::group(-4_002, "第二支部")
}

fn chair() -> UserSpec {
    UserSpec::new(9, "书记")
}

#[tokio::test]
async fn added_to_a_group_the_bot_says_how_to_subscribe() {
    let mut h = Harness::start().await;
    let a = h.answer(h.fake.bot_added(&group(), &chair())).await;
    assert_eq!(a.chat_id, group().id);
    let text = a.text.unwrap();
    assert!(text.contains("群管理员发送 /subscribe 即可订阅"), "{text}");
    // Promoted to administrator: no second greeting.
    h.silent(
        h.fake
            .my_chat_member(&group(), &chair(), "member", "administrator"),
        &group(),
        &chair(),
    )
    .await;
    h.stop().await;
}

#[tokio::test]
async fn added_in_privacy_mode_the_bot_says_what_it_cannot_see_unless_it_is_an_admin() {
    let mut h = Harness::start().await;
    // A new bot is in privacy mode (getMe: can_read_all_group_messages = false).
    let a = h.answer(h.fake.bot_added(&group(), &chair())).await;
    let text = a.text.unwrap();
    for part in [
        "群管理员发送 /subscribe 即可订阅",
        "隐私模式",
        "看不到普通发言",
        "将机器人设为本群管理员",
        "@BotFather 发送 /setprivacy",
        "Disable",
        "移出本群并重新拉入",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    // Added as an admin, it sees every message: the greeting alone.
    let second = ChatSpec::group(-4_003, "第三支部");
    let added_as_admin = h
        .fake
        .my_chat_member(&second, &chair(), "left", "administrator");
    let text = h.answer(added_as_admin).await.text.unwrap();
    assert!(text.contains("/subscribe"), "{text}");
    assert!(!text.contains("隐私模式"), "{text}");
    // The operator turns privacy mode off (/setprivacy → Disable): the bot asks afresh,
    // without a restart, and says nothing of it in the next group.
    h.fake.set_can_read_all_group_messages(true);
    let third = ChatSpec::supergroup(-1_004_004, "第四支部");
    let text = h
        .answer(h.fake.bot_added(&third, &chair()))
        .await
        .text
        .unwrap();
    assert!(text.contains("/subscribe"), "{text}");
    assert!(!text.contains("隐私模式"), "{text}");
    // The start-up log said so too.
    h.stop().await;
    assert!(h.stderr().contains("privacy mode is on"), "{}", h.stderr());
}

#[tokio::test]
async fn removed_or_blocked_the_subscription_stops_with_the_reason() {
    let mut h = Harness::start().await;
    let (g, chair) = (group(), chair());
    h.fake.set_member_status(g.id, chair.id, "creator");
    assert!(h.say(&g, &chair, "/subscribe").await.starts_with("已订阅"));
    let user = UserSpec::new(321, "个人");
    let private = ChatSpec::private_with(&user);
    assert!(
        h.say(&private, &user, "/subscribe")
            .await
            .starts_with("已订阅")
    );

    h.fake.push_update(h.fake.bot_kicked(&g, &chair));
    h.fake.push_update(h.fake.bot_kicked(&private, &user));
    // Nothing is sent in answer; wait until the bot confirmed both updates.
    let store_done = poll_until(PATIENCE, || h.fake.pending_updates() == 0).await;
    assert!(store_done);
    // Re-added: the greeting mentions the stopped subscription.
    let a = h.answer(h.fake.bot_added(&g, &chair)).await;
    assert!(a.text.unwrap().contains("之前的订阅已停用"));
    h.stop().await;
    let store = h.store();
    let sub = store.subscription(g.id).unwrap().unwrap();
    assert!(!sub.active);
    assert_eq!(sub.reason.as_deref(), Some("机器人已被移出群组"));
    let sub = store.subscription(user.id).unwrap().unwrap();
    assert_eq!(
        (sub.active, sub.reason.as_deref()),
        (false, Some("用户已停用机器人"))
    );
}

#[tokio::test]
async fn a_group_upgraded_to_a_supergroup_keeps_its_subscription() {
    let mut h = Harness::start().await;
    let (g, chair) = (group(), chair());
    h.fake.set_member_status(g.id, chair.id, "administrator");
    assert!(
        h.say(&g, &chair, "/subscribe 07:40")
            .await
            .starts_with("已订阅")
    );
    let upgraded = ChatSpec::supergroup(-1_009_876_543_210, "第二支部");
    h.fake
        .push_update(FakeApi::migrate_to_chat_id(&g, &chair, upgraded.id));
    h.fake
        .push_update(FakeApi::migrate_from_chat_id(&upgraded, &chair, g.id));
    // The new chat answers /status with the moved subscription.
    let a = h.say(&upgraded, &chair, "/status").await;
    assert!(a.contains("状态：已订阅") && a.contains("07:40"), "{a}");
    h.stop().await;
    let store = h.store();
    assert_eq!(store.subscription(g.id).unwrap(), None);
    let sub = store.subscription(upgraded.id).unwrap().unwrap();
    assert_eq!((sub.kind.as_str(), sub.active), ("supergroup", true));
}

#[tokio::test]
async fn a_restart_keeps_subscriptions_and_items() {
    let mut h = Harness::start().await;
    let (g, chair) = (group(), chair());
    h.fake.set_member_status(g.id, chair.id, "administrator");
    assert!(
        h.say(&g, &chair, "/subscribe 06:30")
            .await
            .starts_with("已订阅")
    );
    let (me, private) = (admin(), admin_chat());
    let a = h.say(&private, &me, "/add 作风 重启之后还在 ✅").await;
    let id = id_in(&a);
    let today = h.say(&g, &chair, "/today").await;

    h.stop().await;
    h.launch().await;

    let a = h.say(&g, &chair, "/status").await;
    assert!(
        a.contains("状态：已订阅") && a.contains("投递时间：06:30"),
        "{a}"
    );
    let a = h
        .say(&private, &me, &format!("/edit {id} 重启之后还在，改过了"))
        .await;
    assert!(a.starts_with(&format!("已修改 #{id}")), "{a}");
    assert_eq!(h.say(&g, &chair, "/today").await, today);
    h.stop().await;
    let store = h.store();
    assert!(store.subscription(g.id).unwrap().unwrap().active);
    assert_eq!(
        store.item(id).unwrap().unwrap().text,
        "重启之后还在，改过了"
    );
}

#[tokio::test]
async fn the_token_never_reaches_the_log() {
    // Nothing listens on this port: every request fails with a network error whose text
    // carries the request URL, and with it the token.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut h = Harness::start_with(Setup {
        api_url: Some(format!("http://127.0.0.1:{port}/")),
        log: Some("trace"),
        ..Setup::default()
    })
    .await;
    let retried = poll_until(Duration::from_secs(5), || {
        h.stderr().matches("getMe failed").count() >= 2
    })
    .await;
    assert!(retried, "{}", h.stderr());
    // stop() fails the test if the token is in the log.
    h.stop().await;
    let log = h.stderr();
    assert!(
        log.contains("<token>") || log.contains("getMe failed"),
        "{log}"
    );
    assert!(
        !log.contains(&TOKEN[TOKEN.find(':').unwrap() + 1..]),
        "{log}"
    );
}

#[tokio::test]
async fn failed_answers_are_logged_without_the_token() {
    let mut h = Harness::start_with(Setup {
        log: Some("debug"),
        ..Setup::default()
    })
    .await;
    let user = UserSpec::new(77, "用户");
    let chat = ChatSpec::private_with(&user);
    h.fake.fail_next_sends(1, fakeapi::Fault::DropConnection);
    h.fake
        .push_update(FakeApi::text_message(&chat, &user, "/help"));
    let logged = poll_until(PATIENCE, || h.stderr().contains("cannot send an answer")).await;
    assert!(logged, "{}", h.stderr());
    // The bot goes on answering.
    assert!(h.say(&chat, &user, "/help").await.contains("纪律明镜"));
    h.stop().await;
}

#[tokio::test]
async fn bot_admins_the_bot_cannot_reach_are_named_in_the_log_at_start() {
    let mut h = Harness::start().await;
    h.stop().await;
    // The admin blocked the bot in their private chat.
    let bot_id = h.fake.bot_user().id;
    h.fake
        .set_member_status(common::BOT_ADMIN, bot_id, "kicked");
    h.launch().await;
    let named = common::poll_until(common::PATIENCE, || {
        let log = h.stderr();
        log.contains("cannot be reached privately") && log.contains("admin=42")
    })
    .await;
    assert!(named, "{}", h.stderr());
}

/// In December, with next year's holidays unknown, every bot admin is told once; an admin
/// the bot cannot write to yet is told when they open a private chat (`/start`), or at the
/// next start. The admins come from `MINGJING_ADMINS`.
#[tokio::test]
async fn the_unknown_holiday_year_reaches_every_admin_once_they_can_be_reached() {
    let mut h = Harness::prepare(Setup {
        now: Some(common::shanghai("2026-12-01 10:00:00")),
        next_year_unknown: true,
        admins_env: Some("42,43,44"),
        ..Setup::default()
    })
    .await;
    // 43 and 44 never opened a private chat with the bot.
    let never_started = || {
        Some(fakeapi::Fault::Forbidden(
            "Forbidden: bot can't initiate conversation with a user".into(),
        ))
    };
    h.fake.set_chat_fault(43, never_started());
    h.fake.set_chat_fault(44, never_started());
    h.launch().await;
    let fake = h.fake.clone();
    let warnings = |chat_id: i64| {
        fake.sent_to(chat_id)
            .into_iter()
            .filter(|s| {
                s.text
                    .as_deref()
                    .unwrap_or_default()
                    .contains("2027 年的法定节假日")
            })
            .count()
    };
    let tried = |chat_id: i64| {
        fake.requests_of("sendMessage")
            .iter()
            .any(|r| r.params["chat_id"].as_i64() == Some(chat_id))
    };
    let tried_all = poll_until(PATIENCE, || warnings(42) == 1 && tried(43) && tried(44)).await;
    assert!(tried_all, "{}", h.stderr());
    assert!(h.fake.sent_to(43).is_empty() && h.fake.sent_to(44).is_empty());

    // 43 starts a chat: the warning comes first, then the answer (a bot admin's help).
    h.fake.set_chat_fault(43, None);
    let user = UserSpec::new(43, "新管理员");
    h.fake.push_update(FakeApi::text_message(
        &ChatSpec::private_with(&user),
        &user,
        "/start",
    ));
    let answered = poll_until(PATIENCE, || h.fake.sent_to(43).len() >= 2).await;
    assert!(answered, "{}", h.stderr());
    let texts: Vec<String> = h
        .fake
        .sent_to(43)
        .into_iter()
        .filter_map(|s| s.text)
        .collect();
    assert!(texts[0].contains("2027 年的法定节假日"), "{texts:?}");
    assert!(texts[1].contains("内容管理"), "{texts:?}");
    // 42, who had it, gets only the answer.
    assert!(
        h.say(&admin_chat(), &admin(), "/help")
            .await
            .contains("内容管理")
    );
    h.stop().await;

    // 44 opened the chat while the bot was down: the next start tells them.
    h.fake.set_chat_fault(44, None);
    h.launch().await;
    let told = poll_until(PATIENCE, || warnings(44) == 1).await;
    assert!(told, "{}", h.stderr());
    // The start-up went through 42 and 43 before 44: neither was told again.
    assert!(
        h.say(&ChatSpec::private_with(&user), &user, "/help")
            .await
            .contains("内容管理")
    );
    assert!(
        h.say(&admin_chat(), &admin(), "/help")
            .await
            .contains("内容管理")
    );
    assert_eq!((warnings(42), warnings(43), warnings(44)), (1, 1, 1));
    h.stop().await;
    // At `info`, the scheduler's chatter ("Uninited", "Job creator created") stays out.
    let log = h.stderr();
    assert!(
        log.contains("INFO") && !log.contains("tokio_cron_scheduler"),
        "{log}"
    );
}
