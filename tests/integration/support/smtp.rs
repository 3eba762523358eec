//! A small real SMTP server for tests: RFC 5321 commands over TCP on
//! loopback, PIPELINING (replies in order, commands read line by line),
//! AUTH PLAIN, dot-unstuffing, and fault injection by recipient and at the
//! greeting, and slow servers: replies written a byte at a time
//! ([`Config::drip`], [`Act::Drip`]) and an endless multi-line greeting
//! ([`Greeting::Endless`]).
//!
//! Every RCPT is counted per address (accepted or not), every connection is
//! counted, and every message the server took responsibility for is logged
//! in [`Server::messages`]: the ones answered 250, and the ones received in
//! full whose reply never went out ([`Act::DropAfterDot`]). What arrived in
//! each read of each connection is kept too ([`Server::reads`]), for tests
//! of how commands are grouped into writes.
//!
//! The crate's one fake SMTP server: the integration tests include it as a
//! module, and so do the SMTP transport's unit tests
//! (`src/deliver/smtp/tests.rs`, by path).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// What the server does to a transaction.
#[derive(Clone, Copy, Debug)]
pub enum Act {
    /// Answer RCPT with this reply (the recipient is not added).
    Reply(&'static str),
    /// Answer RCPT with this reply (say a 421), then close the connection.
    ReplyClose(&'static str),
    /// Never answer RCPT: read (and ignore) whatever comes until the client
    /// gives up and closes.
    Stall,
    /// Accept RCPT, then close the connection after the first line of DATA.
    DropInData,
    /// Accept the whole message, log it as accepted, then close the
    /// connection without replying: the client cannot know the outcome.
    DropAfterDot,
    /// Accept the whole message, then never answer the final "." (and do
    /// not log it): the client times out.
    StallAfterDot,
    /// Answer the final "." with this reply instead of 250 (not logged).
    DataReply(&'static str),
    /// Accept RCPT, but write the reply one byte per pause.
    Drip(Duration),
}

impl Act {
    fn at_rcpt(self) -> bool {
        matches!(
            self,
            Act::Reply(_) | Act::ReplyClose(_) | Act::Stall | Act::Drip(_)
        )
    }
}

/// A fault for the recipients whose address contains a key.
#[derive(Clone, Copy, Debug)]
pub enum Fault {
    /// On the first RCPT of that address only; later attempts succeed.
    Once(Act),
    /// On every attempt.
    Always(Act),
}

/// How the server greets a new connection.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Greeting {
    /// `220` at once.
    #[default]
    Answer,
    /// Never: the connection is accepted and then silent.
    Never,
    /// `220` only after [`Server::release_greetings`].
    Held,
    /// `220-still here` lines forever, one per pause (none: as fast as the
    /// client reads), never the final `220 ` line.
    Endless(Duration),
}

#[derive(Default)]
pub struct Config {
    pub faults: Vec<(&'static str, Fault)>,
    /// (user, password) required by AUTH PLAIN, advertised when set.
    pub auth: Option<(String, String)>,
    pub advertise_starttls: bool,
    pub greeting: Greeting,
    /// Log only the recipients of accepted messages, not their text.
    pub discard_data: bool,
    /// Do not offer SMTPUTF8 (non-ASCII addresses).
    pub no_smtputf8: bool,
    /// Do not offer PIPELINING.
    pub no_pipelining: bool,
    /// Close each connection after accepting this many messages (the
    /// reply to the last one goes out first), as a server does with an
    /// idle or well-used connection.
    pub close_after_messages: Option<usize>,
    /// Write every reply (the greeting too) one byte per this pause.
    pub drip: Option<Duration>,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub data: String,
}

/// A gate that greetings wait behind.
type Gate = Arc<(Mutex<bool>, Condvar)>;

struct Shared {
    config: Config,
    received: Mutex<Vec<Received>>,
    arrived: Condvar,
    rcpts: Mutex<HashMap<String, u32>>,
    rcpt_seen: Condvar,
    connections: AtomicUsize,
    /// Per connection, in the order they opened: the text of each read.
    reads: Mutex<Vec<Vec<String>>>,
    /// Sessions still open.
    open: Mutex<usize>,
    /// Notified when a session opens or closes.
    closed: Condvar,
    gate: Gate,
}

pub struct Server {
    pub port: u16,
    shared: Arc<Shared>,
}

impl Server {
    pub fn start(config: Config) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let open = config.greeting == Greeting::Answer;
        let shared = Arc::new(Shared {
            config,
            received: Mutex::new(Vec::new()),
            arrived: Condvar::new(),
            rcpts: Mutex::new(HashMap::new()),
            rcpt_seen: Condvar::new(),
            connections: AtomicUsize::new(0),
            reads: Mutex::new(Vec::new()),
            open: Mutex::new(0),
            closed: Condvar::new(),
            gate: Arc::new((Mutex::new(open), Condvar::new())),
        });
        let sh = Arc::clone(&shared);
        // Accept loop on a detached thread: it ends with the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                sh.connections.fetch_add(1, Ordering::SeqCst);
                *sh.open.lock().unwrap() += 1;
                sh.closed.notify_all();
                let sh = Arc::clone(&sh);
                std::thread::spawn(move || {
                    let _ = session(stream, &sh);
                    *sh.open.lock().unwrap() -= 1;
                    sh.closed.notify_all();
                });
            }
        });
        Server { port, shared }
    }

    /// Blocks until at least `n` messages were accepted (or 60 s passed).
    pub fn wait_for(&self, n: usize) -> bool {
        let guard = self.shared.received.lock().unwrap();
        let (guard, _) = self
            .shared
            .arrived
            .wait_timeout_while(guard, Duration::from_secs(60), |v| v.len() < n)
            .unwrap();
        guard.len() >= n
    }

    /// Lets held greetings ([`Greeting::Held`]) go out, now and from now on.
    pub fn release_greetings(&self) {
        let (open, cv) = &*self.shared.gate;
        *open.lock().unwrap() = true;
        cv.notify_all();
    }

    /// The messages accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The first recipient of every accepted message, in order.
    pub fn recipients(&self) -> Vec<String> {
        let r = self.shared.received.lock().unwrap();
        r.iter()
            .map(|m| m.rcpt.first().cloned().unwrap_or_default())
            .collect()
    }

    /// How many messages were accepted so far.
    pub fn accepted(&self) -> usize {
        self.shared.received.lock().unwrap().len()
    }

    /// How many RCPT commands each address got, whatever the answer.
    pub fn rcpt_counts(&self) -> HashMap<String, u32> {
        self.shared.rcpts.lock().unwrap().clone()
    }

    /// Blocks until every session has ended (or 60 s passed): after the
    /// client process died, nothing more can arrive.
    pub fn wait_idle(&self) -> bool {
        let guard = self.shared.open.lock().unwrap();
        let (guard, _) = self
            .shared
            .closed
            .wait_timeout_while(guard, Duration::from_secs(60), |n| *n > 0)
            .unwrap();
        *guard == 0
    }

    /// Blocks until at least `n` sessions are open at once (or 60 s
    /// passed): a client is connected and waiting.
    pub fn wait_open(&self, n: usize) -> bool {
        let guard = self.shared.open.lock().unwrap();
        let (guard, _) = self
            .shared
            .closed
            .wait_timeout_while(guard, Duration::from_secs(60), |o| *o < n)
            .unwrap();
        *guard >= n
    }

    /// Blocks until `addr` got at least `n` RCPT commands (or 60 s passed).
    pub fn wait_rcpts(&self, addr: &str, n: u32) -> bool {
        let guard = self.shared.rcpts.lock().unwrap();
        let (guard, _) = self
            .shared
            .rcpt_seen
            .wait_timeout_while(guard, Duration::from_secs(60), |m| {
                m.get(addr).copied().unwrap_or(0) < n
            })
            .unwrap();
        guard.get(addr).copied().unwrap_or(0) >= n
    }

    /// Per connection, in the order they opened: the text of each read
    /// from the socket (one client write, as a rule, for small writes).
    #[allow(dead_code)] // used by the unit tests in src/deliver/smtp
    pub fn reads(&self) -> Vec<Vec<String>> {
        self.shared.reads.lock().unwrap().clone()
    }

    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
}

/// The socket's output, a byte per pause when dripping.
struct Out {
    stream: TcpStream,
    drip: Option<Duration>,
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match (self.drip, buf.first()) {
            (Some(pause), Some(_)) => {
                let n = self.stream.write(&buf[..1])?;
                std::thread::sleep(pause);
                Ok(n)
            }
            _ => self.stream.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.stream.flush()
    }
}

/// Writes `220-still here` lines until the client goes away.
fn endless(out: &mut Out, pause: Duration) -> std::io::Result<()> {
    loop {
        out.write_all(b"220-still here\r\n")?;
        if !pause.is_zero() {
            std::thread::sleep(pause);
        }
    }
}

/// Reads and ignores input until the client closes the connection.
fn drain(input: &mut impl BufRead) -> std::io::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
    }
}

/// The socket's input, with each read logged for its connection.
struct Logged<'a> {
    stream: TcpStream,
    sh: &'a Shared,
    conn: usize,
}

impl Read for Logged<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.stream.read(buf)?;
        if n > 0 {
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            self.sh.reads.lock().unwrap()[self.conn].push(text);
        }
        Ok(n)
    }
}

fn session(stream: TcpStream, sh: &Shared) -> std::io::Result<()> {
    let config = &sh.config;
    // Replies go out as they are written, as real servers do; with Nagle
    // each pipelined reply after the first would wait for the client's
    // delayed ACK (40 ms), and the tests would measure that.
    stream.set_nodelay(true)?;
    let mut out = Out {
        stream: stream.try_clone()?,
        drip: config.drip,
    };
    let conn = {
        let mut reads = sh.reads.lock().unwrap();
        reads.push(Vec::new());
        reads.len() - 1
    };
    let mut input = BufReader::new(Logged { stream, sh, conn });
    let mut accepted = 0;
    match config.greeting {
        Greeting::Never => return drain(&mut input),
        Greeting::Held => {
            let (open, cv) = &*sh.gate;
            let guard = open.lock().unwrap();
            drop(cv.wait_while(guard, |open| !*open).unwrap());
        }
        Greeting::Endless(pause) => return endless(&mut out, pause),
        Greeting::Answer => {}
    }
    out.write_all(b"220 test.local ESMTP\r\n")?;
    let mut rcpt: Vec<String> = Vec::new();
    // The fault of this transaction that acts during DATA.
    let mut in_data: Option<Act> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            let mut r = String::from("250-test.local\r\n");
            if !config.no_pipelining {
                r.push_str("250-PIPELINING\r\n");
            }
            r.push_str("250-8BITMIME\r\n");
            if !config.no_smtputf8 {
                r.push_str("250-SMTPUTF8\r\n");
            }
            if config.advertise_starttls {
                r.push_str("250-STARTTLS\r\n");
            }
            if config.auth.is_some() {
                r.push_str("250-AUTH PLAIN\r\n");
            }
            r.push_str("250 SIZE 10485760\r\n");
            out.write_all(r.as_bytes())?;
        } else if upper.starts_with("HELO")
            || upper.starts_with("NOOP")
            || upper.starts_with("RSET")
        {
            if upper.starts_with("RSET") {
                rcpt.clear();
                in_data = None;
            }
            out.write_all(b"250 OK\r\n")?;
        } else if upper.starts_with("AUTH PLAIN") {
            let b64 = cmd.split_whitespace().nth(2).unwrap_or("");
            let decoded = base64_decode(b64);
            let parts: Vec<&str> = decoded.split('\0').collect();
            let ok = config
                .auth
                .as_ref()
                .is_some_and(|(u, p)| parts.len() == 3 && parts[1] == u && parts[2] == p);
            out.write_all(if ok {
                b"235 2.7.0 Authentication successful\r\n"
            } else {
                b"535 5.7.8 Authentication credentials invalid\r\n"
            })?;
        } else if upper.starts_with("MAIL FROM") {
            rcpt.clear();
            in_data = None;
            out.write_all(b"250 2.1.0 OK\r\n")?;
        } else if upper.starts_with("RCPT TO") {
            let addr = cmd.split(['<', '>']).nth(1).unwrap_or("").to_string();
            let n = {
                let mut s = sh.rcpts.lock().unwrap();
                let e = s.entry(addr.clone()).or_insert(0);
                *e += 1;
                sh.rcpt_seen.notify_all();
                *e
            };
            let act = config
                .faults
                .iter()
                .find(|(k, _)| addr.contains(k))
                .and_then(|(_, f)| match *f {
                    Fault::Always(a) => Some(a),
                    Fault::Once(a) if n == 1 => Some(a),
                    Fault::Once(_) => None,
                });
            match act {
                Some(Act::Reply(reply)) => out.write_all(format!("{reply}\r\n").as_bytes())?,
                Some(Act::ReplyClose(reply)) => {
                    out.write_all(format!("{reply}\r\n").as_bytes())?;
                    return Ok(());
                }
                Some(Act::Stall) => return drain(&mut input),
                Some(Act::Drip(pause)) => {
                    rcpt.push(addr);
                    let mut slow = Out {
                        stream: out.stream.try_clone()?,
                        drip: Some(pause),
                    };
                    slow.write_all(b"250 2.1.5 OK\r\n")?;
                }
                other => {
                    if let Some(a) = other.filter(|a| !a.at_rcpt()) {
                        in_data = Some(a);
                    }
                    rcpt.push(addr);
                    out.write_all(b"250 2.1.5 OK\r\n")?;
                }
            }
        } else if upper == "DATA" {
            if rcpt.is_empty() {
                out.write_all(b"554 5.5.1 no valid recipients\r\n")?;
                continue;
            }
            out.write_all(b"354 go ahead\r\n")?;
            let mut data = String::new();
            loop {
                line.clear();
                if input.read_line(&mut line)? == 0 {
                    return Ok(());
                }
                if matches!(in_data, Some(Act::DropInData)) {
                    return Ok(()); // close mid-DATA without a reply
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                if !config.discard_data {
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                }
            }
            let fault = in_data.take();
            match fault {
                Some(Act::StallAfterDot) => return drain(&mut input),
                Some(Act::DataReply(reply)) => {
                    rcpt.clear();
                    out.write_all(format!("{reply}\r\n").as_bytes())?;
                    continue;
                }
                _ => {}
            }
            let dropped = matches!(fault, Some(Act::DropAfterDot));
            sh.received.lock().unwrap().push(Received {
                rcpt: std::mem::take(&mut rcpt),
                data,
            });
            sh.arrived.notify_all();
            if dropped {
                return Ok(()); // accepted, but the reply never goes out
            }
            out.write_all(b"250 2.0.0 queued\r\n")?;
            accepted += 1;
            if config.close_after_messages == Some(accepted) {
                return Ok(());
            }
        } else if upper.starts_with("QUIT") {
            out.write_all(b"221 bye\r\n")?;
            return Ok(());
        } else {
            out.write_all(b"500 5.5.2 unknown command\r\n")?;
        }
    }
}

fn base64_decode(s: &str) -> String {
    use base64::Engine;
    String::from_utf8_lossy(
        &base64::engine::general_purpose::STANDARD
            .decode(s)
            .unwrap_or_default(),
    )
    .into_owned()
}
