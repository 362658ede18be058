// Package server is the daemon's HTTP server, config reload and shutdown.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// HandlerOptions configure NewHandler.
type HandlerOptions struct {
	// Gatherer is served on /metrics.
	Gatherer prometheus.Gatherer
	// Ready reports whether /readyz returns 200.
	Ready func() bool
	// Reload is called by POST /-/reload.
	Reload func(ctx context.Context) error
	// Logger receives errors of the metrics handler; nil discards them.
	Logger *slog.Logger
}

// NewHandler returns the daemon's routes: /metrics, /healthz, /readyz and
// POST /-/reload.
func NewHandler(opts HandlerOptions) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(opts.Gatherer, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(opts.Logger.Handler(), slog.LevelError),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	mux.HandleFunc("GET /healthz", serveHealthz)
	mux.HandleFunc("GET /readyz", readyzHandler(opts.Ready))
	mux.HandleFunc("/-/reload", reloadHandler(opts.Reload))
	mux.HandleFunc("GET /{$}", serveIndex)
	return mux
}

// serveHealthz reports that the agent runs. It never follows the probed
// targets: a sidecar whose liveness followed Milvus would get its pod,
// Milvus included, restarted whenever Milvus is down.
func serveHealthz(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "OK")
}

func readyzHandler(ready func() bool) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		if !ready() {
			writeText(w, http.StatusServiceUnavailable,
				"not ready: config not loaded or a target has not finished its first probe cycle")
			return
		}
		writeText(w, http.StatusOK, "ready")
	}
}

func reloadHandler(reload func(context.Context) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeText(w, http.StatusMethodNotAllowed, "method not allowed; use POST to reload the config")
			return
		}
		if err := reload(r.Context()); err != nil {
			writeText(w, http.StatusInternalServerError, fmt.Sprintf("reload failed: %v", err))
			return
		}
		writeText(w, http.StatusOK, "config reloaded")
	}
}

func serveIndex(w http.ResponseWriter, _ *http.Request) {
	writeText(w, http.StatusOK, "milvus-l7-probe\n\n"+
		"/metrics      Prometheus metrics\n"+
		"/healthz      liveness of this agent (not of Milvus)\n"+
		"/readyz       200 once every target finished its first probe cycle\n"+
		"POST /-/reload  reload the config")
}

func writeText(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, body)
}
