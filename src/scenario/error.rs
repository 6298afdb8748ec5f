//! Errors a researcher can act on. Why its own module: every problem carries where the offending
//! value was set (file and line, the preset it came from, or the --set argument), and the rules
//! for printing that location live in one place, so every message has the same shape:
//! `<where>: <key.path> = <value>: <what is allowed>`.

use std::fmt::Write as _;
use std::path::PathBuf;

/// Where a key (or a whole file) was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A scenario file, as displayed (`file`). `line` is `None` for problems of the whole file
    /// (syntax, missing version). `preset` is the preset name as written in `preset = "..."` when
    /// the file is a preset of the file being loaded, `None` for that file itself.
    File {
        file: String,
        line: Option<usize>,
        preset: Option<String>,
    },
    /// A `--set KEY=VALUE` argument, as given.
    Set(String),
}

/// One thing wrong with a scenario.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the offending value was set; `None` when it is a default or the whole merged
    /// scenario is concerned (the message then starts with the loaded file's name).
    pub source: Option<Source>,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(source: Option<Source>, message: impl Into<String>) -> Self {
        Self {
            source,
            message: message.into(),
        }
    }

    /// The user-facing line; `origin` is the display name of the file being loaded.
    pub fn render(&self, origin: &str) -> String {
        let msg = &self.message;
        match &self.source {
            None => format!("{origin}: {msg}"),
            Some(Source::Set(arg)) => format!("--set {arg}: {msg}"),
            Some(Source::File {
                file,
                line,
                preset: None,
            }) => format!("{file}{}: {msg}", line_suffix(*line)),
            Some(Source::File {
                file,
                line,
                preset: Some(preset),
            }) => format!(
                "{origin} (from preset {preset}, {file}{}): {msg}",
                line_suffix(*line)
            ),
        }
    }
}

fn line_suffix(line: Option<usize>) -> String {
    line.map(|l| format!(":{l}")).unwrap_or_default()
}

/// I/O failure (a file could not be read) versus content the reader refuses. Both are bad
/// input to the command line; the distinction is for messages and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Io,
    Invalid,
}

/// Why a scenario could not be loaded. `Display` is the complete message for the user.
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// A scenario or preset file could not be read. `context` is "" for the file named on the
    /// command line, else the location of the `preset = ...` that named it, ending in ": ".
    #[error("{context}cannot read {what} {}: {error}", .path.display())]
    Io {
        context: String,
        what: &'static str,
        path: PathBuf,
        error: std::io::Error,
    },
    /// The content is not a valid scenario: one line per problem.
    #[error("{}", render_all(.origin, .problems))]
    Invalid {
        /// Display name of the file being loaded.
        origin: String,
        problems: Vec<Problem>,
    },
}

impl ScenarioError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            ScenarioError::Io { .. } => ErrorKind::Io,
            ScenarioError::Invalid { .. } => ErrorKind::Invalid,
        }
    }

    /// The individual problems (empty for an I/O error).
    pub fn problems(&self) -> &[Problem] {
        match self {
            ScenarioError::Io { .. } => &[],
            ScenarioError::Invalid { problems, .. } => problems,
        }
    }

    pub(crate) fn invalid(origin: &str, problems: Vec<Problem>) -> Self {
        ScenarioError::Invalid {
            origin: origin.to_owned(),
            problems,
        }
    }
}

fn render_all(origin: &str, problems: &[Problem]) -> String {
    let mut out = String::new();
    for (i, p) in problems.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = write!(out, "{}", p.render(origin));
    }
    out
}

/// The candidate closest to a misspelt `word`, if it is close enough to be a likely typo.
pub(crate) fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance over chars.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(above + 1);
            diag = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(line: Option<usize>, preset: Option<&str>) -> Option<Source> {
        Some(Source::File {
            file: "scenarios/normal.toml".into(),
            line,
            preset: preset.map(str::to_owned),
        })
    }

    #[test]
    fn locations_render_as_documented() {
        let p = |s| Problem::new(s, "k = 1: bad").render("x.toml");
        assert_eq!(p(None), "x.toml: k = 1: bad");
        assert_eq!(
            p(file(Some(33), None)),
            "scenarios/normal.toml:33: k = 1: bad"
        );
        assert_eq!(
            p(file(Some(33), Some("normal"))),
            "x.toml (from preset normal, scenarios/normal.toml:33): k = 1: bad"
        );
        assert_eq!(
            p(Some(Source::Set("a.b=1".into()))),
            "--set a.b=1: k = 1: bad"
        );
        let e = ScenarioError::invalid("x.toml", vec![Problem::new(None, "a"); 2]);
        assert_eq!(e.to_string(), "x.toml: a\nx.toml: a");
        assert_eq!(e.kind(), ErrorKind::Invalid);
    }

    #[test]
    fn suggests_close_keys_only() {
        let keys = ["eroa_cm2", "area_cm2", "rmin"];
        assert_eq!(closest("eroa_cm", &keys), Some("eroa_cm2"));
        assert_eq!(closest("rmn", &keys), Some("rmin"));
        assert_eq!(closest("steepness", &keys), None);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
