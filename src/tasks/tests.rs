//! Unit tests of the 督办 milestone calendar and task standings.
//!
//! Dates come from China's official 2025–2026 arrangement (`calendar/cn-holidays.toml`):
//! 国庆 2026 is 10-01..10-07 off with 09-20 (Sun) and 10-10 (Sat) worked; 春节 2026 is
//! 02-15..02-23 off with 02-14 (Sat) and 02-28 (Sat) worked; 春节 2025 worked 01-26 (Sun).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::*;

const TZ: Tz = chrono_tz::Asia::Shanghai;
use Count::{Calendar as Cal, Workdays as Work};
use Stage::{Action, Progress, Result as Done};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A local time in Shanghai, `2026-11-09 23:59`.
fn at(s: &str) -> DateTime<Utc> {
    let local = chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap();
    TZ.from_local_datetime(&local).unwrap().with_timezone(&Utc)
}

fn cal() -> Calendar {
    Calendar::built_in()
}

/// Task `number` of group -1, created on `day0` (a normal one, counted in calendar days).
fn task(number: u32, day0: &str) -> Task {
    let day0 = d(day0);
    Task {
        chat_id: -1,
        number,
        title: format!("事项{number}"),
        major: false,
        day0,
        due: Milestones::of(day0, false, Cal, &cal()),
        created_by: 7,
        created_by_name: "甲".into(),
        created_at: at(&format!("{day0} 09:00")),
        reports: vec![],
        cancelled: None,
        card: None,
    }
}

fn report(stage: Stage, local: &str) -> Report {
    Report {
        stage,
        by: 8,
        by_name: "乙".into(),
        at: at(local),
        text: (stage == Progress).then(|| "过半".into()),
    }
}

/// `t` with these stages reported, at local times.
fn with(mut t: Task, reports: &[(Stage, &str)]) -> Task {
    t.reports = reports.iter().map(|&(s, when)| report(s, when)).collect();
    t
}

fn cancelled(mut t: Task, local: &str) -> Task {
    t.cancelled = Some(report(Action, local));
    t
}

#[test]
fn milestones_count_calendar_or_working_days() {
    // (day 0, major, count, 进展, 结果); 行动 is always day 0 itself.
    let cases = [
        // A plain week: Monday.
        ("2026-11-02", false, Cal, "2026-11-05", "2026-11-09"),
        ("2026-11-02", false, Work, "2026-11-05", "2026-11-11"),
        ("2026-11-02", true, Cal, "2026-11-05", "2026-11-17"),
        ("2026-11-02", true, Work, "2026-11-05", "2026-11-23"),
        // Created on a Saturday: day 0 is the Saturday; with working days the 3rd day is
        // the 3rd working day after it (Mon, Tue, Wed).
        ("2026-11-07", false, Cal, "2026-11-10", "2026-11-14"),
        ("2026-11-07", false, Work, "2026-11-11", "2026-11-17"),
        ("2026-11-07", true, Work, "2026-11-11", "2026-11-27"),
        // 国庆 2026: from the eve, the working days are 10-08, 10-09 and the make-up
        // Saturday 10-10.
        ("2026-09-30", false, Cal, "2026-10-03", "2026-10-07"),
        ("2026-09-30", false, Work, "2026-10-10", "2026-10-15"),
        ("2026-09-30", true, Cal, "2026-10-03", "2026-10-15"),
        ("2026-09-30", true, Work, "2026-10-10", "2026-10-27"),
        // Created on the holiday itself: day 0 stays the holiday.
        ("2026-10-01", false, Cal, "2026-10-04", "2026-10-08"),
        ("2026-10-01", false, Work, "2026-10-10", "2026-10-15"),
        // Created on the make-up Saturday 10-10.
        ("2026-10-10", false, Cal, "2026-10-13", "2026-10-17"),
        ("2026-10-10", false, Work, "2026-10-14", "2026-10-20"),
        // 春节 2026: the make-up Saturday 02-14 is the first working day after 02-13; the
        // second is 02-24; the make-up Saturday 02-28 counts.
        ("2026-02-13", false, Cal, "2026-02-16", "2026-02-20"),
        ("2026-02-13", false, Work, "2026-02-25", "2026-03-02"),
        ("2026-02-13", true, Cal, "2026-02-16", "2026-02-28"),
        ("2026-02-13", true, Work, "2026-02-25", "2026-03-12"),
        // Created on the make-up Saturday 02-14 (a working day, but day 0 never counts).
        ("2026-02-14", false, Work, "2026-02-26", "2026-03-03"),
        // Created on the first day of 春节.
        ("2026-02-15", false, Cal, "2026-02-18", "2026-02-22"),
        ("2026-02-15", false, Work, "2026-02-26", "2026-03-03"),
        // Created on the make-up Sunday of 春节 2025 (01-26).
        ("2025-01-26", false, Cal, "2025-01-29", "2025-02-02"),
        ("2025-01-26", false, Work, "2025-02-06", "2025-02-11"),
        // Across 元旦 2026 (01-01..01-03 off, Sunday 01-04 worked).
        ("2025-12-31", false, Work, "2026-01-06", "2026-01-12"),
        // Into 2027, whose arrangement is unknown: Mon–Fri except 元旦 01-01.
        ("2026-12-28", false, Work, "2026-12-31", "2027-01-07"),
    ];
    let cal = cal();
    for (day0, major, count, progress, result) in cases {
        let got = Milestones::of(d(day0), major, count, &cal);
        let want = Milestones {
            action: d(day0),
            progress: d(progress),
            result: d(result),
        };
        assert_eq!(got, want, "{day0} major={major} {count:?}");
        for stage in Stage::ALL {
            assert_eq!(
                got.of_stage(stage),
                after(d(day0), stage.day(major), count, &cal),
                "{day0} {stage:?}"
            );
        }
    }
}

#[test]
fn stage_days_are_0_3_7_or_15() {
    let days: Vec<_> = Stage::ALL
        .iter()
        .map(|s| (s.day(false), s.day(true)))
        .collect();
    assert_eq!(days, vec![(0, 0), (3, 3), (7, 15)]);
}

#[test]
fn day_0_is_never_moved() {
    // A weekday, a Saturday, a holiday, a make-up working day.
    for day0 in ["2026-11-02", "2026-11-07", "2026-10-01", "2026-10-10"] {
        for count in [Cal, Work] {
            assert_eq!(after(d(day0), 0, count, &cal()), d(day0), "{day0}");
        }
    }
}

#[test]
fn count_is_parsed_from_the_config_words() {
    assert_eq!(Count::parse("calendar"), Some(Cal));
    assert_eq!(Count::parse(" workdays "), Some(Work));
    assert_eq!(Count::parse("weekdays"), None);
    assert_eq!(Count::default(), Cal);
}

#[test]
fn reminder_day_is_the_last_delivery_day_on_or_before_the_milestone() {
    use DayRule::{Everyday, Workdays};
    // (day 0, milestone, rule, reminder day)
    let cases = [
        // A milestone on a Sunday is chased on the Friday before (on workdays).
        ("2026-11-08", "2026-11-15", Workdays, Some("2026-11-13")),
        ("2026-11-08", "2026-11-15", Everyday, Some("2026-11-15")),
        // On a working day: that day.
        ("2026-11-07", "2026-11-10", Workdays, Some("2026-11-10")),
        // A milestone on day 0 is never chased.
        ("2026-11-13", "2026-11-13", Workdays, None),
        ("2026-11-13", "2026-11-13", Everyday, None),
        // No delivery day after day 0 up to the milestone: Friday → Saturday.
        ("2026-11-13", "2026-11-14", Workdays, None),
        ("2026-11-13", "2026-11-14", Everyday, Some("2026-11-14")),
        // 国庆 2026: from 09-30, nothing is delivered up to 10-07 on workdays.
        ("2026-09-30", "2026-10-03", Workdays, None),
        ("2026-09-30", "2026-10-07", Workdays, None),
        ("2026-09-30", "2026-10-07", Everyday, Some("2026-10-07")),
        // …from 09-29, the eve 09-30 is the last working day before the holiday.
        ("2026-09-29", "2026-10-07", Workdays, Some("2026-09-30")),
        // The make-up Saturday 10-10 is a delivery day.
        ("2026-09-30", "2026-10-10", Workdays, Some("2026-10-10")),
        // 春节 2026: milestones inside the holiday are chased on the make-up Saturday.
        ("2026-02-13", "2026-02-16", Workdays, Some("2026-02-14")),
        ("2026-02-13", "2026-02-20", Workdays, Some("2026-02-14")),
        ("2026-02-13", "2026-02-28", Workdays, Some("2026-02-28")),
    ];
    let cal = cal();
    for (day0, due, rule, want) in cases {
        assert_eq!(
            reminder_day(d(day0), d(due), &cal, rule),
            want.map(d),
            "{day0} → {due} {rule:?}"
        );
    }
}

#[test]
fn notice_day_is_the_first_delivery_day_after_the_milestone() {
    use DayRule::{Everyday, Workdays};
    let cases = [
        ("2026-11-13", Workdays, "2026-11-16"),
        ("2026-11-13", Everyday, "2026-11-14"),
        ("2026-11-14", Workdays, "2026-11-16"),
        // The eve of 国庆 2026: noticed when work resumes.
        ("2026-09-30", Workdays, "2026-10-08"),
        ("2026-09-30", Everyday, "2026-10-01"),
        // The make-up Saturdays are delivery days.
        ("2026-10-09", Workdays, "2026-10-10"),
        ("2026-02-13", Workdays, "2026-02-14"),
        ("2026-02-27", Workdays, "2026-02-28"),
        // Into 2027: 元旦 is a fixed holiday even unannounced.
        ("2026-12-31", Workdays, "2027-01-04"),
    ];
    let cal = cal();
    for (due, rule, want) in cases {
        assert_eq!(notice_day(d(due), &cal, rule), d(want), "{due} {rule:?}");
    }
}

#[test]
fn a_task_stands_by_its_reports_and_the_day() {
    // Created Monday 2026-11-02: 行动 11-02, 进展 11-05, 结果 11-09.
    let t = task(1, "2026-11-02");
    const A: &str = "2026-11-02 10:00";
    const P: &str = "2026-11-05 18:00";
    // (reports, today, standing, missed)
    type Case = (
        &'static [(Stage, &'static str)],
        &'static str,
        Standing,
        Vec<Stage>,
    );
    let cases: Vec<Case> = vec![
        (&[], "2026-11-02", Standing::Open(Action), vec![]),
        (&[], "2026-11-03", Standing::Overdue(Action), vec![Action]),
        (
            &[],
            "2026-11-06",
            Standing::Overdue(Action),
            vec![Action, Progress],
        ),
        (
            &[],
            "2026-11-10",
            Standing::Overdue(Action),
            vec![Action, Progress, Done],
        ),
        (
            &[(Action, A)],
            "2026-11-03",
            Standing::Open(Progress),
            vec![],
        ),
        (
            &[(Action, A)],
            "2026-11-05",
            Standing::Open(Progress),
            vec![],
        ),
        (
            &[(Action, A)],
            "2026-11-06",
            Standing::Overdue(Progress),
            vec![Progress],
        ),
        (
            &[(Action, A), (Progress, P)],
            "2026-11-09",
            Standing::Open(Done),
            vec![],
        ),
        (
            &[(Action, A), (Progress, P)],
            "2026-11-10",
            Standing::Overdue(Done),
            vec![Done],
        ),
        // Skipping: 进展 reported covers 行动.
        (&[(Progress, A)], "2026-11-04", Standing::Open(Done), vec![]),
        (
            &[(Progress, A)],
            "2026-11-10",
            Standing::Overdue(Done),
            vec![Done],
        ),
        // 已办结 straight away finishes it, even late.
        (&[(Done, A)], "2026-11-02", Standing::Finished, vec![]),
        (
            &[(Done, "2026-11-20 09:00")],
            "2026-11-30",
            Standing::Finished,
            vec![],
        ),
    ];
    for (reports, today, standing, missed) in cases {
        let t = with(t.clone(), reports);
        assert_eq!(t.standing(d(today)), standing, "{reports:?} on {today}");
        assert_eq!(t.missed(d(today)), missed, "{reports:?} on {today}");
    }
}

#[test]
fn skipped_stages_count_as_reached() {
    let t = with(task(1, "2026-11-02"), &[(Progress, "2026-11-03 09:00")]);
    assert_eq!(t.stage(), Some(Progress));
    assert!(t.reached(Action) && t.reached(Progress) && !t.reached(Done));
    // Only the stage itself has a report.
    assert!(t.report_of(Action).is_none());
    assert_eq!(t.next_milestone(), Some((Done, d("2026-11-09"))));
    assert!(t.is_open());

    let t = with(task(1, "2026-11-02"), &[(Done, "2026-11-02 11:00")]);
    assert!(Stage::ALL.iter().all(|&s| t.reached(s)));
    assert!(t.is_finished() && !t.is_open());
    assert_eq!(t.next_milestone(), None);
    assert_eq!(t.on_time(TZ), Some(true));
    assert!(buttons(&t).is_empty());
}

#[test]
fn the_next_milestone_is_the_first_not_reached() {
    let t = task(1, "2026-11-02");
    assert_eq!(t.next_milestone(), Some((Action, d("2026-11-02"))));
    let t = with(t, &[(Action, "2026-11-02 10:00")]);
    assert_eq!(t.next_milestone(), Some((Progress, d("2026-11-05"))));
    assert_eq!(cancelled(t, "2026-11-03 10:00").next_milestone(), None);
}

#[test]
fn a_cancelled_task_is_neither_missed_nor_chased() {
    let t = cancelled(task(1, "2026-11-02"), "2026-11-03 10:00");
    assert_eq!(t.standing(d("2026-11-30")), Standing::Cancelled);
    assert!(!t.is_open());
    assert!(t.missed(d("2026-11-30")).is_empty());
    assert!(
        t.chased_on(d("2026-11-05"), &cal(), DayRule::Everyday)
            .is_empty()
    );
    assert!(buttons(&t).is_empty());
    // Cancelled wins over finished.
    let t = cancelled(
        with(task(2, "2026-11-02"), &[(Done, "2026-11-02 10:00")]),
        "2026-11-03 10:00",
    );
    assert_eq!(t.standing(d("2026-11-30")), Standing::Cancelled);
}

/// Every day of November 2026 on which `t` is chased, with what.
fn chases(t: &Task, rule: DayRule) -> Vec<(NaiveDate, Vec<Stage>)> {
    let cal = cal();
    Month::new(2026, 11)
        .unwrap()
        .days()
        .map(|day| (day, t.chased_on(day, &cal, rule)))
        .filter(|(_, stages)| !stages.is_empty())
        .collect()
}

#[test]
fn each_open_milestone_is_chased_once_on_its_reminder_day() {
    // Created Thursday 11-05: 进展 on Sunday 11-08, 结果 on Thursday 11-12.
    let t = task(1, "2026-11-05");
    assert_eq!(
        chases(&t, DayRule::Workdays),
        vec![
            (d("2026-11-06"), vec![Progress]),
            (d("2026-11-12"), vec![Done])
        ]
    );
    assert_eq!(
        chases(&t, DayRule::Everyday),
        vec![
            (d("2026-11-08"), vec![Progress]),
            (d("2026-11-12"), vec![Done])
        ]
    );
    // A milestone reached is not chased; nothing is once finished or cancelled.
    let acted = with(t.clone(), &[(Progress, "2026-11-05 12:00")]);
    assert_eq!(
        chases(&acted, DayRule::Workdays),
        vec![(d("2026-11-12"), vec![Done])]
    );
    let done = with(t.clone(), &[(Done, "2026-11-06 12:00")]);
    assert!(chases(&done, DayRule::Workdays).is_empty());
    assert!(chases(&cancelled(t, "2026-11-05 12:00"), DayRule::Everyday).is_empty());

    // Both milestones inside 春节 2026 are chased together on the make-up Saturday.
    let t = task(2, "2026-02-13");
    let cal = cal();
    assert_eq!(
        t.chased_on(d("2026-02-14"), &cal, DayRule::Workdays),
        vec![Progress, Done]
    );
    assert_eq!(
        t.chased_on(d("2026-02-14"), &cal, DayRule::Everyday),
        Vec::<Stage>::new()
    );
    // 行动 is due on day 0 and never chased.
    assert!(
        t.chased_on(d("2026-02-13"), &cal, DayRule::Everyday)
            .is_empty()
    );
}

#[test]
fn on_time_compares_the_local_date_of_the_result_with_its_milestone() {
    // 结果 due Monday 11-09.
    let t = task(1, "2026-11-02");
    assert_eq!(t.on_time(TZ), None);
    let cases = [
        ("2026-11-09 23:59", true),
        // 00:30 in Shanghai is still 11-09 in UTC: late all the same.
        ("2026-11-10 00:30", false),
        ("2026-11-02 09:00", true),
        ("2026-11-12 09:00", false),
    ];
    for (when, on_time) in cases {
        let t = with(t.clone(), &[(Done, when)]);
        assert_eq!(t.on_time(TZ), Some(on_time), "{when}");
    }
    // Only 结果 itself counts: 进展 alone is not a result.
    let t = with(t, &[(Progress, "2026-11-03 09:00")]);
    assert_eq!(t.on_time(TZ), None);
}

#[test]
fn the_board_lists_open_tasks_overdue_first_then_by_next_milestone() {
    let today = d("2026-11-10");
    let tasks = vec![
        // 进展 due 11-12, open.
        with(task(1, "2026-11-09"), &[(Action, "2026-11-09 10:00")]),
        // Finished: not listed.
        with(task(2, "2026-11-02"), &[(Done, "2026-11-03 10:00")]),
        // 行动 missed on 11-02: overdue, next milestone 11-02.
        task(3, "2026-11-02"),
        // Cancelled: not listed.
        cancelled(task(4, "2026-11-09"), "2026-11-09 12:00"),
        // 进展 due 11-13, open.
        with(task(5, "2026-11-10"), &[(Action, "2026-11-10 10:00")]),
        // 进展 missed on 11-08: overdue, next milestone 11-08.
        with(task(6, "2026-11-05"), &[(Action, "2026-11-05 10:00")]),
        // Created today, 行动 due today: open, next milestone 11-10.
        task(7, "2026-11-10"),
        // Same next milestone as #5 (11-13): by number.
        with(task(8, "2026-11-10"), &[(Action, "2026-11-10 11:00")]),
        // Same day as #3, both overdue: by number.
        task(9, "2026-11-02"),
    ];
    let numbers: Vec<u32> = board(&tasks, today).iter().map(|t| t.number).collect();
    assert_eq!(numbers, vec![3, 9, 6, 7, 1, 5, 8]);
    assert!(board(&[], today).is_empty());
}

#[test]
fn month_figures_count_created_on_time_late_and_open() {
    let nov = Month::new(2026, 11).unwrap();
    // (task, created, on time, late, open) in November 2026.
    let cases = [
        (task(1, "2026-11-02"), 1, 0, 0, 1),
        (
            with(task(2, "2026-11-02"), &[(Done, "2026-11-09 20:00")]),
            1,
            1,
            0,
            0,
        ),
        (
            with(task(3, "2026-11-02"), &[(Done, "2026-11-10 00:30")]),
            1,
            0,
            1,
            0,
        ),
        // Reported 12-01 00:30 in Shanghai (still November in UTC): open at November's end.
        (
            with(task(4, "2026-11-25"), &[(Done, "2026-12-01 00:30")]),
            1,
            0,
            0,
            1,
        ),
        // From October: finished late in November, or still open.
        (
            with(task(5, "2026-10-28"), &[(Done, "2026-11-06 09:00")]),
            0,
            0,
            1,
            0,
        ),
        (task(6, "2026-10-20"), 0, 0, 0, 1),
        // Finished in October: nothing for November.
        (
            with(task(7, "2026-10-20"), &[(Done, "2026-10-21 09:00")]),
            0,
            0,
            0,
            0,
        ),
        // Created in December: not yet there.
        (task(8, "2026-12-01"), 0, 0, 0, 0),
        // Cancelled in November: created counts, open does not.
        (
            cancelled(task(9, "2026-11-03"), "2026-11-04 09:00"),
            1,
            0,
            0,
            0,
        ),
        // Cancelled in December: it was open at November's end.
        (
            cancelled(task(10, "2026-11-03"), "2026-12-02 09:00"),
            1,
            0,
            0,
            1,
        ),
        // 进展 is not a result: open.
        (
            with(task(11, "2026-11-20"), &[(Progress, "2026-11-21 09:00")]),
            1,
            0,
            0,
            1,
        ),
        // Created on the month's last day, on time on the next month's first.
        (
            with(task(12, "2026-11-30"), &[(Done, "2026-12-01 09:00")]),
            1,
            0,
            0,
            1,
        ),
    ];
    let mut all = Vec::new();
    let mut sum = MonthTasks::default();
    for (t, created, on_time, late, open) in cases {
        let want = MonthTasks {
            created,
            on_time,
            late,
            open,
        };
        assert_eq!(
            MonthTasks::of(std::slice::from_ref(&t), nov, TZ),
            want,
            "#{}",
            t.number
        );
        sum.created += created;
        sum.on_time += on_time;
        sum.late += late;
        sum.open += open;
        all.push(t);
    }
    assert_eq!(MonthTasks::of(&all, nov, TZ), sum);
    // December: #4 (due 12-02) and #12 (due 12-07) finished on time; #8 created; #10 was
    // cancelled before December's end.
    let dec = Month::new(2026, 12).unwrap();
    let dec_of = |n: u32| MonthTasks::of(std::slice::from_ref(&all[n as usize - 1]), dec, TZ);
    assert_eq!(dec_of(4).on_time, 1);
    assert_eq!(dec_of(12).on_time, 1);
    assert_eq!(dec_of(8).created, 1);
    assert_eq!(dec_of(10), MonthTasks::default());
}

#[test]
fn task_arguments_are_parsed() {
    use TaskCommand::{Cancel, Create, Show};
    let create = |major: bool, title: &str| {
        Ok(Create {
            major,
            title: title.into(),
        })
    };
    let long = "事".repeat(MAX_TITLE_CHARS);
    let too_long = "事".repeat(MAX_TITLE_CHARS + 1);
    let major_long = format!("重大 {long}");
    let cases: Vec<(&str, std::result::Result<TaskCommand, TitleError>)> = vec![
        ("重大 事项", create(true, "事项")),
        ("事项", create(false, "事项")),
        ("  落实 整改  ", create(false, "落实 整改")),
        ("重大　事项", create(true, "事项")),
        ("12月 工作", create(false, "12月 工作")),
        ("重大事项", create(false, "重大事项")),
        ("12", Ok(Show(12))),
        ("#12", Ok(Show(12))),
        ("＃12", Ok(Show(12))),
        (" 12 ", Ok(Show(12))),
        ("12 撤销", Ok(Cancel(12))),
        ("#12 取消", Ok(Cancel(12))),
        ("12 cancel", Ok(Cancel(12))),
        ("12 事项", create(false, "12 事项")),
        ("", Err(TitleError::Empty)),
        ("   ", Err(TitleError::Empty)),
        ("重大", Err(TitleError::Empty)),
        ("重大  ", Err(TitleError::Empty)),
        ("12 13", Err(TitleError::Digits)),
        ("重大 12", Err(TitleError::Digits)),
        ("# 12", Err(TitleError::Digits)),
        ("99999999999", Err(TitleError::Digits)),
        (&long, create(false, &long)),
        (&too_long, Err(TitleError::TooLong(MAX_TITLE_CHARS + 1))),
        (&major_long, create(true, &long)),
    ];
    for (args, want) in cases {
        assert_eq!(TaskCommand::parse(args), want, "{args:?}");
    }
    assert_eq!(MAX_TITLE_CHARS, 200);
    assert_eq!(
        TaskCommand::parse(&"a".repeat(201)),
        Err(TitleError::TooLong(201))
    );
}

#[test]
fn button_data_round_trips_and_bad_data_is_refused() {
    for number in [1, 12, u32::MAX] {
        for stage in Stage::ALL {
            let data = button_data(number, stage);
            assert!(data.len() <= 64, "Telegram's limit: {data}");
            assert_eq!(parse_button(&data), Some((number, stage)), "{data}");
        }
    }
    assert_eq!(button_data(12, Progress), "tk:12:progress");
    for bad in [
        "",
        "tk:",
        "tk:12",
        "tk:12:",
        "tk::action",
        "tk:x:action",
        "tk:-1:action",
        "tk:12:done",
        "tk:12:Action",
        "tk:12:action:1",
        "ci:12:action",
        "12:action",
    ] {
        assert_eq!(parse_button(bad), None, "{bad:?}");
    }
    for stage in Stage::ALL {
        assert_eq!(Stage::parse(stage.as_str()), Some(stage));
    }
}

#[test]
fn an_open_card_has_three_buttons() {
    let t = with(task(5, "2026-11-02"), &[(Action, "2026-11-02 10:00")]);
    let rows = buttons(&t);
    assert_eq!(rows.len(), 1);
    let labels: Vec<(&str, Option<(u32, Stage)>)> = rows[0]
        .iter()
        .map(|b| (b.text.as_str(), parse_button(&b.data)))
        .collect();
    assert_eq!(
        labels,
        vec![
            ("已行动", Some((5, Action))),
            ("报进展", Some((5, Progress))),
            ("已办结", Some((5, Done))),
        ]
    );
}

#[test]
fn a_task_survives_serde_with_optional_fields_left_out() {
    let t = with(task(3, "2026-11-02"), &[(Progress, "2026-11-03 09:00")]);
    let json = serde_json::to_string(&t).unwrap();
    assert!(
        !json.contains("cancelled") && !json.contains("card"),
        "{json}"
    );
    assert!(json.contains("\"stage\":\"progress\""), "{json}");
    assert_eq!(serde_json::from_str::<Task>(&json).unwrap(), t);
    assert_eq!(
        t.latest_progress().and_then(|r| r.text.as_deref()),
        Some("过半")
    );
}
