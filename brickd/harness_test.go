package brickd

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/test/bufconn"

	"github.com/mortarfs/mortar/brickd/internal/gfid"
	"github.com/mortarfs/mortar/proto/brickpb"
)

// requireRoot skips tests that need root: trusted.* xattrs, chown, mknod.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("brickd tests need root (trusted.* xattrs, chown, mknod); skipped when not root")
	}
}

// testServer is a brick server on an in-memory listener with one brick
// "b1" in a temporary directory. Next to the brick lies a sentinel file
// that no operation may ever touch.
type testServer struct {
	t        *testing.T
	srv      *Server
	dir      string // holds the brick and the sentinel
	path     string // the brick
	sentinel string
	conn     *grpc.ClientConn
	rpc      brickpb.BrickClient
}

const sentinelContent = "outside the brick: never read or written\n"

func newTestServer(t *testing.T) *testServer {
	t.Helper()
	requireRoot(t)
	dir := t.TempDir()
	ts := &testServer{t: t, dir: dir, path: filepath.Join(dir, "brick"), sentinel: filepath.Join(dir, "sentinel")}
	must(t, os.Mkdir(ts.path, 0o755))
	must(t, os.WriteFile(ts.sentinel, []byte(sentinelContent), 0o644))
	old := time.Unix(1_000_000_000, 0)
	must(t, os.Chtimes(ts.sentinel, old, old))
	log := quiet
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := New(Config{Bricks: []BrickConfig{{Name: "b1", Path: ts.path}}, Logger: log})
	must(t, err)
	ts.srv = srv
	ts.start()
	t.Cleanup(ts.checkSentinel)
	return ts
}

// start serves ts.srv on a bufconn listener until the test ends.
func (ts *testServer) start() {
	t := ts.t
	lis := bufconn.Listen(1 << 20)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- ts.srv.Serve(ctx, lis) }()
	conn, err := grpc.NewClient("passthrough:///bufconn",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMsgSize), grpc.MaxCallSendMsgSize(maxMsgSize)))
	must(t, err)
	ts.conn, ts.rpc = conn, brickpb.NewBrickClient(conn)
	t.Cleanup(func() {
		conn.Close()
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Serve did not return")
		}
	})
}

// checkSentinel verifies that the file next to the brick is untouched.
func (ts *testServer) checkSentinel() {
	b, err := os.ReadFile(ts.sentinel)
	if err != nil || string(b) != sentinelContent {
		ts.t.Errorf("sentinel outside the brick changed: %q, %v", b, err)
	}
	st, err := os.Stat(ts.sentinel)
	if err != nil || st.ModTime().Unix() != 1_000_000_000 {
		ts.t.Errorf("sentinel mtime changed: %v, %v", st.ModTime(), err)
	}
}

// client is one session on brick b1.
type client struct {
	t      *testing.T
	ts     *testServer
	rpc    brickpb.BrickClient
	id     uint64
	cancel context.CancelFunc
	ended  chan struct{}
	events chan *brickpb.Event
	first  *brickpb.Event
}

// session opens a session; it ends with the test or with close.
func (ts *testServer) session() *client {
	ts.t.Helper()
	return ts.sessionWith(&brickpb.SessionRequest{Brick: "b1", Client: ts.t.Name()})
}

// sessionWith opens a session with req.
func (ts *testServer) sessionWith(req *brickpb.SessionRequest) *client {
	t := ts.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := ts.rpc.Session(ctx, req)
	must(t, err)
	first, err := stream.Recv()
	must(t, err)
	c := &client{t: t, ts: ts, rpc: ts.rpc, id: first.GetSession(), cancel: cancel,
		ended: make(chan struct{}), events: make(chan *brickpb.Event, 100000), first: first}
	go func() {
		defer close(c.ended)
		for {
			ev, err := stream.Recv()
			if err != nil {
				return
			}
			c.events <- ev
		}
	}()
	t.Cleanup(c.close)
	return c
}

// close ends the session from the client's side and waits until the
// server has forgotten it.
func (c *client) close() {
	c.cancel()
	<-c.ended
	waitFor(c.t, "session forgotten", func() bool {
		_, ok := c.ts.srv.lookupSession(c.id)
		return !ok
	})
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErrno checks a reply's errno.
func wantErrno(t *testing.T, what string, got int32, want syscall.Errno) {
	t.Helper()
	if syscall.Errno(got) != want {
		t.Errorf("%s: errno %v (%d), want %v (%d)", what, syscall.Errno(got), got, want, int32(want))
	}
}

var (
	quiet   = slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx     = context.Background()
	root    = gfid.Root[:]
	caller0 = &brickpb.Caller{}
)

func newID() []byte { return gfid.New().Bytes() }

// mkdir makes a directory and returns its gfid.
func (c *client) mkdir(parent []byte, name string) []byte {
	c.t.Helper()
	g := newID()
	r, err := c.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: c.id, Parent: parent, Name: []byte(name), Gfid: g, Mode: 0o755, Caller: caller0})
	must(c.t, err)
	if r.GetErrno() != 0 {
		c.t.Fatalf("mkdir %s: %v", name, syscall.Errno(r.GetErrno()))
	}
	return g
}

// create makes a regular file opened O_RDWR and returns its gfid and fd.
func (c *client) create(parent []byte, name string) ([]byte, uint64) {
	c.t.Helper()
	g := newID()
	r, err := c.rpc.Create(ctx, &brickpb.CreateRequest{Session: c.id, Parent: parent, Name: []byte(name), Gfid: g, Mode: 0o644,
		Flags: uint32(syscall.O_RDWR | syscall.O_EXCL), Caller: caller0})
	must(c.t, err)
	if r.GetErrno() != 0 {
		c.t.Fatalf("create %s: %v", name, syscall.Errno(r.GetErrno()))
	}
	return g, r.GetFd()
}

func (c *client) write(g []byte, fd uint64, off int64, data string) {
	c.t.Helper()
	r, err := c.rpc.Write(ctx, &brickpb.WriteRequest{Session: c.id, Gfid: g, Fd: fd, Offset: off, Data: []byte(data)})
	must(c.t, err)
	if r.GetErrno() != 0 || int(r.GetWritten()) != len(data) {
		c.t.Fatalf("write: %v, %d written", syscall.Errno(r.GetErrno()), r.GetWritten())
	}
}

func (c *client) read(g []byte, fd uint64, off int64, size uint32) (string, int32) {
	c.t.Helper()
	r, err := c.rpc.Read(ctx, &brickpb.ReadRequest{Session: c.id, Gfid: g, Fd: fd, Offset: off, Size: size})
	must(c.t, err)
	return string(r.GetData()), r.GetErrno()
}

func (c *client) lookup(parent []byte, name string) *brickpb.EntryReply {
	c.t.Helper()
	r, err := c.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: c.id, Parent: parent, Name: []byte(name)})
	must(c.t, err)
	return r
}

func (c *client) getattr(g []byte) *brickpb.AttrReply {
	c.t.Helper()
	r, err := c.rpc.Getattr(ctx, &brickpb.InodeRequest{Session: c.id, Gfid: g})
	must(c.t, err)
	return r
}

func (c *client) release(fd uint64) {
	c.t.Helper()
	r, err := c.rpc.Release(ctx, &brickpb.FdRequest{Session: c.id, Fd: fd})
	must(c.t, err)
	wantErrno(c.t, "release", r.GetErrno(), 0)
}

// brickPath is a path inside the brick, for checks made from outside.
func (ts *testServer) brickPath(parts ...string) string {
	return filepath.Join(append([]string{ts.path}, parts...)...)
}

// handlePath is the handle of g in the brick.
func (ts *testServer) handlePath(g []byte) string {
	id, err := gfid.FromBytes(g)
	must(ts.t, err)
	return filepath.Join(ts.path, ".mortar", "handles", id.HandlePath())
}

func mustGfid(t *testing.T, b []byte) gfid.Gfid {
	t.Helper()
	g, err := gfid.FromBytes(b)
	must(t, err)
	return g
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func itoa(i int) string { return strconv.Itoa(i) }
