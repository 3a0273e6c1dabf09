//! `/web`: a bot admin's one-time login link to the web console (SPEC §14).

use super::App;
use crate::console::session::{self, Login, TOKEN_BYTES};
use crate::replies;
use crate::store;

/// A new random token (for links, sessions and CSRF); `None` if the system has no
/// randomness to give.
pub fn random_token() -> Option<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).ok()?;
    Some(session::token(&bytes))
}

/// Stores a login link for bot admin `user` and answers with it; without a web server and
/// a public address there is nothing to log in to.
pub fn login_link(app: &App, user: i64) -> store::Result<String> {
    let web = &app.config.web;
    let (Some(_), Some(base)) = (web.listen, web.public_url.as_ref()) else {
        return Ok(replies::web::console_off());
    };
    let Some(token) = random_token() else {
        tracing::error!("no randomness for a login token");
        return Ok(replies::internal_error());
    };
    let now = app.now();
    app.store.prune_logins(now)?;
    app.store.put_login(&token, &Login::link(user, now))?;
    tracing::info!(user, "console login link issued");
    let url = format!("{base}login?t={token}");
    Ok(replies::web::login_link(
        &url,
        session::LINK_TTL.num_minutes(),
    ))
}
