//! The web side's pure core (SPEC §14): the health verdict, login links and sessions, the
//! console's pages as HTML (maud escapes every stored text), the 30-day chart as inline
//! SVG and the 记实 heatmap. It takes its inputs and `now` as values; the server that
//! gathers them and answers requests is [`crate::web`].
//!
//! - [`health`]: `/healthz`'s verdict and document;
//! - [`session`]: login links, sessions, the cookie, CSRF tokens;
//! - [`chart`], [`heatmap`]: the pictures;
//! - [`pages`]: the frame, the login explanation and every page.

pub mod chart;
pub mod health;
pub mod heatmap;
pub mod pages;
pub mod session;
