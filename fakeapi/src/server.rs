//! HTTP: the accept loop, request parsing (JSON or multipart) and the answers.
//!
//! Connections are served with hyper directly (not through a router) so that a handler can
//! close its connection without answering ([`Fault::DropConnection`](crate::Fault)).

use std::convert::Infallible;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::Body;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};

use crate::world::{Method, Outcome, Reply, State, Upload, i64_param};

/// Telegram takes documents up to 50 MB.
const BODY_LIMIT: usize = 50 * 1024 * 1024;

/// What the server and the [`FakeApi`](crate::FakeApi) handles share.
pub(crate) struct Shared {
    state: Mutex<State>,
    /// Bumped on every pushed update: wakes long polls.
    pub updates_version: watch::Sender<u64>,
    /// Bumped on every accepted send: wakes `wait_for_sent`.
    pub sent_version: watch::Sender<u64>,
    /// Bumped on every call but `getUpdates` and on every pushed update: what a client
    /// shows may have changed ([`crate::FakeApi::changes`]).
    pub world_version: watch::Sender<u64>,
}

impl Shared {
    pub fn new(state: State) -> Shared {
        Shared {
            state: Mutex::new(state),
            updates_version: watch::Sender::new(0),
            sent_version: watch::Sender::new(0),
            world_version: watch::Sender::new(0),
        }
    }

    /// The state; a panic elsewhere (a test helper's `panic!`) does not poison the fake.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn call(&self, method: Method, params: Map<String, Value>, uploads: Vec<Upload>) -> Outcome {
        let outcome = self.lock().call(method, params, uploads, Instant::now());
        if outcome.sent {
            self.sent_version.send_modify(|v| *v += 1);
        }
        self.world_version.send_modify(|v| *v += 1);
        outcome
    }

    fn unknown(&self, name: &str, params: &Map<String, Value>) -> Outcome {
        let mut st = self.lock();
        st.record_request(name, params, Instant::now());
        let mut outcome = Outcome::from(Reply::error(404, "Not Found: method not found"));
        outcome.delay = st.delay;
        outcome
    }

    /// `getUpdates`: answers at once when updates are pending, else waits up to `timeout`
    /// seconds for `push_update`.
    async fn get_updates(&self, params: Map<String, Value>) -> Outcome {
        let offset = i64_param(&params, "offset").unwrap_or(0);
        let limit = i64_param(&params, "limit").unwrap_or(100).clamp(1, 100) as usize;
        let timeout = i64_param(&params, "timeout").unwrap_or(0).clamp(0, 3600) as u64;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
        // Subscribe before looking, so a push between the look and the wait is not missed.
        let mut pushed = self.updates_version.subscribe();
        let delay = {
            let mut st = self.lock();
            st.record_request(Method::GetUpdates.name(), &params, Instant::now());
            st.polls += 1;
            st.delay
        };
        loop {
            let batch = self.lock().take_updates(offset, limit);
            if !batch.is_empty() || tokio::time::Instant::now() >= deadline {
                let reply = Reply::Ok(Value::Array(batch));
                return Outcome {
                    reply,
                    delay,
                    sent: false,
                };
            }
            if let Ok(Err(_)) = tokio::time::timeout_at(deadline, pushed.changed()).await {
                // The sender lives in `self`, so this cannot happen; do not spin if it does.
                tokio::time::sleep_until(deadline).await;
            }
        }
    }
}

/// Accepts connections until aborted; every connection closes when `alive`'s sender is
/// dropped (the last [`FakeApi`](crate::FakeApi) handle is gone).
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, alive: watch::Receiver<()>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors and the like: wait a little rather than spin.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(5)).await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, shared.clone(), alive.clone()));
    }
}

async fn connection(stream: TcpStream, shared: Arc<Shared>, mut alive: watch::Receiver<()>) {
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = kill.clone();
        service_fn(move |req| handle(shared.clone(), kill.clone(), req))
    };
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    // Dropping `conn` closes the socket, in the middle of a request if `kill` fired.
    tokio::select! {
        biased;
        _ = alive.changed() => {}
        () = kill.notified() => {}
        _ = conn => {}
    }
}

enum Route {
    Method(Method),
    /// `/file/bot<token>/<path>`: a file's bytes.
    File(String),
    Unknown(String),
}

/// `/bot<token>/<method>` (after any path prefix of the API URL). The token is not checked.
fn route(path: &str) -> Route {
    if let Some(i) = path.find("/file/bot") {
        let rest = &path[i + "/file/bot".len()..];
        if let Some((_, file)) = rest.split_once('/') {
            return Route::File(file.to_string());
        }
    }
    let mut segments = path.rsplit('/');
    let method = segments.next().unwrap_or_default();
    let bot = segments.next().unwrap_or_default();
    match Method::from_name(method) {
        Some(m) if bot.starts_with("bot") => Route::Method(m),
        _ => Route::Unknown(method.to_owned()),
    }
}

async fn handle(
    shared: Arc<Shared>,
    kill: Arc<Notify>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let route = route(req.uri().path());
    if let Route::File(path) = &route {
        // teloxide sends the file path as one segment: its `/` arrives as `%2F`.
        let path = path.replace("%2F", "/").replace("%2f", "/");
        let id = path.rsplit('/').next().unwrap_or_default();
        let bytes = shared.lock().files.get(id).cloned();
        return Ok(match bytes {
            Some(bytes) => Response::new(Body::from(bytes)),
            None => respond(&Reply::error(404, "Not Found")),
        });
    }
    let (params, uploads) = match read_params(req).await {
        Ok(p) => p,
        Err(e) => return Ok(respond(&Reply::error(400, format!("Bad Request: {e}")))),
    };
    let jitter = shared.lock().jitter;
    if !jitter.is_zero() {
        tokio::time::sleep(jitter.mul_f64(fastrand::f64())).await;
    }
    let outcome = match route {
        Route::Method(Method::GetUpdates) => shared.get_updates(params).await,
        Route::Method(m) => shared.call(m, params, uploads),
        Route::Unknown(name) => shared.unknown(&name, &params),
        Route::File(_) => unreachable!("answered above"),
    };
    if !outcome.delay.is_zero() {
        tokio::time::sleep(outcome.delay).await;
    }
    match outcome.reply {
        Reply::Drop => {
            kill.notify_one();
            std::future::pending().await
        }
        reply => Ok(respond(&reply)),
    }
}

/// The request's parameters as one JSON object (multipart text fields converted to the
/// JSON types Telegram would read them as), plus the uploaded files.
async fn read_params(req: Request<Incoming>) -> Result<(Map<String, Value>, Vec<Upload>), String> {
    let boundary = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .filter(|ct| ct.starts_with("multipart/"))
        .map(|ct| multer::parse_boundary(ct).map_err(|e| e.to_string()))
        .transpose()?;
    let body = axum::body::to_bytes(Body::new(req.into_body()), BODY_LIMIT)
        .await
        .map_err(|e| format!("can't read the request: {e}"))?;
    let mut params = Map::new();
    let mut uploads = Vec::new();
    match boundary {
        Some(boundary) => {
            let mut form = multer::Multipart::new(Body::from(body).into_data_stream(), boundary);
            while let Some(field) = form.next_field().await.map_err(|e| e.to_string())? {
                let name = field.name().unwrap_or_default().to_owned();
                match field.file_name().map(str::to_owned) {
                    Some(file_name) => {
                        let data = field.bytes().await.map_err(|e| e.to_string())?.to_vec();
                        uploads.push(Upload {
                            name,
                            file_name,
                            data,
                        });
                    }
                    None => {
                        let text = field.text().await.map_err(|e| e.to_string())?;
                        let value = form_value(&name, text);
                        params.insert(name, value);
                    }
                }
            }
        }
        None if body.iter().all(u8::is_ascii_whitespace) => {}
        None => {
            params = serde_json::from_slice(&body).map_err(|e| format!("can't parse JSON: {e}"))?;
        }
    }
    Ok((params, uploads))
}

/// A multipart text field as the JSON value Telegram would read it as.
fn form_value(key: &str, text: String) -> Value {
    match key {
        "text" | "caption" | "parse_mode" | "document" | "callback_query_id" => Value::String(text),
        "chat_id" | "message_id" | "message_thread_id" | "user_id" | "reply_to_message_id" => {
            text.parse::<i64>().map_or(Value::String(text), Value::from)
        }
        "reply_markup"
        | "reply_parameters"
        | "caption_entities"
        | "entities"
        | "link_preview_options" => serde_json::from_str(&text).unwrap_or(Value::String(text)),
        _ if text == "true" => Value::Bool(true),
        _ if text == "false" => Value::Bool(false),
        _ => Value::String(text),
    }
}

fn respond(reply: &Reply) -> Response<Body> {
    let (status, body) = match reply {
        Reply::Ok(result) => {
            let mut buf = Vec::with_capacity(512);
            buf.extend_from_slice(br#"{"ok":true,"result":"#);
            // Writing a `Value` to a `Vec` cannot fail.
            let _ = serde_json::to_writer(&mut buf, result);
            buf.push(b'}');
            (StatusCode::OK, buf)
        }
        Reply::Err {
            status,
            description,
            parameters,
        } => {
            // Written by hand to keep Telegram's key order.
            let mut buf =
                format!(r#"{{"ok":false,"error_code":{status},"description":"#).into_bytes();
            let _ = serde_json::to_writer(&mut buf, description);
            if let Some(p) = parameters {
                buf.extend_from_slice(br#","parameters":"#);
                let _ = serde_json::to_writer(&mut buf, p);
            }
            buf.push(b'}');
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST);
            (status, buf)
        }
        Reply::Drop => (StatusCode::INTERNAL_SERVER_ERROR, Vec::new()),
    };
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_like_telegram() {
        assert!(matches!(
            route("/bot123:ABC/sendMessage"),
            Route::Method(Method::SendMessage)
        ));
        assert!(matches!(
            route("/bot123:ABC/sendmessage"),
            Route::Method(Method::SendMessage)
        ));
        assert!(matches!(
            route("/prefix/bot1:x/getMe"),
            Route::Method(Method::GetMe)
        ));
        assert!(matches!(route("/bot1:x/sendPigeon"), Route::Unknown(n) if n == "sendPigeon"));
        assert!(matches!(route("/getMe"), Route::Unknown(_)));
    }
}
