package render

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/monitoring"
)

// File is one rendered output file. Apply marks Kubernetes objects that
// kubectl apply accepts as they are. The other files (Helm values, patches,
// the plan, the probe config) are input to helm, kubectl patch or the probe.
type File struct {
	Name    string
	Content []byte
	Apply   bool
}

// File names of a rendering, in the order the plan uses them.
const (
	FileValues          = "values.yaml"
	FileBackendConfig   = "backendconfig.yaml"
	FileServicePatch    = "service-annotations-patch.yaml"
	FileManagedCert     = "managedcertificate.yaml"
	FileIngress         = "ingress.yaml"
	FileProbeConfig     = "probe-config.yaml"
	FileProbe           = "probe.yaml"
	FileSidecarConfig   = "probe-sidecar-configmap.yaml"
	FileSidecarPatch    = "probe-sidecar-patch.yaml"
	FilePlan            = "PLAN.md"
	sidecarConfigSuffix = "-sidecar"
)

// Render builds every file of the setup for o. It calls o.Complete, so
// callers may leave defaults empty, and rejects invalid options.
func Render(o Options) ([]File, error) {
	o.Complete()
	if err := o.Validate(); err != nil {
		return nil, err
	}
	sidecarCfg := NewProbeConfig(o, sidecarHealthzURL())
	serviceCfg := NewProbeConfig(o, serviceHealthzURL(o))
	sidecarMap, err := NewProbeConfigMap(o, o.ProbeName+sidecarConfigSuffix, sidecarCfg)
	if err != nil {
		return nil, err
	}
	serviceMap, err := NewProbeConfigMap(o, o.ProbeName, serviceCfg)
	if err != nil {
		return nil, err
	}

	docs := []struct {
		name  string
		apply bool
		objs  []any
	}{
		{FileValues, false, []any{HelmValues(o)}},
		{FileBackendConfig, true, []any{NewBackendConfig(o)}},
		{FileServicePatch, false, []any{NewServicePatch(o)}},
		{FileManagedCert, true, []any{NewManagedCertificate(o)}},
		{FileIngress, true, []any{NewIngress(o)}},
		{FileProbeConfig, false, []any{sidecarCfg}},
		{FileSidecarConfig, true, []any{sidecarMap}},
		{FileSidecarPatch, false, []any{NewSidecarPatch(o, sidecarMap.Name)}},
		{FileProbe, true, []any{serviceMap, NewProbeDeployment(o, serviceMap.Name), NewProbeService(o), NewProbeCronJob(o, serviceMap.Name)}},
	}
	var files []File
	for _, d := range docs {
		if d.name == FileManagedCert && o.CertMode != CertGoogleManaged {
			continue
		}
		content, err := marshalDocuments(d.objs...)
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", d.name, err)
		}
		files = append(files, File{Name: d.name, Content: content, Apply: d.apply})
	}
	monitoringFiles, err := monitoringFiles(o)
	if err != nil {
		return nil, err
	}
	files = append(files, monitoringFiles...)
	files = append(files, File{Name: FilePlan, Content: []byte(Plan(o))})
	return files, nil
}

// monitoringFiles returns the alert rules, monitors and dashboard for the
// release, named with the prefix "monitoring-". They are not applied with
// the rest because their kinds exist only where prometheus-operator and
// Grafana's dashboard sidecar are installed.
func monitoringFiles(o Options) ([]File, error) {
	manifests, err := monitoring.Manifests(o.Namespace, o.Release)
	if err != nil {
		return nil, fmt.Errorf("render monitoring manifests: %w", err)
	}
	names := make([]string, 0, len(manifests))
	for name := range manifests {
		names = append(names, name)
	}
	sort.Strings(names)
	files := make([]File, 0, len(names))
	for _, name := range names {
		files = append(files, File{Name: "monitoring-" + name, Content: manifests[name]})
	}
	return files, nil
}

// marshalDocuments writes objs as one multi-document YAML stream.
func marshalDocuments(objs ...any) ([]byte, error) {
	var buf bytes.Buffer
	for i, obj := range objs {
		if i > 0 {
			buf.WriteString("---\n")
		}
		data, err := marshalPruned(obj)
		if err != nil {
			return nil, err
		}
		buf.Write(data)
	}
	return buf.Bytes(), nil
}

// WriteDir writes files into dir, creating it when missing.
func WriteDir(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output folder: %w", err)
	}
	for _, f := range files {
		path := filepath.Join(dir, f.Name)
		if err := os.WriteFile(path, f.Content, 0o644); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	return nil
}

// WriteStream writes files as one stream for kubectl apply -f -: the files
// that are not applied as they are (plan, Helm values, patches, probe config)
// come first as YAML comments, then every applied object as a document.
func WriteStream(w io.Writer, files []File) error {
	var buf bytes.Buffer
	for _, f := range files {
		if f.Apply {
			continue
		}
		fmt.Fprintf(&buf, "# ==== %s ====\n", f.Name)
		for _, line := range strings.Split(strings.TrimRight(string(f.Content), "\n"), "\n") {
			buf.WriteString(strings.TrimRight("# "+line, " ") + "\n")
		}
		buf.WriteString("#\n")
	}
	for _, f := range files {
		if !f.Apply {
			continue
		}
		fmt.Fprintf(&buf, "---\n# Source: %s\n", f.Name)
		buf.Write(f.Content)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// marshalPruned writes obj as YAML without null values, empty maps and the
// status field. Go's zero structs marshal as {} or null, and in a strategic
// merge patch a null deletes the field it names (spec.selector of a
// Deployment, for one), so the rendered patches must not contain any.
func marshalPruned(obj any) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var tree map[string]any
	if err := json.Unmarshal(data, &tree); err != nil {
		return nil, err
	}
	delete(tree, "status")
	pruneEmpty(tree)
	return yaml.Marshal(tree)
}

// pruneEmpty removes null values and maps that are empty or become empty
// from m, in place, at every depth.
func pruneEmpty(m map[string]any) {
	for key, value := range m {
		switch v := value.(type) {
		case nil:
			delete(m, key)
		case map[string]any:
			pruneEmpty(v)
			if len(v) == 0 {
				delete(m, key)
			}
		case []any:
			for _, item := range v {
				if child, ok := item.(map[string]any); ok {
					pruneEmpty(child)
				}
			}
		}
	}
}
