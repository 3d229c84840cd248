package locks

import (
	"context"
	"errors"
	"syscall"
	"testing"
	"time"
)

var (
	a = Owner{Session: 1, ID: 1}
	b = Owner{Session: 2, ID: 1}
	k = Key{Space: Posix, Gfid: [16]byte{1}}
)

func set(t *testing.T, m *Manager, typ Type, s, e uint64, o Owner) error {
	t.Helper()
	return m.Set(context.Background(), k, Lock{Type: typ, Start: s, End: e, Owner: o}, false)
}

func ranges(m *Manager) []Lock {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t := m.tables[k]; t != nil {
		return append([]Lock(nil), t.ranges...)
	}
	return nil
}

func TestMergeAndSplit(t *testing.T) {
	m := NewManager()
	for _, r := range [][2]uint64{{0, 9}, {10, 19}, {30, 39}} {
		if err := set(t, m, Write, r[0], r[1], a); err != nil {
			t.Fatal(err)
		}
	}
	got := ranges(m)
	if len(got) != 2 || got[0].Start != 0 || got[0].End != 19 || got[1].Start != 30 {
		t.Fatalf("merge: %+v", got)
	}
	// A read lock in the middle splits the write lock in three.
	if err := set(t, m, Read, 5, 14, a); err != nil {
		t.Fatal(err)
	}
	got = ranges(m)
	want := []Lock{{Write, 0, 4, 0, a}, {Read, 5, 14, 0, a}, {Write, 15, 19, 0, a}, {Write, 30, 39, 0, a}}
	if len(got) != len(want) {
		t.Fatalf("split: %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("split[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	// Unlock to EOF from 10 leaves [0,4]W [5,9]R.
	if err := set(t, m, Unlock, 10, ToEOF, a); err != nil {
		t.Fatal(err)
	}
	got = ranges(m)
	if len(got) != 2 || got[1].End != 9 || got[1].Type != Read {
		t.Fatalf("unlock: %+v", got)
	}
}

func TestConflicts(t *testing.T) {
	m := NewManager()
	if err := set(t, m, Read, 0, 99, a); err != nil {
		t.Fatal(err)
	}
	if err := set(t, m, Read, 50, 150, b); err != nil {
		t.Fatalf("two readers: %v", err)
	}
	if err := set(t, m, Write, 90, 200, b); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("write over foreign read: %v", err)
	}
	c := m.Get(k, Lock{Type: Write, Start: 120, End: ToEOF, Owner: a})
	if c.Type != Read || c.Owner != b || c.Start != 50 {
		t.Fatalf("getlk: %+v", c)
	}
	if c := m.Get(k, Lock{Type: Write, Start: 200, End: 300, Owner: a}); c.Type != Unlock {
		t.Fatalf("getlk free range: %+v", c)
	}
	m.ReleaseSession(2)
	if err := set(t, m, Write, 0, ToEOF, a); err != nil {
		t.Fatalf("upgrade after release: %v", err)
	}
	m.ReleaseOwner(k, a)
	if m.Count(k) != 0 || len(m.tables) != 0 {
		t.Fatalf("tables left: %v", m.tables)
	}
}

func TestWaitGrantedOnRelease(t *testing.T) {
	m := NewManager()
	if err := set(t, m, Write, 0, ToEOF, a); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- m.Set(context.Background(), k, Lock{Type: Write, Start: 0, End: 10, Owner: b}, true)
	}()
	waitFor(t, func() bool { m.mu.Lock(); defer m.mu.Unlock(); return m.tables[k].waiters == 1 })
	m.ReleaseSession(a.Session)
	if err := <-done; err != nil {
		t.Fatalf("waiter: %v", err)
	}
}

func TestWaitCancelled(t *testing.T) {
	m := NewManager()
	if err := set(t, m, Write, 0, ToEOF, a); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Set(ctx, k, Lock{Type: Read, Start: 5, End: 5, Owner: b}, true) }()
	waitFor(t, func() bool { m.mu.Lock(); defer m.mu.Unlock(); return m.tables[k].waiters == 1 })
	cancel()
	if err := <-done; !errors.Is(err, syscall.EINTR) {
		t.Fatalf("cancelled waiter: %v", err)
	}
}

func TestEntryLocks(t *testing.T) {
	m := NewManager()
	ek := Key{Space: Entry, Gfid: [16]byte{2}, Domain: "afr"}
	ctx := context.Background()
	if err := m.SetEntry(ctx, ek, EntryLock{Name: "x", Type: Write, Owner: a}, false); err != nil {
		t.Fatal(err)
	}
	if err := m.SetEntry(ctx, ek, EntryLock{Name: "y", Type: Write, Owner: b}, false); err != nil {
		t.Fatalf("other name: %v", err)
	}
	if err := m.SetEntry(ctx, ek, EntryLock{Name: "", Type: Read, Owner: b}, false); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("whole dir over a name lock: %v", err)
	}
	if err := m.SetEntry(ctx, ek, EntryLock{Name: "x", Type: Read, Owner: b}, false); !errors.Is(err, syscall.EAGAIN) {
		t.Fatalf("same name: %v", err)
	}
	other := Key{Space: Entry, Gfid: [16]byte{2}, Domain: "dht"}
	if err := m.SetEntry(ctx, other, EntryLock{Name: "x", Type: Write, Owner: b}, false); err != nil {
		t.Fatalf("other domain: %v", err)
	}
	if err := m.SetEntry(ctx, ek, EntryLock{Name: "x", Type: Unlock, Owner: a}, false); err != nil {
		t.Fatal(err)
	}
	if err := m.SetEntry(ctx, ek, EntryLock{Name: "x", Type: Read, Owner: b}, false); err != nil {
		t.Fatalf("after unlock: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestContendedNamesTheHolders(t *testing.T) {
	m := NewManager()
	ik := Key{Space: Inode, Gfid: [16]byte{3}, Domain: "afr.data"}
	c := Owner{Session: 3, ID: 7}
	ctx := context.Background()
	for _, o := range []Owner{a, c} {
		if err := m.Set(ctx, ik, Lock{Type: Read, Start: 0, End: ToEOF, Owner: o}, false); err != nil {
			t.Fatal(err)
		}
	}
	told := make(chan []uint64, 10)
	tell := func(s []uint64) { told <- s }
	// A non-blocking request never tells.
	if err := m.SetContended(ctx, ik, Lock{Type: Write, End: ToEOF, Owner: b}, false, tell); err == nil {
		t.Fatal("write lock granted over two readers")
	}
	done := make(chan error, 1)
	go func() { done <- m.SetContended(ctx, ik, Lock{Type: Write, End: ToEOF, Owner: b}, true, tell) }()
	if got := <-told; len(got) != 2 || got[0] != a.Session || got[1] != c.Session {
		t.Fatalf("told %v, want sessions %d and %d", got, a.Session, c.Session)
	}
	m.ReleaseSession(a.Session)
	if got := <-told; len(got) != 1 || got[0] != c.Session {
		t.Fatalf("after a's release told %v, want %d", got, c.Session)
	}
	m.ReleaseSession(c.Session)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ek := Key{Space: Entry, Gfid: [16]byte{4}, Domain: "afr.entry"}
	if err := m.SetEntry(ctx, ek, EntryLock{Name: "x", Type: Write, Owner: a}, false); err != nil {
		t.Fatal(err)
	}
	go func() { done <- m.SetEntryContended(ctx, ek, EntryLock{Type: Read, Owner: b}, true, tell) }()
	if got := <-told; len(got) != 1 || got[0] != a.Session {
		t.Fatalf("entry lock: told %v", got)
	}
	m.ReleaseSession(a.Session)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
