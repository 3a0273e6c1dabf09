//! The sending port: what the engine needs of a channel, in terms of no channel. Telegram
//! implements it (`crate::telegram`), and so do the group robots (`crate::webhook`);
//! [`Route`] puts the two behind one port. A test recorder is one more implementation, and
//! the engine does not change.
//!
//! A channel whose messages are shorter than Telegram's splits a long one into consecutive
//! parts ([`Sender::parts`]): each part is a delivery of its own (its key numbered, see
//! [`crate::delivery::Slot::part`]), recorded, retried and limited like any other, and sent
//! after the part before it is over.

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
    /// Which part of the message to send (0: the first, or the whole message); see
    /// [`Sender::parts`].
    pub part: usize,
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

    /// How many consecutive parts the message takes on its channel (at least 1).
    fn parts(&self, out: &Outgoing) -> usize {
        let _ = out;
        1
    }
}

/// Two channels behind one port: robot addresses ([`Channel::is_robot`]) go to `robots`,
/// the others to `main`.
#[derive(Clone)]
pub struct Route<M, R> {
    pub main: M,
    pub robots: R,
}

impl<M: Sender, R: Sender> Sender for Route<M, R> {
    async fn send(&self, out: &Outgoing) -> Result<Option<i64>, SendError> {
        if out.to.channel.is_robot() {
            self.robots.send(out).await
        } else {
            self.main.send(out).await
        }
    }

    fn limits(&self, channel: Channel, per_second: u32) -> Limits {
        if channel.is_robot() {
            self.robots.limits(channel, per_second)
        } else {
            self.main.limits(channel, per_second)
        }
    }

    fn parts(&self, out: &Outgoing) -> usize {
        if out.to.channel.is_robot() {
            self.robots.parts(out)
        } else {
            self.main.parts(out)
        }
    }
}
