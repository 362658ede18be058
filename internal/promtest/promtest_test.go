package promtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const alwaysFiring = `groups:
  - name: test
    rules:
      - alert: AlwaysFiring
        expr: vector(1)
        labels:
          severity: none
`

func TestStartQueryAndAlerts(t *testing.T) {
	prom := Start(t, Options{RuleFiles: map[string][]byte{"always.yml": []byte(alwaysFiring)}})
	ctx := t.Context()

	vector, err := prom.Query(ctx, "vector(42)")
	require.NoError(t, err)
	require.Len(t, vector, 1)
	assert.Equal(t, 42.0, float64(vector[0].Value))

	var alerts []Alert
	err = Eventually(startTimeout, func() (bool, error) {
		alerts, err = prom.Alerts(ctx)
		return len(alerts) == 1 && alerts[0].State == "firing", err
	})
	require.NoError(t, err, "alerts: %v", alerts)
	assert.Equal(t, "AlwaysFiring", alerts[0].Labels["alertname"])
}

func TestQueryRejectsInvalidExpression(t *testing.T) {
	prom := Start(t, Options{})
	_, err := prom.Query(t.Context(), "sum(")
	require.Error(t, err)
	assert.Contains(t, err.Error(), `query "sum("`)
}
