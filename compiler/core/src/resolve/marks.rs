//! A set of include entries (path number and context) as bits: the walk
//! over includes asks "being included?" and "done?" once per include of
//! every input, and the path numbers are dense per session, so a bit test
//! is cheaper than hashing (issue 13).

use crate::syntax::Context;

#[derive(Debug, Default)]
pub(super) struct Marks(Vec<u64>);

fn bit(key: (u32, Context)) -> (usize, u64) {
    let n = u64::from(key.0) * 2 + u64::from(key.1 == Context::Body);
    ((n / 64) as usize, 1u64 << (n % 64))
}

impl Marks {
    /// Room for the keys of `paths` path numbers without growing.
    pub(super) fn with_paths(paths: usize) -> Marks {
        Marks(Vec::with_capacity(paths.div_ceil(32)))
    }

    /// Add `key`; whether it was new.
    pub(super) fn insert(&mut self, key: (u32, Context)) -> bool {
        let (word, bit) = bit(key);
        if self.0.len() <= word {
            self.0.resize(word + 1, 0);
        }
        let new = self.0[word] & bit == 0;
        self.0[word] |= bit;
        new
    }

    pub(super) fn remove(&mut self, key: (u32, Context)) {
        let (word, bit) = bit(key);
        if let Some(w) = self.0.get_mut(word) {
            *w &= !bit;
        }
    }

    pub(super) fn contains(&self, key: (u32, Context)) -> bool {
        let (word, bit) = bit(key);
        self.0.get(word).is_some_and(|w| w & bit != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_both_contexts_are_told_apart() {
        let mut m = Marks::with_paths(2);
        assert!(m.insert((0, Context::Top)));
        assert!(!m.insert((0, Context::Top)));
        assert!(!m.contains((0, Context::Body)));
        assert!(m.insert((200, Context::Body)));
        assert!(m.contains((200, Context::Body)) && !m.contains((200, Context::Top)));
        m.remove((200, Context::Body));
        m.remove((9_999, Context::Top));
        assert!(!m.contains((200, Context::Body)) && m.contains((0, Context::Top)));
    }
}
