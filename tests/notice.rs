//! `/notice` end to end: the real binary against the fake Bot API. A bot admin writes a
//! notice, sees it as it will be sent with the number of subscriptions, and confirms or
//! cancels it; a confirmed notice goes through the delivery engine once to every active
//! subscription, paced, and is finished after a kill.

mod common;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Duration;

use common::{
    BOT_ADMIN, Harness, PATIENCE, Setup, admin, admin_chat, buttons, group_subscription, member,
    poll_until, the_day_before, time,
};
use fakeapi::{FakeApi, Sent};
use mingjing::delivery::{Kind, State};
use mingjing::subscription::Subscription;
use serde_json::Value;

/// `n` groups, ids -2001 …, due in the afternoon (not during the tests), subscribed the
/// day before.
fn groups(n: i64) -> Vec<Subscription> {
    (1..=n)
        .map(|i| group_subscription(-2000 - i, time("15:00:00"), the_day_before()))
        .collect()
}

/// The bot admin's command in the private chat, and the bot's answer there.
async fn ask_admin(h: &Harness, update: Value) -> Sent {
    let before = h.fake.sent_to(BOT_ADMIN).len();
    h.fake.push_update(update);
    common::next_to(h, BOT_ADMIN, before).await
}

/// `/notice <text>` from the bot admin.
async fn notice(h: &Harness, text: &str) -> Sent {
    ask_admin(h, FakeApi::text_message(&admin_chat(), &admin(), text)).await
}

/// The messages (not edits) each group received.
fn per_group(h: &Harness) -> HashMap<i64, Vec<String>> {
    let mut out: HashMap<i64, Vec<String>> = HashMap::new();
    for s in h.fake.sent() {
        if s.chat_id < 0 && s.method == "sendMessage" {
            out.entry(s.chat_id)
                .or_default()
                .push(s.text.unwrap_or_default());
        }
    }
    out
}

#[tokio::test]
async fn a_notice_is_previewed_confirmed_once_and_sent_to_every_active_group() {
    let mut subs = groups(3);
    let mut stopped = group_subscription(-2999, time("15:00:00"), the_day_before());
    stopped.active = false;
    subs.push(stopped);
    let mut h = Harness::start_with(Setup {
        subscriptions: subs,
        ..Setup::default()
    })
    .await;
    let chat = admin_chat();

    // Without a text, and not a reply: how to write it.
    let usage = notice(&h, "/notice").await;
    assert!(usage.text.unwrap().contains("用法"));

    // The preview: the message as it will be sent, the count, 发送 and 取消.
    let preview = notice(&h, "/notice 周五下午三点 <三楼> 开会\n请准时参加").await;
    let text = preview.text.clone().unwrap();
    assert!(text.contains("<b>3</b> 个有效订阅"), "{text}");
    assert!(
        text.ends_with("<b>【通知】</b>\n周五下午三点 &lt;三楼&gt; 开会\n请准时参加"),
        "{text}"
    );
    let buttons = buttons(&preview);
    assert_eq!(
        buttons.iter().map(|(l, _)| l.as_str()).collect::<Vec<_>>(),
        ["发送", "取消"]
    );
    let (send, cancel) = (buttons[0].1.clone(), buttons[1].1.clone());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(per_group(&h).is_empty(), "nothing goes before 发送");

    // Only its author decides.
    let toast = h.tap(&member(), &chat, preview.message_id, &send).await;
    assert!(toast.contains("只有撰写"), "{toast}");

    let toast = h.tap(&admin(), &chat, preview.message_id, &send).await;
    assert!(toast.contains("已开始发送：3"), "{toast}");
    let all = poll_until(PATIENCE, || per_group(&h).len() == 3).await;
    assert!(all, "{:?}\n{}", per_group(&h), h.stderr());
    let edited = poll_until(PATIENCE, || {
        h.fake
            .message_json(BOT_ADMIN, preview.message_id)
            .is_some_and(|m| m["text"].as_str().unwrap_or("").contains("正在发送"))
    })
    .await;
    assert!(edited, "the preview says it is being sent");
    let shown = h.fake.message_json(BOT_ADMIN, preview.message_id).unwrap();
    assert!(shown["reply_markup"].is_null(), "no buttons left: {shown}");

    // A second tap is refused and sends nothing more.
    let toast = h.tap(&admin(), &chat, preview.message_id, &send).await;
    assert!(toast.contains("不会重复发送"), "{toast}");
    let toast = h.tap(&admin(), &chat, preview.message_id, &cancel).await;
    assert!(toast.contains("不会重复发送"), "{toast}");

    // 取消: nothing is sent, and a later 发送 is refused.
    let replied = FakeApi::text_message(&chat, &admin(), "本周六加班，请各支部安排值班");
    let second = ask_admin(&h, FakeApi::reply_to(&chat, &admin(), "/notice", &replied)).await;
    let text = second.text.clone().unwrap();
    assert!(text.ends_with("本周六加班，请各支部安排值班"), "{text}");
    let second_buttons = self::buttons(&second);
    let toast = h
        .tap(&admin(), &chat, second.message_id, &second_buttons[1].1)
        .await;
    assert!(toast.contains("已取消"), "{toast}");
    let toast = h
        .tap(&admin(), &chat, second.message_id, &second_buttons[0].1)
        .await;
    assert!(toast.contains("已取消"), "{toast}");

    // /stats counts the notice among today's deliveries.
    let stats = h.ask(&chat, &admin(), "/stats").await;
    assert!(stats.contains("通知：已送达 3，待投递 0"), "{stats}");

    tokio::time::sleep(Duration::from_secs(1)).await;
    let got = per_group(&h);
    assert_eq!(got.len(), 3, "{got:?}");
    for (group, texts) in &got {
        assert_eq!(texts.len(), 1, "{group}: {texts:?}");
        let text = &texts[0];
        assert!(text.starts_with("<b>【通知】</b>\n周五下午三点"), "{text}");
        // The author is not named to the groups.
        assert!(!text.contains("管理员") && !text.contains("42"), "{text}");
    }
    assert!(!got.contains_key(&-2999), "an inactive subscription got it");
    h.stop().await;
    let records: Vec<_> = h
        .store()
        .deliveries_on(h.today())
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == Kind::Notice)
        .collect();
    assert_eq!(records.len(), 3);
    assert!(records.iter().all(|r| r.state == State::Sent));
}

#[tokio::test]
async fn a_notice_to_200_groups_killed_midway_reaches_every_group_after_restart() {
    const GROUPS: usize = 200;
    let mut h = Harness::prepare(Setup {
        subscriptions: groups(GROUPS as i64),
        ..Setup::default()
    })
    .await;
    h.launch().await;
    let preview = notice(&h, "/notice 请于今日下班前报送材料").await;
    let send = buttons(&preview)[0].1.clone();
    // 30 messages a second overall, one a second to the admin's chat (the preview's edit).
    h.fake.set_limits(true);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let toast = h
        .tap(&admin(), &admin_chat(), preview.message_id, &send)
        .await;
    assert!(toast.contains("已开始发送：200"), "{toast}");

    // Killed a few seconds in (200 groups take about 7 s).
    let midway = poll_until(Duration::from_secs(30), || per_group(&h).len() >= 60).await;
    assert!(midway, "{}", h.stderr());
    h.kill();
    let at_kill = per_group(&h).len();
    assert!(at_kill < GROUPS, "the notice was over before the kill");
    // Requests the fake had read when the connections dropped are finished first.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let recorded: HashSet<i64> = h
        .store()
        .deliveries_on(h.today())
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == Kind::Notice && r.state == State::Sent)
        .map(|r| r.to.id)
        .collect();
    let unrecorded: BTreeSet<i64> = per_group(&h)
        .into_keys()
        .filter(|g| !recorded.contains(g))
        .collect();

    // Restarted at once: the engine resumes the notice from its stored push.
    h.launch().await;
    let all = poll_until(Duration::from_secs(60), || per_group(&h).len() >= GROUPS).await;
    assert!(
        all,
        "only {} groups served:\n{}",
        per_group(&h).len(),
        h.stderr()
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let repeated: BTreeSet<i64> = per_group(&h)
        .into_iter()
        .filter(|(_, texts)| texts.len() > 1)
        .map(|(g, _)| g)
        .collect();
    assert!(
        repeated.is_subset(&unrecorded),
        "repeated {repeated:?}, but only {unrecorded:?} were unrecorded at the kill"
    );
    // SPEC §10: at 30 a second, at most the 3 sends in flight at the kill.
    assert!(repeated.len() <= 3, "{repeated:?}");
    assert_eq!(h.fake.count_429(), 0, "429s around the restart");
    h.stop().await;
    let store = h.store();
    let records: Vec<_> = store
        .deliveries_on(h.today())
        .unwrap()
        .into_iter()
        .filter(|r| r.kind == Kind::Notice)
        .collect();
    assert_eq!(records.len(), GROUPS);
    assert!(records.iter().all(|r| r.state == State::Sent));
    assert!(store.pushes().unwrap().is_empty(), "the notice is over");
}

#[tokio::test]
async fn a_draft_kept_across_a_restart_expires_after_ten_minutes() {
    let mut h = Harness::start_with(Setup {
        subscriptions: groups(2),
        ..Setup::default()
    })
    .await;
    let preview = notice(&h, "/notice 过期的通知").await;
    let send = buttons(&preview)[0].1.clone();
    h.stop().await;
    h.jump_to(h.now() + chrono::Duration::minutes(11));
    h.launch().await;
    let toast = h
        .tap(&admin(), &admin_chat(), preview.message_id, &send)
        .await;
    assert!(toast.contains("超过 10 分钟"), "{toast}");
    let cleared = poll_until(PATIENCE, || {
        h.fake
            .message_json(BOT_ADMIN, preview.message_id)
            .is_some_and(|m| m["reply_markup"].is_null())
    })
    .await;
    assert!(cleared, "the expired preview keeps its buttons");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(per_group(&h).is_empty(), "an expired notice was sent");
}
