//! SipHash-1-3 with a 128-bit result, in one pass: the parse cache's key
//! of a text ([`super::parse_cache`]). The standard library gives only
//! 64 bits, and two runs with different prefixes read every text twice
//! (the key of each input was 2 % of a batch check, issue 13).

/// The state of one SipHash-`C`-`D` run; `WIDE` selects the 128-bit
/// result (the reference's `siphash` with `outlen` 16).
pub(super) struct Sip<const C: usize, const D: usize, const WIDE: bool> {
    v: [u64; 4],
    /// Bytes not yet compressed (fewer than 8), low byte first.
    tail: u64,
    ntail: usize,
    len: u64,
}

/// SipHash-1-3, 128 bits.
pub(super) type Sip13x128 = Sip<1, 3, true>;

impl<const C: usize, const D: usize, const WIDE: bool> Sip<C, D, WIDE> {
    pub(super) fn new(k0: u64, k1: u64) -> Self {
        let mut v = [
            k0 ^ 0x736f_6d65_7073_6575,
            k1 ^ 0x646f_7261_6e64_6f6d,
            k0 ^ 0x6c79_6765_6e65_7261,
            k1 ^ 0x7465_6462_7974_6573,
        ];
        if WIDE {
            v[1] ^= 0xee;
        }
        Sip {
            v,
            tail: 0,
            ntail: 0,
            len: 0,
        }
    }

    fn round(&mut self) {
        let v = &mut self.v;
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }

    fn compress(&mut self, m: u64) {
        self.v[3] ^= m;
        for _ in 0..C {
            self.round();
        }
        self.v[0] ^= m;
    }

    pub(super) fn write(&mut self, mut bytes: &[u8]) {
        self.len = self.len.wrapping_add(bytes.len() as u64);
        while self.ntail > 0 {
            let Some((&b, rest)) = bytes.split_first() else {
                return;
            };
            self.tail |= u64::from(b) << (8 * self.ntail);
            self.ntail += 1;
            bytes = rest;
            if self.ntail == 8 {
                let m = self.tail;
                self.compress(m);
                (self.tail, self.ntail) = (0, 0);
            }
        }
        let words = bytes.chunks_exact(8);
        let rest = words.remainder();
        for w in words {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            self.compress(u64::from_le_bytes(word));
        }
        for (i, &b) in rest.iter().enumerate() {
            self.tail |= u64::from(b) << (8 * i);
        }
        self.ntail = rest.len();
    }

    fn finish_half(&mut self, mark: u64) -> u64 {
        self.v[2] ^= mark;
        for _ in 0..D {
            self.round();
        }
        self.v.iter().fold(0, |h, x| h ^ x)
    }

    /// The hash, low half first (the first 8 bytes alone unless `WIDE`).
    pub(super) fn finish(mut self) -> [u8; 16] {
        let m = ((self.len & 0xff) << 56) | self.tail;
        self.compress(m);
        let mut out = [0u8; 16];
        if WIDE {
            out[..8].copy_from_slice(&self.finish_half(0xee).to_le_bytes());
            self.v[1] ^= 0xdd;
            out[8..].copy_from_slice(&self.finish_half(0).to_le_bytes());
        } else {
            out[..8].copy_from_slice(&self.finish_half(0xff).to_le_bytes());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::Hasher;

    fn bytes(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn the_64_bit_runs_match_the_standard_library() {
        for n in [0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 100] {
            let msg = bytes(n);
            // One write, and the same bytes in uneven pieces.
            for split in [0, 1, 3, n / 2] {
                let split = split.min(n);
                let mut ours = Sip::<1, 3, false>::new(0, 0);
                ours.write(&msg[..split]);
                ours.write(&msg[split..]);
                let mut std13 = std::hash::DefaultHasher::new();
                std13.write(&msg);
                assert_eq!(ours.finish()[..8], std13.finish().to_le_bytes(), "1-3, {n}");
                let mut ours = Sip::<2, 4, false>::new(7, 9);
                ours.write(&msg[..split]);
                ours.write(&msg[split..]);
                #[allow(deprecated)]
                let mut std24 = std::hash::SipHasher::new_with_keys(7, 9);
                std24.write(&msg);
                assert_eq!(ours.finish()[..8], std24.finish().to_le_bytes(), "2-4, {n}");
            }
        }
    }

    #[test]
    fn the_128_bit_run_matches_the_reference_vectors() {
        // vectors_sip128 of the SipHash reference: key 00..0f, messages
        // 00..n-1.
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let want: [(usize, &str); 2] = [
            (0, "a3817f04ba25a8e66df67214c7550293"),
            (1, "da87c1d86b99af44347659119b22fc45"),
        ];
        for (n, hex) in want {
            let msg: Vec<u8> = (0..n as u8).collect();
            let mut h = Sip::<2, 4, true>::new(k0, k1);
            h.write(&msg);
            let got: String = h.finish().iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(got, hex, "{n}");
        }
    }
}
