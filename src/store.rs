//! Store: the only module that opens and writes the Oxigraph (RocksDB) store.
//!
//! Each article is one named graph. Writing an article replaces its graph atomically (a
//! transaction that clears and refills it); graphs that do not exist yet go through one bulk
//! loader per build ([`ArticleWriter`]), committed every few million quads, which is much
//! faster for large first builds. Does not extract, query or export.

use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, TermRef,
};
use oxigraph::store::{BulkLoader, StorageError, Store};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path}: the store is in use by another newsgraph process (stop it, or use another --store)"
    )]
    Locked { path: PathBuf },
    #[error("{path}: cannot open the store: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: StorageError,
    },
    #[error("{path}: writing to the store failed: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: StorageError,
    },
    #[error("{path}: reading the store failed: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: StorageError,
    },
    #[error("{path}: bulk load failed: {message}")]
    Load { path: PathBuf, message: String },
    #[error(
        "{path}: this newsgraph was built without the on-disk store (cargo feature `rocksdb`); only in-memory stores are available"
    )]
    NoDiskStore { path: PathBuf },
}

/// Deletes `bulk-*.sst` files left in the store directory by a bulk load that was killed
/// before it committed. Oxigraph's bulk loader writes its sorted files there under that name
/// and removes them once RocksDB has ingested them (ingested files get RocksDB's own numbered
/// names), so once the store is open, and so locked by this process, such files are garbage.
/// Best effort: a file that cannot be removed only costs disk space.
#[cfg(feature = "rocksdb")]
fn remove_stale_bulk_files(path: &Path) {
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("bulk-") && name.ends_with(".sst") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Whether RocksDB's `LOCK` file in the store directory is locked by a running process (this
/// one included), read from `/proc/locks` so the file is never opened: closing any descriptor
/// of a file drops this process's own POSIX locks on it.
///
/// Why look before opening: the common failure, a store in use, then gets a clear message
/// without parsing RocksDB's error text. (RocksDB's error strings are C-allocated and Oxigraph
/// frees them with the Rust allocator, so the binary must keep the system allocator; see
/// `src/main.rs`.) `false` when it cannot tell (no LOCK file yet, no
/// `/proc/locks`); the open then decides. Locks are matched by inode number (the device field
/// of `/proc/locks` differs from `stat`'s on overlay file systems).
#[cfg(all(feature = "rocksdb", target_os = "linux"))]
fn lock_file_held(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(path.join("LOCK")) else {
        return false;
    };
    let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
        return false;
    };
    let inode = format!(":{}", meta.ino());
    locks_name_inode(&locks, &inode)
}

/// Whether a `/proc/locks` text holds a POSIX lock whose `major:minor:inode` field ends in
/// `inode_suffix` (`:<inode>`).
#[cfg(all(feature = "rocksdb", target_os = "linux"))]
fn locks_name_inode(locks: &str, inode_suffix: &str) -> bool {
    locks.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        fields.contains(&"POSIX")
            && fields
                .iter()
                .any(|f| f.matches(':').count() == 2 && f.ends_with(inode_suffix))
    })
}

#[cfg(not(all(feature = "rocksdb", target_os = "linux")))]
#[allow(dead_code)]
fn lock_file_held(_path: &Path) -> bool {
    false
}

/// An article's graph ready to be written: its name and its quads.
pub struct ArticleGraph {
    pub graph: NamedNode,
    pub quads: Vec<Quad>,
}

/// The newsgraph store on disk.
pub struct GraphStore {
    store: Store,
    path: PathBuf,
}

impl GraphStore {
    /// Opens (or creates) the store at `path`. Fails fast when another process holds it.
    #[cfg(feature = "rocksdb")]
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        if let Err(source) = std::fs::create_dir_all(path) {
            return Err(StoreError::Open {
                path: path.to_path_buf(),
                source: StorageError::Io(source),
            });
        }
        if lock_file_held(path) {
            return Err(StoreError::Locked {
                path: path.to_path_buf(),
            });
        }
        match Store::open(path) {
            Ok(store) => {
                remove_stale_bulk_files(path);
                Ok(GraphStore {
                    store,
                    path: path.to_path_buf(),
                })
            }
            Err(source) => {
                let msg = source.to_string();
                if msg.contains("lock") || msg.contains("LOCK") {
                    Err(StoreError::Locked {
                        path: path.to_path_buf(),
                    })
                } else {
                    Err(StoreError::Open {
                        path: path.to_path_buf(),
                        source,
                    })
                }
            }
        }
    }

    /// Without the `rocksdb` feature there is no on-disk store: always an error.
    #[cfg(not(feature = "rocksdb"))]
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Err(StoreError::NoDiskStore {
            path: path.to_path_buf(),
        })
    }

    /// An in-memory store, for tests and one-off runs.
    pub fn in_memory() -> Result<Self, StoreError> {
        let store = Store::new().map_err(|source| StoreError::Open {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        Ok(GraphStore {
            store,
            path: PathBuf::from(":memory:"),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The underlying Oxigraph store, for querying and dumping.
    pub fn inner(&self) -> &Store {
        &self.store
    }

    fn write_err(&self, source: StorageError) -> StoreError {
        StoreError::Write {
            path: self.path.clone(),
            source,
        }
    }

    fn read_err(&self, source: StorageError) -> StoreError {
        StoreError::Read {
            path: self.path.clone(),
            source,
        }
    }

    /// A writer for the article graphs of one build: see [`ArticleWriter`].
    pub fn article_writer(&self) -> ArticleWriter<'_> {
        ArticleWriter {
            store: self,
            loader: self.quad_loader(LOAD_CHUNK),
            in_loader: std::collections::HashSet::new(),
        }
    }

    /// A bulk loader for many quads, handed over `chunk` at a time: see [`QuadLoader`].
    pub fn quad_loader(&self, chunk: usize) -> QuadLoader<'_> {
        QuadLoader {
            store: self,
            loader: None,
            buffer: Vec::new(),
            chunk: chunk.max(1),
            pending: 0,
        }
    }

    /// Replaces a whole named graph with `quads` (used for the reasoner's graphs). The old
    /// quads are removed and the new ones added in transactions of at most
    /// [`TX_CHUNK`] quads each, so memory stays bounded however large the graph is; the
    /// replacement as a whole is not atomic (the reasoner rebuilds its graphs from scratch, so a
    /// rerun repairs an interrupted one).
    pub fn replace_graph(&self, graph: &NamedNode, quads: Vec<Quad>) -> Result<(), StoreError> {
        let g = GraphNameRef::NamedNode(graph.as_ref());
        let mut removed = 0;
        // One pass over a snapshot of the graph, removed a chunk at a time. (Scanning the graph
        // afresh for each chunk steps over the tombstones of every chunk removed before, so
        // its cost grows with the square of the graph: 10k articles, 1.9 M quads, 45 s against
        // 37 s, and at 100k it was still removing after 8 minutes.)
        let mut old = self.store.quads_for_pattern(None, None, None, Some(g));
        loop {
            let chunk = old
                .by_ref()
                .take(TX_CHUNK)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| self.write_err(e))?;
            if chunk.is_empty() {
                break;
            }
            let mut tx = self
                .store
                .start_transaction()
                .map_err(|e| self.write_err(e))?;
            for q in &chunk {
                tx.remove(q);
            }
            tx.commit().map_err(|e| self.write_err(e))?;
            // Removals fill RocksDB's write buffers like inserts do (up to 128 MB per index):
            // emptying them every 250,000 quads keeps a large graph's removal from holding
            // them full (re-reasoning 10k articles, 1.9 M old quads: 468 MB peak instead of
            // 857 MB with a flush every million, same time).
            removed += chunk.len();
            if removed % FLUSH_EVERY < chunk.len() {
                self.flush()?;
            }
        }
        let mut tx = self
            .store
            .start_transaction()
            .map_err(|e| self.write_err(e))?;
        tx.insert_named_graph(graph.as_ref());
        tx.commit().map_err(|e| self.write_err(e))?;
        self.insert_quads(&quads)?;
        // Transactions go through RocksDB's in-memory write buffers; flushing them here keeps
        // a large replacement from holding them full for what follows.
        self.flush()
    }

    /// Adds quads, in transactions of at most [`TX_CHUNK`] quads each (a transaction holds
    /// its changes in memory).
    pub fn insert_quads(&self, quads: &[Quad]) -> Result<(), StoreError> {
        for chunk in quads.chunks(TX_CHUNK) {
            let mut tx = self
                .store
                .start_transaction()
                .map_err(|e| self.write_err(e))?;
            for q in chunk {
                tx.insert(q);
            }
            tx.commit().map_err(|e| self.write_err(e))?;
        }
        Ok(())
    }

    /// Quads matching a pattern (`None` matches anything), in one named graph or, with
    /// `graph` `None`, in any graph.
    pub fn quads_matching<'a>(
        &'a self,
        subject: Option<NamedOrBlankNodeRef<'a>>,
        predicate: Option<NamedNodeRef<'a>>,
        object: Option<TermRef<'a>>,
        graph: Option<&'a NamedNode>,
    ) -> impl Iterator<Item = Result<Quad, StoreError>> + 'a {
        let graph = graph.map(|g| GraphNameRef::NamedNode(g.as_ref()));
        self.store
            .quads_for_pattern(subject, predicate, object, graph)
            .map(|q| q.map_err(|e| self.read_err(e)))
    }

    /// Whether one named graph holds `subject predicate object`.
    pub fn contains_in(
        &self,
        graph: &NamedNode,
        subject: NamedOrBlankNodeRef<'_>,
        predicate: &NamedNode,
        object: TermRef<'_>,
    ) -> Result<bool, StoreError> {
        self.store
            .contains(QuadRef::new(
                subject,
                predicate.as_ref(),
                object,
                GraphNameRef::NamedNode(graph.as_ref()),
            ))
            .map_err(|e| self.read_err(e))
    }

    /// Whether the store has this named graph.
    pub fn has_graph(&self, graph: &NamedNode) -> Result<bool, StoreError> {
        self.store
            .contains_named_graph(NamedOrBlankNodeRef::from(graph.as_ref()))
            .map_err(|e| self.read_err(e))
    }

    /// Removes an article's graph entirely.
    pub fn remove_article(&self, graph: &NamedNode) -> Result<(), StoreError> {
        self.store
            .remove_named_graph(NamedOrBlankNodeRef::from(graph.as_ref()))
            .map_err(|e| self.write_err(e))?;
        Ok(())
    }

    /// Number of article graphs in the store.
    pub fn article_count(&self) -> Result<usize, StoreError> {
        let mut n = 0;
        for g in self.store.named_graphs() {
            let g = g.map_err(|e| self.write_err(e))?;
            if !crate::reason::is_system_graph(g.as_ref()) {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Flushes writes to disk.
    #[cfg(feature = "rocksdb")]
    pub fn flush(&self) -> Result<(), StoreError> {
        self.store.flush().map_err(|e| self.write_err(e))
    }

    /// Nothing to flush without the on-disk store.
    #[cfg(not(feature = "rocksdb"))]
    pub fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Compacts the store (RocksDB full compaction): drops what removed and replaced graphs
    /// left behind and merges the bulk loader's files. After the reasoner rewrites its graphs
    /// on 10k generated articles this halved the store (3.6 → 1.8 GB) and made who-met-whom
    /// 1.7x faster, for 12 s.
    #[cfg(feature = "rocksdb")]
    pub fn optimize(&self) -> Result<(), StoreError> {
        self.store.optimize().map_err(|e| self.write_err(e))
    }

    /// Nothing to compact without the on-disk store.
    #[cfg(not(feature = "rocksdb"))]
    pub fn optimize(&self) -> Result<(), StoreError> {
        Ok(())
    }
}

#[cfg(all(test, feature = "rocksdb", target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn proc_locks_lines_match_by_inode() {
        let locks = "1: POSIX  ADVISORY  WRITE 4242 00:2a:917 0 EOF\n\
                     2: FLOCK  ADVISORY  WRITE 4243 00:2a:555 0 EOF\n";
        assert!(locks_name_inode(locks, ":917"));
        assert!(
            !locks_name_inode(locks, ":17"),
            "a suffix of the number is not a match"
        );
        assert!(
            !locks_name_inode(locks, ":555"),
            "flock locks are not RocksDB's"
        );
    }

    #[test]
    fn an_open_store_is_seen_as_in_use_and_a_second_open_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db");
        assert!(!lock_file_held(&path), "no store yet");
        let first = GraphStore::open(&path).unwrap();
        assert!(lock_file_held(&path));
        let second = GraphStore::open(&path);
        assert!(matches!(second, Err(StoreError::Locked { .. })));
        drop(first);
        assert!(!lock_file_held(&path), "closing the store releases it");
        GraphStore::open(&path).expect("the store opens again once released");
    }
}

/// Most quads one transaction of [`GraphStore::replace_graph`] holds (Oxigraph keeps a
/// transaction's changes in memory until it commits).
pub const TX_CHUNK: usize = 50_000;

/// Quads removed between two flushes of the write buffers in [`GraphStore::replace_graph`].
const FLUSH_EVERY: usize = 250_000;

/// Quads buffered before they go to the bulk loader: each hand-over becomes one sorted batch
/// per index. On 10k generated articles (4.1 M quads), 100k gave the fastest build at half
/// the peak memory of 250k; a load and commit per 256-article batch took 1.4x the CPU.
const LOAD_CHUNK: usize = 100_000;
/// Quads loaded between two commits of the bulk loader. A commit makes what was loaded
/// visible at once (a killed build keeps every committed article whole and nothing of the
/// others); fewer commits mean fewer files for RocksDB to merge.
const COMMIT_EVERY: usize = 4_000_000;

/// Quads on their way into the store through Oxigraph's bulk loader, which writes sorted
/// files and hands them to RocksDB whole (no transaction, no write buffers). Quads are handed
/// over in chunks, each sorted on a background thread while the caller goes on; nothing is
/// visible in the store until [`QuadLoader::commit`]. Memory stays bounded: one chunk waits
/// here and the loader sorts at most one chunk per core. Dropping the loader
/// without `commit` abandons what it holds.
pub struct QuadLoader<'a> {
    store: &'a GraphStore,
    loader: Option<BulkLoader<'a>>,
    buffer: Vec<Quad>,
    /// Quads buffered before they are handed to the loader.
    chunk: usize,
    /// Quads taken since the last commit (buffered or handed to the loader).
    pending: usize,
}

impl QuadLoader<'_> {
    /// Adds quads; they become visible at the next [`QuadLoader::commit`].
    pub fn extend(&mut self, quads: impl IntoIterator<Item = Quad>) -> Result<(), StoreError> {
        let before = self.buffer.len();
        self.buffer.extend(quads);
        self.pending += self.buffer.len() - before;
        if self.buffer.len() >= self.chunk {
            self.load_buffer()?;
        }
        Ok(())
    }

    /// Quads taken since the last commit.
    pub fn pending(&self) -> usize {
        self.pending
    }

    fn load_err(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Load {
            path: self.store.path.clone(),
            message: e.to_string(),
        }
    }

    /// Hands the buffered quads to the bulk loader (opening it if needed).
    fn load_buffer(&mut self) -> Result<(), StoreError> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let quads = std::mem::take(&mut self.buffer);
        let store = &self.store.store;
        let loader = self
            .loader
            .get_or_insert_with(|| store.bulk_loader().with_max_memory_size_in_megabytes(512));
        if let Err(e) = loader.load_quads(quads) {
            self.loader = None;
            self.pending = 0;
            return Err(self.load_err(e));
        }
        Ok(())
    }

    /// Makes everything taken so far visible in the store.
    pub fn commit(&mut self) -> Result<(), StoreError> {
        self.load_buffer()?;
        self.pending = 0;
        match self.loader.take() {
            Some(loader) => loader.commit().map_err(|e| self.load_err(e)),
            None => Ok(()),
        }
    }
}

/// Writes the article graphs of one build. A graph the store already has is replaced in one
/// transaction (all or nothing); new graphs go through one [`QuadLoader`] that lives across
/// batches and commits every [`COMMIT_EVERY`] quads and at [`ArticleWriter::finish`], which
/// is much faster than a bulk load per batch. Dropping the writer without `finish` abandons
/// what was not committed yet.
pub struct ArticleWriter<'a> {
    store: &'a GraphStore,
    loader: QuadLoader<'a>,
    /// Graphs handed to the loader since its last commit (not yet visible in the store).
    in_loader: std::collections::HashSet<NamedNode>,
}

impl ArticleWriter<'_> {
    /// Writes a batch of article graphs; returns the number of quads written.
    pub fn write(&mut self, batch: Vec<ArticleGraph>) -> Result<usize, StoreError> {
        // An article loaded earlier in this build but not committed yet: commit first, so
        // the new version replaces it like any stored graph.
        if batch.iter().any(|a| self.in_loader.contains(&a.graph)) {
            self.commit()?;
        }
        let mut fresh = Vec::new();
        let mut replace = Vec::new();
        for a in batch {
            if self.store.has_graph(&a.graph)? {
                replace.push(a);
            } else {
                fresh.push(a);
            }
        }
        let mut written = 0;
        if !replace.is_empty() {
            let store = &self.store.store;
            let mut tx = store
                .start_transaction()
                .map_err(|e| self.store.write_err(e))?;
            for a in &replace {
                tx.clear_graph(GraphNameRef::NamedNode(a.graph.as_ref()))
                    .map_err(|e| self.store.write_err(e))?;
            }
            for a in &replace {
                tx.insert_named_graph(a.graph.as_ref());
                for q in &a.quads {
                    tx.insert(q);
                }
                written += a.quads.len();
            }
            tx.commit().map_err(|e| self.store.write_err(e))?;
        }
        for a in fresh {
            written += a.quads.len();
            self.in_loader.insert(a.graph);
            if let Err(e) = self.loader.extend(a.quads) {
                self.in_loader.clear();
                return Err(e);
            }
        }
        if self.loader.pending() >= COMMIT_EVERY {
            self.commit()?;
        }
        Ok(written)
    }

    /// Makes everything written so far visible in the store.
    fn commit(&mut self) -> Result<(), StoreError> {
        self.in_loader.clear();
        self.loader.commit()
    }

    /// Commits what is left; the build's articles are all in the store afterwards.
    pub fn finish(mut self) -> Result<(), StoreError> {
        self.commit()
    }
}
