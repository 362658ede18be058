package rig

import (
	"fmt"
	"net"
)

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. It
// listens on port 0 and closes the listener, so another process may take
// the port before the caller binds it. The rig accepts this race because
// the window is short and the kernel hands out ephemeral ports in turn. A
// start that loses it fails with "address already in use" in the part's
// log.
func FreePort() (int, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// FreePorts returns n distinct ports, each chosen as FreePort does. All
// listeners stay open until every port is chosen, so the ports differ.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			l.Close()
		}
	}()
	for range n {
		listener, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find %d free ports on 127.0.0.1: %w", n, err)
		}
		listeners = append(listeners, listener)
		ports = append(ports, listener.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
