package probe

import (
	"net"
	"sync"
)

// recordingConn keeps the first bytes the server sends on a plaintext
// connection. When the gRPC call fails, they tell a TLS server (a TLS
// alert record) or an HTTP/1.1 server ("HTTP/1.1 400") from a broken
// HTTP/2 one.
type recordingConn struct {
	net.Conn

	mu    sync.Mutex
	first []byte // guarded by mu; at most recordLimit bytes
}

const recordLimit = 64

func (c *recordingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if room := recordLimit - len(c.first); room > 0 {
			c.first = append(c.first, p[:min(n, room)]...)
		}
		c.mu.Unlock()
	}
	return n, err
}

// recorded returns a copy of the first bytes read so far.
func (c *recordingConn) recorded() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.first...)
}
