//! `/subscribe`, `/unsubscribe`, `/settime`, `/setdays`, `/status`, and the subscription
//! changes of the group lifecycle: what they do to the store and the reply they get.

use chrono::{DateTime, NaiveTime, Utc};

use super::App;
use crate::calendar::{Calendar, DayRule};
use crate::config::Config;
use crate::delivery::Slot;
use crate::message::Address;
use crate::replies::{self, LastDelivery, Start, StatusView};
use crate::schedule;
use crate::store;
use crate::subscription::Subscription;

/// The chat a command came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatInfo {
    pub id: i64,
    /// "private", "group", "supergroup" or "channel".
    pub kind: &'static str,
    pub title: String,
}

impl ChatInfo {
    pub fn is_private(&self) -> bool {
        self.kind == "private"
    }
}

/// Subscribes the chat, or reactivates its subscription; idempotent. `time` replaces the
/// chat's own time when given.
pub fn subscribe(
    app: &App,
    chat: &ChatInfo,
    by: i64,
    time: Option<NaiveTime>,
) -> store::Result<String> {
    let now = app.now();
    let (sub, again) = match app.store.subscription(chat.id)? {
        Some(mut sub) if sub.active => {
            let time_changed = time.is_some() && time != sub.time;
            if time_changed || sub.title != chat.title {
                // A new title alone is no change of the rule: `changed_at` stays, so that
                // today's delivery is not put off.
                if time_changed {
                    sub.time = time;
                    sub.changed_at = now;
                }
                sub.title = chat.title.clone();
                app.store.put_subscription(&sub)?;
                app.changed.notify_one();
            }
            return Ok(replies::already_subscribed(
                chat.is_private(),
                time_changed,
                &time_label(app, &sub),
                &days_label(app, &sub),
                start(app, &sub)?,
            ));
        }
        Some(mut sub) => {
            sub.active = true;
            sub.reason = None;
            sub.time = time.or(sub.time);
            sub.title = chat.title.clone();
            sub.kind = chat.kind.to_string();
            sub.subscribed_by = by;
            sub.subscribed_at = now;
            sub.changed_at = now;
            (sub, true)
        }
        None => (
            Subscription {
                chat_id: chat.id,
                title: chat.title.clone(),
                kind: chat.kind.to_string(),
                time,
                days: None,
                active: true,
                reason: None,
                subscribed_by: by,
                subscribed_at: now,
                changed_at: now,
                checkin: true,
                orglife: None,
                tasks: false,
            },
            false,
        ),
    };
    app.store.put_subscription(&sub)?;
    app.changed.notify_one();
    tracing::info!(chat_id = chat.id, by, again, "subscribed");
    Ok(replies::subscribed(
        chat.is_private(),
        again,
        &time_label(app, &sub),
        &days_label(app, &sub),
        start(app, &sub)?,
    ))
}

/// Stops deliveries; the record stays, inactive, with the reason.
pub fn unsubscribe(app: &App, chat: &ChatInfo) -> store::Result<String> {
    if deactivate(app, chat.id, replies::REASON_UNSUBSCRIBED)? {
        tracing::info!(chat_id = chat.id, "unsubscribed");
        Ok(replies::unsubscribed(chat.is_private()))
    } else {
        Ok(replies::not_subscribed(chat.is_private()))
    }
}

/// Sets the chat's own delivery time.
pub fn set_time(app: &App, chat: &ChatInfo, time: NaiveTime) -> store::Result<String> {
    change(
        app,
        chat,
        |sub| sub.time = Some(time),
        |app, sub| replies::time_set(&time_label(app, sub)),
    )
}

/// Sets the chat's own day rule.
pub fn set_days(app: &App, chat: &ChatInfo, days: DayRule) -> store::Result<String> {
    change(
        app,
        chat,
        |sub| sub.days = Some(days),
        |app, sub| replies::days_set(&days_label(app, sub)),
    )
}

/// Applies a change of rule to a stored subscription (in one step of the store, so that a
/// change made at the same time by the delivery engine is not lost), and answers with
/// `done` and when the next delivery is.
fn change(
    app: &App,
    chat: &ChatInfo,
    apply: impl Fn(&mut Subscription),
    done: impl FnOnce(&App, &Subscription) -> String,
) -> store::Result<String> {
    let now = app.now();
    let changed = app.store.update_subscription(chat.id, |sub| {
        apply(sub);
        sub.changed_at = now;
    })?;
    let Some(sub) = changed else {
        return Ok(replies::not_subscribed(chat.is_private()));
    };
    app.changed.notify_one();
    let start = sub.active.then(|| start(app, &sub)).transpose()?;
    Ok(replies::changed(&done(app, &sub), start))
}

/// What is stored for the chat.
pub fn status(app: &App, chat: &ChatInfo) -> store::Result<String> {
    let sub = app.store.subscription(chat.id)?;
    let today = app.today();
    let mut view = StatusView {
        private: chat.is_private(),
        state: None,
        time: String::new(),
        days: String::new(),
        next: None,
        today,
        last_delivery: None,
    };
    if let Some(sub) = &sub {
        view.state = Some(match sub.active {
            true => None,
            false => Some(sub.reason.clone().unwrap_or_default()),
        });
        view.time = time_label(app, sub);
        view.days = days_label(app, sub);
        view.next = start(app, sub)?.next;
        view.last_delivery = app
            .store
            .last_delivery(Address::telegram(chat.id))?
            .map(|d| LastDelivery {
                due: d.due.with_timezone(&app.config.timezone).naive_local(),
                state: d.state,
                error: d.error,
            });
    }
    Ok(replies::status(&view))
}

/// Deactivates the chat's subscription with `reason`, in one step of the store. Returns
/// whether one was active.
pub fn deactivate(app: &App, chat_id: i64, reason: &str) -> store::Result<bool> {
    let now = app.now();
    let mut was_active = false;
    app.store.update_subscription(chat_id, |sub| {
        was_active = sub.active;
        if sub.active {
            sub.active = false;
            sub.reason = Some(reason.to_string());
            sub.changed_at = now;
        }
    })?;
    if was_active {
        app.changed.notify_one();
    }
    Ok(was_active)
}

/// A group became a supergroup: its subscription follows it. Returns whether one moved.
pub fn migrate(app: &App, from: i64, to: i64) -> store::Result<bool> {
    if from == to {
        return Ok(false);
    }
    let moved = app.store.move_subscription(from, to)?.is_some();
    if moved {
        app.changed.notify_one();
    }
    Ok(moved)
}

fn time_label(app: &App, sub: &Subscription) -> String {
    replies::time_label(sub.time, app.config.daily_at)
}

fn days_label(app: &App, sub: &Subscription) -> String {
    replies::days_label(sub.days, app.config.days)
}

/// When the subscription's next delivery is, as of now.
fn start(app: &App, sub: &Subscription) -> store::Result<Start> {
    let rule = schedule::rule_of(sub, &app.config);
    let now = app.now();
    let slot = Slot::edition(app.today(), Address::telegram(sub.chat_id));
    let had_today = app.store.delivery(&slot)?.is_some();
    Ok(start_of(rule, now, had_today, &app.config, &app.calendar))
}

/// When a subscription with `rule`, made or changed at `now`, gets its next delivery. The
/// delivery engine puts off a delivery whose due time passed before the change; and no chat
/// gets a day's edition twice (`had_today`: today's delivery is already in the log).
pub fn start_of(
    rule: (NaiveTime, DayRule),
    now: DateTime<Utc>,
    had_today: bool,
    config: &Config,
    calendar: &Calendar,
) -> Start {
    let tz = config.timezone;
    let today = schedule::local_date(now, tz);
    let served = |date| had_today && date == today;
    let next = schedule::next_due(rule, now, served, config, calendar);
    let due_today = schedule::due_on(rule, today, config, calendar);
    Start {
        passed_today: !had_today && due_today.is_some_and(|at| now > at),
        next: next.map(|at| at.with_timezone(&tz).naive_local()),
        today,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;
    use crate::delivery::{Delivery, State};
    use crate::store::Store;
    use crate::telegram;
    use chrono::{NaiveDate, NaiveDateTime, TimeZone};

    /// Monday 2026-11-30 09:00 in Shanghai: after the default 08:00.
    fn monday_nine() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 1, 0, 0).unwrap()
    }

    /// The bot's state with a real engine whose client points at a closed port: these
    /// handlers never send.
    fn app(dir: &std::path::Path) -> App {
        let toml = "[telegram]\napi_url = \"http://127.0.0.1:9/\"\n";
        let config = Config::parse("t.toml", toml, dir, &Env::default()).unwrap();
        let store = Store::open(&dir.join("db")).unwrap();
        let clock = crate::clock::Clock::starting_at(monday_nine());
        let sender =
            telegram::TelegramSender::new(telegram::client(&config).unwrap(), config.token.clone());
        App::new(
            config,
            store,
            Calendar::built_in(),
            clock,
            sender,
            tokio_util::sync::CancellationToken::new(),
        )
    }

    fn chat(title: &str) -> ChatInfo {
        ChatInfo {
            id: -5,
            kind: "group",
            title: title.into(),
        }
    }

    #[test]
    fn subscribe_is_idempotent_and_a_new_title_does_not_put_off_today() {
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        let a = subscribe(&app, &chat("支部"), 7, None).unwrap();
        assert!(a.contains("今天的投递时间已过，将从明天开始"), "{a}");
        let first = app.store.subscription(-5).unwrap().unwrap();
        // The clock runs on from Monday 09:00.
        assert!((first.changed_at - monday_nine()).num_seconds() < 5);

        let a = subscribe(&app, &chat("支部（新名）"), 8, None).unwrap();
        assert!(a.starts_with("本群已订阅。"), "{a}");
        let renamed = app.store.subscription(-5).unwrap().unwrap();
        assert_eq!(renamed.title, "支部（新名）");
        assert_eq!(
            (renamed.changed_at, renamed.subscribed_by),
            (first.changed_at, 7)
        );

        unsubscribe(&app, &chat("支部")).unwrap();
        let stopped = app.store.subscription(-5).unwrap().unwrap();
        assert_eq!(
            stopped.reason.as_deref(),
            Some(replies::REASON_UNSUBSCRIBED)
        );
        let a = subscribe(&app, &chat("支部"), 9, NaiveTime::from_hms_opt(10, 0, 0)).unwrap();
        assert!(
            a.starts_with("已恢复订阅") && a.contains("下次投递：今天 10:00"),
            "{a}"
        );
        let again = app.store.subscription(-5).unwrap().unwrap();
        assert!(again.active && again.reason.is_none());
        assert_eq!(again.subscribed_by, 9);
    }

    #[test]
    fn status_shows_the_next_delivery_day_once_today_is_served() {
        fn monday_seven() -> DateTime<Utc> {
            Utc.with_ymd_and_hms(2026, 11, 29, 23, 0, 0).unwrap()
        }
        let dir = tempfile::tempdir().unwrap();
        let app = app(dir.path());
        app.clock.set(monday_seven());
        subscribe(&app, &chat("支部"), 7, None).unwrap();
        let s = status(&app, &chat("支部")).unwrap();
        assert!(s.contains("下次投递：今天 08:00"), "{s}");
        let due = Utc.with_ymd_and_hms(2026, 11, 30, 0, 0, 0).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        app.store
            .put_deliveries(&[Delivery {
                state: State::Sent,
                message_id: Some(1),
                attempts: 1,
                ..Delivery::pending(
                    Slot::edition(today, Address::telegram(-5)),
                    due,
                    due + chrono::Duration::hours(2),
                    monday_seven(),
                )
            }])
            .unwrap();
        let s = status(&app, &chat("支部")).unwrap();
        assert!(s.contains("下次投递：2026年12月1日 星期二 08:00"), "{s}");
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn eight() -> NaiveTime {
        NaiveTime::from_hms_opt(8, 0, 0).unwrap()
    }

    /// The start of a subscription with `time` and `days`, made at local time `now` in `tz`.
    fn start_in(tz: &str, time: NaiveTime, days: DayRule, now: &str, had_today: bool) -> Start {
        let toml = format!("[schedule]\ntimezone = \"{tz}\"\n");
        let config =
            Config::parse("t.toml", &toml, std::path::Path::new(""), &Env::default()).unwrap();
        let now = config
            .timezone
            .from_local_datetime(&at(now))
            .single()
            .unwrap()
            .with_timezone(&Utc);
        start_of((time, days), now, had_today, &config, &Calendar::built_in())
    }

    fn start_at(days: DayRule, now: &str, had_today: bool) -> Start {
        start_in("Asia/Shanghai", eight(), days, now, had_today)
    }

    #[test]
    fn a_subscription_after_todays_time_starts_with_the_next_delivery_day() {
        let w = DayRule::Workdays;
        // Monday 2026-11-30, before, at and after 08:00.
        let before = start_at(w, "2026-11-30 07:59", false);
        assert!(!before.passed_today);
        assert_eq!(before.next, Some(at("2026-11-30 08:00")));
        let on_time = start_at(w, "2026-11-30 08:00", false);
        assert!(!on_time.passed_today);
        let after = start_at(w, "2026-11-30 08:01", false);
        assert!(after.passed_today);
        assert_eq!(after.next, Some(at("2026-12-01 08:00")));
        // Already delivered today: tomorrow, and nothing "passed".
        let had = start_at(w, "2026-11-30 07:00", true);
        assert!(!had.passed_today);
        assert_eq!(had.next, Some(at("2026-12-01 08:00")));
        // Friday evening: workdays go on Monday, everyday on Saturday.
        let friday = "2026-12-04 20:00";
        assert_eq!(
            start_at(w, friday, false).next,
            Some(at("2026-12-07 08:00"))
        );
        assert_eq!(
            start_at(DayRule::Everyday, friday, false).next,
            Some(at("2026-12-05 08:00"))
        );
        // A Saturday is no delivery day under workdays: nothing "passed" today.
        let saturday = start_at(w, "2026-12-05 09:00", false);
        assert!(!saturday.passed_today);
        assert_eq!(
            saturday.next.map(|n| n.date()),
            NaiveDate::from_ymd_opt(2026, 12, 7)
        );
        // Berlin on the morning of the spring change (2026-03-29): 02:30 does not exist and
        // is sent at 03:30 summer time, still ahead at 03:00.
        let half_past_two = NaiveTime::from_hms_opt(2, 30, 0).unwrap();
        let spring = start_in(
            "Europe/Berlin",
            half_past_two,
            DayRule::Everyday,
            "2026-03-29 03:00",
            false,
        );
        assert!(!spring.passed_today);
        assert_eq!(spring.next, Some(at("2026-03-29 03:30")));
    }
}
