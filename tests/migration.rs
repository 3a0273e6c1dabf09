//! Data written by the first-round binary (tests/fixtures/v1: a sled database and an
//! export, format 1) loads into this version with nothing lost: the database is migrated
//! when opened (its delivery log re-keyed by kind, key and address), and the old export
//! imports.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use mingjing::calendar::Calendar;
use mingjing::content;
use mingjing::delivery::{Kind, Slot, State};
use mingjing::message::Address;
use mingjing::store::{Document, Store};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/v1");
const SUPERGROUP: i64 = -1001234567890;

/// The fixture's export as this version reads it.
fn old_export() -> Document {
    let text = std::fs::read_to_string(format!("{FIXTURE}/export.toml")).unwrap();
    toml::from_str(&text).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Everything but the format number, which a new export writes as its own.
fn same_contents(a: &Document, b: &Document) {
    let strip = |d: &Document| Document {
        format: 0,
        ..d.clone()
    };
    assert_eq!(strip(a), strip(b));
}

#[test]
fn a_first_version_database_opens_with_nothing_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    copy_dir(&Path::new(FIXTURE).join("db"), &db);
    let old = old_export();
    assert_eq!(old.format, 1);
    assert_eq!(old.deliveries.len(), 4);
    {
        let store = Store::open(&db).unwrap();
        let now = store.export().unwrap();
        assert_eq!(now.format, 3);
        same_contents(&now, &old);
        assert!(
            now.deliveries
                .iter()
                .all(|d| d.kind == Kind::Edition && d.key == d.date.to_string())
        );
        // The log answers by slot, its pending index and counts were carried over.
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        let sent = store
            .delivery(&Slot::edition(day, Address::telegram(SUPERGROUP)))
            .unwrap()
            .unwrap();
        assert_eq!((sent.state, sent.message_id), (State::Sent, Some(77)));
        let pending = store.pending_deliveries().unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].to.to_string(), format!("telegram:{SUPERGROUP}"));
        let tally = store.tally_on(day).unwrap();
        assert_eq!((tally.sent, tally.failed, tally.missed), (1, 1, 1));
        let last = store
            .last_delivery(Address::telegram(SUPERGROUP))
            .unwrap()
            .unwrap();
        // Looked up on the dates that have an edition: 12-07's pending one has none yet.
        assert_eq!(last.date, day);
    }
    // Opening again (already migrated) changes nothing.
    let store = Store::open(&db).unwrap();
    same_contents(&store.export().unwrap(), &old);
}

#[test]
fn a_first_version_export_imports_and_the_binary_exports_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[storage]\npath = \"db\"\n[content]\ndir = \"{}/reminders\"\n",
            env!("CARGO_MANIFEST_DIR")
        ),
    )
    .unwrap();
    let bin = env!("CARGO_BIN_EXE_mingjing");
    let import = Command::new(bin)
        .args(["--config", config.to_str().unwrap(), "import"])
        .arg(format!("{FIXTURE}/export.toml"))
        .env("MINGJING_NOW", "2026-12-07T09:00:00+08:00")
        .output()
        .unwrap();
    assert!(import.status.success(), "{import:?}");
    let export = Command::new(bin)
        .args(["--config", config.to_str().unwrap(), "export"])
        .env("MINGJING_NOW", "2026-12-07T09:00:00+08:00")
        .output()
        .unwrap();
    assert!(export.status.success(), "{export:?}");
    let text = String::from_utf8(export.stdout).unwrap();
    assert!(
        text.contains(&format!("to = \"telegram:{SUPERGROUP}\"")),
        "{text}"
    );
    assert!(text.contains("kind = \"edition\""));
    let mut now: Document = toml::from_str(&text).unwrap();
    // The import is followed by a sync of the shipped library: shipped items no admin
    // edited follow its texts, dates and anchors, and its new items are added. Apart from
    // that, nothing changed.
    let holidays = Calendar::built_in().holiday_names();
    let library = content::load_library(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("reminders"),
        &holidays,
    )
    .unwrap();
    let mut expected = old_export();
    for item in expected.items.iter_mut().filter(|i| i.edited_by.is_none()) {
        if let Some(s) = library
            .items
            .iter()
            .find(|s| Some(&s.key) == item.key.as_ref())
        {
            *item = s.to_item(item.id, item.added_at);
        }
    }
    let old_ids: Vec<u64> = expected.items.iter().map(|i| i.id).collect();
    let added = now
        .items
        .iter()
        .filter(|i| !old_ids.contains(&i.id))
        .count();
    assert_eq!(now.next_id, expected.next_id + added as u64);
    now.items.retain(|i| old_ids.contains(&i.id));
    now.next_id = expected.next_id;
    same_contents(&now, &expected);
    // The shipped festival items of the old database are anchored now.
    let anchored = now.items.iter().filter(|i| i.anchor.is_some());
    assert!(anchored.count() >= 5);
}
