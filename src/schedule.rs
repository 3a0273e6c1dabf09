//! When things are due: delivery days, due instants and the study rule, pure.

use chrono::{Datelike, Duration, NaiveDate};

use crate::calendar::{Calendar, DayRule};
use crate::config::StudyRule;

/// Whether the morning message of `date` carries the 第一议题 line. "monday" means the first
/// delivery day (under `days`) of the date's week.
pub fn study_on(study: StudyRule, calendar: &Calendar, days: DayRule, date: NaiveDate) -> bool {
    match study {
        StudyRule::Daily => true,
        StudyRule::Off => false,
        StudyRule::Monday => {
            let monday = date - Duration::days(date.weekday().num_days_from_monday() as i64);
            calendar.is_delivery_day(days, date)
                && monday
                    .iter_days()
                    .take_while(|d| *d < date)
                    .all(|d| !calendar.is_delivery_day(days, d))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn study_rules() {
        let cal = Calendar::built_in();
        let w = DayRule::Workdays;
        assert!(study_on(StudyRule::Daily, &cal, w, d("2026-12-02")));
        assert!(!study_on(StudyRule::Off, &cal, w, d("2026-11-30")));
        assert!(study_on(StudyRule::Monday, &cal, w, d("2026-11-30")));
        assert!(!study_on(StudyRule::Monday, &cal, w, d("2026-12-01")));
        // 2026-10-05 (Mon) to 10-07 are 国庆节 holidays: the week's first workday is Thursday 10-08.
        assert!(!study_on(StudyRule::Monday, &cal, w, d("2026-10-07")));
        assert!(study_on(StudyRule::Monday, &cal, w, d("2026-10-08")));
        assert!(!study_on(StudyRule::Monday, &cal, w, d("2026-10-09")));
    }
}
