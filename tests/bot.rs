//! The chat commands end to end: the real binary against the fake Bot API, as members, group
//! admins and bot admins would use them, then the database as the bot left it.

mod common;

use common::{BOT_ADMIN, Harness, Setup, admin, admin_chat, chair, group, id_in, member, today};
use fakeapi::{ChatSpec, FakeApi, UserSpec};
use mingjing::calendar::DayRule;
use mingjing::content::Category;

async fn with_chair() -> Harness {
    let h = Harness::start().await;
    h.fake
        .set_member_status(group().id, chair().id, "administrator");
    h
}

#[tokio::test]
async fn start_registers_the_menu_and_help_fits_the_asker() {
    let h = with_chair().await;
    // Start-up: the webhook is deleted and the menu registered, in Chinese, per audience.
    assert_eq!(h.fake.requests_of("deleteWebhook").len(), 1);
    let menus = h.fake.requests_of("setMyCommands");
    assert!(menus.len() >= 4, "{menus:?}");
    let text = |r: &fakeapi::Request| r.params.to_string();
    assert!(
        menus
            .iter()
            .any(|r| text(r).contains("今日提醒") && !text(r).contains("\"add\""))
    );
    let admin_menu = menus
        .iter()
        .find(|r| text(r).contains(&BOT_ADMIN.to_string()))
        .expect("a menu for the bot admin's private chat");
    assert!(text(admin_menu).contains("\"del\""), "{}", text(admin_menu));

    // A member of a group sees the member commands, an admin also the subscription ones.
    let help = h.say(&group(), &member(), "/help").await;
    assert!(
        help.contains("/today") && help.contains("/status"),
        "{help}"
    );
    assert!(
        !help.contains("/settime") && !help.contains("/add"),
        "{help}"
    );
    assert!(help.contains("群管理员发送 /subscribe"), "{help}");
    let help = h.say(&group(), &chair(), "/start").await;
    assert!(
        help.contains("/settime HH:MM") && !help.contains("/add"),
        "{help}"
    );
    // A bot admin in private sees everything.
    let help = h.say(&admin_chat(), &admin(), "/help").await;
    assert!(
        help.contains("/add 类别") && help.contains("/del 编号"),
        "{help}"
    );
    let mut h = h;
    h.stop().await;
}

#[tokio::test]
async fn start_in_a_private_chat_shows_the_users_id_for_the_operator() {
    let h = with_chair().await;
    let user = UserSpec::new(123_456_789, "新管理员");
    let private = ChatSpec::private_with(&user);
    let sent = h
        .answer(FakeApi::text_message(&private, &user, "/start"))
        .await;
    let raw = sent.text.clone().unwrap();
    assert!(raw.contains("您的用户 ID：<code>123456789</code>"), "{raw}");
    // As the user reads it (the id tap-to-copy), with what to do with it.
    let shown = h.fake.message_json(private.id, sent.message_id).unwrap();
    let shown = shown["text"].as_str().unwrap();
    assert!(shown.contains("您的用户 ID：123456789\n"), "{shown}");
    assert!(shown.contains("告知运维人员"), "{shown}");
    // A bot admin is told they are one already.
    let start = h.say(&admin_chat(), &admin(), "/start").await;
    assert!(
        start.contains(&format!("您的用户 ID：<code>{BOT_ADMIN}</code>")),
        "{start}"
    );
    assert!(start.contains("您已是机器人管理员"), "{start}");
    // Not in a group, and not under /help.
    let start = h.say(&group(), &chair(), "/start").await;
    assert!(!start.contains("用户 ID"), "{start}");
    let help = h.say(&private, &user, "/help").await;
    assert!(!help.contains("用户 ID"), "{help}");
}

#[tokio::test]
async fn a_group_admin_manages_the_subscription() {
    let mut h = with_chair().await;
    let (g, chair) = (group(), chair());

    let a = h.say(&g, &chair, "/subscribe").await;
    assert!(
        a.starts_with("已订阅，本群将收到每日“纪律明镜·天天照”提醒。"),
        "{a}"
    );
    assert!(
        a.contains("投递时间：08:00（默认）\n投递日：每天（默认）\n"),
        "{a}"
    );
    assert!(a.contains("下次投递："), "{a}");
    // Idempotent; a time given the second time is taken.
    let a = h.say(&g, &chair, "/subscribe").await;
    assert!(a.starts_with("本群已订阅"), "{a}");
    let a = h.say(&g, &chair, "/subscribe 07:30").await;
    assert!(a.contains("投递时间已改为 07:30"), "{a}");
    let a = h.say(&g, &chair, "/settime 06:45").await;
    assert!(a.starts_with("投递时间已改为 06:45"), "{a}");
    let a = h.say(&g, &chair, "/setdays workdays").await;
    assert!(a.starts_with("投递日已改为工作日"), "{a}");
    let a = h.say(&g, &member(), "/status").await;
    for part in [
        "状态：已订阅",
        "投递时间：06:45",
        "投递日：工作日",
        "最近投递：暂无记录",
    ] {
        assert!(a.contains(part), "{part}: {a}");
    }

    let a = h.say(&g, &chair, "/unsubscribe").await;
    assert!(a.starts_with("已退订"), "{a}");
    let a = h.say(&g, &chair, "/unsubscribe").await;
    assert!(a.contains("尚未订阅"), "{a}");
    let a = h.say(&g, &member(), "/status").await;
    assert!(a.contains("已停用（管理员已退订）"), "{a}");
    // Changing the time of a stopped subscription keeps it stopped, and says so.
    let a = h.say(&g, &chair, "/settime 07:00").await;
    assert!(a.contains("订阅当前已停用"), "{a}");
    let a = h.say(&g, &chair, "/subscribe").await;
    assert!(a.starts_with("已恢复订阅"), "{a}");

    h.stop().await;
    let sub = h.store().subscription(g.id).unwrap().expect("stored");
    assert!(sub.active && sub.reason.is_none(), "{sub:?}");
    assert_eq!(sub.time.unwrap().to_string(), "07:00:00");
    assert_eq!(sub.days, Some(DayRule::Workdays));
    assert_eq!(
        (sub.kind.as_str(), sub.title.as_str()),
        ("group", "第一支部")
    );
    assert_eq!(sub.subscribed_by, chair.id);
}

#[tokio::test]
async fn members_may_not_manage_subscriptions() {
    let mut h = with_chair().await;
    let g = group();
    for cmd in [
        "/subscribe",
        "/unsubscribe",
        "/settime 07:00",
        "/settime 25:00",
        "/setdays everyday",
    ] {
        let a = h.say(&g, &member(), cmd).await;
        assert_eq!(a, "此命令仅限本群管理员使用。", "{cmd}");
    }
    // The bot asked Telegram who the member is.
    assert!(!h.fake.requests_of("getChatMember").is_empty());
    h.stop().await;
    assert_eq!(h.store().subscription(g.id).unwrap(), None);
}

#[tokio::test]
async fn anonymous_admins_and_bot_admins_may_manage_any_group() {
    let mut h = Harness::start().await;
    let g = group();
    // An anonymous admin posts as the group itself.
    let a = h.answer(FakeApi::sender_chat(&g, "/subscribe 07:15")).await;
    assert!(
        a.text.as_deref().unwrap_or("").starts_with("已订阅"),
        "{a:?}"
    );
    // A bot admin who is only a member of another group.
    let other = ChatSpec::supergroup(-1_001_234_567_890, "机关党委");
    let a = h.say(&other, &admin(), "/subscribe").await;
    assert!(a.starts_with("已订阅"), "{a}");
    h.stop().await;
    let store = h.store();
    let anonymous = store.subscription(g.id).unwrap().unwrap();
    assert_eq!(anonymous.subscribed_by, g.id);
    assert_eq!(anonymous.time.unwrap().to_string(), "07:15:00");
    let by_admin = store.subscription(other.id).unwrap().unwrap();
    assert_eq!(
        (by_admin.subscribed_by, by_admin.kind.as_str()),
        (BOT_ADMIN, "supergroup")
    );
}

#[tokio::test]
async fn a_private_chat_subscribes_itself() {
    let mut h = Harness::start().await;
    let user = UserSpec::new(555, "个人");
    let chat = ChatSpec::private_with(&user);
    let a = h.say(&chat, &user, "/subscribe 23:59:59").await;
    assert!(a.starts_with("已订阅，本会话将收到"), "{a}");
    assert!(a.contains("投递时间：23:59:59"), "{a}");
    // 00:00 has always passed: the first delivery is tomorrow.
    let a = h.say(&chat, &user, "/settime 00:00").await;
    assert!(a.contains("今天的投递时间已过，将从明天开始"), "{a}");
    h.stop().await;
    let sub = h.store().subscription(user.id).unwrap().unwrap();
    assert_eq!((sub.kind.as_str(), sub.title.as_str()), ("private", "个人"));
}

#[tokio::test]
async fn a_subscription_after_todays_time_starts_tomorrow() {
    let mut h = with_chair().await;
    let a = h.say(&group(), &chair(), "/subscribe 00:00").await;
    assert!(a.contains("今天的投递时间已过，将从明天开始"), "{a}");
    let tomorrow = mingjing::edition::date_line(today().succ_opt().unwrap());
    assert!(a.contains(&format!("下次投递：{tomorrow} 00:00")), "{a}");
    h.stop().await;
}

#[tokio::test]
async fn bad_times_and_day_rules_change_nothing() {
    let mut h = with_chair().await;
    let (g, chair) = (group(), chair());
    let cases = [
        ("/subscribe 25:00", "时间格式不正确：“25:00”"),
        ("/subscribe 8点", "时间格式不正确：“8点”"),
        ("/settime", "请给出时间，例如 /settime 07:30"),
        ("/settime 7.30", "时间格式不正确"),
        ("/setdays", "请给出投递日"),
        ("/setdays weekly", "无法识别投递日 “weekly”"),
    ];
    for (cmd, want) in cases {
        let a = h.say(&g, &chair, cmd).await;
        assert!(a.contains(want), "{cmd}: {a}");
    }
    // Rule changes need a subscription first.
    let a = h.say(&g, &chair, "/settime 07:00").await;
    assert!(a.contains("尚未订阅"), "{a}");
    h.stop().await;
    assert_eq!(h.store().subscription(g.id).unwrap(), None);
}

#[tokio::test]
async fn commands_are_read_with_any_spacing_and_for_this_bot_only() {
    let mut h = with_chair().await;
    let (g, chair) = (group(), chair());
    // Addressed to another bot: ignored.
    h.silent(
        FakeApi::text_message(&g, &chair, "/subscribe@other_bot"),
        &g,
        &chair,
    )
    .await;
    // Unknown commands: ignored in a group unless addressed to this bot.
    h.silent(FakeApi::text_message(&g, &chair, "/weather"), &g, &chair)
        .await;
    let a = h.say(&g, &chair, "/weather@mingjing_bot").await;
    assert!(a.contains("未知命令 /weather"), "{a}");
    let a = h.say(&admin_chat(), &admin(), "/weather").await;
    assert!(a.contains("未知命令"), "{a}");
    // Addressed to this bot, with a full-width space; a line break before the argument.
    let a = h.say(&g, &chair, "/subscribe@mingjing_bot　07：20").await;
    assert!(a.starts_with("已订阅") && a.contains("07:20"), "{a}");
    let a = h.say(&g, &chair, "/settime\n06:10").await;
    assert!(a.starts_with("投递时间已改为 06:10"), "{a}");
    let a = h
        .say(&admin_chat(), &admin(), "/add　廉政　全角空格之后的文本")
        .await;
    let id = id_in(&a);
    h.stop().await;
    let store = h.store();
    assert_eq!(
        store
            .subscription(g.id)
            .unwrap()
            .unwrap()
            .time
            .unwrap()
            .to_string(),
        "06:10:00"
    );
    assert_eq!(store.item(id).unwrap().unwrap().text, "全角空格之后的文本");
}

#[tokio::test]
async fn content_commands_are_for_bot_admins_in_private() {
    let mut h = with_chair().await;
    for cmd in ["/add 廉政 文本", "/list", "/edit 1 文本", "/del 1"] {
        let a = h.say(&group(), &admin(), cmd).await;
        assert_eq!(a, "内容管理命令请在与本机器人的私聊中使用。", "{cmd}");
        let a = h.say(&group(), &chair(), cmd).await;
        assert_eq!(a, "内容管理命令请在与本机器人的私聊中使用。", "{cmd}");
        let user = member();
        let a = h.say(&ChatSpec::private_with(&user), &user, cmd).await;
        assert_eq!(a, "此命令仅限机器人管理员使用。", "{cmd}");
    }
    h.stop().await;
    assert!(h.store().item(1).unwrap().is_some(), "nothing was deleted");
}

#[tokio::test]
async fn add_list_edit_del_keep_texts_exactly() {
    let mut h = Harness::start().await;
    let (chat, me) = (admin_chat(), admin());
    let typed = "<b>不收</b> & 礼金 😀\n第二行：“引号” 'x' \"y\"";
    let a = h.say(&chat, &me, &format!("/add 廉政 {typed}")).await;
    assert!(a.starts_with("已添加 #"), "{a}");
    let id = id_in(&a);
    let a = h
        .say(
            &chat,
            &me,
            "/add quote\n打铁必须自身硬。——《习近平谈治国理政》",
        )
        .await;
    let quote = id_in(&a);

    // /list shows the escaped start of the text; the fake parsed it as Telegram HTML.
    let a = h.say(&chat, &me, "/list 廉政 999").await;
    assert!(a.starts_with("没有第 999 页"), "{a}");
    let pages: usize = {
        let a = h.say(&chat, &me, "/list 廉政").await;
        let total = a.split("第 1/").nth(1).unwrap();
        total
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap()
    };
    let last = h.say(&chat, &me, &format!("/list 廉政 {pages}")).await;
    assert!(
        last.contains(&format!(
            "#{id} 廉政 &lt;b&gt;不收&lt;/b&gt; &amp; 礼金 😀 第二行：“引号…"
        )),
        "{last}"
    );
    let all = h.say(&chat, &me, "/list").await;
    assert!(
        all.contains("第 1/") && all.contains("下一页：/list 2"),
        "{all}"
    );

    let a = h
        .say(&chat, &me, &format!("/edit #{quote} 空谈误国，实干兴邦。"))
        .await;
    assert_eq!(
        a,
        format!("已修改 #{quote}（习语）。当日已生成的内容不变，修改从下一期起生效。")
    );
    let a = h.say(&chat, &me, &format!("/del {quote}")).await;
    assert!(
        a.starts_with(&format!("已删除 #{quote}（习语）：空谈误国")),
        "{a}"
    );
    let a = h.say(&chat, &me, &format!("/del {quote}")).await;
    assert!(a.starts_with(&format!("没有 #{quote} 这一条")), "{a}");
    let a = h.say(&chat, &me, &format!("/edit {quote} 复活")).await;
    assert!(a.starts_with(&format!("没有 #{quote} 这一条")), "{a}");

    h.stop().await;
    let store = h.store();
    let item = store.item(id).unwrap().unwrap();
    assert_eq!(item.text, typed);
    assert_eq!(
        (item.category, item.source.as_deref(), item.added_by),
        (Category::Integrity, None, Some(BOT_ADMIN))
    );
    assert_eq!(store.item(quote).unwrap(), None);
}

#[tokio::test]
async fn add_as_a_reply_takes_the_replied_text() {
    let mut h = Harness::start().await;
    let (chat, me) = (admin_chat(), admin());
    let original = FakeApi::text_message(&chat, &me, "严守政治纪律\n和政治规矩——《准则》");
    h.fake.push_update(original.clone());
    let a = h
        .answer(FakeApi::reply_to(&chat, &me, "/add 政治", &original))
        .await;
    let id = id_in(a.text.as_deref().unwrap());
    // A replied message without text.
    let location = serde_json::json!({
        "message_id": 77,
        "date": 1_764_000_000,
        "chat": chat.to_json(),
        "from": me.to_json(),
        "location": {"latitude": 39.9, "longitude": 116.4},
    });
    let a = h
        .answer(FakeApi::reply_to(&chat, &me, "/add 政治", &location))
        .await;
    assert_eq!(a.text.as_deref(), Some("被回复的消息没有文字，无法添加。"));
    let a = h.say(&chat, &me, "/add 政治").await;
    assert!(a.contains("请给出条目文本"), "{a}");
    h.stop().await;
    let item = h.store().item(id).unwrap().unwrap();
    assert_eq!(
        (item.text.as_str(), item.source.as_deref()),
        ("严守政治纪律\n和政治规矩", Some("《准则》"))
    );
}

#[tokio::test]
async fn near_identical_texts_are_refused_naming_the_item() {
    let mut h = Harness::start().await;
    let (chat, me) = (admin_chat(), admin());
    let a = h
        .say(&chat, &me, "/add 纪律 他说：“严守纪律，不越红线！”")
        .await;
    let first = id_in(&a);
    let a = h.say(&chat, &me, "/add 作风 另一条：实干兴邦。").await;
    let second = id_in(&a);
    let count = {
        h.stop().await;
        let n = h.store().items().unwrap().len();
        h.launch().await;
        n
    };

    // Spaces, half-width punctuation and other quotation marks: the same text, in any category.
    let a = h
        .say(&chat, &me, "/add 廉政 他说: \"严守纪律, 不越红线!\"")
        .await;
    assert!(a.starts_with(&format!("与 #{first} 重复")), "{a}");
    let a = h
        .say(
            &chat,
            &me,
            &format!("/edit {second} 他说：「严守 纪律，不越红线！」"),
        )
        .await;
    assert!(a.starts_with(&format!("与 #{first} 重复")), "{a}");
    // An item edited to its own text is not a duplicate of itself.
    let a = h
        .say(&chat, &me, &format!("/edit {second} 另一条: 实干兴邦."))
        .await;
    assert!(a.starts_with(&format!("已修改 #{second}")), "{a}");

    h.stop().await;
    let store = h.store();
    assert_eq!(store.items().unwrap().len(), count, "nothing was added");
    assert_eq!(
        store.item(second).unwrap().unwrap().text,
        "另一条: 实干兴邦."
    );
}

#[tokio::test]
async fn bad_content_commands_change_nothing() {
    let mut h = Harness::start().await;
    let (chat, me) = (admin_chat(), admin());
    let long = "长".repeat(501);
    let long_source = format!("文本——{}", "源".repeat(101));
    let cases = [
        (
            "/add 政法 文本".to_string(),
            "没有 “政法” 这个类别。可用类别：政治、纪律、作风、廉政、习语、法规、经典。",
        ),
        ("/add".into(), "请给出类别"),
        (
            format!("/add 政治 {long}"),
            "文本有 501 个字，最多 500 个字。",
        ),
        (
            format!("/add 政治 {long_source}"),
            "出处有 101 个字，最多 100 个字。",
        ),
        ("/add 习语 没有出处的引语".into(), "习语类条目须注明出处"),
        ("/add 政治 ——《只有出处》".into(), "请给出条目文本"),
        ("/edit abc 文本".into(), "条目编号不正确：“abc”"),
        ("/edit 1".into(), "请给出新的文本"),
        (format!("/edit 1 {long}"), "最多 500 个字"),
        ("/edit 999999 文本".into(), "没有 #999999 这一条"),
        ("/del".into(), "请给出条目编号"),
        ("/del x".into(), "条目编号不正确：“x”"),
        ("/del 999999".into(), "没有 #999999 这一条"),
        ("/list 政法".into(), "没有 “政法” 这个类别"),
        ("/list 政治 0".into(), "页码不正确：“0”"),
    ];
    // The bot notes who has a private chat with it: that is the one record a first message
    // makes, so the admin says hello before the snapshot.
    h.say(&chat, &me, "/help").await;
    let before = {
        h.stop().await;
        let export = h.store().export().unwrap();
        h.launch().await;
        export
    };
    assert!(before.private_chats.contains(&me.id));
    for (cmd, want) in &cases {
        let a = h.say(&chat, &me, cmd).await;
        assert!(a.contains(want), "{cmd}: {a}");
    }
    h.stop().await;
    assert_eq!(h.store().export().unwrap(), before);
}

#[tokio::test]
async fn today_shows_the_fixed_edition_without_delivering_it() {
    let mut h = Harness::start().await;
    let (g, m) = (group(), member());
    let first = h.say(&g, &m, "/today").await;
    assert!(first.starts_with("【纪律明镜·天天照】"), "{first}");
    assert!(
        first.contains(&mingjing::edition::date_line(today())),
        "{first}"
    );
    assert!(
        first.contains("<b>政治提醒</b>") && first.contains("<b>第一议题</b>"),
        "{first}"
    );
    assert_eq!(h.say(&g, &m, "/today").await, first);
    let card = h.say(&g, &m, "/study").await;
    assert!(
        card.starts_with("【逢会必学】") && card.contains("<b>法规</b>"),
        "{card}"
    );
    h.stop().await;
    let store = h.store();
    assert_eq!(store.stored_edition(today()).unwrap().unwrap().html, first);
    assert!(store.deliveries_on(today()).unwrap().is_empty());
}

#[tokio::test]
async fn today_and_study_without_items() {
    let mut h = Harness::start_with(Setup {
        reminders: Some(vec![]),
        ..Setup::default()
    })
    .await;
    let (g, m) = (group(), member());
    assert_eq!(
        h.say(&g, &m, "/today").await,
        "内容库暂无条目，今日没有内容。"
    );
    assert_eq!(
        h.say(&g, &m, "/study").await,
        "内容库暂无学习条目（习语、法规、经典）。"
    );
    assert_eq!(h.say(&admin_chat(), &admin(), "/list").await, "暂无条目。");
    h.stop().await;
    assert_eq!(h.store().stored_edition(today()).unwrap(), None);
}
