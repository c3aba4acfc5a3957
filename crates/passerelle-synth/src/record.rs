//! What each agency writes down about a child: the truth, through the small errors and
//! differences real records of the same person show.

use serde::{Deserialize, Serialize};

use crate::child::{LAST_DAY, Truth};
use crate::date::Date;
use crate::names::{self, Names};
use crate::org::{ORG_TYPES, Organization};
use crate::region::{self, REGIONS};
use crate::rng::Rng;

/// A difference between a record and the truth, as seen between records of the same child.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Variation {
    /// Given name and surname exchanged ("Tremblay Léa").
    NamesSwapped,
    /// A compound given name or surname cut to one part ("Marie-Ève" → "Marie",
    /// "Gagnon-Tremblay" → "Tremblay", "El Amrani" → "Amrani").
    CompoundShortened,
    /// A hyphen written as a space, or the reverse ("Marie Ève", "El-Amrani").
    HyphenReplaced,
    /// Accents left out ("Lea Cote").
    AccentsDropped,
    /// Capitals changed ("CÔTÉ", "léa côté").
    CaseChanged,
    /// Another surname: the other parent's, a new one, or a double surname.
    SurnameChanged,
    /// No date of birth (the age may be estimated, or unknown).
    DobMissing,
    /// Day and month exchanged; only when both readings are valid dates.
    DayMonthSwapped,
    /// One keyboard slip in a name: neighbour key, missing, doubled or swapped letter.
    Typo,
    /// The usual short form of the given name ("Alexandra" → "Alex").
    NicknameGiven,
}

impl Variation {
    /// Every kind.
    pub const ALL: [Variation; 10] = [
        Variation::NamesSwapped,
        Variation::CompoundShortened,
        Variation::HyphenReplaced,
        Variation::AccentsDropped,
        Variation::CaseChanged,
        Variation::SurnameChanged,
        Variation::DobMissing,
        Variation::DayMonthSwapped,
        Variation::Typo,
        Variation::NicknameGiven,
    ];
}

/// Relative weight of each kind among the variations a record receives; a kind that cannot
/// apply to the record at hand (no accent to drop, day above 12…) is left out of the draw.
pub const VARIATION_WEIGHTS: [(Variation, u32); 10] = [
    (Variation::Typo, 18),
    (Variation::AccentsDropped, 14),
    (Variation::DobMissing, 8),
    (Variation::CompoundShortened, 10),
    (Variation::CaseChanged, 7),
    (Variation::SurnameChanged, 4),
    (Variation::NicknameGiven, 7),
    (Variation::NamesSwapped, 3),
    (Variation::DayMonthSwapped, 5),
    (Variation::HyphenReplaced, 5),
];

/// How many variations the first record of a child gets: the first agency usually has the
/// child's own account, often with documents.
pub const FIRST_RECORD_VARIATIONS: [(usize, u32); 2] = [(0, 92), (1, 8)];
/// How many variations each later record gets.
pub const LATER_RECORD_VARIATIONS: [(usize, u32); 3] = [(0, 30), (1, 45), (2, 25)];
/// How many agencies know a child: about a third are known to two or more.
pub const RECORDS_PER_CHILD: [(usize, u32); 4] = [(1, 66), (2, 22), (3, 9), (4, 3)];

/// One agency's record of one child: what becomes a case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The child this is truly about (kept for scoring linkage; never stored with the case).
    pub child_id: u32,
    /// Index of the agency in [`crate::Population::organizations`].
    pub org_index: usize,
    /// Given name(s), as written by this agency.
    pub given_name: String,
    /// Family name(s), as written by this agency.
    pub surname: String,
    /// `YYYY-MM-DD`, when known.
    pub birth_date: Option<String>,
    /// Gender as recorded.
    pub gender: String,
    /// Age in years on `opened_on`, computed or estimated; `None` when unknown.
    pub age_at_identification: Option<i32>,
    /// Administrative region code as recorded.
    pub region: String,
    /// `"internal"`, `"external"`, or `None` when not yet assessed.
    pub trafficking_type: Option<String>,
    /// Forms of exploitation known to this agency.
    pub exploitation: Vec<String>,
    /// Immigration status as recorded.
    pub immigration_status: String,
    /// `yes`, `no` or `not_declared`.
    pub indigenous: String,
    /// Language codes.
    pub languages: Vec<String>,
    /// Other names recorded.
    pub aliases: Vec<String>,
    /// Phone numbers recorded (fictional).
    pub phones: Vec<String>,
    /// Social-media handles recorded (fictional).
    pub handles: Vec<String>,
    /// `YYYY-MM-DD`, the day the agency opened the record.
    pub opened_on: String,
    /// The differences from the truth applied, in order.
    pub variations: Vec<Variation>,
}

/// The organizations by type and region, to find quickly who serves a child.
pub(crate) struct Network {
    /// `by[type][region]`: indices of the organizations of that type serving that region.
    by: Vec<Vec<Vec<usize>>>,
    len: usize,
}

impl Network {
    pub(crate) fn new(orgs: &[Organization]) -> Self {
        let mut by = vec![vec![Vec::new(); REGIONS.len()]; ORG_TYPES.len()];
        for o in orgs {
            let Some(t) = ORG_TYPES.iter().position(|t| *t == o.org_type) else { continue };
            for r in o.regions.iter().filter_map(|r| region::index(r)) {
                by[t][r].push(o.index);
            }
        }
        Self { by, len: orgs.len() }
    }

    fn free(&self, t: usize, r: usize, used: &[usize]) -> Vec<usize> {
        self.by[t][r].iter().copied().filter(|o| !used.contains(o)).collect()
    }

    /// An agency of type `t` for a child of region `r`, not among `used`: in the region, or
    /// (with `roam`) in a neighbouring one, else the closest thing that exists.
    fn choose(&self, rng: &mut Rng, t: usize, r: usize, roam: bool, used: &[usize]) -> Option<usize> {
        let neighbours: Vec<usize> = REGIONS[r].neighbours.iter().filter_map(|n| region::index(n)).collect();
        if roam {
            let n = *rng.pick(&neighbours);
            let c = self.free(t, n, used);
            if !c.is_empty() {
                return Some(*rng.pick(&c));
            }
        }
        for region in std::iter::once(r).chain(neighbours.iter().copied()) {
            let c = self.free(t, region, used);
            if !c.is_empty() {
                return Some(*rng.pick(&c));
            }
        }
        // No such agency nearby (a school service in Gaspésie): the report goes to a public
        // body of the region instead.
        for core in 0..3 {
            let c = self.free(core, r, used);
            if !c.is_empty() {
                return Some(*rng.pick(&c));
            }
        }
        (0..self.len).find(|o| !used.contains(o))
    }
}

fn type_index(name: &str) -> usize {
    ORG_TYPES.iter().position(|t| *t == name).unwrap_or(0)
}

/// The kind of agency a child's situation first brings them to.
fn first_type(rng: &mut Rng, situation: &str) -> usize {
    let t: &str = match situation {
        "runaway" => rng.weighted::<&str>(&[("youth_protection", 50), ("police", 40), ("shelter", 10)]),
        "shelter" => rng.weighted::<&str>(&[("shelter", 80), ("community", 20)]),
        "health_visit" => "health_social_services",
        "school_concern" => rng.weighted::<&str>(&[("school", 60), ("youth_protection", 40)]),
        "family_report" => rng.weighted::<&str>(&[("youth_protection", 70), ("police", 30)]),
        _ => "police",
    };
    type_index(t)
}

/// The kind of agency a child reaches next: police, DPJ and shelters above all; a second
/// agency of a kind already involved only when the child has moved.
fn later_type(rng: &mut Rng, external: bool, used_types: &[usize]) -> usize {
    let base: [u32; 8] = [30, 24, 14, 15, 8, 3, if external { 10 } else { 2 }, 3];
    let mut weights = [(0usize, 0u32); 8];
    for (i, w) in base.into_iter().enumerate() {
        let w = if external && ORG_TYPES[i] == "immigration" { 25 } else { w };
        weights[i] = (i, if used_types.contains(&i) { (w / 5).max(1) } else { w });
    }
    *rng.weighted(&weights)
}

fn with_attribute_drift(rng: &mut Rng, rec: &mut Record, truth: &Truth) {
    let c = &truth.child;
    if c.gender != "not_declared" && rng.chance(0.03) {
        "not_declared".clone_into(&mut rec.gender);
    }
    if c.immigration_status != "unknown" && rng.chance(0.10) {
        "unknown".clone_into(&mut rec.immigration_status);
    }
    if c.indigenous != "not_declared" && rng.chance(0.15) {
        "not_declared".clone_into(&mut rec.indigenous);
    }
    if rec.languages.len() > 1 && rng.chance(0.20) {
        rec.languages.truncate(1);
    }
    if rng.chance(0.06) {
        rec.trafficking_type = None;
    }
    if rec.exploitation.len() > 1 && rng.chance(0.20) {
        let i = rng.index(rec.exploitation.len());
        rec.exploitation.remove(i);
    }
    if rng.chance(0.05) {
        let info = region::info(&c.region);
        (*rng.pick(info.neighbours)).clone_into(&mut rec.region);
    }
}

/// Each identifier the child has is given to a given agency only some of the time.
fn some_of(rng: &mut Rng, items: &[String], p: f64) -> Vec<String> {
    items.iter().filter(|_| rng.chance(p)).cloned().collect()
}

fn base_record(rng: &mut Rng, truth: &Truth, org_index: usize, opened: Date, later: bool) -> Record {
    let c = &truth.child;
    let mut rec = Record {
        child_id: c.id,
        org_index,
        given_name: c.given_name.clone(),
        surname: c.surname.clone(),
        birth_date: Some(c.birth_date.clone()),
        gender: c.gender.clone(),
        age_at_identification: Some(truth.birth.age_on(opened)),
        region: c.region.clone(),
        trafficking_type: Some(c.trafficking_type.clone()),
        exploitation: c.exploitation.clone(),
        immigration_status: c.immigration_status.clone(),
        indigenous: c.indigenous.clone(),
        languages: c.languages.clone(),
        aliases: some_of(rng, &c.aliases, 0.6),
        phones: some_of(rng, &c.phones, 0.5),
        handles: some_of(rng, &c.handles, 0.5),
        opened_on: opened.to_string(),
        variations: Vec::new(),
    };
    if later {
        with_attribute_drift(rng, &mut rec, truth);
    }
    rec
}

const KEYBOARD: [(char, &str); 26] = [
    ('a', "qwsz"),
    ('b', "vghn"),
    ('c', "xdfv"),
    ('d', "serfcx"),
    ('e', "wsdr"),
    ('f', "drtgvc"),
    ('g', "ftyhbv"),
    ('h', "gyujnb"),
    ('i', "ujko"),
    ('j', "huikmn"),
    ('k', "jiolm"),
    ('l', "kop"),
    ('m', "njk"),
    ('n', "bhjm"),
    ('o', "iklp"),
    ('p', "ol"),
    ('q', "wa"),
    ('r', "edft"),
    ('s', "awedxz"),
    ('t', "rfgy"),
    ('u', "yhji"),
    ('v', "cfgb"),
    ('w', "qase"),
    ('x', "zsdc"),
    ('y', "tghu"),
    ('z', "asx"),
];

fn neighbour_key(rng: &mut Rng, c: char) -> char {
    let base = names::strip_accent(c).to_ascii_lowercase();
    let near = KEYBOARD.iter().find(|(k, _)| *k == base).map_or("aeiou", |(_, n)| n);
    let chars: Vec<char> = near.chars().collect();
    let r = *rng.pick(&chars);
    if c.is_uppercase() { r.to_ascii_uppercase() } else { r }
}

/// One slip of the keyboard in `name`, never on a hyphen, space or apostrophe, and rarely on
/// the first letter (people get that one right).
fn typo(rng: &mut Rng, name: &str) -> Option<String> {
    let chars: Vec<char> = name.chars().collect();
    let letters: Vec<usize> = (0..chars.len()).filter(|&i| chars[i].is_alphabetic()).collect();
    if letters.len() < 3 {
        return None;
    }
    for _ in 0..6 {
        let inner: Vec<usize> = letters.iter().copied().filter(|&i| i > 0).collect();
        let i = if rng.chance(0.9) { *rng.pick(&inner) } else { letters[0] };
        let mut out = chars.clone();
        match rng.below(4) {
            0 => out[i] = neighbour_key(rng, chars[i]),
            1 => {
                out.remove(i);
            }
            2 => out.insert(i, chars[i].to_lowercase().next().unwrap_or(chars[i])),
            _ => {
                let Some(&j) = letters.iter().find(|&&j| j == i + 1) else { continue };
                let (a, b) = (chars[i], chars[j]);
                // Keep the capital where it was: "Tremblay" → "Tremblya", "Léa" → "Lae".
                let fix = |from: char, like: char| {
                    if like.is_uppercase() {
                        from.to_uppercase().next().unwrap_or(from)
                    } else {
                        from.to_lowercase().next().unwrap_or(from)
                    }
                };
                out[i] = fix(b, a);
                out[j] = fix(a, b);
            }
        }
        let s: String = out.into_iter().collect();
        if s != name {
            return Some(s);
        }
    }
    None
}

fn has_separator(s: &str) -> bool {
    s.contains(['-', ' '])
}

/// A compound name that can lose a part: not the "St-Pierre" kind, whose parts are not names.
fn shortenable(s: &str) -> bool {
    has_separator(s) && !["St-", "Ste-", "Saint-"].iter().any(|p| s.starts_with(p))
}

fn shorten(rng: &mut Rng, s: &str) -> String {
    let parts: Vec<&str> = s.split(['-', ' ']).filter(|p| p.chars().count() >= 2).collect();
    match parts.as_slice() {
        [] => s.to_owned(),
        [only] => (*only).to_owned(),
        [first, .., last] => (if rng.chance(0.6) { *first } else { *last }).to_owned(),
    }
}

fn applicable(v: Variation, rec: &Record) -> bool {
    let names = [&rec.given_name, &rec.surname];
    match v {
        Variation::NamesSwapped | Variation::SurnameChanged => true,
        Variation::CompoundShortened => names.iter().any(|n| shortenable(n)),
        Variation::HyphenReplaced => names.iter().any(|n| has_separator(n)),
        Variation::AccentsDropped => names.iter().any(|n| names::has_accent(n)),
        Variation::CaseChanged => names.iter().any(|n| n.chars().any(char::is_lowercase)),
        Variation::DobMissing => rec.birth_date.is_some(),
        Variation::DayMonthSwapped => {
            rec.birth_date.as_deref().and_then(Date::parse).is_some_and(|d| d.day() <= 12 && d.day() != d.month())
        }
        Variation::Typo => names.iter().any(|n| n.chars().filter(|c| c.is_alphabetic()).count() >= 3),
        Variation::NicknameGiven => names::has_nickname(&rec.given_name),
    }
}

/// One field among those where `ok` holds, the given name and the surname equally likely.
fn field<'a>(rng: &mut Rng, rec: &'a mut Record, ok: impl Fn(&str) -> bool) -> Option<&'a mut String> {
    match (ok(&rec.given_name), ok(&rec.surname)) {
        (true, true) if rng.chance(0.5) => Some(&mut rec.given_name),
        (true, _) => Some(&mut rec.given_name),
        (false, true) => Some(&mut rec.surname),
        (false, false) => None,
    }
}

struct Context<'a> {
    names: &'a Names,
    truth: &'a Truth,
    opened: Date,
}

fn apply(rng: &mut Rng, v: Variation, rec: &mut Record, cx: &Context<'_>) {
    match v {
        Variation::NamesSwapped => std::mem::swap(&mut rec.given_name, &mut rec.surname),
        Variation::CompoundShortened => {
            if let Some(f) = field(rng, rec, shortenable) {
                *f = shorten(rng, f);
            }
        }
        Variation::HyphenReplaced => {
            if let Some(f) = field(rng, rec, has_separator) {
                *f = if f.contains('-') { f.replace('-', " ") } else { f.replace(' ', "-") };
            }
        }
        Variation::AccentsDropped => {
            // Systems without accents drop them everywhere at once.
            rec.given_name = names::strip_accents(&rec.given_name);
            rec.surname = names::strip_accents(&rec.surname);
        }
        Variation::CaseChanged => match rng.below(5) {
            0..3 if rec.surname.chars().any(char::is_lowercase) => rec.surname = rec.surname.to_uppercase(),
            3 => {
                rec.given_name = rec.given_name.to_lowercase();
                rec.surname = rec.surname.to_lowercase();
            }
            _ => {
                rec.given_name = rec.given_name.to_uppercase();
                rec.surname = rec.surname.to_uppercase();
            }
        },
        Variation::SurnameChanged => {
            let other = cx.names.other_surname(rng, cx.truth.origin, &rec.surname);
            rec.surname = if !has_separator(&rec.surname) && rng.chance(0.3) {
                if rng.chance(0.5) { format!("{}-{other}", rec.surname) } else { format!("{other}-{}", rec.surname) }
            } else {
                other
            };
        }
        Variation::DobMissing => {
            rec.birth_date = None;
            // Without a date the worker estimates the age, usually right, sometimes a year off.
            let age = cx.truth.birth.age_on(cx.opened);
            rec.age_at_identification = match rng.below(20) {
                0..15 => Some(age),
                15 => Some(age - 1),
                16..18 => Some((age + 1).min(17)),
                _ => None,
            };
        }
        Variation::DayMonthSwapped => {
            if let Some(d) = rec.birth_date.as_deref().and_then(Date::parse)
                && let Some(swapped) = Date::new(d.year(), d.day(), d.month())
            {
                rec.birth_date = Some(swapped.to_string());
            }
        }
        Variation::Typo => {
            if let Some(f) = field(rng, rec, |n| n.chars().filter(|c| c.is_alphabetic()).count() >= 3)
                && let Some(t) = typo(rng, f)
            {
                *f = t;
            }
        }
        Variation::NicknameGiven => {
            if let Some(n) = names::nickname(rng, &rec.given_name) {
                rec.given_name = n;
            }
        }
    }
}

/// A date swapped and then lost would list a difference no one can see.
fn excluded(v: Variation, done: &[Variation]) -> bool {
    let dob = [Variation::DobMissing, Variation::DayMonthSwapped];
    dob.contains(&v) && done.iter().any(|d| dob.contains(d))
}

fn vary(rng: &mut Rng, rec: &mut Record, count: usize, cx: &Context<'_>) {
    for _ in 0..count {
        let options: Vec<(Variation, u32)> = VARIATION_WEIGHTS
            .iter()
            .copied()
            .filter(|(v, _)| !rec.variations.contains(v) && !excluded(*v, &rec.variations) && applicable(*v, rec))
            .collect();
        if options.is_empty() {
            return;
        }
        let v = *rng.weighted(&options);
        let before = (rec.given_name.clone(), rec.surname.clone(), rec.birth_date.clone());
        apply(rng, v, rec, cx);
        // Only a variation that changed something is listed, so the list can be trusted.
        if (rec.given_name.as_str(), rec.surname.as_str(), &rec.birth_date)
            != (before.0.as_str(), before.1.as_str(), &before.2)
        {
            rec.variations.push(v);
        }
    }
    // Two variations can undo each other ("Chaoui" → "Cherif-Chaoui" → "Chaoui"): then the
    // record is, after all, faithful to the truth, and must not claim otherwise.
    let c = &cx.truth.child;
    if rec.given_name == c.given_name && rec.surname == c.surname {
        rec.variations.retain(|v| matches!(v, Variation::DobMissing | Variation::DayMonthSwapped));
    }
}

/// The records of one child, with the day each was opened (for ordering), appended to `out`.
pub(crate) fn records_of(rng: &mut Rng, truth: &Truth, net: &Network, names: &Names, out: &mut Vec<(i32, Record)>) {
    let child = &truth.child;
    let count = *rng.weighted(&RECORDS_PER_CHILD);
    let r = region::index(&child.region).unwrap_or(5);
    let external = child.trafficking_type == "external";
    // Later agencies open their record within five months, before the child turns 18 and
    // before the end of the period.
    let start = truth.identified.to_days();
    let last = (start + 150).min(truth.birth.plus_years(18).to_days() - 1).min(LAST_DAY.to_days());
    let mut used: Vec<usize> = Vec::with_capacity(count);
    let mut used_types: Vec<usize> = Vec::with_capacity(count);
    let mut opened_days: Vec<i32> = (1..count).map(|_| rng.between(start, last)).collect();
    opened_days.sort_unstable();
    for k in 0..count {
        let later = k > 0;
        let t =
            if later { later_type(rng, external, &used_types) } else { first_type(rng, &child.presenting_situation) };
        let roam = later && rng.chance(0.2);
        let Some(org) = net.choose(rng, t, r, roam, &used) else { break };
        used.push(org);
        used_types.push(t);
        let day = if later { opened_days[k - 1] } else { start };
        let opened = Date::from_days(day);
        let mut rec = base_record(rng, truth, org, opened, later);
        let n = *rng.weighted(if later { &LATER_RECORD_VARIATIONS[..] } else { &FIRST_RECORD_VARIATIONS[..] });
        vary(rng, &mut rec, n, &Context { names, truth, opened });
        out.push((day, rec));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_change_one_letter_and_keep_separators() {
        let mut rng = Rng::new(5);
        for _ in 0..2_000 {
            let t = typo(&mut rng, "Marie-Ève").unwrap();
            assert_ne!(t, "Marie-Ève");
            assert_eq!(t.matches('-').count(), 1, "{t}");
            let len = t.chars().count();
            assert!((8..=10).contains(&len), "{t}");
        }
        assert!(typo(&mut rng, "Vy").is_none());
    }

    #[test]
    fn shortening_keeps_a_real_part() {
        let mut rng = Rng::new(6);
        for _ in 0..100 {
            let s = shorten(&mut rng, "Gagnon-Tremblay");
            assert!(s == "Gagnon" || s == "Tremblay");
        }
        assert!(!shortenable("St-Pierre") && shortenable("El Amrani") && !shortenable("Côté"));
    }
}
