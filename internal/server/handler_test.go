package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestHandlerRoutes(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	up := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_up", Help: "Test gauge."})
	reg.MustRegister(up)
	var ready bool
	var reloadErr error
	srv := httptest.NewServer(NewHandler(HandlerOptions{
		Gatherer: reg,
		Ready:    func() bool { return ready },
		Reload:   func(context.Context) error { return reloadErr },
	}))
	defer srv.Close()

	tests := []struct {
		name      string
		method    string
		path      string
		setup     func()
		wantCode  int
		wantBody  string
		wantAllow string
	}{
		{"healthz", http.MethodGet, "/healthz", nil, 200, "OK", ""},
		{"metrics", http.MethodGet, "/metrics", nil, 200, "test_up 0", ""},
		{"readyz before ready", http.MethodGet, "/readyz", func() { ready = false }, 503, "not ready", ""},
		{"readyz when ready", http.MethodGet, "/readyz", func() { ready = true }, 200, "ready", ""},
		{"reload by GET", http.MethodGet, "/-/reload", nil, 405, "use POST", "POST"},
		{"reload", http.MethodPost, "/-/reload", func() { reloadErr = nil }, 200, "config reloaded", ""},
		{"reload failed", http.MethodPost, "/-/reload",
			func() { reloadErr = errors.New("config.yaml: bad interval") }, 500, "bad interval", ""},
		{"metrics by POST", http.MethodPost, "/metrics", nil, 405, "", ""},
		{"unknown path", http.MethodGet, "/nope", nil, 404, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup != nil {
				tt.setup()
			}
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			require.NoError(t, err)
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			body := readBody(t, resp)

			assert.Equal(t, tt.wantCode, resp.StatusCode)
			assert.Contains(t, body, tt.wantBody)
			if tt.wantAllow != "" {
				assert.Equal(t, tt.wantAllow, resp.Header.Get("Allow"))
			}
		})
	}
}
