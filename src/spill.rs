//! Large blocks kept in files rather than in anonymous memory (`--spill DIR`): a dump
//! whose columns and graph are larger than the memory a run is given still runs.
//!
//! Anonymous memory can only leave RAM through swap, and the machines this runs on
//! often have none (containers, Kubernetes pods, Spark executors). A block kept in a
//! file mapped into memory is the same memory to the program, but the kernel may write
//! its pages to the file and drop them whenever memory runs short, and read them back
//! when they are next touched. What stays resident is what the run is reading now: a
//! partitioned run (`--partition-window`) reads the whole dump's columns once in time
//! order and then one part at a time.
//!
//! Each block of [`SPILL_FROM`] bytes or more is a file of its own in the spill folder,
//! created unnamed (`O_TMPFILE`: nothing is left behind, even when the process is
//! killed), its disk space reserved up front so that a full disk fails the allocation
//! instead of a later write, and mapped shared. Smaller blocks stay with the system
//! allocator: their count is large, their share of memory small. Which allocator a block
//! came from follows from its size alone, so spilling is switched on once, before any
//! block of that size is handed out ([`spill_to`]), and stays on.
//!
//! Linux only; elsewhere [`spill_to`] says so.

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicUsize, Ordering};

use crate::error::{Error, Result};

/// Blocks at least this large are kept in files: a run's columns, graph, and parts.
/// A file and a mapping per block cost a few system calls, nothing beside a block of
/// 1 MiB; the blocks below it add up to a small share of a run's memory.
pub const SPILL_FROM: usize = 1 << 20;

/// The spill folder, open, once spilling is on (`-1` before).
static FOLDER: AtomicI32 = AtomicI32::new(-1);
/// Set when spilling is on; never unset.
static ON: AtomicBool = AtomicBool::new(false);
/// Blocks of [`SPILL_FROM`] or more handed out by the system allocator and not yet
/// freed: spilling may only start when there are none.
static LARGE_FROM_SYSTEM: AtomicUsize = AtomicUsize::new(0);
/// Bytes in spill files now, and at most.
static SPILLED: AtomicUsize = AtomicUsize::new(0);
static PEAK_SPILLED: AtomicUsize = AtomicUsize::new(0);

/// Whether a block of `size` bytes is kept in a file.
#[inline]
pub fn spills(size: usize) -> bool {
    size >= SPILL_FROM && ON.load(Ordering::Relaxed)
}

/// Bytes held in spill files now.
pub fn spilled_bytes() -> usize {
    SPILLED.load(Ordering::Relaxed)
}

/// The most bytes held in spill files at once.
pub fn peak_spilled_bytes() -> usize {
    PEAK_SPILLED.load(Ordering::Relaxed)
}

/// Notes a block of `size` bytes handed out by the system allocator (an allocator that
/// may spill calls it for every block it does not keep in a file).
#[inline]
pub fn system_allocated(size: usize) {
    if size >= SPILL_FROM {
        LARGE_FROM_SYSTEM.fetch_add(1, Ordering::Relaxed);
    }
}

/// Notes a block of `size` bytes given back to the system allocator.
#[inline]
pub fn system_freed(size: usize) {
    if size >= SPILL_FROM {
        LARGE_FROM_SYSTEM.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Keeps every block of [`SPILL_FROM`] bytes or more allocated from now on in a file in
/// `folder` (which must exist, on a file system with `O_TMPFILE`: ext4, xfs, btrfs;
/// tmpfs would keep it in memory). Only the binary's allocator spills: a library
/// allocation goes where the program's allocator puts it. Fails when `folder` cannot
/// hold such a file, or when a large block is already out (call it before the work).
pub fn spill_to(folder: &Path) -> Result<()> {
    imp::spill_to(folder)
}

/// A new zeroed block of `size` bytes in a file of the spill folder, aligned to a page;
/// null when it cannot be made (the caller reports the allocation failure).
///
/// # Safety
/// Spilling must be on ([`spills`]); the block is freed with [`unmap`] and its size.
pub unsafe fn map(size: usize) -> *mut u8 {
    // SAFETY: forwarded with the caller's guarantees.
    let ptr = unsafe { imp::map(size) };
    if !ptr.is_null() {
        let now = SPILLED.fetch_add(size, Ordering::Relaxed) + size;
        PEAK_SPILLED.fetch_max(now, Ordering::Relaxed);
    }
    ptr
}

/// Frees a block [`map`] made.
///
/// # Safety
/// `ptr` and `size` are those of a block [`map`] returned, not yet freed.
pub unsafe fn unmap(ptr: *mut u8, size: usize) {
    // SAFETY: forwarded with the caller's guarantees.
    unsafe { imp::unmap(ptr, size) };
    SPILLED.fetch_sub(size, Ordering::Relaxed);
}

#[cfg(target_os = "linux")]
mod imp {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    fn errno_text() -> String {
        std::io::Error::last_os_error().to_string()
    }

    pub(super) fn spill_to(folder: &Path) -> Result<()> {
        let usage = |why: String| Error::Usage(format!("--spill {}: {why}", folder.display()));
        if ON.load(Ordering::Acquire) {
            return Err(usage("spilling is already on".into()));
        }
        if LARGE_FROM_SYSTEM.load(Ordering::Acquire) != 0 {
            return Err(usage("large blocks were allocated before spilling was asked for".into()));
        }
        let mut name = folder.as_os_str().as_bytes().to_vec();
        if name.contains(&0) {
            return Err(usage("the path holds a NUL byte".into()));
        }
        name.push(0);
        // SAFETY: `name` is NUL-terminated; the descriptor is kept for the process's life.
        let fd =
            unsafe { libc::open(name.as_ptr().cast(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(usage(format!("cannot open the folder: {}", errno_text())));
        }
        // One file made and dropped: the folder takes unnamed files, and has room.
        // SAFETY: `fd` is the open folder.
        let probe = unsafe { file_of(fd, SPILL_FROM) };
        match probe {
            Ok(file) => {
                // SAFETY: `file` is a descriptor this function opened.
                unsafe { libc::close(file) };
            }
            Err(why) => {
                // SAFETY: `fd` was opened above and is not kept.
                unsafe { libc::close(fd) };
                return Err(usage(why));
            }
        }
        FOLDER.store(fd, Ordering::Release);
        ON.store(true, Ordering::Release);
        Ok(())
    }

    /// An unnamed file of `size` bytes, its blocks reserved, in the folder `folder`.
    ///
    /// # Safety
    /// `folder` is an open directory descriptor.
    unsafe fn file_of(folder: i32, size: usize) -> std::result::Result<i32, String> {
        // SAFETY: a plain system call on a descriptor the caller vouches for.
        let fd = unsafe {
            libc::openat(folder, c".".as_ptr(), libc::O_TMPFILE | libc::O_RDWR | libc::O_CLOEXEC, 0o600)
        };
        if fd < 0 {
            return Err(format!("cannot make an unnamed file there: {}", errno_text()));
        }
        let Ok(len) = libc::off_t::try_from(size) else {
            // SAFETY: `fd` was opened above.
            unsafe { libc::close(fd) };
            return Err(format!("{size} bytes is more than a file holds"));
        };
        // Reserved now, a full disk fails here; a sparse file would fail on a later
        // write to the mapping, which the process can only die of.
        // SAFETY: `fd` is the file opened above.
        let reserved = unsafe { libc::fallocate(fd, 0, 0, len) };
        if reserved != 0 {
            let why = errno_text();
            // SAFETY: `fd` was opened above.
            unsafe { libc::close(fd) };
            return Err(format!("cannot reserve {size} bytes: {why}"));
        }
        Ok(fd)
    }

    pub(super) unsafe fn map(size: usize) -> *mut u8 {
        let folder = FOLDER.load(Ordering::Acquire);
        if folder < 0 {
            return std::ptr::null_mut();
        }
        // SAFETY: `folder` is the descriptor `spill_to` keeps open.
        let Ok(fd) = (unsafe { file_of(folder, size) }) else {
            return std::ptr::null_mut();
        };
        // SAFETY: a new shared mapping of the whole file just made; the mapping keeps the
        // file alive after its descriptor is closed, and its pages read as zero.
        let ptr = unsafe {
            let ptr = libc::mmap(
                std::ptr::null_mut(),
                size,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd,
                0,
            );
            libc::close(fd);
            ptr
        };
        if ptr == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        ptr.cast()
    }

    pub(super) unsafe fn unmap(ptr: *mut u8, size: usize) {
        // SAFETY: the caller hands a mapping `map` made, of this size. Its file, unnamed
        // and no longer open, goes with it, unwritten pages and all.
        unsafe { libc::munmap(ptr.cast(), size) };
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::*;

    pub(super) fn spill_to(folder: &Path) -> Result<()> {
        Err(Error::Usage(format!("--spill {}: spilling to files needs Linux", folder.display())))
    }

    pub(super) unsafe fn map(_size: usize) -> *mut u8 {
        std::ptr::null_mut()
    }

    pub(super) unsafe fn unmap(_ptr: *mut u8, _size: usize) {}
}

/// Switches spilling on for the library's tests, once, into a folder kept for the
/// process's life (tests that need it on run in any order).
#[cfg(all(test, target_os = "linux"))]
pub(crate) fn on_for_tests() -> &'static Path {
    static FOLDER_FOR_TESTS: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    FOLDER_FOR_TESTS.get_or_init(|| {
        let folder = tempfile::tempdir().expect("temp dir").keep();
        spill_to(&folder).expect("a folder on disk");
        folder
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_folder_that_cannot_hold_spill_files_is_refused_by_name() {
        let missing = Path::new("/nonexistent/flowhound-spill");
        let err = spill_to(missing).expect_err("no such folder");
        assert!(err.to_string().contains("/nonexistent/flowhound-spill"), "{err}");
    }

    /// The library's tests allocate with the system allocator: with spilling on, only
    /// what they hand to [`map`] or to the program's allocator goes to files.
    #[test]
    fn blocks_in_files_read_as_zero_hold_what_is_written_and_are_counted() {
        let folder = on_for_tests();
        assert!(spills(SPILL_FROM) && !spills(SPILL_FROM - 1));
        assert!(spill_to(folder).is_err(), "switched on once");
        let size = 3 * SPILL_FROM + 17;
        // SAFETY: spilling is on; the block is unmapped below with its size.
        unsafe {
            let block = map(size);
            assert!(!block.is_null());
            assert_eq!(block as usize % 4096, 0, "page-aligned");
            let bytes = std::slice::from_raw_parts_mut(block, size);
            assert!(bytes.iter().all(|&b| b == 0));
            bytes[size - 1] = 9;
            bytes[0] = 4;
            assert_eq!((bytes[0], bytes[size - 1]), (4, 9));
            assert!(spilled_bytes() >= size && peak_spilled_bytes() >= size);
            unmap(block, size);
        }
        // Unnamed files: the folder stays empty while blocks live and after.
        assert_eq!(std::fs::read_dir(folder).expect("folder").count(), 0);
    }
}
