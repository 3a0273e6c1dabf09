//! 督办 tasks, and each group's next task number.
//!
//! Tree `tasks`, key chat ‖ number (u32 big-endian): a group's tasks are one range scan and
//! move with it to its supergroup. Number 0 (chat ‖ `[0, 0, 0, 0]`) holds the group's next
//! number (u32 big-endian), so numbers are per group, from 1, and never reused, not even
//! after a task is pruned.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use sled::transaction::{
    ConflictableTransactionError, ConflictableTransactionResult, TransactionError,
    TransactionalTree,
};

use super::{Result, Store, StoreError, chat_key, decode, encode, tx_error, update_record};
use crate::tasks::Task;

/// The number whose key holds the group's next number.
const COUNTER: u32 = 0;

const KEY_LEN: usize = 12;

fn task_key(chat_id: i64, number: u32) -> [u8; KEY_LEN] {
    let mut k = [0; KEY_LEN];
    k[..8].copy_from_slice(&chat_key(chat_id));
    k[8..].copy_from_slice(&number.to_be_bytes());
    k
}

/// Whether a key of the tree is a group's counter.
fn is_counter(key: &[u8]) -> bool {
    key.len() == KEY_LEN && key[8..] == COUNTER.to_be_bytes()
}

/// The next number a counter's value says; 1 when there is none yet.
fn next_number(value: Option<&[u8]>) -> Result<u32> {
    match value {
        None => Ok(1),
        Some(v) => v
            .try_into()
            .map(u32::from_be_bytes)
            .map_err(|_| corrupt("a task counter is not 4 bytes")),
    }
}

fn corrupt(reason: &str) -> StoreError {
    StoreError::Corrupt {
        tree: "tasks",
        reason: reason.into(),
    }
}

fn abort(e: StoreError) -> ConflictableTransactionError<StoreError> {
    ConflictableTransactionError::Abort(e)
}

/// When anything last happened to the task: created, reported, cancelled.
fn last_activity(task: &Task) -> DateTime<Utc> {
    task.reports
        .iter()
        .chain(&task.cancelled)
        .map(|r| r.at)
        .fold(task.created_at, |last, at| last.max(at))
}

/// Writes tasks inside a transaction (an import): each replaces the task of its group and
/// number, and each group's counter is raised past its highest number (never lowered).
pub(super) fn put_tasks_in(
    tree: &TransactionalTree,
    tasks: &[Task],
) -> ConflictableTransactionResult<(), StoreError> {
    let mut highest: BTreeMap<i64, u32> = BTreeMap::new();
    for t in tasks {
        tree.insert(&task_key(t.chat_id, t.number), encode(t))?;
        let n = highest.entry(t.chat_id).or_default();
        *n = (*n).max(t.number);
    }
    for (chat_id, number) in highest {
        let key = task_key(chat_id, COUNTER);
        let next = next_number(tree.get(key)?.as_deref()).map_err(abort)?;
        let next = next.max(number.saturating_add(1));
        tree.insert(&key, &next.to_be_bytes())?;
    }
    Ok(())
}

/// Why an imported task cannot be written: its number is the counter's.
pub(super) fn check_task(t: &Task) -> Result<()> {
    if t.number == COUNTER {
        return Err(StoreError::Refused(format!(
            "task #0 of chat {}: task numbers start at 1",
            t.chat_id
        )));
    }
    Ok(())
}

impl Store {
    /// Creates a group's next task: takes the group's next number (atomically: two
    /// creations at once get two numbers) and stores `make(number)`, with its chat id and
    /// number set to those. Flushed.
    pub fn create_task(&self, chat_id: i64, make: impl FnOnce(u32) -> Task) -> Result<Task> {
        let key = task_key(chat_id, COUNTER);
        let number = loop {
            let old = self.tasks.get(key)?;
            let number = next_number(old.as_deref())?;
            let next = number
                .checked_add(1)
                .ok_or_else(|| corrupt("a group has used every task number"))?;
            if self
                .tasks
                .compare_and_swap(key, old, Some(&next.to_be_bytes()[..]))?
                .is_ok()
            {
                break number;
            }
        };
        // A number taken but not used (a failure below) stays unused: numbers are never
        // reused.
        let mut task = make(number);
        task.chat_id = chat_id;
        task.number = number;
        self.tasks
            .insert(task_key(chat_id, number), encode(&task))?;
        self.flush()?;
        Ok(task)
    }

    /// A group's task by its number.
    pub fn task(&self, chat_id: i64, number: u32) -> Result<Option<Task>> {
        if number == COUNTER {
            return Ok(None);
        }
        self.tasks
            .get(task_key(chat_id, number))?
            .map(|v| decode("tasks", &v))
            .transpose()
    }

    /// A group's tasks, by number.
    pub fn tasks_of(&self, chat_id: i64) -> Result<Vec<Task>> {
        self.tasks
            .scan_prefix(chat_key(chat_id))
            .filter(|entry| !entry.as_ref().is_ok_and(|(k, _)| is_counter(k)))
            .map(|entry| decode("tasks", &entry?.1))
            .collect()
    }

    /// Changes a task in one atomic step, so that two taps at once do not undo each other;
    /// the change cannot move the task to another group or number. `None` when there is no
    /// such task. Flushed.
    pub fn update_task(
        &self,
        chat_id: i64,
        number: u32,
        mut change: impl FnMut(&mut Task),
    ) -> Result<Option<Task>> {
        if number == COUNTER {
            return Ok(None);
        }
        update_record(
            &self.tasks,
            "tasks",
            &task_key(chat_id, number),
            |task: &mut Task| {
                change(task);
                task.chat_id = chat_id;
                task.number = number;
            },
        )
        .and_then(|new| {
            self.flush()?;
            Ok(new)
        })
    }

    /// Every task, by group and number, for an export.
    pub fn tasks(&self) -> Result<Vec<Task>> {
        self.tasks
            .iter()
            .filter(|entry| !entry.as_ref().is_ok_and(|(k, _)| is_counter(k)))
            .map(|entry| decode("tasks", &entry?.1))
            .collect()
    }

    /// Removes the tasks that are no longer open (finished or cancelled) and saw nothing
    /// (creation, a report, the cancellation) since before `before`. Counters stay, so
    /// numbers are not reused. Returns how many were removed.
    pub fn prune_tasks(&self, before: NaiveDate) -> Result<usize> {
        let mut old = Vec::new();
        for entry in self.tasks.iter() {
            let (k, v) = entry?;
            if is_counter(&k) {
                continue;
            }
            let task: Task = decode("tasks", &v)?;
            if !task.is_open() && last_activity(&task).date_naive() < before {
                old.push((k, v));
            }
        }
        let mut removed = 0;
        for (k, v) in old {
            // Only as read: a task changed meanwhile stays until the next prune.
            if self
                .tasks
                .compare_and_swap(k, Some(v), None::<&[u8]>)?
                .is_ok()
            {
                removed += 1;
            }
        }
        if removed > 0 {
            self.flush()?;
        }
        Ok(removed)
    }

    /// Moves a group's tasks and counter to its new id (a group upgraded to a supergroup),
    /// in one transaction. Numbers are kept; the new id's counter becomes the larger of
    /// both. A task already at the new id under the same number (created there before the
    /// move) is kept, and the moved one takes the next number. Not flushed: the caller
    /// flushes.
    pub(super) fn move_tasks(&self, from: i64, to: i64) -> Result<()> {
        if from == to {
            return Ok(());
        }
        let keys: Vec<sled::IVec> = self
            .tasks
            .scan_prefix(chat_key(from))
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        if keys.is_empty() {
            return Ok(());
        }
        let res: std::result::Result<Vec<(u32, u32)>, TransactionError<StoreError>> =
            self.tasks.transaction(|tree| {
                let from_counter = task_key(from, COUNTER);
                let to_counter = task_key(to, COUNTER);
                let mut next = next_number(tree.get(from_counter)?.as_deref())
                    .map_err(abort)?
                    .max(next_number(tree.get(to_counter)?.as_deref()).map_err(abort)?);
                let mut renumbered = Vec::new();
                for k in keys.iter().filter(|k| !is_counter(k)) {
                    let Some(v) = tree.get(k)? else { continue };
                    let mut task: Task = decode("tasks", &v).map_err(abort)?;
                    let number = task.number;
                    task.chat_id = to;
                    if tree.get(task_key(to, number))?.is_some() {
                        task.number = next;
                        next = next
                            .checked_add(1)
                            .ok_or_else(|| abort(corrupt("a group has used every number")))?;
                        renumbered.push((number, task.number));
                    }
                    tree.insert(&task_key(to, task.number), encode(&task))?;
                    tree.remove(k)?;
                }
                tree.insert(&to_counter, &next.to_be_bytes())?;
                tree.remove(&from_counter)?;
                Ok(renumbered)
            });
        for (old, new) in res.map_err(tx_error)? {
            tracing::warn!(
                from,
                to,
                old,
                new,
                "a moved task's number was taken at the new id: renumbered"
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Calendar;
    use crate::store::Document;
    use crate::tasks::{Count, Milestones, Report, Stage};
    use chrono::TimeZone;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap()
    }

    /// A task made on 2026-11-`day` (its chat id and number are the store's to set).
    fn made(title: &str, day: u32) -> impl FnOnce(u32) -> Task {
        let day0 = NaiveDate::from_ymd_opt(2026, 11, day).unwrap();
        let title = title.to_string();
        move |number| Task {
            chat_id: 0,
            number,
            title,
            major: false,
            day0,
            due: Milestones::of(day0, false, Count::Calendar, &Calendar::built_in()),
            created_by: 7,
            created_by_name: "甲".into(),
            created_at: at(day, 1),
            reports: vec![],
            cancelled: None,
            card: None,
        }
    }

    fn report(stage: Stage, at: DateTime<Utc>) -> Report {
        Report {
            stage,
            by: 8,
            by_name: "乙".into(),
            at,
            text: None,
        }
    }

    /// A group's tasks as (number, title).
    fn titles(store: &Store, chat_id: i64) -> Vec<(u32, String)> {
        let tasks = store.tasks_of(chat_id).unwrap();
        tasks.into_iter().map(|t| (t.number, t.title)).collect()
    }

    fn numbers(tasks: &[Task]) -> Vec<(i64, u32)> {
        tasks.iter().map(|t| (t.chat_id, t.number)).collect()
    }

    #[test]
    fn numbers_count_from_1_per_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for title in ["一", "二", "三"] {
            store.create_task(-1, made(title, 2)).unwrap();
        }
        let other = store.create_task(-2, made("乙一", 2)).unwrap();
        assert_eq!((other.chat_id, other.number), (-2, 1));
        // A group next to -1 in key order (and -1's counter) does not leak into its list.
        store.create_task(0, made("零", 2)).unwrap();
        let titles = titles(&store, -1);
        assert_eq!(
            titles,
            vec![(1, "一".into()), (2, "二".into()), (3, "三".into())]
        );
        assert_eq!(
            numbers(&store.tasks().unwrap()),
            vec![(-2, 1), (-1, 1), (-1, 2), (-1, 3), (0, 1)]
        );
        assert_eq!(store.task(-1, 2).unwrap().unwrap().title, "二");
        assert_eq!(store.task(-1, 4).unwrap(), None);
        // Number 0 is the counter, never a task.
        assert_eq!(store.task(-1, 0).unwrap(), None);
        assert_eq!(store.update_task(-1, 0, |_| {}).unwrap(), None);
        drop(store);
        let store = crate::store::tests::reopen(dir.path());
        assert_eq!(store.create_task(-1, made("四", 3)).unwrap().number, 4);
    }

    #[test]
    fn concurrent_creations_take_distinct_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..5)
                        .map(|_| store.create_task(-1, made("并发", 2)).unwrap().number)
                        .collect::<Vec<u32>>()
                })
            })
            .collect();
        let mut all: Vec<u32> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort_unstable();
        assert_eq!(all, (1..=40).collect::<Vec<u32>>());
        assert_eq!(store.tasks_of(-1).unwrap().len(), 40);
    }

    #[test]
    fn numbers_are_never_reused_after_a_prune() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_task(-1, made("一", 2)).unwrap();
        store.create_task(-1, made("二", 2)).unwrap();
        store
            .update_task(-1, 2, |t| t.reports.push(report(Stage::Result, at(3, 1))))
            .unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        assert_eq!(store.prune_tasks(day(1)).unwrap(), 1);
        assert_eq!(numbers(&store.tasks_of(-1).unwrap()), vec![(-1, 1)]);
        assert_eq!(store.create_task(-1, made("三", 4)).unwrap().number, 3);
    }

    #[test]
    fn prune_keeps_open_and_recent_tasks() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        // 1: open, old. 2: finished on 11-03. 3: cancelled on 11-20. 4: created 11-02,
        // finished on 11-25. 5: cancelled on 11-03.
        for day in [2, 2, 2, 2, 2] {
            store.create_task(-1, made("事", day)).unwrap();
        }
        let add = |n, r: Report| store.update_task(-1, n, |t| t.reports.push(r.clone()));
        add(1, report(Stage::Progress, at(3, 1))).unwrap();
        add(2, report(Stage::Result, at(3, 1))).unwrap();
        add(4, report(Stage::Action, at(2, 2))).unwrap();
        add(4, report(Stage::Result, at(25, 1))).unwrap();
        let cancel = |n, when| {
            store
                .update_task(-1, n, |t| t.cancelled = Some(report(Stage::Action, when)))
                .unwrap()
        };
        cancel(3, at(20, 1));
        cancel(5, at(3, 1));
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        assert_eq!(store.prune_tasks(day(3)).unwrap(), 0);
        assert_eq!(store.prune_tasks(day(21)).unwrap(), 3);
        let left: Vec<u32> = store
            .tasks_of(-1)
            .unwrap()
            .iter()
            .map(|t| t.number)
            .collect();
        assert_eq!(left, vec![1, 4]);
        assert_eq!(store.prune_tasks(day(30)).unwrap(), 1);
        assert_eq!(numbers(&store.tasks().unwrap()), vec![(-1, 1)]);
    }

    #[test]
    fn updates_are_atomic_and_unknown_tasks_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_task(-1, made("事", 2)).unwrap();
        assert_eq!(store.update_task(-1, 2, |_| {}).unwrap(), None);
        assert_eq!(store.update_task(-2, 1, |_| {}).unwrap(), None);
        // Taps from eight threads at once: none is lost.
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for j in 0..5 {
                        store
                            .update_task(-1, 1, |t| {
                                let mut r = report(Stage::Action, at(2, 3));
                                r.by = i * 10 + j;
                                t.reports.push(r);
                            })
                            .unwrap()
                            .unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let task = store.task(-1, 1).unwrap().unwrap();
        assert_eq!(task.reports.len(), 40);
        // A change cannot move the task.
        let moved = store
            .update_task(-1, 1, |t| {
                t.chat_id = -9;
                t.number = 7;
                t.card = Some(55);
            })
            .unwrap()
            .unwrap();
        assert_eq!((moved.chat_id, moved.number, moved.card), (-1, 1, Some(55)));
        assert_eq!(store.task(-1, 1).unwrap(), Some(moved));
        assert_eq!(store.task(-9, 7).unwrap(), None);
    }

    #[test]
    fn a_move_keeps_numbers_and_continues_the_counter() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for title in ["一", "二", "三"] {
            store.create_task(-1, made(title, 2)).unwrap();
        }
        store
            .update_task(-1, 2, |t| t.reports.push(report(Stage::Result, at(3, 1))))
            .unwrap();
        store
            .prune_tasks(NaiveDate::from_ymd_opt(2026, 12, 1).unwrap())
            .unwrap();
        // Upgraded to a supergroup: the tasks follow through move_subscription.
        store.move_subscription(-1, -1001).unwrap();
        assert!(store.tasks_of(-1).unwrap().is_empty());
        let moved = store.tasks_of(-1001).unwrap();
        assert_eq!(numbers(&moved), vec![(-1001, 1), (-1001, 3)]);
        assert_eq!(moved[1].title, "三");
        assert_eq!(store.create_task(-1001, made("四", 4)).unwrap().number, 4);
        // Nothing is left of the old id, its counter neither.
        assert_eq!(store.tasks.scan_prefix(chat_key(-1)).count(), 0);
        // Moving again (or an id without tasks) changes nothing.
        store.move_subscription(-1, -1001).unwrap();
        assert_eq!(store.tasks_of(-1001).unwrap().len(), 3);
    }

    #[test]
    fn a_move_onto_tasks_at_the_new_id_keeps_both() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.create_task(-1, made("旧一", 2)).unwrap();
        store.create_task(-1, made("旧二", 2)).unwrap();
        // A task made at the new id before the move was seen.
        store.create_task(-1001, made("新一", 3)).unwrap();
        store.move_subscription(-1, -1001).unwrap();
        let titles = titles(&store, -1001);
        assert_eq!(
            titles,
            vec![(1, "新一".into()), (2, "旧二".into()), (3, "旧一".into())]
        );
        assert_eq!(store.create_task(-1001, made("四", 4)).unwrap().number, 4);
    }

    #[test]
    fn export_and_import_keep_tasks_and_the_numbering() {
        let a = tempfile::tempdir().unwrap();
        let store = Store::open(a.path()).unwrap();
        for title in ["一", "二", "三"] {
            store.create_task(-1, made(title, 2)).unwrap();
        }
        store.create_task(-2, made("乙一", 5)).unwrap();
        store
            .update_task(-1, 1, |t| {
                let mut r = report(Stage::Progress, at(3, 1));
                r.text = Some("进展 <b>过半</b>\n第二行 \"引\"".into());
                t.reports.push(r);
                t.card = Some(42);
                t.major = true;
            })
            .unwrap();
        store
            .update_task(-1, 3, |t| t.reports.push(report(Stage::Result, at(3, 1))))
            .unwrap();
        store
            .update_task(-2, 1, |t| {
                t.cancelled = Some(report(Stage::Action, at(6, 1)))
            })
            .unwrap();
        let doc = store.export().unwrap();
        assert_eq!(
            numbers(&doc.tasks),
            vec![(-2, 1), (-1, 1), (-1, 2), (-1, 3)]
        );
        let text = toml::to_string(&doc).unwrap();
        assert!(text.contains("[[task]]"), "{text}");

        let b = tempfile::tempdir().unwrap();
        let other = Store::open(b.path()).unwrap();
        let parsed: Document = toml::from_str(&text).unwrap();
        assert_eq!(parsed.tasks, doc.tasks);
        other.import(&parsed).unwrap();
        other.import(&parsed).unwrap();
        assert_eq!(other.tasks().unwrap(), store.tasks().unwrap());
        assert_eq!(toml::to_string(&other.export().unwrap()).unwrap(), text);
        // The numbering continues after the imported tasks, per group.
        assert_eq!(other.create_task(-1, made("四", 6)).unwrap().number, 4);
        assert_eq!(other.create_task(-2, made("乙二", 6)).unwrap().number, 2);
        assert_eq!(other.create_task(-3, made("丙一", 6)).unwrap().number, 1);
    }

    #[test]
    fn an_import_never_lowers_a_counter() {
        let a = tempfile::tempdir().unwrap();
        let source = Store::open(a.path()).unwrap();
        source.create_task(-1, made("一", 2)).unwrap();
        let doc = source.export().unwrap();

        let b = tempfile::tempdir().unwrap();
        let store = Store::open(b.path()).unwrap();
        for title in ["甲", "乙", "丙"] {
            store.create_task(-1, made(title, 2)).unwrap();
        }
        store.import(&doc).unwrap();
        // Task 1 is replaced by the imported one; the counter stays at 4.
        let titles: Vec<String> = store
            .tasks_of(-1)
            .unwrap()
            .into_iter()
            .map(|t| t.title)
            .collect();
        assert_eq!(titles, vec!["一", "乙", "丙"]);
        assert_eq!(store.create_task(-1, made("丁", 3)).unwrap().number, 4);
    }

    #[test]
    fn an_export_without_tasks_still_imports() {
        let doc: Document = toml::from_str("format = 3\nnext_id = 1\n").unwrap();
        assert!(doc.tasks.is_empty());
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.import(&doc).unwrap();
        assert!(store.tasks().unwrap().is_empty());
    }

    #[test]
    fn an_import_of_task_0_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let task = made("零", 2)(0);
        let doc = Document {
            format: 3,
            next_id: 1,
            tasks: vec![Task {
                chat_id: -1,
                ..task
            }],
            ..Document::default()
        };
        let e = store.import(&doc).unwrap_err();
        assert!(matches!(e, StoreError::Refused(_)), "{e}");
        assert!(store.tasks().unwrap().is_empty());
    }
}
