#![allow(clippy::unwrap_used, clippy::cast_precision_loss)]

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use passerelle_synth::date::Date;
use passerelle_synth::{
    EXPLOITATION, ORG_TYPES, PRESENTING_SITUATIONS, Population, REGION_WEIGHTS, Variation, generate,
};

static TEN_K: LazyLock<Population> = LazyLock::new(|| generate(20_240_601, 10_000));

fn share<T>(items: &[T], f: impl Fn(&T) -> bool) -> f64 {
    items.iter().filter(|x| f(x)).count() as f64 / items.len() as f64
}

fn records_by_child(p: &Population) -> Vec<Vec<usize>> {
    let mut by = vec![Vec::new(); p.children.len()];
    for (i, r) in p.records.iter().enumerate() {
        by[r.child_id as usize].push(i);
    }
    by
}

#[test]
fn same_seed_same_population_other_seed_other_population() {
    let a = generate(7, 2_000);
    assert_eq!(a, generate(7, 2_000));
    let b = generate(8, 2_000);
    assert_ne!(a.children, b.children);
    assert_ne!(a.records, b.records);
    let same_names = a.children.iter().zip(&b.children).filter(|(x, y)| x.given_name == y.given_name).count();
    assert!(same_names < 400, "seeds must give independent draws, {same_names} equal given names");
}

#[test]
fn a_smaller_population_is_a_prefix_of_a_larger_one() {
    let small = generate(11, 300);
    let large = generate(11, 3_000);
    assert_eq!(small.children[..], large.children[..300]);
}

#[test]
fn about_a_third_of_children_are_known_to_several_agencies() {
    let p = &*TEN_K;
    let by = records_by_child(p);
    assert!(by.iter().all(|r| (1..=4).contains(&r.len())), "every child has 1 to 4 records");
    let several = share(&by, |r| r.len() >= 2);
    assert!((0.28..=0.40).contains(&several), "{several}");
    let ratio = p.records.len() as f64 / p.children.len() as f64;
    assert!((1.45..=1.60).contains(&ratio), "{ratio}");
    let summary = p.summary();
    assert_eq!((summary.children, summary.child_records, summary.cases), (10_000, p.records.len(), p.records.len()));
}

#[test]
fn no_child_is_recorded_twice_by_one_agency_and_agencies_are_local() {
    let p = &*TEN_K;
    let neighbours_or_same = |org: usize, region: &str| p.organizations[org].regions.iter().any(|r| r == region);
    let mut local = 0;
    for records in records_by_child(p) {
        let orgs: HashSet<usize> = records.iter().map(|&i| p.records[i].org_index).collect();
        assert_eq!(orgs.len(), records.len());
        for &i in &records {
            let r = &p.records[i];
            assert!(r.org_index < p.organizations.len());
            if neighbours_or_same(r.org_index, &p.children[r.child_id as usize].region) {
                local += 1;
            }
        }
    }
    let local_share = f64::from(local) / p.records.len() as f64;
    assert!(local_share > 0.8, "most records are held in the child's own region: {local_share}");
}

#[test]
fn demographics_follow_the_targets() {
    let c = &TEN_K.children;
    let girls = share(c, |x| x.gender == "girl");
    let boys = share(c, |x| x.gender == "boy");
    let other = share(c, |x| x.gender == "non_binary" || x.gender == "not_declared");
    assert!((0.88..=0.94).contains(&girls), "{girls}");
    assert!((0.04..=0.08).contains(&boys), "{boys}");
    assert!((0.01..=0.05).contains(&other), "{other}");
    assert!(c.iter().all(|x| ["girl", "boy", "non_binary", "not_declared"].contains(&x.gender.as_str())));

    let internal = share(c, |x| x.trafficking_type == "internal");
    assert!((0.93..=0.97).contains(&internal), "{internal}");
    assert!(c.iter().all(|x| x.trafficking_type == "internal" || x.trafficking_type == "external"));
    assert!(c.iter().all(|x| x.trafficking_type == "internal" || x.immigration_status != "citizen"));

    let total: u32 = REGION_WEIGHTS.iter().map(|(_, w)| w).sum();
    for (code, w) in REGION_WEIGHTS {
        let target = f64::from(w) / f64::from(total);
        let got = share(c, |x| x.region == code);
        assert!((got - target).abs() < 0.015, "region {code}: {got} against {target}");
    }
    assert!(share(c, |x| x.region == "06") > share(c, |x| x.region == "16"));
    assert!(share(c, |x| x.region == "10") > 0.0, "even the smallest region has children");

    let sexual = share(c, |x| x.exploitation.iter().any(|e| e.starts_with("sexual")));
    assert!((0.88..=0.96).contains(&sexual), "{sexual}");
    let labour = share(c, |x| x.exploitation.iter().any(|e| !e.starts_with("sexual")));
    assert!((0.05..=0.15).contains(&labour), "{labour}");
    for x in c {
        assert!(!x.exploitation.is_empty());
        assert!(x.exploitation.iter().all(|e| EXPLOITATION.contains(&e.as_str())));
        assert!(PRESENTING_SITUATIONS.contains(&x.presenting_situation.as_str()));
        assert!(!x.languages.is_empty());
        assert!(["yes", "no", "not_declared"].contains(&x.indigenous.as_str()));
    }
}

#[test]
fn ages_at_identification_are_11_to_17_and_skewed_older() {
    let c = &TEN_K.children;
    let first = Date::new(2024, 1, 1).unwrap();
    let last = Date::new(2026, 9, 30).unwrap();
    let mut ages = HashMap::new();
    for x in c {
        let born = Date::parse(&x.birth_date).unwrap();
        let on = Date::parse(&x.identified_on).unwrap();
        assert!(first <= on && on <= last, "{}", x.identified_on);
        let age = born.age_on(on);
        assert!((11..=17).contains(&age), "{} on {}", x.birth_date, x.identified_on);
        *ages.entry(age).or_insert(0u32) += 1;
    }
    assert_eq!(ages.len(), 7, "every age from 11 to 17 occurs");
    let older = f64::from(ages[&16] + ages[&17]) / c.len() as f64;
    assert!((0.46..=0.54).contains(&older), "{older}");
}

#[test]
fn every_variation_kind_occurs_and_is_what_it_says() {
    let p = &*TEN_K;
    let mut counts: HashMap<Variation, usize> = HashMap::new();
    for r in &p.records {
        let child = &p.children[r.child_id as usize];
        for v in &r.variations {
            *counts.entry(*v).or_default() += 1;
        }
        assert!(r.variations.len() <= 2);
        let dob_varied = r.variations.iter().any(|v| matches!(v, Variation::DobMissing | Variation::DayMonthSwapped));
        if !dob_varied {
            assert_eq!(r.birth_date.as_deref(), Some(child.birth_date.as_str()));
        }
        if r.variations.contains(&Variation::DobMissing) {
            assert!(r.birth_date.is_none());
        }
        if r.variations.contains(&Variation::DayMonthSwapped) {
            let truth = Date::parse(&child.birth_date).unwrap();
            let swapped = Date::parse(r.birth_date.as_deref().unwrap()).unwrap();
            assert!(truth.day() <= 12 && truth.day() != truth.month());
            assert_eq!((swapped.year(), swapped.month(), swapped.day()), (truth.year(), truth.day(), truth.month()));
        }
        let names_varied =
            r.variations.iter().any(|v| !matches!(v, Variation::DobMissing | Variation::DayMonthSwapped));
        if names_varied {
            assert_ne!((&r.given_name, &r.surname), (&child.given_name, &child.surname), "{:?}", r.variations);
        } else {
            assert_eq!((&r.given_name, &r.surname), (&child.given_name, &child.surname));
        }
        if r.variations == [Variation::NamesSwapped] {
            assert_eq!((&r.given_name, &r.surname), (&child.surname, &child.given_name));
        }
        if r.variations == [Variation::AccentsDropped] {
            assert!(r.given_name.is_ascii() && r.surname.is_ascii());
        }
    }
    for v in Variation::ALL {
        let n = counts.get(&v).copied().unwrap_or(0);
        assert!(n >= 30, "{v:?} occurs only {n} times");
    }
}

#[test]
fn first_records_are_mostly_clean_later_ones_often_differ() {
    let p = &*TEN_K;
    let by = records_by_child(p);
    let firsts: Vec<usize> = by.iter().map(|r| r[0]).collect();
    let later: Vec<usize> = by.iter().flat_map(|r| r[1..].iter().copied()).collect();
    let clean_first = share(&firsts, |&i| p.records[i].variations.is_empty());
    let clean_later = share(&later, |&i| p.records[i].variations.is_empty());
    assert!(clean_first > 0.88, "{clean_first}");
    assert!((0.2..=0.45).contains(&clean_later), "{clean_later}");
    for r in &firsts {
        assert_eq!(p.records[*r].opened_on, p.children[p.records[*r].child_id as usize].identified_on);
    }
}

#[test]
fn records_are_ordered_dated_and_minors() {
    let p = &*TEN_K;
    let last = Date::new(2026, 9, 30).unwrap();
    let mut previous = Date::new(2000, 1, 1).unwrap();
    for r in &p.records {
        let opened = Date::parse(&r.opened_on).unwrap();
        assert!(previous <= opened, "records are in opening order");
        previous = opened;
        let child = &p.children[r.child_id as usize];
        assert!(Date::parse(&child.identified_on).unwrap() <= opened && opened <= last);
        if let Some(age) = r.age_at_identification {
            assert!((10..=17).contains(&age), "{age}");
        }
        if r.birth_date.is_some() {
            assert_eq!(r.age_at_identification, Some(Date::parse(&child.birth_date).unwrap().age_on(opened)));
        }
        for phone in &r.phones {
            assert_eq!(phone.len(), 12);
            assert!(phone[3..].starts_with("-555-01"), "{phone}");
        }
        assert!(r.handles.iter().all(|h| h.starts_with('@')));
        assert!(ORG_TYPES.contains(&p.organizations[r.org_index].org_type.as_str()));
    }
    assert!(p.records.iter().any(|r| !r.phones.is_empty()));
    assert!(p.records.iter().any(|r| !r.aliases.is_empty()));
    assert!(p.records.iter().any(|r| r.trafficking_type.is_none()));
    assert!(p.records.iter().any(|r| r.immigration_status == "unknown"));
}

#[test]
fn names_have_accents_hyphens_and_look_alikes() {
    let c = &TEN_K.children;
    assert!(c.iter().any(|x| x.given_name.contains('-')), "compound given names");
    assert!(c.iter().any(|x| x.surname.contains('-')), "compound surnames");
    assert!(c.iter().any(|x| x.surname.contains(' ')), "spaced surnames");
    assert!(c.iter().any(|x| !x.given_name.is_ascii()), "accented given names");
    assert!(c.iter().any(|x| !x.surname.is_ascii()), "accented surnames");
    assert!(c.iter().any(|x| x.surname == "Nguyen") && c.iter().any(|x| x.surname == "Jean-Baptiste"));

    let mut by_name: HashMap<(&str, &str), Vec<&str>> = HashMap::new();
    for x in c {
        by_name.entry((&x.given_name, &x.surname)).or_default().push(&x.birth_date);
    }
    let look_alikes = by_name.values().filter(|dobs| dobs.len() >= 2 && dobs.iter().any(|d| *d != dobs[0])).count();
    assert!(look_alikes >= 20, "only {look_alikes} names shared by different children");
    assert!(c.iter().filter(|x| x.given_name == "Léa" && x.surname == "Tremblay").count() >= 2);
}

#[test]
fn truth_pairs_join_exactly_the_records_of_one_child() {
    let p = generate(3, 3_000);
    let pairs = p.truth_pairs();
    let expected: usize = records_by_child(&p).iter().map(|r| r.len() * (r.len() - 1) / 2).sum();
    assert_eq!(pairs.len(), expected);
    assert!(pairs.iter().all(|&(i, j)| i < j && p.records[i].child_id == p.records[j].child_id));
    assert!(pairs.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn the_summary_is_the_contract_line() {
    let p = generate(1, 50);
    let json = serde_json::to_string(&p.summary()).unwrap();
    let expected = format!(
        r#"{{"children":50,"child_records":{},"cases":{},"organizations":{}}}"#,
        p.records.len(),
        p.records.len(),
        p.organizations.len()
    );
    assert_eq!(json, expected);
    assert_eq!(generate(1, 0).summary().child_records, 0);
}

#[test]
fn a_hundred_thousand_children_including_leap_day_births() {
    let p = generate(99, 100_000);
    assert_eq!(p.children.len(), 100_000);
    assert!((1.45..=1.60).contains(&(p.records.len() as f64 / 1e5)));
    assert!((20..=60).contains(&p.organizations.len()));
    let leap: Vec<_> = p.children.iter().filter(|c| c.birth_date.ends_with("-02-29")).collect();
    assert!(!leap.is_empty(), "Feb 29 births occur in 100k children");
    for c in leap {
        let born = Date::parse(&c.birth_date).unwrap();
        assert!(passerelle_synth::date::is_leap(born.year()));
        let age = born.age_on(Date::parse(&c.identified_on).unwrap());
        assert!((11..=17).contains(&age));
    }
    for r in &p.records {
        if let Some(d) = &r.birth_date {
            assert!(Date::parse(d).is_some(), "{d}");
        }
    }
}
