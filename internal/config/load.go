package config

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/milvus-l7-probe/milvus-l7-probe/probe"
)

// Config is the validated configuration: every target ready to probe.
type Config struct {
	// Path is the config file that was read, or empty.
	Path     string
	Interval time.Duration
	Targets  []probe.Target
}

// Select returns the target named name, or the only target when name is
// empty.
func (c *Config) Select(name string) (probe.Target, error) {
	if name == "" && len(c.Targets) == 1 {
		return c.Targets[0], nil
	}
	names := make([]string, 0, len(c.Targets))
	for _, t := range c.Targets {
		if t.Name == name {
			return t, nil
		}
		names = append(names, t.Name)
	}
	if name == "" {
		return probe.Target{}, fmt.Errorf("the config has %d targets (%s); choose one with --target NAME",
			len(c.Targets), strings.Join(names, ", "))
	}
	return probe.Target{}, fmt.Errorf("target %q is not in the config; the config has %s", name, strings.Join(names, ", "))
}

// Load reads the settings from the parsed flags in fs, the environment and
// the config file named by --config or MILVUS_L7_PROBE_CONFIG, and
// validates them. getenv is os.Getenv outside tests.
func Load(flags *pflag.FlagSet, getenv func(string) string) (*Config, error) {
	v := viper.New()
	for key, value := range defaults() {
		v.SetDefault(key, value)
	}
	bindEnv(v)
	if err := bindFlags(v, flags); err != nil {
		return nil, err
	}
	path, err := readFile(v, flags, getenv)
	if err != nil {
		return nil, err
	}

	var file File
	if err := decodeStrict(v.AllSettings(), &file, ""); err != nil {
		return nil, withPath(path, err)
	}
	settings, err := targetSettings(v, flags, file)
	if err != nil {
		return nil, withPath(path, err)
	}
	targets, err := buildTargets(settings, getenv)
	if err != nil {
		return nil, withPath(path, err)
	}
	if file.Interval <= 0 {
		return nil, withPath(path, fmt.Errorf("interval %s is invalid: must be greater than zero, e.g. 30s", file.Interval))
	}
	return &Config{Path: path, Interval: file.Interval, Targets: targets}, nil
}

func withPath(path string, err error) error {
	if path == "" {
		return err
	}
	return fmt.Errorf("config %s: %w", path, err)
}

// bindEnv binds every known key to its MILVUS_L7_PROBE_* variable, because
// viper reads only the variables of keys it knows when it decodes.
func bindEnv(v *viper.Viper) {
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_", "-", "_"))
	for _, key := range knownKeys() {
		_ = v.BindEnv(key)
	}
}

func bindFlags(v *viper.Viper, flags *pflag.FlagSet) error {
	for _, tf := range targetFlags {
		if f := flags.Lookup(tf.name); f != nil {
			if err := v.BindPFlag(tf.key, f); err != nil {
				return fmt.Errorf("bind flag --%s: %w", tf.name, err)
			}
		}
	}
	if f := flags.Lookup(plaintextFlag); f != nil && f.Changed && f.Value.String() == "true" {
		v.Set("tls.enabled", false)
	}
	if f := flags.Lookup("interval"); f != nil {
		if err := v.BindPFlag("interval", f); err != nil {
			return fmt.Errorf("bind flag --interval: %w", err)
		}
	}
	return nil
}

// readFile reads the config file, if one is named. A folder means the
// config.yaml inside it, as a ConfigMap is mounted.
func readFile(v *viper.Viper, flags *pflag.FlagSet, getenv func(string) string) (string, error) {
	path := getenv(envPrefix + "_CONFIG")
	if f := flags.Lookup("config"); f != nil && f.Changed {
		path = f.Value.String()
	}
	if path == "" {
		return "", nil
	}
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("config file %q does not exist; check --config", path)
	}
	if err != nil {
		return "", fmt.Errorf("config file %q: %w", path, err)
	}
	if info.IsDir() {
		folder := path
		path = filepath.Join(folder, "config.yaml")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("config folder %q has no config.yaml; "+
				"mount the ConfigMap with key config.yaml or give the file path to --config", folder)
		}
	}
	v.SetConfigFile(path)
	v.SetConfigType("yaml")
	if err := v.ReadInConfig(); err != nil {
		return "", fmt.Errorf("read config file %q: %w", path, err)
	}
	return path, nil
}

// targetSettings returns the settings of every target: the top level
// alone, or each entry of targets merged over the top level. Flags given
// on the command line win over an entry.
func targetSettings(v *viper.Viper, flags *pflag.FlagSet, file File) ([]TargetSettings, error) {
	if len(file.Targets) == 0 {
		return []TargetSettings{file.TargetSettings}, nil
	}
	if err := checkIdentifyingFlags(flags, len(file.Targets)); err != nil {
		return nil, err
	}
	base := v.AllSettings()
	delete(base, "targets")
	delete(base, "interval")
	changed := changedFlagSettings(v, flags)
	out := make([]TargetSettings, 0, len(file.Targets))
	for i, entry := range file.Targets {
		merged := mergeMaps(mergeMaps(base, entry), changed)
		var ts TargetSettings
		if err := decodeStrict(merged, &ts, fmt.Sprintf("targets[%d].", i)); err != nil {
			return nil, err
		}
		out = append(out, ts)
	}
	return out, nil
}

// checkIdentifyingFlags rejects --address and --name when the file lists
// several targets, because each would give every entry the same value.
// --address stays allowed with --target, which probes one entry only.
func checkIdentifyingFlags(flags *pflag.FlagSet, entries int) error {
	if entries < 2 {
		return nil
	}
	selected := false
	if f := flags.Lookup("target"); f != nil && f.Changed {
		selected = true
	}
	for _, name := range []string{"name", "address"} {
		f := flags.Lookup(name)
		if f == nil || !f.Changed || (name == "address" && selected) {
			continue
		}
		return fmt.Errorf("--%s %q would apply to all %d entries of targets; "+
			"set %s in each entry of targets, or use check --config FILE --target NAME for one target",
			name, f.Value.String(), entries, name)
	}
	return nil
}

func changedFlagSettings(v *viper.Viper, flags *pflag.FlagSet) map[string]any {
	out := map[string]any{}
	for _, tf := range targetFlags {
		if f := flags.Lookup(tf.name); f != nil && f.Changed {
			setPath(out, tf.key, v.Get(tf.key))
		}
	}
	if f := flags.Lookup(plaintextFlag); f != nil && f.Changed {
		setPath(out, "tls.enabled", v.Get("tls.enabled"))
	}
	return out
}

func setPath(m map[string]any, key string, value any) {
	head, rest, nested := strings.Cut(key, ".")
	if !nested {
		m[head] = value
		return
	}
	child, ok := m[head].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[head] = child
	}
	setPath(child, rest, value)
}

// mergeMaps returns base with over laid on top, recursing into maps.
func mergeMaps(base, over map[string]any) map[string]any {
	out := maps.Clone(base)
	for key, value := range over {
		baseChild, baseIsMap := out[key].(map[string]any)
		overChild, overIsMap := value.(map[string]any)
		if baseIsMap && overIsMap {
			out[key] = mergeMaps(baseChild, overChild)
			continue
		}
		out[key] = value
	}
	return out
}

// decodeStrict decodes settings into out and fails on keys that out does
// not have, naming them with prefix.
func decodeStrict(settings map[string]any, out any, prefix string) error {
	var md mapstructure.Metadata
	decoder, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Metadata:         &md,
		Result:           out,
		WeaklyTypedInput: true,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			durationHook,
			mapstructure.StringToSliceHookFunc(","),
		),
	})
	if err != nil {
		return err
	}
	if err := decoder.Decode(settings); err != nil {
		return decodeError(err, prefix)
	}
	if len(md.Unused) > 0 {
		sort.Strings(md.Unused)
		return unknownKeysError(prefix, md.Unused)
	}
	return nil
}

// decodeError rewrites mapstructure's error as one line per key, in the
// form "key: problem" sorted by key, and names the environment variable that set a key.
func decodeError(err error, prefix string) error {
	var lines []string
	for _, p := range decodeProblems(err) {
		if p.key == "" {
			lines = append(lines, p.err.Error())
			continue
		}
		key := prefix + p.key
		// An entry of targets may set the key itself, so only a top-level
		// value is known to come from a set variable.
		if _, set := os.LookupEnv(EnvName(p.key)); set && prefix == "" {
			key += " (from " + EnvName(p.key) + ")"
		}
		lines = append(lines, key+": "+p.err.Error())
	}
	if len(lines) == 0 {
		return err
	}
	sort.Strings(lines)
	return errors.New(strings.Join(lines, "\n"))
}

// decodeProblem is one key that failed to decode, and why.
type decodeProblem struct {
	key string
	err error
}

// decodeProblems returns the innermost mapstructure.DecodeErrors in err,
// each of which names one key. An error outside any gets an empty key.
func decodeProblems(err error) []decodeProblem {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		var problems []decodeProblem
		for _, e := range joined.Unwrap() {
			problems = append(problems, decodeProblems(e)...)
		}
		return problems
	}
	de, ok := err.(*mapstructure.DecodeError)
	if !ok {
		// Skip wrappers such as mapstructure's "decoding failed" preamble.
		if errors.As(err, &de) {
			return decodeProblems(errors.Unwrap(err))
		}
		return []decodeProblem{{err: readableDecodeError(err)}}
	}
	inner := decodeProblems(de.Unwrap())
	if len(inner) > 1 || (len(inner) == 1 && inner[0].key != "") {
		return inner
	}
	if len(inner) == 0 {
		return []decodeProblem{{key: de.Name(), err: errors.New("invalid value")}}
	}
	return []decodeProblem{{key: de.Name(), err: inner[0].err}}
}

// readableDecodeError replaces mapstructure's wording of a value of the
// wrong type with the value and the type expected.
func readableDecodeError(err error) error {
	var pe *mapstructure.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%q is not a %s", fmt.Sprint(pe.Value), pe.Expected.Type())
	}
	var ue *mapstructure.UnconvertibleTypeError
	if errors.As(err, &ue) {
		return fmt.Errorf("%v is not a %s", ue.Value, ue.Expected.Type())
	}
	return err
}

// EnvName returns the environment variable bound to key, as bindEnv binds
// it: the prefix, then the key upper-cased with dots and dashes as
// underscores.
func EnvName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

func unknownKeysError(prefix string, unused []string) error {
	parts := make([]string, 0, len(unused))
	for _, key := range unused {
		parts = append(parts, fmt.Sprintf("%q", prefix+key))
	}
	return fmt.Errorf("unknown key %s; known keys are %s", strings.Join(parts, ", "),
		strings.Join(knownKeys(), ", "))
}

// durationHook decodes "10s" into a time.Duration and rejects a bare
// number, which would otherwise read as nanoseconds.
func durationHook(from, to reflect.Type, data any) (any, error) {
	if to != reflect.TypeFor[time.Duration]() {
		return data, nil
	}
	switch value := data.(type) {
	case string:
		d, err := time.ParseDuration(value)
		if err != nil {
			return nil, fmt.Errorf("duration %q is invalid: use a number with a unit, e.g. 10s or 5m", value)
		}
		return d, nil
	case time.Duration:
		return value, nil
	case int, int64, float64, uint64:
		if reflect.ValueOf(value).IsZero() {
			return time.Duration(0), nil
		}
		return nil, fmt.Errorf("duration %v has no unit: write it with one, e.g. %vs", value, value)
	default:
		return data, nil
	}
}

// knownKeys lists every config key, as dotted paths, sorted.
func knownKeys() []string {
	keys := []string{"interval", "targets"}
	keys = append(keys, structKeys(reflect.TypeFor[TargetSettings](), "")...)
	sort.Strings(keys)
	return keys
}

func structKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for field := range t.Fields() {
		tag := strings.Split(field.Tag.Get("mapstructure"), ",")[0]
		if field.Type.Kind() == reflect.Struct && field.Type != reflect.TypeFor[time.Duration]() {
			keys = append(keys, structKeys(field.Type, prefix+tag+".")...)
			continue
		}
		keys = append(keys, prefix+tag)
	}
	return keys
}
