//! `leads.xlsx` (`analyze --excel`): the five lead files as sheets of one workbook, for
//! readers who open them in Excel or LibreOffice. Built from the CSV files just written,
//! so both say the same: numbers are numbers, times are real date-times (UTC), and text
//! is text (a workbook cell is never a formula, so the CSV's formula guard is undone).

use std::path::Path;

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, Worksheet, XlsxError};

use super::rows::number_columns;
use crate::csv_out::unneutralise;
use crate::error::{Error, Result};

/// The sheets, in order: each from `NAME.csv`.
pub const SHEETS: [&str; 5] = ["leads", "lead_accounts", "lead_hits", "lead_transfers", "lead_evidence"];

/// Columns holding times.
const TIMES: [&str; 3] = ["first_seen", "last_seen", "timestamp"];

/// Rows a sheet holds (Excel's limit, less the header and a closing note).
const MAX_ROWS: u32 = 1_048_574;

/// Writes `path` from the lead files in `dir`.
pub fn write(path: &Path, dir: &Path) -> Result<()> {
    let xlsx = |e: XlsxError| Error::io(path, std::io::Error::other(e.to_string()));
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for name in SHEETS {
        let csv_path = dir.join(format!("{name}.csv"));
        let mut reader = csv::Reader::from_path(&csv_path)
            .map_err(|e| Error::io(&csv_path, std::io::Error::other(e.to_string())))?;
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| Error::io(&csv_path, std::io::Error::other(e.to_string())))?
            .iter()
            .map(str::to_owned)
            .collect();
        let (whole, decimal) = number_columns(name);
        let sheet = book.add_worksheet().set_name(name).map_err(xlsx)?;
        for (c, h) in header.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold).map_err(xlsx)?;
        }
        let mut row = 0u32;
        let mut left = 0u64;
        for record in reader.records() {
            let record = record.map_err(|e| Error::io(&csv_path, std::io::Error::other(e.to_string())))?;
            if row >= MAX_ROWS {
                left += 1;
                continue;
            }
            row += 1;
            for (c, cell) in record.iter().enumerate() {
                let column = header.get(c).map(String::as_str).unwrap_or("");
                let number = whole.contains(&column) || decimal.contains(&column);
                write_cell(sheet, row, c as u16, column, number, cell, &when).map_err(xlsx)?;
            }
        }
        if left > 0 {
            let note = format!("{left} more rows in {name}.csv (a sheet holds about a million)");
            sheet.write_string(row + 1, 0, &note).map_err(xlsx)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(xlsx)?;
        sheet.autofit();
    }
    book.save(path).map_err(xlsx)
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    column: &str,
    number: bool,
    cell: &str,
    when: &Format,
) -> std::result::Result<(), XlsxError> {
    if cell.is_empty() {
        return Ok(());
    }
    if number {
        if let Ok(x) = cell.parse::<f64>() {
            sheet.write_number(row, col, x)?;
            return Ok(());
        }
    }
    if TIMES.contains(&column) {
        if let Ok(secs) = crate::ingest::parse::timestamp(cell) {
            let t = ExcelDateTime::from_timestamp(secs)?;
            sheet.write_datetime_with_format(row, col, &t, when)?;
            return Ok(());
        }
    }
    sheet.write_string(row, col, unneutralise(cell))?;
    Ok(())
}
