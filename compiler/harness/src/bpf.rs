//! A classic BPF interpreter for seccomp programs.
//!
//! Executes the whole classic BPF instruction set as the kernel's seccomp
//! checker admits it (loads from `struct seccomp_data`, the scratch memory,
//! ALU, jumps, returns), not only the subset libseccomp 2.5 emits, so a
//! program from any generator is simulated exactly. Anything the kernel
//! would reject (out-of-range load, jump past the end, division by zero,
//! unknown opcode) is an error, never a panic.

use super::Outcome;

/// The kernel's limit on the length of one classic BPF program.
pub const BPF_MAXINSNS: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// `struct sock_filter` array, as `seccomp_export_bpf` writes it (host byte order).
pub fn decode(bytes: &[u8]) -> Vec<Insn> {
    bytes
        .chunks_exact(8)
        .map(|c| Insn {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect()
}

/// `struct seccomp_data`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeccompData {
    pub nr: i32,
    pub arch: u32,
    pub instruction_pointer: u64,
    pub args: [u64; 6],
}

impl SeccompData {
    /// The 32-bit word at byte offset `off`, as the kernel reads it
    /// (little-endian layout; all simulated architectures are little-endian).
    fn word(&self, off: u32) -> Option<u32> {
        let lo_hi = |v: u64, off: u32| {
            if off.is_multiple_of(8) {
                v as u32
            } else {
                (v >> 32) as u32
            }
        };
        match off {
            0 => Some(self.nr as u32),
            4 => Some(self.arch),
            8 | 12 => Some(lo_hi(self.instruction_pointer, off)),
            16..=60 if off.is_multiple_of(4) => {
                Some(lo_hi(self.args[((off - 16) / 8) as usize], off))
            }
            _ => None,
        }
    }
}

// Instruction classes and fields (linux/filter.h).
const BPF_LD: u16 = 0x00;
const BPF_LDX: u16 = 0x01;
const BPF_ST: u16 = 0x02;
const BPF_STX: u16 = 0x03;
const BPF_ALU: u16 = 0x04;
const BPF_JMP: u16 = 0x05;
const BPF_RET: u16 = 0x06;
const BPF_MISC: u16 = 0x07;
const BPF_W: u16 = 0x00;
const BPF_ABS: u16 = 0x20;
const BPF_IMM: u16 = 0x00;
const BPF_MEM: u16 = 0x60;
const BPF_LEN: u16 = 0x80;
const BPF_K: u16 = 0x00;
const BPF_X: u16 = 0x08;
const BPF_A: u16 = 0x10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimError(pub String);

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Run `prog` on `data`; the 32-bit `SECCOMP_RET_*` value it returns.
pub fn run(prog: &[Insn], data: &SeccompData) -> Result<u32, SimError> {
    let mut a: u32 = 0;
    let mut x: u32 = 0;
    let mut mem = [0u32; 16];
    let mut pc = 0usize;
    // Jumps only go forward, so a program runs at most `len` instructions.
    while let Some(ins) = prog.get(pc) {
        let class = ins.code & 0x07;
        let at = pc;
        let err = |what: &str| SimError(format!("instruction {at} ({:#06x}): {what}", ins.code));
        pc += 1;
        match class {
            BPF_LD | BPF_LDX => {
                let mode = ins.code & 0xe0;
                let v = match mode {
                    BPF_ABS if class == BPF_LD && ins.code & 0x18 == BPF_W => data
                        .word(ins.k)
                        .ok_or_else(|| err("load outside seccomp_data"))?,
                    BPF_IMM => ins.k,
                    BPF_MEM => *mem
                        .get(ins.k as usize)
                        .ok_or_else(|| err("scratch index out of range"))?,
                    BPF_LEN => 64, // sizeof(struct seccomp_data)
                    _ => return Err(err("load mode not allowed in seccomp")),
                };
                if class == BPF_LD {
                    a = v;
                } else {
                    x = v;
                }
            }
            BPF_ST | BPF_STX => {
                let slot = mem
                    .get_mut(ins.k as usize)
                    .ok_or_else(|| err("scratch index out of range"))?;
                *slot = if class == BPF_ST { a } else { x };
            }
            BPF_ALU => {
                let src = if ins.code & BPF_X != 0 { x } else { ins.k };
                a = match ins.code & 0xf0 {
                    0x00 => a.wrapping_add(src),
                    0x10 => a.wrapping_sub(src),
                    0x20 => a.wrapping_mul(src),
                    0x30 => a.checked_div(src).ok_or_else(|| err("division by zero"))?,
                    0x40 => a | src,
                    0x50 => a & src,
                    0x60 => a.checked_shl(src).unwrap_or(0),
                    0x70 => a.checked_shr(src).unwrap_or(0),
                    0x80 => a.wrapping_neg(),
                    0x90 => a.checked_rem(src).ok_or_else(|| err("division by zero"))?,
                    0xa0 => a ^ src,
                    _ => return Err(err("unknown ALU operation")),
                };
            }
            BPF_JMP => {
                let op = ins.code & 0xf0;
                if op == 0x00 {
                    pc = pc
                        .checked_add(ins.k as usize)
                        .ok_or_else(|| err("jump out of range"))?;
                } else {
                    let src = if ins.code & BPF_X != 0 { x } else { ins.k };
                    let taken = match op {
                        0x10 => a == src,
                        0x20 => a > src,
                        0x30 => a >= src,
                        0x40 => a & src != 0,
                        _ => return Err(err("unknown jump")),
                    };
                    pc += usize::from(if taken { ins.jt } else { ins.jf });
                }
                if pc >= prog.len() {
                    return Err(err("jump past the end of the program"));
                }
            }
            BPF_RET => {
                return match ins.code & 0x18 {
                    BPF_K => Ok(ins.k),
                    BPF_A => Ok(a),
                    _ => Err(err("unknown return source")),
                };
            }
            BPF_MISC => {
                if ins.code & 0xf8 == 0x00 {
                    x = a; // TAX
                } else {
                    a = x; // TXA
                }
            }
            _ => return Err(err("unknown instruction class")),
        }
    }
    Err(SimError("the program ends without returning".into()))
}

// SECCOMP_RET_* action values (linux/seccomp.h).
pub const RET_KILL_PROCESS: u32 = 0x8000_0000;
pub const RET_KILL_THREAD: u32 = 0x0000_0000;
pub const RET_TRAP: u32 = 0x0003_0000;
pub const RET_ERRNO: u32 = 0x0005_0000;
pub const RET_USER_NOTIF: u32 = 0x7fc0_0000;
pub const RET_TRACE: u32 = 0x7ff0_0000;
pub const RET_LOG: u32 = 0x7ffc_0000;
pub const RET_ALLOW: u32 = 0x7fff_0000;

/// What a return value means, as the kernel reads it.
pub fn outcome(ret: u32) -> Outcome {
    let data = (ret & 0xffff) as u16;
    match ret & 0xffff_0000 {
        RET_KILL_PROCESS => Outcome::KillProcess,
        RET_KILL_THREAD => Outcome::KillThread,
        RET_TRAP => Outcome::Trap,
        RET_ERRNO => Outcome::Errno(data),
        RET_USER_NOTIF => Outcome::Notify,
        RET_TRACE => Outcome::Trace(data),
        RET_LOG => Outcome::Log,
        RET_ALLOW => Outcome::Allow,
        // The kernel treats unknown actions as KILL_PROCESS.
        _ => Outcome::KillProcess,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ins(code: u16, jt: u8, jf: u8, k: u32) -> Insn {
        Insn { code, jt, jf, k }
    }

    #[test]
    fn arch_check_and_syscall_dispatch() {
        // ld arch; jeq x86_64 ? next : kill; ld nr; jeq 0 ? allow : errno(1)
        let prog = [
            ins(0x20, 0, 0, 4),
            ins(0x15, 1, 0, 0xc000_003e),
            ins(0x06, 0, 0, RET_KILL_PROCESS),
            ins(0x20, 0, 0, 0),
            ins(0x15, 0, 1, 0),
            ins(0x06, 0, 0, RET_ALLOW),
            ins(0x06, 0, 0, RET_ERRNO | 1),
        ];
        let mut d = SeccompData {
            arch: 0xc000_003e,
            ..Default::default()
        };
        assert_eq!(run(&prog, &d).map(outcome), Ok(Outcome::Allow));
        d.nr = 1;
        assert_eq!(run(&prog, &d).map(outcome), Ok(Outcome::Errno(1)));
        d.arch = 0x4000_0003;
        assert_eq!(run(&prog, &d).map(outcome), Ok(Outcome::KillProcess));
    }

    #[test]
    fn argument_words_and_alu() {
        // A = hi word of arg1; A &= 0xf0; X = A; A = X; ret A
        let prog = [
            ins(0x20, 0, 0, 28),
            ins(0x54, 0, 0, 0xf0),
            ins(0x07, 0, 0, 0),
            ins(0x87, 0, 0, 0),
            ins(0x16, 0, 0, 0),
        ];
        let d = SeccompData {
            args: [0, 0x1234_5678_0000_0000, 0, 0, 0, 0],
            ..Default::default()
        };
        assert_eq!(run(&prog, &d), Ok(0x70));
    }

    #[test]
    fn malformed_programs_are_errors() {
        assert!(run(&[ins(0x20, 0, 0, 64)], &SeccompData::default()).is_err());
        assert!(run(&[ins(0x05, 0, 0, 5)], &SeccompData::default()).is_err());
        assert!(run(
            &[ins(0x34, 0, 0, 0), ins(0x06, 0, 0, 0)],
            &SeccompData::default()
        )
        .is_err());
        assert!(run(&[], &SeccompData::default()).is_err());
        assert!(run(&[ins(0x20, 0, 0, 0)], &SeccompData::default()).is_err());
    }
}
