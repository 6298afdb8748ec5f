//! A run's outputs as one consistent set: written into a fresh staging directory inside the
//! output directory, then moved into place file by file, metrics.json last.
//!
//! Why: metrics.json, waveforms.csv, scenario.resolved.toml and the figures must come from the
//! same run. Everything is written (and its figures drawn from it) in `DIR/.staging-<pid>/`;
//! only when all of it succeeded is the earlier metrics.json removed, the new files renamed over
//! the old ones (a rename within one directory tree is atomic), outputs of the earlier run that
//! this run does not write (figures after `--no-plots`, another image format) removed, and the
//! new metrics.json renamed in last. So after any failure DIR holds either the previous complete
//! set, or a set without metrics.json (which `plot` refuses), never a mixture that claims to be
//! complete. The caller holds the directory lock ([`super::lock`]), so a leftover staging
//! directory of a killed run can be removed safely.

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::atomic::{sync_dir, write_synced};

/// Prefix of staging directories.
const STAGING_PREFIX: &str = ".staging-";

/// A staging directory being filled; removed on drop unless committed.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    out_dir: PathBuf,
    committed: bool,
    /// Files already synced by [`Staging::write`] or [`Staging::sync`]: the commit need not
    /// sync them again.
    synced: Mutex<Vec<String>>,
}

impl Staging {
    /// A new, empty staging directory inside `out_dir` (which must exist and be locked by the
    /// caller); staging directories left by killed runs are removed first.
    pub fn new(out_dir: &Path) -> io::Result<Self> {
        for entry in fs::read_dir(out_dir)? {
            let entry = entry?;
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(STAGING_PREFIX)
            {
                let _ = fs::remove_dir_all(entry.path());
            }
        }
        let dir = out_dir.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        fs::create_dir(&dir)?;
        Ok(Self {
            dir,
            out_dir: out_dir.to_path_buf(),
            committed: false,
            synced: Mutex::new(Vec::new()),
        })
    }

    /// Where to write the new outputs.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Write `name` in the staging directory and make its content durable. No temporary name
    /// and rename: until [`Staging::commit`] nothing in here is an output, and a failed write
    /// leaves the staging directory to be removed. Safe to call from several threads at once
    /// for different names (a run writes its data files while its figures are drawn).
    pub fn write(
        &self,
        name: &str,
        write: impl FnOnce(&mut BufWriter<File>) -> io::Result<()>,
    ) -> io::Result<()> {
        write_synced(&self.dir.join(name), write)?;
        self.synced_now(name);
        Ok(())
    }

    /// Make the content of `name`, written in the staging directory by other code (a figure),
    /// durable now rather than at the commit: its sync then overlaps the work still running.
    pub fn sync(&self, name: &str) -> io::Result<()> {
        File::open(self.dir.join(name))?.sync_all()?;
        self.synced_now(name);
        Ok(())
    }

    fn synced_now(&self, name: &str) {
        self.synced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(name.to_string());
    }

    /// Move the staged files into the output directory, `last` (the file whose presence marks a
    /// complete set) after all others; remove the files of `known` (every name a run may write)
    /// that this set does not contain. Returns the names of `known` that were there before
    /// (the earlier run's outputs now replaced or removed), sorted.
    pub fn commit(mut self, known: &[String], last: &str) -> io::Result<Vec<String>> {
        let synced = std::mem::take(self.synced.get_mut().unwrap_or_else(|p| p.into_inner()));
        let staged = names_in(&self.dir)?;
        for name in staged.iter().filter(|n| !synced.contains(n)) {
            // Make the content durable before its name appears in the output directory.
            File::open(self.dir.join(name))?.sync_all()?;
        }
        let present = names_in(&self.out_dir)?;
        let mut earlier: Vec<String> = known
            .iter()
            .filter(|name| present.contains(name))
            .cloned()
            .collect();
        earlier.sort();
        // From here on the old set is no longer complete: its marker goes first.
        if present.iter().any(|n| n == last) {
            remove_if_present(&self.out_dir.join(last))?;
        }
        for name in earlier.iter().filter(|n| !staged.contains(n)) {
            remove_if_present(&self.out_dir.join(name))?;
        }
        let mut staged = staged;
        staged.sort_by_key(|name| name == last);
        for name in &staged {
            fs::rename(self.dir.join(name), self.out_dir.join(name))?;
        }
        sync_dir(&self.out_dir)?;
        self.committed = true;
        let _ = fs::remove_dir(&self.dir);
        Ok(earlier)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// The names of the entries of `dir`.
fn names_in(dir: &Path) -> io::Result<Vec<String>> {
    fs::read_dir(dir)?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect()
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_the_set_and_removes_stale_outputs() {
        let out = tempfile::tempdir().unwrap();
        let known: Vec<String> = ["m.json", "w.csv", "fig.png"].map(String::from).into();
        for n in &known {
            fs::write(out.path().join(n), "old").unwrap();
        }
        let s = Staging::new(out.path()).unwrap();
        fs::write(s.path().join("m.json"), "new").unwrap();
        fs::write(s.path().join("w.csv"), "new").unwrap();
        let earlier = s.commit(&known, "m.json").unwrap();
        assert_eq!(earlier, ["fig.png", "m.json", "w.csv"]);
        assert_eq!(
            names(out.path()),
            ["m.json", "w.csv"],
            "the stale figure is gone"
        );
        assert_eq!(fs::read_to_string(out.path().join("w.csv")).unwrap(), "new");
    }

    #[test]
    fn an_abandoned_staging_directory_leaves_the_old_set() {
        let out = tempfile::tempdir().unwrap();
        fs::write(out.path().join("m.json"), "old").unwrap();
        {
            let s = Staging::new(out.path()).unwrap();
            fs::write(s.path().join("m.json"), "new").unwrap();
        }
        assert_eq!(names(out.path()), ["m.json"]);
        assert_eq!(
            fs::read_to_string(out.path().join("m.json")).unwrap(),
            "old"
        );
        // A killed run's staging directory is cleared by the next one.
        fs::create_dir(out.path().join(".staging-999999")).unwrap();
        let s = Staging::new(out.path()).unwrap();
        assert!(!out.path().join(".staging-999999").exists());
        drop(s);
    }
}
