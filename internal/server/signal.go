package server

import (
	"os"
	"os/signal"
	"syscall"
)

// NotifyReload returns a channel that receives a value for every SIGHUP,
// and a function that stops the notification. Signals that arrive while a
// value is pending are merged into it, since one reload reads the newest
// config anyway.
func NotifyReload() (<-chan struct{}, func()) {
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGHUP)
	out := make(chan struct{}, 1)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-signals:
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	stop := func() {
		signal.Stop(signals)
		close(done)
	}
	return out, stop
}
