//! `[[robot]]` entries of `config.toml`: group robots kept in step with the file (SPEC §16).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use toml::Spanned;

use super::Problems;
use crate::calendar::{DayRule, parse_time};
use crate::robot::{self, Platform, Robot};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRobot {
    kind: Spanned<String>,
    url: Spanned<String>,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    name: String,
    #[serde(default)]
    time: Option<Spanned<String>>,
    #[serde(default)]
    days: Option<Spanned<String>>,
}

/// Checks every `[[robot]]`: the kind, the URL (https on the platform's webhook host, or
/// http on a loopback address), the time and the day rule. The robots come back numbered 0
/// (the store numbers them).
pub(super) fn parse(raw: Vec<RawRobot>, problems: &mut Problems) -> Vec<Robot> {
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.into_iter().enumerate() {
        let key = |k: &str| format!("robot[{}].{k}", i + 1);
        let kind = problems.require(
            Platform::parse(r.kind.get_ref()),
            r.kind.span(),
            &key("kind"),
            || {
                format!(
                    "unknown kind {:?} (expected \"wecom\", \"dingtalk\" or \"feishu\")",
                    r.kind.get_ref()
                )
            },
        );
        // The URL is a secret: the reason names the rule, never the URL.
        let url = kind.and_then(|kind| match robot::check_url(kind, r.url.get_ref()) {
            Ok(url) => Some(url),
            Err(e) => {
                problems.add(
                    Some(r.url.span()),
                    &key("url"),
                    format!("bad webhook URL: {e}"),
                );
                None
            }
        });
        let time = r.time.as_ref().map(|t| {
            problems.require(parse_time(t.get_ref()), t.span(), &key("time"), || {
                format!("bad time {:?} (expected HH:MM)", t.get_ref())
            })
        });
        let days = r.days.as_ref().map(|d| {
            problems.require(DayRule::parse(d.get_ref()), d.span(), &key("days"), || {
                format!(
                    "unknown day rule {:?} (expected \"workdays\" or \"everyday\")",
                    d.get_ref()
                )
            })
        });
        let (Some(kind), Some(url), Some(time), Some(days)) = (
            kind,
            url,
            time.map_or(Some(None), |t| t.map(Some)),
            days.map_or(Some(None), |d| d.map(Some)),
        ) else {
            continue;
        };
        let secret = r
            .secret
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty());
        out.push(Robot {
            id: 0,
            kind,
            url,
            secret,
            name: r.name.trim().to_string(),
            time,
            days,
            active: true,
            reason: None,
            added_by: 0,
            from_config: true,
            added_at: DateTime::<Utc>::UNIX_EPOCH,
            changed_at: DateTime::<Utc>::UNIX_EPOCH,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, Env};
    use crate::robot::Platform;

    fn parse(src: &str) -> Result<Config, String> {
        Config::parse("c.toml", src, Path::new(""), &Env::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn robots_are_read_and_checked() {
        let src = "[[robot]]\nkind = \"dingtalk\"\nurl = \"https://oapi.dingtalk.com/robot/send?access_token=abc\"\nsecret = \"SECx\"\nname = \"办公室\"\ntime = \"07:30\"\ndays = \"everyday\"\n\n[[robot]]\nkind = \"feishu\"\nurl = \"http://127.0.0.1:9/hook\"\n";
        let c = parse(src).unwrap();
        let r = &c.robots.0;
        assert_eq!(r.len(), 2);
        assert_eq!(
            (r[0].kind, r[0].secret.as_deref()),
            (Platform::DingTalk, Some("SECx"))
        );
        assert_eq!(r[0].time.unwrap().to_string(), "07:30:00");
        assert_eq!(
            (r[1].kind, r[1].secret.as_ref(), r[1].time),
            (Platform::Feishu, None, None)
        );
        assert!(
            !format!("{c:?}").contains("access_token"),
            "Debug shows no URL"
        );
    }

    #[test]
    fn a_bad_robot_names_the_file_line_key_and_reason_but_not_the_url() {
        let src = "[telegram]\nadmins = [1]\n\n[[robot]]\nkind = \"wecom\"\nurl = \"https://oapi.dingtalk.com/robot/send?access_token=SECRET123\"\n";
        let e = parse(src).unwrap_err();
        assert!(
            e.starts_with(
                "c.toml:6: robot[1].url: bad webhook URL: must be https on qyapi.weixin.qq.com"
            ),
            "{e}"
        );
        assert!(!e.contains("SECRET123"), "{e}");
        let e = parse("[[robot]]\nkind = \"wechat\"\nurl = \"x\"\n").unwrap_err();
        assert!(
            e.contains("c.toml:2: robot[1].kind: unknown kind \"wechat\""),
            "{e}"
        );
        let e =
            parse("[[robot]]\nkind = \"feishu\"\nurl = \"http://127.0.0.1/h\"\ntime = \"25:00\"\n")
                .unwrap_err();
        assert!(e.contains("c.toml:4: robot[1].time: bad time"), "{e}");
        let e = parse("[[robot]]\nkind = \"feishu\"\nurl = \"http://127.0.0.1/h\"\ncolour = 1\n")
            .unwrap_err();
        assert!(e.contains("unknown field `colour`"), "{e}");
        assert!(
            parse("[[robot]]\nkind = \"feishu\"\n").is_err(),
            "the URL is required"
        );
    }
}
