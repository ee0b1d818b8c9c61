use std::path::PathBuf;

/// Errors of the kiosk core: each wraps the failing module's error, which carries its context.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Bundle(#[from] crate::bundle::BundleError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Search(#[from] crate::search::SearchError),
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Sign(#[from] crate::bundle::sign::SignError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no previous data version to go back to")]
    NoPrevious,
    #[error("the embedded default data is damaged: {0}")]
    DefaultData(String),
    #[error("{0}")]
    Refresh(String),
    #[error("benchmark: {0}")]
    Bench(String),
}

impl AppError {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        AppError::Io {
            path: path.into(),
            source,
        }
    }
}
