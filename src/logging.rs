//! Logs to stderr through `tracing`, with the bot token (and a proxy's password) scrubbed
//! from every line: HTTP client errors embed the request URL, which embeds the token.

use std::io::{IsTerminal, Write};
use std::sync::{PoisonError, RwLock};

use tracing_subscriber::EnvFilter;

use crate::config::{Proxy, Token};

/// The secrets no log line may show, each with what stands in for it.
static SECRETS: RwLock<Vec<(String, &'static str)>> = RwLock::new(Vec::new());

/// A proxy password shorter than this is not scrubbed: it would blank out common words
/// (the log never prints proxy URLs anyway; this is for error texts that might).
const SHORTEST_SCRUBBED: usize = 4;

fn keep_secret(secret: &str, mask: &'static str) {
    let mut secrets = SECRETS.write().unwrap_or_else(PoisonError::into_inner);
    if !secrets.iter().any(|(s, _)| s == secret) {
        secrets.push((secret.to_string(), mask));
    }
}

/// Remembers the token so that no later log line can show it.
pub fn protect(token: &Token) {
    if !token.is_empty() {
        keep_secret(token.expose(), "<token>");
    }
}

/// Remembers a proxy's password (as written in the URL, and decoded) so that no later log
/// line can show it.
pub fn protect_proxy(proxy: &Proxy) {
    let Ok(url) = url::Url::parse(proxy.expose()) else {
        return;
    };
    let Some(password) = url.password() else {
        return;
    };
    for secret in [password.to_string(), percent_decoded(password)] {
        if secret.chars().count() >= SHORTEST_SCRUBBED {
            keep_secret(&secret, "<password>");
        }
    }
}

/// `%XX` escapes decoded (a URL's userinfo is percent-encoded).
fn percent_decoded(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
            .and_then(|h| std::str::from_utf8(h).ok());
        match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
            Some(b) if bytes[i] == b'%' => {
                out.push(b);
                i += 3;
            }
            _ => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `text` with the protected secrets replaced.
pub fn scrub(text: &str) -> String {
    let secrets = SECRETS.read().unwrap_or_else(PoisonError::into_inner);
    secrets.iter().fold(text.to_string(), |t, (secret, mask)| {
        t.replace(secret.as_str(), mask)
    })
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
        let found = SECRETS
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|(secret, _)| contains(buf, secret.as_bytes()));
        if found {
            let text = String::from_utf8_lossy(buf);
            self.0.write_all(scrub(&text).as_bytes())?;
        } else {
            self.0.write_all(buf)?;
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
    fn the_token_and_a_proxy_password_are_scrubbed() {
        protect(&Token::new("99:LOG-SECRET"));
        assert_eq!(
            scrub("GET http://x/bot99:LOG-SECRET/getMe failed"),
            "GET http://x/bot<token>/getMe failed"
        );
        let proxy = Proxy::parse("socks5://alice:pa%24%24word@10.0.0.1:1080").unwrap();
        protect_proxy(&proxy);
        assert_eq!(
            scrub("socks5://alice:pa%24%24word@10.0.0.1 said pa$$word"),
            "socks5://alice:<password>@10.0.0.1 said <password>"
        );
        // A password too short to scrub without blanking out words is left alone.
        protect_proxy(&Proxy::parse("http://bob:abc@10.0.0.1:3128").unwrap());
        assert_eq!(scrub("abc"), "abc");
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
