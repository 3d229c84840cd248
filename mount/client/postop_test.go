package client

import (
	"context"
	"errors"
	"slices"
	"syscall"
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

// TestReleaseEndingWithOlderServer: a server that does not announce
// release-unlock gets the window's end as an Inodelk of its own (itself
// split into Xattrop and unlock), then a plain release.
func TestReleaseEndingWithOlderServer(t *testing.T) {
	f, addr := startFake(t)
	b := newTestBrick(t, addr, Options{})
	file, err := b.Open(context.Background(), fop.Gfid{1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	end := fop.WindowEnd{Domain: "afr.data", Owner: 7,
		PostOp: []fop.PendingDelta{{BrickID: "11111111-1111-1111-1111-111111111111", Data: -1}}}
	if err := file.(fop.EndingReleaser).ReleaseEnding(context.Background(), end); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	got := slices.Clone(f.lockLog)
	f.mu.Unlock()
	if want := []string{"xattrop", "inodelk post_op=0", `release unlock=""`}; !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
}

// TestCreateEntryLockWithOlderServer: a server that does not announce
// create-entry-lock gets the entry lock as an Entrylk of its own before
// the create; a busy lock there makes the create fail with EAGAIN and
// Busy, without a create.
func TestCreateEntryLockWithOlderServer(t *testing.T) {
	f, addr := startFake(t)
	b := newTestBrick(t, addr, Options{})
	in := fop.NewInode{Gfid: fop.Gfid{2}, Mode: 0o644, EntryLock: &fop.EntryLock{Domain: "afr.entry", Owner: 7}}
	_, file, err := b.Create(context.Background(), fop.Gfid{1}, "f", syscall.O_RDWR, in)
	if err != nil {
		t.Fatal(err)
	}
	_ = file.Release(context.Background())
	f.mu.Lock()
	f.entryBusy = true
	f.mu.Unlock()
	busy := fop.NewInode{Gfid: fop.Gfid{3}, Mode: 0o644, EntryLock: &fop.EntryLock{Domain: "afr.entry", Owner: 8}}
	if _, _, err := b.Create(context.Background(), fop.Gfid{1}, "g", syscall.O_RDWR, busy); !errors.Is(err, syscall.EAGAIN) || !errors.Is(err, fop.ErrEntryLockBusy) {
		t.Errorf("create under a busy lock: %v; want EAGAIN and ErrEntryLockBusy", err)
	}
	f.mu.Lock()
	got := slices.Clone(f.lockLog)
	f.mu.Unlock()
	want := []string{"entrylk f owner=7", `create f entry_lock=""`, `release unlock=""`, "entrylk g owner=8"}
	if !slices.Equal(got, want) {
		t.Fatalf("calls %q, want %q", got, want)
	}
}
