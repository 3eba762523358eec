//! `newsletter feed`: the RSS feed and the web archive of the published
//! issues, written by the library's [`publish::run`].

use super::emit;
use crate::error::Result;
use crate::project::Project;
use crate::publish;

/// Runs `feed`.
pub fn run(p: &Project) -> Result<u8> {
    let report = publish::run(p)?;
    emit(&report.summary(p))?;
    Ok(0)
}
