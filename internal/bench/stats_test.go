package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPercentile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	tests := []struct {
		p    float64
		want float64
	}{
		{0, 1},
		{10, 2},
		{50, 6},
		{90, 10},
		{99, 10.9},
		{100, 11},
	}
	for _, tt := range tests {
		assert.InDelta(t, tt.want, Percentile(sorted, tt.p), 1e-9, "p%v", tt.p)
	}
}

func TestSpreadOfUnsorted(t *testing.T) {
	s := SpreadOf([]float64{9, 1, 5})
	assert.Equal(t, 5.0, s.Median)
	assert.InDelta(t, 1.8, s.P10, 1e-9)
	assert.InDelta(t, 8.2, s.P90, 1e-9)
	assert.Equal(t, 3, s.N)
}

func TestExponent(t *testing.T) {
	assert.InDelta(t, 1, Exponent(10, 1, 1000, 100), 1e-9, "linear")
	assert.InDelta(t, 0, Exponent(10, 5, 1000, 5), 1e-9, "flat")
	assert.InDelta(t, 0.5, Exponent(10, 1, 1000, 10), 1e-9, "square root")
}

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
BenchmarkProbeCycle-2   	     444	   4000000 ns/op	   2000000 cpu-ns/op	  200000 B/op	    1800 allocs/op
BenchmarkProbeCycle-2   	     450	   5000000 ns/op	   3000000 cpu-ns/op	  200000 B/op	    1900 allocs/op
BenchmarkProbeCycle-2   	     460	   6000000 ns/op	   4000000 cpu-ns/op	  200000 B/op	    2000 allocs/op
BenchmarkFloor-2        	     873	   2936638 ns/op	   1739379 cpu-ns/op	  134859 B/op	    1096 allocs/op
PASS
`
	benches := ParseGoBench(out)
	require.Len(t, benches, 2)
	assert.Equal(t, "ProbeCycle", benches[0].Name)
	assert.Equal(t, 5e6, benches[0].Metrics["ns/op"])
	assert.Equal(t, 3e6, benches[0].Metrics["cpu-ns/op"])
	assert.Equal(t, 1900.0, benches[0].Metrics["allocs/op"])
	assert.Equal(t, "Floor", benches[1].Name)
	assert.Equal(t, 134859.0, benches[1].Metrics["B/op"])
}
