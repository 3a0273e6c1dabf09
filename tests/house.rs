//! House rules: the architecture of STYLE.md ("The house, as it should be seen from its
//! imports"), checked on the sources under `src/`.
//!
//! Each top-level module (a file `x.rs` or a folder `x/` directly under `src/`) is a node;
//! it points at the other top-level modules it names through `crate::` paths, and at the
//! IO crates it names. Test code does not count: `#[cfg(test)]` modules (a file is cut at
//! its first `#[cfg(test)]` followed by `mod`), files named `tests.rs` or under a `tests/`
//! folder, and comment lines.
//!
//! The rules, each failure naming the module and the edge:
//! - (a) no cycle between top-level modules;
//! - (b) the core reaches no IO module and names no IO crate;
//! - (c) `deliver` reaches no `bot` and names no teloxide;
//! - (d) `store` reaches no `deliver`, `bot` or `telegram` and names no teloxide;
//! - (e) `replies` (the text catalogue) reaches no IO module;
//! - (f) no production file over 600 lines, except `src/replies.rs`;
//! - (g) no every-second cron string (`"* * * * * *"`) in `src/`;
//! - (h) every file under `src/` begins with a `//!` line;
//! - (i) the `# Layout` section of `src/lib.rs` names every `pub mod` of `lib.rs`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The pure core: plain data and functions of their inputs. The last four are future
/// domains, checked once they exist.
const CORE: &[&str] = &[
    "content",
    "calendar",
    "edition",
    "schedule",
    "checkin",
    "report",
    "delivery",
    "subscription",
    "message",
    "command",
    "access",
    "orglife",
    "tasks",
    "overrides",
    "notice",
    "festival",
    "sheet",
    // Group robots: the record, formats, signing, answers (SPEC §16); `webhook` posts.
    "robot",
    "console",
];

/// The shell: modules that do IO.
const IO: &[&str] = &[
    "store",
    "deliver",
    "bot",
    "telegram",
    "cli",
    "logging",
    "memory",
    "web",
    "webhook",
    "metrics",
    "playground",
];

/// Crates that do IO.
const IO_CRATES: &[&str] = &[
    "teloxide",
    "sled",
    "tokio",
    "reqwest",
    "tokio_cron_scheduler",
    "axum",
];

/// The longest a production file may be.
const MAX_LINES: usize = 600;

/// Files allowed to be longer: the text catalogue is long by design.
const LONG_FILES: &[&str] = &["src/replies.rs"];

/// A path named in a file, with where.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mention {
    name: String,
    /// 1-based line in the file.
    line: usize,
}

/// The part of a file that is production code: everything before its first `#[cfg(test)]`
/// that is followed (after whitespace) by `mod`.
fn production(text: &str) -> &str {
    let mut from = 0;
    while let Some(at) = text[from..].find("#[cfg(test)]") {
        let at = from + at;
        let rest = text[at + "#[cfg(test)]".len()..].trim_start();
        if rest.starts_with("mod ") || rest.starts_with("pub mod ") {
            return &text[..at];
        }
        from = at + 1;
    }
    text
}

/// The text with comment lines blanked (kept as empty lines, so line numbers hold).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at].matches('\n').count() + 1
}

/// The first segments of the paths in a `{a, b::c, d::{e, f}}` group starting at `text`
/// (just after its `{`), and the length of the group.
fn group_heads(text: &str) -> (Vec<String>, usize) {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut entry_start = true;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return (heads, i + 1),
            '}' => depth -= 1,
            ',' if depth == 0 => entry_start = true,
            c if c.is_whitespace() => {}
            c if entry_start && is_ident(c) => {
                let mut name = String::from(c);
                while let Some(&(_, n)) = chars.peek() {
                    if !is_ident(n) {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                if name != "self" {
                    heads.push(name);
                }
                entry_start = false;
            }
            _ => entry_start = false,
        }
    }
    (heads, text.len())
}

/// The top-level modules a source names through `crate::name` or `crate::{a, b::c}`.
fn crate_mentions(src: &str) -> Vec<Mention> {
    let mut out = Vec::new();
    for (at, _) in src.match_indices("crate::") {
        if src[..at].chars().next_back().is_some_and(is_ident) {
            continue; // `mycrate::`, not `crate::`
        }
        let rest = &src[at + "crate::".len()..];
        let line = line_of(src, at);
        if let Some(group) = rest.strip_prefix('{') {
            for name in group_heads(group).0 {
                out.push(Mention { name, line });
            }
        } else {
            let name: String = rest.chars().take_while(|&c| is_ident(c)).collect();
            if !name.is_empty() {
                out.push(Mention { name, line });
            }
        }
    }
    out
}

/// The IO crates a source names (`teloxide::…`, `use sled::…`, `#[tokio::main]`).
fn crate_names(src: &str) -> Vec<Mention> {
    let mut out = Vec::new();
    for krate in IO_CRATES {
        let pat = format!("{krate}::");
        for (at, _) in src.match_indices(&pat) {
            let before = src[..at].chars().next_back();
            if before.is_some_and(|c| is_ident(c) || c == ':') {
                continue; // `x_tokio::` or `crate::tokio::`
            }
            out.push(Mention {
                name: krate.to_string(),
                line: line_of(src, at),
            });
        }
    }
    out
}

/// One source file under `src/`.
struct File {
    /// Relative to the crate root, with `/` separators: `src/bot/mod.rs`.
    path: String,
    text: String,
}

impl File {
    /// The top-level module it belongs to; `None` for `lib.rs` and `main.rs`.
    fn module(&self) -> Option<&str> {
        let rel = self.path.strip_prefix("src/")?;
        match rel.split_once('/') {
            Some((dir, _)) => Some(dir),
            None => match rel.strip_suffix(".rs")? {
                "lib" | "main" => None,
                m => Some(m),
            },
        }
    }

    /// Test code as a whole: `tests.rs` files and files under a `tests/` folder.
    fn is_test(&self) -> bool {
        self.path.ends_with("/tests.rs") || self.path.split('/').any(|p| p == "tests")
    }
}

fn read_src(root: &Path) -> Vec<File> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<File>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("a directory entry").path())
            .collect();
        entries.sort();
        for path in entries {
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path.strip_prefix(root).expect("under the root");
                let rel = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push(File { path: rel, text });
            }
        }
    }
    let mut out = Vec::new();
    walk(&root.join("src"), root, &mut out);
    out
}

/// Edges between top-level modules, each with the first place it is made.
#[derive(Debug, Default)]
struct Graph {
    /// Every top-level module, even one that names nothing.
    modules: BTreeSet<String>,
    /// from → to → "src/x.rs:12".
    uses: BTreeMap<String, BTreeMap<String, String>>,
    /// from → IO crate → "src/x.rs:12".
    crates: BTreeMap<String, BTreeMap<String, String>>,
}

impl Graph {
    fn from_files(files: &[File]) -> Graph {
        let mut g = Graph::default();
        for f in files {
            if let Some(m) = f.module() {
                g.modules.insert(m.to_string());
            }
        }
        for f in files.iter().filter(|f| !f.is_test()) {
            let Some(from) = f.module() else { continue };
            let src = without_comments(production(&f.text));
            for m in crate_mentions(&src) {
                if m.name != from && g.modules.contains(&m.name) {
                    g.edge(from, &m.name, format!("{}:{}", f.path, m.line));
                }
            }
            for m in crate_names(&src) {
                g.crates
                    .entry(from.to_string())
                    .or_default()
                    .entry(m.name)
                    .or_insert_with(|| format!("{}:{}", f.path, m.line));
            }
        }
        g
    }

    fn edge(&mut self, from: &str, to: &str, at: String) {
        self.modules.insert(from.to_string());
        self.modules.insert(to.to_string());
        self.uses
            .entry(from.to_string())
            .or_default()
            .entry(to.to_string())
            .or_insert(at);
    }

    fn targets(&self, from: &str) -> impl Iterator<Item = &String> {
        self.uses.get(from).into_iter().flat_map(|t| t.keys())
    }

    /// Where `from` uses `to`, if it does.
    fn at(&self, from: &str, to: &str) -> Option<&String> {
        self.uses.get(from)?.get(to)
    }

    /// Where `from` names `krate`, if it does.
    fn names(&self, from: &str, krate: &str) -> Option<&String> {
        self.crates.get(from)?.get(krate)
    }

    /// The modules reachable from `from` in one step or more, with the path to each
    /// (`from` first).
    fn reach(&self, from: &str) -> BTreeMap<String, Vec<String>> {
        let mut paths: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([vec![from.to_string()]]);
        while let Some(path) = queue.pop_front() {
            let last = path.last().expect("never empty").clone();
            for next in self.targets(&last) {
                if !paths.contains_key(next) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    paths.insert(next.clone(), p.clone());
                    queue.push_back(p);
                }
            }
        }
        paths
    }

    /// Each group of modules that reach one another (a strongly connected component of
    /// more than one module): its modules, and one shortest cycle through the first of
    /// them (`[a, b, a]`).
    fn cycles(&self) -> Vec<(Vec<String>, Vec<String>)> {
        let mut done: BTreeSet<String> = BTreeSet::new();
        let mut out = Vec::new();
        for m in &self.modules {
            if done.contains(m) {
                continue;
            }
            let reach = self.reach(m);
            let Some(cycle) = reach.get(m).cloned() else {
                continue;
            };
            let group: Vec<String> = reach
                .keys()
                .filter(|other| self.reach(other).contains_key(m))
                .cloned()
                .collect();
            done.extend(group.iter().cloned());
            out.push((group, cycle));
        }
        out
    }

    /// A path written with where each step is made.
    fn explain(&self, path: &[String]) -> String {
        let steps: Vec<String> = path
            .windows(2)
            .map(|w| {
                let at = self.at(&w[0], &w[1]).map_or("?", String::as_str);
                format!("{} → {} ({at})", w[0], w[1])
            })
            .collect();
        format!("{}: {}", path.join(" → "), steps.join(", "))
    }

    fn render(&self) -> String {
        let mut out = String::from("module graph (→ modules; ⇒ IO crates):\n");
        for m in &self.modules {
            let uses: Vec<&str> = self.targets(m).map(String::as_str).collect();
            let crates: Vec<&str> = self
                .crates
                .get(m)
                .into_iter()
                .flat_map(|c| c.keys().map(String::as_str))
                .collect();
            let kind = if CORE.contains(&m.as_str()) {
                "core"
            } else if IO.contains(&m.as_str()) {
                "io"
            } else {
                "-"
            };
            let _ = writeln!(
                out,
                "  {m:<10} [{kind:<4}] → {:<50} ⇒ {}",
                uses.join(", "),
                crates.join(", ")
            );
        }
        out
    }
}

/// The violations of the rules on modules (a to e).
fn module_rules(g: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    for (group, cycle) in g.cycles() {
        out.push(format!(
            "(a) cycle between top-level modules {{{}}}, e.g. {}",
            group.join(", "),
            g.explain(&cycle)
        ));
    }
    // `from` may reach none of `banned` (in any number of steps) and name none of `crates`.
    let mut forbid = |rule: &str, from: &str, banned: &[&str], crates: &[&str]| {
        if !g.modules.contains(from) {
            return;
        }
        for (to, path) in g.reach(from) {
            if banned.contains(&to.as_str()) {
                out.push(format!("{rule} {from} reaches {to}: {}", g.explain(&path)));
            }
        }
        for krate in crates {
            if let Some(at) = g.names(from, krate) {
                out.push(format!("{rule} {from} names {krate} ({at})"));
            }
        }
    };
    for core in CORE {
        forbid("(b) core module", core, IO, IO_CRATES);
    }
    forbid("(c)", "deliver", &["bot"], &["teloxide"]);
    forbid(
        "(d)",
        "store",
        &["deliver", "bot", "telegram"],
        &["teloxide"],
    );
    forbid(
        "(e) the text catalogue",
        "replies",
        &["store", "deliver", "bot", "telegram", "cli"],
        &[],
    );
    out
}

/// The violations of the rules on files (f to i).
fn file_rules(files: &[File]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        let lines = production(&f.text).lines().count();
        if !f.is_test() && lines > MAX_LINES && !LONG_FILES.contains(&f.path.as_str()) {
            out.push(format!(
                "(f) {} has {lines} production lines (at most {MAX_LINES})",
                f.path
            ));
        }
        if let Some(at) = f.text.find("\"* * * * * *\"") {
            out.push(format!(
                "(g) {}:{} has an every-second cron string",
                f.path,
                line_of(&f.text, at)
            ));
        }
        if !f.text.starts_with("//!") {
            out.push(format!("(h) {} does not begin with a `//!` line", f.path));
        }
    }
    if let Some(lib) = files.iter().find(|f| f.path == "src/lib.rs") {
        for m in layout_misses(&lib.text) {
            out.push(format!(
                "(i) src/lib.rs: `pub mod {m}` is not named as [`{m}`] in its `# Layout`"
            ));
        }
    }
    out
}

/// The `pub mod`s of `lib.rs` that its `//! # Layout` section does not name as [`name`].
fn layout_misses(lib: &str) -> Vec<String> {
    let layout: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .skip_while(|l| l.trim() != "# Layout")
        .skip(1)
        .take_while(|l| !l.trim_start().starts_with("# "))
        .collect::<Vec<_>>()
        .join("\n");
    lib.lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').trim().to_string())
        .filter(|m| !layout.contains(&format!("[`{m}`]")))
        .collect()
}

#[test]
fn the_house_keeps_its_rules() {
    let files = read_src(Path::new(env!("CARGO_MANIFEST_DIR")));
    let graph = Graph::from_files(&files);
    let mut violations = module_rules(&graph);
    violations.extend(file_rules(&files));
    assert!(
        violations.is_empty(),
        "{} house rules broken:\n{}\n\n{}",
        violations.len(),
        violations
            .iter()
            .map(|v| format!("  {v}"))
            .collect::<Vec<_>>()
            .join("\n"),
        graph.render()
    );
}

// ---- the analysis on small inputs ----

fn file(path: &str, text: &str) -> File {
    File {
        path: path.into(),
        text: text.into(),
    }
}

fn names(ms: Vec<Mention>) -> Vec<String> {
    ms.into_iter().map(|m| m.name).collect()
}

#[test]
fn a_cycle_in_a_toy_graph_is_found_once_and_explained() {
    let mut g = Graph::default();
    g.edge("bot", "deliver", "src/bot/mod.rs:3".into());
    g.edge("deliver", "store", "src/deliver/mod.rs:4".into());
    g.edge("store", "bot", "src/store/mod.rs:5".into());
    g.edge("bot", "replies", "src/bot/mod.rs:6".into());
    g.edge("edition", "content", "src/edition.rs:7".into());
    let cycles = g.cycles();
    assert_eq!(
        cycles,
        vec![(
            vec!["bot".to_string(), "deliver".into(), "store".into()],
            vec![
                "bot".to_string(),
                "deliver".into(),
                "store".into(),
                "bot".into()
            ]
        )]
    );
    let text = g.explain(&cycles[0].1);
    assert!(text.contains("store → bot (src/store/mod.rs:5)"), "{text}");
    let broken = module_rules(&g);
    assert!(
        broken.iter().any(|v| v
            .starts_with("(a) cycle between top-level modules {bot, deliver, store}")
            && v.contains("bot → deliver → store → bot")),
        "{broken:?}"
    );
    // store reaches bot (and deliver, through it): (d); deliver reaches bot: (c).
    assert!(
        broken
            .iter()
            .any(|v| v.starts_with("(d) store reaches bot"))
    );
    assert!(
        broken
            .iter()
            .any(|v| v.starts_with("(c) deliver reaches bot"))
    );
}

#[test]
fn a_graph_without_cycles_has_none() {
    let mut g = Graph::default();
    g.edge("cli", "bot", "a".into());
    g.edge("bot", "deliver", "b".into());
    g.edge("cli", "deliver", "c".into());
    g.edge("deliver", "store", "d".into());
    assert!(g.cycles().is_empty());
    assert!(module_rules(&g).is_empty());
}

#[test]
fn the_core_may_reach_no_io_even_through_another_module() {
    let mut g = Graph::default();
    g.edge("edition", "helpers", "src/edition.rs:1".into());
    g.edge("helpers", "store", "src/helpers.rs:2".into());
    g.crates
        .entry("calendar".into())
        .or_default()
        .insert("tokio".into(), "src/calendar.rs:9".into());
    g.modules.insert("calendar".into());
    let broken = module_rules(&g);
    assert_eq!(
        broken,
        vec![
            "(b) core module calendar names tokio (src/calendar.rs:9)".to_string(),
            "(b) core module edition reaches store: edition → helpers → store: \
             edition → helpers (src/edition.rs:1), helpers → store (src/helpers.rs:2)"
                .to_string(),
        ]
    );
}

#[test]
fn test_modules_are_cut_off() {
    let src = "//! x\nuse crate::a;\n#[cfg(test)]\nfn helper() {}\n#[cfg(test)]\nmod tests {\n    use crate::b;\n}\n";
    let prod = production(src);
    assert!(prod.contains("fn helper"));
    assert!(!prod.contains("crate::b"));
    assert_eq!(prod.lines().count(), 4);
    assert_eq!(production("#[cfg(test)]\n\nmod tests;\nfn f() {}"), "");
    assert_eq!(production("fn f() {}\n"), "fn f() {}\n");
}

#[test]
fn comments_and_test_files_do_not_count() {
    let files = vec![
        file(
            "src/a.rs",
            "//! a\n// crate::b is wrong\n/// [`crate::c`]\nfn f() {}\n",
        ),
        file("src/b.rs", "//! b\n"),
        file("src/c/mod.rs", "//! c\n"),
        file("src/c/tests.rs", "//! t\nuse crate::a;\n"),
        file("src/c/tests/x.rs", "//! t\nuse crate::b;\n"),
        file("src/lib.rs", "//! lib\nuse crate::a;\n"),
    ];
    let g = Graph::from_files(&files);
    assert!(g.uses.is_empty(), "{:?}", g.uses);
    assert_eq!(g.modules.iter().collect::<Vec<_>>(), vec!["a", "b", "c"]);
}

#[test]
fn group_imports_are_parsed() {
    let src = "use crate::{\n    content::{self, Item},\n    edition::Edition,\n    self,\n    store,\n};\nlet x = crate::calendar::today();\nmycrate::nope();\n";
    assert_eq!(
        names(crate_mentions(src)),
        vec!["content", "edition", "store", "calendar"]
    );
    let lines: Vec<usize> = crate_mentions(src).iter().map(|m| m.line).collect();
    assert_eq!(lines, vec![1, 1, 1, 7]);
    assert_eq!(
        group_heads("a, b::{c, d}, e as f}rest"),
        (
            vec!["a".into(), "b".into(), "e".into()],
            "a, b::{c, d}, e as f}".len()
        )
    );
}

#[test]
fn io_crates_are_found_by_their_paths() {
    let src = "use teloxide::prelude::*;\n#[tokio::main]\nuse tokio_cron_scheduler::Job;\nlet t: sled::Tree;\nuse crate::tokio::x;\nmy_sled::y();\n";
    assert_eq!(
        names(crate_names(src)),
        vec!["teloxide", "sled", "tokio", "tokio_cron_scheduler"]
    );
}

#[test]
fn edges_come_from_the_files_of_each_module() {
    let files = vec![
        file(
            "src/bot/mod.rs",
            "//! bot\nuse crate::deliver;\nuse teloxide::Bot;\n",
        ),
        file("src/bot/x.rs", "//! x\nuse crate::{replies, bot::y};\n"),
        file(
            "src/deliver/mod.rs",
            "//! deliver\nuse crate::bot::Thing;\n",
        ),
        file("src/replies.rs", "//! replies\n"),
    ];
    let g = Graph::from_files(&files);
    assert_eq!(g.at("bot", "deliver").unwrap(), "src/bot/mod.rs:2");
    assert_eq!(g.at("bot", "replies").unwrap(), "src/bot/x.rs:2");
    assert!(g.at("bot", "bot").is_none());
    assert_eq!(g.names("bot", "teloxide").unwrap(), "src/bot/mod.rs:3");
    assert_eq!(g.cycles()[0].1, vec!["bot", "deliver", "bot"]);
    assert!(g.render().contains("bot"));
}

#[test]
fn file_rules_catch_length_cron_and_missing_doc() {
    let long = format!("//! long\n{}", "fn f() {}\n".repeat(MAX_LINES));
    let with_tests = format!(
        "//! fine\n{}#[cfg(test)]\nmod tests {{\n{}}}\n",
        "fn f() {}\n".repeat(10),
        "fn g() {}\n".repeat(MAX_LINES)
    );
    let files = vec![
        file("src/long.rs", &long),
        file("src/replies.rs", &long),
        file("src/fine.rs", &with_tests),
        file("src/x/tests.rs", &long),
        file("src/cron.rs", "//! c\nJob::new(\"* * * * * *\");\n"),
        file("src/bare.rs", "use std::fmt;\n"),
    ];
    assert_eq!(
        file_rules(&files),
        vec![
            format!(
                "(f) src/long.rs has {} production lines (at most {MAX_LINES})",
                MAX_LINES + 1
            ),
            "(g) src/cron.rs:2 has an every-second cron string".to_string(),
            "(h) src/bare.rs does not begin with a `//!` line".to_string(),
        ]
    );
}

#[test]
fn the_layout_must_name_every_public_module() {
    let lib = "//! Crate.\n//!\n//! # Layout\n//!\n//! - [`a`]: one;\n//! - [`b`]: two.\n//!\n//! # Other\n//! [`c`]\n\npub mod a;\npub mod b;\npub mod c;\nmod d;\n";
    assert_eq!(layout_misses(lib), vec!["c"]);
}
