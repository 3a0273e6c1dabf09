//! Online backup (SPEC §8, §17): `export` and `preview` while the bot runs, through its
//! control socket; `import` refused while it runs; `/backup` in a bot admin's private chat;
//! `preview` of a past date (SPEC §5).

mod common;

use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::PathBuf;
use std::process::Output;

use common::{
    BOT_ADMIN, Harness, PATIENCE, admin, admin_chat, chair, group, member, poll_until, shanghai,
};
use fakeapi::{ChatSpec, FakeApi};
use mingjing::store::Document;

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The control socket beside the tests' database (`storage.path = "db"`).
fn socket(h: &Harness) -> PathBuf {
    h.path().join("db.sock")
}

/// Runs the binary and requires it to succeed.
fn succeeds(h: &Harness, args: &[&str]) -> String {
    let o = h.command(args);
    assert!(
        o.status.success(),
        "mingjing {args:?}: {}\n{}",
        stderr(&o),
        h.stderr()
    );
    stdout(&o)
}

#[tokio::test]
async fn export_and_preview_work_while_the_bot_runs_and_match_the_offline_ones() {
    let mut h = Harness::start().await;
    // Something only the running bot's database holds: an item added by chat.
    let added = h
        .say(&admin_chat(), &admin(), "/add 廉政 在线备份时新加的一条。")
        .await;
    assert!(added.starts_with("已添加"), "{added}");

    // The socket is there, a socket, owner-only.
    let meta = std::fs::symlink_metadata(socket(&h)).expect("the control socket exists");
    assert!(meta.file_type().is_socket());
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);

    let online = succeeds(&h, &["export"]);
    let doc: Document = toml::from_str(&online).expect("the export parses");
    assert!(
        doc.items.iter().any(|i| i.text == "在线备份时新加的一条。"),
        "{online}"
    );
    let tomorrow = (h.today() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    let today_online = succeeds(&h, &["preview"]);
    assert!(
        today_online.starts_with("【纪律明镜·天天照】\n2026年11月3日 星期二\n"),
        "{today_online}"
    );
    let tomorrow_online = succeeds(&h, &["preview", "--date", &tomorrow]);
    assert!(
        tomorrow_online.contains("2026年11月4日"),
        "{tomorrow_online}"
    );

    // Import into the running bot is refused, saying how to do it.
    let file = h.path().join("backup.toml");
    std::fs::write(&file, &online).unwrap();
    let o = h.command(&["import", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("cannot import while the bot is running")
            && err.contains("stop the bot")
            && err.contains("then start the bot again"),
        "{err}"
    );

    // Stopped, the bot removes its socket; the offline answers are the same.
    h.stop().await;
    assert!(!socket(&h).exists(), "the socket outlived the bot");
    assert_eq!(succeeds(&h, &["export"]), online);
    assert_eq!(succeeds(&h, &["preview"]), today_online);
    assert_eq!(
        succeeds(&h, &["preview", "--date", &tomorrow]),
        tomorrow_online
    );
    // And the online export restores: imported offline it changes nothing.
    succeeds(&h, &["import", file.to_str().unwrap()]);
    assert_eq!(succeeds(&h, &["export"]), online);
}

#[tokio::test]
async fn a_socket_left_by_a_crash_is_replaced_at_the_next_start() {
    let mut h = Harness::start().await;
    h.kill();
    assert!(socket(&h).exists(), "a killed bot cannot remove its socket");
    // Nobody holds the database now: export opens it itself.
    let offline = succeeds(&h, &["export"]);
    h.launch().await;
    let meta = std::fs::symlink_metadata(socket(&h)).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(succeeds(&h, &["export"]), offline);
    h.stop().await;
}

#[tokio::test]
async fn preview_of_a_past_date_prints_the_stored_edition_or_says_there_was_none() {
    let mut h = Harness::start().await;
    // /today composes and stores today's edition (2026-11-03).
    let shown = h.say(&admin_chat(), &admin(), "/today").await;
    assert!(shown.contains("2026年11月3日"), "{shown}");
    let composed = format!("{}\n", mingjing::edition::plain(&shown));
    h.stop().await;

    // The next day, through the running bot and offline: the stored edition of the 3rd,
    // and for the 2nd (never composed) an error.
    h.jump_to(shanghai("2026-11-04 10:00:00"));
    h.launch().await;
    for running in [true, false] {
        let o = h.command(&["preview", "--date", "2026-11-03"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_eq!(stdout(&o), composed, "running: {running}");
        let o = h.command(&["preview", "--date", "2026-11-02"]);
        assert_eq!(o.status.code(), Some(1), "running: {running}");
        assert_eq!(stdout(&o), "", "running: {running}");
        let err = stderr(&o);
        assert!(
            err.contains("error: no edition was composed for 2026-11-02"),
            "running: {running}: {err}"
        );
        if running {
            h.stop().await;
        }
    }
}

#[tokio::test]
async fn backup_sends_an_admin_the_export_as_a_file_and_refuses_others() {
    let h = Harness::start().await;
    let before = h.fake.sent_to(BOT_ADMIN).len();
    h.fake
        .push_update(FakeApi::text_message(&admin_chat(), &admin(), "/backup"));
    let arrived = poll_until(PATIENCE, || h.fake.sent_to(BOT_ADMIN).len() > before).await;
    assert!(arrived, "{}", h.stderr());
    let sent = h.fake.sent_to(BOT_ADMIN)[before].clone();
    assert_eq!(sent.method, "sendDocument");
    let (name, bytes) = sent.document.expect("a file");
    assert_eq!(name, "mingjing-backup-2026-11-03.toml");
    let text = String::from_utf8(bytes).expect("UTF-8");
    let doc: Document = toml::from_str(&text).expect("the file is an export");
    assert!(doc.items.len() > 200, "{}", doc.items.len());
    let caption = sent.caption.unwrap_or_default();
    assert!(
        caption.contains(&format!("条目 {} 条", doc.items.len()))
            && caption.contains("mingjing import"),
        "{caption}"
    );

    // A member privately, and the bot admin in a group: the usual refusals, no file.
    let stranger = member();
    let private = ChatSpec::private_with(&stranger);
    assert_eq!(
        h.say(&private, &stranger, "/backup").await,
        "此命令仅限机器人管理员使用。"
    );
    assert_eq!(
        h.say(&group(), &admin(), "/backup").await,
        "内容管理命令请在与本机器人的私聊中使用。"
    );
    h.fake
        .set_member_status(group().id, chair().id, "administrator");
    assert_eq!(
        h.say(&group(), &chair(), "/backup").await,
        "内容管理命令请在与本机器人的私聊中使用。"
    );
    assert!(
        h.fake
            .sent()
            .iter()
            .filter(|s| s.document.is_some())
            .count()
            == 1,
        "only the admin's file was sent"
    );
    // The admin's help lists it.
    let help = h.say(&admin_chat(), &admin(), "/help").await;
    assert!(help.contains("/backup"), "{help}");
}
