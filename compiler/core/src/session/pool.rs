//! Deep-stack threads started ahead of the work they will do (issue 13).
//!
//! A batch's workers are threads with the deep stack. Starting one, with
//! its heap (whose preparation faults in the first huge page), cost 0.25
//! ms on the machines measured, and 0.4 ms when the other core had been
//! idle: time in which nothing is checked. A caller that knows early that
//! a batch is coming (`profilec check`, before it has read its arguments)
//! starts a thread first, which prepares its heap and waits for one job
//! while the caller reads its arguments.

use std::sync::mpsc::{channel, Sender};

use super::{deep, STACK};

/// Work for one started thread.
pub(crate) type Job = Box<dyn FnOnce() + Send + 'static>;

/// Started threads, each waiting for one job. Dropping the pool lets the
/// unused ones end.
#[derive(Default)]
pub struct Pool {
    waiting: Vec<Sender<Job>>,
}

impl Pool {
    /// Start up to `n` threads (fewer if the system refuses some).
    pub fn start(n: usize) -> Pool {
        let mut waiting = Vec::with_capacity(n);
        for _ in 0..n {
            let (tx, rx) = channel::<Job>();
            let started = std::thread::Builder::new()
                .name("profilec-check".into())
                .stack_size(STACK)
                .spawn(deep(move || {
                    if let Ok(job) = rx.recv() {
                        job();
                    }
                }));
            if started.is_ok() {
                waiting.push(tx);
            }
        }
        Pool { waiting }
    }

    /// Threads still waiting for a job.
    pub fn len(&self) -> usize {
        self.waiting.len()
    }

    pub fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Give `job` to a waiting thread; `Err(job)` when none is left (or
    /// the thread is gone), for the caller to run elsewhere.
    pub(crate) fn run(&mut self, job: Job) -> Result<(), Job> {
        match self.waiting.pop() {
            Some(tx) => tx.send(job).map_err(|e| e.0),
            None => Err(job),
        }
    }
}
