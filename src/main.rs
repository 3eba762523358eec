//! The `newsletter` binary: runs the library and turns its result into an
//! exit code (0 success, 1 failed operation, 2 bad input).

use std::process::ExitCode;

fn main() -> ExitCode {
    match newsletter::run(std::env::args_os()) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            eprintln!("{}", newsletter::report(&err));
            ExitCode::from(err.exit_code())
        }
    }
}
