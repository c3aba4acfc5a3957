//! CSV for people who open it in a spreadsheet.
//!
//! Every exported value comes from a fixed vocabulary today, but the writer does not rely on
//! it: a field that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a
//! tab or a carriage return) gets a leading `'`, so that a value added tomorrow from a less
//! controlled source cannot turn a download into a command run on an analyst's computer
//! (OWASP "CSV injection"). Fields are quoted as RFC 4180 requires.

/// Characters a spreadsheet takes as the start of a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One field, neutralised and quoted when needed.
pub fn field(text: &str) -> String {
    let neutral = if text.starts_with(FORMULA_STARTS) { format!("'{text}") } else { text.to_owned() };
    if neutral.contains([',', '"', '\n', '\r']) { format!("\"{}\"", neutral.replace('"', "\"\"")) } else { neutral }
}

/// One line (fields separated by commas, CRLF at the end as RFC 4180 asks).
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = fields.iter().map(|f| field(f.as_ref())).collect::<Vec<_>>().join(",");
    out.push_str("\r\n");
    out
}

/// A whole document: the header, then the rows.
pub fn document<S: AsRef<str>>(header: &[&str], rows: &[Vec<S>]) -> String {
    let mut out = line(header);
    for row in rows {
        out.push_str(&line(row));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised() {
        for (raw, written) in [
            ("=1+1", "'=1+1"),
            ("+33", "'+33"),
            ("-2", "'-2"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\""),
        ] {
            assert_eq!(field(raw), written, "{raw:?}");
        }
    }

    #[test]
    fn ordinary_values_are_left_alone_and_separators_are_quoted() {
        assert_eq!(field("06"), "06");
        assert_eq!(field("0-11"), "0-11", "a dash inside a value is not a formula");
        assert_eq!(field("4.2"), "4.2");
        assert_eq!(field(""), "");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("two\nlines"), "\"two\nlines\"");
        assert_eq!(line(&["a", "=b", "c,d"]), "a,'=b,\"c,d\"\r\n");
        assert_eq!(document(&["h1", "h2"], &[vec!["1", "2"]]), "h1,h2\r\n1,2\r\n");
    }
}
