package render

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"
)

// probeUID is the non-root user the probe runs as, the uid of the
// distroless nonroot image.
const probeUID = 65532

// NewProbeConfigMap returns a ConfigMap named name with the probe config in
// the key config.yaml.
func NewProbeConfigMap(o Options, name string, cfg ProbeConfig) (*corev1.ConfigMap, error) {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("marshal probe config: %w", err)
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: probeMeta(o, name),
		Data:       map[string]string{"config.yaml": string(data)},
	}, nil
}

func probeLabels(o Options) map[string]string {
	return map[string]string{
		"app.kubernetes.io/name":     "milvus-l7-probe",
		"app.kubernetes.io/instance": o.Release,
	}
}

func probeMeta(o Options, name string) metav1.ObjectMeta {
	meta := objectMeta(name, o.Namespace)
	meta.Labels = probeLabels(o)
	return meta
}

// probeVolumes returns the config volume from configMap and, in
// self-managed mode, the certificate alone from the TLS Secret, so the
// private key is never mounted into the probe.
func probeVolumes(o Options, configMap string) ([]corev1.Volume, []corev1.VolumeMount) {
	volumes := []corev1.Volume{{
		Name: "probe-config",
		VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: configMap},
		}},
	}}
	mounts := []corev1.VolumeMount{{Name: "probe-config", MountPath: probeConfigDir, ReadOnly: true}}
	if o.CertMode == CertSelfManaged {
		volumes = append(volumes, corev1.Volume{
			Name: "probe-server-cert",
			VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
				SecretName: o.SecretName,
				Items:      []corev1.KeyToPath{{Key: corev1.TLSCertKey, Path: corev1.TLSCertKey}},
			}},
		})
		mounts = append(mounts, corev1.VolumeMount{Name: "probe-server-cert", MountPath: probeCertDir, ReadOnly: true})
	}
	return volumes, mounts
}

func probeSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		RunAsNonRoot:             ptr.To(true),
		RunAsUser:                ptr.To(int64(probeUID)),
		RunAsGroup:               ptr.To(int64(probeUID)),
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// daemonContainer returns the container that runs the probe daemon with
// its metrics port and its own health endpoints. Liveness uses /healthz,
// which reports only whether the agent works, so a Milvus outage never
// restarts the pod.
func daemonContainer(o Options, mounts []corev1.VolumeMount) corev1.Container {
	httpGet := func(path string) *corev1.Probe {
		return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: path, Port: intstr.FromString("probe-http"),
		}}}
	}
	return corev1.Container{
		Name:            "milvus-l7-probe",
		Image:           o.ProbeImage,
		Args:            []string{"run", "--config", probeConfigPath, fmt.Sprintf("--web.listen-address=:%d", ProbePort)},
		Ports:           []corev1.ContainerPort{{Name: "probe-http", ContainerPort: ProbePort, Protocol: corev1.ProtocolTCP}},
		ReadinessProbe:  httpGet("/readyz"),
		LivenessProbe:   httpGet("/healthz"),
		VolumeMounts:    mounts,
		SecurityContext: probeSecurityContext(),
		Resources:       probeResources(),
	}
}

func probeResources() corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{
			corev1.ResourceCPU:    mustQuantity("10m"),
			corev1.ResourceMemory: mustQuantity("32Mi"),
		},
		Limits: corev1.ResourceList{corev1.ResourceMemory: mustQuantity("128Mi")},
	}
}

// NewProbeDeployment returns a Deployment that runs the probe daemon with
// the config from the ConfigMap configMap.
func NewProbeDeployment(o Options, configMap string) *appsv1.Deployment {
	volumes, mounts := probeVolumes(o, configMap)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: probeMeta(o, o.ProbeName),
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: probeLabels(o)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: probeLabels(o)},
				Spec: corev1.PodSpec{
					Containers:      []corev1.Container{daemonContainer(o, mounts)},
					Volumes:         volumes,
					SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)},
				},
			},
		},
	}
}

// NewProbeService returns the Service in front of the probe Deployment's
// metrics port.
func NewProbeService(o Options) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: probeMeta(o, o.ProbeName),
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeClusterIP,
			Selector: probeLabels(o),
			Ports: []corev1.ServicePort{{
				Name: "probe-http", Port: ProbePort,
				TargetPort: intstr.FromString("probe-http"), Protocol: corev1.ProtocolTCP,
			}},
		},
	}
}

// NewProbeCronJob returns a CronJob that runs one check on a schedule; a
// failed check fails the Job, which alerts through the Job's status.
func NewProbeCronJob(o Options, configMap string) *batchv1.CronJob {
	volumes, mounts := probeVolumes(o, configMap)
	container := corev1.Container{
		Name:            "milvus-l7-probe",
		Image:           o.ProbeImage,
		Args:            []string{"check", "--config", probeConfigPath},
		VolumeMounts:    mounts,
		SecurityContext: probeSecurityContext(),
		Resources:       probeResources(),
	}
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: probeMeta(o, o.ProbeName+"-check"),
		Spec: batchv1.CronJobSpec{
			Schedule:          o.ProbeCheckSchedule,
			ConcurrencyPolicy: batchv1.ForbidConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{
				BackoffLimit: ptr.To(int32(0)),
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: probeLabels(o)},
					Spec: corev1.PodSpec{
						RestartPolicy:   corev1.RestartPolicyNever,
						Containers:      []corev1.Container{container},
						Volumes:         volumes,
						SecurityContext: &corev1.PodSecurityContext{RunAsNonRoot: ptr.To(true)},
					},
				},
			}},
		},
	}
}

// NewSidecarPatch returns a strategic merge patch for the Milvus
// Deployment that adds the probe as a sidecar container, merged by
// container and volume name.
func NewSidecarPatch(o Options, configMap string) *appsv1.Deployment {
	volumes, mounts := probeVolumes(o, configMap)
	return &appsv1.Deployment{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "Deployment"},
		ObjectMeta: objectMeta(o.MilvusDeployment, o.Namespace),
		Spec: appsv1.DeploymentSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{daemonContainer(o, mounts)},
			Volumes:    volumes,
		}}},
	}
}
