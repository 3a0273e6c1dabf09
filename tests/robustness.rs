//! Property tests of everything that reads outside input besides chat commands (those are
//! in `src/command.rs`): the config file, reminders files, holiday files and import
//! files. None may panic on any input, and valid input must come back as it went in.
//!
//! Inputs are random text, and TOML-shaped text built from each format's own tables, keys
//! and values (good, bad and extreme), so that the cases get past the TOML syntax into the
//! checks. `PROPTEST_CASES` sets the number of cases of every property (default: 256 for
//! the parsers, 32 for the imports, which open two databases per case); for a long run:
//! `PROPTEST_CASES=20000 cargo test --release --test robustness`.

use std::path::Path;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use mingjing::calendar::{Calendar, DayKind, DayRule};
use mingjing::config::{self, Config, Env, StudyRule};
use mingjing::content::{self, Anchor, Category, PinDate, ShippedItem};
use mingjing::delivery::{Delivery, Kind, State};
use mingjing::edition::Rules;
use mingjing::message::Address;
use mingjing::store::{Document, Store};
use mingjing::subscription::Subscription;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config as ProptestConfig;

/// `PROPTEST_CASES`, or `default`.
fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        // Failing cases are reported in the test output; no files beside the sources.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---- TOML-shaped text -------------------------------------------------------------------

/// A TOML value, often well-formed, sometimes not, with the extremes that overflow
/// arithmetic and the strings each format means something by.
fn quoted(s: String) -> String {
    toml::Value::String(s).to_string()
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>().prop_map(quoted),
        "[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,2}".prop_map(quoted),
        "[0-9]{1,3}:[0-9]{1,3}(:[0-9]{1,3})?".prop_map(quoted),
        "([0-9]{0,25}[dhms]){1,3}".prop_map(quoted),
        select(vec![
            "Asia/Shanghai",
            "Europe/Berlin",
            "UTC",
            "Mars/Base",
            "workdays",
            "everyday",
            "daily",
            "monday",
            "off",
            "政治",
            "political",
            "习语",
            "quote",
            "法规",
            "经典",
            "学习",
            "http://127.0.0.1:1/",
            "not a url",
            "",
            " ",
            "02-29",
            "2026-02-30",
            "12-31",
            "00-00",
            "month",
            "quarter",
            "year",
            "主题党日",
            "主题党日:1",
        ])
        .prop_map(|s| quoted(s.to_string())),
        any::<i64>().prop_map(|n| n.to_string()),
        select(vec![
            i64::MIN,
            i64::MAX,
            i32::MIN as i64,
            i32::MAX as i64,
            -1,
            0,
            1,
            30,
            1000,
            1001,
            10,
            12,
            13
        ])
        .prop_map(|n| n.to_string()),
        any::<bool>().prop_map(|b| b.to_string()),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        // Unbalanced, bad escapes, raw garbage.
        "\"[^\"\\n]{0,20}".prop_map(|s| s.to_string()),
        "\"\\\\[a-zA-Z0-9]{1,4}\"".prop_map(|s| s.to_string()),
        "[^\\n]{0,20}".prop_map(|s| s.to_string()),
    ]
}

/// An array or inline table of values (holiday days, pinned dates, admins).
fn compound() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(value(), 0..4).prop_map(|v| format!("[{}]", v.join(", "))),
        prop::collection::vec((select(vec!["date", "name", "year", "x"]), value()), 0..4).prop_map(
            |kv| {
                let fields: Vec<String> =
                    kv.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("[{{ {} }}]", fields.join(", "))
            }
        ),
    ]
}

/// Lines of a TOML-shaped file: headers of `tables`, `key = value` lines with `keys`, and
/// now and then a line of anything.
fn toml_shaped(
    tables: &'static [&'static str],
    keys: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let line = prop_oneof![
        3 => select(tables).prop_map(|t| t.to_string()),
        8 => (select(keys), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        3 => (select(keys), compound()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => "[^\\n]{0,30}".prop_map(|s| s.to_string()),
    ];
    prop::collection::vec(line, 0..24).prop_map(|lines| lines.join("\n"))
}

/// A config file of the right tables and keys, each value good, bad or extreme.
fn config_shaped() -> impl Strategy<Value = String> {
    let table = |name: &'static str, keys: &'static [&'static str]| {
        (
            any::<bool>(),
            prop::collection::vec(
                (select(keys), prop_oneof![3 => value(), 1 => compound()]),
                0..keys.len() + 1,
            ),
        )
            .prop_map(move |(present, kv)| {
                if !present {
                    return String::new();
                }
                let lines: Vec<String> =
                    kv.into_iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("[{name}]\n{}\n", lines.join("\n"))
            })
    };
    (
        table("telegram", &["token", "api_url", "admins"]),
        table(
            "schedule",
            &[
                "timezone", "daily_at", "days", "catch_up", "study", "calendar",
            ],
        ),
        table("delivery", &["max_per_second", "paid_broadcast"]),
        table("checkin", &["enabled"]),
        table("storage", &["path", "keep_days"]),
        table("content", &["dir"]),
        table("orglife", &["enabled", "month_end_days"]),
        table("[orglife.item]", &["name", "every", "from"]),
    )
        .prop_map(|(a, b, c, d, e, f, g, h)| [a, b, c, d, e, f, g, h].concat())
}

/// Reminders files of `[[item]]` tables with the right keys, each value good, bad or extreme.
fn library_shaped() -> impl Strategy<Value = String> {
    let item = prop::collection::vec(
        (
            select(vec!["key", "category", "text", "source", "dates"]),
            prop_oneof![3 => value(), 1 => compound()],
        ),
        0..6,
    )
    .prop_map(|kv| {
        let mut seen = std::collections::BTreeSet::new();
        let lines: Vec<String> = kv
            .into_iter()
            .filter(|(k, _)| seen.insert(*k))
            .map(|(k, v)| format!("{k} = {v}"))
            .collect();
        format!("[[item]]\n{}\n", lines.join("\n"))
    });
    prop::collection::vec(item, 0..6).prop_map(|items| items.concat())
}

/// A list of holiday days: dates anywhere (and not dates), names of anything.
fn days() -> impl Strategy<Value = String> {
    let date = prop_oneof![
        3 => (-300_000i32..300_000, 0u32..14, 0u32..33)
            .prop_map(|(y, m, d)| quoted(format!("{y:04}-{m:02}-{d:02}"))),
        3 => (2020i32..2030, 1u32..13, 1u32..32)
            .prop_map(|(y, m, d)| quoted(format!("{y:04}-{m:02}-{d:02}"))),
        1 => value(),
    ];
    let day = (date, value()).prop_map(|(d, n)| format!("{{ date = {d}, name = {n} }}"));
    prop::collection::vec(day, 0..5).prop_map(|v| format!("[{}]", v.join(", ")))
}

/// Holiday files of `[[year]]` tables with years and dates anywhere, names of anything.
fn calendar_shaped() -> impl Strategy<Value = String> {
    let year = prop_oneof![
        any::<i32>().prop_map(|y| y.to_string()),
        select(vec![i32::MIN, i32::MAX, -1, 0, 1, 2025, 2026, 9999, 10_000])
            .prop_map(|y| y.to_string()),
        value(),
    ];
    let entry = (year, days(), days())
        .prop_map(|(y, h, w)| format!("[[year]]\nyear = {y}\nholidays = {h}\nworkdays = {w}\n"));
    prop::collection::vec(entry, 0..3).prop_map(|v| v.concat())
}

const CONFIG_TABLES: &[&str] = &[
    "[telegram]",
    "[schedule]",
    "[delivery]",
    "[checkin]",
    "[storage]",
    "[content]",
    "[orglife]",
    "[[orglife.item]]",
    "[other]",
    "[[schedule]]",
];
const CONFIG_KEYS: &[&str] = &[
    "token",
    "api_url",
    "proxy",
    "admins",
    "timezone",
    "daily_at",
    "days",
    "catch_up",
    "study",
    "calendar",
    "max_per_second",
    "paid_broadcast",
    "enabled",
    "path",
    "keep_days",
    "dir",
    "month_end_days",
    "item",
    "name",
    "every",
    "from",
    "unknown",
];
const LIBRARY_TABLES: &[&str] = &["[[item]]", "[item]", "[[items]]"];
const LIBRARY_KEYS: &[&str] = &["key", "category", "text", "source", "dates", "extra"];
const CALENDAR_TABLES: &[&str] = &["[[year]]", "[year]", "[[holidays]]"];
const CALENDAR_KEYS: &[&str] = &["year", "holidays", "workdays", "date", "name", "extra"];

// ---- never a panic ----------------------------------------------------------------------

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn the_config_parser_never_panics(
        src in prop_oneof![
            any::<String>(),
            toml_shaped(CONFIG_TABLES, CONFIG_KEYS),
            config_shaped(),
        ],
        api_url in proptest::option::of(any::<String>()),
        proxy in proptest::option::of(any::<String>()),
    ) {
        let env = Env { api_url, proxy, ..Env::default() };
        let _ = Config::parse("config.toml", &src, Path::new("/srv"), &env);
    }

    #[test]
    fn the_reminders_parser_never_panics(
        files in prop::collection::vec(
            prop_oneof![
                any::<String>(),
                toml_shaped(LIBRARY_TABLES, LIBRARY_KEYS),
                library_shaped(),
            ],
            0..3,
        ),
    ) {
        let files: Vec<(String, String)> = files
            .into_iter()
            .enumerate()
            .map(|(i, s)| (format!("reminders/{i}.toml"), s))
            .collect();
        let _ = content::parse_library(&files, &holidays());
    }

    #[test]
    fn the_holiday_parser_never_panics(
        src in prop_oneof![
            any::<String>(),
            toml_shaped(CALENDAR_TABLES, CALENDAR_KEYS),
            calendar_shaped(),
        ],
        probe in -1_000_000i32..1_000_000,
    ) {
        if let Ok(cal) = Calendar::parse("holidays.toml", &src) {
            // Whatever was accepted can be asked about.
            let day = NaiveDate::from_num_days_from_ce_opt(probe.rem_euclid(800_000) + 1);
            if let Some(day) = day {
                let _ = cal.day_kind(day);
                let _ = cal.missing_year(day);
            }
        }
    }

    #[test]
    fn import_text_never_panics(
        src in prop_oneof![
            any::<String>(),
            toml_shaped(
                &["[[item]]", "[[subscription]]", "[[edition]]", "[[delivery]]", "[rotation]"],
                &["format", "next_id", "tombstones", "id", "chat_id", "date", "state", "text"],
            ),
        ],
    ) {
        let _ = toml::from_str::<Document>(&src);
    }
}

// ---- valid input comes back -------------------------------------------------------------

/// What a config file says, to write one and compare with what is read.
#[derive(Debug, Clone)]
struct ConfigValues {
    token: String,
    admins: Vec<i64>,
    timezone: chrono_tz::Tz,
    daily_at: NaiveTime,
    seconds: bool,
    days: DayRule,
    catch_up: std::time::Duration,
    study: &'static str,
    calendar: String,
    rate: u32,
    paid: bool,
    checkin: bool,
    storage: String,
    keep_days: u32,
    content: String,
}

fn config_values() -> impl Strategy<Value = ConfigValues> {
    let days = select(vec![DayRule::Workdays, DayRule::Everyday]);
    (
        (
            any::<String>(),
            prop::collection::vec(any::<i64>(), 0..4),
            select(chrono_tz::TZ_VARIANTS.to_vec()),
            (0u32..24, 0u32..60, 0u32..60, any::<bool>()),
            days,
            0u64..10 * 86_400,
            select(vec!["daily", "monday", "off"]),
        ),
        (
            "([a-z0-9_]{1,8}/){0,2}[a-z0-9_.]{0,8}",
            1u32..5_000,
            any::<bool>(),
            any::<bool>(),
            "/?([a-z0-9_.-]{1,8}/){0,2}[a-z0-9_.-]{1,8}",
            any::<u32>(),
            "/?([a-z0-9_.-]{1,8}/){0,2}[a-z0-9_.-]{1,8}",
        ),
    )
        .prop_map(
            |(
                (token, admins, timezone, (h, m, s, seconds), days, catch_up, study),
                (calendar, rate, paid, checkin, storage, keep_days, content),
            )| ConfigValues {
                token,
                admins,
                timezone,
                daily_at: NaiveTime::from_hms_opt(h, m, if seconds { s } else { 0 }).unwrap(),
                seconds,
                days,
                catch_up: std::time::Duration::from_secs(catch_up),
                study,
                calendar,
                rate,
                paid,
                checkin,
                storage,
                keep_days,
                content,
            },
        )
}

fn write_config(v: &ConfigValues) -> String {
    use toml::{Table, Value};
    let time = if v.seconds {
        v.daily_at.format("%H:%M:%S").to_string()
    } else {
        v.daily_at.format("%H:%M").to_string()
    };
    let days = match v.days {
        DayRule::Workdays => "workdays",
        DayRule::Everyday => "everyday",
    };
    let table = |pairs: Vec<(&str, Value)>| -> Value {
        Value::Table(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    };
    let mut doc = Table::new();
    doc.insert(
        "telegram".into(),
        table(vec![
            ("token", Value::String(v.token.clone())),
            (
                "admins",
                Value::Array(v.admins.iter().map(|&a| Value::Integer(a)).collect()),
            ),
        ]),
    );
    doc.insert(
        "schedule".into(),
        table(vec![
            ("timezone", Value::String(v.timezone.name().into())),
            ("daily_at", Value::String(time)),
            ("days", Value::String(days.into())),
            (
                "catch_up",
                Value::String(format!("{}s", v.catch_up.as_secs())),
            ),
            ("study", Value::String(v.study.into())),
            ("calendar", Value::String(v.calendar.clone())),
        ]),
    );
    doc.insert(
        "delivery".into(),
        table(vec![
            ("max_per_second", Value::Integer(v.rate.into())),
            ("paid_broadcast", Value::Boolean(v.paid)),
        ]),
    );
    doc.insert(
        "checkin".into(),
        table(vec![("enabled", Value::Boolean(v.checkin))]),
    );
    doc.insert(
        "storage".into(),
        table(vec![
            ("path", Value::String(v.storage.clone())),
            ("keep_days", Value::Integer(v.keep_days.into())),
        ]),
    );
    doc.insert(
        "content".into(),
        table(vec![("dir", Value::String(v.content.clone()))]),
    );
    toml::to_string(&doc).expect("a table serializes")
}

/// Shipped items as an author writes them: unique keys, valid texts and sources.
fn library_items() -> impl Strategy<Value = Vec<ShippedItem>> {
    let text = |max: usize| {
        any::<String>().prop_map(move |s| {
            let t: String = s.trim().chars().take(max).collect();
            let t = t.trim().to_string();
            if t.is_empty() { "文".to_string() } else { t }
        })
    };
    let pin = prop_oneof![
        (1u32..=12, 1u32..=31).prop_filter_map("a day of a leap year", |(m, d)| {
            NaiveDate::from_ymd_opt(2024, m, d).map(|_| PinDate::Yearly { month: m, day: d })
        }),
        (2000i32..2100, 1u32..=366).prop_filter_map("a date", |(y, o)| {
            NaiveDate::from_yo_opt(y, o).map(PinDate::On)
        }),
    ];
    let item = (
        "[a-z][a-z0-9_-]{0,12}",
        select(Category::ALL.to_vec()),
        text(500),
        proptest::option::of(text(100)),
        prop::collection::vec(pin, 0..3),
        proptest::option::of((
            any::<bool>(),
            select(vec!["春节", "中秋", "国庆", "端午", "节后"]),
        )),
    );
    prop::collection::vec(item, 0..12).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(
                |(i, (key, category, text, source, dates, anchor))| ShippedItem {
                    key: format!("{key}-{i}"),
                    category,
                    text,
                    source: if category.needs_source() {
                        Some(source.unwrap_or_else(|| "《源》".into()))
                    } else {
                        source
                    },
                    // An item is pinned or anchored, not both.
                    anchor: anchor.filter(|_| dates.is_empty()).map(|(before, name)| {
                        let name = if name == "节后" {
                            "国庆节、中秋节"
                        } else {
                            name
                        };
                        if before {
                            Anchor::Before(name.into())
                        } else {
                            Anchor::After(name.into())
                        }
                    }),
                    dates,
                },
            )
            .collect()
    })
}

fn write_library(items: &[ShippedItem], aliases: bool) -> String {
    use toml::{Table, Value};
    let items: Vec<Value> = items
        .iter()
        .map(|i| {
            let mut t = Table::new();
            t.insert("key".into(), Value::String(i.key.clone()));
            let category = if aliases {
                i.category.alias()
            } else {
                i.category.name()
            };
            t.insert("category".into(), Value::String(category.into()));
            t.insert("text".into(), Value::String(i.text.clone()));
            if let Some(s) = &i.source {
                t.insert("source".into(), Value::String(s.clone()));
            }
            if !i.dates.is_empty() {
                let dates = i.dates.iter().map(|&d| Value::String(d.into())).collect();
                t.insert("dates".into(), Value::Array(dates));
            }
            match &i.anchor {
                Some(Anchor::Before(name)) => {
                    t.insert("before".into(), Value::String(name.clone()))
                }
                Some(Anchor::After(name)) => t.insert("after".into(), Value::String(name.clone())),
                None => None,
            };
            Value::Table(t)
        })
        .collect();
    let mut doc = Table::new();
    doc.insert("item".into(), Value::Array(items));
    toml::to_string(&doc).expect("a table serializes")
}

/// The names of the built-in calendar's holiday periods, which anchors must match.
fn holidays() -> Vec<String> {
    Calendar::built_in().holiday_names()
}

/// Named days of a holiday file.
type Days = Vec<(NaiveDate, String)>;

/// One year's arrangement: holidays on any days, make-up workdays on weekend days.
fn arrangement() -> impl Strategy<Value = (i32, Days, Days)> {
    (1990i32..2100)
        .prop_flat_map(|year| {
            (
                Just(year),
                prop::collection::btree_map(1u32..=365, "[^\\x00-\\x1f]{1,8}", 0..20),
                prop::collection::btree_map(1u32..=365, "[^\\x00-\\x1f]{1,8}", 0..8),
            )
        })
        .prop_map(|(year, holidays, workdays)| {
            let day = |o: u32| NaiveDate::from_yo_opt(year, o).expect("days 1-365 exist");
            let holidays: Days = holidays.into_iter().map(|(o, n)| (day(o), n)).collect();
            let workdays = workdays
                .into_iter()
                .map(|(o, n)| (day(o), n))
                .filter(|(d, _)| d.weekday().number_from_monday() >= 6)
                .filter(|(d, _)| !holidays.iter().any(|(h, _)| h == d))
                .collect();
            (year, holidays, workdays)
        })
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn a_valid_config_reads_back_as_written(v in config_values()) {
        let src = write_config(&v);
        let base = Path::new("/srv/mingjing");
        let c = Config::parse("config.toml", &src, base, &Env::default())
            .unwrap_or_else(|e| panic!("{e}\n{src}"));
        prop_assert_eq!(c.token.expose(), v.token.as_str());
        prop_assert_eq!(&c.admins, &v.admins);
        prop_assert_eq!(c.timezone, v.timezone);
        prop_assert_eq!(c.daily_at, v.daily_at);
        prop_assert_eq!(c.days, v.days);
        prop_assert_eq!(c.catch_up, v.catch_up);
        prop_assert_eq!(c.max_per_second, v.rate);
        prop_assert_eq!(c.paid_broadcast, v.paid);
        prop_assert_eq!(c.checkin, v.checkin);
        prop_assert_eq!(c.keep_days, v.keep_days);
        prop_assert_eq!(c.storage_path, base.join(&v.storage));
        prop_assert_eq!(c.content_dir, base.join(&v.content));
        prop_assert_eq!(c.calendar, Some(v.calendar.trim()).filter(|s| !s.is_empty()).map(|s| base.join(s)));
        let warned = v.rate > config::PAID_RATE || (v.rate > config::FREE_RATE && !v.paid);
        prop_assert_eq!(!c.warnings.is_empty(), warned);
    }

    #[test]
    fn a_valid_library_reads_back_as_written(items in library_items(), aliases in any::<bool>()) {
        let src = write_library(&items, aliases);
        let lib = content::parse_library(&[("reminders/x.toml".to_string(), src.clone())], &holidays())
            .unwrap_or_else(|e| panic!("{e}\n{src}"));
        prop_assert_eq!(lib.items, items);
    }

    #[test]
    fn a_valid_holiday_file_reads_back_as_written((year, holidays, workdays) in arrangement()) {
        let days = |list: &[(NaiveDate, String)]| -> String {
            let days: Vec<String> = list
                .iter()
                .map(|(d, n)| format!("{{ date = \"{d}\", name = {} }}", toml::Value::String(n.clone())))
                .collect();
            format!("[{}]", days.join(", "))
        };
        let src = format!(
            "[[year]]\nyear = {year}\nholidays = {}\nworkdays = {}\n",
            days(&holidays),
            days(&workdays)
        );
        let cal = Calendar::parse("holidays.toml", &src).unwrap_or_else(|e| panic!("{e}\n{src}"));
        prop_assert!(cal.knows(year));
        for (d, name) in &holidays {
            prop_assert_eq!(cal.day_kind(*d), DayKind::Holiday(name.clone()));
        }
        for (d, name) in &workdays {
            prop_assert_eq!(cal.day_kind(*d), DayKind::MakeUpWorkday(name.clone()));
        }
        // Every other day of the year follows the week.
        let mut d = NaiveDate::from_yo_opt(year, 1).unwrap();
        while d.year() == year {
            if !holidays.iter().chain(&workdays).any(|(x, _)| *x == d) {
                prop_assert_eq!(cal.is_workday(d), d.weekday().number_from_monday() <= 5);
            }
            d = d.succ_opt().unwrap();
        }
    }
}

// ---- import files -----------------------------------------------------------------------

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2000 to 2100, to the millisecond.
    (946_684_800_000i64..4_102_444_800_000).prop_map(|ms| Utc.timestamp_millis_opt(ms).unwrap())
}

fn subscription() -> impl Strategy<Value = Subscription> {
    (
        (
            any::<i64>(),
            any::<String>(),
            select(vec!["private", "group", "supergroup", "channel"]),
        ),
        (
            proptest::option::of((0u32..24, 0u32..60, 0u32..60)),
            proptest::option::of(select(vec![DayRule::Workdays, DayRule::Everyday])),
            any::<bool>(),
            proptest::option::of(any::<String>()),
        ),
        (any::<i64>(), instant(), instant(), any::<bool>()),
    )
        .prop_map(
            |((chat_id, title, kind), (time, days, active, reason), (by, at, changed, checkin))| {
                Subscription {
                    chat_id,
                    title,
                    kind: kind.into(),
                    time: time.and_then(|(h, m, s)| NaiveTime::from_hms_opt(h, m, s)),
                    days,
                    active,
                    reason,
                    subscribed_by: by,
                    subscribed_at: at,
                    changed_at: changed,
                    checkin,
                    orglife: (checkin && active).then(|| at.date_naive()),
                    tasks: checkin,
                }
            },
        )
}

fn delivery() -> impl Strategy<Value = Delivery> {
    (
        (any::<i64>(), 0u32..2_000, instant(), instant()),
        (
            select(vec![
                State::Pending,
                State::Sent,
                State::Failed,
                State::Missed,
            ]),
            proptest::option::of(any::<i64>()),
            proptest::option::of(any::<String>()),
            any::<u32>(),
            instant(),
        ),
    )
        .prop_map(
            |((chat_id, day, due, deadline), (state, message_id, error, attempts, updated_at))| {
                let date =
                    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + Duration::days(day.into());
                Delivery {
                    kind: Kind::Edition,
                    key: date.to_string(),
                    to: Address::telegram(chat_id),
                    date,
                    due,
                    deadline,
                    state,
                    message_id,
                    error,
                    attempts,
                    updated_at,
                }
            },
        )
}

/// What a running bot leaves in its database, made through the store's own methods.
#[derive(Debug, Clone)]
struct Contents {
    items: Vec<(Category, String, Option<String>)>,
    deleted: Vec<usize>,
    subscriptions: Vec<Subscription>,
    deliveries: Vec<Delivery>,
    editions: Vec<(u32, bool)>,
}

fn contents() -> impl Strategy<Value = Contents> {
    let text = any::<String>().prop_map(|s| {
        let t: String = s.trim().chars().take(500).collect();
        if t.trim().is_empty() {
            "文".to_string()
        } else {
            t
        }
    });
    let source = any::<String>().prop_map(|s| {
        let t: String = s.chars().take(100).collect();
        if t.trim().is_empty() {
            "《源》".to_string()
        } else {
            t
        }
    });
    (
        prop::collection::vec(
            (
                select(Category::ALL.to_vec()),
                text,
                proptest::option::of(source),
            ),
            0..10,
        ),
        prop::collection::vec(0usize..10, 0..3),
        prop::collection::vec(subscription(), 0..8),
        prop::collection::vec(delivery(), 0..12),
        prop::collection::vec((0u32..60, any::<bool>()), 0..4),
    )
        .prop_map(
            |(items, deleted, subscriptions, deliveries, editions)| Contents {
                items: items
                    .into_iter()
                    .map(|(c, t, s)| {
                        let s = if c.needs_source() {
                            Some(s.unwrap_or_else(|| "《源》".into()))
                        } else {
                            s
                        };
                        (c, t, s)
                    })
                    .collect(),
                deleted,
                subscriptions,
                deliveries,
                editions,
            },
        )
}

fn fill(store: &Store, c: &Contents) {
    let now = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
    let lib = content::load_library(Path::new("/nonexistent"), &holidays())
        .expect("the built-in library");
    store
        .sync_shipped(&lib.items[..5.min(lib.items.len())], now)
        .unwrap();
    let mut ids = Vec::new();
    for (category, text, source) in &c.items {
        ids.push(
            store
                .add_item(*category, text, source.as_deref(), 7, now)
                .unwrap()
                .id,
        );
    }
    for &i in &c.deleted {
        if let Some(&id) = ids.get(i) {
            let _ = store.delete_item(id, now);
        }
    }
    for s in &c.subscriptions {
        store.put_subscription(s).unwrap();
    }
    store.put_deliveries(&c.deliveries).unwrap();
    let calendar = Calendar::built_in();
    for &(day, study) in &c.editions {
        let rules = Rules {
            calendar: &calendar,
            days: DayRule::Workdays,
            study: if study {
                StudyRule::Daily
            } else {
                StudyRule::Off
            },
            study_from: &[Category::Quote, Category::Law],
        };
        store
            .edition(
                NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + Duration::days(day.into()),
                &rules,
            )
            .unwrap();
    }
    store.flush().unwrap();
}

fn any_document() -> impl Strategy<Value = Document> {
    let item = (
        any::<u64>(),
        proptest::option::of("[a-z0-9-]{0,8}"),
        select(Category::ALL.to_vec()),
        any::<String>(),
        proptest::option::of(any::<String>()),
        instant(),
    )
        .prop_map(|(id, key, category, text, source, at)| content::Item {
            id,
            key,
            category,
            text,
            source,
            dates: vec![],
            anchor: None,
            added_by: None,
            added_at: at,
            edited_by: None,
            edited_at: None,
        });
    (
        (
            any::<u32>(),
            any::<u64>(),
            prop::collection::btree_set("[a-z0-9-]{0,8}", 0..3),
        ),
        prop::collection::vec(item, 0..6),
        prop::collection::vec(subscription(), 0..4),
        prop::collection::vec(delivery(), 0..6),
        prop::collection::vec(
            (
                0u32..100,
                prop::collection::vec(any::<u64>(), 0..5),
                any::<String>(),
            ),
            0..3,
        ),
        prop::collection::btree_map(
            select(Category::ALL.to_vec()),
            prop::collection::btree_set(any::<u64>(), 0..4),
            0..3,
        ),
    )
        .prop_map(
            |((format, next_id, tombstones), items, subs, deliveries, editions, used)| {
                let mut doc = Document {
                    format: if format % 4 == 0 { format } else { 1 },
                    next_id,
                    tombstones,
                    items,
                    subscriptions: subs,
                    deliveries,
                    ..Document::default()
                };
                doc.rotation.used = used;
                doc.editions = editions
                    .into_iter()
                    .map(|(day, items, html)| mingjing::edition::Edition {
                        date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
                            + Duration::days(day.into()),
                        items,
                        html,
                    })
                    .collect();
                doc
            },
        )
}

proptest! {
    #![proptest_config(cases(32))]

    /// export → TOML → import into an empty database → export gives the same document.
    #[test]
    fn an_export_imports_back_as_it_was(c in contents()) {
        let a = tempfile::tempdir().unwrap();
        let store = Store::open(a.path()).unwrap();
        fill(&store, &c);
        let doc = store.export().unwrap();
        let text = toml::to_string(&doc).unwrap();
        let parsed: Document = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        prop_assert_eq!(&parsed, &doc);

        let b = tempfile::tempdir().unwrap();
        let other = Store::open(b.path()).unwrap();
        other.import(&parsed).unwrap();
        prop_assert_eq!(other.export().unwrap(), doc.clone());
        // Importing again changes nothing.
        other.import(&parsed).unwrap();
        prop_assert_eq!(other.export().unwrap(), doc);
    }

    /// Any document, sensible or not, is imported or refused; the database stays usable.
    #[test]
    fn any_document_is_imported_or_refused(doc in any_document(), day in 0u32..100) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let before = store.export().unwrap();
        let text = toml::to_string(&doc).unwrap();
        if let Ok(parsed) = toml::from_str::<Document>(&text) {
            match store.import(&parsed) {
                Ok(()) => {}
                Err(_) => prop_assert_eq!(store.export().unwrap(), before),
            }
        }
        let _ = store.export().unwrap();
        let _ = store.pending_deliveries().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap() + Duration::days(day.into());
        let _ = store.tally_on(date);
        let calendar = Calendar::built_in();
        let config = Config::parse("c.toml", "", Path::new(""), &Env::default()).unwrap();
        let _ = store.edition(date, &Rules::of(&config, &calendar));
    }
}
