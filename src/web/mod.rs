//! The web server (SPEC §14), in the bot's process and on its runtime: `GET /healthz`,
//! `GET /metrics`, and the bot admins' console. It stops with the bot.
//!
//! - [`health`]: `/healthz`, `/metrics`, and the client of `mingjing health`;
//! - [`auth`]: login links, sessions, CSRF tokens, logout;
//! - [`console`]: the console's pages and forms.

pub mod auth;
pub mod console;
pub mod health;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use axum::response::Response;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::bot::App;

/// How long requests in progress may take to finish after a stop.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// Binds the web server's address (before the bot starts, so that a taken port stops the
/// start with a clear message).
pub async fn bind(addr: SocketAddr) -> anyhow::Result<TcpListener> {
    TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (web.listen)"))
}

/// Serves until `shutdown`, then lets requests in progress finish for a moment.
pub async fn serve(listener: TcpListener, app: Arc<App>, shutdown: CancellationToken) {
    match listener.local_addr() {
        Ok(addr) => tracing::info!(%addr, "web server listening on {addr}"),
        Err(e) => tracing::warn!(error = %e, "web server listening"),
    }
    let router = routes(app);
    let stop = shutdown.clone();
    let server = axum::serve(listener, router)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .into_future();
    tokio::pin!(server);
    tokio::select! {
        r = &mut server => if let Err(e) = r { tracing::error!(error = %e, "web server failed") },
        () = async { shutdown.cancelled().await; tokio::time::sleep(STOP_GRACE).await } => {
            tracing::warn!("web requests still in progress after {STOP_GRACE:?}; stopping anyway");
        }
    }
}

fn routes(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .route("/style.css", get(style))
        .route("/login", get(auth::login))
        .route("/logout", post(auth::logout))
        .route("/", get(console::overview))
        .route("/subscriptions", get(console::subscriptions))
        .route("/content", get(console::content).post(console::add))
        .route("/content/{id}", get(console::item).post(console::edit))
        .route("/content/{id}/delete", post(console::delete))
        .route("/records", get(console::checkins))
        .route("/orglife", get(console::orglife))
        .route("/tasks", get(console::tasks))
        .fallback(not_found)
        .layer(axum::middleware::map_response(protect))
        .with_state(app)
}

async fn style() -> Response {
    let css = crate::console::pages::STYLE;
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], css).into_response()
}

async fn not_found() -> Response {
    let page = crate::console::pages::notice(crate::replies::web::NOT_FOUND, "");
    (
        axum::http::StatusCode::NOT_FOUND,
        axum::response::Html(page),
    )
        .into_response()
}

/// Runs store work (sled blocks) off the async threads; a failure is logged.
async fn blocking<T, F>(app: &Arc<App>, work: F) -> Result<T, ()>
where
    T: Send + 'static,
    F: FnOnce(&App) -> crate::store::Result<T> + Send + 'static,
{
    let app = Arc::clone(app);
    match tokio::task::spawn_blocking(move || work(&app)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "a web request failed");
            Err(())
        }
        Err(e) => {
            tracing::error!(error = %e, "a web request panicked");
            Err(())
        }
    }
}

/// Headers on every answer: nothing runs but this server's own pages, nothing is framed,
/// no address (with a login token) leaks to other sites, nothing is cached.
async fn protect(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let set = [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in set {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
