//! `newsletter init [DIR]`: writes a starter project, never overwriting.

use std::path::Path;

use super::emit;
use crate::error::Result;

/// Writes the starter project into `dir` and lists what it wrote.
pub fn run(dir: &Path) -> Result<u8> {
    let files = crate::init::write_project(dir)?;
    emit(&format!(
        "Created a newsletter project in {}:\n{}\nNext: edit config.toml, then run `newsletter check` and `newsletter plan`.\n",
        dir.display(),
        files
            .iter()
            .map(|r| format!("  {}", r.display()))
            .collect::<Vec<_>>()
            .join("\n")
    ))?;
    Ok(0)
}
