//! mingjing (明镜): a Telegram bot that sends the daily "纪律明镜·天天照" reminder.
//!
//! # Layout
//!
//! The pure core takes its inputs (and the time) as values; it knows no sled, teloxide or
//! tokio, and of the shell it uses only [`config`]'s settings, handed to it:
//! - [`content`]: categories, items, pinned dates and holiday anchors, the shipped library
//!   in `reminders/`, duplicate and similar texts;
//! - [`calendar`]: China's official working days and holiday periods, the day rules, times
//!   of day;
//! - [`festival`]: pinned and anchored items placed on working days (collisions included);
//! - [`edition`]: the daily edition: its rules, rotation (the 第一议题's turns too) and
//!   rendering;
//! - [`schedule`]: delivery days, due instants (the next one too), the study rule;
//! - [`subscription`]: a chat's subscription record;
//! - [`delivery`]: the delivery log's records and counts, the `/stats` and `/pushnow` figures;
//! - [`checkin`]: check-in records, the `✅ 已学习` button, which taps count, its label edits;
//! - [`orglife`]: organisational life: the checklist, its periods, marks, the 记实通报;
//! - [`report`]: the monthly 记实 report (the group's size from Telegram given), its CSV and
//!   `.xlsx` workbooks;
//! - [`tasks`]: 督办: tasks, their milestones (the "03715" rule), who is chased when;
//! - [`sheet`]: the text library as a table: uploads read and checked (the dry run), `/export`;
//! - [`notice`]: a bot admin's 【通知】: the draft, who may confirm it and until when;
//! - [`overrides`]: one-day overrides of the morning message (停发, 附加, 替换);
//! - [`message`]: a message's buttons as plain data;
//! - [`robot`]: WeCom / DingTalk / Feishu group robots: the record, URL checks, each
//!   platform's format, size limit and signing, what its answers mean;
//! - [`command`]: a chat message parsed into a command;
//! - [`access`]: who may run which command where;
//! - [`console`]: the web console's pages, chart and heatmap, login links and sessions,
//!   the health verdict;
//! - [`replies`]: every text the bot says to users (the text catalogue, a leaf).
//!
//! The shell does the IO:
//! - [`config`]: `config.toml` and the environment;
//! - [`clock`]: the process clock (`MINGJING_NOW`), the one reader of the wall clock;
//! - [`store`]: the sled database, the source of truth; it persists the core's records;
//! - [`telegram`]: the client (through `telegram.proxy`), sending one message, Telegram's
//!   keyboards, error classification, token redaction;
//! - [`webhook`]: the robot channel: the sending port over WeCom / DingTalk / Feishu
//!   webhooks, signing with the real time;
//! - [`deliver`]: the delivery engine: the morning push, its limits and guarantees;
//! - [`bot`]: the Telegram bot: the handler tree, subscriptions, taps, records;
//! - [`web`]: the optional web server: `/healthz`, `/metrics`, the bot admins' console;
//! - [`playground`]: the bot in a browser without Telegram: the built-in Bot API emulator
//!   (the `fakeapi` crate) with a group and its members, a web chat, 快进;
//! - [`metrics`]: the process's counters and gauges, and the liveness facts of `/healthz`;
//! - [`cli`]: the commands of the `mingjing` binary (`check` lists the fixed days ahead);
//! - [`control`]: the running bot's control socket, through which `export` and `preview`
//!   reach it (the protocol, both ends, and what those commands print);
//! - [`logging`]: tracing to stderr, with the token and a proxy's password scrubbed;
//! - [`memory`]: the allocator's set-up, and giving freed memory back.

pub mod access;
pub mod bot;
pub mod calendar;
pub mod checkin;
pub mod cli;
pub mod clock;
pub mod command;
pub mod config;
pub mod console;
pub mod content;
pub mod control;
pub mod deliver;
pub mod delivery;
pub mod edition;
pub mod festival;
pub mod logging;
pub mod memory;
pub mod message;
pub mod metrics;
pub mod notice;
pub mod orglife;
pub mod overrides;
pub mod playground;
pub mod replies;
pub mod report;
pub mod robot;
pub mod schedule;
pub mod sheet;
pub mod store;
pub mod subscription;
pub mod tasks;
pub mod telegram;
pub mod web;
pub mod webhook;
