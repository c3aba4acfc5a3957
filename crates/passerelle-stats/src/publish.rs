//! The published tables: which ones, how each cell is noised, suppressed and given its margin,
//! and the JSON document of `passerelle stats publish`.
//!
//! Composition: one child changes exactly one cell of every table by 1 (every dimension is a
//! closed list ending in `unknown`, exploitation is reduced to one value per child), so each
//! table has sensitivity 1 but the child is in all [`TABLES`]. A publication's ε is therefore
//! split evenly, ε / 12 per table (`TABLES.len()`), and by basic composition the publication is ε-DP
//! (each share is rounded down, so the shares sum to at most ε). Neighbouring datasets differ by
//! the presence of one child — the secret worth protecting is that a child is known to the
//! agencies at all; changing one child's attributes costs at most 2ε.

use std::collections::BTreeMap;
use std::num::NonZeroU64;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::budget::{BudgetError, PrivacyBudget};
use crate::dimensions::{
    AgeBand, ChildRow, Exploitation, Gender, InternalExternal, PresentingSituation, ReferralSource, Region,
};
use crate::mechanism::{DiscreteLaplace, MechanismError};
use crate::period::{PeriodError, Quarter, parse_year};
use crate::random::{RandomError, RandomSource};

/// A published value is never below this: a noisy count under it is replaced by `null`.
pub const SUPPRESSION_THRESHOLD: u64 = 5;

/// A dimension a table can break children down by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Dimension {
    /// [`Region`].
    Region,
    /// [`AgeBand`].
    AgeBand,
    /// [`Gender`].
    Gender,
    /// [`InternalExternal`].
    InternalExternal,
    /// [`Exploitation`].
    Exploitation,
    /// [`PresentingSituation`].
    PresentingSituation,
    /// [`ReferralSource`].
    ReferralSource,
    /// The quarter of first referral, within the budget year.
    Period,
}

impl Dimension {
    /// The dimension's name in published tables.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Region => Region::DIMENSION,
            Self::AgeBand => AgeBand::DIMENSION,
            Self::Gender => Gender::DIMENSION,
            Self::InternalExternal => InternalExternal::DIMENSION,
            Self::Exploitation => Exploitation::DIMENSION,
            Self::PresentingSituation => PresentingSituation::DIMENSION,
            Self::ReferralSource => ReferralSource::DIMENSION,
            Self::Period => "period",
        }
    }

    /// Every value of the dimension in a publication for budget year `year`, in order. Known
    /// before looking at any child: the set of published cells never depends on the data.
    pub fn values(self, year: u16) -> Result<Vec<String>, PeriodError> {
        fn names<T: ToString>(all: &[T]) -> Vec<String> {
            all.iter().map(ToString::to_string).collect()
        }
        Ok(match self {
            Self::Region => names(Region::ALL),
            Self::AgeBand => names(AgeBand::ALL),
            Self::Gender => names(Gender::ALL),
            Self::InternalExternal => names(InternalExternal::ALL),
            Self::Exploitation => names(Exploitation::ALL),
            Self::PresentingSituation => names(PresentingSituation::ALL),
            Self::ReferralSource => names(ReferralSource::ALL),
            Self::Period => names(&Quarter::of_year(year)?),
        })
    }

    /// Position of `row`'s value in [`Self::values`] (its quarter must be in the year).
    fn index(self, row: &ChildRow) -> usize {
        match self {
            Self::Region => row.region.index(),
            Self::AgeBand => row.age_band.index(),
            Self::Gender => row.gender.index(),
            Self::InternalExternal => row.internal_external.index(),
            Self::Exploitation => row.exploitation.index(),
            Self::PresentingSituation => row.presenting_situation.index(),
            Self::ReferralSource => row.referral_source.index(),
            Self::Period => usize::from(row.period.quarter() - 1),
        }
    }
}

/// A published table: its name and the dimensions it crosses (none for the total).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// Name in the publication.
    pub name: &'static str,
    /// Dimensions, outermost first.
    pub dimensions: &'static [Dimension],
}

/// Every table of a publication, in order: the total, the one-way tables, then three crossings
/// chosen for the questions agencies ask (where internal vs external trafficking is seen, the
/// age–gender profile, and how the type of exploitation differs between the two). Crossings
/// stay at two dimensions: with ε split over twelve tables, a third dimension would leave
/// almost every cell suppressed.
pub const TABLES: [TableSpec; 12] = [
    TableSpec { name: "children_total", dimensions: &[] },
    TableSpec { name: "by_region", dimensions: &[Dimension::Region] },
    TableSpec { name: "by_age_band", dimensions: &[Dimension::AgeBand] },
    TableSpec { name: "by_gender", dimensions: &[Dimension::Gender] },
    TableSpec { name: "by_internal_external", dimensions: &[Dimension::InternalExternal] },
    TableSpec { name: "by_exploitation", dimensions: &[Dimension::Exploitation] },
    TableSpec { name: "by_presenting_situation", dimensions: &[Dimension::PresentingSituation] },
    TableSpec { name: "by_referral_source", dimensions: &[Dimension::ReferralSource] },
    TableSpec { name: "by_period", dimensions: &[Dimension::Period] },
    TableSpec { name: "by_region_internal_external", dimensions: &[Dimension::Region, Dimension::InternalExternal] },
    TableSpec { name: "by_age_band_gender", dimensions: &[Dimension::AgeBand, Dimension::Gender] },
    TableSpec {
        name: "by_exploitation_internal_external",
        dimensions: &[Dimension::Exploitation, Dimension::InternalExternal],
    },
];

/// What is counted: distinct children after cross-agency linkage, never records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Unit {
    /// One child, however many agencies know them.
    Child,
}

/// The document written by `passerelle stats publish`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Publication {
    /// Always [`Unit::Child`].
    pub unit: Unit,
    /// The ε this publication spent.
    pub epsilon: f64,
    /// What remains of the period's budget afterwards.
    pub budget_remaining: f64,
    /// The tables, in [`TABLES`] order.
    pub tables: Vec<Table>,
}

/// One published table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Its name.
    pub name: String,
    /// The names of its dimensions, outermost first.
    pub dimensions: Vec<String>,
    /// Every cell of the domain, in order, the last dimension varying fastest.
    pub cells: Vec<Cell>,
}

/// One cell: a noisy count of children, or nothing when it would be under the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cell {
    /// The value of each dimension.
    pub key: BTreeMap<String, String>,
    /// The noisy count, at least [`SUPPRESSION_THRESHOLD`]; `None` when suppressed.
    pub value: Option<u64>,
    /// Whether the value was suppressed.
    pub suppressed: bool,
    /// Half-width of the 95% interval of the noise added to this cell.
    pub margin_95: f64,
}

/// A publication and the budget ledger to store with it.
#[derive(Clone, Debug, PartialEq)]
pub struct Release {
    /// The document to write.
    pub publication: Publication,
    /// The ledger after this publication's spend.
    pub budget: PrivacyBudget,
}

/// Why nothing was published.
#[derive(Debug, Error)]
pub enum PublishError {
    /// ε refused by the budget (invalid, or more than remains).
    #[error(transparent)]
    Budget(#[from] BudgetError),
    /// ε too small to split over the tables, or too large to protect anything.
    #[error(transparent)]
    Mechanism(#[from] MechanismError),
    /// The budget's period is not a year.
    #[error(transparent)]
    Period(#[from] PeriodError),
    /// The random source failed.
    #[error(transparent)]
    Random(#[from] RandomError),
}

/// The mechanism applied to every cell of a publication spending `epsilon`: ε / |TABLES| each.
pub fn table_mechanism(epsilon: f64) -> Result<DiscreteLaplace, MechanismError> {
    let parts = u64::try_from(TABLES.len()).ok().and_then(NonZeroU64::new).unwrap_or(NonZeroU64::MIN);
    DiscreteLaplace::split(epsilon, parts)
}

/// Publishes [`TABLES`] for the children of `budget`'s year, spending `epsilon` from it.
///
/// `rows` may hold children of any period: only those whose quarter is in the budget's year are
/// counted, which is what lets each child's loss be bounded by one year's budget. Each cell of
/// each table gets independent noise, is clamped at 0 (a count is never negative; clamping is
/// post-processing and costs no privacy), and is suppressed below [`SUPPRESSION_THRESHOLD`].
/// Nothing is drawn unless the spend is accepted, and any failure returns no publication.
pub fn publish<R: RandomSource + ?Sized>(
    rows: &[ChildRow],
    budget: &PrivacyBudget,
    epsilon: f64,
    rng: &mut R,
) -> Result<Release, PublishError> {
    let after = budget.spend(epsilon)?;
    let year = parse_year(&budget.period)?;
    let mechanism = table_mechanism(epsilon)?;
    let margin = mechanism.margin_95();
    let cohort: Vec<&ChildRow> = rows.iter().filter(|row| row.period.year() == year).collect();
    let tables = TABLES
        .iter()
        .map(|spec| noisy_table(spec, &cohort, year, &mechanism, margin, rng))
        .collect::<Result<Vec<_>, _>>()?;
    let publication = Publication { unit: Unit::Child, epsilon, budget_remaining: after.remaining(), tables };
    Ok(Release { publication, budget: after })
}

fn noisy_table<R: RandomSource + ?Sized>(
    spec: &TableSpec,
    cohort: &[&ChildRow],
    year: u16,
    mechanism: &DiscreteLaplace,
    margin: f64,
    rng: &mut R,
) -> Result<Table, PublishError> {
    let domains = spec.dimensions.iter().map(|d| d.values(year)).collect::<Result<Vec<_>, _>>()?;
    let counts = tabulate(spec.dimensions, &domains, cohort);
    let mut cells = Vec::with_capacity(counts.len());
    for (position, count) in counts.into_iter().enumerate() {
        let noisy = i64::try_from(count).unwrap_or(i64::MAX).saturating_add(mechanism.sample(rng)?);
        let value = u64::try_from(noisy).unwrap_or(0);
        let published = (value >= SUPPRESSION_THRESHOLD).then_some(value);
        cells.push(Cell {
            key: key_at(spec.dimensions, &domains, position),
            value: published,
            suppressed: published.is_none(),
            margin_95: margin,
        });
    }
    Ok(Table {
        name: spec.name.to_owned(),
        dimensions: spec.dimensions.iter().map(|d| d.name().to_owned()).collect(),
        cells,
    })
}

/// True counts for every cell of the domain, zeros included, the last dimension varying fastest.
fn tabulate(dimensions: &[Dimension], domains: &[Vec<String>], cohort: &[&ChildRow]) -> Vec<u64> {
    let mut counts = vec![0u64; domains.iter().map(Vec::len).product()];
    for row in cohort {
        let position = dimensions.iter().zip(domains).fold(0, |at, (d, values)| at * values.len() + d.index(row));
        if let Some(count) = counts.get_mut(position) {
            *count += 1;
        }
    }
    counts
}

/// The key of the cell at `position` in [`tabulate`]'s order.
fn key_at(dimensions: &[Dimension], domains: &[Vec<String>], mut position: usize) -> BTreeMap<String, String> {
    let mut key = BTreeMap::new();
    for (dimension, values) in dimensions.iter().zip(domains).rev() {
        let at = position % values.len();
        position /= values.len();
        if let Some(value) = values.get(at) {
            key.insert(dimension.name().to_owned(), value.clone());
        }
    }
    key
}
