package bench

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// ScaleResult is the daemon's cost with a number of targets, over a window
// that starts once /readyz returns 200.
type ScaleResult struct {
	Targets int
	Window  time.Duration
	// Ready is the time from process start to /readyz 200.
	Ready time.Duration
	// CPU is the CPU time used in the window per second of it: 0.1 is
	// 10% of one core.
	CPU float64
	// QuietCPU is the same over the quiet part of the window before
	// scraping starts: the cost of probing alone.
	QuietCPU    float64
	QuietWindow time.Duration
	// PeakRSS is VmHWM at the end of the window, in bytes; QuietPeakRSS
	// is VmHWM at the end of the quiet part, before any scrape.
	PeakRSS      int64
	QuietPeakRSS int64
	// MetricsBytes is the size of the last /metrics; MetricsWireBytes its
	// gzip size.
	MetricsBytes     int
	MetricsWireBytes int
	// Scrapes are the /metrics latencies in milliseconds.
	Scrapes []float64
	// Passing is the number of targets with probe_success 1 at the last
	// scrape.
	Passing int
}

// MeasureScale runs the daemon with n targets on interval for window,
// scraping /metrics every scrapeEvery.
func MeasureScale(ctx context.Context, binary, dir string, f *Fixture, n int,
	interval, window, scrapeEvery time.Duration) (res ScaleResult, err error) {
	res.Targets = n
	config, err := WriteConfig(dir, f, n)
	if err != nil {
		return res, err
	}
	d, err := StartDaemon(binary, config, interval)
	if err != nil {
		return res, err
	}
	defer func() { err = errors.Join(err, d.Stop()) }()
	if res.Ready, err = d.WaitReady(ctx, interval+time.Minute); err != nil {
		return res, err
	}

	// The quiet part lasts at least an interval, so that every target
	// ran a cycle in it.
	quiet := max(window/4, interval)
	if res.QuietCPU, res.QuietWindow, err = cpuOver(ctx, d, quiet, func(w time.Duration) error {
		return sleep(ctx, w)
	}); err != nil {
		return res, err
	}
	if res.QuietPeakRSS, err = d.PeakRSS(); err != nil {
		return res, err
	}
	var last Scrape
	res.CPU, res.Window, err = cpuOver(ctx, d, max(window-quiet, interval), func(w time.Duration) error {
		last, err = scrapeFor(ctx, d, w, scrapeEvery, &res.Scrapes)
		return err
	})
	if err != nil {
		return res, err
	}
	res.MetricsBytes, res.MetricsWireBytes, res.Passing = last.Bytes, last.WireBytes, last.Passing
	res.PeakRSS, err = d.PeakRSS()
	return res, err
}

// cpuOver runs wait for window and returns d's CPU share over the time it
// took, and that time.
func cpuOver(ctx context.Context, d *Daemon, window time.Duration, wait func(time.Duration) error) (float64, time.Duration, error) {
	startCPU, err := d.CPUTime()
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := wait(window); err != nil {
		return 0, 0, err
	}
	endCPU, err := d.CPUTime()
	if err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	return float64(endCPU-startCPU) / float64(took), took, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// scrapeFor scrapes d every `every` until window passed, appends each
// latency in milliseconds to latencies, and returns the last scrape.
func scrapeFor(ctx context.Context, d *Daemon, window, every time.Duration, latencies *[]float64) (Scrape, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	end := time.After(window)
	var last Scrape
	for {
		s, err := d.ScrapeMetrics(client)
		if err != nil {
			return last, err
		}
		last = s
		*latencies = append(*latencies, float64(s.Latency)/float64(time.Millisecond))
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case <-end:
			return last, nil
		case <-ticker.C:
		}
	}
}

// MeasureStartup starts the daemon with one target runs times and returns
// the times from process start to /readyz 200.
func MeasureStartup(ctx context.Context, binary, dir string, f *Fixture, runs int) ([]time.Duration, error) {
	config, err := WriteConfig(dir, f, 1)
	if err != nil {
		return nil, err
	}
	var out []time.Duration
	for range runs {
		d, err := StartDaemon(binary, config, 10*time.Second)
		if err != nil {
			return nil, err
		}
		ready, err := d.WaitReady(ctx, 30*time.Second)
		if err = errors.Join(err, d.Stop()); err != nil {
			return nil, err
		}
		out = append(out, ready)
	}
	return out, nil
}
