//! The fake driven by a real teloxide `Bot`: every answer must parse as teloxide 0.17 reads
//! Telegram, and every fault must reach the bot as the error PITFALLS.md describes.

use std::time::{Duration, Instant};

use fakeapi::{ChatSpec, FakeApi, Fault, Options, UserSpec};
use teloxide::prelude::*;
use teloxide::types::{
    ChatMemberKind, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageEntityKind,
    MessageId, ParseMode, ReplyParameters, UpdateKind,
};
use teloxide::{ApiError, RequestError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const GROUP: i64 = -4_001_234_567;
const SUPERGROUP: i64 = -1_001_234_567_890;

async fn start(opts: Options) -> (FakeApi, Bot) {
    let fake = FakeApi::start(opts).await;
    let bot = Bot::new("123:TEST").set_api_url(url::Url::parse(&fake.url()).unwrap());
    (fake, bot)
}

fn no_limits() -> Options {
    Options {
        limits: false,
        ..Options::default()
    }
}

/// The updates `get_updates` returns right now (no waiting).
async fn updates(bot: &Bot) -> Vec<Update> {
    bot.get_updates().timeout(0).await.expect("getUpdates")
}

#[tokio::test]
async fn get_me_answers_the_bot() {
    let (_fake, bot) = start(Options::default()).await;
    let me = bot.get_me().await.expect("getMe parses as Me");
    assert_eq!(me.username(), "mingjing_bot");
    assert_eq!(me.id, UserId(100));
    assert!(me.is_bot);
    // teloxide's polling asks for the webhook first.
    let info = bot.get_webhook_info().await.expect("getWebhookInfo");
    assert!(info.url.is_none());
    bot.delete_webhook().await.expect("deleteWebhook");
}

#[tokio::test]
async fn send_message_returns_a_message_and_is_recorded() {
    let (fake, bot) = start(Options::default()).await;
    fake.add_chat(ChatSpec::group(GROUP, "学习小组"));
    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "✅ 已学习 · 0",
        "ci:1",
    )]]);
    let msg = bot
        .send_message(ChatId(GROUP), "<b>纪律明镜</b> &lt;天天照&gt;")
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard.clone())
        .await
        .expect("sendMessage parses as Message");
    assert_eq!(msg.id, MessageId(1));
    assert_eq!(msg.chat.id, ChatId(GROUP));
    assert_eq!(msg.chat.title(), Some("学习小组"));
    assert!(msg.chat.is_group());
    assert_eq!(msg.from.as_ref().map(|u| u.id), Some(UserId(100)));
    assert_eq!(
        msg.text(),
        Some("纪律明镜 <天天照>"),
        "Telegram returns the plain text"
    );
    assert_eq!(msg.reply_markup(), Some(&keyboard));

    let second = bot.send_message(ChatId(GROUP), "second").await.unwrap();
    assert_eq!(second.id, MessageId(2), "message ids count up per chat");
    let private = bot.send_message(ChatId(7), "hi").await.unwrap();
    assert_eq!(private.id, MessageId(1));
    assert!(private.chat.is_private());

    let sent = fake.sent();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0].method, "sendMessage");
    assert_eq!(sent[0].chat_id, GROUP);
    assert_eq!(sent[0].message_id, 1);
    assert_eq!(
        sent[0].text.as_deref(),
        Some("<b>纪律明镜</b> &lt;天天照&gt;")
    );
    assert_eq!(sent[0].parse_mode.as_deref(), Some("HTML"));
    assert_eq!(
        sent[0].reply_markup.as_ref().unwrap()["inline_keyboard"][0][0]["callback_data"],
        "ci:1"
    );
    assert!(!sent[0].allow_paid_broadcast);
    assert_eq!(fake.sent_to(7).len(), 1);
    assert_eq!(fake.requests_of("sendMessage").len(), 3);

    // Replies: to a known message, and to an unknown one.
    let reply = bot
        .send_message(ChatId(GROUP), "reply")
        .reply_parameters(ReplyParameters::new(MessageId(1)))
        .await
        .unwrap();
    assert_eq!(reply.reply_to_message().map(|m| m.id), Some(MessageId(1)));
    let err = bot
        .send_message(ChatId(GROUP), "reply")
        .reply_parameters(ReplyParameters::new(MessageId(999)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToReplyNotFound)),
        "{err:?}"
    );
}

#[tokio::test]
async fn pushed_text_update_comes_back_from_get_updates() {
    let (fake, bot) = start(Options::default()).await;
    let group = ChatSpec::group(GROUP, "学习小组");
    let alice = UserSpec::new(7, "Alice").with_username("alice");
    fake.push_update(FakeApi::text_message(
        &group,
        &alice,
        "/subscribe@mingjing_bot 08:00",
    ));

    let got = updates(&bot).await;
    assert_eq!(got.len(), 1);
    let UpdateKind::Message(msg) = &got[0].kind else {
        panic!("not parsed as a message: {:?}", got[0].kind);
    };
    assert_eq!(msg.text(), Some("/subscribe@mingjing_bot 08:00"));
    assert_eq!(msg.chat.id, ChatId(GROUP));
    assert_eq!(
        msg.from.as_ref().unwrap().username.as_deref(),
        Some("alice")
    );
    let entities = msg.entities().unwrap();
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0].kind, MessageEntityKind::BotCommand);
    assert_eq!((entities[0].offset, entities[0].length), (0, 23));

    // Not confirmed yet: comes again. Confirmed by the offset: gone.
    assert_eq!(updates(&bot).await.len(), 1);
    let next = got[0].id.as_offset();
    assert!(
        bot.get_updates()
            .offset(next)
            .timeout(0)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(fake.pending_updates(), 0);

    // A long poll returns as soon as an update is pushed.
    let poll = tokio::spawn({
        let bot = bot.clone();
        async move {
            let t = Instant::now();
            let got = bot.get_updates().offset(next).timeout(10).await.unwrap();
            (got, t.elapsed())
        }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    // (In a private chat: privacy mode would keep a plain "hello" in the group from the bot.)
    let private = ChatSpec::private_with(&alice);
    fake.push_update(FakeApi::text_message(&private, &alice, "hello"));
    let (got, took) = poll.await.unwrap();
    assert_eq!(got.len(), 1);
    assert!(matches!(&got[0].kind, UpdateKind::Message(m) if m.text() == Some("hello")));
    assert!(took < Duration::from_secs(3), "long poll took {took:?}");

    // An empty long poll waits for its timeout.
    let t = Instant::now();
    let offset = got[0].id.as_offset();
    assert!(
        bot.get_updates()
            .offset(offset)
            .timeout(1)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(t.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn reply_sender_chat_and_migration_updates_parse() {
    let (fake, bot) = start(Options::default()).await;
    let group = ChatSpec::group(GROUP, "学习小组");
    let alice = UserSpec::new(7, "Alice");
    let bot_msg = bot.send_message(ChatId(GROUP), "今日一条").await.unwrap();
    let replied = fake.message_json(GROUP, bot_msg.id.0).unwrap();
    fake.push_update(FakeApi::reply_to(&group, &alice, "/add 类别", &replied));
    fake.push_update(FakeApi::sender_chat(&group, "/subscribe"));
    fake.push_update(FakeApi::migrate_to_chat_id(&group, &alice, SUPERGROUP));
    let supergroup = ChatSpec::supergroup(SUPERGROUP, "学习小组");
    fake.push_update(FakeApi::migrate_from_chat_id(&supergroup, &alice, GROUP));

    let got = updates(&bot).await;
    let msgs: Vec<&Message> = got
        .iter()
        .map(|u| match &u.kind {
            UpdateKind::Message(m) => m,
            other => panic!("not parsed as a message: {other:?}"),
        })
        .collect();
    assert_eq!(msgs.len(), 4);
    let r = msgs[0].reply_to_message().expect("reply_to_message");
    assert_eq!(r.id, bot_msg.id);
    assert_eq!(r.from.as_ref().unwrap().id, UserId(100));
    assert_eq!(
        msgs[1].sender_chat.as_ref().map(|c| c.id),
        Some(ChatId(GROUP))
    );
    assert!(msgs[1].from.as_ref().unwrap().is_anonymous());
    assert_eq!(msgs[2].migrate_to_chat_id(), Some(&ChatId(SUPERGROUP)));
    assert_eq!(msgs[3].migrate_from_chat_id(), Some(&ChatId(GROUP)));
    assert!(msgs[3].chat.is_supergroup());

    // The fake learnt the migration: the old id now answers with the migrate error.
    let err = bot.send_message(ChatId(GROUP), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::MigrateToChatId(ChatId(SUPERGROUP))),
        "{err:?}"
    );
}

#[tokio::test]
async fn get_chat_member_returns_the_set_status() {
    let (fake, bot) = start(Options::default()).await;
    fake.add_chat(ChatSpec::supergroup(SUPERGROUP, "大群"));
    fake.add_user(UserSpec::new(1, "Owner"));
    let cases = [
        (1, "creator"),
        (2, "administrator"),
        (3, "member"),
        (4, "restricted"),
        (5, "left"),
        (6, "kicked"),
    ];
    for (user, status) in cases {
        fake.set_member_status(SUPERGROUP, user, status);
    }
    for (user, status) in cases {
        let m = bot
            .get_chat_member(ChatId(SUPERGROUP), UserId(user as u64))
            .await
            .unwrap_or_else(|e| panic!("{status}: {e:?}"));
        assert_eq!(m.user.id, UserId(user as u64));
        let ok = match status {
            "creator" => matches!(m.kind, ChatMemberKind::Owner(_)),
            "administrator" => matches!(m.kind, ChatMemberKind::Administrator(_)),
            "member" => matches!(m.kind, ChatMemberKind::Member(_)),
            "restricted" => matches!(m.kind, ChatMemberKind::Restricted(_)),
            "left" => matches!(m.kind, ChatMemberKind::Left),
            _ => matches!(m.kind, ChatMemberKind::Banned(_)),
        };
        assert!(ok, "{status} came back as {:?}", m.kind);
    }
    let owner = bot
        .get_chat_member(ChatId(SUPERGROUP), UserId(1))
        .await
        .unwrap();
    assert_eq!(owner.user.first_name, "Owner");
    // Nobody set: a member.
    let m = bot
        .get_chat_member(ChatId(SUPERGROUP), UserId(99))
        .await
        .unwrap();
    assert!(m.kind.is_member());

    let admins = bot
        .get_chat_administrators(ChatId(SUPERGROUP))
        .await
        .unwrap();
    let ids: Vec<UserId> = admins.iter().map(|a| a.user.id).collect();
    assert_eq!(ids, vec![UserId(1), UserId(2)], "creator first");
    let err = bot.get_chat_administrators(ChatId(7)).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::Unknown(_))),
        "{err:?}"
    );

    let chat = bot
        .get_chat(ChatId(SUPERGROUP))
        .await
        .expect("getChat parses as ChatFullInfo");
    assert!(chat.is_supergroup());
    assert_eq!(chat.title(), Some("大群"));
    let private = bot.get_chat(ChatId(7)).await.unwrap();
    assert!(private.is_private());
    let group = bot.get_chat(ChatId(GROUP)).await.unwrap();
    assert!(group.is_group());
}

#[tokio::test]
async fn faults_reach_teloxide_as_the_documented_errors() {
    let (fake, bot) = start(Options::default()).await;

    fake.set_chat_fault(-1, Some(Fault::RetryAfter(7)));
    let err = bot.send_message(ChatId(-1), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::RetryAfter(s) if s.seconds() == 7),
        "{err:?}"
    );
    assert_eq!(fake.count_429(), 1);

    fake.set_chat_fault(
        -2,
        Some(Fault::Forbidden(
            "Forbidden: bot was kicked from the group chat".into(),
        )),
    );
    let err = bot.send_message(ChatId(-2), "x").await.unwrap_err();
    assert!(
        matches!(&err, RequestError::Api(ApiError::Unknown(s)) if s == "Forbidden: bot was kicked from the group chat"),
        "{err:?}"
    );

    fake.set_chat_fault(
        -3,
        Some(Fault::Forbidden(
            "Forbidden: bot was kicked from the supergroup chat".into(),
        )),
    );
    let err = bot.send_message(ChatId(-3), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::BotKickedFromSupergroup)),
        "{err:?}"
    );

    fake.set_chat_fault(
        -4,
        Some(Fault::BadRequest("Bad Request: chat not found".into())),
    );
    let err = bot.send_message(ChatId(-4), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ChatNotFound)),
        "{err:?}"
    );

    fake.set_chat_fault(-5, Some(Fault::MigrateTo(SUPERGROUP)));
    let err = bot.send_message(ChatId(-5), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::MigrateToChatId(ChatId(SUPERGROUP))),
        "{err:?}"
    );

    fake.set_chat_fault(-6, Some(Fault::DropConnection));
    let err = bot.send_message(ChatId(-6), "x").await.unwrap_err();
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");
    assert!(
        fake.sent().is_empty(),
        "faulty calls are not recorded as sent"
    );

    // Cleared: the chat works again.
    fake.set_chat_fault(-6, None);
    bot.send_message(ChatId(-6), "x").await.unwrap();

    // Next-n faults hit any chat, once each, in order.
    fake.fail_next_sends(1, Fault::DropAfterSend);
    fake.fail_next_sends(1, Fault::BadRequest("Bad Request: chat not found".into()));
    let err = bot.send_message(ChatId(-7), "x").await.unwrap_err();
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");
    assert_eq!(fake.sent_to(-7).len(), 1, "DropAfterSend records the send");
    let err = bot.send_message(ChatId(-8), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ChatNotFound)),
        "{err:?}"
    );
    bot.send_message(ChatId(-8), "x").await.unwrap();
    assert_eq!(fake.sent().len(), 3);
}

#[tokio::test]
async fn server_error_is_api_unknown_after_teloxides_sleep() {
    let (fake, bot) = start(Options::default()).await;
    fake.fail_next_sends(1, Fault::ServerError);
    let t = Instant::now();
    let err = bot.send_message(ChatId(-1), "x").await.unwrap_err();
    assert!(
        matches!(&err, RequestError::Api(ApiError::Unknown(s)) if s == "Internal Server Error"),
        "{err:?}"
    );
    assert!(
        t.elapsed() >= Duration::from_secs(9),
        "teloxide sleeps 10 s on 5xx"
    );
}

#[tokio::test]
async fn slow_and_delay_hold_the_answer_back() {
    let (fake, bot) = start(Options::default()).await;
    fake.fail_next_sends(1, Fault::Slow(Duration::from_millis(400)));
    let t = Instant::now();
    bot.send_message(ChatId(-1), "x").await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(400));
    fake.set_delay(Duration::from_millis(300));
    let t = Instant::now();
    bot.get_me().await.unwrap();
    assert!(t.elapsed() >= Duration::from_millis(300));
    fake.clear();
    let t = Instant::now();
    bot.get_me().await.unwrap();
    assert!(t.elapsed() < Duration::from_millis(300));
    assert!(fake.sent().is_empty() && fake.requests().len() == 1);
}

#[tokio::test]
async fn group_limit_answers_429_on_the_21st_send() {
    let (fake, bot) = start(Options::default()).await;
    for i in 0..20 {
        bot.send_message(ChatId(GROUP), format!("#{i}"))
            .await
            .unwrap_or_else(|e| panic!("#{i}: {e:?}"));
    }
    let err = bot.send_message(ChatId(GROUP), "#21").await.unwrap_err();
    let RequestError::RetryAfter(after) = err else {
        panic!("{err:?}")
    };
    assert!(
        (55..=60).contains(&after.seconds()),
        "retry_after {}",
        after.seconds()
    );
    assert_eq!(fake.count_429(), 1);
    assert_eq!(fake.sent().len(), 20, "the 429 is not recorded as sent");
    // Other groups are not affected.
    bot.send_message(ChatId(GROUP - 1), "x").await.unwrap();
}

#[tokio::test]
async fn private_overall_and_paid_limits() {
    let (fake, bot) = start(Options::default()).await;
    bot.send_message(ChatId(7), "1").await.unwrap();
    let err = bot.send_message(ChatId(7), "2").await.unwrap_err();
    assert!(
        matches!(err, RequestError::RetryAfter(s) if s.seconds() == 1),
        "{err:?}"
    );

    assert_eq!(fake.count_429(), 1);

    // 30 per second overall: 30 distinct chats pass, the next is refused…
    fake.clear();
    let t = Instant::now();
    for id in 1..=30 {
        bot.send_message(ChatId(-id), "x").await.unwrap();
    }
    let refused = bot.send_message(ChatId(-100), "x").await;
    // (Only meaningful if the 31 calls fit in the one-second window of a loaded machine.)
    if t.elapsed() < Duration::from_millis(900) {
        let err = refused.unwrap_err();
        assert!(
            matches!(err, RequestError::RetryAfter(s) if s.seconds() == 1),
            "{err:?}"
        );
        assert_eq!(fake.count_429(), 1);
    }
    // …unless it is a paid broadcast.
    for id in 200..250 {
        bot.send_message(ChatId(-id), "x")
            .allow_paid_broadcast(true)
            .await
            .unwrap();
    }
    assert!(fake.sent().last().unwrap().allow_paid_broadcast);

    fake.set_limits(false);
    for _ in 0..5 {
        bot.send_message(ChatId(7), "x").await.unwrap();
    }
}

#[tokio::test]
async fn callback_query_update_parses() {
    let (fake, bot) = start(Options::default()).await;
    let group = ChatSpec::group(GROUP, "学习小组");
    let alice = UserSpec::new(7, "Alice");
    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "✅ 已学习",
        "ci:2025-01-02",
    )]]);
    let sent = bot
        .send_message(ChatId(GROUP), "今日")
        .reply_markup(keyboard.clone())
        .await
        .unwrap();
    fake.push_update(fake.callback_query(&alice, sent.id.0, &group, "ci:2025-01-02"));
    // A button under a message the fake does not know still parses.
    fake.push_update(fake.callback_query(&alice, 4242, &group, "x"));

    let got = updates(&bot).await;
    let UpdateKind::CallbackQuery(q) = &got[0].kind else {
        panic!("not parsed as a callback query: {:?}", got[0].kind);
    };
    assert_eq!(q.data.as_deref(), Some("ci:2025-01-02"));
    assert_eq!(q.from.id, UserId(7));
    let m = q.regular_message().expect("a regular message");
    assert_eq!(m.id, sent.id);
    assert_eq!(m.text(), Some("今日"));
    assert_eq!(m.reply_markup(), Some(&keyboard));
    assert!(matches!(&got[1].kind, UpdateKind::CallbackQuery(q) if q.regular_message().is_some()));

    bot.answer_callback_query(q.id.clone())
        .text("已记录")
        .await
        .unwrap();
}

#[tokio::test]
async fn my_chat_member_updates_parse_and_change_the_bots_membership() {
    let (fake, bot) = start(Options::default()).await;
    let group = ChatSpec::group(GROUP, "学习小组");
    let supergroup = ChatSpec::supergroup(SUPERGROUP, "大群");
    let alice = UserSpec::new(7, "Alice");
    fake.push_update(fake.bot_added(&group, &alice));
    fake.push_update(fake.bot_kicked(&group, &alice));
    fake.push_update(fake.my_chat_member(&supergroup, &alice, "administrator", "kicked"));
    fake.push_update(fake.bot_kicked(&ChatSpec::private_with(&alice), &alice));

    let got = updates(&bot).await;
    assert_eq!(got.len(), 4);
    for u in &got {
        let UpdateKind::MyChatMember(m) = &u.kind else {
            panic!("{:?}", u.kind)
        };
        assert_eq!(m.new_chat_member.user.id, UserId(100));
    }
    let UpdateKind::MyChatMember(added) = &got[0].kind else {
        unreachable!()
    };
    assert!(added.new_chat_member.kind.is_member() && added.old_chat_member.kind.is_left());

    let err = bot.send_message(ChatId(GROUP), "x").await.unwrap_err();
    assert!(
        matches!(&err, RequestError::Api(ApiError::Unknown(s)) if s == "Forbidden: bot was kicked from the group chat"),
        "{err:?}"
    );
    let err = bot.send_message(ChatId(SUPERGROUP), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::BotKickedFromSupergroup)),
        "{err:?}"
    );
    let err = bot.send_message(ChatId(7), "x").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::BotBlocked)),
        "{err:?}"
    );

    // Added again: sends work.
    fake.push_update(fake.bot_added(&group, &alice));
    bot.send_message(ChatId(GROUP), "x").await.unwrap();
    // Leaving: "not a member".
    bot.leave_chat(ChatId(GROUP)).await.unwrap();
    let err = bot.send_message(ChatId(GROUP), "x").await.unwrap_err();
    assert!(
        matches!(&err, RequestError::Api(ApiError::Unknown(s)) if s == "Forbidden: bot is not a member of the group chat"),
        "{err:?}"
    );
}

#[tokio::test]
async fn send_document_records_the_upload() {
    let (fake, bot) = start(Options::default()).await;
    let csv = "日期,用户\n2025-01-02,Alice\n".as_bytes().to_vec();
    let msg = bot
        .send_document(
            ChatId(7),
            InputFile::memory(csv.clone()).file_name("report-2025-01.csv"),
        )
        .caption("<b>一月</b> 记实")
        .parse_mode(ParseMode::Html)
        .await
        .expect("sendDocument parses as Message");
    let doc = msg.document().expect("a document message");
    assert_eq!(doc.file_name.as_deref(), Some("report-2025-01.csv"));
    assert_eq!(doc.file.size as usize, csv.len());
    assert_eq!(msg.caption(), Some("一月 记实"));

    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "sendDocument");
    assert_eq!(sent[0].chat_id, 7);
    assert_eq!(
        sent[0].document,
        Some(("report-2025-01.csv".to_owned(), csv))
    );
    assert_eq!(sent[0].caption.as_deref(), Some("<b>一月</b> 记实"));
    assert_eq!(sent[0].parse_mode.as_deref(), Some("HTML"));
}

#[tokio::test]
async fn edits_delete_and_their_errors() {
    let (fake, bot) = start(no_limits()).await;
    let keyboard = |n: u32| {
        InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
            format!("✅ 已学习 · {n}"),
            "ci:1",
        )]])
    };
    let msg = bot
        .send_message(ChatId(GROUP), "今日")
        .reply_markup(keyboard(0))
        .await
        .unwrap();
    let edited = bot
        .edit_message_reply_markup(ChatId(GROUP), msg.id)
        .reply_markup(keyboard(1))
        .await
        .expect("editMessageReplyMarkup parses as Message");
    assert_eq!(edited.reply_markup(), Some(&keyboard(1)));
    assert!(edited.edit_date().is_some());
    let err = bot
        .edit_message_reply_markup(ChatId(GROUP), msg.id)
        .reply_markup(keyboard(1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageNotModified)),
        "{err:?}"
    );

    let edited = bot
        .edit_message_text(ChatId(GROUP), msg.id, "今日（改）")
        .reply_markup(keyboard(1))
        .await
        .unwrap();
    assert_eq!(edited.text(), Some("今日（改）"));
    let err = bot
        .edit_message_text(ChatId(GROUP), msg.id, "今日（改）")
        .reply_markup(keyboard(1))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageNotModified)),
        "{err:?}"
    );
    let err = bot
        .edit_message_text(ChatId(GROUP), MessageId(77), "x")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToEditNotFound)),
        "{err:?}"
    );

    let methods: Vec<String> = fake.sent().into_iter().map(|s| s.method).collect();
    assert_eq!(
        methods,
        ["sendMessage", "editMessageReplyMarkup", "editMessageText"]
    );
    assert_eq!(fake.sent()[2].message_id, msg.id.0);

    bot.delete_message(ChatId(GROUP), msg.id).await.unwrap();
    let err = bot.delete_message(ChatId(GROUP), msg.id).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageToDeleteNotFound)),
        "{err:?}"
    );
}

#[tokio::test]
async fn bad_html_and_long_texts_are_refused_like_telegram() {
    let (fake, bot) = start(no_limits()).await;
    let err = bot
        .send_message(ChatId(-1), "1 < 2")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::CantParseEntities(_))),
        "{err:?}"
    );
    let err = bot
        .send_message(ChatId(-1), "字".repeat(4097))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageIsTooLong)),
        "{err:?}"
    );
    bot.send_message(ChatId(-1), "字".repeat(4096))
        .await
        .unwrap();
    let err = bot.send_message(ChatId(-1), "  ").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageTextIsEmpty)),
        "{err:?}"
    );
    assert_eq!(fake.sent().len(), 1);
}

#[tokio::test]
async fn commands_and_unknown_methods() {
    let (fake, bot) = start(Options::default()).await;
    bot.set_my_commands(vec![teloxide::types::BotCommand::new("subscribe", "订阅")])
        .await
        .unwrap();
    let commands = bot.get_my_commands().await.unwrap();
    assert_eq!(commands[0].command, "subscribe");

    // teloxide cannot call an unknown method: speak HTTP by hand.
    let mut tcp = tokio::net::TcpStream::connect(fake.addr()).await.unwrap();
    let req = "POST /bot123:TEST/sendPigeon HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
               Content-Length: 2\r\nConnection: close\r\n\r\n{}";
    tcp.write_all(req.as_bytes()).await.unwrap();
    let mut answer = String::new();
    tcp.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    assert!(
        answer.ends_with(
            r#"{"ok":false,"error_code":404,"description":"Not Found: method not found"}"#
        ),
        "{answer}"
    );
    assert_eq!(fake.requests_of("sendPigeon").len(), 1);
}

#[tokio::test]
async fn dropping_the_last_handle_stops_the_server() {
    let (fake, bot) = start(Options::default()).await;
    let other = fake.clone();
    drop(fake);
    bot.get_me().await.expect("a clone keeps it running");
    drop(other);
    tokio::task::yield_now().await;
    let err = bot.get_me().await.unwrap_err();
    assert!(matches!(err, RequestError::Network(_)), "{err:?}");
}

#[tokio::test]
async fn wait_for_sent_wakes_on_sends_and_times_out() {
    let (fake, bot) = start(Options::default()).await;
    let t = Instant::now();
    assert!(
        fake.wait_for_sent(1, Duration::from_millis(200))
            .await
            .is_empty()
    );
    assert!(t.elapsed() >= Duration::from_millis(200));
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for id in 1..=3 {
            bot.send_message(ChatId(-id), "x").await.unwrap();
        }
    });
    let sent = fake.wait_for_sent(3, Duration::from_secs(5)).await;
    assert_eq!(sent.len(), 3);
}

#[tokio::test]
async fn a_teloxide_dispatcher_runs_against_the_fake() {
    let (fake, bot) = start(Options::default()).await;
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        if msg.text() == Some("/ping") {
            bot.send_message(msg.chat.id, "pong").await?;
        }
        respond(())
    });
    let mut dispatcher = Dispatcher::builder(bot, handler).build();
    let shutdown = dispatcher.shutdown_token();
    let running = tokio::spawn(async move { dispatcher.dispatch().await });

    let group = ChatSpec::group(GROUP, "学习小组");
    fake.push_update(FakeApi::text_message(
        &group,
        &UserSpec::new(7, "Alice"),
        "/ping",
    ));
    let sent = fake.wait_for_sent(1, Duration::from_secs(10)).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        (sent[0].chat_id, sent[0].text.as_deref()),
        (GROUP, Some("pong"))
    );

    shutdown
        .shutdown()
        .expect("the dispatcher is running")
        .await;
    running.await.unwrap();
    let methods: Vec<String> = fake.requests().into_iter().map(|r| r.method).collect();
    for m in ["getMe", "getWebhookInfo", "getUpdates"] {
        assert!(
            methods.iter().any(|x| x == m),
            "{m} not called: {methods:?}"
        );
    }
    assert_eq!(
        fake.pending_updates(),
        0,
        "the dispatcher confirmed the update on shutdown"
    );
}

/// Not a correctness test: how many sendMessage per second the fake serves with limits off
/// (client in the same process, so a lower bound). Run with
/// `cargo test -p fakeapi --release --test teloxide -- --ignored --nocapture throughput`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn throughput() {
    let (fake, bot) = start(Options {
        limits: false,
        record_requests: false,
        ..Options::default()
    })
    .await;
    let n = 20_000;
    let concurrency = 64;
    let t = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let bot = bot.clone();
        tasks.push(tokio::spawn(async move {
            for i in (w..n).step_by(concurrency) {
                bot.send_message(ChatId(-(i as i64) - 1), "纪律明镜·天天照")
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(fake.sent_count(), n);
    println!("{n} sendMessage in {secs:.2} s: {:.0}/s", n as f64 / secs);
}

#[tokio::test]
async fn get_me_tells_the_privacy_setting_and_it_can_be_switched() {
    let (fake, bot) = start(Options::default()).await;
    let me = bot.get_me().await.unwrap();
    assert!(
        !me.can_read_all_group_messages,
        "a new bot is in privacy mode"
    );
    assert!(me.can_join_groups);
    fake.set_can_read_all_group_messages(true);
    assert!(bot.get_me().await.unwrap().can_read_all_group_messages);
    let (_fake, bot) = start(Options {
        can_read_all_group_messages: true,
        can_join_groups: false,
        ..Options::default()
    })
    .await;
    let me = bot.get_me().await.unwrap();
    assert!(me.can_read_all_group_messages && !me.can_join_groups);
}

#[tokio::test]
async fn privacy_mode_hides_ordinary_group_messages_unless_the_bot_is_an_admin() {
    let (fake, bot) = start(Options::default()).await;
    let group = ChatSpec::group(GROUP, "学习小组");
    let alice = UserSpec::new(7, "Alice");
    let text = |t: &str| FakeApi::text_message(&group, &alice, t);
    // Hidden: an ordinary message. Given: a command, a mention, a reply to the bot, a
    // service message, and everything in a private chat.
    fake.push_update(text("收到，今天学习了"));
    fake.push_update(text("/report"));
    fake.push_update(text("请 @mingjing_bot 看一下"));
    let mine = bot.send_message(ChatId(GROUP), "请回复进展").await.unwrap();
    let mine = fake.message_json(GROUP, mine.id.0).unwrap();
    fake.push_update(FakeApi::reply_to(&group, &alice, "已完成初稿", &mine));
    fake.push_update(FakeApi::migrate_to_chat_id(&group, &alice, SUPERGROUP));
    let private = ChatSpec::private_with(&alice);
    fake.push_update(FakeApi::text_message(&private, &alice, "你好"));
    assert_eq!(fake.withheld(), 1);
    let got = updates(&bot).await;
    let texts: Vec<Option<&str>> = got
        .iter()
        .map(|u| match &u.kind {
            UpdateKind::Message(m) => m.text(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        [
            Some("/report"),
            Some("请 @mingjing_bot 看一下"),
            Some("已完成初稿"),
            None,
            Some("你好")
        ]
    );

    // As an admin, or with privacy mode off, the bot sees everything.
    let other = ChatSpec::supergroup(SUPERGROUP - 1, "大群");
    fake.set_member_status(other.id, 100, "administrator");
    fake.push_update(FakeApi::text_message(&other, &alice, "收到"));
    fake.set_can_read_all_group_messages(true);
    fake.push_update(text("收到，明天也学"));
    assert_eq!(fake.withheld(), 1);
    let offset = got.last().unwrap().id.0 as i32 + 1;
    let got = bot.get_updates().offset(offset).timeout(0).await.unwrap();
    assert_eq!(got.len(), 2);
}

#[tokio::test]
async fn get_chat_member_count_counts_the_bot_and_can_be_set_or_fail() {
    let (fake, bot) = start(Options::default()).await;
    let group = ChatSpec::group(GROUP, "学习小组");
    let (alice, bob) = (UserSpec::new(7, "Alice"), UserSpec::new(8, "Bob"));
    // The bot alone, then the members the fake learns of: a poster, an admin, a newcomer
    // who then leaves.
    assert_eq!(bot.get_chat_member_count(ChatId(GROUP)).await.unwrap(), 1);
    fake.push_update(FakeApi::text_message(&group, &alice, "早"));
    fake.set_member_status(GROUP, bob.id, "administrator");
    assert_eq!(bot.get_chat_member_count(ChatId(GROUP)).await.unwrap(), 3);
    fake.set_member_status(GROUP, bob.id, "left");
    assert_eq!(bot.get_chat_member_count(ChatId(GROUP)).await.unwrap(), 2);
    // Set by the test.
    fake.set_member_count(GROUP, Some(57));
    assert_eq!(bot.get_chat_member_count(ChatId(GROUP)).await.unwrap(), 57);
    fake.set_member_count(GROUP, None);
    assert_eq!(bot.get_chat_member_count(ChatId(GROUP)).await.unwrap(), 2);
    // A method fault, whatever the chat; a kicked bot gets Telegram's 403.
    fake.set_method_fault(
        "getChatMemberCount",
        Some(Fault::BadRequest("Bad Request: chat not found".into())),
    );
    let err = bot.get_chat_member_count(ChatId(GROUP)).await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::ChatNotFound)),
        "{err:?}"
    );
    fake.set_method_fault("getchatmembercount", None);
    fake.push_update(fake.bot_kicked(&group, &alice));
    let err = bot.get_chat_member_count(ChatId(GROUP)).await.unwrap_err();
    assert!(
        matches!(&err, RequestError::Api(ApiError::Unknown(s)) if s.starts_with("Forbidden")),
        "{err:?}"
    );
    assert_eq!(fake.requests_of("getChatMemberCount").len(), 7);
}

#[tokio::test]
async fn the_client_view_shows_a_chat_in_order_with_edits_answers_and_files() {
    let (fake, bot) = start(no_limits()).await;
    let group = ChatSpec::group(GROUP, "学习小组");
    let alice = UserSpec::new(7, "张三");
    fake.set_time_offset(86_400_000);
    let changes = fake.changes();
    fake.push_update(fake.stamp(FakeApi::text_message(&group, &alice, "/today <x>")));
    assert!(changes.has_changed().unwrap(), "a push is a change");
    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "✅ 已学习",
        "ci:1",
    )]]);
    let msg = bot
        .send_message(
            ChatId(GROUP),
            "<b>纪律</b> &amp; <a href=\"javascript:x\">明镜</a>",
        )
        .parse_mode(ParseMode::Html)
        .reply_markup(keyboard)
        .await
        .unwrap();
    let tap = fake.callback_query(&alice, msg.id.0, &group, "ci:1");
    let tap_id = tap["callback_query"]["id"].as_str().unwrap().to_owned();
    fake.push_update(tap);
    let q = updates(&bot).await;
    let UpdateKind::CallbackQuery(q) = &q.last().unwrap().kind else {
        panic!("{q:?}")
    };
    bot.answer_callback_query(q.id.clone())
        .text("已记录")
        .await
        .unwrap();
    bot.edit_message_reply_markup(ChatId(GROUP), msg.id)
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![
            InlineKeyboardButton::callback("✅ 已学习 · 1", "ci:1"),
        ]]))
        .await
        .unwrap();
    bot.send_document(
        ChatId(GROUP),
        InputFile::memory(b"a,b\n".to_vec()).file_name("r.csv"),
    )
    .await
    .unwrap();

    let shown = fake.history(GROUP);
    assert_eq!(shown.len(), 3, "{shown:#?}");
    let (asked, morning, file) = (&shown[0], &shown[1], &shown[2]);
    assert_eq!(
        (
            asked.from_name.as_str(),
            asked.html.as_str(),
            asked.from_bot
        ),
        ("张三", "/today &lt;x&gt;", false)
    );
    let tomorrow = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
        + 86_400;
    assert!(
        (asked.date - tomorrow).abs() <= 2,
        "stamped with the world's clock"
    );
    assert!(
        (morning.date - tomorrow).abs() <= 2,
        "the bot's messages too"
    );
    assert!(morning.from_bot && morning.edited);
    assert_eq!(morning.html, "<b>纪律</b> &amp; <a>明镜</a>");
    assert_eq!(morning.text, "纪律 & 明镜");
    assert_eq!(
        morning.buttons,
        vec![vec![("✅ 已学习 · 1".to_owned(), "ci:1".to_owned())]]
    );
    assert_eq!(
        fake.callback_answer(&tap_id),
        Some((Some("已记录".to_owned()), false))
    );
    let (name, id) = file.document.clone().expect("a document");
    assert_eq!(name, "r.csv");
    assert_eq!(fake.file(&id).as_deref(), Some(&b"a,b\n"[..]));
    assert!(fake.history(7).is_empty());
}
