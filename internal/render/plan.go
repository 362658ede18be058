package render

import (
	"fmt"
	"strings"
)

// planStep is one step of the plan: what it does, the commands, and what to
// wait for before the next step.
type planStep struct {
	title    string
	commands []string
	wait     string
}

// Plan returns PLAN.md: the commands of the setup in order, the order of
// Milvus's GCP Layer-7 guide, with what to wait for between them.
func Plan(o Options) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Plan: Milvus %q behind a GKE Ingress (%s certificate)\n\n", o.Release, o.CertMode)
	fmt.Fprintf(&b, "Namespace `%s`, domain `%s`. Run the commands from this folder, in order.\n", o.Namespace, o.Domain)
	for i, step := range planSteps(o) {
		fmt.Fprintf(&b, "\n## %d. %s\n\n```sh\n%s\n```\n", i+1, step.title, strings.Join(step.commands, "\n"))
		if step.wait != "" {
			fmt.Fprintf(&b, "\nWait for: %s\n", step.wait)
		}
	}
	return b.String()
}

func planSteps(o Options) []planStep {
	ns := o.Namespace
	certCmd := fmt.Sprintf("milvus-l7-probe cert --domain %s --release %s --namespace %s --secret-out secret.yaml", o.Domain, o.Release, ns)
	if o.SecretName != o.Release+"-milvus-tls" {
		certCmd += " --secret-name " + o.SecretName
	}
	steps := []planStep{
		{
			title:    "Create the backend certificate and its Secret (Milvus serves TLS on 19530 with it)",
			commands: []string{certCmd, "kubectl apply -f secret.yaml"},
			wait:     fmt.Sprintf("`kubectl get secret %s -n %s` lists the Secret.", o.SecretName, ns),
		},
		{
			title:    "Install or upgrade Milvus with TLS mode 1 and a ClusterIP Service",
			commands: []string{fmt.Sprintf("helm upgrade --install %s milvus/milvus -n %s -f %s", o.Release, ns, FileValues)},
			wait:     fmt.Sprintf("`kubectl rollout status deployment/%s -n %s` reports the rollout complete.", o.MilvusDeployment, ns),
		},
		{
			title:    "Point the load balancer's health check at /healthz on 9091",
			commands: []string{"kubectl apply -f " + FileBackendConfig},
		},
		{
			title: "Annotate the Milvus Service (either command)",
			commands: []string{
				AnnotateCommand(o),
				fmt.Sprintf("# or: kubectl patch service %s -n %s --patch-file %s", o.ServiceName, ns, FileServicePatch),
			},
			wait: fmt.Sprintf("the annotation `cloud.google.com/neg-status` on `kubectl get service %s -n %s -o yaml`, which GKE adds once the NEG exists.", o.ServiceName, ns),
		},
	}
	if o.CertMode == CertGoogleManaged {
		steps = append(steps, planStep{
			title:    "Request the Google-managed certificate",
			commands: []string{"kubectl apply -f " + FileManagedCert},
		})
	}
	return append(steps, ingressSteps(o)...)
}

func ingressSteps(o Options) []planStep {
	ns := o.Namespace
	ipCmd := fmt.Sprintf("LB_IP=$(kubectl get ingress %s -n %s -o jsonpath='{.status.loadBalancer.ingress[0].ip}')", o.IngressName, ns)
	dns := planStep{
		title:    "Point the domain at the load balancer",
		commands: []string{fmt.Sprintf("# Create a DNS A record: %s -> $LB_IP", o.Domain)},
	}
	if o.CertMode == CertGoogleManaged {
		dns.wait = fmt.Sprintf("`kubectl get managedcertificate %s -n %s -o jsonpath='{.status.certificateStatus}'` prints `Active`; provisioning takes up to 60 minutes after DNS resolves to $LB_IP.", o.ManagedCertName, ns)
	}
	waitCmd := fmt.Sprintf("milvus-l7-probe wait --address $LB_IP:443 --server-name %s --server-pem tls.crt --wait-timeout 20m", o.Domain)
	if o.CertMode == CertGoogleManaged {
		waitCmd = fmt.Sprintf("milvus-l7-probe wait --address $LB_IP:443 --server-name %s --wait-timeout 75m", o.Domain)
	}
	return []planStep{
		{
			title:    "Create the Ingress (the load balancer)",
			commands: []string{"kubectl apply -f " + FileIngress, ipCmd, "echo $LB_IP"},
			wait:     fmt.Sprintf("an address in `kubectl get ingress %s -n %s -w` (several minutes); run the LB_IP line again until it prints an IP.", o.IngressName, ns),
		},
		dns,
		{
			title:    "Wait until the whole path works: TLS, HTTP/2, gRPC health, Milvus",
			commands: []string{waitCmd},
			wait:     "exit code 0. The load balancer can return 502 for several minutes after the Ingress is created, while its health checks turn green.",
		},
		{
			title: "Deploy the probe (either a Deployment with a CronJob, or a sidecar in the Milvus pod)",
			commands: []string{
				"kubectl apply -f " + FileProbe,
				"# or, as a sidecar:",
				"kubectl apply -f " + FileSidecarConfig,
				fmt.Sprintf("kubectl patch deployment %s -n %s --type strategic --patch-file %s", o.MilvusDeployment, ns, FileSidecarPatch),
			},
			wait: fmt.Sprintf("`kubectl rollout status deployment/%s -n %s`, then `probe_success 1` on port %d's /metrics.", o.ProbeName, ns, ProbePort),
		},
	}
}
