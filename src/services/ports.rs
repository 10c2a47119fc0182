//! Ports: a fixed one must be free, an `auto` one is the first free one in the range.

use std::net::{Ipv4Addr, TcpListener};

use crate::model::service_definition::Port;

/// Why no port could be chosen; names the port or the range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PortError {
    #[error("port {port} is already used by instance {instance}")]
    UsedBy { port: u16, instance: String },
    #[error("port {0} is already in use on 127.0.0.1 (another program listens there)")]
    InUse(u16),
    #[error("no free port in services.port_range {0}-{1}")]
    NoneFree(u16, u16),
}

/// Nothing listens on 127.0.0.1:`port` right now (nor on every address, which would clash).
pub(crate) fn is_free(port: u16) -> bool {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok()
}

/// The port for a launch: `wanted` when fixed; else `previous` when it is still free, else
/// the first free port of `range` that no live instance holds. The error names the port.
pub(crate) fn choose(
    wanted: Port,
    previous: Option<u16>,
    range: (u16, u16),
    held: &[(u16, String)],
) -> Result<u16, PortError> {
    let holder = |port: u16| held.iter().find(|(p, _)| *p == port).map(|(_, i)| i);
    match wanted {
        Port::Fixed(port) => {
            if let Some(instance) = holder(port) {
                return Err(PortError::UsedBy {
                    port,
                    instance: instance.clone(),
                });
            }
            if !is_free(port) {
                return Err(PortError::InUse(port));
            }
            Ok(port)
        }
        Port::Auto => previous
            .into_iter()
            .chain(range.0..=range.1)
            .find(|port| holder(*port).is_none() && is_free(*port))
            .ok_or(PortError::NoneFree(range.0, range.1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_taken_port_is_named_and_auto_skips_it() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let taken = listener.local_addr().expect("addr").port();
        let err = choose(Port::Fixed(taken), None, (1, 1), &[])
            .expect_err("taken")
            .to_string();
        assert!(
            err.starts_with(&format!("port {taken} is already in use")),
            "{err}"
        );
        let err = choose(Port::Fixed(4242), None, (1, 1), &[(4242, "a".into())])
            .map_err(|e| e.to_string());
        assert_eq!(err, Err("port 4242 is already used by instance a".into()));
        let next = taken.checked_add(1).unwrap_or(taken);
        let got = choose(Port::Auto, Some(taken), (taken, next), &[]).expect("auto");
        assert_ne!(got, taken);
    }
}
