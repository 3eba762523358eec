//! `newsletter init [DIR]`: writes a starter project, never overwriting.

use std::path::{Path, PathBuf};

use super::emit;
use crate::error::{Error, Result};

/// The starter files: the shipped example project.
fn starter_files() -> Vec<(PathBuf, &'static str)> {
    let mut files: Vec<(PathBuf, &'static str)> = vec![
        ("config.toml".into(), include_str!("../../config.toml")),
        (
            "content/topics.md".into(),
            include_str!("../../content/topics.md"),
        ),
        (
            "content/subscribers.csv".into(),
            include_str!("../../content/subscribers.csv"),
        ),
        (
            "content/tips.md".into(),
            include_str!("../../content/tips.md"),
        ),
        (
            "content/notes/performance.md".into(),
            include_str!("../../content/notes/performance.md"),
        ),
    ];
    // The built-in templates, written out for editing.
    for (name, src) in crate::render::BUILTINS {
        files.push((PathBuf::from("templates").join(name), src));
    }
    files
}

/// Writes the starter project into `dir`; refuses if any file exists.
pub fn run(dir: &Path) -> Result<u8> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(format!(
            "cannot write a project into {}: it is a file, not a folder\nhelp: give `newsletter init` a folder (it is created if missing)",
            dir.display()
        )));
    }
    let files = starter_files();
    let existing: Vec<String> = files
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists())
        .map(|p| p.display().to_string())
        .collect();
    if !existing.is_empty() {
        return Err(Error::input(format!(
            "not overwriting existing files: {}\nhelp: run `newsletter init` in an empty folder, or move these files away",
            existing.join(", ")
        )));
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io("create the folder", parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))?;
    }
    emit(&format!(
        "Created a newsletter project in {}:\n{}\nNext: edit config.toml, then run `newsletter check` and `newsletter plan`.\n",
        dir.display(),
        files
            .iter()
            .map(|(r, _)| format!("  {}", r.display()))
            .collect::<Vec<_>>()
            .join("\n")
    ))?;
    Ok(0)
}
