package bench

import (
	"math"
	"slices"
	"time"
)

// Spread is the median and the 10th and 90th percentiles of a sample.
type Spread struct {
	P10, Median, P90 float64
	N                int
}

// SpreadOf returns the spread of values; the zero Spread when empty.
func SpreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	return Spread{
		P10:    Percentile(sorted, 10),
		Median: Percentile(sorted, 50),
		P90:    Percentile(sorted, 90),
		N:      len(sorted),
	}
}

// Percentile returns the p-th percentile of sorted values, interpolating
// linearly between the closest ranks.
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	rank := p / 100 * float64(len(sorted)-1)
	lo := int(math.Floor(rank))
	hi := int(math.Ceil(rank))
	return sorted[lo] + (sorted[hi]-sorted[lo])*(rank-float64(lo))
}

// Millis converts durations to milliseconds.
func Millis(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

// Exponent returns k of the power law y = c * n^k through (n1, y1) and
// (n2, y2): 1 means linear growth, 0 constant, 0.5 that 10x the targets
// costs about 3.2x.
func Exponent(n1, y1, n2, y2 float64) float64 {
	return math.Log(y2/y1) / math.Log(n2/n1)
}

// pow10 returns 10^k: the factor per 10x targets of exponent k.
func pow10(k float64) float64 { return math.Pow(10, k) }
