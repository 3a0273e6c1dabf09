//! Fake group-robot webhooks, one server per platform, on 127.0.0.1: each checks the JSON
//! shape its platform expects and, for DingTalk and Feishu robots with a secret, the
//! signature (recomputed here from the documented recipe, with the real time); it answers
//! as the platform does, and can be told to answer a rate limit, a revoked webhook or a
//! missing keyword instead.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use mingjing::robot::Platform;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::net::TcpListener;

/// What the fake answers a request with, instead of taking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    RateLimited,
    Revoked,
}

#[derive(Default)]
struct State {
    /// Messages taken, in order, with the key of the robot's URL they were sent to.
    taken: Vec<(String, Value)>,
    /// Every request's outcome, in order: "ok", or the refusal.
    answers: Vec<String>,
    faults: VecDeque<Fault>,
    /// Revoked for good: every request is answered as a removed robot.
    revoked: bool,
    /// A keyword every message must contain (the robot's 自定义关键词).
    keyword: Option<String>,
}

/// One platform's fake webhook.
#[derive(Clone)]
pub struct FakeRobot {
    pub platform: Platform,
    pub secret: Option<String>,
    addr: std::net::SocketAddr,
    state: Arc<Mutex<State>>,
}

impl FakeRobot {
    pub async fn start(platform: Platform, secret: Option<&str>) -> FakeRobot {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let robot = FakeRobot {
            platform,
            secret: secret.map(str::to_string),
            addr: listener.local_addr().expect("an address"),
            state: Arc::default(),
        };
        let served = robot.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let robot = served.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| {
                        let robot = robot.clone();
                        async move { Ok::<_, Infallible>(robot.handle(req).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        robot
    }

    /// The webhook URL, shaped like the platform's (its key last).
    pub fn url(&self) -> String {
        self.url_of(&Self::key(0))
    }

    /// The key of the `n`-th robot of this fake (every key is taken).
    pub fn key(n: usize) -> String {
        format!("KEY{n:04}-secretpart-0123456789")
    }

    /// The URL of the robot with `key`.
    pub fn url_of(&self, key: &str) -> String {
        let a = self.addr;
        match self.platform {
            Platform::WeCom => format!("http://{a}/cgi-bin/webhook/send?key={key}"),
            Platform::DingTalk => format!("http://{a}/robot/send?access_token={key}"),
            Platform::Feishu => format!("http://{a}/open-apis/bot/v2/hook/{key}"),
        }
    }

    /// Answers the next `n` requests with `fault`.
    pub fn fail_next(&self, fault: Fault, n: usize) {
        let mut st = self.state.lock().unwrap();
        st.faults.extend(std::iter::repeat_n(fault, n));
    }

    /// From now on, answers as a robot removed from its group.
    pub fn revoke(&self) {
        self.state.lock().unwrap().revoked = true;
    }

    pub fn require_keyword(&self, word: &str) {
        self.state.lock().unwrap().keyword = Some(word.to_string());
    }

    /// The messages taken so far.
    pub fn taken(&self) -> Vec<Value> {
        let st = self.state.lock().unwrap();
        st.taken.iter().map(|(_, v)| v.clone()).collect()
    }

    /// The key of the robot each message taken was sent to, in order.
    pub fn keys_taken(&self) -> Vec<String> {
        let st = self.state.lock().unwrap();
        st.taken.iter().map(|(k, _)| k.clone()).collect()
    }

    /// What each request was answered: "ok" or the refusal.
    pub fn answers(&self) -> Vec<String> {
        self.state.lock().unwrap().answers.clone()
    }

    /// The text of each message taken, as the group shows it.
    pub fn texts(&self) -> Vec<String> {
        self.taken()
            .iter()
            .map(mingjing::robot::render::text_of)
            .collect()
    }

    /// Waits until `n` messages were taken (or `patience` ran out); returns them.
    pub async fn wait_for(&self, n: usize, patience: Duration) -> Vec<Value> {
        let until = tokio::time::Instant::now() + patience;
        loop {
            let taken = self.taken();
            if taken.len() >= n || tokio::time::Instant::now() > until {
                return taken;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until `n` requests were answered.
    pub async fn wait_for_answers(&self, n: usize, patience: Duration) -> Vec<String> {
        let until = tokio::time::Instant::now() + patience;
        loop {
            let answers = self.answers();
            if answers.len() >= n || tokio::time::Instant::now() > until {
                return answers;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let query = req.uri().query().unwrap_or_default().to_string();
        let key = match self.platform {
            Platform::Feishu => req
                .uri()
                .path()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string(),
            _ => url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "key" || k == "access_token")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default(),
        };
        let (_, body) = req.into_parts();
        let bytes = axum::body::to_bytes(Body::new(body), 1 << 20)
            .await
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let (answer, status) = self.judge(&query, &body);
        let mut st = self.state.lock().unwrap();
        let said = answer.to_string();
        if said.contains(r#""errcode":0"#) || said.contains(r#""code":0"#) {
            st.taken.push((key, body));
            st.answers.push("ok".into());
        } else {
            st.answers.push(said.clone());
        }
        drop(st);
        Response::builder()
            .status(status)
            .header("content-type", "application/json")
            .body(Body::from(said))
            .expect("a response")
    }

    /// The platform's answer to a request: (JSON, HTTP status).
    fn judge(&self, query: &str, body: &Value) -> (Value, u16) {
        let p = self.platform;
        let err = |code: i64, msg: &str| match p {
            Platform::Feishu => json!({"code": code, "msg": msg, "data": {}}),
            _ => json!({"errcode": code, "errmsg": msg}),
        };
        let ok = match p {
            Platform::Feishu => json!({"code": 0, "msg": "success", "data": {}}),
            _ => json!({"errcode": 0, "errmsg": "ok"}),
        };
        let mut st = self.state.lock().unwrap();
        if st.revoked {
            return match p {
                Platform::WeCom => (err(93000, "invalid webhook url"), 200),
                Platform::DingTalk => (err(300001, "token is not exist"), 200),
                Platform::Feishu => (
                    err(
                        19001,
                        "param invalid: incoming webhook access token invalid",
                    ),
                    200,
                ),
            };
        }
        if let Some(problem) = shape_problem(p, body) {
            return match p {
                Platform::Feishu => (err(9499, &format!("Bad Request: {problem}")), 400),
                _ => (err(40008, &format!("invalid message: {problem}")), 200),
            };
        }
        if let Some(secret) = &self.secret
            && !signed(p, secret, query, body)
        {
            return match p {
                Platform::Feishu => (
                    err(
                        19021,
                        "sign match fail or timestamp is not within one hour from current time",
                    ),
                    200,
                ),
                _ => (
                    err(
                        310000,
                        "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
                    ),
                    200,
                ),
            };
        }
        if let Some(word) = &st.keyword
            && !body.to_string().contains(word.as_str())
        {
            return match p {
                Platform::Feishu => (err(19024, "Key Words Not Found"), 200),
                _ => (
                    err(
                        310000,
                        "keywords not in content, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]",
                    ),
                    200,
                ),
            };
        }
        match st.faults.pop_front() {
            Some(Fault::RateLimited) => match p {
                Platform::WeCom => (err(45009, "api freq out of limit"), 200),
                Platform::DingTalk => (err(130101, "send too fast"), 200),
                Platform::Feishu => (
                    err(
                        11232,
                        "frequency limited psm[lark.oapi.app_platform_runtime]",
                    ),
                    400,
                ),
            },
            Some(Fault::Revoked) => {
                st.revoked = true;
                drop(st);
                self.judge(query, body)
            }
            None => (ok, 200),
        }
    }
}

/// What is wrong with a message's JSON for `p`, if anything.
fn shape_problem(p: Platform, body: &Value) -> Option<&'static str> {
    match p {
        Platform::WeCom => {
            if body["msgtype"] != "markdown" {
                return Some("msgtype");
            }
            match body["markdown"]["content"].as_str() {
                None => Some("markdown.content"),
                Some(c) if c.len() > 4096 => Some("markdown.content exceeds 4096 bytes"),
                Some(_) => None,
            }
        }
        Platform::DingTalk => {
            if body["msgtype"] != "markdown" {
                return Some("msgtype");
            }
            if body["markdown"]["title"].as_str().is_none_or(str::is_empty) {
                return Some("markdown.title");
            }
            body["markdown"]["text"]
                .as_str()
                .is_none()
                .then_some("markdown.text")
        }
        Platform::Feishu => {
            if body["msg_type"] != "post" {
                return Some("msg_type");
            }
            let post = &body["content"]["post"]["zh_cn"];
            if post["title"].as_str().is_none() {
                return Some("content.post.zh_cn.title");
            }
            if body.to_string().len() > 20 * 1024 {
                return Some("request body exceeds 20 KB");
            }
            let Some(rows) = post["content"].as_array() else {
                return Some("content.post.zh_cn.content");
            };
            let well_formed = rows.iter().all(|row| {
                row.as_array().is_some_and(|els| {
                    els.iter()
                        .all(|e| e["tag"] == "text" && e["text"].as_str().is_some())
                })
            });
            (!well_formed).then_some("content.post.zh_cn.content")
        }
    }
}

fn hmac_b64(key: &[u8], message: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    mac.update(message);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether the request carries the signature `p`'s documentation prescribes, made within
/// the hour.
fn signed(p: Platform, secret: &str, query: &str, body: &Value) -> bool {
    let now = chrono::Utc::now();
    match p {
        Platform::DingTalk => {
            let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                .into_owned()
                .collect();
            let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
            let (Some(ts), Some(sign)) = (get("timestamp"), get("sign")) else {
                return false;
            };
            let Ok(ms) = ts.parse::<i64>() else {
                return false;
            };
            (now.timestamp_millis() - ms).abs() < 3_600_000
                && sign == hmac_b64(secret.as_bytes(), format!("{ts}\n{secret}").as_bytes())
        }
        Platform::Feishu => {
            let (Some(ts), Some(sign)) = (body["timestamp"].as_str(), body["sign"].as_str()) else {
                return false;
            };
            let Ok(s) = ts.parse::<i64>() else {
                return false;
            };
            (now.timestamp() - s).abs() < 3600
                && sign == hmac_b64(format!("{ts}\n{secret}").as_bytes(), b"")
        }
        Platform::WeCom => true,
    }
}
