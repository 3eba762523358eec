//! `newsletter serve` as a process on a free loopback port, driven over
//! real HTTP (ureq) against a temporary project.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::support::project::{self, Project, cli, edit, out, status_json};
use newsletter::token::Tokens;

const SECRET: &str = "k"; // what support::project::cli exports
const NOW: &str = "2024-03-20T12:00:00Z";
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'";

/// A server process; killed if the test did not stop it.
struct Server {
    child: Child,
    url: String,
    log: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `newsletter serve --listen 127.0.0.1:0 --now NOW` in `dir`
    /// and waits for its "serving ... on http://..." line.
    fn start(dir: &Path, now: &str) -> Server {
        Server::start_with_secret(dir, now, SECRET)
    }

    fn start_with_secret(dir: &Path, now: &str, secret: &str) -> Server {
        let mut child = cli(dir)
            .env("NEWSLETTER_UNSUBSCRIBE_SECRET", secret)
            .args(["serve", "--listen", "127.0.0.1:0", "--now", now])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .trim_end_matches('/')
            .to_string();
        let log = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        Server { child, url, log }
    }

    /// `http://127.0.0.1:PORT/newsletter` + `rel`.
    fn at(&self, rel: &str) -> String {
        format!("{}{rel}", self.url)
    }

    fn addr(&self) -> String {
        self.url
            .trim_start_matches("http://")
            .split('/')
            .next()
            .unwrap()
            .to_string()
    }

    /// Sends SIGTERM and returns the exit code.
    fn stop(mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        self.child.wait().unwrap().code()
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// A response: status, headers (lowercase names), body.
struct Got {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn got(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Got {
    let mut r = r.unwrap();
    let headers = r
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    Got {
        status: r.status().as_u16(),
        headers,
        body: r.body_mut().read_to_string().unwrap_or_default(),
    }
}

fn get(url: &str) -> Got {
    got(agent().get(url).call())
}

fn head(url: &str) -> Got {
    got(agent().head(url).call())
}

fn post(url: &str, body: &str) -> Got {
    got(agent()
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .send(body))
}

/// The shipped project with `[serve]` (so the unsubscribe link is the
/// default `<base>/unsubscribe/{token}`), `extra` added to it, issue 3
/// sent to the shipped list and the archive written.
fn served_project(extra: &str) -> tempfile::TempDir {
    let dir = Project::new().shipped_subscribers().build();
    edit(
        dir.path(),
        "config.toml",
        "url = \"https://2024.djangocon.us/newsletter/unsubscribe?token={token}\"\n",
        "",
    );
    let cfg = dir.path().join("config.toml");
    let mut text = std::fs::read_to_string(&cfg).unwrap();
    text.push_str(&format!("\n[serve]\n{extra}\n"));
    std::fs::write(&cfg, text).unwrap();
    let o = project::send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    dir
}

fn tokens() -> Tokens {
    Tokens::new(SECRET.as_bytes()).unwrap()
}

fn unsubscribe_path(email: &str) -> String {
    format!("/unsubscribe/{}", tokens().unsubscribe(email))
}

fn suppressed(dir: &Path) -> u64 {
    status_json(dir)["suppressed"].as_u64().unwrap()
}

fn subscribers(dir: &Path) -> serde_json::Value {
    status_json(dir)["subscribers"].clone()
}

/// The messages in the outbox whose To header contains `who`.
fn mails_to(dir: &Path, who: &str) -> Vec<String> {
    let mut v = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir.join("outbox")) else {
        return v;
    };
    for e in entries {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        let unfolded = text.replace("=\r\n", "");
        if unfolded
            .lines()
            .any(|l| l.starts_with("To:") && l.contains(who))
        {
            v.push(unfolded);
        }
    }
    v
}

/// The confirm link's path (under the base) in a confirmation email.
fn confirm_path(mail: &str) -> String {
    let start = mail.find("/newsletter/confirm/").unwrap() + "/newsletter".len();
    mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-_".contains(*c))
        .collect()
}

fn security_headers(g: &Got) {
    assert_eq!(g.header("content-security-policy"), Some(CSP));
    assert_eq!(g.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(g.header("referrer-policy"), Some("no-referrer"));
}

#[test]
fn one_click_post_unsubscribes_with_200_and_get_and_head_change_nothing() {
    let dir = served_project("");
    let s = Server::start(dir.path(), NOW);
    let url = s.at(&unsubscribe_path("bob@example.org"));
    for _ in 0..3 {
        let g = get(&url);
        assert_eq!(g.status, 200);
        assert!(g.body.contains("b***@example.org"), "{}", g.body);
        assert!(!g.body.contains("bob@example.org"), "the address is masked");
        assert!(g.body.contains("method=\"post\""));
        assert!(!g.body.contains("<script"));
        security_headers(&g);
        assert_eq!(g.header("cache-control"), Some("no-store"));
        assert_eq!(head(&url).status, 200);
    }
    assert_eq!(suppressed(dir.path()), 0, "GET or HEAD unsubscribed");

    // Exactly as Gmail sends it: no cookies, the RFC 8058 body.
    for _ in 0..2 {
        let g = post(&url, "List-Unsubscribe=One-Click");
        assert_eq!(g.status, 200, "never a redirect: {}", g.body);
        assert!(g.header("location").is_none());
        assert!(g.body.contains("unsubscribed"));
        security_headers(&g);
        assert_eq!(g.header("cache-control"), Some("no-store"));
    }
    assert_eq!(suppressed(dir.path()), 1);
    assert_eq!(
        status_json(dir.path())["suppressed_by_reason"]["unsubscribed"],
        1
    );
    // The next send skips the address.
    let o = cli(dir.path())
        .args(["send", "--now", "2024-03-26"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let issue4 = |m: &String| {
        m.lines()
            .any(|l| l.starts_with("Subject:") && l.contains("#4"))
    };
    assert!(
        mails_to(dir.path(), "ana.lima@example.com")
            .iter()
            .any(issue4)
    );
    assert!(
        !mails_to(dir.path(), "bob@example.org").iter().any(issue4),
        "issue 4 went to bob"
    );

    let log = s.log();
    assert!(
        log.contains("POST /newsletter/unsubscribe/<token> 200"),
        "{log}"
    );
    assert!(
        !log.contains(&tokens().unsubscribe("bob@example.org")),
        "{log}"
    );
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn forged_altered_and_unknown_tokens_get_the_same_404_and_write_nothing() {
    let dir = served_project("");
    let s = Server::start(dir.path(), NOW);
    let real = tokens().unsubscribe("bob@example.org");
    let mut altered = real.clone().into_bytes();
    altered[5] = if altered[5] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let unknown = tokens().unsubscribe("never-subscribed@example.org");
    let foreign = Tokens::new(b"other")
        .unwrap()
        .unsubscribe("bob@example.org");
    let mut bodies = Vec::new();
    for t in [
        &altered,
        &unknown,
        &foreign,
        &"x".to_string(),
        &"%ff".to_string(),
    ] {
        let g = get(&s.at(&format!("/unsubscribe/{t}")));
        assert_eq!(g.status, 404, "{t}");
        let p = post(
            &s.at(&format!("/unsubscribe/{t}")),
            "List-Unsubscribe=One-Click",
        );
        assert!(p.status == 404 || p.status == 400, "{t}: {}", p.status);
        bodies.push(g.body);
        let c = post(&s.at(&format!("/confirm/{t}")), "action=confirm");
        assert_eq!(c.status, 404, "{t}");
    }
    assert_eq!(bodies[0], bodies[1], "forged and unknown look alike");
    assert_eq!(bodies[1], bodies[2]);
    assert_eq!(suppressed(dir.path()), 0);
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn resubscribe_on_the_page_and_the_cli_agree() {
    let dir = served_project("");
    // Tokens do not depend on the list: edited, reordered, even emptied.
    std::fs::write(
        dir.path().join("content/subscribers.csv"),
        "email,name\nzed@example.org,Zed\n",
    )
    .unwrap();
    let s = Server::start(dir.path(), NOW);
    let url = s.at(&unsubscribe_path("bob@example.org"));
    let g = post(&url, "action=unsubscribe");
    assert_eq!(g.status, 200);
    assert!(g.body.contains("value=\"resubscribe\""), "{}", g.body);
    assert_eq!(
        status_json(dir.path())["suppressed_by_reason"]["unsubscribed"],
        1
    );
    let g = post(&url, "action=resubscribe");
    assert_eq!(g.status, 200);
    assert_eq!(suppressed(dir.path()), 0);

    // The CLI with the token from the link (or a mailto subject).
    let token = tokens().unsubscribe("bob@example.org");
    let o = cli(dir.path())
        .args(["unsubscribe", "--token", &token])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(suppressed(dir.path()), 1);
    assert!(get(&url).body.contains("b***@example.org"));
    let g = post(&url, "action=resubscribe");
    assert_eq!(g.status, 200);
    assert_eq!(suppressed(dir.path()), 0, "the page undoes the CLI");
    let o = cli(dir.path())
        .args(["unsubscribe", "--token", &token])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let o = cli(dir.path())
        .args(["unsubscribe", "--undo", "--token", &token])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    assert_eq!(suppressed(dir.path()), 0);
    let o = cli(dir.path())
        .args(["unsubscribe", "--token", "forged"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    drop(s);
}

#[test]
fn subscribe_confirm_and_the_next_send_delivers_to_the_new_address() {
    let dir = served_project("");
    let s = Server::start(dir.path(), NOW);
    let form = get(&s.at("/subscribe"));
    assert_eq!(form.status, 200);
    assert!(form.body.contains("name=\"email\"") && form.body.contains("<label for=\"email\""));
    security_headers(&form);
    let g = post(
        &s.at("/subscribe"),
        "email=New.Person%40Example.COM&name=New+Person&website=",
    );
    assert_eq!(g.status, 200);
    assert!(g.body.contains("Check your inbox"));
    let mails = mails_to(dir.path(), "New.Person@example.com");
    assert_eq!(mails.len(), 1, "one confirmation");
    let path = confirm_path(&mails[0]);
    assert_eq!(subscribers(dir.path())["pending"], 1);

    // GET (a link scanner) shows a button and confirms nothing.
    let g = get(&s.at(&path));
    assert_eq!(g.status, 200);
    assert!(g.body.contains("N***@example.com") && g.body.contains("method=\"post\""));
    assert_eq!(g.header("cache-control"), Some("no-store"));
    assert_eq!(head(&s.at(&path)).status, 200);
    assert_eq!(subscribers(dir.path())["confirmed"], 0);
    let g = post(&s.at(&path), "action=confirm");
    assert_eq!(g.status, 200);
    assert!(g.body.contains("You are subscribed"));
    assert_eq!(subscribers(dir.path())["confirmed"], 1);

    // The issue currently out reaches the new subscriber on the next run.
    let o = project::send(dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let mails = mails_to(dir.path(), "New.Person@example.com");
    assert!(
        mails.iter().any(|m| m.contains("List-Unsubscribe")),
        "no issue sent"
    );
    let export = cli(dir.path())
        .args(["subscribers", "export", "--format", "csv"])
        .output()
        .unwrap();
    assert!(text(&export.stdout).contains("New.Person@example.com,New Person"));
    assert_eq!(s.stop(), Some(0));
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn an_expired_link_says_so_and_sends_a_new_one() {
    let dir = served_project("confirm_hours = 2");
    let s = Server::start(dir.path(), NOW);
    post(&s.at("/subscribe"), "email=late%40example.com");
    let first = confirm_path(&mails_to(dir.path(), "late@example.com")[0]);
    assert_eq!(s.stop(), Some(0));

    let s = Server::start(dir.path(), "2024-03-20T14:00:01Z");
    let g = get(&s.at(&first));
    assert_eq!(g.status, 410);
    assert!(g.body.contains("expired") && g.body.contains("value=\"resend\""));
    let g = post(&s.at(&first), "action=confirm");
    assert_eq!(g.status, 410);
    assert_eq!(subscribers(dir.path())["confirmed"], 0);
    let g = post(&s.at(&first), "action=resend");
    assert_eq!(g.status, 200);
    let mails = mails_to(dir.path(), "late@example.com");
    assert_eq!(mails.len(), 2, "a new link");
    let second = mails
        .iter()
        .map(|m| confirm_path(m))
        .find(|p| *p != first)
        .unwrap();
    assert_eq!(post(&s.at(&second), "action=confirm").status, 200);
    assert_eq!(subscribers(dir.path())["confirmed"], 1);
}

#[test]
fn honeypot_and_limits() {
    let dir = served_project("subscribes_per_ip_per_hour = 6");
    let s = Server::start(dir.path(), NOW);
    // A bot fills the hidden field: same page, nothing sent.
    let g = post(&s.at("/subscribe"), "email=bot%40example.com&website=spam");
    assert_eq!(g.status, 200);
    assert!(g.body.contains("Check your inbox"));
    assert!(mails_to(dir.path(), "bot@example.com").is_empty());
    // Three confirmations per address per day, the same page every time.
    for _ in 0..4 {
        let g = post(&s.at("/subscribe"), "email=victim%40example.com");
        assert_eq!(g.status, 200);
        assert!(g.body.contains("Check your inbox"));
    }
    assert_eq!(mails_to(dir.path(), "victim@example.com").len(), 3);
    // An invalid address looks the same from outside.
    let g = post(&s.at("/subscribe"), "email=not-an-address");
    assert_eq!(g.status, 200);
    assert!(g.body.contains("Check your inbox"));
    // The seventh request from this client in the hour.
    let g = post(&s.at("/subscribe"), "email=other%40example.com");
    assert_eq!(g.status, 429);
    assert!(mails_to(dir.path(), "other@example.com").is_empty());
    // Only forms, at most 8 KiB.
    let g = got(agent()
        .post(s.at("/subscribe"))
        .header("Content-Type", "application/json")
        .send("{\"email\": \"a@example.com\"}"));
    assert_eq!(g.status, 415);
    let big = format!("email=a%40example.com&name={}", "x".repeat(9 * 1024));
    let g = post(&s.at("/unsubscribe/x"), &big);
    assert_eq!(g.status, 413);
    security_headers(&g);
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn bad_requests_get_4xx_never_500() {
    let dir = served_project("");
    let s = Server::start(dir.path(), NOW);
    let cases: &[(&str, &str)] = &[
        ("DELETE", "/"),
        ("PUT", "/subscribe"),
        ("GET", "/../config.toml"),
        ("GET", "/%2e%2e/config.toml"),
        ("GET", "/.hidden"),
        ("GET", "/confirm/%ff%fe"),
        ("GET", "/unsubscribe/"),
        ("GET", "/nope"),
    ];
    for (method, path) in cases {
        let mut stream = TcpStream::connect(s.addr()).unwrap();
        write!(
            stream,
            "{method} /newsletter{path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        let code: u16 = reply[9..12].parse().unwrap();
        assert!((400..500).contains(&code), "{method} {path}: {reply}");
    }
    // Garbage instead of HTTP, and a path outside the base.
    let mut stream = TcpStream::connect(s.addr()).unwrap();
    stream.write_all(b"\x00\x01garbage\r\n\r\n").unwrap();
    let mut reply = String::new();
    let _ = stream.read_to_string(&mut reply);
    assert!(
        reply.is_empty() || reply.starts_with("HTTP/1.1 4"),
        "{reply}"
    );
    assert_eq!(get(&format!("http://{}/elsewhere", s.addr())).status, 404);
    assert_eq!(get(&s.at("/healthz")).status, 200);
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn the_archive_and_feed_are_served_with_validators_and_304s() {
    let dir = served_project("");
    let s = Server::start(dir.path(), NOW);
    let index = get(&s.at("/"));
    assert_eq!(index.status, 200);
    assert_eq!(
        index.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    security_headers(&index);
    let feed = get(&s.at("/feed.xml"));
    assert_eq!(feed.status, 200);
    assert!(
        feed.header("content-type")
            .unwrap()
            .starts_with("application/rss+xml")
    );
    // The other published files, each with its own type.
    for (path, kind) in [
        ("/atom.xml", "application/atom+xml"),
        ("/feed.json", "application/feed+json"),
        ("/deadline.ics", "text/calendar"),
    ] {
        let g = get(&s.at(path));
        assert_eq!(g.status, 200, "{path}");
        assert!(
            g.header("content-type").unwrap().starts_with(kind),
            "{path}: {:?}",
            g.header("content-type")
        );
    }
    let etag = feed.header("etag").unwrap().to_string();
    let modified = feed.header("last-modified").unwrap().to_string();
    let on_disk = std::fs::read_to_string(dir.path().join("public/feed.xml")).unwrap();
    assert_eq!(feed.body, on_disk);
    let g = got(agent()
        .get(s.at("/feed.xml"))
        .header("If-None-Match", &etag)
        .call());
    assert_eq!(g.status, 304);
    assert!(g.body.is_empty());
    let g = got(agent()
        .get(s.at("/feed.xml"))
        .header("If-Modified-Since", &modified)
        .call());
    assert_eq!(g.status, 304);
    let h = head(&s.at("/feed.xml"));
    assert_eq!(h.status, 200);
    assert_eq!(
        h.header("content-length"),
        Some(on_disk.len().to_string().as_str())
    );
    let issue_dir = std::fs::read_dir(dir.path().join("public/issues"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name();
    let issue = issue_dir.to_str().unwrap();
    let g = get(&s.at(&format!("/issues/{issue}")));
    assert_eq!(g.status, 308);
    assert_eq!(
        g.header("location"),
        Some(format!("/newsletter/issues/{issue}/").as_str())
    );
    assert_eq!(get(&s.at(&format!("/issues/{issue}/"))).status, 200);
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn a_slow_client_is_dropped_on_time_and_others_are_served() {
    let dir = served_project("request_timeout_seconds = 1");
    let s = Server::start(dir.path(), NOW);
    // Sends a header byte every 200 ms, forever.
    let mut slow = TcpStream::connect(s.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = slow.try_clone().unwrap();
    let started = Instant::now();
    std::thread::spawn(move || {
        let request = b"GET /newsletter/ HTTP/1.1\r\nHost: x\r\nX-Slow: "
            .iter()
            .chain(b"a".repeat(1000).iter())
            .copied()
            .collect::<Vec<u8>>();
        for b in request {
            if writer.write_all(&[b]).is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    // Meanwhile a normal request is served.
    assert_eq!(get(&s.at("/healthz")).status, 200);
    let mut buf = Vec::new();
    let _ = slow.read_to_end(&mut buf);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(900),
        "dropped too early: {took:?}"
    );
    assert!(
        took < Duration::from_secs(5),
        "not dropped in time: {took:?}"
    );

    // A body that trickles in is cut off by the request timeout too.
    let mut slow = TcpStream::connect(s.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        slow,
        "POST /newsletter/subscribe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
    )
    .unwrap();
    let mut writer = slow.try_clone().unwrap();
    let started = Instant::now();
    std::thread::spawn(move || {
        for _ in 0..1000 {
            if writer.write_all(b"a").is_err() {
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    });
    let mut reply = String::new();
    let _ = slow.read_to_string(&mut reply);
    let took = started.elapsed();
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    assert!(
        took < Duration::from_secs(5),
        "not cut off in time: {took:?}"
    );
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn unsubscribes_during_a_running_send_are_all_recorded() {
    let config = std::fs::read_to_string(project::root().join("config.toml"))
        .unwrap()
        .replace(
            "url = \"https://2024.djangocon.us/newsletter/unsubscribe?token={token}\"\n",
            "",
        );
    let dir = Project::new()
        .config(&format!("{config}\n[serve]\n"))
        .subscribers(&project::list(3000))
        .build();
    // Issue 1 stores every address's token id.
    let o = cli(dir.path())
        .args(["send", "--now", "2024-03-05"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let s = Server::start(dir.path(), NOW);
    let send = cli(dir.path())
        .args(["send", "--now", "2024-03-12"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let url = s.url.clone();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let url = url.clone();
            std::thread::spawn(move || {
                for i in (w..400).step_by(4) {
                    let path = unsubscribe_path(&format!("user{i}@example.com"));
                    let g = post(&format!("{url}{path}"), "List-Unsubscribe=One-Click");
                    assert_eq!(g.status, 200);
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let o = send.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", out(&o));
    let v = status_json(dir.path());
    assert_eq!(v["suppressed"], 400, "an unsubscribe was lost");
    let issue2 = project::issue(&v, 2);
    assert_eq!(issue2["failed"], 0);
    assert_eq!(issue2["pending"], 0);
    assert!(issue2["sent"].as_u64().unwrap() >= 2600, "{issue2}");
    assert_eq!(s.stop(), Some(0));
}

#[test]
fn sigterm_lets_requests_in_flight_finish_exits_0_and_logs_no_secret() {
    const LOUD: &str = "sk-RECOGNIZABLE-UNSUBSCRIBE-SECRET-5521";
    let dir = served_project("");
    let s = Server::start_with_secret(dir.path(), NOW, LOUD);
    assert_eq!(get(&s.at("/healthz")).status, 200);
    // A request in flight: its headers sent, half of its body.
    let body = "email=late.comer%40example.com";
    let mut stream = TcpStream::connect(s.addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "POST /newsletter/subscribe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .unwrap();
    // A whole request on a second connection, answered: the server has
    // accepted the first one (connections are accepted in order) and, in
    // all likelihood, read its headers before the signal comes.
    assert_eq!(get(&s.at("/healthz")).status, 200);
    std::process::Command::new("kill")
        .args(["-TERM", &s.child.id().to_string()])
        .status()
        .unwrap();
    // Wait (bounded) until the server has stopped accepting.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s.log().contains("stopping") {
        assert!(Instant::now() < deadline, "no shutdown: {}", s.log());
        std::thread::yield_now();
    }
    stream.write_all(&body.as_bytes()[10..]).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    let mut s = s;
    assert_eq!(s.child.wait().unwrap().code(), Some(0), "{}", s.log());
    assert!(s.log().contains("serve: stopped"));
    assert_eq!(mails_to(dir.path(), "late.comer@example.com").len(), 1);
    // The secret is nowhere: not in the log, not in the mail.
    assert!(!s.log().contains(LOUD));
    for m in mails_to(dir.path(), "late.comer@example.com") {
        assert!(!m.contains(LOUD));
    }

    let o = cli(dir.path())
        .env_remove("NEWSLETTER_UNSUBSCRIBE_SECRET")
        .args(["serve", "--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", out(&o));
    assert!(out(&o).contains("NEWSLETTER_UNSUBSCRIBE_SECRET"));
}
