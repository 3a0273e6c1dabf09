//! The shipped text library: how much of each category there is, and the shape of the
//! study items' sources (the promise of SPEC §4: an article always with its revision).

use mingjing::calendar::Calendar;
use mingjing::content::{BUILT_IN, Category, Library, ShippedItem, parse_library};

fn shipped() -> Library {
    let files: Vec<(String, String)> = BUILT_IN
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let holidays = Calendar::built_in().holiday_names();
    parse_library(&files, &holidays).expect("the built-in library loads")
}

fn of(lib: &Library, c: Category) -> Vec<&ShippedItem> {
    lib.items.iter().filter(|i| i.category == c).collect()
}

#[test]
fn every_category_has_its_minimum() {
    // About half a year of working days of 第一议题 without a repeat, and a mirror category
    // that does not come back within ten weeks.
    let lib = shipped();
    let minimum = |c: Category| match c {
        Category::Quote => 120,
        Category::Law | Category::Classic => 60,
        _ => 48,
    };
    for c in Category::ALL {
        let n = of(&lib, c).len();
        assert!(n >= minimum(c), "{c}: {n} items, fewer than {}", minimum(c));
    }
}

#[test]
fn an_article_is_always_cited_with_its_revision() {
    let lib = shipped();
    for item in lib.items.iter().filter(|i| i.category.needs_source()) {
        let source = item.source.as_deref().unwrap_or_default();
        let cites_article = source.contains('条') && source.contains('第');
        if cites_article {
            assert!(
                source.contains("年"),
                "{}: article without its revision year: {source}",
                item.key
            );
        }
    }
    for law in of(&lib, Category::Law) {
        let source = law.source.as_deref().unwrap_or_default();
        assert!(source.starts_with('《'), "{}: {source}", law.key);
        assert!(source.contains("年"), "{}: no revision: {source}", law.key);
    }
}

#[test]
fn a_quotation_names_its_occasion_and_date() {
    // `习近平在…（2013年1月22日）` or a collection and its article.
    let lib = shipped();
    for q in of(&lib, Category::Quote) {
        let source = q.source.as_deref().unwrap_or_default();
        let dated = source.ends_with("日）") && source.contains("年");
        let collected = source.starts_with('《');
        assert!(dated || collected, "{}: {source}", q.key);
        assert!(!q.text.ends_with('。'), "{}: ends with 。", q.key);
    }
}

#[test]
fn keys_follow_their_category() {
    let lib = shipped();
    for item in &lib.items {
        let prefix = match item.category {
            Category::Political => "political-",
            Category::Discipline => "discipline-",
            Category::Conduct => "conduct-",
            Category::Integrity => "integrity-",
            Category::Quote => "quote-",
            Category::Law => "law-",
            Category::Classic => "classic-",
        };
        assert!(
            item.key.starts_with(prefix),
            "{} in {}",
            item.key,
            item.category
        );
    }
    // A retired key is never shipped again (the loader refuses it; this keeps the list honest).
    for key in &lib.retired {
        assert!(lib.items.iter().all(|i| &i.key != key), "{key}");
    }
}
