//! `/add`, `/list`, `/edit`, `/del`: the bot admins' changes to the items, and the replies.

use super::App;
use crate::command::ItemText;
use crate::content::{self, Category, Item};
use crate::replies;
use crate::store::{self, StoreError};

/// Items on one page of `/list`.
pub const PAGE_SIZE: usize = 20;

/// Adds an item written by bot admin `by`; the text is stored as typed.
pub fn add(app: &App, by: i64, category: Category, text: &ItemText) -> store::Result<String> {
    if let Err(e) = content::validate(category, &text.text, text.source.as_deref()) {
        return Ok(replies::bad_text(&e));
    }
    if let Some(existing) = content::duplicate_of(&app.store.items()?, &text.text, None) {
        return Ok(replies::duplicate(existing));
    }
    let item = app
        .store
        .add_item(category, &text.text, text.source.as_deref(), by, app.now())?;
    tracing::info!(id = item.id, by, category = %category, "item added");
    Ok(replies::added(&item))
}

/// One page of items, optionally of one category, in id order.
pub fn list(app: &App, category: Option<Category>, page: usize) -> store::Result<String> {
    let items = app.store.items()?;
    let chosen: Vec<&Item> = items
        .iter()
        .filter(|i| category.is_none_or(|c| i.category == c))
        .collect();
    if chosen.is_empty() {
        return Ok(replies::no_items(category));
    }
    let pages = chosen.len().div_ceil(PAGE_SIZE);
    if page == 0 || page > pages {
        return Ok(replies::no_such_page(page, pages));
    }
    let on_page: Vec<&Item> = chosen
        .iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .copied()
        .collect();
    Ok(replies::item_page(
        &on_page,
        category,
        page,
        pages,
        chosen.len(),
    ))
}

/// Replaces an item's text (and its source, when one is given).
pub fn edit(app: &App, by: i64, id: u64, text: &ItemText) -> store::Result<String> {
    let Some(item) = app.store.item(id)? else {
        return Ok(replies::no_such_item(id));
    };
    let source = text.source.as_deref().or(item.source.as_deref());
    if let Err(e) = content::validate(item.category, &text.text, source) {
        return Ok(replies::bad_text(&e));
    }
    if let Some(existing) = content::duplicate_of(&app.store.items()?, &text.text, Some(id)) {
        return Ok(replies::duplicate(existing));
    }
    match app
        .store
        .edit_item(id, &text.text, text.source.as_deref(), by, app.now())
    {
        Ok(item) => {
            tracing::info!(id, by, "item edited");
            Ok(replies::edited(&item))
        }
        // Deleted meanwhile by another admin.
        Err(StoreError::NoSuchItem(id)) => Ok(replies::no_such_item(id)),
        Err(e) => Err(e),
    }
}

/// Deletes an item.
pub fn delete(app: &App, id: u64) -> store::Result<String> {
    match app.store.delete_item(id, app.now()) {
        Ok(item) => {
            tracing::info!(id, "item deleted");
            Ok(replies::deleted(&item))
        }
        Err(StoreError::NoSuchItem(id)) => Ok(replies::no_such_item(id)),
        Err(e) => Err(e),
    }
}
