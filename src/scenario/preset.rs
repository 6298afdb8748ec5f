//! Presets: a scenario may start from a built-in preset or another file and override only what
//! it sets. Why its own module: resolving a chain of presets reads files, checks each file's
//! format version, and must refuse cycles and runaway depth with a message that shows the chain.

use std::fs;
use std::path::{Path, PathBuf};

use toml::Value;

use super::error::{closest, Problem, ScenarioError, Source};
use super::layer::Layer;
use super::merge::merge;
use super::{builtin_presets, FORMAT_VERSION};

/// Presets may nest this deep (presets of presets of ...).
pub(crate) const MAX_DEPTH: usize = 8;

/// One file of a preset chain.
#[derive(Debug, Clone)]
pub(crate) struct FileRef {
    /// How messages name the file.
    pub display: String,
    /// What cycle detection compares: a canonical path, or `builtin:NAME`.
    pub identity: String,
    /// Directory that relative preset paths in this file are resolved against (`None`: the
    /// current directory).
    pub base_dir: Option<PathBuf>,
    /// The preset name this file was reached by, as written; `None` for the file being loaded.
    pub preset: Option<String>,
}

impl FileRef {
    /// A built-in preset, reached by `preset = "NAME"` (or the default scenario when `preset`
    /// is `None`).
    pub fn builtin(name: &str, preset: Option<String>) -> Self {
        Self {
            display: format!("scenarios/{name}.toml"),
            identity: format!("builtin:{name}"),
            base_dir: None,
            preset,
        }
    }
}

/// A file merged over all its presets.
#[derive(Debug, Clone)]
pub(crate) struct Loaded {
    pub layer: Layer,
    /// The file's own `preset` value, if any.
    pub preset: Option<String>,
}

/// Read `text` (the file `file`), check its header and merge it over its chain of presets.
/// `origin` is the display name of the file being loaded, for messages.
pub(crate) fn load_chain(
    text: &str,
    file: &FileRef,
    origin: &str,
    stack: &mut Vec<FileRef>,
) -> Result<Loaded, ScenarioError> {
    let invalid = |problem: Problem| ScenarioError::invalid(origin, vec![problem]);
    let mut layer = Layer::parse(text, &file.display, file.preset.as_deref()).map_err(invalid)?;
    let spec = read_header(&mut layer, file).map_err(|p| ScenarioError::invalid(origin, p))?;
    let Some((spec, spec_source)) = spec else {
        return Ok(Loaded {
            layer,
            preset: None,
        });
    };
    let at_spec = |message: String| {
        invalid(Problem::new(
            spec_source.clone(),
            format!("preset = {}: {message}", Value::from(spec.as_str())),
        ))
    };
    stack.push(file.clone());
    if stack.len() > MAX_DEPTH {
        return Err(at_spec(format!(
            "presets nest more than {MAX_DEPTH} deep: {}",
            chain(stack, &spec)
        )));
    }
    let (target, target_text) = resolve(&spec, file.base_dir.as_deref()).map_err(|e| match e {
        Resolve::Unknown(message) => at_spec(message),
        Resolve::Io { path, error } => ScenarioError::Io {
            context: format!(
                "{}: ",
                Problem::new(
                    spec_source.clone(),
                    format!("preset = {}", Value::from(spec.as_str()))
                )
                .render(origin)
            ),
            what: "preset file",
            path,
            error,
        },
    })?;
    if stack.iter().any(|f| f.identity == target.identity) {
        return Err(at_spec(format!(
            "preset cycle: {}",
            chain(stack, &target.display)
        )));
    }
    let mut base = load_chain(&target_text, &target, origin, stack)?.layer;
    stack.pop();
    // The name names this scenario's output directory: a preset's name is not inherited.
    base.table.remove("name");
    base.locs.remove("name");
    Ok(Loaded {
        layer: merge(base, layer),
        preset: Some(spec),
    })
}

/// "a.toml → b.toml → last"
fn chain(stack: &[FileRef], last: &str) -> String {
    let mut names: Vec<&str> = stack.iter().map(|f| f.display.as_str()).collect();
    names.push(last);
    names.join(" → ")
}

/// A `preset` value and where it was written.
type PresetSpec = (String, Option<Source>);

/// Check `version`, and take `preset` out of the layer.
fn read_header(layer: &mut Layer, file: &FileRef) -> Result<Option<PresetSpec>, Vec<Problem>> {
    let mut problems = Vec::new();
    match layer.table.get("version") {
        Some(Value::Integer(v)) if *v == FORMAT_VERSION => {}
        Some(v) => problems.push(Problem::new(
            layer.source("version"),
            format!(
                "version = {v}: unsupported scenario format version; this mitralsim reads \
                 version {FORMAT_VERSION}"
            ),
        )),
        None => problems.push(Problem::new(
            Some(Source::File {
                file: file.display.clone(),
                line: None,
                preset: file.preset.clone(),
            }),
            format!(
                "missing `version = {FORMAT_VERSION}`: every scenario file starts with the \
                 format version it is written in (this mitralsim reads version {FORMAT_VERSION})"
            ),
        )),
    }
    let source = layer.source("preset");
    layer.locs.remove("preset");
    let spec = match layer.table.remove("preset") {
        None => None,
        Some(Value::String(s)) => Some((s, source)),
        Some(v) => {
            problems.push(Problem::new(
                source,
                format!(
                    "preset = {v}: expected a string: a built-in preset name or the path of a \
                     .toml file"
                ),
            ));
            None
        }
    };
    if problems.is_empty() {
        Ok(spec)
    } else {
        Err(problems)
    }
}

enum Resolve {
    /// Neither a built-in name nor a path: the message.
    Unknown(String),
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The file a `preset` value names, and its text.
fn resolve(spec: &str, base_dir: Option<&Path>) -> Result<(FileRef, String), Resolve> {
    if let Some((name, text)) = builtin_presets().iter().find(|(n, _)| *n == spec) {
        return Ok((
            FileRef::builtin(name, Some(spec.to_owned())),
            (*text).to_owned(),
        ));
    }
    let is_path = spec.ends_with(".toml") || spec.contains('/') || spec.contains('\\');
    if !is_path {
        let names: Vec<&str> = builtin_presets().iter().map(|(n, _)| *n).collect();
        let hint = closest(spec, &names)
            .map(|n| format!(" (did you mean {n}?)"))
            .unwrap_or_default();
        return Err(Resolve::Unknown(format!(
            "unknown preset{hint}; the built-in presets are {}, or give the path of a .toml \
             file relative to this file",
            names.join(", ")
        )));
    }
    let path = base_dir.map_or_else(|| PathBuf::from(spec), |dir| dir.join(spec));
    let text = fs::read_to_string(&path).map_err(|error| Resolve::Io {
        path: path.clone(),
        error,
    })?;
    let identity = fs::canonicalize(&path)
        .unwrap_or_else(|_| path.clone())
        .display()
        .to_string();
    Ok((
        FileRef {
            display: path.display().to_string(),
            identity,
            base_dir: path.parent().map(Path::to_path_buf),
            preset: Some(spec.to_owned()),
        },
        text,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top(display: &str, base_dir: Option<PathBuf>) -> FileRef {
        FileRef {
            display: display.into(),
            identity: format!("test:{display}"),
            base_dir,
            preset: None,
        }
    }

    fn load(text: &str, base_dir: Option<PathBuf>) -> Result<Loaded, ScenarioError> {
        load_chain(text, &top("x.toml", base_dir), "x.toml", &mut Vec::new())
    }

    #[test]
    fn child_overrides_builtin_preset_and_loses_its_name() {
        let loaded = load(
            "version = 1\npreset = \"regazzoni2022\"\n[heart]\nrate_bpm = 60\n",
            None,
        )
        .expect("loads");
        let t = &loaded.layer.table;
        assert_eq!(t["heart"]["rate_bpm"].as_integer(), Some(60));
        assert_eq!(t["chambers"]["lv"]["ea"].as_float(), Some(4.482));
        assert_eq!(t.get("name"), None);
        assert_eq!(t.get("preset"), None);
        assert_eq!(loaded.preset.as_deref(), Some("regazzoni2022"));
        match loaded.layer.source("chambers.lv.ea") {
            Some(Source::File {
                file,
                line: Some(_),
                preset: Some(p),
            }) => {
                assert_eq!(file, "scenarios/regazzoni2022.toml");
                assert_eq!(p, "regazzoni2022");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn header_problems_are_reported_together() {
        let err = load("version = 2\npreset = 3\n", None).expect_err("bad header");
        let msg = err.to_string();
        assert!(msg.contains("x.toml:1: version = 2: unsupported"), "{msg}");
        assert!(
            msg.contains("x.toml:2: preset = 3: expected a string"),
            "{msg}"
        );
    }

    #[test]
    fn unknown_preset_suggests_a_builtin() {
        let err = load("version = 1\npreset = \"nromal\"\n", None).expect_err("unknown");
        let msg = err.to_string();
        assert!(
            msg.starts_with("x.toml:2: preset = \"nromal\": unknown preset (did you mean normal?)"),
            "{msg}"
        );
    }

    #[test]
    fn missing_preset_file_is_an_io_error_with_its_location() {
        let dir = std::env::temp_dir();
        let err = load(
            "version = 1\npreset = \"no-such-preset-xyz.toml\"\n",
            Some(dir),
        )
        .expect_err("missing");
        assert_eq!(err.kind(), super::super::ErrorKind::Io);
        let msg = err.to_string();
        assert!(
            msg.starts_with(
                "x.toml:2: preset = \"no-such-preset-xyz.toml\": cannot read preset file "
            ),
            "{msg}"
        );
    }

    #[test]
    fn depth_is_limited() {
        let dir =
            std::env::temp_dir().join(format!("mitralsim-preset-depth-{}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        for i in 0..12 {
            let text = format!("version = 1\npreset = \"p{}.toml\"\n", i + 1);
            fs::write(dir.join(format!("p{i}.toml")), text).expect("write");
        }
        let err = load("version = 1\npreset = \"p0.toml\"\n", Some(dir.clone())).expect_err("deep");
        let _ = fs::remove_dir_all(&dir);
        assert!(
            err.to_string().contains("presets nest more than 8 deep"),
            "{err}"
        );
    }
}
