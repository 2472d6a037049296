//! "Did you mean" for every front end: the nearest known name by edit
//! distance, case-insensitively, within a third of the candidate's length
//! (at least 2). Bounded: a long word has no near neighbour and is not
//! compared, and candidates whose length alone is too far are skipped.

/// The closest of `candidates` to `word`, for "did you mean" help.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // Every name suggested is short; a long word has no near neighbour,
    // and a profile may hold thousands of unknown names.
    if word.len() > 64 {
        return None;
    }
    let w: Vec<char> = word.to_ascii_lowercase().chars().collect();
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let limit = (c.len() / 3).max(2);
        // Distance is at least the difference in length.
        if w.len().abs_diff(c.chars().count()) > limit {
            continue;
        }
        let d = edit_distance(&w, &c.to_ascii_lowercase());
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &[char], b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = Vec::with_capacity(b.len() + 1);
    for (i, ca) in a.iter().enumerate() {
        cur.clear();
        cur.push(i + 1);
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur.push(sub.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_within_reach_case_insensitively() {
        let known = ["capability", "network", "signal"];
        assert_eq!(suggest("capabilty", known), Some("capability"));
        assert_eq!(suggest("NETWRK", known), Some("network"));
        assert_eq!(suggest("zzz", known), None);
        assert_eq!(suggest(&"x".repeat(100), known), None);
    }
}
