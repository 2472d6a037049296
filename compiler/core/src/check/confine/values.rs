//! Argument values of syscall conditions and errno names: numbers
//! (decimal or `0x` hex), known constants (`AF_INET`, `CLONE_NEWUSER`, ...)
//! and `A|B|...` combinations of them.

use crate::seccomp::consts;

/// The value of `text`, or the part that is not a number or a constant.
pub fn value(text: &str) -> Result<u64, &str> {
    let mut acc = 0u64;
    for part in text.split('|') {
        acc |= one(part).ok_or(part)?;
    }
    Ok(acc)
}

fn one(part: &str) -> Option<u64> {
    if let Some(hex) = part.strip_prefix("0x") {
        return u64::from_str_radix(hex, 16).ok();
    }
    if part.starts_with(|c: char| c.is_ascii_digit()) {
        return part.parse().ok();
    }
    consts::constant(part)
}

/// Every constant name a condition may use, for did-you-mean help.
pub fn constant_names() -> Vec<&'static str> {
    [
        consts::SOCKET_FAMILY,
        consts::SOCKET_TYPE,
        consts::CLONE_FLAG,
        consts::PERSONALITY,
    ]
    .iter()
    .flat_map(|t| t.iter().map(|(n, _)| *n))
    .collect()
}

/// An errno by name (`EPERM`) or number.
pub fn errno(text: &str) -> Option<u16> {
    if text.starts_with(|c: char| c.is_ascii_digit()) {
        return text.parse::<u16>().ok().filter(|v| *v < 4096);
    }
    consts::errno_value(text).and_then(|v| u16::try_from(v).ok())
}

pub fn errno_names() -> Vec<&'static str> {
    consts::ERRNO.iter().map(|(n, _)| *n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_constants_and_combinations() {
        assert_eq!(value("0x10"), Ok(16));
        assert_eq!(value("10"), Ok(10));
        assert_eq!(value("AF_INET"), Ok(2));
        assert_eq!(value("CLONE_NEWUSER|CLONE_NEWNS"), Ok(0x1002_0000));
        assert_eq!(value("AF_INTE"), Err("AF_INTE"));
        assert_eq!(errno("EPERM"), Some(1));
        assert_eq!(errno("ENOSYS"), Some(38));
        assert_eq!(errno("EFOO"), None);
    }
}
