//! When two texts are the same text, or nearly: normalising for duplicates, bigram
//! similarity for the library's warnings.

use std::collections::HashSet;

use super::{Item, ShippedItem};

/// A text reduced to what makes it this text: Unicode NFKC, no whitespace, and Chinese and
/// ASCII punctuation and quotation marks mapped to one form (a run of one mark counts once,
/// so `——` is `-` and `……` is `...`). Two items whose texts normalise alike are duplicates.
pub fn normalized(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(text.len());
    let mut last = None;
    for c in text.nfkc().filter(|c| !c.is_whitespace()).map(one_form) {
        let mark = c.is_ascii_punctuation();
        if mark && last == Some(c) {
            continue;
        }
        last = mark.then_some(c);
        out.push(c);
    }
    out
}

/// The one form of a punctuation or quotation mark that NFKC leaves apart from its ASCII twin.
fn one_form(c: char) -> char {
    match c {
        '\'' | '`' | '‘' | '’' | '“' | '”' | '「' | '」' | '『' | '』' | '〝' | '〞' | '″' => {
            '"'
        }
        '。' | '．' => '.',
        '、' => ',',
        '—' | '–' | '―' | '‐' | '‑' | '─' => '-',
        '【' | '〔' | '〖' | '〘' => '[',
        '】' | '〕' | '〗' | '〙' => ']',
        '《' | '〈' => '<',
        '》' | '〉' => '>',
        '・' | '•' => '·',
        other => other,
    }
}

/// The first of `items` (other than the one numbered `except`) whose text is `text` once
/// both are [`normalized`].
pub fn duplicate_of<'a>(items: &'a [Item], text: &str, except: Option<u64>) -> Option<&'a Item> {
    let wanted = normalized(text);
    items
        .iter()
        .filter(|i| Some(i.id) != except)
        .find(|i| normalized(&i.text) == wanted)
}

/// Pairs of items in the same category whose texts share most of their character bigrams.
pub fn near_duplicates(items: &[ShippedItem], threshold: f64) -> Vec<(usize, usize, f64)> {
    let grams: Vec<HashSet<(char, char)>> = items.iter().map(|i| bigrams(&i.text)).collect();
    let mut out = Vec::new();
    for a in 0..items.len() {
        for b in a + 1..items.len() {
            if items[a].category != items[b].category {
                continue;
            }
            let s = jaccard(&grams[a], &grams[b]);
            if s > threshold {
                out.push((a, b, s));
            }
        }
    }
    out
}

fn bigrams(text: &str) -> HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| c.is_alphanumeric()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

fn jaccard(a: &HashSet<(char, char)>, b: &HashSet<(char, char)>) -> f64 {
    let union = a.union(b).count();
    if union == 0 {
        return 0.0;
    }
    a.intersection(b).count() as f64 / union as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Category;

    fn item(id: u64, text: &str) -> Item {
        Item {
            added_by: Some(1),
            ..Item::sample(id, Category::Discipline, text)
        }
    }

    #[test]
    fn texts_that_normalise_alike_are_duplicates() {
        let same = [
            ("严守纪律，不越红线。", "严守纪律, 不越红线."),
            ("严守纪律，不越红线。", " 严守 纪律，\n不越红线。 "),
            ("严守纪律　不越红线", "严守纪律不越红线"),
            ("他说：“要守纪律！”", "他说:\"要守纪律!\""),
            ("他说：「要守纪律？」", "他说：‘要守纪律?’"),
            ("（一）守纪律；讲规矩", "(一)守纪律;讲规矩"),
            ("守纪律——讲规矩", "守纪律-讲规矩"),
            ("守纪律、讲规矩……", "守纪律,讲规矩..."),
            ("ＡＢＣ１２３", "ABC123"),
        ];
        for (a, b) in same {
            assert_eq!(normalized(a), normalized(b), "{a:?} vs {b:?}");
            let items = [item(1, "别的"), item(12, a)];
            assert_eq!(
                duplicate_of(&items, b, None).map(|i| i.id),
                Some(12),
                "{b:?}"
            );
        }
    }

    #[test]
    fn texts_differing_in_one_character_are_not_duplicates() {
        let different = [
            ("严守纪律，不越红线。", "严守纪律，不碰红线。"),
            ("严守纪律，不越红线。", "严守纪律，不越红线"),
            ("守纪律讲规矩", "守纪律讲规距"),
            ("ABC", "abc"),
            ("第1条", "第2条"),
        ];
        for (a, b) in different {
            assert_ne!(normalized(a), normalized(b), "{a:?} vs {b:?}");
            assert!(duplicate_of(&[item(12, a)], b, None).is_none(), "{b:?}");
        }
    }

    #[test]
    fn an_item_is_not_a_duplicate_of_itself() {
        let items = [item(3, "严守纪律，不越红线。"), item(4, "另一条")];
        assert!(duplicate_of(&items, "严守纪律, 不越红线.", Some(3)).is_none());
        assert_eq!(
            duplicate_of(&items, "严守纪律, 不越红线.", Some(4)).map(|i| i.id),
            Some(3)
        );
    }
}
