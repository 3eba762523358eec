//! A small real SMTP server for tests: RFC 5321 commands over TCP on
//! loopback, PIPELINING (replies in order, commands read line by line),
//! AUTH PLAIN, dot-unstuffing, and per-recipient fault injection.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

/// What to do to a recipient whose address contains the key.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer RCPT with this reply every time.
    Rcpt(&'static str),
    /// Answer RCPT with this reply the first time only.
    RcptOnce(&'static str),
    /// Close the connection in the middle of DATA, the first time only.
    DropInDataOnce,
}

#[derive(Default)]
pub struct Config {
    pub faults: Vec<(&'static str, Fault)>,
    /// (user, password) required by AUTH PLAIN, advertised when set.
    pub auth: Option<(String, String)>,
    pub advertise_starttls: bool,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub rcpt: Vec<String>,
    pub data: String,
}

pub struct Server {
    pub port: u16,
    pub received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<std::sync::Condvar>,
}

impl Server {
    pub fn start(config: Config) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::new(Mutex::new(HashMap::<String, u32>::new()));
        let config = Arc::new(config);
        let arrived = Arc::new(std::sync::Condvar::new());
        let rec = Arc::clone(&received);
        let cv = Arc::clone(&arrived);
        // Accept loop on a detached thread: it ends with the test process.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (rec, seen, config, cv) = (
                    Arc::clone(&rec),
                    Arc::clone(&seen),
                    Arc::clone(&config),
                    Arc::clone(&cv),
                );
                std::thread::spawn(move || {
                    let _ = session(stream, &config, &rec, &seen, &cv);
                });
            }
        });
        Server {
            port,
            received,
            arrived,
        }
    }

    /// Blocks until at least `n` messages were accepted (or 60 s passed).
    pub fn wait_for(&self, n: usize) -> bool {
        let guard = self.received.lock().unwrap();
        let (guard, _) = self
            .arrived
            .wait_timeout_while(guard, std::time::Duration::from_secs(60), |v| v.len() < n)
            .unwrap();
        guard.len() >= n
    }

    pub fn messages(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

fn session(
    stream: TcpStream,
    config: &Config,
    rec: &Mutex<Vec<Received>>,
    seen: &Mutex<HashMap<String, u32>>,
    cv: &std::sync::Condvar,
) -> std::io::Result<()> {
    let mut out = stream.try_clone()?;
    let mut input = BufReader::new(stream);
    out.write_all(b"220 test.local ESMTP\r\n")?;
    let mut rcpt: Vec<String> = Vec::new();
    let mut drop_in_data = false;
    let mut line = String::new();
    loop {
        line.clear();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let cmd = line.trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            let mut r = String::from(
                "250-test.local\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n",
            );
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
            out.write_all(b"250 2.1.0 OK\r\n")?;
        } else if upper.starts_with("RCPT TO") {
            let addr = cmd.split(['<', '>']).nth(1).unwrap_or("").to_string();
            let n = {
                let mut s = seen.lock().unwrap();
                let e = s.entry(addr.clone()).or_insert(0);
                *e += 1;
                *e
            };
            let fault = config
                .faults
                .iter()
                .find(|(k, _)| addr.contains(k))
                .map(|(_, f)| f.clone());
            match fault {
                Some(Fault::Rcpt(reply)) => out.write_all(format!("{reply}\r\n").as_bytes())?,
                Some(Fault::RcptOnce(reply)) if n == 1 => {
                    out.write_all(format!("{reply}\r\n").as_bytes())?
                }
                Some(Fault::DropInDataOnce) if n == 1 => {
                    drop_in_data = true;
                    rcpt.push(addr);
                    out.write_all(b"250 2.1.5 OK\r\n")?;
                }
                _ => {
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
                if drop_in_data {
                    return Ok(()); // close mid-DATA without a reply
                }
                if line == ".\r\n" || line == ".\n" {
                    break;
                }
                data.push_str(line.strip_prefix('.').unwrap_or(&line));
            }
            rec.lock().unwrap().push(Received {
                rcpt: std::mem::take(&mut rcpt),
                data,
            });
            cv.notify_all();
            out.write_all(b"250 2.0.0 queued\r\n")?;
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
