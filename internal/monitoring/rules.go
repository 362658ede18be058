package monitoring

import (
	"regexp"
	"time"

	"github.com/prometheus/common/model"
)

// forPattern matches the `for:` line of a rule in the rule source, which
// writes every duration on its own line.
var forPattern = regexp.MustCompile(`(?m)^(\s+for: )\S+$`)

// RulesWithFor returns the alert rules with every `for:` duration replaced
// by forDuration, so that a test Prometheus fires the alerts within seconds.
// The expressions, labels and annotations stay as shipped.
func RulesWithFor(forDuration time.Duration) []byte {
	replacement := "${1}" + model.Duration(forDuration).String()
	return forPattern.ReplaceAll(Rules(), []byte(replacement))
}
