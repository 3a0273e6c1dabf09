//! mingjing (明镜): a Telegram bot that sends the daily "纪律明镜·天天照" reminder.
//!
//! # Layout
//!
//! The pure core takes its inputs (and the time) as values:
//! - [`content`]: categories, items, the shipped library in `reminders/`;
//! - [`calendar`]: China's official working days;
//! - [`edition`]: rotation and rendering of the daily edition;
//! - [`schedule`]: delivery days, due instants, the study rule;
//! - [`checkin`]: the `✅ 已学习` button, which taps count, coalescing its label edits;
//! - [`report`]: the monthly 记实 report and its CSV.
//!
//! The shell does the IO:
//! - [`config`]: `config.toml` and the environment;
//! - [`store`]: the sled database, the source of truth;
//! - [`telegram`]: sending one message, error classification, token redaction;
//! - [`deliver`]: the delivery engine: the morning push, its limits and guarantees;
//! - [`bot`]: the Telegram bot: commands, permissions, subscriptions, the handler tree;
//! - [`replies`]: every text the bot says to users;
//! - [`cli`]: the commands of the `mingjing` binary;
//! - [`logging`]: tracing to stderr, with the token scrubbed;
//! - [`memory`]: the allocator's set-up, and giving freed memory back.

pub mod access;
pub mod bot;
pub mod calendar;
pub mod checkin;
pub mod cli;
pub mod command;
pub mod config;
pub mod content;
pub mod deliver;
pub mod delivery;
pub mod edition;
pub mod logging;
pub mod memory;
pub mod message;
pub mod replies;
pub mod report;
pub mod schedule;
pub mod store;
pub mod subscription;
pub mod telegram;
