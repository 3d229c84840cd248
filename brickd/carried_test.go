package brickd

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// carrying returns ctx with the carried values vs.
func carrying(vs ...string) context.Context {
	kv := make([]string, 0, 2*len(vs))
	for _, v := range vs {
		kv = append(kv, brickpb.CarriedKey, v)
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

func encodeCarried(t *testing.T, k brickpb.CarriedKind, m proto.Message) string {
	t.Helper()
	v, err := brickpb.EncodeCarried(k, m)
	must(t, err)
	return v
}

// carriedSetup: session a holds the entry lock (root, "x") as owner 1
// and, through an open fd of "f", the inode lock afr.data as owner 2.
func carriedSetup(t *testing.T) (ts *testServer, a, b *client, f []byte, fd uint64) {
	ts = newTestServer(t)
	a, b = ts.session(), ts.session()
	f, fd = a.create(root, "f")
	r, err := a.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: a.id, Parent: root, Name: []byte("x"), Domain: "afr", Cmd: set, Type: wr, Owner: 1})
	must(t, err)
	wantErrno(t, "a locks x", r.GetErrno(), 0)
	ir, err := a.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: a.id, Gfid: f, Domain: "afr.data", Cmd: set, Lock: &brickpb.Lock{Type: wr, End: eof, Owner: 2}})
	must(t, err)
	wantErrno(t, "a locks f", ir.GetErrno(), 0)
	return ts, a, b, f, fd
}

// tryLocks returns b's answers to trying the entry lock x and f's inode lock.
func tryLocks(t *testing.T, b *client, f []byte) (entry, inode int32) {
	t.Helper()
	r, err := b.rpc.Entrylk(ctx, &brickpb.EntrylkRequest{Session: b.id, Parent: root, Name: []byte("x"), Domain: "afr", Cmd: set, Type: wr, Owner: 9})
	must(t, err)
	ir, err := b.rpc.Inodelk(ctx, &brickpb.InodelkRequest{Session: b.id, Gfid: f, Domain: "afr.data", Cmd: set, Lock: &brickpb.Lock{Type: wr, End: eof, Owner: 9}})
	must(t, err)
	return r.GetErrno(), ir.GetErrno()
}

// TestCarriedRequestsRunBeforeTheCall: an entry unlock and the release of
// an fd with the end of its window, carried on a getattr, are carried out
// by the time the getattr answers.
func TestCarriedRequestsRunBeforeTheCall(t *testing.T) {
	_, a, b, f, fd := carriedSetup(t)
	if !slices.Contains(a.first.GetFeatures(), brickpb.FeatureCarried) {
		t.Fatalf("the server does not announce %q: %v", brickpb.FeatureCarried, a.first.GetFeatures())
	}
	unlock := encodeCarried(t, brickpb.CarriedEntryUnlock, &brickpb.EntrylkRequest{Session: a.id, Parent: root, Name: []byte("x"), Domain: "afr", Cmd: set, Type: un, Owner: 1})
	release := encodeCarried(t, brickpb.CarriedRelease, &brickpb.FdRequest{Session: a.id, Gfid: f, Fd: fd, UnlockDomain: "afr.data", UnlockOwner: 2})
	r, err := a.rpc.Getattr(carrying(unlock, release), &brickpb.InodeRequest{Session: a.id, Gfid: f})
	must(t, err)
	wantErrno(t, "the carrying getattr", r.GetErrno(), 0)
	e, i := tryLocks(t, b, f)
	wantErrno(t, "b locks x after the carried unlock", e, 0)
	wantErrno(t, "b locks f after the carried release", i, 0)
	_, errno := a.read(f, fd, 0, 10)
	wantErrno(t, "a reads the carried-away fd", errno, syscall.EBADF)
}

// TestCarriedMalformed: a call carrying anything but well-formed requests
// that end something fails with InvalidArgument, and none of what it
// carries is done, the good ones included.
func TestCarriedMalformed(t *testing.T) {
	_, a, b, f, fd := carriedSetup(t)
	unlock := encodeCarried(t, brickpb.CarriedEntryUnlock, &brickpb.EntrylkRequest{Session: a.id, Parent: root, Name: []byte("x"), Domain: "afr", Cmd: set, Type: un, Owner: 1})
	lock := encodeCarried(t, brickpb.CarriedEntryUnlock, &brickpb.EntrylkRequest{Session: a.id, Parent: root, Name: []byte("y"), Domain: "afr", Cmd: set, Type: wr, Owner: 1})
	wait := encodeCarried(t, brickpb.CarriedEntryUnlock, &brickpb.EntrylkRequest{Session: a.id, Parent: root, Name: []byte("x"), Domain: "afr", Cmd: setw, Type: un, Owner: 1})
	many := make([]string, brickpb.MaxCarried+1)
	for i := range many {
		many[i] = unlock
	}
	for _, c := range []struct {
		name string
		vs   []string
	}{
		{"empty value", []string{unlock, ""}},
		{"unknown kind", []string{unlock, "\x07junk"}},
		{"not protobuf", []string{unlock, string(brickpb.CarriedRelease) + "\xff\xff\xff"}},
		{"a lock, not an unlock", []string{unlock, lock}},
		{"a waiting unlock", []string{unlock, wait}},
		{"too many", many},
	} {
		_, err := a.rpc.Getattr(carrying(c.vs...), &brickpb.InodeRequest{Session: a.id, Gfid: f})
		if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "carried") {
			t.Fatalf("%s: %v; want InvalidArgument naming the carried request", c.name, err)
		}
	}
	e, i := tryLocks(t, b, f)
	wantErrno(t, "b tries x: nothing carried was done", e, syscall.EAGAIN)
	wantErrno(t, "b tries f", i, syscall.EAGAIN)
	a.write(f, fd, 0, "still open")
}
