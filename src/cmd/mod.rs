//! One module per subcommand. Each takes the parsed arguments and the
//! resolved `now`, and returns the exit code.

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};

/// Runs the subcommand.
pub fn dispatch(cli: Cli) -> Result<u8> {
    match cli.command {
        _ => Err(Error::input("not implemented yet")),
    }
}
