//! The text library as a table of `编号, 类别, 文本, 来源, 日期`: read from an uploaded
//! `.xlsx` (first sheet), `.csv` (UTF-8, with or without a byte order mark) or `.toml`,
//! checked against the library (the dry run of an upload), and written as `.xlsx` for
//! `/export`; pure.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use crate::content::{self, Category, Item, PinDate};
use crate::report::{Cell, Sheet, WorkbookError, workbook as write_workbook};

/// The largest file taken.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The most rows taken (the header not counted).
pub const MAX_ROWS: usize = 2000;

/// How long an upload's dry run may be confirmed.
pub const CONFIRM_WITHIN: chrono::Duration = chrono::Duration::minutes(10);

/// Whether a dry run shown at `shown` may still be confirmed at `now`.
pub fn still_valid(
    shown: chrono::DateTime<chrono::Utc>,
    now: chrono::DateTime<chrono::Utc>,
) -> bool {
    now >= shown && now - shown <= CONFIRM_WITHIN
}

/// The columns, by their Chinese header, with the English aliases accepted.
const COLUMNS: [(&str, &[&str]); 5] = [
    ("编号", &["id", "#", "序号"]),
    ("类别", &["category", "分类"]),
    ("文本", &["text", "内容"]),
    ("来源", &["source", "出处"]),
    ("日期", &["dates", "date"]),
];

/// One row of a file, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The row's number as the file shows it (the header is row 1).
    pub row: usize,
    pub id: Option<u64>,
    pub category: Category,
    pub text: String,
    pub source: Option<String>,
    pub dates: Vec<PinDate>,
}

/// A row that cannot be taken: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    /// The column's header (`文本`).
    pub column: &'static str,
    pub problem: RowProblem,
}

/// Why a row cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    BadId(String),
    UnknownCategory(String),
    Text(content::TextError),
    BadDate(String),
    NoSuchItem(u64),
    CategoryChanged {
        id: u64,
        from: Category,
        to: Category,
    },
}

/// A file that cannot be read at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileError {
    TooLarge(usize),
    TooManyRows(usize),
    UnknownType(String),
    Unreadable(String),
    /// The header lacks these columns.
    MissingColumns(Vec<&'static str>),
}

/// What an upload would do: nothing is stored before it is confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DryRun {
    pub new: Vec<Row>,
    /// Rows that change the item of their `编号`.
    pub updated: Vec<Row>,
    pub unchanged: usize,
    /// Rows skipped as equal to an item (row, that item's id).
    pub duplicates: Vec<(usize, u64)>,
    pub errors: Vec<RowError>,
}

impl DryRun {
    pub fn changes(&self) -> usize {
        self.new.len() + self.updated.len()
    }
}

/// Reads a file into text cells, row by row (the header first).
fn cells(name: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    if bytes.len() > MAX_BYTES {
        return Err(FileError::TooLarge(bytes.len()));
    }
    let lower = name.to_lowercase();
    if lower.ends_with(".xlsx") {
        let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec()))
            .map_err(|e: calamine::XlsxError| FileError::Unreadable(e.to_string()))?;
        let range = book
            .worksheet_range_at(0)
            .ok_or_else(|| FileError::Unreadable("没有工作表".into()))?
            .map_err(|e| FileError::Unreadable(e.to_string()))?;
        Ok(range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect())
    } else if lower.ends_with(".csv") {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| FileError::Unreadable("不是 UTF-8 编码".into()))?;
        let text = text.trim_start_matches('\u{feff}');
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        reader
            .records()
            .map(|r| {
                r.map(|rec| rec.iter().map(str::to_string).collect())
                    .map_err(|e| FileError::Unreadable(e.to_string()))
            })
            .collect()
    } else if lower.ends_with(".toml") {
        toml_cells(bytes)
    } else {
        Err(FileError::UnknownType(name.to_string()))
    }
}

/// A cell as text: numbers without a needless `.0`, dates as `YYYY-MM-DD`.
fn cell_text(c: &Data) -> String {
    match c {
        Data::Float(f) if f.fract() == 0.0 => format!("{}", *f as i64),
        // Excel's day 0 is 1899-12-30 (a `12-31` typed in Excel becomes a date).
        Data::DateTime(d) => chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
            .and_then(|zero| zero.checked_add_signed(chrono::Duration::days(d.as_f64() as i64)))
            .map(|day| day.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// `[[item]]` tables (the reminders format; `id` may name an item to update) as rows.
fn toml_cells(bytes: &[u8]) -> Result<Vec<Vec<String>>, FileError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| FileError::Unreadable("不是 UTF-8 编码".into()))?;
    let doc: toml::Table =
        toml::from_str(text).map_err(|e| FileError::Unreadable(e.message().to_string()))?;
    let items = match doc.get("item") {
        Some(toml::Value::Array(items)) => items.clone(),
        _ => return Err(FileError::Unreadable("没有 [[item]] 条目".into())),
    };
    let mut rows = vec![
        COLUMNS
            .iter()
            .map(|(h, _)| h.to_string())
            .collect::<Vec<_>>(),
    ];
    for item in items {
        let field = |k: &str| match item.get(k) {
            Some(toml::Value::String(s)) => s.clone(),
            Some(toml::Value::Integer(n)) => n.to_string(),
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join("、"),
            _ => String::new(),
        };
        rows.push(vec![
            field("id"),
            field("category"),
            field("text"),
            field("source"),
            field("dates"),
        ]);
    }
    Ok(rows)
}

/// Reads and checks every row of a file: the rows taken and the errors by row and column.
pub fn read(name: &str, bytes: &[u8]) -> Result<(Vec<Row>, Vec<RowError>), FileError> {
    let table = cells(name, bytes)?;
    let mut lines = table.into_iter();
    let header = lines.next().unwrap_or_default();
    let find = |(name, aliases): &(&str, &[&str])| {
        header.iter().position(|h| {
            let h = h.trim().trim_start_matches('\u{feff}');
            h == *name || aliases.iter().any(|a| h.eq_ignore_ascii_case(a))
        })
    };
    let at: Vec<Option<usize>> = COLUMNS.iter().map(find).collect();
    let missing: Vec<&'static str> = [1, 2]
        .into_iter()
        .filter(|&i| at[i].is_none())
        .map(|i| COLUMNS[i].0)
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing));
    }
    let body: Vec<(usize, Vec<String>)> = lines
        .enumerate()
        .map(|(i, cells)| (i + 2, cells))
        .filter(|(_, cells)| cells.iter().any(|c| !c.trim().is_empty()))
        .collect();
    if body.len() > MAX_ROWS {
        return Err(FileError::TooManyRows(body.len()));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (row, cells) in body {
        let get = |i: usize| {
            at[i]
                .and_then(|c| cells.get(c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        match check(row, [get(0), get(1), get(2), get(3), get(4)]) {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(e),
        }
    }
    Ok((rows, errors))
}

/// One row's cells (编号, 类别, 文本, 来源, 日期) checked.
fn check(row: usize, [id, category, text, source, dates]: [String; 5]) -> Result<Row, RowError> {
    let fail = |column: &'static str, problem: RowProblem| RowError {
        row,
        column,
        problem,
    };
    let id = match id.trim_start_matches(['#', '＃']) {
        "" => None,
        n => Some(
            n.parse::<u64>()
                .map_err(|_| fail("编号", RowProblem::BadId(id.clone())))?,
        ),
    };
    let category = Category::parse(&category)
        .ok_or_else(|| fail("类别", RowProblem::UnknownCategory(category.clone())))?;
    let source = Some(source).filter(|s| !s.is_empty());
    content::validate(category, &text, source.as_deref()).map_err(|e| {
        let column = if matches!(
            e,
            content::TextError::SourceTooLong(_) | content::TextError::SourceMissing(_)
        ) {
            "来源"
        } else {
            "文本"
        };
        fail(column, RowProblem::Text(e))
    })?;
    let mut pins = Vec::new();
    for d in dates
        .split([',', '，', '、', ';', '；', ' '])
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        pins.push(
            PinDate::parse(d).ok_or_else(|| fail("日期", RowProblem::BadDate(d.to_string())))?,
        );
    }
    Ok(Row {
        row,
        id,
        category,
        text,
        source,
        dates: pins,
    })
}

/// What the rows would do to the library `items`.
pub fn dry_run(rows: Vec<Row>, mut errors: Vec<RowError>, items: &[Item]) -> DryRun {
    let by_id: HashMap<u64, &Item> = items.iter().map(|i| (i.id, i)).collect();
    let mut out = DryRun::default();
    // Texts seen so far: the library's, then the file's own new rows.
    let mut seen: HashMap<String, u64> = items
        .iter()
        .map(|i| (content::normalized(&i.text), i.id))
        .collect();
    for row in rows {
        let key = content::normalized(&row.text);
        match row.id {
            Some(id) => match by_id.get(&id) {
                None => errors.push(RowError {
                    row: row.row,
                    column: "编号",
                    problem: RowProblem::NoSuchItem(id),
                }),
                Some(item) if item.category != row.category => errors.push(RowError {
                    row: row.row,
                    column: "类别",
                    problem: RowProblem::CategoryChanged {
                        id,
                        from: item.category,
                        to: row.category,
                    },
                }),
                Some(item)
                    if item.text == row.text
                        && item.source == row.source
                        && item.dates == row.dates =>
                {
                    out.unchanged += 1
                }
                Some(_) => match seen.get(&key) {
                    Some(&other) if other != id => out.duplicates.push((row.row, other)),
                    _ => out.updated.push(row),
                },
            },
            None => match seen.get(&key) {
                Some(&other) => out.duplicates.push((row.row, other)),
                None => {
                    seen.insert(key, 0);
                    out.new.push(row);
                }
            },
        }
    }
    errors.sort_by_key(|e| e.row);
    out.errors = errors;
    out
}

/// The library as a workbook in the upload's columns, by id.
pub fn workbook(items: &[Item]) -> Result<Vec<u8>, WorkbookError> {
    let mut items: Vec<&Item> = items.iter().collect();
    items.sort_by_key(|i| i.id);
    let dates = |i: &Item| {
        i.dates
            .iter()
            .map(|d| String::from(*d))
            .collect::<Vec<_>>()
            .join("、")
    };
    let sheet = Sheet {
        name: "条目".into(),
        headers: COLUMNS.iter().map(|(h, _)| h.to_string()).collect(),
        rows: items
            .iter()
            .map(|i| {
                vec![
                    Cell::Int(i.id as i64),
                    Cell::from(i.category.name()),
                    Cell::from(i.text.as_str()),
                    i.source.as_deref().map_or(Cell::Empty, Cell::from),
                    match dates(i) {
                        d if d.is_empty() => Cell::Empty,
                        d => Cell::Text(d),
                    },
                ]
            })
            .collect(),
    };
    write_workbook(&[sheet])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn item(id: u64, category: Category, text: &str) -> Item {
        Item {
            added_by: Some(1),
            added_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            ..Item::sample(id, category, text)
        }
    }

    #[test]
    fn csv_with_a_bom_english_headers_and_every_kind_of_row() {
        let csv = "\u{feff}id,category,text,source,dates\n\
                   1,政治,改过的文本,,\n\
                   2,纪律,原样的文本,,\n\
                   ,conduct,新的一条,,\"12-31、2027-01-04\"\n\
                   ,作风,新的 一条,,\n\
                   9,政治,没有这一条,,\n\
                   2,廉政,类别改了,,\n\
                   ,习语,没有出处的引语,,\n\
                   abc,政治,编号不是数字,,\n\
                   ,,,,\n";
        let (rows, errors) = read("x.csv", csv.as_bytes()).unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(rows[2].dates.len(), 2);
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].row, errors[0].column), (8, "来源"));
        assert_eq!((errors[1].row, errors[1].column), (9, "编号"));
        let items = [
            item(1, Category::Political, "原来的文本"),
            item(2, Category::Discipline, "原样的文本"),
        ];
        let run = dry_run(rows, errors, &items);
        assert_eq!(run.new.len(), 1);
        assert_eq!(run.new[0].row, 4);
        assert_eq!(run.updated.len(), 1);
        assert_eq!(run.unchanged, 1);
        // The file's own second copy of a new text is a duplicate of the first (id 0).
        assert_eq!(run.duplicates, vec![(5, 0)]);
        let problems: Vec<&RowProblem> = run.errors.iter().map(|e| &e.problem).collect();
        assert!(problems.contains(&&RowProblem::NoSuchItem(9)));
        assert!(
            problems
                .iter()
                .any(|p| matches!(p, RowProblem::CategoryChanged { id: 2, .. }))
        );
    }

    #[test]
    fn toml_rows_and_refused_files() {
        let toml = "[[item]]\ncategory = \"廉政\"\ntext = \"一条\"\ndates = [\"05-01\"]\n\n[[item]]\nid = 3\ncategory = \"政治\"\ntext = \"另一条\"\n";
        let (rows, errors) = read("x.toml", toml.as_bytes()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!((rows[0].row, rows[1].id), (2, Some(3)));
        assert_eq!(
            read("x.txt", b"a"),
            Err(FileError::UnknownType("x.txt".into()))
        );
        let big = vec![b'a'; MAX_BYTES + 1];
        assert_eq!(read("x.csv", &big), Err(FileError::TooLarge(MAX_BYTES + 1)));
        let many: String = std::iter::once("类别,文本\n".to_string())
            .chain((0..=MAX_ROWS).map(|i| format!("政治,第{i}条\n")))
            .collect();
        assert_eq!(
            read("x.csv", many.as_bytes()),
            Err(FileError::TooManyRows(MAX_ROWS + 1))
        );
        assert_eq!(
            read("x.csv", "编号,来源\n1,x\n".as_bytes()),
            Err(FileError::MissingColumns(vec!["类别", "文本"]))
        );
    }

    #[test]
    fn an_exported_workbook_reads_back_unchanged() {
        let mut pinned = item(7, Category::Integrity, "节前提醒，含“引号”与逗号, 等等");
        pinned.dates = vec![PinDate::parse("12-31").unwrap()];
        pinned.source = Some("《某条例》".into());
        let items = [item(1, Category::Political, "第一条"), pinned];
        let bytes = workbook(&items).unwrap();
        let (rows, errors) = read("x.xlsx", &bytes).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let run = dry_run(rows, Vec::new(), &items);
        assert_eq!((run.unchanged, run.changes()), (2, 0));
    }

    #[test]
    fn a_dry_run_expires_after_ten_minutes() {
        let shown = Utc.with_ymd_and_hms(2026, 6, 1, 8, 0, 0).unwrap();
        assert!(still_valid(shown, shown + chrono::Duration::minutes(10)));
        assert!(!still_valid(
            shown,
            shown + chrono::Duration::minutes(10) + chrono::Duration::seconds(1)
        ));
        assert!(!still_valid(shown, shown - chrono::Duration::seconds(1)));
    }
}
