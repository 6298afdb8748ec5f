//! Figures (PNG or SVG) from saved outputs. Per run (a run's output directory): the LV and LA
//! pressure–volume loops, a Wiggers diagram and pre/post bar charts. Per sweep (a sweep's
//! output directory: results.csv, sweep.json, waveforms/): metrics against one axis
//! (`sweep-line`), a metric over two axes (`heatmap`), and the PV loops of a small sweep
//! (`pv-family`) — see [`render_sweep`].
//!
//! Why read the saved files rather than a simulation in memory: a figure can then be remade from
//! any earlier run (`mitralsim plot KIND DIR`), and it shows exactly the numbers in the files a
//! researcher cites. Loading ([`data`]) is separate from drawing (one module per kind, shared
//! look in `style` and `chart`); text uses an embedded Open Sans, so output never depends on the
//! fonts installed, and the same inputs give the same bytes.
//!
//! ```no_run
//! use mitralsim::plot::{render, render_all, PlotKind, PlotOptions};
//! use std::path::Path;
//! let dir = Path::new("output/normal");
//! render(PlotKind::PvLoop, dir, &dir.join("pv-loop.png"), &PlotOptions::default())?;
//! let written = render_all(dir, &PlotOptions::default())?; // dir/<kind>.png for every kind
//! # Ok::<(), mitralsim::plot::PlotError>(())
//! ```
//!
//! ```no_run
//! use mitralsim::plot::{render_sweep, PlotOptions, SweepPlotKind, SweepPlotRequest};
//! use std::path::Path;
//! let dir = Path::new("output/sweeps/eroa-hr");
//! let req = SweepPlotRequest {
//!     metric: Some("post_mitral_mean_gradient_mmhg".into()),
//!     ..SweepPlotRequest::new(SweepPlotKind::Heatmap)
//! };
//! render_sweep(&req, dir, &dir.join("heatmap.png"), &PlotOptions::default())?;
//! # Ok::<(), mitralsim::plot::PlotError>(())
//! ```

mod bars;
pub mod calibration;
mod chart;
mod colormap;
mod contour;
pub mod data;
mod figure;
mod heatmap;
mod la_loop;
mod loops;
mod pv_family;
mod pv_loop;
pub mod quantity;
pub mod sensitivity;
mod style;
mod svg_text;
pub mod sweep_data;
mod sweep_line;
mod traces;
mod wiggers;

pub use data::{RunData, StateId, StateRun, Waveforms};
pub use sweep_data::{SweepData, SweepHeader, Where};

use chart::{DrawError, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::{BitMapBackend, DrawingArea, DrawingBackend, IntoDrawingArea, SVGBackend};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use style::Theme;

/// A figure of one run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlotKind {
    /// LV pressure–volume loop with EDV, ESV and the regurgitant volume.
    PvLoop,
    /// Pressures, LA pressure, mitral flow, LV volume and valve opening on one time axis.
    Wiggers,
    /// LA pressure–volume loop with the v-wave.
    LaLoop,
    /// Pre vs post bars of RVol, RF, forward SV, CO, mean LA pressure, v-wave, mean gradient.
    Bars,
}

impl PlotKind {
    pub const ALL: [PlotKind; 4] = [
        PlotKind::PvLoop,
        PlotKind::Wiggers,
        PlotKind::LaLoop,
        PlotKind::Bars,
    ];

    /// The name on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            PlotKind::PvLoop => "pv-loop",
            PlotKind::Wiggers => "wiggers",
            PlotKind::LaLoop => "la-loop",
            PlotKind::Bars => "bars",
        }
    }

    /// One line for `--help`.
    pub fn description(self) -> &'static str {
        match self {
            PlotKind::PvLoop => "LV pressure–volume loop, EDV/ESV marked, regurgitant volume",
            PlotKind::Wiggers => {
                "aortic/LV pressure, LA pressure, mitral flow, LV volume, valve opening vs time"
            }
            PlotKind::LaLoop => "LA pressure–volume loop, v-wave marked",
            PlotKind::Bars => {
                "pre vs post: RVol, RF, forward SV, CO, LA pressure, v-wave, gradient"
            }
        }
    }
}

impl fmt::Display for PlotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PlotKind {
    type Err = PlotError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PlotKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| PlotError::UnknownKind(s.to_string()))
    }
}

/// A figure of a sweep (`mitralsim sweep` output: results.csv, sweep.json, waveforms/).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SweepPlotKind {
    /// Metric(s) against one axis, pre and post as two lines, MR grade bands behind.
    Line,
    /// A metric on the grid of two axes: colour map, colour bar, contours.
    Heatmap,
    /// The LV PV loops of a small sweep's points, coloured along the swept axis.
    PvFamily,
    /// Sobol' indices S1 and ST of a saltelli sweep (sensitivity.csv), one panel per metric.
    Sensitivity,
}

impl SweepPlotKind {
    pub const ALL: [SweepPlotKind; 4] = [
        SweepPlotKind::Line,
        SweepPlotKind::Heatmap,
        SweepPlotKind::PvFamily,
        SweepPlotKind::Sensitivity,
    ];

    /// The name on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            SweepPlotKind::Line => "sweep-line",
            SweepPlotKind::Heatmap => "heatmap",
            SweepPlotKind::PvFamily => "pv-family",
            SweepPlotKind::Sensitivity => "sensitivity",
        }
    }

    /// One line for `--help`.
    pub fn description(self) -> &'static str {
        match self {
            SweepPlotKind::Line => {
                "metric(s) against one sweep axis, pre and post lines, MR grade bands"
            }
            SweepPlotKind::Heatmap => "a metric over two sweep axes: colour map and contours",
            SweepPlotKind::PvFamily => {
                "LV PV loops of a small sweep run with --waveforms, coloured along the axis"
            }
            SweepPlotKind::Sensitivity => {
                "Sobol' indices S1 and ST with 95 % intervals of a saltelli sweep, per metric"
            }
        }
    }
}

impl fmt::Display for SweepPlotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SweepPlotKind {
    type Err = PlotError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SweepPlotKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| PlotError::UnknownSweepKind(s.to_string()))
    }
}

/// Any figure name: of a run or of a sweep (the names differ), for a command line that takes
/// both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnyPlotKind {
    Run(PlotKind),
    Sweep(SweepPlotKind),
}

impl fmt::Display for AnyPlotKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyPlotKind::Run(k) => k.fmt(f),
            AnyPlotKind::Sweep(k) => k.fmt(f),
        }
    }
}

impl FromStr for AnyPlotKind {
    type Err = PlotError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<PlotKind>()
            .map(AnyPlotKind::Run)
            .or_else(|_| s.parse::<SweepPlotKind>().map(AnyPlotKind::Sweep))
            .map_err(|_| PlotError::UnknownAnyKind(s.to_string()))
    }
}

/// What to draw from a sweep directory.
///
/// * `metric`: a metric key of [`crate::metrics::Metrics`] (`regurgitant_volume_ml`: pre and
///   post), or a results.csv column (`post_regurgitant_volume_ml`: that state only). For
///   `sweep-line`, a comma-separated list draws one panel per metric (at most
///   [`MAX_LINE_PANELS`]). Default: `regurgitant_volume_ml` for `sweep-line`;
///   `post_regurgitant_fraction_pct` (or `pre_…` without a clip) for `heatmap`; a heatmap of a
///   bare metric shows `post_` when the sweep has a clip. `pv-family` ignores it.
/// * `x_axis`, `y_axis`: sweep axis key paths (`valves.mitral.eroa_cm2`). `sweep-line` needs
///   `x_axis` when the sweep has more than one axis, and draws one line per value of the
///   others; `heatmap` defaults to the first two axes; `pv-family` colours by `x_axis` (default:
///   the first axis that varies).
/// * `wheres`: axes fixed at one value (`--where KEY=VALUE`), to draw a sweep of more axes than
///   the figure shows; see [`sweep_data::Where`] for how a value is matched.
/// * `facet`: an axis drawn as one panel per value (`--facet KEY`, at most
///   [`MAX_FACETS`] values), for `heatmap` and `sweep-line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SweepPlotRequest {
    pub kind: SweepPlotKind,
    pub metric: Option<String>,
    pub x_axis: Option<String>,
    pub y_axis: Option<String>,
    pub wheres: Vec<Where>,
    pub facet: Option<String>,
}

impl SweepPlotRequest {
    /// `kind` with every choice at its default.
    pub fn new(kind: SweepPlotKind) -> Self {
        Self {
            kind,
            metric: None,
            x_axis: None,
            y_axis: None,
            wheres: Vec::new(),
            facet: None,
        }
    }
}

pub use chart::MAX_FACETS;
pub use sweep_line::MAX_LINE_PANELS;

/// Draw the sweep figure `req` for the sweep output in `sweep_dir` into `out_file` (its
/// extension must match `opts.format`). Every input problem is a [`PlotError`] naming the
/// file, metric or axis; nothing is written then.
pub fn render_sweep(
    req: &SweepPlotRequest,
    sweep_dir: &Path,
    out_file: &Path,
    opts: &PlotOptions,
) -> Result<(), PlotError> {
    check_options(opts)?;
    let figure = SweepFigure::prepare(req, sweep_dir)?;
    write_figure(&figure, out_file, opts)
}

/// [`render_sweep`] into an RGB pixel buffer (3 bytes a pixel, rows top to bottom).
pub fn render_sweep_rgb(
    req: &SweepPlotRequest,
    sweep_dir: &Path,
    opts: &PlotOptions,
) -> Result<Vec<u8>, PlotError> {
    check_options(opts)?;
    let figure = SweepFigure::prepare(req, sweep_dir)?;
    figure_rgb(&figure, opts)
}

/// A sweep figure with its data loaded and checked.
enum SweepFigure {
    Line(sweep_line::LineFigure),
    Heatmap(heatmap::HeatmapFigure),
    PvFamily(pv_family::FamilyFigure),
    Sensitivity(sensitivity::SensitivityFigure),
}

impl SweepFigure {
    fn prepare(req: &SweepPlotRequest, dir: &Path) -> Result<SweepFigure, PlotError> {
        // Sobol' indices come from sensitivity.csv alone; the others from results.csv.
        let header = || SweepHeader::read(dir);
        Ok(match req.kind {
            SweepPlotKind::Line => SweepFigure::Line(sweep_line::prepare(req, header()?)?),
            SweepPlotKind::Heatmap => SweepFigure::Heatmap(heatmap::prepare(req, header()?)?),
            SweepPlotKind::PvFamily => SweepFigure::PvFamily(pv_family::prepare(req, header()?)?),
            SweepPlotKind::Sensitivity => SweepFigure::Sensitivity(sensitivity::prepare(req, dir)?),
        })
    }
}

impl Figure for SweepFigure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        match self {
            SweepFigure::Line(f) => sweep_line::draw(root, theme, f),
            SweepFigure::Heatmap(f) => heatmap::draw(root, theme, f),
            SweepFigure::PvFamily(f) => pv_family::draw(root, theme, f),
            SweepFigure::Sensitivity(f) => sensitivity::draw(root, theme, f),
        }
    }
}

/// Output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ImageFormat {
    #[default]
    Png,
    Svg,
}

impl ImageFormat {
    pub const ALL: [ImageFormat; 2] = [ImageFormat::Png, ImageFormat::Svg];

    /// The name on the command line, which is also the file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ImageFormat::Png => "png",
            ImageFormat::Svg => "svg",
        }
    }

    /// The format a file name asks for (`.png` or `.svg`, any case), if any.
    pub fn from_path(path: &Path) -> Option<ImageFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        ImageFormat::ALL.into_iter().find(|f| f.extension() == ext)
    }
}

impl fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl FromStr for ImageFormat {
    type Err = PlotError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ImageFormat::ALL
            .into_iter()
            .find(|f| f.extension() == s)
            .ok_or_else(|| PlotError::UnknownFormat(s.to_string()))
    }
}

/// Image size (pixels; the SVG's width and height), format and text size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotOptions {
    pub width: u32,
    pub height: u32,
    pub format: ImageFormat,
    /// Multiplies every text size (1: the default; 1.5 for slides, 0.8 for a dense paper
    /// figure), within [`FONT_SCALE_RANGE`].
    pub font_scale: f64,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self {
            width: 1600,
            height: 1000,
            format: ImageFormat::Png,
            font_scale: 1.0,
        }
    }
}

/// Smallest and largest accepted width or height (pixels).
pub const MIN_SIDE_PX: u32 = 400;
pub const MAX_SIDE_PX: u32 = 8000;
/// Accepted `font_scale` values.
pub const FONT_SCALE_RANGE: std::ops::RangeInclusive<f64> = 0.5..=2.0;

#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },
    /// An input file is there but not what a run writes.
    #[error("{}: {reason}", path.display())]
    Malformed { path: PathBuf, reason: String },
    #[error("cannot write {}: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
    #[error("cannot draw {}: {reason}", path.display())]
    Draw { path: PathBuf, reason: String },
    #[error(
        "image size {width}×{height} px: width and height must be within \
         {MIN_SIDE_PX}..={MAX_SIDE_PX} px"
    )]
    Size { width: u32, height: u32 },
    #[error("{}: a {format} image needs a file name ending in .{format}", path.display())]
    Extension { path: PathBuf, format: ImageFormat },
    #[error("--font-scale {0}: must be within 0.5..=2")]
    FontScale(f64),
    #[error(
        "{}: PDF is not written; use an .svg file (--format svg): it is vector, its text is \
         drawn as outlines, so any SVG-to-PDF converter reproduces it exactly",
        path.display()
    )]
    Pdf { path: PathBuf },
    /// Data handed to [`render_run`] or [`render_rgb`] that the figures cannot use.
    #[error("cannot plot this run: {0}")]
    Data(String),
    #[error("cannot compare: {0}")]
    Compare(String),
    #[error("unknown plot kind {0:?}; expected one of pv-loop, wiggers, la-loop, bars")]
    UnknownKind(String),
    #[error(
        "unknown image format {0:?}; expected png or svg (PDF is not written: convert the svg, \
         whose text is drawn as outlines)"
    )]
    UnknownFormat(String),
    #[error(
        "{}: no metric `{metric}`; give a metric (pre and post are drawn) or pre_/post_ and a \
         metric, one of: {available}",
        path.display()
    )]
    UnknownMetric {
        /// The results.csv read.
        path: PathBuf,
        metric: String,
        /// The numeric metrics of the file, comma-separated.
        available: String,
    },
    #[error("{}: no sweep axis `{axis}`; the axes are: {available}", path.display())]
    UnknownAxis {
        path: PathBuf,
        axis: String,
        available: String,
    },
    /// A sweep figure asked of a sweep that cannot give it (a heatmap of one axis, a PV family
    /// without waveforms, …).
    #[error("cannot draw {what} from {}: {reason}", dir.display())]
    Unsuitable {
        what: String,
        dir: PathBuf,
        reason: String,
    },
    /// `--where KEY=VALUE` that does not fix an axis of this sweep.
    #[error("{}: --where {filter}: {reason}", path.display())]
    Slice {
        /// The results.csv read.
        path: PathBuf,
        filter: String,
        reason: String,
    },
    #[error("--where `{0}`: expected KEY=VALUE, e.g. --where heart.rate_bpm=75")]
    WhereSyntax(String),
    #[error(
        "unknown sweep plot kind {0:?}; expected one of sweep-line, heatmap, pv-family, \
         sensitivity"
    )]
    UnknownSweepKind(String),
    #[error(
        "unknown plot kind {0:?}; expected one of pv-loop, wiggers, la-loop, bars (a run's \
         output) or sweep-line, heatmap, pv-family, sensitivity (a sweep's output)"
    )]
    UnknownAnyKind(String),
}

/// Draw `kind` for the run in `run_dir` into `out_file` (its extension must match
/// `opts.format`).
pub fn render(
    kind: PlotKind,
    run_dir: &Path,
    out_file: &Path,
    opts: &PlotOptions,
) -> Result<(), PlotError> {
    check_options(opts)?;
    let run = RunData::load(run_dir)?;
    render_run(kind, &run, out_file, opts)
}

/// Draw every kind for the run in `run_dir` as `run_dir/<kind>.<format>`; returns the files
/// written, in [`PlotKind::ALL`] order.
pub fn render_all(run_dir: &Path, opts: &PlotOptions) -> Result<Vec<PathBuf>, PlotError> {
    check_options(opts)?;
    let run = RunData::load(run_dir)?;
    PlotKind::ALL
        .into_iter()
        .map(|kind| {
            let out = run_dir.join(format!("{kind}.{}", opts.format));
            render_run(kind, &run, &out, opts).map(|()| out)
        })
        .collect()
}

/// Draw `kind` for already loaded data into `out_file`.
pub fn render_run(
    kind: PlotKind,
    run: &RunData,
    out_file: &Path,
    opts: &PlotOptions,
) -> Result<(), PlotError> {
    check_options(opts)?;
    run.check().map_err(PlotError::Data)?;
    write_figure(&RunFigure { kind, run }, out_file, opts)
}

/// Draw `kind` into an RGB pixel buffer (3 bytes a pixel, rows top to bottom): the image a PNG
/// holds, for tests and for embedding.
pub fn render_rgb(kind: PlotKind, run: &RunData, opts: &PlotOptions) -> Result<Vec<u8>, PlotError> {
    check_options(opts)?;
    run.check().map_err(PlotError::Data)?;
    figure_rgb(&RunFigure { kind, run }, opts)
}

/// A figure ready to draw on any backend: its data is loaded and checked, so drawing can only
/// fail in the backend.
trait Figure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult
    where
        DB::ErrorType: 'static;
}

/// One per-run figure.
struct RunFigure<'a> {
    kind: PlotKind,
    run: &'a RunData,
}

impl Figure for RunFigure<'_> {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let title = if self.kind == PlotKind::Bars {
            if self.run.has_post() {
                format!("Before and after the clip — {}", self.run.scenario_name)
            } else {
                format!("Key metrics — {}", self.run.scenario_name)
            }
        } else {
            self.run.scenario_name.clone()
        };
        draw_traces(
            self.kind,
            root,
            theme,
            &title,
            &traces::run_traces(self.run),
        )
    }
}

/// Draw figure `kind` of `traces`; `title` names what is shown (the scenario, or the runs).
fn draw_traces<DB: DrawingBackend>(
    kind: PlotKind,
    root: &DrawingArea<DB, Shift>,
    theme: &Theme,
    title: &str,
    traces: &[traces::Trace<'_>],
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    match kind {
        PlotKind::PvLoop => figure::draw(root, theme, &pv_loop::figure(title, traces)),
        PlotKind::Wiggers => figure::draw(root, theme, &wiggers::figure(title, traces)),
        PlotKind::LaLoop => figure::draw(root, theme, &la_loop::figure(title, traces)),
        PlotKind::Bars => bars::draw(root, theme, title, traces),
    }
}

/// Several runs on one figure (`mitralsim plot compare`).
struct CompareFigure {
    kind: PlotKind,
    /// Each run with its label.
    runs: Vec<(String, RunData)>,
}

impl Figure for CompareFigure {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, theme: &Theme) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let names: Vec<&str> = self.runs.iter().map(|(l, _)| l.as_str()).collect();
        let title = match self.kind {
            PlotKind::Bars => format!("Key metrics — {}", names.join(" vs ")),
            _ => names.join(" vs "),
        };
        draw_traces(
            self.kind,
            root,
            theme,
            &title,
            &traces::compare_traces(&self.runs),
        )
    }
}

/// Draw figure `kind` of several runs — `(label, run directory)` — on one figure into
/// `out_file`: each run's beats (pre, and post when it placed a clip) in their own colour and
/// dash, named by the label.
pub fn render_compare(
    kind: PlotKind,
    runs: &[(String, PathBuf)],
    out_file: &Path,
    opts: &PlotOptions,
) -> Result<(), PlotError> {
    check_options(opts)?;
    let figure = CompareFigure {
        kind,
        runs: runs
            .iter()
            .map(|(label, dir)| RunData::load(dir).map(|run| (label.clone(), run)))
            .collect::<Result<_, _>>()?,
    };
    let beats: usize = figure.runs.iter().map(|(_, r)| r.states.len()).sum();
    if figure.runs.len() < 2 || beats > traces::MAX_COMPARED {
        return Err(PlotError::Compare(format!(
            "{} runs with {beats} beats: compare takes 2 or more runs and at most {} beats \
             (a run with a clip has two)",
            figure.runs.len(),
            traces::MAX_COMPARED
        )));
    }
    write_figure(&figure, out_file, opts)
}

/// Figure `kind` of a run as an SVG document (text drawn as outlines), e.g. to inline in a
/// page; `id_prefix` starts every id in it, so that several figures can share a page.
pub fn render_svg(
    kind: PlotKind,
    run: &RunData,
    opts: &PlotOptions,
    id_prefix: &str,
) -> Result<String, PlotError> {
    check_options(opts)?;
    run.check().map_err(PlotError::Data)?;
    figure_svg(&RunFigure { kind, run }, opts, id_prefix).map_err(|e| PlotError::Draw {
        path: PathBuf::from("<memory>"),
        reason: e.0,
    })
}

/// Write `figure` into `out_file` as `opts` says (its extension must match `opts.format`).
fn write_figure(
    figure: &impl Figure,
    out_file: &Path,
    opts: &PlotOptions,
) -> Result<(), PlotError> {
    let is_pdf = out_file
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("pdf"));
    if is_pdf {
        return Err(PlotError::Pdf {
            path: out_file.to_path_buf(),
        });
    }
    if ImageFormat::from_path(out_file) != Some(opts.format) {
        return Err(PlotError::Extension {
            path: out_file.to_path_buf(),
            format: opts.format,
        });
    }
    let size = (opts.width, opts.height);
    let draw_err = |e: DrawError| PlotError::Draw {
        path: out_file.to_path_buf(),
        reason: e.0,
    };
    let write_err = |reason: String| PlotError::Write {
        path: out_file.to_path_buf(),
        reason,
    };
    match opts.format {
        ImageFormat::Png => {
            // Draw in memory first, so that a failed drawing never leaves a half-drawn file.
            let pixels = draw_rgb(figure, opts).map_err(draw_err)?;
            save_png(out_file, size, &pixels).map_err(write_err)
        }
        ImageFormat::Svg => {
            let svg = figure_svg(figure, opts, "").map_err(draw_err)?;
            std::fs::write(out_file, svg).map_err(|e| write_err(e.to_string()))
        }
    }
}

/// Encode RGB `pixels` (3 bytes a pixel, rows top to bottom) of `size` as a PNG file.
///
/// Why a fixed Paeth filter and fast deflate: the default adaptive filter tries all five filters
/// on every row. The four figures of a default `run` (1600 × 1000 px), measured with callgrind:
/// adaptive + fast (what plotters' encoder did) 187 M instructions, 577 kB; Paeth + fast 94 M,
/// 595 kB; Up + fast 55 M but 1227 kB; any filter with the default (zlib) compression over 1 G.
fn save_png(out_file: &Path, (width, height): (u32, u32), pixels: &[u8]) -> Result<(), String> {
    let file = std::fs::File::create(out_file).map_err(|e| e.to_string())?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_filter(png::FilterType::Paeth);
    encoder.set_adaptive_filter(png::AdaptiveFilterType::NonAdaptive);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(pixels).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())
}

/// `figure` as an SVG document whose text is drawn as glyph outlines ([`svg_text`]), their ids
/// starting with `id_prefix`.
fn figure_svg(
    figure: &impl Figure,
    opts: &PlotOptions,
    id_prefix: &str,
) -> Result<String, DrawError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (opts.width, opts.height)).into_drawing_area();
        draw(figure, &root, opts, false)?;
        root.present()?;
    }
    svg_text::outline_text(&svg, id_prefix).map_err(DrawError)
}

fn figure_rgb(figure: &impl Figure, opts: &PlotOptions) -> Result<Vec<u8>, PlotError> {
    draw_rgb(figure, opts).map_err(|e| PlotError::Draw {
        path: PathBuf::from("<memory>"),
        reason: e.0,
    })
}

fn draw_rgb(figure: &impl Figure, opts: &PlotOptions) -> Result<Vec<u8>, DrawError> {
    // Blank paper: figures draw on it without painting the background first.
    let paper = [style::PAPER.0, style::PAPER.1, style::PAPER.2];
    let mut buf = paper.repeat(opts.width as usize * opts.height as usize);
    {
        let root =
            BitMapBackend::with_buffer(&mut buf, (opts.width, opts.height)).into_drawing_area();
        draw(figure, &root, opts, true)?;
        root.present()?;
    }
    Ok(buf)
}

fn check_options(opts: &PlotOptions) -> Result<(), PlotError> {
    if !FONT_SCALE_RANGE.contains(&opts.font_scale) {
        return Err(PlotError::FontScale(opts.font_scale));
    }
    let ok = |side: u32| (MIN_SIDE_PX..=MAX_SIDE_PX).contains(&side);
    if ok(opts.width) && ok(opts.height) {
        Ok(())
    } else {
        Err(PlotError::Size {
            width: opts.width,
            height: opts.height,
        })
    }
}

fn draw<DB: DrawingBackend>(
    figure: &impl Figure,
    root: &DrawingArea<DB, Shift>,
    opts: &PlotOptions,
    raster: bool,
) -> Result<(), DrawError>
where
    DB::ErrorType: 'static,
{
    if !style::register_fonts() {
        return Err(DrawError("the embedded font could not be loaded".into()));
    }
    let theme = Theme::new(opts.width, opts.height, raster, opts.font_scale);
    figure.draw(root, &theme)
}
