// Package soak runs the daemon against targets that flap between healthy,
// refused, hung and TLS-broken, and reports whether the daemon's
// goroutines, open files and memory stay flat.
package soak

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/milvus-l7-probe/milvus-l7-probe/tlsutil"
)

// Mode is the behaviour of a flapping target in one phase.
type Mode string

// The phases a target cycles through.
const (
	ModeHealthy Mode = "healthy"
	ModeRefused Mode = "refused"
	ModeHung    Mode = "hung"
	ModeBadTLS  Mode = "bad_tls"
)

// Modes lists the phases in the order a target cycles through them.
var Modes = []Mode{ModeHealthy, ModeRefused, ModeHung, ModeBadTLS}

// Flapper is one target on 127.0.0.1 whose behaviour changes by phase.
type Flapper struct {
	Address string
	good    *tls.Config
	bad     *tls.Config

	mu       sync.Mutex
	listener net.Listener // guarded by mu; nil while refusing
	conns    []net.Conn   // guarded by mu; held open while hung
	grpc     *grpc.Server // guarded by mu
}

// NewFlapper reserves a port and starts healthy. certificate is the one
// the probe pins; the bad phase serves another certificate for the same
// name.
func NewFlapper(certificate, other *tlsutil.KeyPair) (*Flapper, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	address := l.Addr().String()
	if err := l.Close(); err != nil {
		return nil, err
	}
	f := &Flapper{
		Address: address,
		good:    serverTLS(certificate),
		bad:     serverTLS(other),
	}
	return f, f.Set(ModeHealthy)
}

func serverTLS(kp *tlsutil.KeyPair) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{kp.Cert.Raw}, PrivateKey: kp.Key, Leaf: kp.Cert}},
		NextProtos:   []string{"h2"},
	}
}

// Set switches the target to mode, closing whatever the last mode served.
func (f *Flapper) Set(mode Mode) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopLocked()
	if mode == ModeRefused {
		return nil
	}
	l, err := net.Listen("tcp", f.Address)
	if err != nil {
		return fmt.Errorf("listen on %s for %s: %w", f.Address, mode, err)
	}
	f.listener = l
	switch mode {
	case ModeHung:
		go f.holdLocked(l)
	case ModeBadTLS:
		f.serveLocked(l, f.bad)
	default:
		f.serveLocked(l, f.good)
	}
	return nil
}

func (f *Flapper) serveLocked(l net.Listener, config *tls.Config) {
	server := grpc.NewServer(grpc.Creds(credentials.NewTLS(config)))
	healthpb.RegisterHealthServer(server, health.NewServer())
	f.grpc = server
	go func() { _ = server.Serve(l) }()
}

// holdLocked accepts connections and never responds on them.
func (f *Flapper) holdLocked(l net.Listener) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		f.mu.Lock()
		f.conns = append(f.conns, conn)
		f.mu.Unlock()
	}
}

func (f *Flapper) stopLocked() {
	if f.grpc != nil {
		f.grpc.Stop()
		f.grpc = nil
	}
	if f.listener != nil {
		_ = f.listener.Close()
		f.listener = nil
	}
	for _, conn := range f.conns {
		_ = conn.Close()
	}
	f.conns = nil
}

// Close stops the target.
func (f *Flapper) Close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stopLocked()
}

// Cycle moves every flapper to the next mode each period, target i
// offset by i phases, until ctx ends.
func Cycle(ctx context.Context, flappers []*Flapper, period time.Duration) error {
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	for step := 1; ; step++ {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		for i, f := range flappers {
			if err := f.Set(Modes[(step+i)%len(Modes)]); err != nil && !errors.Is(err, net.ErrClosed) {
				return err
			}
		}
	}
}
