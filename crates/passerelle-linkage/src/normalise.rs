//! Plaintext standardisation before encoding. Two agencies type the same child's name with
//! and without accents, in capitals or not, with a hyphen or a space; the encoding can only
//! tolerate what survives this step, so everything that is a spelling convention rather than
//! a difference in the name is removed here.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// At most this many parts per name field are kept: a longer "name" is almost certainly a
/// data-entry error (notes typed into the field), and the cap bounds the encoding work.
pub const MAX_PARTS: usize = 6;

/// Splits a name into its folded parts: lower case, accents removed (canonical
/// decomposition, combining marks dropped), ligatures and special letters spelt out, and
/// every run of characters that are not letters or digits (hyphens, apostrophes, spaces,
/// dots) treated as one separator.
///
/// `"Marie-Ève  D'Amour"` gives `["marie", "eve", "d", "amour"]`. An empty result means the
/// field is missing.
pub fn name_parts(value: &str) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    let mut cur = String::new();
    // Lowercasing first: some lowercase forms decompose further (e.g. 'İ' → "i\u{307}").
    for c in value.chars().flat_map(char::to_lowercase).nfd() {
        if is_combining_mark(c) {
            continue;
        }
        match fold_special(c) {
            Some(s) => cur.push_str(s),
            None if c.is_alphanumeric() => cur.push(c),
            None => {
                if !cur.is_empty() {
                    parts.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        parts.push(cur);
    }
    parts.truncate(MAX_PARTS);
    parts
}

/// Letters that canonical decomposition leaves alone but that writers routinely replace by
/// their ASCII spelling (Øyvind/Oyvind, Łukasz/Lukasz, Straße/Strasse).
fn fold_special(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        'ø' => "o",
        'ł' | 'ŀ' => "l",
        'đ' | 'ð' => "d",
        'þ' => "th",
        'ı' => "i",
        'ĳ' => "ij",
        'ħ' => "h",
        'ŧ' => "t",
        'ŋ' => "n",
        _ => return None,
    })
}

/// A calendar date `(year, month, day)`.
pub type Date = (u16, u8, u8);

/// Parses `YYYY-MM-DD` strictly (surrounding spaces allowed): exactly four, two and two
/// digits and a real calendar date between 1850 and 2199. Anything else is `None` and the
/// date is treated as missing: a wrong date would wrongly count as evidence against a match.
pub fn parse_date(value: &str) -> Option<Date> {
    let b = value.trim().as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |s: &[u8]| -> Option<u16> {
        s.iter().try_fold(0u16, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u16::from(c - b'0')))
    };
    let y = num(&b[0..4])?;
    let m = u8::try_from(num(&b[5..7])?).ok()?;
    let d = u8::try_from(num(&b[8..10])?).ok()?;
    if !(1850..=2199).contains(&y) || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some((y, m, d))
}

fn days_in_month(y: u16, m: u8) -> u8 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (proleptic Gregorian), so that dates a few days apart can share
/// tokens across month and year boundaries.
pub(crate) fn day_number((y, m, d): Date) -> i64 {
    // Howard Hinnant's days_from_civil.
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Sex as written by different agencies (M/F, male/female, French H/F, garçon/fille) folded
/// to one letter; any other non-empty value is kept folded so that it still compares equal
/// to itself.
pub fn normalise_sex(value: &str) -> Option<String> {
    let folded = name_parts(value).join("");
    match folded.as_str() {
        "" => None,
        "m" | "male" | "h" | "homme" | "garcon" | "boy" | "masculin" => Some("m".to_owned()),
        "f" | "female" | "femme" | "fille" | "girl" | "feminin" => Some("f".to_owned()),
        _ => Some(folded),
    }
}

/// Postal codes compared without spaces, dashes or case ("H2X 1Y4" = "h2x1y4").
pub fn normalise_postcode(value: &str) -> Option<String> {
    let folded = name_parts(value).join("");
    (!folded.is_empty()).then_some(folded)
}

/// A phone number as its last ten digits (a North American number with or without its
/// country code, spaces or dashes), or a handle in lower case without its `@`; `None` for
/// anything too short to identify anyone.
pub fn normalise_contact(raw: &str) -> Option<String> {
    let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
    let letters = raw.chars().any(char::is_alphabetic);
    if !letters && digits.len() >= 7 {
        let start = digits.len().saturating_sub(10);
        return Some(format!("tel:{}", &digits[start..]));
    }
    let handle: String = raw
        .trim()
        .trim_start_matches('@')
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    (handle.chars().count() >= 3).then(|| format!("id:{handle}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accents_case_and_separators() {
        assert_eq!(name_parts("Marie-Ève  D'Amour"), ["marie", "eve", "d", "amour"]);
        assert_eq!(name_parts("  CÔTÉ--TREMBLAY "), ["cote", "tremblay"]);
        assert_eq!(name_parts("cote tremblay"), name_parts("Côté-Tremblay"));
        assert_eq!(name_parts("Łukasz Øster Straße"), ["lukasz", "oster", "strasse"]);
        assert_eq!(name_parts("Zoë"), ["zoe"]);
        assert_eq!(name_parts("FRANÇOIS"), ["francois"]);
        assert_eq!(name_parts("Chloé"), name_parts("CHLOE"));
        assert!(name_parts(" -' ").is_empty());
        assert!(name_parts("").is_empty());
    }

    #[test]
    fn non_latin_letters_are_kept() {
        assert_eq!(name_parts("Мария"), ["мария"]);
        assert_eq!(name_parts("محمد علي"), ["محمد", "علي"]);
    }

    #[test]
    fn parts_are_capped() {
        assert_eq!(name_parts("a b c d e f g h").len(), MAX_PARTS);
    }

    #[test]
    fn strict_dates() {
        assert_eq!(parse_date("2012-02-29"), Some((2012, 2, 29)));
        assert_eq!(parse_date(" 2010-12-31 "), Some((2010, 12, 31)));
        for bad in [
            "2011-02-29",
            "2010-13-01",
            "2010-00-10",
            "2010-04-31",
            "2010-4-01",
            "10-04-2010",
            "2010/04/01",
            "",
            "2010-04-01x",
            "+010-04-01",
            "1700-01-01",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(parse_date("1900-02-29"), None);
        assert_eq!(parse_date("2000-02-29"), Some((2000, 2, 29)));
    }

    #[test]
    fn day_numbers() {
        assert_eq!(day_number((1970, 1, 1)), 0);
        assert_eq!(day_number((2000, 3, 1)) - day_number((2000, 2, 28)), 2);
        assert_eq!(day_number((2010, 1, 1)) - day_number((2009, 12, 31)), 1);
    }

    #[test]
    fn sex_and_postcode() {
        assert_eq!(normalise_sex(" M "), Some("m".into()));
        assert_eq!(normalise_sex("Garçon"), Some("m".into()));
        assert_eq!(normalise_sex("F"), Some("f".into()));
        assert_eq!(normalise_sex(""), None);
        assert_eq!(normalise_postcode("H2X 1Y4"), normalise_postcode("h2x-1y4"));
        assert_eq!(normalise_postcode(" "), None);
    }
}
