//! A small HTTP proxy on 127.0.0.1: it takes absolute-form requests (`POST
//! http://host:port/bot…/getMe HTTP/1.1`, what a client sends an HTTP proxy for a plain-http
//! URL), forwards each to its origin, and notes it. A route maps a host that resolves
//! nowhere (`telegram.invalid`) to a real address, so that a client pointed at that host
//! can only have reached it through the proxy.

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

/// One request the proxy forwarded.
#[derive(Clone, Debug)]
pub struct Forwarded {
    /// `host:port` of the absolute-form target.
    pub authority: String,
    /// The Bot API method: the last path segment (teloxide writes `GetMe`, `SendMessage`, …).
    pub method: String,
    /// The `Proxy-Authorization` header, if the client sent one.
    pub authorization: Option<String>,
}

struct State {
    routes: HashMap<String, SocketAddr>,
    forwarded: Vec<Forwarded>,
}

/// A proxy's listener, its routes and what it carried; it stops when dropped.
struct Running {
    addr: SocketAddr,
    state: Arc<Mutex<State>>,
    accept: AbortHandle,
}

impl Running {
    /// Binds `127.0.0.1:0` and hands every connection to `serve`.
    async fn start<F, Fut>(serve: F) -> Running
    where
        F: Fn(Arc<Mutex<State>>, TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State {
            routes: HashMap::new(),
            forwarded: Vec::new(),
        }));
        let accept = tokio::spawn({
            let state = state.clone();
            async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(state.clone(), stream));
                }
            }
        })
        .abort_handle();
        Running {
            addr,
            state,
            accept,
        }
    }

    fn route(&self, host: &str, to: SocketAddr) {
        let mut st = self.state.lock().unwrap();
        st.routes.insert(host.to_string(), to);
    }

    fn forwarded(&self) -> Vec<Forwarded> {
        self.state.lock().unwrap().forwarded.clone()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

/// Notes what a client asked for and returns where to connect: `host`'s route, or
/// `authority` itself.
fn note(state: &Mutex<State>, authority: &str, host: &str, forwarded: Forwarded) -> String {
    let mut st = state.lock().unwrap();
    st.forwarded.push(forwarded);
    st.routes
        .get(host)
        .map_or(authority.to_string(), SocketAddr::to_string)
}

/// An HTTP proxy; it stops when dropped.
pub struct HttpProxy(Running);

impl HttpProxy {
    /// Binds `127.0.0.1:0`; requests go to the host they name, or where [`HttpProxy::route`]
    /// sends that host.
    pub async fn start() -> HttpProxy {
        let client = reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("a client");
        HttpProxy(
            Running::start(move |state, stream| {
                let client = client.clone();
                let service = service_fn(move |req| forward(state.clone(), client.clone(), req));
                async move {
                    let connection =
                        http1::Builder::new().serve_connection(TokioIo::new(stream), service);
                    let _ = connection.await;
                }
            })
            .await,
        )
    }

    /// Requests for `host` (any port) go to `to` from now on.
    pub fn route(&self, host: &str, to: SocketAddr) {
        self.0.route(host, to);
    }

    /// The proxy's URL, e.g. `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.0.addr)
    }

    /// The proxy's URL with credentials: `http://user:password@127.0.0.1:PORT`.
    pub fn url_with(&self, user: &str, password: &str) -> String {
        format!("http://{user}:{password}@{}", self.0.addr)
    }

    /// Every request forwarded so far, in order of arrival.
    pub fn forwarded(&self) -> Vec<Forwarded> {
        self.0.forwarded()
    }

    /// The Bot API methods forwarded so far.
    pub fn methods(&self) -> Vec<String> {
        self.forwarded().into_iter().map(|f| f.method).collect()
    }
}

/// Headers of one connection, not passed on.
const HOP_BY_HOP: &[&str] = &[
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

async fn forward(
    state: Arc<Mutex<State>>,
    client: reqwest::Client,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, text: &str| {
        let mut r = Response::new(Full::new(Bytes::from(text.to_string())));
        *r.status_mut() = status;
        r
    };
    // A proxy is sent the whole URL; a path alone is a request for the proxy itself.
    let (Some(authority), Some(host)) = (req.uri().authority(), req.uri().host()) else {
        return Ok(reply(
            StatusCode::BAD_REQUEST,
            "not an absolute-form request",
        ));
    };
    let (authority, host) = (authority.to_string(), host.to_string());
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_string();
    let method = req
        .uri()
        .path()
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    let authorization = req
        .headers()
        .get("proxy-authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let forwarded = Forwarded {
        authority: authority.clone(),
        method,
        authorization,
    };
    let target = note(&state, &authority, &host, forwarded);
    let mut out = client.request(req.method().clone(), format!("http://{target}{path}"));
    for (name, value) in req.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            out = out.header(name, value);
        }
    }
    let body = match req.into_body().collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return Ok(reply(StatusCode::BAD_REQUEST, "unreadable body")),
    };
    let answer = match out.body(body).send().await {
        Ok(answer) => answer,
        Err(_) => return Ok(reply(StatusCode::BAD_GATEWAY, "upstream unreachable")),
    };
    let mut response = Response::builder().status(answer.status());
    for (name, value) in answer.headers() {
        if !HOP_BY_HOP.contains(&name.as_str()) && name != "content-length" {
            response = response.header(name, value);
        }
    }
    let bytes = answer.bytes().await.unwrap_or_default();
    Ok(response
        .body(Full::new(bytes))
        .unwrap_or_else(|_| reply(StatusCode::BAD_GATEWAY, "bad upstream answer")))
}

/// A SOCKS5 proxy on 127.0.0.1 (no authentication, CONNECT only) that notes the host each
/// connection asked for; [`Socks5Proxy::route`] maps a host to a real address, as
/// [`HttpProxy::route`] does. With `socks5h://` the client leaves the host name to the
/// proxy, so `telegram.invalid` works.
pub struct Socks5Proxy(Running);

impl Socks5Proxy {
    pub async fn start() -> Socks5Proxy {
        Socks5Proxy(Running::start(socks5).await)
    }

    /// Connections for `host` go to `to` from now on.
    pub fn route(&self, host: &str, to: SocketAddr) {
        self.0.route(host, to);
    }

    /// `socks5h://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("socks5h://{}", self.0.addr)
    }

    /// The `host:port` each connection asked for, in order.
    pub fn connections(&self) -> Vec<String> {
        let forwarded = self.0.forwarded();
        forwarded.into_iter().map(|f| f.authority).collect()
    }
}

/// One SOCKS5 connection (RFC 1928): the greeting, a CONNECT, then bytes both ways.
async fn socks5(state: Arc<Mutex<State>>, mut client: TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = [0u8; 2];
    if client.read_exact(&mut head).await.is_err() || head[0] != 5 {
        return;
    }
    let mut methods = vec![0u8; usize::from(head[1])];
    if client.read_exact(&mut methods).await.is_err() || !methods.contains(&0) {
        return;
    }
    if client.write_all(&[5, 0]).await.is_err() {
        return;
    }
    let mut request = [0u8; 4];
    if client.read_exact(&mut request).await.is_err() || request[..2] != [5, 1] {
        return;
    }
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            if client.read_exact(&mut ip).await.is_err() {
                return;
            }
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            if client.read_exact(&mut len).await.is_err() {
                return;
            }
            let mut name = vec![0u8; usize::from(len[0])];
            if client.read_exact(&mut name).await.is_err() {
                return;
            }
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return,
    };
    let mut port = [0u8; 2];
    if client.read_exact(&mut port).await.is_err() {
        return;
    }
    let authority = format!("{host}:{}", u16::from_be_bytes(port));
    let forwarded = Forwarded {
        authority: authority.clone(),
        method: String::new(),
        authorization: None,
    };
    let target = note(&state, &authority, &host, forwarded);
    let Ok(mut upstream) = TcpStream::connect(target).await else {
        let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await;
        return;
    };
    if client
        .write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0])
        .await
        .is_ok()
    {
        let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
    }
}
