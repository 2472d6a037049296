//! AppArmor globs (AARE): validation, and whether two globs can match the
//! same path (for exec-transition conflicts).
//!
//! `*` matches within one path component, `**` across components, `?` one
//! non-`/` character, `[...]` a class (`[^...]` negated), `{a,b}` an
//! alternation (nested, at least two entries), `\c` the character itself.

/// A 256-bit byte set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ByteSet([u64; 4]);

impl ByteSet {
    const EMPTY: ByteSet = ByteSet([0; 4]);
    const ALL: ByteSet = ByteSet([u64::MAX; 4]);

    fn one(b: u8) -> ByteSet {
        let mut s = ByteSet::EMPTY;
        s.insert(b);
        s
    }

    fn insert(&mut self, b: u8) {
        self.0[(b >> 6) as usize] |= 1 << (b & 63);
    }

    fn remove(&mut self, b: u8) {
        self.0[(b >> 6) as usize] &= !(1 << (b & 63));
    }

    fn not_slash() -> ByteSet {
        let mut s = ByteSet::ALL;
        s.remove(b'/');
        s.remove(0);
        s
    }

    fn invert(self) -> ByteSet {
        ByteSet([!self.0[0], !self.0[1], !self.0[2], !self.0[3]])
    }

    /// The one byte in the set, if it holds exactly one.
    fn single(self) -> Option<u8> {
        let count: u32 = self.0.iter().map(|w| w.count_ones()).sum();
        if count != 1 {
            return None;
        }
        let word = self.0.iter().position(|&w| w != 0)?;
        Some((word * 64) as u8 + self.0[word].trailing_zeros() as u8)
    }

    fn intersects(self, o: ByteSet) -> bool {
        (0..4).any(|i| self.0[i] & o.0[i] != 0)
    }

    fn contains(self, b: u8) -> bool {
        self.0[(b >> 6) as usize] & (1 << (b & 63)) != 0
    }

    fn union(self, o: ByteSet) -> ByteSet {
        ByteSet([
            self.0[0] | o.0[0],
            self.0[1] | o.0[1],
            self.0[2] | o.0[2],
            self.0[3] | o.0[3],
        ])
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GlobError {
    UnclosedBrace(usize),
    UnopenedBrace(usize),
    EmptyAlternation(usize),
    SingleAlternation(usize),
    UnclosedBracket(usize),
    TrailingBackslash(usize),
    TooDeep(usize),
}

impl GlobError {
    /// Byte offset the problem is at, and what to say about it.
    pub fn describe(&self) -> (usize, &'static str, &'static str) {
        match *self {
            GlobError::UnclosedBrace(at) => (at, "`{` is never closed", "unclosed alternation"),
            GlobError::UnopenedBrace(at) => (at, "`}` closes nothing", "unmatched `}`"),
            GlobError::EmptyAlternation(at) => (at, "empty alternation `{}`", "empty alternation"),
            GlobError::SingleAlternation(at) => (
                at,
                "alternation with a single entry",
                "an alternation needs at least two entries",
            ),
            GlobError::UnclosedBracket(at) => {
                (at, "`[` is never closed", "unclosed character class")
            }
            GlobError::TrailingBackslash(at) => {
                (at, "`\\` at the end escapes nothing", "dangling escape")
            }
            GlobError::TooDeep(at) => (at, "alternations nest too deep", "nested too deep"),
        }
    }
}

/// 16 bytes: a pattern is mostly single bytes, and a memo keeps every
/// parsed glob (a 256-bit set in every node made them 40 bytes, 300 KB of
/// the Debian batch's heap at its end; issue 13).
#[derive(Clone, Debug)]
enum Node {
    /// One byte.
    Byte(u8),
    Set(Box<ByteSet>),
    /// `*` (within a component) or `**` (anything).
    Star(Box<ByteSet>),
    /// Boxed whole: a `Vec` in place would make every node 32 bytes.
    #[allow(clippy::box_collection)]
    Alt(Box<Vec<Vec<Node>>>),
}

const _: () = assert!(std::mem::size_of::<Node>() == 16);

/// Alternations deeper than this are refused (the parser recurses).
const MAX_NESTING: usize = 32;

struct GlobParser<'a> {
    s: &'a [u8],
    i: usize,
    /// Saw `*`, `?` or a negated class: matches open-ended sets of paths.
    wild: bool,
}

impl GlobParser<'_> {
    /// A sequence up to `,` or `}` (inside braces) or the end.
    fn seq(&mut self, depth: usize) -> Result<Vec<Node>, GlobError> {
        // At the top, one node per byte at most: room for all of them at
        // once instead of growing node by node (issue 13).
        let mut out = match depth {
            0 => Vec::with_capacity(self.s.len() - self.i),
            _ => Vec::new(),
        };
        while self.i < self.s.len() {
            let c = self.s[self.i];
            match c {
                b'}' | b',' if depth > 0 => return Ok(out),
                b'}' => return Err(GlobError::UnopenedBrace(self.i)),
                b'{' if depth >= MAX_NESTING => return Err(GlobError::TooDeep(self.i)),
                b'{' => {
                    let open = self.i;
                    self.i += 1;
                    let mut alts = vec![self.seq(depth + 1)?];
                    loop {
                        match self.s.get(self.i) {
                            Some(b',') => {
                                self.i += 1;
                                alts.push(self.seq(depth + 1)?);
                            }
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return Err(GlobError::UnclosedBrace(open)),
                        }
                    }
                    if alts.len() == 1 {
                        return Err(if alts[0].is_empty() {
                            GlobError::EmptyAlternation(open)
                        } else {
                            GlobError::SingleAlternation(open)
                        });
                    }
                    out.push(Node::Alt(Box::new(alts)));
                }
                b'*' => {
                    // Right after a `/`, `*` and `**` match at least one
                    // character, and not a `/`: `/tmp/*` is not `/tmp/`.
                    let after_slash = self.i > 0 && self.s[self.i - 1] == b'/';
                    let loop_set = if self.s.get(self.i + 1) == Some(&b'*') {
                        while self.s.get(self.i) == Some(&b'*') {
                            self.i += 1;
                        }
                        let mut any = ByteSet::ALL;
                        any.remove(0);
                        any
                    } else {
                        self.i += 1;
                        ByteSet::not_slash()
                    };
                    if after_slash {
                        out.push(Node::Set(Box::new(ByteSet::not_slash())));
                    }
                    out.push(Node::Star(Box::new(loop_set)));
                    self.wild = true;
                }
                b'?' => {
                    self.wild = true;
                    self.i += 1;
                    out.push(Node::Set(Box::new(ByteSet::not_slash())));
                }
                b'[' => {
                    let open = self.i;
                    self.i += 1;
                    let negate = matches!(self.s.get(self.i), Some(b'^'));
                    if negate {
                        self.i += 1;
                        self.wild = true;
                    }
                    let mut set = ByteSet::EMPTY;
                    let mut first = true;
                    loop {
                        let Some(&c) = self.s.get(self.i) else {
                            return Err(GlobError::UnclosedBracket(open));
                        };
                        if c == b']' && !first {
                            self.i += 1;
                            break;
                        }
                        first = false;
                        let lo = if c == b'\\' {
                            self.i += 1;
                            *self.s.get(self.i).ok_or(GlobError::UnclosedBracket(open))?
                        } else {
                            c
                        };
                        self.i += 1;
                        if self.s.get(self.i) == Some(&b'-')
                            && self.s.get(self.i + 1).is_some_and(|&n| n != b']')
                        {
                            let hi = self.s[self.i + 1];
                            self.i += 2;
                            for b in lo.min(hi)..=hi.max(lo) {
                                set.insert(b);
                            }
                        } else {
                            set.insert(lo);
                        }
                    }
                    if negate {
                        set = set.invert();
                        set.remove(b'/');
                        set.remove(0);
                    }
                    out.push(Node::Set(Box::new(set)));
                }
                b'\\' => {
                    let at = self.i;
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return Err(GlobError::TrailingBackslash(at));
                    };
                    self.i += 1;
                    out.push(Node::Byte(e));
                }
                _ => {
                    self.i += 1;
                    out.push(Node::Byte(c));
                }
            }
        }
        Ok(out)
    }
}

/// A path as the kernel compares it: runs of `/` are one `/`. Variables
/// such as `@{HOMEDIRS}/*/` often produce `//`.
pub fn collapse_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut prev_slash = false;
    for ch in path.chars() {
        if ch == '/' && prev_slash {
            continue;
        }
        prev_slash = ch == '/';
        out.push(ch);
    }
    out
}

/// The shape of a text as [`Glob::validate`] sees it: every run of
/// ordinary characters becomes one `x`; variable references `@{NAME}` are
/// kept whole. Texts with one skeleton validate alike, so the checker
/// validates each skeleton once instead of every expansion.
pub fn skeleton(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(64));
    skeleton_into(text, &mut out);
    out
}

/// [`skeleton`] into `out`, cleared first (a buffer kept for reuse).
pub fn skeleton_into(text: &str, out: &mut String) {
    out.clear();
    // Byte by byte: every special character is ASCII, and the bytes of a
    // multi-byte character are all ordinary, so they join their run.
    let b = text.as_bytes();
    let mut ordinary = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'@' && b.get(i + 1) == Some(&b'{') {
            if let Some(len) = text[i..].find('}') {
                out.push_str(&text[i..=i + len]);
                i += len + 1;
                ordinary = false;
                continue;
            }
        }
        if matches!(c, b'{' | b'}' | b',' | b'[' | b']' | b'^' | b'-' | b'\\') {
            out.push(c as char);
            ordinary = false;
        } else if !ordinary {
            out.push('x');
            ordinary = true;
        }
        i += 1;
    }
}

/// Whether [`Glob::validate`] could fail for `text` or for any expansion
/// of it: only braces, brackets and backslashes can be wrong, and a
/// variable reference needs a brace. Most paths have none, and skip the
/// skeleton and the memo (issue 13).
pub fn may_be_invalid(text: &str) -> bool {
    text.bytes()
        .any(|b| matches!(b, b'{' | b'}' | b'[' | b'\\'))
}

/// A parsed glob.
#[derive(Clone, Debug)]
pub struct Glob {
    nodes: Vec<Node>,
    literal: bool,
    /// What every match starts with, and what it ends with (reversed).
    head: End,
    tail: End,
    /// Its automaton, built at the first overlap test.
    nfa: std::sync::OnceLock<Nfa>,
}

impl Glob {
    pub fn parse(text: &str) -> Result<Glob, GlobError> {
        let mut p = GlobParser {
            s: text.as_bytes(),
            i: 0,
            wild: false,
        };
        let nodes = p.seq(0)?;
        // Alternations and positive classes still name a fixed set of
        // paths, as apparmor_parser 4.x counts them; `*`, `?` and `[^...]`
        // do not.
        Ok(Glob {
            head: End::of(&nodes, false),
            tail: End::of(&nodes, true),
            nodes,
            literal: !p.wild,
            nfa: std::sync::OnceLock::new(),
        })
    }

    /// The errors `parse` would report, without building the glob: the
    /// checker validates every expansion of every path, and most are fine.
    pub fn validate(text: &str) -> Result<(), GlobError> {
        struct Frame {
            open: usize,
            alts: usize,
            cur: usize,
        }
        let b = text.as_bytes();
        let mut frames: Vec<Frame> = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let mut atom = true;
            match b[i] {
                b'{' if frames.len() >= MAX_NESTING => return Err(GlobError::TooDeep(i)),
                b'{' => {
                    frames.push(Frame {
                        open: i,
                        alts: 1,
                        cur: 0,
                    });
                    atom = false;
                }
                b',' if !frames.is_empty() => {
                    if let Some(f) = frames.last_mut() {
                        f.alts += 1;
                        f.cur = 0;
                    }
                    atom = false;
                }
                b'}' => match frames.pop() {
                    None => return Err(GlobError::UnopenedBrace(i)),
                    Some(f) if f.alts == 1 && f.cur == 0 => {
                        return Err(GlobError::EmptyAlternation(f.open))
                    }
                    Some(f) if f.alts == 1 => return Err(GlobError::SingleAlternation(f.open)),
                    Some(_) => {}
                },
                b'[' => {
                    let open = i;
                    i += 1;
                    if b.get(i) == Some(&b'^') {
                        i += 1;
                    }
                    let mut first = true;
                    loop {
                        let Some(&c) = b.get(i) else {
                            return Err(GlobError::UnclosedBracket(open));
                        };
                        if c == b']' && !first {
                            break;
                        }
                        first = false;
                        if c == b'\\' {
                            i += 1;
                            if i >= b.len() {
                                return Err(GlobError::UnclosedBracket(open));
                            }
                        }
                        i += 1;
                        if b.get(i) == Some(&b'-') && b.get(i + 1).is_some_and(|&n| n != b']') {
                            i += 2;
                        }
                    }
                }
                b'\\' => {
                    if i + 1 >= b.len() {
                        return Err(GlobError::TrailingBackslash(i));
                    }
                    i += 1;
                }
                _ => {}
            }
            if atom {
                if let Some(f) = frames.last_mut() {
                    f.cur += 1;
                }
            }
            i += 1;
        }
        match frames.last() {
            Some(f) => Err(GlobError::UnclosedBrace(f.open)),
            None => Ok(()),
        }
    }

    /// No wildcards: matches a fixed set of paths. Such rules take
    /// precedence over globs in the reference's matcher.
    pub fn is_literal(&self) -> bool {
        self.literal
    }

    /// The bytes every match starts with (up to the first wildcard,
    /// alternation or class), and whether that is the whole glob.
    pub fn fixed_prefix(&self) -> (&[u8], bool) {
        (&self.head.fixed, self.head.fixed.len() == self.nodes.len())
    }

    /// False when no path can match both globs, judged from their ends
    /// alone: most exec rules of a profile differ in their first or last
    /// bytes, and this spares building and searching their automata.
    pub fn may_overlap(&self, other: &Glob) -> bool {
        self.head.agrees(&other.head) && self.tail.agrees(&other.tail)
    }
    /// Whether some path matches both globs.
    pub fn overlaps(&self, other: &Glob) -> bool {
        self.may_overlap(other) && self.overlaps_exactly(other)
    }

    fn overlaps_exactly(&self, other: &Glob) -> bool {
        let a = self.nfa.get_or_init(|| Nfa::build(&self.nodes));
        let b = other.nfa.get_or_init(|| Nfa::build(&other.nodes));
        a.intersects(b)
    }
}

/// One end of a glob: the bytes every match has there (read from that
/// end), then the bytes that can come next, and whether the match can
/// stop right after the fixed bytes.
#[derive(Clone, Debug)]
struct End {
    fixed: Vec<u8>,
    next: ByteSet,
    can_stop: bool,
}

impl End {
    /// The end read from the front of `nodes`, or from the back (`rev`).
    fn of(nodes: &[Node], rev: bool) -> End {
        let single = |n: &Node| match n {
            Node::Byte(b) => Some(*b),
            Node::Set(set) => set.single(),
            _ => None,
        };
        // Counted first, so that the bytes are one allocation (issue 13).
        let len = match rev {
            false => nodes.iter().take_while(|n| single(n).is_some()).count(),
            true => nodes
                .iter()
                .rev()
                .take_while(|n| single(n).is_some())
                .count(),
        };
        let mut fixed = Vec::with_capacity(len);
        let rest = if rev {
            fixed.extend(nodes.iter().rev().take(len).filter_map(single));
            &nodes[..nodes.len() - len]
        } else {
            fixed.extend(nodes.iter().take(len).filter_map(single));
            &nodes[len..]
        };
        let (next, can_stop) = first_bytes(rest, rev);
        End {
            fixed,
            next,
            can_stop,
        }
    }

    /// Whether a path could have both ends (both read the same way). A
    /// common path extends the shorter fixed part with the longer one's
    /// next byte, or both fixed parts are equal and the path stops there
    /// or goes on with a byte both allow.
    fn agrees(&self, o: &End) -> bool {
        let (short, long) = if self.fixed.len() <= o.fixed.len() {
            (self, o)
        } else {
            (o, self)
        };
        if !long.fixed.starts_with(&short.fixed) {
            return false;
        }
        match long.fixed.get(short.fixed.len()) {
            Some(&b) => short.next.contains(b),
            None => (short.can_stop && long.can_stop) || short.next.intersects(long.next),
        }
    }
}

/// The bytes a match of `nodes` can begin with (end with, if `rev`), and
/// whether it can be empty.
fn first_bytes(nodes: &[Node], rev: bool) -> (ByteSet, bool) {
    let mut set = ByteSet::EMPTY;
    let mut step = |n: &Node| {
        let (s, empty) = match n {
            Node::Byte(b) => (ByteSet::one(*b), false),
            Node::Set(s) => (**s, false),
            Node::Star(s) => (**s, true),
            Node::Alt(alts) => alts.iter().fold((ByteSet::EMPTY, false), |(s, e), alt| {
                let (s2, e2) = first_bytes(alt, rev);
                (s.union(s2), e || e2)
            }),
        };
        set = set.union(s);
        empty
    };
    let all_empty = if rev {
        nodes.iter().rev().all(&mut step)
    } else {
        nodes.iter().all(&mut step)
    };
    (set, all_empty)
}

/// Thompson NFA over bytes.
#[derive(Clone, Debug)]
struct Nfa {
    /// Per state: (byte set, target) edges, and epsilon targets.
    edges: Vec<Vec<(ByteSet, usize)>>,
    eps: Vec<Vec<usize>>,
    accept: usize,
    /// Every state's epsilon closure, computed once with the automaton
    /// (each product search used to compute and drop its own), unless
    /// they would hold more than [`Closures::HELD`] states in all.
    closed: Option<Closed>,
}

/// The closure of state `s` is `items[start[s]..start[s + 1]]`.
#[derive(Clone, Debug)]
struct Closed {
    start: Vec<usize>,
    items: Vec<usize>,
}

impl Nfa {
    fn build(nodes: &[Node]) -> Nfa {
        let mut n = Nfa {
            edges: vec![Vec::new()],
            eps: vec![Vec::new()],
            accept: 0,
            closed: None,
        };
        let end = n.seq(nodes, 0);
        n.accept = end;
        n.close_all();
        n
    }

    fn close_all(&mut self) {
        let n = self.edges.len();
        let mut mark = vec![0u32; n];
        let mut start = Vec::with_capacity(n + 1);
        let mut items = Vec::new();
        start.push(0);
        for s in 0..n {
            self.closure(s, &mut items, &mut mark, s as u32 + 1);
            if items.len() > Closures::HELD {
                return;
            }
            start.push(items.len());
        }
        self.closed = Some(Closed { start, items });
    }

    fn state(&mut self) -> usize {
        self.edges.push(Vec::new());
        self.eps.push(Vec::new());
        self.edges.len() - 1
    }

    fn seq(&mut self, nodes: &[Node], mut at: usize) -> usize {
        for node in nodes {
            at = match node {
                Node::Byte(b) => {
                    let next = self.state();
                    self.edges[at].push((ByteSet::one(*b), next));
                    next
                }
                Node::Set(s) => {
                    let next = self.state();
                    self.edges[at].push((**s, next));
                    next
                }
                Node::Star(s) => {
                    self.edges[at].push((**s, at));
                    let next = self.state();
                    self.eps[at].push(next);
                    next
                }
                Node::Alt(alts) => {
                    let join = self.state();
                    for alt in alts.iter() {
                        let start = self.state();
                        self.eps[at].push(start);
                        let end = self.seq(alt, start);
                        self.eps[end].push(join);
                    }
                    join
                }
            };
        }
        at
    }

    /// The states reachable from `s` by epsilon moves (`s` first).
    /// `mark[x] == stamp` says `x` is already in `out`.
    fn closure(&self, s: usize, out: &mut Vec<usize>, mark: &mut [u32], stamp: u32) {
        let start = out.len();
        out.push(s);
        mark[s] = stamp;
        let mut k = start;
        while k < out.len() {
            let x = out[k];
            k += 1;
            for &y in &self.eps[x] {
                if mark[y] != stamp {
                    mark[y] = stamp;
                    out.push(y);
                }
            }
        }
    }

    /// Breadth-first search of the product automaton: whether a state
    /// pair whose closures both accept is reachable. Each state's closure
    /// is computed once per search (cached while the cache stays under
    /// a bound), and visited pairs are a bit set when the product is
    /// small.
    fn intersects(&self, other: &Nfa) -> bool {
        let (na, nb) = (self.edges.len(), other.edges.len());
        let mut seen = Visited::new(na, nb);
        let mut ca = Closures::new(self);
        let mut cb = Closures::new(other);
        let mut queue = std::collections::VecDeque::new();
        seen.insert(0, 0);
        queue.push_back((0usize, 0usize));
        while let Some((a, b)) = queue.pop_front() {
            let xa = ca.get(self, a);
            let xb = cb.get(other, b);
            if xa.contains(&self.accept) && xb.contains(&other.accept) {
                return true;
            }
            for &x in xa.iter() {
                for &(sx, tx) in &self.edges[x] {
                    for &y in xb.iter() {
                        for &(sy, ty) in &other.edges[y] {
                            if sx.intersects(sy) && seen.insert(tx, ty) {
                                queue.push_back((tx, ty));
                            }
                        }
                    }
                }
            }
        }
        false
    }
}

/// Visited state pairs of a product search.
enum Visited {
    Bits(Vec<u64>, usize),
    Set(crate::hashing::HashSet<(usize, usize)>),
}

impl Visited {
    /// Products up to this many pairs get a bit set (128 KiB).
    const BITS: usize = 1 << 20;

    fn new(na: usize, nb: usize) -> Visited {
        match na.checked_mul(nb) {
            Some(n) if n <= Self::BITS => Visited::Bits(vec![0; n.div_ceil(64)], nb),
            _ => Visited::Set(crate::hashing::HashSet::default()),
        }
    }

    /// Add a pair; whether it was new.
    fn insert(&mut self, a: usize, b: usize) -> bool {
        match self {
            Visited::Bits(bits, nb) => {
                let i = a * *nb + b;
                let (w, bit) = (i / 64, 1u64 << (i % 64));
                let new = bits[w] & bit == 0;
                bits[w] |= bit;
                new
            }
            Visited::Set(set) => set.insert((a, b)),
        }
    }
}

/// Epsilon closures of one automaton's states, kept while they are few.
struct Closures {
    cached: Vec<Option<std::rc::Rc<[usize]>>>,
    held: usize,
    mark: Vec<u32>,
    stamp: u32,
    scratch: Vec<usize>,
}

impl Closures {
    /// States held in all cached closures; past this, closures are
    /// computed again at every visit (the product search stays linear in
    /// memory on a glob built to have quadratic closures).
    const HELD: usize = 1 << 20;

    /// Nothing to hold when the automaton has its closures.
    fn new(nfa: &Nfa) -> Closures {
        let n = if nfa.closed.is_some() {
            0
        } else {
            nfa.edges.len()
        };
        Closures {
            cached: vec![None; n],
            held: 0,
            mark: vec![0; n],
            stamp: 0,
            scratch: Vec::new(),
        }
    }

    fn get<'n>(&mut self, nfa: &'n Nfa, s: usize) -> Closure<'n> {
        if let Some(c) = &nfa.closed {
            return Closure::Kept(&c.items[c.start[s]..c.start[s + 1]]);
        }
        if let Some(c) = &self.cached[s] {
            return Closure::Made(std::rc::Rc::clone(c));
        }
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.mark.iter_mut().for_each(|m| *m = 0);
            self.stamp = 1;
        }
        self.scratch.clear();
        nfa.closure(s, &mut self.scratch, &mut self.mark, self.stamp);
        let c: std::rc::Rc<[usize]> = std::rc::Rc::from(self.scratch.as_slice());
        if self.held + c.len() <= Self::HELD {
            self.held += c.len();
            self.cached[s] = Some(std::rc::Rc::clone(&c));
        }
        Closure::Made(c)
    }
}

/// One state's closure: the automaton's own, or computed by the search.
enum Closure<'n> {
    Kept(&'n [usize]),
    Made(std::rc::Rc<[usize]>),
}

impl std::ops::Deref for Closure<'_> {
    type Target = [usize];

    fn deref(&self) -> &[usize] {
        match self {
            Closure::Kept(c) => c,
            Closure::Made(c) => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What `may_be_invalid` lets through always validates, as text and as
    /// skeleton, whatever else it holds (`]`, `,`, `-`, `^`, `@` without a
    /// brace, wildcards, multi-byte characters).
    #[test]
    fn texts_without_braces_brackets_or_backslashes_always_validate() {
        let alphabet = [
            "a", "/", "*", "?", "**", ",", "-", "^", "]", "@", ".", "é", "x", " ",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..20_000 {
            let mut t = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = 1 + (seed % 12) as usize;
            for k in 0..len {
                t.push_str(alphabet[((seed >> (k * 4)) % alphabet.len() as u64) as usize]);
            }
            assert!(!may_be_invalid(&t));
            assert_eq!(Glob::validate(&t), Ok(()), "{t}");
            assert_eq!(Glob::validate(&skeleton(&t)), Ok(()), "{t}");
        }
        for t in ["{a,b}", "a}", "[ab]", "a\\*", "@{V}"] {
            assert!(may_be_invalid(t), "{t}");
        }
    }

    fn g(s: &str) -> Glob {
        Glob::parse(s).expect("valid glob")
    }

    #[test]
    fn a_single_byte_is_found_in_every_word() {
        for b in 0..=255u8 {
            assert_eq!(ByteSet::one(b).single(), Some(b));
            let mut two = ByteSet::one(b);
            two.insert(b.wrapping_add(1));
            assert_eq!(two.single(), None);
        }
        assert_eq!(ByteSet::EMPTY.single(), None);
    }

    #[test]
    fn overlap() {
        assert!(g("/bin/a*").overlaps(&g("/bin/*b")));
        assert!(g("/bin/*").overlaps(&g("/bin/**")));
        assert!(!g("/bin/*").overlaps(&g("/usr/*")));
        assert!(!g("/bin/*").overlaps(&g("/bin/a/b")));
        assert!(g("/bin/**").overlaps(&g("/bin/a/b")));
        assert!(g("/{a,b}/x").overlaps(&g("/b/?")));
        assert!(!g("/[^a]").overlaps(&g("/a")));
        assert!(g("/[a-c]").overlaps(&g("/b")));
        // `*` after `/` needs a character: `/a/*` never matches `/a/`.
        assert!(!g("/a/*").overlaps(&g("/a/")));
        assert!(!g("/a/.P/**").overlaps(&g("/a/*/")));
        assert!(g("/a/.P/**").overlaps(&g("/a/*/*")));
    }

    #[test]
    fn ends_filter() {
        let may = |a: &str, b: &str| g(a).may_overlap(&g(b));
        // Told apart by an end.
        assert!(!may("/{,usr/}bin/sh", "/{,usr/}bin/kmod"));
        assert!(!may("/home/*/.Private/**", "/{,usr/}sbin/fsck.*"));
        assert!(!may("/usr/bin/perl[0-9].[0-9]", "/{,usr/}bin/sh"));
        assert!(!may("/bin/[ab]x", "/bin/cx"));
        assert!(!may("/a", "/a/b"));
        assert!(!may("/a/**", "/b"));
        // Only the automata can tell (or they do overlap).
        assert!(may("/{,usr/}bin/sh", "/usr/bin/sh"));
        assert!(may("/{,usr/}bin/{,ba,da}sh", "/bin/bash"));
        assert!(may("/{,usr/}bin/{m,g,}awk", "/usr/bin/mawk"));
        assert!(may("/bin/[ab]x", "/bin/bx"));
        assert!(may("/bin/**", "/{,usr/}bin/sh"));
        assert!(may("/{a,b}", "/{b,c}"));
        assert!(may("/a{,/b}", "/a"));
        assert!(may("/a*", "/a"));
        assert!(may("/**", "/x/y"));
        assert!(!may("/{a,b}", "/{c,d}"));
        // `//` is collapsed before parsing.
        let c = collapse_slashes("/home//*/x");
        assert!(g(&c).may_overlap(&g("/home/u/x")));
        assert!(g(&c).overlaps(&g("/home/u/x")));
    }

    /// The ends filter never rules out a pair the automata find.
    #[test]
    fn ends_filter_is_sound() {
        let globs: Vec<Glob> = random_strings(0x1234_5678_9abc_def1, b"{},[]^-ab/*?", 10)
            .iter()
            .filter_map(|s| Glob::parse(s).ok())
            .take(300)
            .collect();
        let mut ruled_out = 0;
        for a in &globs {
            for b in &globs {
                let exact = a.overlaps_exactly(b);
                assert!(!exact || a.may_overlap(b), "{a:?} {b:?}");
                ruled_out += usize::from(!a.may_overlap(b));
            }
        }
        assert!(ruled_out > 0);
    }

    /// 20,000 seeded strings over `alphabet`, shorter than `max_len`.
    fn random_strings(seed: u64, alphabet: &[u8], max_len: u64) -> Vec<String> {
        let mut x = seed;
        (0..20_000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (0..(x % max_len) as usize)
                    .map(|k| alphabet[((x >> (k * 4)) % alphabet.len() as u64) as usize] as char)
                    .collect()
            })
            .collect()
    }

    /// `validate` reports exactly what `parse` reports.
    #[test]
    fn validate_agrees_with_parse() {
        for s in random_strings(0x2545_f491_4f6c_dd1d, b"{},[]^-\\a/*?", 12) {
            assert_eq!(Glob::validate(&s).err(), Glob::parse(&s).err(), "{s:?}");
        }
    }

    /// The skeleton as first written, a character at a time.
    fn skeleton_by_chars(text: &str) -> String {
        let mut out = String::new();
        let mut ordinary = false;
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("@{") {
                if let Some(end) = rest.find('}') {
                    out.push_str(&rest[..=end]);
                    rest = &rest[end + 1..];
                    ordinary = false;
                    continue;
                }
            }
            if matches!(c, '{' | '}' | ',' | '[' | ']' | '^' | '-' | '\\') {
                out.push(c);
                ordinary = false;
            } else if !ordinary {
                out.push('x');
                ordinary = true;
            }
            rest = &rest[c.len_utf8()..];
        }
        out
    }

    #[test]
    fn skeleton_reads_bytes_as_characters_would() {
        for s in random_strings(0x5851_f42d_4c95_7f2d, b"{},[]^-\\a/@@{}", 16) {
            let s = s.replace('a', "\u{e9}").replace('/', "\u{1f600}");
            assert_eq!(skeleton(&s), skeleton_by_chars(&s), "{s:?}");
        }
    }

    #[test]
    fn skeleton_into_clears_its_buffer_first() {
        let mut buf = String::from("left over");
        for s in ["/usr/@{lib}/{a,b}/**", "", "@{HOME}", "/x"] {
            skeleton_into(s, &mut buf);
            assert_eq!(buf, skeleton(s), "{s:?}");
        }
        assert_eq!(skeleton("/usr/@{lib}/{a,b}/**"), "x@{lib}x{x,x}x");
    }

    #[test]
    fn skeletons_validate_alike() {
        for s in random_strings(0x9e37_79b9_7f4a_7c15, b"{},[]^-\\ab/*", 14) {
            let sk = skeleton(&s);
            assert_eq!(
                Glob::validate(&s).is_ok(),
                Glob::validate(&sk).is_ok(),
                "{s:?} vs {sk:?}"
            );
        }
    }

    #[test]
    fn errors() {
        assert_eq!(Glob::parse("/a{b").err(), Some(GlobError::UnclosedBrace(2)));
        assert_eq!(
            Glob::parse("/{}x").err(),
            Some(GlobError::EmptyAlternation(1))
        );
        assert_eq!(
            Glob::parse("/one{en}try").err(),
            Some(GlobError::SingleAlternation(4))
        );
        assert_eq!(Glob::parse("/a}").err(), Some(GlobError::UnopenedBrace(2)));
        assert!(Glob::parse("/{,a}").is_ok());
        assert_eq!(
            Glob::parse("/[ab").err(),
            Some(GlobError::UnclosedBracket(1))
        );
    }
}
