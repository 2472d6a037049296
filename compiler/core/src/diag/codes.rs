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
        PRIORITY_NOT_ALLOWED = "priority-not-allowed", Error, "`priority=` on a rule kind that takes none (network, `all`)";
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
    "confine syntax" {
        CONFINE_SYNTAX_ERROR = "confine-syntax-error", Error, "a line of a `.confine` file that is no statement or block";
        CONFINE_UNCLOSED_BRACE = "confine-unclosed-brace", Error, "a `.confine` block is not closed before the end of the file";
        CONFINE_NESTING_TOO_DEEP = "confine-nesting-too-deep", Error, "braces or brackets nested deeper than any `.confine` file needs";
        CONFINE_UNKNOWN_KEYWORD = "confine-unknown-keyword", Error, "a keyword, section, verb, action or operator the DSL does not know";
        CONFINE_EXPECTED = "confine-expected", Error, "a statement with a value missing, or with one too many";
        CONFINE_UNEXPECTED_TOKEN = "confine-unexpected-token", Error, "a `,` or `[...]` list where the statement takes none";
    }
    "confine checks" {
        CONFINE_NO_PROFILE = "confine-no-profile", Error, "a `.confine` file that defines nothing";
        CONFINE_IMPORT_NOT_FOUND = "confine-import-not-found", Error, "an `import` names a file that is not there";
        CONFINE_IMPORT_CYCLE = "confine-import-cycle", Error, "a `.confine` file imports itself, directly or through other files";
        CONFINE_DUPLICATE_NAME = "confine-duplicate-name", Error, "two profiles, bases or syscall sets with the same name";
        CONFINE_INVALID_NAME = "confine-invalid-name", Error, "a profile name that cannot name an AppArmor profile and an output file";
        CONFINE_UNKNOWN_BASE = "confine-unknown-base", Error, "`use` or `extends` of a base that is not defined, imported or in the stdlib";
        CONFINE_BASE_CYCLE = "confine-base-cycle", Error, "a base that uses itself, directly or through other bases, or a set that does";
        CONFINE_UNKNOWN_SET = "confine-unknown-set", Error, "`use` of a syscall set that is not defined, imported or in the stdlib";
        CONFINE_UNKNOWN_MODE = "confine-unknown-mode", Error, "a `mode` other than `enforce` or `complain`";
        CONFINE_REPEATED_SETTING = "confine-repeated-setting", Error, "`mode`, `attach`, `default` or `arch` given twice in one profile";
        CONFINE_RELATIVE_PATH = "confine-relative-path", Error, "a path that is not absolute and does not start with a variable";
        CONFINE_PATH_INJECTION = "confine-path-injection", Error, "a path with a character that could end the rule and start another";
        CONFINE_INVALID_GLOB = "confine-invalid-glob", Error, "a path that is not a valid AppArmor glob";
        CONFINE_UNKNOWN_CAPABILITY = "confine-unknown-capability", Error, "a capability the kernel does not know";
        CONFINE_UNKNOWN_NETWORK_NAME = "confine-unknown-network-name", Error, "an unknown network family, type or protocol";
        CONFINE_UNKNOWN_SIGNAL = "confine-unknown-signal", Error, "an unknown signal name";
        CONFINE_INVALID_PEER = "confine-invalid-peer", Error, "a peer or flag that is not a plain profile name";
        CONFINE_UNKNOWN_ERRNO = "confine-unknown-errno", Error, "an errno name that is not known";
        CONFINE_UNKNOWN_CONSTANT = "confine-unknown-constant", Error, "an argument value that is neither a number nor a known constant";
        CONFINE_UNKNOWN_SYSCALL = "confine-unknown-syscall", Error, "a syscall that no target architecture has";
        CONFINE_SYSCALL_NOT_ON_ARCH = "confine-syscall-not-on-arch", Note, "a syscall that some target architectures lack; the rule applies where it exists";
        CONFINE_UNKNOWN_ARCH = "confine-unknown-arch", Error, "an architecture other than x86_64, x86 and aarch64";
        CONFINE_SYSCALL_CONTRADICTION = "confine-syscall-contradiction", Error, "one profile both allows and denies a syscall";
        CONFINE_PATH_CONTRADICTION = "confine-path-contradiction", Error, "one profile makes a path writable and denies it";
        CONFINE_SAME_ARG_TWICE = "confine-same-arg-twice", Error, "two conditions on one argument in one rule, which runtimes would or, not and";
        CONFINE_CONDITION_OVERRIDDEN = "confine-condition-overridden", Warning, "conditional rules for a syscall that an unconditional rule overrides in libseccomp";
        CONFINE_X86_SOCKETCALL = "confine-x86-socketcall", Warning, "on x86 conditions on `socket` do not constrain `socketcall`";
        CONFINE_SHADOWED_GRANT = "confine-shadowed-grant", Warning, "an allowed path that a deny covers completely, so the grant never takes effect";
        CONFINE_NETWORK_BLOCKED = "confine-network-blocked-by-seccomp", Warning, "`network allow` of what the seccomp policy blocks";
        CONFINE_EXEC_BLOCKED = "confine-exec-blocked-by-seccomp", Warning, "`files exec` while the seccomp policy blocks `execve`";
        CONFINE_RAW_BLOCKED = "confine-net-raw-blocked-by-seccomp", Warning, "`capabilities allow net_raw` while the seccomp policy blocks raw sockets";
        CONFINE_TOO_MANY_RULES = "confine-too-many-rules", Error, "more seccomp rules than a kernel filter can hold";
        CONFINE_EXPECT_WITHOUT_SECCOMP = "confine-expect-without-seccomp", Error, "an `expect` block in a profile with no `syscalls` policy";
    }
    "build" {
        BUILD_NO_INPUTS = "build-no-inputs", Error, "a directory given to `profilec build` holds no `.confine` or AppArmor file";
        BUILD_OUTPUT_CLASH = "build-output-clash", Error, "two profiles would be written to the same output file";
        BUILD_WRITE_FAILED = "build-write-failed", Error, "an output file could not be written";
        BUILD_STALE_OUTPUT = "build-stale-output", Error, "`--check`: an output is missing or differs from what the inputs give";
        BUILD_VERIFY_FAILED = "build-verify-failed", Error, "`--verify`: apparmor_parser rejects an AppArmor output";
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
    "Kubernetes" {
        K8S_YAML_SYNTAX = "k8s-yaml-syntax", Error, "a manifest is not valid YAML";
        K8S_YAML_TOO_COMPLEX = "k8s-yaml-too-complex", Error, "a manifest too large, too deep or with aliases that expand too far to read";
        K8S_YAML_DUPLICATE_KEY = "k8s-yaml-duplicate-key", Error, "a YAML mapping with the same key twice, which Kubernetes refuses";
        K8S_INVALID_OBJECT = "k8s-invalid-object", Error, "a document that is not a valid object of its kind";
        K8S_UNKNOWN_KIND = "k8s-unknown-kind", Note, "a document of a kind the lint does not read; skipped";
        K8S_INVALID_PROFILE_REFERENCE = "k8s-invalid-profile-reference", Error, "an AppArmor or seccomp profile reference Kubernetes rejects";
        K8S_SECCOMP_PATH = "k8s-seccomp-path", Error, "a seccomp `localhostProfile` that is not a relative, descending path";
        K8S_MISSING_PROFILE = "k8s-missing-profile", Error, "a Localhost profile the build did not produce; the container would fail to start";
        K8S_PROFILE_MISMATCH = "k8s-profile-mismatch", Error, "an AppArmor field and annotation for one container that disagree";
        K8S_ANNOTATION_UNKNOWN_CONTAINER = "k8s-annotation-unknown-container", Warning, "an AppArmor annotation that names no container of the pod";
        K8S_PRIVILEGED_PROFILE_IGNORED = "k8s-privileged-profile-ignored", Warning, "a profile on a privileged container, which runs unconfined anyway";
        K8S_UNKNOWN_FIELD = "k8s-unknown-field", Warning, "a securityContext field Kubernetes does not know (a typo drops the setting)";
        K8S_SECCOMP_ANNOTATION_IGNORED = "k8s-seccomp-annotation-ignored", Warning, "a seccomp annotation, which Kubernetes ignores since 1.27";
        K8S_PSS_VIOLATION = "k8s-pss-violation", Error, "a pod the Pod Security Standards level of its namespace refuses";
        K8S_INVALID_PSS_LEVEL = "k8s-invalid-pss-level", Warning, "a namespace's `pod-security.kubernetes.io/enforce` label that is no level";
        K8S_PROFILE_SET = "k8s-profile-set", Error, "build outputs that cannot be turned into Kubernetes manifests";
    }
    "Sessions" {
        UNKNOWN_ALLOW_CODE = "unknown-allow-code", Warning, "a `# profilec: allow(...)` comment names no known code";
        INTERNAL_ERROR = "internal-error", Error, "profilec failed on this input (a bug); other inputs are unaffected";
    }
}
