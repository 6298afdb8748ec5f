//! Byte offset → line number, for the file readers that report `file:line:` (scenario layers,
//! calibration files).
//!
//! Why a table: a file with thousands of keys asks for thousands of lines; a binary search over
//! the line starts keeps that linear in the file's size instead of quadratic.

use std::ops::Range;

/// The byte offset at which each line after the first starts.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        LineIndex {
            starts: text
                .bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1)
                .collect(),
        }
    }

    /// The 1-based line on which `span` starts.
    pub fn line(&self, span: Option<Range<usize>>) -> Option<usize> {
        span.map(|s| self.starts.partition_point(|&start| start <= s.start) + 1)
    }
}

/// Characters of a quoted source line kept around the caret of a TOML syntax error.
const QUOTE_WINDOW_CHARS: usize = 100;

/// A TOML parser's error message with its quoted source line cut to a window around the caret,
/// so a 10 000-character line (a machine-made file) gives a readable message, not a page of it.
pub fn syntax_error_text(error: &impl std::fmt::Display) -> String {
    let text = error.to_string();
    let lines: Vec<&str> = text.trim_end().lines().collect();
    // The parser quotes the line as "N | source" followed by "  |   ^".
    let caret_at = lines.iter().position(|l| {
        let (gutter, rest) = l.split_once('|').unwrap_or((l, ""));
        gutter.trim().is_empty() && rest.trim_start().starts_with('^')
    });
    let Some(caret_at) = caret_at.filter(|&i| i > 0) else {
        return text.trim_end().to_owned();
    };
    let (source_gutter, source) = lines[caret_at - 1].split_once('|').unwrap_or(("", ""));
    let (caret_gutter, caret) = lines[caret_at].split_once('|').unwrap_or(("", ""));
    let source: Vec<char> = source.chars().collect();
    if source.len() <= QUOTE_WINDOW_CHARS {
        return text.trim_end().to_owned();
    }
    let column = caret.chars().take_while(|c| *c != '^').count();
    let start = column
        .saturating_sub(QUOTE_WINDOW_CHARS / 2)
        .min(source.len() - QUOTE_WINDOW_CHARS);
    let end = start + QUOTE_WINDOW_CHARS;
    let mut quoted: String = source[start..end].iter().collect();
    let mut caret_line = " ".repeat(column - start) + caret.trim_start();
    if start > 0 {
        quoted = format!("…{quoted}");
        caret_line.insert(0, ' ');
    }
    if end < source.len() {
        quoted.push('…');
    }
    let mut out: Vec<String> = lines[..caret_at - 1]
        .iter()
        .map(|l| l.to_string())
        .collect();
    out.push(format!("{source_gutter}|{quoted}"));
    out.push(format!("{caret_gutter}|{caret_line}"));
    out.extend(lines[caret_at + 1..].iter().map(|l| l.to_string()));
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::{syntax_error_text, LineIndex, QUOTE_WINDOW_CHARS};

    #[test]
    fn a_long_quoted_line_is_cut_around_the_caret() {
        let text = format!("version = 1\nx = {}{}", "[".repeat(5000), "]".repeat(5000));
        let error = toml_edit::Document::parse(text.as_str()).expect_err("too deep");
        let full = error.to_string();
        let short = syntax_error_text(&error);
        assert!(full.len() > 5000, "the parser quotes the whole line");
        assert!(short.len() < 600, "{short}");
        assert!(short.contains("line 2"), "{short}");
        // The caret still points at the same character of the quoted window.
        let lines: Vec<&str> = short.lines().collect();
        let caret = lines
            .iter()
            .position(|l| l.trim_end().ends_with('^'))
            .unwrap();
        let column = lines[caret].chars().position(|c| c == '^').unwrap();
        let quoted: Vec<char> = lines[caret - 1].chars().collect();
        assert!(quoted.len() <= QUOTE_WINDOW_CHARS + 8);
        assert!(matches!(quoted[column], '[' | ']'), "{short}");
    }

    #[test]
    fn a_short_message_is_unchanged() {
        let error = toml_edit::Document::parse("a = = 1").expect_err("syntax");
        assert_eq!(syntax_error_text(&error), error.to_string().trim_end());
    }

    #[test]
    fn lines_are_counted_from_one_at_the_start_of_the_span() {
        let index = LineIndex::new("a = 1\nb = 2\n\nc = 3");
        assert_eq!(index.line(Some(0..1)), Some(1));
        assert_eq!(index.line(Some(5..6)), Some(1)); // the newline belongs to line 1
        assert_eq!(index.line(Some(6..7)), Some(2));
        assert_eq!(index.line(Some(13..14)), Some(4));
        assert_eq!(index.line(None), None);
    }
}
