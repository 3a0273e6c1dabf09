//! The report's tables, each one sheet, written as CSV or as an `.xlsx` workbook: the
//! same cells either way.

use super::workbook::{Cell, Sheet, WorkbookError, workbook};
use super::{ChatReport, GroupRow};

/// The tables' headers and sheet names (user-visible text kept beside the layout).
const NAME: &str = "姓名";
const USER_ID: &str = "用户ID";
const TOTAL: &str = "合计";
const RATE: &str = "学习率";
const DONE: &str = "✓";
const GROUP: &str = "群组";
const CHAT_ID: &str = "群组ID";
const DAYS: &str = "投递天数";
const MEMBERS: &str = "成员";
const KNOWN: &str = "已知成员";
const STUDIED: &str = "已学习成员";
const CHECKINS: &str = "学习人次";
const AVERAGE: &str = "平均学习率";
const CHAT_SHEET: &str = "学习记实";
const OVERVIEW_SHEET: &str = "各群汇总";

impl ChatReport {
    /// The table: a header (name, user id, one column per delivery day, total, rate), one
    /// row per member known (`✓` on the days they studied), one for the members not known
    /// (`另有 N 人尚未互动`, none studied), and a row of totals per day.
    pub fn sheet(&self) -> Sheet {
        let mut headers = vec![NAME.to_string(), USER_ID.to_string()];
        headers.extend(self.days.iter().map(|d| d.format("%Y-%m-%d").to_string()));
        headers.push(TOTAL.to_string());
        headers.push(RATE.to_string());
        let days = self.days.len();
        let rate = |n: usize| Cell::Rate((days > 0).then(|| n as f64 / days as f64));
        let mut rows = Vec::with_capacity(self.rows.len() + 1);
        for row in &self.rows {
            let mut line = vec![Cell::from(row.name.as_str()), Cell::Int(row.user_id)];
            line.extend(
                row.marks
                    .iter()
                    .map(|m| if *m { Cell::from(DONE) } else { Cell::Empty }),
            );
            line.push(count(row.total()));
            line.push(rate(row.total()));
            rows.push(line);
        }
        let summary = self.summary();
        if summary.unknown() > 0 {
            let mut line = vec![Cell::Text(unknown_row(summary.unknown())), Cell::Empty];
            line.extend((0..days).map(|_| Cell::Empty));
            line.push(count(0));
            line.push(rate(0));
            rows.push(line);
        }
        let mut totals = vec![Cell::from(TOTAL), Cell::Empty];
        totals.extend((0..days).map(|i| count(self.rows.iter().filter(|r| r.marks[i]).count())));
        totals.push(count(summary.checkins));
        totals.push(Cell::Rate(summary.rate()));
        rows.push(totals);
        Sheet {
            name: CHAT_SHEET.to_string(),
            headers,
            rows,
        }
    }

    /// The table as CSV: a UTF-8 byte order mark (so that Excel reads UTF-8), then
    /// [`ChatReport::sheet`]'s lines.
    pub fn csv(&self) -> Vec<u8> {
        csv(&self.sheet())
    }

    /// The table as an `.xlsx` workbook of one sheet, `学习记实`: the cells of
    /// [`ChatReport::csv`], with numbers as numbers and rates as coloured percentages.
    pub fn xlsx(&self) -> Result<Vec<u8>, WorkbookError> {
        workbook(&[self.sheet()])
    }
}

/// `/report all` as a table: one row per group.
pub fn overview_sheet(rows: &[GroupRow]) -> Sheet {
    let headers = [
        GROUP, CHAT_ID, DAYS, MEMBERS, KNOWN, STUDIED, CHECKINS, AVERAGE,
    ]
    .map(str::to_string)
    .to_vec();
    let rows = rows
        .iter()
        .map(|r| {
            let s = &r.summary;
            vec![
                Cell::from(r.title.as_str()),
                Cell::Int(r.chat_id),
                count(s.days),
                count(s.members),
                count(s.known),
                count(s.studied),
                count(s.checkins),
                Cell::Rate(s.rate()),
            ]
        })
        .collect();
    Sheet {
        name: OVERVIEW_SHEET.to_string(),
        headers,
        rows,
    }
}

/// `/report all` as CSV: one line per group.
pub fn overview_csv(rows: &[GroupRow]) -> Vec<u8> {
    csv(&overview_sheet(rows))
}

/// `/report all` as an `.xlsx` workbook of one sheet, `各群汇总`: the cells of
/// [`overview_csv`].
pub fn overview_xlsx(rows: &[GroupRow]) -> Result<Vec<u8>, WorkbookError> {
    workbook(&[overview_sheet(rows)])
}

/// The name cell of the row of members the bot does not know.
fn unknown_row(n: usize) -> String {
    format!("另有 {n} 人尚未互动")
}

fn count(n: usize) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

/// RFC 4180 lines (CRLF) after a UTF-8 byte order mark: the header, then each row's cells
/// as the workbook shows them.
fn csv(sheet: &Sheet) -> Vec<u8> {
    let mut out = String::from('\u{feff}');
    let header = sheet.headers.iter().map(|h| cell(h));
    let rows = sheet
        .rows
        .iter()
        .map(|row| row.iter().map(|c| cell(&c.to_string())).collect::<Vec<_>>());
    for line in std::iter::once(header.collect::<Vec<_>>()).chain(rows) {
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// One CSV cell. Text a spreadsheet would take for a formula (a display name such as
/// `=HYPERLINK(…)`) gets a leading `'`; quotes, commas and line breaks are quoted.
fn cell(text: &str) -> String {
    let formula =
        text.starts_with(['=', '+', '-', '@', '\t', '\r']) && text.parse::<f64>().is_err();
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("普通"), "普通");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(cell("=1+1"), "'=1+1");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("-1001"), "-1001", "numbers stay numbers");
        assert_eq!(cell("+x,y"), "\"'+x,y\"");
    }
}
