//! A parsed TOML source (a scenario file, a preset, the --set arguments) together with where
//! each key was written. Why: presets and --set are merged key by key before validation, and
//! values carry their source through the merge, so an error found afterwards still points at the
//! line (or argument) that set the offending value.

use std::collections::BTreeMap;
use std::ops::Range;

use toml::Value;
use toml_edit::{Document, InlineTable, Item, Table};

use super::error::{Problem, Source};
use super::line_index::{syntax_error_text, LineIndex};

/// Source of every key, by dotted key path ("valves.mitral.eroa_cm2"; array elements by index).
pub(crate) type Locs = BTreeMap<String, Source>;

/// Values and where they came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Layer {
    pub table: toml::Table,
    pub locs: Locs,
}

impl Layer {
    /// Parse a scenario file. `file` is its display name, `preset` the preset name it was
    /// reached by (`None` for the file being loaded). A syntax error comes back as the TOML
    /// parser's own message (line, column and a caret).
    pub fn parse(text: &str, file: &str, preset: Option<&str>) -> Result<Layer, Problem> {
        let source = |line| Source::File {
            file: file.to_owned(),
            line,
            preset: preset.map(str::to_owned),
        };
        let doc = Document::parse(text)
            .map_err(|e| Problem::new(Some(source(None)), syntax_error_text(&e)))?;
        let mut walker = Walker {
            lines: LineIndex::new(text),
            source: &source,
            locs: Locs::new(),
        };
        let table = walker.table(doc.as_table(), "");
        Ok(Layer {
            table,
            locs: walker.locs,
        })
    }

    /// Where `path` was set: its own source, else that of its nearest ancestor that has one.
    pub fn source(&self, path: &str) -> Option<Source> {
        let mut p = path;
        loop {
            if let Some(s) = self.locs.get(p) {
                return Some(s.clone());
            }
            p = &p[..p.rfind('.')?];
        }
    }

    /// Whether `path` itself was set by some layer (not merely defaulted).
    pub fn is_set(&self, path: &str) -> bool {
        self.locs.contains_key(path)
    }
}

/// Forget the sources of `path` and everything below it.
pub(crate) fn forget(locs: &mut Locs, path: &str) {
    let below = format!("{path}.");
    locs.retain(|k, _| k != path && !k.starts_with(&below));
}

/// `prefix.key`, or `key` at the top level.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The value at a dotted key path.
pub(crate) fn get_path<'a>(table: &'a toml::Table, path: &str) -> Option<&'a Value> {
    let mut segments = path.split('.');
    let mut value = table.get(segments.next()?)?;
    for seg in segments {
        value = match value {
            Value::Table(t) => t.get(seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

/// Converts a toml_edit document into plain values, recording the line of every key.
struct Walker<'a> {
    lines: LineIndex,
    source: &'a dyn Fn(Option<usize>) -> Source,
    locs: Locs,
}

impl Walker<'_> {
    fn line(&self, span: Option<Range<usize>>) -> Option<usize> {
        self.lines.line(span)
    }

    fn record(&mut self, path: &str, span: Option<Range<usize>>) {
        let source = (self.source)(self.line(span));
        self.locs.insert(path.to_owned(), source);
    }

    fn table(&mut self, table: &Table, prefix: &str) -> toml::Table {
        let mut out = toml::Table::new();
        for (key, item) in table.iter() {
            let path = join(prefix, key);
            self.record(&path, table.key(key).and_then(|k| k.span()));
            if let Some(v) = self.item(item, &path) {
                out.insert(key.to_owned(), v);
            }
        }
        out
    }

    fn inline_table(&mut self, table: &InlineTable, prefix: &str) -> toml::Table {
        let mut out = toml::Table::new();
        for (key, value) in table.iter() {
            let path = join(prefix, key);
            self.record(&path, table.key(key).and_then(|k| k.span()));
            out.insert(key.to_owned(), self.value(value, &path));
        }
        out
    }

    fn item(&mut self, item: &Item, path: &str) -> Option<Value> {
        match item {
            Item::None => None,
            Item::Value(v) => Some(self.value(v, path)),
            Item::Table(t) => Some(Value::Table(self.table(t, path))),
            Item::ArrayOfTables(a) => Some(Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, t)| {
                        let p = join(path, &i.to_string());
                        self.record(&p, t.span());
                        Value::Table(self.table(t, &p))
                    })
                    .collect(),
            )),
        }
    }

    fn value(&mut self, value: &toml_edit::Value, path: &str) -> Value {
        use toml_edit::Value as V;
        match value {
            V::String(s) => Value::String(s.value().clone()),
            V::Integer(i) => Value::Integer(*i.value()),
            V::Float(f) => Value::Float(*f.value()),
            V::Boolean(b) => Value::Boolean(*b.value()),
            V::Datetime(d) => Value::Datetime(*d.value()),
            V::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, v)| {
                        let p = join(path, &i.to_string());
                        self.record(&p, v.span());
                        self.value(v, &p)
                    })
                    .collect(),
            ),
            V::InlineTable(t) => Value::Table(self.inline_table(t, path)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(layer: &Layer, path: &str) -> Option<usize> {
        match layer.source(path) {
            Some(Source::File { line, .. }) => line,
            _ => None,
        }
    }

    #[test]
    fn records_the_line_of_every_key() {
        let text = "version = 1\n\n[valves.mitral]\nlaw = \"orifice\"\n# c\narea_cm2 = 7\n\
                    [heart]\nrate_bpm = { x = 1 }\n[chambers]\nlv.ea = 2\n";
        let layer = Layer::parse(text, "f.toml", None).expect("parses");
        assert_eq!(line_of(&layer, "version"), Some(1));
        assert_eq!(line_of(&layer, "valves"), Some(3));
        assert_eq!(line_of(&layer, "valves.mitral"), Some(3));
        assert_eq!(line_of(&layer, "valves.mitral.law"), Some(4));
        assert_eq!(line_of(&layer, "valves.mitral.area_cm2"), Some(6));
        assert_eq!(line_of(&layer, "heart.rate_bpm.x"), Some(8));
        assert_eq!(line_of(&layer, "chambers.lv.ea"), Some(10));
        // A key that was never set falls back to its section.
        assert_eq!(line_of(&layer, "valves.mitral.eroa_cm2"), Some(3));
        assert_eq!(layer.source("nothing"), None);
        assert_eq!(
            get_path(&layer.table, "valves.mitral.area_cm2"),
            Some(&Value::Integer(7))
        );
    }

    #[test]
    fn syntax_error_keeps_the_parser_message() {
        let err = Layer::parse("version = 1\nname = \n", "f.toml", Some("p")).unwrap_err();
        assert!(err.message.contains("line 2, column 8"), "{}", err.message);
        assert_eq!(
            err.source,
            Some(Source::File {
                file: "f.toml".into(),
                line: None,
                preset: Some("p".into())
            })
        );
    }

    #[test]
    fn forget_removes_a_subtree_only() {
        let mut layer = Layer::parse("[a]\nb = 1\nbc = 2\n[ab]\nc = 3", "f", None).expect("ok");
        forget(&mut layer.locs, "a.b");
        assert!(!layer.is_set("a.b"));
        assert!(layer.is_set("a.bc"));
        forget(&mut layer.locs, "a");
        assert!(!layer.is_set("a.bc"));
        assert!(layer.is_set("ab.c"));
    }
}
