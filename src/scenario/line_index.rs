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

#[cfg(test)]
mod tests {
    use super::LineIndex;

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
