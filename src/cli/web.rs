//! `toolbench web`: serve the review page, pair a device with it, list and revoke the paired
//! devices.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::term::{self, errln, outln, print_json};
use super::{CliResult, Workbench, apply, unexpected};
use crate::command::{Applied, Command};
use crate::model::settings::TlsFiles;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub(crate) struct WebArgs {
    #[command(subcommand)]
    action: Option<WebAction>,
    /// Serve the page at ADDR instead of `[web] listen` (127.0.0.1:7878); beyond loopback only
    /// with a certificate; port 0 picks a free port, printed on stderr.
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Serve over TLS with this certificate (PEM, its chain after it) instead of `[web]
    /// tls_cert`.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM) instead of `[web] tls_key`.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum WebAction {
    /// Print a one-time link that pairs a device with the page (valid 10 minutes, once), and
    /// on a terminal a QR code of it for a phone's camera.
    Pair {
        /// The device's name, as `web devices` and the decisions it makes will show it
        /// (default: device-N).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// The address the page is served at, for the link (default: `[web] listen`).
        #[arg(long, value_name = "ADDR")]
        listen: Option<SocketAddr>,
        /// The name devices reach the page by, for the link (default: `[web] host`, else the
        /// address it listens on).
        #[arg(long, value_name = "NAME", value_parser = crate::model::settings::web_host)]
        host: Option<String>,
        /// Print the link only, without the QR code (as when stdout is not a terminal).
        #[arg(long)]
        no_qr: bool,
    },
    /// The paired devices, newest first.
    Devices {
        /// Print a JSON array of {name, paired_at, expires_at, revoked_at}.
        #[arg(long)]
        json: bool,
        /// Revoked devices too.
        #[arg(long)]
        all: bool,
    },
    /// End a paired device's session: its next request is refused.
    Revoke {
        /// The device's name, as `web devices` lists it.
        name: String,
    },
}

pub(crate) fn run(args: WebArgs, ws: Workbench) -> CliResult {
    match args.action {
        None => {
            let mut web = ws.config().web.clone();
            web.listen = args.listen.unwrap_or(web.listen);
            if let (Some(cert), Some(key)) = (args.tls_cert, args.tls_key) {
                web.tls = Some(TlsFiles { cert, key });
            }
            Ok(crate::web::serve(ws, &web)?)
        }
        Some(WebAction::Pair {
            name,
            listen,
            host,
            no_qr,
        }) => {
            let command = Command::PairingCode { name, listen, host };
            let Applied::PairingCode(code) = apply(&ws, command)? else {
                return Err(unexpected());
            };
            // A script reading stdout gets the link alone.
            let drawn = (!no_qr && term::stdout_is_terminal())
                .then(|| crate::qr::drawn(&code.link))
                .flatten();
            for line in drawn.unwrap_or_default() {
                outln!("{line}");
            }
            outln!("{}", code.link);
            errln!(
                "toolbench web: open the link on the device to pair it as {}; it works once, until {}",
                code.device,
                code.expires_at
            );
            Ok(())
        }
        Some(WebAction::Devices { json, all }) => {
            let devices = ws.reader()?.devices(all)?;
            if json {
                return print_json(&devices);
            }
            if devices.is_empty() {
                errln!("no device is paired (`toolbench web pair` pairs one)");
            }
            for device in &devices {
                let state = match &device.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => format!("until {}", device.expires_at),
                };
                outln!("{}  paired {}  {state}", device.name, device.paired_at);
            }
            Ok(())
        }
        Some(WebAction::Revoke { name }) => {
            let Applied::DeviceRevoked(name) = apply(&ws, Command::RevokeDevice { name })? else {
                return Err(unexpected());
            };
            outln!("revoked {name}: its session ended");
            Ok(())
        }
    }
}
