package probe

import (
	"net/http"
	"testing"
)

// FuzzClassifyHealthz checks that any /healthz response gets a verdict with
// a reason, and that only the OK forms pass.
func FuzzClassifyHealthz(f *testing.F) {
	f.Add(200, []byte("OK"))
	f.Add(500, []byte("Not all components are healthy, 3/8"))
	f.Add(404, []byte("404 page not found"))
	f.Add(200, []byte(`{"state":"OK"}`))
	f.Fuzz(func(t *testing.T, code int, body []byte) {
		res := ClassifyHealthz(code, body)
		if res.Status == StatusPass {
			if code != http.StatusOK {
				t.Fatalf("status %d passed", code)
			}
			return
		}
		if res.Status != StatusFail || res.Reason == "" || res.Hint == "" {
			t.Fatalf("verdict %+v lacks a failure reason or hint", res)
		}
	})
}
