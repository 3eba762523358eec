//! A starter project: the shipped example (config, topic list, subscriber
//! list) and the built-in templates written out for editing. Never
//! overwrites: if any of its files exists, nothing is written.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The starter files, as (path relative to the project, contents).
pub fn starter_files() -> Vec<(PathBuf, &'static str)> {
    let mut files: Vec<(PathBuf, &'static str)> = vec![
        ("config.toml".into(), include_str!("../config.toml")),
        (
            "content/topics.md".into(),
            include_str!("../content/topics.md"),
        ),
        (
            "content/subscribers.csv".into(),
            include_str!("../content/subscribers.csv"),
        ),
    ];
    for (name, src) in crate::render::BUILTINS {
        files.push((PathBuf::from("templates").join(name), src));
    }
    files
}

/// Writes the starter project into `dir` (created if missing) and returns
/// the files written, relative to it. Refuses, writing nothing, when `dir`
/// is a file or any starter file exists already.
pub fn write_project(dir: &Path) -> Result<Vec<PathBuf>> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(format!(
            "cannot write a project into {}: it is a file, not a folder",
            dir.display()
        ))
        .with_help("give `newsletter init` a folder (it is created if missing)"));
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
            "not overwriting existing files: {}",
            existing.join(", ")
        ))
        .with_help("run `newsletter init` in an empty folder, or move these files away"));
    }
    for (rel, text) in &files {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io("create the folder", parent, e))?;
        }
        std::fs::write(&path, text).map_err(|e| Error::io("write", &path, e))?;
    }
    Ok(files.into_iter().map(|(rel, _)| rel).collect())
}
