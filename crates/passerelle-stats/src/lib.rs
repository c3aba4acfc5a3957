//! De-identified statistics on the children known to the agencies, published with differential
//! privacy.
//!
//! Pure functions over plain rows: no database, no files. The only outside effect is reading the
//! operating system's random source.
//!
//! # Threat model
//!
//! **Who reads the output.** A publication is meant to leave the platform: for funders, the
//! ministry, researchers, the press. So anyone may read it, compare it with earlier
//! publications, and combine it with what they already know. That can be a lot: a trafficker
//! knows which children they exploited, and a parent, a neighbour or a journalist may know that
//! a child from a small region went missing last spring.
//!
//! **What must not leak.** Whether a given child is among those counted, i.e. known to the
//! agencies as a possible victim. Even a child's coarse profile (region, age band, gender, type
//! of exploitation) together with the time period can single that child out in a small
//! community.
//!
//! **What differential privacy gives.** Every count gets random noise calibrated so that, for
//! any child, every possible publication is about as likely (within a factor e^ε) with the
//! child's row as without it. Whatever an observer already knows, and however many tables they
//! cross, their belief that a particular child was counted can move by only that factor. The
//! guarantee adds up over publications, which is why every publication spends from a finite
//! budget ([`budget`]). It does not hide aggregate facts (that most children counted are
//! girls), and it is only as good as the deduplication upstream: a child counted twice gets
//! twice the loss.
//!
//! **Why every cell of the domain is published.** The list of cells is fixed before looking
//! at the data: every region, band and category, zeros included. Publishing only the cells that
//! have children would itself reveal something. A row for Nord-du-Québec × external that shows
//! up in one quarter and not the one before says a child is there, whatever noise is on the
//! number. Noise on a zero cell is what makes "nobody" and "one child" look alike.
//!
//! **Why small cells are suppressed after the noise.** The guarantee already covers small
//! counts, so suppression adds no protection. It is there for readers. A published "2" would be
//! read as "two children", when at this noise level it cannot be told apart from 0 or 9, and
//! a low figure next to a region's name invites exactly the speculation about identifiable
//! children that agencies must avoid. The decision is made on the noisy value, never on the
//! true count. Suppressing on the true count would make the suppression pattern itself leak
//! which cells are truly small, outside the guarantee. Deciding on the noisy value is
//! post-processing and costs nothing. The usual Canadian convention (suppress 1–4) gives the
//! threshold of 5.
//!
//! **Why exact discrete sampling.** Textbook Laplace noise drawn with floating-point arithmetic
//! (`-b·ln(U)`, rounded) does not follow the distribution the proof assumes. Not every real
//! number can be a result, and the set of results that can occur depends on the true value
//! underneath. Mironov (2012, "On significance of the least significant bits for differential
//! privacy") showed that an observer can often tell the true count from which low-order bits
//! are possible, and so recover exact values from "private" releases. Here the noise is integer
//! discrete Laplace, drawn by Canonne, Kamath and Steinke's exact algorithm (2020) from uniform
//! random integers, with unbiased range reduction and integer comparisons only
//! ([`mechanism`], [`random`]). Floats only describe the distribution (margins, ε in the
//! output), never choose the sample. The randomness is the kernel's CSPRNG: anyone who can
//! predict the noise can subtract it.
//!
//! **Out of scope.** Side channels while computing (the time taken depends on the noise drawn;
//! publications are made offline and only their result is seen). Protection of the input rows,
//! which the caller reads from the encrypted store. Attributes other than the public
//! dimensions: none are accepted.
//!
//! # Layout
//!
//! - [`random`]: the random source and exact Bernoulli draws.
//! - [`mechanism`]: discrete Laplace, its sampler and its 95% margin.
//! - [`dimensions`]: the published categories and the de-identified child row.
//! - [`period`]: quarters and budget years.
//! - [`budget`]: the per-period ε ledger.
//! - [`publish`](mod@publish): the tables, composition, suppression and the JSON document.
//! - [`htcds`]: the k-anonymous export of children in HTCDS 2.0 fields.
//! - [`csv`]: CSV that spreadsheets cannot mistake for formulas.

pub mod budget;
pub mod children;
pub mod csv;
pub mod dimensions;
pub mod htcds;
pub mod mechanism;
pub mod period;
pub mod publish;
pub mod random;

pub use budget::{BUDGET_TOLERANCE, BudgetError, DEFAULT_BUDGET_PER_PERIOD, PrivacyBudget, parse_epsilon};
pub use children::{CaseAttributes, distinct_children};
pub use dimensions::{
    AgeBand, ChildRow, Exploitation, ExploitationKind, Gender, InternalExternal, PresentingSituation, ReferralSource,
    Region, UnknownValue,
};
pub use htcds::{FIELDS as HTCDS_FIELDS, HtcdsExport, HtcdsRow, K_ANONYMITY};
pub use mechanism::{DiscreteLaplace, EPSILON_DENOMINATOR, MAX_EPSILON, MechanismError, margin_95};
pub use period::{PeriodError, Quarter, budget_period, parse_year};
pub use publish::{
    Cell, Dimension, Publication, PublishError, Release, SUPPRESSION_THRESHOLD, TABLES, Table, TableSpec, Unit,
    publish, table_mechanism,
};
pub use random::{OsRandom, RandomError, RandomSource, bernoulli, bernoulli_exp_neg, uniform_below};
