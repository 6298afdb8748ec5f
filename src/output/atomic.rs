//! Atomic file writing: a file is written under a temporary name in its own directory, flushed
//! to disk and renamed into place, so a reader sees the previous complete file or the new
//! complete file, never a partial one — whatever fails (a full disk, a read-only old file, a
//! kill).
//!
//! Why in one place: `run`'s outputs, a sweep's per-point waveforms, sweep.json and a merged
//! results.csv all need the same dance (same-directory temporary, `fsync`, `rename`, `fsync` of
//! the directory, the temporary removed on failure). The writers themselves (metrics.json,
//! waveforms.csv) only ever see an `impl Write` and know nothing of this.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// Write `path` atomically: `write` fills a buffered temporary file beside it, which is synced
/// and renamed over `path` only if everything succeeded; on failure the temporary is removed and
/// `path` is untouched.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let tmp = temporary_name(path);
    let result = (|| {
        write_synced(&tmp, write)?;
        fs::rename(&tmp, path)?;
        sync_dir(path.parent().unwrap_or(Path::new(".")))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Create `path` and fill it through a buffered writer with `write`, then make its content
/// durable (`fsync`). Not atomic by itself: a reader may see it partly written.
pub fn write_synced(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
) -> io::Result<()> {
    let mut w = BufWriter::with_capacity(1 << 16, File::create(path)?);
    write(&mut w)?;
    w.into_inner()
        .map_err(io::IntoInnerError::into_error)?
        .sync_all()
}

/// The temporary name of `path` while it is being written: hidden, in the same directory (a
/// rename across file systems is not atomic), unique to this process.
pub fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Make a directory's entries (renames, new files) durable. A no-op where directories cannot be
/// opened as files (Windows).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.csv");
        write_atomic(&path, |w| w.write_all(b"old\n")).unwrap();
        let err = write_atomic(&path, |w| {
            w.write_all(b"new, partial")?;
            Err(io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "disk full");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old\n");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "the temporary is gone");
        write_atomic(&path, |w| w.write_all(b"new\n")).unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new\n");
    }
}
