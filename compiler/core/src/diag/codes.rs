//! The registry of diagnostic codes: every code profilec can report, with
//! its default severity and a one-line summary. `docs/diagnostics.md` is
//! generated from it (and a test fails when that file is stale); SARIF
//! output describes its rules from it; suppression comments name its codes.
//!
//! A code is a stable kebab-case name, never reworded once published:
//! tools and `# profilec: allow(code)` comments key on it.

use super::Severity;

/// One diagnostic code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Code {
    pub name: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
}

impl Code {
    pub const fn new(name: &'static str, severity: Severity, summary: &'static str) -> Code {
        Code {
            name,
            severity,
            summary,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.name == *other
    }
}

/// The code named `name`, if there is one.
pub fn lookup(name: &str) -> Option<Code> {
    ALL.iter().copied().find(|c| c.name == name)
}

macro_rules! registry {
    ($($(#[$doc:meta])* $area:literal { $($id:ident = $name:literal, $sev:ident, $summary:literal;)* })*) => {
        $($(pub const $id: Code = Code::new($name, Severity::$sev, $summary);)*)*
        /// Every code, grouped by area, in registry order.
        pub const ALL: &[Code] = &[$($($id,)*)*];
        /// The areas, each with its codes, for the generated documentation.
        pub const AREAS: &[(&str, &[Code])] = &[$(($area, &[$($id,)*]),)*];
    };
}

registry! {
    "Input" {
        IO_ERROR = "io-error", Error, "the file cannot be read";
        NOT_A_FILE = "not-a-file", Error, "the path names a directory or something else that is not a file";
        BINARY_FILE = "binary-file", Error, "the file is not text (it has a NUL byte)";
        INVALID_UTF8 = "invalid-utf8", Error, "the file is not valid UTF-8";
        INPUT_TOO_LARGE = "input-too-large", Error, "the input is larger than `--max-input-size` (default 64 MiB)";
        BYTE_ORDER_MARK = "byte-order-mark", Error, "the file starts with a UTF-8 byte-order mark, which apparmor_parser rejects";
    }
    "AppArmor syntax" {
        SYNTAX_ERROR = "syntax-error", Error, "the text does not parse";
        DEPRECATED_HASH_INCLUDE = "deprecated-hash-include", Warning, "`#include` is the old spelling of `include`";
        ASSIGNMENT_TRAILING_COMMA = "assignment-trailing-comma", Error, "a variable assignment ends with a comma";
        EMPTY_ASSIGNMENT = "empty-assignment", Error, "a variable assignment with no value";
        NESTING_TOO_DEEP = "nesting-too-deep", Error, "blocks or parentheses nested deeper than the parser allows";
        UNCLOSED_BRACE = "unclosed-brace", Error, "a block is not closed before the end of the file";
        TOO_MANY_ERRORS = "too-many-errors", Note, "further syntax errors of a file are not shown";
    }
    "Includes" {
        INCLUDE_NOT_FOUND = "include-not-found", Error, "an include names a file or directory that is not in the search path";
        INCLUDE_CYCLE = "include-cycle", Warning, "a file includes itself, directly or through other files; the repeat is skipped";
        INCLUDE_UNREADABLE = "include-unreadable", Error, "an included file cannot be read or is not text";
        ABI_NOT_FOUND = "abi-not-found", Error, "an `abi` rule names a feature file that is not in the search path";
        INCLUDE_TOO_DEEP = "include-too-deep", Error, "includes nest deeper than 256 levels";
        INCLUDE_EXPANSION_TOO_LARGE = "include-expansion-too-large", Error, "files included many times over expand to more than a million items";
        INCLUDE_OUTSIDE_ROOT = "include-outside-root", Warning, "an include climbs out of its search directory with `..`";
    }
    "AppArmor checks" {
        RULE_OUTSIDE_PROFILE = "rule-outside-profile", Error, "a rule stands outside any profile";
        INVALID_PROFILE_NAME = "invalid-profile-name", Error, "a profile name the parser rejects";
        INVALID_ATTACHMENT = "invalid-attachment", Error, "an attachment that is not an absolute path or glob";
        DUPLICATE_PROFILE = "duplicate-profile", Error, "two profiles with the same name";
        UNKNOWN_PROFILE_FLAG = "unknown-profile-flag", Error, "a profile flag the kernel does not know";
        CONFLICTING_PROFILE_FLAGS = "conflicting-profile-flags", Error, "profile flags that exclude each other";
        INVALID_PROFILE_FLAG_VALUE = "invalid-profile-flag-value", Error, "a profile flag with an invalid value";
        EMPTY_PROFILE_FLAGS = "empty-profile-flags", Error, "`flags=()` with nothing inside";
        HAT_XATTRS = "hat-xattrs", Error, "a hat with `xattrs=`, which hats cannot have";
        APPEND_WRITE_CONFLICT = "append-write-conflict", Error, "`a` and `w` together in one permission set";
        CONFLICTING_EXEC_MODES = "conflicting-exec-modes", Error, "one path executed two different ways";
        EXEC_NEEDS_QUALIFIER = "exec-needs-qualifier", Error, "`x` without an exec qualifier (ix, px, cx, ux, ...)";
        DENY_EXEC_QUALIFIER = "deny-exec-qualifier", Error, "a deny rule with an exec qualifier";
        UNSAFE_WITHOUT_EXEC = "unsafe-without-exec", Error, "`safe` or `unsafe` on a rule with no exec permission";
        SUBSET_WITHOUT_LINK = "subset-without-link", Error, "`subset` on a rule that is not a link rule";
        LINK_EXEC_TRANSITION = "link-exec-transition", Error, "a link rule with an exec transition target";
        RELATIVE_PATH = "relative-path", Error, "a file rule path that is not absolute and starts with no variable";
        DEPRECATED_UPPERCASE_PERMISSION = "deprecated-uppercase-permission", Warning, "upper-case permission letters are deprecated";
        OWNER_NOT_ALLOWED = "owner-not-allowed", Error, "`owner` on a rule kind that takes none";
        PRIORITY_OUT_OF_RANGE = "priority-out-of-range", Error, "a `priority=` outside the allowed range";
        PRIORITY_ON_BLOCK = "priority-on-block", Error, "`priority=` on a qualifier block";
        UNKNOWN_CAPABILITY = "unknown-capability", Error, "a capability the kernel does not know";
        INVALID_PERMISSION = "invalid-permission", Error, "a permission the rule kind does not take";
        UNKNOWN_CONDITIONAL = "unknown-conditional", Error, "a conditional the rule kind does not take";
        REPEATED_CONDITIONAL = "repeated-conditional", Error, "the same conditional given twice in one rule";
        INVALID_VALUE = "invalid-value", Error, "a conditional value of the wrong form";
        INCOMPATIBLE_PERMISSIONS = "incompatible-permissions", Error, "permissions that do not combine with the rule's conditionals";
        UNKNOWN_NETWORK_NAME = "unknown-network-name", Error, "an unknown network family, type or protocol";
        UNKNOWN_SIGNAL = "unknown-signal", Error, "an unknown signal name or number";
        INVALID_GLOB = "invalid-glob", Error, "a pattern that is not a valid AppArmor glob";
        INVALID_MOUNT_OPTION = "invalid-mount-option", Error, "an unknown mount option";
        CONFLICTING_MOUNT_OPTIONS = "conflicting-mount-options", Error, "mount options that contradict each other";
        INVALID_MOUNT_RULE = "invalid-mount-rule", Error, "a mount, remount, umount or pivot_root rule of an invalid form";
        INVALID_RLIMIT = "invalid-rlimit", Error, "an unknown rlimit or a value out of range";
        INVALID_CHANGE_PROFILE = "invalid-change-profile", Error, "a change_profile rule of an invalid form";
        INVALID_MQUEUE_NAME = "invalid-mqueue-name", Error, "an mqueue name of an invalid form";
        RULE_DROPPED_IN_BLOCK = "rule-dropped-in-block", Warning, "a rule kind that apparmor_parser drops inside a qualifier block";
        VARIABLE_REDEFINED = "variable-redefined", Error, "a variable defined twice with `=`";
        VARIABLE_ADD_UNDECLARED = "variable-add-undeclared", Error, "`+=` on a variable not yet defined";
        UNDEFINED_VARIABLE = "undefined-variable", Error, "a variable that is never defined";
        RECURSIVE_VARIABLE = "recursive-variable", Error, "a variable whose value refers to itself";
        BOOLEAN_AS_SET = "boolean-as-set", Error, "a boolean variable used where a set variable is expected";
        SET_AS_BOOLEAN = "set-as-boolean", Error, "a set variable used where a boolean is expected";
        BOOLEAN_ADD_ASSIGN = "boolean-add-assign", Error, "`+=` on a boolean variable";
        PREAMBLE_AFTER_PROFILE = "preamble-after-profile", Error, "a preamble item after the first profile of a file";
        NO_ATTACHMENT_FOR_VARIABLE = "no-attachment-for-variable", Error, "`@{attach_path}` or `@{exec_path}` in a profile without an attachment";
        INVALID_COMPARISON = "invalid-comparison", Error, "a comparison in a condition of an invalid form";
        EXPANSION_TOO_LARGE = "expansion-too-large", Error, "variables expand a word to more than 1 MiB of text";
        EXEC_CONFLICTS_UNCHECKED = "exec-conflicts-unchecked", Warning, "too many overlapping exec rules to compare every pair";
    }
    "seccomp JSON" {
        SECCOMP_EXPECTED_TYPE = "seccomp-expected-type", Error, "a seccomp JSON value has the wrong type";
        SECCOMP_MISSING_FIELD = "seccomp-missing-field", Error, "a required seccomp JSON field is missing";
        SECCOMP_UNKNOWN_FIELD = "seccomp-unknown-field", Warning, "a seccomp JSON field that runtimes do not read";
        SECCOMP_DUPLICATE_FIELD = "seccomp-duplicate-field", Warning, "a seccomp JSON object has the same key twice";
        SECCOMP_DOCKER_FIELD = "seccomp-docker-field", Warning, "a Docker-only field that containerd and CRI-O drop silently";
        SECCOMP_UNKNOWN_ACTION = "seccomp-unknown-action", Error, "an action that is not an SCMP_ACT_* name";
        SECCOMP_UNKNOWN_OP = "seccomp-unknown-op", Error, "an argument comparison that is not an SCMP_CMP_* name";
        SECCOMP_UNKNOWN_ARCH = "seccomp-unknown-arch", Error, "an architecture that is not an SCMP_ARCH_* name";
        SECCOMP_UNKNOWN_FLAG = "seccomp-unknown-flag", Error, "a filter flag that is not an SECCOMP_FILTER_FLAG_* name";
        SECCOMP_BAD_NUMBER = "seccomp-bad-number", Error, "a number out of range for its field";
        SECCOMP_ARG_INDEX = "seccomp-arg-index", Error, "an argument index outside 0 to 5";
        SECCOMP_ERRNO_RET_IGNORED = "seccomp-errno-ret-ignored", Error, "`errnoRet` on an action that does not use it";
        SECCOMP_EMPTY_NAME = "seccomp-empty-name", Error, "an empty syscall name";
        JSON_SYNTAX = "json-syntax", Error, "the file is not valid JSON";
        SECCOMP_LOAD_FAILED = "seccomp-load-failed", Error, "libseccomp refuses the profile as runc loads it";
        SECCOMP_PROGRAM_TOO_LONG = "seccomp-program-too-long", Error, "the compiled filter exceeds the kernel's 4096-instruction limit";
        SECCOMP_RULE_EQUALS_DEFAULT = "seccomp-rule-equals-default", Warning, "a rule whose action equals the default action; runtimes skip it";
        SECCOMP_SHADOWED_RULE = "seccomp-shadowed-rule", Warning, "a rule that an earlier rule for the same syscall overrides";
        SECCOMP_UNKNOWN_SYSCALL = "seccomp-unknown-syscall", Warning, "a syscall name that libseccomp does not know; runc skips it";
        SECCOMP_SYSCALL_NOT_ON_ARCH = "seccomp-syscall-not-on-arch", Warning, "a syscall that does not exist on one of the profile's architectures";
        SECCOMP_X86_SOCKETCALL = "seccomp-x86-socketcall", Warning, "on x86 a conditional socket rule does not constrain socketcall";
        SECCOMP_SAME_ARG_TWICE = "seccomp-same-arg-twice", Warning, "two conditions on one argument that libseccomp cannot combine";
        SECCOMP_MASKED_NEVER_MATCHES = "seccomp-masked-never-matches", Warning, "a masked comparison whose value has bits outside the mask";
        SECCOMP_DOCKER_GATED_RULE = "seccomp-docker-gated-rule", Warning, "a rule gated by Docker-only `includes`/`excludes` that other runtimes apply unconditionally";
        SECCOMP_NOTIFY_WRITE = "seccomp-notify-write", Error, "SCMP_ACT_NOTIFY on a syscall the notifier needs itself";
        SECCOMP_NOTIFY_NO_LISTENER = "seccomp-notify-no-listener", Warning, "SCMP_ACT_NOTIFY without a listener path";
    }
    "seccomp expectations" {
        EXPECT_SYNTAX = "expect-syntax", Error, "a line of an expectation file or block does not parse";
        EXPECT_UNKNOWN_SYSCALL = "expect-unknown-syscall", Error, "an expectation names a syscall that no target architecture has";
        EXPECT_UNKNOWN_NAME = "expect-unknown-name", Error, "an expectation names an unknown errno or constant";
        EXPECT_MISMATCH = "expect-mismatch", Error, "what the filter decides differs from what the expectation says";
        EXPECT_NOT_FOUND = "expect-not-found", Error, "a seccomp profile with no expectations to test";
        EXPECT_PROFILE_UNUSABLE = "expect-profile-unusable", Error, "the profile an expectation file names cannot be used";
        EXPECT_LIVE_UNAVAILABLE = "expect-live-unavailable", Error, "the kernel cannot run live cases here";
    }
    "Emitters" {
        FMT_REFUSED = "fmt-refused", Error, "the formatter refused a tree whose text would not read back the same";
        FMT_NOT_APPARMOR = "fmt-not-apparmor", Error, "`fmt` was given seccomp JSON; it formats AppArmor policy only";
    }
    "Writing files" {
        WRITE_READ_ONLY = "write-read-only", Error, "`fmt --write` refuses a read-only file without `--force`";
        WRITE_HARD_LINK = "write-hard-link", Error, "`fmt --write` refuses a file with several hard links (a rename would split them)";
        WRITE_METADATA = "write-metadata-lost", Error, "the rewritten file could not keep the owner, group, mode or extended attributes of the old one";
        WRITE_CHANGED = "write-changed-on-disk", Error, "the file changed after it was read; it is not overwritten";
        WRITE_FAILED = "write-failed", Error, "the file could not be written; it is left as it was";
    }
    "Sessions" {
        UNKNOWN_ALLOW_CODE = "unknown-allow-code", Warning, "a `# profilec: allow(...)` comment names no known code";
        INTERNAL_ERROR = "internal-error", Error, "profilec failed on this input (a bug); other inputs are unaffected";
    }
}
