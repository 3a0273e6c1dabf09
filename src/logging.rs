//! Logs to stderr through `tracing`, with the bot token scrubbed from every line: HTTP
//! client errors embed the request URL, which embeds the token.

use std::io::{IsTerminal, Write};
use std::sync::OnceLock;

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

/// Installs the subscriber: `RUST_LOG` (default `info`), plain text when stderr is a file.
pub fn init() {
    tracing_subscriber::fmt()
        .with_writer(|| Scrubbed(std::io::stderr()))
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
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
}
