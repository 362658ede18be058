package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/config"
)

// applyEnv sets each named flag that the command line left unset from its
// MILVUS_L7_PROBE_<NAME> variable (dots and dashes as underscores), so a
// command's own flags follow the same precedence as the target settings:
// flag, then environment, then default.
func applyEnv(flags *pflag.FlagSet, names ...string) error {
	for _, name := range names {
		f := flags.Lookup(name)
		if f == nil || f.Changed {
			continue
		}
		variable := config.EnvName(name)
		value, ok := os.LookupEnv(variable)
		if !ok || value == "" {
			continue
		}
		if err := f.Value.Set(value); err != nil {
			return fmt.Errorf("%s %q (for --%s) is invalid: %v", variable, value, name, err)
		}
	}
	return nil
}
