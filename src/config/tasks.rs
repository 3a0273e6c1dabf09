//! `[tasks]` of `config.toml`: 督办 and how its milestones count days (SPEC §12).

use serde::Deserialize;
use toml::Spanned;

use super::{ConfigError, Span};
use crate::tasks::Count;

/// `[tasks]` (SPEC §12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tasks {
    pub enabled: bool,
    /// Milestones count calendar days or official working days.
    pub count: Count,
}

impl Default for Tasks {
    fn default() -> Self {
        Tasks {
            enabled: true,
            count: Count::Calendar,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(super) struct RawTasks {
    enabled: bool,
    count: Option<Spanned<String>>,
}

impl Default for RawTasks {
    fn default() -> Self {
        RawTasks {
            enabled: Tasks::default().enabled,
            count: None,
        }
    }
}

/// Checks `[tasks]`.
pub(super) fn parse(
    raw: RawTasks,
    err: &impl Fn(Option<Span>, &str, String) -> ConfigError,
) -> Result<Tasks, ConfigError> {
    let count = match &raw.count {
        None => Count::default(),
        Some(v) => Count::parse(v.get_ref()).ok_or_else(|| {
            let reason = format!(
                "unknown count {:?} (expected \"calendar\" or \"workdays\")",
                v.get_ref()
            );
            err(Some(v.span()), "tasks.count", reason)
        })?,
    };
    Ok(Tasks {
        enabled: raw.enabled,
        count,
    })
}
