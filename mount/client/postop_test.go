package client

import (
	"context"
	"slices"
	"testing"

	"github.com/mortarfs/mortar/mount/fop"
)

// TestPostOpWithOlderServer: a server that does not announce
// inodelk-post-op would drop the post-op an unlock carries, so the
// client sends it first as an Xattrop of its own, then the plain unlock.
func TestPostOpWithOlderServer(t *testing.T) {
	f, addr := startFake(t)
	b := newTestBrick(t, addr, Options{})
	g := fop.Gfid{1}
	lk := fop.Lock{Type: fop.LockUnlock, End: fop.LockToEOF, Owner: 7,
		PostOp: []fop.PendingDelta{{BrickID: "11111111-1111-1111-1111-111111111111", Data: -1}}}
	if err := b.Inodelk(context.Background(), g, "afr.data", fop.LkSet, lk); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	got := slices.Clone(f.lockLog)
	f.mu.Unlock()
	if want := []string{"xattrop", "inodelk post_op=0"}; !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
}
