package brickd

import (
	"context"
	"net"
	"os"
	"strconv"
	"syscall"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/mortarfs/mortar/proto/brickpb"
)

// The benchmarks measure one operation's latency through the real gRPC
// server on TCP loopback, as a mount reaches `mortar brickd`: one session,
// one call at a time. Run them as root:
//
//	go test -run '^$' -bench . -benchtime 3000x ./brickd/

// benchCaller is the identity of new inodes: an ordinary user, so that
// ownership is really set.
var benchCaller = &brickpb.Caller{Uid: 1000, Gid: 1000}

// benchSession is one session on a brick server of its own.
type benchSession struct {
	b   *testing.B
	rpc brickpb.BrickClient
	id  uint64
	dir []byte // a directory for the benchmark's entries
}

func newBenchSession(b *testing.B) *benchSession {
	b.Helper()
	if os.Geteuid() != 0 {
		b.Skip("brickd benchmarks need root (trusted.* xattrs, chown)")
	}
	srv, err := New(Config{Bricks: []BrickConfig{{Name: "b1", Path: b.TempDir()}}, Logger: quiet})
	must(b, err)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	must(b, err)
	sctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sctx, lis) }()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	must(b, err)
	cctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(func() {
		cancel()
		conn.Close()
		stop()
		must(b, <-served)
	})
	rpc := brickpb.NewBrickClient(conn)
	stream, err := rpc.Session(cctx, &brickpb.SessionRequest{Brick: "b1", Client: b.Name()})
	must(b, err)
	first, err := stream.Recv()
	must(b, err)
	s := &benchSession{b: b, rpc: rpc, id: first.GetSession()}
	s.dir = s.mkdir(root, "bench")
	return s
}

// ok fails the benchmark on a transport error or a non-zero errno.
func (s *benchSession) ok(op string, errno int32, err error) {
	if err != nil {
		s.b.Fatalf("%s: %v", op, err)
	}
	if errno != 0 {
		s.b.Fatalf("%s: %v", op, syscall.Errno(errno))
	}
}

func (s *benchSession) mkdir(parent []byte, name string) []byte {
	g := newID()
	r, err := s.rpc.Mkdir(ctx, &brickpb.MkdirRequest{Session: s.id, Parent: parent, Name: []byte(name), Gfid: g, Mode: 0o755, Caller: benchCaller})
	s.ok("mkdir", r.GetErrno(), err)
	return g
}

// create makes and opens a new regular file and returns its gfid and fd.
func (s *benchSession) create(name string) ([]byte, uint64) {
	g := newID()
	r, err := s.rpc.Create(ctx, &brickpb.CreateRequest{Session: s.id, Parent: s.dir, Name: []byte(name), Gfid: g,
		Mode: 0o644, Flags: uint32(os.O_RDWR | os.O_EXCL), Caller: benchCaller})
	s.ok("create", r.GetErrno(), err)
	return g, r.GetFd()
}

func (s *benchSession) release(fd uint64) {
	r, err := s.rpc.Release(ctx, &brickpb.FdRequest{Session: s.id, Fd: fd})
	s.ok("release", r.GetErrno(), err)
}

func benchName(i int) string { return "f" + strconv.Itoa(i) }

func BenchmarkCreateRelease(b *testing.B) {
	s := newBenchSession(b)
	for i := 0; b.Loop(); i++ {
		_, fd := s.create(benchName(i))
		s.release(fd)
	}
}

func BenchmarkMknod(b *testing.B) {
	s := newBenchSession(b)
	for i := 0; b.Loop(); i++ {
		r, err := s.rpc.Mknod(ctx, &brickpb.MknodRequest{Session: s.id, Parent: s.dir, Name: []byte(benchName(i)), Gfid: newID(),
			Mode: syscall.S_IFREG | 0o644, Caller: benchCaller})
		s.ok("mknod", r.GetErrno(), err)
	}
}

func BenchmarkMkdir(b *testing.B) {
	s := newBenchSession(b)
	for i := 0; b.Loop(); i++ {
		s.mkdir(s.dir, benchName(i))
	}
}

func BenchmarkLookup(b *testing.B) {
	s := newBenchSession(b)
	_, fd := s.create("f")
	s.release(fd)
	for b.Loop() {
		r, err := s.rpc.Lookup(ctx, &brickpb.LookupRequest{Session: s.id, Parent: s.dir, Name: []byte("f"), WantPending: true})
		s.ok("lookup", r.GetErrno(), err)
	}
}

func BenchmarkGetattr(b *testing.B) {
	s := newBenchSession(b)
	g, fd := s.create("f")
	s.release(fd)
	for b.Loop() {
		r, err := s.rpc.Getattr(ctx, &brickpb.InodeRequest{Session: s.id, Gfid: g})
		s.ok("getattr", r.GetErrno(), err)
	}
}

// BenchmarkWrite4k rewrites a 1 MiB file in 4 KiB writes through one fd.
func BenchmarkWrite4k(b *testing.B) {
	s := newBenchSession(b)
	g, fd := s.create("f")
	data := make([]byte, 4096)
	b.SetBytes(int64(len(data)))
	for i := 0; b.Loop(); i++ {
		r, err := s.rpc.Write(ctx, &brickpb.WriteRequest{Session: s.id, Gfid: g, Fd: fd, Offset: int64(i%256) * 4096, Data: data})
		s.ok("write", r.GetErrno(), err)
	}
	s.release(fd)
}
