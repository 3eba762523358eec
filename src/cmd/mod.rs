//! One module per subcommand: each turns its arguments into a library call
//! on the loaded [`Project`] and the result into text, and returns the exit
//! code. Output goes through [`emit`] so a closed pipe is not a crash;
//! helpers the commands share live here and in [`output`].

mod bounces;
mod check;
mod feed;
mod init;
mod output;
mod plan;
mod preview;
mod send;
mod serve;
mod status;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::cli::{Cli, Command};
use crate::clock::NowArg;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::project::Project;

/// Runs the subcommand.
pub fn dispatch(cli: Cli) -> Result<u8> {
    QUIET.store(cli.quiet, Ordering::Relaxed);
    let now_arg = cli.now.as_deref().map(NowArg::parse).transpose()?;
    match cli.command {
        Command::Init { dir } => init::run(&dir),
        Command::Check => check::run(&Project::load(&cli.config, now_arg)?),
        Command::Plan { json } => plan::run(&Project::load(&cli.config, now_arg)?, json),
        Command::Preview(args) => preview::run(&Project::load(&cli.config, now_arg)?, &args),
        Command::Send(args) => send::run(&Project::load(&cli.config, now_arg)?, &args),
        Command::Feed => feed::run(&Project::load(&cli.config, now_arg)?),
        Command::Status { json, issue } => {
            status::status(&Config::from_file(&cli.config)?, json, issue)
        }
        Command::Serve(args) => serve::run(&cli.config, now_arg, &args),
        Command::Subscribers(sub) => serve::subscribers(&Config::from_file(&cli.config)?, &sub),
        Command::Unsubscribe(args) => {
            let p = Project::load(&cli.config, now_arg)?;
            status::unsubscribe(&p, &args)
        }
        Command::Bounces(args) => bounces::run(&cli.config, now_arg, &args),
    }
}

/// `--quiet`: [`emit`] prints nothing (warnings and errors still go to
/// standard error, and [`emit_always`] still prints).
static QUIET: AtomicBool = AtomicBool::new(false);

/// Whether `--quiet` was given.
pub fn quiet() -> bool {
    QUIET.load(Ordering::Relaxed)
}

/// Writes `text` to standard output, unless `--quiet`. A closed pipe
/// (`| head`) ends the output quietly instead of failing.
pub fn emit(text: &str) -> Result<()> {
    if quiet() {
        return Ok(());
    }
    emit_always(text)
}

/// Writes `text` to standard output even with `--quiet`: a report of
/// something that needs attention (a send that failed).
pub fn emit_always(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::failed("cannot write to standard output").with_source(e)),
    }
}

/// Prints warnings on standard error, each prefixed with `warning: `.
pub fn warn_all(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}
