package devserver

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// lowestPort is the bottom of the range FreePort picks from: above the well-known and most
// registered service ports.
const lowestPort = 10000

// handedOut remembers the ports FreePort returned in this process, so two picks before the
// first is bound (the server's four services) never collide with each other.
var handedOut = struct {
	sync.Mutex
	ports map[int]bool
}{ports: map[int]bool{}}

// FreePort finds a TCP port on ip that nothing listens on, below the kernel's ephemeral range.
// A port from that range (listen on :0, close, bind later) can be taken in between by any
// outgoing connection's source port, and the end-to-end suite makes thousands: CI once saw a
// dev server whose frontend could not listen for that reason. Ports below the range are
// never handed to connections, only to listeners that ask for them. Where the range cannot
// be read or leaves no room below it, the kernel picks, as before.
func FreePort(ip string) (int, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	if top := ephemeralLow(); top-lowestPort >= 1000 {
		for range 200 {
			p := lowestPort + rand.IntN(top-lowestPort)
			if handedOut.ports[p] {
				continue
			}
			l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
			if err != nil {
				continue
			}
			_ = l.Close()
			handedOut.ports[p] = true
			return p, nil
		}
	}
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: find free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	p := l.Addr().(*net.TCPAddr).Port
	handedOut.ports[p] = true
	return p, nil
}

// ephemeralLow is the first port of Linux's ephemeral range (32768 by default, and the
// default's bottom is below every other system's range too).
func ephemeralLow() int {
	raw, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	f := strings.Fields(string(raw))
	if len(f) != 2 {
		return 32768
	}
	lo, err := strconv.Atoi(f[0])
	if err != nil {
		return 32768
	}
	return lo
}
