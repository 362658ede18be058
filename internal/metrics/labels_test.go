package metrics

import (
	"bytes"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/stretchr/testify/require"
)

func byTarget(target string) prometheus.Labels {
	return prometheus.Labels{"target": target}
}

func failureLabels(target, check, reason string) prometheus.Labels {
	return prometheus.Labels{"target": target, "check": check, "reason": reason}
}

// gatherValue returns the value of the one gauge or counter series of name
// whose labels equal want.
func gatherValue(t *testing.T, reg prometheus.Gatherer, name string, want prometheus.Labels) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			if !labelsEqual(m.GetLabel(), want) {
				continue
			}
			if m.Counter != nil {
				return m.GetCounter().GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no series %s%v", name, want)
	return 0
}

func labelsEqual(pairs []*dto.LabelPair, want prometheus.Labels) bool {
	if len(pairs) != len(want) {
		return false
	}
	for _, p := range pairs {
		if v, ok := want[p.GetName()]; !ok || v != p.GetValue() {
			return false
		}
	}
	return true
}

// exposition encodes every family of reg in the text format.
// testutil.GatherAndFormat is not used because client_golang v1.25.0
// returns nothing from it when no metric names are given.
func exposition(t *testing.T, reg prometheus.Gatherer) []byte {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range families {
		require.NoError(t, enc.Encode(mf))
	}
	return buf.Bytes()
}
