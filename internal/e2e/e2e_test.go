package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestProcessStopTwice: a test that stops a process itself and again in its
// cleanup must not wait the second Stop's whole timeout.
func TestProcessStopTwice(t *testing.T) {
	root, err := RepoRoot()
	require.NoError(t, err)
	dev, err := StartDevserver(filepath.Join(root, "bin", "precogx-devserver"), filepath.Join(t.TempDir(), "devserver.log"), "-quiet")
	require.NoError(t, err)
	require.NoError(t, dev.Stop(5*time.Second))
	require.NoError(t, dev.Stop(2*time.Second), "the second Stop returns what the first saw")
}
