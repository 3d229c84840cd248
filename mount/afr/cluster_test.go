package afr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mortarfs/mortar/brickd"
	"github.com/mortarfs/mortar/mount/client"
	"github.com/mortarfs/mortar/mount/fop"
	"github.com/mortarfs/mortar/mount/fop/faulty"
	"github.com/mortarfs/mortar/volume"
)

var bg = context.Background()

func quiet() *slog.Logger {
	if testing.Verbose() && os.Getenv("AFR_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// server is one real brick server (brickd) with one brick "b" in a
// temporary directory, on a TCP port it keeps across restarts.
type server struct {
	t      *testing.T
	dir    string
	addr   string
	cancel context.CancelFunc
	served chan error
}

func (s *server) start() {
	s.t.Helper()
	srv, err := brickd.New(brickd.Config{Bricks: []brickd.BrickConfig{{Name: "b", Path: s.dir}}, Logger: quiet()})
	if err != nil {
		s.t.Fatal(err)
	}
	lis, err := net.Listen("tcp", s.addr)
	if err != nil {
		_ = srv.Close()
		s.t.Fatal(err)
	}
	s.addr = lis.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.served = cancel, make(chan error, 1)
	go func() { s.served <- srv.Serve(ctx, lis) }()
}

// stop ends the server: its sessions end, the port is free again.
func (s *server) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	<-s.served
	s.cancel = nil
}

// cluster is n brick servers; clients mount them as one replica set.
type cluster struct {
	t       *testing.T
	servers []*server
	// carryDelay, when set, is the brick clients' CarryDelay for the
	// mounts made after.
	carryDelay time.Duration
}

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the brick servers keep gfids and changelogs in trusted.* xattrs; skipped when not root")
	}
}

func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	requireRoot(t)
	c := &cluster{t: t}
	for i := range n {
		dir := filepath.Join(t.TempDir(), fmt.Sprintf("b%d", i))
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		s := &server{t: t, dir: dir, addr: "127.0.0.1:0"}
		s.start()
		t.Cleanup(s.stop)
		c.servers = append(c.servers, s)
	}
	return c
}

// replica is one client's replica set over the cluster, with the faulty
// wrappers of its bricks.
type replica struct {
	*Set
	c      *cluster
	bricks []*client.Brick
	f      []*faulty.Brick
	events chan fop.Event
}

// mount makes a client of the cluster: a brick client per server, each
// wrapped by faulty, and a Set over them.
func (c *cluster) mount(opts Options) *replica {
	c.t.Helper()
	return c.mountVia(opts, nil)
}

// mountVia is mount with some bricks reached at other addresses (proxies).
func (c *cluster) mountVia(opts Options, via map[int]string) *replica {
	t := c.t
	t.Helper()
	r := &replica{c: c, events: make(chan fop.Event, 10000)}
	kids := make([]fop.Brick, len(c.servers))
	for i, s := range c.servers {
		addr := s.addr
		if a, ok := via[i]; ok {
			addr = a
		}
		b, err := client.New(volume.BrickRef{Addr: addr, Name: "b"}, client.Options{
			Logger: quiet(), FailFast: true, ConnectTimeout: 3 * time.Second,
			PingInterval: 500 * time.Millisecond, PingTimeout: time.Second, CarryDelay: c.carryDelay})
		if err != nil {
			t.Fatal(err)
		}
		wctx, cancel := context.WithTimeout(bg, 10*time.Second)
		err = b.WaitReady(wctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		r.bricks = append(r.bricks, b)
		fb := faulty.Wrap(b)
		r.f = append(r.f, fb)
		kids[i] = fb
	}
	if opts.Logger == nil {
		opts.Logger = quiet()
	}
	set, err := New(kids, opts)
	if err != nil {
		t.Fatal(err)
	}
	set.Watch(func(ev fop.Event) {
		select {
		case r.events <- ev:
		default:
		}
	})
	r.Set = set
	t.Cleanup(func() { _ = set.Close() })
	return r
}

// down stops brick server i and waits until the client sees it gone.
func (r *replica) down(i int) {
	r.c.servers[i].stop()
	waitFor(r.c.t, fmt.Sprintf("brick %d disconnected", i), func() bool { return !r.bricks[i].Connected() })
}

// up restarts brick server i and waits for the client's new session.
func (r *replica) up(i int) {
	r.c.servers[i].start()
	waitFor(r.c.t, fmt.Sprintf("brick %d reconnected", i), func() bool { return r.bricks[i].Connected() })
}

// waitFor polls cond until it holds, failing after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// path is a volume path on brick i.
func (c *cluster) path(i int, rel string) string { return filepath.Join(c.servers[i].dir, rel) }

// brickID reads brick i's id from its brick.json.
func (c *cluster) brickID(i int) string {
	b, err := os.ReadFile(filepath.Join(c.servers[i].dir, ".mortar", "brick.json"))
	if err != nil {
		c.t.Fatal(err)
	}
	s := string(b)
	k := strings.Index(s, `"brick_id"`)
	s = s[k+len(`"brick_id"`):]
	s = s[strings.Index(s, `"`)+1:]
	return s[:strings.Index(s, `"`)]
}

// pending reads the changelog counters of a volume path on brick i, by
// the index of the brick they name: [brick][data, metadata, entry].
func (c *cluster) pending(i int, rel string) [][3]uint32 {
	c.t.Helper()
	out := make([][3]uint32, len(c.servers))
	for j := range c.servers {
		v := make([]byte, 12)
		n, err := unix.Lgetxattr(c.path(i, rel), "trusted.mortar.pending."+c.brickID(j), v)
		if errors.Is(err, unix.ENODATA) {
			continue
		}
		if err != nil || n != 12 {
			c.t.Fatalf("pending of %s on brick %d: %d bytes, %v", rel, i, n, err)
		}
		for k := range 3 {
			out[j][k] = binary.BigEndian.Uint32(v[4*k:])
		}
	}
	return out
}

// accuses reports whether, on brick i, rel's counters of kind k accuse
// exactly the bricks in want (and nobody else).
func (c *cluster) accuses(i int, rel string, k Kind, want ...int) bool {
	p := c.pending(i, rel)
	for j := range p {
		accused := p[j][k] > 0
		wanted := false
		for _, w := range want {
			wanted = wanted || w == j
		}
		if accused != wanted {
			return false
		}
	}
	return true
}

// waitAccuses waits until rel's counters of kind k on every brick in on
// accuse exactly want.
func (c *cluster) waitAccuses(on []int, rel string, k Kind, want ...int) {
	c.t.Helper()
	waitFor(c.t, fmt.Sprintf("%s counters of %s on bricks %v accusing %v", k, rel, on, want), func() bool {
		for _, i := range on {
			if !c.accuses(i, rel, k, want...) {
				return false
			}
		}
		return true
	})
}

// gfidOf reads the gfid xattr of a volume path on brick i.
func (c *cluster) gfidOf(i int, rel string) (fop.Gfid, error) {
	var g fop.Gfid
	_, err := unix.Lgetxattr(c.path(i, rel), "trusted.mortar.gfid", g[:])
	return g, err
}

func wantErrno(t *testing.T, err error, want syscall.Errno) {
	t.Helper()
	var got syscall.Errno
	if !errors.As(err, &got) || got != want {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func newInode(mode uint32) fop.NewInode {
	return fop.NewInode{Gfid: fop.NewGfid(), Mode: mode}
}

// create makes rel/name in the root with data, and closes it.
func (r *replica) create(name, data string) fop.Entry {
	r.c.t.Helper()
	e, f, err := r.Create(bg, fop.RootGfid, name, syscall.O_RDWR|syscall.O_EXCL, newInode(0o644))
	if err != nil {
		r.c.t.Fatalf("create %s: %v", name, err)
	}
	if data != "" {
		if _, err := f.Write(bg, []byte(data), 0); err != nil {
			r.c.t.Fatalf("write %s: %v", name, err)
		}
	}
	if err := f.Release(bg); err != nil {
		r.c.t.Fatal(err)
	}
	return e
}

// readAll reads a whole small file through the set.
func (r *replica) readAll(g fop.Gfid) (string, error) {
	f, err := r.Open(bg, g, syscall.O_RDONLY)
	if err != nil {
		return "", err
	}
	defer f.Release(bg)
	buf := make([]byte, 1<<16)
	n, err := f.Read(bg, buf, 0)
	return string(buf[:n]), err
}

// onDisk reads a volume path on brick i directly.
func (c *cluster) onDisk(i int, rel string) (string, error) {
	b, err := os.ReadFile(c.path(i, rel))
	return string(b), err
}

// counter counts the operations named ops on every faulty brick.
func (r *replica) counts(ops ...string) []int {
	out := make([]int, len(r.f))
	for i, f := range r.f {
		for _, op := range ops {
			out[i] += f.Count(op)
		}
	}
	return out
}

// settle waits for the set's background work (post-ops and unlocks
// after answering).
// settle waits for the background post-ops and unlocks, and sends the
// requests waiting to ride on the bricks' next calls.
func (r *replica) settle() {
	r.bg.wait()
	for _, b := range r.bricks {
		b.SendCarried(bg)
	}
}

func (r *replica) resetCounts() {
	r.settle()
	for _, f := range r.f {
		f.ResetCounts()
	}
}
