//! Placeholder being written.
use super::BundleError;
use super::report::SourceReport;
use crate::domain::Procedure;
use std::path::Path;
pub fn read(_path: &Path, _report: &mut SourceReport) -> Result<Vec<Procedure>, BundleError> {
    Ok(Vec::new())
}
