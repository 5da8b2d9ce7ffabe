//! The delivery loop of one network output: spool → receiver, in order, forever.
//!
//! **What "delivered" means.** QRadar's syslog listeners send nothing back: a successful
//! `write` only says the bytes reached our kernel. So a record is *confirmed* (acknowledged in
//! the spool, counted as delivered) only once it was written **and** the connection was
//! still open [`CONFIRM_AFTER`] later; or, at shutdown, when the receiver closed its side
//! cleanly after our FIN (it read everything). When a connection breaks, everything written
//! but not confirmed is sent again on the next connection. Guarantee: **at-least-once** for
//! every offense spooled; duplicates after a reconnect or a crash are byte-identical lines
//! (same `detection_id`, same tier). The one loss left is a receiver that takes bytes and
//! then loses them later than `CONFIRM_AFTER` (TCP has no application acknowledgement).
//! UDP: sent = confirmed; datagrams carry no guarantee at all beyond our host.
//!
//! Failures (connect, write, a connection the receiver closed) wait a capped exponential
//! backoff with jitter before the next connection ([`super::backoff`]).

use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::time::Instant;

use super::backoff::Backoff;
use super::delivery::{Delivery, Failure};
use super::transport::{Batch, Closing, Conn, Liveness, Transport, CONNECT_TIMEOUT};
use crate::output::spool::Cursor;
use crate::ratelog::RateLimiter;

/// How long a written record must see its connection stay open before it is confirmed.
pub const CONFIRM_AFTER: Duration = Duration::from_secs(2);
/// Writes within this window share one confirmation (one ack write).
const CONFIRM_EVERY: Duration = Duration::from_millis(250);
/// Longest wait for a batch to be written (a receiver that stopped reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes read from the spool per write.
const BATCH_BYTES: usize = 64 * 1024;
/// At shutdown, how long to wait for the receiver to close after our FIN.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
const BACKOFF_INITIAL: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(30);
/// A spool read error (disk trouble) is retried after this.
const SPOOL_RETRY: Duration = Duration::from_secs(5);
/// How often a new sender looks whether the previous one on its spool has stopped.
const LEASE_POLL: Duration = Duration::from_millis(50);

/// Written, not yet confirmed: everything before `upto`, the last of it written at `at`,
/// in writes that started at `opened`.
struct InFlight {
    upto: Cursor,
    at: Instant,
    opened: Instant,
}

pub struct Sender {
    pub name: String,
    pub delivery: Arc<Delivery>,
    pub transport: Transport,
    pub stop: watch::Receiver<bool>,
}

/// What woke the loop while it waited.
enum Event {
    Woken,
    Stop,
    Closed(std::io::Result<()>),
    Connected(Conn),
    ConnectFailed(anyhow::Error),
    Written,
    WriteFailed(std::io::Error),
}

struct Loop {
    sender: Sender,
    conn: Option<Conn>,
    /// Read position: everything before it was written on the current connection.
    sent: Cursor,
    in_flight: VecDeque<InFlight>,
    backoff: Backoff,
    warn_limit: RateLimiter,
    failing_since_ms: Option<i64>,
}

impl Sender {
    /// Runs on the calling thread (a dedicated one) until `stop` turns true.
    pub fn run_blocking(self) {
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!(output = %self.name, "cannot start the delivery loop: {e}");
                return;
            }
        };
        let delivery = self.delivery.clone();
        // A previous output on the same spool (before a reload) must stop first. Polled, not
        // a blocking lock: a sender told to stop while it waits must give up, or a shutdown
        // that joins it would wait for whichever sender holds the lease.
        let _lease = loop {
            match delivery.lease.try_lock() {
                Ok(guard) => break guard,
                Err(std::sync::TryLockError::Poisoned(p)) => break p.into_inner(),
                Err(std::sync::TryLockError::WouldBlock) if *self.stop.borrow() => return,
                Err(std::sync::TryLockError::WouldBlock) => {
                    std::thread::sleep(LEASE_POLL);
                }
            }
        };
        runtime.block_on(
            Loop {
                sender: self,
                conn: None,
                sent: Cursor::default(),
                in_flight: VecDeque::new(),
                backoff: Backoff::new(BACKOFF_INITIAL, BACKOFF_MAX),
                warn_limit: RateLimiter::new(60_000, 3),
                failing_since_ms: None,
            }
            .run(),
        );
    }
}

impl Loop {
    fn delivery(&self) -> &Delivery {
        &self.sender.delivery
    }

    fn stopping(&self) -> bool {
        *self.sender.stop.borrow()
    }

    async fn run(mut self) {
        let mut batch = Batch::default();
        while !self.stopping() {
            if self.conn.is_none() {
                self.connect().await;
                continue;
            }
            if self.confirm_due() && !self.confirm().await {
                continue;
            }
            batch.clear();
            let protocol = self.sender.transport.protocol;
            let framing = self.sender.transport.framing;
            let read = self.delivery().spool.read(self.sent, BATCH_BYTES, |line| {
                batch.push(line, protocol, framing)
            });
            match read {
                Ok((_, 0)) => self.idle().await,
                Ok((next, _)) => self.write(&batch, next).await,
                Err(e) => {
                    tracing::error!(output = %self.sender.name, "cannot read the spool: {e}");
                    self.pause(SPOOL_RETRY).await;
                }
            }
        }
        self.close().await;
    }

    /// Waits out the backoff, then tries one connection.
    async fn connect(&mut self) {
        if let Some(delay) = self.backoff.remaining(std::time::Instant::now()) {
            self.pause(delay).await;
            return;
        }
        let transport = self.sender.transport.clone();
        let event = {
            let mut stop = self.sender.stop.clone();
            tokio::select! {
                r = tokio::time::timeout(CONNECT_TIMEOUT, transport.connect()) => match r {
                    Ok(Ok(conn)) => Event::Connected(conn),
                    Ok(Err(e)) => Event::ConnectFailed(e),
                    Err(_) => Event::ConnectFailed(anyhow::anyhow!("no connection within {CONNECT_TIMEOUT:?}")),
                },
                _ = stop.wait_for(|s| *s) => Event::Stop,
            }
        };
        match event {
            Event::Connected(conn) => {
                self.backoff.reset();
                // Resend everything not confirmed: the previous connection may have lost it.
                self.sent = self.delivery().spool.acked();
                self.in_flight.clear();
                self.conn = Some(conn);
                self.delivery().connected.store(true, Ordering::Relaxed);
                let backlog = self.delivery().spool.stats().records;
                match self.failing_since_ms.take() {
                    Some(since) => tracing::info!(
                        output = %self.sender.name,
                        backlog,
                        down_seconds = (crate::clock::now_ms() - since) / 1000,
                        "connected again; sending the spooled offenses"
                    ),
                    None => tracing::info!(output = %self.sender.name, backlog, "connected"),
                }
            }
            Event::ConnectFailed(e) => self.failed(Failure::Connect, &format!("{e:#}")),
            _ => {}
        }
    }

    /// Writes one batch; `next` is the spool position after it.
    async fn write(&mut self, batch: &Batch, next: Cursor) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let event = {
            let mut stop = self.sender.stop.clone();
            tokio::select! {
                r = tokio::time::timeout(WRITE_TIMEOUT, conn.send(batch)) => match r {
                    Ok(Ok(())) => Event::Written,
                    Ok(Err(e)) => Event::WriteFailed(e),
                    Err(_) => Event::WriteFailed(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!("the receiver took nothing for {WRITE_TIMEOUT:?}"),
                    )),
                },
                // A half-written batch is sent again whole next time.
                _ = stop.wait_for(|s| *s) => Event::Stop,
            }
        };
        match event {
            Event::Written => {
                self.sent = next;
                let datagram = conn.is_datagram();
                let now = Instant::now();
                // Batches written within one CONFIRM_EVERY window are confirmed together:
                // a streaming backlog costs a few ack writes per second, not one per batch.
                match self.in_flight.back_mut() {
                    Some(last) if last.opened + CONFIRM_EVERY > now => {
                        last.upto = next;
                        last.at = now;
                    }
                    _ => self.in_flight.push_back(InFlight {
                        upto: next,
                        at: now,
                        opened: now,
                    }),
                }
                if datagram {
                    // Nothing more will ever be known about a datagram.
                    self.acknowledge(next);
                }
            }
            Event::WriteFailed(e) => self.lost(Failure::Write, &e.to_string()),
            _ => {}
        }
    }

    /// Nothing to send: waits for a new record, a confirmation to come due, the receiver
    /// closing the connection, or stop.
    async fn idle(&mut self) {
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let confirm_at = self.in_flight.front().map(|f| f.at + CONFIRM_AFTER);
        let event = {
            let mut stop = self.sender.stop.clone();
            let wake = &self.sender.delivery.wake;
            tokio::select! {
                () = wake.notified() => Event::Woken,
                _ = stop.wait_for(|s| *s) => Event::Stop,
                () = sleep_until(confirm_at) => Event::Woken,
                r = conn.closed() => Event::Closed(r),
            }
        };
        if let Event::Closed(r) = event {
            let why = match r {
                Ok(()) => "the receiver closed the connection".to_owned(),
                Err(e) => e.to_string(),
            };
            self.lost(Failure::Disconnect, &why);
        }
    }

    fn confirm_due(&self) -> bool {
        self.in_flight
            .front()
            .is_some_and(|f| f.at + CONFIRM_AFTER <= Instant::now())
    }

    /// Confirms what was written long enough ago, if the connection is still open.
    /// `false`: it is not (and was dropped).
    async fn confirm(&mut self) -> bool {
        let Some(conn) = self.conn.as_mut() else {
            return false;
        };
        if let Liveness::Closed(r) = conn.probe().await {
            let why = match r {
                Ok(()) => "the receiver closed the connection".to_owned(),
                Err(e) => e.to_string(),
            };
            self.lost(Failure::Disconnect, &why);
            return false;
        }
        let now = Instant::now();
        let mut upto = None;
        while let Some(f) = self.in_flight.front() {
            if f.at + CONFIRM_AFTER > now {
                break;
            }
            upto = Some(f.upto);
            self.in_flight.pop_front();
        }
        if let Some(upto) = upto {
            self.acknowledge(upto);
        }
        true
    }

    fn acknowledge(&mut self, upto: Cursor) {
        match self.delivery().spool.ack(upto) {
            Ok(n) => {
                self.delivery().delivered.fetch_add(n, Ordering::Relaxed);
            }
            Err(e) => {
                // The records stay in the spool and go again after a restart.
                tracing::error!(output = %self.sender.name, "cannot record delivery in the spool: {e}");
            }
        }
        if self.conn.as_ref().is_some_and(Conn::is_datagram) {
            self.in_flight.clear();
        }
    }

    /// The connection broke: drop it, count, back off.
    fn lost(&mut self, why: Failure, detail: &str) {
        self.conn = None;
        self.delivery().connected.store(false, Ordering::Relaxed);
        self.failed(why, detail);
    }

    fn failed(&mut self, why: Failure, detail: &str) {
        self.delivery().count_failure(why);
        let delay = self.backoff.fail(std::time::Instant::now());
        let now_ms = crate::clock::now_ms();
        self.failing_since_ms.get_or_insert(now_ms);
        let backlog = self.delivery().spool.stats().records;
        if let Some(suppressed) = self.warn_limit.check(now_ms) {
            tracing::warn!(
                output = %self.sender.name,
                reason = why.as_str(),
                retry_in_ms = delay.as_millis() as u64,
                backlog,
                suppressed,
                "delivery failed: {detail}"
            );
        }
    }

    /// Sleeps, unless told to stop.
    async fn pause(&mut self, delay: Duration) {
        let mut stop = self.sender.stop.clone();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    }

    /// Stop: close the connection; if the receiver closes its side cleanly it has read
    /// everything, so the records in flight are confirmed. Otherwise they stay spooled and
    /// are sent again by the next run (duplicates rather than loss).
    async fn close(&mut self) {
        if let Some(conn) = self.conn.take() {
            let last = self.in_flight.back().map(|f| f.upto);
            if let (Closing::Clean, Some(upto)) = (conn.close(CLOSE_WAIT).await, last) {
                self.in_flight.clear();
                self.acknowledge(upto);
            }
        }
        self.delivery().connected.store(false, Ordering::Relaxed);
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}
