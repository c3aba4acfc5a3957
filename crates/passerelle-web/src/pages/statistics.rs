//! The analysts' statistics: the dashboard of stored publications (charts, tables, a map of
//! the regions), publishing from the page, the downloads (a publication as CSV, a printable
//! report) and the k-anonymous HTCDS export.
//!
//! The dashboard and the downloads of a publication read only what was published: the noisy,
//! suppressed document stored with its ε. No page shows a case. Publishing and the HTCDS
//! export read the cases' coarse attributes on the server, exactly as `passerelle stats` does
//! ([`crate::statistics`]), and only their protected result leaves it.

use std::fmt::Write as _;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::IntoResponse;
use passerelle_core::audit::Outcome;
use passerelle_core::authz::Scope;
use passerelle_core::role::Action;
use passerelle_stats::{
    BudgetError, Cell, K_ANONYMITY, Publication, PublishError, SUPPRESSION_THRESHOLD, Table, htcds, parse_epsilon,
};
use passerelle_store::statistics::{BudgetRow, Publication as Stored};
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::ctx::{Ctx, Signed};
use crate::error::{AppError, PageResult};
use crate::i18n::Lang;
use crate::pages::{audit, entry, render, require, see_other};
use crate::statistics::{self, StatsError};

/// How many earlier publications the selector offers.
const HISTORY: i64 = 100;

/// Every dimension a publication may hold, in the CSV's column order.
pub const DIMENSIONS: [&str; 8] = [
    "region",
    "age_band",
    "gender",
    "internal_external",
    "exploitation",
    "presenting_situation",
    "referral_source",
    "period",
];

impl From<StatsError> for AppError {
    fn from(e: StatsError) -> Self {
        match e {
            StatsError::Store(e) => e.into(),
            StatsError::Period(_) => {
                tracing::error!("a case cannot be placed in a period");
                AppError::Internal("statistics")
            }
        }
    }
}

async fn require_analyst(state: &AppState, who: &Signed) -> Result<(), AppError> {
    // Statistics span the installation, but the role is what decides: checked in the
    // analyst's own organization, as `authorize` allows installation scope to administrators only.
    require(state, who, Action::ViewStatistics, Scope::Org(who.user().org_id)).await
}

// ----- numbers and labels -----

/// `value` with at most `decimals` decimals, trailing zeros removed, in the language's style.
fn number(lang: Lang, value: f64, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text.as_str() };
    match lang {
        Lang::Fr => text.replace('.', ","),
        Lang::En => text.to_owned(),
    }
}

/// The label of a dimension's value in the page's language.
fn value_label(ctx: &Ctx, dimension: &str, value: &str) -> String {
    if dimension == "region"
        && let Ok(r) = value.parse::<passerelle_core::region::Region>()
    {
        return r.name(ctx.lang.code()).to_owned();
    }
    if dimension == "period"
        && let Some((year, q)) = value.split_once("-Q")
    {
        return format!("{}{q} {year}", ctx.t("stats-quarter-prefix"));
    }
    ctx.t(&format!("stats-v-{dimension}-{value}"))
}

/// "name: value", with the space French typography puts before the colon.
fn labelled(lang: Lang, name: &str, value: &str) -> String {
    match lang {
        Lang::Fr => format!("{name} : {value}"),
        Lang::En => format!("{name}: {value}"),
    }
}

fn cell_text(ctx: &Ctx, c: &Cell) -> String {
    match c.value {
        Some(v) => format!("{v} ± {}", number(ctx.lang, c.margin_95, 1)),
        None => ctx.t("stats-suppressed"),
    }
}

// ----- views -----

struct CellView {
    text: String,
    suppressed: bool,
}

struct RowView {
    label: String,
    cells: Vec<CellView>,
}

struct BarView {
    y: u32,
    width: u32,
    height: u32,
    series: usize,
    suppressed: bool,
    /// The 95% interval, in pixels from the plot's left edge (start, end).
    interval: (u32, u32),
    text_x: u32,
    text: String,
    title: String,
}

struct ChartView {
    id: String,
    title: String,
    desc: String,
    width: u32,
    height: u32,
    plot_x: u32,
    axis_y: u32,
    labels: Vec<(u32, String)>,
    bars: Vec<BarView>,
    ticks: Vec<(u32, String)>,
    legend: Vec<(usize, String)>,
}

struct TableView {
    name: String,
    title: String,
    row_header: String,
    columns: Vec<String>,
    rows: Vec<RowView>,
    chart: Option<ChartView>,
    has_suppressed: bool,
    /// A crossing: the chart and its wide table go one above the other.
    crossing: bool,
}

struct TileView {
    x: u32,
    y: u32,
    width: u32,
    height: u32,
    class: String,
    suppressed: bool,
    code: String,
    /// The name's lines and their baselines.
    lines: Vec<(u32, String)>,
    value_y: u32,
    value: String,
    title: String,
}

struct MapView {
    width: u32,
    height: u32,
    tiles: Vec<TileView>,
    legend: Vec<(String, String)>,
    unknown: String,
}

struct PublicationView {
    id: String,
    period: String,
    created: String,
    epsilon: String,
    margin: String,
    total: String,
    suppressed_note: String,
    tables: Vec<TableView>,
    map: Option<MapView>,
}

struct BudgetView {
    period: String,
    total: String,
    spent: String,
    remaining: String,
    total_raw: f64,
    spent_raw: f64,
}

/// One dimension's ordered values as they appear in a table's cells.
fn values_of(table: &Table, dimension: &str) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for c in &table.cells {
        if let Some(v) = c.key.get(dimension)
            && !seen.contains(v)
        {
            seen.push(v.clone());
        }
    }
    seen
}

fn table_view(ctx: &Ctx, table: &Table) -> TableView {
    let title = ctx.t(&format!("stats-table-{}", table.name));
    let find = |outer: Option<(&str, &str)>, inner: Option<(&str, &str)>| {
        table.cells.iter().find(|c| {
            outer.is_none_or(|(d, v)| c.key.get(d).map(String::as_str) == Some(v))
                && inner.is_none_or(|(d, v)| c.key.get(d).map(String::as_str) == Some(v))
        })
    };
    let view = |c: Option<&Cell>| match c {
        Some(c) => CellView { text: cell_text(ctx, c), suppressed: c.suppressed },
        None => CellView { text: "—".to_owned(), suppressed: false },
    };
    let (row_header, columns, rows) = match table.dimensions.as_slice() {
        [] => (
            ctx.t("stats-col-children"),
            vec![ctx.t("stats-col-value")],
            vec![RowView { label: ctx.t("stats-all-children"), cells: vec![view(table.cells.first())] }],
        ),
        [one] => {
            let rows = values_of(table, one)
                .iter()
                .map(|v| RowView { label: value_label(ctx, one, v), cells: vec![view(find(Some((one, v)), None))] })
                .collect();
            (ctx.t(&format!("stats-dim-{one}")), vec![ctx.t("stats-col-value")], rows)
        }
        [outer, inner, ..] => {
            let inner_values = values_of(table, inner);
            let columns = inner_values.iter().map(|v| value_label(ctx, inner, v)).collect();
            let rows = values_of(table, outer)
                .iter()
                .map(|o| RowView {
                    label: value_label(ctx, outer, o),
                    cells: inner_values.iter().map(|i| view(find(Some((outer, o)), Some((inner, i))))).collect(),
                })
                .collect();
            (ctx.t(&format!("stats-dim-{outer}")), columns, rows)
        }
    };
    let chart = (!table.dimensions.is_empty()).then(|| chart_view(ctx, table, &title));
    TableView {
        name: table.name.clone(),
        title,
        row_header,
        columns,
        rows,
        chart,
        has_suppressed: table.cells.iter().any(|c| c.suppressed),
        crossing: table.dimensions.len() > 1,
    }
}

/// Horizontal bars, one group per value of the first dimension and one bar per value of the
/// second (a single bar for one-way tables), each with its 95% interval. Geometry is in SVG
/// attributes: the policy allows no inline style.
fn chart_view(ctx: &Ctx, table: &Table, title: &str) -> ChartView {
    const WIDTH: u32 = 640;
    const PLOT_X: u32 = 210;
    const SCALE_PX: u32 = 300;
    const TOP: u32 = 8;
    let outer = table.dimensions.first().map(String::as_str).unwrap_or_default();
    let inner = table.dimensions.get(1).map(String::as_str);
    let outer_values = values_of(table, outer);
    let inner_values = inner.map(|d| values_of(table, d)).unwrap_or_default();
    let per_group = inner_values.len().max(1);
    let (bar_h, pitch, gap) = if inner.is_some() { (12, 14, 10) } else { (18, 26, 0) };
    let (top, step) = nice_scale(published_max(table.cells.iter()));
    let px = |v: f64| -> u32 {
        // The ratio is within 0..=1, so the product fits in a u32.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let p = (v.max(0.0) / top * f64::from(SCALE_PX)).round() as u32;
        p.min(SCALE_PX)
    };
    let mut labels = Vec::new();
    let mut bars = Vec::new();
    let mut y = TOP;
    for o in &outer_values {
        let group_top = y;
        for (series, i) in (0..per_group).map(|s| (s, inner_values.get(s))) {
            let cell = table
                .cells
                .iter()
                .find(|c| c.key.get(outer) == Some(o) && i.is_none_or(|i| inner.and_then(|d| c.key.get(d)) == Some(i)));
            let Some(cell) = cell else { continue };
            let label = match (inner, i) {
                (Some(d), Some(i)) => format!("{} · {}", value_label(ctx, outer, o), value_label(ctx, d, i)),
                _ => value_label(ctx, outer, o),
            };
            let text = cell_text(ctx, cell);
            let (width, interval, text_x) = match cell.value {
                #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
                Some(v) => {
                    let v = v as f64;
                    let (lo, hi) = (px(v - cell.margin_95), px(v + cell.margin_95));
                    (px(v), (lo, hi), PLOT_X + hi.max(px(v)) + 6)
                }
                None => (0, (0, 0), PLOT_X + 6),
            };
            bars.push(BarView {
                y,
                width,
                height: bar_h,
                series,
                suppressed: cell.suppressed,
                interval,
                text_x,
                title: labelled(ctx.lang, &label, &text),
                text,
            });
            y += pitch;
        }
        labels.push((group_top + (y - group_top) / 2, value_label(ctx, outer, o)));
        y += gap;
    }
    let axis_y = y + 2;
    let ticks = (0..=10u32)
        .map(|k| step * f64::from(k))
        .take_while(|v| *v <= top + step / 2.0)
        .map(|v| (PLOT_X + px(v), number(ctx.lang, v, 0)))
        .collect();
    let legend = match inner {
        Some(d) => inner_values.iter().enumerate().map(|(s, v)| (s, value_label(ctx, d, v))).collect(),
        None => Vec::new(),
    };
    ChartView {
        id: table.name.replace('_', "-"),
        title: title.to_owned(),
        desc: ctx.t("stats-chart-desc"),
        width: WIDTH,
        height: axis_y + 22,
        plot_x: PLOT_X,
        axis_y,
        labels,
        bars,
        ticks,
        legend,
    }
}

/// The end of the axis and the step between its ticks: a round step (1, 2 or 5 times a power
/// of ten) giving at most five intervals, so that the ticks read as plain numbers.
fn nice_scale(max: f64) -> (f64, f64) {
    let max = max.max(1.0);
    let raw = max / 5.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(max).max(1.0);
    ((max / step).ceil() * step, step)
}

/// The largest published value plus its margin (0 when everything is suppressed).
fn published_max<'a>(cells: impl Iterator<Item = &'a Cell>) -> f64 {
    #[allow(clippy::cast_precision_loss, reason = "counts are far below 2^52")]
    cells.filter_map(|c| c.value.map(|v| v as f64 + c.margin_95)).fold(0.0, f64::max)
}

// ----- the map -----

/// Each region's place on a schematic tile map: (code, column, row, columns spanned). Drawn
/// for this page, roughly west to east and north to south; not to scale.
const TILES: [(&str, u32, u32, u32); 17] = [
    ("10", 0, 0, 5),
    ("08", 0, 1, 1),
    ("02", 3, 1, 1),
    ("09", 4, 1, 2),
    ("07", 0, 2, 1),
    ("15", 1, 2, 1),
    ("04", 2, 2, 1),
    ("03", 3, 2, 1),
    ("01", 4, 2, 1),
    ("11", 5, 2, 1),
    ("13", 1, 3, 1),
    ("14", 2, 3, 1),
    ("17", 3, 3, 1),
    ("12", 4, 3, 1),
    ("06", 1, 4, 1),
    ("16", 2, 4, 1),
    ("05", 3, 4, 1),
];

/// A region's name on at most two lines, broken at its en dash, or else at the hyphen or
/// space nearest the middle.
fn split_name(name: &str) -> Vec<String> {
    if name.chars().count() <= 15 {
        return vec![name.to_owned()];
    }
    let chars: Vec<char> = name.chars().collect();
    let middle = chars.len() / 2;
    // An en dash joins two places (Saguenay–Lac-Saint-Jean): the natural break.
    let best = chars.iter().position(|c| *c == '–').or_else(|| {
        chars
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, '-' | ' '))
            .min_by_key(|(i, _)| i.abs_diff(middle))
            .map(|(i, _)| i)
    });
    match best {
        Some(i) => {
            let keep_dash = chars[i] != ' ';
            let first: String = chars[..if keep_dash { i + 1 } else { i }].iter().collect();
            let second: String = chars[i + 1..].iter().collect();
            vec![first, second]
        }
        None => vec![name.to_owned()],
    }
}

/// Five classes of equal width from the suppression threshold to the largest value.
fn class_edges(max: u64) -> [u64; 6] {
    let lo = SUPPRESSION_THRESHOLD;
    let span = max.max(lo) + 1 - lo;
    let mut edges = [lo; 6];
    for (k, e) in edges.iter_mut().enumerate().skip(1) {
        *e = lo + (span * k as u64).div_ceil(5);
    }
    edges
}

fn map_view(ctx: &Ctx, table: &Table) -> MapView {
    const W: u32 = 124;
    const H: u32 = 66;
    const GAP: u32 = 4;
    let region = |code: &str| table.cells.iter().find(|c| c.key.get("region").map(String::as_str) == Some(code));
    let max = table.cells.iter().filter_map(|c| c.value).max().unwrap_or(SUPPRESSION_THRESHOLD);
    let edges = class_edges(max);
    let tiles = TILES
        .iter()
        .map(|&(code, col, row, span)| {
            let name = code.parse::<passerelle_core::region::Region>().map_or(code, |r| r.name(ctx.lang.code()));
            let cell = region(code);
            let (class, suppressed, value) = match cell {
                Some(c) if c.suppressed || c.value.is_none() => {
                    ("map-suppressed".to_owned(), true, ctx.t("stats-suppressed"))
                }
                Some(c) => {
                    let v = c.value.unwrap_or_default();
                    let k = (1..=5).find(|&k| v < edges[k]).unwrap_or(5);
                    (format!("map-c{k}"), false, cell_text(ctx, c))
                }
                None => ("map-none".to_owned(), false, "—".to_owned()),
            };
            let (x, y) = (col * (W + GAP), row * (H + GAP));
            TileView {
                x,
                y,
                width: span * W + (span - 1) * GAP,
                height: H,
                class,
                suppressed,
                code: code.to_owned(),
                lines: split_name(name).into_iter().zip([y + 30, y + 43]).map(|(l, at)| (at, l)).collect(),
                value_y: y + H - 8,
                title: labelled(ctx.lang, &format!("{name} ({code})"), &value),
                value,
            }
        })
        .collect();
    let mut legend: Vec<(String, String)> = (1..=5)
        .map(|k| {
            let (a, b) = (edges[k - 1], edges[k].saturating_sub(1));
            let text = if a <= b { format!("{a} – {b}") } else { "—".to_owned() };
            (format!("map-c{k}"), text)
        })
        .collect();
    legend.push(("map-suppressed".to_owned(), ctx.t("stats-map-suppressed")));
    let unknown = region("unknown").map_or_else(|| "—".to_owned(), |c| cell_text(ctx, c));
    MapView { width: 6 * (W + GAP), height: 5 * (H + GAP), tiles, legend, unknown }
}

fn parse_document(stored: &Stored) -> Result<Publication, AppError> {
    serde_json::from_str(&stored.document).map_err(|_| {
        tracing::error!("a stored publication does not parse");
        AppError::Internal("publication")
    })
}

fn publication_view(ctx: &Ctx, stored: &Stored) -> Result<PublicationView, AppError> {
    let doc = parse_document(stored)?;
    let total = doc
        .tables
        .iter()
        .find(|t| t.dimensions.is_empty())
        .and_then(|t| t.cells.first())
        .map(|c| cell_text(ctx, c))
        .unwrap_or_default();
    let margin = doc.tables.first().and_then(|t| t.cells.first()).map(|c| number(ctx.lang, c.margin_95, 1));
    let map = doc.tables.iter().find(|t| t.name == "by_region").map(|t| map_view(ctx, t));
    Ok(PublicationView {
        id: stored.id.to_string(),
        period: stored.period.clone(),
        created: ctx.when(&stored.created_at),
        epsilon: number(ctx.lang, stored.epsilon, 4),
        margin: margin.unwrap_or_default(),
        total,
        suppressed_note: ctx.t1("stats-suppressed-note", "threshold", &SUPPRESSION_THRESHOLD.to_string()),
        tables: doc.tables.iter().filter(|t| !t.dimensions.is_empty()).map(|t| table_view(ctx, t)).collect(),
        map,
    })
}

fn budget_view(lang: Lang, b: &BudgetRow) -> BudgetView {
    BudgetView {
        period: b.period.clone(),
        total: number(lang, b.total, 4),
        spent: number(lang, b.spent, 4),
        remaining: number(lang, (b.total - b.spent).max(0.0), 4),
        total_raw: b.total,
        spent_raw: b.spent,
    }
}

// ----- the dashboard -----

#[derive(Template)]
#[template(path = "statistics.html")]
struct DashboardPage {
    ctx: Ctx,
    budget: BudgetView,
    history: Vec<(String, String, bool)>,
    current: Option<PublicationView>,
    epsilon: String,
    error: Option<String>,
    k: usize,
}

/// `?id=` picks an earlier publication.
#[derive(Debug, Deserialize)]
pub struct Pick {
    #[serde(default)]
    id: Option<String>,
}

async fn dashboard(
    state: &AppState,
    ctx: Ctx,
    pick: Option<&str>,
    epsilon: String,
    error: Option<String>,
) -> PageResult {
    let list = state.store.publications(HISTORY).await?;
    let chosen = match pick.filter(|p| !p.is_empty()) {
        Some(p) => {
            let id: Uuid = p.parse().map_err(|_| AppError::NotFound)?;
            Some(list.iter().find(|s| s.id == id).ok_or(AppError::NotFound)?)
        }
        None => list.first(),
    };
    let current = chosen.map(|s| publication_view(&ctx, s)).transpose()?;
    let history = list
        .iter()
        .map(|s| {
            let label = ctx.t1("stats-history-item", "epsilon", &number(ctx.lang, s.epsilon, 4));
            (s.id.to_string(), format!("{} · {} · {label}", ctx.when(&s.created_at), s.period), Some(s) == chosen)
        })
        .collect();
    let budget = budget_view(ctx.lang, &statistics::current_budget(&state.store).await?);
    render(&DashboardPage { ctx, budget, history, current, epsilon, error, k: K_ANONYMITY })
}

/// `GET /statistics`: the latest publication (or `?id=`), the year's budget, the form to
/// publish.
pub async fn show(State(state): State<AppState>, ctx: Ctx, who: Signed, Query(q): Query<Pick>) -> PageResult {
    require_analyst(&state, &who).await?;
    dashboard(&state, ctx, q.id.as_deref(), String::new(), None).await
}

/// The publish form.
#[derive(Debug, Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    epsilon: String,
}

/// `POST /statistics/publish`: spends ε from the current year's budget and records the
/// publication, as `passerelle stats publish` does; a refusal spends nothing and says why.
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    who: Signed,
    Form(form): Form<PublishForm>,
) -> PageResult {
    require_analyst(&state, &who).await?;
    // A French decimal comma is the same number.
    let typed = form.epsilon.trim().replace(',', ".");
    let refused = match parse_epsilon(&typed) {
        Err(_) => Some(ctx.t("stats-error-epsilon-invalid")),
        Ok(epsilon) => match statistics::publish_now(&state.store, epsilon).await? {
            Ok(spend) => {
                let id = format!("epsilon {}", spend.epsilon);
                audit(
                    &state,
                    entry(Some(who.user()), "stats.publish", "publication", Some(id), None, Outcome::Success),
                )
                .await?;
                return Ok(see_other("/statistics?notice=stats-published"));
            }
            Err(PublishError::Budget(BudgetError::Exceeded { remaining, .. })) => {
                Some(ctx.t1("stats-error-epsilon-exceeded", "remaining", &number(ctx.lang, remaining, 4)))
            }
            Err(PublishError::Budget(BudgetError::NotANumber(_) | BudgetError::InvalidEpsilon(_))) => {
                Some(ctx.t("stats-error-epsilon-invalid"))
            }
            Err(PublishError::Mechanism(_)) => Some(ctx.t("stats-error-epsilon-range")),
            Err(_) => None,
        },
    };
    let Some(message) = refused else { return Err(AppError::Internal("publish")) };
    audit(&state, entry(Some(who.user()), "stats.publish", "publication", None, None, Outcome::Failure)).await?;
    let kept: String = form.epsilon.chars().take(40).collect();
    dashboard(&state, ctx, None, kept, Some(message)).await
}

// ----- downloads -----

async fn stored(state: &AppState, id: &str) -> Result<Stored, AppError> {
    let id: Uuid = id.parse().map_err(|_| AppError::NotFound)?;
    state.store.publications(HISTORY).await?.into_iter().find(|s| s.id == id).ok_or(AppError::NotFound)
}

/// The CSV of a publication: one line per cell, a column per dimension (empty when the table
/// does not break children down by it).
pub fn publication_csv(doc: &Publication) -> String {
    let mut header = vec!["table"];
    header.extend(DIMENSIONS);
    header.extend(["value", "suppressed", "margin_95"]);
    let rows: Vec<Vec<String>> = doc
        .tables
        .iter()
        .flat_map(|t| {
            t.cells.iter().map(move |c| {
                let mut row = vec![t.name.clone()];
                row.extend(DIMENSIONS.iter().map(|d| c.key.get(*d).cloned().unwrap_or_default()));
                row.push(c.value.map(|v| v.to_string()).unwrap_or_default());
                row.push(c.suppressed.to_string());
                row.push(c.margin_95.to_string());
                row
            })
        })
        .collect();
    passerelle_stats::csv::document(&header, &rows)
}

fn attachment(body: String, filename: &str) -> axum::response::Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    // The name is built from digits, letters and dashes only.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `GET /statistics/{id}/csv`.
pub async fn csv(State(state): State<AppState>, who: Signed, Path(id): Path<String>) -> PageResult {
    require_analyst(&state, &who).await?;
    let s = stored(&state, &id).await?;
    let doc = parse_document(&s)?;
    let mut name = String::new();
    let _ = write!(name, "passerelle-statistiques-{}-{}.csv", s.period, s.created_at.date());
    Ok(attachment(publication_csv(&doc), &name))
}

#[derive(Template)]
#[template(path = "statistics_report.html")]
struct ReportPage {
    ctx: Ctx,
    p: PublicationView,
    threshold: String,
}

/// `GET /statistics/{id}/report`: a printable page with the method in plain words.
pub async fn report(State(state): State<AppState>, ctx: Ctx, who: Signed, Path(id): Path<String>) -> PageResult {
    require_analyst(&state, &who).await?;
    let s = stored(&state, &id).await?;
    let p = publication_view(&ctx, &s)?;
    render(&ReportPage { ctx, p, threshold: SUPPRESSION_THRESHOLD.to_string() })
}

/// `GET /statistics/htcds.csv`: every distinct child as a k-anonymous HTCDS row.
pub async fn htcds_csv(State(state): State<AppState>, who: Signed) -> PageResult {
    require_analyst(&state, &who).await?;
    let children = statistics::children(&state.store).await?;
    let export = htcds::export(&children, K_ANONYMITY);
    let detail = format!(
        "k {K_ANONYMITY}, rows {}, generalized {}, dropped {}",
        export.rows.len(),
        export.generalized,
        export.dropped
    );
    audit(&state, entry(Some(who.user()), "stats.htcds", "export", Some(detail), None, Outcome::Success)).await?;
    let name = format!("passerelle-htcds-{}.csv", passerelle_core::time::now().date());
    Ok(attachment(export.to_csv(), &name))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use passerelle_stats::{OsRandom, PrivacyBudget, TABLES, publish};

    use super::*;
    use crate::i18n::I18n;

    #[test]
    fn every_dimension_value_and_table_has_a_label_in_both_languages() {
        let i18n = I18n::load().unwrap();
        let mut ids: Vec<String> = TABLES.iter().map(|t| format!("stats-table-{}", t.name)).collect();
        for spec in TABLES {
            for d in spec.dimensions {
                ids.push(format!("stats-dim-{}", d.name()));
                if !matches!(d.name(), "period") {
                    for v in d.values(2026).unwrap() {
                        if d.name() != "region" || v == "unknown" {
                            ids.push(format!("stats-v-{}-{v}", d.name()));
                        }
                    }
                }
            }
        }
        for lang in Lang::ALL {
            for id in &ids {
                assert!(i18n.has(lang, id), "{id} is missing in {}", lang.code());
            }
        }
    }

    #[test]
    fn the_csv_has_one_line_per_cell_and_every_dimension_column() {
        let release = publish(&[], &PrivacyBudget::new("2026", 3.0), 1.0, &mut OsRandom).unwrap();
        let text = publication_csv(&release.publication);
        let cells: usize = release.publication.tables.iter().map(|t| t.cells.len()).sum();
        let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines.len(), cells + 1);
        assert_eq!(
            lines[0],
            "table,region,age_band,gender,internal_external,exploitation,presenting_situation,referral_source,period,\
             value,suppressed,margin_95"
        );
        assert!(lines[1..].iter().all(|l| l.split(',').count() == 12), "{text}");
        assert!(lines.iter().any(|l| l.starts_with("by_age_band,,0-11,")));
    }

    #[test]
    fn numbers_follow_the_language_and_names_break_near_the_middle() {
        assert_eq!(number(Lang::Fr, 2.5, 4), "2,5");
        assert_eq!(number(Lang::En, 3.0, 4), "3");
        assert_eq!(number(Lang::En, 0.125, 4), "0.125");
        assert_eq!(split_name("Montréal"), ["Montréal"]);
        assert_eq!(split_name("Gaspésie–Îles-de-la-Madeleine"), ["Gaspésie–", "Îles-de-la-Madeleine"]);
        assert_eq!(split_name("Lower St. Lawrence"), ["Lower St.", "Lawrence"]);
    }

    #[test]
    fn chart_axes_end_on_round_numbers() {
        assert_eq!(nice_scale(415.0), (500.0, 100.0));
        assert_eq!(nice_scale(801.0), (1000.0, 200.0));
        assert_eq!(nice_scale(0.0), (1.0, 1.0));
        assert_eq!(nice_scale(47.0), (50.0, 10.0));
    }

    #[test]
    fn map_classes_cover_the_published_range() {
        let e = class_edges(54);
        assert_eq!(e[0], 5);
        assert_eq!(e[5], 55);
        assert!(e.windows(2).all(|w| w[0] <= w[1]));
        assert_eq!(class_edges(5), [5, 6, 6, 6, 6, 6]);
    }
}
