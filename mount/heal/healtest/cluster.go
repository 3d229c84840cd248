// Package healtest helps tests of replication and self-heal: an in-process
// brick server with N bricks and a client brick on each (NewCluster), and
// a comparison of brick directories as an administrator sees them (Diff,
// Equal) with a check that no heal is left pending (Clean).
package healtest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mortarfs/mortar/brickd"
	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/volume"
)

// RequireRoot skips t unless it runs as root: bricks keep gfids and
// changelogs in trusted.* extended attributes.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: bricks keep gfids and changelogs in trusted.* xattrs; skipped when not root")
	}
}

// Cluster is one brick server serving bricks b0..bN-1 from temporary
// directories, on a loopback TCP port, and a connected client brick on
// each. Everything is stopped when the test ends.
type Cluster struct {
	Addr   string
	Dirs   []string // brick directories, in order
	Bricks []*client.Brick
}

// Quiet is a logger that drops everything.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// NewCluster starts n bricks. It skips t when not root.
func NewCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	RequireRoot(t)
	c := &Cluster{}
	cfg := brickd.Config{Logger: Quiet}
	for i := range n {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("b%d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		c.Dirs = append(c.Dirs, dir)
		cfg.Bricks = append(cfg.Bricks, brickd.BrickConfig{Name: fmt.Sprintf("b%d", i), Path: dir})
	}
	c.Addr = serve(t, cfg)
	for i := range n {
		b, err := client.New(volume.BrickRef{Addr: c.Addr, Name: fmt.Sprintf("b%d", i)}, client.Options{Logger: Quiet})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = b.Close() })
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = b.WaitReady(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		c.Bricks = append(c.Bricks, b)
	}
	return c
}

// serve runs a brick server with cfg until the test ends.
func serve(t testing.TB, cfg brickd.Config) string {
	t.Helper()
	srv, err := brickd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, lis) }()
	t.Cleanup(func() {
		cancel()
		<-served
	})
	return lis.Addr().String()
}

// FopBricks returns the client bricks as fop.Brick.
func (c *Cluster) FopBricks() []fop.Brick {
	out := make([]fop.Brick, len(c.Bricks))
	for i, b := range c.Bricks {
		out[i] = b
	}
	return out
}
