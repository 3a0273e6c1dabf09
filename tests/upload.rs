//! Uploading the library as a file and `/export`, end to end: the real binary against the
//! fake Bot API, which serves the uploaded files through `getFile`.

mod common;

use std::time::Duration;

use common::{
    BOT_ADMIN, Harness, PATIENCE, admin, admin_chat, button_data, poll_until, xlsx_sheet,
};
use fakeapi::{FakeApi, Sent, UserSpec};

/// The bot admin sends a file privately; returns the bot's answer (the dry run).
async fn upload(h: &Harness, name: &str, bytes: &[u8]) -> Sent {
    let update = h
        .fake
        .document_message(&admin_chat(), &admin(), name, bytes);
    h.answer(update).await
}

/// `who` taps the button `label` under the dry run `dry`; returns the toast.
async fn tap(h: &Harness, who: &UserSpec, dry: &Sent, label: &str) -> String {
    h.tap(who, &admin_chat(), dry.message_id, &button_data(dry, label))
        .await
}

/// `/list` of `category` (and page), as the bot answers it.
async fn listed(h: &Harness, category: &str) -> String {
    h.say(&admin_chat(), &admin(), &format!("/list {category}"))
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csv_upload_is_checked_then_confirmed_or_cancelled() {
    let h = Harness::start().await;
    let first = listed(&h, "政治").await;
    assert!(first.contains("#1 "), "{first}");
    // Excel's UTF-8 CSV: a byte order mark, Chinese headers, a quoted text with a comma.
    let csv = "\u{feff}编号,类别,文本,来源,日期\n\
               1,政治,\"会上把意见讲充分，会后不乱说，这是一条改过的文本。\",,\n\
               ,廉政,节前发一条新的廉洁提醒：不收节礼。,,12-31\n\
               ,政法,类别写错的一行,,\n\
               ,作风,日期写错的一行,,13-45\n\
               ,政治,\"重大事项、重要情况要按规定及时向党组织请示报告, 不得先斩后奏、事后补报, 不得报喜不报忧.\",,\n";
    let dry = upload(&h, "条目.csv", csv.as_bytes()).await;
    let text = dry.text.clone().unwrap();
    assert!(
        text.contains("新增 1 条，修改 1 条，未变 0 条，重复跳过 1 条，错误 2 行"),
        "{text}"
    );
    assert!(text.contains("第 6 行：与 #2 重复"), "{text}");
    assert!(text.contains("第 4 行“类别”：没有“政法”这个类别"), "{text}");
    assert!(text.contains("第 5 行“日期”"), "{text}");

    // 取消 changes nothing.
    let toast = tap(&h, &admin(), &dry, "取消").await;
    assert_eq!(toast, "已处理");
    assert_eq!(listed(&h, "政治").await, first);

    // Again, confirmed: only by its author, once.
    let dry = upload(&h, "条目.csv", csv.as_bytes()).await;
    let stranger = UserSpec::new(999, "他人");
    let toast = tap(&h, &stranger, &dry, "确认导入").await;
    assert_eq!(toast, "只有发送文件的管理员可以确认");
    let toast = tap(&h, &admin(), &dry, "确认导入").await;
    assert_eq!(toast, "已处理");
    let shown = poll_until(PATIENCE, || {
        h.fake
            .message_json(BOT_ADMIN, dry.message_id)
            .is_some_and(|m| {
                m["text"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("已导入：新增 1 条，修改 1 条")
            })
    })
    .await;
    assert!(shown, "{}", h.stderr());
    let toast = tap(&h, &admin(), &dry, "确认导入").await;
    assert!(toast.contains("已过期或已处理"), "{toast}");
    assert!(listed(&h, "政治").await.contains("会上把意见讲充分"));
    assert!(
        listed(&h, "廉政 3")
            .await
            .contains("节前发一条新的廉洁提醒")
    );

    // A file that is not a table, and a file too large.
    let dry = upload(&h, "说明.txt", b"hello").await;
    assert!(dry.text.unwrap().contains("无法识别文件"));
    let big = vec![b'a'; 1024 * 1024 + 1];
    let dry = upload(&h, "大.csv", &big).await;
    assert!(dry.text.unwrap().contains("上限为 1024 KB"));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exported_workbook_edited_and_sent_back_updates_one_and_adds_one() {
    let h = Harness::start().await;
    h.fake
        .push_update(FakeApi::text_message(&admin_chat(), &admin(), "/export"));
    let find = || {
        h.fake
            .sent_to(BOT_ADMIN)
            .into_iter()
            .find_map(|s| s.document)
    };
    assert!(
        poll_until(PATIENCE, || find().is_some()).await,
        "{}",
        h.stderr()
    );
    let (name, bytes) = find().unwrap();
    assert!(
        name.starts_with("明镜条目-") && name.ends_with(".xlsx"),
        "{name}"
    );
    let rows = xlsx_sheet(&bytes, "条目");
    assert_eq!(rows[0], ["编号", "类别", "文本", "来源", "日期"]);
    let total = rows.len() - 1;
    assert!(total > 200, "{total}");

    // The untouched export changes nothing.
    let dry = upload(&h, &name, &bytes).await;
    let text = dry.text.unwrap();
    assert!(
        text.contains(&format!("新增 0 条，修改 0 条，未变 {total} 条")),
        "{text}"
    );
    assert!(text.contains("没有需要导入的内容"), "{text}");

    // One text cell changed, one row added, written back as .xlsx.
    let mut edited = rows.clone();
    edited[1][2] = "这是在 Excel 里改过的第一条。".into();
    edited.push(vec![
        String::new(),
        "作风".into(),
        "这是在 Excel 里新加的一条作风提醒。".into(),
        String::new(),
        String::new(),
    ]);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in edited.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            if r > 0 && c == 0 && !cell.is_empty() {
                sheet
                    .write_number(r as u32, 0, cell.parse::<f64>().unwrap())
                    .unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(r as u32, c as u16, cell).unwrap();
            }
        }
    }
    let bytes = book.save_to_buffer().unwrap();
    let dry = upload(&h, "改过的.xlsx", &bytes).await;
    let text = dry.text.clone().unwrap();
    assert!(
        text.contains(&format!("新增 1 条，修改 1 条，未变 {} 条", total - 1)),
        "{text}"
    );
    let toast = tap(&h, &admin(), &dry, "确认导入").await;
    assert_eq!(toast, "已处理");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        listed(&h, "政治")
            .await
            .contains("这是在 Excel 里改过的第一条")
    );
    let conduct = h.say(&admin_chat(), &admin(), "/list 作风 3").await;
    assert!(conduct.contains("这是在 Excel 里新加的一条"), "{conduct}");
}

/// Telegram allows about one message a second in a private chat: a dry run that follows
/// another answer closely gets a 429, and must wait it out rather than be lost.
#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_waits_out_a_short_429() {
    let h = Harness::start().await;
    h.fake.fail_next_sends(1, fakeapi::Fault::RetryAfter(1));
    let csv = "编号,类别,文本,来源,日期\n,廉政,节前再发一条廉洁提醒：不收节礼。,,\n";
    let dry = upload(&h, "条目.csv", csv.as_bytes()).await;
    assert!(
        dry.text
            .as_deref()
            .unwrap_or_default()
            .contains("新增 1 条"),
        "{dry:?}"
    );
    assert_eq!(h.fake.count_429(), 1, "the first attempt was refused");
}
