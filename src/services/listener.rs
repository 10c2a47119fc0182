//! Who listens on a port. A health check that connects proves only that something listens
//! there: a program that took the port between its choice and the service's bind would answer
//! the check, and then get the service's messages. The launch checks that every listener on
//! the port is a socket of the service's own process tree.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;

use crate::proc_stat::ProcStat;

/// `st` of a listening socket in `/proc/net/tcp`.
const LISTEN: &str = "0A";

/// Whether TCP `port` has at least one listener and every one of them is held by `root` or a
/// descendant of it. `Err` when the kernel's socket tables cannot be read.
pub(crate) fn held_by_tree(port: u16, root: u32) -> io::Result<bool> {
    let listeners = listening_inodes(port)?;
    if listeners.is_empty() {
        return Ok(false);
    }
    let held = socket_inodes_of(&tree(root));
    Ok(listeners.iter().all(|inode| held.contains(inode)))
}

/// The inodes of the sockets listening on TCP `port`, on any local address, IPv4 and IPv6.
fn listening_inodes(port: u16) -> io::Result<Vec<u64>> {
    let mut inodes = Vec::new();
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        match fs::read_to_string(table) {
            Ok(text) => inodes.extend(listeners_in(&text, port)),
            // A kernel without IPv6 has no tcp6 table.
            Err(e) if e.kind() == io::ErrorKind::NotFound && table.ends_with('6') => {}
            Err(e) => return Err(e),
        }
    }
    Ok(inodes)
}

/// The listeners on `port` in one table: after the heading, each line holds the local
/// address as `HEXADDR:HEXPORT` (field 1), the state (field 3) and the inode (field 9).
fn listeners_in(table: &str, port: u16) -> Vec<u64> {
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (_, local_port) = fields.get(1)?.rsplit_once(':')?;
            let listening = *fields.get(3)? == LISTEN;
            (listening && u16::from_str_radix(local_port, 16).ok()? == port)
                .then(|| fields.get(9)?.parse().ok())
                .flatten()
        })
        .collect()
}

/// `root` and every process descending from it.
fn tree(root: u32) -> Vec<u32> {
    let mut children: HashMap<u32, Vec<u32>> = HashMap::new();
    for entry in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        let parent = ProcStat::read(pid).and_then(|stat| stat.field(4)?.parse::<u32>().ok());
        if let Some(parent) = parent {
            children.entry(parent).or_default().push(pid);
        }
    }
    let mut found = vec![root];
    let mut next = 0;
    while let Some(pid) = found.get(next).copied() {
        found.extend(children.get(&pid).into_iter().flatten());
        next += 1;
    }
    found
}

/// The inodes of the sockets `pids` hold open (those whose descriptors we may read).
fn socket_inodes_of(pids: &[u32]) -> HashSet<u64> {
    let mut inodes = HashSet::new();
    for pid in pids {
        for fd in fs::read_dir(format!("/proc/{pid}/fd"))
            .into_iter()
            .flatten()
            .flatten()
        {
            let Ok(target) = fs::read_link(fd.path()) else {
                continue;
            };
            let inode = target
                .to_str()
                .and_then(|t| t.strip_prefix("socket:["))
                .and_then(|t| t.strip_suffix(']'))
                .and_then(|t| t.parse::<u64>().ok());
            inodes.extend(inode);
        }
    }
    inodes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listeners_are_read_by_port_and_state() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
            0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0000000000000000 100 0 0 10 0\n\
            1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0000000000000000 20 4 30 10 -1\n\
            2: 00000000:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4444 1 0000000000000000 100 0 0 10 0\n";
        assert_eq!(listeners_in(table, 8080), vec![4242]);
        assert_eq!(listeners_in(table, 8081), vec![4444]);
        assert!(listeners_in(table, 9999).is_empty());
    }

    #[test]
    fn a_listener_of_our_own_is_held_by_our_tree_and_not_by_another() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let us = std::process::id();
        assert!(held_by_tree(port, us).expect("tables readable"));
        // A process of ours that does not hold the socket (it is close-on-exec) does not.
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        assert!(!held_by_tree(port, child.id()).expect("tables readable"));
        let _ = child.kill();
        let _ = child.wait();
        drop(listener);
        assert!(!held_by_tree(port, us).expect("tables readable"));
    }
}
