//! 督办 end to end: the real binary against the fake Bot API, its clock walked from the
//! day two tasks are assigned (Monday 1 June 2026) to their progress milestone (day 3,
//! Thursday 4 June) and the day after (Friday 5 June).

mod common;

use std::time::Duration;

use common::{Harness, PATIENCE, Setup, button_data, chair, member, poll_until, shanghai};
use fakeapi::{ChatSpec, FakeApi, Sent, UserSpec};
use mingjing::subscription::Subscription;

fn branch() -> ChatSpec {
    ChatSpec::group(-6_001, "第一支部")
}

fn alice() -> UserSpec {
    UserSpec::new(21, "李明")
}

fn bob() -> UserSpec {
    UserSpec::new(22, "王芳")
}

fn subscription(chat: &ChatSpec) -> Subscription {
    common::workday_group(chat, None)
}

/// The bot's messages to `chat` (sent, not edits) whose text contains `marker`.
fn sent_with(h: &Harness, chat: i64, marker: &str) -> Vec<Sent> {
    h.fake
        .sent_to(chat)
        .into_iter()
        .filter(|s| s.method.starts_with("send"))
        .filter(|s| s.text.as_deref().unwrap_or_default().contains(marker))
        .collect()
}

/// Pushes `text` from `from` in `chat` and waits for the bot's new message containing
/// `marker` (card edits may come before or after it, so the first message sent is not
/// necessarily the answer).
async fn ask_for(
    h: &Harness,
    chat: &ChatSpec,
    from: &UserSpec,
    text: &str,
    marker: &str,
) -> String {
    let before = sent_with(h, chat.id, marker).len();
    h.fake.push_update(FakeApi::text_message(chat, from, text));
    let arrived = poll_until(PATIENCE, || sent_with(h, chat.id, marker).len() > before).await;
    assert!(arrived, "no {marker:?} after {text:?}:\n{}", h.stderr());
    sent_with(h, chat.id, marker)[before]
        .text
        .clone()
        .unwrap_or_default()
}

async fn wait_for(h: &Harness, chat: i64, marker: &str) -> Sent {
    let arrived = poll_until(Duration::from_secs(30), || {
        !sent_with(h, chat, marker).is_empty()
    })
    .await;
    assert!(arrived, "no {marker:?} to {chat}:\n{}", h.stderr());
    sent_with(h, chat, marker).remove(0)
}

/// The card as the group sees it now (after edits).
fn shown(h: &Harness, card: &Sent) -> String {
    let m = h.fake.message_json(card.chat_id, card.message_id).unwrap();
    m["text"].as_str().unwrap().to_string()
}

/// The bot on Monday 1 June 2026 at 10:00 (working days), the branch subscribed, its chair
/// an admin of it.
async fn start() -> Harness {
    let g = branch();
    let mut h = Harness::prepare(Setup {
        schedule: Some("[schedule]\ndays = \"workdays\"".into()),
        now: Some(shanghai("2026-06-01 10:00:00")),
        subscriptions: vec![subscription(&g)],
        ..Setup::default()
    })
    .await;
    h.fake.add_chat(g.clone());
    h.fake.set_member_status(g.id, chair().id, "administrator");
    h.launch().await;
    h
}

#[tokio::test(flavor = "multi_thread")]
async fn tasks_are_assigned_reported_chased_and_told_overdue() {
    let (g, mut h) = (branch(), start().await);

    // Only a chat admin assigns; bad titles are explained and change nothing.
    let answer = h.say(&g, &member(), "/task 报送半年工作总结").await;
    assert!(answer.contains("管理员"), "{answer}");
    let answer = h.say(&g, &chair(), "/task").await;
    assert!(answer.contains("请写明督办事项"), "{answer}");
    let answer = h.say(&g, &chair(), "/task 12 13").await;
    assert!(answer.contains("不能只有数字"), "{answer}");
    let answer = h
        .say(&g, &chair(), &format!("/task {}", "长".repeat(201)))
        .await;
    assert!(answer.contains("最多 200 个字"), "{answer}");
    let answer = h.say(&g, &chair(), "/task 7").await;
    assert!(answer.contains("没有督办事项 #7"), "{answer}");

    // The card: day 0 today, 进展 day 3, 结果 day 7; three buttons.
    let card = h
        .answer(FakeApi::text_message(
            &g,
            &chair(),
            "/task 报送半年工作总结",
        ))
        .await;
    let text = card.text.clone().unwrap();
    assert!(
        text.starts_with("<b>【督办 #1】报送半年工作总结</b>"),
        "{text}"
    );
    assert!(text.contains("行动：6月1日前"), "{text}");
    assert!(text.contains("进展：6月4日前"), "{text}");
    assert!(text.contains("结果：6月8日前"), "{text}");
    let second = h
        .answer(FakeApi::text_message(&g, &chair(), "/task 重大 整改台账"))
        .await;
    assert!(second.text.as_deref().unwrap().contains("结果：6月16日前"));
    let toast = h
        .tap(
            &bob(),
            &g,
            second.message_id,
            &button_data(&second, "已行动"),
        )
        .await;
    assert_eq!(toast, "已记录：行动");

    // Two members tap 已行动: the first is recorded, the second is told so.
    let toast = h
        .tap(&alice(), &g, card.message_id, &button_data(&card, "已行动"))
        .await;
    assert_eq!(toast, "已记录：行动");
    let toast = h
        .tap(&bob(), &g, card.message_id, &button_data(&card, "已行动"))
        .await;
    assert_eq!(toast, "已记录过");
    let edited = poll_until(PATIENCE, || shown(&h, &card).contains("✅ 李明")).await;
    assert!(edited, "the card was not edited: {}", shown(&h, &card));

    // 报进展 asks for the text; a reply to that prompt is the progress.
    let toast = h
        .tap(&bob(), &g, card.message_id, &button_data(&card, "报进展"))
        .await;
    assert!(toast.contains("回复"), "{toast}");
    let prompt = wait_for(&h, g.id, "请直接回复本消息").await;
    let prompt_json = h.fake.message_json(g.id, prompt.message_id).unwrap();
    let reply = FakeApi::reply_to(&g, &bob(), "已完成初稿，正在征求意见", &prompt_json);
    h.fake.push_update(reply);
    let answer = wait_for(&h, g.id, "已记录进展").await;
    assert_eq!(
        answer.text.unwrap(),
        "已记录进展：【督办 #1】报送半年工作总结"
    );
    let edited = poll_until(PATIENCE, || {
        shown(&h, &card).contains("最新进展：已完成初稿")
    })
    .await;
    assert!(edited, "{}", shown(&h, &card));

    // Thursday 4 June, day 3: #2 has no progress yet and is chased after the morning
    // message; #1 has its progress and is not.
    h.stop().await;
    h.jump_to(shanghai("2026-06-04 07:59:57"));
    h.launch().await;
    let chase = wait_for(&h, g.id, "督办提醒").await;
    let morning = wait_for(&h, g.id, "【纪律明镜·天天照】").await;
    assert!(morning.message_id < chase.message_id);
    let text = chase.text.unwrap();
    assert!(
        text.contains("【督办 #2】整改台账 · 进展 6月4日前"),
        "{text}"
    );
    assert!(!text.contains("#1"), "{text}");

    // More progress on #1, by command.
    let answer = ask_for(
        &h,
        &g,
        &bob(),
        "/progress 1 已报送分管领导审核",
        "已记录进展",
    )
    .await;
    assert_eq!(answer, "已记录进展：【督办 #1】报送半年工作总结");
    // (The card's edit comes after the answer: wait for it before the next question.)
    let edited = poll_until(PATIENCE, || shown(&h, &card).contains("已报送分管领导审核")).await;
    assert!(edited, "{}", shown(&h, &card));
    let answer = h.say(&g, &bob(), "/progress 9 无此事项").await;
    assert!(answer.contains("没有督办事项 #9"), "{answer}");

    // The branch secretary has a private chat with the bot: they are told of misses.
    let secretary = ChatSpec::private_with(&chair());
    h.say(&secretary, &chair(), "/start").await;
    // /tasks: open tasks, the next milestone first.
    let board = h.say(&g, &member(), "/tasks").await;
    let (one, two) = (board.find("#1").unwrap(), board.find("#2").unwrap());
    assert!(two < one, "{board}");

    // Friday 5 June: #2 missed its progress milestone: 逾期 on /tasks and for the admin,
    // once; a restart repeats nothing.
    h.stop().await;
    h.jump_to(shanghai("2026-06-05 07:59:57"));
    h.launch().await;
    let notice = wait_for(&h, chair().id, "逾期").await;
    let text = notice.text.unwrap();
    assert!(
        text.contains("【督办 #2】整改台账") && text.contains("6月4日前"),
        "{text}"
    );
    let board = h.say(&g, &member(), "/tasks").await;
    assert!(board.contains("逾期"), "{board}");
    let (one, two) = (board.find("#1").unwrap(), board.find("#2").unwrap());
    assert!(two < one, "逾期 first: {board}");
    // 已办结 straight away finishes #1; it is no longer listed.
    let toast = h
        .tap(&alice(), &g, card.message_id, &button_data(&card, "已办结"))
        .await;
    assert_eq!(toast, "已记录：结果");
    // (The card's edit follows the toast: wait for it before the next question.)
    let edited = poll_until(PATIENCE, || shown(&h, &card).contains("状态：已办结")).await;
    assert!(edited, "{}", shown(&h, &card));
    let board = h.say(&g, &member(), "/tasks").await;
    assert!(!board.contains("#1"), "{board}");
    let answer = ask_for(&h, &g, &chair(), "/task 2 撤销", "已撤销").await;
    assert_eq!(answer, "已撤销：【督办 #2】整改台账。");
    let toast = h
        .tap(
            &alice(),
            &g,
            second.message_id,
            &button_data(&second, "已行动"),
        )
        .await;
    assert_eq!(toast, "该督办事项已撤销或办结");
    h.stop().await;
    h.launch().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(sent_with(&h, chair().id, "逾期").len(), 1);
    assert_eq!(sent_with(&h, g.id, "督办提醒").len(), 1);

    // The history of a task.
    let history = h.say(&g, &member(), "/task 1").await;
    assert!(history.contains("已完成初稿，正在征求意见"), "{history}");
    assert!(history.contains("已报送分管领导审核"), "{history}");
    assert!(history.contains("状态：已办结"), "{history}");

    // The group's /report has the month's tasks: #1 done on time, #2 cancelled.
    h.fake
        .push_update(FakeApi::text_message(&g, &chair(), "/report 2026-06"));
    let report = wait_for(&h, chair().id, "学习记实 · 第一支部").await;
    let text = report.text.unwrap();
    assert!(
        text.contains("督办：本月新建 2 项，按期办结 1 项，逾期办结 0 项，未办结 0 项"),
        "{text}"
    );
}

/// A card and a progress prompt that meet a short 429 (a group's 20 messages a minute)
/// wait it out rather than be lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_card_and_a_prompt_wait_out_a_short_429() {
    let (g, h) = (branch(), start().await);

    h.fake.fail_next_sends(1, fakeapi::Fault::RetryAfter(1));
    let card = h
        .answer(FakeApi::text_message(
            &g,
            &chair(),
            "/task 报送半年工作总结",
        ))
        .await;
    assert!(card.text.as_deref().unwrap().contains("【督办 #1】"));
    h.fake.fail_next_sends(1, fakeapi::Fault::RetryAfter(1));
    let toast = h
        .tap(&alice(), &g, card.message_id, &button_data(&card, "报进展"))
        .await;
    assert!(!toast.is_empty());
    wait_for(&h, g.id, "请直接回复本消息").await;
    assert_eq!(h.fake.count_429(), 2);
}
