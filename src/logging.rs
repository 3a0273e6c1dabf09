//! Logs to stderr through `tracing`, with the bot token scrubbed from every line: HTTP
//! client errors embed the request URL, which embeds the token.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

use tracing_subscriber::EnvFilter;

use crate::config::Token;

static SECRET: OnceLock<String> = OnceLock::new();

/// Remembers the token so that no later log line can show it.
pub fn protect(token: &Token) {
    if !token.is_empty() {
        let _ = SECRET.set(token.expose().to_string());
    }
}

/// `text` with the protected token replaced.
pub fn scrub(text: &str) -> String {
    match SECRET.get() {
        Some(secret) => text.replace(secret.as_str(), "<token>"),
        None => text.to_string(),
    }
}

/// Installs the subscriber: `RUST_LOG` (default `info`, see [`filter`]), plain text when
/// stderr is a file.
pub fn init() {
    let rust_log = std::env::var(EnvFilter::DEFAULT_ENV).ok();
    tracing_subscriber::fmt()
        .with_writer(|| Scrubbed(std::io::stderr()))
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(filter(rust_log.as_deref()))
        .init();
}

/// Crates whose `info` lines are chatter to an operator: the scheduler logs "Uninited" and
/// "Job creator created" each time the engine's alarm is set.
const QUIET: [&str; 1] = ["tokio_cron_scheduler"];

/// The filter of `RUST_LOG` (`info` when unset or not understood), with the [`QUIET`]
/// crates at `warn` unless `RUST_LOG` names them
/// (`RUST_LOG=info,tokio_cron_scheduler=debug`).
fn filter(rust_log: Option<&str>) -> EnvFilter {
    let spec = rust_log.map(str::trim).filter(|s| !s.is_empty());
    let (mut filter, spec) = match spec.map(|s| (EnvFilter::try_new(s), s)) {
        Some((Ok(filter), spec)) => (filter, spec),
        _ => (EnvFilter::new("info"), "info"),
    };
    for krate in QUIET.into_iter().filter(|k| !spec.contains(k)) {
        if let Ok(quiet) = format!("{krate}=warn").parse() {
            filter = filter.add_directive(quiet);
        }
    }
    filter
}

/// Stderr that scrubs each write; tracing writes one whole event per call.
struct Scrubbed(std::io::Stderr);

impl Write for Scrubbed {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match SECRET.get() {
            Some(secret) if contains(buf, secret.as_bytes()) => {
                let text = String::from_utf8_lossy(buf);
                self.0.write_all(scrub(&text).as_bytes())?;
            }
            _ => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_scrubbed() {
        protect(&Token::new("99:LOG-SECRET"));
        assert_eq!(
            scrub("GET http://x/bot99:LOG-SECRET/getMe failed"),
            "GET http://x/bot<token>/getMe failed"
        );
        assert!(contains(b"a99:LOG-SECRETb", b"99:LOG-SECRET"));
        assert!(!contains(b"abc", b""));
    }

    #[test]
    fn the_scheduler_is_quiet_unless_named() {
        let cases = [
            (None, "tokio_cron_scheduler=warn,info"),
            (Some(""), "tokio_cron_scheduler=warn,info"),
            (Some("not a filter ==="), "tokio_cron_scheduler=warn,info"),
            (Some("debug"), "tokio_cron_scheduler=warn,debug"),
            (
                Some("mingjing=trace"),
                "tokio_cron_scheduler=warn,mingjing=trace",
            ),
            (
                Some("info,tokio_cron_scheduler=debug"),
                "tokio_cron_scheduler=debug,info",
            ),
        ];
        for (rust_log, expected) in cases {
            assert_eq!(filter(rust_log).to_string(), expected, "{rust_log:?}");
        }
    }
}
