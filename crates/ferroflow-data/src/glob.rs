//! File name patterns as TensorFlow matches them (`tf.io.gfile.glob`,
//! `Env::GetMatchingPaths`, which uses `fnmatch` with `FNM_PATHNAME`): in
//! any path component, `*` matches any run of characters but `/`, `?` one
//! character, `[abc]`, `[a-z]` and `[!a-z]` (or `[^a-z]`) one character of
//! a class, and `\` makes the next character literal.

use std::path::Path;

/// The paths matching `pattern`, sorted. Directories that cannot be read
/// match nothing, as in TensorFlow.
pub(crate) fn matching_paths(pattern: &str) -> Vec<String> {
    let parts: Vec<&str> = pattern.split('/').collect();
    let Some(first_wild) = parts.iter().position(|p| is_pattern(p)) else {
        return if Path::new(pattern).exists() {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    };
    let prefix = match parts[..first_wild].join("/") {
        root if root.is_empty() && first_wild > 0 => "/".to_string(),
        prefix => prefix,
    };
    let mut found = vec![prefix];
    for part in &parts[first_wild..] {
        found = found.iter().flat_map(|dir| children(dir, part)).collect();
    }
    found.sort();
    found
}

/// The entries of directory `dir` matching the component pattern `part`.
fn children(dir: &str, part: &str) -> Vec<String> {
    let join = |name: &str| match dir {
        "" => name.to_string(),
        d if d.ends_with('/') => format!("{d}{name}"),
        d => format!("{d}/{name}"),
    };
    if !is_pattern(part) {
        let path = join(part);
        return if Path::new(&path).exists() {
            vec![path]
        } else {
            Vec::new()
        };
    }
    let pattern: Vec<char> = part.chars().collect();
    let Ok(entries) = std::fs::read_dir(if dir.is_empty() { "." } else { dir }) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| fnmatch(&pattern, &name.chars().collect::<Vec<_>>()))
        .map(|name| join(&name))
        .collect()
}

/// Whether a path component holds wildcards or escapes.
fn is_pattern(part: &str) -> bool {
    part.contains(['*', '?', '[', '\\'])
}

/// Whether `name` matches `pattern` (one path component), backtracking to
/// the last `*` on a mismatch.
fn fnmatch(pattern: &[char], name: &[char]) -> bool {
    let (mut p, mut n) = (0, 0);
    // Where to resume after the last `*`: the pattern after it, and the
    // name position it has consumed up to.
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        if pattern.get(p) == Some(&'*') {
            p += 1;
            star = Some((p, n));
            continue;
        }
        if let Some(used) = pattern.get(p..).and_then(|rest| match_one(rest, name[n])) {
            p += used;
            n += 1;
            continue;
        }
        match star {
            Some((after, consumed)) => {
                star = Some((after, consumed + 1));
                p = after;
                n = consumed + 1;
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// How many pattern characters match `c` at the start of `pattern` (not a
/// `*`), or `None` when they do not.
fn match_one(pattern: &[char], c: char) -> Option<usize> {
    let (matched, used) = match *pattern {
        [] => return None,
        ['?', ..] => (true, 1),
        ['\\', escaped, ..] => (escaped == c, 2),
        ['[', ..] => match class(&pattern[1..], c) {
            Some((matched, used)) => (matched, used + 1),
            // No closing `]`: a literal `[`.
            None => (c == '[', 1),
        },
        [literal, ..] => (literal == c, 1),
    };
    matched.then_some(used)
}

/// Matches `c` against the class after a `[`: whether it matched and the
/// characters used up to and including the closing `]`, or `None` when
/// there is no closing `]`.
fn class(pattern: &[char], c: char) -> Option<(bool, usize)> {
    let negate = matches!(pattern.first(), Some('!' | '^'));
    let mut i = negate as usize;
    let mut matched = false;
    let mut first = true;
    loop {
        let mut lo = *pattern.get(i)?;
        if lo == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if lo == '\\' {
            i += 1;
            lo = *pattern.get(i)?;
        }
        i += 1;
        let mut hi = lo;
        if pattern.get(i) == Some(&'-') && pattern.get(i + 1).is_some_and(|&h| h != ']') {
            hi = pattern[i + 1];
            i += 2;
            if hi == '\\' {
                hi = *pattern.get(i)?;
                i += 1;
            }
        }
        matched |= (lo..=hi).contains(&c);
    }
}

#[cfg(test)]
mod tests {
    use super::fnmatch;

    fn m(pattern: &str, name: &str) -> bool {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        fnmatch(&chars(pattern), &chars(name))
    }

    #[test]
    fn wildcards_classes_and_escapes_match_as_fnmatch() {
        // Checked against glibc's fnmatch(pattern, name, FNM_PATHNAME) in a
        // UTF-8 locale, which TensorFlow calls on Linux.
        for (pattern, name, want) in [
            ("*", "", true),
            ("*", ".hidden", true),
            ("train-*.tfrecord", "train-00001.tfrecord", true),
            ("train-*.tfrecord", "test-00001.tfrecord", false),
            ("*a*b", "xaxxaxb", true),
            ("*a*b", "xaxxaxbc", false),
            ("?", "é", true),
            ("??", "a", false),
            ("[abc].txt", "b.txt", true),
            ("[abc].txt", "d.txt", false),
            ("[a-c]x", "bx", true),
            ("[!a-c]x", "bx", false),
            ("[^a-c]x", "dx", true),
            ("[]]", "]", true),
            ("[a-]", "-", true),
            ("[", "[", true),
            ("a[", "a[", true),
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("[\\]]", "]", true),
            ("part-[0-9][0-9]", "part-07", true),
            ("part-[0-9][0-9]", "part-7", false),
        ] {
            assert_eq!(m(pattern, name), want, "{pattern:?} on {name:?}");
        }
    }
}
