//! `telegram.proxy` and `TELOXIDE_PROXY`: the proxy Telegram is reached through (SPEC §17).

use std::fmt;

use toml::Spanned;

use super::{ConfigError, Problems, env_error};

/// The proxy Telegram is reached through (`telegram.proxy`, `TELOXIDE_PROXY`): an http,
/// https or socks5 URL. It may hold credentials, so it is shown without them.
#[derive(Clone, PartialEq, Eq)]
pub struct Proxy(url::Url);

/// The schemes of [`Proxy`]: `socks5h` resolves Telegram's host at the proxy.
const PROXY_SCHEMES: [&str; 4] = ["http", "https", "socks5", "socks5h"];

impl Proxy {
    /// Parses a proxy URL; the reason of a refusal never repeats the URL (it may hold a
    /// password).
    pub fn parse(text: &str) -> Result<Proxy, String> {
        let url = url::Url::parse(text.trim()).map_err(|e| {
            format!("not a proxy URL ({e}); expected e.g. socks5://127.0.0.1:1080 or http://proxy.example:3128")
        })?;
        if !PROXY_SCHEMES.contains(&url.scheme()) {
            return Err(format!(
                "unsupported proxy scheme {:?} (expected http, https, socks5 or socks5h)",
                url.scheme()
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err("the proxy URL has no host".into());
        }
        Ok(Proxy(url))
    }

    /// The URL, credentials included, for the HTTP client only.
    pub fn expose(&self) -> &str {
        self.0.as_str()
    }
}

/// `scheme://host:port`, without credentials or path.
impl fmt::Display for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.0.host_str().unwrap_or_default();
        match self.0.port_or_known_default() {
            Some(port) => write!(f, "{}://{host}:{port}", self.0.scheme()),
            None => write!(f, "{}://{host}", self.0.scheme()),
        }
    }
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Proxy({self})")
    }
}

/// The proxy of the environment (which wins) or of the file; a bad one is noted where it
/// was written.
pub(super) fn parse(
    env: Option<&str>,
    file: Option<&Spanned<String>>,
    problems: &mut Problems,
    from_env: &mut Vec<ConfigError>,
) -> Option<Proxy> {
    match (env, file) {
        (Some(text), _) => match Proxy::parse(text) {
            Ok(proxy) => Some(proxy),
            Err(reason) => {
                from_env.push(env_error("TELOXIDE_PROXY", reason));
                None
            }
        },
        (None, Some(v)) if !v.get_ref().trim().is_empty() => match Proxy::parse(v.get_ref()) {
            Ok(proxy) => Some(proxy),
            Err(reason) => {
                problems.add(Some(v.span()), "telegram.proxy", reason);
                None
            }
        },
        (None, _) => None,
    }
}
