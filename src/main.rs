//! flowhound command line: parses arguments, draws progress, calls the library.
//! Exit codes: 0 ok, 1 the run failed (thresholds, output), 2 bad input or usage.

mod cmd;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Rust ignores SIGPIPE, which turns `flowhound eval ... | head` into a panic on the
    // next print; a command-line tool should just stop, as `cat` does.
    #[cfg(unix)]
    // SAFETY: called once at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(cmd::exit_code(&err))
        }
    }
}
