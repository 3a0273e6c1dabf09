//! Robot channels (SPEC §16): a WeCom (企业微信), DingTalk (钉钉) or Feishu (飞书) group's
//! custom robot, which takes messages on a webhook URL. Pure: the record, URL checks and
//! masking, each platform's message format and size limit ([`render`]), request signing
//! ([`sign`]) and what a platform's answer means ([`classify`]).
//!
//! The platforms' published limits this module relies on (checked 2026-12 against the
//! platforms' robot documentation, as quoted by the pages named):
//! - WeCom: "每个机器人发送的消息不能超过20条/分钟"; markdown `content` at most 4,096 bytes
//!   (UTF-8); errcode 45009 = frequency limit, 93000 = invalid webhook URL (the robot was
//!   removed or its key reset). developer.work.weixin.qq.com/document/path/91770 (群机器人
//!   配置说明, "消息发送频率限制").
//! - DingTalk: "每个机器人每分钟最多发送20条消息到群里，如果超过20条，会限流10分钟"; 加签:
//!   `timestamp` in milliseconds, HMAC-SHA256 keyed by the secret over "timestamp\nsecret",
//!   Base64, then URL-encoded, as the query parameters `timestamp` and `sign`, within an
//!   hour of the server's time; errcode 310000 = a security setting refused the message
//!   (keywords, signature or IP), 300001 = the token does not exist, 130101 / 410100 = sent
//!   too fast. open.dingtalk.com/document/robots/custom-robot-access and
//!   …/customize-robot-security-settings. DingTalk publishes no size limit for a custom
//!   robot's markdown: parts are kept to 4,096 bytes, as for WeCom.
//! - Feishu: a custom robot may send 100 requests a minute and 5 a second; the request body
//!   at most 20 KB; 签名校验: `timestamp` in seconds, HMAC-SHA256 keyed by
//!   "timestamp\nsecret" over an empty message, Base64, in the JSON body as `timestamp`
//!   and `sign`, within an hour; code 19021 = signature mismatch, 19022 = IP not allowed,
//!   19024 = keywords not found, 19001 = the webhook's token is invalid, 11232 = frequency
//!   limited, 9499 = bad request. open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
//!   (自定义机器人使用指南).

pub mod command;
pub mod render;
pub mod sign;

use std::net::IpAddr;
use std::time::Duration;

use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::DayRule;
use crate::message::{Address, Channel};

/// A platform whose group robots take webhook messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    WeCom,
    DingTalk,
    Feishu,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::WeCom, Platform::DingTalk, Platform::Feishu];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::WeCom => "wecom",
            Platform::DingTalk => "dingtalk",
            Platform::Feishu => "feishu",
        }
    }

    /// `wecom`, `dingtalk`, `feishu`, or the apps' Chinese names.
    pub fn parse(s: &str) -> Option<Platform> {
        match s.trim().to_lowercase().as_str() {
            "wecom" | "企业微信" | "企微" => Some(Platform::WeCom),
            "dingtalk" | "钉钉" => Some(Platform::DingTalk),
            "feishu" | "lark" | "飞书" => Some(Platform::Feishu),
            _ => None,
        }
    }

    /// The app's name as users know it.
    pub fn label(self) -> &'static str {
        match self {
            Platform::WeCom => "企业微信",
            Platform::DingTalk => "钉钉",
            Platform::Feishu => "飞书",
        }
    }

    /// The engine's channel of this platform's robots.
    pub fn channel(self) -> Channel {
        match self {
            Platform::WeCom => Channel::WeCom,
            Platform::DingTalk => Channel::DingTalk,
            Platform::Feishu => Channel::Feishu,
        }
    }

    /// The platform of a robot channel; `None` for Telegram.
    pub fn of(channel: Channel) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.channel() == channel)
    }

    /// The hosts of the platform's webhooks.
    pub fn hosts(self) -> &'static [&'static str] {
        match self {
            Platform::WeCom => &["qyapi.weixin.qq.com"],
            Platform::DingTalk => &["oapi.dingtalk.com"],
            Platform::Feishu => &["open.feishu.cn", "open.larksuite.com"],
        }
    }

    /// The most messages one robot takes in a window: `.0` in `.1`. Feishu's two limits
    /// (5 a second, 100 a minute) are kept together as 5 in 3 seconds.
    pub fn per_robot(self) -> (usize, Duration) {
        match self {
            Platform::WeCom | Platform::DingTalk => (20, Duration::from_secs(60)),
            Platform::Feishu => (5, Duration::from_secs(3)),
        }
    }

    /// How long to wait after the platform said the robot sends too fast: WeCom's window
    /// is a minute, DingTalk throttles for ten minutes, Feishu's limits are per second and
    /// per minute (a second wait that is still limited waits again).
    pub fn rate_limited_wait(self) -> Duration {
        match self {
            Platform::WeCom => Duration::from_secs(60),
            Platform::DingTalk => Duration::from_secs(600),
            Platform::Feishu => Duration::from_secs(5),
        }
    }

    /// The largest part of a message, in bytes of its text (see [`render`]).
    pub fn max_part_bytes(self) -> usize {
        match self {
            Platform::WeCom | Platform::DingTalk => 4096,
            // 20 KB for the whole request, its JSON framing and escapes included.
            Platform::Feishu => 16 * 1024,
        }
    }
}

/// A group robot the morning message and notices go to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Robot {
    /// Its number, shown as `#N` and used in its address (`wecom:N`).
    pub id: i64,
    pub kind: Platform,
    /// The webhook URL: a secret (it carries the robot's key). Empty in an export made
    /// without `--with-secrets`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// The signing secret (DingTalk 加签, Feishu 签名校验), if the robot has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(default)]
    pub name: String,
    /// Its own delivery time; `None` follows `schedule.daily_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<NaiveTime>,
    /// Its own day rule; `None` follows `schedule.days`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<DayRule>,
    pub active: bool,
    /// Why it is inactive (the platform's answer when its webhook was revoked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who added it (a bot admin's user id; 0 for a `[[robot]]` of `config.toml`).
    #[serde(default)]
    pub added_by: i64,
    /// Whether it comes from `config.toml` (kept in step with the file at each start).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub from_config: bool,
    pub added_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

impl Robot {
    /// Where the engine sends to it: its platform's channel and its number.
    pub fn address(&self) -> Address {
        Address {
            channel: self.kind.channel(),
            id: self.id,
        }
    }

    /// The name texts show: its own, or the platform and number.
    pub fn title(&self) -> String {
        match self.name.trim() {
            "" => format!("{}机器人 #{}", self.kind.label(), self.id),
            name => name.to_string(),
        }
    }

    /// The URL as it may be shown (see [`mask`]).
    pub fn masked_url(&self) -> String {
        mask(&self.url)
    }

    /// A copy without the URL and the secret, for an export made without secrets.
    pub fn without_secrets(&self) -> Robot {
        Robot {
            url: String::new(),
            secret: None,
            ..self.clone()
        }
    }
}

/// Why a webhook URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not a URL")]
    NotUrl,
    #[error("must be https on {expected}, or http on a loopback address")]
    WrongHost { expected: String },
    #[error("https is required except on a loopback address")]
    NotHttps,
}

/// Checks a webhook URL of `kind`: https on the platform's webhook host, or plain http on a
/// loopback address (a local relay, or a test). Returns the URL trimmed.
pub fn check_url(kind: Platform, text: &str) -> Result<String, UrlError> {
    let text = text.trim();
    let url = url::Url::parse(text).map_err(|_| UrlError::NotUrl)?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err(UrlError::NotUrl),
    };
    match url.scheme() {
        "http" | "https" if loopback => Ok(text.to_string()),
        "https" => {
            let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
            if kind.hosts().contains(&host.as_str()) && url.port().is_none() {
                Ok(text.to_string())
            } else {
                Err(UrlError::WrongHost {
                    expected: kind.hosts().join(" / "),
                })
            }
        }
        "http" => Err(UrlError::NotHttps),
        _ => Err(UrlError::NotUrl),
    }
}

/// A webhook URL as it may be shown: scheme and host, then only the last four characters
/// of the rest (`https://oapi.dingtalk.com/…a1b2`). The key never shows.
pub fn mask(url: &str) -> String {
    let Ok(parsed) = url::Url::parse(url) else {
        return "…".into();
    };
    let origin = match (parsed.host_str(), parsed.port()) {
        (Some(h), Some(p)) => format!("{}://{h}:{p}", parsed.scheme()),
        (Some(h), None) => format!("{}://{h}", parsed.scheme()),
        _ => return "…".into(),
    };
    let rest: Vec<char> = url[origin.len().min(url.len())..].chars().collect();
    let tail: String = rest[rest.len().saturating_sub(4)..].iter().collect();
    if rest.len() <= 8 {
        return format!("{origin}/…");
    }
    format!("{origin}/…{tail}")
}

/// What a platform's answer to a send means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// The robot sends too fast: try again later.
    RateLimited(String),
    /// The webhook no longer works for us (removed, key reset, token invalid, signature or
    /// IP refused): deactivate the robot with this reason.
    Revoked(String),
    /// The platform refused this message (a keyword missing, a malformed request).
    Refused(String),
    /// A server error or an answer we cannot read: try again with backoff.
    Retry(String),
}

/// Classifies the answer (`status`, `body`) of `kind`'s webhook.
pub fn classify(kind: Platform, status: u16, body: &str) -> Outcome {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let field = |names: &[&str]| {
        json.as_ref().and_then(|j| {
            names
                .iter()
                .find_map(|n| j.get(*n))
                .and_then(serde_json::Value::as_i64)
        })
    };
    let text = |names: &[&str]| {
        json.as_ref()
            .and_then(|j| {
                names
                    .iter()
                    .find_map(|n| j.get(*n))
                    .and_then(|v| v.as_str())
            })
            .unwrap_or_default()
            .to_string()
    };
    let (code, msg) = match kind {
        Platform::WeCom | Platform::DingTalk => (field(&["errcode"]), text(&["errmsg"])),
        Platform::Feishu => (
            field(&["code", "StatusCode"]),
            text(&["msg", "StatusMessage"]),
        ),
    };
    let said = |code: i64| format!("{code} {msg}").trim().to_string();
    if status == 429 {
        return Outcome::RateLimited(format!("HTTP 429 {msg}").trim().to_string());
    }
    if status >= 500 {
        return Outcome::Retry(format!("HTTP {status}"));
    }
    let Some(code) = code else {
        return match status {
            200..=299 => Outcome::Retry(format!("HTTP {status}: unreadable answer")),
            404 | 410 => Outcome::Revoked(format!("HTTP {status}")),
            _ => Outcome::Refused(format!("HTTP {status}")),
        };
    };
    if code == 0 {
        return Outcome::Sent;
    }
    let lower = msg.to_lowercase();
    match (kind, code) {
        (Platform::WeCom, 45009) => Outcome::RateLimited(said(code)),
        (Platform::WeCom, 93000) => Outcome::Revoked(said(code)),
        (Platform::WeCom, -1) => Outcome::Retry(said(code)),
        (Platform::DingTalk, 130101 | 410100) => Outcome::RateLimited(said(code)),
        (Platform::DingTalk, 300001 | 300005 | 400013) => Outcome::Revoked(said(code)),
        (Platform::DingTalk, 310000) if lower.contains("keyword") => Outcome::Refused(said(code)),
        (Platform::DingTalk, 310000) => Outcome::Revoked(said(code)),
        (Platform::DingTalk, -1) => Outcome::Retry(said(code)),
        (Platform::Feishu, 11232) => Outcome::RateLimited(said(code)),
        (Platform::Feishu, 19001 | 19021 | 19022) => Outcome::Revoked(said(code)),
        (Platform::Feishu, 19024 | 9499) => Outcome::Refused(said(code)),
        _ if lower.contains("too fast") || lower.contains("frequency") => {
            Outcome::RateLimited(said(code))
        }
        _ => Outcome::Refused(said(code)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_the_platforms_https_or_loopback_http() {
        let ok = [
            (
                Platform::WeCom,
                "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx",
            ),
            (
                Platform::DingTalk,
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
            ),
            (
                Platform::Feishu,
                "https://open.feishu.cn/open-apis/bot/v2/hook/xyz",
            ),
            (Platform::Feishu, "http://127.0.0.1:8123/hook/1"),
            (Platform::WeCom, "http://localhost:9/x"),
            (Platform::DingTalk, "http://[::1]:80/robot/send"),
        ];
        for (kind, url) in ok {
            assert_eq!(check_url(kind, &format!(" {url} ")).as_deref(), Ok(url));
        }
        let wrong = [
            (
                Platform::WeCom,
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
            ),
            (Platform::DingTalk, "https://evil.example/robot/send"),
            (Platform::Feishu, "https://open.feishu.cn.evil.example/hook"),
            (Platform::WeCom, "https://qyapi.weixin.qq.com:8443/x"),
        ];
        for (kind, url) in wrong {
            assert!(
                matches!(check_url(kind, url), Err(UrlError::WrongHost { .. })),
                "{url}"
            );
        }
        assert_eq!(
            check_url(
                Platform::DingTalk,
                "http://oapi.dingtalk.com/robot/send?access_token=a"
            ),
            Err(UrlError::NotHttps)
        );
        assert_eq!(
            check_url(Platform::DingTalk, "http://10.0.0.1/x"),
            Err(UrlError::NotHttps)
        );
        for bad in ["", "oapi.dingtalk.com", "ftp://127.0.0.1/x", "网址"] {
            assert!(check_url(Platform::DingTalk, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_masked_url_shows_the_host_and_never_the_key() {
        let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7abc-4bc4-97a0-0ec2sifa5aaa";
        let m = mask(url);
        assert_eq!(m, "https://qyapi.weixin.qq.com/…5aaa");
        assert!(!m.contains("693a91f6"));
        assert_eq!(mask("http://127.0.0.1:8080/h"), "http://127.0.0.1:8080/…");
        assert_eq!(mask("not a url"), "…");
    }

    #[test]
    fn platform_answers_are_classified() {
        use Outcome::*;
        let cases = [
            (
                Platform::WeCom,
                200,
                r#"{"errcode":0,"errmsg":"ok"}"#,
                "sent",
            ),
            (
                Platform::WeCom,
                200,
                r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#,
                "rate",
            ),
            (
                Platform::WeCom,
                200,
                r#"{"errcode":93000,"errmsg":"invalid webhook url"}"#,
                "revoked",
            ),
            (
                Platform::WeCom,
                200,
                r#"{"errcode":40008,"errmsg":"invalid message type"}"#,
                "refused",
            ),
            (
                Platform::DingTalk,
                200,
                r#"{"errcode":0,"errmsg":"ok"}"#,
                "sent",
            ),
            (
                Platform::DingTalk,
                200,
                r#"{"errcode":130101,"errmsg":"send too fast"}"#,
                "rate",
            ),
            (
                Platform::DingTalk,
                200,
                r#"{"errcode":300001,"errmsg":"token is not exist"}"#,
                "revoked",
            ),
            (
                Platform::DingTalk,
                200,
                r#"{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}"#,
                "revoked",
            ),
            (
                Platform::DingTalk,
                200,
                r#"{"errcode":310000,"errmsg":"keywords not in content, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}"#,
                "refused",
            ),
            (
                Platform::Feishu,
                200,
                r#"{"code":0,"msg":"success","data":{}}"#,
                "sent",
            ),
            (
                Platform::Feishu,
                200,
                r#"{"StatusCode":0,"StatusMessage":"success"}"#,
                "sent",
            ),
            (
                Platform::Feishu,
                400,
                r#"{"code":11232,"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}"#,
                "rate",
            ),
            (
                Platform::Feishu,
                200,
                r#"{"code":19021,"msg":"sign match fail or timestamp is not within one hour from current time"}"#,
                "revoked",
            ),
            (
                Platform::Feishu,
                200,
                r#"{"code":19001,"msg":"param invalid: incoming webhook access token invalid"}"#,
                "revoked",
            ),
            (
                Platform::Feishu,
                200,
                r#"{"code":19024,"msg":"Key Words Not Found"}"#,
                "refused",
            ),
            (Platform::Feishu, 429, "", "rate"),
            (Platform::WeCom, 502, "<html>Bad Gateway</html>", "retry"),
            (Platform::WeCom, 200, "<html>?</html>", "retry"),
            (Platform::DingTalk, 404, "", "revoked"),
        ];
        for (kind, status, body, want) in cases {
            let got = match classify(kind, status, body) {
                Sent => "sent",
                RateLimited(_) => "rate",
                Revoked(_) => "revoked",
                Refused(_) => "refused",
                Retry(_) => "retry",
            };
            assert_eq!(got, want, "{kind:?} {status} {body}");
        }
        // The reason keeps the platform's own words.
        assert_eq!(
            classify(
                Platform::DingTalk,
                200,
                r#"{"errcode":310000,"errmsg":"keywords not in content"}"#
            ),
            Refused("310000 keywords not in content".into())
        );
    }

    #[test]
    fn an_export_copy_has_no_secrets() {
        let r = Robot {
            id: 3,
            kind: Platform::DingTalk,
            url: "https://oapi.dingtalk.com/robot/send?access_token=SECRET".into(),
            secret: Some("SECabc".into()),
            name: String::new(),
            time: None,
            days: None,
            active: true,
            reason: None,
            added_by: 1,
            from_config: false,
            added_at: DateTime::<Utc>::MIN_UTC,
            changed_at: DateTime::<Utc>::MIN_UTC,
        };
        let json = serde_json::to_string(&r.without_secrets()).unwrap();
        assert!(
            !json.contains("SECRET") && !json.contains("SECabc"),
            "{json}"
        );
        assert_eq!(r.title(), "钉钉机器人 #3");
    }
}
