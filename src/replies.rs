//! Every text the bot says to users, in one place: Simplified Chinese, Telegram HTML.
//!
//! Whatever comes from users or the database is escaped here.

pub mod backup;
pub mod notice;
pub mod orglife;
pub mod overrides;
pub mod robots;
pub mod sheet;
pub mod tasks;
pub mod web;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::access::{Refusal, Role};
use crate::calendar::DayRule;
use crate::command::{Audience, CommandName, Problem, SOURCE_MARK};
use crate::content::{Anchor, Category, Item, MAX_SOURCE_CHARS, MAX_TEXT_CHARS, TextError};
use crate::delivery::{Kind, PushReport, State, Stats};
use crate::edition::{date_line, escape};
use crate::festival::Reason;
use crate::report::{GroupRow, Month, Summary, percent};
use chrono_tz::Tz;

/// Why a subscription is inactive, as stored and shown by `/status`.
pub const REASON_UNSUBSCRIBED: &str = "管理员已退订";
pub const REASON_REMOVED: &str = "机器人已被移出群组";
pub const REASON_BLOCKED: &str = "用户已停用机器人";

/// Characters of an item's text shown in `/list` and `/del`.
const PREVIEW_CHARS: usize = 24;

/// What a command does, in a few words, without its arguments.
fn summary(name: CommandName) -> &'static str {
    match name {
        CommandName::Start => "开始使用",
        CommandName::Help => "帮助与命令列表",
        CommandName::Today => "今日提醒（预览）",
        CommandName::Study => "逢会必学卡片",
        CommandName::Status => "订阅状态",
        CommandName::Subscribe => "订阅每日提醒",
        CommandName::Unsubscribe => "退订每日提醒",
        CommandName::SetTime => "修改投递时间",
        CommandName::SetDays => "设置投递日",
        CommandName::Add => "添加条目",
        CommandName::List => "条目列表",
        CommandName::Edit => "修改条目",
        CommandName::Del => "删除条目",
        CommandName::PushNow => "立即向未投递的订阅推送今日提醒",
        CommandName::Stats => "投递统计",
        CommandName::CheckIn => "“已学习”按钮开关",
        CommandName::Report => "月度学习记实报表（私信发送）",
        CommandName::OrgLife => "本月组织生活清单，管理员可开启或关闭",
        CommandName::Done => "登记组织生活",
        CommandName::Undone => "撤销本期组织生活登记",
        CommandName::Task => "交办督办事项，加编号查看或撤销",
        CommandName::Tasks => "未办结的督办事项",
        CommandName::Progress => "报告督办进展",
        CommandName::Export => "导出全部条目（Excel，可修改后发回导入）",
        CommandName::Backup => "备份全部数据（TOML 文件，可用 mingjing import 恢复）",
        CommandName::Notice => "向所有有效订阅发送通知（确认后发送）",
        CommandName::Override => "某日停发、附加或替换晨间提醒",
        CommandName::Robot => "企业微信、钉钉、飞书群机器人：登记、查看、测试",
        CommandName::Web => "管理控制台的一次性登录链接",
    }
}

/// How a command's arguments are written; empty when it takes none.
fn arguments(name: CommandName) -> &'static str {
    match name {
        CommandName::Subscribe => "[HH:MM]",
        CommandName::SetTime => "HH:MM",
        CommandName::SetDays => "workdays|everyday",
        CommandName::Add => "类别 文本[——出处]",
        CommandName::List => "[类别] [页码]",
        CommandName::Edit => "编号 文本[——出处]",
        CommandName::Del => "编号",
        CommandName::CheckIn => "on|off",
        CommandName::Report => "[orglife] [YYYY-MM]",
        CommandName::OrgLife => "[on|off]",
        CommandName::Done => "项目 [日期] [主题]",
        CommandName::Undone => "项目",
        CommandName::Task => "[重大] 事项|编号 [撤销]",
        CommandName::Progress => "编号 进展",
        CommandName::Notice => "文本",
        CommandName::Override => "[日期 停发|附加 文本|替换 文本|取消]",
        CommandName::Robot => "[add|list|del|test|time|days]",
        _ => "",
    }
}

/// A command's description in Telegram's command menu, which shows no arguments: what it
/// does, then its arguments.
pub fn menu_description(name: CommandName) -> String {
    match arguments(name) {
        "" => summary(name).to_string(),
        args => format!("{} {args}", summary(name)),
    }
}

/// A command's line in `/help`: how it is written, then what it does; each said once.
fn help_line(name: CommandName) -> String {
    match arguments(name) {
        "" => format!("/{} {}", name.as_str(), summary(name)),
        args => format!("/{} {args} {}", name.as_str(), summary(name)),
    }
}

/// `/start` and `/help`: what the bot does and the commands `role` may use here.
pub fn help(role: Role, private: bool) -> String {
    let mut out = String::from(
        "<b>纪律明镜·天天照</b>\n每个投递日早上向订阅的群发送政治、纪律、作风、廉政提醒和“第一议题”学习内容。\n",
    );
    let sections = [
        (Audience::Anyone, "常用命令"),
        (Audience::ChatAdmin, "订阅管理（群管理员）"),
        (Audience::BotAdmin, "内容管理（机器人管理员，私聊使用）"),
    ];
    for (audience, title) in sections {
        if !role.may(audience) {
            continue;
        }
        out.push_str(&format!("\n<b>{title}</b>\n"));
        for name in CommandName::ALL
            .into_iter()
            .filter(|c| c.audience() == audience && *c != CommandName::Start)
        {
            out.push_str(&escape(&help_line(name)));
            out.push('\n');
        }
        if audience == Audience::BotAdmin {
            out.push_str(&escape(REPORT_ALL_HELP));
            out.push('\n');
        }
    }
    if role == Role::Member && !private {
        out.push_str("\n群管理员发送 /subscribe 即可为本群订阅每日提醒。\n");
    }
    if role == Role::BotAdmin && !private {
        out.push_str("\n内容管理命令请在与本机器人的私聊中使用。\n");
    }
    out.trim_end().to_string()
}

/// Under `/start` in a private chat: the user's id, and what it is for.
pub fn your_id(user_id: i64, bot_admin: bool) -> String {
    let what = if bot_admin {
        "您已是机器人管理员。"
    } else {
        "如需成为机器人管理员，请将此 ID 告知运维人员。"
    };
    format!("\n\n您的用户 ID：<code>{user_id}</code>\n{what}")
}

/// The bot was added to a group. `inactive`: the group had a subscription that was stopped;
/// `privacy_mode`: the bot cannot read the group's ordinary messages.
pub fn greeting(inactive: bool, privacy_mode: bool) -> String {
    let mut out = String::from(
        "您好！我是“纪律明镜·天天照”提醒机器人，每个投递日早上发送纪律提醒和“第一议题”学习内容。\n\
         群管理员发送 /subscribe 即可订阅（可加时间，如 /subscribe 07:30）；发送 /help 查看全部命令。",
    );
    if inactive {
        out.push_str("\n本群之前的订阅已停用，管理员发送 /subscribe 即可恢复。");
    }
    if privacy_mode {
        out.push_str(PRIVACY_MODE);
    }
    out
}

/// What privacy mode means for a group, and the two ways out.
const PRIVACY_MODE: &str = "\n\n注意：机器人目前处于隐私模式，在本群只能看到命令和按钮点击，看不到普通发言；学习记实中未发命令、未点按钮的成员将计为“尚未互动”。如需识别全部成员，任选其一：\n\
     1. 将机器人设为本群管理员；\n\
     2. 由运维人员在 @BotFather 发送 /setprivacy，选择本机器人后选 Disable，再将机器人移出本群并重新拉入。";

pub fn unknown_command(name: &str) -> String {
    format!(
        "未知命令 /{}。发送 /help 查看可用命令。",
        escape(&preview(name))
    )
}

pub fn refused(why: Refusal) -> String {
    match why {
        Refusal::NotChatAdmin => "此命令仅限本群管理员使用。",
        Refusal::NotBotAdmin => "此命令仅限机器人管理员使用。",
        Refusal::PrivateOnly => "内容管理命令请在与本机器人的私聊中使用。",
        Refusal::Unverified => "暂时无法确认您的管理员身份，请稍后再试。",
    }
    .to_string()
}

pub fn internal_error() -> String {
    "处理出错，请稍后再试。".to_string()
}

/// A command with bad or missing arguments.
pub fn problem(command: CommandName, problem: &Problem) -> String {
    // What the user typed may be long: a message must stay within Telegram's limit.
    let quoted = |s: &str| format!("“{}”", escape(&preview(s)));
    match problem {
        Problem::MissingTime => format!("请给出时间，例如 /{} 07:30。", command.as_str()),
        Problem::BadTime(s) => format!(
            "时间格式不正确：{}。请用 24 小时制 HH:MM，例如 07:30。",
            quoted(s)
        ),
        Problem::MissingDays => {
            "请给出投递日：/setdays workdays（工作日）或 /setdays everyday（每天）。".to_string()
        }
        Problem::BadDays(s) => format!(
            "无法识别投递日 {}。请用 workdays（工作日）或 everyday（每天）。",
            quoted(s)
        ),
        Problem::MissingCategory => format!(
            "请给出类别，例如 /add 廉政 文本。可用类别：{}。",
            Category::all_names()
        ),
        Problem::UnknownCategory(s) => format!(
            "没有 {} 这个类别。可用类别：{}。",
            quoted(s),
            Category::all_names()
        ),
        Problem::MissingText if command == CommandName::Add => {
            "请给出条目文本（/add 类别 文本），或回复一条消息发送 /add 类别。".to_string()
        }
        Problem::MissingText => "请给出新的文本，例如 /edit 12 新文本。".to_string(),
        Problem::MissingId => format!("请给出条目编号，例如 /{} 12。", command.as_str()),
        Problem::BadId(s) => format!(
            "条目编号不正确：{}。编号是数字，例如 12 或 #12。",
            quoted(s)
        ),
        Problem::BadPage(s) => format!("页码不正确：{}。页码从 1 开始。", quoted(s)),
        Problem::BadSwitch(s) => format!(
            "无法识别 {}。请发送 /{name} on（开启）或 /{name} off（关闭）。",
            quoted(s),
            name = command.as_str()
        ),
        Problem::BadMonth(s) => format!(
            "月份格式不正确：{}。请用 YYYY-MM，例如 /report 2026-11。",
            quoted(s)
        ),
        Problem::Title(e) => tasks::title_error(e),
        Problem::ProgressUsage => tasks::progress_usage(),
        Problem::Override(p) => overrides::problem(p),
        Problem::Robot(p) => robots::problem(p),
        Problem::MissingOrgItem if command == CommandName::Undone => orglife::undone_usage(),
        Problem::MissingOrgItem => {
            "用法：/done 项目 [日期] [主题]，例如 /done 主题党日 6-8 学习党的二十届四中全会精神。"
                .to_string()
        }
    }
}

/// An item text that breaks the rules of SPEC §4.
pub fn bad_text(e: &TextError) -> String {
    match e {
        TextError::Empty => "文本不能为空。".to_string(),
        TextError::TooLong(n) => format!("文本有 {n} 个字，最多 {MAX_TEXT_CHARS} 个字。"),
        TextError::SourceTooLong(n) => {
            format!("出处有 {n} 个字，最多 {MAX_SOURCE_CHARS} 个字。")
        }
        TextError::SourceMissing(c) => {
            format!("{c}类条目须注明出处：在文本后加“{SOURCE_MARK}出处”。")
        }
    }
}

pub fn replied_message_has_no_text() -> String {
    "被回复的消息没有文字，无法添加。".to_string()
}

// ---- items -------------------------------------------------------------------------------

pub fn added(item: &Item) -> String {
    format!("已添加 #{}（{}）", item.id, item.category)
}

/// `/add` or `/edit` of a text that normalises to an existing item's.
pub fn duplicate(existing: &Item) -> String {
    format!(
        "与 #{} 重复（{}），未保存。",
        existing.id, existing.category
    )
}

pub fn edited(item: &Item) -> String {
    format!(
        "已修改 #{}（{}）。当日已生成的内容不变，修改从下一期起生效。",
        item.id, item.category
    )
}

pub fn deleted(item: &Item) -> String {
    format!(
        "已删除 #{}（{}）：{}",
        item.id,
        item.category,
        escape(&preview(&item.text))
    )
}

pub fn no_such_item(id: u64) -> String {
    format!("没有 #{id} 这一条。发送 /list 查看条目编号。")
}

/// One page of `/list`. `page` counts from 1 and is within `1..=pages`.
pub fn item_page(
    items: &[&Item],
    category: Option<Category>,
    page: usize,
    pages: usize,
    total: usize,
) -> String {
    let scope = category.map_or(String::new(), |c| format!("（{c}）"));
    let mut out = format!("<b>条目{scope}</b> 共 {total} 条，第 {page}/{pages} 页\n");
    for item in items {
        out.push_str(&format!(
            "#{} {} {}\n",
            item.id,
            item.category,
            escape(&preview(&item.text))
        ));
    }
    if page < pages {
        let cat = category.map_or(String::new(), |c| format!(" {c}"));
        out.push_str(&format!("下一页：/list{cat} {}", page + 1));
    }
    out.trim_end().to_string()
}

pub fn no_items(category: Option<Category>) -> String {
    match category {
        Some(c) => format!("暂无{c}类条目。"),
        None => "暂无条目。".to_string(),
    }
}

pub fn no_such_page(page: usize, pages: usize) -> String {
    format!("没有第 {page} 页，共 {pages} 页。")
}

/// The start of a text on one line, with "…" when cut.
fn preview(text: &str) -> String {
    let flat: String = text
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect();
    let mut chars = flat.chars();
    let head: String = chars.by_ref().take(PREVIEW_CHARS).collect();
    if chars.next().is_some() {
        head + "…"
    } else {
        head
    }
}

// ---- editions ------------------------------------------------------------------------------

pub fn edition_empty() -> String {
    "内容库暂无条目，今日没有内容。".to_string()
}

pub fn no_study_items() -> String {
    "内容库暂无学习条目（习语、法规、经典）。".to_string()
}

// ---- subscriptions ---------------------------------------------------------------------------

/// "本群" in groups, "本会话" in a private chat.
pub(crate) fn here(private: bool) -> &'static str {
    if private { "本会话" } else { "本群" }
}

/// "08:00", or "08:00:30" when seconds are set.
pub fn clock(t: NaiveTime) -> String {
    if t.format("%S").to_string() == "00" {
        t.format("%H:%M").to_string()
    } else {
        t.format("%H:%M:%S").to_string()
    }
}

/// A local date and time, as every text shows one: "2026年12月7日 星期一 08:00".
fn date_time(at: NaiveDateTime) -> String {
    format!("{} {}", date_line(at.date()), clock(at.time()))
}

/// A subscription's time or day rule, marked when it follows the config's default.
pub fn time_label(own: Option<NaiveTime>, default: NaiveTime) -> String {
    match own {
        Some(t) => clock(t),
        None => noted(&clock(default), "默认"),
    }
}

pub fn days_label(own: Option<DayRule>, default: DayRule) -> String {
    match own {
        Some(d) => day_rule(d).to_string(),
        None => noted(day_rule(default), "默认"),
    }
}

/// A day rule as users read it.
pub(crate) fn day_rule(rule: DayRule) -> &'static str {
    match rule {
        DayRule::Workdays => "工作日（含调休上班日）",
        DayRule::Everyday => "每天",
    }
}

/// `text` with a note in brackets; a text that ends in brackets already takes the note
/// inside them: `工作日（含调休上班日，默认）`, not `工作日（含调休上班日）（默认）`.
fn noted(text: &str, note: &str) -> String {
    match text.strip_suffix('）') {
        Some(open) => format!("{open}，{note}）"),
        None => format!("{text}（{note}）"),
    }
}

/// When deliveries start, for a new or reactivated subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Start {
    /// Today is a delivery day and its time has passed.
    pub passed_today: bool,
    pub next: Option<NaiveDateTime>,
    pub today: NaiveDate,
}

fn next_line(next: Option<NaiveDateTime>, today: NaiveDate) -> String {
    match next {
        Some(at) if at.date() == today => format!("下次投递：今天 {}", clock(at.time())),
        Some(at) => format!("下次投递：{}", date_time(at)),
        None => "下次投递：一年内没有投递日。".to_string(),
    }
}

/// "今天的投递时间已过，将从明天开始。" when so, and the next delivery.
fn start_lines(start: Start) -> String {
    let mut out = String::new();
    if start.passed_today {
        out.push_str("今天的投递时间已过，将从明天开始。\n");
    }
    out.push_str(&next_line(start.next, start.today));
    out
}

/// `/subscribe` that started (`again`: restarted) deliveries.
pub fn subscribed(private: bool, again: bool, time: &str, days: &str, start: Start) -> String {
    let verb = if again {
        "已恢复订阅"
    } else {
        "已订阅"
    };
    format!(
        "{verb}，{}将收到每日“纪律明镜·天天照”提醒。\n投递时间：{time}\n投递日：{days}\n{}",
        here(private),
        start_lines(start)
    )
}

/// `/subscribe` on an active subscription; `time_changed` when a new time was given.
pub fn already_subscribed(
    private: bool,
    time_changed: bool,
    time: &str,
    days: &str,
    start: Start,
) -> String {
    let first = if time_changed {
        format!("{}已订阅，投递时间已改为 {time}。", here(private))
    } else {
        format!("{}已订阅。", here(private))
    };
    format!(
        "{first}\n投递时间：{time}\n投递日：{days}\n{}",
        start_lines(start)
    )
}

pub fn unsubscribed(private: bool) -> String {
    format!(
        "已退订，{}不再收到每日提醒。需要时发送 /subscribe 重新订阅。",
        here(private)
    )
}

pub fn not_subscribed(private: bool) -> String {
    format!("{}尚未订阅。发送 /subscribe 即可订阅。", here(private))
}

pub fn time_set(time: &str) -> String {
    format!("投递时间已改为 {time}。")
}

pub fn days_set(days: &str) -> String {
    format!("投递日已改为{days}。")
}

/// A change of an active (`start` is `Some`) or stopped subscription.
pub fn changed(done: &str, start: Option<Start>) -> String {
    match start {
        Some(start) => format!("{done}\n{}", start_lines(start)),
        None => format!("{done}\n订阅当前已停用，发送 /subscribe 恢复。"),
    }
}

/// A chat's newest delivery record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastDelivery {
    /// Local date and time it was due.
    pub due: NaiveDateTime,
    pub state: State,
    pub error: Option<String>,
}

fn last_delivery(d: &LastDelivery) -> String {
    let when = date_time(d.due);
    let what = match d.state {
        State::Sent => "已送达".to_string(),
        State::Pending => "发送中".to_string(),
        State::Missed => "错过（机器人当时未运行）".to_string(),
        State::Failed => match &d.error {
            Some(e) => format!("失败：{}", escape(e)),
            None => "失败".to_string(),
        },
    };
    format!("{when}，{what}")
}

/// What `/status` shows of a chat's subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusView {
    pub private: bool,
    /// `None`: never subscribed; `Some(None)`: active; `Some(Some(reason))`: inactive.
    pub state: Option<Option<String>>,
    pub time: String,
    pub days: String,
    pub next: Option<NaiveDateTime>,
    pub today: NaiveDate,
    pub last_delivery: Option<LastDelivery>,
}

pub fn status(v: &StatusView) -> String {
    let state = match &v.state {
        None => "未订阅".to_string(),
        Some(None) => "已订阅".to_string(),
        Some(Some(reason)) => format!("已停用（{}）", escape(reason)),
    };
    let mut out = format!("<b>{}订阅状态</b>\n状态：{state}\n", here(v.private));
    if v.state.is_none() {
        out.push_str("发送 /subscribe 即可订阅。");
        return out;
    }
    out.push_str(&format!("投递时间：{}\n投递日：{}\n", v.time, v.days));
    if v.state == Some(None) {
        out.push_str(&next_line(v.next, v.today));
        out.push('\n');
    }
    let last = v
        .last_delivery
        .as_ref()
        .map_or("暂无记录".to_string(), last_delivery);
    out.push_str(&format!("最近投递：{last}"));
    out
}

// ---- delivery ------------------------------------------------------------------------------

pub fn pushed(r: &PushReport) -> String {
    if r.skipped {
        return "今日已安排停发（/override），不推送晨间提醒。".to_string();
    }
    if r.empty {
        return "内容库暂无条目，无法推送。请先用 /add 添加内容。".to_string();
    }
    let mut out = format!("已开始推送：{} 个订阅。", r.queued);
    if r.already_sent > 0 {
        out += &format!("\n今日已送达、不再重复：{} 个。", r.already_sent);
    }
    if r.in_progress > 0 {
        out += &format!("\n正在投递中：{} 个。", r.in_progress);
    }
    if r.queued == 0 && r.in_progress == 0 {
        out = format!("所有订阅今日均已送达（{} 个），无需推送。", r.already_sent);
    }
    out
}

pub fn stats(s: &Stats, tz: Tz) -> String {
    let mut out = String::from("<b>投递统计</b>\n");
    out += &format!("订阅：有效 {}，已停用 {}\n", s.active, s.inactive);
    out += &format!(
        "今日：已送达 {}，待投递 {}，失败 {}，错过 {}\n",
        s.sent, s.pending, s.failed, s.missed
    );
    for (kind, t) in &s.kinds {
        out += &format!(
            "　{}：已送达 {}，待投递 {}，失败 {}，错过 {}\n",
            kind_name(*kind),
            t.sent,
            t.pending,
            t.failed,
            t.missed
        );
    }
    let items: Vec<String> = Category::ALL
        .iter()
        .map(|c| format!("{} {}", c.name(), s.items.get(c).copied().unwrap_or(0)))
        .collect();
    out += &format!("条目：{}\n", items.join("，"));
    if s.robots_active + s.robots_inactive > 0 {
        out += &format!(
            "群机器人：有效 {}，已停用 {}；今日已送达 {}\n",
            s.robots_active, s.robots_inactive, s.robots_sent
        );
    }
    out += &match s.next {
        Some(t) => {
            let t = t.with_timezone(&tz).naive_local();
            format!("下次投递：{}", date_time(t))
        }
        None => "下次投递：暂无（没有有效订阅）".to_string(),
    };
    out
}

/// A kind of delivery as `/stats` names it.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Edition => "每日提醒",
        Kind::MonthStart => "月初提醒",
        Kind::MonthEnd => "月末调度",
        Kind::OrgSummary => "组织生活通报",
        Kind::TaskReminder => "督办提醒",
        Kind::TaskOverdue => "逾期通知",
        Kind::Notice => "通知",
    }
}

/// The most failed chats listed in one summary.
const LISTED: usize = 10;

/// `failures`: each address as texts name it (a chat id, a robot's name) and the reason.
pub fn delivery_failures(failures: &[(String, String)], deactivated: usize) -> String {
    let mut out = format!(
        "⚠️ <b>投递异常</b>：本次有 {} 个群组未能送达。\n",
        failures.len()
    );
    for (chat, reason) in failures.iter().take(LISTED) {
        out += &format!("· <code>{}</code>：{}\n", escape(chat), escape(reason));
    }
    if failures.len() > LISTED {
        out += &format!("……另有 {} 个\n", failures.len() - LISTED);
    }
    if deactivated > 0 {
        out += &format!("另有 {deactivated} 个群组已移除机器人或不存在，订阅已停用。\n");
    }
    out += "详情请发送 /stats 查看。";
    out
}

pub fn edition_has_no_items(date: NaiveDate) -> String {
    format!(
        "⚠️ {} 的提醒未发送：内容库中没有任何条目。请用 /add 添加内容。",
        date_line(date)
    )
}

pub fn calendar_unknown(year: i32) -> String {
    format!(
        "⚠️ 尚未载入 {year} 年的法定节假日安排。在补充之前，将按周一至周五（除元旦、劳动节、国庆节固定假日外）投递。请运维人员在 schedule.calendar 指定的文件中补充该年安排。"
    )
}

// ---- check-in and records (记实) -------------------------------------------------------------

/// The toast for a tap that was recorded; `today`: on today's message.
pub fn tap_recorded(date: NaiveDate, today: bool) -> String {
    if today {
        "已记录".to_string()
    } else {
        format!("已记录（{}）", date_line(date))
    }
}

/// The toast for a second tap on the same day's message.
pub fn tap_repeated(date: NaiveDate, today: bool) -> String {
    if today {
        "今天已经记录过了".to_string()
    } else {
        format!("{}已经记录过了", date_line(date))
    }
}

pub fn tap_too_late(date: NaiveDate) -> String {
    format!(
        "{}的消息已超过 {} 天，不再记录。",
        date_line(date),
        crate::checkin::LATE_DAYS
    )
}

pub fn tap_invalid() -> String {
    "此按钮已失效。".to_string()
}

pub fn tap_failed() -> String {
    "记录失败，请稍后再试。".to_string()
}

/// `/checkin` without an argument (`changed`: false) or with one (`changed`: true).
pub fn checkin_state(private: bool, on: bool, changed: bool, global: bool) -> String {
    let mut out = match (on, changed) {
        (true, true) => format!(
            "已开启：{}早间提醒下方将显示“✅ 已学习”按钮。",
            here(private)
        ),
        (false, true) => format!("已关闭：{}早间提醒不再显示“✅ 已学习”按钮。", here(private)),
        (true, false) => format!(
            "{}早间提醒下方显示“✅ 已学习”按钮。发送 /checkin off 可关闭。",
            here(private)
        ),
        (false, false) => format!(
            "{}早间提醒不显示“✅ 已学习”按钮。发送 /checkin on 可开启。",
            here(private)
        ),
    };
    if !global {
        out.push_str(
            "\n注意：学习签到已在机器人配置中整体关闭（checkin.enabled），重新启用后本设置生效。",
        );
    }
    out
}

/// "2026年11月".
pub(crate) fn month_label(month: Month) -> String {
    format!("{}年{}月", month.year(), month.month())
}

/// `/report all` in the bot admins' part of `/help`.
const REPORT_ALL_HELP: &str = "/report all [YYYY-MM] 各群学习记实汇总";

/// The summary of one chat's month, sent privately with the CSV.
pub fn report_summary(title: &str, month: Month, s: &Summary) -> String {
    let mut out = format!(
        "<b>学习记实 · {} · {}</b>\n",
        escape(title),
        month_label(month)
    );
    if s.days == 0 {
        out.push_str("本月暂无已送达的早间提醒。\n");
    }
    out += &format!("投递天数：{} 天\n", s.days);
    out += &format!("成员：{}\n", members(s));
    out += &format!("已学习成员：{}/{} 人\n", s.studied, s.members);
    out += &format!("学习人次：{}\n", s.checkins);
    if let Some(rate) = s.rate() {
        out += &format!("平均学习率：{}\n", percent(rate));
    }
    if !s.lowest.is_empty() {
        let lowest: Vec<String> = s
            .lowest
            .iter()
            .map(|(name, n)| format!("{} {n} 次", escape(name)))
            .collect();
        out += &format!("学习最少：{}\n", lowest.join("，"));
    }
    out.push_str(
        "\n平均学习率 = 学习人次 ÷（投递天数 × 成员）。成员数取自 Telegram（不含机器人）；已知成员指在本群发过言或点过“已学习”的成员，尚未互动的成员计为未学习。明细见 CSV 文件，仅供本群管理员查阅。",
    );
    out
}

/// "4 人（已知 2 人，另有 2 人尚未互动）": the members the rate counts, and how many of
/// them the bot knows.
fn members(s: &Summary) -> String {
    if !s.counted {
        return format!(
            "{} 人（未能从 Telegram 获取群成员数，暂按已知成员计）",
            s.members
        );
    }
    match s.unknown() {
        0 => format!("{} 人", s.members),
        n => format!(
            "{} 人（已知 {} 人，另有 {n} 人尚未互动）",
            s.members, s.known
        ),
    }
}

/// The most groups listed in the text of `/report all` (all are in the CSV).
const LISTED_GROUPS: usize = 30;

/// `/report all`: one line per group.
pub fn report_overview(month: Month, rows: &[GroupRow]) -> String {
    let mut out = format!("<b>学习记实汇总 · {}</b>\n", month_label(month));
    if rows.is_empty() {
        out.push_str("本月暂无群组的投递或学习记录。");
        return out;
    }
    out += &format!("共 {} 个群组：\n", rows.len());
    for r in rows.iter().take(LISTED_GROUPS) {
        let s = &r.summary;
        let rate = s.rate().map_or("—".to_string(), percent);
        out += &format!(
            "· {}：投递 {} 天，成员 {}，学习 {} 人次，学习率 {rate}\n",
            escape(&r.title),
            s.days,
            members(s),
            s.checkins
        );
    }
    if rows.len() > LISTED_GROUPS {
        out += &format!(
            "……另有 {} 个群组，见 CSV 文件。\n",
            rows.len() - LISTED_GROUPS
        );
    }
    out.trim_end().to_string()
}

/// The CSV's file name: `记实-<chat>-<YYYY-MM>.csv`.
pub fn report_file_name(title: &str, chat_id: i64, month: Month) -> String {
    format!("{}.csv", report_file_stem(title, chat_id, month))
}

/// The workbook's file name, the CSV's twin: `记实-<chat>-<YYYY-MM>.xlsx`.
pub fn report_workbook_name(title: &str, chat_id: i64, month: Month) -> String {
    format!("{}.xlsx", report_file_stem(title, chat_id, month))
}

/// `记实-<chat>-<YYYY-MM>`, the chat's title without the characters file systems refuse.
fn report_file_stem(title: &str, chat_id: i64, month: Month) -> String {
    let clean: String = title
        .chars()
        .filter(|c| !c.is_control() && !r#"/\:*?"<>|"#.contains(*c))
        .take(40)
        .collect();
    let clean = clean.trim();
    let chat = if clean.is_empty() {
        chat_id.to_string()
    } else {
        clean.to_string()
    };
    format!("记实-{chat}-{month}")
}

pub fn overview_file_name(month: Month) -> String {
    format!("记实-全部群组-{month}.csv")
}

/// The workbook's file name, the CSV's twin.
pub fn overview_workbook_name(month: Month) -> String {
    format!("记实-全部群组-{month}.xlsx")
}

pub fn report_sent_privately() -> String {
    "学习记实报表已私信发送给您。".to_string()
}

/// The bot cannot message the admin who asked (they never started a private chat).
pub fn report_start_private_chat(bot_username: &str) -> String {
    let bot = if bot_username.is_empty() {
        "本机器人".to_string()
    } else {
        format!("@{}", escape(bot_username))
    };
    format!(
        "报表需私信发送，但机器人无法私信您：请先私聊 {bot} 并发送 /start，再在本群发送 /report。"
    )
}

pub fn report_anonymous() -> String {
    "报表需私信发送给管理员本人。匿名管理员请以个人身份发送 /report。".to_string()
}

/// `/report` in a private chat without `all`.
pub fn report_in_a_group(bot_admin: bool) -> String {
    let mut out = "请在群内发送 /report，本群的学习记实报表将私信发送给您。".to_string();
    if bot_admin {
        out.push_str("\n发送 /report all 查看各群汇总。");
    }
    out
}

pub fn report_all_private_only() -> String {
    "/report all 仅限机器人管理员在私聊中使用。".to_string()
}

/// Why a pinned or anchored item appears on its day, as `mingjing check` lists it: `春节前`,
/// `07-01`, `07-01 非工作日，提前`, `国庆前 与 integrity-049 同日，提前`. `off_work`: its
/// pinned date is not an official working day; `yielded_to`: the item that won its day.
pub fn fixed_day(reason: &Reason, off_work: bool, yielded_to: Option<&str>) -> String {
    let mut out = match reason {
        Reason::Pinned { on } => on.format("%m-%d").to_string(),
        Reason::Anchored {
            anchor: Anchor::Before(name),
            ..
        } => format!("{name}前"),
        Reason::Anchored {
            anchor: Anchor::After(name),
            ..
        } => format!("{name}后"),
    };
    let mut notes = Vec::new();
    if off_work {
        notes.push("非工作日".to_string());
    }
    if let Some(winner) = yielded_to {
        notes.push(format!("与 {winner} 同日"));
    }
    if !notes.is_empty() {
        out += &format!(" {}，提前", notes.join("，"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn item(text: &str) -> Item {
        Item {
            added_by: Some(1),
            added_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            ..Item::sample(12, Category::Integrity, text)
        }
    }

    #[test]
    fn user_text_is_escaped_everywhere() {
        let i = item("<b>x</b> & y");
        assert!(deleted(&i).contains("&lt;b&gt;x&lt;/b&gt; &amp; y"));
        assert!(item_page(&[&i], None, 1, 1, 1).contains("&lt;b&gt;"));
        assert!(
            problem(CommandName::Add, &Problem::UnknownCategory("<x>".into()))
                .contains("&lt;x&gt;")
        );
        assert!(unknown_command("a<b").contains("a&lt;b"));
    }

    #[test]
    fn echoed_input_is_short() {
        let long = "x".repeat(5000);
        assert!(
            problem(CommandName::SetTime, &Problem::BadTime(long))
                .chars()
                .count()
                < 100
        );
    }

    #[test]
    fn previews_are_one_line_and_cut() {
        assert_eq!(preview("一\n二"), "一 二");
        let long = "字".repeat(30);
        assert_eq!(preview(&long), format!("{}…", "字".repeat(24)));
    }

    #[test]
    fn help_lists_what_the_role_may_use() {
        let member = help(Role::Member, false);
        assert!(
            member.contains("/today") && !member.contains("/settime") && !member.contains("/add")
        );
        let admin = help(Role::ChatAdmin, false);
        assert!(admin.contains("/settime HH:MM") && !admin.contains("/add"));
        let bot_admin = help(Role::BotAdmin, true);
        assert!(bot_admin.contains("/add 类别") && bot_admin.contains("/del 编号"));
    }

    #[test]
    fn help_says_each_commands_arguments_once() {
        let all = help(Role::BotAdmin, true);
        assert!(all.contains("\n/list [类别] [页码] 条目列表\n"), "{all}");
        assert!(all.contains("\n/subscribe [HH:MM] 订阅每日提醒\n"), "{all}");
        assert!(all.contains("\n/today 今日提醒（预览）\n"), "{all}");
        for name in CommandName::ALL {
            let args = escape(arguments(name));
            if name == CommandName::Start || args.is_empty() {
                continue;
            }
            let line = all
                .lines()
                .find(|l| l.starts_with(&format!("/{} ", name.as_str())))
                .unwrap_or_else(|| panic!("no line for /{}: {all}", name.as_str()));
            assert_eq!(line.matches(args.as_str()).count(), 1, "{line}");
            // The menu, which shows no usage, names the arguments too, once.
            let menu = menu_description(name);
            assert_eq!(menu.matches(arguments(name)).count(), 1, "{menu}");
        }
        assert!(!all.contains("）（"), "{all}");
    }

    #[test]
    fn a_note_goes_inside_brackets_already_there() {
        let eight = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        let cases = [
            (
                days_label(None, DayRule::Workdays),
                "工作日（含调休上班日，默认）",
            ),
            (
                days_label(Some(DayRule::Workdays), DayRule::Everyday),
                "工作日（含调休上班日）",
            ),
            (days_label(None, DayRule::Everyday), "每天（默认）"),
            (time_label(None, eight), "08:00（默认）"),
            (time_label(Some(eight), eight), "08:00"),
        ];
        for (text, expected) in cases {
            assert_eq!(text, expected);
        }
    }

    #[test]
    fn status_shows_the_last_delivery() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let mut v = StatusView {
            private: false,
            state: Some(None),
            time: "08:00（默认）".into(),
            days: "每天".into(),
            next: Some(day.succ_opt().unwrap().and_hms_opt(8, 0, 0).unwrap()),
            today: day,
            last_delivery: None,
        };
        let s = status(&v);
        assert!(s.contains("下次投递：2026年12月1日 星期二 08:00"), "{s}");
        assert!(s.ends_with("最近投递：暂无记录"), "{s}");
        v.last_delivery = Some(LastDelivery {
            due: day.and_hms_opt(8, 0, 0).unwrap(),
            state: State::Failed,
            error: Some("Forbidden: <kicked>".into()),
        });
        let s = status(&v);
        assert!(
            s.ends_with("最近投递：2026年11月30日 星期一 08:00，失败：Forbidden: &lt;kicked&gt;"),
            "{s}"
        );
    }

    #[test]
    fn dates_are_written_one_way() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let line = "2026年12月7日 星期一";
        let stats_next = Stats {
            next: Some(Utc.with_ymd_and_hms(2026, 12, 7, 0, 0, 0).unwrap()),
            ..Stats::default()
        };
        let texts = [
            stats(&stats_next, chrono_tz::Asia::Shanghai),
            edition_has_no_items(day),
            tap_recorded(day, false),
            tap_repeated(day, false),
            tap_too_late(day),
        ];
        for text in texts {
            assert!(text.contains(line), "{text}");
        }
        let s = stats(&stats_next, chrono_tz::Asia::Shanghai);
        assert!(s.ends_with("下次投递：2026年12月7日 星期一 08:00"), "{s}");
    }

    #[test]
    fn clock_shows_seconds_only_when_set() {
        assert_eq!(clock(NaiveTime::from_hms_opt(8, 0, 0).unwrap()), "08:00");
        assert_eq!(clock(NaiveTime::from_hms_opt(8, 0, 5).unwrap()), "08:00:05");
    }

    #[test]
    fn report_files_are_twins_named_after_the_chat() {
        let oct = Month::new(2026, 10).unwrap();
        for (title, stem) in [
            ("第一支部", "记实-第一支部-2026-10"),
            ("a/b:c*?", "记实-abc-2026-10"),
            (" / ", "记实--4001-2026-10"),
        ] {
            assert_eq!(report_file_name(title, -4001, oct), format!("{stem}.csv"));
            assert_eq!(
                report_workbook_name(title, -4001, oct),
                format!("{stem}.xlsx")
            );
        }
        assert_eq!(overview_file_name(oct), "记实-全部群组-2026-10.csv");
        assert_eq!(overview_workbook_name(oct), "记实-全部群组-2026-10.xlsx");
    }

    #[test]
    fn why_a_fixed_item_is_on_its_day() {
        let on = NaiveDate::from_ymd_opt(2028, 7, 1).unwrap();
        let pinned = Reason::Pinned { on };
        assert_eq!(fixed_day(&pinned, false, None), "07-01");
        assert_eq!(fixed_day(&pinned, true, None), "07-01 非工作日，提前");
        assert_eq!(
            fixed_day(&pinned, true, Some("political-001")),
            "07-01 非工作日，与 political-001 同日，提前"
        );
        let before = Reason::Anchored {
            anchor: Anchor::Before("春节".into()),
            holiday: "春节".into(),
        };
        assert_eq!(fixed_day(&before, false, None), "春节前");
        assert_eq!(
            fixed_day(&before, false, Some("#9")),
            "春节前 与 #9 同日，提前"
        );
        let after = Reason::Anchored {
            anchor: Anchor::After("国庆".into()),
            holiday: "国庆节、中秋节".into(),
        };
        assert_eq!(fixed_day(&after, false, None), "国庆后");
    }
}
