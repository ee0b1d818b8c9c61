//! The ministries' official Excel lists (`official-lists/*.xlsx`, "DANH SÁCH THỦ TỤC HÀNH
//! CHÍNH"), the format office staff actually receive: sheet "Danh sách TTHC", a title row, a
//! header row (`Mã số | Tên | Cơ quan ban hành | Cơ quan thực hiện | Lĩnh vực`, found by its
//! texts in any column order) and one procedure per row. Owns the `calamine` dependency. Every
//! error names the file, the sheet and the 1-based spreadsheet row (and the column for a bad
//! cell).

use std::path::Path;

use calamine::{Data, Reader, Xlsx, XlsxError, open_workbook};

use super::BundleError;
use super::report::SourceReport;
use crate::domain::text::{clean_line, fold};
use crate::domain::{Agencies, Procedure, Source};

/// The sheet the portal's export writes; any other name falls back to the first sheet.
const SHEET: &str = "Danh sách TTHC";

/// How many rows from the top may hold the header (the export has one title row above it).
const HEADER_SEARCH_ROWS: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Code,
    Name,
    Issuer,
    Executing,
    Field,
}

/// Each column: the label the export uses, and the folded header texts accepted for it.
const COLUMNS: [(Column, &str, &[&str]); 5] = [
    (
        Column::Code,
        "Mã số",
        &[
            "ma so",
            "ma",
            "ma thu tuc",
            "ma tthc",
            "ma so tthc",
            "ma so thu tuc",
        ],
    ),
    (
        Column::Name,
        "Tên",
        &["ten", "ten thu tuc", "ten tthc", "ten thu tuc hanh chinh"],
    ),
    (Column::Issuer, "Cơ quan ban hành", &["co quan ban hanh"]),
    (
        Column::Executing,
        "Cơ quan thực hiện",
        &["co quan thuc hien"],
    ),
    (Column::Field, "Lĩnh vực", &["linh vuc"]),
];

/// A cell as text (numbers as they would be shown; errors and empty cells as nothing).
fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(t) => t.as_f64().to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// The procedure code in a code cell. A code typed as a number (`1.00119` for `1.001190`)
/// lost its trailing zeros; the six decimals put them back.
fn code_text(d: &Data) -> String {
    match d {
        Data::Float(f) if *f > 0.0 && *f < 100.0 && f.fract() != 0.0 => format!("{f:.6}"),
        other => clean_line(&cell_text(other)),
    }
}

/// A header text, folded, spaces collapsed, a trailing colon or asterisk dropped.
fn header_key(s: &str) -> String {
    let f = fold(&clean_line(s));
    f.trim_end_matches([':', '*', ' ']).trim().to_string()
}

fn column_of(header: &str) -> Option<Column> {
    let k = header_key(header);
    COLUMNS
        .iter()
        .find(|(_, _, aliases)| aliases.contains(&k.as_str()))
        .map(|(c, _, _)| *c)
}

/// The columns a header row names: which, at what index, with the header's own text.
type HeaderColumns = Vec<(Column, usize, String)>;

/// Where each column is in a header row.
fn header_columns(row: &[Data]) -> HeaderColumns {
    let mut found: HeaderColumns = Vec::new();
    for (i, cell) in row.iter().enumerate() {
        let text = cell_text(cell);
        if let Some(col) = column_of(&text)
            && !found.iter().any(|(c, _, _)| *c == col)
        {
            found.push((col, i, clean_line(&text)));
        }
    }
    found
}

/// Several lines in one cell ("Cơ quan thực hiện" lists one agency per line), each cleaned.
fn lines(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in s.split(['\n', '\r']).map(clean_line) {
        if !l.is_empty() && !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

fn open(path: &Path) -> Result<Xlsx<std::io::BufReader<std::fs::File>>, BundleError> {
    let meta = std::fs::metadata(path).map_err(|e| BundleError::io(path, e))?;
    if meta.len() == 0 {
        return Err(BundleError::Empty {
            path: path.to_path_buf(),
        });
    }
    open_workbook(path).map_err(|e| match e {
        XlsxError::Io(io) => BundleError::io(path, io),
        other => BundleError::Invalid {
            path: path.to_path_buf(),
            message: format!("not a readable Excel .xlsx workbook ({other})"),
        },
    })
}

/// Reads the list; every row with a code becomes a brief procedure (code, name, issuer,
/// executing agencies, field). Rows without a code are skipped and reported; a code cell that is
/// not a procedure code is an error.
pub fn read(path: &Path, report: &mut SourceReport) -> Result<Vec<Procedure>, BundleError> {
    let mut wb = open(path)?;
    let names = wb.sheet_names();
    let sheet = names
        .iter()
        .find(|n| header_key(n) == header_key(SHEET))
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| BundleError::Sheet {
            path: path.to_path_buf(),
            sheet: SHEET.to_string(),
            message: "the workbook has no sheets".into(),
        })?;
    let range = wb.worksheet_range(&sheet).map_err(|e| BundleError::Sheet {
        path: path.to_path_buf(),
        sheet: sheet.clone(),
        message: format!("cannot read the sheet ({e})"),
    })?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    // 1-based spreadsheet row of the i-th row of the range.
    let row_no = |i: usize| first_row + i + 1;
    let rows: Vec<&[Data]> = range.rows().collect();

    // The header is the row, near the top, that names the most of our columns.
    let mut best: Option<(usize, HeaderColumns)> = None;
    for (i, row) in rows.iter().enumerate().take(HEADER_SEARCH_ROWS) {
        let cols = header_columns(row);
        if !cols.is_empty() && best.as_ref().is_none_or(|(_, b)| cols.len() > b.len()) {
            best = Some((i, cols));
        }
    }
    let Some((header_at, cols)) = best else {
        return Err(BundleError::Sheet {
            path: path.to_path_buf(),
            sheet,
            message: format!(
                "no header row (Mã số, Tên, Cơ quan ban hành, Cơ quan thực hiện, Lĩnh vực) in the first {HEADER_SEARCH_ROWS} rows"
            ),
        });
    };
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|(c, _, _)| !cols.iter().any(|(f, _, _)| f == c))
        .map(|(_, label, _)| *label)
        .collect();
    if !missing.is_empty() {
        return Err(BundleError::MissingColumns {
            path: path.to_path_buf(),
            sheet,
            row: row_no(header_at),
            missing: missing.join(", "),
        });
    }
    let at = |c: Column| -> (usize, &str) {
        cols.iter()
            .find(|(f, _, _)| *f == c)
            .map_or((usize::MAX, ""), |(_, i, h)| (*i, h.as_str()))
    };
    let (code_col, code_header) = at(Column::Code);
    let get =
        |row: &[Data], c: Column| -> String { row.get(at(c).0).map(cell_text).unwrap_or_default() };

    let mut out = Vec::new();
    for (i, row) in rows.iter().enumerate().skip(header_at + 1) {
        let n = row_no(i);
        let code_cell = row.get(code_col).unwrap_or(&Data::Empty);
        if let Data::Error(e) = code_cell {
            return Err(BundleError::Cell {
                path: path.to_path_buf(),
                sheet,
                row: n,
                column: code_header.to_string(),
                message: format!("the cell holds a spreadsheet error ({e})"),
            });
        }
        let code = code_text(code_cell);
        if code.is_empty() {
            if row.iter().any(|c| !cell_text(c).trim().is_empty()) {
                report.skip(n, format!("row {n}: no code in `{code_header}`"));
            }
            continue;
        }
        if !crate::domain::is_procedure_code(&code) {
            return Err(BundleError::Cell {
                path: path.to_path_buf(),
                sheet,
                row: n,
                column: code_header.to_string(),
                message: format!("`{code}` is not a procedure code (like 1.001193)"),
            });
        }
        out.push(Procedure {
            code,
            name: clean_line(&get(row, Column::Name)),
            issuer: clean_line(&get(row, Column::Issuer)),
            agencies: Agencies {
                executing: lines(&get(row, Column::Executing)),
                ..Default::default()
            },
            fields: lines(&get(row, Column::Field)),
            sources: vec![Source::OfficialList],
            ..Default::default()
        });
    }
    report.records = out.len();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::path::PathBuf;

    fn lists() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/corpus/official-lists")
    }

    fn read_file(path: &Path) -> (Result<Vec<Procedure>, BundleError>, SourceReport) {
        let mut report = SourceReport::new(Source::OfficialList, path);
        (read(path, &mut report), report)
    }

    /// One cell of a hand-made sheet: text, or a number.
    enum C<'a> {
        T(&'a str),
        N(f64),
    }

    fn escape(s: &str) -> String {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    /// A minimal .xlsx (the five parts a reader needs) holding one sheet with these rows.
    fn xlsx(sheet: &str, rows: &[Vec<C>]) -> Vec<u8> {
        let mut data = String::new();
        for (r, row) in rows.iter().enumerate() {
            data.push_str(&format!("<row r=\"{}\">", r + 1));
            for (c, cell) in row.iter().enumerate() {
                let col = char::from(b'A' + u8::try_from(c).expect("few columns"));
                let at = format!("{col}{}", r + 1);
                match cell {
                    C::T("") => {}
                    C::T(t) => data.push_str(&format!(
                        "<c r=\"{at}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
                        escape(t)
                    )),
                    C::N(v) => data.push_str(&format!("<c r=\"{at}\"><v>{v}</v></c>")),
                }
            }
            data.push_str("</row>");
        }
        let main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
        let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
        let pkg = "http://schemas.openxmlformats.org/package/2006/relationships";
        let parts = [
            (
                "[Content_Types].xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/></Types>".to_string(),
            ),
            (
                "_rels/.rels",
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"{pkg}\"><Relationship Id=\"rId1\" Type=\"{rel}/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"),
            ),
            (
                "xl/workbook.xml",
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><workbook xmlns=\"{main}\" xmlns:r=\"{rel}\"><sheets><sheet name=\"{}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>", escape(sheet)),
            ),
            (
                "xl/_rels/workbook.xml.rels",
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"{pkg}\"><Relationship Id=\"rId1\" Type=\"{rel}/worksheet\" Target=\"worksheets/sheet1.xml\"/></Relationships>"),
            ),
            (
                "xl/worksheets/sheet1.xml",
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><worksheet xmlns=\"{main}\"><sheetData>{data}</sheetData></worksheet>"),
            ),
        ];
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, body) in parts {
            z.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("zip entry");
            z.write_all(body.as_bytes()).expect("zip write");
        }
        z.finish().expect("zip").into_inner()
    }

    fn title() -> Vec<C<'static>> {
        vec![C::T(
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nDANH SÁCH THỦ TỤC HÀNH CHÍNH",
        )]
    }

    fn header() -> Vec<C<'static>> {
        [
            "Mã số",
            "Tên",
            "Cơ quan ban hành",
            "Cơ quan thực hiện",
            "Lĩnh vực",
        ]
        .into_iter()
        .map(C::T)
        .collect()
    }

    fn write(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, bytes).expect("temp file");
        p
    }

    #[test]
    fn the_real_lists_read_row_by_row() {
        let expected = [
            ("danh-sach-tthc-BoCongAn.xlsx", 339),
            ("danh-sach-tthc-BoTaiChinh.xlsx", 706),
            ("danh-sach-tthc-BoTuPhap.xlsx", 271),
            ("danh-sach-tthc-BoXayDung.xlsx", 525),
            ("danh-sach-tthc-NganhangNhanuocVietNam.xlsx", 261),
            ("danh-sach-tthc-NongNghiepvaMoiTruong.xlsx", 537),
            ("toa-an-nhan-dan.xlsx", 3),
        ];
        for (file, n) in expected {
            let (recs, report) = read_file(&lists().join(file));
            let recs = recs.expect(file);
            assert_eq!(recs.len(), n, "{file}");
            assert_eq!(report.records, n);
            assert!(report.skipped.is_empty(), "{file}: {:?}", report.skipped);
            for p in &recs {
                assert!(crate::domain::is_procedure_code(&p.code));
                assert!(!p.name.is_empty(), "{file} {}", p.code);
                assert!(!p.issuer.is_empty(), "{file} {}", p.code);
                assert!(!p.fields.is_empty(), "{file} {}", p.code);
                assert_eq!(p.sources, vec![Source::OfficialList]);
            }
        }
    }

    #[test]
    fn agencies_one_per_line() {
        let (recs, _) = read_file(&lists().join("toa-an-nhan-dan.xlsx"));
        let recs = recs.expect("reads");
        let p = recs
            .iter()
            .find(|p| p.code == "3.000163")
            .expect("3.000163");
        assert_eq!(p.issuer, "Tòa án nhân dân");
        assert_eq!(p.fields, vec!["Tòa án".to_string()]);
        assert_eq!(
            p.agencies.executing,
            vec![
                "Tòa án nhân dân cấp cao",
                "Tòa án nhân dân tỉnh, thành phố trực thuộc trung ương",
                "Tòa án nhân dân cấp huyện, quận, thị xã, thành phố thuộc tỉnh và tương đương",
                "Tòa án nhân dân khu vực",
            ]
        );
        assert!(
            p.name
                .starts_with("Dịch vụ công trực tuyến gửi, nhận đơn khởi kiện")
        );
        assert!(!p.name.ends_with(' '));

        // A field cell may list several fields, one per line (duplicates dropped).
        let (recs, _) = read_file(&lists().join("danh-sach-tthc-NongNghiepvaMoiTruong.xlsx"));
        let recs = recs.expect("reads");
        let p = recs
            .iter()
            .find(|p| p.code == "1.012056")
            .expect("1.012056");
        assert_eq!(
            p.fields,
            vec!["Trồng trọt và Bảo vệ thực vật", "Trồng trọt"]
        );
        let p = recs
            .iter()
            .find(|p| p.code == "1.003618")
            .expect("1.003618");
        assert_eq!(p.fields, vec!["Nông nghiệp"]);

        let (recs, _) = read_file(&lists().join("danh-sach-tthc-BoCongAn.xlsx"));
        let recs = recs.expect("reads");
        let last = recs.last().expect("rows");
        assert_eq!(last.code, "1.000178");
        assert!(last.agencies.executing.is_empty());
        assert_eq!(last.fields, vec!["Khiếu nại, tố cáo".to_string()]);
    }

    #[test]
    fn columns_in_any_order_and_rows_without_code() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bytes = xlsx(
            SHEET,
            &[
                title(),
                [
                    "Lĩnh vực",
                    "Tên",
                    "mã số",
                    "Cơ quan thực hiện",
                    "CƠ QUAN BAN HÀNH",
                ]
                .into_iter()
                .map(C::T)
                .collect(),
                vec![
                    C::T("Hộ tịch"),
                    C::T("Đăng ky\u{301} khai sinh"),
                    C::T(" 1.001193 "),
                    C::T("Ủy ban nhân dân cấp xã\n\nSở Tư pháp\n"),
                    C::T("Bộ Tư pháp"),
                ],
                vec![C::T("Hộ tịch"), C::T("Không có mã"), C::T("")],
                vec![],
                vec![C::T("Hộ tịch"), C::T("Số"), C::N(1.00119)],
            ],
        );
        let p = write(&dir, "list.xlsx", &bytes);
        let (recs, report) = read_file(&p);
        let recs = recs.expect("reads");
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].code, "1.001193");
        assert_eq!(recs[0].name, "Đăng ký khai sinh");
        assert_eq!(recs[0].issuer, "Bộ Tư pháp");
        assert_eq!(
            recs[0].agencies.executing,
            vec!["Ủy ban nhân dân cấp xã", "Sở Tư pháp"]
        );
        assert_eq!(recs[0].fields, vec!["Hộ tịch"]);
        assert_eq!(recs[1].code, "1.001190");
        // Row 4 (1-based) has no code; the blank row 5 is not worth a word.
        assert_eq!(report.skipped.len(), 1);
        assert_eq!(report.skipped[0].line, 4);
    }

    #[test]
    fn a_missing_column_names_the_header_row() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bytes = xlsx(
            SHEET,
            &[
                title(),
                ["Mã số", "Tên", "Cơ quan thực hiện"]
                    .into_iter()
                    .map(C::T)
                    .collect(),
                vec![C::T("1.001193"), C::T("Đăng ký khai sinh"), C::T("UBND xã")],
            ],
        );
        let p = write(&dir, "list.xlsx", &bytes);
        let e = read_file(&p).0.expect_err("missing columns");
        match &e {
            BundleError::MissingColumns {
                path,
                sheet,
                row,
                missing,
            } => {
                assert_eq!(path, &p);
                assert_eq!(sheet, SHEET);
                assert_eq!(*row, 2);
                assert_eq!(missing, "Cơ quan ban hành, Lĩnh vực");
            }
            other => panic!("unexpected {other}"),
        }
        assert!(e.to_string().contains("row 2"), "{e}");

        // No header at all.
        let bytes = xlsx("Sheet1", &[vec![C::T("a"), C::T("b")]]);
        let p = write(&dir, "none.xlsx", &bytes);
        let e = read_file(&p).0.expect_err("no header");
        assert!(
            matches!(&e, BundleError::Sheet { sheet, .. } if sheet == "Sheet1"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_code_names_row_and_column() {
        let dir = tempfile::tempdir().expect("tempdir");
        let bytes = xlsx(
            SHEET,
            &[
                title(),
                header(),
                vec![C::T("1.001193"), C::T("A"), C::T("B"), C::T("C"), C::T("D")],
                vec![C::T("TTHC-01"), C::T("A"), C::T("B"), C::T("C"), C::T("D")],
            ],
        );
        let p = write(&dir, "list.xlsx", &bytes);
        let e = read_file(&p).0.expect_err("bad code");
        match &e {
            BundleError::Cell {
                row,
                column,
                message,
                ..
            } => {
                assert_eq!(*row, 4);
                assert_eq!(column, "Mã số");
                assert!(message.contains("TTHC-01"));
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn files_that_are_not_workbooks() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = write(
            &dir,
            "garbage.xlsx",
            &[0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3, 0xff],
        );
        let e = read_file(&p).0.expect_err("garbage");
        assert!(
            matches!(&e, BundleError::Invalid { path, .. } if *path == p),
            "{e}"
        );
        assert!(e.to_string().contains("garbage.xlsx"), "{e}");

        let p = write(&dir, "empty.xlsx", b"");
        let e = read_file(&p).0.expect_err("empty");
        assert!(matches!(e, BundleError::Empty { .. }), "{e}");

        // A real zip that is not a workbook.
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        z.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .expect("entry");
        z.write_all(b"hi").expect("write");
        let bytes = z.finish().expect("zip").into_inner();
        let p = write(&dir, "zip.xlsx", &bytes);
        let e = read_file(&p).0.expect_err("not a workbook");
        assert!(matches!(e, BundleError::Invalid { .. }), "{e}");

        let e = read_file(&dir.path().join("absent.xlsx"))
            .0
            .expect_err("absent");
        assert!(matches!(e, BundleError::Io { .. }), "{e}");
    }
}
