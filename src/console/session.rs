//! Console logins: the one-time link `/web` sends a bot admin, the session it opens, the
//! session cookie and the forms' CSRF token. Pure: randomness and `now` come in as values;
//! the store keeps the grants.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How long a login link may be opened.
pub const LINK_TTL: Duration = Duration::minutes(10);
/// How long a session lasts.
pub const SESSION_TTL: Duration = Duration::hours(12);
/// The session cookie's name.
pub const COOKIE: &str = "mingjing_session";
/// Random bytes in a token (256 bits).
pub const TOKEN_BYTES: usize = 32;

/// What a token grants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Grant {
    /// A login link: opened once, it becomes a session.
    Link,
    /// A logged-in browser.
    Session,
}

/// A stored grant: a link or a session of bot admin `user`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub grant: Grant,
    pub user: i64,
    pub expires: DateTime<Utc>,
    /// The token every form of the session carries (empty for links).
    #[serde(default)]
    pub csrf: String,
}

impl Login {
    pub fn link(user: i64, now: DateTime<Utc>) -> Login {
        Login {
            grant: Grant::Link,
            user,
            expires: now + LINK_TTL,
            csrf: String::new(),
        }
    }

    pub fn session(user: i64, csrf: String, now: DateTime<Utc>) -> Login {
        Login {
            grant: Grant::Session,
            user,
            expires: now + SESSION_TTL,
            csrf,
        }
    }

    /// Whether it grants `grant` at `now`.
    pub fn allows(&self, grant: Grant, now: DateTime<Utc>) -> bool {
        self.grant == grant && now < self.expires
    }
}

/// Why a login link does not log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkRefusal {
    /// Never issued, or already used.
    Unknown,
    Expired,
}

/// What opening a link with the stored grant `found` (already removed: single use) does.
pub fn redeem(found: Option<Login>, now: DateTime<Utc>) -> Result<i64, LinkRefusal> {
    match found {
        Some(l) if l.allows(Grant::Link, now) => Ok(l.user),
        Some(l) if l.grant == Grant::Link => Err(LinkRefusal::Expired),
        _ => Err(LinkRefusal::Unknown),
    }
}

/// A token from random bytes: lowercase hex.
pub fn token(bytes: &[u8; TOKEN_BYTES]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `s` looks like a token (so that anything else is refused before a lookup).
pub fn is_token(s: &str) -> bool {
    s.len() == TOKEN_BYTES * 2
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The session id in a `Cookie` header.
pub fn from_cookie(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| is_token(v))
}

/// The `Set-Cookie` value that opens session `id`.
pub fn set_cookie(id: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{COOKIE}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{secure}",
        SESSION_TTL.num_seconds()
    )
}

/// The `Set-Cookie` value that ends the session in the browser.
pub fn clear_cookie(secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{secure}")
}

/// Compares two tokens in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn a_link_works_for_ten_minutes() {
        let now = at("2026-11-03T02:00:00Z");
        let link = Login::link(42, now);
        assert_eq!(
            redeem(Some(link.clone()), now + Duration::minutes(9)),
            Ok(42)
        );
        assert_eq!(
            redeem(Some(link), now + Duration::minutes(10)),
            Err(LinkRefusal::Expired)
        );
        assert_eq!(redeem(None, now), Err(LinkRefusal::Unknown));
    }

    #[test]
    fn a_session_is_not_a_link_and_lasts_twelve_hours() {
        let now = at("2026-11-03T02:00:00Z");
        let s = Login::session(42, "c".repeat(64), now);
        assert_eq!(redeem(Some(s.clone()), now), Err(LinkRefusal::Unknown));
        assert!(s.allows(Grant::Session, now + Duration::hours(11)));
        assert!(!s.allows(Grant::Session, now + Duration::hours(12)));
        assert!(!Login::link(42, now).allows(Grant::Session, now));
    }

    #[test]
    fn tokens_are_64_hex_digits() {
        let t = token(&[0xab; TOKEN_BYTES]);
        assert_eq!(t.len(), 64);
        assert!(is_token(&t));
        assert!(!is_token("abc"));
        assert!(!is_token(&"G".repeat(64)));
        assert!(!is_token(&"AB".repeat(32)));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let id = "a".repeat(64);
        let header = format!("theme=dark; {COOKIE}={id}; x=y");
        assert_eq!(from_cookie(&header), Some(id.as_str()));
        assert_eq!(from_cookie("theme=dark"), None);
        assert_eq!(from_cookie(&format!("{COOKIE}=forged")), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_over_https() {
        let c = set_cookie("abc", true);
        assert!(c.contains("HttpOnly"));
        assert!(c.contains("SameSite=Strict"));
        assert!(c.contains("; Secure"));
        assert!(c.contains("Max-Age=43200"));
        assert!(!set_cookie("abc", false).contains("Secure"));
        assert!(clear_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn tokens_compare_whole() {
        assert!(same_token("abcd", "abcd"));
        assert!(!same_token("abcd", "abce"));
        assert!(!same_token("abcd", "abc"));
    }
}
