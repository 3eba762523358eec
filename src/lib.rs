//! `newsletter`: a weekly Call-for-Proposals newsletter built from a
//! conference's topic inspiration list.
//!
//! Data flows one way: files -> [`config`] and [`topics`] -> [`schedule`]
//! (the plan) -> rendered issue -> messages -> transport and state.
//!
//! The library is the product: a front door (the CLI's commands) loads a
//! [`project::Project`] (files and environment, read once) and makes one
//! call: [`campaign::send`], [`check::check`], [`publish::run`],
//! [`preview::preview`], [`suppress::record`].

pub(crate) mod archive;
pub mod audience;
pub mod bounces;
pub mod calendar;
pub mod campaign;
pub mod check;
pub(crate) mod cli;
pub(crate) mod clock;
mod cmd;
pub mod compose;
pub mod config;
pub(crate) mod deliver;
pub mod error;
pub(crate) mod feed;
pub(crate) mod fsutil;
pub mod init;
pub mod membership;
pub mod preview;
pub mod project;
pub mod publish;
pub mod render;
pub mod schedule;
pub(crate) mod serve;
pub(crate) mod state;
pub mod subscribers;
mod suggest;
pub mod suppress;
pub mod token;
pub mod topics;

use std::ffi::OsString;

use clap::Parser;

pub use error::{Error, Result};

/// Runs the program with these arguments (the first is the program name)
/// and returns the exit code for success-like outcomes. Errors carry their
/// own exit code ([`Error::exit_code`]).
pub fn run<I, T>(args: I) -> Result<u8>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 2.
            let _ = e.print();
            return Ok(if e.use_stderr() { 2 } else { 0 });
        }
    };
    cmd::dispatch(cli)
}

/// The error and every cause in its `source()` chain, one per line, as the
/// binary prints it.
pub fn report(err: &Error) -> String {
    let mut out = format!("error: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        out.push_str(&format!("\n  caused by: {cause}"));
        source = cause.source();
    }
    out
}
