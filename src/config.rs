//! Configuration: `config.toml`, its defaults, and the environment overrides.

mod orglife;
mod proxy;
mod read;
mod robots;
mod study;
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
use crate::content::Category;

use self::orglife::RawOrgLife;
pub use self::orglife::{MONTH_END_DAYS, OrgLife};
pub use self::proxy::Proxy;
use self::read::Problems;
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

/// One problem of a config file: which file, which line and key, why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    /// The dotted key (`schedule.daily_at`), `syntax error`, or empty when neither is known.
    pub key: String,
    pub reason: String,
}

impl ConfigError {
    fn describe(&self) -> String {
        let mut out = self.file.clone();
        if self.line > 0 {
            out += &format!(":{}", self.line);
        }
        if !self.key.is_empty() {
            out += &format!(": {}", self.key);
        }
        format!("{out}: {}", self.reason)
    }
}

/// Every problem of a configuration (its file and the environment), in the file's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl std::error::Error for ConfigErrors {}

/// One problem on one line; several under a line that counts them.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let [one] = self.0.as_slice() {
            return write!(f, "{one}");
        }
        write!(f, "{} errors in the configuration:", self.0.len())?;
        for e in &self.0 {
            write!(f, "\n{e}")?;
        }
        Ok(())
    }
}

impl From<ConfigError> for ConfigErrors {
    fn from(e: ConfigError) -> Self {
        ConfigErrors(vec![e])
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

/// The `[[robot]]` entries; their webhook URLs and secrets never show in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Robots(pub Vec<crate::robot::Robot>);

impl fmt::Debug for Robots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Robots({} configured)", self.0.len())
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
    /// `telegram.proxy` (`TELOXIDE_PROXY` wins): every request to Telegram goes through it.
    pub proxy: Option<Proxy>,
    pub admins: Vec<i64>,
    pub timezone: Tz,
    pub daily_at: NaiveTime,
    pub days: DayRule,
    pub catch_up: Duration,
    pub study: StudyRule,
    /// The study categories the 第一议题 line rotates over, in turn.
    pub study_from: Vec<Category>,
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
    /// `[[robot]]`: group robots kept in step with the file (numbered by the store).
    pub robots: Robots,
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
    robot: Vec<robots::RawRobot>,
    web: RawWeb,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
struct RawTelegram {
    token: String,
    api_url: Option<Spanned<String>>,
    proxy: Option<Spanned<String>>,
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
    study_from: study::RawStudyFrom,
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
    /// `MINGJING_ADMINS`: bot admins' user ids, separated by commas.
    pub admins: Option<String>,
    /// `TELOXIDE_PROXY`.
    pub proxy: Option<String>,
}

/// The environment variable that sets the bot admins (instead of `telegram.admins`).
pub const ADMINS_VAR: &str = "MINGJING_ADMINS";

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
            admins: get(ADMINS_VAR),
            proxy: get("TELOXIDE_PROXY"),
        }
    }
}

impl Config {
    /// Loads `path` (an explicitly named file must exist), or `./config.toml` when it
    /// exists, or the defaults.
    pub fn load(path: Option<&Path>, env: &Env) -> Result<Config, ConfigErrors> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|e| ConfigError {
                file: p.display().to_string(),
                line: 0,
                key: String::new(),
                reason: format!("cannot read: {e}"),
            })
        };
        let (file, src) = match path {
            Some(p) => (Some(p.to_path_buf()), read(p)?),
            None if Path::new("config.toml").is_file() => {
                let p = PathBuf::from("config.toml");
                let src = read(&p)?;
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

    /// Parses a config text; relative paths resolve against `base`. Pure. Every problem of
    /// the text (and of the environment's values) is reported, not only the first.
    pub fn parse(file: &str, src: &str, base: &Path, env: &Env) -> Result<Config, ConfigErrors> {
        let mut problems = Problems::new(file, src);
        let p = &mut problems;
        let raw: Raw = read::read(src, p);
        let mut from_env = Vec::new();

        let s = &raw.schedule;
        let timezone = match &s.timezone {
            None => None,
            Some(v) => p.require(
                v.get_ref().parse::<Tz>().ok(),
                v.span(),
                "schedule.timezone",
                || format!("unknown time zone {:?}", v.get_ref()),
            ),
        };
        let daily_at = match &s.daily_at {
            None => None,
            Some(v) => p.require(
                parse_time(v.get_ref()),
                v.span(),
                "schedule.daily_at",
                || format!("bad time {:?} (expected HH:MM or HH:MM:SS)", v.get_ref()),
            ),
        };
        let days = match &s.days {
            None => None,
            Some(v) => p.require(
                DayRule::parse(v.get_ref()),
                v.span(),
                "schedule.days",
                || {
                    format!(
                        "unknown day rule {:?} (expected \"workdays\" or \"everyday\")",
                        v.get_ref()
                    )
                },
            ),
        };
        let catch_up = match &s.catch_up {
            None => None,
            Some(v) => p.require(
                parse_duration(v.get_ref()),
                v.span(),
                "schedule.catch_up",
                || {
                    format!(
                        "bad duration {:?} (expected e.g. \"2h\", \"30m\", \"1h30m\", \"90s\")",
                        v.get_ref()
                    )
                },
            ),
        };
        let study = match s.study.as_ref() {
            None => None,
            Some(v) => {
                let rule = match v.get_ref().trim() {
                    "daily" => Some(StudyRule::Daily),
                    "monday" => Some(StudyRule::Monday),
                    "off" => Some(StudyRule::Off),
                    _ => None,
                };
                p.require(rule, v.span(), "schedule.study", || {
                    format!(
                        "unknown value {:?} (expected \"daily\", \"monday\" or \"off\")",
                        v.get_ref().trim()
                    )
                })
            }
        };

        let api_text = env
            .api_url
            .clone()
            .or_else(|| raw.telegram.api_url.as_ref().map(|v| v.get_ref().clone()))
            .filter(|s| !s.trim().is_empty());
        let api_url = match api_text {
            None => None,
            Some(text) => match url::Url::parse(text.trim()) {
                Ok(url) => Some(url),
                Err(e) => {
                    let reason = format!("bad URL {text:?}: {e}");
                    match (&env.api_url, &raw.telegram.api_url) {
                        (Some(_), _) => from_env.push(env_error("TELOXIDE_API_URL", reason)),
                        (None, v) => {
                            p.add(v.as_ref().map(Spanned::span), "telegram.api_url", reason)
                        }
                    }
                    None
                }
            },
        };
        let admins = match env.admins.as_deref().map(parse_admins) {
            None => raw.telegram.admins,
            Some(Ok(ids)) => ids,
            Some(Err(reason)) => {
                from_env.push(env_error(ADMINS_VAR, reason));
                Vec::new()
            }
        };

        let proxy = proxy::parse(
            env.proxy.as_deref(),
            raw.telegram.proxy.as_ref(),
            p,
            &mut from_env,
        );

        let mut warnings = Vec::new();
        let rate = &raw.delivery.max_per_second;
        let max_per_second = match *rate.get_ref() {
            n if n < 1 => {
                p.add(
                    Some(rate.span()),
                    "delivery.max_per_second",
                    format!("must be at least 1, not {n}"),
                );
                FREE_RATE
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
        let study_from = study::parse(&s.study_from, p);
        let orglife = orglife::parse(raw.orglife, p);
        let tasks = tasks::parse(raw.tasks, p);
        let robots = robots::parse(raw.robot, p);
        let web = web::parse(raw.web, p, &mut warnings);

        let mut errors = problems.found;
        errors.sort_by_key(|e| e.line);
        errors.extend(from_env);
        if !errors.is_empty() {
            return Err(ConfigErrors(errors));
        }
        Ok(Config {
            file: None,
            token: Token::new(env.token.clone().unwrap_or(raw.telegram.token)),
            api_url,
            proxy,
            admins,
            timezone: timezone.unwrap_or(chrono_tz::Asia::Shanghai),
            daily_at: daily_at.unwrap_or(NaiveTime::from_hms_opt(8, 0, 0).unwrap_or_default()),
            days: days.unwrap_or(DayRule::Workdays),
            catch_up: catch_up.unwrap_or(Duration::from_secs(2 * 3600)),
            study: study.unwrap_or(StudyRule::Daily),
            study_from,
            calendar,
            max_per_second,
            paid_broadcast: raw.delivery.paid_broadcast,
            checkin: raw.checkin.enabled,
            storage_path: resolve(&raw.storage.path),
            keep_days: raw.storage.keep_days,
            content_dir: resolve(&raw.content.dir),
            orglife,
            tasks,
            robots: Robots(robots),
            web,
            warnings,
        })
    }

    pub fn is_admin(&self, user_id: i64) -> bool {
        self.admins.contains(&user_id)
    }
}

/// Where a value is written in the file (bytes).
type Span = std::ops::Range<usize>;

/// A problem with an environment variable's value.
fn env_error(var: &str, reason: String) -> ConfigError {
    ConfigError {
        file: "environment".into(),
        line: 0,
        key: var.into(),
        reason,
    }
}

/// `MINGJING_ADMINS`: user ids separated by commas (spaces allowed), e.g. `123,456`.
fn parse_admins(text: &str) -> Result<Vec<i64>, String> {
    let ids = text
        .split(',')
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(|id| match id.parse::<i64>() {
            Ok(n) if n > 0 => Ok(n),
            _ => Err(format!(
                "{id:?} is not a Telegram user id ({EXPECTED_ADMINS})"
            )),
        })
        .collect::<Result<Vec<i64>, String>>()?;
    if ids.is_empty() {
        return Err(format!("no user id in {text:?} ({EXPECTED_ADMINS})"));
    }
    Ok(ids)
}

const EXPECTED_ADMINS: &str =
    "expected positive numbers separated by commas, e.g. MINGJING_ADMINS=123456789,987654321";

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

    fn parse(src: &str) -> Result<Config, ConfigErrors> {
        Config::parse("c.toml", src, Path::new("/etc/mj"), &Env::default())
    }

    /// Every problem of `src`, one line each.
    fn problems(src: &str) -> Vec<String> {
        parse(src)
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
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
        assert_eq!(defaults.study_from, [Category::Quote]);
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
                "[schedule]\nstudy_from = [\"习语\", \"政治\"]\n",
                "schedule.study_from",
                2,
                "\"政治\" is a category of the daily mirror, not of study (expected 习语、法规、经典)",
            ),
            (
                "[schedule]\nstudy_from = []\n",
                "schedule.study_from",
                2,
                "an empty list",
            ),
            (
                "[schedule]\nstudy_from = [\n  \"law\",\n  \"法规\",\n]\n",
                "schedule.study_from",
                4,
                "\"法规\" (法规) is listed twice",
            ),
            (
                "[schedule]\nstudy_from = [\"诗词\"]\n",
                "schedule.study_from",
                2,
                "unknown category \"诗词\"",
            ),
            (
                "[schedule]\nstudy_from = \"习语\"\n",
                "schedule.study_from",
                2,
                "invalid type",
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
            let all = parse(src).unwrap_err().0;
            assert_eq!(all.len(), 1, "{src}: {all:?}");
            let e = &all[0];
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
    fn study_from_takes_names_and_aliases_in_the_order_given() {
        let c = parse("[schedule]\nstudy_from = [\"law\", \"习语\", \"Classic\"]\n").unwrap();
        assert_eq!(
            c.study_from,
            [Category::Law, Category::Quote, Category::Classic]
        );
        // The shipped example's commented line, uncommented, is valid too.
        let line = EXAMPLE
            .lines()
            .find_map(|l| l.strip_prefix("# study_from = "))
            .expect("config.toml shows a study_from example");
        let c = parse(&format!("[schedule]\nstudy_from = {line}\n")).unwrap();
        assert!(c.study_from.len() > 1, "{line}");
    }

    #[test]
    fn environment_wins_and_token_is_never_printed() {
        let env = Env {
            token: Some("123:SECRET".into()),
            api_url: Some("http://127.0.0.1:9/".into()),
            ..Env::default()
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
    fn every_mistake_of_a_file_is_reported_at_once() {
        let cases: [(&str, &[&str]); 11] = [
            // A bad time no longer hides a bad day rule, nor either a bad value elsewhere.
            (
                "[schedule]\ndaily_at = \"25:00\"\ndays = \"weekdays\"\n\n[storage]\nkeep_days = \"long\"\n",
                &[
                    "c.toml:2: schedule.daily_at: bad time \"25:00\" (expected HH:MM or HH:MM:SS)",
                    "c.toml:3: schedule.days: unknown day rule \"weekdays\" (expected \"workdays\" or \"everyday\")",
                    "c.toml:6: storage.keep_days: invalid type: string \"long\", expected u32",
                ],
            ),
            // Unknown keys and values of the wrong type, across every section.
            (
                "[telegram]\nadmins = [1, \"me\"]\n[schedule]\ncolour = 1\nstudy = \"weekly\"\n\
                 [delivery]\nmax_per_second = 0\npaid_broadcast = \"yes\"\n[checkin]\nenabled = 1\n\
                 [content]\ndir = 7\n[tasks]\ncount = \"hours\"\n[orglife]\nmonth_end_days = 0\n",
                &[
                    "c.toml:2: telegram.admins: invalid type: string \"me\", expected i64",
                    "c.toml:4: schedule.colour: unknown field `colour`, expected one of `timezone`, `daily_at`, `days`, `catch_up`, `study`, `study_from`, `calendar`",
                    "c.toml:5: schedule.study: unknown value \"weekly\" (expected \"daily\", \"monday\" or \"off\")",
                    "c.toml:7: delivery.max_per_second: must be at least 1, not 0",
                    "c.toml:8: delivery.paid_broadcast: invalid type: string \"yes\", expected a boolean",
                    "c.toml:10: checkin.enabled: invalid type: integer `1`, expected a boolean",
                    "c.toml:12: content.dir: invalid type: integer `7`, expected a string",
                    "c.toml:14: tasks.count: unknown count \"hours\" (expected \"calendar\" or \"workdays\")",
                    "c.toml:16: orglife.month_end_days: must be 1 to 10, not 0",
                ],
            ),
            // Sections are named as sections, not as serde's "fields".
            (
                "[shedule]\ndaily_at = \"08:00\"\n\n[storage]\npath = 1\n",
                &[
                    "c.toml:1: shedule: unknown section, expected one of `telegram`, `schedule`, `delivery`, `checkin`, `storage`, `content`, `orglife`, `tasks`, `robot`, `web`",
                    "c.toml:5: storage.path: invalid type: integer `1`, expected a string",
                ],
            ),
            (
                "[[robots]]\nkind = \"wecom\"\n[orglife.extra]\nx = 1\n",
                &[
                    "c.toml:1: robots: unknown section, expected one of `telegram`, `schedule`, `delivery`, `checkin`, `storage`, `content`, `orglife`, `tasks`, `robot`, `web`",
                    "c.toml:3: orglife.extra: unknown field `extra`, expected one of `enabled`, `month_end_days`, `item`",
                ],
            ),
            // Every bad name of a list.
            (
                "[schedule]\nstudy_from = [\"诗词\", \"习语\", \"政治\"]\ndays = \"weekly\"\n",
                &[
                    "c.toml:2: schedule.study_from: unknown category \"诗词\" (expected 习语、法规、经典)",
                    "c.toml:2: schedule.study_from: \"政治\" is a category of the daily mirror, not of study (expected 习语、法规、经典)",
                    "c.toml:3: schedule.days: unknown day rule \"weekly\" (expected \"workdays\" or \"everyday\")",
                ],
            ),
            (
                "daily_at = \"08:00\"\n",
                &[
                    "c.toml:1: daily_at: a key outside any section (the sections are one of `telegram`, `schedule`, `delivery`, `checkin`, `storage`, `content`, `orglife`, `tasks`, `robot`, `web`)",
                ],
            ),
            (
                "schedule = \"08:00\"\n[tasks]\nenabled = \"no\"\n",
                &[
                    "c.toml:1: schedule: invalid type: string \"08:00\", expected a table",
                    "c.toml:3: tasks.enabled: invalid type: string \"no\", expected a boolean",
                ],
            ),
            // Every problem of every checklist item; a bad item does not hide the next.
            (
                "[[orglife.item]]\nname = \"主题党日\"\nevery = \"weekly\"\nfrom = 3\n\n\
                 [[orglife.item]]\nevery = \"month\"\n\n\
                 [[orglife.item]]\nname = \"主题党日\"\nevery = \"month\"\ncolour = 1\n\n\
                 [[orglife.item]]\nname = \"党 课\"\nevery = \"quarter\"\nfrom = 13\n",
                &[
                    "c.toml:3: orglife.item[1].every: unknown value \"weekly\" (expected \"month\", \"quarter\" or \"year\")",
                    "c.toml:6: orglife.item[2]: missing field `name`",
                    "c.toml:10: orglife.item[3].name: \"主题党日\" is also item 1",
                    "c.toml:12: orglife.item[3].colour: unknown field `colour`, expected one of `name`, `every`, `from`",
                    "c.toml:15: orglife.item[4].name: \"党 课\" contains a space or ':'",
                    "c.toml:17: orglife.item[4].from: only a yearly item (every = \"year\") has a first month",
                ],
            ),
            // TOML syntax errors say so, each on its line; nothing after them is judged.
            (
                "[schedule]\ndaily_at = \ndays = \"weekdays\"\n",
                &["c.toml:2: syntax error: string values must be quoted, expected literal string"],
            ),
            (
                "this is not toml\n[schedule\n",
                &[
                    "c.toml:1: syntax error: key with no value, expected `=`",
                    "c.toml:2: syntax error: unclosed table, expected `]`",
                ],
            ),
            (
                "[schedule]\ndays = \"everyday\"\n\n[schedule]\ndaily_at = \"07:00\"\n",
                &["c.toml:4: syntax error: `schedule` is defined twice"],
            ),
        ];
        for (src, expected) in cases {
            assert_eq!(problems(src), expected, "\n{src}");
        }
        // Several problems are counted on the line before them.
        let all = parse(cases[0].0).unwrap_err().to_string();
        assert!(
            all.starts_with("3 errors in the configuration:\nc.toml:2: schedule.daily_at:"),
            "{all}"
        );
    }

    #[test]
    fn admins_from_the_environment_win_over_the_file() {
        let with = |admins: &str| Env {
            admins: Some(admins.into()),
            ..Env::default()
        };
        let file = "[telegram]\nadmins = [7]\n";
        let parse = |env: &Env| Config::parse("c.toml", file, Path::new(""), env);
        assert_eq!(parse(&Env::default()).unwrap().admins, [7]);
        assert_eq!(parse(&with("1,2")).unwrap().admins, [1, 2]);
        assert_eq!(
            parse(&with(" 123456789 , 2 ,")).unwrap().admins,
            [123456789, 2]
        );
        let cases = [
            ("1,abc", "\"abc\" is not a Telegram user id"),
            ("1;2", "\"1;2\" is not a Telegram user id"),
            ("-100123", "\"-100123\" is not a Telegram user id"),
            (",", "no user id in \",\""),
        ];
        for (value, reason) in cases {
            let e = parse(&with(value)).unwrap_err().to_string();
            assert!(
                e.starts_with(&format!("environment: MINGJING_ADMINS: {reason}")),
                "{value}: {e}"
            );
            assert!(e.contains("MINGJING_ADMINS=123456789,987654321"), "{e}");
        }
        // A bad file and a bad variable: both are reported, the file's first.
        let bad = Config::parse(
            "c.toml",
            "[schedule]\ndays = 1\n",
            Path::new(""),
            &with("x"),
        );
        let all: Vec<String> = bad.unwrap_err().0.iter().map(ToString::to_string).collect();
        assert_eq!(all.len(), 2, "{all:?}");
        assert!(all[0].starts_with("c.toml:2: schedule.days: invalid type"));
        assert!(all[1].starts_with("environment: MINGJING_ADMINS: \"x\""));
    }

    #[test]
    fn proxies_are_checked_the_environment_wins_and_credentials_never_show() {
        let c = parse("[telegram]\nproxy = \"socks5://alice:S3CRET@10.0.0.1:1080\"\n").unwrap();
        let proxy = c.proxy.as_ref().unwrap();
        assert_eq!(proxy.expose(), "socks5://alice:S3CRET@10.0.0.1:1080");
        assert_eq!(proxy.to_string(), "socks5://10.0.0.1:1080");
        assert!(!format!("{c:?}").contains("S3CRET"));
        for (src, shown) in [
            ("http://proxy.example:3128", "http://proxy.example:3128"),
            ("https://proxy.example", "https://proxy.example:443"),
            ("socks5h://127.0.0.1:9050", "socks5h://127.0.0.1:9050"),
        ] {
            let c = parse(&format!("[telegram]\nproxy = \"{src}\"\n")).unwrap();
            assert_eq!(c.proxy.unwrap().to_string(), shown);
        }
        assert!(parse("[telegram]\nproxy = \"\"\n").unwrap().proxy.is_none());

        let cases = [
            ("ftp://10.0.0.1:21", "unsupported proxy scheme \"ftp\""),
            ("10.0.0.1:1080", "not a proxy URL"),
            (
                "proxy.example:3128",
                "unsupported proxy scheme \"proxy.example\"",
            ),
            ("socks5://:pw@", "not a proxy URL"),
            ("http://u:S3CRET@", "not a proxy URL"),
            ("socks5://", "no host"),
        ];
        for (value, reason) in cases {
            let src = format!("[telegram]\nadmins = []\nproxy = \"{value}\"\n");
            let errors = parse(&src).unwrap_err();
            assert_eq!(errors.0.len(), 1, "{value}: {errors}");
            let e = &errors.0[0];
            assert_eq!(
                (e.line, e.key.as_str()),
                (3, "telegram.proxy"),
                "{value}: {e}"
            );
            assert!(e.reason.contains(reason), "{value}: {e}");
            assert!(!e.to_string().contains("S3CRET"), "{e}");
        }

        // TELOXIDE_PROXY wins, and is checked as the environment's.
        let env = |proxy: &str| Env {
            proxy: Some(proxy.into()),
            ..Env::default()
        };
        let file = "[telegram]\nproxy = \"http://file:3128\"\n";
        let c = Config::parse("c.toml", file, Path::new(""), &env("socks5://env:1080")).unwrap();
        assert_eq!(c.proxy.unwrap().to_string(), "socks5://env:1080");
        let e = Config::parse("c.toml", file, Path::new(""), &env("gopher://x")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "environment: TELOXIDE_PROXY: unsupported proxy scheme \"gopher\" (expected http, https, socks5 or socks5h)"
        );
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
