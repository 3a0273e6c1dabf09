//! Check-in (记实) end to end: the real binary against the fake Bot API. Members tap the
//! `✅ 已学习` button under a morning message; admins switch it and ask for the monthly
//! report, which arrives in their private chat as a summary, a CSV and its `.xlsx` twin.

mod common;

use std::time::Duration;

use calamine::Data;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use common::{
    BOT_ADMIN, Harness, PATIENCE, Setup, admin, admin_chat, button, chair, group,
    group_subscription, member, next_to, on_start_day, the_day_before, time, today, xlsx_rows,
    xlsx_sheet, xlsx_sheet_names, xlsx_values,
};
use fakeapi::{ChatSpec, FakeApi, Fault, Sent, UserSpec};
use mingjing::calendar::{Calendar, DayRule};
use mingjing::checkin::{CheckIn, Member};
use mingjing::delivery::{Delivery, State};
use mingjing::store::Document;
use mingjing::subscription::Subscription;

fn members(n: i64) -> Vec<UserSpec> {
    (0..n)
        .map(|i| UserSpec::new(1_000 + i, &format!("成员{i}")))
        .collect()
}

/// A group subscription due at 08:00, made the day before.
fn at_eight(chat: &ChatSpec) -> Subscription {
    let mut sub = group_subscription(chat.id, time("08:00:00"), the_day_before());
    sub.title = chat.title.clone().unwrap_or_default();
    sub
}

/// The bot with `subs` imported and `schedule` (the default if `None`), its clock `secs`
/// seconds before 08:00 on the tests' day (see [`common::today`]).
async fn before_eight(secs: i64, subs: Vec<Subscription>, schedule: Option<&str>) -> Harness {
    Harness::start_with(Setup {
        schedule: schedule.map(String::from),
        now: Some(on_start_day("08:00:00") - chrono::Duration::seconds(secs)),
        subscriptions: subs,
        ..Setup::default()
    })
    .await
}

/// The morning message of `chat`, waiting for it.
async fn morning(h: &Harness, chat: &ChatSpec) -> Sent {
    let find = || {
        h.fake.sent_to(chat.id).into_iter().find(|s| {
            s.text
                .as_deref()
                .is_some_and(|t| t.starts_with("【纪律明镜·天天照】"))
        })
    };
    let arrived = common::poll_until(Duration::from_secs(30), || find().is_some()).await;
    assert!(arrived, "no morning message:\n{}", h.stderr());
    find().unwrap()
}

fn data(date: NaiveDate) -> String {
    format!("ck:{}", date.format("%Y-%m-%d"))
}

/// Waits until the button under the message shows `label`.
async fn label_shows(h: &Harness, chat: &ChatSpec, message_id: i32, label: &str) {
    let shown = common::poll_until(PATIENCE, || {
        h.button_label(chat.id, message_id).as_deref() == Some(label)
    })
    .await;
    assert!(
        shown,
        "the label is {:?}, not {label:?}:\n{}",
        h.button_label(chat.id, message_id),
        h.stderr()
    );
}

fn edits(h: &Harness, chat: &ChatSpec) -> usize {
    h.fake
        .sent_to(chat.id)
        .iter()
        .filter(|s| s.method == "editMessageReplyMarkup")
        .count()
}

#[tokio::test]
async fn members_check_in_once_a_day_and_the_records_stay() {
    let g = group();
    let mut h = before_eight(3, vec![at_eight(&g)], None).await;
    h.fake.set_member_status(g.id, chair().id, "administrator");

    // The morning message carries the button, with the date in its data.
    let morning = morning(&h, &g).await;
    let (label, callback) = button(morning.reply_markup.as_ref().unwrap()).unwrap();
    assert_eq!(label, "✅ 已学习");
    assert_eq!(callback, data(today()));
    let id = morning.message_id;

    // Three members tap; one taps twice: recorded once, the count does not change.
    let (a, b, c) = (member(), chair(), UserSpec::new(9, "王五"));
    assert_eq!(h.tap(&a, &g, id, &callback).await, "已记录");
    assert_eq!(h.tap(&b, &g, id, &callback).await, "已记录");
    assert_eq!(h.tap(&a, &g, id, &callback).await, "今天已经记录过了");
    assert_eq!(h.tap(&c, &g, id, &callback).await, "已记录");
    label_shows(&h, &g, id, "✅ 已学习 · 3").await;
    assert!(edits(&h, &g) <= 3, "{} edits", edits(&h, &g));

    // An old day's message: within 7 days recorded for that day, later only answered.
    let within = today() - chrono::Duration::days(7);
    let late = today() - chrono::Duration::days(8);
    let d = UserSpec::new(10, "赵六");
    let toast = h.tap(&d, &g, id, &data(within)).await;
    assert!(toast.starts_with("已记录（"), "{toast}");
    let toast = h.tap(&d, &g, id, &data(late)).await;
    assert!(toast.contains("超过 7 天"), "{toast}");
    // Data that is not ours, or of a future date, is answered and nothing else.
    let future = today() + chrono::Duration::days(1);
    assert_eq!(h.tap(&d, &g, id, "nonsense").await, "此按钮已失效。");
    assert_eq!(h.tap(&d, &g, id, &data(future)).await, "此按钮已失效。");

    // Records survive a restart; a tap after /unsubscribe is still answered and recorded.
    h.stop().await;
    h.launch().await;
    let answer = h.say(&g, &chair(), "/unsubscribe").await;
    assert!(answer.starts_with("已退订"), "{answer}");
    assert_eq!(h.tap(&d, &g, id, &callback).await, "已记录");
    assert_eq!(h.tap(&a, &g, id, &callback).await, "今天已经记录过了");
    label_shows(&h, &g, id, "✅ 已学习 · 4").await;

    // The group becomes a supergroup: its records move with it.
    let to = -1_004_001;
    h.fake
        .push_update(FakeApi::migrate_to_chat_id(&g, &chair(), to));
    let moved = ChatSpec::supergroup(to, "第一支部");
    h.silent(
        FakeApi::migrate_from_chat_id(&moved, &chair(), g.id),
        &moved,
        &chair(),
    )
    .await;
    h.stop().await;
    let store = h.store();
    assert_eq!(store.checkin_count(to, today()).unwrap(), 4);
    assert_eq!(store.checkin_count(to, within).unwrap(), 1);
    assert_eq!(store.checkin_count(to, late).unwrap(), 0);
    assert!(store.checkins_of(g.id, late, today()).unwrap().is_empty());
    let names: Vec<String> = store
        .members_of(to)
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    assert_eq!(names, vec!["党员", "支部书记", "王五", "赵六"]);
    assert_eq!(
        store
            .delivery(&common::edition(today(), to))
            .unwrap()
            .unwrap()
            .state,
        State::Sent,
        "the delivery log moved too"
    );
}

#[tokio::test]
async fn a_burst_of_taps_makes_a_few_edits_and_shows_the_final_count() {
    let g = group();
    let mut h = before_eight(3, vec![at_eight(&g)], None).await;
    let id = morning(&h, &g).await.message_id;
    let callback = data(today());

    // 100 members tap within about two seconds.
    let crowd = members(100);
    let mut taps = Vec::new();
    for m in &crowd {
        taps.push(h.push_tap(m, &g, id, &callback));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for t in &taps {
        assert_eq!(h.toast(t).await, "已记录");
    }
    label_shows(&h, &g, id, "✅ 已学习 · 100").await;
    // Nothing more comes after the final count.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let n = edits(&h, &g);
    assert!((1..=5).contains(&n), "{n} edits for 100 taps");
    assert_eq!(h.button_label(g.id, id).as_deref(), Some("✅ 已学习 · 100"));
    h.stop().await;
    assert_eq!(h.store().checkin_count(g.id, today()).unwrap(), 100);
}

#[tokio::test]
async fn check_in_can_be_switched_off_per_chat() {
    let (on, off) = (group(), ChatSpec::group(-4_002, "第二支部"));
    let mut h = before_eight(8, vec![at_eight(&on), at_eight(&off)], None).await;
    h.fake
        .set_member_status(off.id, chair().id, "administrator");

    // Only admins switch it; switching does not put today's delivery off.
    let answer = h.say(&off, &member(), "/checkin off").await;
    assert_eq!(answer, "此命令仅限本群管理员使用。");
    let answer = h.say(&off, &chair(), "/checkin off").await;
    assert!(answer.starts_with("已关闭"), "{answer}");
    let answer = h.say(&off, &chair(), "/checkin").await;
    assert!(answer.contains("不显示"), "{answer}");
    let answer = h.say(&off, &chair(), "/checkin maybe").await;
    assert!(answer.contains("/checkin on"), "{answer}");

    assert!(morning(&h, &on).await.reply_markup.is_some());
    assert!(morning(&h, &off).await.reply_markup.is_none());

    let answer = h.say(&off, &chair(), "/checkin on").await;
    assert!(answer.starts_with("已开启"), "{answer}");
    h.stop().await;
    assert!(h.store().subscription(off.id).unwrap().unwrap().checkin);
}

#[tokio::test]
async fn check_in_can_be_switched_off_for_the_whole_bot() {
    let g = group();
    let h = before_eight(
        3,
        vec![at_eight(&g)],
        Some("[schedule]\ndays = \"everyday\"\n\n[checkin]\nenabled = false"),
    )
    .await;
    assert!(morning(&h, &g).await.reply_markup.is_none());
    let answer = h.say(&admin_chat(), &admin(), "/checkin").await;
    assert!(answer.contains("尚未订阅"), "{answer}");
    h.fake.set_member_status(g.id, chair().id, "creator");
    let answer = h.say(&g, &chair(), "/checkin on").await;
    assert!(answer.contains("整体关闭"), "{answer}");
}

// ---- the monthly report ----------------------------------------------------------------

fn utc(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn sent(chat_id: i64, date: NaiveDate, state: State) -> Delivery {
    let due = date.and_hms_opt(0, 0, 0).unwrap().and_utc();
    Delivery {
        state,
        message_id: Some(1),
        attempts: 1,
        ..Delivery::pending(common::edition(date, chat_id), due, due, due)
    }
}

fn seen(chat_id: i64, user: &UserSpec, first_seen: DateTime<Utc>) -> Member {
    Member {
        chat_id,
        user_id: user.id,
        name: user.first_name.clone(),
        first_seen,
        last_seen: first_seen,
    }
}

fn checked(chat_id: i64, user: &UserSpec, date: NaiveDate) -> CheckIn {
    CheckIn {
        chat_id,
        date,
        user_id: user.id,
        at: date.and_hms_opt(1, 0, 0).unwrap().and_utc(),
    }
}

/// The working days of October 2026 (the National Day holidays, the make-up Saturday),
/// by the official calendar.
fn october_workdays() -> Vec<NaiveDate> {
    let cal = Calendar::built_in();
    NaiveDate::from_ymd_opt(2026, 10, 1)
        .unwrap()
        .iter_days()
        .take_while(|d| d.month() == 10)
        .filter(|d| cal.is_delivery_day(DayRule::Workdays, *d))
        .collect()
}

/// Two groups' October: the first delivered every working day but one (that delivery
/// failed), with a member who studied every day, the chair on the first five days, one
/// member never, and one first seen in November; the second group, a few records.
fn october() -> Document {
    let g = group();
    let second = ChatSpec::group(-4_002, "第二支部");
    let workdays = october_workdays();
    let failed_day = workdays[10];
    let mut deliveries: Vec<Delivery> = workdays
        .iter()
        .map(|d| {
            let state = if *d == failed_day {
                State::Failed
            } else {
                State::Sent
            };
            sent(g.id, *d, state)
        })
        .collect();
    deliveries.push(sent(
        g.id,
        NaiveDate::from_ymd_opt(2026, 9, 30).unwrap(),
        State::Sent,
    ));
    deliveries.push(sent(
        g.id,
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
        State::Sent,
    ));
    deliveries.extend(
        workdays[..2]
            .iter()
            .map(|d| sent(second.id, *d, State::Sent)),
    );
    let columns: Vec<NaiveDate> = workdays
        .iter()
        .copied()
        .filter(|d| *d != failed_day)
        .collect();
    let mut checkins: Vec<CheckIn> = workdays
        .iter()
        .map(|d| checked(g.id, &member(), *d))
        .collect();
    let holiday = NaiveDate::from_ymd_opt(2026, 10, 3).unwrap();
    checkins.push(checked(g.id, &member(), holiday));
    checkins.extend(columns[..5].iter().map(|d| checked(g.id, &chair(), *d)));
    checkins.push(checked(second.id, &member(), workdays[0]));
    // Stopped, so that nothing is delivered during the test.
    let mut sub_a = group_subscription(g.id, time("13:00:00"), utc(2026, 9, 1));
    sub_a.title = "第一支部".into();
    sub_a.active = false;
    sub_a.reason = Some("管理员已退订".into());
    let mut sub_b = sub_a.clone();
    sub_b.chat_id = second.id;
    sub_b.title = "第二支部".into();
    Document {
        format: 1,
        next_id: 1,
        subscriptions: vec![sub_a, sub_b],
        deliveries,
        checkins,
        members: vec![
            seen(g.id, &member(), utc(2026, 9, 1)),
            seen(g.id, &chair(), utc(2026, 9, 1)),
            seen(g.id, &UserSpec::new(9, "王五"), utc(2026, 9, 1)),
            seen(g.id, &UserSpec::new(10, "新人"), utc(2026, 11, 5)),
            seen(second.id, &member(), utc(2026, 9, 1)),
        ],
        ..Document::default()
    }
}

/// The CSV's cells, after checking the byte order mark and the line ends.
fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 with a byte order mark");
    let text = std::str::from_utf8(&bytes[3..]).expect("UTF-8");
    assert!(text.ends_with("\r\n"));
    text.trim_end_matches("\r\n")
        .split("\r\n")
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn an_admin_gets_the_month_privately_with_only_delivery_days_as_columns() {
    let mut h = Harness::start().await;
    let g = group();
    h.fake.set_member_status(g.id, chair().id, "administrator");
    h.import(&october()).await;

    let answer = h.ask(&g, &chair(), "/report 2026-10").await;
    assert_eq!(answer, "学习记实报表已私信发送给您。");
    let summary = next_to(&h, chair().id, 0).await;
    let document = next_to(&h, chair().id, 1).await;
    let workdays = october_workdays();
    let columns: Vec<NaiveDate> = workdays
        .iter()
        .copied()
        .filter(|d| *d != workdays[10])
        .collect();
    let n = columns.len();
    assert_eq!(workdays.len(), 18, "{workdays:?}");
    assert!(
        !columns.iter().any(|d| (1..=7).contains(&d.day())),
        "no holiday is a column"
    );

    let text = summary.text.unwrap();
    for part in [
        "学习记实 · 第一支部 · 2026年10月".to_string(),
        format!("投递天数：{n} 天"),
        // Telegram counts the bot and the chair only (the fake knows no one else): the
        // three members known are the denominator.
        "成员：3 人\n".to_string(),
        "已学习成员：2/3 人".to_string(),
        format!("学习人次：{}", n + 5),
        format!(
            "平均学习率：{:.1}%",
            (n + 5) as f64 / (3 * n) as f64 * 100.0
        ),
        "学习最少：王五 0 次，支部书记 5 次，党员".to_string(),
    ] {
        assert!(text.contains(&part), "{part}: {text}");
    }

    assert_eq!(document.method, "sendDocument");
    let (name, bytes) = document.document.unwrap();
    assert_eq!(name, "记实-第一支部-2026-10.csv");
    let table = cells(&bytes);
    let mut header = vec!["姓名".to_string(), "用户ID".to_string()];
    header.extend(columns.iter().map(|d| d.format("%Y-%m-%d").to_string()));
    header.extend(["合计".to_string(), "学习率".to_string()]);
    assert_eq!(table[0], header);
    assert_eq!(table.len(), 5, "3 members and the totals: {table:?}");
    let row = |name: &str| table.iter().find(|r| r[0] == name).unwrap().clone();
    let (all, chair_row, never) = (row("党员"), row("支部书记"), row("王五"));
    assert_eq!(all[1], "7");
    for i in 0..n {
        assert_eq!(all[2 + i], "✓", "day {}", columns[i]);
        assert_eq!(
            chair_row[2 + i],
            if i < 5 { "✓" } else { "" },
            "day {}",
            columns[i]
        );
        assert_eq!(never[2 + i], "", "day {}", columns[i]);
    }
    assert_eq!(&all[2 + n..], &[n.to_string(), "100.0%".to_string()]);
    assert_eq!(chair_row[2 + n], "5");
    assert_eq!(&never[2 + n..], &["0".to_string(), "0.0%".to_string()]);
    let totals = &table[4];
    assert_eq!(totals[0], "合计");
    for i in 0..n {
        assert_eq!(totals[2 + i], if i < 5 { "2" } else { "1" });
    }
    assert_eq!(totals[2 + n], (n + 5).to_string());

    // Right after the CSV, its Excel twin: the same cells, one sheet.
    let twin = next_to(&h, chair().id, 2).await;
    assert_eq!(twin.method, "sendDocument");
    assert_eq!(twin.caption.as_deref(), Some("记实-第一支部-2026-10"));
    let (name, xlsx) = twin.document.unwrap();
    assert_eq!(name, "记实-第一支部-2026-10.xlsx");
    assert_eq!(xlsx_sheet_names(&xlsx), ["学习记实"]);
    assert_eq!(
        xlsx_rows(&xlsx),
        table,
        "the workbook shows the CSV's cells"
    );
    // Ids, counts and rates are numbers in it, not text.
    let values = xlsx_values(&xlsx, "学习记实");
    let all = values
        .iter()
        .find(|r| r[0] == Data::String("党员".into()))
        .unwrap();
    assert_eq!(all[1], Data::Float(7.0));
    assert_eq!(all[2], Data::String("✓".into()));
    assert_eq!(all[2 + n..], [Data::Float(n as f64), Data::Float(1.0)]);
    let totals = &values[4];
    assert_eq!(
        totals[2 + n..],
        [
            Data::Float((n + 5) as f64),
            Data::Float((n + 5) as f64 / (3 * n) as f64)
        ]
    );

    // Nothing of it in the group, nothing more to the chair.
    assert_eq!(h.fake.sent_to(g.id).len(), 1);
    assert_eq!(h.fake.sent_to(chair().id).len(), 3);
}

#[tokio::test]
async fn a_bot_admin_gets_every_group_and_members_get_nothing() {
    let mut h = Harness::start().await;
    let g = group();
    h.fake.set_member_status(g.id, chair().id, "administrator");
    h.import(&october()).await;

    // A member may not see the records.
    let answer = h.say(&g, &member(), "/report 2026-10").await;
    assert_eq!(answer, "此命令仅限本群管理员使用。");
    let answer = h
        .say(&ChatSpec::private_with(&member()), &member(), "/report all")
        .await;
    assert_eq!(answer, "此命令仅限机器人管理员使用。");
    assert!(
        h.fake
            .sent_to(member().id)
            .iter()
            .all(|s| s.document.is_none())
    );
    // `/report all` only in private; `/report` alone belongs in a group.
    let answer = h.say(&g, &chair(), "/report all").await;
    assert!(answer.contains("私聊"), "{answer}");
    let answer = h.say(&admin_chat(), &admin(), "/report").await;
    assert!(answer.contains("/report all"), "{answer}");
    let answer = h.say(&g, &chair(), "/report 十月").await;
    assert!(answer.contains("YYYY-MM"), "{answer}");

    let before = h.fake.sent_to(BOT_ADMIN).len();
    h.fake.push_update(FakeApi::text_message(
        &admin_chat(),
        &admin(),
        "/report all 2026-10",
    ));
    let text = next_to(&h, BOT_ADMIN, before).await.text.unwrap();
    assert!(text.contains("共 2 个群组"), "{text}");
    assert!(text.contains("· 第一支部：投递"), "{text}");
    assert!(
        text.contains("· 第二支部：投递 2 天，成员 1 人，学习 1 人次"),
        "{text}"
    );
    let (name, bytes) = next_to(&h, BOT_ADMIN, before + 1).await.document.unwrap();
    assert_eq!(name, "记实-全部群组-2026-10.csv");
    let table = cells(&bytes);
    assert_eq!(
        table[0],
        [
            "群组",
            "群组ID",
            "投递天数",
            "成员",
            "已知成员",
            "已学习成员",
            "学习人次",
            "平均学习率"
        ]
    );
    assert_eq!(table.len(), 3);
    assert_eq!(
        table[2],
        ["第二支部", "-4002", "2", "1", "1", "1", "1", "50.0%"]
    );
    assert_eq!(table[1][..2], ["第一支部".to_string(), "-4001".to_string()]);

    // Then the workbook with the same cells, the rate a number.
    let (name, xlsx) = next_to(&h, BOT_ADMIN, before + 2).await.document.unwrap();
    assert_eq!(name, "记实-全部群组-2026-10.xlsx");
    assert_eq!(xlsx_sheet_names(&xlsx), ["各群汇总"]);
    assert_eq!(xlsx_rows(&xlsx), table);
    assert_eq!(
        xlsx_values(&xlsx, "各群汇总")[2][1..],
        [-4002.0, 2.0, 1.0, 1.0, 1.0, 1.0, 0.5].map(Data::Float)
    );
}

#[tokio::test]
async fn in_privacy_mode_the_report_counts_the_members_telegram_knows() {
    // A group of four people and the bot; the bot is in privacy mode (the fake's default,
    // a new bot's) and not an admin, so it sees commands and taps, not ordinary messages.
    let g = group();
    let mut sub = at_eight(&g);
    sub.orglife = NaiveDate::from_ymd_opt(2026, 10, 1);
    let mut h = before_eight(3, vec![sub], None).await;
    h.fake.set_member_status(g.id, chair().id, "administrator");
    h.fake.set_member_count(g.id, Some(5));
    let morning = morning(&h, &g).await;

    // Three members answer in words, which the bot never receives; one taps.
    let talkers = members(3);
    for m in &talkers {
        h.fake
            .push_update(FakeApi::text_message(&g, m, "收到，今天学习了"));
    }
    assert_eq!(h.fake.withheld(), 3, "privacy mode hides ordinary messages");
    let toast = h
        .tap(&member(), &g, morning.message_id, &data(today()))
        .await;
    assert!(toast.contains("已记录"), "{toast}");

    // The chair asks: 1 of 4 studied (the chair, known from the command, did not).
    let answer = h.ask(&g, &chair(), "/report").await;
    assert_eq!(answer, "学习记实报表已私信发送给您。");
    let text = next_to(&h, chair().id, 0).await.text.unwrap();
    for part in [
        "成员：4 人（已知 2 人，另有 2 人尚未互动）",
        "已学习成员：1/4 人",
        "学习人次：1\n",
        "平均学习率：25.0%",
    ] {
        assert!(text.contains(part), "{part}: {text}");
    }
    let asked = h.fake.requests_of("getChatMemberCount");
    assert!(
        asked.iter().any(|r| r.params["chat_id"] == g.id),
        "{asked:?}"
    );
    let (_, csv) = next_to(&h, chair().id, 1).await.document.unwrap();
    let table = cells(&csv);
    let day = today().format("%Y-%m-%d").to_string();
    assert_eq!(table[0][2], day);
    assert_eq!(table[1], ["党员", "7", "✓", "1", "100.0%"]);
    assert_eq!(table[2], ["支部书记", "8", "", "0", "0.0%"]);
    assert_eq!(table[3], ["另有 2 人尚未互动", "", "", "0", "0.0%"]);
    assert_eq!(table[4], ["合计", "", "1", "1", "25.0%"]);
    let (_, xlsx) = next_to(&h, chair().id, 2).await.document.unwrap();
    assert_eq!(
        xlsx_rows(&xlsx),
        table,
        "the workbook shows the CSV's cells"
    );

    // The 组织生活通报's 学习记实 sheet has the same figures.
    h.fake
        .push_update(FakeApi::text_message(&g, &chair(), "/report orglife"));
    let (name, workbook) = next_to(&h, chair().id, 4).await.document.unwrap();
    assert!(name.starts_with("组织生活通报"), "{name}");
    let sheet = xlsx_sheet(&workbook, "学习记实");
    assert_eq!(sheet[0][3..5], ["成员".to_string(), "已知成员".to_string()]);
    assert_eq!(
        sheet[1],
        ["第一支部", "-4001", "1", "4", "2", "1", "1", "25.0%"]
    );

    // Telegram does not answer: the members known stand in, and the report says so.
    h.fake.set_method_fault(
        "getChatMemberCount",
        Some(Fault::BadRequest("Bad Request: chat not found".into())),
    );
    let answer = h.ask(&g, &chair(), "/report").await;
    assert_eq!(answer, "学习记实报表已私信发送给您。");
    let text = next_to(&h, chair().id, 5).await.text.unwrap();
    assert!(
        text.contains("成员：2 人（未能从 Telegram 获取群成员数，暂按已知成员计）"),
        "{text}"
    );
    assert!(text.contains("平均学习率：50.0%"), "{text}");

    // The size Telegram last told is kept for the monthly 通报, which asks no one.
    h.stop().await;
    assert_eq!(h.store().headcount(g.id).unwrap(), Some(4));
}

#[tokio::test]
async fn an_admin_the_bot_cannot_write_to_is_told_to_start_a_private_chat() {
    let mut h = Harness::start().await;
    let g = group();
    let shy = UserSpec::new(11, "组织委员");
    h.fake.set_member_status(g.id, shy.id, "administrator");
    h.fake.set_chat_fault(
        shy.id,
        Some(Fault::Forbidden(
            "Forbidden: bot can't initiate conversation with a user".into(),
        )),
    );
    h.import(&october()).await;
    let answer = h.ask(&g, &shy, "/report").await;
    assert!(answer.contains("请先私聊 @mingjing_bot"), "{answer}");
    // An anonymous admin cannot be written to privately either.
    let sent = h.answer(FakeApi::sender_chat(&g, "/report 2026-10")).await;
    assert!(sent.text.unwrap().contains("匿名管理员"));
    // Once the chat is started, it works.
    h.fake.set_chat_fault(shy.id, None);
    let answer = h.ask(&g, &shy, "/report 2026-10").await;
    assert_eq!(answer, "学习记实报表已私信发送给您。");
    let document = next_to(&h, shy.id, 1).await;
    assert!(document.document.is_some());
    let twin = next_to(&h, shy.id, 2).await.document.unwrap();
    assert!(twin.0.ends_with(".xlsx"), "{}", twin.0);
}

#[tokio::test]
async fn help_and_the_menu_show_the_new_commands() {
    let h = Harness::start().await;
    let g = group();
    h.fake.set_member_status(g.id, chair().id, "administrator");
    let help = h.say(&g, &chair(), "/help").await;
    assert!(
        help.contains("/checkin on|off")
            && help.contains("/report [orglife] [YYYY-MM]")
            && help.contains("/done 项目 [日期] [主题]")
            && help.contains("/undone 项目"),
        "{help}"
    );
    let help = h.say(&g, &member(), "/help").await;
    assert!(
        !help.contains("/report") && !help.contains("/done"),
        "{help}"
    );
    assert!(help.contains("/orglife [on|off]"), "{help}");
    let help = h.say(&admin_chat(), &admin(), "/help").await;
    assert!(help.contains("/report all"), "{help}");
    let menus = h.fake.requests_of("setMyCommands");
    assert!(
        menus
            .iter()
            .any(|r| r.params.to_string().contains("\"report\"")
                && r.params.to_string().contains("\"checkin\""))
    );
}
