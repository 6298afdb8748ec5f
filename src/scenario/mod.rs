//! The scenario reader: a TOML file (format version 1, docs/scenario-format.md), its presets and
//! the `--set` overrides, turned into validated model parameters. Why a module: this is the one
//! boundary between what a researcher types and what the physics sees; everything it refuses is
//! reported with the key path and the line (or argument) to fix.
//!
//! Pipeline: `layer` (parse, with the line of every key) → `preset` (chain of presets, each
//! checked for `version`) → `merge` (file over presets, then `set` over both) → `decode` (serde
//! mirror in `raw`, unknown keys and wrong types) → `validate` (ranges and defaults via `check`)
//! → `clip` (the `[clip]` repair, applied once to the pre-clip model to find geometry errors)
//! → [`Scenario`], whose `resolved_toml` is the merged raw scenario with every default written out.

mod check;
mod clip;
mod decode;
mod error;
mod layer;
mod line_index;
mod merge;
mod preset;
mod raw;
mod set;
mod validate;

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use error::{ErrorKind, Problem, ScenarioError, Source};
pub use line_index::{syntax_error_text, LineIndex};

use crate::model::{ModelParams, State};
use crate::solver::SteadyStateSettings;
use layer::Layer;
use preset::{FileRef, Loaded};

/// The scenario file format this reader understands (`version = 1`).
pub const FORMAT_VERSION: i64 = 1;

/// The scenario run when no file is given.
pub const DEFAULT_PRESET: &str = "secondary-mr-hf";

const BUILTIN_PRESETS: [(&str, &str); 6] = [
    (
        "regazzoni2022",
        include_str!("../../scenarios/regazzoni2022.toml"),
    ),
    ("normal", include_str!("../../scenarios/normal.toml")),
    (
        "primary-mr-severe",
        include_str!("../../scenarios/primary-mr-severe.toml"),
    ),
    (
        "secondary-mr-hf",
        include_str!("../../scenarios/secondary-mr-hf.toml"),
    ),
    (
        "primary-mr-clip-off-target",
        include_str!("../../scenarios/primary-mr-clip-off-target.toml"),
    ),
    (
        "two-clips-small-valve",
        include_str!("../../scenarios/two-clips-small-valve.toml"),
    ),
];

/// Built-in presets: (name, TOML text) of every file in scenarios/, compiled in.
pub fn builtin_presets() -> &'static [(&'static str, &'static str)] {
    &BUILTIN_PRESETS
}

/// A validated scenario, ready to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// The `name` key, else the file stem, else the preset name. Safe as a directory name.
    pub name: String,
    pub description: Option<String>,
    /// The file it was loaded from; `None` for the built-in default and for [`load_str`].
    pub source: Option<PathBuf>,
    pub params: ModelParams,
    /// The full state: the 12 `[initial]` values, valves at rest.
    pub initial: State,
    pub solver: SteadyStateSettings,
    /// Output step of the sampled beat (s).
    pub waveform_step_s: f64,
    /// The `[clip]` section: when present, `run` simulates before and after the repair.
    pub clip: Option<crate::model::repair::Repair>,
    /// The fully merged scenario (presets expanded, --set applied, no `preset` key), every key
    /// explicit, as canonical TOML: loading it again gives the same scenario.
    pub resolved_toml: String,
    /// Hex SHA-256 of `resolved_toml`.
    pub sha256: String,
}

impl Scenario {
    /// The value at a dotted key path (`chambers.lv.ea`) of the resolved scenario, every default
    /// written out; `None` if it has no such key.
    pub fn resolved_value(&self, key: &str) -> Option<toml::Value> {
        let table: toml::Table = self.resolved_toml.parse().ok()?;
        layer::get_path(&table, key).cloned()
    }
}

/// Load a scenario file (or, for `None`, the built-in [`DEFAULT_PRESET`]) and apply `sets`
/// (`"key.path=value"` strings from `--set`).
pub fn load(path: Option<&Path>, sets: &[String]) -> Result<Scenario, ScenarioError> {
    let Some(path) = path else {
        let (name, text) = builtin(DEFAULT_PRESET).ok_or_else(|| {
            ScenarioError::invalid(
                DEFAULT_PRESET,
                vec![Problem::new(None, "the default preset is not built in")],
            )
        })?;
        let file = FileRef::builtin(name, None);
        let named_after = PathBuf::from(&file.display);
        return load_file(text, file, Some(&named_after), sets);
    };
    let text = fs::read_to_string(path).map_err(|error| ScenarioError::Io {
        context: String::new(),
        what: "scenario file",
        path: path.to_path_buf(),
        error,
    })?;
    let file = FileRef {
        display: path.display().to_string(),
        identity: fs::canonicalize(path)
            .unwrap_or_else(|_| path.to_path_buf())
            .display()
            .to_string(),
        base_dir: path.parent().map(Path::to_path_buf),
        preset: None,
    };
    let mut scenario = load_file(&text, file, Some(path), sets)?;
    scenario.source = Some(path.to_path_buf());
    Ok(scenario)
}

/// Load a scenario from text. `origin` names it in messages (and, if it ends in `.toml`, gives
/// the default name); relative preset paths are resolved against `base_dir` (`None`: the
/// current directory).
pub fn load_str(
    text: &str,
    origin: &str,
    base_dir: Option<&Path>,
    sets: &[String],
) -> Result<Scenario, ScenarioError> {
    ScenarioTemplate::parse(text, origin, base_dir)?.with_sets(sets)
}

fn builtin(name: &str) -> Option<(&'static str, &'static str)> {
    BUILTIN_PRESETS.iter().find(|(n, _)| *n == name).copied()
}

/// `named_after`: the file whose stem names the scenario if it has no `name` key.
fn load_file(
    text: &str,
    file: FileRef,
    named_after: Option<&Path>,
    sets: &[String],
) -> Result<Scenario, ScenarioError> {
    ScenarioTemplate::new(text, file, named_after)?.with_sets(sets)
}

/// A scenario file read and merged over its chain of presets, before `--set` and validation.
///
/// Why: a sweep needs the scenario of every point — the same file with other `--set` values.
/// Reading and parsing the file and its presets once, then merging each point's values over
/// the result, gives the same scenario (and the same messages) as [`load_str`] with those sets,
/// without the parsing per point.
#[derive(Debug, Clone)]
pub struct ScenarioTemplate {
    origin: String,
    merged: Loaded,
    named_after: Option<PathBuf>,
}

impl ScenarioTemplate {
    /// The template of the scenario text `text`, as [`load_str`] reads it.
    pub fn parse(text: &str, origin: &str, base_dir: Option<&Path>) -> Result<Self, ScenarioError> {
        let file = FileRef {
            display: origin.to_owned(),
            identity: format!("text:{origin}"),
            base_dir: base_dir.map(Path::to_path_buf),
            preset: None,
        };
        let is_file_name = origin.ends_with(".toml");
        Self::new(text, file, is_file_name.then_some(Path::new(origin)))
    }

    fn new(text: &str, file: FileRef, named_after: Option<&Path>) -> Result<Self, ScenarioError> {
        let merged = preset::load_chain(text, &file, &file.display, &mut Vec::new())?;
        Ok(Self {
            origin: file.display,
            merged,
            named_after: named_after.map(Path::to_path_buf),
        })
    }

    /// The scenario with `sets` (`"key.path=value"`, as from `--set`) applied, validated.
    pub fn with_sets(&self, sets: &[String]) -> Result<Scenario, ScenarioError> {
        let origin = &self.origin;
        let invalid = |problems| ScenarioError::invalid(origin, problems);
        let Loaded { layer, preset } = &self.merged;
        let layer = merge::merge(layer.clone(), set::parse_sets(sets).map_err(invalid)?);
        resolve(
            origin,
            &layer,
            self.named_after.as_deref(),
            preset.as_deref(),
        )
    }
}

/// Decode and validate a merged layer into a scenario.
fn resolve(
    origin: &str,
    layer: &Layer,
    named_after: Option<&Path>,
    preset: Option<&str>,
) -> Result<Scenario, ScenarioError> {
    let invalid = |problems| ScenarioError::invalid(origin, problems);
    // Every problem in one pass: the keys serde refuses, then the values of the rest.
    let (decoded, mut problems) = decode::decode_all(layer);
    let Some((mut raw, rest)) = decoded else {
        return Err(invalid(problems));
    };
    let fallback = name_fallback(named_after, preset);
    let checked = validate::validate(
        &mut raw,
        &rest,
        fallback.as_ref().map(|(n, w)| (n.as_str(), *w)),
    );
    let valid = match checked {
        Ok(valid) if problems.is_empty() => valid,
        Ok(_) => return Err(invalid(problems)),
        Err(more) => {
            // A refused key taken out may leave its section incomplete: say it once.
            let refused: Vec<_> = problems.iter().map(|p| p.source.clone()).collect();
            problems.extend(more.into_iter().filter(|p| !refused.contains(&p.source)));
            return Err(invalid(problems));
        }
    };
    let resolved_toml = toml::to_string(&raw).map_err(|e| {
        invalid(vec![Problem::new(
            None,
            format!("cannot write the resolved scenario: {e}"),
        )])
    })?;
    let sha256 = Sha256::digest(resolved_toml.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Scenario {
        name: valid.name,
        description: raw.description.clone(),
        source: None,
        params: valid.params,
        initial: valid.initial,
        solver: valid.solver,
        waveform_step_s: valid.waveform_step_s,
        clip: valid.clip,
        resolved_toml,
        sha256,
    })
}

/// The name of a scenario without a `name` key: the stem of its file, else the name of the
/// preset it starts from. (A preset's own `name` is not inherited: it names an output directory.)
fn name_fallback(
    named_after: Option<&Path>,
    preset: Option<&str>,
) -> Option<(String, &'static str)> {
    let stem = |p: &Path| p.file_stem().map(|s| s.to_string_lossy().into_owned());
    if let Some(path) = named_after {
        return stem(path).map(|s| (s, "the file name"));
    }
    let preset = preset?;
    let name = builtin(preset)
        .map(|(n, _)| n.to_owned())
        .or_else(|| stem(Path::new(preset)))?;
    Some((name, "the preset name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn default_is_the_builtin_preset() {
        let s = load(None, &[]).expect("built-in default loads");
        assert_eq!(s.name, DEFAULT_PRESET);
        assert_eq!(s.source, None);
        assert_eq!(s.sha256.len(), 64);
    }

    #[test]
    fn name_falls_back_to_stem_then_preset() {
        let s = load_str("version = 1", "dir/my-run.toml", None, &[]).expect("valid");
        assert_eq!(s.name, "my-run");
        let s = load_str("version = 1\npreset = \"normal\"", "<stdin>", None, &[]).expect("valid");
        assert_eq!(s.name, "normal");
        let s = load_str("version = 1", "<stdin>", None, &[]).expect("valid");
        assert_eq!(s.name, "scenario");
        let e = load_str("version = 1", "my run.toml", None, &[]).expect_err("bad stem");
        assert!(
            e.to_string()
                .starts_with("my run.toml: no `name` key, and the file name \"my run\""),
            "{e}"
        );
    }

    #[test]
    fn a_file_is_named_after_its_stem_whatever_its_extension() {
        let path = std::env::temp_dir().join(format!("mitralsim-stem-{}.txt", std::process::id()));
        fs::write(&path, "version = 1\n").expect("temp file");
        let s = load(Some(&path), &[]);
        let _ = fs::remove_file(&path);
        let s = s.expect("valid");
        assert_eq!(s.name, format!("mitralsim-stem-{}", std::process::id()));
        assert_eq!(s.source.as_deref(), Some(path.as_path()));
    }

    #[test]
    fn set_switches_the_law_of_a_preset_valve() {
        let text = "version = 1\npreset = \"regazzoni2022\"\n";
        let s = load_str(
            text,
            "x.toml",
            None,
            &sets(&["valves.mitral.law=orifice", "valves.mitral.eroa_cm2=0.3"]),
        )
        .expect("diode keys of the preset are dropped");
        match s.params.valves[0] {
            crate::model::params::ValveLaw::Orifice(o) => assert_eq!(o.eroa_cm2, 0.3),
            other => panic!("{other:?}"),
        }
        assert!(!s.resolved_toml.contains("rmin = 0.0075\n\n[valves.aortic]"));
    }

    /// A sweep's points come from one template: each must be exactly the scenario (and give
    /// exactly the message) that loading the file with the same `--set` gives.
    #[test]
    fn a_template_gives_what_loading_with_sets_gives() {
        let text = "version = 1\npreset = \"secondary-mr-hf\"\n[clip]\nmodel = \"direct\"\n\
                    eroa_cm2 = 0.1\narea_cm2 = 3.6\n";
        let template = ScenarioTemplate::parse(text, "base.toml", None).expect("valid");
        for point in [
            sets(&[]),
            sets(&["heart.rate_bpm=80", "valves.mitral.eroa_cm2=0.25"]),
            sets(&["valves.mitral.law=diode"]),
            sets(&["clip.area_cm2=0.05"]),
            sets(&["heart.rate_bpm=500"]),
        ] {
            let direct = load_str(text, "base.toml", None, &point);
            let from_template = template.with_sets(&point);
            match (direct, from_template) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{point:?}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{point:?}"),
                (a, b) => panic!("{point:?}: {a:?} vs {b:?}"),
            }
        }
    }

    #[test]
    fn set_errors_point_at_the_argument() {
        let text = "version = 1\n[valves.mitral]\nlaw = \"orifice\"\n";
        let e = load_str(text, "x.toml", None, &sets(&["valves.mitral.eroa_cm2=9"]))
            .expect_err("eroa ≥ area");
        assert_eq!(
            e.to_string(),
            "--set valves.mitral.eroa_cm2=9: valves.mitral.eroa_cm2 = 9: must be smaller than \
             the open area valves.mitral.area_cm2 = 7.7"
        );
        let e = load_str(text, "x.toml", None, &sets(&["valves.mitral.eroa=0.2"]))
            .expect_err("unknown key");
        assert!(
            e.to_string().starts_with(
                "--set valves.mitral.eroa=0.2: unknown key valves.mitral.eroa in [valves.mitral]"
            ),
            "{e}"
        );
    }

    #[test]
    fn resolved_toml_round_trips() {
        let text = "version = 1\npreset = \"regazzoni2022\"\ndescription = \"d\"\n\
                    [chambers.lv]\npassive = \"exponential\"\np0_mmhg = 0.9\nbeta_per_ml = 0.02\n\
                    [valves.mitral]\nlaw = \"orifice\"\neroa_cm2 = 0.35\n\
                    [initial]\nblood_volume_ml = 1800\n";
        let a = load_str(text, "rt.toml", None, &sets(&["heart.rate_bpm=68.5"])).expect("valid");
        assert!(!a.resolved_toml.contains("\npreset ="));
        let b = load_str(&a.resolved_toml, "resolved", None, &[]).expect("resolved reloads");
        assert_eq!(a.params, b.params);
        assert_eq!(a.initial, b.initial);
        assert_eq!(a.solver, b.solver);
        assert_eq!(a.name, b.name);
        assert_eq!(a.description, b.description);
        assert_eq!(a.waveform_step_s, b.waveform_step_s);
        assert_eq!(a.resolved_toml, b.resolved_toml);
        assert_eq!(a.sha256, b.sha256);
    }

    const LEAKY: &str = "version = 1\n[valves.mitral]\nlaw = \"orifice\"\neroa_cm2 = 0.4\n\
                         area_cm2 = 6.0\n";

    /// Both clip models survive the trip through `resolved_toml`, defaults written out.
    #[test]
    fn resolved_toml_round_trips_a_clip() {
        let device = format!(
            "{LEAKY}[clip]\nmodel = \"device\"\ngap = \"localized\"\ngap_segment = \"p2\"\n\
             gap_width_mm = 10\nclips = [{{ size = \"nt\", segment = \"P2\" }}, \
             {{ size = \"XT\", position_mm = 22.5 }}]\n"
        );
        let direct = format!("{LEAKY}[clip]\nmodel = \"direct\"\neroa_cm2 = 0.1\narea_cm2 = 3.6\n");
        for text in [device, direct] {
            let a = load_str(&text, "rt.toml", None, &[]).expect("valid");
            assert!(a.clip.is_some(), "{text}");
            let b = load_str(&a.resolved_toml, "resolved", None, &[]).expect("resolved reloads");
            assert_eq!(a.clip, b.clip, "{}", a.resolved_toml);
            assert_eq!(a.params, b.params);
            assert_eq!(a.resolved_toml, b.resolved_toml);
        }
        let a = load_str(
            &format!("{LEAKY}[clip]\nmodel = \"device\"\nclips = [{{ size = \"xt\", segment = \"p2\" }}]\n"),
            "rt.toml",
            None,
            &[],
        )
        .expect("valid");
        for line in [
            "model = \"device\"",
            "coaptation_length_mm = 35.0",
            "gap = \"central\"",
            "size = \"XT\"",
            "segment = \"P2\"",
        ] {
            assert!(
                a.resolved_toml.contains(line),
                "{line}:\n{}",
                a.resolved_toml
            );
        }
        assert!(
            !a.resolved_toml.contains("position_mm"),
            "positions as given"
        );
    }

    /// A preset with a device clip, in a fresh directory, for the switching tests.
    fn with_clipped_preset(test: impl FnOnce(&Path)) {
        let dir = std::env::temp_dir().join(format!(
            "mitralsim-clip-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        fs::create_dir_all(&dir).expect("temp dir");
        let preset = format!(
            "{LEAKY}[clip]\nmodel = \"device\"\ngap = \"localized\"\ngap_segment = \"P2\"\n\
             gap_width_mm = 12\nclips = [{{ size = \"XT\", segment = \"P2\" }}]\n"
        );
        fs::write(dir.join("clipped.toml"), preset).expect("preset");
        test(&dir);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_clip_is_inherited_switched_and_removed() {
        use crate::model::repair::Repair;
        with_clipped_preset(|dir| {
            let child = "version = 1\npreset = \"clipped.toml\"\n";
            let load =
                |text: &str, args: &[&str]| load_str(text, "child.toml", Some(dir), &sets(args));
            let inherited = load(child, &[]).expect("inherits the clip");
            assert!(matches!(inherited.clip, Some(Repair::Device(_))));

            // --set the model: the preset's device keys (gap, clips) are dropped.
            let direct = load(
                child,
                &[
                    "clip.model=direct",
                    "clip.eroa_cm2=0.08",
                    "clip.area_cm2=3.5",
                ],
            )
            .expect("switched to direct");
            assert_eq!(
                direct.clip,
                Some(Repair::Direct {
                    eroa_cm2: 0.08,
                    area_cm2: 3.5
                })
            );
            assert!(
                !direct.resolved_toml.contains("gap"),
                "{}",
                direct.resolved_toml
            );

            // The same in the child file.
            let text =
                format!("{child}[clip]\nmodel = \"direct\"\neroa_cm2 = 0.08\narea_cm2 = 3.5\n");
            assert_eq!(load(&text, &[]).expect("switched").clip, direct.clip);

            // --set the gap: the preset's localized keys are dropped; clips replaced whole.
            let central = load(
                child,
                &[
                    "clip.gap=central",
                    r#"clip.clips=[{size="NT",position_mm=17.5}]"#,
                ],
            )
            .expect("central gap");
            let Some(Repair::Device(d)) = central.clip else {
                panic!("{:?}", central.clip)
            };
            assert_eq!(d.gap, crate::model::clip::GapProfile::Central);
            assert_eq!(d.clips.len(), 1);
            assert_eq!(d.clips[0].size, crate::model::clip::ClipSize::Nt);

            // model = "none" removes the inherited clip, in the file or by --set.
            let text = format!("{child}[clip]\nmodel = \"none\"\n");
            let none = load(&text, &[]).expect("no clip");
            assert_eq!(none.clip, None);
            assert!(
                !none.resolved_toml.contains("[clip]"),
                "{}",
                none.resolved_toml
            );
            assert_eq!(
                load(child, &["clip.model=none"]).expect("no clip").clip,
                None
            );

            // Keys of the old model that the child sets itself are refused, not dropped.
            let e = load(
                child,
                &[
                    "clip.model=direct",
                    "clip.eroa_cm2=0.08",
                    "clip.area_cm2=3.5",
                    "clip.gap_width_mm=3",
                ],
            )
            .expect_err("gap under direct");
            assert_eq!(
                e.to_string(),
                "--set clip.gap_width_mm=3: clip.gap_width_mm applies only to model = \"device\"; \
                 this clip uses model = \"direct\""
            );
            // Errors in the inherited clip name the preset.
            let e = load(child, &["clip.coaptation_length_mm=10"]).expect_err("gap outside");
            assert!(
                e.to_string()
                    .starts_with("child.toml (from preset clipped.toml, "),
                "{e}"
            );
            assert!(e.to_string().contains(":9): clip.gap_segment = \"P2\" (centre 5 mm) and clip.gap_width_mm = 12: the localized gap spans [-1, 11] mm, outside the coaptation line [0, 10] mm"), "{e}");
        });
    }

    #[test]
    fn set_errors_in_clips_point_at_the_argument() {
        let text = format!("{LEAKY}[clip]\nmodel = \"device\"\nclips = [{{ size = \"XT\", position_mm = 17.5 }}]\n");
        let arg = r#"clip.clips=[{size="XT",position_mm=17.5},{size="NT",position_mm=20}]"#;
        let e = load_str(&text, "x.toml", None, &sets(&[arg])).expect_err("overlap");
        assert_eq!(
            e.to_string(),
            format!(
                "--set {arg}: clip.clips[0] (XT at 17.5 mm) and clip.clips[1] (NT at 20 mm) \
                 overlap: their centres are 2.5 mm apart, at least 4 mm are needed"
            )
        );
        let e = load_str(&text, "x.toml", None, &sets(&["clip.eroa_cm2=0.08"]))
            .expect_err("direct key");
        assert_eq!(
            e.to_string(),
            "--set clip.eroa_cm2=0.08: clip.eroa_cm2 applies only to model = \"direct\"; this \
             clip uses model = \"device\""
        );
    }
}
