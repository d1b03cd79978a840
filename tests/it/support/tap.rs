//! A TCP forwarder in front of a server that a test can arm to cut the connection after a
//! given number of bytes from the server: a transfer broken in its middle, at a byte the test
//! chooses, without timing.
use std::sync::{Arc, Mutex};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
    task::JoinHandle,
};

/// The forwarder.
pub struct Tap {
    /// The port to connect to instead of the server's.
    pub port: u16,
    state: Arc<State>,
    accept: JoinHandle<()>,
}

struct State {
    // Bytes from the server still let through before the cut, when armed.
    armed: Mutex<Option<usize>>,
    trips: watch::Sender<usize>,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

impl Tap {
    /// Starts forwarding 127.0.0.1:`port` (a fresh port) to 127.0.0.1:`upstream`. A
    /// connection made while the server is away is accepted and closed at once.
    pub async fn start(upstream: u16) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(State {
            armed: Mutex::new(None),
            trips: watch::channel(0).0,
            connections: Mutex::new(Vec::new()),
        });
        let shared = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let state = shared.clone();
                let connection = tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
                        return;
                    };
                    forward(client, server, state).await;
                });
                shared.connections.lock().unwrap().push(connection);
            }
        });
        Tap { port, state, accept }
    }

    /// From now on, let `bytes` more bytes come from the server, then close the connection
    /// that carried them (in the middle of whatever it was sending).
    pub fn arm(&self, bytes: usize) {
        *self.state.armed.lock().unwrap() = Some(bytes);
    }

    /// Waits until an armed cut happened.
    pub async fn tripped(&self) {
        let mut trips = self.state.trips.subscribe();
        let _ = trips.wait_for(|n| *n > 0).await;
    }

    /// How many armed cuts happened.
    pub fn trips(&self) -> usize {
        *self.state.trips.borrow()
    }
}

async fn forward(client: TcpStream, server: TcpStream, state: Arc<State>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    };
    let down = async {
        let mut buf = [0u8; 256];
        loop {
            let Ok(n) = server_read.read(&mut buf).await else { return };
            if n == 0 {
                return;
            }
            let pass = {
                let mut armed = state.armed.lock().unwrap();
                match *armed {
                    Some(left) if left <= n => {
                        *armed = None;
                        Err(left)
                    }
                    Some(left) => {
                        *armed = Some(left - n);
                        Ok(n)
                    }
                    None => Ok(n),
                }
            };
            match pass {
                Ok(n) => {
                    if client_write.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
                Err(last) => {
                    let _ = client_write.write_all(&buf[..last]).await;
                    let _ = client_write.flush().await;
                    state.trips.send_modify(|n| *n += 1);
                    return; // both halves drop: the connection is gone
                }
            }
        }
    };
    tokio::select! {
        () = up => {}
        () = down => {}
    }
}

impl Drop for Tap {
    fn drop(&mut self) {
        self.accept.abort();
        for connection in self.state.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
    }
}
