use std::path::PathBuf;

/// Everything that can go wrong reading data: each variant says which file, and where in it.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the file is empty")]
    Empty { path: PathBuf },
    #[error("{path}, line {line}: not text (binary data or invalid UTF-8)")]
    NotText { path: PathBuf, line: usize },
    #[error("{path}, line {line}, column {column}: malformed JSON: {message}")]
    Json {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{path}, line {line}, field `{field}`: {message}")]
    Field {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    #[error("{path}, sheet `{sheet}`: {message}")]
    Sheet {
        path: PathBuf,
        sheet: String,
        message: String,
    },
    #[error("{path}, sheet `{sheet}`, row {row}: missing column(s) {missing}")]
    MissingColumns {
        path: PathBuf,
        sheet: String,
        row: usize,
        missing: String,
    },
    #[error("{path}, sheet `{sheet}`, row {row}, column `{column}`: {message}")]
    Cell {
        path: PathBuf,
        sheet: String,
        row: usize,
        column: String,
        message: String,
    },
    #[error("{path}: not a format motcua knows ({hint})")]
    UnknownFormat { path: PathBuf, hint: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("bundle {bundle}: manifest.json: {message}")]
    Manifest { bundle: PathBuf, message: String },
    #[error("bundle {bundle}: file `{file}`: {message}")]
    Integrity {
        bundle: PathBuf,
        file: String,
        message: String,
    },
    #[error("bundle {bundle}: {message}")]
    Rejected { bundle: PathBuf, message: String },
    /// Keys and signatures when making or checking bundles away from the kiosk.
    #[error(transparent)]
    Sign(#[from] super::sign::SignError),
}

impl BundleError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        BundleError::Io {
            path: path.into(),
            source,
        }
    }
}
