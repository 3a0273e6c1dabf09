//! Who is asking: the login link turned into a session cookie, the session looked up on
//! every console request, the CSRF token checked on every form, logout.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::blocking;
use crate::bot::App;
use crate::bot::console::random_token;
use crate::console::pages;
use crate::console::session::{self, Grant, LinkRefusal, Login};
use crate::replies::web as t;

/// A logged-in bot admin.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub user: i64,
    /// The session id (the cookie's value).
    pub id: String,
    pub csrf: String,
}

impl Visitor {
    /// Whether a form carries this session's token.
    pub fn sent(&self, csrf: &str) -> bool {
        session::same_token(&self.csrf, csrf)
    }
}

/// The visitor of a request: a live session of someone who is still a bot admin.
pub async fn visitor(app: &Arc<App>, headers: &HeaderMap) -> Option<Visitor> {
    let cookies = headers.get(header::COOKIE)?.to_str().ok()?;
    let id = session::from_cookie(cookies)?.to_string();
    let key = id.clone();
    let login = blocking(app, move |app| app.store.login(&key))
        .await
        .ok()??;
    let now = app.now();
    let live = login.allows(Grant::Session, now) && app.config.is_admin(login.user);
    live.then_some(Visitor {
        user: login.user,
        id,
        csrf: login.csrf,
    })
}

/// The answer to a request without a session: how to log in, never data.
pub fn login_needed() -> Response {
    let page = pages::notice(t::LOGIN_TITLE, "");
    (StatusCode::UNAUTHORIZED, axum::response::Html(page)).into_response()
}

/// The answer to a form without this session's token: refused, nothing changed.
pub fn forbidden() -> Response {
    let page = pages::notice(t::LOGIN_TITLE, t::FORBIDDEN);
    (StatusCode::FORBIDDEN, axum::response::Html(page)).into_response()
}

pub fn internal() -> Response {
    let page = pages::notice(t::INTERNAL, "");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        axum::response::Html(page),
    )
        .into_response()
}

#[derive(Deserialize)]
pub struct LinkQuery {
    #[serde(default)]
    t: String,
}

/// `GET /login?t=…`: a login link, used up whatever happens; a good one opens a session
/// and moves on to 概览.
pub async fn login(State(app): State<Arc<App>>, Query(q): Query<LinkQuery>) -> Response {
    if !session::is_token(&q.t) {
        return refused(LinkRefusal::Unknown);
    }
    let link = q.t;
    let found = match blocking(&app, move |app| app.store.take_login(&link)).await {
        Ok(found) => found,
        Err(_) => return internal(),
    };
    let now = app.now();
    let user = match session::redeem(found, now) {
        Ok(user) if app.config.is_admin(user) => user,
        Ok(_) => return refused(LinkRefusal::Unknown),
        Err(why) => return refused(why),
    };
    let (Some(id), Some(csrf)) = (random_token(), random_token()) else {
        return internal();
    };
    let grant = Login::session(user, csrf, now);
    let key = id.clone();
    if blocking(&app, move |app| app.store.put_login(&key, &grant))
        .await
        .is_err()
    {
        return internal();
    }
    tracing::info!(user, "console login");
    let cookie = session::set_cookie(&id, app.config.web.secure());
    let page = axum::response::Html(pages::logged_in());
    ([(header::SET_COOKIE, cookie)], page).into_response()
}

fn refused(why: LinkRefusal) -> Response {
    let message = match why {
        LinkRefusal::Unknown => t::LINK_UNKNOWN,
        LinkRefusal::Expired => t::LINK_EXPIRED,
    };
    let page = pages::notice(t::LOGIN_TITLE, message);
    (StatusCode::FORBIDDEN, axum::response::Html(page)).into_response()
}

/// The CSRF token of a form that carries nothing else.
#[derive(Deserialize)]
pub struct TokenOnly {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /logout`: the session ends here and in the browser.
pub async fn logout(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TokenOnly>,
) -> Response {
    let Some(v) = visitor(&app, &headers).await else {
        return login_needed();
    };
    if !v.sent(&form.csrf) {
        return forbidden();
    }
    let id = v.id.clone();
    if blocking(&app, move |app| app.store.take_login(&id))
        .await
        .is_err()
    {
        return internal();
    }
    tracing::info!(user = v.user, "console logout");
    let page = pages::notice(t::LOGGED_OUT, "");
    let cookie = session::clear_cookie(app.config.web.secure());
    ([(header::SET_COOKIE, cookie)], axum::response::Html(page)).into_response()
}
