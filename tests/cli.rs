//! The command line without Telegram: check, preview, export, import, and the refusals.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the real binary in `dir` with `args`, with no token and no config in the environment,
/// its clock at the tests' fixed start (so that nothing depends on the day the tests run).
fn mingjing(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .args(args)
        .current_dir(dir)
        .env("MINGJING_NOW", common::shanghai(common::START).to_rfc3339())
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("TELOXIDE_API_URL")
        .env_remove("MINGJING_CONFIG")
        .env_remove("MINGJING_ADMINS")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The lines of stderr but the warning that the clock is shifted (every run has it here).
fn stderr_lines(o: &Output) -> Vec<String> {
    stderr(o)
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.contains("the clock is shifted by MINGJING_NOW"))
        .map(String::from)
        .collect()
}

/// A folder with a config whose database lives inside it.
fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[storage]\npath = \"db\"\n").unwrap();
    (dir, config)
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn check_accepts_the_shipped_files() {
    let o = mingjing(repo(), &["check"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("reminders: "), "{}", stdout(&o));
    assert!(!stdout(&o).contains("look alike"), "{}", stdout(&o));
}

#[test]
fn check_names_the_file_and_line_of_each_error() {
    let (dir, config) = workdir();
    let reminders = dir.path().join("reminders");
    std::fs::create_dir(&reminders).unwrap();
    std::fs::write(
        reminders.join("mine.toml"),
        "[[item]]\nkey = \"a\"\ncategory = \"政治\"\ntext = \"好\"\n\n[[item]]\nkey = \"b\"\ncategory = \"廉洁\"\ntext = \"坏\"\n",
    )
    .unwrap();
    let o = mingjing(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("mine.toml:8: unknown category \"廉洁\""),
        "{out}"
    );
}

#[test]
fn check_validates_an_operator_calendar() {
    let (dir, config) = workdir();
    std::fs::write(
        &config,
        "[schedule]\ncalendar = \"holidays.toml\"\n[storage]\npath = \"db\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("holidays.toml"),
        "[[year]]\nyear = 2027\nholidays = [\n  { date = \"2027-02-30\", name = \"春节\" },\n]\n",
    )
    .unwrap();
    let o = mingjing(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("holidays.toml:4: bad date"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_bad_config_names_file_key_and_reason() {
    let (dir, config) = workdir();
    std::fs::write(&config, "[schedule]\ndaily_at = \"25:00\"\n").unwrap();
    let o = mingjing(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("config.toml:2: schedule.daily_at: bad time \"25:00\""),
        "{err}"
    );
}

#[test]
fn a_config_with_three_mistakes_reports_all_three() {
    let (dir, config) = workdir();
    std::fs::write(
        &config,
        "[schedule]\ndaily_at = \"25:00\"\ndays = \"weekdays\"\n\n[storage]\npath = \"db\"\nkeep = 30\n",
    )
    .unwrap();
    let o = mingjing(
        dir.path(),
        &["preview", "--config", config.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let file = config.display();
    assert_eq!(
        stderr_lines(&o),
        [
            "error: 3 errors in the configuration:".to_string(),
            format!("{file}:2: schedule.daily_at: bad time \"25:00\" (expected HH:MM or HH:MM:SS)"),
            format!(
                "{file}:3: schedule.days: unknown day rule \"weekdays\" (expected \"workdays\" or \"everyday\")"
            ),
            format!("{file}:7: storage.keep: unknown field `keep`, expected `path` or `keep_days`"),
        ],
        "{}",
        stderr(&o)
    );
    assert!(stdout(&o).is_empty(), "{}", stdout(&o));
}

#[test]
fn admins_from_the_environment_must_be_user_ids() {
    let (dir, config) = workdir();
    let o = Command::new(env!("CARGO_BIN_EXE_mingjing"))
        .args(["preview", "--config", config.to_str().unwrap()])
        .current_dir(dir.path())
        .env("MINGJING_NOW", common::shanghai(common::START).to_rfc3339())
        .env("MINGJING_ADMINS", "123456789,@chair")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("error: environment: MINGJING_ADMINS: \"@chair\" is not a Telegram user id"),
        "{err}"
    );
}

#[test]
fn preview_prints_the_edition_without_a_token_or_network() {
    let (dir, config) = workdir();
    let cfg = config.to_str().unwrap();
    let o = mingjing(
        dir.path(),
        &["preview", "--config", cfg, "--date", "2026-12-01"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(
        text.starts_with("【纪律明镜·天天照】\n2026年12月1日 星期二\n"),
        "{text}"
    );
    for label in [
        "政治提醒：",
        "纪律提醒：",
        "作风提醒：",
        "廉政提醒：",
        "第一议题：",
    ] {
        assert!(text.contains(label), "{label} missing: {text}");
    }
    assert!(!text.contains("<b>"), "a member reads plain text: {text}");
    // Preview is read-only: asking again gives the same text, and a later date differs.
    let again = mingjing(
        dir.path(),
        &["preview", "--config", cfg, "--date", "2026-12-01"],
    );
    assert_eq!(stdout(&again), text);
    let later = mingjing(
        dir.path(),
        &["preview", "--config", cfg, "--date", "2026-12-02"],
    );
    assert_ne!(stdout(&later), text);
}

#[test]
fn preview_works_from_anywhere_with_the_built_in_library() {
    // No config, no reminders/ folder: the built-in copies are used.
    let dir = tempfile::tempdir().unwrap();
    let o = mingjing(dir.path(), &["preview", "--date", "2026-12-01"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("廉政提醒："));
}

#[test]
fn export_import_export_gives_the_same_document() {
    let (a, config_a) = workdir();
    let o = mingjing(
        a.path(),
        &["export", "--config", config_a.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let first = stdout(&o);
    assert!(first.contains("[[item]]") && first.contains("key = \"political-001\""));
    let file = a.path().join("backup.toml");
    std::fs::write(&file, &first).unwrap();

    let (b, config_b) = workdir();
    let cfg_b = config_b.to_str().unwrap();
    for _ in 0..2 {
        let o = mingjing(
            b.path(),
            &["import", file.to_str().unwrap(), "--config", cfg_b],
        );
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = mingjing(b.path(), &["export", "--config", cfg_b]);
    assert_eq!(stdout(&o), first);
}

#[test]
fn import_refuses_a_broken_file_with_its_line() {
    let (dir, config) = workdir();
    let file = dir.path().join("bad.toml");
    std::fs::write(&file, "format = 1\nnext_id = 1\n[[item]]\nid = \"x\"\n").unwrap();
    let o = mingjing(
        dir.path(),
        &[
            "import",
            file.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("bad.toml:4"), "{}", stderr(&o));
}

#[test]
fn import_of_something_else_says_it_is_not_an_export_and_changes_nothing() {
    let (dir, config) = workdir();
    let cfg = config.to_str().unwrap();
    let before = mingjing(dir.path(), &["export", "--config", cfg]);
    assert!(before.status.success(), "{}", stderr(&before));
    let files = [
        (
            "config.toml",
            std::fs::read_to_string(repo().join("config.toml")).unwrap(),
        ),
        ("notes.txt", "周一例会\n请大家准时参加\n".to_string()),
        ("empty.toml", String::new()),
    ];
    for (name, text) in files {
        let file = dir.path().join(format!("in-{name}"));
        std::fs::write(&file, text).unwrap();
        let o = mingjing(
            dir.path(),
            &["import", file.to_str().unwrap(), "--config", cfg],
        );
        assert_eq!(o.status.code(), Some(1), "{name}");
        let err = stderr_lines(&o);
        assert_eq!(err.len(), 1, "{name}: {err:?}");
        assert!(
            err[0].starts_with(&format!(
                "error: {}: this is not a mingjing export",
                file.display()
            )),
            "{name}: {err:?}"
        );
        assert!(err[0].contains("[[item]] / [[subscription]]"), "{err:?}");
    }
    let after = mingjing(dir.path(), &["export", "--config", cfg]);
    assert_eq!(stdout(&after), stdout(&before));
}

#[test]
fn a_database_in_use_is_reported_in_one_line() {
    let (dir, config) = workdir();
    let _held = mingjing::store::Store::open(&dir.path().join("db")).unwrap();
    let o = mingjing(
        dir.path(),
        &["export", "--config", config.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("in use by another mingjing process"), "{err}");
    assert_eq!(stderr_lines(&o).len(), 1, "{err}");
}

#[test]
fn run_without_a_token_explains_how_to_provide_one() {
    let (dir, config) = workdir();
    let o = mingjing(dir.path(), &["run", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("TELOXIDE_TOKEN"), "{err}");
    assert_eq!(stderr_lines(&o).len(), 1, "{err}");
}
