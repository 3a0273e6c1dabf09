//! Telegram's HTML parse mode, checked the way Telegram (tdlib's `parse_html`) does.
//!
//! Returns the plain text a user would see, or Telegram's error text (without the
//! `Bad Request: can't parse entities: ` prefix). Attributes are not validated beyond
//! `span` needing its `tg-spoiler` class.

const TAGS: &[&str] = &[
    "a",
    "b",
    "strong",
    "i",
    "em",
    "s",
    "strike",
    "del",
    "u",
    "ins",
    "tg-spoiler",
    "tg-emoji",
    "span",
    "pre",
    "code",
    "blockquote",
];

pub(crate) fn parse(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut out = String::with_capacity(len);
    let mut open: Vec<String> = Vec::new();
    let mut i = 0;
    while i < len {
        match bytes[i] {
            b'&' => {
                if let Some((c, used)) = decode_entity(&text[i..]) {
                    out.push(c);
                    i += used;
                } else {
                    out.push('&');
                    i += 1;
                }
            }
            b'<' => {
                let begin = i;
                i += 1;
                if i >= len || bytes[i] != b'/' {
                    let name_start = i;
                    while i < len && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    if i >= len {
                        return Err(format!("Unclosed start tag at byte offset {begin}"));
                    }
                    let name = text[name_start..i].to_ascii_lowercase();
                    if !TAGS.contains(&name.as_str()) {
                        return Err(format!(
                            "Unsupported start tag \"{name}\" at byte offset {begin}"
                        ));
                    }
                    let attrs_start = i;
                    let mut quote = None;
                    while i < len {
                        let b = bytes[i];
                        match quote {
                            Some(q) if b == q => quote = None,
                            Some(_) => {}
                            None if b == b'"' || b == b'\'' => quote = Some(b),
                            None if b == b'>' => break,
                            None => {}
                        }
                        i += 1;
                    }
                    if i >= len {
                        return Err(format!("Unclosed start tag at byte offset {begin}"));
                    }
                    if name == "span" && !text[attrs_start..i].contains("tg-spoiler") {
                        return Err(format!(
                            "Tag \"span\" must have class \"tg-spoiler\" at byte offset {begin}"
                        ));
                    }
                    i += 1;
                    open.push(name);
                } else {
                    i += 1;
                    let Some(expected) = open.pop() else {
                        return Err(format!("Unexpected end tag at byte offset {begin}"));
                    };
                    let name_start = i;
                    while i < len && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                        i += 1;
                    }
                    let name = text[name_start..i].to_ascii_lowercase();
                    while i < len && bytes[i].is_ascii_whitespace() {
                        i += 1;
                    }
                    if i >= len || bytes[i] != b'>' {
                        return Err(format!("Unclosed end tag at byte offset {begin}"));
                    }
                    if !name.is_empty() && name != expected {
                        return Err(format!(
                            "Unmatched end tag at byte offset {begin}, expected \"</{expected}>\", found \"</{name}>\""
                        ));
                    }
                    i += 1;
                }
            }
            _ => {
                let end = text[i..].find(['<', '&']).map_or(len, |p| i + p);
                out.push_str(&text[i..end]);
                i = end;
            }
        }
    }
    if let Some(tag) = open.last() {
        return Err(format!(
            "Can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

/// `&lt;` `&gt;` `&amp;` `&quot;` and numeric references; anything else is a literal `&`.
fn decode_entity(s: &str) -> Option<(char, usize)> {
    let semi = s.bytes().take(12).position(|b| b == b';')?;
    let name = &s[1..semi];
    let c = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((c, semi + 1))
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn accepts_telegram_html_and_returns_plain_text() {
        assert_eq!(
            parse("<b>纪律</b> &lt;明镜&gt; &amp; a&b").unwrap(),
            "纪律 <明镜> & a&b"
        );
        assert_eq!(
            parse("<a href=\"https://x.y/?a=1&b=2\">x</a>").unwrap(),
            "x"
        );
        assert_eq!(parse("<span class=\"tg-spoiler\">s</span>").unwrap(), "s");
        assert_eq!(parse("<blockquote expandable>q</blockquote>").unwrap(), "q");
        assert_eq!(parse("&#20013;&#x6587;").unwrap(), "中文");
    }

    #[test]
    fn rejects_what_telegram_rejects() {
        assert_eq!(
            parse("1 < 2").unwrap_err(),
            "Unsupported start tag \"\" at byte offset 2"
        );
        assert_eq!(
            parse("<div>x</div>").unwrap_err(),
            "Unsupported start tag \"div\" at byte offset 0"
        );
        assert_eq!(
            parse("<b>x").unwrap_err(),
            "Can't find end tag corresponding to start tag \"b\""
        );
        assert_eq!(
            parse("<b><i>x</b></i>").unwrap_err(),
            "Unmatched end tag at byte offset 7, expected \"</i>\", found \"</b>\""
        );
        assert_eq!(
            parse("x</b>").unwrap_err(),
            "Unexpected end tag at byte offset 1"
        );
        assert_eq!(
            parse("x <").unwrap_err(),
            "Unclosed start tag at byte offset 2"
        );
        assert!(parse("<span>x</span>").is_err());
    }
}
