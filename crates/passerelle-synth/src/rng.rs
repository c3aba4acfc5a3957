//! A small seeded generator: `xoshiro256**` (Blackman and Vigna), its state filled by `SplitMix64`.
//!
//! Written here rather than taken from `rand` so that the output for a seed can never change
//! under a dependency upgrade: the same seed must give the same demonstration data forever.
//! It is not cryptographic and must never be used for anything secret.

/// The seeded generator. Cloning it forks the sequence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

impl Rng {
    /// A generator for `seed`. `SplitMix64` spreads even small or similar seeds (0, 1, 2…) over
    /// the whole state, and never yields the all-zero state xoshiro cannot leave.
    pub fn new(seed: u64) -> Self {
        let mut sm = seed;
        let s = [splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm), splitmix64(&mut sm)];
        Self { s }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n`, without the bias of a plain modulo (Lemire's multiply-and-reject).
    ///
    /// # Panics
    /// When `n` is 0.
    // Splitting the 128-bit product into its halves is the point of the truncating casts.
    #[allow(clippy::cast_possible_truncation)]
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "below(0) has no value to return");
        // Values of the low half under this threshold would make some results more likely.
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            let (high, low) = ((m >> 64) as u64, m as u64);
            if low >= threshold {
                return high;
            }
        }
    }

    /// Uniform index into a collection of `len` items.
    ///
    /// # Panics
    /// When `len` is 0.
    pub fn index(&mut self, len: usize) -> usize {
        to_usize(self.below(to_u64(len)))
    }

    /// Uniform in the inclusive range `lo..=hi` (`lo` when `hi < lo`).
    pub fn between(&mut self, lo: i32, hi: i32) -> i32 {
        if hi <= lo {
            return lo;
        }
        let span = u64::from(hi.abs_diff(lo)) + 1;
        let offset = i64::try_from(self.below(span)).unwrap_or(0);
        i32::try_from(i64::from(lo) + offset).unwrap_or(lo)
    }

    /// A uniform float in `[0, 1)` with 52 random bits, built from the bits directly so that no
    /// integer-to-float rounding is involved.
    pub fn unit(&mut self) -> f64 {
        f64::from_bits(0x3FF0_0000_0000_0000 | (self.next_u64() >> 12)) - 1.0
    }

    /// True with probability `p` (clamped to `[0, 1]`).
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One item, uniformly.
    ///
    /// # Panics
    /// When `items` is empty.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// One item, with probability proportional to its weight. Zero weights are never chosen.
    ///
    /// # Panics
    /// When `items` is empty or every weight is 0.
    pub fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut r = self.below(total);
        for (item, w) in items {
            let w = u64::from(*w);
            if r < w {
                return item;
            }
            r -= w;
        }
        // Unreachable: r < total is consumed by the loop.
        &items[items.len() - 1].0
    }

    /// Shuffles in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.index(i + 1);
            items.swap(i, j);
        }
    }
}

/// A weighted table prepared once, for pools drawn from many times: a binary search over the
/// cumulative weights instead of [`Rng::weighted`]'s linear scan.
#[derive(Clone, Debug)]
pub(crate) struct Table<T: 'static> {
    items: &'static [(T, u32)],
    cumulative: Vec<u64>,
}

impl<T> Table<T> {
    pub(crate) fn new(items: &'static [(T, u32)]) -> Self {
        let mut acc = 0u64;
        let cumulative = items
            .iter()
            .map(|(_, w)| {
                acc += u64::from(*w);
                acc
            })
            .collect();
        Self { items, cumulative }
    }

    pub(crate) fn draw(&self, rng: &mut Rng) -> &'static T {
        let total = self.cumulative.last().copied().unwrap_or(0);
        let r = rng.below(total);
        let i = self.cumulative.partition_point(|&c| c <= r);
        &self.items[i.min(self.items.len() - 1)].0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xoshiro_reference_sequence() {
        // xoshiro256** from the reference state {1, 2, 3, 4}: first outputs of the authors' C code.
        let mut r = Rng { s: [1, 2, 3, 4] };
        let got: Vec<u64> = (0..4).map(|_| r.next_u64()).collect();
        assert_eq!(got, vec![11_520, 0, 1_509_978_240, 1_215_971_899_390_074_240]);
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut r = Rng::new(7);
        let mut seen = [0u32; 7];
        for _ in 0..7_000 {
            let v = r.below(7);
            seen[usize::try_from(v).unwrap()] += 1;
        }
        assert!(seen.iter().all(|&c| (850..1150).contains(&c)), "{seen:?}");
        assert_eq!(r.below(1), 0);
        let mut big = Rng::new(8);
        assert!((0..1000).all(|_| big.below(u64::MAX) < u64::MAX));
    }

    #[test]
    fn weighted_respects_weights_and_skips_zero() {
        let mut r = Rng::new(3);
        let items = [("a", 1), ("b", 0), ("c", 3)];
        let mut c = 0;
        for _ in 0..8_000 {
            let v = *r.weighted(&items);
            assert_ne!(v, "b");
            if v == "c" {
                c += 1;
            }
        }
        assert!((5_700..6_300).contains(&c), "{c}");
    }

    #[test]
    fn table_matches_weights() {
        static ITEMS: [(&str, u32); 3] = [("x", 2), ("y", 0), ("z", 6)];
        let t = Table::new(&ITEMS);
        let mut r = Rng::new(4);
        let z = (0..8_000).filter(|_| *t.draw(&mut r) == "z").count();
        assert!((5_700..6_300).contains(&z), "{z}");
    }

    #[test]
    fn unit_chance_and_between() {
        let mut r = Rng::new(9);
        assert!((0..10_000).map(|_| r.unit()).all(|u| (0.0..1.0).contains(&u)));
        assert!(!(0..1000).any(|_| r.chance(0.0)));
        assert!((0..1000).all(|_| r.chance(1.0)));
        assert!((0..1000).map(|_| r.between(-2, 3)).all(|v| (-2..=3).contains(&v)));
        assert_eq!(r.between(5, 5), 5);
    }
}
