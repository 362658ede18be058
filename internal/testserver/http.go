package testserver

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Healthz is a plain-HTTP server whose /healthz responds with a settable
// status and body, like Milvus's on port 9091. Other paths return 404
// "404 page not found", as Go's default mux does.
type Healthz struct {
	// URL is the full URL of /healthz.
	URL string
	// BaseURL is the server's root URL.
	BaseURL string

	mu     sync.Mutex
	code   int    // guarded by mu
	body   string // guarded by mu
	header string // guarded by mu; the Content-Type
}

// StartHealthz starts a /healthz that returns 200 "OK" until Set changes
// it. It is closed in t.Cleanup.
func StartHealthz(t testing.TB) *Healthz {
	t.Helper()
	h := &Healthz{code: http.StatusOK, body: "OK", header: "text/plain; charset=utf-8"}
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", h.serve)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	h.BaseURL = srv.URL
	h.URL = srv.URL + "/healthz"
	return h
}

// Set sets the status code, content type and body of the next responses.
func (h *Healthz) Set(code int, contentType, body string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.code, h.header, h.body = code, contentType, body
}

func (h *Healthz) serve(w http.ResponseWriter, _ *http.Request) {
	h.mu.Lock()
	code, contentType, body := h.code, h.header, h.body
	h.mu.Unlock()
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(code)
	_, _ = w.Write([]byte(body))
}

// StartSilent starts a TCP server on 127.0.0.1 that accepts connections
// and never sends a byte. Connections are held open until t ends.
func StartSilent(t testing.TB) string {
	t.Helper()
	l := Listen(t)
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			_ = conn.Close()
		}
	})
	return l.Addr().String()
}

// ServeHTTP2 serves HTTP/2 with handler on every connection of l until t
// ends, as a load balancer or proxy that responds to gRPC requests
// itself does. l must be a TLSListener with ALPNH2: net/http serves
// HTTP/2 on a TLS connection whose ALPN selected h2.
func ServeHTTP2(t testing.TB, l net.Listener, handler http.Handler) {
	t.Helper()
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
}

// ServeHandshakeThenClose completes the TLS handshake of every connection
// of l and closes it at once, as a proxy that rejects the request after
// TLS does.
func ServeHandshakeThenClose(t testing.TB, l net.Listener) {
	t.Helper()
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			if tc, ok := conn.(*tls.Conn); ok {
				// The deadline keeps a client that never finishes the
				// handshake from stopping the accept loop.
				_ = tc.SetDeadline(time.Now().Add(5 * time.Second))
				_ = tc.Handshake()
			}
			_ = conn.Close()
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
	})
}
