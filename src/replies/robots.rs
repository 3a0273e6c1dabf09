//! The texts of group robots (SPEC §16): `/robot` and its answers, the test message, and
//! the notice to bot admins when a robot's webhook was revoked. Webhook URLs only masked.

use chrono::NaiveTime;

use crate::calendar::DayRule;
use crate::edition::escape;
use crate::robot::command::RobotProblem;
use crate::robot::{Platform, Robot, UrlError};

/// How to use `/robot`.
pub fn usage() -> String {
    "<b>群机器人</b>（企业微信 / 钉钉 / 飞书群，仅限私聊）\n\
     /robot add &lt;wecom|dingtalk|feishu&gt; &lt;网址&gt; [密钥:&lt;密钥&gt;] [名称:&lt;名称&gt;] — 登记机器人\n\
     /robot list — 查看已登记的机器人\n\
     /robot del &lt;N&gt; — 删除\n\
     /robot test &lt;N&gt; — 试发一条消息\n\
     /robot time &lt;N&gt; HH:MM — 推送时间\n\
     /robot days &lt;N&gt; workdays|everyday — 推送日\n\
     群机器人只接收每日提醒和通知；打卡、组织生活和督办仅在 Telegram 群中提供。"
        .to_string()
}

fn when(robot: &Robot, daily_at: NaiveTime, days: DayRule) -> String {
    let time = robot.time.unwrap_or(daily_at).format("%H:%M");
    let days = super::day_rule(robot.days.unwrap_or(days));
    format!("{days} {time}")
}

/// One robot in a list: number, platform, name, masked URL, schedule, state.
fn line(robot: &Robot, daily_at: NaiveTime, days: DayRule) -> String {
    let mut out = format!(
        "#{} {} · {} · <code>{}</code> · {}",
        robot.id,
        robot.kind.label(),
        escape(&robot.title()),
        escape(&robot.masked_url()),
        when(robot, daily_at, days)
    );
    if robot.secret.is_some() {
        out += " · 已加签";
    }
    if robot.from_config {
        out += " · 来自配置文件";
    }
    if !robot.active {
        let reason = robot.reason.as_deref().unwrap_or("已停用");
        out += &format!("\n　⚠️ 已停用：{}", escape(reason));
    }
    out
}

pub fn added(robot: &Robot, daily_at: NaiveTime, days: DayRule, deleted: bool) -> String {
    let mut out = format!(
        "✅ 已登记群机器人：\n{}\n发送 /robot test {} 试发一条消息。",
        line(robot, daily_at, days),
        robot.id
    );
    out += if deleted {
        "\n为保护网址，已删除您发送的含网址的消息。"
    } else {
        "\n⚠️ 无法删除您发送的含网址的消息，请手动删除。"
    };
    out
}

pub fn list(robots: &[Robot], daily_at: NaiveTime, days: DayRule) -> String {
    if robots.is_empty() {
        return "尚未登记群机器人。用 /robot add 登记，详见 /robot。".into();
    }
    let lines: Vec<String> = robots.iter().map(|r| line(r, daily_at, days)).collect();
    format!(
        "<b>群机器人</b>（{} 个）\n{}",
        robots.len(),
        lines.join("\n")
    )
}

pub fn removed(robot: &Robot) -> String {
    format!(
        "已删除群机器人 #{}「{}」。",
        robot.id,
        escape(&robot.title())
    )
}

pub fn no_such(n: &str) -> String {
    format!(
        "没有编号为 {} 的群机器人，请用 /robot list 查看。",
        escape(n)
    )
}

pub fn from_config(robot: &Robot) -> String {
    format!(
        "群机器人 #{} 来自配置文件 config.toml，请在文件中修改或删除后重启。",
        robot.id
    )
}

pub fn bad_kind(kind: &str) -> String {
    format!(
        "未知的平台“{}”：请写 wecom（企业微信）、dingtalk（钉钉）或 feishu（飞书）。",
        escape(kind)
    )
}

pub fn bad_url(kind: Platform, e: &UrlError) -> String {
    let why = match e {
        UrlError::NotUrl => "这不是一个网址".to_string(),
        UrlError::NotHttps => "除本机地址外必须使用 https".to_string(),
        UrlError::WrongHost { expected } => {
            format!("{}机器人的网址应以 https://{expected} 开头", kind.label())
        }
    };
    format!(
        "网址无效：{why}。请在{}群的机器人设置中复制完整的 Webhook 地址。",
        kind.label()
    )
}

pub fn bad_time(text: &str) -> String {
    format!("时间“{}”无效，请写 HH:MM，例如 08:00。", escape(text))
}

pub fn bad_days(text: &str) -> String {
    format!(
        "“{}”无效，请写 workdays（工作日）或 everyday（每天）。",
        escape(text)
    )
}

pub fn changed(robot: &Robot, daily_at: NaiveTime, days: DayRule) -> String {
    format!("已更新：\n{}", line(robot, daily_at, days))
}

/// The test message: it carries the morning message's marker, so that a robot guarded by
/// the keyword 纪律明镜 takes it as it takes the morning message.
pub fn test_message(robot: &Robot) -> String {
    format!(
        "<b>【纪律明镜·天天照】</b>\n测试消息：群机器人「{}」已接通，每日提醒将发送到本群。",
        escape(&robot.title())
    )
}

/// The platform's answer to `/robot test`, plainly.
pub fn tested(robot: &Robot, sent: bool, said: &str) -> String {
    if sent {
        return format!(
            "✅ 测试消息已发送到群机器人 #{}「{}」，平台回复：<code>{}</code>",
            robot.id,
            escape(&robot.title()),
            escape(said)
        );
    }
    let lower = said.to_lowercase();
    let hint = if lower.contains("keyword") || lower.contains("key words") {
        "\n该机器人设置了自定义关键词：请在机器人安全设置中添加关键词“纪律明镜”（每条提醒都含有它）和“通知”（通知消息含有它），或改用加签。"
    } else if lower.contains("sign") {
        "\n签名校验失败：请检查密钥（钉钉为 SEC 开头的加签密钥，飞书为签名校验密钥）。"
    } else if lower.contains("ip") {
        "\n该机器人设置了 IP 白名单：请加入本服务器的出口 IP。"
    } else if lower.contains("token")
        || lower.contains("invalid webhook")
        || lower.contains("93000")
    {
        "\n网址已失效：机器人可能已被移除或重置，请重新添加后用 /robot add 登记。"
    } else {
        ""
    };
    format!(
        "❌ 群机器人 #{}「{}」未接收测试消息，平台回复：<code>{}</code>{hint}",
        robot.id,
        escape(&robot.title()),
        escape(said)
    )
}

/// To the bot admins, once, when a robot's webhook was revoked.
pub fn deactivated(robot: &Robot) -> String {
    let reason = robot.reason.as_deref().unwrap_or("");
    format!(
        "⚠️ 群机器人 #{}「{}」（{}）已停用：平台回复 <code>{}</code>。\n机器人可能已被移出群或网址已重置。请在群中重新添加机器人，然后用 /robot add 登记新网址（并用 /robot del {} 删除旧的）。",
        robot.id,
        escape(&robot.title()),
        robot.kind.label(),
        escape(reason),
        robot.id
    )
}

/// What is wrong with a `/robot` command.
pub fn problem(p: &RobotProblem) -> String {
    match p {
        RobotProblem::Usage => usage(),
        RobotProblem::BadKind(k) => bad_kind(k),
        RobotProblem::BadUrl(kind, e) => bad_url(*kind, e),
        RobotProblem::BadNumber(n) => no_such(n),
        RobotProblem::BadTime(t) => bad_time(t),
        RobotProblem::BadDays(d) => bad_days(d),
    }
}

/// A robot in the delivery failures' list.
pub fn name(robot: &Robot) -> String {
    format!("{} #{}", robot.kind.label(), robot.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};

    fn robot() -> Robot {
        Robot {
            id: 2,
            kind: Platform::DingTalk,
            url: "https://oapi.dingtalk.com/robot/send?access_token=TOPSECRET0000".into(),
            secret: Some("SECtop".into()),
            name: "办公室".into(),
            time: None,
            days: None,
            active: false,
            reason: Some("300001 token is not exist".into()),
            added_by: 1,
            from_config: false,
            added_at: DateTime::<Utc>::UNIX_EPOCH,
            changed_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    #[test]
    fn lists_and_answers_never_show_the_url_or_secret() {
        let r = robot();
        let t = NaiveTime::from_hms_opt(8, 0, 0).unwrap();
        for text in [
            list(std::slice::from_ref(&r), t, DayRule::Workdays),
            added(&r, t, DayRule::Workdays, true),
            changed(&r, t, DayRule::Everyday),
            deactivated(&r),
            tested(&r, false, "310000 keywords not in content"),
        ] {
            assert!(
                !text.contains("TOPSECRET") && !text.contains("SECtop"),
                "{text}"
            );
        }
        let l = list(std::slice::from_ref(&r), t, DayRule::Workdays);
        assert!(l.contains("#2 钉钉 · 办公室 · <code>https://oapi.dingtalk.com/…0000</code> · 工作日（含调休上班日） 08:00"), "{l}");
        assert!(l.contains("已停用：300001 token is not exist"), "{l}");
        assert!(tested(&r, false, "310000 keywords not in content").contains("关键词“纪律明镜”"));
        assert!(test_message(&r).contains("纪律明镜"));
    }
}
