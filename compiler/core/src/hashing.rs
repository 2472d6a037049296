//! Hash maps and sets for the compiler's tables.
//!
//! Keys are words, paths and ids from the input, hashed millions of times
//! per run: std's SipHash was a quarter of a batch check's instructions.
//! foldhash (the hasher of hashbrown, std's map) is several times cheaper
//! and is seeded per process from the system's randomness, so a hostile
//! file cannot be written to collide ahead of time.

pub type RandomState = foldhash::fast::RandomState;
pub type HashMap<K, V> = std::collections::HashMap<K, V, RandomState>;
pub type HashSet<K> = std::collections::HashSet<K, RandomState>;
