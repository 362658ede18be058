package soak

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Sample is the daemon's resource use at one moment, read from its own
// /metrics.
type Sample struct {
	Goroutines  float64
	OpenFiles   float64
	ResidentMiB float64
	HeapMiB     float64
}

// Scrape reads one Sample from the daemon's metrics URL.
func Scrape(ctx context.Context, url string) (Sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Sample{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return Sample{}, fmt.Errorf("scrape %s: %w", url, err)
	}
	defer resp.Body.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		return Sample{}, fmt.Errorf("parse %s: %w", url, err)
	}
	value := func(name string) float64 {
		family, ok := families[name]
		if !ok || len(family.GetMetric()) == 0 {
			return -1
		}
		return family.GetMetric()[0].GetGauge().GetValue()
	}
	const mib = 1 << 20
	return Sample{
		Goroutines:  value("go_goroutines"),
		OpenFiles:   value("process_open_fds"),
		ResidentMiB: value("process_resident_memory_bytes") / mib,
		HeapMiB:     value("go_memstats_heap_inuse_bytes") / mib,
	}, nil
}

// Flat reports whether end stays within the growth that steady state
// allows over start: a few goroutines and files for probes in flight at
// the moment of the scrape, and half again the memory for GC timing.
func Flat(start, end Sample) (bool, string) {
	switch {
	case end.Goroutines > start.Goroutines*1.2+10:
		return false, fmt.Sprintf("goroutines grew from %.0f to %.0f", start.Goroutines, end.Goroutines)
	case end.OpenFiles > start.OpenFiles+10:
		return false, fmt.Sprintf("open files grew from %.0f to %.0f", start.OpenFiles, end.OpenFiles)
	case end.HeapMiB > start.HeapMiB*1.5+4:
		return false, fmt.Sprintf("heap grew from %.1f to %.1f MiB", start.HeapMiB, end.HeapMiB)
	}
	return true, "goroutines, open files and heap stayed flat"
}
