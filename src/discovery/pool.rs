//! The fixed pool of worker threads that runs discovery's blocking work (ONVIF
//! interrogations, RTSP probes, WS-Discovery unicast probes). Jobs are closures; each
//! reports its findings over a channel it captured, so the pool knows nothing of cameras.
//! Threads have small stacks (discovery code keeps its buffers on the heap) and end when
//! the pool is dropped, after the jobs already queued (dropping it from one of its own jobs
//! does not wait for that job).
use crossbeam_channel::{unbounded, Sender};
use std::thread::JoinHandle;

/// Stack of a worker thread: the RTSP/ONVIF code keeps buffers on the heap.
pub const WORKER_STACK: usize = 256 * 1024;

type Task = Box<dyn FnOnce() + Send + 'static>;

/// A fixed set of named worker threads fed by one queue.
pub struct Pool {
    tx: Option<Sender<Task>>,
    workers: Vec<JoinHandle<()>>,
}

impl Pool {
    /// Starts `size` workers (at least one) named `discovery-N`.
    ///
    /// # Errors
    /// When the OS refuses a thread (the ones already started are stopped).
    pub fn new(size: usize) -> std::io::Result<Self> {
        Self::named(size, "discovery")
    }

    /// Starts `size` workers (at least one) named `{prefix}-N`.
    ///
    /// # Errors
    /// As [`Pool::new`].
    pub fn named(size: usize, prefix: &str) -> std::io::Result<Self> {
        let (tx, rx) = unbounded::<Task>();
        let mut pool = Pool {
            tx: Some(tx),
            workers: Vec::new(),
        };
        for n in 0..size.max(1) {
            let rx = rx.clone();
            let handle = std::thread::Builder::new()
                .name(format!("{prefix}-{n}"))
                .stack_size(WORKER_STACK)
                .spawn(move || {
                    for task in rx {
                        task();
                    }
                })?;
            pool.workers.push(handle);
        }
        Ok(pool)
    }

    /// Number of worker threads.
    #[must_use]
    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// Queues `task`; a free worker runs it.
    pub fn submit(&self, task: impl FnOnce() + Send + 'static) {
        if let Some(tx) = &self.tx {
            // The workers only stop when `tx` is dropped, so the queue is open here.
            let _ = tx.send(Box::new(task));
        }
    }
}

impl Pool {
    /// Stops taking jobs without waiting for the running ones (they end with the process).
    pub fn detach(mut self) {
        self.tx = None;
        self.workers.clear();
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.tx = None;
        // The last owner may be a job on one of the workers: that one is not waited for.
        let me = std::thread::current().id();
        for w in self.workers.drain(..) {
            if w.thread().id() != me {
                let _ = w.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Barrier};

    #[test]
    fn runs_jobs_concurrently_on_named_threads() {
        let pool = Pool::new(3).expect("pool");
        assert_eq!(pool.size(), 3);
        // Three jobs that each wait for the other two: only passes if they run at once.
        let barrier = Arc::new(Barrier::new(3));
        let (tx, rx) = crossbeam_channel::unbounded();
        for _ in 0..3 {
            let (b, tx) = (barrier.clone(), tx.clone());
            pool.submit(move || {
                b.wait();
                let name = std::thread::current().name().map(str::to_owned);
                tx.send(name).expect("send");
            });
        }
        let mut names: Vec<String> = (0..3)
            .map(|_| {
                rx.recv_timeout(std::time::Duration::from_secs(10))
                    .expect("job ran")
                    .expect("named")
            })
            .collect();
        names.sort();
        assert_eq!(names, ["discovery-0", "discovery-1", "discovery-2"]);
    }

    #[test]
    fn the_last_owner_dropped_by_a_job_does_not_wait_for_that_job() {
        let pool = Arc::new(Pool::new(2).expect("pool"));
        let (go_tx, go_rx) = crossbeam_channel::bounded::<()>(1);
        let (done_tx, done_rx) = crossbeam_channel::bounded(1);
        let mine = pool.clone();
        pool.submit(move || {
            go_rx.recv().expect("go");
            drop(mine); // the last owner: Pool::drop runs on this worker
            done_tx.send(()).expect("send");
        });
        drop(pool);
        go_tx.send(()).expect("go");
        assert!(
            done_rx
                .recv_timeout(std::time::Duration::from_secs(10))
                .is_ok(),
            "the job went on after dropping its own pool"
        );
    }

    #[test]
    fn drop_finishes_queued_jobs() {
        let (tx, rx) = crossbeam_channel::unbounded();
        {
            let pool = Pool::new(1).expect("pool");
            for i in 0..20 {
                let tx = tx.clone();
                pool.submit(move || tx.send(i).expect("send"));
            }
        }
        assert_eq!(
            rx.try_iter().collect::<Vec<_>>(),
            (0..20).collect::<Vec<_>>()
        );
    }
}
