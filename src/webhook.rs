//! The robot channel: the engine's sending port over group robots' webhooks (WeCom,
//! DingTalk, Feishu; SPEC §16). A robot's address is its number; its URL and secret are
//! read from the store at each send and never logged. Signing uses the real time even when
//! the process clock is shifted: the platforms refuse a timestamp an hour off theirs.

use std::time::Duration;

use crate::clock;
use crate::deliver::port::{Limits, Outgoing, SendError, Sender};
use crate::message::{Address, Channel};
use crate::robot::{self, Outcome, Platform, Robot, render, sign};
use crate::store::Store;

/// How long one webhook request may take.
const TIMEOUT: Duration = Duration::from_secs(15);
/// Sends a second to one platform's robots, all together: no platform publishes a limit
/// over all of its custom robots; this keeps a large office's push steady.
const PER_SECOND: u32 = 20;

/// The sending port over robots' webhooks.
#[derive(Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
    store: Store,
}

/// What a platform answered a test message, for `/robot test`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub sent: bool,
    /// The platform's own words (its code and message), or the network's error.
    pub said: String,
}

impl WebhookSender {
    pub fn new(store: Store) -> WebhookSender {
        // Without a client of its own settings the channel cannot work at all.
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .unwrap_or_default();
        WebhookSender { client, store }
    }

    /// Posts one request `body` (a part from [`render::messages`]) to `robot`, signed where
    /// it has a secret, and classifies the answer. The text of a failure names neither the
    /// URL nor the secret.
    pub async fn post(&self, robot: &Robot, mut body: serde_json::Value) -> (Outcome, String) {
        let mut url = match url::Url::parse(&robot.url) {
            Ok(url) => url,
            Err(_) => return (Outcome::Revoked("bad URL".into()), "bad URL".into()),
        };
        if let Some(secret) = robot.secret.as_deref().filter(|s| !s.is_empty()) {
            let now = clock::real_now();
            match robot.kind {
                Platform::DingTalk => {
                    let ts = now.timestamp_millis();
                    url.query_pairs_mut()
                        .append_pair("timestamp", &ts.to_string())
                        .append_pair("sign", &sign::dingtalk(secret, ts));
                }
                Platform::Feishu => {
                    let ts = now.timestamp();
                    body["timestamp"] = ts.to_string().into();
                    body["sign"] = sign::feishu(secret, ts).into();
                }
                // WeCom robots have no signature: the key in the URL is the secret.
                Platform::WeCom => {}
            }
        }
        let answer = self.client.post(url).json(&body).send().await;
        let response = match answer {
            Ok(r) => r,
            Err(e) => {
                // reqwest's text embeds the URL: keep only what kind of failure it was.
                let what = if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "cannot connect"
                } else {
                    "network error"
                };
                return (Outcome::Retry(what.into()), what.into());
            }
        };
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        let outcome = robot::classify(robot.kind, status, &text);
        let said: String = text.chars().take(300).collect();
        (outcome, format!("HTTP {status} {said}").trim().to_string())
    }

    /// Sends `html` to `robot` now, outside the engine (`/robot test`), and reports the
    /// platform's answer to the first part that was not taken, or to the last.
    pub async fn test(&self, robot: &Robot, html: &str) -> Answer {
        let mut said = String::new();
        for body in render::messages(robot.kind, html) {
            let (outcome, text) = self.post(robot, body).await;
            said = match &outcome {
                Outcome::Sent => text,
                Outcome::RateLimited(s)
                | Outcome::Revoked(s)
                | Outcome::Refused(s)
                | Outcome::Retry(s) => s.clone(),
            };
            if outcome != Outcome::Sent {
                return Answer { sent: false, said };
            }
        }
        Answer { sent: true, said }
    }

    fn robot_of(&self, to: Address) -> Result<Robot, SendError> {
        match self.store.robot(to.id) {
            Ok(Some(robot)) if robot.active && robot.address() == to => Ok(robot),
            Ok(Some(robot)) if robot.address() == to => Err(SendError::Gone(
                robot.reason.unwrap_or_else(|| "inactive".into()),
            )),
            Ok(_) => Err(SendError::Gone("robot removed".into())),
            Err(e) => Err(SendError::Retryable(e.to_string())),
        }
    }
}

impl Sender for WebhookSender {
    async fn send(&self, out: &Outgoing) -> Result<Option<i64>, SendError> {
        let robot = self.robot_of(out.to)?;
        let mut parts = render::messages(robot.kind, &out.html);
        if out.part >= parts.len() {
            // The message got shorter since it was split: this part has nothing left.
            return Ok(None);
        }
        let body = parts.swap_remove(out.part);
        match self.post(&robot, body).await.0 {
            Outcome::Sent => Ok(None),
            Outcome::RateLimited(said) => {
                tracing::warn!(to = %out.to, %said, "robot rate limited");
                Err(SendError::RateLimited(robot.kind.rate_limited_wait()))
            }
            Outcome::Revoked(said) => Err(SendError::Gone(said)),
            Outcome::Refused(said) => Err(SendError::Permanent(said)),
            Outcome::Retry(said) => Err(SendError::Retryable(said)),
        }
    }

    fn limits(&self, _channel: Channel, _per_second: u32) -> Limits {
        Limits {
            per_second: PER_SECOND,
            per_address: per_robot,
        }
    }

    fn parts(&self, out: &Outgoing) -> usize {
        Platform::of(out.to.channel)
            .map_or(1, |kind| render::messages(kind, &out.html).len())
            .max(1)
    }
}

/// A robot's platform limit (see [`Platform::per_robot`]).
fn per_robot(to: &Address) -> (usize, Duration) {
    Platform::of(to.channel).map_or((20, Duration::from_secs(60)), Platform::per_robot)
}
