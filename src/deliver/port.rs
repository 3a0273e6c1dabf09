//! The sending port: what the engine needs of a channel, in terms of no channel. Telegram
//! implements it (`crate::telegram`); a robot channel or a test recorder is one more
//! implementation, and the engine does not change.

use std::future::Future;
use std::time::Duration;

use crate::message::{Address, Attachment, Buttons, Channel};

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub to: Address,
    /// Telegram-style HTML; a channel that shows another format converts it.
    pub html: String,
    /// Rows of inline buttons; a channel without buttons leaves them out.
    pub buttons: Buttons,
    /// Send as a paid broadcast, where the channel has one.
    pub paid: bool,
    /// A file to send with the text as its caption (short: Telegram allows 1,024
    /// characters); a channel without files sends the text alone.
    pub attachment: Option<Attachment>,
}

/// Why a send failed, in the terms the engine acts on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel asked to wait (Telegram's 429): try again after this long.
    #[error("rate limited, retry after {0:?}")]
    RateLimited(Duration),
    /// The address no longer takes messages (kicked, blocked, deleted, revoked): stop.
    #[error("address is gone: {0}")]
    Gone(String),
    /// The address moved (a group upgraded to a supergroup): deliver there instead.
    #[error("moved to {0}")]
    Moved(Address),
    /// A server error, timeout or network error: try again later. The message may have
    /// been delivered when the connection dropped after the request went out.
    #[error("temporary failure: {0}")]
    Retryable(String),
    /// The channel refused this message (too long, bad markup, …): a bug or bad content.
    #[error("refused: {0}")]
    Permanent(String),
}

/// A channel's published send limits, which the engine keeps to without waiting for
/// errors.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Messages a second over the whole channel.
    pub per_second: u32,
    /// The window of one address: at most `.0` messages in `.1`.
    pub per_address: fn(&Address) -> (usize, Duration),
}

/// Sends one message. Returns the channel's id of the message, where it has one.
pub trait Sender: Send + Sync + 'static {
    fn send(&self, out: &Outgoing) -> impl Future<Output = Result<Option<i64>, SendError>> + Send;

    /// The limits of `channel`, given the configured overall rate.
    fn limits(&self, channel: Channel, per_second: u32) -> Limits;
}
