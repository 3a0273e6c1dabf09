//! Configuration: `config.toml`, its defaults, and the environment overrides.

mod orglife;
mod tasks;
mod web;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::NaiveTime;
use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use crate::calendar::{DayRule, parse_time};
use crate::content::line_of;

use self::orglife::RawOrgLife;
pub use self::orglife::{MONTH_END_DAYS, OrgLife};
use self::tasks::RawTasks;
pub use self::tasks::Tasks;
use self::web::RawWeb;
pub use self::web::Web;

/// The commented example shipped as `config.toml`; its values are the defaults.
pub const EXAMPLE: &str = include_str!("../config.toml");

/// Telegram's free broadcast limit, messages per second.
pub const FREE_RATE: u32 = 30;
/// Telegram's paid broadcast limit, messages per second.
pub const PAID_RATE: u32 = 1000;

/// A config file that could not be used: which file, which key, why.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    fn describe(&self) -> String {
        match (self.line, self.key.as_str()) {
            (0, "-") => format!("{}: {}", self.file, self.reason),
            (0, key) => format!("{}: {key}: {}", self.file, self.reason),
            (line, key) => format!("{}:{line}: {key}: {}", self.file, self.reason),
        }
    }
}

/// The bot token; never printed.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(s: impl Into<String>) -> Token {
        Token(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Whether the morning message carries the 第一议题 line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StudyRule {
    Daily,
    /// The first delivery day of each week.
    Monday,
    Off,
}

#[derive(Debug, Clone)]
pub struct Config {
    /// The file this came from, if any.
    pub file: Option<PathBuf>,
    pub token: Token,
    pub api_url: Option<url::Url>,
    pub admins: Vec<i64>,
    pub timezone: Tz,
    pub daily_at: NaiveTime,
    pub days: DayRule,
    pub catch_up: Duration,
    pub study: StudyRule,
    pub calendar: Option<PathBuf>,
    pub max_per_second: u32,
    pub paid_broadcast: bool,
    pub checkin: bool,
    pub storage_path: PathBuf,
    pub keep_days: u32,
    pub content_dir: PathBuf,
    /// `[orglife]`: the feature (each group opts in), the 月末调度's day, the checklist.
    pub orglife: OrgLife,
    /// `[tasks]`: 督办 and how its milestones count days.
    pub tasks: Tasks,
    /// `[web]`: the optional web server (health, metrics, the console).
    pub web: Web,
    /// Accepted, but worth telling the operator.
    pub warnings: Vec<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct Raw {
    telegram: RawTelegram,
    schedule: RawSchedule,
    delivery: RawDelivery,
    checkin: RawCheckin,
    storage: RawStorage,
    content: RawContent,
    orglife: RawOrgLife,
    tasks: RawTasks,
    web: RawWeb,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawTelegram {
    token: String,
    api_url: Option<Spanned<String>>,
    admins: Vec<i64>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawSchedule {
    timezone: Option<Spanned<String>>,
    daily_at: Option<Spanned<String>>,
    days: Option<Spanned<String>>,
    catch_up: Option<Spanned<String>>,
    study: Option<Spanned<String>>,
    calendar: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawDelivery {
    max_per_second: Spanned<i64>,
    paid_broadcast: bool,
}

impl Default for RawDelivery {
    fn default() -> Self {
        RawDelivery {
            max_per_second: Spanned::new(0..0, FREE_RATE as i64),
            paid_broadcast: false,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawCheckin {
    enabled: bool,
}

impl Default for RawCheckin {
    fn default() -> Self {
        RawCheckin { enabled: true }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawStorage {
    path: String,
    keep_days: u32,
}

impl Default for RawStorage {
    fn default() -> Self {
        RawStorage {
            path: "data/mingjing.sled".into(),
            keep_days: 730,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
struct RawContent {
    dir: String,
}

impl Default for RawContent {
    fn default() -> Self {
        RawContent {
            dir: "reminders".into(),
        }
    }
}

/// Environment values that override the file.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub token: Option<String>,
    pub api_url: Option<String>,
}

impl Env {
    pub fn from_process() -> Env {
        let get = |k| {
            std::env::var(k)
                .ok()
                .filter(|v: &String| !v.trim().is_empty())
        };
        Env {
            token: get("TELOXIDE_TOKEN"),
            api_url: get("TELOXIDE_API_URL"),
        }
    }
}

impl Config {
    /// Loads `path` (an explicitly named file must exist), or `./config.toml` when it
    /// exists, or the defaults.
    pub fn load(path: Option<&Path>, env: &Env) -> Result<Config, ConfigError> {
        let (file, src) = match path {
            Some(p) => {
                let src = std::fs::read_to_string(p).map_err(|e| ConfigError {
                    file: p.display().to_string(),
                    line: 0,
                    key: "-".into(),
                    reason: format!("cannot read: {e}"),
                })?;
                (Some(p.to_path_buf()), src)
            }
            None if Path::new("config.toml").is_file() => {
                let p = PathBuf::from("config.toml");
                let src = std::fs::read_to_string(&p).map_err(|e| ConfigError {
                    file: "config.toml".into(),
                    line: 0,
                    key: "-".into(),
                    reason: format!("cannot read: {e}"),
                })?;
                (Some(p), src)
            }
            None => (None, String::new()),
        };
        let base = file
            .as_deref()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let name = file
            .as_deref()
            .map_or("(defaults)".to_string(), |p| p.display().to_string());
        let mut cfg = Config::parse(&name, &src, &base, env)?;
        cfg.file = file;
        Ok(cfg)
    }

    /// Parses a config text; relative paths resolve against `base`. Pure.
    pub fn parse(file: &str, src: &str, base: &Path, env: &Env) -> Result<Config, ConfigError> {
        let err = |span: Option<Span>, key: &str, reason: String| ConfigError {
            file: file.to_string(),
            line: span.map_or(0, |s| line_of(src, s.start)),
            key: key.to_string(),
            reason,
        };
        let raw: Raw = toml::from_str(src).map_err(|e| {
            let msg = e.message().trim().to_string();
            let key = e
                .span()
                .and_then(|s| key_at(src, s.start))
                .unwrap_or_else(|| "-".to_string());
            err(e.span(), &key, msg)
        })?;

        let s = &raw.schedule;
        let timezone = match &s.timezone {
            None => chrono_tz::Asia::Shanghai,
            Some(v) => v.get_ref().parse::<Tz>().map_err(|_| {
                err(
                    Some(v.span()),
                    "schedule.timezone",
                    format!("unknown time zone {:?}", v.get_ref()),
                )
            })?,
        };
        let daily_at = match &s.daily_at {
            None => NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default(),
            Some(v) => parse_time(v.get_ref()).ok_or_else(|| {
                err(
                    Some(v.span()),
                    "schedule.daily_at",
                    format!("bad time {:?} (expected HH:MM or HH:MM:SS)", v.get_ref()),
                )
            })?,
        };
        let days = match &s.days {
            None => DayRule::Workdays,
            Some(v) => DayRule::parse(v.get_ref()).ok_or_else(|| {
                err(
                    Some(v.span()),
                    "schedule.days",
                    format!(
                        "unknown day rule {:?} (expected \"workdays\" or \"everyday\")",
                        v.get_ref()
                    ),
                )
            })?,
        };
        let catch_up = match &s.catch_up {
            None => Duration::from_secs(2 * 3600),
            Some(v) => parse_duration(v.get_ref()).ok_or_else(|| {
                err(
                    Some(v.span()),
                    "schedule.catch_up",
                    format!(
                        "bad duration {:?} (expected e.g. \"2h\", \"30m\", \"1h30m\", \"90s\")",
                        v.get_ref()
                    ),
                )
            })?,
        };
        let study = match s.study.as_ref().map(|v| (v, v.get_ref().trim())) {
            None | Some((_, "daily")) => StudyRule::Daily,
            Some((_, "monday")) => StudyRule::Monday,
            Some((_, "off")) => StudyRule::Off,
            Some((v, other)) => {
                return Err(err(
                    Some(v.span()),
                    "schedule.study",
                    format!("unknown value {other:?} (expected \"daily\", \"monday\" or \"off\")"),
                ));
            }
        };

        let api_text = env
            .api_url
            .clone()
            .or_else(|| raw.telegram.api_url.as_ref().map(|v| v.get_ref().clone()))
            .filter(|s| !s.trim().is_empty());
        let api_url = match api_text {
            None => None,
            Some(text) => Some(url::Url::parse(text.trim()).map_err(|e| {
                let reason = format!("bad URL {text:?}: {e}");
                if env.api_url.is_some() {
                    ConfigError {
                        file: "environment".into(),
                        line: 0,
                        key: "TELOXIDE_API_URL".into(),
                        reason,
                    }
                } else {
                    let span = raw.telegram.api_url.as_ref().map(Spanned::span);
                    err(span, "telegram.api_url", reason)
                }
            })?),
        };

        let mut warnings = Vec::new();
        let rate = &raw.delivery.max_per_second;
        let max_per_second = match *rate.get_ref() {
            n if n < 1 => {
                return Err(err(
                    Some(rate.span()),
                    "delivery.max_per_second",
                    format!("must be at least 1, not {n}"),
                ));
            }
            n if n > PAID_RATE as i64 => {
                warnings.push(format!(
                    "delivery.max_per_second = {n} is above Telegram's paid broadcast limit of {PAID_RATE}/s"
                ));
                n.min(u32::MAX as i64) as u32
            }
            n if n > FREE_RATE as i64 && !raw.delivery.paid_broadcast => {
                warnings.push(format!(
                    "delivery.max_per_second = {n} is above Telegram's free limit of {FREE_RATE}/s without paid_broadcast: expect 429 answers"
                ));
                n as u32
            }
            n => n as u32,
        };

        let resolve = |p: &str| {
            let p = Path::new(p);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base.join(p)
            }
        };
        let calendar = Some(s.calendar.trim())
            .filter(|c| !c.is_empty())
            .map(resolve);

        Ok(Config {
            file: None,
            token: Token::new(env.token.clone().unwrap_or(raw.telegram.token)),
            api_url,
            admins: raw.telegram.admins,
            timezone,
            daily_at,
            days,
            catch_up,
            study,
            calendar,
            max_per_second,
            paid_broadcast: raw.delivery.paid_broadcast,
            checkin: raw.checkin.enabled,
            storage_path: resolve(&raw.storage.path),
            keep_days: raw.storage.keep_days,
            content_dir: resolve(&raw.content.dir),
            orglife: orglife::parse(raw.orglife, &err)?,
            tasks: tasks::parse(raw.tasks, &err)?,
            web: web::parse(raw.web, &err, &mut warnings)?,
            warnings,
        })
    }

    pub fn is_admin(&self, user_id: i64) -> bool {
        self.admins.contains(&user_id)
    }
}

/// Where a value is written in the file (bytes).
type Span = std::ops::Range<usize>;

/// The dotted key (`schedule.daily_at`) written on the line holding `offset`; in the n-th
/// `[[array]]` table, `array[n].key` (counted from 1). On a table's header line, the table.
fn key_at(src: &str, offset: usize) -> Option<String> {
    let offset = offset.min(src.len());
    let start = src[..offset].rfind('\n').map_or(0, |i| i + 1);
    let end = src[offset..].find('\n').map_or(src.len(), |i| offset + i);
    let code = |l: &str| l.split('#').next().unwrap_or("").trim().to_string();
    let line = code(&src[start..end]);
    let upto = &src[..end];
    let header = upto.lines().rev().map(code).find(|l| l.starts_with('['));
    let table = header.map(|h| {
        let name = h.trim_matches(|c| c == '[' || c == ']').trim();
        if !h.starts_with("[[") {
            return name.to_string();
        }
        let n = upto.lines().filter(|l| code(l) == h).count();
        format!("{name}[{n}]")
    });
    if line.starts_with('[') {
        return table;
    }
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}

/// Parses durations such as "2h", "30m", "1h30m", "90s", "0s".
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            'd' => 86_400,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    digits.is_empty().then(|| Duration::from_secs(total))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::orglife::{Every, Item};

    /// "2h", "1h30m", "45s": the inverse of [`parse_duration`].
    fn format_duration(d: Duration) -> String {
        let s = d.as_secs();
        let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
        let mut out = String::new();
        if h > 0 {
            out += &format!("{h}h");
        }
        if m > 0 {
            out += &format!("{m}m");
        }
        if sec > 0 || out.is_empty() {
            out += &format!("{sec}s");
        }
        out
    }

    fn parse(src: &str) -> Result<Config, ConfigError> {
        Config::parse("c.toml", src, Path::new("/etc/mj"), &Env::default())
    }

    #[test]
    fn the_shipped_example_equals_the_defaults() {
        let example = parse(EXAMPLE).unwrap();
        let defaults = parse("").unwrap();
        assert_eq!(format!("{example:?}"), format!("{defaults:?}"));
        assert_eq!(defaults.timezone, chrono_tz::Asia::Shanghai);
        assert_eq!(defaults.daily_at, NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        assert_eq!(defaults.days, DayRule::Workdays);
        assert_eq!(defaults.catch_up, Duration::from_secs(7200));
        assert_eq!(defaults.study, StudyRule::Daily);
        assert_eq!(defaults.max_per_second, 30);
        assert!(defaults.checkin);
        assert_eq!(
            defaults.storage_path,
            PathBuf::from("/etc/mj/data/mingjing.sled")
        );
        assert_eq!(defaults.content_dir, PathBuf::from("/etc/mj/reminders"));
        assert!(defaults.token.is_empty() && defaults.api_url.is_none());
    }

    #[test]
    fn bad_values_name_file_line_key_and_reason() {
        let cases = [
            (
                "[schedule]\ndaily_at = \"25:00\"\n",
                "schedule.daily_at",
                2,
                "25:00",
            ),
            (
                "[schedule]\n\ndaily_at = \"8点\"\n",
                "schedule.daily_at",
                3,
                "8点",
            ),
            (
                "[schedule]\ncatch_up = \"2 hours\"\n",
                "schedule.catch_up",
                2,
                "2 hours",
            ),
            (
                "[schedule]\ntimezone = \"Mars/Base\"\n",
                "schedule.timezone",
                2,
                "Mars/Base",
            ),
            (
                "[schedule]\ndays = \"weekdays\"\n",
                "schedule.days",
                2,
                "weekdays",
            ),
            (
                "[schedule]\nstudy = \"weekly\"\n",
                "schedule.study",
                2,
                "weekly",
            ),
            (
                "[delivery]\nmax_per_second = 0\n",
                "delivery.max_per_second",
                2,
                "at least 1",
            ),
            (
                "[telegram]\napi_url = \"not a url\"\n",
                "telegram.api_url",
                2,
                "bad URL",
            ),
            (
                "[schedule]\ncolour = 1\n",
                "schedule.colour",
                2,
                "unknown field",
            ),
            (
                "[telegram]\nadmins = \"me\"\n",
                "telegram.admins",
                2,
                "invalid type",
            ),
        ];
        for (src, key, line, reason) in cases {
            let e = parse(src).unwrap_err();
            assert_eq!(e.file, "c.toml", "{src}");
            assert_eq!(e.key, key, "{src}: {e}");
            assert_eq!(e.line, line, "{src}: {e}");
            assert!(e.reason.contains(reason), "{src}: {e}");
        }
    }

    #[test]
    fn the_examples_commented_checklist_is_the_built_in_one() {
        let defaults = parse("").unwrap().orglife;
        assert_eq!(defaults, OrgLife::default());
        assert_eq!(defaults.items, crate::orglife::default_items());
        assert!(defaults.enabled && defaults.month_end_days == 3);
        // Uncommented, the example's [[orglife.item]] entries give the same checklist.
        let section = &EXAMPLE[EXAMPLE.find("[orglife]").unwrap()..];
        let uncommented: String = section
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(t)
                    if t == "[[orglife.item]]"
                        || ["name = ", "every = ", "from = "]
                            .iter()
                            .any(|k| t.starts_with(k)) =>
                {
                    t
                }
                _ => l,
            })
            .map(|l| format!("{l}\n"))
            .collect();
        let entries = uncommented.lines().filter(|l| *l == "[[orglife.item]]");
        assert_eq!(entries.count(), 8);
        assert_eq!(parse(&uncommented).unwrap().orglife, defaults);
    }

    #[test]
    fn an_own_checklist_replaces_the_built_in_one() {
        let src = "[orglife]\nenabled = false\nmonth_end_days = 10\n\n\
                   [[orglife.item]]\nname = \"主题党日\"\nevery = \"month\"\n\n\
                   [[orglife.item]] # 季度\nname = \"党课\"\nevery = \"quarter\"\n\n\
                   [[orglife.item]]\nname = \"党课（专题）\"\nevery = \"year\"\nfrom = 12\n\n\
                   [[orglife.item]]\nname = \"民主评议\"\nevery = \"year\"\n";
        let o = parse(src).unwrap().orglife;
        assert!(!o.enabled);
        assert_eq!(o.month_end_days, 10);
        assert_eq!(
            o.items,
            [
                Item::new("主题党日", Every::Month, 1),
                Item::new("党课", Every::Quarter, 1),
                Item::new("党课（专题）", Every::Year, 12),
                Item::new("民主评议", Every::Year, 1),
            ]
        );
        // The section alone, or its keys alone, keep the built-in checklist.
        let o = parse("[orglife]\nmonth_end_days = 1\n").unwrap().orglife;
        assert_eq!(
            (o.month_end_days, o.items),
            (1, crate::orglife::default_items())
        );
        // A 16-character name is the longest.
        let long = "一".repeat(crate::orglife::MAX_NAME_CHARS);
        let src = format!("[[orglife.item]]\nname = \"{long}\"\nevery = \"month\"\n");
        assert_eq!(parse(&src).unwrap().orglife.items[0].name, long);
    }

    #[test]
    fn bad_orglife_values_name_file_line_key_and_reason() {
        let item = |name: &str, every: &str| {
            format!("[[orglife.item]]\nname = \"{name}\"\nevery = \"{every}\"\n")
        };
        let one = item("主题党日", "month");
        let long = "一".repeat(17);
        let cases = [
            (
                "[orglife]\nmonth_end_days = 0\n".to_string(),
                "c.toml:2: orglife.month_end_days: must be 1 to 10, not 0",
            ),
            (
                "[orglife]\nenabled = true\nmonth_end_days = 11\n".into(),
                "c.toml:3: orglife.month_end_days: must be 1 to 10, not 11",
            ),
            (
                "[orglife]\nmonth_end_days = -3\n".into(),
                "c.toml:2: orglife.month_end_days: must be 1 to 10, not -3",
            ),
            (
                "[orglife]\nmonth_end_days = 4294967299\n".into(),
                "c.toml:2: orglife.month_end_days: must be 1 to 10, not 4294967299",
            ),
            (
                "[orglife]\nmonth_end_days = \"3\"\n".into(),
                "c.toml:2: orglife.month_end_days: invalid type: string \"3\", expected i64",
            ),
            (
                "[orglife]\nenable = true\n".into(),
                "c.toml:2: orglife.enable: unknown field `enable`, expected one of `enabled`, `month_end_days`, `item`",
            ),
            (
                "[orglife]\nitem = []\n".into(),
                "c.toml:2: orglife.item: an empty checklist (leave orglife.item out for the built-in one)",
            ),
            (
                format!("{one}\n{}", item("党课", "weekly")),
                "c.toml:7: orglife.item[2].every: unknown value \"weekly\" (expected \"month\", \"quarter\" or \"year\")",
            ),
            (
                item("主题党日", "Month"),
                "c.toml:3: orglife.item[1].every: unknown value \"Month\" (expected \"month\", \"quarter\" or \"year\")",
            ),
            (
                format!("{one}{}colour = \"red\"\n", item("党课", "quarter")),
                "c.toml:7: orglife.item[2].colour: unknown field `colour`, expected one of `name`, `every`, `from`",
            ),
            (
                "[[orglife.item]] # 一\nname = \"a\"\nevery = \"month\"\n\n  [[orglife.item]]  # 二\nname = \"b\"\nevery = \"month\"\nx = 1\n".into(),
                "c.toml:8: orglife.item[2].x: unknown field `x`, expected one of `name`, `every`, `from`",
            ),
            (
                format!("{one}\n[[orglife.item]]\nevery = \"month\"\n"),
                "c.toml:5: orglife.item[2]: missing field `name`",
            ),
            (
                "[[orglife.item]]\nname = 1\nevery = \"month\"\n".into(),
                "c.toml:2: orglife.item[1].name: invalid type: integer `1`, expected a string",
            ),
            (
                format!("{}from = 13\n", item("组织生活会", "year")),
                "c.toml:4: orglife.item[1].from: must be a month, 1 to 12, not 13",
            ),
            (
                format!("{}from = 0\n", item("组织生活会", "year")),
                "c.toml:4: orglife.item[1].from: must be a month, 1 to 12, not 0",
            ),
            (
                format!("{}from = -1\n", item("组织生活会", "year")),
                "c.toml:4: orglife.item[1].from: must be a month, 1 to 12, not -1",
            ),
            (
                format!("{one}{}from = 10\n", item("党课", "quarter")),
                "c.toml:7: orglife.item[2].from: only a yearly item (every = \"year\") has a first month",
            ),
            (
                format!("{}from = 1\n", item("党课", "month")),
                "c.toml:4: orglife.item[1].from: only a yearly item (every = \"year\") has a first month",
            ),
            (
                item("", "month"),
                "c.toml:2: orglife.item[1].name: empty name",
            ),
            (
                format!("{one}{}", item("主题党日", "quarter")),
                "c.toml:5: orglife.item[2].name: \"主题党日\" is also item 1",
            ),
            (
                format!("{one}{}{}", item("党课", "quarter"), item("党课", "year")),
                "c.toml:8: orglife.item[3].name: \"党课\" is also item 2",
            ),
            (
                item(&long, "month"),
                "c.toml:2: orglife.item[1].name: \"一一一一一一一一一一一一一一一一一\" is longer than 16 characters",
            ),
            (
                item("主题 党日", "month"),
                "c.toml:2: orglife.item[1].name: \"主题 党日\" contains a space or ':'",
            ),
            (
                item("主题\u{3000}党日", "month"),
                "c.toml:2: orglife.item[1].name: \"主题\\u{3000}党日\" contains a space or ':'",
            ),
            (
                item("主题党日\\t", "month"),
                "c.toml:2: orglife.item[1].name: \"主题党日\\t\" contains a space or ':'",
            ),
            (
                format!("{one}{}", item("党课:专题", "quarter")),
                "c.toml:5: orglife.item[2].name: \"党课:专题\" contains a space or ':'",
            ),
        ];
        for (src, expected) in cases {
            let e = parse(&src).unwrap_err();
            assert_eq!(e.to_string(), expected, "\n{src}");
        }
    }

    #[test]
    fn environment_wins_and_token_is_never_printed() {
        let env = Env {
            token: Some("123:SECRET".into()),
            api_url: Some("http://127.0.0.1:9/".into()),
        };
        let c = Config::parse(
            "c.toml",
            "[telegram]\ntoken = \"file\"\napi_url = \"http://x/\"\nadmins = [7]\n",
            Path::new(""),
            &env,
        )
        .unwrap();
        assert_eq!(c.token.expose(), "123:SECRET");
        assert_eq!(c.api_url.as_ref().unwrap().as_str(), "http://127.0.0.1:9/");
        assert!(c.is_admin(7) && !c.is_admin(8));
        assert!(!format!("{c:?}").contains("SECRET"));
    }

    #[test]
    fn rates_above_the_free_limit_warn() {
        assert_eq!(
            parse("[delivery]\nmax_per_second = 30\n")
                .unwrap()
                .warnings
                .len(),
            0
        );
        let c = parse("[delivery]\nmax_per_second = 100\n").unwrap();
        assert!(c.warnings[0].contains("paid_broadcast"));
        let c = parse("[delivery]\nmax_per_second = 100\npaid_broadcast = true\n").unwrap();
        assert!(c.warnings.is_empty());
        let c = parse("[delivery]\nmax_per_second = 5000\npaid_broadcast = true\n").unwrap();
        assert_eq!(c.max_per_second, 5000);
        assert!(c.warnings[0].contains("1000"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("2h"), Some(Duration::from_secs(7200)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("0s"), Some(Duration::ZERO));
        for bad in ["", "2", "h", "2x", "1.5h", "99999999999999999999h"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        for s in ["2h", "1h30m", "45s", "0s", "2h0m5s"] {
            let d = parse_duration(s).unwrap();
            assert_eq!(parse_duration(&format_duration(d)), Some(d));
        }
    }
}
