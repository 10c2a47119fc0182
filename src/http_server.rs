//! The HTTP/1 servers of the front ends that listen (`toolbench mcp --http`, `toolbench web`):
//! every connection accepted is served on a task of its own, with hyper and no framework.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use http_body_util::combinators::BoxBody;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What a front end answers a request with.
pub(crate) type HttpResponse = Response<BoxBody<Bytes, Infallible>>;

/// How the connections a server accepts are read: as they come, or through TLS first.
pub(crate) enum Transport {
    Plain,
    Tls(tokio_rustls::TlsAcceptor),
}

/// The longest a client may take over its TLS handshake: one that stalls holds nothing longer.
const HANDSHAKE_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves every connection `listener` accepts with `respond`, until `until` resolves (never,
/// for a server that lives as long as its process). `who` names the server in the one line a
/// failed accept leaves on stderr.
pub(crate) async fn serve<S, R, F>(
    listener: TcpListener,
    transport: Transport,
    who: &str,
    until: impl Future<Output = ()>,
    state: Arc<S>,
    respond: R,
) where
    S: Send + Sync + 'static,
    R: Fn(Arc<S>, Request<Incoming>) -> F + Copy + Send + Sync + 'static,
    F: Future<Output = HttpResponse> + Send,
{
    tokio::pin!(until);
    loop {
        let accepted = tokio::select! {
            () = &mut until => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            // Out of descriptors or a connection reset before accept: the next may do.
            Err(e) => {
                eprintln!("{who}: accept: {e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        // An answer is written in pieces (the headers, then the body's events): without this,
        // Nagle's algorithm holds the body until the client's delayed ACK, about 40 ms.
        let _ = stream.set_nodelay(true);
        let state = Arc::clone(&state);
        let respond = move |request| {
            let state = Arc::clone(&state);
            async move { Ok::<_, Infallible>(respond(state, request).await) }
        };
        match &transport {
            Transport::Plain => {
                tokio::spawn(serve_connection(stream, respond));
            }
            Transport::Tls(acceptor) => {
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    // A failed or stalled handshake (a plain HTTP request, a scanner) is
                    // dropped: nothing was said, so nothing is answered.
                    let handshake = tokio::time::timeout(HANDSHAKE_LIMIT, acceptor.accept(stream));
                    if let Ok(Ok(stream)) = handshake.await {
                        serve_connection(stream, respond).await;
                    }
                });
            }
        }
    }
}

/// Answers the requests of one connection with `respond` until it closes.
async fn serve_connection<IO, R, F>(io: IO, respond: R)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    R: Fn(Request<Incoming>) -> F + Send + 'static,
    F: Future<Output = Result<HttpResponse, Infallible>> + Send + 'static,
{
    let handler = hyper::service::service_fn(respond);
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(io), handler)
        .await;
}
