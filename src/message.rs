//! A message as plain data: HTML text and inline buttons, the same for every channel.

/// An inline button: its label and the data its tap sends back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Button {
    pub text: String,
    pub data: String,
}

/// Rows of buttons under a message.
pub type Buttons = Vec<Vec<Button>>;

/// A file sent with a message (a workbook); the message's text is its caption.
#[derive(Clone, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: std::sync::Arc<[u8]>,
}

impl std::fmt::Debug for Attachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Attachment({}, {} bytes)", self.name, self.bytes.len())
    }
}

/// A channel the bot sends through: Telegram, or the group robots of one platform
/// (SPEC §16), whose ids are the robots' numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    Telegram,
    WeCom,
    DingTalk,
    Feishu,
}

impl Channel {
    const ALL: [Channel; 4] = [
        Channel::Telegram,
        Channel::WeCom,
        Channel::DingTalk,
        Channel::Feishu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Telegram => "telegram",
            Channel::WeCom => "wecom",
            Channel::DingTalk => "dingtalk",
            Channel::Feishu => "feishu",
        }
    }

    fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// Whether its addresses are group robots (which have no buttons, files or replies).
    pub fn is_robot(self) -> bool {
        self != Channel::Telegram
    }
}

/// Where a message goes: a channel and the id of a chat (or robot) in it, written
/// `telegram:-100123`. A Telegram chat and a robot never share an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Address {
    pub channel: Channel,
    pub id: i64,
}

impl Address {
    pub fn telegram(chat_id: i64) -> Address {
        Address {
            channel: Channel::Telegram,
            id: chat_id,
        }
    }
}

impl std::fmt::Display for Address {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.channel.as_str(), self.id)
    }
}

impl std::str::FromStr for Address {
    type Err = String;

    fn from_str(s: &str) -> Result<Address, String> {
        let bad = || format!("not an address: {s:?} (expected e.g. telegram:-100123)");
        let (channel, id) = s.split_once(':').ok_or_else(bad)?;
        Ok(Address {
            channel: Channel::parse(channel).ok_or_else(bad)?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

impl serde::Serialize for Address {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Address {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Address, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_read_back_as_written() {
        let a = Address::telegram(-100123);
        assert_eq!(a.to_string(), "telegram:-100123");
        assert_eq!("telegram:-100123".parse::<Address>(), Ok(a));
        let robot = Address {
            channel: Channel::DingTalk,
            id: 3,
        };
        assert_eq!("dingtalk:3".parse::<Address>(), Ok(robot));
        assert!(robot.channel.is_robot() && !a.channel.is_robot());
        for bad in ["", "telegram", "telegram:x", "wechat:1", "-100123"] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
    }
}
