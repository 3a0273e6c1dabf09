//! Excel workbooks (`.xlsx`) in memory: sheets of a header row and rows of typed cells.

use std::collections::HashSet;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{Color, ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::percent;

/// One sheet: a header row, then the rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// Any text: [`workbook`] makes it a valid sheet name.
    pub name: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// One cell of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Always text, even when it looks like a number or a formula (`=…`).
    Text(String),
    /// A number; Excel holds numbers as `f64`, exact up to ±2⁵³ (Telegram ids fit).
    Int(i64),
    /// A real Excel date, shown `yyyy-mm-dd`.
    Date(NaiveDate),
    /// A share from 0.0 to 1.0, shown as a percentage with one decimal and coloured by
    /// value: green from 90 %, amber from 60 %, red below; `None` is an empty cell.
    Rate(Option<f64>),
    Empty,
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(text)
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Cell {
        Cell::Int(n)
    }
}

impl From<NaiveDate> for Cell {
    fn from(date: NaiveDate) -> Cell {
        Cell::Date(date)
    }
}

/// The cell as the workbook shows it: `2026-10-09`, `33.3%`, empty for `Empty` and
/// `Rate(None)`. A CSV of the same rows writes these texts.
impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Text(text) => f.write_str(text),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Date(date) => write!(f, "{}", date.format("%Y-%m-%d")),
            Cell::Rate(Some(rate)) => f.write_str(&percent(*rate)),
            Cell::Rate(None) | Cell::Empty => Ok(()),
        }
    }
}

/// Why a workbook could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WorkbookError {
    /// Excel's dates run from 1900 to 9999.
    #[error("{0} is outside Excel's dates")]
    DateOutOfRange(NaiveDate),
    /// Beyond Excel's limits (rows, columns, text length), or a bug in the writer.
    #[error(transparent)]
    Xlsx(#[from] XlsxError),
}

/// Rates from this share are green.
const GOOD: f64 = 0.9;
/// Rates from this share (and below [`GOOD`]) are amber; below it, red.
const FAIR: f64 = 0.6;

/// The widest a column is fitted, in characters, so that one long text does not push the
/// rest of the sheet out of sight.
const WIDEST: usize = 60;
/// The narrowest column, in characters.
const NARROWEST: usize = 4;

/// The `.xlsx` file of `sheets`, in order, written in memory. Each sheet's header row is
/// bold on a light fill and frozen; each column is as wide as its widest text (CJK
/// characters count double). Sheet names are made valid Excel names: at most 31
/// characters, none of `[]:*?/\`, no apostrophe at either end, unique regardless of case.
/// No sheets gives a workbook with one empty sheet.
pub fn workbook(sheets: &[Sheet]) -> Result<Vec<u8>, WorkbookError> {
    let styles = Styles::new();
    let mut book = Workbook::new();
    let mut taken = HashSet::new();
    for (i, sheet) in sheets.iter().enumerate() {
        let name = sheet_name(&sheet.name, i + 1, &mut taken);
        let ws = book.add_worksheet();
        ws.set_name(name)?;
        write_sheet(ws, sheet, &styles)?;
    }
    Ok(book.save_to_buffer()?)
}

/// The formats a sheet uses.
struct Styles {
    header: Format,
    date: Format,
    good: Format,
    fair: Format,
    poor: Format,
}

impl Styles {
    fn new() -> Styles {
        // The fills and font colours of Excel's own "good", "neutral" and "bad" styles.
        let rate = |fill: u32, font: u32| {
            Format::new()
                .set_num_format("0.0%")
                .set_background_color(Color::RGB(fill))
                .set_font_color(Color::RGB(font))
        };
        Styles {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xDD_EB_F7)),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            good: rate(0xC6_EF_CE, 0x00_61_00),
            fair: rate(0xFF_EB_9C, 0x9C_57_00),
            poor: rate(0xFF_C7_CE, 0x9C_00_06),
        }
    }

    fn rate(&self, rate: f64) -> &Format {
        if rate >= GOOD {
            &self.good
        } else if rate >= FAIR {
            &self.fair
        } else {
            &self.poor
        }
    }
}

fn write_sheet(ws: &mut Worksheet, sheet: &Sheet, styles: &Styles) -> Result<(), WorkbookError> {
    let mut widths: Vec<usize> = sheet.headers.iter().map(|h| text_width(h)).collect();
    for (col, header) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, column(col)?, header, &styles.header)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        let r = u32::try_from(r + 1).map_err(|_| XlsxError::RowColumnLimitError)?;
        for (col, cell) in row.iter().enumerate() {
            let c = column(col)?;
            match cell {
                Cell::Text(text) => {
                    ws.write_string(r, c, text)?;
                }
                Cell::Int(n) => {
                    ws.write_number(r, c, *n as f64)?;
                }
                Cell::Date(date) => {
                    ws.write_date_with_format(r, c, excel_date(*date)?, &styles.date)?;
                }
                Cell::Rate(Some(rate)) => {
                    ws.write_number_with_format(r, c, *rate, styles.rate(*rate))?;
                }
                Cell::Rate(None) | Cell::Empty => {}
            }
            if widths.len() <= col {
                widths.resize(col + 1, 0);
            }
            widths[col] = widths[col].max(text_width(&cell.to_string()));
        }
    }
    for (col, width) in widths.into_iter().enumerate() {
        // Two characters of margin; the bold header needs about that much more.
        let width = (width + 2).clamp(NARROWEST, WIDEST);
        ws.set_column_width(column(col)?, width as f64)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn column(col: usize) -> Result<u16, XlsxError> {
    u16::try_from(col).map_err(|_| XlsxError::RowColumnLimitError)
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, WorkbookError> {
    u16::try_from(date.year())
        .ok()
        .and_then(|year| ExcelDateTime::from_ymd(year, date.month() as u8, date.day() as u8).ok())
        .ok_or(WorkbookError::DateOutOfRange(date))
}

/// The longest an Excel sheet name may be, in UTF-16 units.
const SHEET_NAME_MAX: usize = 31;

/// A valid Excel sheet name for the `n`th sheet, not yet in `taken` (which it joins): the
/// characters Excel refuses become `_`, apostrophes at either end go, the name is cut to
/// 31 characters, an empty one becomes `Sheet<n>`, and a repeated one gets ` (2)`, ` (3)`….
fn sheet_name(wanted: &str, n: usize, taken: &mut HashSet<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| {
            if c.is_control() || "[]:*?/\\".contains(c) {
                '_'
            } else {
                c
            }
        })
        .collect();
    let clean = clean.trim().trim_matches('\'').trim();
    let base = if clean.is_empty() {
        format!("Sheet{n}")
    } else {
        clean.to_string()
    };
    let mut k = 1;
    loop {
        let suffix = if k == 1 {
            String::new()
        } else {
            format!(" ({k})")
        };
        let name = format!("{}{suffix}", cut(&base, SHEET_NAME_MAX - suffix.len()));
        let name = name.trim_end_matches('\'').to_string();
        // "History" is reserved by Excel.
        let key = name.to_lowercase();
        if key != "history" && taken.insert(key) {
            return name;
        }
        k += 1;
    }
}

/// The longest start of `text` of at most `max` UTF-16 units.
fn cut(text: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &text[..i];
        }
    }
    text
}

/// How many character widths `text` takes in a spreadsheet column: East Asian wide
/// characters count two; of several lines, the longest.
fn text_width(text: &str) -> usize {
    text.lines()
        .map(|line| line.chars().map(|c| if wide(c) { 2 } else { 1 }).sum())
        .max()
        .unwrap_or(0)
}

/// Whether `c` is East Asian wide or fullwidth (Unicode's East_Asian_Width W or F,
/// approximated by its main blocks).
fn wide(c: char) -> bool {
    matches!(
        c as u32,
        0x1100..=0x115F
            | 0x2E80..=0x303E
            | 0x3041..=0x33FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xA000..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6
            | 0x1F300..=0x1F64F
            | 0x1F900..=0x1F9FF
            | 0x20000..=0x3FFFD
    )
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, StyleRange, Xlsx, open_workbook_from_rs};

    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
        open_workbook_from_rs(Cursor::new(bytes)).expect("a workbook calamine reads")
    }

    fn values(book: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> Vec<Vec<Data>> {
        let range = book.worksheet_range(sheet).unwrap();
        assert_eq!(range.start(), Some((0, 0)), "the header is in A1");
        range.rows().map(<[Data]>::to_vec).collect()
    }

    fn styles(book: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> StyleRange {
        book.worksheet_style(sheet).unwrap()
    }

    /// The RGB of a cell's fill, if it has one.
    fn fill(styles: &StyleRange, at: (u32, u32)) -> Option<u32> {
        let fill = styles.get(at)?.fill.as_ref().filter(|f| f.is_visible())?;
        fill.get_color().map(|c| c.to_argb() & 0xFF_FF_FF)
    }

    fn number_format(styles: &StyleRange, at: (u32, u32)) -> Option<String> {
        let format = styles.get(at)?.number_format.as_ref()?;
        Some(format.format_code.clone())
    }

    fn text(s: &str) -> Data {
        Data::String(s.to_string())
    }

    /// Days since Excel's day 0 of modern dates (1899-12-30).
    fn serial(date: NaiveDate) -> f64 {
        (date - d(1899, 12, 30)).num_days() as f64
    }

    fn members() -> Sheet {
        Sheet {
            name: "学习记实".into(),
            headers: ["姓名", "用户ID", "日期", "学习率", "备注"]
                .map(String::from)
                .to_vec(),
            rows: vec![
                vec![
                    "张三".into(),
                    Cell::Int(7),
                    d(2026, 10, 9).into(),
                    Cell::Rate(Some(1.0 / 3.0)),
                    "✓".into(),
                ],
                vec![
                    "=cmd|' /C calc'!A0".into(),
                    Cell::Int(-1_001_234_567_890),
                    Cell::Empty,
                    Cell::Rate(None),
                ],
            ],
        }
    }

    #[test]
    fn a_workbook_reads_back_sheet_by_sheet_and_cell_by_cell() {
        let second = Sheet {
            name: "各群汇总".into(),
            headers: vec!["群组".into()],
            rows: vec![vec!["第一支部".into()]],
        };
        let mut book = open(workbook(&[members(), second]).unwrap());
        assert_eq!(book.sheet_names(), ["学习记实", "各群汇总"]);
        let rows = values(&mut book, "学习记实");
        assert_eq!(
            rows[0],
            ["姓名", "用户ID", "日期", "学习率", "备注"].map(text)
        );
        assert_eq!(rows[1][..2], [text("张三"), Data::Float(7.0)]);
        match &rows[1][2] {
            Data::DateTime(date) => {
                assert!(date.is_datetime());
                assert_eq!(date.as_f64(), serial(d(2026, 10, 9)));
            }
            other => panic!("not a date: {other:?}"),
        }
        assert_eq!(rows[1][3..], [Data::Float(1.0 / 3.0), text("✓")]);
        assert_eq!(
            rows[2],
            [
                text("=cmd|' /C calc'!A0"),
                Data::Float(-1_001_234_567_890.0),
                Data::Empty,
                Data::Empty,
                Data::Empty,
            ],
            "a formula-like name stays text; a short row ends in empty cells"
        );
        assert_eq!(
            values(&mut book, "各群汇总"),
            [[text("群组")], [text("第一支部")]]
        );
    }

    #[test]
    fn headers_are_bold_on_a_fill_and_dates_and_rates_carry_their_formats() {
        let mut book = open(workbook(&[members()]).unwrap());
        let styles = styles(&mut book, "学习记实");
        for col in 0..5 {
            let style = styles.get((0, col)).unwrap();
            assert!(style.font.as_ref().unwrap().is_bold(), "column {col}");
            assert_eq!(fill(&styles, (0, col)), Some(0xDD_EB_F7), "column {col}");
        }
        assert!(!styles.get((1, 0)).unwrap().font.as_ref().unwrap().is_bold());
        assert_eq!(
            number_format(&styles, (1, 2)).as_deref(),
            Some("yyyy-mm-dd")
        );
        assert_eq!(number_format(&styles, (1, 3)).as_deref(), Some("0.0%"));
    }

    #[test]
    fn rates_are_coloured_by_value() {
        let cases = [
            (1.0, 0xC6_EF_CE),
            (0.9, 0xC6_EF_CE),
            (27.0 / 30.0, 0xC6_EF_CE),
            (0.899, 0xFF_EB_9C),
            (0.6, 0xFF_EB_9C),
            (0.599, 0xFF_C7_CE),
            (0.0, 0xFF_C7_CE),
        ];
        let sheet = Sheet {
            name: "率".into(),
            headers: vec!["学习率".into()],
            rows: cases
                .iter()
                .map(|(rate, _)| vec![Cell::Rate(Some(*rate))])
                .chain([vec![Cell::Rate(None)]])
                .collect(),
        };
        let mut book = open(workbook(&[sheet]).unwrap());
        let rows = values(&mut book, "率");
        let styles = styles(&mut book, "率");
        for (i, (rate, colour)) in cases.iter().enumerate() {
            let at = (i as u32 + 1, 0);
            assert_eq!(rows[i + 1][0], Data::Float(*rate), "{rate}");
            assert_eq!(fill(&styles, at), Some(*colour), "{rate}");
            assert_eq!(number_format(&styles, at).as_deref(), Some("0.0%"));
        }
        assert_eq!(rows.len(), cases.len() + 1, "no rate, no cell: {rows:?}");
    }

    #[test]
    fn sheet_names_are_made_valid_and_unique() {
        let long = "中".repeat(40);
        let emoji = "😀".repeat(20);
        let cases: Vec<(&str, String)> = vec![
            ("学习记实", "学习记实".into()),
            (
                "月初提醒:2026/11 [草稿]*?\\",
                "月初提醒_2026_11 _草稿____".into(),
            ),
            ("'记实'", "记实".into()),
            ("  ", "Sheet4".into()),
            (&long, "中".repeat(31)),
            ("学习记实", "学习记实 (2)".into()),
            ("ABC", "ABC".into()),
            ("abc", "abc (2)".into()),
            ("History", "History (2)".into()),
            ("tab\there", "tab_here".into()),
            (&emoji, "😀".repeat(15)),
        ];
        let mut taken = HashSet::new();
        for (i, (wanted, name)) in cases.iter().enumerate() {
            assert_eq!(&sheet_name(wanted, i + 1, &mut taken), name, "{wanted}");
        }
        let sheets: Vec<Sheet> = cases
            .iter()
            .map(|(wanted, _)| Sheet {
                name: wanted.to_string(),
                headers: vec!["列".into()],
                rows: Vec::new(),
            })
            .collect();
        let book = open(workbook(&sheets).expect("Excel takes every name"));
        let names: Vec<String> = cases.into_iter().map(|(_, name)| name).collect();
        assert_eq!(book.sheet_names(), names);
    }

    #[test]
    fn columns_fit_their_text_with_wide_characters_counting_double() {
        for (text, width) in [
            ("", 0),
            ("abc", 3),
            ("学习记实", 8),
            ("2026-10-09", 10),
            ("第一支部, 机关", 14),
            ("✓", 1),
            ("ＡＢ", 4),
            ("一行\n更长的一行", 10),
        ] {
            assert_eq!(text_width(text), width, "{text:?}");
        }
    }

    #[test]
    fn cells_show_as_a_csv_would_write_them() {
        let cells = [
            (Cell::from("张三"), "张三"),
            (Cell::Int(-5), "-5"),
            (Cell::Date(d(2026, 10, 9)), "2026-10-09"),
            (Cell::Rate(Some(1.0 / 3.0)), "33.3%"),
            (Cell::Rate(Some(1.0)), "100.0%"),
            (Cell::Rate(None), ""),
            (Cell::Empty, ""),
        ];
        for (cell, shown) in cells {
            assert_eq!(cell.to_string(), shown, "{cell:?}");
        }
    }

    #[test]
    fn dates_outside_excel_and_no_sheets() {
        for date in [d(1899, 12, 30), d(10_000, 1, 1)] {
            let sheet = Sheet {
                name: "日期".into(),
                headers: vec!["日期".into()],
                rows: vec![vec![Cell::Date(date)]],
            };
            assert!(
                matches!(workbook(&[sheet]), Err(WorkbookError::DateOutOfRange(d)) if d == date),
                "{date}"
            );
        }
        let book = open(workbook(&[]).unwrap());
        assert_eq!(book.sheet_names().len(), 1, "Excel needs a sheet");
    }
}
