package client

import (
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestFailFast: with FailFast, a brick whose session is down answers
// ENOTCONN at once (replication must not wait on it), while the first
// connection is still waited for.
func TestFailFast(t *testing.T) {
	s := startBrickServer(t)
	const timeout = 3 * time.Second
	b := newTestBrick(t, s.addr, Options{ConnectTimeout: timeout, FailFast: true})
	if _, err := b.Getattr(bg, fop.RootGfid); err != nil {
		t.Fatal(err)
	}
	s.stop()
	waitDown(t, b)
	start := time.Now()
	_, err := b.Getattr(bg, fop.RootGfid)
	wantErrno(t, err, syscall.ENOTCONN)
	if took := time.Since(start); took > timeout/2 {
		t.Fatalf("ENOTCONN after %v, want at once", took)
	}
	s.start()
	waitGen(t, b, 2)
	if _, err := b.Getattr(bg, fop.RootGfid); err != nil {
		t.Fatalf("after reconnect: %v", err)
	}
}
