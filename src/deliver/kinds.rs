//! What each kind of delivery sends: the one place that prepares a batch's message, picks
//! the deliveries a kind makes of the chats due, and turns a queued delivery into an
//! outgoing one. The dispatch loop, limits, retries and the log are the same for every
//! kind. A new kind is a variant of [`crate::delivery::Kind`] (its name in the log and its
//! key), its rule in [`crate::schedule`] (`takes`, `due_of`), and its arms here.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::NaiveDate;

use super::batch::Batch;
use super::port::{Outgoing, Sender};
use super::{Engine, Job, Result};
use crate::checkin;
use crate::delivery::{Delivery, Kind, Slot};
use crate::edition::Rules;
use crate::message::{Address, Attachment, Buttons};
use crate::orglife::{self, Mark};
use crate::overrides::Action;
use crate::replies;
use crate::report::Month;

/// What a kind prepares once for a batch.
pub(super) enum Prepared {
    /// The text every delivery of the batch starts from (empty for kinds rendered per
    /// group), and a file sent with it.
    Body(Arc<str>, Option<Attachment>),
    /// Nothing can be sent (the reason is recorded in each delivery; admins were told).
    Nothing(&'static str),
}

impl<S: Sender> Engine<S> {
    /// Prepares the batch of `kind` due on `date`.
    pub(super) fn prepare(&self, kind: Kind, date: NaiveDate) -> Result<Prepared> {
        match kind {
            Kind::Edition => {
                let rules = Rules::of(&self.inner.config, &self.inner.calendar);
                // Not started on a 停发 day; a batch resumed or pushed then sends nothing.
                if self.inner.store.override_on(date)?.map(|o| o.action) == Some(Action::Skip) {
                    return Ok(Prepared::Nothing("停发"));
                }
                let edition = self.inner.store.edition(date, &rules)?;
                if edition.is_empty() {
                    tracing::error!(%date, "the edition has no items: nothing sent");
                    self.tell_admins(replies::edition_has_no_items(date));
                    return Ok(Prepared::Nothing("no items"));
                }
                Ok(Prepared::Body(edition.html.into(), None))
            }
            Kind::MonthStart
            | Kind::MonthEnd
            | Kind::TaskReminder
            | Kind::TaskOverdue
            | Kind::Notice => Ok(Prepared::Body("".into(), None)),
            Kind::OrgSummary => {
                let month = Month::parse(&kind.key_on(date)).unwrap_or(Month::of(date));
                let items = &self.inner.config.orglife.items;
                let tz = self.inner.config.timezone;
                // The groups' sizes as Telegram last told them (a report, a join, a leave).
                let store = &self.inner.store;
                let summary =
                    store.month_summary(items, month, None, tz, &|id| store.headcount(id))?;
                let attachment = match orglife::summary::workbook(&summary) {
                    Ok(bytes) => Some(Attachment {
                        name: replies::orglife::summary_file_name(month),
                        bytes: bytes.into(),
                    }),
                    Err(e) => {
                        tracing::error!(error = %e, "cannot write the 通报 workbook; sending the text alone");
                        None
                    }
                };
                Ok(Prepared::Body(
                    replies::orglife::summary(&summary).into(),
                    attachment,
                ))
            }
        }
    }

    /// Whether `date` is a 停发 day, remembered in `known` for the dates of one pass.
    pub(super) fn skips(
        &self,
        known: &mut HashMap<NaiveDate, bool>,
        date: NaiveDate,
    ) -> Result<bool> {
        if let Some(&skips) = known.get(&date) {
            return Ok(skips);
        }
        let skips = self
            .inner
            .store
            .override_on(date)?
            .is_some_and(|o| o.action == Action::Skip);
        known.insert(date, skips);
        Ok(skips)
    }

    /// The deliveries a part of a batch makes of the chats due: the 月初提醒 and the 月末
    /// 调度 only to groups with something to list, the 月末调度 also privately to each of
    /// the group's admins who has a private chat with the bot; a message to a channel that
    /// sends it in parts ([`Sender::parts`]), one delivery per part.
    pub(super) fn deliveries_of(
        &self,
        batch: &Batch,
        part: Vec<Delivery>,
    ) -> Result<Vec<Delivery>> {
        let kind = batch.kind;
        if part.iter().any(|r| r.to.channel.is_robot()) {
            return Ok(self.in_parts(batch, part));
        }
        if kind == Kind::TaskReminder {
            return self.task_deliveries(part);
        }
        if !matches!(kind, Kind::MonthStart | Kind::MonthEnd) {
            return Ok(part);
        }
        let mut out = Vec::with_capacity(part.len());
        for r in part {
            let month = Month::of(r.date);
            let marks = self.inner.store.marks_of(r.to.id)?;
            let items = &self.inner.config.orglife.items;
            let listed = match kind {
                Kind::MonthStart => orglife::month_start(items, &marks, month),
                _ => orglife::month_end(items, &marks, month),
            };
            if listed.is_empty() {
                continue;
            }
            if kind == Kind::MonthEnd {
                for user in self.inner.store.admins_of(r.to.id)? {
                    if self.inner.store.has_private_chat(user)? {
                        let slot =
                            Slot::private_copy(kind, r.date, r.to.id, Address::telegram(user));
                        out.push(Delivery::pending(slot, r.due, r.deadline, r.updated_at));
                    }
                }
            }
            out.push(r);
        }
        Ok(out)
    }

    /// Each delivery of `part` as the deliveries of its message's parts, in order.
    fn in_parts(&self, batch: &Batch, part: Vec<Delivery>) -> Vec<Delivery> {
        let mut out = Vec::with_capacity(part.len());
        for r in part {
            let parts = match r.to.channel.is_robot() {
                true => self.inner.sender.parts(&self.outgoing_of(&r, batch)),
                false => 1,
            };
            let slot = r.slot();
            let more: Vec<Delivery> = (1..parts)
                .map(|n| Delivery::pending(slot.part(n), r.due, r.deadline, r.updated_at))
                .collect();
            out.push(r);
            out.extend(more);
        }
        out
    }

    /// The message for one attempt of `job`.
    pub(super) fn outgoing(&self, job: &Job) -> Outgoing {
        self.outgoing_of(&job.record, &job.batch)
    }

    /// The message of `record`, a delivery of `batch`.
    fn outgoing_of(&self, record: &Delivery, batch: &Batch) -> Outgoing {
        if record.to.channel.is_robot() {
            // A robot takes the same text, without buttons or files, in parts.
            let html = match record.kind {
                Kind::Notice => self.notice_message(record),
                _ => batch.body.to_string(),
            };
            return Outgoing {
                to: record.to,
                html,
                buttons: Buttons::new(),
                paid: false,
                attachment: None,
                part: record.part(),
            };
        }
        let (html, buttons) = match record.kind {
            Kind::Edition => (
                batch.body.to_string(),
                self.checkin_buttons(record.to, record.date),
            ),
            Kind::MonthStart | Kind::MonthEnd => self.orglife_message(record),
            Kind::OrgSummary => (batch.body.to_string(), Buttons::new()),
            Kind::TaskReminder | Kind::TaskOverdue => (self.task_message(record), Buttons::new()),
            Kind::Notice => (self.notice_message(record), Buttons::new()),
        };
        Outgoing {
            to: record.to,
            html,
            buttons,
            paid: self.inner.config.paid_broadcast,
            attachment: batch.attachment.clone(),
            part: 0,
        }
    }

    /// An address as texts name it: a chat's id, a robot's name.
    pub(super) fn address_name(&self, to: Address) -> String {
        if !to.channel.is_robot() {
            return to.id.to_string();
        }
        match self.inner.store.robot(to.id) {
            Ok(Some(robot)) => robot.title(),
            _ => to.to_string(),
        }
    }

    /// A group's 月初提醒 or 月末调度 as its marks stand now, with a button per open item;
    /// the private copy of a 月末调度 names the group and has no buttons.
    fn orglife_message(&self, record: &Delivery) -> (String, Buttons) {
        let month = Month::of(record.date);
        let group = record.slot().group().unwrap_or(record.to.id);
        let marks: Vec<Mark> = self.inner.store.marks_of(group).unwrap_or_else(|e| {
            tracing::error!(group, error = %e, "cannot read the organisational-life marks");
            Vec::new()
        });
        let items = &self.inner.config.orglife.items;
        if record.kind == Kind::MonthStart {
            let lines = orglife::month_start(items, &marks, month);
            return (
                replies::orglife::month_start(month, &lines),
                orglife::buttons(&lines),
            );
        }
        let lines = orglife::month_end(items, &marks, month);
        if group != record.to.id {
            let title = self.group_name(group);
            let html = replies::orglife::month_end_private(&title, month, &lines);
            return (html, Buttons::new());
        }
        (
            replies::orglife::month_end(month, &lines),
            orglife::buttons(&lines),
        )
    }

    /// A group's name for a private message about it: its title, or its id.
    pub(super) fn group_name(&self, group: i64) -> String {
        match self.inner.store.subscription(group) {
            Ok(Some(sub)) => sub.name(),
            _ => group.to_string(),
        }
    }

    /// The `✅ 已学习` button of a morning message, when check-in is on in the config and
    /// in the chat.
    fn checkin_buttons(&self, to: Address, date: NaiveDate) -> Buttons {
        if !self.inner.config.checkin {
            return Buttons::new();
        }
        let planned = self.lock_plan().get(to).map(|s| s.checkin);
        // A chat just moved to a supergroup id may not be in the plan yet.
        let on = match planned {
            Some(on) => on,
            None => match self.inner.store.subscription(to.id) {
                Ok(sub) => sub.is_none_or(|s| s.checkin),
                Err(_) => true,
            },
        };
        if !on {
            return Buttons::new();
        }
        // Normally 0; more when a message of unknown outcome is sent again.
        let count = self.inner.store.checkin_count(to.id, date).unwrap_or(0);
        checkin::keyboard(date, count)
    }
}
