//! The command line without Telegram: check, preview, export, import, and the refusals.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs the real binary in `dir` with `args`, with no token and no config in the environment,
/// its clock at the tests' fixed start (so that nothing depends on the day the tests run).
fn mingjing(dir: &Path, args: &[&str]) -> Output {
    mingjing_at(dir, &common::shanghai(common::START).to_rfc3339(), args)
}

/// [`mingjing`] with its clock at `now` (RFC 3339).
fn mingjing_at(dir: &Path, now: &str, args: &[&str]) -> Output {
    binary_at(dir, now, args).output().expect("the binary runs")
}

/// The command [`mingjing`] runs, for a test that sets its standard streams.
fn binary(dir: &Path, args: &[&str]) -> Command {
    binary_at(dir, &common::shanghai(common::START).to_rfc3339(), args)
}

fn binary_at(dir: &Path, now: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mingjing"));
    command
        .args(args)
        .current_dir(dir)
        .env("MINGJING_NOW", now)
        .env_remove("TELOXIDE_TOKEN")
        .env_remove("TELOXIDE_API_URL")
        .env_remove("MINGJING_CONFIG")
        .env_remove("MINGJING_ADMINS")
        .env("RUST_LOG", "warn");
    command
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The messages of a run that must have failed with exit status 1.
fn failure(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(o), stderr(o));
    stderr(o)
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

/// The lines of `check`'s listing of fixed days (`2026-02-14  廉政 integrity-019  春节前`).
fn fixed_lines(out: &str) -> Vec<&str> {
    out.lines()
        .filter(|l| l.len() > 12 && l.as_bytes()[4] == b'-' && &l[10..12] == "  ")
        .collect()
}

#[test]
fn check_lists_the_pinned_and_anchored_items_of_the_next_twelve_months() {
    // From 2025-09-01: both known years' holidays are ahead.
    let o = mingjing_at(repo(), "2025-09-01T09:00:00+08:00", &["check"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("pinned and anchored items from 2025-09-01 to 2026-08-31: "),
        "{out}"
    );
    let lines = fixed_lines(&out);
    for expected in [
        "2026-02-14  廉政 integrity-019  春节前", // a make-up Saturday, the last workday before
        "2026-02-24  作风 conduct-042  春节后",
        "2026-06-18  廉政 integrity-022  端午前",
        "2026-07-01  政治 political-047  07-01",
        "2025-10-09  作风 conduct-048  国庆后",
        "2025-12-31  廉政 integrity-048  元旦前",
        "2026-04-03  廉政 integrity-051  清明前",
        "2026-04-30  廉政 integrity-050  劳动节前",
        // Two 廉政 items before the one 国庆节、中秋节 period of 2025: the lower id keeps the day.
        "2025-09-29  廉政 integrity-021  国庆前 与 integrity-020 同日，提前",
    ] {
        assert!(lines.contains(&expected), "{expected} missing:\n{out}");
    }
    // 中秋 2025 falls in the combined 国庆节、中秋节 period; each item appears once a year.
    let mid_autumn: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains(" integrity-020  "))
        .collect();
    assert_eq!(mid_autumn.len(), 1, "{out}");
    assert!(mid_autumn[0].starts_with("2025-09-") && mid_autumn[0].contains("中秋前"));
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(sorted, lines, "by date");
    assert!(!out.contains("is not known"), "{out}");
    assert_eq!(out.lines().last(), Some("ok"));

    // From 2027-09-01 nothing is known: pins still move off weekends, anchors are absent,
    // and each unknown year is warned about once.
    let o = mingjing_at(repo(), "2027-09-01T09:00:00+08:00", &["check"]);
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let lines = fixed_lines(&out);
    assert!(
        lines.contains(&"2027-12-03  政治 political-048  12-04 非工作日，提前"),
        "{out}"
    );
    assert!(
        !lines
            .iter()
            .any(|l| l.contains("前") && !l.contains("提前")),
        "{out}"
    );
    for year in [2027, 2028] {
        let warned = out
            .lines()
            .filter(|l| {
                l.starts_with(&format!(
                    "warning: the holiday arrangement of {year} is not known"
                ))
            })
            .collect::<Vec<_>>();
        assert_eq!(warned.len(), 1, "{out}");
        assert!(
            warned[0].contains("anchored items do not appear in"),
            "{out}"
        );
    }
}

#[test]
fn a_failing_check_ends_with_one_summary_line() {
    let (dir, config) = workdir();
    let reminders = dir.path().join("reminders");
    std::fs::create_dir(&reminders).unwrap();
    std::fs::write(
        reminders.join("conduct.toml"),
        "[[item]]\nkey = \"a\"\ncategory = \"作风\"\ntext = \"节后收心\"\nafter = \"圣诞\"\n\n\
         [[item]]\nkey = \"b\"\ncategory = \"作风\"\ntext = \"节前\"\ndates = [\"10-01\"]\nbefore = \"国庆\"\n",
    )
    .unwrap();
    let o = mingjing(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("conduct.toml:5: no holiday of the calendar is named \"圣诞\""),
        "{out}"
    );
    assert!(
        out.contains("conduct.toml:12: an item is pinned (dates) or anchored"),
        "{out}"
    );
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("check: 2 errors in ") && last.ends_with("reminders/conduct.toml"),
        "{out}"
    );
    assert_eq!(out.lines().filter(|l| l.starts_with("check: ")).count(), 1);
}

#[test]
fn preview_shows_an_anchored_item_on_its_day_only() {
    let holidays = mingjing::calendar::Calendar::built_in().holiday_names();
    let library = mingjing::content::load_library(&repo().join("reminders"), &holidays).unwrap();
    let text = |key: &str| {
        let item = library.items.iter().find(|i| i.key == key).unwrap();
        item.text.clone()
    };
    let (dir, config) = workdir();
    let cfg = config.to_str().unwrap();
    let preview = |date: &str| {
        let o = mingjing_at(
            dir.path(),
            "2026-01-05T09:00:00+08:00",
            &["preview", "--config", cfg, "--date", date],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        stdout(&o)
    };
    // 春节 2026 starts on Sunday 02-15; Saturday 02-14 is a make-up working day.
    let spring = format!("廉政提醒：{}", text("integrity-019"));
    assert!(preview("2026-02-14").contains(&spring));
    assert!(!preview("2026-02-13").contains(&spring));
    let back = format!("作风提醒：{}", text("conduct-042"));
    assert!(preview("2026-02-24").contains(&back));
    assert!(!preview("2026-02-25").contains(&back));
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
    // `check` prints it with its summary line; every other command stops with it.
    let o = mingjing(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("config.toml:2: schedule.daily_at: bad time \"25:00\""),
        "{out}"
    );
    let o = mingjing(
        dir.path(),
        &["preview", "--config", config.to_str().unwrap()],
    );
    let err = failure(&o);
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
fn check_of_a_broken_config_lists_every_mistake_and_ends_with_the_count() {
    let (dir, config) = workdir();
    std::fs::write(
        &config,
        "[schedule]\ndaily_at = \"8点\"\ndays = \"weekdays\"\n",
    )
    .unwrap();
    let o = mingjing(dir.path(), &["check", "--config", config.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let file = config.display();
    assert!(
        out.contains(&format!("{file}:2: schedule.daily_at: ")),
        "{out}"
    );
    assert!(out.contains(&format!("{file}:3: schedule.days: ")), "{out}");
    assert_eq!(
        out.lines().last(),
        Some(format!("check: 2 errors in {file}").as_str()),
        "{out}"
    );
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
    let err = failure(&o);
    assert!(err.contains("bad.toml:4"), "{err}");
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
    let err = failure(&o);
    assert!(err.contains("in use by another mingjing process"), "{err}");
    // No bot answers on the control socket: said, and nothing on stdout for a backup file.
    assert!(err.contains("db.sock"), "{err}");
    assert_eq!(stdout(&o), "");
    assert_eq!(stderr_lines(&o).len(), 1, "{err}");
}

#[test]
fn an_answer_cut_short_by_the_bot_fails_the_export() {
    let (dir, config) = workdir();
    let _held = mingjing::store::Store::open(&dir.path().join("db")).unwrap();
    // A "bot" that announces 100 bytes of export and sends 10 before it goes away.
    let listener = std::os::unix::net::UnixListener::bind(dir.path().join("db.sock")).unwrap();
    let bot = std::thread::spawn(move || {
        use std::io::{BufRead, Write};
        let (stream, _) = listener.accept().unwrap();
        let mut request = String::new();
        std::io::BufReader::new(&stream)
            .read_line(&mut request)
            .unwrap();
        (&stream)
            .write_all(b"mingjing/1 0 100 0\nformat = 3")
            .unwrap();
        request
    });
    let o = mingjing(
        dir.path(),
        &["export", "--config", config.to_str().unwrap()],
    );
    assert_eq!(bot.join().unwrap(), "mingjing/1 export\n");
    let err = failure(&o);
    assert_eq!(stdout(&o), "", "a partial backup was written");
    assert!(
        err.contains(
            "error: the running bot's answer: the output was cut short: 10 of 100 bytes came"
        ),
        "{err}"
    );
}

#[test]
fn an_export_that_cannot_be_written_fails() {
    let (dir, config) = workdir();
    let o = binary(
        dir.path(),
        &["export", "--config", config.to_str().unwrap()],
    )
    .stdout(std::fs::File::create("/dev/full").unwrap())
    .output()
    .unwrap();
    let err = failure(&o);
    assert!(
        err.contains("error: cannot write to standard output: No space left on device"),
        "{err}"
    );
}

#[test]
fn a_bad_date_says_which_part_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("2026-13-45", "the month is 13; a month is 1 to 12"),
        ("2026-02-30", "the day is 30; 2026-02 has days 1 to 28"),
        ("2026-04-31", "the day is 31; 2026-04 has days 1 to 30"),
        ("abc", "expected a date as YYYY-MM-DD, e.g. 2026-12-01"),
    ];
    for (date, why) in cases {
        let o = mingjing(dir.path(), &["preview", "--date", date]);
        assert_eq!(o.status.code(), Some(2), "{date}");
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!(
                "error: invalid value '{date}' for '--date <YYYY-MM-DD>': {why}\n"
            )),
            "{err}"
        );
        assert!(!err.contains("out of range"), "{err}");
    }
}

#[test]
fn preview_of_an_earlier_date_without_an_edition_fails() {
    let (dir, config) = workdir();
    let cfg = config.to_str().unwrap();
    // The tests' today is 2026-11-03; nothing was ever composed in this database.
    let o = mingjing(
        dir.path(),
        &["preview", "--config", cfg, "--date", "2026-11-02"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert_eq!(
        stderr_lines(&o),
        ["error: no edition was composed for 2026-11-02"]
    );
    // A weekend under the default day rule (workdays) says why.
    let o = mingjing(
        dir.path(),
        &["preview", "--config", cfg, "--date", "2026-11-01"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr_lines(&o),
        ["error: no edition was composed for 2026-11-01 (not a delivery day: weekend)"]
    );
}

#[test]
fn import_reads_standard_input() {
    let (a, config_a) = workdir();
    let first = stdout(&mingjing(
        a.path(),
        &["export", "--config", config_a.to_str().unwrap()],
    ));
    let (b, config_b) = workdir();
    let mut child = binary(
        b.path(),
        &["import", "-", "--config", config_b.to_str().unwrap()],
    )
    .stdin(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(first.as_bytes())
            .unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = mingjing(
        b.path(),
        &["export", "--config", config_b.to_str().unwrap()],
    );
    assert_eq!(stdout(&o), first);
}

#[test]
fn run_without_a_token_explains_how_to_provide_one() {
    let (dir, config) = workdir();
    let o = mingjing(dir.path(), &["run", "--config", config.to_str().unwrap()]);
    let err = failure(&o);
    assert!(err.contains("TELOXIDE_TOKEN"), "{err}");
    assert_eq!(stderr_lines(&o).len(), 1, "{err}");
}
