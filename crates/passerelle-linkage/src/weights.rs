//! Field weights: the log2 likelihood ratio of each field's Dice coefficient, "same child"
//! against "two children", as piecewise-linear tables over Dice 0, 0.05, …, 1.
//!
//! Calibrated on the benchmark generator (agreement rates of true pairs against random
//! pairs, smoothed and made monotone); the shape, not the exact values, is what matters:
//! agreement on a rare value is strong evidence, and a date of birth that shares nothing
//! (not even the year, a swap or a near day) is strong evidence against.

/// Table points: Dice 0, 0.05, …, 1.
pub const POINTS: usize = 21;

pub const GIVEN: [f32; POINTS] =
    [-4.5, -4.5, -4.5, -4.5, -4.5, -4.5, -4.5, -4.0, -3.0, -0.5, 2.0, 3.9, 5.2, 6.2, 6.9, 7.5, 7.8, 8.0, 8.1, 8.2, 8.3];
pub const SURNAME: [f32; POINTS] =
    [-4.0, -4.0, -4.0, -4.0, -4.0, -4.0, -4.0, -4.0, -4.0, -2.5, 1.5, 3.9, 6.0, 7.0, 8.0, 8.5, 8.7, 8.8, 8.9, 9.0, 9.1];
pub const DOB: [f32; POINTS] =
    [-9.0, -9.0, -9.0, -9.0, -9.0, -9.0, -1.2, 2.1, 3.7, 5.2, 6.0, 6.6, 7.2, 7.5, 8.0, 8.5, 9.0, 9.5, 10.3, 11.0, 11.8];
pub const POSTCODE: [f32; POINTS] =
    [-2.7, -2.7, -2.7, -2.7, -2.7, -2.7, -2.7, -2.7, -2.7, -2.7, 0.2, 3.0, 3.5, 3.6, 4.1, 4.6, 5.0, 5.3, 5.6, 5.8, 6.0];
pub const SEX: [f32; POINTS] = [
    -4.2, -4.2, -4.2, -4.2, -4.2, -4.2, -4.2, -4.2, -4.2, -4.2, -4.2, -3.7, -3.2, -2.6, -2.1, -1.6, -1.1, -0.6, -0.0,
    0.5, 1.0,
];

/// Swapped names are rarer than names in their fields, so they need slightly more evidence.
pub const SWAP_PENALTY: f32 = 1.0;
/// Below this straight name weight the swapped comparison is tried.
pub const SWAP_WORTH_CHECKING: f32 = 10.0;

/// Below this date-of-birth Dice the dates share nothing (not the year, not a swap, not a
/// near day): a different child, however alike the names. Vetoed rather than weighed, so
/// that no amount of name and address agreement links two children born years apart.
pub const DOB_VETO: f32 = 0.275;

/// Possible birth years that overlap, where a date is missing (see `BirthYears`): most
/// children of an installation are born within a few years, so agreement says little.
pub const YEARS_AGREE: f32 = 1.0;
/// Possible birth years that cannot meet: an estimated age is rarely more than a year off.
pub const YEARS_DISAGREE: f32 = -6.0;

/// Cases opened within this many days of each other belong to one episode (see
/// `matcher::episode_weight`); beyond `EPISODE_APART_DAYS`, to different ones.
pub const EPISODE_DAYS: u32 = 120;
pub const EPISODE_AGREE: f32 = 1.5;
pub const EPISODE_APART_DAYS: u32 = 365;
pub const EPISODE_APART: f32 = -1.0;

/// A phone number or social-media handle in common (see `matcher::contact_weight`).
pub const CONTACT_AGREE: f32 = 12.0;

pub const MARGIN_BITS: f64 = 2.0;
pub const DEFAULT_THRESHOLD: f64 = 0.3;

#[inline]
pub fn lookup(table: &[f32; POINTS], dice: f32) -> f32 {
    #[allow(clippy::cast_precision_loss)]
    let x = dice.clamp(0.0, 1.0) * (POINTS - 1) as f32;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // 0 ≤ x ≤ 20
    let i = (x as usize).min(POINTS - 2);
    #[allow(clippy::cast_precision_loss)]
    let f = x - i as f32;
    table[i] + (table[i + 1] - table[i]) * f
}

/// What a proposal's score means in fact, measured: the log-odds (bits) of the score inside
/// an installation, and the log-odds that such a proposal was truly one child, on the
/// synthetic populations of 20,000 and 100,000 children (`examples/synth_eval.rs`, `SHOWN=1`;
/// the two sizes averaged, made monotone). The score treats the fields as independent
/// evidence and so overstates it for look-alikes: a proposal scored 97 % was one child about
/// one time in ten. Beyond the last point the two rise together.
pub const SHOWN_ODDS: [(f64, f64); 12] = [
    (-2.0, -7.5),
    (0.0, -6.8),
    (2.0, -5.8),
    (4.0, -4.5),
    (6.0, -2.8),
    (8.0, -1.2),
    (10.0, 0.2),
    (12.0, 1.0),
    (14.0, 2.3),
    (16.0, 4.0),
    (18.0, 6.0),
    (20.0, 8.0),
];
