//! The `newsgraph` binary: parses the command line and hands over to the library.

mod cli;

// No custom global allocator: Oxigraph hands RocksDB's C-allocated error strings to Rust's
// allocator to free (`CString::from_raw`), which only works when Rust uses the C allocator.
// With mimalloc as the global allocator, any RocksDB error (a locked store, a full disk)
// crashed the process instead of being reported; tests/serve.rs and tests/reliability.rs
// exercise those paths.

fn main() -> std::process::ExitCode {
    // Like other Unix tools, stop quietly when the reader of our output goes away
    // (`newsgraph components | head`) instead of panicking on a broken pipe.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any other thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    cli::run()
}
