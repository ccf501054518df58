// SPDX-License-Identifier: GPL-2.0
//! kasync-net-tokio: the tokio baselines of kasync's network benchmark, on
//! a multi-thread runtime with one worker per CPU.
//!
//! * `echo PORT`: one task per connection, writing back whatever it reads.
//! * `http PORT COUNTER`: one task per connection with the behaviour of
//!   bench/net/nb_http.h: each page view ("GET / HTTP/1.x", no body) is
//!   registered with the counter service first, by a "POST /" on the
//!   connection's own keep-alive connection to it, then answered 200
//!   "Welcome to my site!" (500 "Error registering your visit" when the
//!   counter failed); anything else gets 400 and the connection is closed.
//!
//! Both listen on 127.0.0.1 and run until killed.

use std::io;
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

const HEAD_MAX: usize = 1024;
const OK: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 19\r\n\r\nWelcome to my site!";
const ERROR: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 28\r\n\r\nError registering your visit";
const BAD: &[u8] = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const POST: &[u8] = b"POST / HTTP/1.1\r\nHost: counter\r\nContent-Length: 0\r\n\r\n";

/// Length of the head at the start of `buf` with its blank line, if whole.
fn head_len(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4)
}

/// Content-Length of a head: 0 if absent, None if not a number.
fn content_length(head: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(head).ok()?;
    for line in text.split("\r\n").skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                return value.trim().parse().ok();
            }
        }
    }
    Some(0)
}

fn is_page_view(head: &[u8]) -> bool {
    (head.starts_with(b"GET / HTTP/1.1\r\n") || head.starts_with(b"GET / HTTP/1.0\r\n"))
        && content_length(head) == Some(0)
}

async fn echo(mut sock: TcpStream) -> io::Result<()> {
    let mut buf = vec![0u8; 2048];
    loop {
        let n = sock.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        sock.write_all(&buf[..n]).await?;
    }
}

/// One POST to the counter on `conn`, connecting it first if need be.
async fn count(conn: &mut Option<TcpStream>, addr: SocketAddr) -> io::Result<()> {
    let bad = || io::Error::new(io::ErrorKind::InvalidData, "bad counter response");
    if conn.is_none() {
        *conn = Some(TcpStream::connect(addr).await?);
    }
    let s = conn.as_mut().unwrap();
    s.write_all(POST).await?;
    let mut buf = [0u8; 256];
    let mut len = 0;
    loop {
        if len == buf.len() {
            return Err(bad());
        }
        let n = s.read(&mut buf[len..]).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        len += n;
        if let Some(head) = head_len(&buf[..len]) {
            let body = content_length(&buf[..head]).ok_or_else(bad)? as usize;
            if len > head + body {
                return Err(bad());
            }
            if len == head + body {
                return if buf.starts_with(b"HTTP/1.1 200 ") { Ok(()) } else { Err(bad()) };
            }
        }
    }
}

async fn http(mut sock: TcpStream, counter: SocketAddr) -> io::Result<()> {
    let mut req = vec![0u8; HEAD_MAX];
    let mut len = 0;
    let mut conn = None;
    loop {
        while let Some(head) = head_len(&req[..len]) {
            if !is_page_view(&req[..head]) {
                sock.write_all(BAD).await?;
                return Ok(());
            }
            if count(&mut conn, counter).await.is_ok() {
                sock.write_all(OK).await?;
            } else {
                conn = None;
                sock.write_all(ERROR).await?;
            }
            req.copy_within(head..len, 0);
            len -= head;
        }
        if len == req.len() {
            sock.write_all(BAD).await?;
            return Ok(());
        }
        let n = sock.read(&mut req[len..]).await?;
        if n == 0 {
            return Ok(());
        }
        len += n;
    }
}

/// A listener on 127.0.0.1:`port` with the largest backlog (tokio's bind
/// asks for 1,024); the C servers and the kernel modules do the same.
fn listen(port: u16) -> io::Result<TcpListener> {
    let sock = TcpSocket::new_v4()?;
    sock.set_reuseaddr(true)?;
    sock.bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    sock.listen(65535)
}

fn usage() -> ! {
    eprintln!("usage: kasync-net-tokio echo PORT | http PORT COUNTER_ADDR:PORT");
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        usage();
    }
    let port: u16 = args[2].parse().unwrap_or_else(|_| usage());
    let counter: Option<SocketAddr> = match args[1].as_str() {
        "echo" if args.len() == 3 => None,
        "http" if args.len() == 4 => Some(args[3].parse().unwrap_or_else(|_| usage())),
        _ => usage(),
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("cannot build the tokio runtime");
    rt.block_on(async move {
        let listener = listen(port).expect("cannot listen");
        loop {
            let (sock, _) = match listener.accept().await {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE and friends: wait a little, as a server would
                    eprintln!("accept: {e}");
                    tokio::task::yield_now().await;
                    continue;
                }
            };
            match counter {
                None => tokio::spawn(async move {
                    let _ = echo(sock).await;
                }),
                Some(c) => tokio::spawn(async move {
                    let _ = http(sock, c).await;
                }),
            };
        }
    });
}
