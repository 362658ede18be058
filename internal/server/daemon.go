package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/milvus-l7-probe/milvus-l7-probe/internal/metrics"
	"github.com/milvus-l7-probe/milvus-l7-probe/internal/scheduler"
)

// DefaultShutdownTimeout bounds shutdown when Options.ShutdownTimeout is
// zero. It is below Kubernetes' default 30 s grace period, so the agent
// exits on its own rather than being killed.
const DefaultShutdownTimeout = 5 * time.Second

// Loader reads the config and returns the targets to probe. It is called
// once at start and again on every reload.
type Loader func() ([]scheduler.Target, error)

// Options configure Run. Listener, Gatherer, Recorder, Prober and Load are
// required.
type Options struct {
	// Listener accepts the HTTP server's connections. Run closes it.
	Listener net.Listener
	// WebConfigFile is an exporter-toolkit web config (TLS, basic auth);
	// empty serves plain HTTP without authentication.
	WebConfigFile string
	Gatherer      prometheus.Gatherer
	Recorder      *metrics.Recorder
	Prober        scheduler.Prober
	Load          Loader
	// ConfigPath is the config file or directory watched for changes;
	// empty disables watching.
	ConfigPath string
	// ReloadSignals triggers a reload on every value, e.g. from
	// NotifyReload; nil disables it.
	ReloadSignals <-chan struct{}
	// ShutdownTimeout bounds shutdown after ctx is done; zero means
	// DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
	// JitterFraction and Seed are passed to the scheduler.
	JitterFraction float64
	Seed           uint64
	// Logger receives the daemon's logs; nil discards them.
	Logger *slog.Logger
}

// Run loads the config, probes its targets and serves HTTP until ctx is
// done, then stops within ShutdownTimeout, cancelling probes in flight.
// It returns an error when the first config load fails or the server
// cannot serve.
func Run(ctx context.Context, opts Options) error {
	opts = opts.withDefaults()
	d := &daemon{
		load:   opts.Load,
		rec:    opts.Recorder,
		logger: opts.Logger,
		sched: scheduler.New(scheduler.Options{
			Prober: opts.Prober, Observer: opts.Recorder, Logger: opts.Logger,
			JitterFraction: opts.JitterFraction, Seed: opts.Seed,
		}),
	}
	if err := d.reload(); err != nil {
		opts.Listener.Close()
		return errors.Join(fmt.Errorf("load config: %w", err), d.sched.Stop(ctx))
	}

	var wg sync.WaitGroup
	defer wg.Wait()
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	changes, err := startWatch(watchCtx, &wg, opts)
	if err != nil {
		// Reloads by SIGHUP and POST /-/reload still work, so the agent
		// keeps running without the watch.
		opts.Logger.Error("config watch failed; reload with SIGHUP or POST /-/reload", "err", err)
	}

	srv := &http.Server{
		Handler: NewHandler(HandlerOptions{
			Gatherer: opts.Gatherer, Ready: d.sched.Ready, Reload: d.reloadFromHTTP, Logger: opts.Logger,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		// TLS handshake errors come from clients (scanners, TCP liveness
		// checks), not from the agent, so they are logged at debug level.
		ErrorLog: slog.NewLogLogger(opts.Logger.Handler(), slog.LevelDebug),
	}
	serveErr := make(chan error, 1)
	go func() {
		serveErr <- serve(srv, opts)
		close(serveErr) // a second receive, after loop took the error, gets nil
	}()

	err = d.loop(ctx, opts.ReloadSignals, changes, serveErr)
	return errors.Join(err, d.shutdown(ctx, srv, serveErr, opts.ShutdownTimeout))
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = DefaultShutdownTimeout
	}
	return o
}

// startWatch starts the config watcher when a path is configured and
// returns its change channel, nil otherwise.
func startWatch(ctx context.Context, wg *sync.WaitGroup, opts Options) (<-chan struct{}, error) {
	if opts.ConfigPath == "" {
		return nil, nil
	}
	w, err := watchConfig(opts.ConfigPath, opts.Logger)
	if err != nil {
		return nil, err
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		w.run(ctx)
	}()
	return w.Changes(), nil
}

// serve runs the HTTP server through exporter-toolkit, which adds TLS and
// basic auth from the web config file.
func serve(srv *http.Server, opts Options) error {
	addresses := []string{opts.Listener.Addr().String()}
	systemdSocket := false
	flags := &web.FlagConfig{
		WebListenAddresses: &addresses,
		WebSystemdSocket:   &systemdSocket,
		WebConfigFile:      &opts.WebConfigFile,
	}
	err := web.Serve(opts.Listener, srv, flags, opts.Logger)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// daemon serializes config reloads.
type daemon struct {
	load   Loader
	sched  *scheduler.Scheduler
	rec    *metrics.Recorder
	logger *slog.Logger

	mu sync.Mutex // held for a whole reload
}

// loop reloads on signals and config changes until ctx is done or the
// server fails.
func (d *daemon) loop(ctx context.Context, signals, changes <-chan struct{}, serveErr <-chan error) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-signals:
			d.logger.Info("reloading config", "trigger", "SIGHUP")
			_ = d.reload()
		case <-changes:
			d.logger.Info("reloading config", "trigger", "config file changed")
			_ = d.reload()
		case err := <-serveErr:
			d.logger.Error("HTTP server failed", "err", err)
			return fmt.Errorf("serve HTTP: %w", err)
		}
	}
}

func (d *daemon) reloadFromHTTP(context.Context) error {
	d.logger.Info("reloading config", "trigger", "POST /-/reload")
	return d.reload()
}

// reload loads the config and applies its targets. An invalid config
// keeps the running targets, logs the error and sets the reload gauge to 0.
func (d *daemon) reload() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	targets, err := d.load()
	if err == nil {
		err = d.sched.Apply(targets)
	}
	if err != nil {
		d.rec.SetReload(false, time.Now())
		d.logger.Error("config load failed; keeping the previous targets", "err", err)
		return err
	}
	d.rec.SetReload(true, time.Now())
	d.rec.SetTargets(len(targets))
	d.logger.Info("config loaded", "targets", len(targets))
	return nil
}

// shutdown stops the probes and the HTTP server at the same time, both
// bounded by timeout.
func (d *daemon) shutdown(ctx context.Context, srv *http.Server, serveErr <-chan error, timeout time.Duration) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()

	stopErr := make(chan error, 1)
	go func() { stopErr <- d.sched.Stop(ctx) }()
	err := srv.Shutdown(ctx)
	if err == nil {
		err = <-serveErr
	}
	err = errors.Join(err, <-stopErr)
	if err != nil {
		d.logger.Error("shutdown incomplete", "err", err, "duration", time.Since(start))
		return err
	}
	d.logger.Info("stopped", "duration", time.Since(start))
	return nil
}
