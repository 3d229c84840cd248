package faulty

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/mortarfs/mortar/mount/fop"
)

// stub is a brick that answers getattr, lookup, open and write, and
// counts what reached it.
type stub struct {
	fop.Brick
	reached int
}

func (s *stub) Name() string    { return "stub" }
func (s *stub) Connected() bool { return true }
func (s *stub) Getattr(_ context.Context, g fop.Gfid) (fop.Entry, error) {
	s.reached++
	return fop.Entry{Attr: fop.Attr{Gfid: g}}, nil
}
func (s *stub) Lookup(_ context.Context, _ fop.Gfid, _ string) (fop.Entry, error) {
	s.reached++
	return fop.Entry{Attr: fop.Attr{Gfid: fop.Gfid{1}}}, nil
}
func (s *stub) Open(context.Context, fop.Gfid, uint32) (fop.File, error) { return &stubFile{s: s}, nil }

type stubFile struct {
	fop.File
	s *stub
}

func (f *stubFile) Write(_ context.Context, data []byte, _ int64) (int, error) {
	f.s.reached++
	return len(data), nil
}
func (f *stubFile) Release(context.Context) error { return nil }

var bg = context.Background()

func wantErrno(t *testing.T, err error, want syscall.Errno) {
	t.Helper()
	var got syscall.Errno
	if !errors.As(err, &got) || got != want {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func TestRulesByOpCountAndPredicate(t *testing.T) {
	s := &stub{}
	b := Wrap(s)
	g := fop.Gfid{9}
	f := b.Inject(Rule{Ops: []string{OpGetattr}, Skip: 1, Times: 2, Err: Errno(syscall.EIO)})
	b.Inject(Rule{Ops: []string{OpLookup}, Match: func(op Op) bool { return op.Entry == "bad" }, Err: Errno(syscall.ENOSPC)})
	if _, err := b.Getattr(bg, g); err != nil {
		t.Fatalf("skipped call: %v", err)
	}
	for range 2 {
		_, err := b.Getattr(bg, g)
		wantErrno(t, err, syscall.EIO)
	}
	if _, err := b.Getattr(bg, g); err != nil || f.Fired() != 2 {
		t.Fatalf("after two firings: %v, fired %d", err, f.Fired())
	}
	_, err := b.Lookup(bg, g, "bad")
	wantErrno(t, err, syscall.ENOSPC)
	if _, err := b.Lookup(bg, g, "good"); err != nil {
		t.Fatal(err)
	}
	if b.Count(OpGetattr) != 4 || b.Count(OpLookup) != 2 || b.Total() != 6 || s.reached != 3 {
		t.Fatalf("counts %d %d %d, reached %d", b.Count(OpGetattr), b.Count(OpLookup), b.Total(), s.reached)
	}
	b.ResetCounts()
	if b.Total() != 0 {
		t.Fatal("counts not reset")
	}
}

func TestAfterRunsTheOperation(t *testing.T) {
	s := &stub{}
	b := Wrap(s)
	file, err := b.Open(bg, fop.Gfid{1}, 0)
	if err != nil {
		t.Fatal(err)
	}
	b.Inject(Rule{Ops: []string{OpWrite}, Err: Errno(syscall.ENOTCONN), After: true, Times: 1})
	_, err = file.Write(bg, []byte("x"), 0)
	wantErrno(t, err, syscall.ENOTCONN)
	if s.reached != 1 || b.Count(OpWrite) != 1 {
		t.Fatalf("the write reached the brick %d times", s.reached)
	}
}

func TestHangUntilCancelOrUnhang(t *testing.T) {
	b := Wrap(&stub{})
	f := b.Inject(Rule{Ops: []string{OpGetattr}, Hang: true})
	ctx, cancel := context.WithTimeout(bg, 50*time.Millisecond)
	defer cancel()
	_, err := b.Getattr(ctx, fop.Gfid{1})
	wantErrno(t, err, syscall.EINTR)
	done := make(chan error, 1)
	go func() {
		_, err := b.Getattr(bg, fop.Gfid{1})
		done <- err
	}()
	f.Unhang()
	if err := <-done; err != nil {
		t.Fatalf("after Unhang: %v", err)
	}
}

func TestDelayAndDown(t *testing.T) {
	s := &stub{}
	b := Wrap(s)
	b.Inject(Rule{Ops: []string{OpGetattr}, Delay: 20 * time.Millisecond, Times: 1})
	start := time.Now()
	if _, err := b.Getattr(bg, fop.Gfid{1}); err != nil || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("delayed call: %v after %v", err, time.Since(start))
	}
	b.SetDown(true)
	if b.Connected() {
		t.Fatal("connected while down")
	}
	_, err := b.Getattr(bg, fop.Gfid{1})
	wantErrno(t, err, syscall.ENOTCONN)
	b.Clear()
	if !b.Connected() || s.reached != 1 {
		t.Fatalf("after Clear: connected %v, reached %d", b.Connected(), s.reached)
	}
}

func TestProbability(t *testing.T) {
	b := Wrap(&stub{})
	f := b.Inject(Rule{Ops: []string{OpGetattr}, Prob: 0.5, Err: Errno(syscall.EIO)})
	for range 1000 {
		_, _ = b.Getattr(bg, fop.Gfid{1})
	}
	if n := f.Fired(); n < 350 || n > 650 {
		t.Fatalf("fired %d times of 1000 at p=0.5", n)
	}
}
