//! The output-directory lock: one mitralsim process at a time writes into a directory.
//!
//! Why: two processes on one directory (two `--resume`s of a requeued batch job, two `run`s with
//! the same `--out`) interleave their writes and both report success over mangled files. `run`,
//! `sweep` (fresh or `--resume`) and `merge` take an advisory lock on `DIR/.mitralsim.lock` for as
//! long as they write there; a second process is refused at once with the holder's pid. The lock
//! is the operating system's (`flock` on Unix, `LockFileEx` on Windows), so it is released when
//! the holder exits however it exits — a killed process never leaves a stale lock behind. The
//! file itself stays (removing it would let a third process lock a different inode) and holds
//! the pid of its last holder, for the message.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Name of the lock file inside a locked directory.
pub const LOCK_FILE: &str = ".mitralsim.lock";

/// Why a directory could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another process holds the lock.
    #[error(
        "{} is in use by another mitralsim process ({holder}); wait for it to finish, or \
         choose another output directory",
        dir.display()
    )]
    Busy { dir: PathBuf, holder: String },
    /// The lock file (or the directory) cannot be created or locked.
    #[error("cannot lock {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// The output path is not (and cannot become) a directory.
    #[error("output directory {}: {why}", dir.display())]
    NotADirectory { dir: PathBuf, why: String },
}

impl LockError {
    /// 2 (bad input) for a path that cannot be a directory, 1 (I/O) otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            LockError::NotADirectory { .. } => crate::commands::exit_code::BAD_INPUT,
            LockError::Busy { .. } | LockError::Io { .. } => crate::commands::exit_code::IO,
        }
    }
}

/// Check that `dir` is (or can become) a directory, create it, and lock it for this process.
/// A file, a dangling symbolic link or a path through a file is refused with what it is, before
/// any work is done.
pub fn create_and_lock(dir: &Path) -> Result<DirLock, LockError> {
    let refuse = |why: String| LockError::NotADirectory {
        dir: dir.to_path_buf(),
        why,
    };
    if let Ok(m) = std::fs::symlink_metadata(dir) {
        match std::fs::metadata(dir) {
            Err(_) if m.file_type().is_symlink() => {
                return Err(refuse(
                    "is a symbolic link to nothing (a dangling link): remove it or point it at \
                     a directory"
                        .into(),
                ))
            }
            Ok(m) if !m.is_dir() => {
                return Err(refuse(
                    "is a file, not a directory: name a directory for the outputs".into(),
                ))
            }
            _ => {}
        }
    }
    if let Some(file) = dir.ancestors().skip(1).find(|a| a.is_file()) {
        return Err(refuse(format!(
            "cannot be created: {} is a file, not a directory",
            file.display()
        )));
    }
    let existed = dir.is_dir();
    std::fs::create_dir_all(dir).map_err(|source| LockError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    // A new directory's entry is made durable; an existing one's already is.
    if let (false, Some(parent)) = (existed, dir.parent()) {
        let _ = super::atomic::sync_dir(parent);
    }
    DirLock::acquire(dir)
}

/// A held lock on a directory; released on drop (or when the process ends).
#[derive(Debug)]
pub struct DirLock {
    file: File,
    path: PathBuf,
}

impl DirLock {
    /// Lock `dir` (which must exist) for this process, or say who holds it.
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        let path = dir.join(LOCK_FILE);
        let io_err = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_err)?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.read_to_string(&mut text);
                let holder = match text.trim().parse::<u32>() {
                    Ok(pid) => format!("pid {pid}"),
                    Err(_) => "pid unknown".to_owned(),
                };
                return Err(LockError::Busy {
                    dir: dir.to_path_buf(),
                    holder,
                });
            }
            Err(fs4::TryLockError::Error(e)) => return Err(io_err(e)),
        }
        let record = |f: &mut File| -> io::Result<()> {
            f.set_len(0)?;
            f.seek(SeekFrom::Start(0))?;
            writeln!(f, "{}", std::process::id())?;
            f.flush()
        };
        record(&mut file).map_err(io_err)?;
        Ok(Self { file, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for DirLock {
    fn drop(&mut self) {
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_directory_is_refused_with_the_pid() {
        let dir = tempfile::tempdir().unwrap();
        let held = DirLock::acquire(dir.path()).unwrap();
        let err = DirLock::acquire(dir.path()).unwrap_err();
        let message = err.to_string();
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("in use by another mitralsim process"));
        assert_eq!(held.path(), dir.path().join(LOCK_FILE));
        drop(held);
        DirLock::acquire(dir.path()).expect("free again once dropped");
    }

    #[test]
    fn a_file_or_a_dangling_link_is_not_an_output_directory() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let message = create_and_lock(&file).unwrap_err().to_string();
        assert!(message.ends_with("is a file, not a directory: name a directory for the outputs"));
        let message = create_and_lock(&file.join("sub")).unwrap_err().to_string();
        assert!(message.contains("cannot be created:"), "{message}");
        #[cfg(unix)]
        {
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
            let err = create_and_lock(&link).unwrap_err();
            assert!(err.to_string().contains("dangling link"), "{err}");
            assert_eq!(err.exit_code(), 2);
        }
        let fresh = dir.path().join("a/b");
        create_and_lock(&fresh).unwrap();
        assert!(fresh.join(LOCK_FILE).is_file());
    }
}
