package peer

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/mortarfs/mortar/proto/mgmtpb"
)

// requireRoot skips tests that serve bricks (trusted.* xattrs) when not
// root, unless MORTAR_REQUIRE_FUSE=1 makes that a failure.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("MORTAR_REQUIRE_FUSE") == "1" {
		t.Fatal("peer tests that serve bricks need root (trusted.* xattrs); MORTAR_REQUIRE_FUSE=1 forbids skipping")
	}
	t.Skip("peer tests that serve bricks need root (trusted.* xattrs); skipped when not root")
}

// nextHost hands out loopback addresses, one per test daemon, so that
// peers are told apart by host as on a real network.
var nextHost atomic.Int32

func loopbackHost() string {
	n := nextHost.Add(1)
	return fmt.Sprintf("127.0.%d.%d", 10+n/250, 1+n%250)
}

// freePort returns a port free for TCP and UDP on host.
func freePort(t *testing.T, host string) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		u, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(port)))
		l.Close()
		if err == nil {
			u.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}

// node is one daemon of a test pool, which can be stopped and restarted
// on the same state.
type node struct {
	t   *testing.T
	cfg Config
	d   *Daemon
	dir string // for the test's bricks
}

func (n *node) host() string { return n.cfg.Host }

// start starts (or restarts) the daemon.
func (n *node) start() {
	n.t.Helper()
	d, err := New(n.cfg)
	if err != nil {
		n.t.Fatalf("daemon %s: %v", n.cfg.Host, err)
	}
	n.d = d
}

// stop closes the daemon.
func (n *node) stop() {
	n.t.Helper()
	if n.d == nil {
		return
	}
	if err := n.d.Close(); err != nil {
		n.t.Logf("close %s: %v", n.cfg.Host, err)
	}
	n.d = nil
}

func testLogger(t *testing.T, host string) *slog.Logger {
	if testing.Verbose() && os.Getenv("MORTAR_PEER_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("host", host)
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newNodes starts n daemons, each a pool of its own.
func newNodes(t *testing.T, n int) []*node {
	t.Helper()
	base := t.TempDir()
	var nodes []*node
	for i := range n {
		host := loopbackHost()
		dir := filepath.Join(base, fmt.Sprintf("p%d", i+1))
		nd := &node{t: t, dir: filepath.Join(dir, "bricks"), cfg: Config{
			StateDir: filepath.Join(dir, "state"), Host: host,
			Port: freePort(t, host), GossipPort: freePort(t, host),
			Socket: filepath.Join(dir, "mortar.sock"),
			RootFS: "/dev/shm", Timing: TestTiming, Logger: testLogger(t, host),
		}}
		nd.start()
		t.Cleanup(nd.stop)
		nodes = append(nodes, nd)
	}
	return nodes
}

// newPool starts n daemons and probes them into one pool from the first.
func newPool(t *testing.T, n int) []*node {
	t.Helper()
	nodes := newNodes(t, n)
	for _, nd := range nodes[1:] {
		if _, err := nodes[0].pool().Probe(ctxT(t), &mgmtpb.ProbeRequest{Host: nd.d.Addr()}); err != nil {
			t.Fatalf("probe %s: %v", nd.host(), err)
		}
	}
	waitConverged(t, nodes...)
	return nodes
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// conn is a client connection to the daemon's TCP port.
func (n *node) conn() *grpc.ClientConn {
	n.t.Helper()
	c, err := grpc.NewClient("passthrough:///"+n.d.Addr(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		n.t.Fatal(err)
	}
	n.t.Cleanup(func() { c.Close() })
	return c
}

func (n *node) pool() mgmtpb.PoolClient { return mgmtpb.NewPoolClient(n.conn()) }
func (n *node) mgmt() mgmtpb.MgmtClient { return mgmtpb.NewMgmtClient(n.conn()) }

// stateJSON is the node's pool state without the log index (which
// advances with entries that change nothing visible).
func stateJSON(n *node) string {
	s := n.d.State()
	s.Index = 0
	b, _ := json.Marshal(s)
	return string(b)
}

// waitFor polls cond until it holds, failing the test after 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitConverged waits until the nodes hold the same state, with every
// node among the peers.
func waitConverged(t *testing.T, nodes ...*node) {
	t.Helper()
	waitFor(t, "the pool state to converge", func() bool {
		first := stateJSON(nodes[0])
		for _, n := range nodes {
			if len(n.d.State().Peers) != len(nodes) || stateJSON(n) != first {
				return false
			}
		}
		return true
	})
}

// wantStatus checks a gRPC error's code and that its message contains want.
func wantStatus(t *testing.T, what string, err error, code codes.Code, want string) {
	t.Helper()
	s, _ := status.FromError(err)
	if err == nil || s.Code() != code || !strings.Contains(s.Message(), want) {
		t.Errorf("%s: %v, want %v with %q", what, err, code, want)
	}
}

// brick returns HOST:/PATH of a brick directory of n (not yet existing).
func (n *node) brick(name string) string { return n.host() + ":" + filepath.Join(n.dir, name) }

func removeAll(t *testing.T, dir string) {
	t.Helper()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
}

// waitAllConnected waits until every node sees every other connected
// (gossip) and a raft voter.
func waitAllConnected(t *testing.T, nodes ...*node) {
	t.Helper()
	for _, n := range nodes {
		waitFor(t, n.host()+" to see every peer connected", func() bool {
			r, err := n.pool().Peers(ctxT(t), &mgmtpb.PeersRequest{})
			if err != nil || len(r.GetPeers()) != len(nodes) {
				return false
			}
			for _, p := range r.GetPeers() {
				if p.GetState() != "Connected" || p.GetRole() != "voter" {
					return false
				}
			}
			return true
		})
	}
}
