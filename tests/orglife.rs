//! Organisational life end to end: the real binary against the fake Bot API, its clock set
//! (`MINGJING_NOW`) just before 08:00 on the first working day of June 2026 (the 月初提醒
//! and May's 记实通报) and on the 3rd-last one (the 月末调度).

mod common;

use std::time::Duration;

use chrono::NaiveDate;
use common::{
    BOT_ADMIN, Harness, PATIENCE, Setup, admin, admin_chat, chair, member, poll_until, xlsx_sheet,
};
use fakeapi::{ChatSpec, FakeApi, Sent};
use mingjing::orglife::{Mark, Period};
use mingjing::report::Month;
use mingjing::store::{Document, GroupAdmin};
use mingjing::subscription::Subscription;

/// Working days only, as offices have them.
const WORKDAYS: &str = "[schedule]\ndays = \"workdays\"";

fn branch() -> ChatSpec {
    ChatSpec::group(-5_001, "第一支部")
}

fn other_branch() -> ChatSpec {
    ChatSpec::group(-5_002, "第二支部")
}

fn plain_group() -> ChatSpec {
    ChatSpec::group(-5_003, "机关群")
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A subscription at the default time on working days, made long ago; taking the
/// organisational-life reminders since `orglife`.
fn subscription(chat: &ChatSpec, orglife: Option<&str>) -> Subscription {
    common::workday_group(chat, orglife.map(day))
}

fn mark(chat: &ChatSpec, item: &str, period: Period, date: &str, topic: Option<&str>) -> Mark {
    Mark {
        chat_id: chat.id,
        item: item.into(),
        period,
        date: day(date),
        topic: topic.map(String::from),
        by: chair().id,
        by_name: "支部书记".into(),
        at: common::shanghai(&format!("{date} 18:00:00")),
    }
}

fn month(y: i32, m: u32) -> Period {
    Period::Month(Month::new(y, m).unwrap())
}

async fn start(now: &str, subs: Vec<Subscription>, doc: Document) -> Harness {
    let h = Harness::prepare(Setup {
        schedule: Some(WORKDAYS.into()),
        now: Some(common::shanghai(now)),
        subscriptions: subs,
        document: Some(doc),
        ..Setup::default()
    })
    .await;
    h.fake.add_chat(branch());
    h.fake.add_chat(other_branch());
    h.fake.add_chat(plain_group());
    h.fake
        .set_member_status(branch().id, chair().id, "administrator");
    h.fake
        .set_member_status(other_branch().id, chair().id, "administrator");
    h
}

fn document() -> Document {
    Document {
        format: 3,
        next_id: 1,
        ..Document::default()
    }
}

/// The bot's messages to `chat` whose text (or caption) contains `marker`, sent (not
/// edited).
fn sent_with(h: &Harness, chat: i64, marker: &str) -> Vec<Sent> {
    h.fake
        .sent_to(chat)
        .into_iter()
        .filter(|s| s.method.starts_with("send"))
        .filter(|s| {
            s.text
                .as_deref()
                .or(s.caption.as_deref())
                .unwrap_or_default()
                .contains(marker)
        })
        .collect()
}

async fn wait_for(h: &Harness, chat: i64, marker: &str) -> Sent {
    let arrived = poll_until(Duration::from_secs(30), || {
        !sent_with(h, chat, marker).is_empty()
    })
    .await;
    assert!(arrived, "no {marker} to {chat}:\n{}", h.stderr());
    sent_with(h, chat, marker).remove(0)
}

fn row<'a>(rows: &'a [Vec<String>], first: &str, second: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == first && r.get(1).is_some_and(|c| c == second))
        .unwrap_or_else(|| panic!("no row {first} / {second} in {rows:?}"))
}

fn the_buttons(sent: &Sent) -> Vec<(String, String)> {
    sent.reply_markup
        .as_ref()
        .and_then(|m| m["inline_keyboard"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|row| {
            let b = &row[0];
            Some((
                b["text"].as_str()?.to_string(),
                b["callback_data"].as_str()?.to_string(),
            ))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_first_working_day_brings_the_month_start_and_the_report_of_may() {
    // 1 June 2026 is a Monday and a working day. The first branch took the reminders from
    // 10 May, held its 党课 of the second quarter in April and its 主题党日 of May on the
    // 20th; the second branch never opted in.
    let mut doc = document();
    doc.marks = vec![
        mark(
            &branch(),
            "党课",
            Period::Quarter(2026, 2),
            "2026-04-28",
            None,
        ),
        mark(
            &branch(),
            "主题党日",
            month(2026, 5),
            "2026-05-20",
            Some("学习新修订的条例"),
        ),
    ];
    let subs = vec![
        subscription(&branch(), Some("2026-05-10")),
        subscription(&plain_group(), None),
    ];
    let mut h = start("2026-06-01 07:59:57", subs, doc).await;
    h.launch().await;

    // The morning message, then the 月初提醒, in the branch only.
    let start_msg = wait_for(&h, branch().id, "【月初提醒】2026年6月组织生活").await;
    let morning = wait_for(&h, branch().id, "【纪律明镜·天天照】").await;
    assert!(
        morning.message_id < start_msg.message_id,
        "the 月初提醒 came first"
    );
    let text = start_msg.text.clone().unwrap();
    for listed in [
        "支部委员会会议",
        "党小组会",
        "主题党日",
        "支部党员大会",
        "民主评议党员",
        "谈心谈话",
    ] {
        assert!(text.contains(listed), "{listed} not in {text}");
    }
    // 党课 was held this quarter; 组织生活会 is listed from October.
    assert!(
        !text.contains("党课") && !text.contains("组织生活会"),
        "{text}"
    );
    let buttons = the_buttons(&start_msg);
    assert_eq!(buttons.len(), 6, "{buttons:?}");
    let theme_day = buttons
        .iter()
        .find(|(t, _)| t.contains("主题党日"))
        .unwrap()
        .1
        .clone();
    assert_eq!(theme_day, "ol:2026-06:主题党日");
    wait_for(&h, plain_group().id, "【纪律明镜·天天照】").await;

    // May's 通报 to the bot admin: a caption and a workbook.
    let report = wait_for(&h, BOT_ADMIN, "【组织生活通报】2026年5月").await;
    assert_eq!(report.method, "sendDocument");
    let caption = report.caption.clone().unwrap();
    assert!(caption.contains("完成率：50.0%"), "{caption}");
    assert!(
        caption.contains("第一支部：支部委员会会议、党小组会"),
        "{caption}"
    );
    let (name, bytes) = report.document.clone().unwrap();
    assert_eq!(name, "组织生活通报-2026-05.xlsx");
    let summary = xlsx_sheet(&bytes, "汇总");
    assert_eq!(
        summary[0],
        [
            "群组",
            "群组ID",
            "应完成",
            "已完成",
            "完成率",
            "未完成事项",
            "督办新建",
            "按期办结",
            "逾期办结",
            "督办未办结"
        ]
    );
    assert_eq!(summary[1][6..], ["0", "0", "0", "0"]);
    assert_eq!(
        summary.len(),
        2,
        "only the branch that opted in: {summary:?}"
    );
    assert_eq!(summary[1][..4], ["第一支部", "-5001", "4", "2"]);
    assert_eq!(summary[1][4], "50.0%");
    assert_eq!(summary[1][5], "支部委员会会议、党小组会");
    let items = xlsx_sheet(&bytes, "事项明细");
    assert_eq!(
        items[0],
        ["群组", "项目", "周期", "状态", "开展日期", "主题", "登记人"]
    );
    assert_eq!(
        row(&items, "第一支部", "主题党日")[2..],
        [
            "2026年5月",
            "已完成",
            "2026-05-20",
            "学习新修订的条例",
            "支部书记"
        ]
    );
    assert_eq!(
        row(&items, "第一支部", "党课")[2..5],
        ["2026年第二季度", "已完成", "2026-04-28"]
    );
    assert_eq!(row(&items, "第一支部", "支部党员大会")[3], "本期内完成");
    assert_eq!(row(&items, "第一支部", "党小组会")[3], "未完成");
    let checkins = xlsx_sheet(&bytes, "学习记实");
    assert_eq!(checkins[0][0], "群组");
    assert_eq!(checkins.len(), 2);

    // A member's tap changes nothing.
    let toast = h
        .tap(&member(), &branch(), start_msg.message_id, &theme_day)
        .await;
    assert_eq!(toast, "只有本群管理员可以登记");
    // A branch secretary's tap marks it for June, dated today, and redraws the message.
    let edits_before = edits(&h, branch().id);
    let toast = h
        .tap(&chair(), &branch(), start_msg.message_id, &theme_day)
        .await;
    assert_eq!(toast, "已记录：主题党日");
    let arrived = poll_until(PATIENCE, || edits(&h, branch().id) > edits_before).await;
    assert!(arrived, "the reminder was not redrawn:\n{}", h.stderr());
    let shown = h
        .fake
        .message_json(branch().id, start_msg.message_id)
        .unwrap();
    assert!(
        shown["text"]
            .as_str()
            .unwrap()
            .contains("✅ 主题党日（每月） 6月1日"),
        "{shown}"
    );
    assert_eq!(
        shown["reply_markup"]["inline_keyboard"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let toast = h
        .tap(&chair(), &branch(), start_msg.message_id, &theme_day)
        .await;
    assert_eq!(toast, "主题党日本期已登记");

    // /done by an admin: a unique prefix, a date, a topic.
    let answer = h
        .say(
            &branch(),
            &chair(),
            "/done 支部委员 6-1 研究七月主题党日安排",
        )
        .await;
    assert_eq!(
        answer,
        "已记录：支部委员会会议（6月1日）\n主题：研究七月主题党日安排"
    );
    // A member's /done is refused; so are a future date and a day of May (its 通报 is out).
    let answer = h.say(&branch(), &member(), "/done 党小组会").await;
    assert!(answer.contains("管理员"), "{answer}");
    let answer = h.say(&branch(), &chair(), "/done 党小组会 6-2").await;
    assert_eq!(answer, "不能登记未来的日期。");
    let answer = h.say(&branch(), &chair(), "/done 党小组会 5-29").await;
    assert!(answer.contains("当前周期（2026年6月）"), "{answer}");
    let answer = h.say(&branch(), &chair(), "/done 支部 6-1").await;
    assert!(answer.contains("不止对应一个项目"), "{answer}");

    // Anyone may look at the checklist; /undone clears the current period's mark.
    let list = h.say(&branch(), &member(), "/orglife").await;
    assert!(list.contains("（已完成 3/7）"), "{list}");
    let answer = h.say(&branch(), &chair(), "/undone 主题党日").await;
    assert_eq!(answer, "已撤销：主题党日（2026年6月）的登记。");

    // A restart repeats nothing.
    h.stop().await;
    h.launch().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sent_with(&h, branch().id, "【月初提醒】").len(), 1);
    assert_eq!(sent_with(&h, branch().id, "【纪律明镜·天天照】").len(), 1);
    assert_eq!(sent_with(&h, BOT_ADMIN, "【组织生活通报】").len(), 1);
    assert!(sent_with(&h, plain_group().id, "【月初提醒】").is_empty());

    // What is stored: June's 支部委员会会议 with its topic, May's and April's marks kept.
    h.stop().await;
    let marks = h.store().marks_of(branch().id).unwrap();
    let june: Vec<&Mark> = marks
        .iter()
        .filter(|m| m.period == month(2026, 6))
        .collect();
    assert_eq!(june.len(), 1, "{marks:?}");
    assert_eq!(june[0].item, "支部委员会会议");
    assert_eq!(june[0].topic.as_deref(), Some("研究七月主题党日安排"));
    assert_eq!(june[0].by, chair().id);
    assert_eq!(marks.len(), 3);
}

fn edits(h: &Harness, chat: i64) -> usize {
    h.fake
        .sent_to(chat)
        .iter()
        .filter(|s| s.method == "editMessageText")
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_third_last_working_day_chases_only_the_branches_with_open_items() {
    // 26 June 2026 (Friday) is the third-last working day of June (29 and 30 follow). The
    // first branch has not held its 党课 of the quarter; the second has done everything
    // due. The branch secretary has a private chat with the bot.
    let mut doc = document();
    let q2 = Period::Quarter(2026, 2);
    for chat in [branch(), other_branch()] {
        for item in ["支部委员会会议", "党小组会", "主题党日"] {
            doc.marks
                .push(mark(&chat, item, month(2026, 6), "2026-06-05", None));
        }
        doc.marks
            .push(mark(&chat, "支部党员大会", q2, "2026-05-12", None));
    }
    doc.marks
        .push(mark(&other_branch(), "党课", q2, "2026-06-10", None));
    doc.private_chats = [chair().id].into();
    doc.admins = vec![GroupAdmin {
        chat_id: branch().id,
        user_id: chair().id,
    }];
    let subs = vec![
        subscription(&branch(), Some("2026-04-01")),
        subscription(&other_branch(), Some("2026-04-01")),
    ];
    let mut h = start("2026-06-26 07:59:57", subs, doc).await;
    h.launch().await;

    let chase = wait_for(&h, branch().id, "【月末调度】2026年6月组织生活").await;
    let text = chase.text.clone().unwrap();
    assert!(text.contains("党课"), "{text}");
    assert!(
        !text.contains("主题党日") && !text.contains("谈心谈话"),
        "{text}"
    );
    assert_eq!(
        the_buttons(&chase),
        [("☑ 党课".to_string(), "ol:2026-Q2:党课".to_string())]
    );
    let private = wait_for(&h, chair().id, "【月末调度】2026年6月组织生活 · 第一支部").await;
    assert!(private.text.unwrap().contains("党课"));
    wait_for(&h, other_branch().id, "【纪律明镜·天天照】").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(sent_with(&h, other_branch().id, "【月末调度】").is_empty());
    assert!(
        sent_with(&h, BOT_ADMIN, "【组织生活通报】").is_empty(),
        "not a 通报 day"
    );

    // The button under the 月末调度 marks the quarter's 党课.
    let toast = h
        .tap(&chair(), &branch(), chase.message_id, "ol:2026-Q2:党课")
        .await;
    assert_eq!(toast, "已记录：党课");

    // A restart repeats nothing.
    h.stop().await;
    h.launch().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sent_with(&h, branch().id, "【月末调度】").len(), 1);
    assert_eq!(sent_with(&h, chair().id, "【月末调度】").len(), 1);
    h.stop().await;
    let marks = h.store().marks_of(branch().id).unwrap();
    let lesson = marks
        .iter()
        .find(|m| m.item == "党课")
        .expect("党课 marked");
    assert_eq!((lesson.period, lesson.date), (q2, day("2026-06-26")));
}

#[tokio::test(flavor = "multi_thread")]
async fn orglife_is_switched_by_chat_admins_of_subscribed_groups() {
    let mut h = start(
        "2026-06-03 10:00:00",
        vec![subscription(&branch(), None)],
        document(),
    )
    .await;
    h.launch().await;
    let not_subscribed = other_branch();
    let answer = h.say(&not_subscribed, &chair(), "/orglife on").await;
    assert!(answer.contains("请先发送 /subscribe"), "{answer}");
    let answer = h.say(&branch(), &member(), "/orglife on").await;
    assert!(answer.contains("管理员"), "{answer}");
    let answer = h.say(&branch(), &member(), "/orglife").await;
    assert!(answer.contains("未开启组织生活提醒"), "{answer}");
    let answer = h.say(&branch(), &chair(), "/orglife on").await;
    assert!(answer.starts_with("已开启"), "{answer}");
    assert!(answer.contains("（已完成 0/7）"), "{answer}");
    let answer = h.say(&branch(), &chair(), "/done 主题党日").await;
    assert_eq!(answer, "已记录：主题党日（6月3日）");
    // Off keeps the marks: on again shows them.
    let answer = h.say(&branch(), &chair(), "/orglife off").await;
    assert!(answer.starts_with("已关闭"), "{answer}");
    let answer = h.say(&branch(), &chair(), "/done 党课").await;
    assert!(answer.contains("未开启"), "{answer}");
    let answer = h.say(&branch(), &chair(), "/orglife on").await;
    assert!(answer.contains("✅ 主题党日（每月） 6月3日"), "{answer}");

    // /report orglife: the chat admin gets the group's 通报 privately.
    h.say(&admin_chat(), &admin(), "/start").await;
    let chair_chat = ChatSpec::private_with(&chair());
    h.say(&chair_chat, &chair(), "/start").await;
    h.fake.push_update(FakeApi::text_message(
        &branch(),
        &chair(),
        "/report orglife",
    ));
    let file = wait_for_document(&h, chair().id).await;
    let answer = wait_for(&h, branch().id, "私信发送给您").await;
    assert_eq!(answer.text.unwrap(), "组织生活通报已私信发送给您。");
    assert_eq!(file.0, "组织生活通报-2026-06.xlsx");
    let rows = xlsx_sheet(&file.1, "汇总");
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "第一支部");
    // The bot admin, in private, gets every group.
    let before = h.fake.sent_to(BOT_ADMIN).len();
    h.fake.push_update(FakeApi::text_message(
        &admin_chat(),
        &admin(),
        "/report orglife 2026-06",
    ));
    let arrived = poll_until(PATIENCE, || {
        h.fake.sent_to(BOT_ADMIN)[before..]
            .iter()
            .any(|s| s.document.is_some())
    })
    .await;
    assert!(arrived, "{}", h.stderr());

    // The admins were read from Telegram, for the private copies of the 月末调度; the
    // users who wrote to the bot privately are known.
    h.stop().await;
    let store = h.store();
    assert_eq!(store.admins_of(branch().id).unwrap(), vec![chair().id]);
    assert!(store.has_private_chat(chair().id).unwrap());
}

async fn wait_for_document(h: &Harness, chat: i64) -> (String, Vec<u8>) {
    let find = || h.fake.sent_to(chat).into_iter().find_map(|s| s.document);
    assert!(
        poll_until(PATIENCE, || find().is_some()).await,
        "{}",
        h.stderr()
    );
    find().unwrap()
}
