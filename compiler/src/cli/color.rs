//! When to colour human output. `--color always|never` decides; `auto`
//! colours only a terminal, and follows the conventions: a non-empty
//! `NO_COLOR` turns colour off (an empty one does not: no-color.org),
//! `CLICOLOR=0` turns it off, and a non-empty `CLICOLOR_FORCE` other than
//! `0` turns it on even off a terminal.

use clap::ValueEnum;

#[derive(Clone, Copy, Debug, Default, ValueEnum, PartialEq, Eq)]
pub enum ColorWhen {
    /// Colour when stderr is a terminal and the environment allows it.
    #[default]
    Auto,
    Always,
    Never,
}

/// Whether to colour, given the flag, whether the output is a terminal, and
/// the environment (`var` looks a variable up).
pub fn use_color(when: ColorWhen, is_terminal: bool, var: impl Fn(&str) -> Option<String>) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            let set = |name: &str| var(name).is_some_and(|v| !v.is_empty());
            if set("NO_COLOR") {
                return false;
            }
            if var("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
                return true;
            }
            if var("CLICOLOR").as_deref() == Some("0") {
                return false;
            }
            is_terminal
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn auto_colours_terminals_only_and_follows_the_conventions() {
        use ColorWhen::*;
        assert!(use_color(Auto, true, env(&[])));
        assert!(!use_color(Auto, false, env(&[])));
        assert!(!use_color(Auto, true, env(&[("NO_COLOR", "1")])));
        // An empty NO_COLOR is not set.
        assert!(use_color(Auto, true, env(&[("NO_COLOR", "")])));
        assert!(!use_color(Auto, true, env(&[("CLICOLOR", "0")])));
        assert!(use_color(Auto, false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!use_color(Auto, false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!use_color(
            Auto,
            false,
            env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "x")])
        ));
        assert!(use_color(Always, false, env(&[("NO_COLOR", "1")])));
        assert!(!use_color(Never, true, env(&[])));
    }
}
