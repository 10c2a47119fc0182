//! The review page over HTTP/1 (hyper, no framework): each request passes the checks in
//! order (Host, then Origin for a POST, then the session, then the body's size and the CSRF
//! token) before it is read as a page, an event stream or an answer.
//!
//! Nothing about the workspace is answered before the session check, except the pairing
//! page, which shows only the code its link carried.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::Instant;

use hyper::body::Incoming;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::WebError;
use super::answers::{self, Form};
use super::checks::{Site, read_body};
use super::events::{self, Changed, Listening};
use super::page::{self, Frame};
use super::pairing::RefusedCodes;
use super::reply::{HttpResponse, html, not_found, plain, see_other};
use super::sessions;
use super::tls::Tls;
use crate::command::DeviceError;
use crate::command::devices::SESSION_TTL;
use crate::command::{Applied, Command, CommandError};
use crate::model::RunOrigin;
use crate::workbench::Workbench;
use crate::workbench::events::Sources;
use crate::workbench::serve::{Recording, Serving};

/// What every connection shares.
struct Server {
    ws: Arc<Serving>,
    /// The `Host` values a legitimate request carries, and its scheme.
    site: Site,
    changes: watch::Receiver<Changed>,
    listeners: Arc<AtomicUsize>,
    refused_codes: RefusedCodes,
}

/// A request that passed the session check: the device, and its secret.
struct Paired {
    device: String,
    secret: String,
}

/// Listens at `listen` and serves every connection, over `tls` when given, until the process
/// ends.
pub(super) async fn serve(
    ws: Workbench,
    listen: SocketAddr,
    tls: Option<Arc<Tls>>,
) -> Result<(), WebError> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| WebError::Listen {
            addr: listen,
            reason: e.to_string(),
        })?;
    let bound = listener.local_addr().map_err(|e| WebError::Listen {
        addr: listen,
        reason: e.to_string(),
    })?;
    // Candidates arriving and leaving are heard through the live catalog; calls and
    // requests through the store's poller.
    let catalog = ws.scan();
    // A long-lived front end backs the store up as it starts: it is ended, not left.
    ws.back_up_in_background();
    let ws = Arc::new(ws.serve(
        &tokio::runtime::Handle::current(),
        catalog,
        RunOrigin::Cli,
        Recording::AtOnce,
    )?);
    let stream = ws.workbench().events(Sources {
        waiting: true,
        ..Sources::default()
    })?;
    let (tx, changes) = watch::channel(Changed::default());
    tokio::spawn(events::follow(stream, tx));
    let transport = match &tls {
        Some(tls) => crate::http_server::Transport::Tls(tls.acceptor.clone()),
        None => crate::http_server::Transport::Plain,
    };
    let site = Site::new(bound.port(), tls);
    let scheme = site.scheme();
    let server = Arc::new(Server {
        ws,
        site,
        changes,
        listeners: Arc::new(AtomicUsize::new(0)),
        refused_codes: RefusedCodes::default(),
    });
    eprintln!("toolbench web: serving {scheme}://{bound}/");
    eprintln!(
        "toolbench web: pair a device with `toolbench web pair --listen {bound}`; only paired devices are served"
    );
    // Until the process ends.
    let until = std::future::pending();
    crate::http_server::serve(
        listener,
        transport,
        "toolbench web",
        until,
        server,
        |server, request| async move { respond(&server, request).await },
    )
    .await;
    Ok(())
}

async fn respond(server: &Server, request: Request<Incoming>) -> HttpResponse {
    let Some(host) = server.site.allowed_host(request.headers()) else {
        return plain(
            StatusCode::FORBIDDEN,
            "Forbidden: the Host header must name this server on its port: on loopback (127.0.0.1, localhost or [::1]) or by a name its certificate holds",
        );
    };
    let method = request.method().clone();
    if method == Method::POST && !server.site.same_origin(request.headers(), &host) {
        return plain(
            StatusCode::FORBIDDEN,
            "Forbidden: a POST must come from this page (its Origin header must be this server)",
        );
    }
    let path = request.uri().path().to_string();
    match (&method, path.as_str()) {
        (&Method::GET, "/pair") => {
            let code = query_value(request.uri().query(), "code").unwrap_or_default();
            return html(StatusCode::OK, page::pairing(&code));
        }
        (&Method::POST, "/pair") => return pair(server, request).await,
        _ => {}
    }
    let Some(paired) = paired(server, request.headers()) else {
        return html(
            StatusCode::UNAUTHORIZED,
            page::refusal(
                "Not paired",
                "This device is not paired with toolbench: run `toolbench web pair` on the machine and open the link it prints here.",
            ),
        );
    };
    match (&method, path.as_str()) {
        (&Method::GET, "/") => {
            let page = query_value(request.uri().query(), "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
            review(server, &paired, StatusCode::OK, page, None)
        }
        (&Method::GET, "/events") => listen(server, paired),
        (&Method::POST, "/candidates") => {
            let form = match read_form(request, &paired).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            let command = answers::candidate_decision(&form);
            act(server, &paired, command).await
        }
        (&Method::POST, p) if p.starts_with("/requests/") => {
            let Ok(id) = p["/requests/".len()..].parse::<i64>() else {
                return not_found();
            };
            let form = match read_form(request, &paired).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            act(server, &paired, answers::request_answer(&form, id)).await
        }
        (&Method::POST, p) if p.starts_with("/calls/") => {
            let Ok(id) = p["/calls/".len()..].parse::<i64>() else {
                return not_found();
            };
            let form = match read_form(request, &paired).await {
                Ok(form) => form,
                Err(refused) => return refused,
            };
            let now = server
                .ws
                .workbench()
                .reader()
                .and_then(|reader| reader.call(id));
            let command = match now {
                Ok(now) => answers::call_answer(&form, id, now.as_ref()),
                Err(e) => return failed("reading a call", &crate::error_chain::one_line(&e)),
            };
            act(server, &paired, command).await
        }
        _ => not_found(),
    }
}

/// Why an answer was not taken.
enum NotTaken {
    /// The answer was refused, in words for the person who gave it.
    Refused(String),
    /// The machine failed (its store): said only in the server's log.
    Failed(String),
}

/// Does an answer's command as the device's, then shows the page: a redirect to it when
/// the answer was taken, else the page as it is now with why the answer was refused.
async fn act(server: &Server, paired: &Paired, command: Result<Command, String>) -> HttpResponse {
    let applied = match command {
        Ok(command) => match server.ws.workbench().device_caller(&paired.device) {
            Ok(caller) => server
                .ws
                .workbench()
                .apply(&caller, command)
                .await
                .map_err(|e| {
                    let why = crate::error_chain::one_line(&e);
                    if e.store_failed() {
                        NotTaken::Failed(why)
                    } else {
                        NotTaken::Refused(why)
                    }
                }),
            Err(e) => Err(NotTaken::Failed(e.to_string())),
        },
        Err(why) => Err(NotTaken::Refused(why)),
    };
    match applied {
        Ok(_) => {
            eprintln!("toolbench web: {} answered", paired.device);
            see_other("/")
        }
        Err(NotTaken::Refused(why)) => {
            eprintln!("toolbench web: refused {}'s answer: {why}", paired.device);
            review(server, paired, StatusCode::CONFLICT, 0, Some(&why))
        }
        Err(NotTaken::Failed(why)) => failed(&format!("{}'s answer", paired.device), &why),
    }
}

/// The machine failed, not the request: why is said in the server's log, where the machine's
/// owner reads it, and the device is told only that, never the words of the store or the
/// files behind them.
fn failed(what: &str, why: &str) -> HttpResponse {
    eprintln!("toolbench web: {what} failed: {why}");
    html(
        StatusCode::INTERNAL_SERVER_ERROR,
        page::refusal(
            "Something failed on the machine",
            "toolbench could not do this. The output of `toolbench web` on the machine says why.",
        ),
    )
}

/// Redeems the code a pairing form carries for a session cookie, unless too many codes were
/// refused lately.
async fn pair(server: &Server, request: Request<Incoming>) -> HttpResponse {
    let now = Instant::now();
    if let Err(wait) = server.refused_codes.admits(now) {
        return plain(
            StatusCode::TOO_MANY_REQUESTS,
            format!(
                "Too Many Requests: too many pairing codes were refused; try again in {} s",
                wait.as_secs() + 1
            ),
        );
    }
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(refused) => return refused,
    };
    let code = Form::parse(&body)
        .get("code")
        .unwrap_or_default()
        .to_string();
    let applied = match server.ws.workbench().caller(RunOrigin::Cli) {
        Ok(caller) => {
            server
                .ws
                .workbench()
                .apply(&caller, Command::Pair { code })
                .await
        }
        Err(e) => Err(e.into()),
    };
    match applied {
        Ok(Applied::Paired(session)) => {
            eprintln!("toolbench web: paired {}", session.device);
            let mut response = see_other("/");
            if let Ok(cookie) = HeaderValue::from_str(&sessions::set_cookie(
                &session.secret,
                SESSION_TTL.as_secs(),
                server.site.scheme() == "https",
            )) {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(CommandError::Device(DeviceError::CodeRefused)) => {
            let count = server.refused_codes.refused(now);
            eprintln!("toolbench web: refused a pairing code ({count} refused since the start)");
            html(
                StatusCode::FORBIDDEN,
                page::refusal(
                    "Pairing refused",
                    "The pairing code is unknown, used or expired: run `toolbench web pair` again for a new link.",
                ),
            )
        }
        // Two links made for one name (by an older build): the second pairs nothing.
        Err(CommandError::Device(DeviceError::Paired(name))) => {
            eprintln!(
                "toolbench web: refused a pairing as {name}: a device of that name is paired"
            );
            html(
                StatusCode::CONFLICT,
                page::refusal(
                    "Pairing refused",
                    &format!(
                        "A device named {name} is paired already, so this link pairs nothing (and is used up). On the machine, `toolbench web pair --name OTHER` makes a link under another name; after `toolbench web revoke {name}`, a new link pairs as {name} again."
                    ),
                ),
            )
        }
        Ok(_) => failed("a pairing", "the library answered for another command"),
        Err(e) => failed("a pairing", &crate::error_chain::one_line(&e)),
    }
}

/// The device whose session the request's cookie carries, if it holds.
fn paired(server: &Server, headers: &HeaderMap) -> Option<Paired> {
    let secret = sessions::secret(headers)?;
    let reader = server.ws.workbench().reader().ok()?;
    let device = reader.device_of(&secret).ok()??;
    Some(Paired { device, secret })
}

/// The event stream of a paired page, while its session holds.
fn listen(server: &Server, paired: Paired) -> HttpResponse {
    let Some(place) = Listening::take(&server.listeners) else {
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "Service Unavailable: {} pages are listening already",
                events::MAX_LISTENERS
            ),
        );
    };
    let ws = Arc::clone(&server.ws);
    let still_paired = move || {
        ws.workbench().reader().is_ok_and(|reader| {
            reader
                .device_of(&paired.secret)
                .is_ok_and(|device| device.is_some())
        })
    };
    let mut response = Response::new(events::stream(server.changes.clone(), still_paired, place));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The review page with page `page` of the calls, and `notice` when an answer was refused.
fn review(
    server: &Server,
    paired: &Paired,
    status: StatusCode,
    page: usize,
    notice: Option<&str>,
) -> HttpResponse {
    let waiting = match super::waiting::gather(server.ws.workbench(), page) {
        Ok(waiting) => waiting,
        Err(e) => return failed("the page", &crate::error_chain::one_line(&e)),
    };
    let csrf = sessions::csrf_token(&paired.secret);
    let frame = Frame {
        device: &paired.device,
        csrf: &csrf,
        notice,
        page,
    };
    html(status, page::review(&frame, &waiting))
}

/// The body of an answer as a form, once its size and its CSRF token passed.
async fn read_form(request: Request<Incoming>, paired: &Paired) -> Result<Form, HttpResponse> {
    let form = Form::parse(&read_body(request).await?);
    let presented = form.get("csrf").unwrap_or_default();
    if !sessions::csrf_matches(&paired.secret, presented) {
        return Err(plain(
            StatusCode::FORBIDDEN,
            "Forbidden: the answer carries no valid token of this session; reload the page and answer again",
        ));
    }
    Ok(form)
}

/// The first value of `name` in a query string.
fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    Form::parse(query?.as_bytes()).get(name).map(str::to_string)
}
