//! A minimal HTTP/1.1 server for `GET /metrics` and `GET /healthz`.
//!
//! Two fixed routes, one request per connection (`Connection: close`): a full HTTP stack
//! would add a large dependency for nothing a scraper needs. Requests are bounded in size,
//! time and concurrency so the endpoint cannot be used to exhaust the appliance.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use prometheus_client::registry::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

const MAX_REQUEST_HEAD: usize = 8 * 1024;
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_CONCURRENT: usize = 16;
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Binds `addr` and serves until the returned task is aborted. `/healthz` answers 200 `ok`
/// once `ready` is set (listeners bound, state loaded), 503 before.
pub async fn serve(
    addr: SocketAddr,
    registry: Arc<Registry>,
    ready: Arc<AtomicBool>,
) -> anyhow::Result<(SocketAddr, JoinHandle<()>)> {
    let listener = TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the metrics endpoint on {addr}"))?;
    let local = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT));
    let task = tokio::spawn(async move {
        loop {
            let (stream, _) = match listener.accept().await {
                Ok(conn) => conn,
                Err(err) => {
                    tracing::warn!("metrics endpoint: accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            // Over the limit: close at once rather than queue; a scraper retries.
            let Ok(permit) = slots.clone().try_acquire_owned() else {
                continue;
            };
            let registry = registry.clone();
            let ready = ready.clone();
            tokio::spawn(async move {
                let _ =
                    tokio::time::timeout(REQUEST_TIMEOUT, answer(stream, &registry, &ready)).await;
                drop(permit);
            });
        }
    });
    Ok((local, task))
}

async fn answer(
    mut stream: TcpStream,
    registry: &Registry,
    ready: &AtomicBool,
) -> std::io::Result<()> {
    let mut head = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        if head.len() >= MAX_REQUEST_HEAD {
            return respond(
                &mut stream,
                "431 Request Header Fields Too Large",
                "text/plain",
                b"",
            )
            .await;
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        head.extend_from_slice(&chunk[..n]);
    }
    let (status, content_type, body) = route(&head, registry, ready);
    respond(&mut stream, status, content_type, body.as_bytes()).await
}

/// Picks the response for a request head.
fn route(
    head: &[u8],
    registry: &Registry,
    ready: &AtomicBool,
) -> (&'static str, &'static str, String) {
    let line = head.split(|b| *b == b'\r').next().unwrap_or_default();
    let mut parts = line.split(|b| *b == b' ');
    let method = parts.next().unwrap_or_default();
    let target = parts.next().unwrap_or_default();
    // Scrapers may add a query string (`/metrics?format=…`); it selects nothing here.
    let path = target.split(|b| *b == b'?').next().unwrap_or_default();
    if method != b"GET" {
        return ("405 Method Not Allowed", "text/plain", "only GET\n".into());
    }
    match path {
        b"/metrics" => ("200 OK", OPENMETRICS, super::render(registry)),
        b"/healthz" if ready.load(Ordering::Acquire) => ("200 OK", "text/plain", "ok\n".into()),
        b"/healthz" => ("503 Service Unavailable", "text/plain", "starting\n".into()),
        _ => ("404 Not Found", "text/plain", "not found\n".into()),
    }
}

async fn respond(
    stream: &mut TcpStream,
    status: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stream.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sends one raw request and returns the whole response.
    async fn get(addr: SocketAddr, request: &str) -> String {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut out = String::new();
        stream.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn serves_metrics_and_health() {
        let mut registry = Registry::default();
        let engine = Arc::new(rollcall_detect::Engine::new(
            rollcall_detect::DetectConfig::default(),
            Box::new(rollcall_detect::SequentialIds::new()),
        ));
        let metrics = super::super::Metrics::new(
            &mut registry,
            vec![super::super::clock_skew_drops(engine.clone())],
        );
        super::super::register_engine_stats(&mut registry, engine);
        let listener = metrics.listener("udp", "127.0.0.1:1514");
        listener.messages.inc_by(3);
        let ready = Arc::new(AtomicBool::new(false));
        let (addr, task) = serve(
            "127.0.0.1:0".parse().unwrap(),
            Arc::new(registry),
            ready.clone(),
        )
        .await
        .unwrap();

        let health = get(addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(health.starts_with("HTTP/1.1 503"), "{health}");
        ready.store(true, Ordering::Release);
        let health = get(addr, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(health.starts_with("HTTP/1.1 200 OK"), "{health}");
        assert!(health.ends_with("\r\n\r\nok\n"), "{health}");

        let scrape = get(addr, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert!(scrape.starts_with("HTTP/1.1 200 OK"), "{scrape}");
        assert!(scrape.contains(OPENMETRICS));
        assert!(
            scrape.contains("rollcall_messages_received_total{listener=\"udp/127.0.0.1:1514\",protocol=\"udp\"} 3"),
            "{scrape}"
        );
        assert!(
            scrape.contains("rollcall_drops_total{reason=\"not_allowed\"} 0"),
            "{scrape}"
        );
        assert!(scrape.contains("rollcall_uptime_seconds "), "{scrape}");
        assert!(scrape.contains("rollcall_tracked_sources 0"), "{scrape}");
        assert!(
            scrape.contains("rollcall_drops_total{reason=\"clock_skew\"} 0"),
            "{scrape}"
        );
        assert!(scrape.trim_end().ends_with("# EOF"), "{scrape}");

        assert!(get(addr, "GET /nope HTTP/1.1\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 404"));
        assert!(get(addr, "POST /metrics HTTP/1.1\r\n\r\n")
            .await
            .starts_with("HTTP/1.1 405"));
        // Exactly the limit and no end of head: the server has read everything when it answers.
        let mut huge = String::from("GET /metrics HTTP/1.1\r\nX: ");
        huge.push_str(&"a".repeat(MAX_REQUEST_HEAD - huge.len()));
        assert!(get(addr, &huge).await.starts_with("HTTP/1.1 431"));
        task.abort();
    }
}
