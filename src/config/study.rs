//! `schedule.study_from` of `config.toml`: the study categories the 第一议题 line rotates over.

use toml::Spanned;

use super::Problems;
use crate::content::Category;

/// The categories when `study_from` is not given.
pub const DEFAULT_STUDY_FROM: [Category; 1] = [Category::Quote];

/// The raw value: a list of names.
pub(super) type RawStudyFrom = Option<Spanned<Vec<Spanned<String>>>>;

/// Checks `schedule.study_from`: names or aliases of study categories (习语, 法规, 经典),
/// each once, at least one. Every bad name is noted in `problems`; then the default is used.
pub(super) fn parse(raw: &RawStudyFrom, problems: &mut Problems) -> Vec<Category> {
    const KEY: &str = "schedule.study_from";
    let Some(list) = raw else {
        return DEFAULT_STUDY_FROM.to_vec();
    };
    let names = || Category::STUDY.map(Category::name).join("、");
    if list.get_ref().is_empty() {
        let reason = format!("an empty list (name at least one of {})", names());
        problems.add(Some(list.span()), KEY, reason);
        return DEFAULT_STUDY_FROM.to_vec();
    }
    let mut out = Vec::new();
    let mut bad = false;
    for v in list.get_ref() {
        let name = v.get_ref();
        let reason = match Category::parse(name) {
            None => format!("unknown category {name:?} (expected {})", names()),
            Some(c) if !c.needs_source() => {
                format!(
                    "{name:?} is a category of the daily mirror, not of study (expected {})",
                    names()
                )
            }
            Some(c) if out.contains(&c) => format!("{name:?} ({c}) is listed twice"),
            Some(c) => {
                out.push(c);
                continue;
            }
        };
        problems.add(Some(v.span()), KEY, reason);
        bad = true;
    }
    if bad {
        return DEFAULT_STUDY_FROM.to_vec();
    }
    out
}
