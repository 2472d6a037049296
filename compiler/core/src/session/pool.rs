//! Deep-stack threads started ahead of the work they will do (issue 13).
//!
//! A batch's workers are threads with the deep stack. Starting one, with
//! its heap (whose preparation faults in the first huge page), cost 0.25
//! ms on the machines measured, and 0.4 ms when the other core had been
//! idle: time in which nothing is checked. A caller that knows early that
//! a batch is coming (`profilec check`, before it has read its arguments)
//! starts the threads first; each prepares its heap and waits for one
//! job, while the caller reads its arguments.

use std::sync::mpsc::{channel, Receiver, Sender};

use super::{become_deep, STACK};

/// Work for one started thread.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// Started threads, each waiting for one job. Dropping the pool lets the
/// unused ones end.
#[derive(Default)]
pub struct Pool {
    waiting: Vec<Sender<Job>>,
}

impl Pool {
    /// Start `n` threads. The caller starts the first only, which starts
    /// the next before it waits, and so on: starting a thread took 0.15
    /// ms of the starting thread's time, which the caller spends reading
    /// its arguments instead. A thread the system refuses is one fewer:
    /// its job is run elsewhere ([`Pool::run`]).
    pub fn start(n: usize) -> Pool {
        let (waiting, rxs): (Vec<_>, Vec<_>) = (0..n).map(|_| channel::<Job>()).unzip();
        start_chain(rxs);
        Pool { waiting }
    }

    /// Jobs the pool can still take.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Give `job` to a waiting thread; `Err(job)` when none is left (or
    /// the thread was never started), for the caller to run elsewhere.
    pub(crate) fn run(&mut self, job: Job) -> Result<(), Job> {
        match self.waiting.pop() {
            Some(tx) => tx.send(job).map_err(|e| e.0),
            None => Err(job),
        }
    }
}

/// Start a thread for the first of `rxs`, which starts the rest so.
fn start_chain(mut rxs: Vec<Receiver<Job>>) {
    let Some(rx) = rxs.pop() else {
        return;
    };
    // A refused start drops the receivers: their jobs come back to the
    // caller of `run`.
    let _ = std::thread::Builder::new()
        .name("profilec-check".into())
        .stack_size(STACK)
        .spawn(move || {
            // The next first: preparing this one's heap takes a while.
            start_chain(rxs);
            become_deep();
            if let Ok(job) = rx.recv() {
                job();
            }
        });
}
