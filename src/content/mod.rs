//! Content: categories, items, pinned dates and holiday anchors; the library and similarity
//! checks live in the submodules.

mod library;
mod similar;

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub use library::{
    BUILT_IN, Library, LineError, LineErrors, ShippedItem, line_of, load_library, parse_library,
    toml_error,
};
pub use similar::{duplicate_of, near_duplicates, normalized};

/// Longest item text, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest item source, in characters.
pub const MAX_SOURCE_CHARS: usize = 100;

/// A category of text. The first four make up the daily mirror; the last three are study texts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Category {
    Political,
    Discipline,
    Conduct,
    Integrity,
    Quote,
    Law,
    Classic,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Political,
        Category::Discipline,
        Category::Conduct,
        Category::Integrity,
        Category::Quote,
        Category::Law,
        Category::Classic,
    ];
    /// The four categories of the daily mirror, in the order they are shown.
    pub const MIRROR: [Category; 4] = [
        Category::Political,
        Category::Discipline,
        Category::Conduct,
        Category::Integrity,
    ];
    /// Study categories in the order the 第一议题 line prefers them.
    pub const STUDY: [Category; 3] = [Category::Quote, Category::Law, Category::Classic];

    /// The Chinese name users see and type.
    pub fn name(self) -> &'static str {
        match self {
            Category::Political => "政治",
            Category::Discipline => "纪律",
            Category::Conduct => "作风",
            Category::Integrity => "廉政",
            Category::Quote => "习语",
            Category::Law => "法规",
            Category::Classic => "经典",
        }
    }

    /// The English alias accepted on input.
    pub fn alias(self) -> &'static str {
        match self {
            Category::Political => "political",
            Category::Discipline => "discipline",
            Category::Conduct => "conduct",
            Category::Integrity => "integrity",
            Category::Quote => "quote",
            Category::Law => "law",
            Category::Classic => "classic",
        }
    }

    /// Parses a Chinese name or an English alias (case-insensitive).
    pub fn parse(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.name() == s || c.alias().eq_ignore_ascii_case(s))
    }

    /// Study texts must say where they come from.
    pub fn needs_source(self) -> bool {
        Category::STUDY.contains(&self)
    }

    /// "政治、纪律、…" for error messages.
    pub fn all_names() -> String {
        Category::ALL.map(Category::name).join("、")
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for Category {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Category::parse(&s).ok_or_else(|| format!("unknown category {s:?}"))
    }
}

impl From<Category> for String {
    fn from(c: Category) -> String {
        c.name().to_string()
    }
}

/// A date an item is pinned to: every year on a month and day, or one exact date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum PinDate {
    Yearly { month: u32, day: u32 },
    On(NaiveDate),
}

impl PinDate {
    pub fn parse(s: &str) -> Option<PinDate> {
        let s = s.trim();
        if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            return Some(PinDate::On(d));
        }
        let (m, d) = s.split_once('-')?;
        if m.len() != 2 || d.len() != 2 {
            return None;
        }
        let (month, day) = (m.parse().ok()?, d.parse().ok()?);
        // 2024 is a leap year, so 02-29 is accepted.
        NaiveDate::from_ymd_opt(2024, month, day)?;
        Some(PinDate::Yearly { month, day })
    }

    pub fn matches(self, date: NaiveDate) -> bool {
        match self {
            PinDate::Yearly { month, day } => date.month() == month && date.day() == day,
            PinDate::On(d) => d == date,
        }
    }
}

impl TryFrom<String> for PinDate {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        PinDate::parse(&s).ok_or_else(|| format!("bad date {s:?} (expected MM-DD or YYYY-MM-DD)"))
    }
}

impl From<PinDate> for String {
    fn from(p: PinDate) -> String {
        match p {
            PinDate::Yearly { month, day } => format!("{month:02}-{day:02}"),
            PinDate::On(d) => d.format("%Y-%m-%d").to_string(),
        }
    }
}

/// A holiday of the calendar an item is anchored to instead of a date: it appears on the
/// last official working day before the holiday starts, or the first after it ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Anchor {
    Before(String),
    After(String),
}

impl Anchor {
    /// The holiday's name as written (`春节`, `中秋`).
    pub fn name(&self) -> &str {
        match self {
            Anchor::Before(n) | Anchor::After(n) => n,
        }
    }

    /// Whether the calendar's holiday period `holiday` is this anchor's: its name contains
    /// the anchor's (`中秋` is in `中秋节` and in `国庆节、中秋节`).
    pub fn matches(&self, holiday: &str) -> bool {
        !self.name().is_empty() && holiday.contains(self.name())
    }
}

/// A stored item: shipped (it has a `key`) or added by a bot admin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub category: Category,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<PinDate>,
    /// The holiday it is anchored to, instead of dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<Anchor>,
    /// The bot admin who added it; `None` for shipped items.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_by: Option<i64>,
    pub added_at: DateTime<Utc>,
    /// The bot admin who last edited it; a shipped item edited by chat is no longer
    /// updated from `reminders/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_by: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
impl Item {
    /// A plain item for tests: no key, source, dates or anchor, added at the epoch by nobody.
    pub(crate) fn sample(id: u64, category: Category, text: &str) -> Item {
        Item {
            id,
            key: None,
            category,
            text: text.to_string(),
            source: None,
            dates: Vec::new(),
            anchor: None,
            added_by: None,
            added_at: DateTime::UNIX_EPOCH,
            edited_by: None,
            edited_at: None,
        }
    }
}

impl Item {
    pub fn is_pinned(&self) -> bool {
        !self.dates.is_empty()
    }

    /// Pinned to dates or anchored to a holiday: such an item never rotates.
    pub fn is_fixed(&self) -> bool {
        self.is_pinned() || self.anchor.is_some()
    }
}

/// Why a text or source was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    #[error("text is empty")]
    Empty,
    #[error("text has {0} characters, at most {MAX_TEXT_CHARS} are allowed")]
    TooLong(usize),
    #[error("source has {0} characters, at most {MAX_SOURCE_CHARS} are allowed")]
    SourceTooLong(usize),
    #[error("a {0} item needs a source")]
    SourceMissing(Category),
}

/// Checks the rules every item text obeys, shipped or added by chat.
pub fn validate(category: Category, text: &str, source: Option<&str>) -> Result<(), TextError> {
    if text.trim().is_empty() {
        return Err(TextError::Empty);
    }
    let n = text.chars().count();
    if n > MAX_TEXT_CHARS {
        return Err(TextError::TooLong(n));
    }
    match source {
        Some(s) if s.chars().count() > MAX_SOURCE_CHARS => {
            Err(TextError::SourceTooLong(s.chars().count()))
        }
        None if category.needs_source() => Err(TextError::SourceMissing(category)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_parse_by_name_and_alias() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.name()), Some(c));
            assert_eq!(Category::parse(&c.alias().to_uppercase()), Some(c));
        }
        assert_eq!(Category::parse("政法"), None);
    }

    #[test]
    fn pin_dates() {
        assert_eq!(
            PinDate::parse("12-31"),
            Some(PinDate::Yearly { month: 12, day: 31 })
        );
        assert!(PinDate::parse("02-29").is_some());
        assert!(PinDate::parse("02-30").is_none());
        assert!(PinDate::parse("2026-13-01").is_none());
        assert!(PinDate::parse("1-1").is_none());
        let d = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        assert!(PinDate::parse("07-01").unwrap().matches(d));
        assert!(PinDate::parse("2026-07-01").unwrap().matches(d));
        assert!(!PinDate::parse("2025-07-01").unwrap().matches(d));
    }
}
