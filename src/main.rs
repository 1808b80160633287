//! The `newsgraph` binary: parses the command line and hands over to the library.

mod cli;

// mimalloc is the allocator of the whole process: Rust's global allocator and, through its
// `override` feature, C's malloc/free that RocksDB uses. Both sides must agree: Oxigraph
// frees RocksDB's C-allocated error strings with Rust's allocator (`CString::from_raw`),
// which crashed on any RocksDB error (a locked store, a full disk) while mimalloc served Rust
// alone. tests/serve.rs and tests/reliability.rs exercise those paths.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
