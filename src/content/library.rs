//! The shipped library: `reminders/*.toml` read, checked and reported by file and line.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use toml::Spanned;

use super::{Anchor, Category, Item, PinDate, TextError, near_duplicates, validate};

/// The shipped library, built into the binary for when `content.dir` does not exist.
pub const BUILT_IN: &[(&str, &str)] = &[
    (
        "political.toml",
        include_str!("../../reminders/political.toml"),
    ),
    (
        "discipline.toml",
        include_str!("../../reminders/discipline.toml"),
    ),
    ("conduct.toml", include_str!("../../reminders/conduct.toml")),
    (
        "integrity.toml",
        include_str!("../../reminders/integrity.toml"),
    ),
    ("study.toml", include_str!("../../reminders/study.toml")),
    (
        "study_classics.toml",
        include_str!("../../reminders/study_classics.toml"),
    ),
    (
        "study_laws.toml",
        include_str!("../../reminders/study_laws.toml"),
    ),
    (
        "study_recent.toml",
        include_str!("../../reminders/study_recent.toml"),
    ),
];

/// An item of the shipped library, as written in `reminders/*.toml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShippedItem {
    pub key: String,
    pub category: Category,
    pub text: String,
    pub source: Option<String>,
    pub dates: Vec<PinDate>,
    pub anchor: Option<Anchor>,
}

impl ShippedItem {
    /// The item as first stored, numbered `id`.
    pub fn to_item(&self, id: u64, now: DateTime<Utc>) -> Item {
        Item {
            id,
            key: Some(self.key.clone()),
            category: self.category,
            text: self.text.clone(),
            source: self.source.clone(),
            dates: self.dates.clone(),
            anchor: self.anchor.clone(),
            added_by: None,
            added_at: now,
            edited_by: None,
            edited_at: None,
        }
    }
}

/// The shipped library as loaded, with warnings that do not stop it from being used.
#[derive(Debug, Default)]
pub struct Library {
    pub items: Vec<ShippedItem>,
    pub warnings: Vec<String>,
}

impl Library {
    /// The items numbered as a fresh database numbers them, in the library's order (the
    /// order that decides collisions between fixed items of a kind).
    pub fn numbered(&self) -> Vec<Item> {
        (1..)
            .zip(&self.items)
            .map(|(id, s)| s.to_item(id, DateTime::UNIX_EPOCH))
            .collect()
    }
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
    before: Option<Spanned<String>>,
    after: Option<Spanned<String>>,
}

/// The item's anchor (`before` or `after`), if any; refused with the place and the reason
/// when it has both, when it also has dates, or when its holiday is not in the calendar.
fn anchor_of(
    item: &RawItem,
    holidays: &[String],
) -> Result<Option<Anchor>, (std::ops::Range<usize>, String)> {
    let (name, anchor) = match (&item.before, &item.after) {
        (None, None) => return Ok(None),
        (Some(_), Some(a)) => {
            return Err((
                a.span(),
                "an item has one anchor: before or after, not both".into(),
            ));
        }
        (Some(b), None) => (b, Anchor::Before(b.get_ref().trim().to_string())),
        (None, Some(a)) => (a, Anchor::After(a.get_ref().trim().to_string())),
    };
    if !item.dates.is_empty() {
        let reason = "an item is pinned (dates) or anchored (before/after), not both";
        return Err((name.span(), reason.into()));
    }
    if anchor.name().is_empty() {
        return Err((name.span(), "empty holiday name".into()));
    }
    if !holidays.iter().any(|h| anchor.matches(h)) {
        let reason = format!(
            "no holiday of the calendar is named {:?} (known: {})",
            anchor.name(),
            holidays.join("、")
        );
        return Err((name.span(), reason));
    }
    Ok(Some(anchor))
}

/// Loads the library from `dir` when it exists, else the built-in copy. `holidays` are the
/// names of the built-in calendar's holiday periods, which anchors must match.
pub fn load_library(dir: &Path, holidays: &[String]) -> Result<Library, LineErrors> {
    if !dir.is_dir() {
        let files: Vec<(String, String)> = BUILT_IN
            .iter()
            .map(|(n, s)| (format!("reminders/{n} (built in)"), s.to_string()))
            .collect();
        return parse_library(&files, holidays);
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
    let parsed = parse_library(&files, holidays);
    match parsed {
        Ok(lib) if errors.is_empty() => Ok(lib),
        Ok(_) => Err(LineErrors(errors)),
        Err(LineErrors(more)) => {
            errors.extend(more);
            Err(LineErrors(errors))
        }
    }
}

/// Parses and validates library files given as (name, contents); an anchor must match one
/// of `holidays` (see [`Anchor::matches`]). Pure.
pub fn parse_library(
    files: &[(String, String)],
    holidays: &[String],
) -> Result<Library, LineErrors> {
    let mut errors = Vec::new();
    let mut items = Vec::new();
    let mut keys: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for (file, src) in files {
        let raw: RawFile = match toml::from_str(src) {
            Ok(r) => r,
            Err(e) => {
                errors.push(toml_error(file, src, &e));
                continue;
            }
        };
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
            let anchor = match anchor_of(&item, holidays) {
                Ok(a) => a,
                Err((span, reason)) => {
                    err(span, reason);
                    continue;
                }
            };
            items.push(ShippedItem {
                key,
                category,
                text,
                source,
                dates,
                anchor,
            });
        }
    }
    if !errors.is_empty() {
        return Err(LineErrors(errors));
    }
    let warnings = near_duplicates(&items, 0.6)
        .into_iter()
        .map(|(a, b, s)| {
            format!(
                "items {:?} and {:?} ({}) look alike (similarity {:.2})",
                items[a].key, items[b].key, items[a].category, s
            )
        })
        .collect();
    Ok(Library { items, warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lib(src: &str) -> Result<Library, LineErrors> {
        let holidays = ["春节", "中秋节", "国庆节、中秋节"].map(String::from);
        parse_library(&[("t.toml".to_string(), src.to_string())], &holidays)
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
        let holidays = crate::calendar::Calendar::built_in().holiday_names();
        let l = parse_library(&files, &holidays).unwrap();
        for c in Category::MIRROR {
            let n = l.items.iter().filter(|i| i.category == c).count();
            assert!(n >= 40, "{c}: only {n} items");
        }
        for c in Category::STUDY {
            assert!(l.items.iter().any(|i| i.category == c), "{c}: none");
        }
    }

    #[test]
    fn anchors_load_and_their_errors_name_the_line() {
        let l = lib(r#"
[[item]]
key = "a"
category = "廉政"
text = "中秋临近"
before = " 中秋 "

[[item]]
key = "b"
category = "作风"
text = "节后收心"
after = "春节"
"#)
        .unwrap();
        assert_eq!(l.items[0].anchor, Some(Anchor::Before("中秋".into())));
        assert_eq!(l.items[1].anchor, Some(Anchor::After("春节".into())));
        assert!(l.items[0].dates.is_empty());

        let errs = lib(r#"[[item]]
key = "a"
category = "廉政"
text = "一"
before = "春节"
after = "国庆"

[[item]]
key = "b"
category = "廉政"
text = "二"
dates = ["10-01"]
before = "国庆"

[[item]]
key = "c"
category = "廉政"
text = "三"
after = "圣诞"

[[item]]
key = "d"
category = "廉政"
text = "四"
before = ""
"#)
        .unwrap_err()
        .0;
        let lines: Vec<(usize, &str)> = errs.iter().map(|e| (e.line, e.reason.as_str())).collect();
        assert_eq!(lines.len(), 4, "{errs:?}");
        assert_eq!(
            lines[0],
            (6, "an item has one anchor: before or after, not both")
        );
        assert_eq!(
            lines[1],
            (
                13,
                "an item is pinned (dates) or anchored (before/after), not both"
            )
        );
        assert_eq!(lines[2].0, 19);
        assert!(
            lines[2].1.contains("\"圣诞\"") && lines[2].1.contains("春节"),
            "{}",
            lines[2].1
        );
        assert_eq!(lines[3], (25, "empty holiday name"));
    }

    #[test]
    fn a_shipped_item_is_stored_with_its_dates_and_anchor() {
        let l =
            lib("[[item]]\nkey = \"a\"\ncategory = \"廉政\"\ntext = \"x\"\nbefore = \"春节\"\n")
                .unwrap();
        let item = l.items[0].to_item(7, DateTime::UNIX_EPOCH);
        assert_eq!((item.id, item.key.as_deref()), (7, Some("a")));
        assert_eq!(item.anchor, Some(Anchor::Before("春节".into())));
        assert!(item.is_fixed() && !item.is_pinned());
    }
}
