//! 内容: the items, searched; the add form; an item's page with its edit and delete forms.
//! What the forms send is checked by the chat commands' own code ([`crate::bot::library`]).

use maud::{Markup, html};

use super::{csrf_field, message};
use crate::command::{ItemText, SOURCE_MARK};
use crate::content::{Category, Item};
use crate::replies::web as t;

/// The most items the list shows at once (a search narrows it).
pub const SHOWN: usize = 200;

/// What the add and edit forms send, as the chat commands take it: a `——` in the text
/// splits off a source, as in `/add`; a source typed in its own field wins.
pub fn item_text(text: &str, source: &str) -> ItemText {
    let mut parsed = ItemText::parse(text).unwrap_or(ItemText {
        text: String::new(),
        source: None,
    });
    let source = source.trim();
    if !source.is_empty() {
        parsed.source = Some(source.to_string());
    }
    parsed
}

/// The category a form names (by its Chinese name).
pub fn category(name: &str) -> Option<Category> {
    Category::ALL.into_iter().find(|c| c.name() == name.trim())
}

/// Whether an item matches a search: its `#id` or id, its category, or a part of its text
/// or source (case-insensitive).
pub fn matches(item: &Item, query: &str) -> bool {
    let q = query.trim().trim_start_matches(['#', '＃']).to_lowercase();
    if q.is_empty() {
        return true;
    }
    item.id.to_string() == q
        || item.category.name() == q
        || item.text.to_lowercase().contains(&q)
        || item
            .source
            .as_ref()
            .is_some_and(|s| s.to_lowercase().contains(&q))
}

fn category_select(chosen: Option<Category>) -> Markup {
    html! {
        select id="category" name="category" {
            @for c in Category::ALL {
                option value=(c.name()) selected[chosen == Some(c)] { (c.name()) }
            }
        }
    }
}

/// The list (items matching `query`, newest first, at most [`SHOWN`]), the search and add
/// forms, and the outcome of the last form.
pub fn list(items: &[Item], query: &str, note: Option<&str>, csrf: &str) -> Markup {
    let mut found: Vec<&Item> = items.iter().filter(|i| matches(i, query)).collect();
    found.sort_by_key(|i| std::cmp::Reverse(i.id));
    html! {
        (message(note))
        form class="search" method="get" action="/content" {
            input type="search" name="q" value=(query) placeholder=(t::SEARCH_HINT) aria-label=(t::SEARCH);
            button type="submit" { (t::SEARCH) }
        }
        details open[note.is_some()] {
            summary { (t::ADD) }
            form class="stack" id="add" method="post" action="/content" {
                (csrf_field(csrf))
                label for="category" { (t::CATEGORY) }
                (category_select(None))
                label for="text" { (t::TEXT) }
                textarea id="text" name="text" rows="4" required {}
                label for="source" { (t::SOURCE) " " span class="muted" { "（" (t::SOURCE_HINT) "）" } }
                input type="text" id="source" name="source";
                button type="submit" { (t::ADD) }
            }
        }
        h2 { (t::NAV_CONTENT) " (" (found.len()) ")" }
        @if found.is_empty() {
            p class="muted" { (t::NO_ITEMS) }
        } @else {
            div class="scroll" {
                table id="items" {
                    tbody {
                        @for item in found.iter().take(SHOWN) {
                            tr {
                                td { "#" (item.id) br; span class="muted" { (item.category.name()) } }
                                td {
                                    (item.text)
                                    @if let Some(s) = &item.source { " " span class="muted" { (SOURCE_MARK) (s) } }
                                }
                                td { a href={ "/content/" (item.id) } { (t::EDIT) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// One item's page: its edit form and its delete form.
pub fn item(item: &Item, note: Option<&str>, csrf: &str) -> Markup {
    html! {
        (message(note))
        p { a href="/content" { "← " (t::BACK) } }
        h2 { "#" (item.id) " · " (item.category.name()) @if item.key.is_some() { " · " (t::SHIPPED) } }
        form class="stack" id="edit" method="post" action={ "/content/" (item.id) } {
            (csrf_field(csrf))
            label for="text" { (t::TEXT) }
            textarea id="text" name="text" rows="6" required { (item.text) }
            label for="source" { (t::SOURCE) }
            input type="text" id="source" name="source" value=(item.source.as_deref().unwrap_or(""));
            button type="submit" { (t::SAVE) }
        }
        form id="delete" method="post" action={ "/content/" (item.id) "/delete" } {
            (csrf_field(csrf))
            button class="danger" type="submit" { (t::DELETE_CONFIRM) }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    /// An item built the way the store reads one (fields added later keep their defaults).
    fn item(id: u64, category: Category, text: &str, source: Option<&str>) -> Item {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "category": category,
            "text": text,
            "source": source,
            "added_by": 42,
            "added_at": DateTime::UNIX_EPOCH,
        }))
        .unwrap()
    }

    #[test]
    fn form_fields_become_the_chat_commands_text() {
        let t = item_text("  廉洁自律——《准则》 ", "");
        assert_eq!(t.text, "廉洁自律");
        assert_eq!(t.source.as_deref(), Some("《准则》"));
        let t = item_text("廉洁自律", " 《条例》 ");
        assert_eq!(t.source.as_deref(), Some("《条例》"));
        assert_eq!(item_text("  ", "").text, "");
        assert_eq!(category("纪律"), Some(Category::Discipline));
        assert_eq!(category("x"), None);
    }

    #[test]
    fn search_by_id_category_text_and_source() {
        let i = item(
            12,
            Category::Law,
            "严守纪律",
            Some("《中国共产党纪律处分条例》"),
        );
        for q in ["", "#12", "12", "法规", "纪律", "处分条例"] {
            assert!(matches(&i, q), "{q}");
        }
        assert!(!matches(&i, "作风"));
        assert!(!matches(&i, "1"));
    }

    #[test]
    fn texts_are_escaped_and_every_form_has_the_token() {
        let items = [item(
            1,
            Category::Political,
            "<img src=x onerror=alert(1)>",
            None,
        )];
        let html = list(&items, "", Some("已添加 #1（政治）"), "TOKEN").into_string();
        assert!(html.contains("&lt;img src=x"));
        assert!(!html.contains("<img"));
        assert_eq!(html.matches("name=\"csrf\" value=\"TOKEN\"").count(), 1);
        let html = super::item(&items[0], None, "TOKEN").into_string();
        assert_eq!(html.matches("name=\"csrf\" value=\"TOKEN\"").count(), 2);
        assert!(html.contains("action=\"/content/1/delete\""));
    }
}
