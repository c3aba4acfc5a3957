//! The backup file reader (`passerelle_crypto::backup::DecryptReader`) with a fixed key: a
//! restore is handed a file from outside, possibly damaged, cut or forged.
//!
//! Three ways in, chosen by the first byte:
//! - the bytes as a whole file (the header checks);
//! - a genuine header for the fixed key (so the check value passes), its chunk size set from
//!   the input, then the input as the chunks (the chunk loop and the tag checks);
//! - a genuine file of the input's plaintext, then damaged at input-chosen places (cut,
//!   flipped byte, appended bytes).
//!
//! Invariants: never a panic; the reader either ends in an error or returns exactly the
//! plaintext that was written (a damaged genuine file never yields other bytes); an error
//! names no content.
#![no_main]

use std::io::{Read, Write};
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use passerelle_crypto::backup::{BackupKey, DecryptReader, EncryptWriter, HEADER_LEN, file_error};

fn key() -> &'static BackupKey {
    static KEY: OnceLock<BackupKey> = OnceLock::new();
    KEY.get_or_init(|| BackupKey::from_bytes([42; 32]))
}

fn encrypt(plain: &[u8]) -> Vec<u8> {
    let mut w = EncryptWriter::new(Vec::new(), key()).unwrap_or_else(|e| panic!("{e}"));
    w.write_all(plain).unwrap_or_else(|e| panic!("{e}"));
    w.finish().unwrap_or_else(|e| panic!("{e}"))
}

/// Reads the whole file; `Ok` with the plaintext, or the error's text.
fn read_all(file: &[u8]) -> Result<Vec<u8>, String> {
    let mut r = DecryptReader::new(file, key()).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    // Small reads cross chunk boundaries in odd places.
    let mut buf = [0u8; 777];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => {
                assert!(file_error(&e).is_some(), "an error that is not a backup file error: {e}");
                return Err(e.to_string());
            }
        }
    }
}

const MESSAGES: [&str; 3] = [
    "not a Passerelle backup file",
    "this backup was made with another backup key",
    "the backup file is damaged, truncated or was altered",
];

fn check_error(e: &str) {
    assert!(
        MESSAGES.contains(&e)
            || (e.starts_with("backup format version ") && e.ends_with(" is not supported by this build")),
        "unexpected error text: {e}"
    );
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            if let Err(e) = read_all(rest) {
                check_error(&e);
            }
        }
        1 => {
            // A genuine header, a small chunk size from the input, then the input as chunks.
            let Some((&size, body)) = rest.split_first() else { return };
            let mut file = encrypt(b"")[..HEADER_LEN].to_vec();
            file[10..14].copy_from_slice(&u32::from(size).to_be_bytes());
            file.extend_from_slice(body);
            // The header's chunk size is authenticated with every chunk: a forged body never
            // decrypts, whatever its layout.
            match read_all(&file) {
                Ok(plain) => panic!("forged chunks accepted ({} bytes)", plain.len()),
                Err(e) => check_error(&e),
            }
        }
        _ => {
            // A genuine file, then damage chosen by the input's first bytes.
            if rest.len() < 6 {
                return;
            }
            let (ctl, plain) = rest.split_at(6);
            let mut file = encrypt(plain);
            let original = file.clone();
            let at = usize::from(u16::from_le_bytes([ctl[0], ctl[1]])) % (file.len() + 1);
            match ctl[2] % 4 {
                0 => file.truncate(at),
                1 => {
                    if at < file.len() {
                        file[at] ^= ctl[3] | 1;
                    }
                }
                2 => file.extend_from_slice(&ctl[3..]),
                _ => {}
            }
            match read_all(&file) {
                Ok(got) => {
                    assert_eq!(file, original, "a damaged file was read without error");
                    assert_eq!(got, plain, "a genuine file read back different bytes");
                }
                Err(e) => {
                    assert_ne!(file, original, "a genuine file was refused: {e}");
                    check_error(&e);
                }
            }
        }
    }
});
