package rig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"text/template"
	"time"
)

// NginxBinary is the nginx program the rig runs, from Debian's nginx
// package (1.22.1 on Debian 12).
const NginxBinary = "/usr/sbin/nginx"

// defaultWorkerConnections is nginx's worker_connections unless
// NginxOptions sets it.
const defaultWorkerConnections = 256

// nginxStartTimeout bounds the wait for nginx to listen.
const nginxStartTimeout = 30 * time.Second

// NginxOptions configures the nginx that replaces the load balancer in the
// rig. It serves TLS on 127.0.0.1 with one certificate, whatever the SNI,
// and forwards HTTP/2 to a gRPC upstream.
type NginxOptions struct {
	// CertFile and KeyFile are the PEM certificate and key nginx serves.
	CertFile string
	KeyFile  string
	// Upstream is the HOST:PORT that grpc_pass forwards to.
	Upstream string
	// UpstreamTLS forwards with grpcs://, as the load balancer does to a
	// Milvus with tlsMode 1. nginx does not verify the upstream
	// certificate by default, and neither does the load balancer.
	UpstreamTLS bool
	// HTTP1Only drops http2 from the listen directive, so nginx offers only
	// HTTP/1.1, and serves 200 with a text body in place of grpc_pass.
	HTTP1Only bool
	// ServerDirectives and LocationDirectives are added verbatim inside the
	// server block and its "location /" block, for example
	// "grpc_read_timeout 1s;" or "client_max_body_size 1k;".
	ServerDirectives   string
	LocationDirectives string
	// WorkerConnections is nginx's worker_connections, the most open
	// connections, client and upstream together; zero means 256. A load
	// balancer has no such small limit, so a rig for many concurrent
	// clients raises it.
	WorkerConnections int
}

// Nginx is a running nginx.
type Nginx struct {
	// Addr is the TLS listener, 127.0.0.1:PORT.
	Addr string
	// Prefix is nginx's prefix folder with the config, logs and temp files.
	Prefix string
	// ConfigPath is the rendered nginx.conf.
	ConfigPath string
	// ErrorLog is nginx's error log.
	ErrorLog string

	proc *process
}

// StartNginx starts nginx for a test with its prefix in the test's
// temporary folder, and stops it in t.Cleanup.
func StartNginx(t testing.TB, opts NginxOptions) *Nginx {
	t.Helper()
	n, err := LaunchNginx(context.Background(), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Stop(); err != nil {
			t.Error(err)
		}
	})
	return n
}

// LaunchNginx renders the config into prefix, starts nginx in the
// foreground and waits until its port accepts connections. On failure it
// stops nginx and the error has the tail of the error log.
func LaunchNginx(ctx context.Context, prefix string, opts NginxOptions) (*Nginx, error) {
	n, err := newNginx(prefix, opts)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(NginxBinary, "-p", n.Prefix, "-c", n.ConfigPath, "-e", n.ErrorLog,
		"-g", "daemon off;")
	n.proc, err = startProcess("nginx", cmd, filepath.Join(n.Prefix, "logs", "nginx.out"))
	if err != nil {
		return nil, err
	}
	if err := n.waitListening(ctx); err != nil {
		tail := tailFile(n.ErrorLog, 20)
		if stopErr := n.Stop(); stopErr != nil {
			err = errors.Join(err, stopErr)
		}
		return nil, fmt.Errorf("%w\n--- %s\n%s", err, n.ErrorLog, tail)
	}
	return n, nil
}

// Stop stops nginx and its workers.
func (n *Nginx) Stop() error {
	return n.proc.stop()
}

func newNginx(prefix string, opts NginxOptions) (*Nginx, error) {
	if _, err := os.Stat(NginxBinary); err != nil {
		return nil, fmt.Errorf("nginx %s not found: %s", NginxBinary, setupHint)
	}
	if !opts.HTTP1Only && opts.Upstream == "" {
		return nil, errors.New("nginx options: missing Upstream; set HOST:PORT or HTTP1Only")
	}
	for _, dir := range []string{"logs", "temp"} {
		if err := os.MkdirAll(filepath.Join(prefix, dir), 0o755); err != nil {
			return nil, fmt.Errorf("start nginx: %w", err)
		}
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	n := &Nginx{
		Addr:       net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Prefix:     prefix,
		ConfigPath: filepath.Join(prefix, "nginx.conf"),
		ErrorLog:   filepath.Join(prefix, "logs", "error.log"),
	}
	if err := n.writeConfig(opts); err != nil {
		return nil, err
	}
	return n, nil
}

func (n *Nginx) waitListening(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, nginxStartTimeout)
	defer cancel()
	ticker := time.NewTicker(pollInterval / 5)
	defer ticker.Stop()
	for {
		if exited, err := n.proc.exited(); exited {
			return fmt.Errorf("nginx exited before listening on %s: %v", n.Addr, err)
		}
		conn, err := net.DialTimeout("tcp", n.Addr, time.Second)
		if err == nil {
			return conn.Close()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nginx not listening on %s after %s: %w", n.Addr, nginxStartTimeout, err)
		case <-ticker.C:
		}
	}
}

// nginxConfig is the template of nginx.conf. Workers run as the user that
// starts nginx (root in CI), so they can write the temp folders.
var nginxConfig = template.Must(template.New("nginx.conf").Funcs(template.FuncMap{
	"quote": quoteNginx,
}).Parse(`{{if .Root}}user root root;
{{end}}worker_processes 1;
pid {{quote .Prefix "nginx.pid"}};
error_log {{quote .Prefix "logs/error.log"}} info;
events {
    worker_connections {{.WorkerConnections}};
}
http {
    access_log {{quote .Prefix "logs/access.log"}};
    client_body_temp_path {{quote .Prefix "temp/client_body"}};
    proxy_temp_path {{quote .Prefix "temp/proxy"}};
    fastcgi_temp_path {{quote .Prefix "temp/fastcgi"}};
    uwsgi_temp_path {{quote .Prefix "temp/uwsgi"}};
    scgi_temp_path {{quote .Prefix "temp/scgi"}};

    server {
        listen {{.Addr}} ssl{{if not .HTTP1Only}} http2{{end}};
        ssl_certificate {{quote .CertFile ""}};
        ssl_certificate_key {{quote .KeyFile ""}};
        {{.ServerDirectives}}

        location / {
{{- if .HTTP1Only}}
            default_type text/plain;
            return 200 "nginx serves HTTP/1.1 only here\n";
{{- else}}
            grpc_pass {{if .UpstreamTLS}}grpcs{{else}}grpc{{end}}://{{.Upstream}};
{{- end}}
            {{.LocationDirectives}}
        }
    }
}
`))

func (n *Nginx) writeConfig(opts NginxOptions) error {
	data := struct {
		NginxOptions
		Root   bool
		Prefix string
		Addr   string
	}{opts, os.Geteuid() == 0, n.Prefix, n.Addr}
	if data.WorkerConnections <= 0 {
		data.WorkerConnections = defaultWorkerConnections
	}
	var b strings.Builder
	if err := nginxConfig.Execute(&b, data); err != nil {
		return fmt.Errorf("render nginx config: %w", err)
	}
	if err := os.WriteFile(n.ConfigPath, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write nginx config: %w", err)
	}
	return nil
}

// quoteNginx joins dir and name and quotes the path for nginx.conf.
func quoteNginx(dir, name string) string {
	path := dir
	if name != "" {
		path = filepath.Join(dir, name)
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(path) + `"`
}
