//! The socket under lettre's connection, with a deadline on each reply and
//! a way to stop connecting.
//!
//! lettre's timeout is a per-read timeout (`SO_RCVTIMEO`): a server that
//! answers one byte a second, or with an endless multi-line reply
//! (`220-still here` forever), is never timed out by it. lettre owns its
//! socket and reads a reply in one call, so nothing of ours runs between
//! its reads. Hence a relay: lettre connects to a loopback socket of ours,
//! and two threads copy bytes between it and the server ([`Link`]).
//!
//! - Each time lettre writes (a command, a group of pipelined commands, the
//!   message, a TLS record), the relay starts the clock: whatever the
//!   server sends must arrive within `timeout` of that write, until the
//!   session says the connection is idle ([`Link::idle`]). The greeting
//!   must arrive within `timeout` of connecting. Past the deadline the
//!   relay closes both sockets, lettre's read ends, and the session asks
//!   [`Link::expired`] what happened. So `smtp.timeout_seconds` bounds each
//!   command's whole reply, not each read.
//! - What the server sends in answer to one write is bounded too
//!   ([`MAX_REPLY_BYTES`]): lettre's own bound (100,000 bytes) comes after
//!   parsing the growing reply again at every line, seconds of CPU.
//! - [`Link::abort`] closes both sockets at once: a signal while connecting
//!   stops the attempt without waiting for the timeout.
//!
//! The loopback listener accepts one connection, the first: another local
//! process that raced lettre to it would get a relay to the server (which
//! it could open itself) while lettre's connection is refused; lettre never
//! talks to anyone but the relay.

use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often a wait for the server checks the stop flag (a flag set by a
/// signal handler cannot wake a thread).
const POLL: Duration = Duration::from_millis(50);

/// The most the server may send in answer to one write: far more than
/// any reply (an EHLO answer is under 1 KiB) or a TLS handshake's
/// certificates, far less than a flood.
pub(super) const MAX_REPLY_BYTES: usize = 32 * 1024;

/// Why the relay cut a connection off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cut {
    /// Nothing of the owed reply arrived within the timeout.
    Silent,
    /// Part of it arrived, not all, within the timeout.
    Slow,
    /// More than [`MAX_REPLY_BYTES`] arrived.
    TooLarge,
}

/// Connects to `host:port` (each resolved address in turn, `timeout`
/// each), giving up as soon as `stop` is set: `Ok(None)`. The attempt runs
/// on a thread of its own that ends with it.
pub(super) fn dial(
    host: &str,
    port: u16,
    timeout: Duration,
    stop: &AtomicBool,
) -> io::Result<Option<TcpStream>> {
    let (tx, rx) = mpsc::channel();
    let host = host.to_string();
    std::thread::spawn(move || {
        let _ = tx.send(connect_any(&host, port, timeout));
    });
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(None);
        }
        match rx.recv_timeout(POLL) {
            Ok(result) => return result.map(Some),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(io::Error::other("the connecting thread ended"));
            }
        }
    }
}

fn connect_any(host: &str, port: u16, timeout: Duration) -> io::Result<TcpStream> {
    let mut last = None;
    for addr in (host, port).to_socket_addrs()? {
        match TcpStream::connect_timeout(&addr, timeout) {
            Ok(s) => return Ok(s),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other(format!("{host} resolves to no address"))))
}

/// The relay of one connection; dropping it closes both sockets.
pub(super) struct Link {
    shared: Arc<Shared>,
}

struct Shared {
    timeout: Duration,
    clock: Mutex<Clock>,
    /// The deadline passed with the reply incomplete, or it was too large.
    expired: AtomicBool,
    /// [`Link::abort`] was called.
    aborted: AtomicBool,
    server: TcpStream,
    /// The relay's end of lettre's connection, once accepted.
    client: Mutex<Option<TcpStream>>,
    /// Where lettre connects.
    local: SocketAddr,
}

/// What the server owes and since when.
#[derive(Clone, Copy)]
struct Clock {
    /// When the owed reply must be complete; `None` while idle.
    deadline: Option<Instant>,
    /// Bytes the server sent since the clock started.
    received: usize,
}

impl Link {
    /// Starts relaying `server`; returns the link and the loopback address
    /// for lettre to connect to. The greeting is owed from now.
    pub(super) fn start(server: TcpStream, timeout: Duration) -> io::Result<(Link, SocketAddr)> {
        server.set_nodelay(true)?;
        server.set_write_timeout(Some(timeout))?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let local = listener.local_addr()?;
        let shared = Arc::new(Shared {
            timeout,
            clock: Mutex::new(Clock {
                deadline: Some(Instant::now() + timeout),
                received: 0,
            }),
            expired: AtomicBool::new(false),
            aborted: AtomicBool::new(false),
            server,
            client: Mutex::new(None),
            local,
        });
        let sh = Arc::clone(&shared);
        std::thread::spawn(move || relay(&sh, &listener));
        Ok((Link { shared }, local))
    }

    /// Nothing is owed: the session has its reply and writes nothing yet.
    pub(super) fn idle(&self) {
        if let Ok(mut c) = self.shared.clock.lock() {
            c.deadline = None;
        }
    }

    /// Why the relay closed the connection, if it did.
    pub(super) fn cut(&self) -> Option<Cut> {
        if !self.shared.expired.load(Ordering::SeqCst) {
            return None;
        }
        let received = self.shared.clock.lock().map_or(0, |c| c.received);
        Some(match received {
            0 => Cut::Silent,
            n if n > MAX_REPLY_BYTES => Cut::TooLarge,
            _ => Cut::Slow,
        })
    }

    /// Whether [`Link::abort`] closed it.
    pub(super) fn aborted(&self) -> bool {
        self.shared.aborted.load(Ordering::SeqCst)
    }

    /// Closes both sockets now: lettre's pending read or write fails.
    pub(super) fn abort(&self) {
        self.shared.aborted.store(true, Ordering::SeqCst);
        self.shared.close();
    }

    /// Runs `work` (lettre's blocking calls on this link) while watching
    /// `stop`: when it is set, the link is aborted so that `work` returns
    /// at once.
    pub(super) fn watching<T>(&self, stop: &AtomicBool, work: impl FnOnce() -> T) -> T {
        let done = AtomicBool::new(false);
        std::thread::scope(|s| {
            let watcher = s.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    if stop.load(Ordering::SeqCst) {
                        self.abort();
                        return;
                    }
                    std::thread::park_timeout(POLL);
                }
            });
            let out = work();
            done.store(true, Ordering::SeqCst);
            watcher.thread().unpark();
            out
        })
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.shared.close();
        // Never connected to (lettre failed first): wake the relay thread
        // waiting to accept, so that it ends.
        if self.shared.client.lock().is_ok_and(|c| c.is_none()) {
            let _ = TcpStream::connect_timeout(&self.shared.local, POLL);
        }
    }
}

impl Shared {
    fn close(&self) {
        let _ = self.server.shutdown(Shutdown::Both);
        if let Ok(Some(c)) = self.client.lock().as_deref() {
            let _ = c.shutdown(Shutdown::Both);
        }
    }

    fn expire(&self) {
        self.expired.store(true, Ordering::SeqCst);
        self.close();
    }

    /// lettre wrote: a reply is owed within the timeout from now.
    fn owed(&self) {
        if let Ok(mut c) = self.clock.lock() {
            *c = Clock {
                deadline: Some(Instant::now() + self.timeout),
                received: 0,
            };
        }
    }

    fn clock(&self) -> Clock {
        self.clock.lock().map_or(
            Clock {
                deadline: Some(Instant::now()),
                received: 0,
            },
            |c| *c,
        )
    }
}

/// Accepts lettre's connection, then copies both ways until either side
/// closes (lettre to server on a second thread).
fn relay(sh: &Arc<Shared>, listener: &TcpListener) {
    let Ok((client, _)) = listener.accept() else {
        return;
    };
    let (Ok(up_in), Ok(up_out)) = (client.try_clone(), sh.server.try_clone()) else {
        return;
    };
    let _ = client.set_nodelay(true);
    if let Ok(mut slot) = sh.client.lock() {
        *slot = client.try_clone().ok();
    }
    if sh.aborted.load(Ordering::SeqCst) {
        sh.close();
        return;
    }
    let up = Arc::clone(sh);
    std::thread::spawn(move || upstream(&up, up_in, up_out));
    downstream(sh, client);
}

/// lettre to the server: every write starts the clock.
fn upstream(sh: &Shared, mut from: TcpStream, mut to: TcpStream) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                sh.owed();
                match to.write_all(&buf[..n]) {
                    Ok(()) => {}
                    // The server stopped reading for the whole timeout.
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        return sh.expire();
                    }
                    Err(_) => break,
                }
            }
        }
    }
    sh.close();
}

/// The server to lettre, within the deadline.
fn downstream(sh: &Shared, mut to: TcpStream) {
    let Ok(mut from) = sh.server.try_clone() else {
        sh.close();
        return;
    };
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let clock = sh.clock();
        let wait = match clock.deadline {
            Some(d) => match d.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(left),
                _ => return sh.expire(),
            },
            None => None,
        };
        if from.set_read_timeout(wait).is_err() {
            return sh.close();
        }
        match from.read(&mut buf) {
            Ok(0) => {
                let _ = to.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => {
                let late = sh.clock.lock().map_or(true, |mut c| {
                    c.received += n;
                    c.received > MAX_REPLY_BYTES || c.deadline.is_some_and(|d| Instant::now() >= d)
                });
                if late {
                    return sh.expire();
                }
                if to.write_all(&buf[..n]).is_err() {
                    return sh.close();
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return sh.close(),
        }
    }
}
