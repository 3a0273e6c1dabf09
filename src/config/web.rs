//! `[web]` of `config.toml`: the optional web server (health, metrics, console; SPEC §14).

use std::net::SocketAddr;

use serde::Deserialize;
use toml::Spanned;

use super::Problems;

/// `[web]` (SPEC §14). Off unless `listen` is set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Web {
    /// Where the web server listens; `None`: no web server.
    pub listen: Option<SocketAddr>,
    /// The address admins open (behind a reverse proxy: its https address); login links
    /// start with it. `None`: no console logins (health and metrics still work).
    pub public_url: Option<url::Url>,
}

impl Web {
    /// Whether session cookies must be `Secure` (the console is reached over https).
    pub fn secure(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawWeb {
    listen: Option<Spanned<String>>,
    public_url: Option<Spanned<String>>,
}

/// Checks `[web]`; a bad value is noted and left off.
pub(super) fn parse(raw: RawWeb, problems: &mut Problems, warnings: &mut Vec<String>) -> Web {
    let given = |v: &Option<Spanned<String>>| {
        v.as_ref()
            .filter(|v| !v.get_ref().trim().is_empty())
            .map(|v| (v.span(), v.get_ref().trim().to_string()))
    };
    let listen = given(&raw.listen).and_then(|(span, text)| {
        problems.require(text.parse::<SocketAddr>().ok(), span, "web.listen", || {
            format!(
                "bad address {text:?} (expected IP:PORT, e.g. \"127.0.0.1:8080\" or \"0.0.0.0:8080\")"
            )
        })
    });
    let public_url = given(&raw.public_url).and_then(|(span, text)| {
        let url = url::Url::parse(&text)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
        let Some(url) = url else {
            let reason = format!(
                "bad URL {text:?} (expected http:// or https:// and a host, e.g. \"https://mingjing.example.org\")"
            );
            problems.add(Some(span), "web.public_url", reason);
            return None;
        };
        if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
            let reason = format!(
                "{text:?} must be the root of a site, without a path (the console is served at /)"
            );
            problems.add(Some(span), "web.public_url", reason);
            return None;
        }
        Some(url)
    });
    if listen.is_none() && public_url.is_some() {
        warnings.push("web.public_url is set but web.listen is empty: no web server runs".into());
    }
    Web { listen, public_url }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::{Config, Env};

    fn parse(src: &str) -> Result<Config, String> {
        Config::parse("c.toml", src, Path::new(""), &Env::default()).map_err(|e| e.to_string())
    }

    #[test]
    fn off_by_default() {
        let c = parse("").unwrap();
        assert_eq!(c.web.listen, None);
        assert_eq!(c.web.public_url, None);
        assert!(!c.web.secure());
    }

    #[test]
    fn listen_and_public_url() {
        let c =
            parse("[web]\nlisten = \"127.0.0.1:8080\"\npublic_url = \"https://m.example.org\"\n")
                .unwrap();
        assert_eq!(c.web.listen, Some("127.0.0.1:8080".parse().unwrap()));
        let url = c.web.public_url.as_ref().unwrap();
        assert_eq!(url.as_str(), "https://m.example.org/");
        assert!(c.web.secure());
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let e = parse("[web]\n\nlisten = \"localhost\"\n").unwrap_err();
        assert!(e.starts_with("c.toml:3: web.listen: bad address"), "{e}");
        let e = parse("[web]\npublic_url = \"ftp://x\"\n").unwrap_err();
        assert!(e.starts_with("c.toml:2: web.public_url: bad URL"), "{e}");
        let e = parse("[web]\npublic_url = \"https://a.example/x\"\n").unwrap_err();
        assert!(e.contains("root of a site"), "{e}");
        let e = parse("[web]\nport = 1\n").unwrap_err();
        assert!(e.contains("web.port"), "{e}");
    }

    #[test]
    fn public_url_alone_warns() {
        let c = parse("[web]\npublic_url = \"http://a.example\"\n").unwrap();
        assert!(c.warnings.iter().any(|w| w.contains("web.listen")));
    }
}
