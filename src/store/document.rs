//! The shape of an export file: everything needed to restore the database.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::GroupAdmin;
use crate::checkin::{CheckIn, Member};
use crate::content::Item;
use crate::delivery::Delivery;
use crate::edition::{Edition, Rotation};
use crate::notice::Notice;
use crate::orglife::Mark;
use crate::overrides::Override;
use crate::robot::Robot;
use crate::subscription::Subscription;
use crate::tasks::Task;

/// Everything needed to restore the database, as written by `mingjing export`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Document {
    pub format: u32,
    pub next_id: u64,
    #[serde(default)]
    pub tombstones: BTreeSet<String>,
    #[serde(default)]
    pub rotation: Rotation,
    #[serde(default, rename = "item")]
    pub items: Vec<Item>,
    #[serde(default, rename = "subscription")]
    pub subscriptions: Vec<Subscription>,
    #[serde(default, rename = "edition")]
    pub editions: Vec<Edition>,
    #[serde(default, rename = "delivery")]
    pub deliveries: Vec<Delivery>,
    #[serde(default, rename = "checkin")]
    pub checkins: Vec<CheckIn>,
    #[serde(default, rename = "member")]
    pub members: Vec<Member>,
    /// Organisational-life marks (format 3).
    #[serde(default, rename = "orglife_mark")]
    pub marks: Vec<Mark>,
    /// Users with a private chat with the bot (format 3).
    #[serde(default)]
    pub private_chats: BTreeSet<i64>,
    /// Group admins the bot has seen (format 3).
    #[serde(default, rename = "group_admin")]
    pub admins: Vec<GroupAdmin>,
    /// 督办 tasks (format 3, optional: older exports have none). Each group's next number
    /// is restored as one past its highest.
    /// One-off notices (their text is what their deliveries send).
    #[serde(default, rename = "notice")]
    pub notices: Vec<Notice>,
    #[serde(default, rename = "task")]
    pub tasks: Vec<Task>,
    /// One-day overrides (format 3, optional).
    #[serde(default, rename = "override")]
    pub overrides: Vec<Override>,
    /// Group robots (optional). Their URLs and secrets only in an export made with
    /// `--with-secrets`; an import keeps the stored ones when the file has none.
    #[serde(default, rename = "robot")]
    pub robots: Vec<Robot>,
}

impl Document {
    /// The document without the robots' webhook URLs and secrets.
    pub fn without_secrets(mut self) -> Document {
        self.robots = self.robots.iter().map(Robot::without_secrets).collect();
        self
    }
}

impl Document {
    /// The document as `mingjing export` writes it.
    pub fn to_toml(&self) -> Result<String, toml::ser::Error> {
        toml::to_string(self)
    }
}

/// The export format written: 3 adds organisational-life marks, private chats and group
/// admins, and tasks (optional, so still 3); 2 files deliveries by kind, key and address;
/// 1 (the first version's, Telegram morning editions only). All are read.
pub(super) const FORMAT: u32 = 3;
pub(super) const FORMATS_READ: [u32; 3] = [1, 2, 3];
