//! 督办 deliveries: which groups get a 督办提醒 on a day, which admins are told of a missed
//! milestone, and their texts, from the tasks as they stand.

use chrono::NaiveDate;

use super::port::Sender;
use super::{Engine, Result};
use crate::calendar::DayRule;
use crate::delivery::{Delivery, Kind, Slot};
use crate::message::Address;
use crate::replies;
use crate::tasks::{self, Stage, Task};

impl<S: Sender> Engine<S> {
    /// The day rule a group is delivered by.
    fn days_of(&self, group: i64) -> DayRule {
        let planned = self
            .lock_plan()
            .get(Address::telegram(group))
            .map(|p| p.rule.1);
        planned.unwrap_or(self.inner.config.days)
    }

    /// The open tasks of `group`, those chased on `date` and those overdue then.
    fn chase(&self, group: i64, date: NaiveDate) -> Result<(Vec<Task>, Vec<Task>)> {
        let days = self.days_of(group);
        let calendar = &self.inner.calendar;
        let open: Vec<Task> = self
            .inner
            .store
            .tasks_of(group)?
            .into_iter()
            .filter(Task::is_open)
            .collect();
        let (chased, rest): (Vec<Task>, Vec<Task>) = open
            .into_iter()
            .partition(|t| !t.chased_on(date, calendar, days).is_empty());
        let overdue = rest
            .into_iter()
            .filter(|t| !t.missed(date).is_empty())
            .collect();
        Ok((chased, overdue))
    }

    /// Of each group due a 督办提醒 today: the reminder when a milestone is chased today,
    /// and a notice to each of its admins with a private chat for every milestone missed
    /// and not told yet (filed under the day it was first noticed, so that it is told once
    /// however late the bot notices it).
    pub(super) fn task_deliveries(&self, part: Vec<Delivery>) -> Result<Vec<Delivery>> {
        let mut out = Vec::new();
        let store = &self.inner.store;
        for r in part {
            let group = r.to.id;
            let (chased, overdue) = self.chase(group, r.date)?;
            let days = self.days_of(group);
            let mut admins = None;
            for task in &overdue {
                for stage in task.missed(r.date) {
                    let due = task.due.of_stage(stage);
                    let noticed = tasks::notice_day(due, &self.inner.calendar, days);
                    if noticed > r.date {
                        continue;
                    }
                    if admins.is_none() {
                        let mut list = Vec::new();
                        for user in store.admins_of(group)? {
                            if store.has_private_chat(user)? {
                                list.push(user);
                            }
                        }
                        admins = Some(list);
                    }
                    for &user in admins.iter().flatten() {
                        let slot = Slot::overdue(
                            noticed,
                            group,
                            task.number,
                            stage.as_str(),
                            Address::telegram(user),
                        );
                        out.push(Delivery::pending(slot, r.due, r.deadline, r.updated_at));
                    }
                }
            }
            if !chased.is_empty() {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// A 督办提醒 or a 逾期 notice as the tasks stand now.
    pub(super) fn task_message(&self, record: &Delivery) -> String {
        let group = record.slot().group().unwrap_or(record.to.id);
        if record.kind == Kind::TaskReminder {
            let (chased, overdue) = self.chase(group, record.date).unwrap_or_else(|e| {
                tracing::error!(group, error = %e, "cannot read the tasks");
                (Vec::new(), Vec::new())
            });
            let chased: Vec<&Task> = chased.iter().collect();
            let overdue: Vec<&Task> = overdue.iter().collect();
            return replies::tasks::reminder(record.date, &chased, &overdue);
        }
        let mut parts = record.key.split('/');
        let number = parts.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        let stage = parts.next().and_then(Stage::parse).unwrap_or(Stage::Result);
        let task = self.inner.store.task(group, number).ok().flatten();
        let title = self.group_name(group);
        match task {
            Some(task) => replies::tasks::overdue_notice(&title, &task, stage),
            None => replies::tasks::overdue_notice_gone(&title, number),
        }
    }
}
