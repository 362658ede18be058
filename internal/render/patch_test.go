package render

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

// applyPatch applies the rendered strategic merge patch file to original,
// as kubectl patch --type strategic does, and decodes the result into out.
func applyPatch(t *testing.T, name string, original, out any) {
	t.Helper()
	var content []byte
	for _, f := range renderMode(t, CertSelfManaged) {
		if f.Name == name {
			content = f.Content
		}
	}
	require.NotEmpty(t, content, name)
	patch, err := yaml.YAMLToJSON(content)
	require.NoError(t, err)
	originalJSON, err := json.Marshal(original)
	require.NoError(t, err)
	merged, err := strategicpatch.StrategicMergePatch(originalJSON, patch, out)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(merged, out))
}

func TestSidecarPatchKeepsMilvusContainer(t *testing.T) {
	labels := map[string]string{"app.kubernetes.io/name": "milvus", "component": "proxy"}
	milvus := &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: metav1.ObjectMeta{Name: "my-release-milvus-proxy", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					Containers: []corev1.Container{{Name: "proxy", Image: "milvusdb/milvus:v2.5.9"}},
					Volumes:    []corev1.Volume{{Name: "milvus-config"}},
				},
			},
		},
	}
	var merged appsv1.Deployment
	applyPatch(t, FileSidecarPatch, milvus, &merged)

	require.NotNil(t, merged.Spec.Selector, "the patch must not delete the selector")
	assert.Equal(t, labels, merged.Spec.Selector.MatchLabels)
	var names []string
	for _, c := range merged.Spec.Template.Spec.Containers {
		names = append(names, c.Name)
	}
	assert.ElementsMatch(t, []string{"proxy", "milvus-l7-probe"}, names)
	var volumes []string
	for _, v := range merged.Spec.Template.Spec.Volumes {
		volumes = append(volumes, v.Name)
	}
	assert.ElementsMatch(t, []string{"milvus-config", "probe-config", "probe-server-cert"}, volumes)
}

func TestServicePatchKeepsPorts(t *testing.T) {
	svc := &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: metav1.ObjectMeta{Name: "my-release-milvus", Namespace: "default", Annotations: map[string]string{"meta.helm.sh/release-name": "my-release"}},
		Spec: corev1.ServiceSpec{
			Type:  corev1.ServiceTypeClusterIP,
			Ports: []corev1.ServicePort{{Name: "milvus", Port: 19530}, {Name: "metrics", Port: 9091}},
		},
	}
	var merged corev1.Service
	applyPatch(t, FileServicePatch, svc, &merged)

	assert.Len(t, merged.Spec.Ports, 2)
	assert.Equal(t, corev1.ServiceTypeClusterIP, merged.Spec.Type)
	assert.Equal(t, "my-release", merged.Annotations["meta.helm.sh/release-name"])
	assert.Equal(t, `{"milvus":"HTTP2"}`, merged.Annotations[AnnotationAppProtocols])
	assert.Equal(t, `{"default":"my-release-milvus-backendconfig"}`, merged.Annotations[AnnotationBackendConfig])
	assert.Equal(t, `{"ingress":true}`, merged.Annotations[AnnotationNEG])
}
