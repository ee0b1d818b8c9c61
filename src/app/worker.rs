//! Background work, off the UI thread. Searches run on their own thread so a long refresh never
//! delays a keystroke; when several searches queue up only the newest runs (older generations are
//! stale by definition). Long jobs (applying a bundle, rollback, network checks) run on a second
//! thread. Results go back through a sink the UI turns into event-loop callbacks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use super::kiosk::{Kiosk, Origin, Stage};
use super::search::{SearchOutcome, SearchRequest};
use crate::store::ContentMeta;

/// What the UI asks for.
#[derive(Debug, Clone)]
pub enum Command {
    Search {
        generation: u64,
        request: SearchRequest,
    },
    ApplyBundle {
        path: PathBuf,
        origin: Origin,
    },
    Rollback,
}

/// What comes back.
#[derive(Debug, Clone)]
pub enum Event {
    SearchDone {
        generation: u64,
        result: Result<Arc<SearchOutcome>, String>,
    },
    Progress {
        fraction: f32,
        stage: Stage,
    },
    ApplyDone {
        result: Result<ContentMeta, String>,
    },
}

type Sink = Arc<dyn Fn(Event) + Send + Sync>;

#[derive(Debug)]
pub struct Worker {
    search_tx: Option<Sender<(u64, SearchRequest)>>,
    task_tx: Option<Sender<Command>>,
    threads: Vec<JoinHandle<()>>,
}

fn search_loop(kiosk: Arc<Kiosk>, rx: Receiver<(u64, SearchRequest)>, sink: Sink) {
    while let Ok(mut job) = rx.recv() {
        // Keep only the newest request waiting in the queue.
        while let Ok(newer) = rx.try_recv() {
            job = newer;
        }
        let (generation, request) = job;
        let result = kiosk.search(&request).map(Arc::new).map_err(|e| {
            tracing::error!("search `{}` failed: {e}", request.text);
            e.to_string()
        });
        sink(Event::SearchDone { generation, result });
    }
}

fn task_loop(kiosk: Arc<Kiosk>, rx: Receiver<Command>, sink: Sink) {
    while let Ok(cmd) = rx.recv() {
        match cmd {
            Command::ApplyBundle { path, origin } => {
                let s = sink.clone();
                let result = kiosk
                    .apply_bundle(&path, &[], origin, &mut |stage| {
                        s(Event::Progress {
                            fraction: stage.fraction(),
                            stage,
                        })
                    })
                    .map_err(|e| e.to_string());
                sink(Event::ApplyDone { result });
            }
            Command::Rollback => {
                let result = kiosk.rollback().map_err(|e| e.to_string());
                sink(Event::ApplyDone { result });
            }
            Command::Search { .. } => {}
        }
    }
}

impl Worker {
    pub fn spawn(kiosk: Arc<Kiosk>, sink: impl Fn(Event) + Send + Sync + 'static) -> Worker {
        let sink: Sink = Arc::new(sink);
        let (search_tx, search_rx) = mpsc::channel();
        let (task_tx, task_rx) = mpsc::channel();
        let mut threads = Vec::new();
        let (k, s) = (kiosk.clone(), sink.clone());
        threads.extend(
            std::thread::Builder::new()
                .name("motcua-search".into())
                .spawn(move || search_loop(k, search_rx, s))
                .map_err(|e| tracing::error!("cannot start the search thread: {e}"))
                .ok(),
        );
        threads.extend(
            std::thread::Builder::new()
                .name("motcua-tasks".into())
                .spawn(move || task_loop(kiosk, task_rx, sink))
                .map_err(|e| tracing::error!("cannot start the task thread: {e}"))
                .ok(),
        );
        Worker {
            search_tx: Some(search_tx),
            task_tx: Some(task_tx),
            threads,
        }
    }

    pub fn send(&self, cmd: Command) {
        let sent = match cmd {
            Command::Search {
                generation,
                request,
            } => self
                .search_tx
                .as_ref()
                .is_some_and(|t| t.send((generation, request)).is_ok()),
            other => self.task_tx.as_ref().is_some_and(|t| t.send(other).is_ok()),
        };
        if !sent {
            tracing::error!("a worker thread has stopped; command dropped");
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.search_tx.take();
        self.task_tx.take();
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}
