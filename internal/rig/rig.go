// Package rig starts the real programs that the end-to-end tests and the
// demo run against. These are an embedded Milvus 2.3.5 standalone (the PyPI
// package milvus), nginx in place of the Google Cloud Layer-7 load
// balancer, and pymilvus running the check from Milvus's TLS guide.
// scripts/rig-setup.sh installs them. Clients reach every part on
// 127.0.0.1, but Milvus 2.3.5 binds its ports other than etcd's on all
// interfaces, and no setting of that version changes this.
//
// Each part has a test form (StartMilvus, StartNginx, RunPymilvus), which
// fails the test and stops the part in t.Cleanup, and a plain form
// (LaunchMilvus, LaunchNginx, VerifyPymilvus) that returns errors, for the
// demo command.
package rig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// CacheEnv is the environment variable that overrides the cache folder that
// scripts/rig-setup.sh fills. The default is $HOME/.cache/milvus-l7-probe.
const CacheEnv = "MILVUS_L7_PROBE_CACHE"

// setupHint is appended to every error about a missing rig part.
const setupHint = "run scripts/rig-setup.sh to install the test rig"

// CacheDir returns the rig's cache folder, from CacheEnv or the default.
func CacheDir() (string, error) {
	if dir := os.Getenv(CacheEnv); dir != "" {
		return dir, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("find the rig cache: %w; set %s", err, CacheEnv)
	}
	return filepath.Join(home, ".cache", "milvus-l7-probe"), nil
}

// VenvPython returns the Python interpreter of the rig's virtual
// environment, which has milvus and pymilvus installed.
func VenvPython() (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	python := filepath.Join(cache, "venv", "bin", "python")
	if _, err := os.Stat(python); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("python virtual environment %s not found: %s", python, setupHint)
		}
		return "", fmt.Errorf("python virtual environment: %w", err)
	}
	return python, nil
}

// milvusBinDir returns the shared folder for the unpacked Milvus binary.
func milvusBinDir() (string, error) {
	cache, err := CacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(cache, "milvus-2.3.5", "bin"), nil
}
