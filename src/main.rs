//! flowhound command line: parses arguments, draws progress, calls the library.
//! Exit codes: 0 ok, 1 the run failed (thresholds, output), 2 bad input or usage.

mod cmd;

/// Large blocks on huge pages, or in spill files: see `flowhound::allocator`.
#[global_allocator]
static ALLOCATOR: flowhound::allocator::RunAllocator = flowhound::allocator::RunAllocator;

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
    // glibc serves a block above 128 KiB from its own mapping, returned on free, but
    // raises that bound (up to 32 MiB) each time such a block is freed. After ingest has
    // freed its 16 MiB blocks, vectors of a few MiB then come from the heap, whose freed
    // pages stay in the process: 0.1 GB of a 10M-transfer run's 1.7 GB peak. A fixed
    // bound keeps large blocks returnable.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called once at start-up, before any thread exists or allocates.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
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
