//! `newsletter serve` and `newsletter subscribers export`: front doors onto
//! [`crate::serve`] and [`crate::audience`].

use std::path::Path;

use super::emit;
use crate::cli::{ExportFormat, ServeArgs, SubscribersCommand};
use crate::clock::NowArg;
use crate::config::Config;
use crate::error::Result;
use crate::state::State;

/// Runs the server until SIGINT or SIGTERM; exit 0 after a clean stop.
pub fn run(config: &Path, now: Option<NowArg>, args: &ServeArgs) -> Result<u8> {
    let options = crate::serve::Options {
        listen: args.listen,
        now,
    };
    crate::serve::run(Config::from_file(config)?, options)?;
    Ok(0)
}

/// `subscribers export`: the merged list on standard output.
pub fn subscribers(config: &Config, command: &SubscribersCommand) -> Result<u8> {
    let SubscribersCommand::Export {
        format: ExportFormat::Csv,
    } = command;
    let state = State::open_existing(&config.state.path)?;
    emit(&crate::audience::export(
        &config.subscribers,
        state.as_ref(),
    )?)?;
    Ok(0)
}
