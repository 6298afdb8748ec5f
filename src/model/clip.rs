//! MitraClip device model: from a leaflet geometry and a list of clips to the post-clip EROA and
//! the diastolic open area, split into the orifices the clips create.
//!
//! Why a module of its own: the orifice valve law only knows two areas, A_min (the systolic leak,
//! EROA) and A_max (the diastolic open area, MVA). A scenario that specifies the repair by *device*
//! (clip sizes and positions) instead of by the post-clip echo numbers needs a map from the device
//! to those two areas. That map is this module; it is pure (no I/O, no state) so that sweeps can
//! call it millions of times, and it validates its input into a typed [`ClipError`].
//!
//! This is a **phenomenological** geometry, not a leaflet mechanics model: along the coaptation
//! line (commissure to commissure, `x ∈ [0, W]` mm from the anterolateral A1/P1 commissure) a
//! systolic gap width `g(x)` integrates to the pre-clip EROA and a diastolic opening width `h(x)`
//! integrates to the pre-clip MVA. A clip zeroes both over its width and holds the neighbouring
//! tissue, which recovers with the distance `d` from the clip edge as
//! `r(d) = 1 − exp(−(d/λ)²)`, `λ` proportional to the clip's arm length. Several clips multiply
//! their factors. The two proportionality constants are calibrated against published
//! post-MitraClip numbers. Equations, calibration and limitations: docs/clip-model.md.

use std::f64::consts::PI;
use std::fmt;
use std::str::FromStr;

/// Default length W of the coaptation line, commissure to commissure (mm). Adult mitral
/// commissural diameters are ≈ 30–40 mm (model-reference.md, "MitraClip"); 35 mm is the middle.
pub const DEFAULT_COAPTATION_LENGTH_MM: f64 = 35.0;

/// Most clips accepted in one valve. 5 % of EXPAND procedures used three or more clips
/// (validation-targets.md); four 4 mm clips already cover half of a 35 mm coaptation line.
pub const MAX_CLIPS: usize = 4;

/// Systolic recovery length per millimetre of arm length, `λ_s = k_s · arm length`
/// (dimensionless).
///
/// Calibrated so that one NT clip at the centre of a 35 mm line brings a secondary-MR valve
/// (`Central` gap, EROA 0.40 cm²) to 0.15 cm², the middle of the 0.1–0.2 cm² "mild" residual
/// that COAPT reached in most patients (≤ 2+ in 93 %, 0/1+ in 73 %; validation-targets.md). It
/// gives λ_s = 4.9 mm for NT/NTW and 6.5 mm for XT/XTW. Systole holds tissue further than
/// diastole (`k_s > k_d`): ventricular pressure pushes the leaflets toward each other, so a held
/// edge drags its neighbours into coaptation, while diastolic flow pushes them apart.
pub const SYSTOLIC_RECOVERY_PER_ARM_LENGTH: f64 = 0.540;

/// Diastolic recovery length per millimetre of arm length, `λ_d = k_d · arm length`
/// (dimensionless).
///
/// Calibrated so that one NT clip at the centre of a 35 mm line lowers an MVA of 6.0 cm² to
/// 3.6 cm² (Herrmann et al. 2009, EuroIntervention 4:437: 6.0 ± 1.3 → 3.6 ± 1.2 cm² with the
/// first-generation clip, whose arms are the size of NT's). It gives λ_d = 4.1 mm for NT/NTW
/// and 5.5 mm for XT/XTW.
pub const DIASTOLIC_RECOVERY_PER_ARM_LENGTH: f64 = 0.456;

/// Slack (mm) allowed when checking that a clip lies inside the valve and that two clips do not
/// overlap, so that clips placed edge to edge from decimal positions are not refused for a
/// rounding error.
pub const GEOMETRY_TOLERANCE_MM: f64 = 1e-9;

/// mm² in one cm².
const MM2_PER_CM2: f64 = 100.0;

/// `(d/λ)²` beyond which `1 − exp(−(d/λ)²)` rounds to exactly 1.0 in f64 (`exp(−38) < 2⁻⁵⁴`):
/// the factor of a far clip is skipped without changing a single bit of the result.
const FAR_Z2: f64 = 38.0;

/// Positive abscissae and weights of the 16-point Gauss–Legendre rule on [−1, 1] (the rule is
/// symmetric). Abramowitz & Stegun, Table 25.4.
const GAUSS_LEGENDRE_16: [(f64, f64); 8] = [
    (0.095_012_509_837_637_44, 0.189_450_610_455_068_5),
    (0.281_603_550_779_258_9, 0.182_603_415_044_923_6),
    (0.458_016_777_657_227_4, 0.169_156_519_395_002_5),
    (0.617_876_244_402_643_8, 0.149_595_988_816_576_8),
    (0.755_404_408_355_003, 0.124_628_971_255_533_9),
    (0.865_631_202_387_831_8, 0.095_158_511_682_492_8),
    (0.944_575_023_073_232_6, 0.062_253_523_938_647_8),
    (0.989_400_934_991_649_9, 0.027_152_459_411_754_1),
];

/// Everything that can be wrong with a clip geometry. Clip indices are 0-based positions in the
/// slice given to [`apply_clips`]; the scenario reader maps them to file locations.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClipError {
    #[error("{name} must be positive and finite, got {value}")]
    NonPositive { name: &'static str, value: f64 },
    #[error("{name} must be finite, got {value}")]
    NonFinite { name: &'static str, value: f64 },
    #[error(
        "the pre-clip EROA ({eroa_cm2} cm²) must be smaller than the pre-clip MVA ({mva_cm2} cm²)"
    )]
    EroaNotBelowMva { eroa_cm2: f64, mva_cm2: f64 },
    #[error(
        "the localized gap (centre {center_mm} mm, width {width_mm} mm) spans [{lo_mm}, {hi_mm}] \
         mm, outside the coaptation line [0, {length_mm}] mm"
    )]
    GapOutsideValve {
        center_mm: f64,
        width_mm: f64,
        lo_mm: f64,
        hi_mm: f64,
        length_mm: f64,
    },
    #[error("{count} clips given, at most {max} are supported")]
    TooManyClips { count: usize, max: usize },
    #[error("clip {index} ({size}): position must be finite, got {position_mm}")]
    NonFinitePosition {
        index: usize,
        size: ClipSize,
        position_mm: f64,
    },
    #[error(
        "clip {index} ({size}, {width_mm} mm wide) at {position_mm} mm spans [{lo_mm}, {hi_mm}] mm, \
         outside the coaptation line [0, {length_mm}] mm"
    )]
    ClipOutsideValve {
        index: usize,
        size: ClipSize,
        position_mm: f64,
        width_mm: f64,
        lo_mm: f64,
        hi_mm: f64,
        length_mm: f64,
    },
    #[error(
        "clips {first} ({first_size} at {first_mm} mm) and {second} ({second_size} at \
         {second_mm} mm) overlap: their centres are {distance_mm} mm apart, at least \
         {min_distance_mm} mm are needed"
    )]
    ClipsOverlap {
        first: usize,
        first_size: ClipSize,
        first_mm: f64,
        second: usize,
        second_size: ClipSize,
        second_mm: f64,
        distance_mm: f64,
        min_distance_mm: f64,
    },
    #[error("unknown clip size '{name}': expected one of NT, XT, NTW, XTW")]
    UnknownClipSize { name: String },
    #[error("unknown scallop '{name}': expected one of P1, P2, P3")]
    UnknownScallop { name: String },
}

/// MitraClip sizes (arm length × width): NT 9 × 4 mm, XT 12 × 4 mm, NTW 9 × 6 mm,
/// XTW 12 × 6 mm (manufacturer's specifications of the G4 system; NT has the arms of the
/// first-generation clip).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClipSize {
    Nt,
    Xt,
    Ntw,
    Xtw,
}

impl ClipSize {
    pub const ALL: [ClipSize; 4] = [ClipSize::Nt, ClipSize::Xt, ClipSize::Ntw, ClipSize::Xtw];

    /// Name used in scenario files and output ("NT", "XT", "NTW", "XTW").
    pub fn name(self) -> &'static str {
        ["NT", "XT", "NTW", "XTW"][self as usize]
    }

    /// Length of one arm (mm): how much leaflet, measured from the free edge, the clip grasps.
    pub fn arm_length_mm(self) -> f64 {
        match self {
            ClipSize::Nt | ClipSize::Ntw => 9.0,
            ClipSize::Xt | ClipSize::Xtw => 12.0,
        }
    }

    /// Width of the clip along the coaptation line (mm).
    pub fn width_mm(self) -> f64 {
        match self {
            ClipSize::Nt | ClipSize::Xt => 4.0,
            ClipSize::Ntw | ClipSize::Xtw => 6.0,
        }
    }

    /// Systolic recovery length λ_s (mm), [`SYSTOLIC_RECOVERY_PER_ARM_LENGTH`] × arm length.
    pub fn systolic_recovery_mm(self) -> f64 {
        SYSTOLIC_RECOVERY_PER_ARM_LENGTH * self.arm_length_mm()
    }

    /// Diastolic recovery length λ_d (mm), [`DIASTOLIC_RECOVERY_PER_ARM_LENGTH`] × arm length.
    pub fn diastolic_recovery_mm(self) -> f64 {
        DIASTOLIC_RECOVERY_PER_ARM_LENGTH * self.arm_length_mm()
    }
}

impl fmt::Display for ClipSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ClipSize {
    type Err = ClipError;
    /// Case-insensitive: "nt", "XT", "Ntw", ...
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ClipSize::ALL
            .into_iter()
            .find(|size| size.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ClipError::UnknownClipSize { name: s.to_owned() })
    }
}

/// The three scallops of the posterior leaflet (and the facing anterior segments A1–A3), each a
/// third of the coaptation line, P1 at the anterolateral commissure (x = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scallop {
    P1,
    P2,
    P3,
}

impl Scallop {
    pub const ALL: [Scallop; 3] = [Scallop::P1, Scallop::P2, Scallop::P3];

    pub fn name(self) -> &'static str {
        ["P1", "P2", "P3"][self as usize]
    }

    /// Centre of the scallop on a coaptation line of length `coaptation_length_mm` (mm from the
    /// anterolateral commissure): W/6, W/2, 5W/6.
    pub fn center_mm(self, coaptation_length_mm: f64) -> f64 {
        (self as usize as f64 + 0.5) * coaptation_length_mm / 3.0
    }
}

impl fmt::Display for Scallop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scallop {
    type Err = ClipError;
    /// Case-insensitive: "p2", "P2".
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scallop::ALL
            .into_iter()
            .find(|sc| sc.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ClipError::UnknownScallop { name: s.to_owned() })
    }
}

/// Shape of the systolic gap `g(x)` along the coaptation line; its amplitude is always scaled so
/// that `∫ g dx` equals the pre-clip EROA.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GapProfile {
    /// Secondary (functional) MR: a broad raised cosine over the whole line,
    /// `g ∝ sin²(πx/W)`, largest at A2/P2 and vanishing at the commissures.
    Central,
    /// Primary MR (prolapse, flail): a raised cosine `g ∝ cos²(π(x − c)/w)` on
    /// `|x − c| < w/2`, zero elsewhere. `center_mm` is c (mm from the anterolateral commissure),
    /// `width_mm` is the full extent w of the leaking segment along the line; the whole bump must
    /// lie inside the valve.
    Localized { center_mm: f64, width_mm: f64 },
}

/// The valve before the repair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LeafletGeometry {
    /// Length W of the coaptation line, commissure to commissure (mm);
    /// default [`DEFAULT_COAPTATION_LENGTH_MM`].
    pub coaptation_length_mm: f64,
    /// Pre-clip effective regurgitant orifice area (cm²): `∫ g dx`.
    pub eroa_cm2: f64,
    /// Pre-clip mitral valve area (cm²): `∫ h dx`, with `h` elliptical across the line.
    pub mva_cm2: f64,
    pub gap: GapProfile,
}

impl LeafletGeometry {
    /// A valve with the default coaptation length.
    pub fn new(eroa_cm2: f64, mva_cm2: f64, gap: GapProfile) -> Self {
        Self {
            coaptation_length_mm: DEFAULT_COAPTATION_LENGTH_MM,
            eroa_cm2,
            mva_cm2,
            gap,
        }
    }

    /// Checks the geometry on its own (no clips).
    pub fn validate(&self) -> Result<(), ClipError> {
        let positive = |name, value: f64| {
            if value.is_finite() && value > 0.0 {
                Ok(())
            } else {
                Err(ClipError::NonPositive { name, value })
            }
        };
        let length_mm = self.coaptation_length_mm;
        positive("coaptation_length_mm", length_mm)?;
        positive("eroa_cm2", self.eroa_cm2)?;
        positive("mva_cm2", self.mva_cm2)?;
        if self.eroa_cm2 >= self.mva_cm2 {
            return Err(ClipError::EroaNotBelowMva {
                eroa_cm2: self.eroa_cm2,
                mva_cm2: self.mva_cm2,
            });
        }
        if let GapProfile::Localized {
            center_mm,
            width_mm,
        } = self.gap
        {
            positive("gap width_mm", width_mm)?;
            if !center_mm.is_finite() {
                return Err(ClipError::NonFinite {
                    name: "gap center_mm",
                    value: center_mm,
                });
            }
            let (lo_mm, hi_mm) = (center_mm - 0.5 * width_mm, center_mm + 0.5 * width_mm);
            if lo_mm < -GEOMETRY_TOLERANCE_MM || hi_mm > length_mm + GEOMETRY_TOLERANCE_MM {
                return Err(ClipError::GapOutsideValve {
                    center_mm,
                    width_mm,
                    lo_mm,
                    hi_mm,
                    length_mm,
                });
            }
        }
        Ok(())
    }
}

/// One clip: its size and the position of its centre on the coaptation line (mm from the
/// anterolateral commissure).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipPlacement {
    pub size: ClipSize,
    pub position_mm: f64,
}

impl ClipPlacement {
    pub fn new(size: ClipSize, position_mm: f64) -> Self {
        Self { size, position_mm }
    }

    /// A clip centred on a scallop of a line of length `coaptation_length_mm`.
    pub fn at_scallop(size: ClipSize, scallop: Scallop, coaptation_length_mm: f64) -> Self {
        Self::new(size, scallop.center_mm(coaptation_length_mm))
    }
}

/// The valve after the repair: the two areas that drive the orifice law.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipEffect {
    /// Post-clip EROA (cm²), A_min of the orifice law.
    pub eroa_cm2: f64,
    /// Post-clip diastolic open area (cm²), A_max of the orifice law: the sum of
    /// `orifice_areas_cm2` (the orifices share one pressure drop and act as one).
    pub mva_cm2: f64,
    /// Diastolic area of each orifice (cm²), ordered from the anterolateral commissure:
    /// clips + 1 entries (a clip touching a commissure, or two clips edge to edge, leave an entry
    /// of 0).
    pub orifice_areas_cm2: Vec<f64>,
}

/// Post-clip EROA and open area of `geometry` with `clips` in place (any order).
///
/// With no clips the result is the input areas, exactly, as one orifice. Errors: invalid
/// geometry, more than [`MAX_CLIPS`] clips, a clip partly outside `[0, W]`, overlapping clips.
pub fn apply_clips(
    geometry: &LeafletGeometry,
    clips: &[ClipPlacement],
) -> Result<ClipEffect, ClipError> {
    let held = validate(geometry, clips)?;
    Ok(evaluate(
        geometry,
        held.as_slice(),
        SYSTOLIC_RECOVERY_PER_ARM_LENGTH,
        DIASTOLIC_RECOVERY_PER_ARM_LENGTH,
    ))
}

/// A validated clip: its interval on the line (clamped to the valve) and arm length.
#[derive(Debug, Clone, Copy, Default)]
struct Held {
    lo_mm: f64,
    hi_mm: f64,
    arm_mm: f64,
}

/// Validated clips sorted by position, on the stack.
#[derive(Debug, Clone, Copy, Default)]
struct HeldClips {
    clips: [Held; MAX_CLIPS],
    len: usize,
}

impl HeldClips {
    fn as_slice(&self) -> &[Held] {
        &self.clips[..self.len]
    }
}

fn validate(geometry: &LeafletGeometry, clips: &[ClipPlacement]) -> Result<HeldClips, ClipError> {
    geometry.validate()?;
    if clips.len() > MAX_CLIPS {
        return Err(ClipError::TooManyClips {
            count: clips.len(),
            max: MAX_CLIPS,
        });
    }
    let length_mm = geometry.coaptation_length_mm;
    // Input indices sorted by position (insertion sort: at most MAX_CLIPS entries).
    let mut order = [0usize; MAX_CLIPS];
    for (index, clip) in clips.iter().enumerate() {
        let (size, position_mm) = (clip.size, clip.position_mm);
        if !position_mm.is_finite() {
            return Err(ClipError::NonFinitePosition {
                index,
                size,
                position_mm,
            });
        }
        let width_mm = size.width_mm();
        let (lo_mm, hi_mm) = (position_mm - 0.5 * width_mm, position_mm + 0.5 * width_mm);
        if lo_mm < -GEOMETRY_TOLERANCE_MM || hi_mm > length_mm + GEOMETRY_TOLERANCE_MM {
            return Err(ClipError::ClipOutsideValve {
                index,
                size,
                position_mm,
                width_mm,
                lo_mm,
                hi_mm,
                length_mm,
            });
        }
        let mut slot = index;
        while slot > 0 && clips[order[slot - 1]].position_mm > position_mm {
            order[slot] = order[slot - 1];
            slot -= 1;
        }
        order[slot] = index;
    }
    let mut held = HeldClips {
        len: clips.len(),
        ..HeldClips::default()
    };
    for (slot, &index) in order[..clips.len()].iter().enumerate() {
        let clip = clips[index];
        let half = 0.5 * clip.size.width_mm();
        held.clips[slot] = Held {
            lo_mm: (clip.position_mm - half).max(0.0),
            hi_mm: (clip.position_mm + half).min(length_mm),
            arm_mm: clip.size.arm_length_mm(),
        };
        if slot > 0 {
            let prev_index = order[slot - 1];
            let prev = clips[prev_index];
            let min_distance_mm = 0.5 * (prev.size.width_mm() + clip.size.width_mm());
            let distance_mm = clip.position_mm - prev.position_mm;
            if distance_mm < min_distance_mm - GEOMETRY_TOLERANCE_MM {
                let (first, second) = (prev_index.min(index), prev_index.max(index));
                return Err(ClipError::ClipsOverlap {
                    first,
                    first_size: clips[first].size,
                    first_mm: clips[first].position_mm,
                    second,
                    second_size: clips[second].size,
                    second_mm: clips[second].position_mm,
                    distance_mm,
                    min_distance_mm,
                });
            }
        }
    }
    Ok(held)
}

/// Recovery factor `r = 1 − exp(−(d/λ)²)` from `z2 = (d/λ)²`.
#[inline]
fn recovery(z2: f64) -> f64 {
    if z2 > FAR_Z2 {
        1.0
    } else {
        -(-z2).exp_m1()
    }
}

/// `Π r_i` at `x_mm` (0 inside a clip). `inv_k2 = 1/k²` of the recovery constant, so that
/// `(d/λ)² = d²·inv_k2/arm²`.
#[inline]
fn hold_factor(x_mm: f64, held: &[Held], inv_k2: f64) -> f64 {
    let mut factor = 1.0;
    for clip in held {
        let d_mm = if x_mm < clip.lo_mm {
            clip.lo_mm - x_mm
        } else if x_mm > clip.hi_mm {
            x_mm - clip.hi_mm
        } else {
            return 0.0;
        };
        factor *= recovery(d_mm * d_mm * inv_k2 / (clip.arm_mm * clip.arm_mm));
    }
    factor
}

/// 16-point Gauss–Legendre integral over `θ ∈ [theta_a, theta_b]` of `f(θ)`.
///
/// Why θ: the line is parametrised as `x = W/2·(1 − cos θ)`, `θ ∈ [0, π]`, so that the
/// elliptical `h(x)·dx ∝ sin²θ dθ` is smooth up to the commissures (in x its slope is infinite
/// there and a polynomial rule converges slowly). Every piece is bounded by clip edges, gap
/// edges or commissures, so the integrand is analytic on it and the rule converges fast.
#[inline]
fn gauss_legendre(theta_a: f64, theta_b: f64, f: impl Fn(f64) -> f64) -> f64 {
    let mid = 0.5 * (theta_a + theta_b);
    let half = 0.5 * (theta_b - theta_a);
    let mut sum = 0.0;
    for &(t, w) in &GAUSS_LEGENDRE_16 {
        sum += w * (f(mid - half * t) + f(mid + half * t));
    }
    sum * half
}

/// The calculation, for validated clips and given recovery constants (calibration reuses it).
fn evaluate(geometry: &LeafletGeometry, held: &[Held], k_sys: f64, k_dia: f64) -> ClipEffect {
    if held.is_empty() {
        return ClipEffect {
            eroa_cm2: geometry.eroa_cm2,
            mva_cm2: geometry.mva_cm2,
            orifice_areas_cm2: vec![geometry.mva_cm2],
        };
    }
    let length_mm = geometry.coaptation_length_mm;
    let half_length_mm = 0.5 * length_mm;
    let theta_of = |x_mm: f64| (1.0 - x_mm / half_length_mm).clamp(-1.0, 1.0).acos();
    let (inv_ks2, inv_kd2) = (1.0 / (k_sys * k_sys), 1.0 / (k_dia * k_dia));

    // Systolic gap: amplitude, support and shape.
    let eroa_mm2 = geometry.eroa_cm2 * MM2_PER_CM2;
    let (support_lo, support_hi, g0, center_mm, inv_width) = match geometry.gap {
        // ∫₀ᵂ sin²(πx/W) dx = W/2; written as cos²(π(x − W/2)/W) to share the code below.
        GapProfile::Central => (
            0.0,
            length_mm,
            2.0 * eroa_mm2 / length_mm,
            half_length_mm,
            1.0 / length_mm,
        ),
        // ∫ cos²(π(x − c)/w) dx over |x − c| < w/2 = w/2.
        GapProfile::Localized {
            center_mm,
            width_mm,
        } => (
            (center_mm - 0.5 * width_mm).max(0.0),
            (center_mm + 0.5 * width_mm).min(length_mm),
            2.0 * eroa_mm2 / width_mm,
            center_mm,
            1.0 / width_mm,
        ),
    };
    // Diastolic opening: h(x) = h0·√(1 − (2x/W − 1)²), ∫ h dx = πWh0/4; in θ, h dx = h0 W/2 sin²θ dθ.
    let h0_dtheta = 4.0 * geometry.mva_cm2 * MM2_PER_CM2 / (PI * length_mm) * half_length_mm;

    let mut eroa_mm2_post = 0.0;
    let mut orifice_areas_cm2 = Vec::with_capacity(held.len() + 1);
    for k in 0..=held.len() {
        let seg_lo = if k == 0 { 0.0 } else { held[k - 1].hi_mm };
        let seg_hi = if k == held.len() {
            length_mm
        } else {
            held[k].lo_mm
        };
        if seg_hi <= seg_lo {
            orifice_areas_cm2.push(0.0);
            continue;
        }
        let (theta_lo, theta_hi) = (theta_of(seg_lo), theta_of(seg_hi));
        let open_mm2 = gauss_legendre(theta_lo, theta_hi, |theta| {
            let (sin, cos) = theta.sin_cos();
            let x_mm = half_length_mm * (1.0 - cos);
            h0_dtheta * sin * sin * hold_factor(x_mm, held, inv_kd2)
        });
        orifice_areas_cm2.push(open_mm2 / MM2_PER_CM2);

        let (gap_lo, gap_hi) = (seg_lo.max(support_lo), seg_hi.min(support_hi));
        if gap_hi > gap_lo {
            eroa_mm2_post += gauss_legendre(theta_of(gap_lo), theta_of(gap_hi), |theta| {
                let (sin, cos) = theta.sin_cos();
                let x_mm = half_length_mm * (1.0 - cos);
                let shape = (PI * (x_mm - center_mm) * inv_width).cos();
                g0 * shape * shape * half_length_mm * sin * hold_factor(x_mm, held, inv_ks2)
            });
        }
    }
    ClipEffect {
        eroa_cm2: eroa_mm2_post / MM2_PER_CM2,
        mva_cm2: orifice_areas_cm2.iter().sum(),
        orifice_areas_cm2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    const W: f64 = DEFAULT_COAPTATION_LENGTH_MM;

    fn clip(size: ClipSize, position_mm: f64) -> ClipPlacement {
        ClipPlacement::new(size, position_mm)
    }
    fn secondary() -> LeafletGeometry {
        LeafletGeometry::new(0.40, 6.0, GapProfile::Central)
    }
    fn primary_p2() -> LeafletGeometry {
        LeafletGeometry::new(
            0.50,
            6.0,
            GapProfile::Localized {
                center_mm: W / 2.0,
                width_mm: 10.0,
            },
        )
    }
    fn run(geometry: &LeafletGeometry, clips: &[ClipPlacement]) -> ClipEffect {
        apply_clips(geometry, clips).unwrap()
    }
    /// Two clips edge to edge, symmetric about the centre.
    fn pair_at_centre(size: ClipSize) -> [ClipPlacement; 2] {
        let half = 0.5 * size.width_mm();
        [clip(size, W / 2.0 - half), clip(size, W / 2.0 + half)]
    }
    /// A first clip at the centre and a second one edge to edge beside it.
    fn centre_and_adjacent(size: ClipSize) -> [ClipPlacement; 2] {
        [clip(size, W / 2.0), clip(size, W / 2.0 + size.width_mm())]
    }

    /// Independent reference: composite Simpson in x with `n` intervals per piece, the pieces
    /// cut at the clip edges, gap edges and, for h, near the commissures in θ.
    fn reference(geometry: &LeafletGeometry, clips: &[ClipPlacement]) -> (f64, f64) {
        let held = validate(geometry, clips).unwrap();
        let held = held.as_slice();
        let w = geometry.coaptation_length_mm;
        let n = 20_000;
        let simpson = |a: f64, b: f64, f: &dyn Fn(f64) -> f64| {
            let h = (b - a) / n as f64;
            let mut s = f(a) + f(b);
            for i in 1..n {
                s += if i % 2 == 1 { 4.0 } else { 2.0 } * f(a + i as f64 * h);
            }
            s * h / 3.0
        };
        let mut cuts = vec![0.0, w];
        for c in held {
            cuts.extend([c.lo_mm, c.hi_mm]);
        }
        if let GapProfile::Localized {
            center_mm,
            width_mm,
        } = geometry.gap
        {
            cuts.extend([center_mm - width_mm / 2.0, center_mm + width_mm / 2.0]);
        }
        cuts.sort_by(f64::total_cmp);
        let g = |x: f64| -> f64 {
            let r = hold_factor(x, held, 1.0 / SYSTOLIC_RECOVERY_PER_ARM_LENGTH.powi(2));
            let shape = match geometry.gap {
                GapProfile::Central => (PI * x / w).sin().powi(2) * 2.0 / w,
                GapProfile::Localized {
                    center_mm,
                    width_mm,
                } => {
                    if (x - center_mm).abs() < width_mm / 2.0 {
                        (PI * (x - center_mm) / width_mm).cos().powi(2) * 2.0 / width_mm
                    } else {
                        0.0
                    }
                }
            };
            geometry.eroa_cm2 * shape * r
        };
        // h in θ (smooth at the commissures).
        let h_theta = |t: f64| -> f64 {
            let x = w / 2.0 * (1.0 - t.cos());
            let r = hold_factor(x, held, 1.0 / DIASTOLIC_RECOVERY_PER_ARM_LENGTH.powi(2));
            geometry.mva_cm2 * 2.0 / PI * t.sin().powi(2) * r
        };
        let (mut eroa, mut mva) = (0.0, 0.0);
        for pair in cuts.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b > a {
                eroa += simpson(a, b, &g);
                let ta = (1.0 - 2.0 * a / w).clamp(-1.0, 1.0).acos();
                let tb = (1.0 - 2.0 * b / w).clamp(-1.0, 1.0).acos();
                mva += simpson(ta, tb, &h_theta);
            }
        }
        (eroa, mva)
    }

    #[test]
    fn gauss_legendre_rule_is_exact_for_degree_31() {
        let weights: f64 = GAUSS_LEGENDRE_16.iter().map(|&(_, w)| 2.0 * w).sum();
        assert!((weights - 2.0).abs() < 1e-14, "{weights}");
        for degree in [2, 10, 20, 30] {
            let exact = 2.0 / (degree as f64 + 1.0);
            let got = gauss_legendre(-1.0, 1.0, |t| t.powi(degree));
            assert!((got - exact).abs() < 1e-14, "degree {degree}: {got}");
        }
    }

    #[test]
    fn quadrature_matches_a_fine_reference() {
        let cases: Vec<(LeafletGeometry, Vec<ClipPlacement>)> = vec![
            (secondary(), vec![clip(ClipSize::Nt, W / 2.0)]),
            (secondary(), pair_at_centre(ClipSize::Xtw).to_vec()),
            (
                secondary(),
                vec![
                    clip(ClipSize::Nt, 3.0),
                    clip(ClipSize::Xt, 11.0),
                    clip(ClipSize::Ntw, 20.0),
                    clip(ClipSize::Xtw, 31.0),
                ],
            ),
            (primary_p2(), vec![clip(ClipSize::Nt, W / 2.0)]),
            (primary_p2(), vec![clip(ClipSize::Xt, W / 2.0 + 10.0)]),
            (
                primary_p2(),
                vec![clip(ClipSize::Nt, 2.0), clip(ClipSize::Ntw, W / 2.0 - 1.0)],
            ),
        ];
        for (geometry, clips) in cases {
            let got = run(&geometry, &clips);
            let (eroa, mva) = reference(&geometry, &clips);
            assert!(
                (got.eroa_cm2 - eroa).abs() < 1e-8 * geometry.eroa_cm2,
                "{clips:?}: EROA {} vs reference {eroa}",
                got.eroa_cm2
            );
            assert!(
                (got.mva_cm2 - mva).abs() < 1e-8 * geometry.mva_cm2,
                "{clips:?}: MVA {} vs reference {mva}",
                got.mva_cm2
            );
        }
    }

    // ---- calibration targets (validation-targets.md) ----

    #[test]
    fn one_central_clip_lowers_mva_by_forty_percent() {
        // Herrmann 2009: 6.0 ± 1.3 → 3.6 ± 1.2 cm² with the first-generation (NT-sized) clip.
        let nt = run(&secondary(), &[clip(ClipSize::Nt, W / 2.0)]);
        assert!((nt.mva_cm2 - 3.6).abs() < 0.02, "NT: {}", nt.mva_cm2);
        // The larger XT stays inside the published spread (3.6 ± 1.2).
        let xt = run(&secondary(), &[clip(ClipSize::Xt, W / 2.0)]);
        assert!(
            xt.mva_cm2 > 2.4 && xt.mva_cm2 < nt.mva_cm2,
            "XT: {}",
            xt.mva_cm2
        );
        // A double orifice of two equal halves.
        assert_eq!(nt.orifice_areas_cm2.len(), 2);
        let [a, b] = nt.orifice_areas_cm2[..] else {
            unreachable!()
        };
        assert!((a - b).abs() < 1e-12, "{a} {b}");
    }

    #[test]
    fn a_second_adjacent_clip_lowers_mva_less_than_the_first() {
        // Herrmann 2009 saw no difference in MVA between 1 and 2 clips (between patients). The
        // model's second clip removes its own width of open leaflet (≈ 22 % more, see
        // docs/clip-model.md); what must hold is that it does less than the first, and that the
        // result stays within the published spread (3.6 ± 1.2 cm²).
        for size in ClipSize::ALL {
            let one = run(&secondary(), &[clip(size, W / 2.0)]).mva_cm2;
            let two = run(&secondary(), &centre_and_adjacent(size)).mva_cm2;
            assert!(6.0 - one > 2.0 * (one - two), "{size}: {one} → {two}");
            assert!(two < one, "{size}: {one} → {two}");
        }
        let two = run(&secondary(), &centre_and_adjacent(ClipSize::Nt)).mva_cm2;
        assert!(two > 2.4, "{two}");
    }

    #[test]
    fn secondary_mr_becomes_mild_to_moderate() {
        // COAPT: ≤ 2+ in 93 %, 0/1+ in 73 % at 30 days; EROA 0.41 ± 0.15 cm² at baseline.
        for size in ClipSize::ALL {
            let one = run(&secondary(), &[clip(size, W / 2.0)]).eroa_cm2;
            let two = run(&secondary(), &pair_at_centre(size)).eroa_cm2;
            assert!(one < 0.20, "{size}: one clip {one}");
            assert!(two < one, "{size}: two clips {two} vs one {one}");
        }
        let nt = run(&secondary(), &[clip(ClipSize::Nt, W / 2.0)]).eroa_cm2;
        assert!((nt - 0.15).abs() < 0.005, "{nt}");
    }

    #[test]
    fn primary_mr_clip_on_the_gap_removes_most_of_it() {
        for size in ClipSize::ALL {
            let on = run(&primary_p2(), &[clip(size, W / 2.0)]).eroa_cm2;
            let off = run(&primary_p2(), &[clip(size, W / 2.0 + 10.0)]).eroa_cm2;
            assert!(on < 0.05, "{size}: on target {on}");
            // Off target by 10 mm: removes less than half of what the on-target clip does.
            assert!(0.5 - off < (0.5 - on) / 2.0, "{size}: off {off} on {on}");
            assert!(off < 0.5, "{size}: off {off}");
        }
    }

    // ---- properties ----

    #[test]
    fn zero_clips_return_the_input_areas_exactly() {
        for geometry in [secondary(), primary_p2()] {
            let e = run(&geometry, &[]);
            assert_eq!(e.eroa_cm2, geometry.eroa_cm2);
            assert_eq!(e.mva_cm2, geometry.mva_cm2);
            assert_eq!(e.orifice_areas_cm2, vec![geometry.mva_cm2]);
        }
    }

    /// A few deterministic, valid placements for the property tests.
    fn placements() -> Vec<Vec<ClipPlacement>> {
        let mut all = Vec::new();
        for size in ClipSize::ALL {
            for pos in [3.0, 8.5, 14.0, 17.5, 22.0, 29.0, 32.0] {
                all.push(vec![clip(size, pos)]);
            }
            all.push(pair_at_centre(size).to_vec());
            all.push(centre_and_adjacent(size).to_vec());
            all.push(vec![clip(size, 6.0), clip(size, 17.5), clip(size, 29.0)]);
            all.push(vec![
                clip(size, 4.0),
                clip(size, 12.0),
                clip(size, 20.0),
                clip(size, 28.0),
            ]);
        }
        all
    }

    #[test]
    fn clips_never_increase_anything_and_orifices_sum_to_the_total() {
        for geometry in [secondary(), primary_p2()] {
            for clips in placements() {
                let e = run(&geometry, &clips);
                assert!(
                    e.eroa_cm2 >= 0.0 && e.eroa_cm2 < geometry.eroa_cm2,
                    "{clips:?}"
                );
                assert!(e.mva_cm2 > 0.0 && e.mva_cm2 < geometry.mva_cm2, "{clips:?}");
                assert_eq!(e.orifice_areas_cm2.len(), clips.len() + 1);
                assert!(e.orifice_areas_cm2.iter().all(|&a| a >= 0.0));
                let sum: f64 = e.orifice_areas_cm2.iter().sum();
                assert_eq!(sum, e.mva_cm2);
            }
        }
    }

    #[test]
    fn more_clips_give_smaller_areas() {
        for geometry in [secondary(), primary_p2()] {
            for clips in placements() {
                let mut previous = run(&geometry, &[]);
                for n in 1..=clips.len() {
                    let e = run(&geometry, &clips[..n]);
                    assert!(e.eroa_cm2 < previous.eroa_cm2, "{:?}", &clips[..n]);
                    assert!(e.mva_cm2 < previous.mva_cm2, "{:?}", &clips[..n]);
                    previous = e;
                }
            }
        }
    }

    #[test]
    fn wider_and_longer_clips_give_smaller_areas() {
        use ClipSize::*;
        // (smaller, larger) pairs of sizes.
        let pairs = [(Nt, Xt), (Nt, Ntw), (Xt, Xtw), (Ntw, Xtw)];
        for geometry in [secondary(), primary_p2()] {
            for pos in [5.0, 12.0, W / 2.0, 21.0, 30.0] {
                for (small, large) in pairs {
                    let s = run(&geometry, &[clip(small, pos)]);
                    let l = run(&geometry, &[clip(large, pos)]);
                    assert!(l.eroa_cm2 < s.eroa_cm2, "{small}/{large} at {pos}");
                    assert!(l.mva_cm2 < s.mva_cm2, "{small}/{large} at {pos}");
                }
            }
        }
    }

    #[test]
    fn on_target_is_better_than_off_target() {
        // A P2 prolapse: the further the clip from the gap, the less it removes.
        let geometry = primary_p2();
        let mut previous = 0.0;
        for offset in [0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0] {
            let e = run(&geometry, &[clip(ClipSize::Nt, W / 2.0 + offset)]).eroa_cm2;
            assert!(e > previous, "offset {offset}: {e} ≤ {previous}");
            previous = e;
        }
        // A P1 prolapse is best treated at P1.
        let p1 = Scallop::P1.center_mm(W);
        let geometry = LeafletGeometry::new(
            0.4,
            6.0,
            GapProfile::Localized {
                center_mm: p1,
                width_mm: 8.0,
            },
        );
        let at = |scallop| {
            run(
                &geometry,
                &[ClipPlacement::at_scallop(ClipSize::Nt, scallop, W)],
            )
            .eroa_cm2
        };
        assert!(at(Scallop::P1) < at(Scallop::P2) && at(Scallop::P2) < at(Scallop::P3));
    }

    #[test]
    fn results_are_deterministic_and_order_independent() {
        let clips = [
            clip(ClipSize::Xt, 25.0),
            clip(ClipSize::Nt, 10.0),
            clip(ClipSize::Ntw, 17.0),
        ];
        let mut sorted = clips;
        sorted.sort_by(|a, b| a.position_mm.total_cmp(&b.position_mm));
        for geometry in [secondary(), primary_p2()] {
            let a = run(&geometry, &clips);
            let b = run(&geometry, &clips);
            let c = run(&geometry, &sorted);
            assert_eq!(a, b);
            assert_eq!(a, c);
        }
    }

    #[test]
    fn mirror_symmetry() {
        // Central gap and elliptic opening are symmetric about W/2: mirrored clips give the same
        // areas and the mirrored orifice list.
        let a = run(
            &secondary(),
            &[clip(ClipSize::Nt, 8.0), clip(ClipSize::Xtw, 20.0)],
        );
        let b = run(
            &secondary(),
            &[clip(ClipSize::Nt, W - 8.0), clip(ClipSize::Xtw, W - 20.0)],
        );
        assert!((a.eroa_cm2 - b.eroa_cm2).abs() < 1e-12);
        assert!((a.mva_cm2 - b.mva_cm2).abs() < 1e-12);
        for (x, y) in a
            .orifice_areas_cm2
            .iter()
            .zip(b.orifice_areas_cm2.iter().rev())
        {
            assert!((x - y).abs() < 1e-12, "{x} {y}");
        }
    }

    #[test]
    fn edge_to_edge_and_commissural_clips_leave_empty_orifices() {
        let half = ClipSize::Nt.width_mm() / 2.0;
        let e = run(
            &secondary(),
            &[
                clip(ClipSize::Nt, half),
                clip(ClipSize::Nt, 17.3),
                clip(ClipSize::Nt, 21.3),
            ],
        );
        assert_eq!(e.orifice_areas_cm2.len(), 4);
        assert_eq!(e.orifice_areas_cm2[0], 0.0);
        assert_eq!(e.orifice_areas_cm2[2], 0.0);
        assert!(e.orifice_areas_cm2[1] > 0.0 && e.orifice_areas_cm2[3] > 0.0);
    }

    // ---- errors ----

    #[test]
    fn invalid_inputs_are_refused_with_their_values() {
        let err = |geometry: LeafletGeometry, clips: &[ClipPlacement]| {
            apply_clips(&geometry, clips).unwrap_err()
        };
        let mut g = secondary();
        g.coaptation_length_mm = 0.0;
        assert!(matches!(
            err(g, &[]),
            ClipError::NonPositive {
                name: "coaptation_length_mm",
                ..
            }
        ));
        let mut g = secondary();
        g.eroa_cm2 = f64::NAN;
        assert!(matches!(
            err(g, &[]),
            ClipError::NonPositive {
                name: "eroa_cm2",
                ..
            }
        ));
        let mut g = secondary();
        g.mva_cm2 = -1.0;
        assert!(matches!(
            err(g, &[]),
            ClipError::NonPositive {
                name: "mva_cm2",
                ..
            }
        ));
        let mut g = secondary();
        g.eroa_cm2 = 7.0;
        assert!(matches!(err(g, &[]), ClipError::EroaNotBelowMva { .. }));
        let mut g = secondary();
        g.coaptation_length_mm = f64::INFINITY;
        assert!(matches!(err(g, &[]), ClipError::NonPositive { .. }));

        let gap = |center_mm, width_mm| {
            LeafletGeometry::new(
                0.4,
                6.0,
                GapProfile::Localized {
                    center_mm,
                    width_mm,
                },
            )
        };
        assert!(matches!(
            err(gap(3.0, 10.0), &[]),
            ClipError::GapOutsideValve { .. }
        ));
        assert!(matches!(
            err(gap(17.5, 0.0), &[]),
            ClipError::NonPositive { .. }
        ));
        assert_eq!(
            err(gap(f64::NAN, 5.0), &[]).to_string(),
            "gap center_mm must be finite, got NaN"
        );
        assert_eq!(
            err(gap(3.0, 10.0), &[]).to_string(),
            "the localized gap (centre 3 mm, width 10 mm) spans [-2, 8] mm, outside the \
             coaptation line [0, 35] mm"
        );
        assert!(apply_clips(&gap(5.0, 10.0), &[]).is_ok());

        let e = err(
            secondary(),
            &[clip(ClipSize::Nt, 10.0), clip(ClipSize::Xtw, 33.0)],
        );
        assert_eq!(
            e.to_string(),
            "clip 1 (XTW, 6 mm wide) at 33 mm spans [30, 36] mm, outside the coaptation line \
             [0, 35] mm"
        );
        assert!(matches!(
            err(secondary(), &[clip(ClipSize::Nt, 1.9)]),
            ClipError::ClipOutsideValve { index: 0, .. }
        ));
        assert!(matches!(
            err(secondary(), &[clip(ClipSize::Nt, f64::NAN)]),
            ClipError::NonFinitePosition { index: 0, .. }
        ));

        let e = err(
            secondary(),
            &[
                clip(ClipSize::Nt, 25.0),
                clip(ClipSize::Nt, 17.0),
                clip(ClipSize::Ntw, 12.5),
            ],
        );
        assert_eq!(
            e.to_string(),
            "clips 1 (NT at 17 mm) and 2 (NTW at 12.5 mm) overlap: their centres are 4.5 mm \
             apart, at least 5 mm are needed"
        );

        let five: Vec<_> = (0..5)
            .map(|i| clip(ClipSize::Nt, 3.0 + 7.0 * i as f64))
            .collect();
        assert_eq!(
            err(secondary(), &five),
            ClipError::TooManyClips { count: 5, max: 4 }
        );
    }

    #[test]
    fn sizes_and_scallops_parse_case_insensitively() {
        for size in ClipSize::ALL {
            assert_eq!(size.name().parse::<ClipSize>().unwrap(), size);
            assert_eq!(
                size.name().to_lowercase().parse::<ClipSize>().unwrap(),
                size
            );
        }
        assert_eq!("xtw".parse::<ClipSize>().unwrap().arm_length_mm(), 12.0);
        assert_eq!("Ntw".parse::<ClipSize>().unwrap().width_mm(), 6.0);
        assert_eq!(
            "G4".parse::<ClipSize>().unwrap_err().to_string(),
            "unknown clip size 'G4': expected one of NT, XT, NTW, XTW"
        );
        assert_eq!("p2".parse::<Scallop>().unwrap(), Scallop::P2);
        assert_eq!(Scallop::P2.center_mm(W), W / 2.0);
        assert_eq!(Scallop::P1.center_mm(36.0), 6.0);
        assert_eq!(Scallop::P3.center_mm(36.0), 30.0);
        assert!("A2".parse::<Scallop>().is_err());
    }

    // ---- calibration and the doc table ----

    /// `k` such that `f(k)` (decreasing in k) equals `target`, by bisection.
    fn bisect(target: f64, f: impl Fn(f64) -> f64) -> f64 {
        let (mut lo, mut hi) = (0.01, 5.0);
        for _ in 0..60 {
            let mid = 0.5 * (lo + hi);
            if f(mid) > target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        0.5 * (lo + hi)
    }

    /// Recomputes the calibration constants and prints the target-vs-model table of
    /// docs/clip-model.md:
    /// `cargo test --release --lib model::clip::tests::print_calibration -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn print_calibration() {
        let nt_centre = [clip(ClipSize::Nt, W / 2.0)];
        let held = validate(&secondary(), &nt_centre).unwrap();
        let k_dia = bisect(3.6, |k| {
            evaluate(&secondary(), held.as_slice(), 1.0, k).mva_cm2
        });
        let k_sys = bisect(0.15, |k| {
            evaluate(&secondary(), held.as_slice(), k, 1.0).eroa_cm2
        });
        println!("calibrated: k_s = {k_sys:.4}, k_d = {k_dia:.4}");
        println!(
            "in use:     k_s = {SYSTOLIC_RECOVERY_PER_ARM_LENGTH}, k_d = \
             {DIASTOLIC_RECOVERY_PER_ARM_LENGTH}"
        );
        for size in ClipSize::ALL {
            println!(
                "{size}: λ_s = {:.2} mm, λ_d = {:.2} mm",
                size.systolic_recovery_mm(),
                size.diastolic_recovery_mm()
            );
        }
        let areas = |e: &ClipEffect| {
            let o: Vec<String> = e
                .orifice_areas_cm2
                .iter()
                .map(|a| format!("{a:.2}"))
                .collect();
            format!(
                "EROA {:.3}, MVA {:.2} (orifices {})",
                e.eroa_cm2,
                e.mva_cm2,
                o.join(" + ")
            )
        };
        let show = |label: &str, g: &LeafletGeometry, clips: &[ClipPlacement]| {
            println!("{label:<48} {}", areas(&run(g, clips)));
        };
        println!("\n-- secondary MR: Central gap, EROA 0.40, MVA 6.0, W 35 --");
        for size in ClipSize::ALL {
            show(
                &format!("one {size} at W/2"),
                &secondary(),
                &[clip(size, W / 2.0)],
            );
            show(
                &format!("two {size} edge to edge about W/2"),
                &secondary(),
                &pair_at_centre(size),
            );
            show(
                &format!("{size} at W/2 + adjacent {size}"),
                &secondary(),
                &centre_and_adjacent(size),
            );
        }
        let one = run(&secondary(), &nt_centre).mva_cm2;
        let two = run(&secondary(), &centre_and_adjacent(ClipSize::Nt)).mva_cm2;
        println!(
            "second adjacent NT lowers MVA by a further {:.1} %",
            100.0 * (1.0 - two / one)
        );
        println!("\n-- primary MR: P2 gap 10 mm wide at W/2, EROA 0.50, MVA 6.0 --");
        for size in ClipSize::ALL {
            show(
                &format!("{size} on the gap"),
                &primary_p2(),
                &[clip(size, W / 2.0)],
            );
            show(
                &format!("{size} 10 mm off the gap"),
                &primary_p2(),
                &[clip(size, W / 2.0 + 10.0)],
            );
        }
        // Timing: the worst case (four clips, central gap) and one clip.
        let four = [
            clip(ClipSize::Nt, 4.0),
            clip(ClipSize::Xt, 12.0),
            clip(ClipSize::Ntw, 20.0),
            clip(ClipSize::Xtw, 28.0),
        ];
        for (label, clips) in [("one clip", &nt_centre[..]), ("four clips", &four[..])] {
            let n = 200_000;
            let start = Instant::now();
            let mut sink = 0.0;
            for i in 0..n {
                let mut g = secondary();
                g.eroa_cm2 += 1e-9 * (i % 7) as f64;
                sink += apply_clips(&g, clips).unwrap().eroa_cm2;
            }
            let per_call = start.elapsed().as_secs_f64() / n as f64;
            println!("{label}: {:.2} µs per call ({sink:.1})", per_call * 1e6);
        }
    }
}
