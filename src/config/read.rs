//! Reading a config text into its raw sections, with every problem it has at once: each
//! TOML syntax error, then each key of any section that cannot be read (unknown, or of the
//! wrong type), named by its dotted path (`orglife.item[2].every`).
//!
//! serde stops at the first error. So the document is parsed once into a tree with spans,
//! read, and on an error the entry it points at is noted and taken out of the tree, and the
//! rest read again, until what is left reads; a value that is left out keeps its default.

use serde::de::DeserializeOwned;
use toml::de::{DeArray, DeTable, DeValue};

use super::{ConfigError, Span};
use crate::content::line_of;

/// At most this many unreadable keys are reported from one file; a file with more is not
/// a config file anyone meant to write.
const MOST: usize = 50;

/// The raw config `T` read from `src`; what cannot be read is noted in `problems` and left
/// at its default. After a syntax error nothing else is read: what follows it cannot be
/// trusted.
pub(super) fn read<T: DeserializeOwned + Default>(src: &str, problems: &mut Problems) -> T {
    let (mut doc, syntax) = DeTable::parse_recoverable(src);
    if !syntax.is_empty() {
        for e in syntax {
            let span = e.span();
            let mut reason = e.message().trim().to_string();
            if let Some(s) = span.clone().filter(|_| reason == "duplicate key")
                && let Some(key) = src.get(s)
            {
                reason = format!("`{key}` is defined twice");
            }
            problems.add(span, "syntax error", reason);
        }
        return T::default();
    }
    // Entries are named by their place in the file as written: in this copy, which keeps
    // every table of an array where the document loses them.
    let written = doc.get_ref().clone();
    for _ in 0..MOST {
        let e = match T::deserialize(toml::de::Deserializer::from(doc.clone())) {
            Ok(raw) => return raw,
            Err(e) => e,
        };
        let reason = e.message().trim().to_string();
        let Some(span) = e.span() else {
            problems.add(None, "", reason);
            return T::default();
        };
        let name = find(&written, span.start).map(|path| dotted(&path));
        let (Some(name), Some(removed)) = (name, remove_at(doc.get_mut(), span.start)) else {
            problems.add(Some(span), "", reason);
            return T::default();
        };
        // A key taken out for its value leaves its table without it: not a second mistake.
        let follows = reason
            .strip_prefix("missing field `")
            .and_then(|r| r.strip_suffix('`'))
            .is_some_and(|field| problems.unread(&format!("{name}.{field}")));
        if !follows {
            problems.add(Some(span), &name, plain(&reason, &removed));
        }
        problems.unread.push(name);
    }
    problems.add(None, "", format!("more than {MOST} keys cannot be read"));
    T::default()
}

/// What an entry taken out of the tree was.
struct Removed {
    /// A top-level key: a section (`[schedule]`), or a key outside any section.
    top: bool,
    /// A table, or an array of tables (`[[robot]]`).
    table: bool,
}

/// One step down the tree: a key of a table, or a table of an array of tables.
#[derive(Clone)]
enum Step {
    Key(String),
    Index(usize),
}

/// Takes out of `table` the innermost entry written at `offset` (a key with its value, or
/// one table of an array of tables; the array's key when that was its last table), and
/// says which it was.
fn remove_at(table: &mut DeTable<'_>, offset: usize) -> Option<Removed> {
    let path = find(table, offset)?;
    let mut here = table;
    for (n, step) in path.iter().enumerate() {
        // An index was stepped through with the key before it.
        let Step::Key(key) = step else { continue };
        match path.get(n + 1) {
            None => {
                let (_, value) = here.remove_entry(key.as_str())?;
                let table = match value.get_ref() {
                    DeValue::Table(_) => true,
                    DeValue::Array(a) => !a.is_empty() && a.iter().all(|v| v.get_ref().is_table()),
                    _ => false,
                };
                return Some(Removed { top: n == 0, table });
            }
            Some(Step::Key(_)) => match here.get_mut(key.as_str())?.get_mut() {
                DeValue::Table(t) => here = t,
                _ => return None,
            },
            Some(&Step::Index(i)) if n + 2 < path.len() => {
                let DeValue::Array(array) = here.get_mut(key.as_str())?.get_mut() else {
                    return None;
                };
                match array.get_mut(i)?.get_mut() {
                    DeValue::Table(t) => here = t,
                    _ => return None,
                }
            }
            Some(&Step::Index(i)) => {
                let DeValue::Array(array) = here.get_mut(key.as_str())?.get_mut() else {
                    return None;
                };
                let rest: DeArray<'_> = std::mem::replace(array, DeArray::new())
                    .into_iter()
                    .enumerate()
                    .filter_map(|(j, v)| (j != i).then_some(v))
                    .collect();
                let emptied = rest.is_empty();
                *array = rest;
                if emptied {
                    // An empty list would be a different mistake (`orglife.item = []`).
                    here.remove_entry(key.as_str());
                }
                return Some(Removed {
                    top: false,
                    table: true,
                });
            }
        }
    }
    None
}

/// The path to the deepest entry of `table` written at `offset`: a key or its value, or a
/// table of an array of tables.
fn find(table: &DeTable<'_>, offset: usize) -> Option<Vec<Step>> {
    let at = |s: Span| s.contains(&offset);
    let mut best: Option<Vec<Step>> = None;
    for (key, value) in table.iter() {
        let deeper = match value.get_ref() {
            DeValue::Table(t) => find(t, offset),
            DeValue::Array(a) => a.iter().enumerate().find_map(|(i, element)| {
                let DeValue::Table(t) = element.get_ref() else {
                    return None;
                };
                match find(t, offset) {
                    Some(inner) => Some([vec![Step::Index(i)], inner].concat()),
                    None => at(element.span()).then(|| vec![Step::Index(i)]),
                }
            }),
            _ => None,
        };
        let here = || vec![Step::Key(key.get_ref().to_string())];
        let candidate = match deeper {
            // The key itself (`[[robot]]` as an unknown section), not what it holds.
            _ if at(key.span()) => here(),
            Some(inner) => [here(), inner].concat(),
            None if at(value.span()) => here(),
            None => continue,
        };
        if best.as_ref().is_none_or(|b| candidate.len() > b.len()) {
            best = Some(candidate);
        }
    }
    best
}

/// `orglife.item[2].every`.
fn dotted(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{}]", i + 1)),
        }
    }
    out
}

/// serde's wording where it speaks of Rust rather than of the file: a section is not a
/// "field", and the structs behind the sections are tables.
fn plain(reason: &str, removed: &Removed) -> String {
    let mut reason = reason.to_string();
    if removed.top && reason.starts_with("unknown field") {
        let expected = reason.split_once(", expected ").map(|(_, e)| e.to_string());
        reason = match (removed.table, expected) {
            (true, Some(e)) => format!("unknown section, expected {e}"),
            (true, None) => "unknown section".to_string(),
            (false, Some(e)) => format!("a key outside any section (the sections are {e})"),
            (false, None) => "a key outside any section".to_string(),
        };
    }
    if let Some(i) = reason.find("expected struct ") {
        reason = format!("{}expected a table", &reason[..i]);
    }
    reason
}

/// The problems found so far in one config text, each with its place.
pub(super) struct Problems<'a> {
    file: &'a str,
    src: &'a str,
    pub(super) found: Vec<ConfigError>,
    /// Keys left out because they could not be read (`orglife.item[2].name`).
    pub(super) unread: Vec<String>,
}

impl<'a> Problems<'a> {
    pub(super) fn new(file: &'a str, src: &'a str) -> Self {
        Problems {
            file,
            src,
            found: Vec::new(),
            unread: Vec::new(),
        }
    }

    /// Whether `key` was written but left out, its problem noted already.
    pub(super) fn unread(&self, key: &str) -> bool {
        self.unread.iter().any(|k| k == key)
    }

    /// Notes `reason` against `key`, written at `span` of the text.
    pub(super) fn add(&mut self, span: Option<Span>, key: &str, reason: impl Into<String>) {
        self.found.push(ConfigError {
            file: self.file.to_string(),
            line: span.map_or(0, |s| line_of(self.src, s.start)),
            key: key.to_string(),
            reason: reason.into(),
        });
    }

    /// `value` when it is there; else `reason` is noted against `key` at `span`.
    pub(super) fn require<T>(
        &mut self,
        value: Option<T>,
        span: Span,
        key: &str,
        reason: impl FnOnce() -> String,
    ) -> Option<T> {
        if value.is_none() {
            self.add(Some(span), key, reason());
        }
        value
    }
}
