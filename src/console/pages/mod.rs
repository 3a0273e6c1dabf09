//! The console's pages as HTML (maud escapes every value it is given): the frame every
//! page shares, the login explanation, and the pages' own modules.
//!
//! - [`overview`]: 概览 and 订阅;
//! - [`content`]: 内容 (search, add, edit, delete);
//! - [`records`]: 记实, 组织生活 and 督办.

pub mod content;
pub mod overview;
pub mod records;

use maud::{DOCTYPE, Markup, html};

use crate::replies::web as t;

/// The console's style sheet, served as `/style.css`.
pub const STYLE: &str = include_str!("../style.css");

/// The pages of the navigation bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Overview,
    Subscriptions,
    Content,
    Records,
    OrgLife,
    Tasks,
}

impl Nav {
    pub const ALL: [Nav; 6] = [
        Nav::Overview,
        Nav::Subscriptions,
        Nav::Content,
        Nav::Records,
        Nav::OrgLife,
        Nav::Tasks,
    ];

    pub fn path(self) -> &'static str {
        match self {
            Nav::Overview => "/",
            Nav::Subscriptions => "/subscriptions",
            Nav::Content => "/content",
            Nav::Records => "/records",
            Nav::OrgLife => "/orglife",
            Nav::Tasks => "/tasks",
        }
    }

    /// The id of the page's `main` element.
    pub fn id(self) -> &'static str {
        match self {
            Nav::Overview => "page-overview",
            Nav::Subscriptions => "page-subscriptions",
            Nav::Content => "page-content",
            Nav::Records => "page-records",
            Nav::OrgLife => "page-orglife",
            Nav::Tasks => "page-tasks",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Nav::Overview => t::NAV_OVERVIEW,
            Nav::Subscriptions => t::NAV_SUBSCRIPTIONS,
            Nav::Content => t::NAV_CONTENT,
            Nav::Records => t::NAV_RECORDS,
            Nav::OrgLife => t::NAV_ORGLIFE,
            Nav::Tasks => t::NAV_TASKS,
        }
    }
}

fn head(title: &str) -> Markup {
    html! {
        (DOCTYPE)
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="no-referrer";
            title { (title) " · " (t::SITE) }
            link rel="stylesheet" href="/style.css";
        }
    }
}

/// A logged-in page: the navigation (with `here` marked), the logout form, `body`.
pub fn page(here: Nav, csrf: &str, body: Markup) -> String {
    html! {
        html lang="zh-CN" {
            (head(here.label()))
            body {
                header {
                    h1 { (t::SITE) }
                    nav {
                        @for n in Nav::ALL {
                            a href=(n.path()) class=[(n == here).then_some("here")] { (n.label()) }
                        }
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(csrf);
                            button type="submit" { (t::LOGOUT) }
                        }
                    }
                }
                main id=(here.id()) { (body) }
            }
        }
    }
    .into_string()
}

/// A page for a visitor without a session (or after an error): a heading and a message,
/// and how to log in; never any data.
pub fn notice(heading: &str, message: &str) -> String {
    html! {
        html lang="zh-CN" {
            (head(heading))
            body {
                header { h1 { (t::SITE) } }
                main id="page-login" {
                    h2 { (heading) }
                    @if !message.is_empty() { p class="message" { (message) } }
                    p { (t::LOGIN_HOW) }
                }
            }
        }
    }
    .into_string()
}

/// The answer to a good login link: the session cookie comes with it, and the page moves on
/// to 概览 by itself (a redirect would not do: after a click in another site, such as
/// Telegram Web, the browser would withhold the SameSite=Strict cookie from it).
pub fn logged_in() -> String {
    html! {
        html lang="zh-CN" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                meta http-equiv="refresh" content="0; url=/";
                title { (t::LOGGED_IN) " · " (t::SITE) }
                link rel="stylesheet" href="/style.css";
            }
            body {
                header { h1 { (t::SITE) } }
                main id="page-login" {
                    h2 { (t::LOGGED_IN) }
                    p { a id="enter" href="/" { (t::ENTER) } }
                }
            }
        }
    }
    .into_string()
}

/// The hidden field every form carries.
pub fn csrf_field(csrf: &str) -> Markup {
    html! { input type="hidden" name="csrf" value=(csrf); }
}

/// A note at the top of a page (the outcome of a form).
pub fn message(text: Option<&str>) -> Markup {
    html! {
        @if let Some(text) = text { p class="message" role="status" { (text) } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_page_links_every_page_and_carries_the_logout_token() {
        let html = page(Nav::Content, "tok\"en", html! { p { "x" } });
        for n in Nav::ALL {
            assert!(
                html.contains(&format!("href=\"{}\"", n.path())),
                "{}",
                n.path()
            );
        }
        assert!(html.contains("class=\"here\">内容"));
        assert!(html.contains("value=\"tok&quot;en\""));
        assert!(html.contains("id=\"page-content\""));
    }

    #[test]
    fn the_login_page_shows_no_navigation() {
        let html = notice(t::LOGIN_TITLE, "");
        assert!(html.contains("/web"));
        assert!(!html.contains("/subscriptions"));
    }
}
