//! Scenario files as users write them: every file in tests/fixtures/good must load, every file in
//! tests/fixtures/bad must be refused with the message fragments its leading `# expect: ...`
//! comment lines name (file, line, key path, value, what is allowed). New fixtures are picked up
//! automatically; files in subdirectories are presets used by the fixtures, not fixtures. A good
//! fixture whose name starts with `clip_` must describe a repair.

use std::fs;
use std::path::{Path, PathBuf};

use mitralsim::model::clip::{ClipPlacement, ClipSize, GapProfile};
use mitralsim::model::params::{ChamberId, PassiveLaw, ValveId, ValveLaw};
use mitralsim::model::repair::{DeviceRepair, Repair};
use mitralsim::model::state::{blood_volume_ml, regazzoni_initial_state};
use mitralsim::model::ModelParams;
use mitralsim::scenario::{self, ErrorKind, Scenario, DEFAULT_PRESET};
use mitralsim::solver::SteadyStateSettings;

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn load_good(name: &str) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/good")
        .join(name);
    scenario::load(Some(&path), &[]).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn sets(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

#[test]
fn good_fixtures_load_and_round_trip() {
    let files = fixtures("good");
    assert!(files.len() >= 4, "{files:?}");
    for path in files {
        let s = scenario::load(Some(&path), &[])
            .unwrap_or_else(|e| panic!("{} should load:\n{e}", path.display()));
        assert_eq!(s.source.as_deref(), Some(path.as_path()));
        let again = scenario::load_str(&s.resolved_toml, "resolved.toml", None, &[])
            .unwrap_or_else(|e| panic!("resolved {} should load:\n{e}", path.display()));
        assert_eq!(again.params, s.params, "{}", path.display());
        assert_eq!(again.initial, s.initial, "{}", path.display());
        assert_eq!(again.solver, s.solver, "{}", path.display());
        assert_eq!(again.name, s.name, "{}", path.display());
        assert_eq!(again.clip, s.clip, "{}", path.display());
        assert_eq!(again.sha256, s.sha256, "{}", path.display());
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        if stem.starts_with("clip_") {
            assert!(s.clip.is_some(), "{} describes no repair", path.display());
            assert!(
                s.resolved_toml.contains("\n[clip]\n"),
                "{}",
                s.resolved_toml
            );
        }
    }
}

#[test]
fn bad_fixtures_fail_with_their_expected_messages() {
    let files = fixtures("bad");
    assert!(files.len() >= 12, "{files:?}");
    let mut failures = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path).expect("readable fixture");
        let expected: Vec<&str> = text
            .lines()
            .map_while(|l| l.strip_prefix("# expect: "))
            .collect();
        let name = path.display().to_string();
        if expected.is_empty() {
            failures.push(format!("{name}: no `# expect: ` line at the top"));
            continue;
        }
        match scenario::load(Some(&path), &[]) {
            Ok(_) => failures.push(format!("{name}: loaded, but should fail")),
            Err(e) => {
                let msg = e.to_string();
                if e.kind() != ErrorKind::Invalid {
                    failures.push(format!("{name}: {:?} error, expected Invalid", e.kind()));
                }
                for fragment in expected {
                    if !msg.contains(fragment) {
                        failures.push(format!("{name}:\n  missing: {fragment}\n  message: {msg}"));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn minimal_file_is_the_published_model() {
    let s = load_good("minimal.toml");
    assert_eq!(s.name, "minimal");
    assert_eq!(s.params, ModelParams::regazzoni2022());
    assert_eq!(s.initial[..12], regazzoni_initial_state()[..12]);
    assert!(
        s.initial[12..].iter().all(|v| *v == 0.0),
        "diodes rest at 0"
    );
    assert_eq!(s.solver, SteadyStateSettings::default());
    assert_eq!(s.waveform_step_s, 1e-3);
}

#[test]
fn preset_and_overrides() {
    let s = load_good("preset_overrides.toml");
    assert_eq!(s.name, "preset_overrides");
    assert_eq!(s.params.heart_rate_bpm, 60.0);
    assert_eq!(s.solver.tolerances.rtol, 1e-8);
    assert_eq!(
        s.params.chambers,
        ModelParams::regazzoni2022().chambers,
        "the rest comes from the preset"
    );
    assert!(!s.resolved_toml.contains("\npreset ="));
}

#[test]
fn exponential_lv() {
    let s = load_good("exponential_lv.toml");
    assert_eq!(s.name, "dilated-lv");
    let lv = s.params.chamber(ChamberId::Lv);
    assert_eq!(
        lv.passive,
        PassiveLaw::Exponential {
            p0_mmhg: 0.9,
            beta_per_ml: 0.012
        }
    );
    assert_eq!(lv.v0_ml, 80.0);
    assert!(
        !s.resolved_toml.contains("\neb = 0.17\n"),
        "no eb for the LV"
    );
}

#[test]
fn orifice_mitral_with_eroa() {
    let s = load_good("orifice_mitral.toml");
    let ValveLaw::Orifice(mv) = s.params.valve(ValveId::Mitral) else {
        panic!("mitral should be an orifice valve");
    };
    assert_eq!((mv.eroa_cm2, mv.area_cm2, mv.length_cm), (0.4, 6.0, 0.8));
    assert!(matches!(
        s.params.valve(ValveId::Aortic),
        ValveLaw::Diode(_)
    ));
    // Orifice valves rest half open.
    assert_eq!(s.initial[16], 0.5);
}

#[test]
fn file_preset_keeps_values_and_description_but_not_name() {
    let s = load_good("file_preset.toml");
    assert_eq!(s.name, "file_preset");
    assert_eq!(
        s.description.as_deref(),
        Some("Orifice mitral valve with a 0.3 cm² regurgitant orifice")
    );
    let ValveLaw::Orifice(mv) = s.params.valve(ValveId::Mitral) else {
        panic!("mitral from the preset");
    };
    assert_eq!(mv.eroa_cm2, 0.3);
    let total = blood_volume_ml(&s.initial, &s.params.circulation);
    assert!((total - 1800.0).abs() < 1e-9, "{total}");
}

#[test]
fn changing_the_law_drops_the_presets_keys_of_the_old_law() {
    let s = load_good("law_switch.toml");
    let ValveLaw::Diode(mv) = s.params.valve(ValveId::Mitral) else {
        panic!("mitral switched back to a diode");
    };
    assert_eq!(mv.rmin_mmhg_s_per_ml, 0.01);
    assert!(!s.resolved_toml.contains("eroa_cm2"));
}

#[test]
fn direct_clip_is_the_measured_valve() {
    let s = load_good("clip_direct.toml");
    assert_eq!(
        s.clip,
        Some(Repair::Direct {
            eroa_cm2: 0.1,
            area_cm2: 3.6
        })
    );
    let (post, _) = s
        .clip
        .as_ref()
        .expect("clip")
        .apply(&s.params)
        .expect("applies");
    let ValveLaw::Orifice(mv) = post.valve(ValveId::Mitral) else {
        panic!("orifice after the clip");
    };
    assert_eq!((mv.eroa_cm2, mv.area_cm2), (0.1, 3.6));
}

#[test]
fn device_clip_takes_its_defaults_and_narrows_the_leak() {
    let s = load_good("clip_device_central.toml");
    assert_eq!(
        s.clip,
        Some(Repair::Device(DeviceRepair {
            coaptation_length_mm: 35.0,
            gap: GapProfile::Central,
            clips: vec![ClipPlacement::new(ClipSize::Xt, 17.5)],
        }))
    );
    let (_, outcome) = s
        .clip
        .as_ref()
        .expect("clip")
        .apply(&s.params)
        .expect("applies");
    assert!(
        outcome.eroa_cm2 < 0.2 && outcome.area_cm2 < 6.0,
        "{outcome:?}"
    );
    for line in [
        "coaptation_length_mm = 35.0",
        "gap = \"central\"",
        "size = \"XT\"",
    ] {
        assert!(
            s.resolved_toml.contains(line),
            "{line}\n{}",
            s.resolved_toml
        );
    }
}

#[test]
fn localized_gap_with_clips_by_segment_and_position() {
    let s = load_good("clip_localized_p2.toml");
    let Some(Repair::Device(d)) = &s.clip else {
        panic!("{:?}", s.clip);
    };
    assert_eq!(
        d.gap,
        GapProfile::Localized {
            center_mm: 17.5,
            width_mm: 10.0
        }
    );
    assert_eq!(
        d.clips,
        [
            ClipPlacement::new(ClipSize::Nt, 17.5),
            ClipPlacement::new(ClipSize::Nt, 22.0)
        ]
    );
    assert!(s.resolved_toml.contains("segment = \"P2\""), "as given");
}

#[test]
fn a_child_switches_or_removes_its_presets_clip() {
    let s = load_good("clip_model_switch.toml");
    assert_eq!(
        s.clip,
        Some(Repair::Direct {
            eroa_cm2: 0.15,
            area_cm2: 3.8
        })
    );
    assert!(!s.resolved_toml.contains("gap"), "{}", s.resolved_toml);

    let s = load_good("unclipped.toml");
    assert_eq!(s.clip, None);
    assert!(!s.resolved_toml.contains("[clip]"), "{}", s.resolved_toml);
    let ValveLaw::Orifice(mv) = s.params.valve(ValveId::Mitral) else {
        panic!("the preset's valve");
    };
    assert_eq!((mv.eroa_cm2, mv.area_cm2), (0.4, 6.0));
}

#[test]
fn set_changes_or_removes_a_clip() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good/clip_direct.toml");
    let load = |args: &[&str]| scenario::load(Some(&path), &sets(args));
    let s = load(&["clip.eroa_cm2=0.08"]).expect("valid");
    assert_eq!(
        s.clip,
        Some(Repair::Direct {
            eroa_cm2: 0.08,
            area_cm2: 3.6
        })
    );
    assert_eq!(load(&["clip.model=none"]).expect("valid").clip, None);
    let s = load(&[
        "clip.model=device",
        r#"clip.clips=[{size="nt",segment="P2"}]"#,
    ])
    .expect("switched to device");
    assert!(matches!(s.clip, Some(Repair::Device(_))));
    assert_eq!(
        load(&["clip.model=device"])
            .expect_err("no clips")
            .to_string(),
        "--set clip.model=device: clip.clips is required when clip.model = \"device\": 1 to 4 \
         clips, e.g. clips = [{ size = \"XT\", position_mm = 17.5 }]"
    );
}

#[test]
fn default_scenario_is_the_default_preset() {
    let s = scenario::load(None, &[]).expect("built-in default");
    assert_eq!(s.name, "secondary-mr-hf");
    assert_eq!(s.name, DEFAULT_PRESET);
    assert_eq!(s.source, None);
}

#[test]
fn every_builtin_preset_loads() {
    let presets = scenario::builtin_presets();
    let mut names: Vec<String> = presets.iter().map(|(n, _)| n.to_string()).collect();
    names.sort();
    // Every file in scenarios/ is built in, and nothing else.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .expect("scenarios/")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "toml").then(|| path.file_stem()?.to_str().map(String::from))?
        })
        .collect();
    files.sort();
    assert_eq!(names, files);
    for (name, text) in presets {
        let origin = format!("scenarios/{name}.toml");
        let s =
            scenario::load_str(text, &origin, None, &[]).unwrap_or_else(|e| panic!("{name}:\n{e}"));
        assert_eq!(s.name, *name);
        let via_preset = format!("version = 1\npreset = \"{name}\"\n");
        scenario::load_str(&via_preset, "child.toml", None, &[])
            .unwrap_or_else(|e| panic!("preset = {name}:\n{e}"));
    }
    let reference = scenario::load_str(presets[0].1, "r.toml", None, &[]).expect("loads");
    assert_eq!(reference.params, ModelParams::regazzoni2022());
    assert_eq!(reference.initial[..12], regazzoni_initial_state()[..12]);
}

#[test]
fn set_overrides_and_errors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/good/minimal.toml");
    let s = scenario::load(
        Some(&path),
        &sets(&[
            "heart.rate_bpm=70",
            "valves.mitral.law=orifice",
            "name=\"from-set\"",
        ]),
    )
    .expect("valid --set");
    assert_eq!(s.params.heart_rate_bpm, 70.0);
    assert_eq!(s.name, "from-set");
    assert!(matches!(
        s.params.valve(ValveId::Mitral),
        ValveLaw::Orifice(_)
    ));

    let err = |args: &[&str]| {
        let e = scenario::load(Some(&path), &sets(args)).expect_err("invalid --set");
        assert_eq!(e.kind(), ErrorKind::Invalid);
        e.to_string()
    };
    assert_eq!(
        err(&["heart.rate_bpm"]),
        "--set heart.rate_bpm: expected KEY=VALUE, e.g. --set valves.mitral.eroa_cm2=0.3 \
         (no '=' found)"
    );
    assert!(err(&["heart.rate=70"]).starts_with(
        "--set heart.rate=70: unknown key heart.rate in [heart]; expected one of: rate_bpm"
    ));
    assert_eq!(
        err(&["valves.mitral.law=orifice", "valves.mitral.eroa_cm2=9"]),
        "--set valves.mitral.eroa_cm2=9: valves.mitral.eroa_cm2 = 9: must be smaller than the \
         open area valves.mitral.area_cm2 = 7.7"
    );
    assert_eq!(
        err(&["heart.rate_bpm=fast"]),
        "--set heart.rate_bpm=fast: heart.rate_bpm = \"fast\": expected a number"
    );
    assert_eq!(
        err(&["valves.mitral.rmin=0.01", "valves.mitral.law=orifice"]),
        "--set valves.mitral.rmin=0.01: valves.mitral.rmin applies only to law = \"diode\"; \
         this valve uses law = \"orifice\""
    );
}

#[test]
fn missing_file_is_an_io_error() {
    let e = scenario::load(Some(Path::new("tests/fixtures/no-such-file.toml")), &[])
        .expect_err("missing");
    assert_eq!(e.kind(), ErrorKind::Io);
    assert!(
        e.to_string()
            .starts_with("cannot read scenario file tests/fixtures/no-such-file.toml: "),
        "{e}"
    );
}

/// Never a panic, whatever the input: every line of every fixture, dropped or garbled.
#[test]
fn mangled_files_never_panic() {
    for path in fixtures("good").into_iter().chain(fixtures("bad")) {
        let text = fs::read_to_string(&path).expect("readable");
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            for replacement in ["", "x", "= 1", "[", "rate_bpm = 1e400", "law = 3"] {
                let mut mangled = lines.clone();
                mangled[i] = replacement;
                let _ = scenario::load_str(&mangled.join("\n"), "m.toml", path.parent(), &[]);
            }
        }
    }
}

/// A clip a hair outside the valve, or a hair too close to another, is refused with numbers that
/// show the difference (not "4 mm apart, at least 4 mm are needed").
#[test]
fn clip_geometry_messages_show_a_near_miss() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/secondary-mr-hf.toml");
    let error = |set: &str| {
        scenario::load(Some(&base), &sets(&[set]))
            .expect_err(set)
            .to_string()
    };
    let overlap =
        error(r#"clip.clips=[{size="XT",position_mm=17.5},{size="XT",position_mm=21.499999}]"#);
    assert!(
        overlap.contains("XT at 21.499999 mm) overlap: their centres are 3.999999 mm apart, at least 4 mm are needed"),
        "{overlap}"
    );
    let outside = error(r#"clip.clips=[{size="XT",position_mm=1.9999999}]"#);
    assert!(
        outside.contains("(XT, 4 mm wide) at 1.9999999 mm spans [-1e-7, 4] mm, outside"),
        "{outside}"
    );
}
