//! `[tasks]` of `config.toml`: 督办 and how its milestones count days (SPEC §12).

use serde::Deserialize;
use toml::Spanned;

use super::Problems;
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

/// Checks `[tasks]`; a bad value is noted in `problems` and left at its default.
pub(super) fn parse(raw: RawTasks, problems: &mut Problems) -> Tasks {
    let count = raw.count.as_ref().and_then(|v| {
        problems.require(Count::parse(v.get_ref()), v.span(), "tasks.count", || {
            format!(
                "unknown count {:?} (expected \"calendar\" or \"workdays\")",
                v.get_ref()
            )
        })
    });
    Tasks {
        enabled: raw.enabled,
        count: count.unwrap_or_default(),
    }
}
