//! Why a sweep stops before its end, and the exit code of each reason.
//!
//! Why its own type: failing *points* are not errors (they are rows with `status = error`);
//! these are the failures of the sweep itself — a bad sweep file, an output directory that does
//! not belong to this sweep, shards that do not fit together, a disk that is full.

use std::io;
use std::path::PathBuf;

use crate::commands::exit_code;
use crate::output::lock::LockError;
use crate::scenario::ScenarioError;

#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The sweep file is unreadable or invalid: one located line per problem.
    #[error("{0}")]
    Spec(String),
    /// The base scenario is invalid.
    #[error("{0}")]
    Scenario(ScenarioError),
    /// The command cannot go ahead as asked (an output directory that already holds a sweep,
    /// a --resume of another sweep, shards that do not fit together).
    #[error("{0}")]
    Refused(String),
    /// The output directory is in use by another process, or cannot be one.
    #[error("{0}")]
    Lock(#[from] LockError),
    /// Reading or writing an output file failed; `note` says what state the files are in.
    #[error("cannot {action} {}: {source}{note}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
        note: String,
    },
}

impl SweepError {
    pub fn exit_code(&self) -> i32 {
        match self {
            SweepError::Spec(_) | SweepError::Scenario(_) | SweepError::Refused(_) => {
                exit_code::BAD_INPUT
            }
            SweepError::Io { .. } => exit_code::IO,
            SweepError::Lock(e) => e.exit_code(),
        }
    }

    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        SweepError::Io {
            action,
            path: path.into(),
            source,
            note: String::new(),
        }
    }
}
