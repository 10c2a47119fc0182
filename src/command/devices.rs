//! Devices paired with the review page: a one-time code made for a named device, redeemed
//! once for a session, and the session's end. Codes and session secrets are random bytes
//! from the OS; the store keeps only their hashes.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use super::applied::Applied;
use super::applied::{PairingCode, Session};
use super::context::{Context, blocking};
use super::error::{CommandError, DeviceError, MAX_DEVICE_NAME};
use crate::store::Store;
use crate::store::devices::{NameTaken, NewSession, Redeemed};

/// How long a pairing code may be redeemed.
pub(crate) const CODE_TTL: Duration = Duration::from_secs(10 * 60);
/// How long a paired device's session lasts.
pub(crate) const SESSION_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Random bytes in a pairing code and in a session secret.
const CODE_BYTES: usize = 16;
const SECRET_BYTES: usize = 32;

/// Makes a pairing code for the device `name` (else `device-N`, the first free N), and its link
/// on the page served at `listen` and reached by `host` (each else as `[web]` says). Refused
/// before a code is made when no device could pair through that page: one `toolbench web`
/// would not serve, or one on every address with no name to reach it by; and when the name
/// is taken, by a paired device or a code made for it still waiting.
pub(super) async fn pairing_code(
    ctx: &Context,
    name: Option<String>,
    listen: Option<SocketAddr>,
    host: Option<String>,
) -> Result<Applied, CommandError> {
    let mut web = ctx.review.config().web.clone();
    web.listen = listen.unwrap_or(web.listen);
    web.host = host.or(web.host);
    // No device could pair through a page `toolbench web` refuses to serve.
    web.check_servable().map_err(DeviceError::from)?;
    let Some(page) = web.page_address() else {
        return Err(DeviceError::NoHost(web.listen).into());
    };
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        let mut store = store.lock();
        let now = SystemTime::now();
        let made_at = crate::clock::rfc3339(now);
        let device = match name {
            Some(name) => {
                check_name(&name)?;
                name
            }
            None => first_free_name(&store, &made_at)?,
        };
        let code = random_hex(CODE_BYTES)?;
        let expires_at = crate::clock::rfc3339(now + CODE_TTL);
        if let Some(taken) =
            store.insert_pairing_code(&secret_hash(&code), &device, &made_at, &expires_at)?
        {
            return Err(name_taken(device, taken).into());
        }
        Ok(Applied::PairingCode(PairingCode {
            link: crate::model::settings::pairing_link(&page, &code),
            code,
            device,
            expires_at,
        }))
    })
    .await
}

/// Redeems `code` for a new session of its device.
pub(super) async fn pair(ctx: &Context, code: String) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let secret = random_hex(SECRET_BYTES)?;
        let now = SystemTime::now();
        let paired_at = crate::clock::rfc3339(now);
        let session_hash = secret_hash(&secret);
        let session = NewSession {
            session_hash: &session_hash,
            paired_at: &paired_at,
            expires_at: &crate::clock::rfc3339(now + SESSION_TTL),
        };
        let store = ctx.store.get()?;
        let redeemed =
            store
                .lock()
                .redeem_pairing_code(&secret_hash(&code), &paired_at, &session)?;
        match redeemed {
            Redeemed::Paired(device) => Ok(Applied::Paired(Session { secret, device })),
            Redeemed::Refused => Err(DeviceError::CodeRefused.into()),
            Redeemed::NameTaken(device) => Err(DeviceError::Paired(device).into()),
        }
    })
    .await
}

/// Ends the session of the device `name`.
pub(super) async fn revoke(ctx: &Context, name: String) -> Result<Applied, CommandError> {
    let ctx = ctx.clone();
    blocking(move || {
        let store = ctx.store.get()?;
        if !store
            .lock()
            .revoke_device(&name, &crate::clock::now_rfc3339())?
        {
            return Err(DeviceError::Unknown(name).into());
        }
        Ok(Applied::DeviceRevoked(name))
    })
    .await
}

/// The device whose session `secret` opened, while that session holds.
pub(crate) fn device_of(store: &Store, secret: &str) -> Result<Option<String>, CommandError> {
    Ok(store.device_of_session(&secret_hash(secret), &crate::clock::now_rfc3339())?)
}

/// How a code or a secret is kept: its hash, so the store is no key to the page.
fn secret_hash(secret: &str) -> String {
    blake3::hash(secret.as_bytes()).to_hex().to_string()
}

fn random_hex(bytes: usize) -> Result<String, DeviceError> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(DeviceError::Random)?;
    Ok(crate::text::hex(&buf))
}

fn check_name(name: &str) -> Result<(), DeviceError> {
    let fits = !name.is_empty()
        && name.len() <= MAX_DEVICE_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if fits {
        Ok(())
    } else {
        Err(DeviceError::Name(name.to_string()))
    }
}

/// `device-N` for the first N from the count of devices ever paired whose name takes a
/// code at `now`.
fn first_free_name(store: &Store, now: &str) -> Result<String, CommandError> {
    let mut n = store.devices(true)?.len() + 1;
    loop {
        let name = format!("device-{n}");
        if store.device_name_taken(&name, now)?.is_none() {
            return Ok(name);
        }
        n += 1;
    }
}

fn name_taken(name: String, taken: NameTaken) -> DeviceError {
    match taken {
        NameTaken::Paired => DeviceError::Paired(name),
        NameTaken::Waiting { until } => DeviceError::Waiting { name, until },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_name_is_short_and_plain() {
        assert!(check_name("phone").is_ok());
        assert!(check_name("ana-pixel_8.1").is_ok());
        for bad in ["", "a b", "<b>", &"x".repeat(33), "é"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    /// The link names the page's address and its scheme; a page `toolbench web` would not
    /// serve (beyond loopback without TLS) gets no code, whatever host is named, and neither
    /// does a name that has one waiting: each refused in one line before any code is made.
    #[test]
    fn a_pairing_code_comes_with_the_pages_link_or_is_refused_where_no_device_pairs_through_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        crate::workspace::init_workspace(dir.path()).expect("init");
        let workbench = crate::workbench::Workbench::at(dir.path(), None).expect("opened");
        let ctx = workbench
            .caller(crate::model::RunOrigin::Cli)
            .expect("context");
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        let code = |name: Option<&str>, listen: &str, host: Option<&str>| {
            let command = super::super::Command::PairingCode {
                name: name.map(str::to_string),
                listen: Some(listen.parse().expect("address")),
                host: host.map(str::to_string),
            };
            runtime.block_on(super::super::apply(&ctx, command))
        };
        let refused = |applied: Result<Applied, CommandError>| {
            let line = applied.expect_err("refused").to_string();
            assert!(!line.contains('\n'), "{line}");
            line
        };
        for host in [None, Some("box.example.net")] {
            let line = refused(code(None, "0.0.0.0:7443", host));
            assert!(
                line.starts_with("0.0.0.0:7443: not a loopback address") && line.contains("TLS"),
                "{line}"
            );
        }
        let made = |applied: Result<Applied, CommandError>| match applied {
            Ok(Applied::PairingCode(code)) => code,
            other => panic!("no code: {other:?}"),
        };
        let first = made(code(None, "127.0.0.1:7878", None));
        assert_eq!(first.device, "device-1", "the refusals made no code");
        assert_eq!(
            first.link,
            format!("http://127.0.0.1:7878/pair?code={}", first.code)
        );
        let second = made(code(None, "127.0.0.1:7878", None));
        assert_eq!(second.device, "device-2", "device-1 has a code waiting");
        let line = refused(code(Some("device-1"), "127.0.0.1:7878", None));
        assert_eq!(
            line,
            format!(
                "a pairing link for device-1 was made already and works until {}: open that one on the device, or give another --name",
                first.expires_at
            )
        );
    }

    #[test]
    fn secrets_are_random_hex_of_their_length() {
        let a = random_hex(SECRET_BYTES).expect("random");
        let b = random_hex(SECRET_BYTES).expect("random");
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
    }
}
