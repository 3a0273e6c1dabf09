//! `/robot` and its arguments, parsed (pure): add, list, del, test, time, days.

use chrono::NaiveTime;

use super::{Platform, UrlError, check_url};
use crate::calendar::{DayRule, parse_time};

/// `/robot …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotCommand {
    /// `/robot` alone: how to use it.
    Help,
    /// `/robot add <wecom|dingtalk|feishu> <网址> [密钥:<密钥>] [名称:<名称>]`.
    Add {
        kind: Platform,
        url: String,
        secret: Option<String>,
        name: String,
    },
    List,
    Del(i64),
    Test(i64),
    Time(i64, NaiveTime),
    Days(i64, DayRule),
}

/// What is wrong with a `/robot` command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotProblem {
    /// Not one of the sub-commands (or none of their arguments): show the usage.
    Usage,
    BadKind(String),
    BadUrl(Platform, UrlError),
    BadNumber(String),
    BadTime(String),
    BadDays(String),
}

/// Labels of the optional parts of `/robot add`, ASCII or full-width colon.
const SECRET: [&str; 2] = ["密钥:", "密钥："];
const NAME: [&str; 2] = ["名称:", "名称："];

impl RobotCommand {
    /// Parses the arguments of `/robot` (trimmed).
    pub fn parse(args: &str) -> Result<RobotCommand, RobotProblem> {
        let words: Vec<&str> = args.split_whitespace().collect();
        let Some((sub, rest)) = words.split_first() else {
            return Ok(RobotCommand::Help);
        };
        let number = |w: Option<&&str>| -> Result<i64, RobotProblem> {
            let w = w.ok_or(RobotProblem::Usage)?;
            w.trim_start_matches(['#', '＃'])
                .parse::<i64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| RobotProblem::BadNumber(w.to_string()))
        };
        match (sub.to_lowercase().as_str(), rest) {
            ("add", [kind, url, more @ ..]) => {
                let kind =
                    Platform::parse(kind).ok_or_else(|| RobotProblem::BadKind(kind.to_string()))?;
                let url = check_url(kind, url).map_err(|e| RobotProblem::BadUrl(kind, e))?;
                let (mut secret, mut name): (Option<String>, String) = (None, String::new());
                let mut naming = false;
                for word in more {
                    if let Some(v) = SECRET.iter().find_map(|p| word.strip_prefix(p)) {
                        secret = Some(v.trim().to_string()).filter(|s| !s.is_empty());
                        naming = false;
                    } else if let Some(v) = NAME.iter().find_map(|p| word.strip_prefix(p)) {
                        name = v.to_string();
                        naming = true;
                    } else if naming {
                        // A name may have spaces; a secret has none.
                        name.push(' ');
                        name.push_str(word);
                    } else {
                        return Err(RobotProblem::Usage);
                    }
                }
                Ok(RobotCommand::Add {
                    kind,
                    url,
                    secret,
                    name: name.trim().to_string(),
                })
            }
            ("add", [kind]) => match Platform::parse(kind) {
                None => Err(RobotProblem::BadKind(kind.to_string())),
                Some(_) => Err(RobotProblem::Usage),
            },
            ("list", []) => Ok(RobotCommand::List),
            ("del" | "delete" | "rm", [n]) => Ok(RobotCommand::Del(number(Some(n))?)),
            ("test", [n]) => Ok(RobotCommand::Test(number(Some(n))?)),
            ("time", [n, t]) => {
                let n = number(Some(n))?;
                let time = parse_time(&t.replace('：', ":"))
                    .ok_or_else(|| RobotProblem::BadTime(t.to_string()))?;
                Ok(RobotCommand::Time(n, time))
            }
            ("days", [n, d]) => {
                let n = number(Some(n))?;
                let days = DayRule::parse(&d.to_lowercase())
                    .ok_or_else(|| RobotProblem::BadDays(d.to_string()))?;
                Ok(RobotCommand::Days(n, days))
            }
            _ => Err(RobotProblem::Usage),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DING: &str = "https://oapi.dingtalk.com/robot/send?access_token=abc";

    #[test]
    fn add_takes_a_kind_a_url_and_optional_secret_and_name() {
        assert_eq!(
            RobotCommand::parse(&format!("add dingtalk {DING} 密钥:SECabc 名称:第一 党支部")),
            Ok(RobotCommand::Add {
                kind: Platform::DingTalk,
                url: DING.into(),
                secret: Some("SECabc".into()),
                name: "第一 党支部".into(),
            })
        );
        assert_eq!(
            RobotCommand::parse(&format!("ADD 钉钉 {DING} 名称：办公室")),
            Ok(RobotCommand::Add {
                kind: Platform::DingTalk,
                url: DING.into(),
                secret: None,
                name: "办公室".into(),
            })
        );
        assert_eq!(
            RobotCommand::parse(&format!("add wechat {DING}")),
            Err(RobotProblem::BadKind("wechat".into()))
        );
        assert!(matches!(
            RobotCommand::parse(&format!("add wecom {DING}")),
            Err(RobotProblem::BadUrl(
                Platform::WeCom,
                UrlError::WrongHost { .. }
            ))
        ));
        assert_eq!(
            RobotCommand::parse(&format!("add dingtalk {DING} extra")),
            Err(RobotProblem::Usage)
        );
        assert_eq!(RobotCommand::parse("add feishu"), Err(RobotProblem::Usage));
    }

    #[test]
    fn the_other_subcommands_take_a_number() {
        use RobotCommand::*;
        assert_eq!(RobotCommand::parse(""), Ok(Help));
        assert_eq!(RobotCommand::parse("list"), Ok(List));
        assert_eq!(RobotCommand::parse("del #3"), Ok(Del(3)));
        assert_eq!(RobotCommand::parse("test 2"), Ok(Test(2)));
        assert_eq!(
            RobotCommand::parse("time 2 7：30"),
            Ok(Time(2, NaiveTime::from_hms_opt(7, 30, 0).unwrap()))
        );
        assert_eq!(
            RobotCommand::parse("days 2 everyday"),
            Ok(Days(2, DayRule::Everyday))
        );
        assert_eq!(
            RobotCommand::parse("del x"),
            Err(RobotProblem::BadNumber("x".into()))
        );
        assert_eq!(
            RobotCommand::parse("time 2 25:00"),
            Err(RobotProblem::BadTime("25:00".into()))
        );
        assert_eq!(
            RobotCommand::parse("days 2 weekly"),
            Err(RobotProblem::BadDays("weekly".into()))
        );
        assert_eq!(RobotCommand::parse("fly"), Err(RobotProblem::Usage));
    }
}
