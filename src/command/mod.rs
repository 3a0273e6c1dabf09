//! Chat commands: a message text parsed into a [`Command`], pure.
//!
//! teloxide's `BotCommands` splits on an ASCII space only, so `/add　政治 …` (full-width
//! space) or `/add\n…` would not parse; this parser splits on any Unicode whitespace and
//! keeps the line breaks inside an item's text.

mod args;

use chrono::NaiveTime;

use crate::calendar::DayRule;
use crate::content::Category;
use crate::orglife::marking::Done;
use crate::overrides::{OverrideCommand, OverrideProblem};
use crate::report::Month;
use crate::robot::command::{RobotCommand, RobotProblem};
use crate::tasks::{TaskCommand, TitleError};
use args::{category, first_word, is_all, is_orglife, item_id, month, page, switch, time};

/// The first page of `/list`.
pub const FIRST_PAGE: usize = 1;

/// Who may use a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Anyone,
    /// The chat's admins (in a private chat: the user) and bot admins.
    ChatAdmin,
    /// Bot admins, in a private chat only.
    BotAdmin,
}

/// The commands of this bot, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandName {
    Start,
    Help,
    Subscribe,
    Unsubscribe,
    SetTime,
    SetDays,
    Today,
    Study,
    Status,
    Add,
    List,
    Edit,
    Del,
    PushNow,
    Stats,
    CheckIn,
    Report,
    OrgLife,
    Done,
    Undone,
    Task,
    Tasks,
    Progress,
    Export,
    Backup,
    Notice,
    Override,
    Robot,
    Web,
}

impl CommandName {
    /// Every command, in the order the menu and `/help` show them.
    pub const ALL: [CommandName; 29] = [
        CommandName::Start,
        CommandName::Help,
        CommandName::Today,
        CommandName::Study,
        CommandName::Status,
        CommandName::Subscribe,
        CommandName::Unsubscribe,
        CommandName::SetTime,
        CommandName::SetDays,
        CommandName::CheckIn,
        CommandName::Report,
        CommandName::OrgLife,
        CommandName::Done,
        CommandName::Undone,
        CommandName::Task,
        CommandName::Tasks,
        CommandName::Progress,
        CommandName::Add,
        CommandName::List,
        CommandName::Edit,
        CommandName::Del,
        CommandName::Export,
        CommandName::Backup,
        CommandName::PushNow,
        CommandName::Stats,
        CommandName::Notice,
        CommandName::Override,
        CommandName::Robot,
        CommandName::Web,
    ];

    /// The name as typed after the slash.
    pub fn as_str(self) -> &'static str {
        match self {
            CommandName::Start => "start",
            CommandName::Help => "help",
            CommandName::Subscribe => "subscribe",
            CommandName::Unsubscribe => "unsubscribe",
            CommandName::SetTime => "settime",
            CommandName::SetDays => "setdays",
            CommandName::Today => "today",
            CommandName::Study => "study",
            CommandName::Status => "status",
            CommandName::Add => "add",
            CommandName::List => "list",
            CommandName::Edit => "edit",
            CommandName::Del => "del",
            CommandName::PushNow => "pushnow",
            CommandName::Stats => "stats",
            CommandName::CheckIn => "checkin",
            CommandName::Report => "report",
            CommandName::OrgLife => "orglife",
            CommandName::Done => "done",
            CommandName::Undone => "undone",
            CommandName::Task => "task",
            CommandName::Tasks => "tasks",
            CommandName::Progress => "progress",
            CommandName::Export => "export",
            CommandName::Backup => "backup",
            CommandName::Notice => "notice",
            CommandName::Override => "override",
            CommandName::Robot => "robot",
            CommandName::Web => "web",
        }
    }

    /// Case-insensitive, like Telegram clients treat commands.
    pub fn parse(s: &str) -> Option<CommandName> {
        CommandName::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
    }

    pub fn audience(self) -> Audience {
        match self {
            CommandName::Start
            | CommandName::Help
            | CommandName::Today
            | CommandName::Study
            | CommandName::Status
            | CommandName::OrgLife
            | CommandName::Task
            | CommandName::Tasks
            | CommandName::Progress => Audience::Anyone,
            CommandName::Subscribe
            | CommandName::Unsubscribe
            | CommandName::SetTime
            | CommandName::SetDays
            | CommandName::CheckIn
            | CommandName::Report
            | CommandName::Done
            | CommandName::Undone => Audience::ChatAdmin,
            CommandName::Add
            | CommandName::List
            | CommandName::Edit
            | CommandName::Del
            | CommandName::PushNow
            | CommandName::Stats
            | CommandName::Export
            | CommandName::Backup
            | CommandName::Notice
            | CommandName::Override
            | CommandName::Robot
            | CommandName::Web => Audience::BotAdmin,
        }
    }
}

/// An item's text as typed: the text, and the source after `——`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemText {
    pub text: String,
    pub source: Option<String>,
}

impl ItemText {
    /// Splits at the last `——`: what follows is the source. Outer whitespace is dropped,
    /// everything inside (line breaks included) is kept. `None` when no text is left.
    pub fn parse(s: &str) -> Option<ItemText> {
        let (text, source) = match s.rsplit_once(SOURCE_MARK) {
            Some((text, source)) => (text.trim(), Some(source.trim())),
            None => (s.trim(), None),
        };
        (!text.is_empty()).then(|| ItemText {
            text: text.to_string(),
            source: source.filter(|s| !s.is_empty()).map(str::to_string),
        })
    }
}

/// What separates an item's text from its source.
pub const SOURCE_MARK: &str = "——";

/// A command of this bot with its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start,
    Help,
    /// `None`: follow `schedule.daily_at`.
    Subscribe {
        time: Option<NaiveTime>,
    },
    Unsubscribe,
    SetTime {
        time: NaiveTime,
    },
    SetDays {
        days: DayRule,
    },
    Today,
    Study,
    Status,
    /// `text: None`: take the text of the message this one replies to.
    Add {
        category: Category,
        text: Option<ItemText>,
    },
    /// `page` counts from 1.
    List {
        category: Option<Category>,
        page: usize,
    },
    Edit {
        id: u64,
        text: ItemText,
    },
    Del {
        id: u64,
    },
    PushNow,
    Stats,
    /// `None`: say whether the check-in button is on.
    CheckIn {
        on: Option<bool>,
    },
    /// `all`: every group (bot admins, in private); `None`: the current month.
    Report {
        all: bool,
        month: Option<Month>,
    },
    /// `/report orglife [YYYY-MM]`: the 组织生活通报 (`None`: the month before this one).
    OrgReport {
        month: Option<Month>,
    },
    /// `/orglife [on|off]`: `None` shows the month's checklist (anyone may look; switching
    /// is for chat admins).
    OrgLife {
        on: Option<bool>,
    },
    /// `/done <项目> [日期] [主题]`.
    Done(Done),
    /// `/undone <项目>`.
    Undone {
        item: String,
    },
    /// `/task [重大] <事项>` (chat admins), `/task <N>`, `/task <N> 撤销` (chat admins).
    Task(TaskCommand),
    /// `/tasks`: the group's open tasks.
    Tasks,
    /// `/progress <N> <文本>`.
    Progress {
        number: u32,
        text: String,
    },
    /// `/export`: the library as `.xlsx`.
    Export,
    /// `/backup`: the whole database as the TOML of `mingjing export`.
    Backup,
    /// `/notice <文本>`; `text: None`: take the text of the message this one replies to.
    Notice {
        text: Option<String>,
    },
    /// `/override [日期 停发|附加 文本|替换 文本|取消]`.
    Override(OverrideCommand),
    /// `/robot …`: group robots (SPEC §16).
    Robot(RobotCommand),
    /// `/web`: a one-time login link to the web console.
    Web,
}

/// What is wrong with a command's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    MissingTime,
    BadTime(String),
    MissingDays,
    BadDays(String),
    MissingCategory,
    UnknownCategory(String),
    MissingText,
    MissingId,
    BadId(String),
    BadPage(String),
    BadSwitch(String),
    BadMonth(String),
    MissingOrgItem,
    Title(TitleError),
    ProgressUsage,
    Override(OverrideProblem),
    Robot(RobotProblem),
}

/// A message that is a command of this bot but cannot be carried out as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandError {
    /// Not one of this bot's commands. `addressed`: written as `/name@ThisBot`.
    Unknown { name: String, addressed: bool },
    /// One of this bot's commands with bad or missing arguments.
    Invalid {
        command: CommandName,
        problem: Problem,
    },
}

impl CommandError {
    /// The command, when it is one of ours.
    pub fn command(&self) -> Option<CommandName> {
        match self {
            CommandError::Unknown { .. } => None,
            CommandError::Invalid { command, .. } => Some(*command),
        }
    }
}

impl Command {
    pub fn name(&self) -> CommandName {
        match self {
            Command::Start => CommandName::Start,
            Command::Help => CommandName::Help,
            Command::Subscribe { .. } => CommandName::Subscribe,
            Command::Unsubscribe => CommandName::Unsubscribe,
            Command::SetTime { .. } => CommandName::SetTime,
            Command::SetDays { .. } => CommandName::SetDays,
            Command::Today => CommandName::Today,
            Command::Study => CommandName::Study,
            Command::Status => CommandName::Status,
            Command::Add { .. } => CommandName::Add,
            Command::List { .. } => CommandName::List,
            Command::Edit { .. } => CommandName::Edit,
            Command::Del { .. } => CommandName::Del,
            Command::PushNow => CommandName::PushNow,
            Command::Stats => CommandName::Stats,
            Command::CheckIn { .. } => CommandName::CheckIn,
            Command::Report { .. } | Command::OrgReport { .. } => CommandName::Report,
            Command::OrgLife { .. } => CommandName::OrgLife,
            Command::Done(_) => CommandName::Done,
            Command::Undone { .. } => CommandName::Undone,
            Command::Task(_) => CommandName::Task,
            Command::Tasks => CommandName::Tasks,
            Command::Progress { .. } => CommandName::Progress,
            Command::Export => CommandName::Export,
            Command::Backup => CommandName::Backup,
            Command::Notice { .. } => CommandName::Notice,
            Command::Override(_) => CommandName::Override,
            Command::Robot(_) => CommandName::Robot,
            Command::Web => CommandName::Web,
        }
    }

    /// Parses a message text. `Ok(None)`: not a command, or a command for another bot
    /// (`/cmd@other_bot`). `bot_username` is this bot's, without `@`.
    pub fn parse(text: &str, bot_username: &str) -> Result<Option<Command>, CommandError> {
        let Some(rest) = text.strip_prefix('/') else {
            return Ok(None);
        };
        let (head, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let (name, addressed) = match head.split_once('@') {
            Some((name, to)) => {
                if bot_username.is_empty() || !to.eq_ignore_ascii_case(bot_username) {
                    return Ok(None);
                }
                (name, true)
            }
            None => (head, false),
        };
        // Telegram marks `/word` as a command only for [A-Za-z0-9_]{1,32}.
        if name.is_empty()
            || name.len() > 32
            || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Ok(None);
        }
        let Some(command) = CommandName::parse(name) else {
            return Err(CommandError::Unknown {
                name: name.to_string(),
                addressed,
            });
        };
        Command::with_args(command, args.trim())
            .map(Some)
            .map_err(|problem| CommandError::Invalid { command, problem })
    }

    /// The arguments of `command`; `args` is trimmed.
    fn with_args(command: CommandName, args: &str) -> Result<Command, Problem> {
        Ok(match command {
            CommandName::Start => Command::Start,
            CommandName::Help => Command::Help,
            CommandName::Unsubscribe => Command::Unsubscribe,
            CommandName::Today => Command::Today,
            CommandName::Study => Command::Study,
            CommandName::Status => Command::Status,
            CommandName::PushNow => Command::PushNow,
            CommandName::Stats => Command::Stats,
            CommandName::Subscribe => Command::Subscribe {
                time: match args {
                    "" => None,
                    t => Some(time(t)?),
                },
            },
            CommandName::SetTime => match args {
                "" => return Err(Problem::MissingTime),
                t => Command::SetTime { time: time(t)? },
            },
            CommandName::SetDays => match args {
                "" => return Err(Problem::MissingDays),
                d => Command::SetDays {
                    days: DayRule::parse(&d.to_lowercase())
                        .ok_or_else(|| Problem::BadDays(d.to_string()))?,
                },
            },
            CommandName::Add => {
                let (word, text) = first_word(args);
                if word.is_empty() {
                    return Err(Problem::MissingCategory);
                }
                Command::Add {
                    category: category(word)?,
                    text: match text {
                        "" => None,
                        t => Some(ItemText::parse(t).ok_or(Problem::MissingText)?),
                    },
                }
            }
            CommandName::List => {
                let words: Vec<&str> = args.split_whitespace().collect();
                match words.as_slice() {
                    [] => Command::List {
                        category: None,
                        page: FIRST_PAGE,
                    },
                    [one] if one.bytes().all(|b| b.is_ascii_digit()) => Command::List {
                        category: None,
                        page: page(one)?,
                    },
                    [cat] => Command::List {
                        category: Some(category(cat)?),
                        page: FIRST_PAGE,
                    },
                    [cat, p] => Command::List {
                        category: Some(category(cat)?),
                        page: page(p)?,
                    },
                    [_, _, more @ ..] => return Err(Problem::BadPage(more.join(" "))),
                }
            }
            CommandName::Edit => {
                let (word, text) = first_word(args);
                if word.is_empty() {
                    return Err(Problem::MissingId);
                }
                let id = item_id(word)?;
                Command::Edit {
                    id,
                    text: ItemText::parse(text).ok_or(Problem::MissingText)?,
                }
            }
            CommandName::Del => match args {
                "" => return Err(Problem::MissingId),
                word => Command::Del { id: item_id(word)? },
            },
            CommandName::CheckIn => Command::CheckIn {
                on: match args {
                    "" => None,
                    word => Some(switch(word)?),
                },
            },
            CommandName::Report => {
                let words: Vec<&str> = args.split_whitespace().collect();
                if let [first, rest @ ..] = words.as_slice()
                    && is_orglife(first)
                {
                    return Ok(Command::OrgReport {
                        month: match rest {
                            [] => None,
                            [m] => Some(month(m)?),
                            _ => return Err(Problem::BadMonth(rest.join(" "))),
                        },
                    });
                }
                let (all, month) = match words.as_slice() {
                    [] => (false, None),
                    [w] if is_all(w) => (true, None),
                    [w] => (false, Some(month(w)?)),
                    [a, m] if is_all(a) => (true, Some(month(m)?)),
                    _ => return Err(Problem::BadMonth(args.to_string())),
                };
                Command::Report { all, month }
            }
            CommandName::OrgLife => Command::OrgLife {
                on: match args {
                    "" => None,
                    word => Some(switch(word)?),
                },
            },
            CommandName::Done => Command::Done(Done::parse(args).ok_or(Problem::MissingOrgItem)?),
            CommandName::Task => Command::Task(TaskCommand::parse(args).map_err(Problem::Title)?),
            CommandName::Tasks => Command::Tasks,
            CommandName::Export => Command::Export,
            CommandName::Backup => Command::Backup,
            CommandName::Progress => {
                let (word, text) = first_word(args);
                let number = word
                    .trim_start_matches(['#', '＃'])
                    .parse()
                    .map_err(|_| Problem::ProgressUsage)?;
                if text.is_empty() {
                    return Err(Problem::ProgressUsage);
                }
                Command::Progress {
                    number,
                    text: text.to_string(),
                }
            }
            CommandName::Undone => match first_word(args) {
                ("", _) => return Err(Problem::MissingOrgItem),
                (item, _) => Command::Undone {
                    item: item.to_string(),
                },
            },
            CommandName::Notice => Command::Notice {
                text: (!args.is_empty()).then(|| args.to_string()),
            },
            CommandName::Override => {
                Command::Override(OverrideCommand::parse(args).map_err(Problem::Override)?)
            }
            CommandName::Robot => {
                Command::Robot(RobotCommand::parse(args).map_err(Problem::Robot)?)
            }
            CommandName::Web => Command::Web,
        })
    }
}

/// The first whitespace-separated word and the trimmed rest.
#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const BOT: &str = "mingjing_bot";

    fn parse(s: &str) -> Result<Option<Command>, CommandError> {
        Command::parse(s, BOT)
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn invalid(command: CommandName, problem: Problem) -> Result<Option<Command>, CommandError> {
        Err(CommandError::Invalid { command, problem })
    }

    #[test]
    fn table() {
        let item = |text: &str, source: Option<&str>| ItemText {
            text: text.into(),
            source: source.map(Into::into),
        };
        let cases: Vec<(&str, Result<Option<Command>, CommandError>)> = vec![
            ("你好", Ok(None)),
            ("", Ok(None)),
            ("/", Ok(None)),
            ("/添加 政治 x", Ok(None)),
            ("/start", Ok(Some(Command::Start))),
            ("/start deep-link", Ok(Some(Command::Start))),
            ("/HELP", Ok(Some(Command::Help))),
            ("/help@mingjing_bot", Ok(Some(Command::Help))),
            ("/help@MingJing_Bot", Ok(Some(Command::Help))),
            ("/help@other_bot", Ok(None)),
            ("/subscribe", Ok(Some(Command::Subscribe { time: None }))),
            (
                "/subscribe 07:30",
                Ok(Some(Command::Subscribe {
                    time: Some(t(7, 30)),
                })),
            ),
            (
                "/subscribe@mingjing_bot　07：30",
                Ok(Some(Command::Subscribe {
                    time: Some(t(7, 30)),
                })),
            ),
            (
                "/subscribe 25:00",
                invalid(CommandName::Subscribe, Problem::BadTime("25:00".into())),
            ),
            (
                "/settime 8点",
                invalid(CommandName::SetTime, Problem::BadTime("8点".into())),
            ),
            (
                "/settime",
                invalid(CommandName::SetTime, Problem::MissingTime),
            ),
            (
                "/settime\n06:45:30",
                Ok(Some(Command::SetTime {
                    time: NaiveTime::from_hms_opt(6, 45, 30).unwrap(),
                })),
            ),
            (
                "/setdays Everyday",
                Ok(Some(Command::SetDays {
                    days: DayRule::Everyday,
                })),
            ),
            (
                "/setdays 工作日",
                Ok(Some(Command::SetDays {
                    days: DayRule::Workdays,
                })),
            ),
            (
                "/setdays weekly",
                invalid(CommandName::SetDays, Problem::BadDays("weekly".into())),
            ),
            ("/add", invalid(CommandName::Add, Problem::MissingCategory)),
            (
                "/add 政法 文本",
                invalid(CommandName::Add, Problem::UnknownCategory("政法".into())),
            ),
            (
                "/add 廉政",
                Ok(Some(Command::Add {
                    category: Category::Integrity,
                    text: None,
                })),
            ),
            (
                "/add　廉政　<b>不</b> & 😀\n第二行 ",
                Ok(Some(Command::Add {
                    category: Category::Integrity,
                    text: Some(item("<b>不</b> & 😀\n第二行", None)),
                })),
            ),
            (
                "/add\nquote\n“打铁还需自身硬”——《讲话》",
                Ok(Some(Command::Add {
                    category: Category::Quote,
                    text: Some(item("“打铁还需自身硬”", Some("《讲话》"))),
                })),
            ),
            (
                "/add 政治 ——《只有出处》",
                invalid(CommandName::Add, Problem::MissingText),
            ),
            (
                "/list",
                Ok(Some(Command::List {
                    category: None,
                    page: 1,
                })),
            ),
            (
                "/list 3",
                Ok(Some(Command::List {
                    category: None,
                    page: 3,
                })),
            ),
            (
                "/list 纪律 2",
                Ok(Some(Command::List {
                    category: Some(Category::Discipline),
                    page: 2,
                })),
            ),
            (
                "/list 纪律 0",
                invalid(CommandName::List, Problem::BadPage("0".into())),
            ),
            (
                "/list 纪律 二",
                invalid(CommandName::List, Problem::BadPage("二".into())),
            ),
            (
                "/edit #12 新文本——新出处",
                Ok(Some(Command::Edit {
                    id: 12,
                    text: item("新文本", Some("新出处")),
                })),
            ),
            ("/edit 12", invalid(CommandName::Edit, Problem::MissingText)),
            (
                "/edit abc 文本",
                invalid(CommandName::Edit, Problem::BadId("abc".into())),
            ),
            ("/del", invalid(CommandName::Del, Problem::MissingId)),
            ("/del ＃7", Ok(Some(Command::Del { id: 7 }))),
            (
                "/del 7 8",
                invalid(CommandName::Del, Problem::BadId("7 8".into())),
            ),
            (
                "/del 99999999999999999999999",
                invalid(
                    CommandName::Del,
                    Problem::BadId("99999999999999999999999".into()),
                ),
            ),
            ("/pushnow", Ok(Some(Command::PushNow))),
            ("/stats@mingjing_bot", Ok(Some(Command::Stats))),
            (
                "/report",
                Ok(Some(Command::Report {
                    all: false,
                    month: None,
                })),
            ),
            (
                "/report 2026-10",
                Ok(Some(Command::Report {
                    all: false,
                    month: Month::new(2026, 10),
                })),
            ),
            (
                "/report ALL　2026年9月",
                Ok(Some(Command::Report {
                    all: true,
                    month: Month::new(2026, 9),
                })),
            ),
            (
                "/report 十月",
                invalid(CommandName::Report, Problem::BadMonth("十月".into())),
            ),
            (
                "/report all 2026-10 x",
                invalid(
                    CommandName::Report,
                    Problem::BadMonth("all 2026-10 x".into()),
                ),
            ),
            ("/checkin", Ok(Some(Command::CheckIn { on: None }))),
            (
                "/checkin OFF",
                Ok(Some(Command::CheckIn { on: Some(false) })),
            ),
            (
                "/checkin 开启",
                Ok(Some(Command::CheckIn { on: Some(true) })),
            ),
            (
                "/checkin maybe",
                invalid(CommandName::CheckIn, Problem::BadSwitch("maybe".into())),
            ),
            (
                "/records",
                Err(CommandError::Unknown {
                    name: "records".into(),
                    addressed: false,
                }),
            ),
            (
                "/nope@mingjing_bot",
                Err(CommandError::Unknown {
                    name: "nope".into(),
                    addressed: true,
                }),
            ),
            (
                "/notice　明天上午<九点>\n在三楼开会 ",
                Ok(Some(Command::Notice {
                    text: Some("明天上午<九点>\n在三楼开会".into()),
                })),
            ),
            ("/notice", Ok(Some(Command::Notice { text: None }))),
            (
                "/NOTICE@mingjing_bot",
                Ok(Some(Command::Notice { text: None })),
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), want, "{text:?}");
        }
    }

    #[test]
    fn without_a_username_every_addressed_command_is_foreign() {
        assert_eq!(Command::parse("/help@mingjing_bot", ""), Ok(None));
        assert_eq!(Command::parse("/help", ""), Ok(Some(Command::Help)));
    }

    /// Renders a command as an admin could type it, with `sep` between the parts.
    fn render(cmd: &Command, sep: &str, suffix: &str) -> String {
        let item = |i: &ItemText| match &i.source {
            Some(s) => format!("{}{SOURCE_MARK}{s}", i.text),
            None => i.text.clone(),
        };
        let hhmm = |t: &NaiveTime| t.format("%H:%M:%S").to_string();
        let (name, args): (&str, Vec<String>) = match cmd {
            Command::Start => ("start", vec![]),
            Command::Help => ("help", vec![]),
            Command::Subscribe { time } => ("subscribe", time.iter().map(hhmm).collect()),
            Command::Unsubscribe => ("unsubscribe", vec![]),
            Command::SetTime { time } => ("settime", vec![hhmm(time)]),
            Command::SetDays { days } => ("setdays", vec![days.as_str().into()]),
            Command::Today => ("today", vec![]),
            Command::Study => ("study", vec![]),
            Command::Status => ("status", vec![]),
            Command::Add { category, text } => (
                "add",
                std::iter::once(category.name().to_string())
                    .chain(text.iter().map(item))
                    .collect(),
            ),
            Command::List { category, page } => (
                "list",
                category
                    .iter()
                    .map(|c| c.alias().to_string())
                    .chain([page.to_string()])
                    .collect(),
            ),
            Command::Edit { id, text } => ("edit", vec![format!("#{id}"), item(text)]),
            Command::Del { id } => ("del", vec![id.to_string()]),
            Command::PushNow => ("pushnow", vec![]),
            Command::Stats => ("stats", vec![]),
            Command::CheckIn { on } => (
                "checkin",
                on.iter()
                    .map(|on| if *on { "on" } else { "off" }.to_string())
                    .collect(),
            ),
            Command::Report { all, month } => (
                "report",
                all.then(|| "all".to_string())
                    .into_iter()
                    .chain(month.iter().map(Month::to_string))
                    .collect(),
            ),
            Command::OrgReport { month } => (
                "report",
                std::iter::once("orglife".to_string())
                    .chain(month.iter().map(Month::to_string))
                    .collect(),
            ),
            Command::OrgLife { on } => (
                "orglife",
                on.iter()
                    .map(|on| if *on { "on" } else { "off" }.to_string())
                    .collect(),
            ),
            Command::Done(d) => (
                "done",
                std::iter::once(d.item.clone())
                    .chain(d.day.clone())
                    .chain(d.topic.clone())
                    .collect(),
            ),
            Command::Undone { item } => ("undone", vec![item.clone()]),
            Command::Task(TaskCommand::Create { major, title }) => (
                "task",
                major
                    .then(|| "重大".to_string())
                    .into_iter()
                    .chain([title.clone()])
                    .collect(),
            ),
            Command::Task(TaskCommand::Show(n)) => ("task", vec![n.to_string()]),
            Command::Task(TaskCommand::Cancel(n)) => ("task", vec![n.to_string(), "撤销".into()]),
            Command::Tasks => ("tasks", vec![]),
            Command::Export => ("export", vec![]),
            Command::Backup => ("backup", vec![]),
            Command::Progress { number, text } => {
                ("progress", vec![number.to_string(), text.clone()])
            }
            Command::Notice { text } => ("notice", text.iter().cloned().collect()),
            // Not generated: its parsing is tested in `overrides`.
            Command::Override(_) => ("override", vec![]),
            // Not generated: its parsing is tested in `robot::command`.
            Command::Robot(_) => ("robot", vec![]),
            Command::Web => ("web", vec![]),
        };
        let mut out = format!("/{name}{suffix}");
        for a in args {
            out.push_str(sep);
            out.push_str(&a);
        }
        out
    }

    fn any_category() -> impl Strategy<Value = Category> {
        proptest::sample::select(Category::ALL.to_vec())
    }

    /// Texts as an admin writes them: anything but the source mark, no outer whitespace.
    fn any_text() -> impl Strategy<Value = String> {
        any::<String>()
            .prop_map(|s| s.replace('—', "").trim().to_string())
            .prop_filter("non-empty", |s| !s.is_empty())
    }

    fn any_item() -> impl Strategy<Value = ItemText> {
        (any_text(), proptest::option::of(any_text()))
            .prop_map(|(text, source)| ItemText { text, source })
    }

    fn any_time() -> impl Strategy<Value = NaiveTime> {
        (0u32..24, 0u32..60, 0u32..60)
            .prop_map(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s).unwrap())
    }

    fn any_command() -> impl Strategy<Value = Command> {
        prop_oneof![
            Just(Command::Start),
            Just(Command::Help),
            Just(Command::Unsubscribe),
            Just(Command::Today),
            Just(Command::Study),
            Just(Command::Status),
            Just(Command::PushNow),
            Just(Command::Stats),
            Just(Command::Backup),
            Just(Command::Web),
            proptest::option::of(any_time()).prop_map(|time| Command::Subscribe { time }),
            any_time().prop_map(|time| Command::SetTime { time }),
            proptest::sample::select(vec![DayRule::Workdays, DayRule::Everyday])
                .prop_map(|days| Command::SetDays { days }),
            (any_category(), proptest::option::of(any_item()))
                .prop_map(|(category, text)| Command::Add { category, text }),
            (proptest::option::of(any_category()), 1usize..10_000)
                .prop_map(|(category, page)| Command::List { category, page }),
            (any::<u64>(), any_item()).prop_map(|(id, text)| Command::Edit { id, text }),
            any::<u64>().prop_map(|id| Command::Del { id }),
            proptest::option::of(any::<bool>()).prop_map(|on| Command::CheckIn { on }),
            (
                any::<bool>(),
                proptest::option::of((2000i32..2100, 1u32..=12)),
            )
                .prop_map(|(all, month)| Command::Report {
                    all,
                    month: month.and_then(|(y, m)| Month::new(y, m)),
                }),
        ]
    }

    fn any_separator() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            proptest::sample::select(vec![" ", "\u{3000}", "\n", "\t", "\r\n", "\u{a0}"]),
            1..4,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in any::<String>()) {
            let _ = Command::parse(&text, BOT);
        }

        #[test]
        fn arbitrary_arguments_never_panic(
            name in proptest::sample::select(CommandName::ALL.to_vec()),
            sep in any_separator(),
            args in any::<String>(),
        ) {
            let _ = Command::parse(&format!("/{}{sep}{args}", name.as_str()), BOT);
            let _ = Command::parse(&format!("/{}@{BOT}{sep}{args}", name.as_str()), BOT);
        }

        #[test]
        fn valid_commands_round_trip(
            cmd in any_command(),
            sep in any_separator(),
            suffix in proptest::sample::select(vec!["", "@mingjing_bot", "@MINGJING_BOT"]),
        ) {
            let text = render(&cmd, &sep, suffix);
            prop_assert_eq!(Command::parse(&text, BOT), Ok(Some(cmd)), "{:?}", text);
        }

        #[test]
        fn commands_for_other_bots_are_ignored(cmd in any_command(), sep in any_separator()) {
            let text = render(&cmd, &sep, "@other_bot");
            prop_assert_eq!(Command::parse(&text, BOT), Ok(None));
        }

        #[test]
        fn item_text_keeps_everything_inside(item in any_item(), pad in any_separator()) {
            let typed = match &item.source {
                Some(s) => format!("{pad}{}{pad}{SOURCE_MARK}{pad}{s}{pad}", item.text),
                None => format!("{pad}{}{pad}", item.text),
            };
            prop_assert_eq!(ItemText::parse(&typed), Some(item));
        }
    }
}
