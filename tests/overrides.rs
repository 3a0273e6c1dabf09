//! One-day overrides end to end: a bot admin sets 附加 and 停发 days by chat, the real
//! binary walks its clock through them, `preview` shows them, and an export keeps them.

mod common;

use std::process::{Command, Output};
use std::time::Duration;

use common::{Harness, Setup, admin, admin_chat, group, group_subscription, poll_until, shanghai};
use fakeapi::Sent;
use mingjing::overrides::Action;
use mingjing::store::Store;

/// The morning messages `chat` was sent whose text contains `marker`.
fn mornings_with(h: &Harness, chat: i64, marker: &str) -> Vec<Sent> {
    h.fake
        .sent_to(chat)
        .into_iter()
        .filter(|s| s.method.starts_with("send"))
        .filter(|s| {
            let text = s.text.as_deref().unwrap_or_default();
            text.starts_with("【纪律明镜·天天照】") && text.contains(marker)
        })
        .collect()
}

async fn wait_for_morning(h: &Harness, chat: i64, marker: &str) -> Sent {
    let arrived = poll_until(Duration::from_secs(30), || {
        !mornings_with(h, chat, marker).is_empty()
    })
    .await;
    assert!(
        arrived,
        "no morning message with {marker:?}:\n{}",
        h.stderr()
    );
    mornings_with(h, chat, marker).remove(0)
}

/// `mingjing preview --date <date>` on the harness's database, at the harness's time.
fn preview(h: &Harness, date: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .args(["preview", "--date", date, "--config"])
        .arg(&h.config)
        .current_dir(h.path())
        .env("MINGJING_NOW", h.now().to_rfc3339())
        .env_remove("MINGJING_CONFIG")
        .output()
        .unwrap()
}

#[tokio::test]
async fn an_appended_day_then_a_skipped_day() {
    let g = group();
    let long_ago = shanghai("2026-04-01 09:00:00");
    let mut h = Harness::start_with(Setup {
        now: Some(shanghai("2026-06-01 07:59:57")),
        subscriptions: vec![group_subscription(g.id, common::time("08:00:00"), long_ago)],
        ..Setup::default()
    })
    .await;
    let (chat, me) = (admin_chat(), admin());

    // Monday 1 June: the ordinary morning message; then today is no longer open.
    wait_for_morning(&h, g.id, "2026年6月1日").await;
    let a = h.say(&chat, &me, "/override 2026-06-01 停发").await;
    assert!(a.contains("已经开始投递"), "{a}");
    let a = h.say(&chat, &me, "/override 2026-05-31 停发").await;
    assert!(a.contains("已经过去"), "{a}");

    // 附加 for tomorrow: the answer shows the message with its 重要提示, escaped.
    let a = h
        .say(
            &chat,
            &me,
            "/override 2026-06-02 附加 今晚<停电>检修，请提前保存文件",
        )
        .await;
    assert!(a.starts_with("已安排 2026年6月2日 星期二：附加。"), "{a}");
    assert!(a.contains("【纪律明镜·天天照】"), "{a}");
    assert!(
        a.contains("<b>重要提示</b>：今晚&lt;停电&gt;检修，请提前保存文件"),
        "{a}"
    );
    // 停发 for the day after, first as 替换, then changed.
    let a = h.say(&chat, &me, "/override 6-3 替换 专题学习").await;
    assert!(a.contains("专题学习") && !a.contains("政治提醒"), "{a}");
    let a = h.say(&chat, &me, "/override 6-3 停发").await;
    assert!(
        a.contains("停发") && a.contains("当天不发送晨间提醒"),
        "{a}"
    );
    let a = h.say(&chat, &me, "/override").await;
    assert!(
        a.contains("2026年6月2日 星期二 附加：今晚&lt;停电&gt;检修")
            && a.contains("2026年6月3日 星期三 停发"),
        "{a}"
    );
    let a = h.say(&chat, &me, "/override 2026-06-04 取消").await;
    assert!(a.contains("没有安排"), "{a}");

    // `preview` shows both.
    h.stop().await;
    let o = preview(&h, "2026-06-02");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("廉政提醒：") && text.contains("重要提示：今晚<停电>检修"),
        "{text}"
    );
    let o = preview(&h, "2026-06-03");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("停发"));

    // Tuesday 2 June: the group gets the 重要提示 version.
    h.jump_to(shanghai("2026-06-02 07:59:57"));
    h.launch().await;
    let morning = wait_for_morning(&h, g.id, "2026年6月2日").await;
    let text = morning.text.unwrap();
    assert!(
        text.contains("<b>重要提示</b>：今晚&lt;停电&gt;检修"),
        "{text}"
    );
    assert!(text.find("廉政提醒") < text.find("重要提示"), "{text}");

    // Wednesday 3 June: no morning message, nothing recorded for it.
    h.stop().await;
    h.jump_to(shanghai("2026-06-03 07:59:57"));
    h.launch().await;
    let after = shanghai("2026-06-03 08:00:06");
    poll_until(Duration::from_secs(20), || h.now() > after).await;
    assert!(mornings_with(&h, g.id, "2026年6月3日").is_empty());
    let a = h.say(&chat, &me, "/today").await;
    assert!(a.contains("停发"), "{a}");
    h.stop().await;
    let store = h.store();
    let date = "2026-06-03".parse().unwrap();
    assert_eq!(store.delivery(&common::edition(date, g.id)).unwrap(), None);
    assert_eq!(store.stored_edition(date).unwrap(), None);

    // An export keeps the overrides; an import into another database brings them back.
    let doc = store.export().unwrap();
    let actions: Vec<Action> = doc.overrides.iter().map(|o| o.action).collect();
    assert_eq!(actions, vec![Action::Append, Action::Skip]);
    let text = toml::to_string(&doc).unwrap();
    assert!(text.contains("[[override]]"), "{text}");
    let back: mingjing::store::Document = toml::from_str(&text).unwrap();
    let other = tempfile::tempdir().unwrap();
    let copy = Store::open(&other.path().join("db")).unwrap();
    copy.import(&back).unwrap();
    assert_eq!(copy.overrides().unwrap(), doc.overrides);
}
