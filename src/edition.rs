//! The daily edition: rotation of items and rendering to Telegram HTML, pure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::content::{Category, Item};
use crate::overrides::{Action, Override};

/// Telegram's limit on a message, in UTF-16 code units after entity parsing.
pub const MAX_MESSAGE_UTF16: usize = 4096;

/// Which items each category has used in its current cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rotation {
    #[serde(default)]
    pub used: BTreeMap<Category, BTreeSet<u64>>,
}

impl Rotation {
    /// Takes the next item of `category` from `items`: the lowest id not used in this cycle;
    /// when every item has been used, a new cycle starts. Pinned items never rotate.
    fn take<'a>(&mut self, items: &'a [Item], category: Category) -> Option<&'a Item> {
        let mut pool: Vec<&Item> = items
            .iter()
            .filter(|i| i.category == category && !i.is_pinned())
            .collect();
        pool.sort_by_key(|i| i.id);
        let used = self.used.entry(category).or_default();
        let next = pool.iter().find(|i| !used.contains(&i.id)).copied();
        let item = match next {
            Some(i) => i,
            None => {
                used.clear();
                *pool.first()?
            }
        };
        used.insert(item.id);
        Some(item)
    }
}

/// One day's edition, the same for every chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edition {
    pub date: NaiveDate,
    /// The item ids shown, in order (mirror categories, then the study item).
    pub items: Vec<u64>,
    /// The message as sent (Telegram HTML).
    pub html: String,
}

impl Edition {
    /// An edition with nothing to read (no items and no override text, or 停发) is not sent.
    pub fn is_empty(&self) -> bool {
        self.html.is_empty()
    }
}

/// Composes the edition of `date` from all stored items and the rotation state; returns the
/// edition and the rotation state after it. `with_study` adds the 第一议题 line. The day's
/// override, if any: 停发 gives an empty edition and leaves the rotation as it was; 附加
/// adds a `重要提示` section after the four reminders; 替换 puts its text in their place and
/// leaves their categories' rotation as it was.
pub fn compose(
    items: &[Item],
    rotation: &Rotation,
    date: NaiveDate,
    with_study: bool,
    change: Option<&Override>,
) -> (Edition, Rotation) {
    let action = change.map(|o| o.action);
    if action == Some(Action::Skip) {
        let edition = Edition {
            date,
            items: Vec::new(),
            html: String::new(),
        };
        return (edition, rotation.clone());
    }
    let mut rotation = rotation.clone();
    let mut pick = |category: Category| -> Option<&Item> {
        let pinned = items
            .iter()
            .filter(|i| i.category == category && i.dates.iter().any(|d| d.matches(date)))
            .min_by_key(|i| i.id);
        pinned.or_else(|| rotation.take(items, category))
    };
    let mut parts: Vec<Part> = Vec::new();
    let mut ids = Vec::new();
    let mirror = if action == Some(Action::Replace) {
        Vec::new()
    } else {
        Category::MIRROR.to_vec()
    };
    for category in mirror {
        if let Some(item) = pick(category) {
            ids.push(item.id);
            parts.push(Part::of(item, format!("{}提醒", category.name()), false));
        }
    }
    if let Some(o) = change {
        let label = match o.action {
            Action::Append => NOTICE,
            _ => "",
        };
        parts.push(Part::text(label, &o.text));
    }
    let study = with_study
        .then(|| Category::STUDY.into_iter().find_map(&mut pick))
        .flatten();
    if let Some(item) = study {
        ids.push(item.id);
        let quoted = item.category != Category::Law;
        parts.push(Part::of(item, "第一议题".into(), quoted));
    }
    let html = if parts.is_empty() {
        String::new()
    } else {
        render("纪律明镜·天天照", &date_line(date), parts)
    };
    let edition = Edition {
        date,
        items: ids,
        html,
    };
    (edition, rotation)
}

/// The edition `date` would have if nothing is composed before it except on the delivery
/// days from `from` on: simulates the rotation forward without storing anything.
pub fn forecast(
    items: &[Item],
    rotation: &Rotation,
    from: NaiveDate,
    date: NaiveDate,
    delivers: impl Fn(NaiveDate) -> bool,
    with_study: impl Fn(NaiveDate) -> bool,
    overrides: &[Override],
) -> Edition {
    let mut rotation = rotation.clone();
    for d in from.iter_days().take_while(|d| *d < date) {
        if delivers(d) {
            let change = Override::on(overrides, d);
            rotation = compose(items, &rotation, d, with_study(d), change).1;
        }
    }
    let change = Override::on(overrides, date);
    compose(items, &rotation, date, with_study(date), change).0
}

/// The 逢会必学 card of `date`: one 习语, one 法规, one 经典, fixed per date and outside the
/// rotation. `None` when there are no study items at all.
pub fn study_card(items: &[Item], date: NaiveDate) -> Option<String> {
    let day = date.num_days_from_ce() as usize;
    let parts: Vec<Part> = Category::STUDY
        .into_iter()
        .filter_map(|category| {
            let mut pool: Vec<&Item> = items.iter().filter(|i| i.category == category).collect();
            pool.sort_by_key(|i| i.id);
            let item = pool.get(day % pool.len().max(1))?;
            Some(Part::of(
                item,
                category.name().to_string(),
                category != Category::Law,
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| render("逢会必学", &date_line(date), parts))
}

/// "2026年11月30日 星期一".
pub fn date_line(date: NaiveDate) -> String {
    let weekday = match date.weekday() {
        Weekday::Mon => "一",
        Weekday::Tue => "二",
        Weekday::Wed => "三",
        Weekday::Thu => "四",
        Weekday::Fri => "五",
        Weekday::Sat => "六",
        Weekday::Sun => "日",
    };
    format!(
        "{}年{}月{}日 星期{}",
        date.year(),
        date.month(),
        date.day(),
        weekday
    )
}

/// The label of a 附加 override's section.
const NOTICE: &str = "重要提示";

/// One labelled line of a message (an unlabelled one: a 替换 override's text).
struct Part {
    label: String,
    text: String,
    source: Option<String>,
    quoted: bool,
}

impl Part {
    fn of(item: &Item, label: String, quoted: bool) -> Part {
        Part {
            label,
            text: item.text.clone(),
            source: item.source.clone(),
            quoted,
        }
    }

    fn text(label: &str, text: &str) -> Part {
        Part {
            label: label.to_string(),
            text: text.to_string(),
            source: None,
            quoted: false,
        }
    }

    /// The line as a member reads it.
    fn visible(&self) -> String {
        let text = if self.quoted {
            format!("“{}”", self.text)
        } else {
            self.text.clone()
        };
        match &self.source {
            Some(s) => format!("{}：{}——{}", self.label, text, s),
            None if self.label.is_empty() => text,
            None => format!("{}：{}", self.label, text),
        }
    }

    fn html(&self) -> String {
        let visible = self.visible();
        if self.label.is_empty() {
            return escape(&visible);
        }
        let rest = &visible[self.label.len()..];
        format!("<b>{}</b>{}", escape(&self.label), escape(rest))
    }
}

/// Renders a titled message, shortening the longest texts until it fits Telegram's limit.
fn render(title: &str, date_line: &str, mut parts: Vec<Part>) -> String {
    let head = format!("【{title}】\n{date_line}\n");
    let visible_len = |parts: &[Part]| -> usize {
        let body: String = parts.iter().map(|p| p.visible() + "\n").collect();
        utf16_len(&head) + 1 + utf16_len(&body)
    };
    loop {
        let len = visible_len(&parts);
        if len <= MAX_MESSAGE_UTF16 {
            break;
        }
        let Some(longest) = parts.iter_mut().max_by_key(|p| utf16_len(&p.text)) else {
            break;
        };
        let keep = utf16_len(&longest.text).saturating_sub(len - MAX_MESSAGE_UTF16 + 1);
        longest.text = truncate_utf16(&longest.text, keep) + "…";
    }
    let mut out = String::new();
    out.push_str(&escape(&head));
    let (study, rest): (Vec<&Part>, Vec<&Part>) = parts.iter().partition(|p| p.label == "第一议题");
    let (notice, mirror): (Vec<&Part>, Vec<&Part>) =
        rest.into_iter().partition(|p| p.label == NOTICE);
    for group in [mirror, notice, study] {
        if group.is_empty() {
            continue;
        }
        out.push('\n');
        for p in group {
            out.push_str(&p.html());
            out.push('\n');
        }
    }
    out.trim_end().to_string()
}

/// Escapes text for Telegram HTML.
pub fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The text of a message as a member reads it: tags removed, entities decoded.
pub fn plain(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Length as Telegram counts it.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

fn truncate_utf16(s: &str, max: usize) -> String {
    let mut n = 0;
    s.chars()
        .take_while(|c| {
            n += c.len_utf16();
            n <= max
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::PinDate;
    use chrono::{TimeZone, Utc};

    fn item(id: u64, category: Category, text: &str) -> Item {
        Item {
            id,
            key: None,
            category,
            text: text.into(),
            source: category.needs_source().then(|| "《出处》".to_string()),
            dates: vec![],
            added_by: None,
            added_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            edited_by: None,
            edited_at: None,
        }
    }

    fn day(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, n).unwrap()
    }

    fn library() -> Vec<Item> {
        let mut items = Vec::new();
        let mut id = 1;
        for c in Category::ALL {
            for k in 0..3 {
                items.push(item(id, c, &format!("{}{}", c.name(), k)));
                id += 1;
            }
        }
        items
    }

    #[test]
    fn no_repeat_within_a_full_cycle_then_id_order_again() {
        let items = library();
        let mut rot = Rotation::default();
        let mut seen: Vec<Vec<u64>> = Vec::new();
        for d in 1..=6 {
            let (e, r) = compose(&items, &rot, day(d), true, None);
            rot = r;
            seen.push(e.items);
        }
        // Political items are ids 1, 2, 3: three days of a cycle, then again in id order.
        let political: Vec<u64> = seen.iter().map(|ids| ids[0]).collect();
        assert_eq!(political, vec![1, 2, 3, 1, 2, 3]);
        let study: Vec<u64> = seen.iter().map(|ids| ids[4]).collect();
        assert_eq!(study, vec![13, 14, 15, 13, 14, 15]);
    }

    #[test]
    fn a_new_item_joins_the_current_cycle() {
        let mut items = library();
        let mut rot = Rotation::default();
        let (_, r) = compose(&items, &rot, day(1), false, None);
        rot = r; // used political #1
        items.push(item(99, Category::Political, "新增"));
        let mut political = Vec::new();
        for d in 2..=5 {
            let (e, r) = compose(&items, &rot, day(d), false, None);
            rot = r;
            political.push(e.items[0]);
        }
        assert_eq!(political, vec![2, 3, 99, 1]);
    }

    #[test]
    fn a_deleted_item_does_not_stall_the_cycle() {
        let mut items = library();
        let (_, rot) = compose(&items, &Rotation::default(), day(1), false, None);
        items.retain(|i| i.id != 2);
        let (e, rot) = compose(&items, &rot, day(2), false, None);
        assert_eq!(e.items[0], 3);
        let (e, _) = compose(&items, &rot, day(3), false, None);
        assert_eq!(e.items[0], 1);
    }

    #[test]
    fn a_pinned_item_wins_on_its_date_and_stays_out_of_rotation() {
        let mut items = library();
        let mut pinned = item(50, Category::Integrity, "元旦廉洁提醒");
        pinned.dates = vec![PinDate::parse("01-01").unwrap()];
        items.push(pinned);
        let new_year = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let (e, rot) = compose(&items, &Rotation::default(), new_year, false, None);
        assert_eq!(e.items[3], 50);
        assert!(e.html.contains("元旦廉洁提醒"));
        // The pinned day did not advance integrity's rotation, and #50 never rotates.
        let mut integrity = Vec::new();
        let mut rot = rot;
        for d in 2..=5 {
            let (e, r) = compose(
                &items,
                &rot,
                NaiveDate::from_ymd_opt(2027, 1, d).unwrap(),
                false,
                None,
            );
            rot = r;
            integrity.push(e.items[3]);
        }
        assert_eq!(integrity, vec![10, 11, 12, 10]);
    }

    #[test]
    fn renders_the_contract_layout_with_escaping() {
        let mut items = library();
        items[0].text = "<b>不</b> & 要".into();
        let (e, _) = compose(&items, &Rotation::default(), day(1), true, None);
        let expected = "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n\
            <b>政治提醒</b>：&lt;b&gt;不&lt;/b&gt; &amp; 要\n\
            <b>纪律提醒</b>：纪律0\n\
            <b>作风提醒</b>：作风0\n\
            <b>廉政提醒</b>：廉政0\n\n\
            <b>第一议题</b>：“习语0”——《出处》";
        assert_eq!(e.html, expected);
        assert!(plain(&e.html).contains("政治提醒：<b>不</b> & 要"));
    }

    #[test]
    fn an_empty_category_is_left_out_and_no_items_means_empty() {
        let items: Vec<Item> = library()
            .into_iter()
            .filter(|i| i.category != Category::Conduct && i.category != Category::Quote)
            .collect();
        let (e, _) = compose(&items, &Rotation::default(), day(1), true, None);
        assert!(!e.html.contains("作风"));
        assert!(e.html.contains("第一议题</b>：法规0"), "{}", e.html);
        assert_eq!(e.items.len(), 4);
        let (e, _) = compose(&[], &Rotation::default(), day(1), true, None);
        assert!(e.is_empty() && e.html.is_empty());
    }

    #[test]
    fn study_off_leaves_the_line_out() {
        let (e, _) = compose(&library(), &Rotation::default(), day(1), false, None);
        assert!(!e.html.contains("第一议题"));
        assert_eq!(e.items.len(), 4);
    }

    #[test]
    fn stays_within_telegram_length_counted_in_utf16() {
        let mut items = library();
        for i in &mut items {
            i.text = "😀&".repeat(250); // 500 characters, 750 UTF-16 units, escaped to more bytes
            i.source = Some("源".repeat(100));
        }
        let (e, _) = compose(&items, &Rotation::default(), day(1), true, None);
        let visible = plain(&e.html);
        assert!(
            utf16_len(&visible) <= MAX_MESSAGE_UTF16,
            "{}",
            utf16_len(&visible)
        );
        assert!(utf16_len(&visible) > MAX_MESSAGE_UTF16 - 10);
        assert!(visible.contains('…'));
        assert!(e.html.contains("&amp;"));
        assert!(!e.html.contains("&amp…") && !e.html.contains("&…"));
    }

    #[test]
    fn study_card_is_fixed_per_date_and_has_all_three() {
        let items = library();
        let a = study_card(&items, day(1)).unwrap();
        assert_eq!(a, study_card(&items, day(1)).unwrap());
        assert_ne!(a, study_card(&items, day(2)).unwrap());
        for label in ["习语", "法规", "经典"] {
            assert!(a.contains(&format!("<b>{label}</b>")), "{a}");
        }
        assert!(study_card(&[], day(1)).is_none());
    }

    #[test]
    fn forecast_simulates_delivery_days_only() {
        let items = library();
        let rot = Rotation::default();
        // Days 1..=4: deliveries on 1 and 3 only, so day 4 is political #3.
        let e = forecast(
            &items,
            &rot,
            day(1),
            day(4),
            |d| d.day() % 2 == 1,
            |_| true,
            &[],
        );
        assert_eq!(e.items[0], 3);
        assert_eq!(
            forecast(&items, &rot, day(4), day(4), |_| true, |_| false, &[]).items[0],
            1
        );
    }

    #[test]
    fn date_line_in_chinese() {
        assert_eq!(
            date_line(NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()),
            "2026年11月30日 星期一"
        );
        assert_eq!(
            date_line(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()),
            "2026年11月29日 星期日"
        );
    }

    fn change(action: Action, text: &str) -> Override {
        Override {
            date: day(1),
            action,
            text: text.into(),
        }
    }

    #[test]
    fn a_skipped_day_has_no_message_and_leaves_the_rotation() {
        let items = library();
        let (_, rot) = compose(&items, &Rotation::default(), day(1), true, None);
        let skip = change(Action::Skip, "");
        let (e, after) = compose(&items, &rot, day(2), true, Some(&skip));
        assert!(e.is_empty() && e.items.is_empty());
        assert_eq!(after, rot);
        // Forecast: the skipped day does not count.
        let skip = Override {
            date: day(2),
            ..skip
        };
        let e = forecast(&items, &rot, day(2), day(3), |_| true, |_| true, &[skip]);
        assert_eq!(e.items, vec![2, 5, 8, 11, 14]);
    }

    #[test]
    fn an_appended_notice_follows_the_four_reminders_escaped() {
        let items = library();
        let notice = change(Action::Append, "今晚<b>停电</b> & 检修\n请注意");
        let (e, rot) = compose(&items, &Rotation::default(), day(1), true, Some(&notice));
        let expected = "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n\
            <b>政治提醒</b>：政治0\n\
            <b>纪律提醒</b>：纪律0\n\
            <b>作风提醒</b>：作风0\n\
            <b>廉政提醒</b>：廉政0\n\n\
            <b>重要提示</b>：今晚&lt;b&gt;停电&lt;/b&gt; &amp; 检修\n请注意\n\n\
            <b>第一议题</b>：“习语0”——《出处》";
        assert_eq!(e.html, expected);
        assert_eq!(
            rot,
            compose(&items, &Rotation::default(), day(1), true, None).1
        );
    }

    #[test]
    fn a_replacement_keeps_the_study_line_and_the_mirror_rotation() {
        let items = library();
        let text = change(Action::Replace, "今日专题：<廉洁过节>");
        let (e, rot) = compose(&items, &Rotation::default(), day(1), true, Some(&text));
        let expected = "【纪律明镜·天天照】\n2026年12月1日 星期二\n\n\
            今日专题：&lt;廉洁过节&gt;\n\n\
            <b>第一议题</b>：“习语0”——《出处》";
        assert_eq!(e.html, expected);
        assert_eq!(e.items, vec![13]);
        for c in Category::MIRROR {
            assert!(rot.used.get(&c).is_none_or(|u| u.is_empty()), "{c}");
        }
        // The next day starts each mirror category where it was; the study line moves on.
        let (next, _) = compose(&items, &rot, day(2), true, None);
        assert_eq!(next.items, vec![1, 4, 7, 10, 14]);
        // A replacement is sent even without any item.
        let (e, _) = compose(&[], &Rotation::default(), day(1), true, Some(&text));
        assert!(!e.is_empty() && e.items.is_empty());
    }
}
