//! Content: categories, items, and the shipped text library in `reminders/`.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// Longest item text, in characters.
pub const MAX_TEXT_CHARS: usize = 500;
/// Longest item source, in characters.
pub const MAX_SOURCE_CHARS: usize = 100;

/// The shipped library, built into the binary for when `content.dir` does not exist.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "political.toml",
        include_str!("../reminders/political.toml"),
    ),
    (
        "discipline.toml",
        include_str!("../reminders/discipline.toml"),
    ),
    ("conduct.toml", include_str!("../reminders/conduct.toml")),
    (
        "integrity.toml",
        include_str!("../reminders/integrity.toml"),
    ),
    ("study.toml", include_str!("../reminders/study.toml")),
    (
        "study_classics.toml",
        include_str!("../reminders/study_classics.toml"),
    ),
    (
        "study_laws.toml",
        include_str!("../reminders/study_laws.toml"),
    ),
];

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

impl Item {
    pub fn is_pinned(&self) -> bool {
        !self.dates.is_empty()
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

/// A text reduced to what makes it this text: Unicode NFKC, no whitespace, and Chinese and
/// ASCII punctuation and quotation marks mapped to one form (a run of one mark counts once,
/// so `——` is `-` and `……` is `...`). Two items whose texts normalise alike are duplicates.
pub fn normalized(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len());
    let mut last = None;
    for c in text.nfkc().filter(|c| !c.is_whitespace()).map(one_form) {
        let mark = c.is_ascii_punctuation();
        if mark && last == Some(c) {
            continue;
        }
        last = mark.then_some(c);
        out.push(c);
    }
    out
}

/// The one form of a punctuation or quotation mark that NFKC leaves apart from its ASCII twin.
fn one_form(c: char) -> char {
    match c {
        '\'' | '`' | '‘' | '’' | '“' | '”' | '「' | '」' | '『' | '』' | '〝' | '〞' | '″' => {
            '"'
        }
        '。' | '．' => '.',
        '、' => ',',
        '—' | '–' | '―' | '‐' | '‑' | '─' => '-',
        '【' | '〔' | '〖' | '〘' => '[',
        '】' | '〕' | '〗' | '〙' => ']',
        '《' | '〈' => '<',
        '》' | '〉' => '>',
        '・' | '•' => '·',
        other => other,
    }
}

/// The first of `items` (other than the one numbered `except`) whose text is `text` once
/// both are [`normalized`].
pub fn duplicate_of<'a>(items: &'a [Item], text: &str, except: Option<u64>) -> Option<&'a Item> {
    let wanted = normalized(text);
    items
        .iter()
        .filter(|i| Some(i.id) != except)
        .find(|i| normalized(&i.text) == wanted)
}

/// An item of the shipped library, as written in `reminders/*.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedItem {
    pub key: String,
    pub category: Category,
    pub text: String,
    pub source: Option<String>,
    pub dates: Vec<PinDate>,
}

/// The shipped library as loaded, with warnings that do not stop it from being used.
#[derive(Debug, Default)]
pub struct Library {
    pub items: Vec<ShippedItem>,
    /// Keys of shipped items that were replaced by others (`retired = [...]` in a file).
    pub retired: BTreeSet<String>,
    pub warnings: Vec<String>,
}

/// A problem in a reminders file, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.reason)
    }
}

/// Every problem found in a set of files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineErrors(pub Vec<LineError>);

impl std::error::Error for LineErrors {}

impl fmt::Display for LineErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// 1-based line of a byte offset.
pub fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Turns a TOML parse error into a file:line error.
pub fn toml_error(file: &str, src: &str, e: &toml::de::Error) -> LineError {
    let line = e.span().map_or(1, |s| line_of(src, s.start));
    LineError {
        file: file.to_string(),
        line,
        reason: e.message().trim().to_string(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    /// Keys of shipped items that were replaced: removed from databases unless an admin
    /// edited them, and never added again.
    #[serde(default)]
    retired: Vec<Spanned<String>>,
    #[serde(default)]
    item: Vec<Spanned<RawItem>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    key: Spanned<String>,
    category: Spanned<String>,
    text: Spanned<String>,
    source: Option<Spanned<String>>,
    #[serde(default)]
    dates: Vec<Spanned<String>>,
}

/// Loads the library from `dir` when it exists, else the built-in copy.
pub fn load_library(dir: &Path) -> Result<Library, LineErrors> {
    if !dir.is_dir() {
        let files: Vec<(String, String)> = BUILT_IN
            .iter()
            .map(|(n, s)| (format!("reminders/{n} (built in)"), s.to_string()))
            .collect();
        return parse_library(&files);
    }
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .and_then(|rd| rd.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>())
        .map_err(|e| {
            LineErrors(vec![LineError {
                file: dir.display().to_string(),
                line: 0,
                reason: e.to_string(),
            }])
        })?;
    paths.retain(|p| p.extension().is_some_and(|x| x == "toml"));
    paths.sort();
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for p in paths {
        match std::fs::read_to_string(&p) {
            Ok(s) => files.push((p.display().to_string(), s)),
            Err(e) => errors.push(LineError {
                file: p.display().to_string(),
                line: 0,
                reason: e.to_string(),
            }),
        }
    }
    let parsed = parse_library(&files);
    match parsed {
        Ok(lib) if errors.is_empty() => Ok(lib),
        Ok(_) => Err(LineErrors(errors)),
        Err(LineErrors(more)) => {
            errors.extend(more);
            Err(LineErrors(errors))
        }
    }
}

/// Parses and validates library files given as (name, contents). Pure.
pub fn parse_library(files: &[(String, String)]) -> Result<Library, LineErrors> {
    let mut errors = Vec::new();
    let mut items = Vec::new();
    let mut keys: BTreeMap<String, (String, usize)> = BTreeMap::new();
    let mut retired: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (file, src) in files {
        let raw: RawFile = match toml::from_str(src) {
            Ok(r) => r,
            Err(e) => {
                errors.push(toml_error(file, src, &e));
                continue;
            }
        };
        for key in &raw.retired {
            let line = line_of(src, key.span().start);
            retired.insert(key.get_ref().trim().to_string(), (file.clone(), line));
        }
        for item in raw.item {
            let item = item.into_inner();
            let mut err = |span: std::ops::Range<usize>, reason: String| {
                errors.push(LineError {
                    file: file.clone(),
                    line: line_of(src, span.start),
                    reason,
                })
            };
            let key = item.key.get_ref().trim().to_string();
            let key_line = line_of(src, item.key.span().start);
            if key.is_empty() {
                err(item.key.span(), "empty key".into());
                continue;
            }
            if let Some((f, l)) = keys.get(&key) {
                err(
                    item.key.span(),
                    format!("duplicate key {key:?} (first at {f}:{l})"),
                );
                continue;
            }
            keys.insert(key.clone(), (file.clone(), key_line));
            let Some(category) = Category::parse(item.category.get_ref()) else {
                err(
                    item.category.span(),
                    format!(
                        "unknown category {:?} (valid: {})",
                        item.category.get_ref(),
                        Category::all_names()
                    ),
                );
                continue;
            };
            let text = item.text.get_ref().trim().to_string();
            let source = item
                .source
                .as_ref()
                .map(|s| s.get_ref().trim().to_string())
                .filter(|s| !s.is_empty());
            if let Err(e) = validate(category, &text, source.as_deref()) {
                let span = match (&e, &item.source) {
                    (TextError::SourceTooLong(_), Some(s)) => s.span(),
                    (TextError::SourceMissing(_), _) => item.key.span(),
                    _ => item.text.span(),
                };
                err(span, e.to_string());
                continue;
            }
            let mut dates = Vec::new();
            let mut bad_date = false;
            for d in &item.dates {
                match PinDate::parse(d.get_ref()) {
                    Some(p) => dates.push(p),
                    None => {
                        err(
                            d.span(),
                            format!(
                                "bad pinned date {:?} (expected MM-DD or YYYY-MM-DD)",
                                d.get_ref()
                            ),
                        );
                        bad_date = true;
                    }
                }
            }
            if bad_date {
                continue;
            }
            items.push(ShippedItem {
                key,
                category,
                text,
                source,
                dates,
            });
        }
    }
    for (key, (file, line)) in &retired {
        if let Some((f, l)) = keys.get(key) {
            errors.push(LineError {
                file: file.clone(),
                line: *line,
                reason: format!("retired key {key:?} is still an item ({f}:{l})"),
            });
        }
    }
    if !errors.is_empty() {
        return Err(LineErrors(errors));
    }
    let retired = retired.into_keys().collect();
    let warnings = near_duplicates(&items, 0.6)
        .into_iter()
        .map(|(a, b, s)| {
            format!(
                "items {:?} and {:?} ({}) look alike (similarity {:.2})",
                items[a].key, items[b].key, items[a].category, s
            )
        })
        .collect();
    Ok(Library {
        items,
        retired,
        warnings,
    })
}

/// Pairs of items in the same category whose texts share most of their character bigrams.
pub fn near_duplicates(items: &[ShippedItem], threshold: f64) -> Vec<(usize, usize, f64)> {
    let grams: Vec<HashSet<(char, char)>> = items.iter().map(|i| bigrams(&i.text)).collect();
    let mut out = Vec::new();
    for a in 0..items.len() {
        for b in a + 1..items.len() {
            if items[a].category != items[b].category {
                continue;
            }
            let s = jaccard(&grams[a], &grams[b]);
            if s > threshold {
                out.push((a, b, s));
            }
        }
    }
    out
}

fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

fn jaccard(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(src: &str) -> Result<Library, LineErrors> {
        parse_library(&[("t.toml".to_string(), src.to_string())])
    }

    #[test]
    fn categories_parse_by_name_and_alias() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.name()), Some(c));
            assert_eq!(Category::parse(&c.alias().to_uppercase()), Some(c));
        }
        assert_eq!(Category::parse("政法"), None);
    }

    #[test]
    fn retired_keys_load_and_may_not_name_an_item() {
        let l = lib(r#"
retired = ["old-1", "old-2"]

[[item]]
key = "new-1"
category = "政治"
text = "讲政治"
"#)
        .unwrap();
        assert_eq!(l.retired.len(), 2);
        assert!(l.retired.contains("old-2"));

        let e = lib(r#"
retired = ["a"]

[[item]]
key = "a"
category = "政治"
text = "讲政治"
"#)
        .unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].line, 2);
        assert!(e.0[0].reason.contains("retired key \"a\" is still an item"), "{e}");
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

    #[test]
    fn valid_file_loads() {
        let l = lib(r#"
[[item]]
key = "a"
category = "political"
text = " 讲政治 "
dates = ["07-01"]

[[item]]
key = "b"
category = "习语"
text = "打铁还需自身硬"
source = "某处"
"#)
        .unwrap();
        assert_eq!(l.items.len(), 2);
        assert_eq!(l.items[0].text, "讲政治");
        assert_eq!(l.items[0].category, Category::Political);
        assert_eq!(l.items[1].source.as_deref(), Some("某处"));
    }

    #[test]
    fn every_error_names_file_and_line() {
        let long = "长".repeat(501);
        let src = format!(
            r#"[[item]]
key = "a"
category = "政治"
text = ""

[[item]]
key = "b"
category = "政法"
text = "x"

[[item]]
key = "a"
category = "政治"
text = "x"

[[item]]
key = "c"
category = "政治"
text = "{long}"

[[item]]
key = "d"
category = "经典"
text = "x"

[[item]]
key = "e"
category = "政治"
text = "x"
dates = ["13-01"]
"#
        );
        let errs = lib(&src).unwrap_err().0;
        let lines: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.reason.as_str())).collect();
        assert_eq!(lines.len(), 6, "{errs:?}");
        assert_eq!(lines[0], (4, "text is empty"));
        assert!(lines[1].0 == 8 && lines[1].1.contains("unknown category"));
        assert!(lines[1].1.contains("政治、纪律"));
        assert!(lines[2].0 == 12 && lines[2].1.contains("duplicate key"));
        assert!(lines[3].0 == 19 && lines[3].1.contains("501"));
        assert!(lines[4].0 == 22 && lines[4].1.contains("source"));
        assert!(lines[5].0 == 30 && lines[5].1.contains("13-01"));
        assert!(errs.iter().all(|e| e.file == "t.toml"));
    }

    #[test]
    fn syntax_errors_and_unknown_fields_have_lines() {
        let e = lib("[[item]]\nkey = \"a\"\ncategory = \"政治\"\ntext = \"x\"\ncolour = 1\n")
            .unwrap_err()
            .0;
        assert_eq!(e[0].line, 5);
        assert!(e[0].reason.contains("colour"), "{}", e[0].reason);
        let e = lib("[[item]]\nkey = = 1\n").unwrap_err().0;
        assert_eq!(e[0].line, 2);
    }

    #[test]
    fn near_duplicates_are_warned() {
        let l = lib(r#"
[[item]]
key = "a"
category = "廉政"
text = "节日期间不收受礼品礼金，不参加可能影响公正执行公务的宴请。"
[[item]]
key = "b"
category = "廉政"
text = "节日期间不收受礼品礼金，不参加可能影响公正执行公务的宴请活动。"
[[item]]
key = "c"
category = "作风"
text = "节日期间不收受礼品礼金，不参加可能影响公正执行公务的宴请。"
"#)
        .unwrap();
        assert_eq!(l.warnings.len(), 1, "{:?}", l.warnings);
        assert!(l.warnings[0].contains("\"a\" and \"b\""));
    }

    #[test]
    fn built_in_library_is_valid() {
        let files: Vec<(String, String)> = BUILT_IN
            .iter()
            .map(|(n, s)| (n.to_string(), s.to_string()))
            .collect();
        let l = parse_library(&files).unwrap();
        for c in Category::MIRROR {
            let n = l.items.iter().filter(|i| i.category == c).count();
            assert!(n >= 40, "{c}: only {n} items");
        }
        for c in Category::STUDY {
            assert!(l.items.iter().any(|i| i.category == c), "{c}: none");
        }
    }

    fn item(id: u64, text: &str) -> Item {
        Item {
            id,
            key: None,
            category: Category::Discipline,
            text: text.to_string(),
            source: None,
            dates: Vec::new(),
            added_by: Some(1),
            added_at: DateTime::UNIX_EPOCH,
            edited_by: None,
            edited_at: None,
        }
    }

    #[test]
    fn texts_that_normalise_alike_are_duplicates() {
        let same = [
            ("严守纪律，不越红线。", "严守纪律, 不越红线."),
            ("严守纪律，不越红线。", " 严守 纪律，\n不越红线。 "),
            ("严守纪律　不越红线", "严守纪律不越红线"),
            ("他说：“要守纪律！”", "他说:\"要守纪律!\""),
            ("他说：「要守纪律？」", "他说：‘要守纪律?’"),
            ("（一）守纪律；讲规矩", "(一)守纪律;讲规矩"),
            ("守纪律——讲规矩", "守纪律-讲规矩"),
            ("守纪律、讲规矩……", "守纪律,讲规矩..."),
            ("ＡＢＣ１２３", "ABC123"),
        ];
        for (a, b) in same {
            assert_eq!(normalized(a), normalized(b), "{a:?} vs {b:?}");
            let items = [item(1, "别的"), item(12, a)];
            assert_eq!(
                duplicate_of(&items, b, None).map(|i| i.id),
                Some(12),
                "{b:?}"
            );
        }
    }

    #[test]
    fn texts_differing_in_one_character_are_not_duplicates() {
        let different = [
            ("严守纪律，不越红线。", "严守纪律，不碰红线。"),
            ("严守纪律，不越红线。", "严守纪律，不越红线"),
            ("守纪律讲规矩", "守纪律讲规距"),
            ("ABC", "abc"),
            ("第1条", "第2条"),
        ];
        for (a, b) in different {
            assert_ne!(normalized(a), normalized(b), "{a:?} vs {b:?}");
            assert!(duplicate_of(&[item(12, a)], b, None).is_none(), "{b:?}");
        }
    }

    #[test]
    fn an_item_is_not_a_duplicate_of_itself() {
        let items = [item(3, "严守纪律，不越红线。"), item(4, "另一条")];
        assert!(duplicate_of(&items, "严守纪律, 不越红线.", Some(3)).is_none());
        assert_eq!(
            duplicate_of(&items, "严守纪律, 不越红线.", Some(4)).map(|i| i.id),
            Some(3)
        );
    }
}
