//! The web side of the end-to-end tests: a bot with `[web]` on, a small HTTP client, the
//! console's login by link.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Harness, Setup, admin, admin_chat};

/// A port free a moment ago (the bot's web server takes it; tests run in parallel, and
/// the kernel does not hand a just-freed port out again at once).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    l.local_addr().unwrap().port()
}

/// The `[web]` table for a server on `port` whose public address is itself.
pub fn web_table(port: u16) -> String {
    format!("[web]\nlisten = \"127.0.0.1:{port}\"\npublic_url = \"http://127.0.0.1:{port}/\"\n")
}

/// A bot with its web server on, and the server's address.
pub async fn start_with_web() -> (Harness, Http) {
    let port = free_port();
    let setup = Setup {
        schedule: Some(format!(
            "[schedule]\ndays = \"everyday\"\n\n{}",
            web_table(port)
        )),
        ..Setup::default()
    };
    let h = Harness::start_with(setup).await;
    let http = Http::new(port);
    http.wait_up(&h).await;
    (h, http)
}

/// An HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The session cookie this answer sets (`name=value`).
    pub fn session_cookie(&self) -> Option<String> {
        let set = self.header("set-cookie")?;
        let pair = set.split(';').next()?.trim();
        (pair.starts_with("mingjing_session=") && pair.len() > "mingjing_session=".len())
            .then(|| pair.to_string())
    }

    /// The value of the first form's `csrf` field.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a form with a token");
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// A client of the bot's web server.
#[derive(Debug, Clone, Copy)]
pub struct Http {
    pub port: u16,
}

impl Http {
    pub fn new(port: u16) -> Http {
        Http { port }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Waits until the server answers.
    pub async fn wait_up(&self, h: &Harness) {
        for _ in 0..500 {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("the web server never listened:\n{}", h.stderr());
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        self.request("GET", path, cookie, None).await
    }

    /// POSTs `form` (URL-encoded) to `path`.
    pub async fn post(&self, path: &str, cookie: Option<&str>, form: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        self.request("POST", path, cookie, Some(body)).await
    }

    /// POSTs `body` as JSON to `path`.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> Answer {
        self.send(
            "POST",
            path,
            None,
            Some(("application/json", body.to_string())),
        )
        .await
    }

    async fn request(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<String>,
    ) -> Answer {
        let body = body.map(|b| ("application/x-www-form-urlencoded", b));
        self.send(method, path, cookie, body).await
    }

    async fn send(
        &self,
        method: &str,
        path: &str,
        cookie: Option<&str>,
        body: Option<(&str, String)>,
    ) -> Answer {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .expect("the web server answers");
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n",
            self.port
        );
        if let Some(c) = cookie {
            head += &format!("Cookie: {c}\r\n");
        }
        let (kind, body) = body.unwrap_or_default();
        if method == "POST" {
            head += &format!("Content-Type: {kind}\r\n");
            head += &format!("Content-Length: {}\r\n", body.len());
        }
        head += "\r\n";
        stream.write_all(head.as_bytes()).await.unwrap();
        stream.write_all(body.as_bytes()).await.unwrap();
        let mut raw = Vec::new();
        tokio::time::timeout(Duration::from_secs(40), stream.read_to_end(&mut raw))
            .await
            .expect("an answer within 40 s")
            .unwrap();
        parse(&raw)
    }
}

fn parse(raw: &[u8]) -> Answer {
    let text = String::from_utf8_lossy(raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP answer");
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let chunked = headers
        .iter()
        .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked {
        unchunk(body)
    } else {
        body.to_string()
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// The body of a chunked answer.
fn unchunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        // Sizes count bytes; the text was decoded lossily only where bytes were invalid.
        let chunk = &rest.as_bytes()[..n];
        out.push_str(&String::from_utf8_lossy(chunk));
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// The login link the bot sends a bot admin for `/web`.
pub async fn login_link(h: &Harness) -> String {
    let answer = h.say(&admin_chat(), &admin(), "/web").await;
    let at = answer
        .find("http://")
        .unwrap_or_else(|| panic!("no link in {answer:?}"));
    answer[at..].split_whitespace().next().unwrap().to_string()
}

/// The path and query of a link to the server.
pub fn path_of(link: &str) -> String {
    let at = link["http://".len()..].find('/').unwrap() + "http://".len();
    link[at..].to_string()
}

/// Logs in by a fresh link; the session cookie.
pub async fn log_in(h: &Harness, http: &Http) -> String {
    let link = login_link(h).await;
    let answer = http.get(&path_of(&link), None).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert!(answer.body.contains("url=/"), "{answer:?}");
    answer.session_cookie().expect("a session cookie")
}

/// The last page of `/list <category>` in the bot admin's chat (where a new item is).
pub async fn last_list_page(h: &Harness, category: &str) -> String {
    let first = h
        .say(&admin_chat(), &admin(), &format!("/list {category}"))
        .await;
    let pages: usize = first
        .split("第 1/")
        .nth(1)
        .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    if pages == 1 {
        return first;
    }
    h.say(
        &admin_chat(),
        &admin(),
        &format!("/list {category} {pages}"),
    )
    .await
}
