//! Lowercase hexadecimal, the only text encoding the crate needs (key file, tokens).
//! Written here rather than pulled in as a dependency because it is a dozen lines.

use zeroize::Zeroizing;

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Encodes bytes as lowercase hex.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// Encodes secret bytes as lowercase hex into a buffer wiped on drop.
pub(crate) fn hex_encode_secret(bytes: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(hex_encode(bytes))
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Decodes exactly `N` bytes of hex (either case) into a buffer wiped on drop.
pub(crate) fn hex_decode_array<const N: usize>(text: &str) -> Option<Zeroizing<[u8; N]>> {
    let bytes = text.as_bytes();
    if bytes.len() != N * 2 {
        return None;
    }
    let mut out = Zeroizing::new([0u8; N]);
    for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        *slot = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
pub(crate) fn hex_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(2) {
        return None;
    }
    bytes.chunks_exact(2).map(|pair| Some((nibble(pair[0])? << 4) | nibble(pair[1])?)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let data = [0x00, 0x0f, 0xa5, 0xff];
        let text = hex_encode(&data);
        assert_eq!(text, "000fa5ff");
        assert_eq!(hex_decode_array::<4>(&text).as_deref(), Some(&data));
        assert_eq!(hex_decode_array::<4>("000FA5FF").as_deref(), Some(&data));
        assert!(hex_decode_array::<4>("000fa5f").is_none());
        assert!(hex_decode_array::<4>("000fa5fg").is_none());
        assert!(hex_decode_array::<3>(&text).is_none());
    }
}
