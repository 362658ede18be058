package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// configMapLink is the symlink that Kubernetes swaps atomically when a
// mounted ConfigMap changes: the files in the mount are symlinks through
// it, so the files themselves see no event.
const configMapLink = "..data"

// watchDebounce merges the burst of events of one change (a ConfigMap swap
// creates a directory, a temporary link and a rename) into one reload.
const watchDebounce = 100 * time.Millisecond

// configWatcher sends a value on Changes after the config at a path changed.
type configWatcher struct {
	watcher  *fsnotify.Watcher
	relevant func(name string) bool
	changes  chan struct{}
	logger   *slog.Logger
}

// watchConfig watches path, a config file or directory. It watches the
// directory (the file's parent for a file), because editors and
// Kubernetes replace files rather than write them in place, and a watch on
// the replaced file would be lost.
func watchConfig(path string, logger *slog.Logger) (*configWatcher, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("watch config %q: %w", path, err)
	}
	dir, relevant := path, isConfigDirEntry
	if !info.IsDir() {
		dir = filepath.Dir(path)
		base := filepath.Base(path)
		relevant = func(name string) bool { return name == base || name == configMapLink }
	}

	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch config %q: %w", path, err)
	}
	if err := w.Add(dir); err != nil {
		w.Close()
		return nil, fmt.Errorf("watch config directory %q: %w", dir, err)
	}
	return &configWatcher{watcher: w, relevant: relevant, changes: make(chan struct{}, 1), logger: logger}, nil
}

// isConfigDirEntry reports whether a change of name in a config directory
// is a config change: the ConfigMap link, or any file not hidden (hidden
// names include Kubernetes' timestamped data directories and editors'
// swap files).
func isConfigDirEntry(name string) bool {
	return name == configMapLink || !strings.HasPrefix(name, ".")
}

// Changes returns the channel that receives a value after each change.
func (c *configWatcher) Changes() <-chan struct{} {
	return c.changes
}

// run forwards relevant events, debounced, until ctx is done, then closes
// the watcher.
func (c *configWatcher) run(ctx context.Context) {
	defer c.watcher.Close()
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	defer debounce.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-c.watcher.Events:
			if !ok {
				return
			}
			if ev.Op != fsnotify.Chmod && c.relevant(filepath.Base(ev.Name)) {
				debounce.Reset(watchDebounce)
			}
		case err, ok := <-c.watcher.Errors:
			if !ok {
				return
			}
			c.logger.Error("config watch failed; reload with SIGHUP or POST /-/reload", "err", err)
		case <-debounce.C:
			select {
			case c.changes <- struct{}{}:
			default:
			}
		}
	}
}
