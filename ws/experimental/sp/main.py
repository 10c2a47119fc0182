import socket
for kind in (socket.SOCK_RAW, socket.SOCK_DGRAM):
    try:
        a, b = socket.socketpair(socket.AF_UNIX, kind)
        a.sendto(b"escaped %d" % kind, "/var/tmp/probe/d.sock")
        print("sent", kind)
    except Exception as e:
        print("refused", kind, e)
