package config

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDecodeErrorWithoutKey checks that an error that names no key keeps
// its text, alone or among others, and that no error becomes empty.
func TestDecodeErrorWithoutKey(t *testing.T) {
	plain := errors.New("input must be a map")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"plain", plain, "input must be a map"},
		{"wrapped", fmt.Errorf("decoding failed: %w", plain), "decoding failed: input must be a map"},
		{"joined", errors.Join(plain, errors.New("another")), "another\ninput must be a map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, decodeError(tt.err, "").Error())
		})
	}
}
