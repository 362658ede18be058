package main

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/render"
)

const renderExample = `  # Every manifest for the defaults, as one stream for kubectl:
  milvus-l7-probe render | kubectl apply -f -

  # One file per object and a PLAN.md, for a Google-managed certificate:
  milvus-l7-probe render --release prod --namespace vector \
    --domain milvus.example.com --cert-mode google-managed --out deploy/prod`

// renderOptions are the flags of the render command.
type renderOptions struct {
	opts     render.Options
	certMode string
	outDir   string
}

func newRenderCommand(io streams) *cobra.Command {
	o := &renderOptions{}
	cmd := &cobra.Command{
		Use:   "render",
		Short: "Write the manifests, Helm values, probe config and plan of the setup",
		Long: `render writes every piece of the setup for one release: the Milvus Helm
values (ClusterIP Service, tlsMode 1 in extraConfigFiles.user.yaml), the
BackendConfig for the /healthz health check on 9091, the Service
annotations (as a patch and as a kubectl annotate command), the
ManagedCertificate (google-managed mode), the Ingress, a matching probe
config, the probe's own Deployment, Service, CronJob and sidecar patch, and
PLAN.md with the commands in order.

With --out it writes one file per piece into the folder. Without it, it
prints one stream for kubectl apply -f -: the objects that apply as they are,
preceded by the other files as YAML comments.`,
		Example: renderExample,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.opts.CertMode = render.CertMode(o.certMode)
			files, err := render.Render(o.opts)
			if err != nil {
				return usageError(err)
			}
			if o.outDir == "" {
				return render.WriteStream(io.Out, files)
			}
			if err := render.WriteDir(o.outDir, files); err != nil {
				return usageError(fmt.Errorf("--out %s: %w", o.outDir, err))
			}
			fmt.Fprintf(io.Out, "wrote %d files to %s; follow %s\n", len(files), filepath.Clean(o.outDir), filepath.Join(o.outDir, render.FilePlan))
			return nil
		},
	}
	f := cmd.Flags()
	p := &o.opts
	f.StringVar(&p.Release, "release", "my-release", "Helm release name of Milvus; default names derive from it")
	f.StringVar(&p.Namespace, "namespace", "default", "namespace of Milvus and of every rendered object")
	f.StringVar(&p.Domain, "domain", "", "host name clients dial, routed by the Ingress (default <release>.milvus.io)")
	f.StringVar(&o.certMode, "cert-mode", string(render.CertSelfManaged), "front certificate: self-managed (a TLS Secret) or google-managed (a ManagedCertificate)")
	f.StringVar(&p.Address, "address", "", "HOST:PORT the probe dials, the load balancer (default <domain>:443)")
	f.StringVar(&o.outDir, "out", "", "folder to write one file per piece into; empty prints one stream to stdout")
	f.StringVar(&p.ServiceName, "service-name", "", "name of the Milvus Service (default <release>-milvus)")
	f.StringVar(&p.BackendConfigName, "backend-config-name", "", "name of the BackendConfig (default <release>-milvus-backendconfig)")
	f.StringVar(&p.IngressName, "ingress-name", "", "name of the Ingress (default <release>-milvus)")
	f.StringVar(&p.SecretName, "secret-name", "", "name of the TLS Secret (default <release>-milvus-tls)")
	f.StringVar(&p.ManagedCertName, "managed-cert-name", "", "name of the ManagedCertificate (default <release>-milvus-cert)")
	f.StringVar(&p.MilvusDeployment, "milvus-deployment", "", "Milvus Deployment that gets the probe sidecar; <release>-milvus-standalone for a standalone install (default <release>-milvus-proxy)")
	f.StringVar(&p.ProbeName, "probe-name", "", "name of the probe's Deployment, Service and ConfigMap (default <release>-milvus-l7-probe)")
	f.StringVar(&p.ProbeImage, "probe-image", render.DefaultProbeImage, "container image of the probe")
	f.StringVar(&p.ProbeCheckSchedule, "check-schedule", "*/10 * * * *", "cron schedule of the CronJob's one-shot check")
	return cmd
}
